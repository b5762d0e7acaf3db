"""``resilience-sim compare SCENARIO --designs …``: designs × organisations × replicates, and the report.

Writes into the output folder, whole or not at all: ``comparison.csv`` (organisation ×
design × measure: median, 90 % band, paired difference to the reference and its 95 %
interval, relative change and its interval), ``comparison.json`` (everything, including
daily bands) and ``report.html`` (``report.<lang>.html`` for several languages), plus
``report.pdf`` with ``--pdf``. With ``--from STATE`` every design continues a saved run
from its day (see :func:`.comparison.fork_plan`).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from .schema import ScenarioError


def languages(text: str) -> list[str]:
    """``en``, ``fr`` or ``en,fr`` → the report languages, checked."""
    from .report.catalogue import check_language

    langs = [x.strip() for x in text.split(",") if x.strip()]
    if not langs:
        raise ScenarioError("--lang", text, "give a language: en or fr (or en,fr)")
    return [check_language(x) for x in dict.fromkeys(langs)]


def org_entries(args) -> list[str | None]:
    """The organisations of the comparison: ``--org`` / ``--orgs``, or the scenario's own."""
    if args.org and args.orgs:
        raise ScenarioError("command line", "--org/--orgs", "give one of them (--orgs takes a list)")
    if args.org:
        return [args.org]
    if args.orgs:
        entries = [x.strip() for x in args.orgs.split(",") if x.strip()]
        if not entries:
            raise ScenarioError("--orgs", args.orgs, "give organisations, e.g. commune_50k,departement,my_chart.csv")
        return entries
    return [None]


def run(args, scenario, bar_factory) -> int:
    """The designs form of ``compare`` (``args`` from the CLI parser, ``scenario`` loaded)."""
    from .comparison import compare_designs, fork_plan, plan
    from .designs import load_designs, shipped_designs
    from .results import atomic_folder, check_output_folder

    langs = languages(args.lang)
    if args.replicates < 2:
        raise ScenarioError("command line", "--replicates", f"is {args.replicates}; paired intervals need at least 2 "
                            "replicates (30 recommended)")
    if args.jobs < 1:
        raise ScenarioError("command line", "--jobs", "must be ≥ 1")
    out = Path(args.out or Path("out") / f"{scenario.name}-compare")
    check_output_folder(out, args.force)
    names = [x.strip() for x in args.designs.split(",") if x.strip()] if args.designs else shipped_designs()
    designs = load_designs(names)
    state = args.from_state
    if state and (args.org or args.orgs):
        raise ScenarioError("command line", "--from", "a saved state holds its organisation: give no --org/--orgs")
    prepared = fork_plan(state, scenario, designs) if state else plan(scenario, designs, org_entries(args))
    if args.pdf:
        _check_pdf()
    bar = bar_factory(len(prepared[0]) * args.replicates, "runs", args.quiet)
    try:
        result = compare_designs(scenario, designs, [], args.replicates, args.jobs,
                                 bar.update if bar else None, prepared, state)
    finally:
        if bar:
            bar.close()
    atomic_folder(out, lambda tmp: write(result, tmp, langs, args.pdf), force=args.force)
    if not args.quiet:
        print_summary(result, langs[0])
        print(f"outputs in {out}/")
    return 0


def _check_pdf() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        raise ScenarioError("--pdf", "playwright", "is not installed; pip install 'resilience_sim[pdf]' "
                            "and apt-get install chromium") from None
    from .report import CHROMIUM

    if not Path(CHROMIUM).exists():
        raise ScenarioError("--pdf", CHROMIUM, "no Chromium found; apt-get install chromium (Debian)")


def write(result: dict, folder: Path, langs: list[str], pdf: bool) -> None:
    """Write the comparison's files into ``folder``."""
    from .comparison import table_rows
    from .report import print_pdf, render

    rows = table_rows(result)
    with open(folder / "comparison.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (folder / "comparison.json").write_text(json.dumps(result, indent=1, default=float), encoding="utf-8")
    for lang in langs:
        name = "report" if len(langs) == 1 else f"report.{lang}"
        html = folder / f"{name}.html"
        html.write_text(render(result, lang), encoding="utf-8")
        if pdf:
            print_pdf(html, folder / f"{name}.pdf")


def print_summary(result: dict, lang: str) -> None:
    """A few lines for the terminal: loss of service by design, change to the reference."""
    from .report.catalogue import Words

    w = Words(lang)
    m = w.measure("area_lost")
    for org in result["orgs"]:
        print(f"{org['label']} — {m['label']} ({m['unit']}), {result['replicates']} × {len(result['designs'])}")
        for d in result["designs"]:
            o = org["results"][d["name"]]["outcomes"]["area_lost"]
            rel = o.get("relative") or {}
            change = ""
            if d["name"] != result["reference"] and rel.get("low") is not None:
                ci = w.t("interval", low=w.percent(rel["low"], True), high=w.percent(rel["high"], True))
                change = f"   {w.percent(rel['mean'], True)} {ci}"
            print(f"  {d['title'][lang]:<44} {w.band(o, m['kind'])}{change}", file=sys.stdout)
