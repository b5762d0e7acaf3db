"""Global sensitivity analysis through SALib: Sobol indices and Morris screening.

The SALib sample is the plan of a sweep (so it runs on any backend, streams its rows
and resumes); each design's outcome is averaged over its replicates, then analysed:
first and total order Sobol indices with 95 % intervals (Saltelli sampling, N·(D+2)
designs, N a power of 2), or Morris μ*, its interval and σ (N·(D+1) designs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..results import atomic_file
from ..scenario import Scenario
from ..schema import ScenarioError
from .models import simulate
from .runner import SweepReport, sweep
from .spec import Factor, Plan

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4


def n_designs(method: str, n: int, d: int) -> int:
    """Designs a method needs for ``d`` keys and base sample ``n``."""
    return n * (d + 2) if method == "sobol" else n * (d + 1)


def check(method: str, n: int, factors: list[Factor]) -> None:
    """Refuse what SALib cannot analyse, saying how to fix it."""
    if method not in METHODS:
        raise ScenarioError("--method", method, "choose sobol or morris")
    if len(factors) < 2:
        raise ScenarioError("--param", "KEY=low:high", "give at least two keys to compare")
    for f in factors:
        if f.low is None:
            raise ScenarioError("--param", f.key, "needs a numeric range low:high (levels cannot be analysed "
                                "here; sweep them with --grid)")
        if f.low == f.high:
            raise ScenarioError("--param", f.key, f"the range {f.low:g}:{f.high:g} is empty; give low < high")
    if method == "sobol" and (n < 2 or n & (n - 1)):
        power = 1 << max(1, int(round(np.log2(max(n, 2)))))
        raise ScenarioError("--samples", str(n), f"Sobol needs a power of 2 (e.g. {power})")


def problem_of(factors: list[Factor]) -> dict:
    """The SALib problem of the factors."""
    return {"num_vars": len(factors), "names": [f.key for f in factors],
            "bounds": [[f.low, f.high] for f in factors]}


def sample(method: str, factors: list[Factor], n: int, seed: int) -> np.ndarray:
    """The SALib design matrix (one row per design), deterministic for a seed."""
    problem = problem_of(factors)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, seed=seed % 2**32)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed % 2**32)


def plan_of(method: str, factors: list[Factor], n: int, replicates: int, seed: int) -> tuple[Plan, np.ndarray]:
    """The sweep plan of a sensitivity analysis, and its design matrix."""
    x = sample(method, factors, n, seed)
    designs = tuple({f.key: (int(round(v)) if f.integer else float(v)) for f, v in zip(factors, row, strict=True)}
                    for row in x)
    identity = {"method": method, "factors": [f.text() for f in factors], "samples": n}
    return Plan(designs, replicates, seed, identity), x


def analyse(method: str, factors: list[Factor], x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Indices by key: S1, S1_conf, ST, ST_conf (Sobol) or mu_star, mu_star_conf, sigma, mu (Morris)."""
    problem = problem_of(factors)
    if method == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=False, seed=seed % 2**32)
        cols = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, num_levels=MORRIS_LEVELS, seed=seed % 2**32)
        cols = ("mu_star", "mu_star_conf", "sigma", "mu")
    return pd.DataFrame({c: np.asarray(res[c], dtype=float) for c in cols}, index=problem["names"])


def outcome_by_design(folder: Path, outcome: str, n: int) -> np.ndarray:
    """The outcome of every design, averaged over its replicates that finished."""
    from .store import read_runs

    runs = read_runs(folder)
    if outcome not in runs:
        known = [c for c in runs.columns if runs[c].dtype.kind in "fi" and c not in ("run_id", "design")]
        from ..schema import suggest

        raise ScenarioError("--outcome", outcome, "not an outcome of these runs" + suggest(outcome, known))
    ok = runs[(runs["status"] == "ok") & runs[outcome].notna()]
    y = ok.groupby("design")[outcome].mean().reindex(range(n))
    missing = np.flatnonzero(y.isna().to_numpy())
    if len(missing):
        raise ScenarioError(str(folder), outcome, f"{len(missing)} design(s) have no value (e.g. design "
                            f"{missing[0]}; see the failed rows' error column); the indices need every design")
    return y.to_numpy(dtype=float)


def sensitivity(scenario: Scenario, method: str, factors: list[Factor], outcome: str, n: int, replicates: int,
                out: str | Path, backend=None, model: Callable = simulate, resume: bool = False,
                progress: Callable | None = None, lang: str = "en", validate_keys: bool = True,
                batch: int | None = None, start: Callable | None = None) -> tuple[pd.DataFrame, SweepReport]:
    """Run the SALib sample through a sweep in ``out`` and write the indices and their figure."""
    from .figures import morris_bars, save, sobol_bars

    check(method, n, factors)
    plan, x = plan_of(method, factors, n, replicates, scenario["run.seed"])
    report = sweep(scenario, plan, out, backend, model, resume=resume, progress=progress,
                   validate_keys=validate_keys, batch=batch, start=start)
    out = Path(out)
    y = outcome_by_design(out, outcome, len(plan.designs))
    indices = analyse(method, factors, x, y, scenario["run.seed"])
    head = {"method": method, "outcome": outcome, "samples": n, "designs": len(plan.designs),
            "replicates": replicates, "runs": plan.n_runs, "indices": indices.to_dict(orient="index")}
    atomic_file(out / "indices.csv", lambda p: indices.to_csv(p, index_label="key"))
    atomic_file(out / "sensitivity.json", lambda p: p.write_text(json.dumps(head, indent=2)))
    fig = (sobol_bars if method == "sobol" else morris_bars)(indices, outcome, lang)
    atomic_file(out / f"{method}.png", lambda p: save(fig, p))
    return indices, report
