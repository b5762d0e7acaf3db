"""Stage 3 — decisions: sign-offs at managers' desks, FIFO in continuous time.

Each manager desk has ``deciders`` parallel deciders working one FIFO queue. In
order of arrival, the decision at the head of the queue is taken by the decider
free first, if that decider is free before the end of the day: start = max(t,
free_at), end = start + effort(type)·E/rate, E a unit exponential keyed by (decision,
level) — the Lindley/Kiefer–Wolfowitz recursion, exact for M/M/1, M/M/c and tandem
(Jackson) networks. The day is processed level by level from the bottom: a decision
whose sign-off at a desk ends before the end of the day is forwarded to the parent
desk at that time, and served there the same day if it arrives before the end of the
day; otherwise it is forwarded on the day it arrives. A decision is final at the
desk whose level is ≤ its type's authority (or at the top). When a final sign-off
ends, the decision completes: its latency is recorded, it may be wrong (below), and
the task of an exception, if still alive, joins the service's queue of workable tasks.

* **Withdrawal**: an exception whose task already became unmet is withdrawn when it
  reaches the head of a queue, at no cost in time (the case is moot); queues stay
  bounded by the deadlines and drain after a shock.
* **Tacit approval** (``policy.validation.tacit_days`` = N): a decision still queued N
  days after it was raised is approved at that time, whoever holds it (silence means
  yes): at the head of a queue when its start would come later, or at the end of the
  day for those still behind busy deciders. A decision being signed is not affected.
* **Errors**: a decision settled at level ℓ (the field — an agent settling it, or a
  tacit approval — counts as level F = deepest level + 1) is wrong with probability
  p = q·(base + (1 − e^(−k_s·D·(F − ℓ)·U))·(1 − scope) + k_l·scope·U·ℓ/F), capped at
  1, with U the uncertainty (today's exception share / 0.1), D the information delay
  per level, scope how much the type needs the whole picture, q the HR advice
  factor. Far from the field, stale information misleads on field-specific cases;
  close to it, a partial view misleads on cases that need the whole picture. A wrong
  answer to an exception sends the case back: one more task (rework) arrives today.

A desk's rate today is capacity × boost × (1 − manager reporting share) × (1 −
fatigue effect × fatigue), times ``interim`` if the manager is absent (boost: HR advice
and manager support); the rate of the day a sign-off starts applies to all of it. An
exception still waiting for its decision on the last day before its deadline becomes
unmet.

Layout: decisions live in a pool of 32-byte records, the fields the loops read at
random (two records per cache line; free slots on a stack, ``buf.free``), and plain
arrays for the service and the subject, read once a decision completes; each desk's
FIFO queue is a segment of one array of slots (:mod:`.queues`); ``serving`` holds, per
decider, the decision it signs until a time past the end of a day, and ``free_at`` when
that sign-off ends. Once a sign-off starts, the decision's ``t_in`` holds its end: the
time it arrives at the next desk, or completes. New decisions and forwarded ones are
pushed at their desk's tail as they come, kept in order of (time, uid) among the desk's
arrivals since it was last served: a few comparisons per push, instead of one sort of
every arrival of a level (:mod:`.pool_ops`). A push also sets the desk's bit in
``buf.desk_active``; a level is served by listing the desks whose bits are set (in order
of desk number, as all desks were before), and a desk left with nothing queued and
nothing being signed when it is served clears its bit (one emptied by tacit approvals
clears it at its next visit): on an ordinary day most team leaders' desks are idle and
not visited. Deadlines are counted by service and day raised
(``buf.pending_by_day``) and decisions at desks as they come and go
(``buf.desk_load``), so a day costs O(arrivals + sign-offs + desks with work + services),
plus two passes over the desks (rates, queue counts) and one over the queues for tacit
approvals when they are on.
"""

