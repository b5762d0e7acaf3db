"""Figures for people: the performance curve with the shock window shaded.

Labels exist in English and French (``lang="en"`` or ``"fr"``). The figures are
matplotlib ``Figure`` objects made without pyplot: saving one needs no display and
selects no backend, and Jupyter shows one left as a cell's value as a PNG
(:class:`ShownFigure`), whatever the notebook's backend.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

from .metrics import smooth


class ShownFigure(Figure):
    """A figure that Jupyter shows as a PNG whatever matplotlib's backend."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def subplots(*args, **kw):
    """``(figure, axes)`` as ``pyplot.subplots`` gives them, on a :class:`ShownFigure` not held by pyplot."""
    fig = ShownFigure(figsize=kw.pop("figsize", None))
    return fig, fig.subplots(*args, **kw)

LABELS = {
    "en": {"title": "Performance: share of demand served on time", "day": "day",
           "p": "performance P(t)", "smooth": "{w}-day mean", "p0": "pre-shock level P₀",
           "rec": "{s:.0%} of P₀", "shock": "shock", "band": "90 % band of {r} runs",
           "median": "median", "flows": "Redeployments: agent-days worked for another service",
           "agent_days": "agent-days", "no_flow": "no redeployment in this run",
           "queues": "Decisions waiting at managers' desks, by level",
           "waiting": "decisions at the desks (end of day)",
           "levels": ("executive", "deputies", "directors", "heads of service", "team leaders",
                      "level 5"),
           "initiatives": "Spontaneous initiatives", "per_week": "initiatives per week",
           "launched": "launched", "blocked": "blocked", "adopted": "adopted", "running": "running",
           "routes": "where they came from → where they went (launches)", "no_init": "no initiative in this run"},
    "fr": {"title": "Performance : part de la demande servie à temps", "day": "jour",
           "p": "performance P(t)", "smooth": "moyenne sur {w} jours", "p0": "niveau avant choc P₀",
           "rec": "{s:.0%} de P₀", "shock": "choc", "band": "bande à 90 % sur {r} tirages",
           "median": "médiane", "flows": "Redéploiements : jours-agents travaillés pour un autre service",
           "agent_days": "jours-agents", "no_flow": "aucun redéploiement dans ce tirage",
           "queues": "Décisions en attente chez les encadrants, par niveau",
           "waiting": "décisions en attente (fin de journée)",
           "levels": ("direction générale", "DGA", "directions", "chefs de service",
                      "chefs d'équipe", "niveau 5"),
           "initiatives": "Initiatives spontanées", "per_week": "initiatives par semaine",
           "launched": "lancées", "blocked": "bloquées", "adopted": "adoptées", "running": "en cours",
           "routes": "d'où elles viennent → où elles vont (lancements)", "no_init": "aucune initiative dans ce tirage"},
}


def shade(ax, crisis: np.ndarray, label: str | None, color: str = "tab:red", alpha: float = 0.12) -> None:
    """Shade the days a shock is active on ``ax`` (one band per episode, labelled once)."""
    days = np.flatnonzero(crisis)
    if len(days) == 0:
        return
    starts = days[np.insert(np.diff(days) > 1, 0, True)]
    ends = days[np.append(np.diff(days) > 1, True)]
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        ax.axvspan(a - 0.5, b + 0.5, color=color, alpha=alpha, label=label if k == 0 else None)


