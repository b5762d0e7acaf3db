"""Six designs × 30 replicates on commune_50k × 365 days, report included: wall time on two cores.

``python -m benchmarks.compare_report [--replicates 30] [--jobs 2] [--repeat 1] [--no-record]``
runs ``resilience-sim compare covid_lockdown_2020 --days 365`` with the six shipped designs,
writes the report in English into a temporary folder and prints the wall time of the whole
command, the report's share (rendered again from the saved numbers) and the load average
before and after. The machine may be shared: it also measures the CPU time of one run
(three runs in this process, median) and of the report, and gives the wall time the
command would take on two free cores (runs × CPU per run / 2 + report + 2 s of process
start-up). Goal (issue 17): ≤ 60 s on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from .features import line, save

DESIGNS = "baseline,subsidiarity,micro_mobility,initiatives,continuity_plan_only,all_three"


def run_cpu(n: int = 3) -> float:
    """Median CPU time (s) of one run of the benchmark's scenario, in this process."""
    from resilience_sim.results import run
    from resilience_sim.scenario import load

    s = load("covid_lockdown_2020").with_values({"run.days": 365})
    times = []
    for k in range(n):
        t = time.process_time()
        run(s.with_values({"run.seed": 100 + k}))
        times.append(time.process_time() - t)
    return statistics.median(times)


def once(replicates: int, jobs: int, folder: Path) -> dict:
    """One timed comparison (the command as a user runs it), then the report alone."""
    from resilience_sim.cli import main
    from resilience_sim.report import render

    out = folder / f"out{time.monotonic_ns()}"
    load0, t0 = os.getloadavg()[0], time.perf_counter()
    code = main(["compare", "covid_lockdown_2020", "--days", "365", "--designs", DESIGNS, "--replicates",
                 str(replicates), "--jobs", str(jobs), "--out", str(out), "--quiet"])
    wall = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"compare failed with exit code {code}")
    result = json.loads((out / "comparison.json").read_text())
    t1, c1 = time.perf_counter(), time.process_time()
    render(result, "en")
    report, report_cpu = time.perf_counter() - t1, time.process_time() - c1
    return {"wall_s": wall, "report_s": report, "report_cpu_s": report_cpu, "load_before": load0,
            "load_after": os.getloadavg()[0], "runs": 6 * replicates}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compare_report", description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-record", action="store_true", help="print only: keep no record, leave RESULTS.md")
    args = ap.parse_args(argv)
    from resilience_sim.results import run
    from resilience_sim.scenario import load

    run(load("covid_lockdown_2020").with_values({"run.days": 40}))  # compile or load the kernels first
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            r = once(args.replicates, args.jobs, Path(tmp))
            rows.append(r)
            print(f"6 designs × {args.replicates} replicates, commune_50k × 365 days, jobs {args.jobs}: "
                  f"{r['wall_s']:.1f} s wall (report alone {r['report_s']:.1f} s wall, {r['report_cpu_s']:.1f} s CPU), "
                  f"load {r['load_before']:.1f} → {r['load_after']:.1f}")
    walls = [r["wall_s"] for r in rows]
    per_run = run_cpu()
    free = rows[0]["runs"] * per_run / 2 + statistics.median(r["report_cpu_s"] for r in rows) + 2.0
    wall = statistics.median(walls)
    print(f"median {wall:.1f} s over {len(walls)} (goal ≤ 60 s on two cores); "
          f"CPU per run {per_run:.2f} s → about {free:.0f} s on two free cores")
    save("compare_report", [line(
        f"six designs × {args.replicates} replicates, commune_50k × 365 days, report included ≤ 60 s on two cores",
        f"{wall:.1f} s wall (about {free:.0f} s on two free cores)", wall <= 60.0,
        f"jobs {args.jobs}, median of {len(walls)}; load {rows[0]['load_before']:.1f} → {rows[-1]['load_after']:.1f}; "
        f"CPU per run {per_run:.3f} s")], {"rows": rows, "cpu_s_per_run": per_run}, not args.no_record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
