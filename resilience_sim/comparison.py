"""Compare organisation designs on one shock, for one or several organisations.

Every design runs the same ``r`` seeds (``results.replicate_seeds``) on each
organisation: common random numbers, so that the paired differences to the reference
design are sharp with few replicates (DESIGN §2). For every summary measure and every
design: the median and the 90 % band (5th–95th percentiles) over the replicates; and
against the reference design of the same organisation, the mean paired difference
with its 95 % interval (Student t) and the relative change — mean(design)/mean(reference)
− 1 — with a 95 % paired bootstrap interval (2,000 resamples of the replicate pairs,
a fixed generator, so the same inputs give the same interval). Daily curves
(performance, fatigue, redeployed staff, decisions waiting) are kept as median and
band per day.

Runs go to local processes (``jobs``); results do not depend on ``jobs``.

From a saved state (``compare --from STATE``, see :mod:`.checkpoint`) every design
continues the same run from the day it was saved: the past is shared, the design's
levers act from that day on, and the replicates' seeds draw the days after it. The
levers that are built before day 0 (``built`` parameters, twinning) cannot be switched
on in the middle of a crisis: they are left out of that design, and said so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .archetypes import ARCHETYPES
from .compare import interval, is_num, numeric_keys
from .designs import BASELINE, Design, apply
from .mobility import families
from .organisation import build, describe
from .results import replicate_seeds, run, run_many
from .scenario import Scenario
from .schema import ScenarioError, suggest

#: daily columns kept for the figures
CURVES = ("performance", "fatigue", "manager_fatigue", "redeployed", "decisions_waiting")
BOOTSTRAP = 2000


@dataclass(frozen=True)
class Arm:
    """One organisation × one design: the scenario every replicate of it runs."""

    org: str
    design: str
    scenario: Scenario
    values: dict | None = None  # a fork's changes to the saved scenario (None: a whole run)


def org_scenario(scenario: Scenario, entry: str | None) -> Scenario:
    """The scenario on another organisation: an archetype name or an org-chart CSV path.

    ``None`` keeps the scenario's own organisation. A CSV replaces the scenario's
    services (they take the declared defaults; to describe them, write a scenario file
    with ``organisation.csv``) and is used at its own size (``--agents`` rescales the
    archetypes only); an archetype replaces the services and twinning.
    """
    if entry is None:
        return scenario
    if entry in ARCHETYPES:
        s = scenario.with_values({"organisation.archetype": entry, "organisation.csv": None}, "--orgs")
        return replace(s, services=(), institutions=(), twinning=())
    path = Path(entry).expanduser()
    if path.suffix.lower() != ".csv":
        raise ScenarioError("--orgs", entry, "unknown organisation" + suggest(entry, ARCHETYPES) +
                            f"; give an archetype ({', '.join(ARCHETYPES)}) or an org-chart .csv file")
    if not path.is_file():
        raise ScenarioError(str(path), "organisation", "no such org-chart file")
    s = scenario.with_values({"organisation.csv": str(path.resolve()), "organisation.agents": None}, "--org")
    return replace(s, services=(), institutions=(), twinning=())  # an org chart is used as it is (no --agents)


def org_label(scenario: Scenario, entry: str | None) -> str:
    """Short name of an organisation for tables and figures."""
    if entry is not None:
        return Path(entry).stem if entry.lower().endswith(".csv") else entry
    if scenario["organisation.csv"]:
        return Path(scenario["organisation.csv"]).stem
    return scenario["organisation.archetype"] if not scenario.services else scenario.name


def plan(scenario: Scenario, designs: list[Design], orgs: list[str | None]) -> tuple[list[Arm], list[dict]]:
    """Every arm to run, and a description of each organisation.

    Builds each organisation once (a bad org chart fails here, before any long work)
    and each designed scenario's organisation too (a design that does not fit fails here).
    """
    from .engine import Simulation

    arms, described = [], []
    for entry in orgs:
        s = org_scenario(scenario, entry)
        org = build(s)
        label = org_label(scenario, entry)
        if any(d["label"] == label for d in described):
            raise ScenarioError("--orgs", label, "is listed twice; list each organisation once")
        _, names = families(org)
        info = _describe(org, label, names)
        for design in designs:
            ds, left = apply(s, design, names)
            if left:
                info["left_out"][design.name] = left
            Simulation(ds)  # checks what only the engine checks (pools, twinning) on a bad fit
            arms.append(Arm(label, design.name, ds))
        described.append(info)
    return arms, described


def fork_plan(state: str, scenario: Scenario, designs: list[Design]) -> tuple[list[Arm], list[dict]]:
    """Every arm of a comparison from a saved state, and a description of its organisation.

    Args:
        state: the saved state (``.npz``).
        scenario: the state's scenario with the command line's settings (which every
            design continues with).
        designs: the designs.

    Returns:
        As :func:`plan`; each organisation's ``levers_left_out`` names, per design, the
        levers that are built before day 0 and so left out of the fork.

    """
    from .checkpoint import built_keys, fork_values, restore

    common = fork_values(state, scenario)
    refused = built_keys(common)
    if refused:
        raise ScenarioError(state, refused[0], "is built before day 0: a comparison from a saved state can "
                            "change what acts day by day, not it")
    org = build(scenario)
    _, names = families(org)
    info = _describe(org, org_label(scenario, None), names)
    info["levers_left_out"] = {}
    arms = []
    for design in designs:
        values = {**common, **design.values}
        left = [k for k in built_keys(design.values) if design.values[k] != scenario[k]]
        for key in built_keys(design.values):  # those equal to the state's are in force already
            values.pop(key)
        left_out = [{"key": k, "value": design.values[k]} for k in left]
        left_out += [{"key": "twinning", "value": f"{p['a']} ↔ {p['b']}"} for p in design.twinning]
        if left_out:
            info["levers_left_out"][design.name] = left_out
        restore(state, values)  # a design that does not fit the state fails here, before any long work
        arms.append(Arm(info["label"], design.name, scenario.with_values(values, design.source), values))
    return arms, [info]


def _describe(org, label: str, names: list[str]) -> dict:
    d = describe(org)
    return {"label": label, "agents": d["agents"], "services": d["services"], "institutions": d["institutions"],
            "managers_by_level": {str(k): v for k, v in d["managers_by_level"].items()},
            "service_names": names, "left_out": {}}


def _outputs(scenario: Scenario) -> dict:
    """What a comparison keeps of one run: its summary and a few daily curves."""
    return _kept(run(scenario))


def _fork_outputs(item: tuple[str, dict, int]) -> dict:
    """The same for a fork: ``item`` is (state, the design's values, seed)."""
    from .checkpoint import resume_run

    state, values, seed = item
    return _kept(resume_run(state, {**values, "run.seed": seed}))


def _kept(res) -> dict:
    return {"summary": res.summary,
            "curves": {c: res.table[c].to_numpy(dtype=np.float64) for c in CURVES}}


def compare_designs(scenario: Scenario, designs: list[Design], orgs: list[str | None], r: int, jobs: int = 1,
                    progress: Callable[[int], None] | None = None,
                    prepared: tuple[list[Arm], list[dict]] | None = None, state: str | None = None) -> dict:
    """Run every design on every organisation on ``r`` common seeds and compare them.

    Args:
        scenario: the shock (and, unless ``orgs`` say otherwise, the organisation).
        designs: the designs; the reference is ``baseline`` if listed, else the first.
        orgs: organisations (archetype names, CSV paths, or ``None`` for the scenario's own).
        r: replicates per design (≥ 2 for intervals).
        jobs: local processes.
        progress: called with 1 after each run.
        prepared: the result of :func:`plan` (or :func:`fork_plan`) if already made.
        state: a saved state every design continues (``orgs`` then empty); see
            :func:`fork_plan`.

    Returns:
        A JSON-serialisable dict (see :func:`summarise_arm` for each design's block).

    """
    if state and orgs:
        raise ScenarioError("--from", state, "a saved state holds its organisation: give no other organisation")
    arms, described = prepared or (fork_plan(state, scenario, designs) if state else plan(scenario, designs, orgs))
    seeds = replicate_seeds(scenario["run.seed"], r)
    if state:
        state = str(Path(state).resolve())
        outs = run_many([(state, a.values, s) for a in arms for s in seeds], jobs, progress, worker=_fork_outputs)
    else:
        runs = [a.scenario.with_values({"run.seed": s}, "replicate seed") for a in arms for s in seeds]
        outs = run_many(runs, jobs, progress, worker=_outputs)
    names = [d.name for d in designs]
    reference = BASELINE if BASELINE in names else names[0]
    for info in described:
        by_design = {a.design: outs[i * r:(i + 1) * r] for i, a in enumerate(arms) if a.org == info["label"]}
        ref = [o["summary"] for o in by_design[reference]]
        keys = numeric_keys([o["summary"] for o in outs])
        info["results"] = {name: summarise_arm([o["summary"] for o in by_design[name]], ref,
                                               [o["curves"] for o in by_design[name]], keys)
                           for name in names}
    return {
        "scenario": scenario.name, "title": scenario.title, "description": scenario.description.strip(),
        "days": scenario["run.days"], "start_date": scenario["run.start_date"], "onset": scenario.onset,
        "shock": [dict(c) for c in scenario.shocks], "replicates": r, "seeds": seeds, "reference": reference,
        "designs": [design_record(d) for d in designs], "orgs": described,
        "fork": {"state": Path(state).name, "day": _state_day(state)} if state else None,
    }


def _state_day(state: str) -> int:
    from .checkpoint import state_day

    return state_day(state)


def design_record(d: Design) -> dict:
    """A design as written into comparison.json and the report."""
    return {"name": d.name, "title": d.title, "summary": d.summary, "source": d.source,
            "levers": [{"key": lv.key, "value": lv.value, "reason": lv.reason, "design": lv.design}
                       for lv in d.levers],
            "twinning": [dict(p) for p in d.twinning]}


def summarise_arm(summaries: list[dict], reference: list[dict], curves: list[dict], keys: list[str]) -> dict:
    """Median, 90 % band and paired difference to the reference of every measure ``keys``; daily bands."""
    outcomes = {}
    for key in keys:
        vals = [s.get(key) for s in summaries]
        nums = np.array([float(v) for v in vals if is_num(v)])
        block = {"n": int(len(nums)), "missing": len(vals) - len(nums), "median": None, "p05": None, "p95": None}
        if len(nums):
            block.update(median=float(np.median(nums)), p05=float(np.percentile(nums, 5)),
                         p95=float(np.percentile(nums, 95)), mean=float(np.mean(nums)))
        block.update(paired(reference, summaries, key))
        outcomes[key] = block
    bands = {}
    for col in CURVES:
        m = np.vstack([c[col] for c in curves])
        q = np.nanpercentile(m, [5, 50, 95], axis=0)
        bands[col] = {"p05": _floats(q[0]), "median": _floats(q[1]), "p95": _floats(q[2])}
    return {"outcomes": outcomes, "curves": bands}


def _floats(a: np.ndarray) -> list[float | None]:
    return [None if math.isnan(x) else round(float(x), 6) for x in a]


def paired(a: list[dict], b: list[dict], key: str) -> dict:
    """Paired difference b − a of one measure: absolute (t interval) and relative (bootstrap)."""
    pairs = [(x.get(key), y.get(key)) for x, y in zip(a, b, strict=True)]
    ok = np.array([(float(x), float(y)) for x, y in pairs if is_num(x) and is_num(y)]).reshape(-1, 2)
    out = {"pairs": int(len(ok)), "difference": None, "relative": None}
    if len(ok) == 0:
        return out
    out["difference"] = interval(list(ok[:, 1] - ok[:, 0]))
    out["relative"] = relative(ok[:, 0], ok[:, 1])
    return out


def relative(a: np.ndarray, b: np.ndarray) -> dict | None:
    """mean(b)/mean(a) − 1 with a 95 % paired bootstrap interval (None when mean(a) is 0)."""
    if abs(a.mean()) < 1e-12:
        return None
    est = float(b.mean() / a.mean() - 1.0)
    n = len(a)
    if n < 2:
        return {"mean": est, "low": None, "high": None, "n": n}
    idx = np.random.default_rng(20240917).integers(0, n, size=(BOOTSTRAP, n))
    den = a[idx].mean(axis=1)
    ratios = np.where(np.abs(den) > 1e-12, b[idx].mean(axis=1) / np.where(den == 0, 1, den) - 1.0, np.nan)
    lo, hi = np.nanpercentile(ratios, [2.5, 97.5])
    return {"mean": est, "low": float(min(lo, est)), "high": float(max(hi, est)), "n": n}


def clear_effect(block: dict) -> int:
    """+1 or −1 when the paired 95 % interval of the difference excludes 0 (that sign), else 0."""
    d = block.get("difference")
    if not d or d["low"] is None:
        return 0
    if d["low"] > 0:
        return 1
    if d["high"] < 0:
        return -1
    return 0


def table_rows(result: dict) -> list[dict]:
    """comparison.csv: one row per organisation × design × measure."""
    rows = []
    for info in result["orgs"]:
        for design, res in info["results"].items():
            for key, o in res["outcomes"].items():
                d, rel = o.get("difference") or {}, o.get("relative") or {}
                rows.append({"organisation": info["label"], "design": design, "measure": key,
                             "median": o["median"], "band_p05": o["p05"], "band_p95": o["p95"],
                             "replicates": o["n"], "missing": o["missing"], "reference": result["reference"],
                             "difference": d.get("mean"), "difference_low": d.get("low"),
                             "difference_high": d.get("high"), "relative": rel.get("mean"),
                             "relative_low": rel.get("low"), "relative_high": rel.get("high"),
                             "clear_effect": clear_effect(o)})
    return rows
