"""Stage 9 — record: the day's metrics into one row of a preallocated table.

Performance P(t) is the essential-weighted share of today's expected demand served:
P = Σ_s w_s·min(processed_s, λ_s) / Σ_s w_s·λ_s (1 when nothing is expected). Tasks
processed are within their deadline by construction (older ones left as unmet), so
P measures demand served on time; catching up a backlog cannot push a service
above 1.
"""

import math

from numba import njit

from .context import (
    COUNT_ACTIVE,
    TODAY_ABSENT,
    TODAY_BURNOUT_DAYS,
    TODAY_DECIDED,
    TODAY_ENGAGEMENT,
    TODAY_ERRORS,
    TODAY_FATIGUE,
    TODAY_LATENCY_SUM,
    TODAY_MANAGER_FATIGUE,
    TODAY_QUEUE,
    TODAY_REALLOCATED,
    TODAY_REDEPLOYED,
    TODAY_REDEPLOYED_ACROSS,
    TODAY_REMOTE,
    TODAY_REPORTING_HOURS,
    TODAY_REWORK,
    TODAY_SETTLED,
    TODAY_SPECIAL_LEAVE,
    TODAY_TACIT,
)

COLUMNS = (
    "performance", "backlog", "unmet", "unmet_essential", "arrived", "processed",
    "absent", "remote", "special_leave", "decisions_waiting", "decisions_completed",
    "decision_latency_mean", "fatigue", "manager_fatigue", "engagement", "burnout_days",
    "reporting_hours", "redeployed", "decision_errors", "rework", "settled_locally",
    "tacit_approvals", "queue_l0", "queue_l1", "queue_l2", "queue_l3", "queue_l4", "queue_l5",
    "redeployed_across", "moves", "refused_skill", "refused_decision", "ramp_days_lost",
    "volunteer_hours", "skills_revealed", "reallocated",
)
QUEUE_LEVELS = 6
COL = {name: i for i, name in enumerate(COLUMNS)}


@njit(cache=True)
def performance(services):
    """P(t) of the day (see module doc)."""
    served = 0.0
    expected = 0.0
    for s in range(services.expected.shape[0]):
        w = services.weight[s]
        served += w * min(float(services.processed[s]), services.expected[s])
        expected += w * services.expected[s]
    return served / expected if expected > 0.0 else 1.0


@njit(cache=True, inline="always")
def record(day, services, n_agents, n_managers, buf, out):
    """Write the metrics of ``day`` into ``out[day]``."""
    row = out[day]
    backlog = 0
    unmet = 0
    unmet_ess = 0
    arrived = 0
    processed = 0
    for s in range(services.waiting.shape[0]):
        backlog += services.waiting[s]
        unmet += services.unmet[s]
        if services.essential[s]:
            unmet_ess += services.unmet[s]
        arrived += services.arrived[s]
        processed += services.processed[s]
    t = buf.today
    row[0] = performance(services)
    row[1] = backlog
    row[2] = unmet
    row[3] = unmet_ess
    row[4] = arrived
    row[5] = processed
    row[6] = t[TODAY_ABSENT]
    row[7] = t[TODAY_REMOTE]
    row[8] = t[TODAY_SPECIAL_LEAVE]
    row[9] = buf.counts[COUNT_ACTIVE]
    row[10] = t[TODAY_DECIDED]
    row[11] = t[TODAY_LATENCY_SUM] / t[TODAY_DECIDED] if t[TODAY_DECIDED] > 0 else math.nan
    row[12] = t[TODAY_FATIGUE] / max(n_agents, 1)
    row[13] = t[TODAY_MANAGER_FATIGUE] / max(n_managers, 1)
    row[14] = t[TODAY_ENGAGEMENT] / max(n_agents, 1)
    row[15] = t[TODAY_BURNOUT_DAYS]
    row[16] = t[TODAY_REPORTING_HOURS]
    row[18] = t[TODAY_ERRORS]
    row[19] = t[TODAY_REWORK]
    row[20] = t[TODAY_SETTLED]
    row[21] = t[TODAY_TACIT]
    for level in range(QUEUE_LEVELS):
        row[22 + level] = t[TODAY_QUEUE + level]
    row[17] = t[TODAY_REDEPLOYED]
    for k in range(7):  # redeployed_across … skills_revealed, in the order of TODAY_*
        row[28 + k] = t[TODAY_REDEPLOYED_ACROSS + k]
    row[35] = t[TODAY_REALLOCATED]
