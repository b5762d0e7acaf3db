"""Why the kernels are written the way they are: ``python -m benchmarks.access``.

Side by side in one process, medians of 7 repetitions, compilation apart:

1. pushing decision slots on desk queues through an inlined helper against the same
   lines written in the loop — a plain helper, and one whose body holds a (rarely taken)
   call passing arrays, like a queue push that may need room;
2. reading 64-byte records by following a chain (each slot names the next) against
   reading the same records from a list of slots, without and with ``prefetch``.

Prints a Markdown table for ``benchmarks/RESULTS.md``.
"""

import time

import numpy as np
from numba import njit

from resilience_sim.kernels.memory import prefetch

N_DESKS, N_PUSH, N_RECORDS, N_READ, REPS = 10_000, 24_000, 4_000_000, 200_000, 7


@njit(inline="always")
def _push(m, i, store, end):
    store[end[m]] = i
    end[m] += 1


@njit
def push_helper(desks, store, end):
    for i in range(desks.shape[0]):
        _push(desks[i], i, store, end)


@njit
def _grow(m, store, end, limit):  # the rare path (never taken here)
    limit[m] += 64


@njit(inline="always")
def _push_checked(m, i, store, end, limit):
    if end[m] == limit[m]:
        _grow(m, store, end, limit)
    store[end[m]] = i
    end[m] += 1


@njit
def push_checked_helper(desks, store, end, limit):
    for i in range(desks.shape[0]):
        _push_checked(desks[i], i, store, end, limit)


@njit
def push_checked_inline(desks, store, end, limit):
    for i in range(desks.shape[0]):
        m = desks[i]
        if end[m] == limit[m]:
            _grow(m, store, end, limit)
        store[end[m]] = i
        end[m] += 1


@njit
def push_inline(desks, store, end):
    for i in range(desks.shape[0]):
        m = desks[i]
        store[end[m]] = i
        end[m] += 1


@njit
def follow_chain(first, nxt, t, n):
    total, i = 0.0, first
    for _ in range(n):
        total += t[i]
        i = nxt[i]
    return total


@njit
def read_list(slots, t, ahead):
    total = 0.0
    for j in range(slots.shape[0]):
        if ahead > 0 and j + ahead < slots.shape[0]:
            prefetch(t, slots[j + ahead])
        total += t[slots[j]]
    return total


def _median_ns(f, per: int, reset=None) -> float:
    f()  # compile
    times = []
    for _ in range(REPS):
        if reset is not None:
            reset()
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) / per * 1e9)
    return float(np.median(times))


def main() -> None:
    rng = np.random.default_rng(1)
    desks = rng.integers(0, N_DESKS, N_PUSH)
    base = np.arange(N_DESKS, dtype=np.int64) * 64
    store = np.zeros(N_DESKS * 64, dtype=np.int32)
    end = base.copy()

    def reset():
        end[:] = base

    limit = base + 64
    rows = [("push through an inlined helper", _median_ns(lambda: push_helper(desks, store, end), N_PUSH, reset)),
            ("push written in the loop", _median_ns(lambda: push_inline(desks, store, end), N_PUSH, reset)),
            ("push that may need room, through an inlined helper",
             _median_ns(lambda: push_checked_helper(desks, store, end, limit), N_PUSH, reset)),
            ("push that may need room, written in the loop",
             _median_ns(lambda: push_checked_inline(desks, store, end, limit), N_PUSH, reset))]
    record = np.dtype({"names": ["t", "next"], "formats": ["f8", "i8"], "offsets": [0, 8], "itemsize": 64})
    pool = np.zeros(N_RECORDS, dtype=record)
    t, nxt = pool["t"], pool["next"]
    t[:] = rng.random(N_RECORDS)
    slots = rng.permutation(N_RECORDS)[:N_READ]
    nxt[slots[:-1]] = slots[1:]
    rows += [("read records by following a chain", _median_ns(lambda: follow_chain(slots[0], nxt, t, N_READ), N_READ)),
             ("read the same records from a list", _median_ns(lambda: read_list(slots, t, 0), N_READ)),
             ("… with prefetch 32 ahead", _median_ns(lambda: read_list(slots, t, 32), N_READ))]
    print("| operation | ns each (median of 7) |\n|---|---|")
    for name, ns in rows:
        print(f"| {name} | {ns:.1f} |")


if __name__ == "__main__":
    main()
