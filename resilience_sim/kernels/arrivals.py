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

from numba import njit

from ..rng import (
    ARRIVALS,
    DECISION_ERROR,
    EXCEPTION_RISK,
    EXCEPTION_TEAM,
    EXCEPTION_TIME,
    REQUESTS,
    poisson,
    stream_key,
    uniform,
)
from .context import (
    COUNT_ARRIVED,
    COUNT_INSTANT,
    COUNT_NEXT_UID,
    COUNT_SETTLED_LOCALLY,
    TODAY_SETTLED,
)
from .decisions import add_rework, error_probability
from .pool import raise_decision

EXCEPTION, PARTNERSHIP, SPENDING = 0, 3, 4


@njit(cache=True)
def raiser(origin_cum, lo, hi, u):
    """Index in [lo, hi) of the worker raising an exception, for a uniform ``u``."""
    target = u * origin_cum[hi - 1]
    while lo < hi - 1:  # first index whose cumulative share exceeds the target
        mid = (lo + hi - 1) // 2
        if origin_cum[mid] > target:
            hi = mid + 1
        else:
            lo = mid + 1
    return lo


@njit(cache=True, inline="always")
def open_decision(u, kind, s, t, start, x, managers, decisions, counts):
    """Raise a decision of ``kind`` for service s at time t, at desk ``start``.

    Returns False if it needs no sign-off (approved at once).
    """
    if x.signoffs[kind] <= 0:
        return False
    raise_decision(u, kind, s, t, start, x.authority[kind], x.signoffs[kind], kind == EXCEPTION,
                   managers, decisions, counts)
    return True


@njit(cache=True)
def arrive(day, P, x, agents, services, managers, decisions, buf):
    """Draw today's tasks, exceptions and requests; raise their decisions."""
    key_n = stream_key(P.seed, ARRIVALS, day)
    key_t = stream_key(P.seed, EXCEPTION_TIME, 0)
    key_o = stream_key(P.seed, EXCEPTION_TEAM, 0)
    key_r = stream_key(P.seed, EXCEPTION_RISK, 0)
    key_q = stream_key(P.seed, REQUESTS, day)
    key_e = stream_key(P.seed, DECISION_ERROR, 0)
    slot = day % P.slots
    counts, backlog = buf.counts, buf.backlog
    exc_share = x.exception_share
    field_error = error_probability(P, x.scope[EXCEPTION], P.field_level, exc_share)
    for s in range(services.base_demand.shape[0]):
        lam = x.demand[s]
        services.expected[s] = lam
        n_std = poisson(key_n, 2 * s, lam * (1.0 - exc_share))
        n_exc = poisson(key_n, 2 * s + 1, lam * exc_share)
        services.arrived[s] = n_std + n_exc
        counts[COUNT_ARRIVED] += n_std + n_exc
        backlog[s, slot] += n_std
        lo = x.origin_ptr[s]
        n_workers = x.origin_ptr[s + 1] - lo
        for _ in range(n_exc):
            u = counts[COUNT_NEXT_UID]
            counts[COUNT_NEXT_UID] += 1
            m0 = -1
            if n_workers > 0:
                worker = x.origin_agent[raiser(x.origin_cum, lo, lo + n_workers, uniform(key_o, u, 0))]
                m0 = agents.role[worker] if agents.role[worker] >= 0 else agents.manager[worker]
            if m0 >= 0 and uniform(key_r, u, 0) < P.freedom:
                backlog[s, slot] += 1
                counts[COUNT_SETTLED_LOCALLY] += 1
                buf.today[TODAY_SETTLED] += 1
                buf.by_level[EXCEPTION, P.field_level] += 1
                if uniform(key_e, u, 0) < field_error:
                    buf.errors[EXCEPTION] += 1
                    add_rework(s, day, P, services, buf)
                continue
            if m0 < 0 or not open_decision(u, EXCEPTION, s, day + uniform(key_t, u, 0), m0, x,
                                           managers, decisions, counts):
                backlog[s, slot] += 1
                counts[COUNT_INSTANT] += 1
                continue
            services.pending[s] += 1
        head = services.head[s]
        if head < 0:
            continue
        for kind, rate in ((SPENDING, P.spending_rate), (PARTNERSHIP, P.partnership_rate)):
            n_req = poisson(key_q, 8 * s + kind, rate * x.service_staff[s])
            for _ in range(n_req):
                u = counts[COUNT_NEXT_UID]
                counts[COUNT_NEXT_UID] += 1
                open_decision(u, kind, s, day + uniform(key_t, u, 0), head, x, managers,
                              decisions, counts)
