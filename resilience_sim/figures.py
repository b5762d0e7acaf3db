"""Figures for people: the performance curve with the shock window shaded.

Labels exist in English and French (``lang="en"`` or ``"fr"``).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .metrics import smooth  # noqa: E402

LABELS = {
    "en": {"title": "Performance: share of demand served on time", "day": "day",
           "p": "performance P(t)", "smooth": "{w}-day mean", "p0": "pre-shock level P₀",
           "rec": "{s:.0%} of P₀", "shock": "shock", "band": "90 % band of {r} runs",
           "median": "median", "flows": "Redeployments: agent-days worked for another service",
           "agent_days": "agent-days", "no_flow": "no redeployment in this run",
           "queues": "Decisions waiting at managers' desks, by level",
           "waiting": "decisions at the desks (end of day)",
           "levels": ("executive", "deputies", "directors", "heads of service", "team leaders",
                      "level 5")},
    "fr": {"title": "Performance : part de la demande servie à temps", "day": "jour",
           "p": "performance P(t)", "smooth": "moyenne sur {w} jours", "p0": "niveau avant choc P₀",
           "rec": "{s:.0%} de P₀", "shock": "choc", "band": "bande à 90 % sur {r} tirages",
           "median": "médiane", "flows": "Redéploiements : jours-agents travaillés pour un autre service",
           "agent_days": "jours-agents", "no_flow": "aucun redéploiement dans ce tirage",
           "queues": "Décisions en attente chez les encadrants, par niveau",
           "waiting": "décisions en attente (fin de journée)",
           "levels": ("direction générale", "DGA", "directions", "chefs de service",
                      "chefs d'équipe", "niveau 5")},
}


def _shade(ax, crisis: np.ndarray, label: str) -> None:
    days = np.flatnonzero(crisis)
    if len(days) == 0:
        return
    starts = days[np.insert(np.diff(days) > 1, 0, True)]
    ends = days[np.append(np.diff(days) > 1, True)]
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        ax.axvspan(a - 0.5, b + 0.5, color="tab:red", alpha=0.12, label=label if k == 0 else None)


def performance_figure(result, lang: str = "en"):
    """The performance curve of one run, shock window shaded, P₀ and recovery lines."""
    t = LABELS[lang]
    s = result.scenario
    p = result.table["performance"].to_numpy()
    w = s["outcomes.smoothing_days"]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    _shade(ax, result.crisis, t["shock"])
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
    fig, ax = plt.subplots(figsize=(9, 4.5))
    _shade(ax, result.crisis, t["shock"])
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
    fig, ax = plt.subplots(figsize=(9, 4.5))
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
