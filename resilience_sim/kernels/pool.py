"""The decision pool: slots, the free stack, new decisions.

Shared by the stages that raise decisions (arrivals, mobility, initiatives) and the one
that serves them (decisions). The pool's operations — take a slot, release it, push a
slot on a desk's queue, pop a desk's head, forward a decision to a desk — have one
home, :mod:`.pool_ops`, which documents them; the kernels hold them as blocks written
from there (``# pool.take(slot=i) {`` … ``# } pool.take``).
"""

import numpy as np
from numba import njit

from ..rng import MOVE_KEYS
from .context import COUNT_ACTIVE, COUNT_CREATED, COUNT_FREE
from .memory import prefetch_write
from .queues import SORT_INLINE, keep_in_order, make_room, mark

NONE = -1
MOVE_UIDS = 1 << 30  # redeployment decisions are numbered in the pool from here (uids are int32)
FREE_AHEAD = 8  # free slots looked ahead for prefetching


@njit(cache=True, inline="always")
def draw_key(u):
    """The number decision ``u``'s random draws are keyed on.

    Its uid, except for a redeployment decision (numbered from ``MOVE_UIDS``): its move
    number + ``MOVE_KEYS``, so that moves keep their own draws, apart from everyone else's.
    """
    return u if u < MOVE_UIDS else u - MOVE_UIDS + MOVE_KEYS


@njit(cache=True, inline="always")
def raise_decisions(n, uids, kinds, services, times, desks, expires, authority, signoffs,
                    managers, decisions, buf, wait, field):
    """Put ``n`` new decisions in flight; returns their slots and first desks.

    Decision j, numbered ``uids[j]``, of type ``kinds[j]`` about service ``services[j]``,
    is raised at time ``times[j]`` at desk ``desks[j]``; its task can be served until
    day ``expires[j]`` (-1: no task). Its chain climbs the reporting line from that desk
    to the first desk at a level ≤ ``authority[kind]`` (or the top); the last
    ``signoffs[kind]`` desks of it sign off, so it starts at the first of those. A
    decision with a task (an exception) reaches that desk when the field's information
    does: ``wait`` days per level between the ``field`` level and the desk's.
    """
    level, parent = managers.level, managers.parent
    free, uid, kind = buf.free, decisions.uid, decisions.kind
    service, created, expiry = decisions.service, decisions.created, decisions.expires
    t_in, auth, manager = decisions.t_in, decisions.authority, decisions.manager
    tacit, counts, load = decisions.tacit, buf.counts, buf.desk_load
    store, start, end, base, cap = buf.queue_store, buf.queue_start, buf.queue_end, buf.queue_base, buf.queue_cap
    new, active = buf.queue_new, buf.desk_active
    if counts[COUNT_FREE] < n:
        raise RuntimeError("decision pool exhausted")
    slots = np.empty(n, dtype=np.int32)
    firsts = np.empty(n, dtype=np.int32)
    for j in range(n):
        k = kinds[j]
        ahead = counts[COUNT_FREE] - 1 - FREE_AHEAD
        if ahead >= 0:  # the slot taken a few decisions later: fetch its lines now
            prefetch_write(uid, free[ahead])
            prefetch_write(service, free[ahead])
        # pool.take(slot=i) {
        i = free[counts[COUNT_FREE] - 1]
        counts[COUNT_FREE] -= 1
        counts[COUNT_ACTIVE] += 1
        mark(buf.held, i)
        # } pool.take
        counts[COUNT_CREATED] += 1
        uid[i] = uids[j]
        kind[i] = k
        service[i] = services[j]
        created[i] = times[j]
        t_in[i] = times[j]
        auth[i] = authority[k]
        length = 1  # the chain's desks, up to the authority
        m = desks[j]
        while level[m] > authority[k] and parent[m] >= 0:
            m = parent[m]
            length += 1
        first = desks[j]
        for _ in range(max(0, length - signoffs[k])):
            first = parent[first]
        if expires[j] >= 0:  # a field case: it waits for its information
            t_in[i] = times[j] + wait * (field - level[first])
        expiry[i] = expires[j]
        tacit[i] = False
        # pool.forward(desk=first, slot=i) {
        manager[i] = first
        load[first] += 1
        if end[first] == base[first] + cap[first]:
            make_room(first, store, start, end, base, cap, counts)
        store[end[first]] = i
        end[first] += 1
        new[first] += 1
        if 1 < new[first] <= SORT_INLINE:
            keep_in_order(store, end[first] - 1, end[first] - new[first], t_in, uid)
        mark(active, first)
        # } pool.forward
        slots[j] = i
        firsts[j] = first
    return slots, firsts


@njit(cache=True)
def raise_decision(u, kind, s, t, desk, authority, steps, managers, decisions, buf):
    """Put one new decision without a task in flight (see :func:`raise_decisions`).

    Returns (slot, first desk).
    """
    rules_authority = np.full(kind + 1, authority, dtype=np.int64)
    rules_steps = np.full(kind + 1, steps, dtype=np.int64)
    slots, firsts = raise_decisions(1, np.full(1, u, np.int32), np.full(1, kind, np.int8), np.full(1, s, np.int32),
                                    np.full(1, t, np.float64), np.full(1, desk, np.int32), np.full(1, -1, np.int32),
                                    rules_authority, rules_steps, managers, decisions, buf, 0.0, 0)
    return slots[0], firsts[0]
