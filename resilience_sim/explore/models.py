"""The functions a sweep evaluates for one run.

A model is a module-level function ``model(scenario, values, seed, series)`` returning
``(summary, table)``: the run's summary (a dict, nested dicts allowed) and its daily
table (a DataFrame, or None when ``series`` is False). :func:`simulate` runs the
simulation; :func:`ishigami` is a function with known Sobol indices that checks the
sensitivity pipeline end to end.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ..scenario import Scenario
from .keys import apply_values


def simulate(scenario: Scenario, values: dict[str, Any], seed: int, series: bool = False):
    """Run ``scenario`` with ``values`` set and seed ``seed``; return (summary, daily table)."""
    from ..results import run

    result = run(apply_values(scenario, {**values, "run.seed": seed}))
    return result.summary, (result.table if series else None)


def fork(state: str):
    """A model that continues the saved state ``state`` (see :mod:`..checkpoint`) with the values set."""
    return _Fork(state)


class _Fork:
    """Continue a saved state with a design's values (a picklable model)."""

    def __init__(self, state: str):
        self.state = state
        self.__name__ = f"fork:{state}"

    def __call__(self, scenario: Scenario, values: dict[str, Any], seed: int, series: bool = False):
        from ..checkpoint import resume_run

        result = resume_run(self.state, {**values, "run.seed": seed})
        return result.summary, (result.table if series else None)


ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(scenario: Scenario, values: dict[str, float], seed: int, series: bool = False):
    """The Ishigami function of ``x1, x2, x3`` in [-π, π] (a = 7, b = 0.1): known Sobol indices.

    First order S1 = 0.3139, S2 = 0.4424, S3 = 0; total ST1 = 0.5576, ST2 = 0.4424,
    ST3 = 0.2437 (Ishigami & Homma 1990; Saltelli et al. 2008). ``seed`` is ignored.
    """
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3 ** 4 * math.sin(x1)
    return {"y": y, "nested": {"x1_squared": x1 * x1}}, None


def slow_ishigami(scenario: Scenario, values: dict[str, float], seed: int, series: bool = False):
    """:func:`ishigami` taking 20 ms of wall time (to test sweeps interrupted mid-way)."""
    time.sleep(0.02)
    return ishigami(scenario, values, seed, series)
