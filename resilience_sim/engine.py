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

from .kernels.arrivals import raiser_desks, raiser_guide
from .kernels.context import (
    COUNT_ACTIVE,
    COUNT_ARRIVED,
    COUNT_COMPLETED,
    COUNT_CREATED,
    COUNT_FREE,
    COUNT_NEXT_UID,
    COUNT_PROCESSED,
    COUNT_UNMET,
    COUNT_WITHDRAWN,
    DayParams,
    desk_words,
    new_buffers,
)
from .kernels.day import STAGES, DayInputs, run_day, run_days
from .kernels.mobility import MOVE_UIDS, WORKING_DAYS_PER_MONTH
from .kernels.queues import store_size
from .kernels.record import COLUMNS
from .kernels.shock import spell_phases
from .mobility import mode_index
from .mobility import setup as mobility_setup
from .organisation import Organisation, build
from .policy import decision_rules
from .scenario import Scenario
from .shocks import DailyConditions, compile_conditions
from .state import DECISION, Decisions, MappedArray, record_dtype

CHUNK_DAYS = 32  # days per compiled call when the conservation check is off


class ConservationError(AssertionError):
    """A conservation law of DESIGN §1.2 failed: a bug, never a user error."""


def day_params(scenario: Scenario, org: Organisation) -> DayParams:
    """The scalar parameters of the day's rules, from a scenario."""
    p = scenario.params
    week = p["policy.reporting.week_hours"]
    mode, scope = mode_index(scenario)
    return DayParams(
        seed=np.int64(p["run.seed"]), slots=np.int64(int(org.services.deadline.max()) + 1),
        agent_reporting=p["policy.reporting.agent_hours"] / week,
        manager_reporting=p["policy.reporting.manager_hours"] / week,
        crisis_reporting=p["policy.reporting.crisis_multiplier"], hours_per_day=week / 5.0,
        remote_productivity=p["work.remote_productivity"],
        sickness_spell=np.int64(p["baseline.sickness_spell"]), interim=p["policy.decisions.interim"],
        tacit_days=-1.0 if p["policy.validation.tacit_days"] is None else p["policy.validation.tacit_days"],
        freedom=p["policy.freedom.risk_limit"], field_level=np.int64(org.depth + 1),
        delay_per_level=p["policy.information.delay_per_level"],
        base_error=p["decisions.base_error"], staleness_error=p["decisions.staleness_error"],
        local_error=p["decisions.local_error"],
        quality=1.0 - p["hr.advice_quality_gain"] * p["hr.advice"],
        manager_boost=(1.0 + p["hr.advice_capacity_gain"] * p["hr.advice"])
        * (1.0 + p["support.capacity_gain"] * (p["support.peer"] + p["support.in_situ"]) / 2),
        manager_relief=1.0 - p["support.fatigue_relief"] * (p["support.peer"] + p["support.in_situ"]) / 2,
        agent_tolerance=p["wellbeing.reporting_tolerance_agent"] / week,
        manager_tolerance=p["wellbeing.reporting_tolerance_manager"] / week,
        spending_rate=p["decisions.spending_rate"] / 100.0,
        partnership_rate=p["decisions.partnership_rate"] / 100.0,
        mobility_mode=np.int64(mode), mobility_scope=np.int64(scope),
        coordinator_moves=p["mobility.coordinator_capacity"] * org.n_agents / 1000.0,
        learning_days=p["mobility.learning_days"], known_learning_days=p["mobility.known_learning_days"],
        ramp_start=p["mobility.ramp_start"], wrong_move_productivity=p["mobility.wrong_move_productivity"],
        permanent_after=np.int64(p["mobility.permanent_after"]), reveal_rate=p["mobility.reveal_rate"],
        volunteer_share=p["mobility.volunteer_days"] / WORKING_DAYS_PER_MONTH,
        time_bank_cap=p["mobility.time_bank_cap"], sponsorship=bool(p["mobility.sponsorship"]),
        training_share=p["mobility.training_share"], training_days=np.int64(p["mobility.training_days"]),
        fatigue_gain=p["wellbeing.fatigue_gain"], fatigue_recovery=p["wellbeing.fatigue_recovery"],
        fatigue_effect=p["wellbeing.fatigue_effect"],
        burnout_threshold=p["wellbeing.burnout_threshold"],
        burnout_hazard=p["wellbeing.burnout_hazard"], burnout_days=np.int64(p["wellbeing.burnout_days"]),
        engagement_baseline=p["wellbeing.engagement_baseline"],
        engagement_recovery=p["wellbeing.engagement_recovery"],
        reporting_cost=p["wellbeing.reporting_cost"], fatigue_cost=p["wellbeing.fatigue_cost"],
        pressure_cap=p["wellbeing.pressure_cap"],
    )


