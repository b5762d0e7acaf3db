"""Stage 7 — reporting: the time agents and managers spend reporting.

The reporting share of working time is hours per week / week hours, times the
crisis multiplier on days when a shock component is active, capped at 1. The share
was taken out of the day's capacity in the decisions and work stages; this stage
adds up the hours spent by present staff (agents and managers) for the record.
"""

from numba import njit

from .context import TODAY_ABSENT, TODAY_MANAGERS_PRESENT, TODAY_REPORTING_HOURS, DayParam, setting, week_share

DAY_PARAMS = (
    DayParam("agent_reporting", float, week_share("policy.reporting.agent_hours"),
             "share of agents' time on reporting, normal times"),
    DayParam("manager_reporting", float, week_share("policy.reporting.manager_hours"),
             "share of managers' time on reporting, normal times"),
    DayParam("crisis_reporting", float, setting("policy.reporting.crisis_multiplier"),
             "reporting multiplier on crisis days"),
    DayParam("hours_per_day", float, lambda s, org: s["policy.reporting.week_hours"] / 5.0, "working hours per day"),
)


@njit(cache=True)
def shares(P, crisis):
    """(agent share, manager share) of working time spent reporting today."""
    mult = P.crisis_reporting if crisis else 1.0
    return min(P.agent_reporting * mult, 1.0), min(P.manager_reporting * mult, 1.0)


@njit(cache=True, inline="always")
def hours(P, agents, agent_share, manager_share, today):
    """Add up today's reporting hours of present staff (counted in the shock stage)."""
    managers = today[TODAY_MANAGERS_PRESENT]
    others = agents.status.shape[0] - today[TODAY_ABSENT] - managers
    today[TODAY_REPORTING_HOURS] = (others * agent_share + managers * manager_share) * P.hours_per_day
