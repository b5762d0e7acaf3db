"""Stage 8 — wellbeing: fatigue, burnout, engagement.

For a present agent, with pressure x = min(workload/capacity of its service, cap):
fatigue F ← clip(F + gain·max(0, x − 1) − recovery·F); an absent agent only recovers.
A present agent with F above the burnout threshold θ starts a burnout absence of
``burnout_days`` with probability hazard·(F − θ)/(1 − θ). Engagement E of a present
agent ← clip(E + recovery_E·(E₀ − E) − reporting cost·(reporting share − tolerated
share) − fatigue cost·F): reporting beyond what people tolerate (crisis reporting)
costs engagement, less than that raises it; managers use the managers' shares.
Managers' fatigue gain is multiplied by (1 − relief·support), support being the mean
of peer-to-peer and in-situ support.
"""

import numpy as np
from numba import njit

from ..rng import BURNOUT, stream_key, uniform
from ..state import STATUS_ABSENT
from .context import (
    TODAY_BURNOUT_DAYS,
    TODAY_BURNOUT_STARTS,
    TODAY_ENGAGEMENT,
    TODAY_FATIGUE,
    TODAY_MANAGER_FATIGUE,
)


@njit(cache=True)
def update(day, P, agents, services, agent_share, manager_share, today):
    """Move every agent's fatigue and engagement; start burnouts."""
    key = stream_key(P.seed, BURNOUT, day)
    span = max(1.0 - P.burnout_threshold, 1e-9)
    starts = 0
    burnout_days = 0
    status, burnout_until, assigned = agents.status, agents.burnout_until, agents.assigned
    role, fatigue, engagement, pressure = agents.role, agents.fatigue, agents.engagement, services.pressure
    agent_extra = agent_share - P.agent_tolerance
    manager_extra = manager_share - P.manager_tolerance
    for a in range(status.shape[0]):
        f = fatigue[a]
        is_manager = role[a] >= 0
        if status[a] == STATUS_ABSENT:
            f -= P.fatigue_recovery * f
            if burnout_until[a] >= day:
                burnout_days += 1
        else:
            x = min(pressure[assigned[a]], P.pressure_cap)
            gain = P.fatigue_gain * (P.manager_relief if is_manager else 1.0)
            f += gain * max(0.0, x - 1.0) - P.fatigue_recovery * f
            f = min(max(f, 0.0), 1.0)
            if f > P.burnout_threshold:
                if uniform(key, a, 0) < P.burnout_hazard * (f - P.burnout_threshold) / span:
                    burnout_until[a] = day + P.burnout_days
                    starts += 1
            extra = manager_extra if is_manager else agent_extra
            e = engagement[a]
            e += (P.engagement_recovery * (P.engagement_baseline - e)
                  - P.reporting_cost * extra - P.fatigue_cost * f)
            engagement[a] = min(max(e, 0.0), 1.0)
        fatigue[a] = f
    today[TODAY_FATIGUE], today[TODAY_ENGAGEMENT], today[TODAY_MANAGER_FATIGUE] = totals(fatigue, engagement, role)
    today[TODAY_BURNOUT_STARTS] = starts
    today[TODAY_BURNOUT_DAYS] = burnout_days


@njit(cache=True)
def totals(fatigue, engagement, role):
    """Σ fatigue, Σ engagement and Σ managers' fatigue over the agents.

    Four partial sums of each, agents taken in turn, added at the end: one running sum
    made each agent wait for the previous addition (a third of the stage). The order is
    fixed, so the totals are the same in every run; they differ from sums in agent order
    by rounding only (~1e-16 relative).
    """
    f = np.zeros(4)
    e = np.zeros(4)
    mf = np.zeros(4)
    n = fatigue.shape[0]
    for a in range(0, n - n % 4, 4):
        for r in range(4):
            f[r] += fatigue[a + r]
            e[r] += engagement[a + r]
            mf[r] += fatigue[a + r] if role[a + r] >= 0 else 0.0
    for a in range(n - n % 4, n):
        f[0] += fatigue[a]
        e[0] += engagement[a]
        mf[0] += fatigue[a] if role[a] >= 0 else 0.0
    return (f[0] + f[1]) + (f[2] + f[3]), (e[0] + e[1]) + (e[2] + e[3]), (mf[0] + mf[1]) + (mf[2] + mf[3])
