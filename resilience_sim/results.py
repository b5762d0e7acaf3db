"""Runs to results: the daily table, the summary, outputs on disk, ensembles.

``run(scenario)`` gives a :class:`RunResult`; ``write(result, folder)`` writes
``summary.json``, ``timeseries.csv``, ``performance.png``, ``queues.png`` (decisions
waiting by level) and ``flows.png`` (redeployments from service to service) — with
initiatives on, also ``initiatives.csv`` (the event log) and ``initiatives.png`` — into a temporary folder
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
import signal
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import initiatives
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
from .kernels.record import COL, columns
from .metrics import second_shock, shock_episodes, summarise
from .organisation import Organisation, describe
from .scenario import Scenario
from .schema import ScenarioError


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
    initiatives: pd.DataFrame | None = None  # the event log, when initiatives are on


def prepare(scenario: Scenario, org: Organisation | None = None) -> Simulation:
    """A simulation ready to run.

    Every check a run makes (organisation, decision rules, mobility, shocks) is made
    here, before any long work; ``validate`` stops here.
    """
    return Simulation(scenario, org)


def run(scenario: Scenario, progress: Callable[[int], None] | None = None,
        org: Organisation | None = None, sim: Simulation | None = None) -> RunResult:
    """Run a scenario to its horizon (on ``org`` if it is already built, or ``sim`` if prepared)."""
    sim = sim if sim is not None else prepare(scenario, org)
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
    episodes = shock_episodes(s.shocks, s["run.days"])
    measures = summarise(sim.out[: sim.day], sim.buffers, s.onset, s.params, counts, episodes,
                         *normal_days(sim, episodes))
    performance = sim.out[: sim.day, COL["performance"]]
    return {"scenario": s.name, "seed": s["run.seed"], "days": int(sim.day),
            **{f"organisation_{k}": v for k, v in describe(sim.org).items() if k != "managers_by_level"},
            **measures, **initiatives.outcomes(sim),
            **second_shock(performance, sim.conditions.crisis, measures["p0"])}


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
                     list(sim.net.family_names),
                     initiatives.event_table(sim) if s["initiatives.enabled"] else None)


def normal_days(sim: Simulation, episodes: list[tuple[int, int]]) -> tuple[float | None, np.ndarray | None]:
    """P0 and the normal days' table when the first shock leaves less than a warm-up before it.

    They come from the same seed run without any shock component for ``run.warmup``
    days (kept on ``sim``: computed once); (None, None) when the run's own pre-shock
    days suffice.
    """
    warm = max(sim.scenario["run.warmup"], 1)
    if not episodes or episodes[0][0] >= warm:
        return None, None
    if getattr(sim, "_normal_days", None) is None:
        quiet = Simulation(replace(sim.scenario, shocks=()).with_values({"run.days": warm}))
        quiet.run()
        sim._normal_days = (float(np.mean(quiet.out[:, COL["performance"]])), quiet.out.copy())
    return sim._normal_days


def write(result: RunResult, folder: str | Path, lang: str = "en",
          extra: Callable[[Path], None] | None = None, force: bool = False) -> Path:
    """Write a run's outputs into ``folder`` atomically (see :func:`atomic_folder`); return the folder."""
    from .figures import flows_figure, initiatives_figure, performance_figure, queues_figure

    def fill(tmp: Path) -> None:
        (tmp / "summary.json").write_text(json.dumps(result.summary, indent=2, default=_json))
        result.table.to_csv(tmp / "timeseries.csv", index=False, float_format="%.6g")
        for name, make in (("performance.png", performance_figure), ("queues.png", queues_figure),
                           ("flows.png", flows_figure)):
            fig = make(result, lang)
            fig.savefig(tmp / name, dpi=120)
        if result.initiatives is not None:
            result.initiatives.to_csv(tmp / "initiatives.csv", index=False)
            fig = initiatives_figure(result, lang)
            fig.savefig(tmp / "initiatives.png", dpi=120)
        if extra is not None:
            extra(tmp)

    return atomic_folder(folder, fill, force)


#: the mark of an output folder written by the tool: the files it wrote, so that a later
#: run recognises a previous output and never deletes a file the tool did not write
MANIFEST = ".resilience-sim-outputs.json"


class OutputFolderError(ScenarioError):
    """An output folder the tool may not write into (exit code 2, like a bad input)."""


