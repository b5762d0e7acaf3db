"""Resilience measures of a run, from its performance curve P(t) (DESIGN §1.5).

Each shock is measured over its own window, so that a longer horizon changes nothing
once the organisation has recovered:

* a *shock* is a group of shock components whose active periods (``start`` to
  ``end`` + ``ramp_down``) overlap or touch (:func:`shock_episodes`); its onset is the
  first ``start``;
* its *window* runs from the onset to the day the organisation has recovered
  (``days_to_recover``; the minimum is searched within the window), or, if it does
  not, to the first of: the next shock's onset, onset + ``outcomes.window_days``, the
  horizon (``censored`` when the horizon cut it);
* P0 is the organisation's normal level: the mean P over the ``run.warmup`` days
  before the first onset; with fewer days before it (a shock on day 0), the mean P of
  the same seed run without any shock over its first ``run.warmup`` days
  (``p0_source``: ``pre-shock`` or ``shock-free run``). Every shock is measured
  against the same P0.

Per shock (``shocks`` in the summary; the first one's at the top level as well):

* react: ``react_days``, days from onset to the first adaptive response of any kind —
  a day on which a move, volunteer time, a reallocation, a tacit approval or an
  exception settled locally (a delegation taking effect) is above its largest daily
  count in the warm-up before the first shock (:data:`RESPONSE_COLUMNS`); None if none
  within the window; ``days_to_min``, days to the minimum of the smoothed P;
* reduce impact: ``depth`` = max(0, 1 − min P/P0) (a shock that helps has depth 0);
  ``area_lost`` = Σ max(0, P0 − P(t))/P0 over the window, in days (Bruneau et al. 2003
  loss triangle); ``resilience_index`` = Σ P/(P0·T) over the window's T days;
  ``unmet_essential`` in the window;
* rebound: ``days_to_recover``, days from onset to the first of ``outcomes.recovery_days``
  days in a row with the smoothed P ≥ ``outcomes.recovery_share``·P0, counted from the
  first day it fell below that level (if it never did, from the day after the shock's
  components stopped acting); None if never within the window.

Over the run: counter/adapt, ``counter_adapt`` = the second shock's area lost / the
first's (below 1: the organisation lost less the second time) and ``post_shock_level``
= mean P over the last 28 days / P0; human cost (burnout days, ``fatigue_max`` the
highest fatigue of any agent on any day, engagement change, reporting hours); decisions
by type (settled, by level, latency mean and p95 counting withdrawn exceptions at their
deadline, the share withdrawn, errors), exceptions settled locally, rework, queues.

The minimum and the recovery use the trailing mean of P over
``outcomes.smoothing_days`` days, so that one noisy day does not make a minimum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .kernels.context import LATENCY_BIN
from .kernels.initiatives import (
    COUNT_EXT_SUPPORTED,
    COUNT_INIT_ADOPTED,
    COUNT_INIT_APPROVED,
    COUNT_INIT_BLOCKED,
    COUNT_INIT_EXTERNAL,
    COUNT_INIT_FAILED,
    COUNT_INIT_LAUNCHED,
    COUNT_INIT_RECOGNISED,
    COUNT_INIT_RELAYED,
)
from .kernels.record import COL
from .params import DECISION_KINDS

#: daily columns that signal an adaptive response (see module doc)
RESPONSE_COLUMNS = ("moves", "volunteer_hours", "reallocated", "tacit_approvals", "settled_locally",
                    "initiatives_launched")
GAP_DAYS = 28  # calm days that separate two shock episodes


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


def shock_episodes(shocks: Sequence[Mapping], days: int) -> list[tuple[int, int]]:
    """The shocks of a scenario: (onset, last active day) of each group of components.

    Components whose active periods (``start`` to ``end`` + ``ramp_down`` − 1; a
    component without ``end`` lasts to the horizon) overlap or touch form one shock.
    """
    spans = []
    for c in shocks:
        if c["start"] >= days:
            continue
        end = days - 1 if c["end"] is None else c["end"] + max(c.get("ramp_down", 0) - 1, 0)
        spans.append((int(c["start"]), int(min(end, days - 1))))
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def baseline_level(p: np.ndarray, onset: int | None, warmup: int) -> float | None:
    """P0 from the run's own days before the onset, or None if there are fewer than the warm-up."""
    start = len(p) if onset is None else min(onset, len(p))
    need = max(warmup, 1)
    if start < need:
        return None
    return float(np.mean(p[start - need:start]))


