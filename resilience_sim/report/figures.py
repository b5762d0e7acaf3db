"""Figures of the comparison report, as inline SVG (text kept as text, so it reads and translates).

Each function takes one organisation's block of a comparison (``comparison.compare_designs``),
the designs in order and a :class:`~.catalogue.Words`, and returns an SVG string.
"""

from __future__ import annotations

import functools
import io
import re

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from .catalogue import Words

#: the report's style, in force while each figure is drawn (matplotlib's global settings untouched)
STYLE = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
         "svg.hashsalt": "resilience_sim"}
_COLOURS = matplotlib.colormaps["tab10"].colors


def _styled(draw):
    """Draw under the report's style."""
    @functools.wraps(draw)
    def styled(*args, **kw):
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kw)
    return styled


def _subplots(*args, figsize=None, **kw):
    """``(figure, axes)`` on a figure that pyplot does not hold (no backend needed)."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*args, **kw)


def colour(i: int) -> tuple:
    """The colour of the ``i``-th design (same in every figure)."""
    return _COLOURS[i % len(_COLOURS)]


def to_svg(fig) -> str:
    """The figure as an inline ``<svg>`` element (no XML header, no fixed size: it scales)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})  # the same inputs, the same bytes
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'(<svg[^>]*?)\s(width|height)="[^"]*"', r"\1", svg, count=2)
    return svg.replace("<svg", '<svg class="figure" role="img"', 1)


def _titles(designs: list[dict], w: Words) -> list[str]:
    return [d["title"][w.lang] for d in designs]


@_styled
def performance(org: dict, designs: list[dict], w: Words, onset: int | None, shock_end: int | None) -> str:
    """Median performance of every design with its 90 % band, the shock shaded."""
    fig, ax = _subplots(figsize=(8, 3.6))
    if onset is not None:
        ax.axvspan(onset, shock_end if shock_end is not None else onset, color="0.9", label=w.t("shock_period"))
    for i, (d, title) in enumerate(zip(designs, _titles(designs, w), strict=True)):
        c = org["results"][d["name"]]["curves"]["performance"]
        x = np.arange(len(c["median"]))
        ax.fill_between(x, _arr(c["p05"]), _arr(c["p95"]), color=colour(i), alpha=0.18, linewidth=0)
        ax.plot(x, _arr(c["median"]), color=colour(i), linewidth=1.4, label=title)
    ax.set_xlabel(w.t("day"))
    ax.set_ylabel(w.t("performance_axis"))
    ax.legend(loc="lower left", fontsize=8, frameon=False, ncol=2)
    return to_svg(fig)


def _arr(xs: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in xs], dtype=float)


@_styled
def triangles(org: dict, designs: list[dict], w: Words) -> str:
    """Loss triangles (depth × days to recover) and the loss of service with its band."""
    fig, (ax, bx) = _subplots(1, 2, figsize=(8, 3.2), gridspec_kw={"width_ratios": [3, 2]})
    xmax = 1.0
    for i, d in enumerate(designs):
        o = org["results"][d["name"]]["outcomes"]
        depth = _med(o, "depth") or 0.0
        tmin = _med(o, "days_to_min") or 0.0
        trec = _med(o, "days_to_recover")
        trec = trec if trec is not None else org_days(org)
        xmax = max(xmax, trec)
        ax.add_patch(Polygon([(0, 1), (tmin, 1 - depth), (max(trec, tmin), 1)], closed=True, facecolor=colour(i),
                             alpha=0.25, edgecolor=colour(i), linewidth=1.2))
        ax.plot([tmin], [1 - depth], "o", color=colour(i), markersize=3)
    ax.set_xlim(0, xmax * 1.05)
    ax.set_ylim(min(0.9, 1 - max((_med(org["results"][d["name"]]["outcomes"], "depth") or 0) for d in designs) - 0.05),
                1.02)
    ax.set_xlabel(w.t("triangle_axis_x"))
    ax.set_ylabel(w.t("triangle_axis_y"))
    _bars(bx, org, designs, w, "area_lost")
    fig.tight_layout()
    return to_svg(fig)


