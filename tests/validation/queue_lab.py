"""Clean queues cut out of the organisation model, and 95 % confidence intervals.

The validation tests set the scenario so that the decision machinery is a textbook
queue (DESIGN §1.2 step 3): no reporting, no fatigue effect, no sickness and no
burnout (so no manager is ever absent and every desk keeps its full rate), no HR
advice or manager support (no capacity boost), no spending or partnership requests
and no mobility (only exceptions reach the desks), no freedom to settle exceptions
locally, no tacit approval, no information latency (a case reaches a desk when its file
does), deadlines of 60 days (the longest allowed, so tasks practically never
expire while their decision waits), and a chosen exception rate.

Each replication is one run of 3,650 days with its own ``run.seed``; the first
``warmup`` days are discarded. Replications are independent, so a Student t interval
over their estimates is a confidence interval for the mean. A test checks several
quantities at once (W, L, …): :class:`Family` makes their intervals *simultaneous* at
95 % (Bonferroni: each at 1 − 0.05/k), so that a correct engine fails a test with
probability at most 5 %, and bounds each interval's half-width, so that a biased
engine cannot pass on a wide interval. Runs are deterministic for a seed
(counter-based RNG), so the tests are reproducible bit for bit.

Estimates per replication, over the days after the warm-up:

* ``latency``: mean time from creation to final sign-off of the decisions completed
  in the window, in days — exact, from the daily columns ``decisions_completed`` ×
  ``decision_latency_mean`` (the daily sum of latencies);
* ``in_system``: mean number of decisions in flight at the end of a day (column
  ``decisions_waiting``) and ``at_desk``: the same per desk (``managers.queue``);
  the state of a stationary process seen at fixed times, i.e. the time average L;
* ``arrival_rate``: decisions created per day;
* ``tail``: the latency histogram (1-hour bins) of the window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from resilience_sim.engine import Simulation
from resilience_sim.kernels.context import (
    COUNT_CREATED,
    COUNT_UNMET,
    COUNT_WITHDRAWN,
    LATENCY_BIN,
)
from resilience_sim.kernels.record import COL
from resilience_sim.organisation import Organisation, build
from resilience_sim.scenario import Scenario, parse

DAYS = 3650  # the longest run the schema allows (run.days ≤ 3650)
WARMUP = 365

LEVEL = {"executive": 0, "deputy": 1, "director": 2, "head": 3, "team_leader": 4}


def clean_scenario(services: Sequence[tuple[str, int, float]], *, seed: int, capacity: float,
                   deciders: int = 1, authority: int = 0, steps: int = 1,
                   exception_share: float = 1.0, days: int = DAYS, team_size: float = 9.0,
                   units_per_director: int = 4, signoff_cv: float = 1.0) -> Scenario:
    """A scenario whose decision desks are clean exponential FIFO servers.

    Args:
        services: (name, headcount, demand in tasks/day) per service.
        seed: run seed.
        capacity: sign-off rate μ of one decider, decisions/day.
        deciders: parallel deciders per desk (c of M/M/c).
        authority: level holding authority on exceptions (0 executive … 4 team leader).
        steps: sign-offs per decision, ending at the authority level.
        exception_share: share of tasks that are exceptions (1 = every task).
        days: horizon.
        team_size: mean span of a team leader.
        units_per_director: services under one director.
        signoff_cv: coefficient of variation of sign-off times (1 exponential, 0 deterministic).

    """
    text = [
        f"[run]\ndays = {days}\nseed = {seed}\nwarmup = 0",
        "[organisation]",
        f"manager_capacity = {capacity!r}",
        f"deciders_per_manager = {deciders}",
        f"team_size = {team_size!r}",
        f"units_per_director = {units_per_director}",
        f"[policy.authority]\nexception = {authority}",
        f"[policy.validation]\nsteps = {steps}",
        "[policy.freedom]\nrisk_limit = 0.0",
        "[policy.reporting]\nagent_hours = 0.0\nmanager_hours = 0.0",
        "[decisions]\nspending_rate = 0.0\npartnership_rate = 0.0\ninformation_wait = 0.0",
        f"signoff_cv = {signoff_cv!r}",
        "[hr]\nadvice = 0.0",
        '[mobility]\nmode = "off"',
        "[support]\npeer = 0.0\nin_situ = 0.0",
        "[wellbeing]\nfatigue_effect = 0.0\nburnout_hazard = 0.0",
        f"[baseline]\nsickness = 0.0\nexception_share = {exception_share!r}",
    ]
    for name, headcount, demand in services:
        text.append(f'[[organisation.services]]\nname = "{name}"\nheadcount = {headcount}\n'
                    f"demand = {float(demand)!r}\ndeadline = 60")
    return parse("\n".join(text), "<validation>", "validation")


@dataclass(frozen=True)
class Replication:
    """Estimates of one run over the days after the warm-up (see module doc)."""

    latency: float
    completed: int
    arrival_rate: float
    in_system: float
    at_desk: np.ndarray
    tail: np.ndarray
    levels: np.ndarray
    expired: int

    def share_longer(self, days: float) -> float:
        """Share of the window's decisions whose latency exceeded ``days``."""
        first = int(round(days / LATENCY_BIN))
        return float(self.tail[first:].sum() / self.tail.sum())

    def by_level(self) -> dict[int, float]:
        """Mean number of decisions at day end at the desks of each level."""
        return {int(lv): float(self.at_desk[self.levels == lv].sum()) for lv in np.unique(self.levels)}


