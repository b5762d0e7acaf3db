"""Shock profiles: components over time, compiled into daily arrays.

A component has a kind, a window (``start``, ``end``), linear ramps and a plateau
``value``; its level λ(t) goes 0 → 1 over ``ramp_up`` days from ``start``, stays 1 until
``end`` (or the horizon: a chronic shift), and returns to 0 over ``ramp_down`` days.
Components compose:

* ``absence`` (by ``reason``): prevalence added to that reason, value·λ(t);
* ``remote``: share of remote-capable present staff working remotely, value·λ(t) (max);
* ``demand`` (by mission ``tag``): demand multiplier 1 + (value − 1)·λ(t) (product);
* ``crisis_mission`` (by ``tag``): value·λ(t) new tasks/day, shared among the services
  with the tag in proportion to their staff;
* ``exceptions``: share of non-standard cases, baseline + (value − baseline)·λ(t);
* ``it_outage`` (by ``tag``): productivity factor 1 + (value − 1)·λ(t) (product).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .organisation import Organisation
from .params import ABSENCE_REASONS
from .scenario import Scenario

REASON = {r: i for i, r in enumerate(ABSENCE_REASONS)}


@dataclass(frozen=True)
class DailyConditions:
    """What the shock makes of each day (T days, R reasons, S services).

    Attributes:
        absence: prevalence by reason and day, shape (R, T), share of staff.
        remote: remote uptake by day, shape (T,), share.
        exception_share: share of arriving tasks that are exceptions, shape (T,).
        crisis: True on days when some component is active, shape (T,).
        demand: expected tasks per service and day, shape (S, T), tasks/day.
        closed: service closed that day (demand multiplier below the threshold), (S, T).
        stand_down: share of a service's present staff (not managers) who do not work
            remotely who are sent home on special leave that day (stood down),
            ``work.stand_down_leave`` × (1 − demand / baseline demand), (S, T).
        it_factor: productivity factor from IT outages, shape (S, T).

    """

    absence: np.ndarray
    remote: np.ndarray
    exception_share: np.ndarray
    crisis: np.ndarray
    demand: np.ndarray
    closed: np.ndarray
    stand_down: np.ndarray
    it_factor: np.ndarray


def level(c: dict, days: int) -> np.ndarray:
    """The profile λ(t) ∈ [0, 1] of one component over ``days`` days."""
    t = np.arange(days, dtype=np.float64)
    start, end = c["start"], c["end"] if c["end"] is not None else days
    up, down = c["ramp_up"], c["ramp_down"]
    rise = np.clip((t - start + 1) / up, 0, 1) if up > 0 else (t >= start).astype(float)
    fall = np.clip(1 - (t - end) / down, 0, 1) if down > 0 else (t <= end).astype(float)
    return np.where(t < start, 0.0, np.minimum(rise, fall))


def applies(c: dict, org: Organisation) -> np.ndarray:
    """Which services a component touches (by mission tag, ``*`` = all)."""
    tag = c["tag"]
    return np.array([tag == "*" or tag in tags for tags in org.service_tags], dtype=bool)


def compile_conditions(scenario: Scenario, org: Organisation) -> DailyConditions:
    """Daily arrays of a scenario's shock on an organisation."""
    p = scenario.params
    days, n_svc = p["run.days"], len(org.service_names)
    absence = np.zeros((len(ABSENCE_REASONS), days))
    absence[REASON["sickness"]] = p["baseline.sickness"]
    remote = np.zeros(days)
    exc = np.full(days, p["baseline.exception_share"])
    crisis = np.zeros(days, dtype=bool)
    mult = np.ones((n_svc, days))
    extra = np.zeros((n_svc, days))
    it = np.ones((n_svc, days))
    staff = np.bincount(org.agents.home, minlength=n_svc).astype(float)
    for c in scenario.shocks:
        lam = level(c, days)
        crisis |= lam > 0
        where = applies(c, org)
        kind, v = c["kind"], c["value"]
        if kind == "absence":
            absence[REASON[c["reason"]]] += v * lam
        elif kind == "remote":
            remote = np.maximum(remote, v * lam)
        elif kind == "exceptions":
            exc += (v - p["baseline.exception_share"]) * lam
        elif kind == "demand":
            mult[where] *= 1 + (v - 1) * lam
        elif kind == "it_outage":
            it[where] *= 1 + (v - 1) * lam
        elif kind == "crisis_mission" and where.any():
            share = staff * where / max((staff * where).sum(), 1.0)
            extra += np.outer(share, v * lam)
    base = org.services.base_demand[:, None]
    demand = base * mult + extra
    closed = (mult < p["work.closure_threshold"]) & (base > 0) & (extra == 0)
    fallen = 1.0 - demand / np.where(base > 0, base, 1.0)
    stand_down = np.where(closed | (base <= 0), 0.0, p["work.stand_down_leave"] * np.clip(fallen, 0, 1))
    return DailyConditions(
        absence=np.clip(absence, 0, 1), remote=np.clip(remote, 0, 1),
        exception_share=np.clip(exc, 0, 1), crisis=crisis,
        demand=demand, closed=closed, stand_down=stand_down,
        it_factor=np.clip(it, 0, None).astype(np.float32),
    )
