"""The ``sweep`` and ``sensitivity`` commands (registered in :mod:`resilience_sim.cli`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..schema import ScenarioError


def add_backend_args(p: argparse.ArgumentParser) -> None:
    """Options shared by the commands that run many runs."""
    p.add_argument("--replicates", type=int, default=1, help="seeds per design (default 1)")
    p.add_argument("--backend", choices=("serial", "processes", "dask"), default="processes",
                   help="where runs go (default: local processes)")
    p.add_argument("--jobs", type=int, help="processes or LocalCluster workers (default: the cores)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing Dask scheduler (implies dask)")
    p.add_argument("--batch", type=int, help="runs per task (default: about one second of work)")
    p.add_argument("--resume", action="store_true", help="continue the sweep in --out, skipping finished runs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--lang", choices=("en", "fr"), default="en", help="language of the figures")


def add_sweep(sub) -> None:
    """Register ``sweep``."""
    from ..cli import _scenario_args

    p = sub.add_parser("sweep", help="run a grid or a Latin hypercube of designs, rows to Parquet (resumable)")
    _scenario_args(p)
    p.add_argument("--grid", action="append", default=[], metavar="KEY=v1,v2,…", help="every value of a key")
    p.add_argument("--sample", action="append", default=[], metavar="KEY=low:high",
                   help="a key sampled by Latin hypercube (KEY=a,b,c for levels)")
    p.add_argument("--samples", type=int, default=20, help="Latin hypercube size (default 20)")
    p.add_argument("--series", action="store_true", help="also store every run's daily series")
    p.add_argument("--outcome", default="area_lost", help="outcome of the figures (default area_lost)")
    p.add_argument("--from", dest="from_state", metavar="STATE", help="fork every run from a saved state")
    p.add_argument("--out", help="sweep folder (default: out/<scenario>-sweep)")
    add_backend_args(p)


def check_counts(args) -> None:
    """Replicates, jobs and batch must be ≥ 1."""
    for flag in ("replicates", "jobs", "batch", "samples"):
        value = getattr(args, flag, None)
        if value is not None and value < 1:
            raise ScenarioError("command line", f"--{flag}", f"must be ≥ 1 (got {value})")


def backend_of(args):
    """The backend the options ask for."""
    from .backends import make_backend

    return make_backend(args.backend, args.jobs, args.scheduler)


class Progress:
    """A progress bar of runs done, failed, rate and time left, opened when the sweep starts.

    Args:
        line: what to say first, given the runs in the plan and those already done.
        quiet: no bar (the line is still said).

    """

    def __init__(self, line: Callable[[int, int], str], quiet: bool):
        self.line, self.quiet, self.bar, self.failed = line, quiet, None, 0

    def start(self, total: int, done: int) -> None:
        """Say what will run; open the bar."""
        print(self.line(total, done), file=sys.stderr)
        if not self.quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit="run", file=sys.stderr, smoothing=0.1)

    def update(self, n: int, failed: int) -> None:
        """Count a finished batch."""
        self.failed += failed
        if self.bar is not None:
            self.bar.set_postfix(failed=self.failed, refresh=False)
            self.bar.update(n)

    def close(self) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def cmd_sweep(args) -> int:
    """Run a sweep and draw its figures."""
    from ..cli import _load
    from .runner import sweep
    from .spec import make_plan, parse_grid, parse_sample

    check_counts(args)
    scenario, model = _load(args), None
    if args.from_state:
        from ..checkpoint import scenario_of
        from .models import fork

        scenario, model = scenario_of(args.from_state, args.set), fork(str(Path(args.from_state).resolve()))
    factors = [parse_grid(g, scenario) for g in args.grid] + [parse_sample(s, scenario) for s in args.sample]
    if not factors:
        raise ScenarioError("command line", "--grid/--sample", "nothing to sweep; give --grid KEY=v1,v2 or "
                            "--sample KEY=low:high")
    plan = make_plan(factors, args.replicates, scenario["run.seed"], args.samples)
    out = Path(args.out or Path("out") / f"{scenario.name}-sweep")
    with backend_of(args) as backend:
        progress = Progress(lambda total, done: f"{len(plan.designs):,} designs × {plan.replicates} replicates = "
                            f"{total:,} runs ({done:,} already done) → {out}/ ({backend.name}, "
                            f"{backend.workers} worker(s))", args.quiet)
        try:
            report = sweep(scenario, plan, out, backend, **({"model": model} if model else {}),
                           series=args.series, resume=args.resume, batch=args.batch,
                           progress=progress.update, start=progress.start)
        except KeyboardInterrupt:
            progress.close()
            print(f"interrupted; the finished runs are kept in {out}/: run the same command with --resume "
                  "to continue", file=sys.stderr)
            return 130
        finally:
            progress.close()
    sweep_figures(out, factors, args.outcome, args.lang)
    if not args.quiet:
        print(f"{report.done:,} runs done ({report.failed} failed), {report.skipped:,} already done; "
              f"{report.batch} run(s) per task; {report.seconds:.1f} s. Rows in {out}/runs "
              "(pandas: resilience_sim.explore.read_runs)")
    return 0


def sweep_figures(out: Path, factors, outcome: str, lang: str) -> list[Path]:
    """Heatmap of a two-key grid, parallel coordinates of a Latin hypercube (when the outcome exists)."""
    from ..results import atomic_file
    from .figures import heatmap, parallel_coordinates, save
    from .store import read_runs

    runs = read_runs(out)
    if outcome not in runs or runs[outcome].notna().sum() == 0:
        return []
    made = []
    grid = [f.key for f in factors if f.kind == "grid" and len(f.values) > 1]
    sampled = [f.key for f in factors if f.kind == "sample"]
    if len(grid) >= 2:
        made.append(("heatmap.png", heatmap(runs, grid[0], grid[1], outcome, lang)))
    if sampled:
        made.append(("parallel.png", parallel_coordinates(runs, sampled, outcome, lang)))
    paths = []
    for name, fig in made:
        paths.append(atomic_file(out / "figures" / name, lambda p, fig=fig: save(fig, p)))
    return paths


def add_sensitivity(sub) -> None:
    """Register ``sensitivity``."""
    from ..cli import _scenario_args

    p = sub.add_parser("sensitivity", help="Sobol or Morris indices of an outcome (SALib), resumable")
    _scenario_args(p)
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="sobol (default) or morris")
    p.add_argument("--param", action="append", default=[], metavar="KEY=low:high", required=True,
                   help="a key and its range (at least two)")
    p.add_argument("--outcome", default="area_lost", help="outcome analysed (a key of summary.json)")
    p.add_argument("--samples", type=int, default=64,
                   help="base sample N: Sobol runs N·(D+2) designs (N a power of 2), Morris N·(D+1)")
    p.add_argument("--out", help="folder (default: out/<scenario>-<method>)")
    add_backend_args(p)


def cmd_sensitivity(args) -> int:
    """Run a sensitivity analysis; print the indices."""
    from ..cli import _load
    from .sensitivity import check, n_designs, sensitivity
    from .spec import parse_sample

    check_counts(args)
    scenario = _load(args)
    factors = [parse_sample(item, scenario) for item in args.param]
    check(args.method, args.samples, factors)
    designs = n_designs(args.method, args.samples, len(factors))
    out = Path(args.out or Path("out") / f"{scenario.name}-{args.method}")
    formula = "N·(D+2)" if args.method == "sobol" else "N·(D+1)"
    with backend_of(args) as backend:
        progress = Progress(lambda total, done: f"{args.method}: {formula} = {args.samples}·({len(factors)}+"
                            f"{2 if args.method == 'sobol' else 1}) = {designs:,} designs × {args.replicates} "
                            f"replicates = {total:,} runs ({done:,} already done) → {out}/ ({backend.name}, "
                            f"{backend.workers} worker(s))", args.quiet)
        try:
            indices, report = sensitivity(scenario, args.method, factors, args.outcome, args.samples,
                                          args.replicates, out, backend, resume=args.resume,
                                          progress=progress.update, lang=args.lang, batch=args.batch,
                                          start=progress.start)
        finally:
            progress.close()
    print(indices.to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"{report.failed} failed run(s); indices in {out}/indices.csv, figure {out}/{args.method}.png")
    return 0