def replicate(scenario: Scenario, warmup: int = WARMUP,
              prepare: Callable[[Organisation], None] | None = None, daily_check: bool = True) -> Replication:
    """Run one replication and measure it after ``warmup`` days.

    ``prepare`` may adjust the built organisation before the run (e.g. who raises
    exceptions). Conservation is checked by the engine every day if ``daily_check``,
    and at the end of the run in any case.
    """
    assert 1 <= warmup < scenario["run.days"]
    org = build(scenario)
    if prepare is not None:
        prepare(org)
    sim = Simulation(scenario, org=org, check=daily_check)
    days = scenario["run.days"]
    at_desk = np.zeros(len(sim.managers.level))
    hist0 = created0 = lost0 = None
    for day in range(days):
        sim.step()
        if day == warmup - 1:
            hist0 = _all_kinds(sim.buffers.latency)
            created0 = int(sim.buffers.counts[COUNT_CREATED])
            lost0 = int(sim.buffers.counts[COUNT_UNMET] + sim.buffers.counts[COUNT_WITHDRAWN])
        elif day >= warmup:
            at_desk += sim.managers.queue
    sim.check_conservation()
    out = sim.out[warmup:]
    # the clean queue must really be clean: nobody absent, every desk at full rate
    assert np.all(sim.out[:, COL["absent"]] == 0)
    assert np.allclose(sim.managers.rate, sim.managers.capacity)
    # and only exceptions reached the desks (no other decision type was completed)
    latency = sim.buffers.latency
    assert latency.ndim == 1 or latency[1:].sum() == 0
    done = out[:, COL["decisions_completed"]]
    latency_sum = float((done * np.nan_to_num(out[:, COL["decision_latency_mean"]])).sum())
    n = len(out)
    counts = sim.buffers.counts
    return Replication(
        latency=latency_sum / done.sum(),
        completed=int(done.sum()),
        arrival_rate=(int(counts[COUNT_CREATED]) - created0) / n,
        in_system=float(out[:, COL["decisions_waiting"]].mean()),
        at_desk=at_desk / n,
        tail=_all_kinds(sim.buffers.latency) - hist0,
        levels=sim.managers.level.copy(),
        expired=int(counts[COUNT_UNMET] + counts[COUNT_WITHDRAWN]) - lost0,
    )


def _all_kinds(latency: np.ndarray) -> np.ndarray:
    """The latency histogram over every decision type (the last axis is the bin)."""
    return latency.reshape(-1, latency.shape[-1]).sum(axis=0)