def resilience(p: np.ndarray, onset: int | None, params: Mapping, p0: float | None = None,
               end: int | None = None, last: int | None = None) -> dict:
    """Resilience measures of one shock of a performance curve ``p`` (one value a day).

    Args:
        p: P(t), one value a day.
        onset: first day of the shock (None: no shock).
        params: the scenario's parameters (``outcomes.*``, ``run.warmup``).
        p0: the normal level; by default the mean P of the warm-up before the onset
            (or of the days before it when there are fewer).
        end: the day the window must close at the latest (e.g. the next shock's
            onset); the horizon by default.
        last: the shock's last active day (its components' end and ramp down): the
            organisation cannot have recovered before the shock stops acting.

    """
    days = len(p)
    start = onset if onset is not None and onset < days else days
    if p0 is None:
        p0 = baseline_level(p, onset, params["run.warmup"])
        if p0 is None:
            p0 = float(np.mean(p[:max(start, 1)]))
    ps = smooth(p, params["outcomes.smoothing_days"])
    out = {"p0": p0, "onset": onset}
    if start >= days or p0 <= 0:
        out.update(min_performance=float(np.min(ps)) if days else None, depth=0.0, area_lost=0.0,
                   resilience_index=1.0, days_to_min=None, days_to_recover=None, window_days=0,
                   censored=False)
        return out
    horizon = start + params["outcomes.window_days"]
    limit = min(days, horizon, days if end is None else max(end, start + 1))
    after = ps[start:limit]
    recover = _recovery(after, p0, params, 0 if last is None else last - start + 1)
    stop = start + max(recover, 1) if recover is not None else limit
    k = int(np.argmin(ps[start:stop]))
    window = p[start:stop]
    out["min_performance"] = float(after[k])
    out["days_to_min"] = k
    out["depth"] = max(0.0, float(1.0 - after[k] / p0))
    out["area_lost"] = float(np.sum(np.maximum(0.0, p0 - window)) / p0)
    out["resilience_index"] = float(np.sum(window) / (p0 * len(window)))
    out["days_to_recover"] = recover
    out["window_days"] = stop - start
    out["censored"] = bool(recover is None and limit == days < horizon and (end is None or end > days))
    return out


def _recovery(after: np.ndarray, p0: float, params: Mapping, earliest: int = 0) -> int | None:
    """First day of ``recovery_days`` days in a row with P̄ ≥ share·P0, once the shock has hit.

    The run starts no earlier than the first day P̄ fell below the share; if it never
    did (the shock was absorbed), no earlier than ``earliest`` (the day after the shock
    stopped acting), so that the window still covers the shock.
    """
    ok = after >= params["outcomes.recovery_share"] * p0
    low = np.flatnonzero(~ok)
    first = int(low[0]) if len(low) else earliest
    need = params["outcomes.recovery_days"]
    run = 0
    for t in range(first, len(after)):
        run = run + 1 if ok[t] else 0
        if run >= need:
            return t - need + 1
    return None


