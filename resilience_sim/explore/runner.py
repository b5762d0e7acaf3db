"""Run a plan: batches of runs on a backend, rows streamed to the store, resumable.

:func:`sweep` writes the manifest, skips the runs already in the store (``resume``),
measures one run to size the batches (a task carries about a second of work), hands
the batches to the backend a few at a time and writes each finished batch as one
Parquet part. The driver holds the ids of the finished runs and at most a few batches:
its memory does not grow with the results. A run that raises is a row with status
``failed`` and its error; the sweep goes on.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from .. import __version__
from ..params import PARAMS
from ..scenario import Scenario
from .allocator import settle
from .backends import Backend, Serial
from .keys import param_of
from .models import simulate
from .spec import Plan
from .store import FORMAT, RUN_COLUMNS, Store, arrow_type

_PARAM_TYPES = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string(),
                "choice": pa.string()}
TARGET_TASK_S = 1.0  # seconds of work per task


@dataclass
class SweepReport:
    """What a sweep did.

    Attributes:
        folder: the sweep folder.
        runs: runs in the plan.
        skipped: runs already done before this call (resume).
        done: runs finished by this call.
        failed: runs of this call that raised.
        batch: runs per task.
        seconds: wall time of this call.

    """

    folder: Path
    runs: int
    skipped: int
    done: int
    failed: int
    batch: int
    seconds: float


def flatten(summary: dict, prefix: str = "") -> dict:
    """Nested dicts and lists as one level of dotted keys.

    ``decisions_by_type.exception.settled``; a list's items are numbered from 0, so the
    second shock's loss is ``shocks.1.area_lost``.
    """
    out = {}
    for key, value in summary.items():
        if isinstance(value, (list, tuple)):
            value = {str(i): v for i, v in enumerate(value)}
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def run_batch(model: Callable, scenario: Scenario, runs: list[tuple], series: bool = False) -> tuple[list, list]:
    """Run a batch; return (rows, daily tables). A run that raises gives a ``failed`` row."""
    settle()
    rows, tables = [], []
    for run_id, design, replicate, values, seed in runs:
        row = {"run_id": run_id, "design": design, "replicate": replicate, "seed": seed, **values}
        start = time.perf_counter()
        try:
            summary, table = model(scenario, values, seed, series)
            row.update({k: v for k, v in flatten(summary).items() if k not in row})
            row["status"] = "ok"
            if table is not None:
                tables.append(table.assign(run_id=run_id)[["run_id", *table.columns]])
        except Exception as err:  # a run's failure is a result, not the sweep's end
            row.update(status="failed", error=f"{type(err).__name__}: {err}"[:2000],
                       traceback="".join(traceback.format_exception(err))[-4000:])
        row["elapsed_s"] = time.perf_counter() - start
        rows.append(row)
    return rows, tables


def model_name(model: Callable) -> str:
    """A model's name as recorded in the manifest (``module:function``)."""
    return f"{model.__module__}:{model.__name__}"


