"""The model state: one declaration per array, struct of arrays.

Each :class:`Array` names an array, its dtype, default, unit and meaning. The
declarations drive allocation (:func:`allocate`), the typed tuples the kernels take
(``Agents``, ``Services``, ``Managers``, ``Decisions``), the Mesa agents' attributes
and the documentation. Nothing else holds model state.
"""

from __future__ import annotations

import mmap
from collections import namedtuple
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Array:
    """Declaration of one state array.

    Attributes:
        name: attribute name (also the Mesa agent attribute).
        dtype: numpy dtype name.
        default: initial value.
        unit: physical unit.
        doc: meaning in the model.
        record: one of the fields kept together in a record per row (for tables read at
            random rows, see :func:`record_dtype`); the others are plain arrays.

    """

    name: str
    dtype: str
    default: float
    unit: str
    doc: str
    record: bool = False


STATUS_ON_SITE, STATUS_REMOTE, STATUS_ABSENT = 0, 1, 2

AGENT = (
    Array("home", "int32", 0, "service", "home service"),
    Array("assigned", "int32", 0, "service", "service the agent works for today"),
    Array("manager", "int32", -1, "manager", "manager the agent reports to (-1 = none)"),
    Array("role", "int32", -1, "manager", "manager index if the agent is a manager, else -1"),
    Array("primary_skill", "int16", 0, "skill", "primary skill (a mission)"),
    Array("secondary_skill", "int16", -1, "skill", "secondary skill (-1 = none)"),
    Array("secondary_known", "bool", False, "", "secondary skill known to the organisation"),
    Array("productivity", "float32", 1.0, "tasks/day", "tasks done in a full on-site day"),
    Array("task_share", "float32", 1.0, "share", "share of time on tasks (managers less)"),
    Array("can_remote", "bool", False, "", "the agent's job can be done remotely"),
    Array("status", "int8", 0, "", "0 on site, 1 remote, 2 absent"),
    Array("absence", "int8", -1, "reason", "absence reason index (-1 = present)"),
    Array("burnout_until", "int32", -1, "day", "last day of a burnout absence"),
    Array("fatigue", "float32", 0.0, "share", "fatigue, 0 rested to 1 exhausted"),
    Array("engagement", "float32", 0.7, "share", "engagement, 0 to 1"),
    Array("risk_aversion", "float32", 0.5, "share", "risk aversion, 0 to 1"),
    Array("moved_day", "int32", -1, "day", "day the agent was moved to its assigned service (-1 = at home)"),
    Array("learning_days", "float32", 0.0, "days", "days to full productivity in the current move"),
    Array("wrong_move", "bool", False, "", "moved by a wrong redeployment decision"),
    Array("reserved", "bool", False, "", "a redeployment decision about the agent is pending"),
    Array("flying", "bool", False, "", "member of the flying-agent pool (territory-wide)"),
    Array("planned", "bool", False, "", "has a pre-approved personal reassignment plan"),
    Array("volunteer_to", "int32", -1, "service", "service the agent gives volunteer time to today"),
    Array("time_bank", "float32", 0.0, "hours", "volunteer hours banked"),
    # spontaneous initiatives (issue 16; kernels.initiatives)
    Array("initiative", "int32", -1, "service", "service the agent's running initiative serves (-1 = none)"),
    Array("initiative_since", "int32", -1, "day", "day the running initiative was launched"),
    Array("initiative_flags", "int8", 0, "bits",
          "running initiative: 1 approved, 2 relayed, 4 surfaced, 8 works, 16 adopted"),
    Array("initiative_uid", "int32", -1, "", "the initiative decision in flight about it (-1 = none)"),
    Array("initiative_drive", "float32", 0.0, "share",
          "change of the agent's propensity from initiatives it saw blocked, failed or recognised (−1 to 1)"),
    Array("initiatives_led", "int16", 0, "initiatives", "initiatives the agent launched"),
)

SERVICE = (
    Array("institution", "int32", 0, "institution", "institution of the service"),
    Array("mission", "int16", 0, "skill", "mission, i.e. the skill its tasks need"),
    Array("essential", "bool", False, "", "essential service"),
    Array("weight", "float64", 1.0, "", "weight in the performance P(t)"),
    Array("on_site_share", "float64", 0.5, "share", "share of tasks that need presence"),
    Array("deadline", "int32", 10, "days", "age at which a waiting task becomes unmet"),
    Array("base_demand", "float64", 0.0, "tasks/day", "baseline demand"),
    Array("head", "int32", -1, "manager", "head of the service"),
    Array("carry", "float64", 0.0, "tasks", "capacity carried to the next day"),
    Array("capacity", "float64", 0.0, "tasks/day", "today's work capacity"),
    Array("waiting", "int64", 0, "tasks", "tasks waiting (workable + pending decision)"),
    Array("pending", "int64", 0, "tasks", "exceptions waiting for their decision"),
    Array("arrived", "int64", 0, "tasks", "tasks arrived today"),
    Array("processed", "int64", 0, "tasks", "tasks processed today"),
    Array("unmet", "int64", 0, "tasks", "tasks that passed their deadline today"),
    Array("expected", "float64", 0.0, "tasks", "today's expected demand"),
    Array("pressure", "float64", 0.0, "×", "expected demand over the capacity present staff bring (before IT)"),
    Array("gap", "float64", 0.0, "tasks/day", "need (demand + backlog over the deadline) minus capacity; < 0 = slack"),
    Array("family", "int32", 0, "family", "service the unit belongs to (units of a split service share it)"),
    # issue 15: errors and closures in P(t)
    Array("reworked", "int64", 0, "tasks", "rework redone today: load, not output"),
    Array("turned_away", "float64", 0.0, "tasks", "demand a closed service does not take today (lost)"),
    # spontaneous initiatives (issue 16; kernels.initiatives)
    Array("practice", "float64", 0.0, "share", "lasting capacity gain from adopted initiatives"),
    Array("external_until", "int32", -1, "day", "last day of a supported external initiative on the service"),
    Array("external_uid", "int32", -1, "", "partnership decision in flight about an external initiative"),
)

