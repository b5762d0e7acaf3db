"""Spontaneous initiatives set-up: the stage's parameters and lookup tables.

Built once per run from the scenario and the organisation (the kernel reads the result,
see :mod:`resilience_sim.kernels.initiatives`):

* the informal ties as adjacency lists (both directions, in agent order): who sees whose
  service, and whose propensity moves when an initiative is blocked or recognised;
* for each service, an external actor (institution of kind ``external``) that can serve
  it (one of its services shares a mission tag with it), or -1.

A scenario with external initiatives on (``initiatives.external_rate`` > 0) with an
external actor that shares no mission tag with a service of the organisation is an
error: that actor could serve no need.
"""

from __future__ import annotations

import numpy as np

from .organisation import Organisation
from .scenario import Scenario
from .schema import ScenarioError

DIRECTION = {"executive", "*"}  # tags of every institution's direction, not a mission


def tie_lists(org: Organisation) -> tuple[np.ndarray, np.ndarray]:
    """Informal ties as adjacency lists: (ptr (n + 1,) int64, tied agents int32), in agent order."""
    n = org.n_agents
    ties = org.ties.astype(np.int64)
    both = np.concatenate([ties, ties[:, ::-1]]) if len(ties) else np.zeros((0, 2), dtype=np.int64)
    order = np.lexsort((both[:, 1], both[:, 0])) if len(both) else np.zeros(0, dtype=np.int64)
    both = both[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(both[:, 0], minlength=n), out=ptr[1:])
    return ptr, both[:, 1].astype(np.int32)


def external_actors(scenario: Scenario, org: Organisation) -> np.ndarray:
    """Per service, an external institution that can serve it, or -1 (see module doc).

    An external actor can serve a service of the organisation (not of an external actor)
    with which one of its services shares a mission tag (not the direction's ``executive``);
    the first such actor is kept.
    """
    sv = org.services
    external = np.array([kind == "external" for _, kind in org.institutions], dtype=bool)
    actor = np.full(len(org.service_names), -1, dtype=np.int32)
    for e in np.flatnonzero(external):
        tags = set().union(*(set(org.service_tags[s]) for s in np.flatnonzero(sv.institution == e))) - DIRECTION
        served = np.array([not external[sv.institution[s]] and bool(tags & set(org.service_tags[s]))
                           for s in range(len(actor))], dtype=bool)
        if scenario["initiatives.enabled"] and scenario["initiatives.external_rate"] > 0 and not served.any():
            name = org.institutions[e][0]
            raise ScenarioError(scenario.source, "initiatives.external_rate",
                                f"external actor {name!r} shares no mission tag with a service of the "
                                "organisation, so it can serve no need; give one of its services such a tag "
                                "or set initiatives.external_rate = 0")
        actor[served & (actor < 0)] = e
    return actor


def outcomes(sim) -> dict:
    """What initiatives left at the end of a run (a :class:`~resilience_sim.engine.Simulation`).

    ``lasting_gain``: the services' lasting capacity gain from adopted practice, mean
    weighted by baseline demand; engagement and fatigue at the end, mean over the staff
    who launched at least one initiative and over the others (None if nobody).
    """
    sv, ag = sim.services, sim.agents
    weight = sv.base_demand.sum()
    gain = float((sv.practice * sv.base_demand).sum() / weight) if weight > 0 else 0.0
    led = ag.initiatives_led > 0
    staff = ag.role < 0

    def mean(values, mask):
        return float(values[mask].astype(np.float64).mean()) if mask.any() else None

    return {"lasting_gain": gain,
            "initiators": int(led.sum()),
            "initiators_engagement": mean(ag.engagement, led),
            "others_engagement": mean(ag.engagement, staff & ~led),
            "initiators_fatigue": mean(ag.fatigue, led),
            "others_fatigue": mean(ag.fatigue, staff & ~led)}


def event_table(sim):
    """The initiatives' event log as a table: day, agent, home service, service served, event.

    Services by name; agent and home service are -1 / empty for an external actor.
    """
    import pandas as pd

    from .kernels.initiatives import COUNT_EVENTS, EVENTS

    n = int(sim.buffers.counts[COUNT_EVENTS])
    rows = sim.buffers.events[:n]
    names = np.array(list(sim.org.service_names) + [""], dtype=object)
    return pd.DataFrame({
        "day": rows[:, 0], "agent": rows[:, 1],
        "service": names[rows[:, 2]], "need": names[rows[:, 3]],
        "outcome": np.array(EVENTS, dtype=object)[rows[:, 4]] if n else np.array([], dtype=object),
    })
