"""Resilience measures of a run, from its performance curve P(t) (DESIGN §1.5).

* P0: mean P over the ``run.warmup`` days before the onset of the shock;
* react: days from onset to the first corrective action (``react_days``: the first
  move or volunteer time; None if none) and to the minimum of the smoothed P (``days_to_min``);
* reduce impact: ``depth`` = 1 − min P/P0; ``area_lost`` = Σ_{t ≥ onset} max(0, P0 − P(t))/P0
  in days (Bruneau et al. 2003 loss triangle); ``resilience_index`` = Σ P/(P0·T) over
  the T days from onset; unmet essential tasks;
* rebound: ``days_to_recover``, days from onset until the smoothed P is back to
  ≥ ``outcomes.recovery_share``·P0 for ``outcomes.recovery_days`` days in a row, after
  the minimum (None if never);
* counter/adapt: ``post_shock_level`` = mean P over the last 28 days / P0;
* human cost and process: burnout days, fatigue, engagement change, reporting hours;
  decisions by type (settled, by level, latency mean and p95, errors), share of
  exceptions settled locally by agents, rework, managers' queue lengths by level.

The minimum and the recovery use the trailing mean of P over
``outcomes.smoothing_days`` days, so that one noisy day does not make a minimum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .kernels.context import LATENCY_BIN
from .kernels.record import COL
from .params import DECISION_KINDS


def smooth(p: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean of ``p`` over ``window`` days (shorter at the start)."""
    c = np.cumsum(np.insert(p, 0, 0.0))
    n = np.arange(1, len(p) + 1)
    lo = np.maximum(n - window, 0)
    return (c[n] - c[lo]) / (n - lo)


def latency_quantile(hist: np.ndarray, q: float) -> float | None:
    """Quantile ``q`` of decision latencies (days) from the 1-hour histogram."""
    total = hist.sum()
    if total == 0:
        return None
    k = int(np.searchsorted(np.cumsum(hist), q * total))
    return (k + 0.5) * LATENCY_BIN


def resilience(p: np.ndarray, onset: int | None, params: Mapping) -> dict:
    """Resilience measures of a performance curve ``p`` (one value a day)."""
    days = len(p)
    start = onset if onset is not None and onset < days else days
    warm = params["run.warmup"]
    before = p[max(0, start - warm):start] if start > 0 else p[:1]
    p0 = float(np.mean(before)) if len(before) else float(p[0])
    ps = smooth(p, params["outcomes.smoothing_days"])
    out = {"p0": p0, "onset": onset}
    if start >= days or p0 <= 0:
        out.update(min_performance=float(np.min(ps)), depth=0.0, area_lost=0.0,
                   resilience_index=1.0, days_to_min=None, days_to_recover=None,
                   post_shock_level=float(np.mean(p[-28:]) / p0) if p0 > 0 else None)
        return out
    after = ps[start:]
    k = int(np.argmin(after))
    out["min_performance"] = float(after[k])
    out["days_to_min"] = k
    out["depth"] = float(1.0 - after[k] / p0)
    out["area_lost"] = float(np.sum(np.maximum(0.0, p0 - p[start:])) / p0)
    out["resilience_index"] = float(np.sum(p[start:]) / (p0 * (days - start)))
    out["days_to_recover"] = _recovery(after, k, p0, params)
    out["post_shock_level"] = float(np.mean(p[-28:]) / p0)
    return out


def _recovery(after: np.ndarray, k: int, p0: float, params: Mapping) -> int | None:
    ok = after >= params["outcomes.recovery_share"] * p0
    need = params["outcomes.recovery_days"]
    run = 0
    for t in range(k, len(after)):
        run = run + 1 if ok[t] else 0
        if run >= need:
            return t - need + 1
    return None


def summarise(out: np.ndarray, buffers, onset: int | None, params: Mapping,
              counts: Mapping[str, int]) -> dict:
    """The summary of a run: resilience measures plus human and process costs."""
    p = out[:, COL["performance"]]
    s = resilience(p, onset, params)
    fatigue = out[:, COL["fatigue"]]
    eng = out[:, COL["engagement"]]
    total = buffers.latency.sum(axis=0)
    by_type = decisions_by_type(buffers)
    exceptions = by_type["exception"]["settled"]
    settled = int(counts.get("settled_locally", 0))
    s.update(
        react_days=react(out, s.get("onset")),
        unmet=int(np.nansum(out[:, COL["unmet"]])),
        unmet_essential=int(np.nansum(out[:, COL["unmet_essential"]])),
        decision_latency_mean=latency_mean(total),
        decision_latency_p95=latency_quantile(total, 0.95),
        decision_errors=int(buffers.errors.sum()),
        rework=int(np.nansum(out[:, COL["rework"]])),
        share_settled_locally=settled / exceptions if exceptions else 0.0,
        burnout_days=int(np.nansum(out[:, COL["burnout_days"]])),
        fatigue_max=float(np.nanmax(fatigue)),
        manager_fatigue_mean=float(np.nanmean(out[:, COL["manager_fatigue"]])),
        manager_fatigue_max=float(np.nanmax(out[:, COL["manager_fatigue"]])),
        engagement_change=float(eng[-1] - eng[0]),
        reporting_hours=float(np.nansum(out[:, COL["reporting_hours"]])),
        queue_max_by_level={str(lv): int(np.nanmax(out[:, COL[f"queue_l{lv}"]])) for lv in range(6)},
        redeployed_agent_days=int(np.nansum(out[:, COL["redeployed"]])),
        redeployed_across_agent_days=int(np.nansum(out[:, COL["redeployed_across"]])),
        moves=int(np.nansum(out[:, COL["moves"]])),
        moves_refused_skill=int(np.nansum(out[:, COL["refused_skill"]])),
        moves_refused_decision=int(np.nansum(out[:, COL["refused_decision"]])),
        ramp_days_lost=float(np.nansum(out[:, COL["ramp_days_lost"]])),
        volunteer_hours=float(np.nansum(out[:, COL["volunteer_hours"]])),
        skills_revealed=int(np.nansum(out[:, COL["skills_revealed"]])),
        reallocated=int(np.nansum(out[:, COL["reallocated"]])),
        initiatives_launched=0,
        decisions_by_type=by_type,
        **{k: int(v) for k, v in counts.items()},
    )
    return {k: _clean(v) for k, v in s.items()}


def react(out: np.ndarray, onset: int | None) -> int | None:
    """Days from the onset to the first corrective action (a move or volunteer time)."""
    if onset is None:
        return None
    acted = (out[onset:, COL["moves"]] > 0) | (out[onset:, COL["volunteer_hours"]] > 0)
    hits = np.flatnonzero(acted)
    return int(hits[0]) if len(hits) else None


def latency_mean(hist: np.ndarray) -> float | None:
    """Mean decision latency (days) from a 1-hour histogram (bin midpoints)."""
    n = hist.sum()
    return float(np.sum((np.arange(len(hist)) + 0.5) * LATENCY_BIN * hist) / n) if n else None


def decisions_by_type(buffers) -> dict:
    """Per decision type: decisions settled, by level, latency mean and p95, errors."""
    out = {}
    for k, kind in enumerate(DECISION_KINDS):
        hist = buffers.latency[k]
        levels = buffers.by_level[k]
        out[kind] = {
            "settled": int(levels.sum()),
            "by_level": {str(lv): int(n) for lv, n in enumerate(levels) if n},
            "latency_mean": latency_mean(hist),
            "latency_p95": latency_quantile(hist, 0.95),
            "errors": int(buffers.errors[k]),
        }
    return out


def _clean(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v