def performance_figure(result, lang: str = "en"):
    """The performance curve of one run, shock window shaded, P₀ and recovery lines."""
    t = LABELS[lang]
    s = result.scenario
    p = result.table["performance"].to_numpy()
    w = s["outcomes.smoothing_days"]
    fig, ax = subplots(figsize=(9, 4.5))
    shade(ax, result.crisis, t["shock"])
    days = result.table["day"].to_numpy()
    ax.plot(days, p, color="0.6", lw=0.8, label=t["p"])
    ax.plot(days, smooth(p, w), color="tab:blue", lw=2, label=t["smooth"].format(w=w))
    p0 = result.summary["p0"]
    ax.axhline(p0, color="k", ls="--", lw=1, label=t["p0"])
    share = s["outcomes.recovery_share"]
    ax.axhline(share * p0, color="k", ls=":", lw=1, label=t["rec"].format(s=share))
    ax.set_xlabel(f"{t['day']} (0 = {s['run.start_date']})")
    ax.set_ylabel(t["p"])
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{t['title']}\n{s.title or s.name}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def queues_figure(result, lang: str = "en"):
    """Decisions waiting at the desks of each level over time, shock window shaded."""
    t = LABELS[lang]
    table = result.table
    fig, ax = subplots(figsize=(9, 4.5))
    shade(ax, result.crisis, t["shock"])
    days = table["day"].to_numpy()
    for level, name in enumerate(t["levels"]):
        q = table[f"queue_l{level}"].to_numpy()
        if np.nanmax(q) > 0:
            ax.plot(days, q, lw=1.5, label=f"{level} — {name}")
    ax.set_xlabel(f"{t['day']} (0 = {result.scenario['run.start_date']})")
    ax.set_ylabel(t["waiting"])
    ax.set_title(f"{t['queues']}\n{result.scenario.title or result.scenario.name}", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def flows_figure(result, lang: str = "en", top: int = 15):
    """The largest flows of agent-days from home service to host service."""
    t = LABELS[lang]
    fig, ax = subplots(figsize=(9, 4.5))
    flows, names = result.flows, result.families
    if flows is None or flows.sum() == 0:
        ax.text(0.5, 0.5, t["no_flow"], ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        src, dst = np.nonzero(flows)
        order = np.argsort(-flows[src, dst], kind="stable")[:top][::-1]
        labels = [f"{names[src[k]]} → {names[dst[k]]}" for k in order]
        ax.barh(labels, flows[src[order], dst[order]], color="tab:green")
        ax.set_xlabel(t["agent_days"])
        ax.tick_params(axis="y", labelsize=8)
    ax.set_title(f"{t['flows']}\n{result.scenario.title or result.scenario.name}", fontsize=10)
    fig.tight_layout()
    return fig


def initiatives_figure(result, lang: str = "en", top: int = 12):
    """Initiatives launched, blocked and adopted a week, running ones; and their routes."""
    t = LABELS[lang]
    table = result.table
    fig, (ax, bx) = subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    shade(ax, result.crisis, t["shock"])
    days = table["day"].to_numpy()
    weeks = days // 7
    for column, name, color in (("initiatives_launched", "launched", "tab:blue"),
                                ("initiatives_blocked", "blocked", "tab:red"),
                                ("initiatives_adopted", "adopted", "tab:green")):
        per_week = np.bincount(weeks, weights=np.nan_to_num(table[column].to_numpy()))
        ax.step(np.arange(len(per_week)) * 7 + 3.5, per_week, where="mid", color=color, label=t[name])
    ax2 = ax.twinx()
    ax2.plot(days, table["initiatives_running"].to_numpy(), color="0.5", lw=1, ls="--", label=t["running"])
    ax2.set_ylabel(t["running"])
    ax.set_xlabel(f"{t['day']} (0 = {result.scenario['run.start_date']})")
    ax.set_ylabel(t["per_week"])
    ax.set_title(f"{t['initiatives']}\n{result.scenario.title or result.scenario.name}", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    log = result.initiatives
    launched = log[log["outcome"] == "launched"] if log is not None else None
    if launched is None or len(launched) == 0:
        bx.text(0.5, 0.5, t["no_init"], ha="center", va="center", transform=bx.transAxes)
        bx.set_axis_off()
    else:
        base = lambda name: name.split("#", 1)[0]  # noqa: E731 - units of a service count as the service
        routes = (launched["service"].map(base) + " → " + launched["need"].map(base)).value_counts()
        routes = routes.iloc[:top][::-1]
        bx.barh(routes.index, routes.to_numpy(), color="tab:blue")
        bx.tick_params(axis="y", labelsize=8)
        bx.set_title(t["routes"], fontsize=10)
    fig.tight_layout()
    return fig
