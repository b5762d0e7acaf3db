"""Typed tuples the kernels take besides the state tables.

``DayParam`` declares a scalar parameter of the day's rules; each stage declares those it
reads next to its rule, and ``kernels.day`` makes the run's record of them (``DayParams``).
``COUNTS`` and ``TODAY`` declare the counters and the day's accumulators; ``Buffers`` holds the run's working arrays
that are not per-entity state: the task queues, the decision desks' free times, the
latency histograms and the counters.
"""

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..params import DECISION_KINDS


@dataclass(frozen=True)
class DayParam:
    """A scalar parameter of the day's rules, declared by the stage whose rule reads it.

    Attributes:
        name: field of the day's parameter record (``P.name`` in the kernels).
        kind: ``float``, ``int`` (int64) or ``bool``.
        value: its value from the scenario and the built organisation.
        doc: meaning and unit.

    """

    name: str
    kind: type
    value: Callable
    doc: str


def setting(key: str) -> Callable:
    """The value of a scenario parameter, as it is (for ``DayParam.value``)."""
    return lambda scenario, org: scenario[key]


def week_share(key: str) -> Callable:
    """A weekly number of hours as a share of the working week."""
    return lambda scenario, org: scenario[key] / scenario["policy.reporting.week_hours"]


#: parameters every stage reads
DAY_PARAMS = (
    DayParam("seed", int, setting("run.seed"), "run seed"),
    DayParam("slots", int, lambda s, org: int(org.services.deadline.max()) + 1,
             "width of the task ring buffer, days"),
)


Buffers = namedtuple("Buffers", [
    "backlog",     # (S, slots) int64: workable tasks by arrival day (ring)
    "cap_remote",  # (S,) float64: today's remote capacity (scratch)
    "agent_scratch",  # (agents,) float64: a value per agent within a stage (scratch)
    "latents",     # (agents,) uint8: which latent draws of each agent are below today's prevalences (kernels.shock)
    "latents_for",  # (6,) float64: the day and the prevalences those bits hold for (kernels.shock)
    "leave_latents",  # (agents,) float64: each agent's stand-down latent, drawn once when first needed (kernels.shock)
    "free_at",     # (deciders,) float64: when each decider is next free, day
    "serving",     # (deciders,) int64: decision slot a decider signs past a day's end, or -1
    "queue_store",  # (store,) int32: the desks' queues of decision slots (see kernels.queues)
    "queue_start",  # (managers,) int64: first entry of each desk's queue in the store
    "queue_end",    # (managers,) int64: one past its last entry
    "queue_base",   # (managers,) int64: start of each desk's segment of the store
    "queue_cap",    # (managers,) int64: length of that segment
    "queue_new",   # (managers,) int64: decisions pushed at each desk since it was last served (see kernels.queues)
    "desk_load",   # (managers,) int64: decisions at each desk now (queued or being signed)
    "desk_active",  # (⌈managers/64⌉,) uint64: a bit per desk that may have work (see kernels.decisions)
    "pending_by_day",  # (S, slots) int64: exceptions waiting for their decision, by day raised (ring)
    "latency",     # (KINDS, LATENCY_BINS + 1) int64: histograms of decision latencies
    "by_level",    # (KINDS, LEVELS) int64: decisions settled, by type and level settled at
    "errors",      # (KINDS,) int64: decisions that were wrong, by type
    "flows",       # (F, F) int64: agent-days worked by staff of one service family for another
    "free",        # (pool,) int32: free slots of the decision pool (a stack of COUNT_FREE slots)
    "held",        # (⌈pool/64⌉,) uint64: a bit per slot of the decision pool that holds a decision
    "counts",      # (COUNTS.size,) int64: counters over the run, see COUNTS
    "today",       # (TODAY.size,) float64: the day's accumulators, see TODAY
    "columns",     # (columns, 3) int64: what each column of the daily table reads (record.layout)
    # issue 15: rework and sign-offs followed day by day
    "rework",      # (S, slots) int64: how many of ``backlog``'s tasks are rework, by day found (ring)
    "work_left",   # (deciders,) float64: work left on the sign-off a decider holds past a day's end, sign-offs
    # spontaneous initiatives (issue 16)
    "events",      # (E, 5) int32: initiative events (day, agent, home, served, event), kernels.initiatives
])

KINDS = len(DECISION_KINDS)
LEVELS = 8                # levels 0 … 7 (the field level included)
LATENCY_BIN = 1.0 / 24.0  # one hour, in days
LATENCY_BINS = 24 * 3650  # hours of the longest horizon (run.days ≤ 3650): no latency is clipped (issue 15)


class Slots:
    """Named slots of a counter array, numbered in the order they are declared.

    A stage declares the slots it adds to next to its rule (``COUNT_MOVED, = COUNTS.add("moved")``);
    the array's length and every index follow from the declarations, and Python code reads a
    slot by name (``COUNTS.index["moved"]``).

    Args:
        what: what the array holds, for messages.

    """

    def __init__(self, what: str):
        self.what = what
        self.index: dict[str, int] = {}
        self.size = 0

    def add(self, *names: str, size: int = 1) -> tuple[int, ...]:
        """Declare slots; return their indices (each ``size`` wide)."""
        out = []
        for name in names:
            if name in self.index:
                raise ValueError(f"{self.what} slot {name!r} is declared twice")
            self.index[name] = self.size
            out.append(self.size)
            self.size += size
        return tuple(out)


#: counters, cumulative over the run (``buf.counts``)
COUNTS = Slots("counter")
#: the day's accumulators, reset each day (``buf.today``)
TODAY = Slots("accumulator")