MANAGER = (
    Array("agent", "int32", 0, "agent", "the agent who is this manager"),
    Array("level", "int8", 4, "level", "0 executive … 4 team leader"),
    Array("parent", "int32", -1, "manager", "manager above (-1 = top)"),
    Array("service", "int32", 0, "service", "service of the manager"),
    Array("deciders", "int32", 1, "deciders", "parallel deciders at this desk"),
    Array("desk", "int32", 0, "index", "first decider slot in the free-time table"),
    Array("capacity", "float64", 12.0, "decisions/day", "sign-offs per full day, per decider"),
    Array("rate", "float64", 12.0, "decisions/day", "today's sign-off rate per decider"),
    Array("queue", "int32", 0, "decisions", "decisions at this desk at the end of the day"),
)

DECISION = (  # the fields read at random in the day form a 32-byte record (see record_dtype)
    Array("created", "float64", 0.0, "day", "time the decision was raised", record=True),
    Array("t_in", "float64", 0.0, "day",
          "arrival time at the current desk; once its sign-off there starts, the time it ends", record=True),
    Array("uid", "int32", -1, "", "creation number, the key of its random draws (-1 = free slot)", record=True),
    Array("manager", "int32", -1, "manager", "desk the decision is at", record=True),
    Array("expires", "int32", -1, "day", "last day its task can still be served (-1 = no task)", record=True),
    Array("kind", "int8", 0, "", "decision type, index into params.DECISION_KINDS", record=True),
    Array("authority", "int8", 0, "level", "level that holds the authority", record=True),
    Array("tacit", "bool", False, "", "approved tacitly (nobody signed)", record=True),
    Array("service", "int32", 0, "service", "service the decision is about"),
    Array("subject", "int32", -1, "agent", "agent a redeployment decision would move"),
)


Agents = namedtuple("Agents", [a.name for a in AGENT])
Services = namedtuple("Services", [a.name for a in SERVICE])
Managers = namedtuple("Managers", [a.name for a in MANAGER])
Decisions = namedtuple("Decisions", [a.name for a in DECISION])


def allocate(decls: tuple[Array, ...], n: int, cls):
    """Allocate ``n`` rows of every declared array, filled with their defaults."""
    return cls(*[np.full(n, a.default, dtype=a.dtype) for a in decls])


def record_dtype(decls: tuple[Array, ...]) -> np.dtype:
    """One record per row of the declarations marked ``record``, fields aligned.

    For tables read at random rows (the decision pool): the fields of a row share one
    cache line instead of one line per array. The record is padded to a power of two
    up to 64 bytes (then to a multiple of 64), so that no record straddles two lines.
    """
    packed = np.dtype([(a.name, a.dtype) for a in decls if a.record], align=True)
    size = 1
    while size < min(packed.itemsize, 64):
        size *= 2
    if packed.itemsize > 64:
        size = -(-packed.itemsize // 64) * 64
    return np.dtype({"names": packed.names, "formats": [packed.fields[k][0] for k in packed.names],
                     "offsets": [packed.fields[k][1] for k in packed.names], "itemsize": size})


class MappedArray:
    """A 1-d array in an anonymous memory map that grows without a second copy.

    ``resize`` asks the system to extend the map (on Linux the pages are moved, not
    copied), so growing never holds the old and the new array at once — that doubled
    the peak memory of large runs. It needs that no array still refers to the map: the
    owner drops its arrays first; if one is still held elsewhere, it falls back to a
    copy. Pages start at 0 and are page-aligned (so records are cache-line aligned).
    """

    def __init__(self, dtype, n: int = 0):
        self.dtype = np.dtype(dtype)
        self.n = 0
        self._map = mmap.mmap(-1, mmap.PAGESIZE, flags=mmap.MAP_PRIVATE)
        self.resize(n)

    @property
    def array(self) -> np.ndarray:
        """The ``n`` items (a new view: drop it before the next ``resize``)."""
        return np.frombuffer(self._map, dtype=self.dtype, count=self.n)

    def resize(self, n: int) -> None:
        """Hold ``n`` items; items kept keep their values, new ones are 0."""
        nbytes = max(n * self.dtype.itemsize, mmap.PAGESIZE)
        nbytes = -(-nbytes // mmap.PAGESIZE) * mmap.PAGESIZE
        if nbytes != len(self._map):
            try:
                self._map.resize(nbytes)
            except (BufferError, OSError, SystemError):  # still exported, or no mremap: copy
                new = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE)
                keep = min(len(self._map), nbytes)
                new[:keep] = self._map[:keep]
                self._map = new
        self.n = n


def grow(decls: tuple[Array, ...], table, n: int, cls):
    """A copy of ``table`` with room for ``n`` rows, new rows at their defaults."""
    out = allocate(decls, n, cls)
    m = len(table[0])
    for new, old in zip(out, table, strict=True):
        new[:m] = old
    return out


def nbytes(table) -> int:
    """Memory held by a table of arrays, in bytes."""
    return sum(a.nbytes for a in table)
