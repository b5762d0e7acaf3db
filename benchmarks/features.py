"""Records of the feature benchmarks (comparison report, sweeps, daily check, levers, dashboard).

Each feature benchmark (``python -m benchmarks.compare_report``, ``.sweep``, ``.checked``,
``.levers``, ``.dashboard``) measures one promise of an issue and says whether its goal is
met. :func:`save` keeps its record as JSON in ``benchmarks/history/features/`` (kept in
git: the history lives in data) and writes ``RESULTS.md`` again, whose section "Feature
benchmarks" shows the latest record of each (:func:`section`). ``--no-record`` on their
command lines prints without keeping anything.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from .machine import describe

FEATURES = Path(__file__).resolve().parent / "history" / "features"


def line(goal: str, measured: str, met: bool | None, note: str = "") -> dict:
    """One goal of a feature benchmark: what was promised, what was measured, met or not."""
    return {"goal": goal, "measured": measured, "met": met, "note": note}


def save(name: str, lines: list[dict], data: dict, record: bool = True) -> Path | None:
    """Keep a feature benchmark's record and write RESULTS.md again.

    Args:
        name: the benchmark's module name (``compare_report``, ``sweep`` …).
        lines: its goals, from :func:`line`.
        data: every figure measured (kept in the record, not shown).
        record: False: print the lines only.

    Returns:
        The record's path, or None when not recorded.

    """
    for x in lines:
        met = "—" if x["met"] is None else ("met" if x["met"] else "NOT met")
        print(f"{name}: {x['goal']}: {x['measured']} ({met}){' — ' + x['note'] if x['note'] else ''}")
    if not record:
        return None
    from .report import write

    now = dt.datetime.now(dt.UTC)
    rec = {"name": name, "started_utc": now.isoformat(timespec="seconds"), "load": list(os.getloadavg()),
           "machine": describe(), "lines": lines, "data": data}
    FEATURES.mkdir(parents=True, exist_ok=True)
    path = FEATURES / f"{now:%Y%m%dT%H%M%SZ}-{name}.json"
    path.write_text(json.dumps(rec, indent=1, default=float))
    write()
    return path


def latest(folder: Path = FEATURES) -> list[dict]:
    """The latest record of each feature benchmark, by name."""
    found: dict[str, dict] = {}
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        rec = json.loads(path.read_text())
        found[rec["name"]] = rec
    return [found[k] for k in sorted(found)]


def section(folder: Path = FEATURES) -> str:
    """The Markdown section: one row per goal of the latest record of each feature benchmark."""
    recs = latest(folder)
    if not recs:
        return ""
    rows = ["## Feature benchmarks (latest run of each)", "",
            "| benchmark | goal | measured | met? | run (UTC), commit, load | note |", "|---|---|---|---|---|---|"]
    for rec in recs:
        mc = rec["machine"]
        commit = (mc.get("commit") or "?")[:7] + (" +" if mc.get("uncommitted_changes") else "")
        when = f"{rec['started_utc'][:16].replace('T', ' ')}, {commit}, {rec['load'][0]:.1f}"
        for x in rec["lines"]:
            met = "—" if x["met"] is None else ("yes" if x["met"] else "**no**")
            rows.append(f"| `{rec['name']}` | {x['goal']} | {x['measured']} | {met} | {when} | {x['note']} |")
    return "\n".join(rows) + "\n"
