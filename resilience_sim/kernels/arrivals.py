"""Stage 2 — arrivals: tasks, exceptions and requests reach the services.

Service s receives Poisson(λ_s(t)·(1 − p_exc(t))) standard tasks, which join its
queue, and Poisson(λ_s(t)·p_exc(t)) exceptions (independent thinning of one Poisson
stream), each at a uniform time inside the day. Each exception has a risk r, uniform
on [0, 1): if r < ``policy.freedom.risk_limit`` the agent settles it at once (freedom
to adapt the rule; it may be wrong, see the decisions stage, with the field's error
rate) and the task joins the queue. Otherwise it raises a decision, raised by a worker
of the service drawn in proportion to its share of time on tasks (heads and team
leaders handle fewer cases): it starts at the worker's own desk if the worker is a
manager, else at its manager's desk, and climbs the reporting line to the level
holding the authority for exceptions: the chain is the desks from there up to the
first one at a level ≤ authority; the last ``signoffs`` of them sign off, lower ones
forward without a queue (0 sign-offs: approved at once). A worker with no desk and no
manager settles the exception at once.

Each service's head also raises spending and partnership requests, Poisson with
``decisions.spending_rate`` and ``decisions.partnership_rate`` per 100 staff a day, at
uniform times: decisions without a task, which load the desks of their own chain.
"""

import numpy as np
from numba import njit

from ..params import EXCEPTION, PARTNERSHIP, SPENDING
from ..rng import (
    ARRIVALS,
    DECISION_ERROR,
    EXCEPTION_RISK,
    EXCEPTION_TEAM,
    EXCEPTION_TIME,
    REQUESTS,
    poisson,
    request_entity,
    stream_key,
    uniform,
)
from .context import (
    COUNT_ARRIVED,
    COUNT_INSTANT,
    COUNT_NEXT_UID,
    COUNT_SETTLED_LOCALLY,
    TODAY_SETTLED,
    DayParam,
    setting,
)
from .decisions import add_rework, error_probability
from .memory import prefetch
from .pool import raise_decisions

DAY_PARAMS = (
    DayParam("freedom", float, setting("policy.freedom.risk_limit"),
             "risk limit below which agents settle exceptions themselves"),
    DayParam("field_level", int, lambda s, org: org.depth + 1, "level of the field (deepest manager level + 1)"),
    DayParam("spending_rate", float, lambda s, org: s["decisions.spending_rate"] / 100.0,
             "spending requests per staff member per day"),
    DayParam("partnership_rate", float, lambda s, org: s["decisions.partnership_rate"] / 100.0,
             "partnership requests per staff member per day"),
)

REQUEST_KINDS = (SPENDING, PARTNERSHIP)  # the columns of the request counts, in order of numbering


def raiser_desks(origin_agent: np.ndarray, role: np.ndarray, manager: np.ndarray) -> np.ndarray:
    """The desk where each raiser's exceptions start: its own if it is a manager, else its manager's.

    Reporting lines do not change during a run, so this is read from one array (in
    the order of ``origin_agent``) rather than from two of the agents' arrays at random.
    """
    worker_role = role[origin_agent]
    return np.where(worker_role >= 0, worker_role, manager[origin_agent]).astype(np.int32)


def raiser_guide(origin_ptr: np.ndarray, origin_cum: np.ndarray) -> np.ndarray:
    """A guide table for drawing an exception's raiser (Chen & Asau 1974).

    For service s with n workers (``origin_ptr[s]`` to ``origin_ptr[s + 1]``) and total
    share T, entry ``origin_ptr[s] + j`` is the first worker whose cumulative share
    exceeds j/n·T. The raiser of a uniform u, the first worker whose cumulative share
    exceeds u·T, is found from entry ⌊u·n⌋ in a step or two, instead of a binary search
    whose every step is a coin toss for the processor.
    """
    guide = np.empty(len(origin_cum), dtype=np.int32)
    for s in range(len(origin_ptr) - 1):
        lo, hi = int(origin_ptr[s]), int(origin_ptr[s + 1])
        if hi > lo:
            cum = origin_cum[lo:hi]
            at = np.searchsorted(cum, np.arange(hi - lo) / (hi - lo) * cum[-1], side="right")
            guide[lo:hi] = lo + np.minimum(at, hi - lo - 1)
    return guide