import math

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from ..params import EXCEPTION, INITIATIVE, PARTNERSHIP, REDEPLOYMENT
from ..rng import DECISION_ERROR, DECISION_TIME, exponential, stream_key, uniform
from ..state import STATUS_ABSENT
from .context import (
    COUNT_ACTIVE,
    COUNT_ARRIVED,
    COUNT_COMPLETED,
    COUNT_FREE,
    COUNT_REWORK,
    COUNT_TACIT,
    COUNT_UNMET,
    COUNT_WITHDRAWN,
    LATENCY_BIN,
    LATENCY_BINS,
    LEVELS,
    TODAY_DECIDED,
    TODAY_ERRORS,
    TODAY_LATENCY_SUM,
    TODAY_QUEUE,
    TODAY_REFUSED_DECISION,
    TODAY_REWORK,
    TODAY_TACIT,
    DayParam,
    setting,
)
from .initiatives import INIT_UIDS, decided
from .memory import prefetch
from .mobility import move, nominal
from .pool import NONE, draw_key
from .queues import SORT_INLINE, keep_in_order, make_room, mark, unmark


def information_delay(s, org=None) -> float:
    """Days per level above the field by which what a level knows lags the field.

    ``policy.information.delay_per_level``, of which in-situ support removes the share
    ``support.information_gain`` at full support (a coach on site brings the field's view).
    """
    return s["policy.information.delay_per_level"] * (1.0 - s["support.information_gain"] * s["support.in_situ"])


DAY_PARAMS = (
    DayParam("interim", float, setting("policy.decisions.interim"),
             "decision capacity kept when a manager is absent"),
    DayParam("tacit_days", float, lambda s, org: -1.0 if s["policy.validation.tacit_days"] is None
             else s["policy.validation.tacit_days"], "tacit approval delay, days (< 0: never)"),
    DayParam("delay_per_level", float, information_delay,
             "information delay per level above the field, days (in-situ support lowers it)"),
    DayParam("base_error", float, setting("decisions.base_error"), "error probability of any decision"),
    DayParam("staleness_error", float, setting("decisions.staleness_error"), "error from stale information, /day"),
    DayParam("uncertainty_unit", float, setting("decisions.uncertainty_unit"),
             "exception share counted as task uncertainty 1"),
    DayParam("local_error", float, setting("decisions.local_error"), "error from a partial view"),
    DayParam("quality", float, lambda s, org: (1.0 - s["hr.advice_quality_gain"] * s["hr.advice"])
             * (1.0 - s["support.quality_gain"] * s["support.peer"]),
             "error multiplier from HR advice and peer support (1 = neither)"),
    DayParam("manager_boost", float, lambda s, org: (1.0 + s["hr.advice_capacity_gain"] * s["hr.advice"])
             * (1.0 + s["support.capacity_gain"] * s["support.in_situ"]),
             "manager capacity multiplier (HR advice, in-situ support)"),
    # issue 15: decision desks and information latency
    DayParam("signoff_cv", float, setting("decisions.signoff_cv"),
             "coefficient of variation of sign-off times (1 exponential, 0 deterministic)"),
    DayParam("information_wait", float, lambda s, org: s["decisions.information_wait"] * information_delay(s),
             "days per level above the field an exception waits for its information"),
)

_SLOWEST = 1e-9
AHEAD = 8  # desks looked ahead for prefetching
FETCH_AHEAD = 16  # decisions looked ahead for prefetching in lists
QUEUE_AHEAD = 8  # decisions looked ahead in a desk's queue


@njit(cache=True, inline="always")
def desk_rates(P, agents, managers, share):
    """Set each desk's sign-off rate per decider for today."""
    for m in range(managers.agent.shape[0]):
        a = managers.agent[m]
        rate = (managers.capacity[m] * P.manager_boost * (1.0 - share)
                * (1.0 - P.fatigue_effect * agents.fatigue[a]))
        if agents.status[a] == STATUS_ABSENT:
            rate *= P.interim
        managers.rate[m] = max(rate, _SLOWEST)


