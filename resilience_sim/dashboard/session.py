"""What the dashboard shows, without the page: the run, its baseline, a snapshot, plain sentences.

A workshop session holds the current :class:`~resilience_sim.model.OrganisationModel`
(the scenario with the room's levers) and the baseline: the same scenario, size,
horizon and seed with no lever moved, run to its horizon once (cached). A
:class:`Snapshot` copies what the figures need at one moment, so the page draws
while the run goes on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..kernels.record import column_index
from ..metrics import resilience
from ..model import OrganisationModel, scenario_values
from ..scenario import load
from ..schema import ScenarioError
from .labels import SCENARIO_KEYS, TEXT

SEED = 1


@functools.lru_cache(maxsize=16)
def baseline(scenario: str, agents: int | None, days: int | None, seed: int = SEED) -> np.ndarray:
    """The baseline's daily table: the scenario with no lever moved, to its horizon."""
    from ..engine import Simulation

    values = {k: v for k, v in (("organisation.agents", agents), ("run.days", days)) if v is not None}
    spec = load(scenario).with_values({**values, "run.seed": seed}, "dashboard")
    sim = Simulation(spec)
    sim.run()
    return sim.out.copy()


def build(scenario: str, levers: dict, seed: int = SEED) -> OrganisationModel:
    """A model of ``scenario`` with the levers set (keyword → value; None = not set).

    Raises:
        ScenarioError: a value or a combination the scenario refuses (its message says which).
        TypeError: a lever that is not a declared parameter.

    """
    scenario_values(levers)  # unknown keywords fail before any work
    return OrganisationModel(scenario, rng=seed, agent_objects=False, **levers)


def try_build(scenario: str, levers: dict, lang: str, seed: int = SEED):
    """``(model, None)``, or ``(None, message)`` when the levers make an invalid scenario."""
    try:
        return build(scenario, levers, seed), None
    except (ScenarioError, TypeError) as err:
        where = f"{err.where}: {err.message}" if isinstance(err, ScenarioError) else str(err)
        return None, f"{TEXT[lang]['refused']} — {where}; {TEXT[lang]['kept']}"


def baseline_of(model: OrganisationModel) -> np.ndarray:
    """The baseline of a model: same scenario file, size, horizon and seed, no lever moved."""
    spec = model.spec
    return baseline(spec.source, spec["organisation.agents"], spec["run.days"], spec["run.seed"])


@dataclass
class Snapshot:
    """What the figures need, copied at one moment of a run.

    Attributes:
        day: days simulated.
        days: horizon.
        onset: first day of the shock (None without one).
        performance: P(t) so far.
        baseline: the baseline's P(t) over the whole horizon.
        table: daily table so far (rows × ``COLUMNS``).
        base_table: the baseline's daily table.
        load: per service, expected demand over present capacity (×).
        home, assigned: per agent, home service and service worked for today.
        head: per service, the manager heading it.
        manager_level, manager_parent, manager_queue: per manager desk.
        family, twin: per service its family; twinned families.
        service_names: names of the services.
        measures: the run's resilience measures so far.
        params: the scenario's parameters.

    """

    day: int
    days: int
    onset: int | None
    performance: np.ndarray
    baseline: np.ndarray
    table: np.ndarray
    base_table: np.ndarray
    load: np.ndarray
    home: np.ndarray
    assigned: np.ndarray
    head: np.ndarray
    manager_level: np.ndarray
    manager_parent: np.ndarray
    manager_queue: np.ndarray
    family: np.ndarray
    twin: np.ndarray
    service_names: list[str]
    measures: dict
    params: dict


def snapshot(model: OrganisationModel) -> Snapshot:
    """Copy what the figures need from a model (call it while the run is paused)."""
    sim = model.sim
    base = baseline_of(model)
    svc, mgr = sim.services, sim.managers
    p = column_index()["performance"]
    return Snapshot(
        day=sim.day, days=sim.days, onset=sim.scenario.onset,
        performance=sim.out[: sim.day, p].copy(), baseline=base[:, p],
        table=sim.out[: sim.day].copy(), base_table=base,
        load=np.where(svc.capacity > 0, svc.expected / np.maximum(svc.capacity, 1e-9), 0.0),
        home=sim.agents.home.copy(), assigned=sim.agents.assigned.copy(), head=svc.head.copy(),
        manager_level=mgr.level.copy(), manager_parent=mgr.parent.copy(),
        manager_queue=sim.buffers.desk_load[: len(mgr.level)].copy(),
        family=svc.family.copy(), twin=sim.net.twin.copy(), service_names=list(sim.org.service_names),
        measures=dict(model.measures()), params=dict(sim.scenario.params),
    )


