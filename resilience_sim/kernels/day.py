"""The whole day, stage after stage (DESIGN §1.2), in one compiled call.

Every stage has the same signature ``(day, P, agents, services, managers, decisions,
buf, inputs, out)`` so that the engine can also run them one by one from Python to
time each stage (``Simulation.step(timings=...)``); ``run_day`` calls them in the
order of ``STAGES`` in a single compiled call.

The stages, and the kernels they call with the state tuples, are compiled inline
(``inline="always"``) into ``run_days``: a compiled call takes a reference to every
array of every tuple it receives (some 110 arrays for the whole state), each an atomic
increment and decrement, which dominates a small organisation's day (the measurements are
in docs/performance.md). They remain callable one by one from Python.
"""

from collections import namedtuple

import numpy as np
from numba import njit

from . import (
    arrivals,
    conservation,
    context,
    decisions,
    initiatives,
    mobility,
    record,
    reporting,
    shock,
    wellbeing,
    work,
)
from .context import COUNT_ACTIVE

#: the modules of the stages, in the order of the day; each declares the parameters its rules read
MODULES = (shock, arrivals, decisions, mobility, initiatives, work, reporting, wellbeing, record)

#: every parameter of the day's rules, as declared by the stages
DAY_PARAMS = tuple(d for m in (context, *MODULES) for d in getattr(m, "DAY_PARAMS", ()))

#: the run's record of the day's parameters (``P`` in the kernels): one field per declaration
DayParams = namedtuple("DayParams", [d.name for d in DAY_PARAMS])

_KINDS = {int: np.int64, float: float, bool: bool}


def day_params(scenario, org) -> DayParams:
    """The day's parameters of a run, from its scenario and built organisation."""
    return DayParams(*(_KINDS[d.kind](d.value(scenario, org)) for d in DAY_PARAMS))


#: the day's inputs that are not state: the organisation's lookup tables and today's shock
DayInputs = namedtuple("DayInputs", [
    "origin_ptr", "origin_desk", "origin_cum", "origin_guide",  # who raises exceptions (arrivals.raiser_*)
    "spell_phase", "level_mask", "service_staff",
    "authority", "signoffs", "effort", "scope",  # decision rules by type (policy.DecisionRules)
    "twin", "near", "flying_missions", "external", "hr_cell", "essential_missions",  # mobility.MobilityNet
    "prevalence", "remote", "exception_share", "crisis", "demand", "closed", "stand_down", "it_factor",
    # spontaneous initiatives (issue 16; resilience_sim.initiatives)
    "tie_ptr", "tie_agent",  # informal ties as adjacency lists
    "ext_actor",             # per service, an external actor that can serve it (-1: none)
])


@njit(cache=True, inline="always")
def stage_shock(day, P, agents, services, managers, decs, buf, x, out):
    """Stage 1: reset the day's counters; absences and remote work."""
    services.arrived[:] = 0
    services.processed[:] = 0
    services.unmet[:] = 0
    services.reworked[:] = 0
    buf.today[:] = 0.0
    shock.apply_shock(day, P, agents, x.spell_phase, x.prevalence, x.remote, x.closed, x.stand_down, buf)


@njit(cache=True, inline="always")
def stage_arrivals(day, P, agents, services, managers, decs, buf, x, out):
    """Stage 2: tasks and exceptions arrive."""
    arrivals.arrive(day, P, x, agents, services, managers, decs, buf)


@njit(cache=True, inline="always")
def stage_decisions(day, P, agents, services, managers, decs, buf, x, out):
    """Stage 3: sign-offs at the desks, completions, expiry of pending tasks."""
    _, manager_share = reporting.shares(P, x.crisis)
    decisions.desk_rates(P, agents, managers, manager_share)
    decisions.sign_offs(day, P, x, agents, services, managers, decs, buf)
    decisions.expire(day, P, x, agents, services, managers, decs, buf)


@njit(cache=True, inline="always")
def stage_mobility(day, P, agents, services, managers, decs, buf, x, out):
    """Stage 4: gaps and slack, returns, matching, volunteers."""
    agent_share, _ = reporting.shares(P, x.crisis)
    mobility.redeploy(day, P, x, agents, services, managers, decs, buf, agent_share)


@njit(cache=True, inline="always")
def stage_initiatives(day, P, agents, services, managers, decs, buf, x, out):
    """Stage 5: initiatives run, are surfaced, relayed, adopted; new ones are launched."""
    initiatives.step(day, P, x, agents, services, managers, decs, buf)


