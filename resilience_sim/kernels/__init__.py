"""The day's stages as numba kernels: pure functions of arrays and scalars.

One module per stage of the day (DESIGN §1.2), called in this order by
:func:`resilience_sim.kernels.day.run_day`: shock, arrivals, decisions, work,
reporting, wellbeing, record.
"""
