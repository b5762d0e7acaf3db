"""Stage 3 — decisions: sign-offs at managers' desks, FIFO in continuous time.

Each manager desk has ``deciders`` parallel deciders working one FIFO queue. In
order of arrival, the decision at the head of the queue is taken by the decider
free first, if that decider is free before the end of the day: start = max(t,
free_at), end = start + E/rate, E a unit exponential keyed by (decision, level) —
the Lindley/Kiefer–Wolfowitz recursion, exact for M/M/1, M/M/c and tandem (Jackson)
networks. A decision whose task already became unmet is withdrawn when it reaches
the head of the queue, at no cost in time (the manager sees the case is moot); so
queues stay bounded by the deadlines and drain after a shock. The day is processed
level by level from the bottom:
a decision whose sign-off at a desk ends before the end of the day is forwarded to
the parent desk at that time, and served there the same day if it arrives before
the end of the day; otherwise it is forwarded on the day it arrives. A decision is
final at the desk whose level is ≤ its authority (or at the top). When a final
sign-off ends today, the decision completes: its latency is recorded and its task,
if still alive, joins the service's queue of workable tasks.

A desk's rate today is capacity × (1 − manager reporting share) × (1 − fatigue
effect × fatigue), times ``interim`` if the manager is absent; the rate of the day a
decision arrives at a desk applies to its whole sign-off there. A task still waiting
for its decision on the last day before its deadline becomes unmet (the decision
goes on: the case still gets an answer).
"""

import numpy as np
from numba import njit

from ..rng import DECISION_TIME, exponential, stream_key
from ..state import STATUS_ABSENT
from .context import (
    COUNT_ACTIVE,
    COUNT_COMPLETED,
    COUNT_UNMET,
    COUNT_WITHDRAWN,
    LATENCY_BIN,
    LATENCY_BINS,
    TODAY_DECIDED,
    TODAY_LATENCY_SUM,
)

_SLOWEST = 1e-9
QUEUED = -1.0     # t_out of a decision waiting at its desk
WITHDRAWN = -2.0  # t_out of a decision dropped at the head of the queue (task unmet)


@njit(cache=True)
def desk_rates(P, agents, managers, share):
    """Set each desk's sign-off rate per decider for today."""
    for m in range(managers.agent.shape[0]):
        a = managers.agent[m]
        rate = managers.capacity[m] * (1.0 - share) * (1.0 - P.fatigue_effect * agents.fatigue[a])
        if agents.status[a] == STATUS_ABSENT:
            rate *= P.interim
        managers.rate[m] = max(rate, _SLOWEST)


@njit(cache=True)
def _first_free(m, managers, free_at):
    """Index of the decider of desk m who is free first."""
    lo = managers.desk[m]
    best = lo
    for k in range(lo + 1, lo + managers.deciders[m]):
        if free_at[k] < free_at[best]:
            best = k
    return best


@njit(cache=True)
def _is_final(i, managers, decisions):
    m = decisions.manager[i]
    return managers.level[m] <= decisions.authority[i] or managers.parent[m] < 0


@njit(cache=True)
def _forward(level, horizon, managers, decisions, n):
    """Move decisions signed off before ``horizon`` to their parent desk at ``level``."""
    for i in range(n):
        t = decisions.t_out[i]
        if t >= 0.0 and t < horizon and not _is_final(i, managers, decisions):
            parent = managers.parent[decisions.manager[i]]
            if managers.level[parent] == level:
                decisions.manager[i] = parent
                decisions.t_in[i] = t
                decisions.t_out[i] = QUEUED


@njit(cache=True)
def _queued(level, horizon, managers, decisions, n):
    """Decisions queued at desks of ``level`` by ``horizon``, by desk then arrival."""
    idx = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):
        if (decisions.t_out[i] == QUEUED and decisions.t_in[i] < horizon
                and managers.level[decisions.manager[i]] == level):
            idx[count] = i
            count += 1
    idx = idx[:count]
    idx = idx[np.argsort(decisions.t_in[idx], kind="mergesort")]
    return idx[np.argsort(decisions.manager[idx], kind="mergesort")]


@njit(cache=True)
def sign_offs(day, P, managers, decisions, buf, max_level):
    """Serve, in FIFO order, every decision a desk can start before the end of ``day``."""
    n = buf.counts[COUNT_ACTIVE]
    horizon = day + 1.0
    key = stream_key(P.seed, DECISION_TIME, 0)
    free_at = buf.free_at
    for level in range(max_level, -1, -1):
        _forward(level, horizon, managers, decisions, n)
        for i in _queued(level, horizon, managers, decisions, n):
            m = decisions.manager[i]
            k = _first_free(m, managers, free_at)
            if free_at[k] >= horizon:
                continue  # the desk is busy until tomorrow: the decision keeps its place
            if not decisions.task_alive[i]:
                decisions.t_out[i] = WITHDRAWN
                continue
            start = max(decisions.t_in[i], free_at[k])
            end = start + exponential(key, decisions.uid[i], level) / managers.rate[m]
            free_at[k] = end
            decisions.t_out[i] = end


@njit(cache=True)
def _move(d, src, dst):
    d.uid[dst] = d.uid[src]
    d.kind[dst] = d.kind[src]
    d.service[dst] = d.service[src]
    d.created[dst] = d.created[src]
    d.manager[dst] = d.manager[src]
    d.authority[dst] = d.authority[src]
    d.t_in[dst] = d.t_in[src]
    d.t_out[dst] = d.t_out[src]
    d.task_alive[dst] = d.task_alive[src]


@njit(cache=True)
def complete(day, P, services, managers, decisions, buf):
    """Release decisions signed off today; expire tasks past their deadline; compact."""
    n = buf.counts[COUNT_ACTIVE]
    horizon = day + 1.0
    keep = 0
    decided = 0
    latency_sum = 0.0
    for m in range(managers.queue.shape[0]):
        managers.queue[m] = 0
    for i in range(n):
        s = decisions.service[i]
        if decisions.t_out[i] == WITHDRAWN:
            buf.counts[COUNT_WITHDRAWN] += 1
            continue
        if decisions.t_out[i] >= 0.0 and decisions.t_out[i] < horizon and _is_final(i, managers, decisions):
            lat = decisions.t_out[i] - decisions.created[i]
            b = min(int(lat / LATENCY_BIN), LATENCY_BINS)
            buf.latency[b] += 1
            decided += 1
            latency_sum += lat
            buf.counts[COUNT_COMPLETED] += 1
            if decisions.task_alive[i]:
                buf.backlog[s, int(np.floor(decisions.created[i])) % P.slots] += 1
                services.pending[s] -= 1
            continue
        if decisions.task_alive[i] and day - int(np.floor(decisions.created[i])) >= services.deadline[s] - 1:
            decisions.task_alive[i] = False
            services.pending[s] -= 1
            services.unmet[s] += 1
            buf.counts[COUNT_UNMET] += 1
        managers.queue[decisions.manager[i]] += 1
        if keep != i:
            _move(decisions, i, keep)
        keep += 1
    buf.counts[COUNT_ACTIVE] = keep
    buf.today[TODAY_DECIDED] = decided
    buf.today[TODAY_LATENCY_SUM] = latency_sum