@njit(cache=True, inline="always")
def arrive(day, P, x, agents, services, managers, decisions, buf):
    """Draw today's tasks, exceptions and requests; raise their decisions.

    Counts are drawn for every service first, then the cases one by one in service
    order (exceptions, then spending and partnership requests), numbered in that
    order; the decisions are put in flight together at the end.
    """
    key_n = stream_key(P.seed, ARRIVALS, day)
    key_q = stream_key(P.seed, REQUESTS, day)
    counts, backlog = buf.counts, buf.backlog
    exc_share = x.exception_share
    n_svc = services.base_demand.shape[0]
    n_exc = np.zeros(n_svc, dtype=np.int64)
    n_req = np.zeros((n_svc, 2), dtype=np.int64)
    slot = day % P.slots
    demand, staff = x.demand, x.service_staff
    expected, arrived, head = services.expected, services.arrived, services.head
    base, closed, turned_away = services.base_demand, x.closed, services.turned_away
    for s in range(n_svc):
        lam = demand[s]
        expected[s] = lam
        turned_away[s] = max(base[s] - lam, 0.0) if closed[s] else 0.0  # the public's demand is not closed
        n_std = poisson(key_n, 2 * s, lam * (1.0 - exc_share))
        n_exc[s] = poisson(key_n, 2 * s + 1, lam * exc_share)
        arrived[s] = n_std + n_exc[s]
        counts[COUNT_ARRIVED] += n_std + n_exc[s]
        backlog[s, slot] += n_std
        if head[s] >= 0:
            n_req[s, 0] = poisson(key_q, request_entity(s, SPENDING), P.spending_rate * staff[s])
            n_req[s, 1] = poisson(key_q, request_entity(s, PARTNERSHIP), P.partnership_rate * staff[s])
    n, uids, kinds, svc, times, desks, expires = _cases(day, P, x, agents, services, buf, n_exc, n_req)
    raise_decisions(n, uids, kinds, svc, times, desks, expires, x.authority, x.signoffs, managers, decisions, buf,
                    P.information_wait, P.field_level)


@njit(cache=True, inline="always")
def _cases(day, P, x, agents, services, buf, n_exc, n_req):
    """Number today's cases; settle what needs no decision; list the decisions to raise."""
    key_t = stream_key(P.seed, EXCEPTION_TIME, 0)
    key_o = stream_key(P.seed, EXCEPTION_TEAM, 0)
    key_r = stream_key(P.seed, EXCEPTION_RISK, 0)
    key_e = stream_key(P.seed, DECISION_ERROR, 0)
    counts, backlog, today, by_level = buf.counts, buf.backlog, buf.today, buf.by_level
    origin_ptr, origin_desk, origin_cum, guide = x.origin_ptr, x.origin_desk, x.origin_cum, x.origin_guide
    head, pending = services.head, services.pending
    deadline, pending_by_day = services.deadline, buf.pending_by_day
    signoffs = x.signoffs
    slot = day % P.slots
    field_error = error_probability(P, x.scope[EXCEPTION], P.field_level, x.exception_share)
    total = n_exc.sum() + n_req.sum()
    uids = np.empty(total, dtype=np.int32)  # compact: they are held while the pool is largest
    kinds = np.empty(total, dtype=np.int8)
    svc = np.empty(total, dtype=np.int32)
    times = np.empty(total, dtype=np.float64)
    desks = np.empty(total, dtype=np.int32)
    expires = np.full(total, -1, dtype=np.int32)
    n = 0
    for s in range(n_exc.shape[0]):
        lo = origin_ptr[s]
        n_workers = origin_ptr[s + 1] - lo
        if s + 1 < n_exc.shape[0]:  # the next service's raisers, read at random: fetch them now
            for j in range(origin_ptr[s + 1], origin_ptr[s + 2], 8):
                prefetch(origin_cum, j)
                if j % 16 == origin_ptr[s + 1] % 16:
                    prefetch(guide, j)
                    prefetch(origin_desk, j)
        for _ in range(n_exc[s]):
            u = counts[COUNT_NEXT_UID]
            counts[COUNT_NEXT_UID] += 1
            m0 = -1
            if n_workers > 0:  # the raiser: first worker whose cumulative share exceeds w·total
                w = uniform(key_o, u, 0)
                target = w * origin_cum[lo + n_workers - 1]
                i = guide[lo + min(int(w * n_workers), n_workers - 1)]  # a guess, steps away
                while i > lo and origin_cum[i - 1] > target:
                    i -= 1
                while i < lo + n_workers - 1 and origin_cum[i] <= target:
                    i += 1
                m0 = origin_desk[i]
            if m0 >= 0 and P.freedom > 0.0 and uniform(key_r, u, 0) < P.freedom:
                backlog[s, slot] += 1
                counts[COUNT_SETTLED_LOCALLY] += 1
                today[TODAY_SETTLED] += 1
                by_level[EXCEPTION, P.field_level] += 1
                if uniform(key_e, u, 0) < field_error:
                    buf.errors[EXCEPTION] += 1
                    add_rework(s, day, P, services, buf)
                continue
            if m0 < 0 or signoffs[EXCEPTION] <= 0:  # nobody to ask, or no sign-off needed
                backlog[s, slot] += 1
                counts[COUNT_INSTANT] += 1
                continue
            uids[n], kinds[n], svc[n], times[n], desks[n] = u, EXCEPTION, s, day + uniform(key_t, u, 0), m0
            expires[n] = day + deadline[s] - 1
            n += 1
            pending[s] += 1
            pending_by_day[s, slot] += 1
        for j in range(2):
            for _ in range(n_req[s, j]):
                u = counts[COUNT_NEXT_UID]
                counts[COUNT_NEXT_UID] += 1
                if signoffs[REQUEST_KINDS[j]] > 0:
                    uids[n], kinds[n], svc[n], times[n], desks[n] = (u, REQUEST_KINDS[j], s,
                                                                     day + uniform(key_t, u, 0), head[s])
                    n += 1
    return n, uids, kinds, svc, times, desks, expires
