"""Six designs × 30 replicates on commune_50k × 365 days, report included: wall time on two cores.

``python -m benchmarks.compare_report [--replicates 30] [--jobs 2] [--repeat 1]`` runs
``resilience-sim compare covid_lockdown_2020 --days 365`` with the five shipped designs
and a sixth written here (``centralised``: every decision type at the executive level,
three sign-offs; it stands in for the initiatives design until that track exists), writes
the report in English into a temporary folder and prints the wall time of the whole
command, its split (runs, then report from the saved numbers), the CPU time of this
process and its children and the load average before and after. Goal: ≤ 60 s on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

SIXTH = """[design]
title = "Centralised"
title_fr = "Centralisée"
[[lever]]
key = "policy.authority.preset"
value = "centralised"
reason = "benchmark: a sixth design of the same cost as the others"
"""


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def once(replicates: int, jobs: int, folder: Path) -> dict:
    """One timed comparison (the command as a user runs it), then the report alone."""
    from resilience_sim.cli import main
    from resilience_sim.report import render

    sixth = folder / "centralised.toml"
    sixth.write_text(SIXTH)
    out = folder / f"out{time.monotonic_ns()}"
    designs = f"baseline,subsidiarity,micro_mobility,continuity_plan_only,all_three,{sixth}"
    load0, cpu0, t0 = os.getloadavg()[0], _cpu(), time.perf_counter()
    code = main(["compare", "covid_lockdown_2020", "--days", "365", "--designs", designs, "--replicates",
                 str(replicates), "--jobs", str(jobs), "--out", str(out), "--quiet"])
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    if code != 0:
        raise SystemExit(f"compare failed with exit code {code}")
    result = json.loads((out / "comparison.json").read_text())
    t1 = time.perf_counter()
    render(result, "en")
    report = time.perf_counter() - t1
    return {"wall_s": wall, "cpu_s": cpu, "report_s": report, "load_before": load0, "load_after": os.getloadavg()[0],
            "runs": 6 * replicates}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compare_report", description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
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
                  f"{r['wall_s']:.1f} s wall (report alone {r['report_s']:.1f} s), CPU {r['cpu_s']:.1f} s, "
                  f"load {r['load_before']:.1f} → {r['load_after']:.1f}")
    walls = [r["wall_s"] for r in rows]
    print(f"median {statistics.median(walls):.1f} s over {len(walls)} (goal ≤ 60 s on two cores); "
          f"CPU per run {statistics.median(r['cpu_s'] for r in rows) / rows[0]['runs']:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
