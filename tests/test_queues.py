"""Desk queues as segments of one array (kernels/queues.py) and the growing memory maps."""

from collections import deque

import numpy as np
import pytest

from resilience_sim.engine import _level_masks
from resilience_sim.kernels.context import COUNT_ACTIVE, COUNT_FREE, COUNT_QUEUE_USED, COUNTS, bitmap_words
from resilience_sim.kernels.decisions import marked, order_arrivals, scratch
from resilience_sim.kernels.pool import NONE
from resilience_sim.kernels.pool_api import pop, push, release, take
from resilience_sim.kernels.queues import MIN_CAP, SORT_INLINE, compact, mark, store_size
from resilience_sim.state import MappedArray


def _bits(bitmap, n):
    """The items whose bits are set in ``bitmap``."""
    m = np.arange(n)
    return set(np.flatnonzero((bitmap[m >> 6] >> (m & 63).astype(np.uint64)) & np.uint64(1)).tolist())


@pytest.mark.parametrize("seed", range(5))
def test_queues_stay_fifo_through_slides_moves_and_packing(seed):
    """Random takes, pushes, pops and releases on a store of the engine's size keep every desk's
    order (the pool's own operations, as the kernels run them): a slot is taken from the pool,
    pushed at a desk at the time of the step, popped when the desk is served, then released."""
    rng = np.random.default_rng(seed)
    desks, pool = 7, 60
    store = np.zeros(store_size(pool, desks), dtype=np.int32)
    start, end, base, cap, new = (np.zeros(desks, dtype=np.int64) for _ in range(5))
    active = np.zeros(bitmap_words(desks), dtype=np.uint64)
    held = np.zeros(bitmap_words(pool), dtype=np.uint64)
    free = np.arange(pool, dtype=np.int32)
    counts = np.zeros(COUNTS.size, dtype=np.int64)
    counts[COUNT_FREE] = pool
    t_in, uid = np.zeros(pool), np.full(pool, NONE, dtype=np.int32)
    expected = [deque() for _ in range(desks)]
    packings = 0
    for step in range(20_000):
        used_before = counts[COUNT_QUEUE_USED]
        m = int(rng.integers(desks if rng.random() < 0.9 else 1))  # desk 0 gets most traffic
        if counts[COUNT_FREE] > 0 and rng.random() < 0.55:
            i = take(free, counts, held)
            t_in[i], uid[i] = step, step
            push(m, i, store, start, end, base, cap, new, active, counts, t_in, uid)
            expected[m].append(i)
            assert m in _bits(active, desks)
        elif expected[m]:
            new[m] = 0  # served (see pool_ops)
            i = pop(m, store, start, end, base)
            assert i == expected[m].popleft()
            release(i, uid, free, counts, held)
            assert uid[i] == NONE
        packings += counts[COUNT_QUEUE_USED] < used_before
        for d in range(desks):  # segments never overlap and hold their queue
            assert base[d] <= start[d] <= end[d] <= base[d] + cap[d] <= len(store)
            assert list(store[start[d]:end[d]]) == list(expected[d])
        queued = {i for q in expected for i in q}
        assert _bits(held, pool) == queued and counts[COUNT_ACTIVE] == len(queued)
        assert sorted(free[:counts[COUNT_FREE]].tolist() + list(queued)) == list(range(pool))
    assert packings > 0, "the test should exercise packing"


@pytest.mark.parametrize("arrivals", [1, 2, 5, SORT_INLINE, SORT_INLINE + 1, 200])
def test_a_desk_serves_the_days_arrivals_in_order_of_time_then_uid(arrivals):
    """Pushed in any order after older entries, today's arrivals are popped in (time, uid) order.

    Up to SORT_INLINE are kept in order as they are pushed (keep_in_order); more are
    sorted when the desk is served (order_arrivals). Equal times go by uid; the entries
    queued before (earlier days) keep their place.
    """
    rng = np.random.default_rng(arrivals)
    n_slots = 500
    t_in = np.floor(rng.random(n_slots) * 8) / 8 + 3.0  # today is day 3; few distinct times: ties
    uid = rng.permutation(10 * n_slots)[:n_slots].astype(np.int32)
    older = np.array([7, 3, 9], dtype=np.int32)
    t_in[older] = [1.2, 2.5, 2.9]  # queued on earlier days, in FIFO order
    today = rng.choice(np.setdiff1d(np.arange(n_slots), older), arrivals, replace=False).astype(np.int32)
    store = np.full(n_slots + 10, -1, dtype=np.int32)
    store[:3] = older
    start, end, base, cap, new = (np.zeros(1, dtype=np.int64) for _ in range(5))
    end[0], cap[0] = 3, len(store)
    active, counts = np.zeros(1, dtype=np.uint64), np.zeros(COUNTS.size, dtype=np.int64)
    for i in today:
        push(0, i, store, start, end, base, cap, new, active, counts, t_in, uid)
    if new[0] > SORT_INLINE:
        times, work = scratch(new[0], np.empty(0), np.empty(0, dtype=np.int64))
        order_arrivals(store, end[0] - new[0], end[0], t_in, uid, times, work)
    popped = [pop(0, store, start, end, base) for _ in range(3 + arrivals)]
    assert popped == list(older) + sorted(today, key=lambda i: (t_in[i], uid[i]))
    assert start[0] == end[0] == base[0], "an emptied queue goes back to its base"


