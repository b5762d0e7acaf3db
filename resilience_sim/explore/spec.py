"""What a sweep runs: factors, designs, replicates and their seeds.

A :class:`Factor` is one key varied over given values (``--grid KEY=v1,v2``) or over a
range or set of levels sampled by a Latin hypercube (``--sample KEY=low:high`` or
``--sample KEY=a,b,c``). A :class:`Plan` is the list of designs (one dict of values
each) times the replicates. Run ``i`` is design ``i // R``, replicate ``i % R``; the
replicate's seed is the same in every design (common random numbers) and comes from
``numpy.random.SeedSequence`` of the scenario's seed, so any run can be re-run alone
from its row: ``resilience-sim run SCENARIO --seed SEED --set KEY=VALUE …``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..results import replicate_seeds
from ..scenario import Scenario
from ..schema import ScenarioError
from .keys import param_of

NUMERIC = ("int", "float")


@dataclass(frozen=True)
class Factor:
    """One key a sweep varies.

    Attributes:
        key: dotted key (as ``--set``) or ``shock.components[I].FIELD``.
        kind: ``grid`` (every value) or ``sample`` (Latin hypercube).
        values: grid values, or the levels of a sampled categorical key.
        low: lower end of a sampled numeric range.
        high: upper end of a sampled numeric range.
        integer: a sampled value is rounded to a whole number.

    """

    key: str
    kind: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False

    def text(self) -> str:
        """The factor as written on the command line."""
        if self.kind == "sample" and self.low is not None:
            return f"{self.key}={self.low:g}:{self.high:g}"
        return f"{self.key}=" + ",".join(str(v) for v in self.values)


@dataclass(frozen=True)
class Plan:
    """Designs times replicates.

    Attributes:
        designs: one dict of key values per design.
        replicates: runs per design, each with its own seed.
        seed: the seed the replicate seeds are derived from.
        identity: what defines the plan (compared on ``--resume``).

    """

    designs: tuple
    replicates: int
    seed: int
    identity: dict = field(default_factory=dict)

    @property
    def n_runs(self) -> int:
        """Number of runs (designs × replicates)."""
        return len(self.designs) * self.replicates

    @property
    def keys(self) -> list[str]:
        """The keys the designs set, in order of first appearance."""
        return list(dict.fromkeys(k for d in self.designs for k in d))

    def seeds(self) -> list[int]:
        """The replicate seeds (the same in every design)."""
        return replicate_seeds(self.seed, self.replicates)

    def runs(self) -> Iterator[tuple[int, int, int, dict, int]]:
        """``(run_id, design, replicate, values, seed)`` of every run, in order."""
        seeds = self.seeds()
        for d, values in enumerate(self.designs):
            for r, seed in enumerate(seeds):
                yield d * self.replicates + r, d, r, values, seed


def parse_grid(item: str, scenario: Scenario) -> Factor:
    """``KEY=v1,v2,…`` → a grid factor (values checked against the declaration)."""
    key, text = _split(item, "--grid", "KEY=v1,v2,… e.g. policy.validation.steps=1,2,3")
    p = param_of(key, scenario, "--grid")
    values = tuple(dict.fromkeys(p.parse_text(v.strip(), "--grid") for v in text.split(",") if v.strip()))
    if not values:
        raise ScenarioError("--grid", key, "no values; write KEY=v1,v2,…")
    return Factor(key, "grid", values)


def parse_sample(item: str, scenario: Scenario) -> Factor:
    """``KEY=low:high`` (numeric) or ``KEY=a,b,c`` (levels) → a sampled factor."""
    key, text = _split(item, "--sample", "KEY=low:high e.g. policy.freedom.risk_limit=0:0.5")
    p = param_of(key, scenario, "--sample")
    if p.kind in NUMERIC:
        if ":" not in text:
            raise ScenarioError("--sample", key, f"expected a range low:high (got {text!r}), e.g. {key}=0:1")
        lo_text, hi_text = text.split(":", 1)
        low, high = (p.parse_text(t.strip(), "--sample") for t in (lo_text, hi_text))
        if low > high:
            raise ScenarioError("--sample", key, f"low {low:g} > high {high:g}; write {key}=LOW:HIGH with "
                                "LOW ≤ HIGH")
        return Factor(key, "sample", (), float(low), float(high), p.kind == "int")
    levels = tuple(dict.fromkeys(p.parse_text(v.strip(), "--sample") for v in text.split(",") if v.strip()))
    if not levels:
        raise ScenarioError("--sample", key, "no levels; write KEY=a,b,c")
    return Factor(key, "sample", levels)


def _split(item: str, source: str, example: str) -> tuple[str, str]:
    if "=" not in item:
        raise ScenarioError(source, item, f"expected {example}")
    key, text = item.split("=", 1)
    return key.strip(), text.strip()


def make_plan(factors: list[Factor], replicates: int, seed: int, samples: int = 0) -> Plan:
    """Every combination of the grid factors, times a Latin hypercube of the sampled ones."""
    grid = [f for f in factors if f.kind == "grid"]
    sampled = [f for f in factors if f.kind == "sample"]
    points = [dict(zip([f.key for f in grid], combo, strict=True))
              for combo in itertools.product(*[f.values for f in grid])]
    lhs = latin_hypercube(sampled, samples, seed) if sampled else [{}]
    designs = tuple({**p, **s} for p in points for s in lhs)
    identity = {"method": "sweep", "factors": [f.text() for f in factors],
                "kinds": [f.kind for f in factors], "samples": samples if sampled else 0}
    return Plan(designs, replicates, seed, identity)



def latin_hypercube(factors: list[Factor], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` designs of a Latin hypercube over the sampled factors.

    Each factor's range is cut into ``n`` equal strata; each stratum is used once, at a
    uniform point inside it, the strata paired at random across factors. Levels of a
    categorical factor are equal slices of [0, 1). The draws come from a SeedSequence of
    ``seed``, so the designs are the same on every machine.
    """
    if n < 1:
        raise ScenarioError("--samples", "N", "a Latin hypercube needs --samples N ≥ 1")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5A3]))
    columns = {}
    for f in factors:
        u = (rng.permutation(n) + rng.random(n)) / n
        if f.low is not None:
            x = f.low + u * (f.high - f.low)
            columns[f.key] = [int(v) for v in np.clip(np.rint(x), f.low, f.high)] if f.integer else \
                [float(v) for v in x]
        else:
            columns[f.key] = [f.values[int(v)] for v in np.minimum(u * len(f.values), len(f.values) - 1)]
    return [{k: columns[k][i] for k in columns} for i in range(n)]