def check_output_folder(folder: str | Path, force: bool = False) -> None:
    """The output-folder rule, checked before any long work.

    A folder may receive the tool's outputs if it does not exist, is empty, or is a
    previous output of the tool (it holds the manifest ``MANIFEST`` and nothing else
    than the files listed there). Any other existing folder is refused unless
    ``force``; even then, files the tool did not write are kept (see
    :func:`atomic_folder`).

    Args:
        folder: the output folder.
        force: write into a folder that holds other files (``--force``).

    Raises:
        OutputFolderError: the folder is a file, or holds files the tool did not write
            and ``force`` is False.

    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(str(folder), "--out", "is a file, not a folder; choose a folder name")
    foreign = _foreign_files(folder)
    if foreign and not force:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise OutputFolderError(str(folder), "--out",
                                f"the folder exists and holds files resilience-sim did not write ({shown}); "
                                "choose a new folder, or add --force to write into it (those files are kept)")


def _tool_files(folder: Path) -> set[str]:
    """Files listed in a folder's manifest (relative paths), empty if there is none."""
    try:
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {str(f) for f in listed} if isinstance(listed, list) else set()


def _foreign_files(folder: Path) -> list[str]:
    """Entries of ``folder`` (relative paths, sorted) the tool did not write."""
    if not folder.is_dir():
        return []
    mine = _tool_files(folder) | {MANIFEST}
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if not p.is_dir() and str(p.relative_to(folder)) not in mine
                  or p.is_dir() and not any(p.iterdir()))


def _umask_mode() -> int:
    """The permissions the user's umask gives a new folder."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o777 & ~mask


def atomic_folder(folder: str | Path, fill: Callable[[Path], None], force: bool = False) -> Path:
    """Write the tool's outputs into ``folder``, whole or not at all.

    ``fill`` writes into a temporary sibling folder; the files written are listed in
    ``MANIFEST``. The folder is checked by :func:`check_output_folder`. A new folder,
    or one holding only a previous output, is replaced by a rename. With ``force``, a
    folder holding other files receives the new outputs file by file (each renamed into
    place); the previous outputs it listed and no other file are removed; a file of the
    user's with the name of an output is never overwritten (error, nothing written).
    The folder gets the permissions the umask gives any new folder.

    Args:
        folder: the output folder.
        fill: writes the outputs into the folder it is given.
        force: write into a folder holding files the tool did not write.

    Returns:
        The folder.

    """
    folder = Path(folder)
    check_output_folder(folder, force)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        fill(tmp)
        written = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
        (tmp / MANIFEST).write_text(json.dumps({"tool": "resilience-sim", "files": written}, indent=1) + "\n",
                                    encoding="utf-8")
        mode = _umask_mode()
        for d in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
            d.chmod(mode)
        foreign = _foreign_files(folder)
        if foreign:
            _merge(tmp, folder, written, foreign)
        elif folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=folder.parent))
            os.replace(folder, old / "previous")
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)  # the previous output: only the tool's files
        else:
            os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _merge(tmp: Path, folder: Path, written: list[str], foreign: list[str]) -> None:
    """Move new outputs into a folder holding the user's files (``--force``), keeping those."""
    clash = sorted(set(written) & set(foreign))
    if clash:
        raise OutputFolderError(str(folder), "--out", f"{', '.join(clash)} in the folder was not written by "
                                "resilience-sim and would be overwritten; move it or choose another folder")
    previous = _tool_files(folder) - set(written)
    for name in written:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / name, folder / name)
    for name in previous:
        (folder / name).unlink(missing_ok=True)
    os.replace(tmp / MANIFEST, folder / MANIFEST)  # last: the mark lists what is there


def atomic_file(path: Path, write_to: Callable[[Path], None]) -> Path:
    """Write a file through a temporary sibling renamed into place (with the umask's permissions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write_to(tmp)
        tmp.chmod(0o666 & _umask_mode())  # mkstemp makes 0600: give the file what the umask gives any file
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
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_ignore_interrupt)
    try:
        for summary in pool.map(worker, scenarios[1:]):
            out.append(summary)
            if progress:
                progress(1)
    except KeyboardInterrupt:  # Ctrl-C: the workers ignore it; stop them, then let the caller say so
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return out


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the parent process, which stops them (no traceback from each)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
