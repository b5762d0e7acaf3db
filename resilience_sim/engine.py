"""The run loop: scenario → organisation → state → one compiled day at a time.

:class:`Simulation` owns the state of one run. ``step()`` runs one day in a single
compiled call (no Python per agent); the loop in Python only grows the decision pool
when needed and checks conservation.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable

import numpy as np

from . import initiatives
from .kernels.arrivals import raiser_desks, raiser_guide
from .kernels.conservation import LAWS, violation
from .kernels.context import (
    COUNT_ACTIVE,
    COUNT_FREE,
    COUNT_NEXT_UID,
    bitmap_words,
    new_buffers,
)
from .kernels.day import STAGES, DayInputs, DayParams, day_params, run_day, run_days
from .kernels.initiatives import COUNT_EVENTS, COUNT_INIT_RUNNING, events_bound
from .kernels.mobility import MOVE_UIDS
from .kernels.queues import store_size
from .kernels.record import columns, layout
from .kernels.shock import spell_phases
from .mobility import setup as mobility_setup
from .organisation import Organisation, build
from .policy import decision_rules
from .scenario import Scenario
from .shocks import DailyConditions, compile_conditions
from .state import DECISION, Decisions, MappedArray, record_dtype

CHUNK_DAYS = 32  # days per compiled call


class ConservationError(AssertionError):
    """A conservation law of DESIGN §1.2 failed: a bug, never a user error."""


class Simulation:
    """One run of a scenario.

    Args:
        scenario: validated scenario.
        org: organisation already built from it (built here if None).
        check: verify conservation every day (cheap: O(services + decisions)).

    Attributes:
        day: next day to simulate.
        out: (days, len(record.columns())) table of daily metrics.

    """

    def __init__(self, scenario: Scenario, org: Organisation | None = None, check: bool = True):
        self.scenario = scenario
        self.org = org if org is not None else build(scenario)
        self.check = check
        self.days = scenario["run.days"]
        self.net = mobility_setup(scenario, self.org)
        managers = self.org.managers
        self.params = day_params(scenario, self.org)
        cond = compile_conditions(scenario, self.org)
        self._daily = _day_major(cond)
        d = self._daily  # the service-major tables as views of the day-major ones: one copy
        self.conditions = dataclasses.replace(cond, absence=d["absence"].T, demand=d["demand"].T, closed=d["closed"].T,
                                        stand_down=d["stand_down"].T, it_factor=d["it_factor"].T)
        o = self.org
        self.agents, self.services, self.managers = o.agents, o.services, managers
        n_deciders = int(managers.deciders.sum())
        self.buffers = new_buffers(o.n_agents, len(o.service_names), int(self.params.slots), n_deciders,
                                   len(managers.level), len(self.net.family_names), layout())
        self.level_mask = _level_masks(managers.level)
        self.origin_cum = raising_weights(o)
        self.rules = decision_rules(scenario, o)
        self.service_staff = np.bincount(o.agents.home, minlength=len(o.service_names)).astype(np.float64)
        r = self.rules
        net = self.net
        self._lookups = dict(
            origin_ptr=o.origin_ptr, origin_desk=raiser_desks(o.origin_agent, o.agents.role, o.agents.manager),
            origin_cum=self.origin_cum, origin_guide=raiser_guide(o.origin_ptr, self.origin_cum),
            spell_phase=spell_phases(o.n_agents, int(self.params.sickness_spell)), level_mask=self.level_mask,
            service_staff=self.service_staff, authority=r.authority, signoffs=r.signoffs, effort=r.effort,
            scope=r.scope, twin=net.twin, near=net.near, flying_missions=net.flying_missions, external=net.external,
            hr_cell=np.int64(net.hr_cell), essential_missions=net.essential_missions)
        tie_ptr, tie_agent = initiatives.tie_lists(o)
        self._lookups.update(tie_ptr=tie_ptr, tie_agent=tie_agent, ext_actor=initiatives.external_actors(scenario, o))
        self._need = _pool_need(self._daily, self.params, float(self.service_staff.sum()), len(o.service_names))
        self._maps = {"records": MappedArray(record_dtype(DECISION)), "free": MappedArray(np.int32),
                      "held": MappedArray(np.uint64),
                      "queue_store": MappedArray(np.int32),
                      **{a.name: MappedArray(a.dtype) for a in DECISION if not a.record}}
        self._grow_pool(1024)
        self.out = np.full((self.days, len(columns())), np.nan)
        self.day = 0

    def _grow_pool(self, size: int) -> None:
        """Enlarge the decision pool to ``size`` slots; the new slots go on the free stack.

        The pool and its companion arrays live in memory maps that grow in place: the
        views are dropped, the maps extended, the views made again.
        """
        old = self._maps["records"].n
        n_desks = len(self.buffers.queue_start)
        self.decisions = None
        self.buffers = self.buffers._replace(free=None, held=None, queue_store=None)
        for name, kept in self._maps.items():
            kept.resize(store_size(size, n_desks) if name == "queue_store" else bitmap_words(size) if name == "held"
                        else size)
        records = self._maps["records"].array
        self.decisions = Decisions(*[records[a.name] if a.record else self._maps[a.name].array for a in DECISION])
        for a, view in zip(DECISION, self.decisions, strict=True):
            view[old:] = a.default
        free = self._maps["free"].array
        counts = self.buffers.counts
        n_free = int(counts[COUNT_FREE])
        free[n_free:n_free + size - old] = np.arange(size - 1, old - 1, -1)  # lowest slot on top
        counts[COUNT_FREE] = n_free + size - old
        self.buffers = self.buffers._replace(free=free, held=self._maps["held"].array,
                                             queue_store=self._maps["queue_store"].array)

    def _ensure_room(self) -> None:
        """Keep enough free slots for any plausible number of today's new decisions.

        Also stops a run before its decision numbers (32-bit, 2^30 of them: some 7 billion
        agent-days at the lockdown's 0.12–0.15 decisions per agent-day) would run out.
        """
        need = int(self.buffers.counts[COUNT_ACTIVE]) + int(self._need[self.day])
        coming = int(self._need[self.day:self.day + CHUNK_DAYS].sum())  # at most, before the next look
        if int(self.buffers.counts[COUNT_NEXT_UID]) + coming >= MOVE_UIDS:
            raise OverflowError(f"more than {MOVE_UIDS:,} decisions in one run (about 7 billion agent-days): "
                                "decision numbers are 32-bit; run fewer agents or fewer days")
        size = len(self.decisions.uid)
        if need > size:
            self._grow_pool(max(need, size + size // 4))  # grow by a quarter: memory stays near the need
        if self.params.init_on:
            self._ensure_events()

    def _ensure_events(self) -> None:
        """Keep room in the initiatives' event log for the most events a day can log."""
        c, log = self.buffers.counts, self.buffers.events
        need = int(c[COUNT_EVENTS]) + int(events_bound(c[COUNT_INIT_RUNNING], self.params.init_max_launches,
                                                       len(self.services.pressure)))
        if need > len(log):
            grown = np.zeros((max(need, 2 * len(log), 1024), 5), dtype=np.int32)
            grown[:len(log)] = log
            self.buffers = self.buffers._replace(events=grown)

    def _inputs(self, t: int) -> DayInputs:
        """The day's inputs besides the state: the lookup tables and day t's conditions."""
        d = self._daily
        return DayInputs(**self._lookups, prevalence=d["absence"][t], remote=float(d["remote"][t]),
                         exception_share=float(d["exception_share"][t]), crisis=bool(d["crisis"][t]),
                         demand=d["demand"][t], closed=d["closed"][t], stand_down=d["stand_down"][t],
                         it_factor=d["it_factor"][t])

    def step(self, timings: dict[str, float] | None = None) -> None:
        """Simulate one day.

        Args:
            timings: if given, run the stages one by one and add each stage's wall
                time (seconds) to ``timings[stage]`` (for benchmarks; slower).

        """
        if self.day >= self.days:
            raise RuntimeError(f"the horizon ({self.days} days) is reached")
        self._ensure_room()
        t = self.day
        x = self._inputs(t)
        args = (np.int64(t), self.params, self.agents, self.services, self.managers,
                self.decisions, self.buffers, x, self.out)
        if timings is None:
            run_day(*args)
        else:
            for name, stage in STAGES.items():
                start = time.perf_counter()
                stage(*args)
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
        self.day += 1
        if self.check:
            self.check_conservation()

    def advance(self, n_days: int, check: bool = False) -> int:
        """Simulate up to ``n_days`` days in compiled calls; returns the number of days simulated.

        The compiled loop stops early when the decision pool needs room; the pool grows
        here and the loop resumes. With ``check``, the conservation laws are checked at the
        end of every day inside the compiled loop (ConservationError at the first broken).
        """
        first = self.day
        stop = min(self.days, first + n_days)
        d = self._daily
        found = np.zeros(3, dtype=np.int64)
        while self.day < stop:
            self._ensure_room()
            self.day = int(run_days(np.int64(self.day), np.int64(stop), self._need, self.params, self.agents,
                                    self.services, self.managers, self.decisions, self.buffers,
                                    self._inputs(self.day), d["absence"], d["remote"], d["exception_share"],
                                    d["crisis"], d["demand"], d["closed"], d["stand_down"], d["it_factor"], self.out,
                                    check, found))
            if found[2]:
                self._raise(self.day - 1, found)
        return self.day - first

    def run(self, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Simulate the remaining days; return the daily table.

        ``CHUNK_DAYS`` days per compiled call, which saves the fixed cost of a call (passing
        ~150 arrays) on every day — most of the day's cost in small organisations; with the
        conservation check on, the laws are checked every day inside that call. Python's cyclic
        garbage collector is paused meanwhile: the loop makes no cycles, but its few small
        objects per call would trigger collections that walk every object of the process,
        a large share of a small organisation's day (docs/performance.md).
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            while self.day < self.days:
                done = self.advance(CHUNK_DAYS, self.check)
                if progress is not None:
                    progress(done)
        finally:
            if collecting:
                gc.enable()
        return self.out

    def check_conservation(self) -> None:
        """Raise ConservationError if tasks or decisions are not conserved after the last day."""
        found = np.zeros(3, dtype=np.int64)
        law = violation(np.int64(self.day - 1), self.services, self.managers, self.decisions, self.buffers, found)
        if law:
            found[2] = law
            self._raise(self.day - 1, found)

    @staticmethod
    def _raise(day: int, found: np.ndarray) -> None:
        """The ConservationError of a broken law (``found``: its two figures and its number)."""
        raise ConservationError(f"day {day}: " + LAWS[int(found[2])].format(int(found[0]), int(found[1])))


def _pool_need(daily: dict[str, np.ndarray], p: DayParams, staff: float, n_services: int) -> np.ndarray:
    """Free decision slots to hold before each day.

    The day's expected new decisions, plus 10 standard deviations and 100, so that the
    pool never runs dry within a day; with initiatives on, plus the most initiative and
    external partnership decisions a day can raise.
    """
    expected = (daily["demand"].sum(axis=1) * daily["exception_share"]
                + staff * (p.spending_rate + p.partnership_rate)
                + (p.coordinator_moves if p.mobility_mode else 0.0))
    need = (expected + 10 * np.sqrt(expected) + 100).astype(np.int64)
    if p.init_on:
        need += p.init_max_launches + n_services
    return need


def raising_weights(org: Organisation) -> np.ndarray:
    """Cumulative task shares of each service's workers (the CSR of ``origin_agent``)."""
    share = org.agents.task_share[org.origin_agent].astype(np.float64)
    cum = np.empty_like(share)
    for s in range(len(org.origin_ptr) - 1):
        lo, hi = org.origin_ptr[s], org.origin_ptr[s + 1]
        cum[lo:hi] = np.cumsum(share[lo:hi])
    return cum


def _level_masks(level: np.ndarray) -> np.ndarray:
    """The desks of each level (from 0 to the deepest) as bit masks, one row a level.

    Desk m is bit m % 64 of word m // 64, the layout of ``buf.desk_active`` (see
    ``kernels.decisions``).
    """
    depth = int(level.max()) + 1 if len(level) else 1
    bits = np.zeros((depth, bitmap_words(len(level)) * 64), dtype=bool)
    bits[level, np.arange(len(level))] = True
    return np.packbits(bits, axis=1, bitorder="little").view("<u8").astype(np.uint64)


def _day_major(cond: DailyConditions) -> dict[str, np.ndarray]:
    """Conditions laid out one contiguous row per day."""
    return {
        "absence": np.ascontiguousarray(cond.absence.T),
        "remote": cond.remote, "exception_share": cond.exception_share, "crisis": cond.crisis,
        "demand": np.ascontiguousarray(cond.demand.T),
        "closed": np.ascontiguousarray(cond.closed.T),
        "stand_down": np.ascontiguousarray(cond.stand_down.T),
        "it_factor": np.ascontiguousarray(cond.it_factor.T),
    }
