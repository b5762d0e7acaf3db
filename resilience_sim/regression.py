"""The regression baseline: a fingerprint of every shipped scenario and a dozen lever settings.

A change that should not move a result is proven by this baseline: each case is run with
its file's seed and horizon, and the SHA-256 of its daily table (the exact bytes of every
float) and of its summary (canonical JSON) are compared with ``tests/regression_baseline.json``.

``python -m resilience_sim.regression check`` runs every case and lists those that moved
(exit code 1 if any); ``python -m resilience_sim.regression update`` writes the baseline
again and says which cases moved and how much their headline measures changed, so that a
commit that moves a result can say which scenario moved and by how much.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BASELINE = Path(__file__).resolve().parent.parent / "tests" / "regression_baseline.json"

#: headline measures kept beside the hashes, to say how much a moved case moved
HEADLINES = ("p0", "area_lost", "min_performance", "unmet_essential", "decision_latency_mean", "burnout_days")


@dataclass(frozen=True)
class Case:
    """One fingerprinted run: a scenario and the settings applied on top of it.

    Attributes:
        name: the case's name in the baseline.
        scenario: shipped scenario name.
        settings: ``KEY=VALUE`` settings, as on the command line (``--set``).

    """

    name: str
    scenario: str
    settings: tuple[str, ...] = ()


#: the initiatives design (issue 16): initiatives on, risk compensation, a call for testimonies
#: every two weeks, an innovation cell relaying five initiatives a week
INITIATIVES_DESIGN = ("initiatives.enabled=true", "initiatives.risk_compensation=0.5",
                      "initiatives.testimony_period=14", "initiatives.cell_capacity=5")


def cases() -> list[Case]:
    """Every shipped scenario as it is, then lever settings on the lockdown and two shocks."""
    from .scenario import shipped

    lock = "covid_lockdown_2020"
    levers = [
        Case("lockdown:mobility-central", lock, ("mobility.mode=central",)),
        Case("lockdown:mobility-peer-territory", lock,
             ("mobility.mode=peer", "mobility.scope=territory", "mobility.volunteer_days=2")),
        Case("lockdown:mobility-service", lock, ("mobility.mode=central", "mobility.scope=service")),
        Case("lockdown:flying-training", lock,
             ("mobility.mode=central", "mobility.flying_pool=20", "mobility.training_share=0.2")),
        Case("lockdown:crisis-cell-plan", lock,
             ("mobility.mode=central", "hr.crisis_cell=2", "hr.reassignment_plan_share=0.5")),
        Case("lockdown:preset-centralised", lock, ("policy.authority.preset=centralised",)),
        Case("lockdown:preset-subsidiary", lock, ("policy.authority.preset=subsidiary",)),
        Case("lockdown:tacit-3", lock, ("policy.validation.tacit_days=3",)),
        Case("lockdown:one-signoff-risk", lock, ("policy.validation.steps=1", "policy.freedom.risk_limit=0.3")),
        Case("lockdown:support-advice", lock, ("support.peer=1", "support.in_situ=0.5", "hr.advice=1")),
        Case("lockdown:information-reporting", lock,
             ("policy.information.delay_per_level=0.5", "policy.reporting.manager_hours=2")),
        Case("two_shocks:mobility-twinned", "two_shocks", ("mobility.mode=peer", "mobility.scope=twinned")),
        Case("lockdown:initiatives-alone", lock, ("initiatives.enabled=true",)),
        Case("lockdown:initiatives-design", lock, INITIATIVES_DESIGN),
        Case("two_shocks:initiatives-design", "two_shocks", INITIATIVES_DESIGN),
        Case("territory:initiatives-external", lock,
             ("organisation.archetype=territory", "initiatives.enabled=true", "initiatives.external_rate=0.1",
              "policy.authority.preset=centralised")),
    ]
    return [Case(name, name) for name in shipped()] + levers


def fingerprint(case: Case) -> dict:
    """Run a case and return its hashes and headline measures."""
    from .results import run
    from .scenario import load

    result = run(load(case.scenario).with_settings(list(case.settings)))
    table = result.table.drop(columns=["date"]).to_numpy(dtype=np.float64)
    summary = json.dumps(result.summary, sort_keys=True, default=_plain)
    return {
        "scenario": case.scenario,
        "settings": list(case.settings),
        "table": hashlib.sha256(np.ascontiguousarray(table).tobytes()).hexdigest(),
        "summary": hashlib.sha256(summary.encode()).hexdigest(),
        "headlines": {k: _plain(result.summary.get(k)) for k in HEADLINES},
    }


def _plain(v):
    """JSON form of numpy scalars and arrays."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


def run_all(selected: list[Case], progress: bool = True) -> dict[str, dict]:
    """Fingerprints of the selected cases, by name."""
    from tqdm import tqdm

    out = {}
    for case in tqdm(selected, desc="regression", unit="case", disable=not progress):
        out[case.name] = fingerprint(case)
    return out


def moved(base: dict[str, dict], now: dict[str, dict]) -> list[str]:
    """Lines describing each case whose table or summary differs from the baseline."""
    lines = []
    for name, fp in now.items():
        old = base.get(name)
        if old is None:
            lines.append(f"{name}: new case")
            continue
        what = [part for part in ("table", "summary") if fp[part] != old[part]]
        if what:
            changes = ", ".join(f"{k} {old['headlines'].get(k)} -> {v}" for k, v in fp["headlines"].items()
                                if v != old["headlines"].get(k))
            lines.append(f"{name}: {' and '.join(what)} moved" + (f" ({changes})" if changes else ""))
    return lines


def load_baseline(path: Path = BASELINE) -> dict[str, dict]:
    """The committed baseline (empty if none)."""
    return json.loads(path.read_text())["cases"] if path.exists() else {}


def main(argv: list[str] | None = None) -> int:
    """``check`` or ``update`` the baseline; exit 1 when ``check`` finds a moved case."""
    ap = argparse.ArgumentParser(prog="python -m resilience_sim.regression", description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("check", "update"))
    ap.add_argument("--case", action="append", default=[], help="only these cases (by name)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    every = cases()
    unknown = set(args.case) - {c.name for c in every}
    if unknown:
        print(f"unknown case(s) {sorted(unknown)}; cases are: {', '.join(c.name for c in every)}", file=sys.stderr)
        return 2
    selected = [c for c in every if not args.case or c.name in args.case]
    base = load_baseline()
    now = run_all(selected, progress=not args.quiet)
    lines = moved(base, now)
    for line in lines:
        print(line)
    if args.action == "check":
        print(f"{len(selected) - len(lines)} of {len(selected)} cases as in the baseline")
        return 1 if lines else 0
    merged = {**base, **now} if args.case else now
    BASELINE.write_text(json.dumps({"cases": merged}, indent=1, sort_keys=True) + "\n")
    print(f"baseline written: {len(merged)} cases, {len(lines)} moved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