def shock_measures(out: np.ndarray, episodes: list[tuple[int, int]], params: Mapping,
                   p0: float | None = None, quiet: np.ndarray | None = None) -> list[dict]:
    """The measures of each shock (see module doc).

    Args:
        out: the daily table.
        episodes: (onset, last active day) of each shock, in order.
        params: the scenario's parameters.
        p0: the normal level (default: the warm-up before the first onset).
        quiet: the days whose response counts are normal (default: the warm-up
            before the first onset).

    """
    p = out[:, COL["performance"]]
    if not episodes:
        return []
    first = episodes[0][0]
    if quiet is None:
        quiet = out[max(0, first - max(params["run.warmup"], 1)):first]
    normal = {c: float(np.nanmax(quiet[:, COL[c]])) if len(quiet) else 0.0 for c in RESPONSE_COLUMNS}
    if p0 is None:
        p0 = baseline_level(p, first, params["run.warmup"])
    shocks = []
    for i, (onset, last) in enumerate(episodes):
        nxt = episodes[i + 1][0] if i + 1 < len(episodes) else None
        s = resilience(p, onset, params, p0, nxt, last)
        stop = onset + s["window_days"]
        s["react_days"] = react(out[onset:stop], normal)
        s["unmet_essential"] = int(np.nansum(out[onset:stop, COL["unmet_essential"]]))
        shocks.append(s)
    return shocks


def summarise(out: np.ndarray, buffers, onset: int | None, params: Mapping,
              counts: Mapping[str, int], episodes: list[tuple[int, int]] | None = None,
              p0: float | None = None, quiet: np.ndarray | None = None) -> dict:
    """The summary of a run: resilience measures of each shock plus human and process costs.

    ``episodes`` default to one shock starting at ``onset``; ``p0`` and ``quiet`` (the
    normal days' table) come from a shock-free run when the warm-up is too short.
    """
    p = out[:, COL["performance"]]
    if episodes is None:
        episodes = [] if onset is None else [(onset, len(p) - 1)]
    shocks = shock_measures(out, episodes, params, p0, quiet)
    s = {k: v for k, v in shocks[0].items() if k != "unmet_essential"} if shocks else \
        {**resilience(p, None, params, p0), "react_days": None}
    level0 = s["p0"]
    s["p0_source"] = "shock-free run" if p0 is not None else "pre-shock"
    s["post_shock_level"] = float(np.mean(p[-28:]) / level0) if level0 and len(p) else None
    s["shocks"] = shocks
    first_loss = shocks[0]["area_lost"] if shocks else 0.0
    s["counter_adapt"] = shocks[1]["area_lost"] / first_loss if len(shocks) > 1 and first_loss > 0 else None
    total = buffers.latency.sum(axis=0)
    by_type = decisions_by_type(buffers, counts)
    exceptions = by_type["exception"]["settled"]
    settled = int(counts.get("settled_locally", 0))
    withdrawn = int(counts.get("decisions_withdrawn", 0))
    completed = int(counts.get("decisions_completed_total", 0))
    s.update(
        unmet=int(np.nansum(out[:, COL["unmet"]])),
        unmet_essential=int(np.nansum(out[:, COL["unmet_essential"]])),
        decision_latency_mean=latency_mean(total),
        decision_latency_p95=latency_quantile(total, 0.95),
        decisions_withdrawn_share=withdrawn / (withdrawn + completed) if withdrawn + completed else 0.0,
        decision_errors=int(buffers.errors.sum()),
        rework=int(np.nansum(out[:, COL["rework"]])),
        share_settled_locally=settled / exceptions if exceptions else 0.0,
        burnout_days=int(np.nansum(out[:, COL["burnout_days"]])),
        fatigue_max=float(np.nanmax(out[:, COL["fatigue_agent_max"]])) if len(out) else None,
        fatigue_mean_max=float(np.nanmax(out[:, COL["fatigue"]])) if len(out) else None,
        manager_fatigue_mean=float(np.nanmean(out[:, COL["manager_fatigue"]])),
        manager_fatigue_max=float(np.nanmax(out[:, COL["manager_fatigue"]])),
        engagement_change=float(out[-1, COL["engagement"]] - out[0, COL["engagement"]]),
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
        **initiative_counts(buffers.counts),
        decisions_by_type=by_type,
        **{k: int(v) for k, v in counts.items()},
    )
    return _clean(s)


