"""Build the organisation: institutions, services, agents, managers, ties.

The builder turns a validated :class:`~resilience_sim.scenario.Scenario` into arrays
(see :mod:`.state`). It is deterministic for a seed: every draw comes from the
counter-based generator with the ``build`` stream, so the organisation is the same
whatever the policy (common random numbers across designs).

Hierarchy (levels, DESIGN §1.1): each institution has an executive (0), deputies
(1), directors (2) grouping ``units_per_director`` services, a head per service (3)
and team leaders (4) leading teams of about ``team_size`` agents. Levels 0–2 form the
institution's executive office; heads and team leaders belong to their service and
spend part of their time on its tasks.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np

from . import archetypes
from .orgchart import chart_of
from .params import LEVEL_KEYS, LEVEL_NAMES, PARAMS
from .rng import BUILD, uniforms
from .scenario import Scenario
from .specs import ServiceSpec, explicit_institutions, spec_of
from .state import AGENT, MANAGER, SERVICE, Agents, Managers, Services, allocate, grow

#: level of a head of service (0 = executive … 4 = team leader, 5 = staff)
HEAD_OF_SERVICE = LEVEL_NAMES.index("head of service")
#: level of the HR crisis cell's desk (beside the deputies: it answers to the executive)
HR_CELL_LEVEL = 1
#: share of a manager's time spent on the service's tasks, by level
TASK_SHARE_BY_LEVEL = (0.0, 0.0, 0.0, 0.2, 0.5)


@dataclass
class Organisation:
    """The built organisation: arrays plus the names that label them.

    Attributes:
        institutions: (name, kind) per institution.
        service_names: name per service.
        service_tags: mission tags per service.
        missions: skill names; ``services.mission`` and agents' skills index it.
        services, agents, managers: state tables (see :mod:`.state`).
        origin_ptr, origin_agent: per service, the workers whose managers raise its
            exceptions (CSR layout: workers of service s are
            ``origin_agent[origin_ptr[s]:origin_ptr[s+1]]``).
        ties: informal ties as an (E, 2) array of agent indices.
        executive_office: service index of each institution's executive office.
        agent_ids: the org chart's agent id of each agent (empty for a preset).
        hr_cell: the desk of the HR crisis cell (``hr.crisis_cell`` deciders), the last row of
            ``managers``, or -1 when there is none.

    """

    institutions: list[tuple[str, str]]
    service_names: list[str]
    service_tags: list[tuple[str, ...]]
    missions: list[str]
    services: Services
    agents: Agents
    managers: Managers
    origin_ptr: np.ndarray
    origin_agent: np.ndarray
    ties: np.ndarray
    executive_office: list[int] = field(default_factory=list)
    agent_ids: list[str] = field(default_factory=list)
    hr_cell: int = -1

    @property
    def n_agents(self) -> int:
        """Staff count."""
        return len(self.agents.home)

    @property
    def line_desks(self) -> int:
        """Desks of the reporting line (every manager's; the HR crisis cell's desk comes after them)."""
        return len(self.managers.level) - (self.hr_cell >= 0)

    @property
    def depth(self) -> int:
        """Deepest manager level."""
        return int(self.managers.level.max()) if len(self.managers.level) else 0


def service_specs(scenario: Scenario) -> tuple[list[tuple[str, str]], list[ServiceSpec]]:
    """Institutions and services of a scenario (explicit ones, or its archetype)."""
    if scenario.services:
        insts = explicit_institutions(scenario)
        return insts, [spec_of(s, insts) for s in scenario.services]
    insts, specs = [], []
    for k, (name, kind, rows) in enumerate(archetypes.ARCHETYPES[scenario["organisation.archetype"]]):
        insts.append((name, kind))
        for sname, head, tags, essential, on_site, deadline in rows:
            specs.append(ServiceSpec(sname if k == 0 else f"{name}.{sname}", k, sname,
                                     tuple(tags.split(",")), head, essential, on_site, deadline))
    return insts, specs


def rescale(specs: list[ServiceSpec], target: int | None) -> list[ServiceSpec]:
    """Scale headcounts (and explicit demands) so that staff total about ``target``."""
    if not target:
        return specs
    total = sum(s.headcount for s in specs)
    f = target / total
    out = []
    for s in specs:
        n = max(1, round(s.headcount * f))
        demand = None if s.demand is None else s.demand * n / s.headcount
        out.append(ServiceSpec(**{**s.__dict__, "headcount": n, "demand": demand}))
    return out


def split_units(specs: list[ServiceSpec], max_size: int) -> list[ServiceSpec]:
    """Split services larger than ``max_size`` into units of the same mission."""
    out = []
    for s in specs:
        parts = math.ceil(s.headcount / max_size)
        if parts == 1:
            out.append(s)
            continue
        base, extra = divmod(s.headcount, parts)
        for p in range(parts):
            n = base + (1 if p < extra else 0)
            demand = None if s.demand is None else s.demand * n / s.headcount
            out.append(ServiceSpec(**{**s.__dict__, "name": f"{s.name}#{p + 1}",
                                      "headcount": n, "demand": demand}))
    return out


def build(scenario: Scenario) -> Organisation:
    """Build the organisation of a scenario (archetype, explicit services or CSV)."""
    if scenario["organisation.csv"]:
        org = _arrays(scenario, *chart_of(scenario))
    else:
        insts, specs = service_specs(scenario)
        specs = rescale(specs, scenario["organisation.agents"])
        specs = split_units(specs, scenario["organisation.max_unit_size"])
        org = _assemble(scenario, insts, specs)
    _add_hr_cell(scenario, org)
    return org


def _add_hr_cell(scenario: Scenario, org: Organisation) -> None:
    """Append the HR crisis cell's desk to the managers, if the scenario has one.

    Its deciders are held by the head of the first service tagged ``hr`` (else by the
    executive); it sits outside the reporting line (no parent) at level ``HR_CELL_LEVEL``.
    """
    size = scenario["hr.crisis_cell"]
    if size <= 0:
        return
    m = org.managers
    hr = [s for s, tags in enumerate(org.service_tags) if "hr" in tags and org.services.head[s] >= 0]
    holder = int(m.agent[org.services.head[hr[0]]]) if hr else int(m.agent[np.argmin(m.level)])
    n = len(m.level)
    out = grow(MANAGER, m, n + 1, Managers)
    out.agent[n] = holder
    out.level[n] = HR_CELL_LEVEL
    out.parent[n] = -1
    out.service[n] = org.agents.home[holder]
    out.deciders[n] = size
    out.desk[n] = int(m.desk[-1] + m.deciders[-1]) if n else 0
    out.capacity[n] = scenario["organisation.manager_capacity"]
    out.rate[n] = out.capacity[n]
    org.managers, org.hr_cell = out, n


class _Rows:
    """Agents row by row: service, level (5 for staff) and manager row (-1 = none).

    Kept in ``array.array`` columns, not a list of tuples: no Python object per agent,
    so building a million agents does not take a gigabyte.
    """

    def __init__(self) -> None:
        self.service, self.level, self.parent = array("q"), array("b"), array("q")

    def add(self, service: int, level: int, parent: int) -> int:
        self.service.append(service)
        self.level.append(level)
        self.parent.append(parent)
        return len(self.level) - 1

    def add_staff(self, service: int, parents: np.ndarray) -> None:
        n = len(parents)
        self.service.frombytes(np.full(n, service, dtype=np.int64).tobytes())
        self.level.frombytes(np.full(n, 5, dtype=np.int8).tobytes())
        self.parent.frombytes(np.asarray(parents, dtype=np.int64).tobytes())


def _assemble(scenario: Scenario, insts, specs: list[ServiceSpec]) -> Organisation:
    p = scenario.params
    team = p["organisation.team_size"]
    rows = _Rows()
    svc_specs: list[ServiceSpec] = []
    exec_office = []
    for k, (iname, _) in enumerate(insts):
        own = [s for s in specs if s.institution == k]
        if not own:
            continue
        office = len(svc_specs)
        exec_office.append(office)
        svc_specs.append(ServiceSpec(f"{iname}.executive_office" if len(insts) > 1 else
                                     "executive_office", k, "management", ("executive",),
                                     0, False, 0.3, 30, 0.0))
        n_dir = math.ceil(len(own) / p["organisation.units_per_director"])
        n_dep = math.ceil(n_dir / p["organisation.directors_per_deputy"])
        top = rows.add(office, 0, -1)
        deps = [rows.add(office, 1, top) for _ in range(n_dep)]
        dirs = [rows.add(office, 2, deps[d // p["organisation.directors_per_deputy"]]) for d in range(n_dir)]
        for u, s in enumerate(own):
            sid = len(svc_specs)
            svc_specs.append(s)
            director = dirs[u // p["organisation.units_per_director"]]
            _add_service(rows, sid, s.headcount, director, team)
    return _arrays(scenario, insts, svc_specs, np.frombuffer(rows.service, dtype=np.int64),
                   np.frombuffer(rows.level, dtype=np.int8), np.frombuffer(rows.parent, dtype=np.int64), exec_office)


def _add_service(rows: _Rows, sid: int, n: int, director: int, team: float) -> None:
    head = rows.add(sid, 3, director)
    rest = n - 1
    n_teams = 0 if rest < 3 else max(1, round(rest / (team + 1)))
    members = rest - n_teams
    leaders = np.array([rows.add(sid, 4, head) for _ in range(n_teams)], dtype=np.int64)
    if members > 0:
        rows.add_staff(sid, leaders[np.arange(members) % n_teams] if n_teams else np.full(members, head))


def _arrays(scenario: Scenario, insts, svc_specs, home, levels, parents, exec_office,
            skills: list[tuple[str, str | None, bool]] | None = None,
            agent_ids: list[str] | None = None) -> Organisation:
    """Arrays of an organisation given row by row.

    ``home`` holds each agent's service, ``levels`` its level (5 for staff), ``parents``
    the row of its manager (-1 = none). ``skills`` (primary, secondary or None,
    secondary known) per agent replace the drawn skills (an org chart's).
    """
    p = scenario.params
    seed = p["run.seed"]
    n, n_svc = len(levels), len(svc_specs)
    named = {k for sk in skills or () for k in sk[:2] if k is not None}
    missions = sorted({s.mission for s in svc_specs} | named)
    mission_index = {m: i for i, m in enumerate(missions)}
    services = allocate(SERVICE, n_svc, Services)
    for i, s in enumerate(svc_specs):
        services.institution[i] = s.institution
        services.mission[i] = mission_index[s.mission]
        services.essential[i] = s.essential
        services.weight[i] = p["outcomes.essential_weight"] if s.essential else 1.0
        services.on_site_share[i] = s.on_site_share
        services.deadline[i] = s.deadline
    agents = allocate(AGENT, n, Agents)
    level = np.asarray(levels, dtype=np.int8)
    agents.home[:] = home
    agents.assigned[:] = agents.home
    is_mgr = level < 5
    n_mgr = int(is_mgr.sum())
    agents.role[is_mgr] = np.arange(n_mgr, dtype=np.int32)
    parent_row = np.asarray(parents, dtype=np.int64)
    agents.manager[:] = np.where(parent_row >= 0, agents.role[np.maximum(parent_row, 0)], -1)
    agents.task_share[:] = np.where(is_mgr, np.array(TASK_SHARE_BY_LEVEL + (1.0,))[level], 1.0)
    _draw_agents(agents, services, seed, p, len(missions))
    # heads of service and above manage: their jobs can be done remotely whatever the service's
    # field work (Dingel & Neiman 2020: management occupations can be done at home)
    agents.can_remote[level <= HEAD_OF_SERVICE] = True
    if skills is not None:
        agents.primary_skill[:] = [mission_index[a] for a, _, _ in skills]
        agents.secondary_skill[:] = [-1 if b is None else mission_index[b] for _, b, _ in skills]
        agents.secondary_known[:] = [b is not None and known for _, b, known in skills]
    managers = allocate(MANAGER, n_mgr, Managers)
    managers.agent[:] = np.flatnonzero(is_mgr)
    managers.level[:] = level[is_mgr]
    managers.parent[:] = agents.manager[is_mgr]
    managers.service[:] = agents.home[is_mgr]
    managers.deciders[:], managers.capacity[:] = desks_by_level(p, managers.level)
    managers.desk[:] = np.cumsum(managers.deciders) - managers.deciders  # each desk's first decider
    managers.rate[:] = managers.capacity
    heads = np.flatnonzero(managers.level == 3)[::-1]  # reversed: the first head wins
    services.head[managers.service[heads]] = heads
    _set_demand(services, agents, svc_specs, p)
    ptr, origin = _origins(agents, n_svc)
    ties = _informal_ties(n, p["organisation.informal_ties"], p["organisation.rewire"], seed)
    return Organisation(
        institutions=list(insts), service_names=[s.name for s in svc_specs],
        service_tags=[s.tags for s in svc_specs], missions=missions, services=services,
        agents=agents, managers=managers, origin_ptr=ptr, origin_agent=origin, ties=ties,
        executive_office=exec_office, agent_ids=list(agent_ids or []),
    )


def _draw_agents(agents: Agents, services: Services, seed: int, p, n_missions: int) -> None:
    n = len(agents.home)
    s = BUILD
    cv = p["organisation.productivity_cv"]
    sigma = math.sqrt(math.log1p(cv * cv))
    mu = math.log(p["organisation.productivity"]) - sigma * sigma / 2
    u1, u2 = uniforms(seed, s, 0, n, 0), uniforms(seed, s, 0, n, 1)
    z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2 * np.pi * u2)
    agents.productivity[:] = np.exp(mu + sigma * z)
    agents.primary_skill[:] = services.mission[agents.home]
    has2 = uniforms(seed, s, 0, n, 2) < p["organisation.secondary_skill_share"]
    offset = 1 + (uniforms(seed, s, 0, n, 3) * max(n_missions - 1, 1)).astype(np.int16)
    second = (agents.primary_skill + offset) % max(n_missions, 1)
    agents.secondary_skill[:] = np.where(has2 & (n_missions > 1), second, -1)
    agents.secondary_known[:] = has2 & (uniforms(seed, s, 0, n, 4) < p["organisation.secondary_known_share"])
    agents.can_remote[:] = uniforms(seed, s, 0, n, 5) >= services.on_site_share[agents.home]
    ra = p["organisation.risk_aversion"]
    agents.risk_aversion[:] = np.clip(ra + 0.2 * (uniforms(seed, s, 0, n, 6) - 0.5), 0, 1)
    agents.engagement[:] = p["wellbeing.engagement_baseline"]


def desks_by_level(p, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deciders and capacity (decisions/day per decider) of desks at the given levels.

    Each level's ``organisation.desk_deciders.<level>`` and ``organisation.desk_capacity.<level>``,
    or the organisation-wide ``organisation.deciders_per_manager`` and
    ``organisation.manager_capacity`` where a level declares none.
    """
    deciders = np.array([p[f"organisation.desk_deciders.{name}"] or p["organisation.deciders_per_manager"]
                         for name in LEVEL_KEYS], dtype=np.int64)
    capacity = np.array([p[f"organisation.desk_capacity.{name}"] or p["organisation.manager_capacity"]
                         for name in LEVEL_KEYS], dtype=np.float64)
    lv = np.minimum(level.astype(np.int64), len(LEVEL_NAMES) - 1)
    return deciders[lv], capacity[lv]


def _set_demand(services: Services, agents: Agents, specs: list[ServiceSpec], p) -> None:
    """Baseline demand: explicit, or utilisation × expected baseline capacity.

    Demand is the public's: the capacity it is set against is that of the staff with the
    reference reporting load (the declared defaults of ``policy.reporting.agent_hours``
    and ``policy.reporting.week_hours``), not the scenario's, so that no lever changes
    the demand a seed faces (ODD §7, "Demand is the public's").
    """
    reporting = PARAMS["policy.reporting.agent_hours"].default / PARAMS["policy.reporting.week_hours"].default
    presence = 1.0 - p["baseline.sickness"]
    work = agents.productivity * agents.task_share * presence * (1.0 - reporting)
    cap = np.bincount(agents.home, weights=work, minlength=len(specs))
    for i, s in enumerate(specs):
        services.base_demand[i] = s.demand if s.demand is not None else p["organisation.utilisation"] * cap[i]


def _origins(agents: Agents, n_svc: int) -> tuple[np.ndarray, np.ndarray]:
    """Workers by service (CSR): exceptions are raised through their managers."""
    workers = np.flatnonzero(agents.task_share > 0).astype(np.int32)
    order = np.argsort(agents.home[workers], kind="stable")
    workers = workers[order]
    counts = np.bincount(agents.home[workers], minlength=n_svc)
    ptr = np.zeros(n_svc + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, workers


def _informal_ties(n: int, k: int, rewire: float, seed: int) -> np.ndarray:
    """Watts–Strogatz ties over agents in service order (k per agent, rewired)."""
    half = k // 2
    if half == 0 or n < 3:
        return np.zeros((0, 2), dtype=np.int32)
    src = np.repeat(np.arange(n, dtype=np.int64), half)
    dst = (src + np.tile(np.arange(1, half + 1), n)) % n
    s = BUILD
    m = len(src)
    flip = uniforms(seed, s, 1, m, 0) < rewire
    target = (uniforms(seed, s, 1, m, 1) * n).astype(np.int64)
    dst = np.where(flip & (target != src), target, dst)
    return np.stack([src, dst], axis=1).astype(np.int32)


def describe(org: Organisation) -> dict:
    """Counts for people: staff, services, managers by level."""
    levels = np.bincount(org.managers.level[: org.line_desks], minlength=5)
    return {"agents": org.n_agents, "services": len(org.service_names),
            "institutions": len(org.institutions),
            "managers_by_level": {i: int(c) for i, c in enumerate(levels)}}