@njit(cache=True)
def error_probability(P, scope, level, exception_share):
    """Probability that a decision of the given scope settled at ``level`` is wrong."""
    u = exception_share / P.uncertainty_unit
    stale = 1.0 - math.exp(-P.staleness_error * P.delay_per_level * (P.field_level - level) * u)
    local = P.local_error * scope * u * level / P.field_level
    return min(1.0, P.quality * (P.base_error + stale * (1.0 - scope) + local))


@njit(cache=True)
def error_table(P, scope, exception_share):
    """Today's error probabilities by decision type and level settled at (see module doc)."""
    table = np.empty((scope.shape[0], LEVELS))
    for k in range(scope.shape[0]):
        for level in range(LEVELS):
            table[k, level] = error_probability(P, scope[k], level, exception_share)
    return table


@njit(cache=True)
def order_arrivals(store, lo, hi, t_in, uid, times, work):
    """Put the queue entries ``store[lo:hi]`` in order of arrival time ``t_in``, ties by uid.

    For a desk that received more than ``SORT_INLINE`` decisions since it was last served
    (the few of an ordinary desk are kept in order as they are pushed, see :mod:`.pool_ops`).
    A bucket sort, O(n) for times spread over the day, then an insertion pass in which
    each entry moves only within its bucket. ``times`` (≥ 2n entries) and ``work`` (≥ 3n
    + 1) are scratch space (see :func:`scratch`), so that sorting allocates nothing.
    """
    n = hi - lo
    t_lo = np.inf
    t_hi = -np.inf
    for j in range(n):
        i = store[lo + j]
        t = t_in[i]
        times[j] = t
        work[n + j] = i
        t_lo = min(t_lo, t)
        t_hi = max(t_hi, t)
    scale = n / (t_hi - t_lo) if t_hi > t_lo else 0.0
    bucket, slots, begin = work[:n], work[n:2 * n], work[2 * n:3 * n + 1]
    begin[:] = 0
    for j in range(n):
        b = min(int((times[j] - t_lo) * scale), n - 1)
        bucket[j] = b
        begin[b + 1] += 1
    for b in range(n):
        begin[b + 1] += begin[b]
    ordered = times[n:2 * n]
    for j in range(n):
        r = begin[bucket[j]]
        begin[bucket[j]] = r + 1
        store[lo + r] = slots[j]
        ordered[r] = times[j]
    for j in range(1, n):
        i = store[lo + j]
        t = ordered[j]
        h = j
        while h > 0 and (ordered[h - 1] > t or (ordered[h - 1] == t and uid[store[lo + h - 1]] > uid[i])):
            store[lo + h] = store[lo + h - 1]
            ordered[h] = ordered[h - 1]
            h -= 1
        store[lo + h] = i
        ordered[h] = t