def second_shock(p: np.ndarray, crisis: np.ndarray, p0: float) -> dict:
    """Loss in the second shock of a run, against the first (counter/adapt, DESIGN §1.5).

    Shock episodes are runs of crisis days separated by at least ``GAP_DAYS`` calm days.
    ``first_shock_area_lost`` is Σ max(0, P0 − P)/P0 from the first onset to the second,
    ``second_shock_area_lost`` the same from the second onset to the end of the run (days);
    ``second_shock_onset`` its day. All None with fewer than two episodes.
    """
    days = np.flatnonzero(crisis[:len(p)])
    starts = days[np.insert(np.diff(days) > GAP_DAYS, 0, True)] if len(days) else days
    if len(starts) < 2 or p0 <= 0:
        return {"second_shock_onset": None, "first_shock_area_lost": None, "second_shock_area_lost": None}
    first, second = int(starts[0]), int(starts[1])
    loss = np.maximum(0.0, p0 - p) / p0
    return {"second_shock_onset": second, "first_shock_area_lost": float(np.sum(loss[first:second])),
            "second_shock_area_lost": float(np.sum(loss[second:]))}


def react(table: np.ndarray, normal: Mapping[str, float]) -> int | None:
    """Days from the first row of ``table`` (the onset) to the first adaptive response.

    A response is a day on which one of :data:`RESPONSE_COLUMNS` is above its
    ``normal`` (largest pre-shock) daily count.
    """
    acted = np.zeros(len(table), dtype=bool)
    for c in RESPONSE_COLUMNS:
        acted |= np.nan_to_num(table[:, COL[c]]) > normal.get(c, 0.0)
    hits = np.flatnonzero(acted)
    return int(hits[0]) if len(hits) else None


def initiative_counts(counts: np.ndarray) -> dict[str, int]:
    """Initiatives launched, approved, blocked, failed, recognised, relayed, adopted; external ones."""
    return {"initiatives_launched": int(counts[COUNT_INIT_LAUNCHED]),
            "initiatives_approved": int(counts[COUNT_INIT_APPROVED]),
            "initiatives_blocked": int(counts[COUNT_INIT_BLOCKED]),
            "initiatives_failed": int(counts[COUNT_INIT_FAILED]),
            "initiatives_recognised": int(counts[COUNT_INIT_RECOGNISED]),
            "initiatives_relayed": int(counts[COUNT_INIT_RELAYED]),
            "initiatives_adopted": int(counts[COUNT_INIT_ADOPTED]),
            "initiatives_external": int(counts[COUNT_INIT_EXTERNAL]),
            "initiatives_external_supported": int(counts[COUNT_EXT_SUPPORTED])}


def latency_mean(hist: np.ndarray) -> float | None:
    """Mean decision latency (days) from a 1-hour histogram (bin midpoints)."""
    n = hist.sum()
    return float(np.sum((np.arange(len(hist)) + 0.5) * LATENCY_BIN * hist) / n) if n else None


def decisions_by_type(buffers, counts: Mapping[str, int] | None = None) -> dict:
    """Per decision type: decisions settled, by level, latency mean and p95, errors.

    Latencies count the exceptions withdrawn because their task became unmet,
    censored at the task's deadline; ``withdrawn`` and ``withdrawn_share`` say how many.
    """
    out = {}
    withdrawn = int((counts or {}).get("decisions_withdrawn", 0))
    for k, kind in enumerate(DECISION_KINDS):
        hist = buffers.latency[k]
        levels = buffers.by_level[k]
        settled = int(levels.sum())
        gone = withdrawn if k == 0 else 0
        out[kind] = {
            "settled": settled,
            "by_level": {str(lv): int(n) for lv, n in enumerate(levels) if n},
            "latency_mean": latency_mean(hist),
            "latency_p95": latency_quantile(hist, 0.95),
            "withdrawn": gone,
            "withdrawn_share": gone / int(hist.sum()) if gone else 0.0,  # of those that left a desk
            "errors": int(buffers.errors[k]),
        }
    return out


def _clean(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v
