"""Sweeps on the backends: speed-up of a 2-worker Dask LocalCluster and of 2 local processes
over serial on runs of commune_50k, and the overhead of the Dask path per run.

``python -m benchmarks.sweep [--runs N] [--quick]`` prints a table (medians over
``--repeats`` rounds, backends interleaved within each round so that outside load hits
them alike). The overhead is measured on a function that takes no time (the Ishigami
test function), so that the whole cost is the path: batching, pickling, scheduling,
writing Parquet parts.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from pathlib import Path

from resilience_sim.explore.backends import Dask, Processes, Serial
from resilience_sim.explore.models import ishigami
from resilience_sim.explore.runner import sweep
from resilience_sim.explore.spec import Factor, make_plan
from resilience_sim.scenario import Scenario, load

from .features import line, save


def _timed(scenario, plan, backend, folder: Path, **kw) -> float:
    start = time.perf_counter()
    sweep(scenario, plan, folder, backend, command="benchmark", **kw)
    return time.perf_counter() - start


def speedup(runs: int, days: int, repeats: int) -> dict:
    """Seconds per sweep of ``runs`` replicates of commune_50k, by backend (medians)."""
    scenario = load("covid_lockdown_2020").with_values({"run.days": days})
    plan = make_plan([], runs, scenario["run.seed"])
    times: dict[str, list[float]] = {"serial": [], "processes-2": [], "dask-2": []}
    with tempfile.TemporaryDirectory() as tmp, Processes(2) as processes, Dask(None, 2) as dask:
        sweep(scenario, make_plan([], 4, 1), Path(tmp) / "warm-p", processes, batch=1, command="warm")
        sweep(scenario, make_plan([], 4, 1), Path(tmp) / "warm-d", dask, batch=1, command="warm")
        for i in range(repeats):
            for name, backend in (("serial", Serial()), ("processes-2", processes), ("dask-2", dask)):
                times[name].append(_timed(scenario, plan, backend, Path(tmp) / f"{name}-{i}"))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"runs": runs, "days": days, "seconds": med, "ms_per_run": {k: 1e3 * v / runs for k, v in med.items()},
            "speedup": {k: med["serial"] / v for k, v in med.items()}, "all": times}


def overhead(runs: int, repeats: int) -> dict:
    """Milliseconds per run of the Dask and process paths over serial, on a function that takes no time."""
    factors = [Factor(k, "sample", (), -math.pi, math.pi) for k in ("x1", "x2", "x3")]
    plan = make_plan(factors, 1, 1, samples=runs)
    s = Scenario("ishigami")
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, Dask(None, 2) as dask, Processes(2) as processes:
        for i in range(repeats):
            for name, backend, batch in (("serial", Serial(), None), ("dask-2 batched", dask, None),
                                         ("dask-2 one run per task", dask, 1),
                                         ("processes-2 batched", processes, None)):
                if batch == 1 and runs > 400:
                    continue
                folder = Path(tmp) / f"{name}-{i}".replace(" ", "_")
                n = runs if batch != 1 else min(runs, 400)
                p = plan if n == runs else make_plan(factors, 1, 1, samples=n)
                t = _timed(s, p, backend, folder, model=ishigami, validate_keys=False, batch=batch)
                times.setdefault(name, []).append(1e3 * t / n)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"runs": runs, "ms_per_run": med, "overhead_ms_per_run": {k: v - med["serial"] for k, v in med.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200, help="runs of commune_50k per sweep (default 200)")
    ap.add_argument("--days", type=int, default=365, help="horizon of each run (default 365)")
    ap.add_argument("--repeats", type=int, default=3, help="rounds, backends interleaved (default 3)")
    ap.add_argument("--quick", action="store_true", help="40 runs, 1 round")
    ap.add_argument("--no-record", action="store_true", help="print only: keep no record, leave RESULTS.md")
    args = ap.parse_args(argv)
    runs, repeats = (40, 1) if args.quick else (args.runs, args.repeats)
    sp = speedup(runs, args.days, repeats)
    print(f"commune_50k × {args.days} days, {runs} runs, median of {repeats} round(s):")
    for k, v in sp["seconds"].items():
        print(f"  {k:<14} {v:7.2f} s  {sp['ms_per_run'][k]:7.1f} ms/run  speed-up {sp['speedup'][k]:.2f}×")
    ov = overhead(max(runs * 10, 400), repeats)
    print(f"path overhead on a function that takes no time ({ov['runs']} runs):")
    for k, v in ov["ms_per_run"].items():
        print(f"  {k:<26} {v:7.3f} ms/run  overhead {ov['overhead_ms_per_run'][k]:+.3f} ms/run")
    best = min(sp["ms_per_run"]["processes-2"], sp["ms_per_run"]["dask-2"])
    note = f"commune_50k × {args.days} days, {runs} runs per sweep, median of {repeats} round(s), backends interleaved"
    dask_over = ov["overhead_ms_per_run"]["dask-2 batched"]
    save("sweep", [
        line("a 2-worker Dask LocalCluster ≥ 1.8× serial", f"{sp['speedup']['dask-2']:.2f}× "
             f"(2 processes {sp['speedup']['processes-2']:.2f}×)", sp["speedup"]["dask-2"] >= 1.8, note),
        line("1,000 runs of commune_50k × 365 days ≤ 20 s end to end on two cores",
             f"{best:.1f} s (best 2-worker backend, {best:.1f} ms per run)", best <= 20.0 and args.days == 365, note),
        line("overhead of the Dask path ≤ 5 ms per run", f"{dask_over:+.2f} ms per run (batched)", dask_over <= 5.0,
             f"{ov['runs']} runs of a function that takes no time"),
    ], {"speedup": sp, "overhead": ov}, not (args.no_record or args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
