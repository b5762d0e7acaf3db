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
sign-off starts applies to the whole sign-off. A task still waiting
for its decision on the last day before its deadline becomes unmet.

Layout: decisions live in a pool of slots (free slots chained through ``next``);
each desk's FIFO queue is a chain through ``next`` from ``queue_head`` to
``queue_tail``; ``serving`` holds, per decider, the decision it signs until a time
past the end of a day. Today's arrivals at desks (new exceptions and forwarded
decisions) are chained from ``COUNT_FRESH`` and sorted by (time, uid) before
joining the desks' queues, so a day costs O(arrivals + sign-offs + desks), not O(queue).
"""

import numpy as np
from numba import njit

from ..rng import DECISION_TIME, exponential, stream_key
from ..state import STATUS_ABSENT
from .context import (
    COUNT_ACTIVE,
    COUNT_COMPLETED,
    COUNT_FREE,
    COUNT_FRESH,
    COUNT_UNMET,
    COUNT_WITHDRAWN,
    LATENCY_BIN,
    LATENCY_BINS,
    TODAY_DECIDED,
    TODAY_LATENCY_SUM,
)

_SLOWEST = 1e-9
QUEUED = -1.0  # t_out of a decision waiting at its desk
NONE = -1


@njit(cache=True)
def desk_rates(P, agents, managers, share):
    """Set each desk's sign-off rate per decider for today."""
    for m in range(managers.agent.shape[0]):
        a = managers.agent[m]
        rate = managers.capacity[m] * (1.0 - share) * (1.0 - P.fatigue_effect * agents.fatigue[a])
        if agents.status[a] == STATUS_ABSENT:
            rate *= P.interim
        managers.rate[m] = max(rate, _SLOWEST)


@njit(cache=True, inline="always")
def allocate_slot(nxt, counts):
    """Take a free slot of the pool (the engine keeps the pool large enough)."""
    i = counts[COUNT_FREE]
    if i < 0:
        raise RuntimeError("decision pool exhausted")
    counts[COUNT_FREE] = nxt[i]
    counts[COUNT_ACTIVE] += 1
    return i


@njit(cache=True, inline="always")
def release_slot(i, uid, nxt, counts):
    """Return slot i to the free chain."""
    uid[i] = NONE
    nxt[i] = counts[COUNT_FREE]
    counts[COUNT_FREE] = i
    counts[COUNT_ACTIVE] -= 1


@njit(cache=True, inline="always")
def push_fresh(i, t_out, nxt, counts):
    """Chain decision i into today's arrivals at desks."""
    t_out[i] = QUEUED
    nxt[i] = counts[COUNT_FRESH]
    counts[COUNT_FRESH] = i


@njit(cache=True)
def _take_fresh(level, level_of, manager, t_in, uid, nxt, counts):
    """Unchain today's arrivals at desks of ``level``, sorted by (time, uid).

    Desks are independent within a level, so one sort by time puts every desk's
    arrivals in FIFO order.
    """
    n = 0
    i = counts[COUNT_FRESH]
    while i >= 0:
        n += 1
        i = nxt[i]
    idx = np.empty(n, dtype=np.int64)
    k = 0
    keep = NONE
    i = counts[COUNT_FRESH]
    while i >= 0:
        after = nxt[i]
        if level_of[manager[i]] == level:
            idx[k] = i
            k += 1
        else:
            nxt[i] = keep
            keep = i
        i = after
    counts[COUNT_FRESH] = keep
    idx = idx[:k]
    idx = idx[np.argsort(t_in[idx])]
    for j in range(1, k):  # equal times (measure zero) go by uid, for determinism
        x = idx[j]
        h = j
        while h > 0 and t_in[idx[h - 1]] == t_in[x] and uid[idx[h - 1]] > uid[x]:
            idx[h] = idx[h - 1]
            h -= 1
        idx[h] = x
    return idx


