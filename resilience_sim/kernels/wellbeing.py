"""Stage 8 — wellbeing: fatigue, burnout, engagement.

For a present agent, with pressure x = min(workload/capacity of its service, cap):
fatigue F ← clip(F + gain·max(0, x − 1) − recovery·ρ(x)·F); an absent agent recovers
fully (ρ = 1). Recovery needs slack (effort–recovery model): ρ(x) = max(0, 1 − (x − 1)₊/ω),
ω = ``wellbeing.recovery_overload``, so an agent overloaded by ω or more recovers
nothing and sustained overload accumulates fatigue until burnout, whatever its size;
without that, F settled at gain·(x − 1)/recovery and a long moderate overload never
wore anyone.
A present agent with F above the burnout threshold θ starts a burnout absence of
``burnout_days`` with probability hazard·(F − θ)/(1 − θ). Engagement E of a present
agent ← clip(E + recovery_E·(E₀ − E) − reporting cost·(reporting share − tolerated
share) − fatigue cost·F): reporting beyond what people tolerate (crisis reporting)
costs engagement, less than that raises it; managers use the managers' shares.
A manager's pressure is the larger of its service's and its desk's: decisions at the
desk (queued or being signed, at the end of the decisions stage) over the sign-offs its
deciders make in a full day at capacity — deciding is part of a manager's day, and a
queue of more than a day's work tires like any overload. Managers' fatigue gain is
multiplied by (1 − relief·peer support).
"""

import numpy as np
from numba import njit

from ..rng import BURNOUT, stream_key, uniform
from ..state import STATUS_ABSENT
from .context import (
    TODAY_BURNOUT_STARTS,
    TODAY_ENGAGEMENT,
    TODAY_FATIGUE,
    TODAY_FATIGUE_MAX,
    TODAY_MANAGER_FATIGUE,
    DayParam,
    setting,
    week_share,
)
from .memory import gather

DAY_PARAMS = (
    DayParam("manager_relief", float,
             lambda s, org: 1.0 - s["support.fatigue_relief"] * s["support.peer"],
             "multiplier of managers' fatigue gain (peer support)"),
    DayParam("agent_tolerance", float, week_share("wellbeing.reporting_tolerance_agent"),
             "reporting share agents accept without losing engagement"),
    DayParam("manager_tolerance", float, week_share("wellbeing.reporting_tolerance_manager"),
             "reporting share managers accept without losing engagement"),
    DayParam("fatigue_gain", float, setting("wellbeing.fatigue_gain"), "fatigue gained per day of pressure"),
    DayParam("fatigue_recovery", float, setting("wellbeing.fatigue_recovery"), "fatigue recovered per day"),
    DayParam("burnout_threshold", float, setting("wellbeing.burnout_threshold"),
             "fatigue above which burnout may start"),
    DayParam("burnout_hazard", float, setting("wellbeing.burnout_hazard"), "daily burnout probability above it"),
    DayParam("burnout_days", int, setting("wellbeing.burnout_days"), "length of a burnout absence, days"),
    DayParam("engagement_baseline", float, setting("wellbeing.engagement_baseline"), "engagement at rest"),
    DayParam("engagement_recovery", float, setting("wellbeing.engagement_recovery"), "engagement recovery rate, /day"),
    DayParam("reporting_cost", float, setting("wellbeing.reporting_cost"), "engagement lost per extra reporting share"),
    DayParam("fatigue_cost", float, setting("wellbeing.fatigue_cost"), "engagement lost per unit of fatigue"),
    DayParam("pressure_cap", float, setting("wellbeing.pressure_cap"), "cap on the pressure of a day"),
    DayParam("recovery_overload", float, setting("wellbeing.recovery_overload"),
             "overload (pressure − 1) at which fatigue no longer recovers"),
)


@njit(cache=True, inline="always")
def update(day, P, agents, services, managers, agent_share, manager_share, today, scratch):
    """Move every agent's fatigue and engagement; start burnouts.

    In passes over the agents that the compiler turns into vector code (no branch, one
    array written each): today's pressure of each agent's service, then the new fatigue
    (in ``scratch``, in full precision: engagement and burnouts read it before it is stored
    in the agents' single-precision array), then engagement; the rare burnout draws last.
    """
    status, assigned, role = agents.status, agents.assigned, agents.role
    gather(services.pressure, assigned, scratch)
    desk_pressure(managers, scratch)
    _fatigue(P, status, role, agents.fatigue, scratch)
    _engagement(P, status, role, scratch, agents.engagement, agent_share - P.agent_tolerance,
                manager_share - P.manager_tolerance)
    starts = _burnouts(day, P, status, agents.burnout_until, scratch)
    agents.fatigue[:] = scratch  # stored in single precision
    sums = totals(agents.fatigue, agents.engagement, role)
    today[TODAY_FATIGUE], today[TODAY_ENGAGEMENT], today[TODAY_MANAGER_FATIGUE], today[TODAY_FATIGUE_MAX] = sums
    today[TODAY_BURNOUT_STARTS] = starts


