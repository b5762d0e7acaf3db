"""Helpers for the workshop notebooks: runs, ensembles and figures in French or English.

The notebooks in ``notebooks/`` import these and hold no model logic. With the
environment variable ``RESILIENCE_SIM_QUICK=1`` (the test suite sets it), every
organisation is rescaled to ``QUICK_AGENTS`` staff and ensembles use ``QUICK_REPLICATES``
seeds, so a notebook runs top to bottom in seconds.

Spontaneous initiatives (notebook 04) have their own helpers: a design's settings and
levers (:func:`design_settings`, :func:`design_levers`), a run's event log
(:func:`initiative_events`), its initiatives over time (:func:`initiatives_by_day`,
:func:`initiatives_over_time`) and the designs' counts side by side
(:func:`initiatives_table`, :func:`initiatives_bars`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import results
from .designs import load_design
from .figures import ShownFigure, shade
from .kernels.record import column_index
from .scenario import Scenario, load

QUICK_AGENTS = 150
QUICK_REPLICATES = 3

WORDS = {
    "fr": {"day": "jour", "p": "performance P(t)", "shock": "choc", "median": "médiane",
           "band": "bande à 90 %", "waiting": "décisions en attente", "moved": "agents redéployés",
           "launched": "lancées", "approved": "approuvées", "blocked": "bloquées", "failed": "en échec",
           "recognised": "reconnues", "relayed": "relayées", "adopted": "adoptées", "running": "en cours",
           "so_far": "initiatives depuis le jour 0 (cumul)", "now": "en cours ce jour",
           "initiatives": "Initiatives spontanées", "per_run": "initiatives par simulation (médiane, 90 % des tirages)",
           "key": "levier", "value": "valeur", "reason": "pourquoi cette valeur",
           "date": "date", "agent": "agent", "service": "service de l'agent", "need": "service aidé",
           "event": "événement"},
    "en": {"day": "day", "p": "performance P(t)", "shock": "shock", "median": "median",
           "band": "90 % band", "waiting": "decisions waiting", "moved": "agents redeployed",
           "launched": "launched", "approved": "approved", "blocked": "blocked", "failed": "failed",
           "recognised": "recognised", "relayed": "relayed", "adopted": "adopted", "running": "running",
           "so_far": "initiatives since day 0 (cumulative)", "now": "running that day",
           "initiatives": "Spontaneous initiatives", "per_run": "initiatives per run (median, 90 % of the draws)",
           "key": "lever", "value": "value", "reason": "why this value",
           "date": "date", "agent": "agent", "service": "agent's service", "need": "service helped",
           "event": "event"},
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
#: the measures of a scenario with two shocks (``metrics.second_shock``), with their French and English names
SHOCKS = {
    "first_shock_area_lost": ("jours perdus au premier choc", "days lost in the first shock"),
    "second_shock_area_lost": ("jours perdus au second choc", "days lost in the second shock"),
    "counter_adapt": ("second choc / premier (pertes)", "second shock / first (losses)"),
    "lasting_gain": ("gain durable de capacité (part)", "lasting capacity gain (share)"),
}
#: what spontaneous initiatives left in a run (summary keys of ``metrics.initiative_counts`` and
#: ``initiatives.outcomes``), with their French and English names
INITIATIVES = {
    "initiatives_launched": ("initiatives lancées", "initiatives launched"),
    "initiatives_approved": ("approuvées par la hiérarchie", "approved by the hierarchy"),
    "initiatives_blocked": ("bloquées par la hiérarchie", "blocked by the hierarchy"),
    "initiatives_failed": ("en échec (n'ont pas marché)", "failed (did not work)"),
    "initiatives_recognised": ("reconnues (appel à témoignages)", "recognised (call for testimonies)"),
    "initiatives_relayed": ("relayées par la cellule innovation", "relayed by the innovation cell"),
    "initiatives_adopted": ("adoptées comme pratique courante", "adopted as standard practice"),
    "initiators": ("agents qui en ont lancé au moins une", "staff who launched at least one"),
    "lasting_gain": ("gain durable de capacité (part)", "lasting capacity gain (share)"),
    "initiators_fatigue": ("fatigue finale des initiateurs", "initiators' fatigue at the end"),
    "others_fatigue": ("fatigue finale des autres agents", "other staff's fatigue at the end"),
    "initiators_engagement": ("engagement final des initiateurs", "initiators' engagement at the end"),
    "others_engagement": ("engagement final des autres agents", "other staff's engagement at the end"),
}
#: the steps of an initiative's life drawn by :func:`initiatives_over_time` and :func:`initiatives_bars`
STEPS = ("launched", "blocked", "failed", "relayed", "adopted")
#: the events of the initiatives' log (``params.INITIATIVE_EVENTS``) in French and English
EVENTS = {
    "launched": ("lancée", "launched"),
    "approved": ("approuvée", "approved"),
    "blocked": ("bloquée", "blocked"),
    "failed": ("en échec", "failed"),
    "recognised": ("reconnue (témoignage)", "recognised (testimony)"),
    "relayed": ("relayée par la cellule", "relayed by the cell"),
    "adopted": ("adoptée", "adopted"),
    "ended": ("terminée", "ended"),
    "external_launched": ("lancée par un acteur externe", "launched by an outside actor"),
    "external_supported": ("partenariat accepté", "partnership supported"),
    "external_blocked": ("partenariat bloqué", "partnership blocked"),
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


def table(found: dict[str, list[results.RunResult]], lang: str = "fr",
          measures: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """Median of each measure by design (rows: measures in ``lang``).

    ``measures`` (summary key → French and English names) defaults to :data:`MEASURES`;
    :data:`SHOCKS` reads a scenario with two shocks.
    """
    k = 0 if lang == "fr" else 1
    measures = MEASURES if measures is None else measures
    rows = {}
    for label, rs in found.items():
        rows[label] = {measures[m][k]: _median([r.summary.get(m) for r in rs]) for m in measures}
    return pd.DataFrame(rows)


def _median(values: list) -> float | None:
    nums = [float(v) for v in values if v is not None]
    return float(np.median(nums)) if nums else None


def curves(found: dict[str, list[results.RunResult]], lang: str = "fr", column: str = "performance",
           title: str = "") -> Figure:
    """Median and 90 % band of a daily column for each design."""
    w = WORDS[lang]
    fig = ShownFigure(figsize=(9, 4), layout="constrained")
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


def design_settings(name: str) -> dict[str, Any]:
    """The lever settings of a design, to pass to :func:`runs` or :func:`run`.

    Args:
        name: a design shipped in ``scenarios/designs/`` (``"baseline"``, ``"initiatives"`` …)
            or the path of a design file.

    Returns:
        The design's lever values by dotted key.

    Raises:
        ValueError: the design twins services, which settings cannot carry (use
            ``resilience-sim compare --designs`` for it).

    """
    found = load_design(name)
    if found.twinning:
        raise ValueError(f"design {found.name!r} twins services, which settings cannot carry; "
                         "compare it with `resilience-sim compare --designs`")
    return found.values


def design_levers(name: str, lang: str = "fr") -> pd.DataFrame:
    """A design's levers, their values and why each value was chosen, in ``lang``.

    Args:
        name: a shipped design's name or the path of a design file.
        lang: ``"fr"`` or ``"en"``.

    Returns:
        One row per lever (index: the dotted key), columns value and reason.

    """
    w = WORDS[lang]
    levers = load_design(name).levers
    return pd.DataFrame({w["value"]: [lv.value for lv in levers], w["reason"]: [lv.reason[lang] for lv in levers]},
                        index=pd.Index([lv.key for lv in levers], name=w["key"]))


def initiative_events(result: results.RunResult, lang: str = "fr") -> pd.DataFrame:
    """The initiatives' event log of a run, in ``lang``: day, date, agent, services and event.

    Args:
        result: a run (initiatives off: the table is empty).
        lang: ``"fr"`` or ``"en"``.

    Returns:
        One row per event, in the order they happened (agent -1 for an outside actor).

    """
    k = 0 if lang == "fr" else 1
    w = WORDS[lang]
    log = result.initiatives
    if log is None:
        log = pd.DataFrame({"day": pd.Series(dtype=int), "agent": pd.Series(dtype=int), "service": [], "need": [],
                            "outcome": []})
    dates = result.table["date"].to_numpy()
    return pd.DataFrame({w["day"]: log["day"].to_numpy(), w["date"]: dates[log["day"].to_numpy(dtype=int)],
                         w["agent"]: log["agent"].to_numpy(), w["service"]: log["service"].to_numpy(),
                         w["need"]: log["need"].to_numpy(),
                         w["event"]: [EVENTS[e][k] for e in log["outcome"]]})


def initiatives_by_day(result: results.RunResult) -> pd.DataFrame:
    """Initiatives launched, blocked, failed, relayed and adopted each day of a run, and those running.

    ``launched``, ``blocked``, ``adopted`` and ``running`` are the daily table's
    ``initiatives_*`` columns (``kernels.record``); ``failed`` and ``relayed``, which have
    no daily column, are counted from the event log. Over the run they add up to the
    summary's ``initiatives_*`` counts (``metrics.initiative_counts``).

    Args:
        result: a run (initiatives off: every count is 0).

    Returns:
        One row per day: ``day``, ``date``, one column per step of :data:`STEPS`, ``running``.

    """
    table = result.table
    n = len(table)
    out = pd.DataFrame({"day": table["day"].to_numpy(), "date": table["date"].to_numpy()})
    log = result.initiatives
    for step in STEPS:
        column = f"initiatives_{step}"
        if column in table:
            out[step] = np.nan_to_num(table[column].to_numpy()).astype(np.int64)
        else:
            days = log["day"][log["outcome"] == step].to_numpy(dtype=np.int64) if log is not None else []
            out[step] = np.bincount(np.asarray(days, dtype=np.int64), minlength=n)[:n]
    out["running"] = np.nan_to_num(table["initiatives_running"].to_numpy()).astype(np.int64)
    return out


_STEP_COLOURS = {"launched": "tab:blue", "blocked": "tab:red", "failed": "tab:orange", "relayed": "tab:purple",
                 "adopted": "tab:green"}


def initiatives_over_time(result: results.RunResult, lang: str = "fr", title: str = "") -> Figure:
    """Initiatives launched, blocked, failed, relayed and adopted since day 0, and those running.

    Top: each step counted from day 0 (so the last point of a curve is the run's total);
    bottom: initiatives running each day. The shock is shaded.

    Args:
        result: a run (see :func:`initiatives_by_day`).
        lang: ``"fr"`` or ``"en"``.
        title: figure title (default: "Spontaneous initiatives" in ``lang``).

    Returns:
        The figure.

    """
    w = WORDS[lang]
    by_day = initiatives_by_day(result)
    days = by_day["day"].to_numpy()
    fig = ShownFigure(figsize=(9, 5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    for step in STEPS:
        top.step(days, by_day[step].cumsum().to_numpy(), where="post", lw=2, color=_STEP_COLOURS[step],
                 label=w[step])
    bottom.fill_between(days, by_day["running"].to_numpy(), step="post", color="0.6", label=w["running"])
    shade(top, result.crisis, w["shock"], color="#c0392b", alpha=0.08)
    shade(bottom, result.crisis, None, color="#c0392b", alpha=0.08)
    top.set_ylabel(w["so_far"], fontsize=9)
    bottom.set_ylabel(w["now"], fontsize=9)
    bottom.set_xlabel(w["day"])
    top.set_title(title or w["initiatives"], fontsize=11)
    top.legend(fontsize=8, loc="upper left")
    return fig


def initiatives_table(found: dict[str, list[results.RunResult]], lang: str = "fr") -> pd.DataFrame:
    """Median of each initiatives count (:data:`INITIATIVES`) by design (rows in ``lang``).

    Args:
        found: runs by design (:func:`runs`).
        lang: ``"fr"`` or ``"en"``.

    Returns:
        One row per count, one column per design: the median over the design's runs (the
        initiators' fatigue and engagement are left empty where nobody launched one).

    """
    k = 0 if lang == "fr" else 1
    return pd.DataFrame({label: {INITIATIVES[m][k]: _median([r.summary.get(m) for r in rs]) for m in INITIATIVES}
                         for label, rs in found.items()})


def initiatives_bars(found: dict[str, list[results.RunResult]], lang: str = "fr", title: str = "") -> Figure:
    """Initiatives launched, blocked, failed, relayed and adopted per run, design beside design.

    Bars: the median over a design's runs; whiskers: 90 % of the runs (5th to 95th percentile).

    Args:
        found: runs by design (:func:`runs`).
        lang: ``"fr"`` or ``"en"``.
        title: figure title (default: "Spontaneous initiatives" in ``lang``).

    Returns:
        The figure.

    """
    w = WORDS[lang]
    fig = ShownFigure(figsize=(9, 4), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(STEPS))
    width = 0.8 / max(len(found), 1)
    for i, (label, rs) in enumerate(found.items()):
        values = np.array([[r.summary[f"initiatives_{step}"] for step in STEPS] for r in rs], dtype=float)
        mid = np.median(values, axis=0)
        low, high = np.percentile(values, 5, axis=0), np.percentile(values, 95, axis=0)
        ax.bar(x + (i - (len(found) - 1) / 2) * width, mid, width, yerr=[mid - low, high - mid], capsize=3,
               label=label)
    ax.set_xticks(x, [w[step] for step in STEPS])
    ax.set_ylabel(w["per_run"], fontsize=9)
    ax.set_title(title or w["initiatives"], fontsize=11)
    ax.legend(fontsize=8)
    return fig