def org_days(org: dict) -> int:
    """Length of the daily curves of an organisation's block."""
    first = next(iter(org["results"].values()))
    return len(first["curves"]["performance"]["median"])


def _med(o: dict, key: str) -> float | None:
    return o.get(key, {}).get("median")


def _bars(ax, org: dict, designs: list[dict], w: Words, key: str) -> None:
    """Horizontal bars: median of ``key`` per design with its 90 % band."""
    m = w.measure(key)
    titles = _titles(designs, w)
    for i, d in enumerate(designs):
        o = org["results"][d["name"]]["outcomes"].get(key, {})
        med = o.get("median")
        if med is None:
            continue
        ax.barh(i, med, color=colour(i), alpha=0.8)
        ax.errorbar(med, i, xerr=[[med - o["p05"]], [o["p95"] - med]], color="0.2", capsize=2, linewidth=0.8)
    ax.set_yticks(range(len(designs)), titles, fontsize=7)
    ax.invert_yaxis()
    unit = f" ({m['unit']})" if m["unit"] else ""
    ax.set_title(m["label"] + unit, fontsize=8)
    if m["kind"] == "share":
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: w.percent(v)))
    else:
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: w.number(v, "count")))


@_styled
def panels(org: dict, designs: list[dict], w: Words, keys: tuple[str, ...]) -> str:
    """Small multiples of bars, one panel per measure."""
    n = len(keys)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = _subplots(rows, cols, figsize=(8, 2.3 * rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k < n:
            _bars(ax, org, designs, w, keys[k])
            if k % cols:
                ax.set_yticklabels([])
        else:
            ax.set_visible(False)
    fig.tight_layout()
    return to_svg(fig)


@_styled
def tradeoff(org: dict, designs: list[dict], w: Words) -> str:
    """Loss of service against wrong decisions and against burnout days."""
    fig, axes = _subplots(1, 2, figsize=(8, 3.2), sharey=True)
    titles = _titles(designs, w)
    for ax, other in zip(axes, ("decision_errors", "burnout_days"), strict=True):
        for i, d in enumerate(designs):
            o = org["results"][d["name"]]["outcomes"]
            x, y = o.get(other, {}), o.get("area_lost", {})
            if x.get("median") is None or y.get("median") is None:
                continue
            ax.errorbar(x["median"], y["median"], xerr=[[x["median"] - x["p05"]], [x["p95"] - x["median"]]],
                        yerr=[[y["median"] - y["p05"]], [y["p95"] - y["median"]]], fmt="o", color=colour(i),
                        capsize=2, linewidth=0.8, label=titles[i])
        ax.set_xlabel(w.measure(other)["label"])
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: w.number(v, "count")))
    m = w.measure("area_lost")
    axes[0].set_ylabel(f"{m['label']} ({m['unit']})")
    axes[0].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: w.number(v, "count")))
    axes[1].legend(fontsize=7, frameon=False, loc="best")
    fig.tight_layout()
    return to_svg(fig)


@_styled
def across_orgs(orgs: list[dict], designs: list[dict], reference: str, w: Words) -> str:
    """Relative change in the loss of service of each design on each organisation, with intervals."""
    others = [d for d in designs if d["name"] != reference]
    fig, ax = _subplots(figsize=(8, 0.6 + 0.45 * len(others) * len(orgs)))
    labels, y = [], 0
    for org in orgs:
        for i, d in enumerate(designs):
            if d["name"] == reference:
                continue
            rel = org["results"][d["name"]]["outcomes"].get("area_lost", {}).get("relative")
            labels.append(f"{org['label']} · {d['title'][w.lang]}")
            if rel and rel.get("low") is not None:
                clear = rel["low"] > 0 or rel["high"] < 0
                ax.errorbar(rel["mean"], y, xerr=[[rel["mean"] - rel["low"]], [rel["high"] - rel["mean"]]],
                            fmt="s" if clear else "o", color=colour(i), mfc=colour(i) if clear else "white",
                            capsize=2, linewidth=0.9)
            y += 1
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(w.t("rel_axis"))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: w.percent(v, True)))
    fig.tight_layout()
    return to_svg(fig)