@njit(cache=True)
def sign_offs(day, P, services, managers, decisions, buf, level_ptr, level_desks):
    """Serve the desks level by level, from the deepest level up (see module doc).

    Written as one loop nest over plain arrays: calls that pass the state tuples cost
    reference counting on every array, which dominated the day.
    """
    key = stream_key(P.seed, DECISION_TIME, 0)
    horizon = day + 1.0
    counts, free_at, serving = buf.counts, buf.free_at, buf.serving
    qh, qt = buf.queue_head, buf.queue_tail
    level_of, parent, rate = managers.level, managers.parent, managers.rate
    desk, deciders = managers.desk, managers.deciders
    uid, nxt, manager = decisions.uid, decisions.next, decisions.manager
    t_in, t_out, alive = decisions.t_in, decisions.t_out, decisions.task_alive
    authority, service, created = decisions.authority, decisions.service, decisions.created
    done = np.empty(counts[COUNT_ACTIVE] + serving.shape[0] + 1, dtype=np.int64)
    for level in range(len(level_ptr) - 2, -1, -1):
        for i in _take_fresh(level, level_of, manager, t_in, uid, nxt, counts):
            m = manager[i]
            nxt[i] = NONE
            if qt[m] >= 0:
                nxt[qt[m]] = i
            else:
                qh[m] = i
            qt[m] = i
        n_done = 0
        for j in range(level_ptr[level], level_ptr[level + 1]):
            m = level_desks[j]
            lo = desk[m]
            hi = lo + deciders[m]
            for k in range(lo, hi):
                i = serving[k]
                if i >= 0 and t_out[i] < horizon:
                    serving[k] = NONE
                    done[n_done] = i
                    n_done += 1
            while qh[m] >= 0:
                k = lo
                for c in range(lo + 1, hi):
                    if free_at[c] < free_at[k]:
                        k = c
                if free_at[k] >= horizon:
                    break  # every decider is busy until tomorrow: the queue keeps its order
                i = qh[m]
                qh[m] = nxt[i]
                if qh[m] < 0:
                    qt[m] = NONE
                if not alive[i]:
                    counts[COUNT_WITHDRAWN] += 1
                    release_slot(i, uid, nxt, counts)
                    continue
                end = max(t_in[i], free_at[k]) + exponential(key, uid[i], level) / rate[m]
                free_at[k] = end
                t_out[i] = end
                if end < horizon:
                    done[n_done] = i
                    n_done += 1
                else:
                    serving[k] = i
        for j in range(n_done):  # forward to the parent desk, or complete
            i = done[j]
            m = manager[i]
            if level_of[m] > authority[i] and parent[m] >= 0:
                manager[i] = parent[m]
                t_in[i] = t_out[i]
                push_fresh(i, t_out, nxt, counts)
                continue
            s = service[i]
            lat = t_out[i] - created[i]
            buf.latency[min(int(lat / LATENCY_BIN), LATENCY_BINS)] += 1
            buf.today[TODAY_DECIDED] += 1
            buf.today[TODAY_LATENCY_SUM] += lat
            counts[COUNT_COMPLETED] += 1
            if alive[i]:
                buf.backlog[s, int(np.floor(created[i])) % P.slots] += 1
                services.pending[s] -= 1
            release_slot(i, uid, nxt, counts)


@njit(cache=True)
def expire(day, services, managers, decisions, buf):
    """Tasks waiting for a decision on their last day become unmet; count desk queues."""
    managers.queue[:] = 0
    for i in range(decisions.uid.shape[0]):
        if decisions.uid[i] < 0:
            continue
        managers.queue[decisions.manager[i]] += 1
        s = decisions.service[i]
        if decisions.task_alive[i] and day - int(np.floor(decisions.created[i])) >= services.deadline[s] - 1:
            decisions.task_alive[i] = False
            services.pending[s] -= 1
            services.unmet[s] += 1
            buf.counts[COUNT_UNMET] += 1
