"""The pool's operations have one home (kernels/pool_ops.py): the kernels' blocks and pool_api are its text."""

from collections import Counter

import numpy as np
import pytest

from resilience_sim.kernels import generate
from resilience_sim.kernels.context import COUNT_ACTIVE, COUNT_FREE, COUNTS, bitmap_words
from resilience_sim.kernels.pool import NONE
from resilience_sim.kernels.pool_api import forward, release, take
from resilience_sim.kernels.pool_ops import OPERATIONS


def _kernel_blocks():
    return {path.name: generate.blocks(path.read_text().splitlines(), path.name) for path in generate.kernel_files()}


def test_every_block_and_the_api_are_as_generated():
    """No block of the kernels edited by hand, no template changed without writing them again."""
    assert generate.stale() == [], "run python -m resilience_sim.kernels.generate"


def test_the_kernels_run_the_operations_from_their_blocks():
    """Where the pool's operations run: a decision is taken and forwarded to its first desk as it
    is raised; popped, forwarded up and released as desks serve it."""
    found = {name: Counter(b.op.name for b in found) for name, found in _kernel_blocks().items() if found}
    assert found == {"pool.py": Counter(take=1, forward=1),
                     "decisions.py": Counter(forward=1, release=2, pop=1)}


def test_a_block_edited_by_hand_is_written_again():
    path = generate.KERNELS / "decisions.py"
    text = path.read_text()
    release = next(b for b in generate.blocks(text.splitlines()) if b.op.name == "release")
    lines = text.splitlines(keepends=True)
    lines[release.first + 2] = lines[release.first + 2].replace("= i", "= i + 0")
    edited = "".join(lines)
    assert edited != text
    assert generate.expand_blocks(edited) == text


@pytest.mark.parametrize("text, error", [
    ("    # pool.steal(slot=i) {\n    # } pool.steal\n", "no pool operation"),
    ("    # pool.take(slot=i) {\n    x = 1\n", "not closed"),
    ("    # pool.take(slot=i) {\n    # } pool.release\n", "not closed"),
    ("    # pool.take(i) {\n    # } pool.take\n", "name=expression"),
])
def test_a_marker_that_names_no_operation_or_is_not_closed_is_refused(text, error):
    with pytest.raises(ValueError, match=error):
        generate.expand_blocks(text)


def test_a_block_gets_its_arguments_and_the_defaults_of_the_rest():
    text = "        # pool.release(slot=j, free=buf.free) {\n        # } pool.release\n"
    body = generate.expand_blocks(text).splitlines()[1:-1]
    assert body == ["        " + line for line in ("uid[j] = NONE", "buf.free[counts[COUNT_FREE]] = j",
                                                   "counts[COUNT_FREE] += 1", "counts[COUNT_ACTIVE] -= 1",
                                                   "unmark(buf.held, j)")]
    with pytest.raises(KeyError, match="needs"):
        OPERATIONS["release"].expand()
    with pytest.raises(KeyError, match="no placeholder"):
        OPERATIONS["release"].expand(slot="i", desk="m")


def _pool(n):
    free = np.arange(n, dtype=np.int32)[::-1].copy()
    counts = np.zeros(COUNTS.size, dtype=np.int64)
    counts[COUNT_FREE] = n
    return free, counts, np.zeros(bitmap_words(n), dtype=np.uint64), np.full(n, NONE, dtype=np.int32)


def _held(bits, n):
    return [i for i in range(n) if bits[i >> 6] >> np.uint64(i & 63) & np.uint64(1)]


@pytest.mark.parametrize("seed", range(3))
def test_slots_taken_and_released_are_held_or_free_never_both(seed):
    """Against a plain set: each slot taken was free, is marked held until released, and the
    free stack and the held slots together are the pool."""
    rng = np.random.default_rng(seed)
    n = 130  # three words of bits
    free, counts, held, uid = _pool(n)
    taken = set()
    for step in range(3_000):
        if counts[COUNT_FREE] > 0 and (not taken or rng.random() < 0.5):
            i = int(take(free, counts, held))
            assert i not in taken
            taken.add(i)
            uid[i] = step
        else:
            i = int(rng.choice(sorted(taken)))
            release(i, uid, free, counts, held)
            taken.remove(i)
            assert uid[i] == NONE
        assert _held(held, n) == sorted(taken)
        assert counts[COUNT_ACTIVE] == len(taken) and counts[COUNT_FREE] + len(taken) == n
        assert set(free[:counts[COUNT_FREE]].tolist()) == set(range(n)) - taken


def test_a_decision_forwarded_is_held_and_queued_at_its_desk():
    desks, n = 3, 8
    store = np.full(64, -1, dtype=np.int32)
    start, end, base, cap, new, load = (np.zeros(desks, dtype=np.int64) for _ in range(6))
    manager, active = np.full(n, -1, dtype=np.int32), np.zeros(1, dtype=np.uint64)
    counts = np.zeros(COUNTS.size, dtype=np.int64)
    t_in, uid = np.array([0.5, 0.2, 0.9, 0.1, 0, 0, 0, 0]), np.arange(n, dtype=np.int32)
    for i in (0, 1, 2, 3):
        forward(2, i, manager, load, store, start, end, base, cap, new, active, counts, t_in, uid)
    assert list(manager[:4]) == [2, 2, 2, 2] and list(load) == [0, 0, 4] and list(new) == [0, 0, 4]
    assert list(store[start[2]:end[2]]) == [3, 1, 0, 2], "in order of time among today's arrivals"
    assert active[0] == np.uint64(1 << 2), "the desk is marked, no other"
