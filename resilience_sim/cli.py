"""The ``resilience-sim`` command line.

Commands: ``run``, ``compare``, ``validate``, ``scenarios``, ``params``, ``export-graph``,
``sweep``, ``sensitivity``, ``dashboard``. A bad
scenario, setting or file is reported in one line naming the file and the field,
with exit code 2 and nothing written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .schema import ScenarioError

SUMMARY_ROWS = (
    ("p0", "pre-shock performance P0", "{:.3f}"),
    ("min_performance", "minimum performance", "{:.3f}"),
    ("depth", "depth (1 - min/P0)", "{:.1%}"),
    ("area_lost", "area lost (days of P0)", "{:.1f}"),
    ("resilience_index", "resilience index", "{:.3f}"),
    ("days_to_min", "days to minimum", "{}"),
    ("days_to_recover", "days to recover", "{}"),
    ("unmet_essential", "unmet essential tasks", "{:,}"),
    ("decision_latency_mean", "decision latency, mean (days)", "{:.2f}"),
    ("decision_latency_p95", "decision latency, p95 (days)", "{:.2f}"),
    ("burnout_days", "burnout days", "{:,}"),
)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="resilience-sim", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a scenario and write its outputs")
    _scenario_args(r)
    r.add_argument("--out", help="output folder (default: out/<scenario>)")
    r.add_argument("--force", action="store_true",
                   help="write into an existing folder that holds other files (they are kept)")
    r.add_argument("--replicates", type=int, default=1, help="number of seeds (ensemble)")
    r.add_argument("--jobs", type=int, default=1, help="local processes for replicates")
    r.add_argument("--lang", choices=("en", "fr"), default="en", help="language of the figure")
    r.add_argument("--quiet", action="store_true", help="no progress bar nor table")
    r.add_argument("--save-at", type=int, metavar="DAY", help="also save the whole state at DAY (state_dayDAY.npz)")
    r.add_argument("--from", dest="from_state", metavar="STATE", help="continue a saved state (with any --set)")
    c = sub.add_parser("compare", help="compare organisation designs on paired replicates (common random numbers)")
    _scenario_args(c)
    c.add_argument("--designs", metavar="NAME,…",
                   help="designs of scenarios/designs/ (or .toml paths) to compare, e.g. baseline,subsidiarity "
                        "(default: every shipped design); writes comparison.csv and report.html")
    c.add_argument("--org", metavar="FILE.csv", help="run the designs on this org chart instead")
    c.add_argument("--orgs", metavar="ORG,…", help="run the designs on several organisations "
                   "(archetype names or org-chart .csv files), e.g. commune_50k,departement,my_chart.csv")
    c.add_argument("--lang", default="en", help="language of the report: en, fr or en,fr (default en)")
    c.add_argument("--pdf", action="store_true", help="also print report.pdf (headless Chromium)")
    c.add_argument("--from", dest="from_state", metavar="STATE",
                   help="every design continues this saved state (run --save-at DAY): which lever now?")
    c.add_argument("--set-b", action="append", default=[], metavar="KEY=VALUE",
                   help="A/B form: what design B changes, e.g. --set-b mobility.mode=central")
    c.add_argument("--replicates", type=int, default=30, help="paired replicates per design (default 30)")
    c.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="local processes (default: one per core; results do not depend on it)")
    c.add_argument("--out", help="output folder (default: out/<scenario>-compare)")
    c.add_argument("--force", action="store_true", help="replace an existing output folder")
    c.add_argument("--quiet", action="store_true", help="no progress bar nor table")
    v = sub.add_parser("validate", help="check a scenario file and build its organisation")
    _scenario_args(v)
    sub.add_parser("scenarios", help="list the shipped scenarios")
    p = sub.add_parser("params", help="list every parameter (type, range, unit, default, source)")
    p.add_argument("--markdown", action="store_true", help="as a Markdown table")
    g = sub.add_parser("export-graph", help="write the organisation graph (GraphML or GEXF)")
    _scenario_args(g)
    g.add_argument("output", help="OUT.graphml or OUT.gexf")
    from .explore.cli import add_sensitivity, add_sweep

    add_sweep(sub)
    add_sensitivity(sub)
    d = sub.add_parser("dashboard", help="start the workshop dashboard in the browser (works offline)")
    d.add_argument("scenario", nargs="?", default="covid_lockdown_2020", help="scenario file or shipped name")
    d.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the page (default fr)")
    d.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    d.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    d.add_argument("--mesa", action="store_true", help="the model in Mesa's SolaraViz instead of the workshop page")
    return ap


def _scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file or shipped name (see `resilience-sim scenarios`)")
    p.add_argument("--seed", type=int, help="run seed (run.seed)")
    p.add_argument("--days", type=int, help="horizon in days (run.days)")
    p.add_argument("--agents", type=int, help="rescale the organisation to about N staff")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set policy.validation.steps=1")


def _load(args):
    from .scenario import load

    flags = [(f, k) for f, k in (("seed", "run.seed"), ("days", "run.days"), ("agents", "organisation.agents"))
             if getattr(args, f) is not None]
    values = {k: getattr(args, f) for f, k in flags}
    return load(args.scenario, values, args.set, "--" + "/--".join(f for f, _ in flags))


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for a bad input)."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)  # outputs are written whole at the end: nothing half-written
        return 130
    except ScenarioError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {err.filename or ''}: {err.strerror or err}", file=sys.stderr)
        return 2


def cmd_run(args) -> int:
    """Run a scenario (or an ensemble of replicates) and write its outputs."""
    from . import results

    if args.save_at is not None or args.from_state:
        from .checkpoint import cmd_run

        return cmd_run(args)
    s = _load(args)
    if args.replicates < 1 or args.jobs < 1:
        raise ScenarioError("command line", "--replicates/--jobs", "must be ≥ 1")
    out = Path(args.out or Path("out") / s.name)
    results.check_output_folder(out, args.force)
    sim = results.prepare(s)  # every check of a run, before any output or long work
    bar = _bar(s["run.days"], "days", args.quiet or s["run.days"] * _size(s) < 2e6)
    res = results.run(s, bar.update if bar else None, sim=sim)
    if bar:
        bar.close()
    extra = None
    if args.replicates > 1:
        rbar = _bar(args.replicates, "runs", args.quiet)
        summaries = results.replicates(s, args.replicates, args.jobs, rbar.update if rbar else None)
        if rbar:
            rbar.close()
        res.summary["ensemble"] = results.ensemble(summaries)

        def extra(tmp: Path) -> None:
            import pandas as pd

            pd.DataFrame(summaries).to_csv(tmp / "replicates.csv", index=False)

    results.write(res, out, args.lang, extra, force=args.force)
    if not args.quiet:
        _print_table(res.summary, out)
    return 0


def _size(s) -> int:
    return s["organisation.agents"] or 1000


def _bar(total: int, unit: str, quiet: bool):
    if quiet:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, file=sys.stderr, leave=False)


def _print_table(summary: dict, out: Path) -> None:
    ens = summary.get("ensemble")
    print(f"scenario {summary['scenario']}  seed {summary['seed']}  days {summary['days']}  "
          f"staff {summary['organisation_agents']:,}")
    for key, label, fmt in SUMMARY_ROWS:
        v = summary.get(key)
        text = "never" if v is None and key == "days_to_recover" else ("-" if v is None else fmt.format(v))
        if ens and key in ens:
            e = ens[key]
            text += f"   ensemble median {e['median']:.3g} [{e['p05']:.3g}, {e['p95']:.3g}]"
        print(f"  {label:<32} {text}")
    print(f"outputs in {out}/")


def cmd_compare(args) -> int:
    """Compare designs (``--designs``, see :mod:`.designs_command`) or design B (``--set-b``) with A."""
    from .compare import compare, markdown
    from .organisation import build
    from .results import atomic_folder, check_output_folder

    a = _load(args)
    if not args.set_b:
        from .designs_command import run

        try:
            return run(args, a, _bar)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
    if args.designs or args.org or args.orgs or args.pdf or args.from_state:
        raise ScenarioError("command line", "--set-b", "is the A/B form; --designs/--org/--orgs/--pdf/--from "
                            "belong to the designs form: use one or the other")
    if args.replicates < 2 or args.jobs < 1:
        raise ScenarioError("command line", "--replicates/--jobs", "need at least 2 replicates and 1 job")
    change = {k: v for k, v in a.with_settings(args.set_b).params.items() if a.params[k] != v}
    if not change:
        raise ScenarioError("--set-b", "design B", "changes nothing; give a KEY=VALUE that differs from A")
    build(a.with_values(change))  # a bad design B fails before the long work
    out = Path(args.out or Path("out") / f"{a.name}-compare")
    check_output_folder(out, args.force)
    bar = _bar(2 * args.replicates, "runs", args.quiet)
    result = compare(a, change, args.replicates, args.jobs, progress=bar.update if bar else None)
    if bar:
        bar.close()

    def fill(tmp: Path) -> None:
        (tmp / "compare.json").write_text(json.dumps(result, indent=2))
        (tmp / "compare.md").write_text(markdown(result, "en") + "\n" + markdown(result, "fr"))

    atomic_folder(out, fill, force=args.force)
    if not args.quiet:
        print(markdown(result, "en"))
        print(f"outputs in {out}/")
    return 0


def cmd_validate(args) -> int:
    """Check a scenario as a run would (organisation, rules, mobility, shocks), without running it."""
    from .organisation import describe
    from .results import prepare

    s = _load(args)
    sim = prepare(s)
    d = describe(sim.org)
    print(f"{s.source}: ok — {d['agents']:,} staff, {d['services']} services, "
          f"{d['institutions']} institution(s), managers by level {d['managers_by_level']}, "
          f"{len(s.shocks)} shock component(s), {s['run.days']} days")
    return 0


def cmd_scenarios(args) -> int:
    """List the shipped scenarios."""
    from .scenario import load, shipped

    for name in shipped():
        print(f"{name:<28} {load(name).title}")
    return 0


def cmd_params(args) -> int:
    """List every parameter, its unit, default and source."""
    from .params import PARAMS

    if args.markdown:
        print("| key | type | default | range | unit | meaning | source |\n|---|---|---|---|---|---|---|")
    for p in PARAMS.values():
        rng = f"{p.low:g}–{p.high:g}" if p.low is not None and p.high is not None else ", ".join(p.choices)
        if args.markdown:
            print(f"| `{p.key}` | {p.kind} | {json.dumps(p.default)} | {rng} | {p.unit} | {p.doc} "
                  f"| {p.source} |")
        else:
            print(f"{p.key:<40} {json.dumps(p.default):>12} {p.unit:<14} {p.doc}")
    return 0


def cmd_export_graph(args) -> int:
    """Write the organisation graph as GraphML or GEXF."""
    from .graph import export_graph

    s = _load(args)
    out = Path(args.output)
    if out.suffix not in (".graphml", ".gexf"):
        raise ScenarioError("command line", "output", f"unknown format {out.suffix!r}; use .graphml or .gexf")
    n = export_graph(s, out)
    print(f"wrote {out} ({n:,} nodes)")
    return 0


def cmd_sweep(args) -> int:
    """Run a grid or a Latin hypercube of designs (see :mod:`.explore`)."""
    from .explore.cli import cmd_sweep as sweep

    return sweep(args)


def cmd_sensitivity(args) -> int:
    """Sobol or Morris indices of an outcome (see :mod:`.explore.sensitivity`)."""
    from .explore.cli import cmd_sensitivity as sensitivity

    return sensitivity(args)


def cmd_dashboard(args) -> int:
    """Start the workshop dashboard."""
    from .dashboard.server import run

    return run(args.scenario, args.lang, args.host, args.port, args.mesa)


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "validate": cmd_validate, "scenarios": cmd_scenarios,
            "params": cmd_params, "export-graph": cmd_export_graph, "sweep": cmd_sweep,
            "sensitivity": cmd_sensitivity, "dashboard": cmd_dashboard}

if __name__ == "__main__":
    sys.exit(main())
