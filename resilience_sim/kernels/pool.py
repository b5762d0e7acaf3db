"""The decision pool's slots and chains, and the first desk of a decision's chain.

Shared by the stages that raise decisions (arrivals, mobility) and the one that
serves them (decisions).
"""

from numba import njit

from .context import COUNT_ACTIVE, COUNT_CREATED, COUNT_FREE, COUNT_FRESH

QUEUED = -1.0  # t_out of a decision waiting at its desk
NONE = -1


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


@njit(cache=True, inline="always")
def raise_decision(u, kind, s, t, desk, authority, steps, has_task, managers, decisions, counts):
    """Put a new decision in flight: raised at time t at ``desk``; returns its first desk."""
    i = allocate_slot(decisions.next, counts)
    counts[COUNT_CREATED] += 1
    decisions.uid[i] = u
    decisions.kind[i] = kind
    decisions.service[i] = s
    decisions.created[i] = t
    decisions.t_in[i] = t
    decisions.authority[i] = authority
    first = first_signer(managers.level, managers.parent, desk, authority, steps)
    decisions.manager[i] = first
    decisions.task_alive[i] = has_task
    decisions.tacit[i] = False
    push_fresh(i, decisions.t_out, decisions.next, counts)
    return i, first
