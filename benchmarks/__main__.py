"""Run the benchmark suite of resilience_sim (quick for CI, or full).

``python -m benchmarks [--quick] [--check]`` measures and writes the JSON record. A full run
keeps it in benchmarks/history/ (in git), writes benchmarks/RESULTS.md again from the records
and draws benchmarks/scaling.png; a quick run (CI) keeps it in benchmarks/out/ (not in git)
and changes no tracked file.

Exit code 1 with ``--check`` when a gate fails (ratios and shares only, see suite.py).
"""

from __future__ import annotations

import argparse
import sys

from . import report, suite


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="CI mode: small sizes, under two minutes")
    ap.add_argument("--check", action="store_true", help="judge the gates; exit 1 if one fails")
    ap.add_argument("--only", help=f"comma-separated parts among {','.join(suite.PARTS)} "
                    "(implies --no-record)")
    ap.add_argument("--no-record", action="store_true",
                    help="full mode: keep the record out of history/ and RESULTS.md")
    ap.add_argument("--plot", action=argparse.BooleanOptionalAction, default=None,
                    help="draw benchmarks/scaling.png (default: in full mode)")
    args = ap.parse_args(argv)
    plan = suite.QUICK if args.quick else suite.FULL
    parts = suite.PARTS
    if args.only:
        parts = tuple(p.strip() for p in args.only.split(","))
        unknown = set(parts) - set(suite.PARTS)
        if unknown:
            ap.error(f"unknown part(s) {sorted(unknown)}; choose among {', '.join(suite.PARTS)}")
    print(f"benchmarks: {plan.mode} mode, parts {', '.join(parts)}", file=sys.stderr)
    rec = suite.run(plan, parts)
    checks = suite.gates(rec) if args.check else None
    if checks is not None:
        rec["gates"] = [{"gate": n, "passed": ok, "message": m} for n, ok, m in checks]
    keep = plan.mode == "full" and not (args.no_record or args.only)
    path = suite.write(rec, report.HISTORY if keep else suite.OUT)
    text = report.section(rec, path, checks)
    if keep:
        print(f"page: {report.write()}", file=sys.stderr)
    if args.plot if args.plot is not None else plan.mode == "full":
        from .plot import plot

        print(f"figure: {plot(rec)}", file=sys.stderr)
    print(text)
    print(f"record: {path}  ({rec['duration_s']:.0f} s)", file=sys.stderr)
    if checks is not None:
        failed = [(n, m) for n, ok, m in checks if not ok]
        for n, m in failed:
            print(f"GATE FAILED: {n}: {m}", file=sys.stderr)
        if failed:
            return 1
        print("all gates passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