def manifest_of(scenario: Scenario, plan: Plan, model: Callable, series: bool, command: str | None) -> dict:
    """The manifest of a sweep (what ``--resume`` compares, and where the rows come from)."""
    return {
        "format": FORMAT, "kind": "resilience_sim sweep", "model": model_name(model), "series": series,
        "scenario": {"name": scenario.name, "source": scenario.source, "params": dict(scenario.params),
                     "shocks": [dict(c) for c in scenario.shocks], "services": [dict(c) for c in scenario.services],
                     "institutions": [dict(c) for c in scenario.institutions],
                     "twinning": [dict(c) for c in scenario.twinning]},
        "plan": {**plan.identity, "replicates": plan.replicates, "seed": plan.seed, "runs": plan.n_runs,
                 "keys": plan.keys},
        "version": {"resilience_sim": __version__, "git": _git_commit()},
        "command": command if command is not None else " ".join(sys.argv),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "outcomes": {},
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def sweep(scenario: Scenario, plan: Plan, out: str | Path, backend: Backend | None = None,
          model: Callable = simulate, series: bool = False, resume: bool = False, batch: int | None = None,
          progress: Callable[[int, int], None] | None = None, command: str | None = None,
          validate_keys: bool = True, start: Callable[[int, int], None] | None = None) -> SweepReport:
    """Run every run of ``plan`` not yet in ``out``; rows go to ``out/runs`` as they finish.

    Args:
        scenario: the base scenario.
        plan: designs × replicates.
        out: the sweep folder (created; with ``resume``, continued).
        backend: where runs go (serial if None).
        model: the function of one run (:mod:`.models`).
        series: also store the daily series of every run.
        resume: continue the sweep in ``out`` (refused if it is a different sweep).
        batch: runs per task (default: about one second of work, measured on the first run).
        progress: called with (runs finished, of which failed) after every batch.
        command: the command recorded in the manifest (default: ``sys.argv``).
        validate_keys: check the plan's keys against the declared parameters.
        start: called with (runs in the plan, runs already done) once the folder is accepted.

    """
    began = time.perf_counter()
    backend = backend or Serial()
    if validate_keys:
        for key in plan.keys:
            param_of(key, scenario, "sweep")
    store = Store(out)
    manifest = store.open(manifest_of(scenario, plan, model, series, command), resume)
    done = store.done()
    pending = [r for r in plan.runs() if r[0] not in done]
    schema = _schema(plan, manifest, validate_keys)
    report = SweepReport(store.folder, plan.n_runs, len(done), 0, 0, batch or 0, 0.0)
    if start:
        start(plan.n_runs, len(done))

    def record(rows: list[dict], tables: list) -> None:
        nonlocal schema
        schema = _grow_schema(schema, rows, store, manifest)
        store.write(rows, schema, tables)
        failed = sum(r["status"] == "failed" for r in rows)
        report.done += len(rows)
        report.failed += failed
        if progress:
            progress(len(rows), failed)

    if pending and not batch:  # one run here sizes the batches and fills the compiled-code cache
        t0 = time.perf_counter()
        record(*run_batch(model, scenario, pending[:1], series))
        pending = pending[1:]
        batch = _batch_size(time.perf_counter() - t0, len(pending), backend.workers)
        report.batch = batch
    batches = [pending[i:i + batch] for i in range(0, len(pending), batch)]
    backend.map_batches(run_batch, model, scenario, batches, series, record)
    manifest["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds") if \
        report.skipped + report.done == plan.n_runs else None
    store.write_manifest(manifest)
    report.seconds = time.perf_counter() - began
    return report


def _batch_size(seconds_per_run: float, pending: int, workers: int) -> int:
    """Runs per task: about TARGET_TASK_S of work, but at least one task per worker."""
    per_second = math.ceil(TARGET_TASK_S / max(seconds_per_run, 1e-6))
    return max(1, min(per_second, math.ceil(pending / max(workers, 1))))


def _schema(plan: Plan, manifest: dict, declared: bool) -> pa.Schema:
    fields = list(RUN_COLUMNS.items())
    for key in plan.keys:
        p = PARAMS.get(key)
        if p is None and declared:
            from ..params import SHOCK_FIELDS

            p = SHOCK_FIELDS[key.rsplit(".", 1)[1]]
        fields.append((key, _PARAM_TYPES[p.kind] if p else pa.float64()))
    fields.append(("traceback", pa.string()))
    fields += [(k, pa.string() if t == "string" else pa.bool_() if t == "bool" else pa.float64())
               for k, t in manifest["outcomes"].items() if k not in dict(fields)]
    return pa.schema(fields)


def _grow_schema(schema: pa.Schema, rows: list[dict], store: Store, manifest: dict) -> pa.Schema:
    """Add the outcome columns first seen in ``rows`` (recorded in the manifest)."""
    new = {}
    for row in rows:
        for key, value in row.items():
            if key not in schema.names and (key not in new or new[key] == pa.null()):
                new[key] = pa.null() if value is None else arrow_type(value)
    new = {k: pa.float64() if t == pa.null() else t for k, t in new.items()}  # None: a number not known
    if not new:
        return schema
    manifest["outcomes"].update({k: str(t) for k, t in new.items()})
    store.write_manifest(manifest)
    return pa.schema(list(schema) + [pa.field(k, t) for k, t in new.items()])