@pytest.mark.parametrize("store_len, kept", [(100, True), (50, False)])
def test_packing_keeps_each_desks_room_when_the_store_allows(store_len, kept):
    """Packing keeps every desk's capacity (``MIN_CAP`` at least) when that takes at most two
    thirds of the store; else each queue gets room to grow by half, none if empty."""
    store = np.full(store_len, -1, dtype=np.int32)
    start, end = np.array([40, 10, 0]), np.array([43, 10, 0])
    base, cap = np.array([20, 10, 0]), np.array([30, 4, 0])
    store[40:43] = [7, 8, 9]
    counts = np.zeros(COUNTS.size, dtype=np.int64)
    counts[COUNT_QUEUE_USED] = 50
    compact(store, start, end, base, cap, counts)
    assert list(store[start[0]:end[0]]) == [7, 8, 9] and end[1] == start[1] and end[2] == start[2]
    assert list(cap) == ([30, 4, MIN_CAP] if kept else [5, 0, 0])
    assert list(base) == ([MIN_CAP + 4, MIN_CAP, 0] if kept else [0, 0, 0]), "packed from 0 in store order"
    assert counts[COUNT_QUEUE_USED] == cap.sum()


@pytest.mark.parametrize("room, packed", [(10, [0, 4, 9, 19]), (25, [0, 4, 9, 13])])
def test_compact_in_place_moves_segments_both_ways_without_overwriting(room, packed):
    """Packing in place: a full segment pushes the next one towards the end, while a later
    one with a free front moves towards the start; every queue keeps its entries in order.
    With room 10 the segments keep their room (24 entries of 40); with 25 they would not
    fit in two thirds of the store, and each gets room to grow by half."""
    store = np.full(40, -1, dtype=np.int32)
    base, cap = np.array([0, 2, 5, 30]), np.array([2, 3, room, 4])
    start, end = np.array([0, 2, 12, 31]), np.array([2, 5, 14, 34])
    queues = {0: [1, 2], 1: [3, 4, 5], 2: [6, 7], 3: [8, 9, 10]}
    for m, q in queues.items():
        store[start[m]:end[m]] = q
    counts = np.zeros(COUNTS.size, dtype=np.int64)
    counts[COUNT_QUEUE_USED] = 34
    compact(store, start, end, base, cap, counts)
    assert list(base) == packed, "packed in the order of the store"
    for m, q in queues.items():
        assert list(store[start[m]:end[m]]) == q
        assert end[m] < base[m] + cap[m] <= (base[m + 1] if m + 1 < len(base) else counts[COUNT_QUEUE_USED])


def test_mapped_array_grows_in_place_and_keeps_values():
    m = MappedArray(np.int64, 10)
    a = m.array
    a[:] = np.arange(10)
    del a
    m.resize(1_000_000)
    b = m.array
    assert list(b[:10]) == list(range(10)) and b[10:].max() == 0 and len(b) == 1_000_000


def test_mapped_array_copies_when_a_view_is_still_held():
    m = MappedArray(np.int32, 5)
    held = m.array
    held[:] = 3
    m.resize(100_000)  # the map cannot move under a live view: it is copied instead
    assert held[0] == 3 and m.array[4] == 3 and m.array[5] == 0


@pytest.mark.parametrize("seed", range(3))
def test_a_level_serves_its_marked_desks_in_order_of_desk(seed):
    """Desks marked by pushes are listed level by level, in order of desk number, each once;
    unmarked desks and desks of other levels are left out."""
    rng = np.random.default_rng(seed)
    n_desks = int(rng.integers(1, 300))
    level = rng.integers(0, 5, n_desks).astype(np.int8)
    level_mask = _level_masks(level)
    active = np.zeros(bitmap_words(n_desks), dtype=np.uint64)
    pushed = rng.integers(0, n_desks, int(rng.integers(0, 2 * n_desks)))
    for m in pushed:
        mark(active, m)
    todo = np.empty(n_desks, dtype=np.int32)
    for lv in range(5):
        n = marked(active, level_mask[lv], todo)
        assert list(todo[:n]) == [m for m in range(n_desks) if level[m] == lv and m in set(pushed.tolist())]
