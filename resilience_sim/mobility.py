"""Micro-mobility set-up: service families, twinning, peer neighbours, pools, HR cell.

Built once per run from the scenario and the organisation (the kernels read the
result, see :mod:`resilience_sim.kernels.mobility`):

* a *family* is a service before it was split into units (``roads#1``, ``roads#2``
  → ``roads``); the scope ``service`` moves agents between units of one family;
* *twinning* pairs families (``[[organisation.twinning]]``: ``a``, ``b``, by name)
  and means that staff were trained for the twin's missions: a share
  ``mobility.twinning_trained_share`` of the staff (not managers) of a twinned family
  whose secondary skill is not known, drawn per agent, now know the mission of a twin
  (drawn per agent among its twins) as their secondary skill — a move still needs a skill;
* *peer neighbours* are families linked by at least one informal tie, or twinned:
  in peer-to-peer mode only neighbouring managers can agree on a move;
* the *flying pool*: ``mobility.flying_pool`` agents drawn among staff (not
  managers), chosen because they are versatile: each knows ``mobility.flying_skills``
  missions of essential services besides its own skills (drawn per agent), ramps up in
  ``mobility.flying_learning_days`` and is movable anywhere in the territory;
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
        flying_missions: (agents, K) the essential missions each flying agent knows
            besides its own skills (-1: none; K = 0 without flying agents).
        external: per institution, True for external actors.
        hr_cell: the HR crisis cell's desk, or -1.
        essential_missions: missions of the essential services (training targets).

    """

    family_names: list[str]
    twin: np.ndarray
    near: np.ndarray
    flying_missions: np.ndarray
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


def train_twins(scenario: Scenario, org: Organisation, fam: np.ndarray, twin: np.ndarray) -> int:
    """Staff of twinned families trained for a twin's mission (see module doc); returns how many."""
    share = scenario["mobility.twinning_trained_share"]
    a = org.agents
    if share <= 0.0 or not twin.any():
        return 0
    mission_of = np.full(len(twin), -1, dtype=np.int64)
    for s in range(len(fam)):
        if mission_of[fam[s]] < 0:
            mission_of[fam[s]] = org.services.mission[s]
    seed = scenario["run.seed"]
    drawn = uniforms(seed, BUILD, 2, org.n_agents, 10) < share
    which = uniforms(seed, BUILD, 2, org.n_agents, 11)
    trained = 0
    for i in np.flatnonzero(drawn & (a.role < 0) & ~a.secondary_known):
        twins = np.flatnonzero(twin[fam[a.home[i]]])
        if len(twins) == 0:
            continue
        m = mission_of[twins[min(int(which[i] * len(twins)), len(twins) - 1)]]
        if m != a.primary_skill[i]:
            a.secondary_skill[i] = m
            a.secondary_known[i] = True
            trained += 1
    return trained


def flying_missions(scenario: Scenario, org: Organisation, essential: np.ndarray) -> np.ndarray:
    """(agents, K) essential missions each flying agent knows besides its own (-1: none)."""
    k = scenario["mobility.flying_skills"] if scenario["mobility.flying_pool"] > 0 else 0
    out = np.full((org.n_agents, k), -1, dtype=np.int64)
    if k == 0 or len(essential) == 0:
        return out
    flying = org.agents.flying
    for j in range(k):
        u = uniforms(scenario["run.seed"], BUILD, 2, org.n_agents, 2 + j)
        picked = essential[np.minimum((u * len(essential)).astype(np.int64), len(essential) - 1)]
        out[flying, j] = picked[flying]
    return out


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
    train_twins(scenario, org, fam, twin)
    external = np.array([kind == "external" for _, kind in org.institutions], dtype=np.bool_)
    essential = np.unique(org.services.mission[org.services.essential]).astype(np.int64)
    net = MobilityNet(names, twin, neighbours(org, fam, twin), flying_missions(scenario, org, essential),
                      external, org.hr_cell, essential)
    return net