@njit(cache=True)
def desk_pressure(managers, pressure):
    """A manager's pressure: the larger of its service's and its desk's (see module doc).

    The desk's is the decisions at the desk (queued or being signed) over the sign-offs
    its deciders make in a full day at capacity: a queue of more than a day's work is
    overload. ``pressure`` holds each agent's service pressure (in and out).
    """
    for m in range(managers.agent.shape[0]):
        a = managers.agent[m]
        pressure[a] = max(pressure[a], managers.queue[m] / (managers.capacity[m] * managers.deciders[m]))


@njit(cache=True)
def _fatigue(P, status, role, fatigue, work):
    """``work``: each agent's pressure in, tomorrow's fatigue out (see module doc).

    ω = 0 is read as an infinitely steep ρ: no recovery under any overload (1/ω taken as
    1e300, so ρ = 0 for any overload above 1e-300 and 1 without overload).
    """
    per_overload = 1.0 / P.recovery_overload if P.recovery_overload > 0.0 else 1e300
    for a in range(status.shape[0]):
        f = np.float64(fatigue[a])
        x = min(work[a], P.pressure_cap)
        gain = P.fatigue_gain * (P.manager_relief if role[a] >= 0 else 1.0)
        over = max(0.0, x - 1.0)
        rho = max(0.0, 1.0 - over * per_overload)
        present = min(max(f + (gain * over - P.fatigue_recovery * rho * f), 0.0), 1.0)
        work[a] = f - P.fatigue_recovery * f if status[a] == STATUS_ABSENT else present


@njit(cache=True)
def _engagement(P, status, role, fatigue, engagement, agent_extra, manager_extra):
    """Move present agents' engagement, given their new fatigue (``fatigue``, full precision)."""
    for a in range(status.shape[0]):
        e = np.float64(engagement[a])
        extra = manager_extra if role[a] >= 0 else agent_extra
        moved = e + (P.engagement_recovery * (P.engagement_baseline - e) - P.reporting_cost * extra
                     - P.fatigue_cost * fatigue[a])
        engagement[a] = e if status[a] == STATUS_ABSENT else min(max(moved, 0.0), 1.0)


@njit(cache=True)
def _burnouts(day, P, status, burnout_until, fatigue):
    """Start burnouts among present agents above the threshold; returns their number.

    (Today's burnout days, the agents absent for burnout, are counted by the shock stage.)
    """
    key = stream_key(P.seed, BURNOUT, day)
    span = max(1.0 - P.burnout_threshold, 1e-9)
    starts = 0
    for a in range(status.shape[0]):
        f = fatigue[a]
        if f > P.burnout_threshold and status[a] != STATUS_ABSENT:
            if uniform(key, a, 0) < P.burnout_hazard * (f - P.burnout_threshold) / span:
                burnout_until[a] = day + P.burnout_days
                starts += 1
    return starts


@njit(cache=True)
def totals(fatigue, engagement, role):
    """Σ fatigue, Σ engagement, Σ managers' fatigue and the highest fatigue over the agents.

    Four partial sums of each, agents taken in turn, added at the end: one running sum
    made each agent wait for the previous addition (a third of the stage). The partial
    sums are plain variables (held in registers; as elements of an array they went
    through memory). The order is fixed, so the totals are the same in every run; they
    differ from sums in agent order by rounding only (~1e-16 relative). The highest
    fatigue is taken in the same pass (0 with no agents; fatigue is never negative).
    """
    f0 = f1 = f2 = f3 = 0.0
    h0 = h1 = h2 = h3 = 0.0
    e0 = e1 = e2 = e3 = 0.0
    m0 = m1 = m2 = m3 = 0.0
    n = fatigue.shape[0]
    for a in range(0, n - n % 4, 4):
        x0, x1, x2, x3 = fatigue[a], fatigue[a + 1], fatigue[a + 2], fatigue[a + 3]
        f0 += x0
        f1 += x1
        f2 += x2
        f3 += x3
        h0 = max(h0, x0)
        h1 = max(h1, x1)
        h2 = max(h2, x2)
        h3 = max(h3, x3)
        e0 += engagement[a]
        e1 += engagement[a + 1]
        e2 += engagement[a + 2]
        e3 += engagement[a + 3]
        m0 += x0 if role[a] >= 0 else 0.0
        m1 += x1 if role[a + 1] >= 0 else 0.0
        m2 += x2 if role[a + 2] >= 0 else 0.0
        m3 += x3 if role[a + 3] >= 0 else 0.0
    for a in range(n - n % 4, n):
        f0 += fatigue[a]
        h0 = max(h0, fatigue[a])
        e0 += engagement[a]
        m0 += fatigue[a] if role[a] >= 0 else 0.0
    return (f0 + f1) + (f2 + f3), (e0 + e1) + (e2 + e3), (m0 + m1) + (m2 + m3), max(max(h0, h1), max(h2, h3))
