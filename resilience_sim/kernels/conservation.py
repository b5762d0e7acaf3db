"""The conservation laws of DESIGN §1.2, checked at the end of a day inside the compiled loop.

Tasks: every task that arrived was processed, is waiting (in a service's backlog or behind a
pending exception) or went unmet. Decisions: every decision raised was completed, withdrawn or
is still in flight, and the pool, the desks and the services agree on where each one is.
Slots: the pool's slots marked as held (``buf.held``) are those that hold a decision, and
the free stack and the held slots make up the pool.

``violation`` returns 0 when every law holds, else the number of the first law broken
(``LAWS`` says which, in words) and writes the two quantities that disagree into
``found``; the engine turns it into a ``ConservationError`` naming the day. It costs
O(services × deadline + decisions held + pool / 64 + desks) a day: the decisions are found
through the bits of ``buf.held``, so a pool grown for a crisis's peak costs nothing once
its decisions are settled.
"""

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from .context import (
    COUNT_ACTIVE,
    COUNT_ARRIVED,
    COUNT_COMPLETED,
    COUNT_CREATED,
    COUNT_FREE,
    COUNT_PROCESSED,
    COUNT_UNMET,
    COUNT_WITHDRAWN,
)

#: the laws, by number (``violation`` returns the number; 0 = every law holds)
LAWS = {
    1: "tasks arrived {0} != processed + waiting + unmet {1}",
    2: "services report {0} waiting, queues hold {1}",
    3: "decisions created {0} != completed + withdrawn + in flight {1}",
    4: "{0} decisions held, {1} counted",
    5: "pending exceptions of service {0} do not match decisions ({1} held)",
    6: "pending exceptions by day of service {0} do not match decisions ({1} held)",
    7: "decisions counted at desk {0} do not match the pool ({1} held)",
    8: "a decision is held twice (uid {0}, {1} times)",
    9: "desk {0} holds {1} decision(s) but is not marked to be served",
    10: "slot {0} is marked as held but is free (uid {1})",
    11: "{0} slots free or held, the pool has {1}",
}


@njit(cache=True)
def violation(day, services, managers, decisions, buf, found):
    """The first conservation law broken at the end of ``day`` (0 if none); ``found`` gets its two figures."""
    c = buf.counts
    n_services = services.pending.shape[0]
    n_desks = managers.level.shape[0]
    pending = np.zeros(n_services, dtype=np.int64)
    load = np.zeros(n_desks, dtype=np.int64)
    size = _table_size(c[COUNT_ACTIVE])
    table = np.full(size, -1, dtype=np.int32)  # the uids held (int32, as the pool's), an open-addressing set
    if c[COUNT_FREE] + c[COUNT_ACTIVE] != decisions.uid.shape[0]:
        return _found(found, 11, c[COUNT_FREE] + c[COUNT_ACTIVE], decisions.uid.shape[0])
    twice = -1
    used = 0
    alive = 0
    for w in range(buf.held.shape[0]):
        bits = buf.held[w]
        while bits:
            i = (w << 6) + int(trailing_zeros(bits))
            bits &= bits - np.uint64(1)
            u = decisions.uid[i]
            if u < 0:
                return _found(found, 10, i, u)
            if used < size // 2 and twice < 0 and not _add(table, u):
                twice = u
            used += 1
            load[decisions.manager[i]] += 1
            if decisions.expires[i] > day:
                alive += 1
                pending[decisions.service[i]] += 1
    if used != c[COUNT_ACTIVE]:
        return _found(found, 4, used, c[COUNT_ACTIVE])
    waiting = alive
    for s in range(n_services):
        for k in range(buf.backlog.shape[1]):
            waiting += buf.backlog[s, k]
    reported = 0
    for s in range(n_services):
        reported += services.waiting[s]
    if c[COUNT_ARRIVED] != c[COUNT_PROCESSED] + waiting + c[COUNT_UNMET]:
        return _found(found, 1, c[COUNT_ARRIVED], c[COUNT_PROCESSED] + waiting + c[COUNT_UNMET])
    if waiting != reported:
        return _found(found, 2, reported, waiting)
    if c[COUNT_CREATED] != c[COUNT_COMPLETED] + c[COUNT_WITHDRAWN] + c[COUNT_ACTIVE]:
        return _found(found, 3, c[COUNT_CREATED], c[COUNT_COMPLETED] + c[COUNT_WITHDRAWN] + c[COUNT_ACTIVE])
    for s in range(n_services):
        if pending[s] != services.pending[s]:
            return _found(found, 5, s, pending[s])
        by_day = 0
        for k in range(buf.pending_by_day.shape[1]):
            by_day += buf.pending_by_day[s, k]
        if pending[s] != by_day:
            return _found(found, 6, s, pending[s])
    for m in range(n_desks):
        if load[m] != buf.desk_load[m]:
            return _found(found, 7, m, load[m])
        marked = (buf.desk_active[m >> 6] >> np.uint64(m & 63)) & np.uint64(1)
        if load[m] > 0 and marked == 0:
            return _found(found, 9, m, load[m])
    if twice >= 0:
        return _found(found, 8, twice, 2)
    return 0


@njit(cache=True, inline="always")
def _table_size(n):
    """A power of two at least twice ``n`` (and 4)."""
    size = 4
    while size < 2 * (n + 1):
        size *= 2
    return size


@njit(cache=True, inline="always")
def _add(table, u):
    """Put uid ``u`` (≥ 0) in the set ``table`` (less than half full); False if it was there."""
    mask = table.shape[0] - 1
    h = (u * 0x9E3779B1) & mask  # Fibonacci hashing: consecutive uids spread over the table
    while table[h] >= 0:
        if table[h] == u:
            return False
        h = (h + 1) & mask
    table[h] = u
    return True


@njit(cache=True, inline="always")
def _found(found, law, a, b):
    """Record the two figures of a broken law; return its number."""
    found[0] = a
    found[1] = b
    return law
