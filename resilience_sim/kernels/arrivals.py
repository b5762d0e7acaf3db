"""Stage 2 — arrivals: tasks and exceptions reach the services.

Service s receives Poisson(λ_s(t)·(1 − p_exc(t))) standard tasks, which join its
queue, and Poisson(λ_s(t)·p_exc(t)) exceptions (independent thinning of one Poisson
stream). Each exception raises a decision at a uniform time inside the day. The
decision is raised by a worker of the service drawn in proportion to its share of time
on tasks (heads and team leaders handle fewer cases); it starts at the worker's own
desk if the worker is a manager, else at its manager's desk, and climbs the reporting line to the
level holding the authority: the chain is the managers from that manager up to the
first one at a level ≤ authority; the last ``steps`` of them sign off, lower ones
forward without a queue. A worker with no desk and no manager settles the exception at once.
"""

from numba import njit

from ..rng import ARRIVALS, EXCEPTION_TEAM, EXCEPTION_TIME, poisson, stream_key, uniform
from .context import COUNT_ARRIVED, COUNT_CREATED, COUNT_INSTANT, COUNT_NEXT_UID
from .decisions import allocate_slot, push_fresh

EXCEPTION = 0


@njit(cache=True, inline="always")
def first_signer(level, parent, start, authority, steps):
    """The first desk of a decision raised at manager ``start`` (see module doc)."""
    n = 1
    m = start
    while level[m] > authority and parent[m] >= 0:
        m = parent[m]
        n += 1
    first = start
    for _ in range(max(0, n - steps)):
        first = parent[first]
    return first


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


@njit(cache=True)
def arrive(day, P, services, demand, exc_share, origin_ptr, origin_agent, origin_cum,
           agent_manager, agent_role, managers, decisions, buf):
    """Draw today's tasks and exceptions; raise the exceptions' decisions."""
    key_n = stream_key(P.seed, ARRIVALS, day)
    key_t = stream_key(P.seed, EXCEPTION_TIME, 0)
    key_o = stream_key(P.seed, EXCEPTION_TEAM, 0)
    slot = day % P.slots
    counts, backlog = buf.counts, buf.backlog
    level, parent = managers.level, managers.parent
    uid, nxt, t_out = decisions.uid, decisions.next, decisions.t_out
    for s in range(services.base_demand.shape[0]):
        lam = demand[s]
        services.expected[s] = lam
        n_std = poisson(key_n, 2 * s, lam * (1.0 - exc_share))
        n_exc = poisson(key_n, 2 * s + 1, lam * exc_share)
        services.arrived[s] = n_std + n_exc
        counts[COUNT_ARRIVED] += n_std + n_exc
        backlog[s, slot] += n_std
        lo = origin_ptr[s]
        n_workers = origin_ptr[s + 1] - lo
        for _ in range(n_exc):
            u = counts[COUNT_NEXT_UID]
            counts[COUNT_NEXT_UID] += 1
            m0 = -1
            if n_workers > 0:
                worker = origin_agent[raiser(origin_cum, lo, lo + n_workers, uniform(key_o, u, 0))]
                m0 = agent_role[worker] if agent_role[worker] >= 0 else agent_manager[worker]
            if m0 < 0:
                backlog[s, slot] += 1
                counts[COUNT_INSTANT] += 1
                continue
            i = allocate_slot(nxt, counts)
            counts[COUNT_CREATED] += 1
            t = day + uniform(key_t, u, 0)
            uid[i] = u
            decisions.kind[i] = EXCEPTION
            decisions.service[i] = s
            decisions.created[i] = t
            decisions.authority[i] = P.authority_exception
            decisions.manager[i] = first_signer(level, parent, m0, P.authority_exception, P.steps)
            decisions.t_in[i] = t
            decisions.task_alive[i] = True
            push_fresh(i, t_out, nxt, counts)
            services.pending[s] += 1
