"""Compare builds of the kernels: two or more source trees timed in one process, interleaved.

``python -m benchmarks.builds BASE_TREE OTHER_TREE [...] [--agents N] [--reps R]`` copies the
``resilience_sim`` package of each tree (a clone, a ``git worktree``) under its own name,
compiles each copy, then times whole runs of the benchmark scenario, one copy after the
other, in an order that turns each repetition. Each copy's time is divided by the base's
time of the same repetition, and the medians of those ratios are reported: both ran within
a second of each other, under the same load from the rest of the machine.

On these shared machines two separate processes of the same code differ by ±10 %; ratios
of interleaved runs are stable to ~1 %. One bias remains, measured: the copy loaded first
runs ~3–4 % faster than an identical copy loaded later (where the compiled code and data
land). So a throw-away copy of the base is loaded first and timed but left out; the ratio
of the base to a second copy of itself (``same code``) shows how far layout alone moves a
build: a change smaller than that is not shown by this measure.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .measures import SCENARIO


def _copy(tree: Path, folder: Path, name: str) -> None:
    """Copy ``tree``'s package into ``folder`` as package ``name``."""
    shutil.copytree(tree / "resilience_sim", folder / name, ignore=shutil.ignore_patterns("__pycache__"))


def _run_once(pkg, scenario, org) -> float:
    """ns per agent-day of one run after its first day (compiled beforehand)."""
    sim = pkg.Simulation(scenario, org=org, check=False)
    sim.step()
    start = time.process_time()
    sim.run()
    return (time.process_time() - start) / ((sim.days - 1) * org.n_agents) * 1e9


def compare(trees: list[Path], agents: int, reps: int) -> dict[str, dict]:
    """Time the trees interleaved; each one's median ns per agent-day and ratio to the base.

    Args:
        trees: source trees, the base first.
        agents: staff of the benchmark scenario.
        reps: repetitions (whole runs) of each tree.

    Returns:
        For each label (the tree, or "same code" for the base's second copy): its median
        ns per agent-day, and the median and quartiles of its ratio to the base.

    """
    labels = ["(loaded first, left out)", str(trees[0]), "same code", *map(str, trees[1:])]
    sources = [trees[0], trees[0], trees[0], *trees[1:]]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "scenarios").symlink_to(trees[0].resolve() / "scenarios")
        sys.path.insert(0, tmp)
        builds = []
        for j, tree in enumerate(sources):
            _copy(tree, folder, f"build{j}")
            pkg = importlib.import_module(f"build{j}")
            scenario = pkg.load(SCENARIO).with_values({"organisation.agents": agents}, "benchmark")
            org = importlib.import_module(f"build{j}.organisation").build(scenario)
            print(f"compiling {labels[j]} …", file=sys.stderr)
            sim = pkg.Simulation(scenario, org=org, check=False)
            sim.step()
            sim.advance(3)
            builds.append((pkg, scenario, org))
        times: list[list[float]] = [[] for _ in builds]
        collecting = gc.isenabled()
        gc.disable()
        try:
            for r in range(reps):
                order = list(range(len(builds)))
                order = order[r % len(order):] + order[:r % len(order)]
                for j in (order if r % 2 == 0 else order[::-1]):
                    times[j].append(_run_once(*builds[j]))
                print(f"repetition {r + 1}/{reps}", file=sys.stderr)
        finally:
            if collecting:
                gc.enable()
            sys.path.remove(tmp)
    out = {}
    for j in range(1, len(builds)):
        ratios = sorted(t / b for t, b in zip(times[j], times[1], strict=True))
        q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
        out[labels[j]] = {"ns_per_agent_day": statistics.median(times[j]), "ratio": q[1],
                          "ratio_q1": q[0], "ratio_q3": q[2]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.builds", description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="+", type=Path, help="source trees, the base first")
    ap.add_argument("--agents", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args(argv)
    if len(args.trees) < 2 or any(not (t / "resilience_sim").is_dir() for t in args.trees):
        ap.error("give two or more source trees, each holding a resilience_sim package")
    rows = compare(args.trees, args.agents, args.reps)
    print(f"| build ({args.agents:,} agents, {args.reps} interleaved runs) | ns per agent-day (median) "
          "| ratio to the base (median, quartiles) |\n|---|---|---|")
    for label, row in rows.items():
        print(f"| {label} | {row['ns_per_agent_day']:.1f} | {row['ratio']:.3f} "
              f"({row['ratio_q1']:.3f}–{row['ratio_q3']:.3f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
