"""The desks' FIFO queues of decisions, as segments of one array.

Desk m's queue is ``store[start[m]:end[m]]`` (decision slots, oldest first), inside its
segment ``store[base[m]:base[m] + cap[m]]``. Taking the head reads the next entry of
the array, so the decisions behind it can be fetched from memory ahead of time — a
chain of slots, each pointing to the next, made every step wait for memory.

The stages push on and pop off these queues with the operations of :mod:`.pool_ops`,
which documents them (and how a desk's arrivals since it was last served are kept in
order of time); this module manages the segments.

A full segment first slides its queue back to its base when at least half of it is
free, else moves to the end of the used area with 1.5 times its capacity; when that
area reaches the end of the store, the segments are packed again, in place
(:func:`compact`). The engine sizes the store with the decision pool
(:func:`store_size`), which is enough for any layout.
"""

import numpy as np
from numba import njit

from .context import COUNT_QUEUE_USED

MIN_CAP = 4
SORT_INLINE = 16  # a desk's arrivals since it was last served are kept in order as they are pushed, up to this many


@njit(cache=True, inline="always")
def keep_in_order(store, r, lo, t_in, uid):
    """Move the entry just pushed at ``store[r]`` back among ``store[lo:r]``, in order of (time, uid).

    ``store[lo:r]`` are the desk's arrivals since it was last served, already in that
    order (an insertion sort, one entry at a time).
    """
    i = store[r]
    t, u = t_in[i], uid[i]
    h = r
    while h > lo and (t_in[store[h - 1]] > t or (t_in[store[h - 1]] == t and uid[store[h - 1]] > u)):
        store[h] = store[h - 1]
        h -= 1
    store[h] = i


@njit(cache=True, inline="always")
def mark(bits, m):
    """Set bit m of the bitmap ``bits`` (bit m % 64 of word m // 64).

    A desk's bit in ``buf.desk_active``: it has work (see ``decisions.sign_offs``); a
    slot's bit in ``buf.held``: it holds a decision (see :mod:`.pool_ops`).
    """
    bits[m >> 6] |= np.uint64(1) << np.uint64(m & 63)


@njit(cache=True, inline="always")
def unmark(bits, m):
    """Clear bit m of the bitmap ``bits``."""
    bits[m >> 6] &= ~(np.uint64(1) << np.uint64(m & 63))


def store_size(pool: int, n_desks: int) -> int:
    """Entries of a store that can hold ``pool`` queued decisions in any layout.

    After a tight packing, the segments take at most 1.5·queued + desks entries, and
    each non-empty one has room for one more entry; an empty one moving takes
    ``MIN_CAP``. 3 entries per slot of the pool leave at least 1.5·pool entries free
    after a packing, so that packings stay rare (each costs a pass over the store);
    ``MIN_CAP`` more per desk let packings keep a room for every desk (:func:`compact`).
    """
    return 3 * pool + (2 + MIN_CAP) * n_desks + 2 * MIN_CAP


@njit(cache=True)
def make_room(m, store, start, end, base, cap, counts):
    """Room for one more entry at the tail of desk m's full segment."""
    live = end[m] - start[m]
    if cap[m] > 0 and 2 * live <= cap[m]:  # slide back: the free front is at least as long
        store[base[m]:base[m] + live] = store[start[m]:end[m]]
        start[m] = base[m]
        end[m] = base[m] + live
        return
    new_cap = max(MIN_CAP, cap[m] + cap[m] // 2)
    if counts[COUNT_QUEUE_USED] + new_cap > store.shape[0]:
        compact(store, start, end, base, cap, counts)
        if end[m] < base[m] + cap[m]:
            return
        if counts[COUNT_QUEUE_USED] + new_cap > store.shape[0]:
            raise RuntimeError("desk queue store exhausted")
    b = counts[COUNT_QUEUE_USED]
    store[b:b + live] = store[start[m]:end[m]]
    base[m] = b
    start[m] = b
    end[m] = b + live
    cap[m] = new_cap
    counts[COUNT_QUEUE_USED] = b + new_cap


@njit(cache=True, inline="always")
def _room(n, cap, keep):
    """A segment's capacity after packing, for a queue of ``n`` entries.

    At least 1.5·n + 1 (0 if empty), and if ``keep``, at least its capacity before and ``MIN_CAP``.
    """
    least = n + n // 2 + 1 if n > 0 else 0
    return max(least, cap, MIN_CAP) if keep else least


@njit(cache=True)
def compact(store, start, end, base, cap, counts):
    """Pack the segments from the start of the store, in place.

    Each segment keeps its capacity (the room its queue grew to, ``MIN_CAP`` at least) if
    all of them then take at most two thirds of the store; else each gets room for its
    queue to grow by half, none if empty. Shrinking every segment to its queue made the
    desks grow back by moves to the end of the used area (every empty desk that got a
    decision took ``MIN_CAP`` entries there), which filled the store again within two or
    three days: 21 packings in 180 days at 100,000 agents (the benchmark scenario).

    The segments keep their order in the store. Those that move towards the start are
    moved first, in that order, then those that move towards the end, in reverse
    order: no queue is overwritten before it has moved (a segment's new place never
    reaches into the queue of a segment that has not moved yet).
    """
    order = np.argsort(base, kind="mergesort")
    new_base = np.empty_like(base)
    kept = 0
    for m in order:
        kept += _room(end[m] - start[m], cap[m], True)
    keep = 3 * kept <= 2 * store.shape[0]  # their room kept, a third of the store stays free
    total = 0
    for m in order:
        cap[m] = _room(end[m] - start[m], cap[m], keep)
        new_base[m] = total
        total += cap[m]
    if total > store.shape[0]:
        raise RuntimeError("desk queue store exhausted")
    for m in order:  # towards the start, copying forwards
        if new_base[m] <= start[m]:
            for r in range(end[m] - start[m]):
                store[new_base[m] + r] = store[start[m] + r]
    for j in range(order.shape[0] - 1, -1, -1):  # towards the end, copying backwards
        m = order[j]
        if new_base[m] > start[m]:
            for r in range(end[m] - start[m] - 1, -1, -1):
                store[new_base[m] + r] = store[start[m] + r]
    for m in range(start.shape[0]):
        n = end[m] - start[m]
        base[m] = start[m] = new_base[m]
        end[m] = new_base[m] + n
    counts[COUNT_QUEUE_USED] = total
