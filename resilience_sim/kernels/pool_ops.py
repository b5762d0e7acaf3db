"""The decision pool's operations, each written once: take, release, push, pop, forward.

Decisions live in a pool of slots (:mod:`.pool`); the free ones are a stack,
``free[:counts[COUNT_FREE]]``, and the held ones have their bit set in ``buf.held``.
A decision waiting at a desk is a slot in the desk's FIFO queue, a segment of one array
(:mod:`.queues`); a desk with work has its bit set in ``buf.desk_active``.

* **take** a slot for a new decision: the top of the free stack, marked held (the
  engine keeps the stack from running dry);
* **release** slot i when its decision completes or is withdrawn: its uid is cleared,
  and it goes back on the free stack, unmarked;
* **push** slot i at the tail of desk m's queue: room is made if the segment is full,
  and while the desk's arrivals since it was last served are at most ``SORT_INLINE``,
  :func:`.queues.keep_in_order` moves it back among them, in order of (time, uid); the
  desk is marked, so that it is served. Decisions are pushed as they are raised or
  forwarded, not in order of time; the records compared were just written or read,
  so this costs a few comparisons in the cache;
* **serve** desk m (``decisions.sign_offs``): if more than ``SORT_INLINE`` came, the
  last ``new[m]`` entries are sorted (``decisions.order_arrivals``); then ``new[m] = 0``.
  Today's arrivals all come after every decision queued before (which arrived on
  earlier days), so the whole queue is then in FIFO order;
* **pop** the head of desk m's queue; an emptied queue goes back to its segment's base;
* **forward** decision i to desk m (its first desk, or the next one up its chain): m
  holds it (``manager``, ``desk_load``) and it is pushed there.

Each operation is a template, :class:`Operation`: lines of code with ``$name``
placeholders for the slot, the desk and the arrays. The kernels hold them inline, in
blocks that ``python -m resilience_sim.kernels.generate`` writes from these templates::

    # pool.release(slot=i) {
    uid[i] = NONE
    ...
    # } pool.release

and the same templates make the njit functions of :mod:`.pool_api`, which the tests
call: the text they run is the text of the kernels' blocks (``generate --check`` and
``tests/test_pool_ops.py`` check that no block was edited by hand). Inline blocks, not
helper functions: an inlined helper whose body holds a call passing arrays (a push that
may need room) costs reference counting on those arrays at every use, several times
the cost of the writes themselves (``python -m benchmarks.access`` measures both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Template


@dataclass(frozen=True)
class Operation:
    """One operation of the pool, as a template of code.

    Attributes:
        name: the operation's name, as in a block's marker (``# pool.NAME(...) {``).
        doc: what it does, the docstring of its function in :mod:`.pool_api`.
        body: its lines, with ``$name`` placeholders, indented from column 0.
        inputs: placeholders every use names (the slot, the desk): the function's first
            arguments.
        outputs: placeholders the operation sets for the code after it (the slot taken):
            what the function returns.
        arrays: the other placeholders and the expressions they default to at a use site
            (a kernel's local names); a block may name others. The function's last
            arguments, in this order.

    """

    name: str
    doc: str
    body: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    arrays: dict[str, str] = field(default_factory=dict)

    def placeholders(self) -> tuple[str, ...]:
        """Every placeholder: inputs, outputs, then arrays."""
        return (*self.inputs, *self.outputs, *self.arrays)

    def expand(self, **values: str) -> str:
        """The body with each placeholder replaced by its value, or by its array's default.

        Raises:
            KeyError: a placeholder without a value, or a value for no placeholder.

        """
        unknown = set(values) - set(self.placeholders())
        if unknown:
            raise KeyError(f"pool.{self.name} has no placeholder {sorted(unknown)}")
        missing = set(self.inputs + self.outputs) - set(values)
        if missing:
            raise KeyError(f"pool.{self.name} needs {sorted(missing)}")
        return Template(self.body).substitute({**self.arrays, **values})


TAKE = Operation(
    "take",
    "Take a free slot of the pool for a new decision; returns it (the stack must not be dry).",
    """\
$slot = $free[$counts[COUNT_FREE] - 1]
$counts[COUNT_FREE] -= 1
$counts[COUNT_ACTIVE] += 1
mark($held, $slot)
""",
    outputs=("slot",),
    arrays={"free": "free", "counts": "counts", "held": "buf.held"},
)

RELEASE = Operation(
    "release",
    "Release slot ``slot``: its decision is gone (completed or withdrawn); the slot is free again.",
    """\
$uid[$slot] = NONE
$free[$counts[COUNT_FREE]] = $slot
$counts[COUNT_FREE] += 1
$counts[COUNT_ACTIVE] -= 1
unmark($held, $slot)
""",
    inputs=("slot",),
    arrays={"uid": "uid", "free": "free", "counts": "counts", "held": "buf.held"},
)

_PUSH_ARRAYS = {"store": "store", "start": "start", "end": "end", "base": "base", "cap": "cap", "new": "new",
                "active": "active", "counts": "counts", "t_in": "t_in", "uid": "uid"}

_PUSH_BODY = """\
if $end[$desk] == $base[$desk] + $cap[$desk]:
    make_room($desk, $store, $start, $end, $base, $cap, $counts)
$store[$end[$desk]] = $slot
$end[$desk] += 1
$new[$desk] += 1
if 1 < $new[$desk] <= SORT_INLINE:
    keep_in_order($store, $end[$desk] - 1, $end[$desk] - $new[$desk], $t_in, $uid)
mark($active, $desk)
"""

PUSH = Operation(
    "push",
    "Queue slot ``slot`` at the tail of desk ``desk``, in order of (time, uid) among its arrivals; mark the desk.",
    _PUSH_BODY,
    inputs=("desk", "slot"),
    arrays=_PUSH_ARRAYS,
)

POP = Operation(
    "pop",
    "Take the head of desk ``desk``'s queue (not empty); returns its slot.",
    """\
$slot = $store[$start[$desk]]
$start[$desk] += 1
if $start[$desk] == $end[$desk]:
    $start[$desk] = $end[$desk] = $base[$desk]
""",
    inputs=("desk",),
    outputs=("slot",),
    arrays={"store": "store", "start": "start", "end": "end", "base": "base"},
)

FORWARD = Operation(
    "forward",
    "Send decision ``slot`` to desk ``desk``, which holds it from now on, and push it there.",
    """\
$manager[$slot] = $desk
$load[$desk] += 1
""" + _PUSH_BODY,
    inputs=("desk", "slot"),
    arrays={"manager": "manager", "load": "load", **_PUSH_ARRAYS},
)

#: every operation, by name
OPERATIONS = {op.name: op for op in (TAKE, RELEASE, PUSH, POP, FORWARD)}

#: the names the bodies use besides their placeholders, and the modules that hold them
IMPORTS = {
    "COUNT_ACTIVE": ".context", "COUNT_FREE": ".context", "NONE": ".pool",
    "SORT_INLINE": ".queues", "keep_in_order": ".queues", "make_room": ".queues", "mark": ".queues",
    "unmark": ".queues",
}
