"""Micro-mobility set-up: service families, twinning, peer neighbours, pools, HR cell.

Built once per run from the scenario and the organisation (the kernels read the
result, see :mod:`resilience_sim.kernels.mobility`):

* a *family* is a service before it was split into units (``roads#1``, ``roads#2``
  → ``roads``); the scope ``service`` moves agents between units of one family;
* *twinning* pairs families (``[[organisation.twinning]]``: ``a``, ``b``, by name);
* *peer neighbours* are families linked by at least one informal tie, or twinned:
  in peer-to-peer mode only neighbouring managers can agree on a move;
* the *flying pool*: ``mobility.flying_pool`` agents drawn among staff (not
  managers), movable anywhere in the territory;
* *reassignment plans*: a share ``hr.reassignment_plan_share`` of staff whose moves
  are pre-approved;
* the *HR crisis cell*: with ``hr.crisis_cell`` = c > 0, a desk of c deciders held by
  the head of the HR service (tag ``hr``; else the first executive), at level 1 and
  answering to nobody, takes every redeployment decision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .organisation import Organisation
from .rng import BUILD, uniforms
from .scenario import Scenario
from .schema import ScenarioError, suggest


@dataclass(frozen=True)
class MobilityNet:
    """What the mobility stage reads besides the state (see module doc).

    Attributes:
        family_names: name of each family.
        twin: (F, F) bool, twinned families.
        near: (F, F) bool, families whose managers are peer neighbours.
        tie_share: per agent, share of its informal ties whose primary skill is its
            secondary skill (drives the revelation of latent skills).
        external: per institution, True for external actors.
        hr_cell: the HR crisis cell's desk, or -1.
        essential_missions: missions of the essential services (training targets).

    """

    family_names: list[str]
    twin: np.ndarray
    near: np.ndarray
    tie_share: np.ndarray
    external: np.ndarray
    hr_cell: int
    essential_missions: np.ndarray


def families(org: Organisation) -> tuple[np.ndarray, list[str]]:
    """Family index of each service, and the families' names."""
    names: list[str] = []
    index: dict[str, int] = {}
    fam = np.empty(len(org.service_names), dtype=np.int32)
    for s, name in enumerate(org.service_names):
        base = name.split("#", 1)[0]
        if base not in index:
            index[base] = len(names)
            names.append(base)
        fam[s] = index[base]
    return fam, names


def twinning(scenario: Scenario, names: list[str]) -> np.ndarray:
    """(F, F) matrix of twinned families, from ``[[organisation.twinning]]``."""
    index = {n: i for i, n in enumerate(names)}
    twin = np.zeros((len(names), len(names)), dtype=np.bool_)
    for k, pair in enumerate(scenario.twinning):
        ends = []
        for end in ("a", "b"):
            name = pair[end]
            if name not in index:
                raise ScenarioError(scenario.source, f"organisation.twinning[{k}].{end}",
                                    f"no service named {name!r}{suggest(name, names)}")
            ends.append(index[name])
        twin[ends[0], ends[1]] = twin[ends[1], ends[0]] = True
    return twin


def neighbours(org: Organisation, fam: np.ndarray, twin: np.ndarray) -> np.ndarray:
    """(F, F) families linked by an informal tie, twinned, or equal."""
    f = fam[org.agents.home]
    near = twin.copy()
    if len(org.ties):
        near[f[org.ties[:, 0]], f[org.ties[:, 1]]] = True
        near[f[org.ties[:, 1]], f[org.ties[:, 0]]] = True
    np.fill_diagonal(near, True)
    return near


def tie_shares(org: Organisation) -> np.ndarray:
    """Per agent, share of its ties whose primary skill is the agent's secondary skill."""
    a = org.agents
    n = org.n_agents
    ties = org.ties
    both = np.concatenate([ties, ties[:, ::-1]]) if len(ties) else np.zeros((0, 2), dtype=np.int64)
    degree = np.bincount(both[:, 0], minlength=n) if len(both) else np.zeros(n)
    hit = a.secondary_skill[both[:, 0]] == a.primary_skill[both[:, 1]]
    hits = np.bincount(both[hit, 0], minlength=n) if len(both) else np.zeros(n)
    return np.where(degree > 0, hits / np.maximum(degree, 1), 0.0).astype(np.float32)


def draw_pools(scenario: Scenario, org: Organisation) -> None:
    """Flag the flying agents and the staff with a reassignment plan (build stream)."""
    p = scenario.params
    a = org.agents
    staff = np.flatnonzero(a.role < 0)
    n_flying = p["mobility.flying_pool"]
    if n_flying > len(staff):
        raise ScenarioError(scenario.source, "mobility.flying_pool",
                            f"{n_flying} flying agents but only {len(staff)} staff who are not managers")
    u = uniforms(p["run.seed"], BUILD, 2, org.n_agents, 0)
    a.flying[:] = False
    a.flying[staff[np.argsort(u[staff], kind="stable")[:n_flying]]] = True
    a.planned[:] = uniforms(p["run.seed"], BUILD, 2, org.n_agents, 1) < p["hr.reassignment_plan_share"]


def setup(scenario: Scenario, org: Organisation) -> MobilityNet:
    """Everything the mobility stage needs."""
    fam, names = families(org)
    org.services.family[:] = fam
    twin = twinning(scenario, names)
    draw_pools(scenario, org)
    external = np.array([kind == "external" for _, kind in org.institutions], dtype=np.bool_)
    essential = np.unique(org.services.mission[org.services.essential]).astype(np.int64)
    net = MobilityNet(names, twin, neighbours(org, fam, twin), tie_shares(org), external, org.hr_cell, essential)
    return net