# the decision pool's and the task flow's counters (the stages' own are declared with their rules)
(COUNT_ACTIVE, COUNT_NEXT_UID, COUNT_CREATED, COUNT_COMPLETED, COUNT_INSTANT, COUNT_ARRIVED,
 COUNT_PROCESSED, COUNT_UNMET, COUNT_WITHDRAWN, COUNT_FREE, COUNT_SETTLED_LOCALLY, COUNT_TACIT,
 COUNT_REWORK) = COUNTS.add(
    "active",         # decisions in flight
    "next_uid",       # next decision number
    "created", "completed", "instant",  # decisions raised, completed, approved at once (no sign-off)
    "arrived", "processed", "unmet",    # tasks
    "withdrawn",      # decisions withdrawn when their task expired
    "free",           # free slots on the pool's stack
    "settled_locally", "tacit", "rework")
COUNT_NEXT_MOVE_UID, COUNT_MOVED = COUNTS.add(
    "next_move_uid",  # redeployment decisions have their own numbering
    "moved")          # agents working away from home now
COUNT_QUEUE_USED, = COUNTS.add("queue_used")  # end of the desks' segments in the queue store

# the day's accumulators written by the stages
(TODAY_ABSENT, TODAY_REMOTE, TODAY_SPECIAL_LEAVE, TODAY_BURNOUT_DAYS, TODAY_MANAGERS_PRESENT) = TODAY.add(
    "absent", "remote", "special_leave", "burnout_days", "managers_present")  # shock
(TODAY_DECIDED, TODAY_LATENCY_SUM, TODAY_ERRORS, TODAY_REWORK, TODAY_SETTLED, TODAY_TACIT,
 TODAY_REFUSED_DECISION) = TODAY.add(
    "decided", "latency_sum", "errors", "rework", "settled", "tacit", "refused_decision")  # decisions
TODAY_QUEUE, = TODAY.add("queue", size=LEVELS)  # TODAY_QUEUE + level: decisions at that level's desks
(TODAY_REDEPLOYED, TODAY_REDEPLOYED_ACROSS, TODAY_MOVES, TODAY_REFUSED_SKILL, TODAY_RAMP_LOST,
 TODAY_VOLUNTEER_HOURS, TODAY_REVEALED, TODAY_REALLOCATED) = TODAY.add(
    "redeployed", "redeployed_across", "moves", "refused_skill", "ramp_days_lost", "volunteer_hours",
    "skills_revealed", "reallocated")  # mobility
TODAY_REPORTING_HOURS, = TODAY.add("reporting_hours")  # reporting
(TODAY_FATIGUE, TODAY_ENGAGEMENT, TODAY_MANAGER_FATIGUE, TODAY_BURNOUT_STARTS) = TODAY.add(
    "fatigue", "engagement", "manager_fatigue", "burnout_starts")  # wellbeing (sums over agents)
(TODAY_PERFORMANCE, TODAY_BACKLOG, TODAY_UNMET, TODAY_UNMET_ESSENTIAL, TODAY_ARRIVED, TODAY_PROCESSED,
 TODAY_WAITING) = TODAY.add(
    "performance", "backlog", "unmet", "unmet_essential", "arrived", "processed", "decisions_waiting")  # record
# issue 15 (credibility measures)
TODAY_FATIGUE_MAX, = TODAY.add("fatigue_max")  # wellbeing: the highest fatigue of any agent today


def bitmap_words(n: int) -> int:
    """64-bit words of a bitmap of ``n`` items: desks (``desk_active``, the level masks), slots (``held``)."""
    return (n + 63) // 64


def new_buffers(n_agents: int, n_services: int, slots: int, n_deciders: int, n_managers: int,
                n_families: int, columns: np.ndarray) -> Buffers:
    """Zeroed working arrays for a run (``columns``: the daily table's layout, ``record.layout()``)."""
    return Buffers(
        backlog=np.zeros((n_services, slots), dtype=np.int64),
        cap_remote=np.zeros(n_services, dtype=np.float64),
        agent_scratch=np.zeros(n_agents, dtype=np.float64),
        latents=np.zeros(n_agents, dtype=np.uint8),
        latents_for=np.full(6, np.nan),  # none yet
        leave_latents=np.full(n_agents, np.nan),  # not drawn yet
        free_at=np.zeros(n_deciders, dtype=np.float64),
        serving=np.full(n_deciders, -1, dtype=np.int64),
        queue_store=np.zeros(0, dtype=np.int32),  # grown with the decision pool
        queue_start=np.zeros(n_managers, dtype=np.int64),
        queue_end=np.zeros(n_managers, dtype=np.int64),
        queue_base=np.zeros(n_managers, dtype=np.int64),
        queue_cap=np.zeros(n_managers, dtype=np.int64),
        queue_new=np.zeros(n_managers, dtype=np.int64),
        desk_load=np.zeros(n_managers, dtype=np.int64),
        desk_active=np.zeros(bitmap_words(n_managers), dtype=np.uint64),
        pending_by_day=np.zeros((n_services, slots), dtype=np.int64),
        latency=np.zeros((KINDS, LATENCY_BINS + 1), dtype=np.int64),
        by_level=np.zeros((KINDS, LEVELS), dtype=np.int64),
        errors=np.zeros(KINDS, dtype=np.int64),
        flows=np.zeros((n_families, n_families), dtype=np.int64),
        free=np.zeros(0, dtype=np.int32),  # grows with the decision pool
        held=np.zeros(0, dtype=np.uint64),  # grows with the decision pool
        counts=np.zeros(COUNTS.size, dtype=np.int64),
        today=np.zeros(TODAY.size, dtype=np.float64),
        columns=columns,
        rework=np.zeros((n_services, slots), dtype=np.int64),
        work_left=np.zeros(n_deciders, dtype=np.float64),
        events=np.zeros((0, 5), dtype=np.int32),  # grown by the engine when initiatives are on
    )