@njit(cache=True, inline="always")
def scratch(n, times, work):
    """Scratch space for :func:`order_arrivals` of ``n`` entries: ``times``, ``work`` or larger ones."""
    if times.shape[0] < 2 * n:
        size = max(2 * n, 2 * times.shape[0], 256)
        return np.empty(size, dtype=np.float64), np.empty(3 * (size // 2) + 1, dtype=np.int64)
    return times, work


@njit(cache=True, inline="always")
def settle(done, n_done, day, P, x, agents, services, managers, decisions, buf):
    """Forward signed-off decisions to the parent desk, or complete them."""
    key = stream_key(P.seed, DECISION_ERROR, 0)
    level_of, parent = managers.level, managers.parent
    manager, t_in = decisions.manager, decisions.t_in
    uid, kind, tacit = decisions.uid, decisions.kind, decisions.tacit
    authority, created, expires, service = decisions.authority, decisions.created, decisions.expires, decisions.service
    counts, today, latency, by_level = buf.counts, buf.today, buf.latency, buf.by_level
    errors, backlog, pending = buf.errors, buf.backlog, services.pending
    free = buf.free
    store, start, end, base, cap, new = (buf.queue_store, buf.queue_start, buf.queue_end, buf.queue_base,
                                         buf.queue_cap, buf.queue_new)
    load, pending_by_day, active = buf.desk_load, buf.pending_by_day, buf.desk_active
    error = error_table(P, x.scope, x.exception_share)
    for j in range(n_done):
        if j + FETCH_AHEAD < n_done:
            prefetch(t_in, done[j + FETCH_AHEAD])
            prefetch(service, done[j + FETCH_AHEAD])
        i = done[j]
        m = manager[i]
        k = kind[i]
        load[m] -= 1
        if not tacit[i] and level_of[m] > authority[i] and parent[m] >= 0:
            up = parent[m]  # t_in: the sign-off's end, its arrival there (or its information's)
            if k == EXCEPTION:
                t_in[i] = max(t_in[i], created[i] + P.information_wait * (P.field_level - level_of[up]))
            # pool.forward(desk=up, slot=i) {
            manager[i] = up
            load[up] += 1
            if end[up] == base[up] + cap[up]:
                make_room(up, store, start, end, base, cap, counts)
            store[end[up]] = i
            end[up] += 1
            new[up] += 1
            if 1 < new[up] <= SORT_INLINE:
                keep_in_order(store, end[up] - 1, end[up] - new[up], t_in, uid)
            mark(active, up)
            # } pool.forward
            continue
        level = P.field_level if tacit[i] else level_of[m]
        lat = t_in[i] - created[i]
        latency[k, min(int(lat / LATENCY_BIN), LATENCY_BINS)] += 1
        by_level[k, level] += 1
        today[TODAY_DECIDED] += 1
        today[TODAY_LATENCY_SUM] += lat
        counts[COUNT_COMPLETED] += 1
        if tacit[i]:
            counts[COUNT_TACIT] += 1
            today[TODAY_TACIT] += 1
        wrong = uniform(key, draw_key(uid[i]), 0) < error[k, level]
        if wrong:
            errors[k] += 1
            today[TODAY_ERRORS] += 1
        if k == REDEPLOYMENT:
            redeployed(i, wrong, day, P, x, agents, services, decisions, today, counts)
        if k == INITIATIVE or (k == PARTNERSHIP and uid[i] >= INIT_UIDS):
            decided(i, level, day, P, x, agents, services, decisions, buf)
        if k == EXCEPTION and expires[i] >= day:  # its task is alive
            s = service[i]
            raised = int(np.floor(created[i])) % P.slots
            backlog[s, raised] += 1
            pending[s] -= 1
            pending_by_day[s, raised] -= 1
            if wrong:
                add_rework(s, day, P, services, buf)
        # pool.release(slot=i) {
        uid[i] = NONE
        free[counts[COUNT_FREE]] = i
        counts[COUNT_FREE] += 1
        counts[COUNT_ACTIVE] -= 1
        unmark(buf.held, i)
        # } pool.release


@njit(cache=True, inline="always")
def add_rework(s, day, P, services, buf):
    """A wrong answer sends the case back: one more task arrives today at service s."""
    buf.backlog[s, day % P.slots] += 1
    buf.rework[s, day % P.slots] += 1
    services.arrived[s] += 1
    buf.counts[COUNT_ARRIVED] += 1
    buf.counts[COUNT_REWORK] += 1
    buf.today[TODAY_REWORK] += 1


@njit(cache=True, inline="always")
def sign_offs(day, P, x, agents, services, managers, decisions, buf):
    """Serve the desks level by level, from the deepest level up (see module doc).

    Written as one loop nest over plain arrays: calls that pass the state tuples cost
    reference counting on every array, which dominated the day.
    """
    key = stream_key(P.seed, DECISION_TIME, 0)
    horizon = day + 1.0
    tacit = P.tacit_days
    counts, free_at, serving, free, work_left = buf.counts, buf.free_at, buf.serving, buf.free, buf.work_left
    cv = P.signoff_cv
    store, start, end, base, new = buf.queue_store, buf.queue_start, buf.queue_end, buf.queue_base, buf.queue_new
    rate = managers.rate
    desk, deciders = managers.desk, managers.deciders
    uid = decisions.uid
    t_in, expires, load = decisions.t_in, decisions.expires, buf.desk_load
    created, kind, is_tacit = decisions.created, decisions.kind, decisions.tacit
    effort, level_mask, active = x.effort, x.level_mask, buf.desk_active
    done = np.empty(counts[COUNT_ACTIVE] + serving.shape[0] + 1, dtype=np.int32)
    times, work = np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64)  # see scratch
    todo = np.empty(start.shape[0], dtype=np.int32)
    for level in range(level_mask.shape[0] - 1, -1, -1):
        n_done = 0
        last = marked(active, level_mask[level], todo)
        for j in range(last):
            if j + 2 * AHEAD < last:  # fetch the queues of desks ahead, then their heads
                prefetch(store, start[todo[j + 2 * AHEAD]])
            if j + AHEAD < last:
                ahead = todo[j + AHEAD]
                for k in range(desk[ahead], desk[ahead] + deciders[ahead]):
                    if serving[k] >= 0:  # a sign-off held past midnight: its start is read
                        prefetch(t_in, serving[k])
                for r in range(start[ahead], min(end[ahead], start[ahead] + QUEUE_AHEAD)):
                    prefetch(t_in, store[r])
            m = todo[j]
            if new[m] > SORT_INLINE:  # today's arrivals were too many to keep in order as they came
                times, work = scratch(new[m], times, work)
                order_arrivals(store, end[m] - new[m], end[m], t_in, uid, times, work)
            new[m] = 0
            lo = desk[m]
            hi = lo + deciders[m]
            for k in range(lo, hi):  # sign-offs held since an earlier day go on at today's rate
                i = serving[k]
                if i >= 0:
                    begin = max(float(day), t_in[i])  # t_in[i]: when the sign-off started
                    finish = begin + work_left[k] / rate[m]
                    if finish < horizon:
                        serving[k] = NONE
                        free_at[k] = finish
                        t_in[i] = finish
                        done[n_done] = i
                        n_done += 1
                    else:
                        work_left[k] -= max(0.0, horizon - begin) * rate[m]
            while start[m] < end[m]:
                k = lo
                for c in range(lo + 1, hi):
                    if free_at[c] < free_at[k]:
                        k = c
                if free_at[k] >= horizon:
                    break  # every decider is busy until tomorrow: the queue keeps its order
                if start[m] + QUEUE_AHEAD < end[m]:
                    prefetch(t_in, store[start[m] + QUEUE_AHEAD])
                # pool.pop(desk=m, slot=i) {
                i = store[start[m]]
                start[m] += 1
                if start[m] == end[m]:
                    start[m] = end[m] = base[m]
                # } pool.pop
                if kind[i] == EXCEPTION and expires[i] < day:  # its task is unmet: moot
                    counts[COUNT_WITHDRAWN] += 1
                    # issue 15: its latency counts, censored at its task's deadline
                    buf.latency[EXCEPTION, min(int((expires[i] + 1.0 - created[i]) / LATENCY_BIN),
                                                  LATENCY_BINS)] += 1
                    load[m] -= 1
                    # pool.release(slot=i) {
                    uid[i] = NONE
                    free[counts[COUNT_FREE]] = i
                    counts[COUNT_FREE] += 1
                    counts[COUNT_ACTIVE] -= 1
                    unmark(buf.held, i)
                    # } pool.release
                    continue
                start_time = max(t_in[i], free_at[k])
                if tacit >= 0.0 and created[i] + tacit <= start_time:
                    is_tacit[i] = True
                    t_in[i] = max(created[i] + tacit, t_in[i])
                    done[n_done] = i
                    n_done += 1
                    continue
                work_i = effort[kind[i]] * ((1.0 - cv) + cv * exponential(key, draw_key(uid[i]), level))
                finish = start_time + work_i / rate[m]
                if finish < horizon:
                    free_at[k] = finish
                    t_in[i] = finish
                    done[n_done] = i
                    n_done += 1
                else:  # held past tonight: the work left goes on at each day's rate
                    free_at[k] = np.inf
                    t_in[i] = start_time
                    work_left[k] = work_i - max(0.0, horizon - start_time) * rate[m]
                    serving[k] = i
            if start[m] == end[m]:
                idle = True
                for k in range(lo, hi):
                    idle &= serving[k] < 0
                if idle:  # nothing queued, nothing being signed: not served again until a push marks it
                    unmark(active, m)
        settle(done, n_done, day, P, x, agents, services, managers, decisions, buf)


@njit(cache=True, inline="always")
def marked(active, mask, todo):
    """List in ``todo`` the desks whose bits are set in both ``active`` and ``mask``, in order; return how many."""
    n = 0
    for w in range(mask.shape[0]):
        bits = active[w] & mask[w]
        while bits != 0:
            todo[n] = (w << 6) + int(trailing_zeros(bits))
            n += 1
            bits &= bits - np.uint64(1)
    return n


@njit(cache=True)
def redeployed(i, wrong, day, P, x, agents, services, decisions, today, counts):
    """A redeployment was decided: move its agent if the service still needs it."""
    a, g = decisions.subject[i], decisions.service[i]
    agents.reserved[a] = False
    services.gap[g] += nominal(agents, a)  # the proposal had counted the agent in already
    if agents.moved_day[a] < 0 and services.gap[g] > 0.0:
        move(a, g, day, wrong, P, x, agents, services, today, counts)
    else:
        today[TODAY_REFUSED_DECISION] += 1


@njit(cache=True, inline="always")
def expire(day, P, x, agents, services, managers, decisions, buf):
    """End of the decisions stage: tacit approvals, deadlines, queue lengths.

    Queued decisions past their tacit delay are approved (and leave their queue);
    exceptions still waiting on the last day before their deadline become unmet
    (their decisions see it from ``expires``); the decisions left at each desk are
    counted.
    """
    if P.tacit_days >= 0.0:
        _tacit_approvals(day, P, x, agents, services, managers, decisions, buf)
    today, load, level_of = buf.today, buf.desk_load, managers.level
    managers.queue[:] = load
    for level in range(LEVELS):
        today[TODAY_QUEUE + level] = 0.0
    for m in range(load.shape[0]):
        today[TODAY_QUEUE + level_of[m]] += load[m]
    pending, unmet, deadline, pending_by_day = services.pending, services.unmet, services.deadline, buf.pending_by_day
    for s in range(deadline.shape[0]):
        raised = day - deadline[s] + 1
        if raised < 0:
            continue
        late = pending_by_day[s, raised % P.slots]
        pending_by_day[s, raised % P.slots] = 0
        pending[s] -= late
        unmet[s] += late
        buf.counts[COUNT_UNMET] += late


@njit(cache=True)
def _tacit_approvals(day, P, x, agents, services, managers, decisions, buf):
    """Approve the queued decisions raised ``tacit_days`` ago or more, desk by desk."""
    horizon = day + 1.0
    tacit = P.tacit_days
    t_in, created, is_tacit = decisions.t_in, decisions.created, decisions.tacit
    store, start, end, base = buf.queue_store, buf.queue_start, buf.queue_end, buf.queue_base
    done = np.empty(buf.counts[COUNT_ACTIVE] + 1, dtype=np.int32)
    n_done = 0
    for m in range(start.shape[0]):
        kept = start[m]
        for r in range(start[m], end[m]):
            i = store[r]
            if created[i] + tacit < horizon:
                is_tacit[i] = True
                t_in[i] = max(created[i] + tacit, t_in[i])
                done[n_done] = i
                n_done += 1
            else:
                store[kept] = i
                kept += 1
        end[m] = kept
        if start[m] == end[m]:
            start[m] = end[m] = base[m]
    settle(done, n_done, day, P, x, agents, services, managers, decisions, buf)
