"""Resilience measures of a run, from its performance curve P(t) (DESIGN §1.5).

* P0: mean P over the ``run.warmup`` days before the onset of the shock;
* react: days from onset to the first corrective action (``react_days``; none until
  the levers exist) and to the minimum of the smoothed P (``days_to_min``);
* reduce impact: ``depth`` = 1 − min P/P0; ``area_lost`` = Σ_{t ≥ onset} max(0, P0 − P(t))/P0
  in days (Bruneau et al. 2003 loss triangle); ``resilience_index`` = Σ P/(P0·T) over
  the T days from onset; unmet essential tasks;
* rebound: ``days_to_recover``, days from onset until the smoothed P is back to
  ≥ ``outcomes.recovery_share``·P0 for ``outcomes.recovery_days`` days in a row, after
  the minimum (None if never);
* counter/adapt: ``post_shock_level`` = mean P over the last 28 days / P0;
* human cost and process: burnout days, fatigue, engagement change, decision latency.

The minimum and the recovery use the trailing mean of P over
``outcomes.smoothing_days`` days, so that one noisy day does not make a minimum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .kernels.context import LATENCY_BIN
from .kernels.record import COL


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


def summarise(out: np.ndarray, latency_hist: np.ndarray, onset: int | None,
              params: Mapping, counts: Mapping[str, int]) -> dict:
    """The summary of a run: resilience measures plus human and process costs."""
    p = out[:, COL["performance"]]
    s = resilience(p, onset, params)
    fatigue = out[:, COL["fatigue"]]
    eng = out[:, COL["engagement"]]
    mean_lat = float(np.sum((np.arange(len(latency_hist)) + 0.5) * LATENCY_BIN * latency_hist)
                     / latency_hist.sum()) if latency_hist.sum() else None
    s.update(
        react_days=None,
        unmet=int(np.nansum(out[:, COL["unmet"]])),
        unmet_essential=int(np.nansum(out[:, COL["unmet_essential"]])),
        decision_latency_mean=mean_lat,
        decision_latency_p95=latency_quantile(latency_hist, 0.95),
        burnout_days=int(np.nansum(out[:, COL["burnout_days"]])),
        fatigue_max=float(np.nanmax(fatigue)),
        engagement_change=float(eng[-1] - eng[0]),
        reporting_hours=float(np.nansum(out[:, COL["reporting_hours"]])),
        redeployed_agent_days=int(np.nansum(out[:, COL["redeployed"]])),
        initiatives_launched=0,
        **{k: int(v) for k, v in counts.items()},
    )
    return {k: _clean(v) for k, v in s.items()}


def _clean(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v
