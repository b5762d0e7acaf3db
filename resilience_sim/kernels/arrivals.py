"""Stage 2 — arrivals: tasks and exceptions reach the services.

Service s receives Poisson(λ_s(t)·(1 − p_exc(t))) standard tasks, which join its
queue, and Poisson(λ_s(t)·p_exc(t)) exceptions (independent thinning of one Poisson
stream). Each exception raises a decision at a uniform time inside the day. The
decision starts at the manager of a worker of the service drawn uniformly (so teams
raise exceptions in proportion to their size), and climbs the reporting line to the
level holding the authority: the chain is the managers from that manager up to the
first one at a level ≤ authority; the last ``steps`` of them sign off, lower ones
forward without a queue. A worker with no manager settles the exception at once.
"""

import numpy as np
from numba import njit

from ..rng import ARRIVALS, EXCEPTION_TEAM, EXCEPTION_TIME, poisson, stream_key, uniform
from .context import COUNT_ACTIVE, COUNT_ARRIVED, COUNT_CREATED, COUNT_INSTANT, COUNT_NEXT_UID

EXCEPTION = 0


@njit(cache=True)
def first_signer(managers, start, authority, steps):
    """The first desk of a decision raised at manager ``start`` (see module doc)."""
    chain = np.empty(64, dtype=np.int64)
    n = 0
    m = start
    while True:
        chain[n] = m
        n += 1
        if managers.level[m] <= authority or managers.parent[m] < 0 or n == 64:
            break
        m = managers.parent[m]
    return chain[max(0, n - steps)]


@njit(cache=True)
def arrive(day, P, services, demand, exc_share, origin_ptr, origin_agent, agent_manager,
           managers, decisions, buf):
    """Draw today's tasks and exceptions; raise the exceptions' decisions."""
    key_n = stream_key(P.seed, ARRIVALS, day)
    key_t = stream_key(P.seed, EXCEPTION_TIME, 0)
    key_o = stream_key(P.seed, EXCEPTION_TEAM, 0)
    slot = day % P.slots
    counts = buf.counts
    for s in range(services.base_demand.shape[0]):
        lam = demand[s]
        services.expected[s] = lam
        n_std = poisson(key_n, 2 * s, lam * (1.0 - exc_share))
        n_exc = poisson(key_n, 2 * s + 1, lam * exc_share)
        services.arrived[s] = n_std + n_exc
        counts[COUNT_ARRIVED] += n_std + n_exc
        buf.backlog[s, slot] += n_std
        lo = origin_ptr[s]
        n_workers = origin_ptr[s + 1] - lo
        for _ in range(n_exc):
            uid = counts[COUNT_NEXT_UID]
            counts[COUNT_NEXT_UID] += 1
            worker = origin_agent[lo + int(uniform(key_o, uid, 0) * n_workers)] if n_workers > 0 else -1
            m0 = agent_manager[worker] if worker >= 0 else -1
            if m0 < 0:
                buf.backlog[s, slot] += 1
                counts[COUNT_INSTANT] += 1
                continue
            i = counts[COUNT_ACTIVE]
            counts[COUNT_ACTIVE] += 1
            counts[COUNT_CREATED] += 1
            t = day + uniform(key_t, uid, 0)
            decisions.uid[i] = uid
            decisions.kind[i] = EXCEPTION
            decisions.service[i] = s
            decisions.created[i] = t
            decisions.authority[i] = P.authority_exception
            decisions.manager[i] = first_signer(managers, m0, P.authority_exception, P.steps)
            decisions.t_in[i] = t
            decisions.t_out[i] = -1.0
            decisions.task_alive[i] = True
            services.pending[s] += 1
