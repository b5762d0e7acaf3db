"""Figures of an exploration: grid heatmap, Latin hypercube lines, Sobol / Morris bars, PRIM box."""

from __future__ import annotations

import numpy as np
import pandas as pd

_LABELS = {
    "en": {"mean": "mean of {o} over replicates", "runs": "{n} runs, coloured by {o}",
           "sobol": "Sobol indices of {o} (95 % intervals)", "morris": "Morris screening of {o}",
           "first": "first order S1", "total": "total order ST", "box": "PRIM box: {o}",
           "range": "share of the explored range", "coverage": "coverage {c:.0%}, density {d:.0%}"},
    "fr": {"mean": "moyenne de {o} sur les tirages", "runs": "{n} simulations, couleur selon {o}",
           "sobol": "Indices de Sobol de {o} (intervalles à 95 %)", "morris": "Criblage de Morris de {o}",
           "first": "premier ordre S1", "total": "ordre total ST", "box": "Boîte PRIM : {o}",
           "range": "part de l'intervalle exploré", "coverage": "couverture {c:.0%}, densité {d:.0%}"},
}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def heatmap(runs: pd.DataFrame, x: str, y: str, outcome: str, lang: str = "en"):
    """Mean of ``outcome`` over replicates for every (x, y) of a grid."""
    plt = _plt()
    ok = runs[runs["status"] == "ok"]
    table = ok.groupby([y, x])[outcome].mean().unstack(x)
    values = table.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(3.5 + 0.9 * table.shape[1], 1.8 + 0.6 * table.shape[0]), layout="constrained")
    im = ax.imshow(values, cmap="viridis_r", aspect="auto", origin="lower")
    ax.set_xticks(range(table.shape[1]), [str(v) for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [str(v) for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    middle = np.nanmean(values)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8, color="black" if v < middle else "white")
    ax.set_title(_LABELS[lang]["mean"].format(o=outcome), fontsize=10)
    fig.colorbar(im, ax=ax, label=outcome)
    return fig


def parallel_coordinates(runs: pd.DataFrame, keys: list[str], outcome: str, lang: str = "en"):
    """One line per run across the sampled keys (each scaled to its range), coloured by ``outcome``."""
    plt = _plt()
    ok = runs[runs["status"] == "ok"].dropna(subset=[outcome])
    cols = [*keys, outcome]
    scaled = np.empty((len(ok), len(cols)))
    ticks = []
    for j, key in enumerate(cols):
        v = ok[key]
        if not pd.api.types.is_numeric_dtype(v) or pd.api.types.is_bool_dtype(v):
            v = v.astype("category").cat.codes
        v = v.to_numpy(dtype=float)
        lo, hi = np.nanmin(v), np.nanmax(v)
        scaled[:, j] = (v - lo) / (hi - lo) if hi > lo else 0.5
        ticks.append(f"{key}\n[{lo:.3g}, {hi:.3g}]")
    colour = ok[outcome].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(2.2 * len(cols) + 1, 4.5), layout="constrained")
    cmap = plt.get_cmap("viridis_r")
    norm = plt.Normalize(np.nanmin(colour), np.nanmax(colour))
    for row, c in zip(scaled, colour, strict=True):
        ax.plot(range(len(cols)), row, color=cmap(norm(c)), alpha=0.5, lw=0.8)
    ax.set_xticks(range(len(cols)), ticks, fontsize=7)
    ax.set_yticks([])
    ax.set_title(_LABELS[lang]["runs"].format(n=len(ok), o=outcome))
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=outcome)
    return fig


def sobol_bars(indices: pd.DataFrame, outcome: str, lang: str = "en"):
    """First and total order Sobol indices with their 95 % intervals, one pair of bars per key."""
    plt = _plt()
    lab = _LABELS[lang]
    y = np.arange(len(indices))
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.45 * len(indices)), layout="constrained")
    ax.barh(y - 0.2, indices["S1"], 0.4, xerr=indices["S1_conf"], label=lab["first"], color="#4c72b0")
    ax.barh(y + 0.2, indices["ST"], 0.4, xerr=indices["ST_conf"], label=lab["total"], color="#dd8452")
    ax.set_yticks(y, indices.index)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.5)
    ax.set_title(lab["sobol"].format(o=outcome))
    ax.legend()
    return fig


def morris_bars(indices: pd.DataFrame, outcome: str, lang: str = "en"):
    """Morris μ* (with its 95 % interval) and σ, one pair of bars per key."""
    plt = _plt()
    y = np.arange(len(indices))
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.45 * len(indices)), layout="constrained")
    ax.barh(y - 0.2, indices["mu_star"], 0.4, xerr=indices["mu_star_conf"], label="μ*", color="#4c72b0")
    ax.barh(y + 0.2, indices["sigma"], 0.4, label="σ", color="#dd8452")
    ax.set_yticks(y, indices.index)
    ax.invert_yaxis()
    ax.set_title(_LABELS[lang]["morris"].format(o=outcome))
    ax.legend()
    return fig


def box_figure(limits: pd.DataFrame, ranges: dict[str, tuple[float, float]], title: str,
               coverage: float, density: float, lang: str = "en"):
    """A PRIM box: for each restricted key, the box's interval within the explored range."""
    plt = _plt()
    lab = _LABELS[lang]
    keys = list(limits.index)
    fig, ax = plt.subplots(figsize=(7, 1.4 + 0.5 * len(keys)), layout="constrained")
    for i, key in enumerate(keys):
        lo, hi = ranges[key]
        a, b = (float(limits.loc[key, "min"]) - lo) / (hi - lo), (float(limits.loc[key, "max"]) - lo) / (hi - lo)
        ax.barh(i, 1.0, color="#dddddd")
        ax.barh(i, b - a, left=a, color="#c44e52")
        ax.text(a, i, f"{limits.loc[key, 'min']:.3g}", ha="right", va="center", fontsize=8)
        ax.text(b, i, f" {limits.loc[key, 'max']:.3g}", ha="left", va="center", fontsize=8)
    ax.set_yticks(range(len(keys)), keys)
    ax.set_xlim(-0.15, 1.15)
    ax.set_xlabel(lab["range"])
    ax.set_title(lab["box"].format(o=title) + "\n" + lab["coverage"].format(c=coverage, d=density))
    return fig


def save(fig, path) -> None:
    """Write a figure and free it."""
    plt = _plt()
    fig.savefig(path, dpi=120)
    plt.close(fig)
