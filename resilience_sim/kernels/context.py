"""Typed tuples the kernels take besides the state tables.

``DayParams`` holds the scalar parameters of the day's rules (built once per run by
:func:`resilience_sim.engine.day_params`); ``Buffers`` holds the run's working arrays
that are not per-entity state: the task queues, the decision desks' free times, the
latency histogram and the counters.
"""

from collections import namedtuple

import numpy as np

DayParams = namedtuple("DayParams", [
    "seed",                 # run seed
    "slots",                # width of the task ring buffer, days
    "agent_reporting",      # share of agents' time on reporting, normal times
    "manager_reporting",    # share of managers' time on reporting, normal times
    "crisis_reporting",     # reporting multiplier on crisis days
    "hours_per_day",        # working hours per day
    "remote_productivity",  # remote productivity factor
    "sickness_spell",       # days of a sickness spell
    "interim",              # decision capacity kept when a manager is absent
    "steps",                # sign-offs per decision
    "authority_exception",  # level holding authority on exceptions
    "fatigue_gain", "fatigue_recovery", "fatigue_effect",
    "burnout_threshold", "burnout_hazard", "burnout_days",
    "engagement_baseline", "engagement_recovery", "reporting_cost", "fatigue_cost",
    "pressure_cap",
])

Buffers = namedtuple("Buffers", [
    "backlog",     # (S, slots) int64: workable tasks by arrival day (ring)
    "cap_remote",  # (S,) float64: today's remote capacity (scratch)
    "free_at",     # (deciders,) float64: when each decider is next free, day
    "serving",     # (deciders,) int64: decision slot a decider signs past a day's end, or -1
    "queue_head",  # (managers,) int64: first decision slot queued at each desk, or -1
    "queue_tail",  # (managers,) int64: last decision slot queued at each desk, or -1
    "latency",     # (LATENCY_BINS + 1,) int64: histogram of decision latencies
    "counts",      # (12,) int64: see COUNT_* indices
    "today",       # (16,) float64: the day's accumulators, see TODAY_* indices
])

LATENCY_BIN = 1.0 / 24.0  # one hour, in days
LATENCY_BINS = 24 * 365   # a year of hours; longer latencies go in the last bin

# counters (cumulative over the run)
COUNT_ACTIVE, COUNT_NEXT_UID, COUNT_CREATED, COUNT_COMPLETED = 0, 1, 2, 3
COUNT_INSTANT, COUNT_ARRIVED, COUNT_PROCESSED, COUNT_UNMET = 4, 5, 6, 7
COUNT_WITHDRAWN = 8
COUNT_FREE, COUNT_FRESH = 9, 10  # heads of the free-slot chain and of today's arrivals at desks

# the day's accumulators (reset each day)
(TODAY_ABSENT, TODAY_REMOTE, TODAY_FATIGUE, TODAY_ENGAGEMENT, TODAY_BURNOUT_STARTS,
 TODAY_BURNOUT_DAYS, TODAY_REPORTING_HOURS, TODAY_DECIDED, TODAY_LATENCY_SUM,
 TODAY_SPECIAL_LEAVE, TODAY_MANAGER_FATIGUE) = range(11)


def new_buffers(n_services: int, slots: int, n_deciders: int, n_managers: int) -> Buffers:
    """Zeroed working arrays for a run."""
    return Buffers(
        backlog=np.zeros((n_services, slots), dtype=np.int64),
        cap_remote=np.zeros(n_services, dtype=np.float64),
        free_at=np.zeros(n_deciders, dtype=np.float64),
        serving=np.full(n_deciders, -1, dtype=np.int64),
        queue_head=np.full(n_managers, -1, dtype=np.int64),
        queue_tail=np.full(n_managers, -1, dtype=np.int64),
        latency=np.zeros(LATENCY_BINS + 1, dtype=np.int64),
        counts=np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 0], dtype=np.int64),
        today=np.zeros(16, dtype=np.float64),
    )
