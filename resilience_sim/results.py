"""Runs to results: the daily table, the summary, outputs on disk, ensembles.

``run(scenario)`` gives a :class:`RunResult`; ``write(result, folder)`` writes
``summary.json``, ``timeseries.csv``, ``performance.png``, ``queues.png`` (decisions
waiting by level) and ``flows.png`` (redeployments from service to service) into a temporary folder
renamed into place at the end, so a failed run never leaves half an output folder.
``replicates(scenario, r, jobs)`` runs ``r`` seeds derived from the scenario's seed
with ``numpy.random.SeedSequence``, in local processes; the results do not depend on
``jobs``.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .engine import Simulation
from .kernels.context import (
    COUNT_ARRIVED,
    COUNT_COMPLETED,
    COUNT_CREATED,
    COUNT_PROCESSED,
    COUNT_SETTLED_LOCALLY,
    COUNT_TACIT,
    COUNT_WITHDRAWN,
)
from .kernels.record import columns
from .metrics import summarise
from .organisation import Organisation, describe
from .scenario import Scenario


def timeseries_columns() -> tuple[str, ...]:
    """Columns of timeseries.csv, in order: the day, its date and the daily table's columns."""
    return ("day", "date") + columns()


@dataclass
class RunResult:
    """One run: its scenario, daily table and summary.

    Attributes:
        scenario: the scenario that was run.
        table: one row a day, columns ``timeseries_columns()``.
        summary: resilience measures and costs (see :mod:`.metrics`).
        crisis: True on days when a shock component is active.

    """

    scenario: Scenario
    table: pd.DataFrame
    summary: dict
    crisis: np.ndarray
    flows: np.ndarray | None = None
    families: list[str] | None = None


def run(scenario: Scenario, progress: Callable[[int], None] | None = None,
        org: Organisation | None = None) -> RunResult:
    """Run a scenario to its horizon (on ``org`` if it is already built)."""
    sim = Simulation(scenario, org)
    sim.run(progress)
    return collect(sim)


def summary(sim: Simulation) -> dict:
    """The summary of a finished (or partly run) simulation (see :mod:`.metrics`)."""
    s = sim.scenario
    c = sim.buffers.counts
    counts = {"tasks_arrived": c[COUNT_ARRIVED], "tasks_processed": c[COUNT_PROCESSED],
              "decisions_created": c[COUNT_CREATED], "decisions_completed_total": c[COUNT_COMPLETED],
              "decisions_withdrawn": c[COUNT_WITHDRAWN], "settled_locally": c[COUNT_SETTLED_LOCALLY],
              "tacit_approvals": c[COUNT_TACIT]}
    return {"scenario": s.name, "seed": s["run.seed"], "days": int(sim.day),
            **{f"organisation_{k}": v for k, v in describe(sim.org).items() if k != "managers_by_level"},
            **summarise(sim.out[: sim.day], sim.buffers, s.onset, s.params, counts)}


def collect(sim: Simulation) -> RunResult:
    """Results of a finished (or partly run) simulation."""
    s = sim.scenario
    out = sim.out[: sim.day]
    summary_ = summary(sim)
    start = dt.date.fromisoformat(s["run.start_date"])
    table = pd.DataFrame(out, columns=list(columns()))
    table.insert(0, "date", [(start + dt.timedelta(days=d)).isoformat() for d in range(len(out))])
    table.insert(0, "day", np.arange(len(out)))
    return RunResult(s, table, summary_, sim.conditions.crisis[: sim.day], sim.buffers.flows.copy(),
                     list(sim.net.family_names))


def write(result: RunResult, folder: str | Path, lang: str = "en",
          extra: Callable[[Path], None] | None = None) -> Path:
    """Write a run's outputs into ``folder`` atomically; return the folder."""
    import matplotlib.pyplot as plt

    from .figures import flows_figure, performance_figure, queues_figure

    def fill(tmp: Path) -> None:
        (tmp / "summary.json").write_text(json.dumps(result.summary, indent=2, default=_json))
        result.table.to_csv(tmp / "timeseries.csv", index=False, float_format="%.6g")
        for name, make in (("performance.png", performance_figure), ("queues.png", queues_figure),
                           ("flows.png", flows_figure)):
            fig = make(result, lang)
            fig.savefig(tmp / name, dpi=120)
            plt.close(fig)
        if extra is not None:
            extra(tmp)

    return atomic_folder(folder, fill)


def atomic_folder(folder: str | Path, fill: Callable[[Path], None]) -> Path:
    """Fill a temporary sibling folder, then rename it to ``folder``."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        fill(tmp)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def atomic_file(path: Path, write_to: Callable[[Path], None]) -> Path:
    """Write a file through a temporary sibling renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write_to(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _json(v):
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    raise TypeError(f"not serialisable: {v!r}")


def replicate_seeds(seed: int, r: int) -> list[int]:
    """``r`` run seeds derived from ``seed`` (SeedSequence), in a fixed order."""
    children = np.random.SeedSequence(seed).spawn(r)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def _summary_of(scenario: Scenario) -> dict:
    return run(scenario).summary


def replicates(scenario: Scenario, r: int, jobs: int = 1,
               progress: Callable[[int], None] | None = None) -> list[dict]:
    """Summaries of ``r`` replicates (seeds from ``replicate_seeds``), in seed order."""
    runs = [scenario.with_values({"run.seed": s}) for s in replicate_seeds(scenario["run.seed"], r)]
    return run_many(runs, jobs, progress)


def run_many(scenarios: list[Scenario], jobs: int = 1,
             progress: Callable[[int], None] | None = None, worker: Callable[[Scenario], Any] | None = None) -> list:
    """Summaries of several runs, in the order given, in ``jobs`` local processes.

    ``worker`` (a module-level function of a scenario, default: its run's summary) says
    what to keep of each run.
    """
    worker = worker or _summary_of
    if jobs <= 1:
        out = []
        for sc in scenarios:
            out.append(worker(sc))
            if progress:
                progress(1)
        return out
    # the first run here compiles the kernels (or loads them) once, into the shared cache
    out = [worker(scenarios[0])] if scenarios else []
    if progress and out:
        progress(1)
    context = multiprocessing.get_context("forkserver")  # no fork of a threaded parent
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        for summary in pool.map(worker, scenarios[1:]):
            out.append(summary)
            if progress:
                progress(1)
        return out


def ensemble(summaries: list[dict]) -> dict:
    """Median and 90 % band (5th–95th percentiles) of every numeric summary key.

    ``missing`` counts replicates where the key is None (e.g. never recovered).
    """
    out = {"replicates": len(summaries)}
    for key in summaries[0]:
        if key in ("seed", "scenario"):
            continue
        vals = [s.get(key) for s in summaries]
        nums = [float(v) for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not nums:
            continue
        arr = np.array(nums)
        out[key] = {"median": float(np.median(arr)), "p05": float(np.percentile(arr, 5)),
                    "p95": float(np.percentile(arr, 95)), "n": len(nums),
                    "missing": len(vals) - len(nums)}
    return out
