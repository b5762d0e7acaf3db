"""EMA Workbench adapter: the model as a workbench ``Model``, evaluated through this package's backends.

:func:`workbench_model` declares uncertainties and levers by key (as ``--set``, or
``shock.components[I].FIELD``) and outcomes by summary key; its function runs the
simulation (averaged over replicates with the seeds of a sweep). :class:`BackendEvaluator`
hands the workbench's experiments to a :mod:`.backends` backend (serial, local processes,
Dask) in batches, through the same runner as ``sweep``. Then ``ema_workbench.analysis.prim``
finds the region of shocks where a design fails::

    model = workbench_model(scenario, {"shock.components[1].value": (0, 0.3)}, {}, ["min_performance"])
    # names in the workbench's tables are identifiers: shock_components_1_value
    with Dask(None, 2) as backend, BackendEvaluator(model, backend) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=200)
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np
from ema_workbench import CategoricalParameter, IntegerParameter, Model, RealParameter, ScalarOutcome
from ema_workbench.em_framework.evaluators import BaseEvaluator

from ..results import replicate_seeds
from ..scenario import Scenario
from .backends import Backend
from .keys import param_of
from .models import simulate
from .runner import flatten, run_batch

#: columns ema_workbench adds to the experiments table (drop them before PRIM)
WORKBENCH_COLUMNS = ["scenario", "policy", "model"]


class WorkbenchRun:
    """The workbench model's function: outcomes of a design averaged over replicates.

    Args:
        scenario: the base scenario.
        outcomes: summary keys returned (dotted for nested ones).
        replicates: seeds per experiment (from the scenario's seed, as a sweep's).

    """

    def __init__(self, scenario: Scenario, outcomes: list[str], replicates: int = 1):
        self.scenario, self.outcomes, self.replicates = scenario, list(outcomes), replicates

    def seeds(self) -> list[int]:
        """The replicate seeds."""
        return replicate_seeds(self.scenario["run.seed"], self.replicates)

    def __call__(self, **values) -> dict[str, float]:
        """Run every replicate of the design ``values``; return the mean of each outcome."""
        rows = [flatten(simulate(self.scenario, values, seed)[0]) for seed in self.seeds()]
        return mean_outcomes(rows, self.outcomes)


def mean_outcomes(rows: Iterable[dict], outcomes: list[str]) -> dict[str, float]:
    """Mean of each outcome over rows (NaN where a run failed or has no value)."""
    rows = list(rows)
    out = {}
    for key in outcomes:
        vals = [r.get(key) for r in rows if r.get("status", "ok") == "ok"]
        nums = [float(v) for v in vals if v is not None]
        out[key] = float(np.mean(nums)) if nums and len(nums) == len(rows) else math.nan
    return out


def workbench_name(key: str) -> str:
    """The workbench name of a key, a Python identifier (``policy.validation.steps`` → ``policy_validation_steps``)."""
    return re.sub(r"\W+", "_", key).strip("_")


def _parameter(key: str, spec, scenario: Scenario):
    p = param_of(key, scenario, "workbench")
    name = workbench_name(key)
    if isinstance(spec, (list, tuple)) and spec and all(isinstance(v, str) for v in spec):
        return CategoricalParameter(name, list(spec), variable_name=key)
    low, high = (p.check(v, "workbench", key) for v in spec)
    cls = IntegerParameter if p.kind == "int" else RealParameter
    return cls(name, low, high, variable_name=key)


def workbench_model(scenario: Scenario, uncertainties: dict, levers: dict | None, outcomes: list[str],
                    replicates: int = 1, name: str = "resilience_sim") -> Model:
    """An ema_workbench Model of ``scenario``.

    Args:
        scenario: the base scenario (what is not an uncertainty or a lever).
        uncertainties: key → (low, high) or a list of levels.
        levers: key → (low, high) or a list of levels (designs).
        outcomes: summary keys (``min_performance``, ``unmet_essential``, …).
        replicates: seeds averaged per experiment.
        name: model name (a Python identifier).

    """
    model = Model(name, function=WorkbenchRun(scenario, outcomes, replicates))
    model.uncertainties = [_parameter(k, v, scenario) for k, v in uncertainties.items()]
    model.levers = [_parameter(k, v, scenario) for k, v in (levers or {}).items()]
    model.outcomes = [ScalarOutcome(workbench_name(k), variable_name=k) for k in outcomes]
    return model


class BackendEvaluator(BaseEvaluator):
    """Evaluate a workbench model's experiments on a backend (serial, processes, Dask).

    Args:
        model: a model from :func:`workbench_model`.
        backend: where the runs go; the caller opens and closes it.
        batch: runs per task (default: four tasks per worker).

    """

    def __init__(self, model: Model, backend: Backend, batch: int | None = None):
        super().__init__(model)
        if not isinstance(model.function, WorkbenchRun):
            raise TypeError("BackendEvaluator needs a model made by workbench_model")
        self.backend, self.batch = backend, batch

    def initialize(self) -> None:
        """Nothing to start: the backend is the caller's."""

    def finalize(self) -> None:
        """Nothing to stop: the backend is the caller's."""

    def evaluate_experiments(self, experiments: Iterable, callback: Callable, **kwargs) -> None:
        """Run every experiment's replicates in batches; call back with each experiment's mean outcomes."""
        model = self._msis[0]
        run = model.function
        keys = {p.name: p.variable_name[0] for p in [*model.uncertainties, *model.levers]}
        names = {workbench_name(k): k for k in run.outcomes}
        experiments = list(experiments)
        seeds = run.seeds()
        runs = [(i * len(seeds) + r, i, r, {keys.get(k, k): v for k, v in
                                             {**_values(e.scenario), **_values(e.policy)}.items()}, seed)
                for i, e in enumerate(experiments) for r, seed in enumerate(seeds)]
        size = self.batch or max(1, math.ceil(len(runs) / (4 * self.backend.workers)))
        batches = [runs[i:i + size] for i in range(0, len(runs), size)]
        pending: dict[int, list] = defaultdict(list)

        def record(rows: list[dict], tables: list) -> None:
            for row in rows:
                pending[row["design"]].append(row)
                if len(pending[row["design"]]) == len(seeds):
                    means = mean_outcomes(pending.pop(row["design"]), run.outcomes)
                    callback(experiments[row["design"]], {n: means[k] for n, k in names.items()})

        self.backend.map_batches(run_batch, simulate, run.scenario, batches, False, record)


def _values(sample) -> dict:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in dict(sample or {}).items()}