class Simulation:
    """One run of a scenario.

    Args:
        scenario: validated scenario.
        org: organisation already built from it (built here if None).
        check: verify conservation every day (cheap: O(services + decisions)).

    Attributes:
        day: next day to simulate.
        out: (days, len(COLUMNS)) table of daily metrics.

    """

    def __init__(self, scenario: Scenario, org: Organisation | None = None, check: bool = True):
        self.scenario = scenario
        self.org = org if org is not None else build(scenario)
        self.check = check
        self.days = scenario["run.days"]
        self.net, managers = mobility_setup(scenario, self.org)
        self.params = day_params(scenario, self.org)
        cond = compile_conditions(scenario, self.org)
        self._daily = _day_major(cond)
        d = self._daily  # the service-major tables as views of the day-major ones: one copy
        self.conditions = dataclasses.replace(cond, absence=d["absence"].T, demand=d["demand"].T, closed=d["closed"].T,
                                        it_factor=d["it_factor"].T)
        o = self.org
        self.agents, self.services, self.managers = o.agents, o.services, managers
        n_deciders = int(managers.deciders.sum())
        self.buffers = new_buffers(o.n_agents, len(o.service_names), int(self.params.slots), n_deciders,
                                   len(managers.level), len(self.net.family_names))
        self.level_mask = _level_masks(managers.level)
        self.origin_cum = raising_weights(o)
        self.rules = decision_rules(scenario, o)
        self.service_staff = np.bincount(o.agents.home, minlength=len(o.service_names)).astype(np.float64)
        r = self.rules
        self._lookups = (o.origin_ptr, raiser_desks(o.origin_agent, o.agents.role, o.agents.manager),
                         self.origin_cum, raiser_guide(o.origin_ptr, self.origin_cum),
                         spell_phases(o.n_agents, int(self.params.sickness_spell)), self.level_mask,
                         self.service_staff, r.authority, r.signoffs, r.effort, r.scope, self.net.twin,
                         self.net.near, self.net.tie_share, self.net.external, np.int64(self.net.hr_cell),
                         self.net.essential_missions)
        self._need = _pool_need(self._daily, self.params, float(self.service_staff.sum()))
        self._maps = {"records": MappedArray(record_dtype(DECISION)), "free": MappedArray(np.int32),
                      "queue_store": MappedArray(np.int32),
                      **{a.name: MappedArray(a.dtype) for a in DECISION if not a.record}}
        self._grow_pool(1024)
        self.out = np.full((self.days, len(COLUMNS)), np.nan)
        self.day = 0

    def _grow_pool(self, size: int) -> None:
        """Enlarge the decision pool to ``size`` slots; the new slots go on the free stack.

        The pool and its companion arrays live in memory maps that grow in place: the
        views are dropped, the maps extended, the views made again.
        """
        old = self._maps["records"].n
        n_desks = len(self.buffers.queue_start)
        self.decisions = None
        self.buffers = self.buffers._replace(free=None, queue_store=None)
        for name, kept in self._maps.items():
            kept.resize(store_size(size, n_desks) if name == "queue_store" else size)
        records = self._maps["records"].array
        self.decisions = Decisions(*[records[a.name] if a.record else self._maps[a.name].array for a in DECISION])
        for a, view in zip(DECISION, self.decisions, strict=True):
            view[old:] = a.default
        free = self._maps["free"].array
        counts = self.buffers.counts
        n_free = int(counts[COUNT_FREE])
        free[n_free:n_free + size - old] = np.arange(size - 1, old - 1, -1)  # lowest slot on top
        counts[COUNT_FREE] = n_free + size - old
        self.buffers = self.buffers._replace(free=free, queue_store=self._maps["queue_store"].array)

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

    def _inputs(self, t: int) -> DayInputs:
        """The day's inputs besides the state: the lookup tables and day t's conditions."""
        d = self._daily
        return DayInputs(*self._lookups, d["absence"][t], float(d["remote"][t]), float(d["exception_share"][t]),
                         bool(d["crisis"][t]), d["demand"][t], d["closed"][t], d["it_factor"][t])

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

    def advance(self, n_days: int) -> int:
        """Simulate up to ``n_days`` days in compiled calls (no conservation check).

        The compiled loop stops early when the decision pool needs room; the pool grows
        here and the loop resumes. Returns the number of days simulated.
        """
        first = self.day
        stop = min(self.days, first + n_days)
        d = self._daily
        while self.day < stop:
            self._ensure_room()
            self.day = int(run_days(np.int64(self.day), np.int64(stop), self._need, self.params, self.agents,
                                    self.services, self.managers, self.decisions, self.buffers,
                                    self._inputs(self.day), d["absence"], d["remote"], d["exception_share"],
                                    d["crisis"], d["demand"], d["closed"], d["it_factor"], self.out))
        return self.day - first

    def run(self, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Simulate the remaining days; return the daily table.

        With the conservation check on, one day at a time; otherwise ``CHUNK_DAYS`` days
        per compiled call, which saves the fixed cost of a call (passing ~150 arrays)
        on every day — most of the day's cost in small organisations. Python's cyclic
        garbage collector is paused meanwhile: the loop makes no cycles, but its few small
        objects per call would trigger collections that walk every object of the process
        (measured: a third of the day's cost at 1,000 agents).
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            while self.day < self.days:
                if self.check:
                    self.step()
                    done = 1
                else:
                    done = self.advance(CHUNK_DAYS)
                if progress is not None:
                    progress(done)
        finally:
            if collecting:
                gc.enable()
        return self.out

    def check_conservation(self) -> None:
        """Raise ConservationError if tasks or decisions are not conserved after the last day."""
        c = self.buffers.counts
        last = self.day - 1
        used = self.decisions.uid >= 0
        alive = used & (self.decisions.expires > last)  # tasks whose deadline has not passed
        waiting = int(self.buffers.backlog.sum()) + int(alive.sum())
        if c[COUNT_ARRIVED] != c[COUNT_PROCESSED] + waiting + c[COUNT_UNMET]:
            raise ConservationError(
                f"day {last}: tasks arrived {c[COUNT_ARRIVED]} != processed "
                f"{c[COUNT_PROCESSED]} + waiting {waiting} + unmet {c[COUNT_UNMET]}")
        if waiting != int(self.services.waiting.sum()):
            raise ConservationError(f"day {last}: services report {self.services.waiting.sum()} "
                                    f"waiting, queues hold {waiting}")
        if c[COUNT_CREATED] != c[COUNT_COMPLETED] + c[COUNT_WITHDRAWN] + c[COUNT_ACTIVE]:
            raise ConservationError(
                f"day {last}: decisions created {c[COUNT_CREATED]} != completed "
                f"{c[COUNT_COMPLETED]} + withdrawn {c[COUNT_WITHDRAWN]} + in flight {c[COUNT_ACTIVE]}")
        if used.sum() != c[COUNT_ACTIVE]:
            raise ConservationError(f"day {last}: {used.sum()} decisions held, {c[COUNT_ACTIVE]} counted")
        pending = np.bincount(self.decisions.service[alive], minlength=len(self.services.pending))
        if not np.array_equal(pending, self.services.pending):
            raise ConservationError(f"day {last}: pending exceptions do not match decisions")
        if not np.array_equal(pending, self.buffers.pending_by_day.sum(axis=1)):
            raise ConservationError(f"day {last}: pending exceptions by day do not match decisions")
        load = np.bincount(self.decisions.manager[used], minlength=len(self.managers.level))
        if not np.array_equal(load, self.buffers.desk_load):
            raise ConservationError(f"day {last}: decisions counted at desks do not match the pool")
        if len(np.unique(self.decisions.uid[used])) != used.sum():
            raise ConservationError(f"day {last}: a decision is held twice")
        marked = np.unpackbits(self.buffers.desk_active.view(np.uint8), bitorder="little")[:len(load)]
        unmarked = np.flatnonzero((load > 0) & (marked == 0))
        if len(unmarked):
            raise ConservationError(f"day {last}: desk(s) {unmarked[:5].tolist()} hold decisions but are not "
                                    "marked to be served")


def _pool_need(daily: dict[str, np.ndarray], p: DayParams, staff: float) -> np.ndarray:
    """Free decision slots to hold before each day.

    The day's expected new decisions, plus 10 standard deviations and 100, so that the
    pool never runs dry within a day.
    """
    expected = (daily["demand"].sum(axis=1) * daily["exception_share"]
                + staff * (p.spending_rate + p.partnership_rate)
                + (p.coordinator_moves if p.mobility_mode else 0.0))
    return (expected + 10 * np.sqrt(expected) + 100).astype(np.int64)


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
    bits = np.zeros((depth, desk_words(len(level)) * 64), dtype=bool)
    bits[level, np.arange(len(level))] = True
    return np.packbits(bits, axis=1, bitorder="little").view("<u8").astype(np.uint64)


def _day_major(cond: DailyConditions) -> dict[str, np.ndarray]:
    """Conditions laid out one contiguous row per day."""
    return {
        "absence": np.ascontiguousarray(cond.absence.T),
        "remote": cond.remote, "exception_share": cond.exception_share, "crisis": cond.crisis,
        "demand": np.ascontiguousarray(cond.demand.T),
        "closed": np.ascontiguousarray(cond.closed.T),
        "it_factor": np.ascontiguousarray(cond.it_factor.T),
    }
