"""The decision pool's operations as functions, for the tests: written by ``generate``.

Generated from the templates of :mod:`.pool_ops` by ``python -m resilience_sim.kernels.generate``:
the same text as the kernels' blocks, so that the tests run the code the kernels run. Do not edit.
"""

from numba import njit

from .context import COUNT_ACTIVE, COUNT_FREE
from .pool import NONE
from .queues import SORT_INLINE, keep_in_order, make_room, mark, unmark


@njit(cache=True)
def take(free, counts, held):
    """Take a free slot of the pool for a new decision; returns it (the stack must not be dry)."""
    slot = free[counts[COUNT_FREE] - 1]
    counts[COUNT_FREE] -= 1
    counts[COUNT_ACTIVE] += 1
    mark(held, slot)
    return slot


@njit(cache=True)
def release(slot, uid, free, counts, held):
    """Release slot ``slot``: its decision is gone (completed or withdrawn); the slot is free again."""
    uid[slot] = NONE
    free[counts[COUNT_FREE]] = slot
    counts[COUNT_FREE] += 1
    counts[COUNT_ACTIVE] -= 1
    unmark(held, slot)


@njit(cache=True)
def push(desk, slot, store, start, end, base, cap, new, active, counts, t_in, uid):
    """Queue slot ``slot`` at the tail of desk ``desk``, in order of (time, uid) among its arrivals; mark the desk."""
    if end[desk] == base[desk] + cap[desk]:
        make_room(desk, store, start, end, base, cap, counts)
    store[end[desk]] = slot
    end[desk] += 1
    new[desk] += 1
    if 1 < new[desk] <= SORT_INLINE:
        keep_in_order(store, end[desk] - 1, end[desk] - new[desk], t_in, uid)
    mark(active, desk)


@njit(cache=True)
def pop(desk, store, start, end, base):
    """Take the head of desk ``desk``'s queue (not empty); returns its slot."""
    slot = store[start[desk]]
    start[desk] += 1
    if start[desk] == end[desk]:
        start[desk] = end[desk] = base[desk]
    return slot


@njit(cache=True)
def forward(desk, slot, manager, load, store, start, end, base, cap, new, active, counts, t_in, uid):
    """Send decision ``slot`` to desk ``desk``, which holds it from now on, and push it there."""
    manager[slot] = desk
    load[desk] += 1
    if end[desk] == base[desk] + cap[desk]:
        make_room(desk, store, start, end, base, cap, counts)
    store[end[desk]] = slot
    end[desk] += 1
    new[desk] += 1
    if 1 < new[desk] <= SORT_INLINE:
        keep_in_order(store, end[desk] - 1, end[desk] - new[desk], t_in, uid)
    mark(active, desk)