@njit(cache=True, inline="always")
def stage_work(day, P, agents, services, managers, decs, buf, x, out):
    """Stage 6: agents process the queues."""
    agent_share, _ = reporting.shares(P, x.crisis)
    work.capacities(day, P, agents, services, x.it_factor, agent_share, buf.cap_remote, buf.agent_scratch)
    initiatives.contribute(day, P, agents, services, buf)
    work.process(day, P, services, x.it_factor, buf)


@njit(cache=True, inline="always")
def stage_reporting(day, P, agents, services, managers, decs, buf, x, out):
    """Stage 7: reporting hours."""
    agent_share, manager_share = reporting.shares(P, x.crisis)
    reporting.hours(P, agents, agent_share, manager_share, buf.today)


@njit(cache=True, inline="always")
def stage_wellbeing(day, P, agents, services, managers, decs, buf, x, out):
    """Stage 8: fatigue, burnout, engagement."""
    agent_share, manager_share = reporting.shares(P, x.crisis)
    wellbeing.update(day, P, agents, services, managers, agent_share, manager_share, buf.today, buf.agent_scratch)


@njit(cache=True, inline="always")
def stage_record(day, P, agents, services, managers, decs, buf, x, out):
    """Stage 9: the day's metrics."""
    record.record(day, services, agents.home.shape[0], managers.agent.shape[0], buf, out)


#: the stages in the order of the day
STAGES = {
    "shock": stage_shock, "arrivals": stage_arrivals, "decisions": stage_decisions,
    "mobility": stage_mobility, "initiatives": stage_initiatives, "work": stage_work,
    "reporting": stage_reporting, "wellbeing": stage_wellbeing, "record": stage_record,
}


@njit(cache=True, inline="always")
def run_day(day, P, agents, services, managers, decs, buf, x, out):
    """Run one day, every stage of ``STAGES`` in order, in one compiled call."""
    stage_shock(day, P, agents, services, managers, decs, buf, x, out)
    stage_arrivals(day, P, agents, services, managers, decs, buf, x, out)
    stage_decisions(day, P, agents, services, managers, decs, buf, x, out)
    stage_mobility(day, P, agents, services, managers, decs, buf, x, out)
    stage_initiatives(day, P, agents, services, managers, decs, buf, x, out)
    stage_work(day, P, agents, services, managers, decs, buf, x, out)
    stage_reporting(day, P, agents, services, managers, decs, buf, x, out)
    stage_wellbeing(day, P, agents, services, managers, decs, buf, x, out)
    stage_record(day, P, agents, services, managers, decs, buf, x, out)


@njit(cache=True)
def run_days(first, stop, need, P, agents, services, managers, decs, buf, x, absence, remote,
             exception_share, crisis, demand, closed, stand_down, it_factor, out, check, found):
    """Run days ``first`` … ``stop − 1`` in one compiled call; returns the next day to run.

    ``x`` holds the lookup tables (its conditions are day ``first``'s); each day's
    conditions are read from the day-major tables. Stops early, before a day whose
    ``need[day]`` new decisions might not find a free slot, or whose initiative events might
    not find room in their log: the engine grows them.
    With ``check``, the conservation laws are checked at the end of every day
    (``conservation.violation``); the first law broken stops the loop after that day, its
    number in ``found[2]`` and its two figures in ``found[:2]``.
    """
    for day in range(first, stop):
        if buf.counts[COUNT_ACTIVE] + need[day] > decs.uid.shape[0]:
            return day
        if P.init_on and (buf.counts[initiatives.COUNT_EVENTS] + initiatives.events_bound(
                buf.counts[initiatives.COUNT_INIT_RUNNING], P.init_max_launches, services.pressure.shape[0])
                > buf.events.shape[0]):
            return day  # the engine grows the initiatives' event log
        today = DayInputs(x.origin_ptr, x.origin_desk, x.origin_cum, x.origin_guide, x.spell_phase,
                          x.level_mask, x.service_staff, x.authority, x.signoffs, x.effort,
                          x.scope, x.twin, x.near, x.flying_missions, x.external, x.hr_cell, x.essential_missions,
                          absence[day], float(remote[day]), float(exception_share[day]), bool(crisis[day]), demand[day],
                          closed[day], stand_down[day], it_factor[day], x.tie_ptr, x.tie_agent, x.ext_actor)
        run_day(day, P, agents, services, managers, decs, buf, today, out)
        if check:
            law = conservation.violation(day, services, managers, decs, buf, found)
            if law:
                found[2] = law
                return day + 1
    return stop
