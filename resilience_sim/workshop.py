"""Helpers for the workshop notebooks: runs, ensembles and figures in French or English.

The notebooks in ``notebooks/`` import these and hold no model logic. With the
environment variable ``RESILIENCE_SIM_QUICK=1`` (the test suite sets it), every
organisation is rescaled to ``QUICK_AGENTS`` staff and ensembles use ``QUICK_REPLICATES``
seeds, so a notebook runs top to bottom in seconds.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import results
from .kernels.record import column_index
from .scenario import Scenario, load

QUICK_AGENTS = 150
QUICK_REPLICATES = 3

WORDS = {
    "fr": {"day": "jour", "p": "performance P(t)", "shock": "choc", "median": "médiane",
           "band": "bande à 90 %", "waiting": "décisions en attente", "moved": "agents redéployés"},
    "en": {"day": "day", "p": "performance P(t)", "shock": "shock", "median": "median",
           "band": "90 % band", "waiting": "decisions waiting", "moved": "agents redeployed"},
}
#: the measures shown in the notebooks' tables, with their French and English names
MEASURES = {
    "depth": ("profondeur du choc (1 − min/P0)", "depth (1 − min/P0)"),
    "area_lost": ("jours de performance perdus", "days of performance lost"),
    "days_to_recover": ("jours pour revenir à 95 %", "days to recover to 95 %"),
    "decision_latency_mean": ("attente moyenne d'une décision (jours)", "mean decision wait (days)"),
    "unmet_essential": ("tâches essentielles non servies", "essential tasks unmet"),
    "burnout_days": ("jours d'épuisement", "burnout days"),
    "redeployed_agent_days": ("jours-agents redéployés", "agent-days redeployed"),
}


def quick() -> bool:
    """Whether ``RESILIENCE_SIM_QUICK`` asks for small, fast runs."""
    return os.environ.get("RESILIENCE_SIM_QUICK", "") not in ("", "0", "false", "no")


def scenario(name: str = "covid_lockdown_2020", settings: dict | None = None) -> Scenario:
    """A scenario with ``settings`` (dotted key → value), rescaled when quick."""
    s = load(name)
    values = dict(settings or {})
    if quick() and not s["organisation.csv"]:
        values.setdefault("organisation.agents", QUICK_AGENTS)
    return s.with_values(values, "notebook") if values else s


def replicates() -> int:
    """Seeds per design in the notebooks' ensembles."""
    return QUICK_REPLICATES if quick() else 20


def run(name: str = "covid_lockdown_2020", settings: dict | None = None) -> results.RunResult:
    """One run of a scenario with some settings."""
    return results.run(scenario(name, settings))


def runs(name: str, designs: dict[str, dict], seeds: int | None = None) -> dict[str, list[results.RunResult]]:
    """Each design run on the same seeds (common random numbers)."""
    base = scenario(name)
    chosen = results.replicate_seeds(base["run.seed"], seeds or replicates())
    return {label: [results.run(scenario(name, {**settings, "run.seed": s})) for s in chosen]
            for label, settings in designs.items()}


def table(found: dict[str, list[results.RunResult]], lang: str = "fr") -> pd.DataFrame:
    """Median of each measure by design (rows: measures in ``lang``)."""
    k = 0 if lang == "fr" else 1
    rows = {}
    for label, rs in found.items():
        rows[label] = {MEASURES[m][k]: _median([r.summary.get(m) for r in rs]) for m in MEASURES}
    return pd.DataFrame(rows)


def _median(values: list) -> float | None:
    nums = [float(v) for v in values if v is not None]
    return float(np.median(nums)) if nums else None


def curves(found: dict[str, list[results.RunResult]], lang: str = "fr", column: str = "performance",
           title: str = "") -> Figure:
    """Median and 90 % band of a daily column for each design."""
    w = WORDS[lang]
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.add_subplot()
    for label, rs in found.items():
        values = np.vstack([r.table[column].to_numpy() for r in rs])
        days = np.arange(values.shape[1])
        line, = ax.plot(days, np.median(values, axis=0), lw=2, label=label)
        if len(rs) > 1:
            ax.fill_between(days, np.percentile(values, 5, axis=0), np.percentile(values, 95, axis=0),
                            color=line.get_color(), alpha=0.15)
    onset = next(iter(found.values()))[0].scenario.onset
    if onset is not None:
        ax.axvline(onset, color="#c0392b", ls=":", lw=1, label=w["shock"])
    ax.set_xlabel(w["day"])
    ax.set_ylabel(w["p"] if column == "performance" else column)
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8)
    return fig


def queues(result: results.RunResult, lang: str = "fr") -> Figure:
    """Decisions waiting at each level, day by day (the kernels' ``queue_l*`` columns)."""
    from .figures import queues_figure

    return queues_figure(result, lang)


def daily(result: results.RunResult, columns: list[str]) -> pd.DataFrame:
    """Some daily columns of a run, one row a week (for a readable table)."""
    unknown = [c for c in columns if c not in column_index()]
    if unknown:
        raise KeyError(f"unknown daily columns {unknown}; see resilience_sim.kernels.record.columns()")
    return result.table[["day", "date", *columns]].iloc[::7].reset_index(drop=True)