def replications(make: Callable[[int], Scenario], n: int, first_seed: int, warmup: int = WARMUP,
                 prepare: Callable[[Organisation], None] | None = None) -> list[Replication]:
    """``n`` independent replications with seeds ``first_seed``, ``first_seed + 1``, …

    The engine checks conservation every day of the first replication, and at the end
    of the others (a daily check doubles the cost of these long runs; the randomised
    conservation test covers it broadly).
    """
    return [replicate(make(first_seed + r), warmup, prepare, daily_check=r == 0) for r in range(n)]


@dataclass(frozen=True)
class Interval:
    """A mean and its confidence interval."""

    mean: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the width of the interval."""
        return (self.high - self.low) / 2

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.mean:.4g} [{self.low:.4g}, {self.high:.4g}]"


def interval(values: Sequence[float], level: float = 0.95) -> Interval:
    """Student t interval of the mean of independent replications."""
    x = np.asarray(values, dtype=float)
    m = float(x.mean())
    h = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return Interval(m, m - h, m + h)


def ci95(values: Sequence[float]) -> Interval:
    """Student t 95 % interval of the mean of independent replications."""
    return interval(values, 0.95)


class Family:
    """Quantities checked together against theory, with simultaneous 95 % intervals.

    ``add`` records a quantity: its per-replication estimates, its analytic value and
    a bound on the interval's half-width (relative to the analytic value, or
    absolute when that is 0). ``verify`` prints every estimate, then asserts that
    each interval is narrow enough and holds its analytic value; it returns the
    intervals by name.
    """

    def __init__(self, title: str):
        self.title = title
        self.items: list[tuple[str, Sequence[float], float, float]] = []

    def add(self, name: str, values: Sequence[float], theory: float, width: float) -> None:
        """Check that the mean of ``values`` is ``theory``, within a half-width ``width``."""
        self.items.append((name, values, theory, width))

    def verify(self) -> dict[str, Interval]:
        """Assert the whole family (see class doc)."""
        level = 1 - 0.05 / len(self.items)
        found = {name: interval(values, level) for name, values, _, _ in self.items}
        print(f"\n{self.title} — simultaneous 95 % intervals (each at {level:.2%}):")
        for name, _, theory, _ in self.items:
            iv = found[name]
            rel = f" ({iv.half_width / abs(theory):.1%})" if theory else ""
            print(f"  {name}: {iv}, half-width {iv.half_width:.3g}{rel}; theory {theory:.4g}")
        for name, _, theory, width in self.items:
            iv = found[name]
            bound = width * abs(theory) if theory else width
            assert iv.half_width <= bound, f"{name}: interval {iv} wider than ±{bound:.3g}; add replications"
            assert theory in iv, f"{name}: theory {theory:.4g} outside the interval {iv}"
        return found


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival waits in M/M/c with offered load a = λ/μ < c."""
    terms = [a**k / np.prod(np.arange(1, k + 1)) for k in range(c)]
    last = a**c / np.prod(np.arange(1, c + 1)) * c / (c - a)
    return float(last / (sum(terms) + last))


def mmc_sojourn(c: int, lam: float, mu: float) -> float:
    """Mean time in an M/M/c system: W = C(c, a)/(cμ − λ) + 1/μ, a = λ/μ."""
    return erlang_c(c, lam / mu) / (c * mu - lam) + 1.0 / mu


def staff_only(org: Organisation) -> None:
    """Let only staff who are not managers raise exceptions (a ``prepare`` hook).

    The builder lets every worker raise exceptions, heads and team leaders included
    (in proportion to their share of time on tasks), and a manager's exceptions start
    at its own desk, so a head's skip the team leader; keeping only plain staff makes
    every decision start at the bottom of the line.
    """
    workers = org.origin_agent
    keep = workers[org.agents.role[workers] < 0]
    counts = np.bincount(org.agents.home[keep], minlength=len(org.origin_ptr) - 1)
    org.origin_ptr[0] = 0
    np.cumsum(counts, out=org.origin_ptr[1:])
    org.origin_agent = keep.astype(workers.dtype)
