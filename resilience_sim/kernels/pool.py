"""The decision pool's slots and chains, and the first desk of a decision's chain.

Shared by the stages that raise decisions (arrivals, mobility) and the one that
serves them (decisions). Today's arrivals at desks are listed in ``buf.fresh`` with the
level of their desk, an array read in order rather than a chain of slots followed
from one to the next (each step of a chain waits for memory).
"""

import numpy as np
from numba import njit

from .context import COUNT_ACTIVE, COUNT_CREATED, COUNT_FREE, COUNT_FRESH

QUEUED = -1.0  # t_out of a decision waiting at its desk
NONE = -1


@njit(cache=True, inline="always")
def allocate_slot(free, counts):
    """Take a free slot of the pool off the stack (the engine keeps the pool large enough)."""
    n = counts[COUNT_FREE]
    if n <= 0:
        raise RuntimeError("decision pool exhausted")
    counts[COUNT_FREE] = n - 1
    counts[COUNT_ACTIVE] += 1
    return free[n - 1]


@njit(cache=True, inline="always")
def release_slot(i, uid, free, counts):
    """Put slot i back on the free stack."""
    uid[i] = NONE
    free[counts[COUNT_FREE]] = i
    counts[COUNT_FREE] += 1
    counts[COUNT_ACTIVE] -= 1


@njit(cache=True, inline="always")
def push_fresh(i, level, t_out, fresh, fresh_level, counts):
    """List decision i among today's arrivals at desks of ``level``."""
    t_out[i] = QUEUED
    n = counts[COUNT_FRESH]
    fresh[n] = i
    fresh_level[n] = level
    counts[COUNT_FRESH] = n + 1


@njit(cache=True, inline="always")
def first_signer(level, parent, start, authority, steps):
    """The first desk of a decision raised at desk ``start``.

    The chain climbs the reporting line from ``start`` to the first desk at a level ≤
    ``authority`` (or the top); the last ``steps`` desks of it sign off.
    """
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
def raise_decisions(n, uids, kinds, services, times, desks, expires, authority, signoffs,
                    managers, decisions, buf):
    """Put ``n`` new decisions in flight; returns their slots and first desks.

    Decision j, numbered ``uids[j]``, of type ``kinds[j]`` about service ``services[j]``,
    is raised at time ``times[j]`` at desk ``desks[j]``; its task can be served until
    day ``expires[j]`` (-1: no task); it climbs to ``authority[kind]`` with
    ``signoffs[kind]`` sign-offs.
    """
    level, parent = managers.level, managers.parent
    free, uid, kind = buf.free, decisions.uid, decisions.kind
    service, created, expiry = decisions.service, decisions.created, decisions.expires
    t_in, t_out, auth, manager = decisions.t_in, decisions.t_out, decisions.authority, decisions.manager
    tacit, counts, fresh, fresh_level, load = decisions.tacit, buf.counts, buf.fresh, buf.fresh_level, buf.desk_load
    slots = np.empty(n, dtype=np.int64)
    firsts = np.empty(n, dtype=np.int64)
    for j in range(n):
        k = kinds[j]
        i = allocate_slot(free, counts)
        counts[COUNT_CREATED] += 1
        uid[i] = uids[j]
        kind[i] = k
        service[i] = services[j]
        created[i] = times[j]
        t_in[i] = times[j]
        auth[i] = authority[k]
        first = first_signer(level, parent, desks[j], authority[k], signoffs[k])
        manager[i] = first
        load[first] += 1
        expiry[i] = expires[j]
        tacit[i] = False
        push_fresh(i, level[first], t_out, fresh, fresh_level, counts)
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
    slots, firsts = raise_decisions(1, np.array([u]), np.array([kind]), np.array([s]), np.array([t]),
                                    np.array([desk]), np.array([-1]), rules_authority, rules_steps,
                                    managers, decisions, buf)
    return slots[0], firsts[0]
