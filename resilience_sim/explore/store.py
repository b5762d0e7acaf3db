"""The result store of a sweep: a manifest and Parquet datasets written run by run.

Layout of a sweep folder::

    manifest.json        scenario, plan, code version, command, outcome columns
    runs/part-*.parquet  one row per run (parameters, seed, status, error, outcomes)
    series/part-*.parquet  daily series of each run (when asked), same part names

Each part is one batch of runs, written under a temporary name and renamed into place:
a sweep killed at any moment leaves only whole parts, and a run counts as done exactly
when its row is in a part. Parts may differ by a few outcome columns (an outcome first
seen in a later batch, such as the decisions settled at a level no earlier run used):
read the rows with :func:`read_runs` (pandas, columns unified), or with polars
``pl.concat([pl.read_parquet(p) for p in sorted(glob("DIR/runs/part-*.parquet"))], how="diagonal_relaxed")``.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..results import atomic_file
from ..schema import ScenarioError

FORMAT = 1
MANIFEST = "manifest.json"
#: columns every row has, before the parameters and the outcomes
RUN_COLUMNS = {"run_id": pa.int64(), "design": pa.int64(), "replicate": pa.int64(), "seed": pa.int64(),
               "status": pa.string(), "error": pa.string(), "elapsed_s": pa.float64()}
_TMP = ".tmp-"


class Store:
    """A sweep folder being written.

    Args:
        folder: the sweep folder.

    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.runs = self.folder / "runs"
        self.series = self.folder / "series"

    def manifest(self) -> dict | None:
        """The manifest, or None if the folder holds no sweep."""
        path = self.folder / MANIFEST
        return json.loads(path.read_text()) if path.is_file() else None

    def write_manifest(self, manifest: dict) -> None:
        """Write the manifest whole (temporary file renamed into place)."""
        atomic_file(self.folder / MANIFEST, lambda p: p.write_text(json.dumps(manifest, indent=2, default=str)))

    def open(self, manifest: dict, resume: bool) -> dict:
        """Start a new sweep, or check that ``--resume`` continues the same one.

        Returns the manifest in force. Raises ScenarioError (nothing written) if the
        folder holds something else, or another sweep.
        """
        old = self.manifest()
        if old is None:
            if self.folder.exists() and any(self.folder.iterdir()):
                raise ScenarioError(str(self.folder), "--out", "exists and is not a sweep folder; choose another "
                                    "--out (nothing was written)")
            self.runs.mkdir(parents=True, exist_ok=True)
            self.write_manifest(manifest)
            return manifest
        if not resume:
            raise ScenarioError(str(self.folder), "--out", "holds a sweep already; add --resume to continue it, "
                                "or choose another --out (nothing was written)")
        difference = differences(old, manifest)
        if difference:
            raise ScenarioError(str(self.folder) + "/" + MANIFEST, "--resume",
                                f"this folder holds a different sweep: {difference}; run the same command "
                                "as before, or choose another --out (nothing was written)")
        self._clean()
        return old

    def _clean(self) -> None:
        """Remove parts left half-written by a killed sweep, and series without their rows."""
        done = {p.name for p in self.runs.glob("part-*.parquet")}
        for folder in (self.runs, self.series):
            for tmp in folder.glob(f"{_TMP}part-*.parquet"):
                tmp.unlink()
        for part in self.series.glob("part-*.parquet"):
            if part.name not in done:
                part.unlink()

    def done(self) -> set[int]:
        """Run ids with a row already written."""
        ids: set[int] = set()
        for part in sorted(self.runs.glob("part-*.parquet")):
            ids.update(pq.read_table(part, columns=["run_id"]).column(0).to_pylist())
        return ids

    def write(self, rows: list[dict], schema: pa.Schema, series: list | None = None) -> Path:
        """Write one batch: its series part (if any), then its rows part."""
        name = f"part-{min(r['run_id'] for r in rows):08d}-{uuid.uuid4().hex[:8]}.parquet"
        if series:
            import pandas as pd

            self.series.mkdir(exist_ok=True)
            _write_table(pa.Table.from_pandas(pd.concat(series, ignore_index=True), preserve_index=False),
                         self.series / name)
        table = pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)
        return _write_table(table, self.runs / name)


def _write_table(table: pa.Table, path: Path) -> Path:
    tmp = path.with_name(_TMP + path.name)
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


def differences(old: dict, new: dict) -> str:
    """The first thing that makes two sweep manifests different sweeps, in words ('' if none)."""
    if old.get("format") != new.get("format"):
        return f"format {old.get('format')} vs {new.get('format')}"
    for key in ("model", "series"):
        if old.get(key) != new.get(key):
            return f"{key}: folder {old.get(key)!r}, command {new.get(key)!r}"
    o, n = old["scenario"], new["scenario"]
    if o["name"] != n["name"]:
        return f"scenario {o['name']!r} in the folder, {n['name']!r} in the command"
    for key in sorted(set(o["params"]) | set(n["params"])):
        if o["params"].get(key) != n["params"].get(key):
            return f"{key} is {o['params'].get(key)!r} in the folder, {n['params'].get(key)!r} in the command"
    for key in ("shocks", "services", "institutions", "twinning"):
        if o.get(key) != n.get(key):
            return f"the scenario's {key} differ"
    for key in sorted(set(old["plan"]) | set(new["plan"])):
        if old["plan"].get(key) != new["plan"].get(key):
            return f"plan {key} is {old['plan'].get(key)!r} in the folder, {new['plan'].get(key)!r} in the command"
    return ""


def arrow_type(value: Any) -> pa.DataType:
    """The column type of an outcome value: numbers are float64, text is string."""
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, (int, float)) or value is None:
        return pa.float64()
    return pa.string()


def read_runs(folder: str | Path, columns: list[str] | None = None):
    """The rows of a sweep as a pandas DataFrame, one per run, in run order."""
    return _read(Path(folder) / "runs", columns).sort_values("run_id", ignore_index=True)


def read_series(folder: str | Path, columns: list[str] | None = None):
    """The daily series of a sweep run with ``--series`` (pandas), by run and day."""
    return _read(Path(folder) / "series", columns).sort_values(["run_id", "day"], ignore_index=True)


def _read(folder: Path, columns: list[str] | None):
    import pyarrow.dataset as ds

    parts = sorted(folder.glob("part-*.parquet"))
    if not parts:
        raise ScenarioError(str(folder), "parts", "no results yet; run the sweep first")
    schema = pa.unify_schemas([pq.read_schema(p) for p in parts], promote_options="permissive")
    return ds.dataset(parts, schema=schema, format="parquet").to_table(columns=columns).to_pandas()