def flows(s: Snapshot, top: int = 6) -> list[tuple[str, str, int]]:
    """Today's redeployments: (home service, service worked for, agents), largest first."""
    moved = s.home != s.assigned
    if not moved.any():
        return []
    n = len(s.service_names)
    pairs = np.bincount(s.home[moved] * n + s.assigned[moved], minlength=n * n)
    order = np.argsort(-pairs, kind="stable")[:top]
    return [(s.service_names[k // n], s.service_names[k % n], int(pairs[k])) for k in order if pairs[k] > 0]


def capacities(s: Snapshot, lang: str) -> list[tuple[str, str]]:
    """The four capacities (react, reduce, rebound, adapt) as far as they are known."""
    t, m = TEXT[lang], s.measures
    if s.onset is None or s.day <= s.onset or not m:
        return [(t[k], t["unknown"]) for k in ("react", "reduce", "rebound", "adapt")]
    react = m.get("react_days")
    rebound = m.get("days_to_recover")
    out = [(t["react"], t["react_v"].format(v=react) if react is not None else t["react_none"]),
           (t["reduce"], t["reduce_v"].format(depth=m.get("depth") or 0.0, area=m.get("area_lost") or 0.0)),
           (t["rebound"], t["rebound_v"].format(v=rebound) if rebound is not None else t["rebound_none"])]
    level = m.get("post_shock_level")
    out.append((t["adapt"], t["adapt_v"].format(v=level) if rebound is not None and level is not None
                else t["unknown"]))
    return out


def what_changed(s: Snapshot, levers_moved: bool, lang: str) -> list[str]:
    """Two or three plain sentences comparing the run so far with the baseline on the same days."""
    t = TEXT[lang]
    if not levers_moved:
        return [t["same"]]
    if s.onset is None or s.day <= s.onset:
        return [t["no_shock"]]
    lost = _area(s.table[:, column_index()["performance"]], s.onset, s.params)
    base_lost = _area(s.base_table[: s.day, column_index()["performance"]], s.onset, s.params)
    sentences = [t["area"].format(day=s.day, a=lost, b=base_lost,
                                  d=t["better"] if lost <= base_lost else t["worse"])]
    lat, base_lat = _mean(s.table, "decision_latency_mean"), _mean(s.base_table[: s.day], "decision_latency_mean")
    if lat is not None and base_lat is not None:
        sentences.append(t["latency"].format(a=lat, b=base_lat))
    moved = int(np.nansum(s.table[:, column_index()["redeployed"]]))
    base_moved = int(np.nansum(s.base_table[: s.day, column_index()["redeployed"]]))
    if moved or base_moved:
        sentences.append(t["moves"].format(a=_count(moved, lang), b=_count(base_moved, lang)))
    return sentences


def _count(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "\u202f" if lang == "fr" else ",")


def _area(p: np.ndarray, onset: int, params) -> float:
    """Days of pre-shock performance lost since the onset, over the days given (``area_lost``)."""
    return float(resilience(p, onset, params)["area_lost"])


def _mean(table: np.ndarray, column: str) -> float | None:
    values = table[:, column_index()[column]]
    values = values[np.isfinite(values) & (values > 0)]
    return float(values.mean()) if len(values) else None


def moved_from_baseline(levers: dict) -> bool:
    """Whether any lever (besides size and horizon) differs from the scenario's value."""
    return any(key not in SCENARIO_KEYS for key in scenario_values(levers))


def initiatives(s: Snapshot, lang: str) -> list[str]:
    """What is known of spontaneous initiatives so far: how many were launched, blocked, relayed, adopted."""
    if not s.params.get("initiatives.enabled") and not s.params.get("initiatives.external_rate"):
        return [TEXT[lang]["initiatives_off"]]
    words = TEXT[lang]["initiative_counts"]
    sep = " : " if lang == "fr" else ": "
    return [f"{word}{sep}{s.measures.get('initiatives_' + key) or 0}" for key, word in words.items()]
