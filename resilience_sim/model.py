"""The Mesa façade: ``OrganisationModel``, the user's handle on a run.

The arrays are the truth; Mesa is at the edge. ``OrganisationModel`` takes every
declared parameter (``resilience_sim.params.PARAMS``) as a keyword, its dotted key
written with ``_`` (``mobility_mode="central"``, ``policy_validation_steps=2``), and
``rng``, so ``mesa.batch_run``, ``DataCollector`` and ``SolaraViz`` work and can sweep
any of them. ``step()`` runs one day of compiled kernels. The ``DataCollector`` holds
the daily metrics (``record.columns()``) and the run's resilience measures so far
(``MEASURES``: ``area_lost``, ``depth``, ``days_to_recover`` …), so a ``batch_run``
row carries both.

Staff (and managers, who are staff with a desk) are ``mesa`` agents placed on a
``mesa.discrete_space.Network`` of the organisation graph; services are ``mesa``
agents too. Their attributes are properties that read the state arrays: no copies,
always current. The network has no positions until a view asks for them
(:meth:`OrganisationModel.layout`, cached per organisation), which keeps building a
model quick. ``agent_objects=False`` leaves the agents (and the graph) out for very
large organisations.
"""

from __future__ import annotations

import difflib
import hashlib
import inspect
from collections import OrderedDict

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from .engine import Simulation
from .kernels.record import column_index, columns
from .params import PARAMS
from .scenario import DEFAULT_SCENARIO, Scenario, load
from .state import AGENT, MANAGER, SERVICE

#: parameters that are not keywords: the seed comes from ``rng``
NOT_KEYWORDS = ("run.seed",)

#: keyword parameter of OrganisationModel → dotted key, one per declared parameter
KEYWORDS: dict[str, str] = {key.replace(".", "_"): key for key in PARAMS if key not in NOT_KEYWORDS}

#: short names kept from the first versions of the model → dotted key
ALIASES: dict[str, str] = {
    "n_agents": "organisation.agents",
    "days": "run.days",
    "exception_share": "baseline.exception_share",
    "authority_exception": "policy.authority.exception",
    "validation_steps": "policy.validation.steps",
    "manager_capacity": "organisation.manager_capacity",
    "agent_reporting_hours": "policy.reporting.agent_hours",
    "manager_reporting_hours": "policy.reporting.manager_hours",
    "crisis_reporting": "policy.reporting.crisis_multiplier",
}

#: the run's resilience measures reported to the DataCollector (scalar keys of ``summary()``);
#: a measure whose name is also a daily column is reported as ``run_<name>``
MEASURES = (
    "p0", "min_performance", "depth", "area_lost", "resilience_index", "days_to_min",
    "days_to_recover", "post_shock_level", "react_days", "window_days", "censored", "counter_adapt",
    "lasting_gain", "second_shock_onset", "first_shock_area_lost", "second_shock_area_lost",
    "unmet", "unmet_essential",
    "decision_latency_mean", "decision_latency_p95", "decision_errors", "rework",
    "share_settled_locally", "burnout_days", "fatigue_max", "manager_fatigue_mean",
    "manager_fatigue_max", "fatigue_mean_max", "engagement_change", "reporting_hours", "redeployed_agent_days",
    "redeployed_across_agent_days", "moves", "moves_refused_skill", "moves_refused_decision",
    "ramp_days_lost", "volunteer_hours", "skills_revealed", "reallocated",
    "initiatives_launched", "initiatives_approved", "initiatives_blocked", "initiatives_failed",
    "initiatives_relayed", "initiatives_adopted", "initiatives_recognised", "initiatives_external",
    "initiatives_external_supported", "initiators", "initiators_fatigue", "others_fatigue",
    "initiators_engagement", "others_engagement", "tasks_arrived", "tasks_processed",
    "decisions_created", "decisions_completed_total", "decisions_withdrawn",
    "decisions_withdrawn_share", "settled_locally", "tacit_approvals",
)


def measure_column(name: str) -> str:
    """The DataCollector column of a run measure (``run_`` before a daily column's name)."""
    return f"run_{name}" if name in column_index() else name


def _check_keywords() -> None:
    clash = set(KEYWORDS) & (set(ALIASES) | {"scenario_name", "settings", "agent_objects", "rng"})
    if clash or len(KEYWORDS) != len(PARAMS) - len(NOT_KEYWORDS):
        raise RuntimeError(f"keyword names of OrganisationModel collide: {sorted(clash)}")


_check_keywords()


def scenario_values(parameters: dict) -> dict:
    """Dotted-key values of keyword parameters (None keeps the scenario's value).

    Raises:
        TypeError: a keyword that is not a declared parameter, naming the closest one.

    """
    values = {}
    for name, value in parameters.items():
        key = KEYWORDS.get(name) or ALIASES.get(name)
        if key is None:
            raise TypeError(unknown_keyword(name))
        if value is not None:
            values[key] = value
    return values


def unknown_keyword(name: str) -> str:
    """The message for a keyword that is not a parameter, with the closest valid one."""
    if name.replace("_", ".") in NOT_KEYWORDS or name == "seed":
        return f"OrganisationModel: {name!r} is not a keyword; the run seed comes from rng=..."
    valid = [*KEYWORDS, *ALIASES, "scenario_name", "settings", "agent_objects", "rng"]
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    if not close and "." in name:
        close = [name.replace(".", "_")] if name.replace(".", "_") in KEYWORDS else []
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (f"OrganisationModel: unknown keyword {name!r}{hint} (every declared parameter is a keyword, "
            "its dotted key written with '_': see `resilience-sim params`)")


def _array_property(table: str, name: str, index: str, doc: str):
    def get(self):
        return getattr(getattr(self.model.sim, table), name)[getattr(self, index)]

    return property(get, doc=doc)


def _with_arrays(cls, table: str, decls, index: str):
    for a in decls:
        if not hasattr(cls, a.name):
            setattr(cls, a.name, _array_property(table, a.name, index, f"{a.doc} ({a.unit})"))
    return cls


class Staff(FixedAgent):
    """A member of staff; its attributes read the agent arrays (see ``state.AGENT``)."""

    def __init__(self, model: OrganisationModel, index: int, cell):
        super().__init__(model)
        self.index = index
        self.cell = cell

    @property
    def present(self) -> bool:
        """At work today (on site or remote)."""
        return int(self.status) != 2


class ManagerStaff(Staff):
    """A manager: staff with a decision desk (see ``state.MANAGER``)."""

    def __init__(self, model: OrganisationModel, index: int, cell, desk: int):
        super().__init__(model, index, cell)
        self.desk_index = desk


class Service(mesa.Agent):
    """A service; its attributes read the service arrays (see ``state.SERVICE``)."""

    def __init__(self, model: OrganisationModel, index: int):
        super().__init__(model)
        self.index = index
        self.name = model.sim.org.service_names[index]


_with_arrays(Staff, "agents", AGENT, "index")
for _a in MANAGER:
    setattr(ManagerStaff, f"desk_{_a.name}",
            _array_property("managers", _a.name, "desk_index", f"{_a.doc} ({_a.unit})"))
_with_arrays(Service, "services", SERVICE, "index")


class OrganisationModel(mesa.Model):
    """A public organisation facing a shock, day by day.

    ``OrganisationModel(scenario_name="covid_lockdown_2020", *, settings=None,
    agent_objects=True, rng=None, **parameters)``.

    Args:
        scenario_name: shipped scenario name or TOML path.
        settings: other parameters by dotted key, e.g. ``{"wellbeing.fatigue_gain": 0.05}``.
        agent_objects: create mesa agents and the network (False for huge organisations).
        rng: seed (int) or numpy Generator; the run seed is taken from it (Mesa rules:
            None draws a fresh seed).
        **parameters: any declared parameter, its dotted key written with ``_``
            (``mobility_mode="central"``, ``organisation_agents=500``, ``run_days=90``;
            see ``KEYWORDS``), or a short name of ``ALIASES`` (``n_agents``, ``days``,
            ``validation_steps`` …). A value of None keeps the scenario's value.

    Raises:
        TypeError: a keyword that is not a declared parameter (the message names the
            closest valid keyword).
        ScenarioError: a value out of its declared range or type (a ``ValueError``).

    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, *, settings: dict | None = None,
                 agent_objects: bool = True, rng=None, **parameters):
        values = scenario_values(parameters)
        super().__init__(rng=rng)
        values.update(settings or {})
        values["run.seed"] = int(self._seed)
        self.spec: Scenario = load(scenario_name, values, source="OrganisationModel")  # overrides seen by validation
        self.sim = Simulation(self.spec)
        self.staff: list[Staff] = []
        self.service_agents: list[Service] = []
        self.network: Network | None = None
        self._measured: tuple[int, dict] = (-1, {})
        if agent_objects:
            self._create_agents()
        self.datacollector = mesa.DataCollector(
            model_reporters={**{name: _reporter(name) for name in columns()},
                             **{measure_column(name): _measure(name) for name in MEASURES}},
        )

    def _create_agents(self) -> None:
        from .graph import build_graph

        org = self.sim.org
        self.graph = build_graph(org, self.spec.twinning)
        self.network = Network(self.graph, random=self.random, layout=None)
        role = org.agents.role
        for i in range(org.n_agents):
            cell = self.network._cells[i]
            if role[i] >= 0:
                self.staff.append(ManagerStaff(self, i, cell, int(role[i])))
            else:
                self.staff.append(Staff(self, i, cell))
        self.service_agents = [Service(self, s) for s in range(len(org.service_names))]

    def layout(self) -> dict[int, np.ndarray]:
        """Positions of the staff for drawing the network (agent index → (x, y)).

        A spring layout of the organisation graph, computed on the first call and cached
        per organisation (same structure, same positions), so that building a model
        costs no layout and a view pays for it once. The network's cells get these
        positions too.
        """
        from .graph import build_graph

        graph = getattr(self, "graph", None)
        positions = cached_layout(self.sim.org, graph if graph is not None else build_graph(self.sim.org))
        if self.network is not None and self.network._kdtree is None:
            for node, cell in self.network._cells.items():
                cell.position = positions[node]
            self.network._kdtree_cells = list(self.network._cells.values())
            self.network._rebuild_kdtree()
        return positions

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return self.sim.day

    def today(self, column: str) -> float:
        """The last simulated day's value of a daily metric (see ``record.DECLARED``)."""
        return float(self.sim.out[self.sim.day - 1, column_index()[column]]) if self.sim.day else float("nan")

    def step(self) -> None:
        """Simulate one day and collect its metrics."""
        self.sim.step()
        self.datacollector.collect(self)
        if self.sim.day >= self.sim.days:
            self.running = False

    def summary(self) -> dict:
        """Resilience measures of the days simulated so far (see :mod:`.metrics`)."""
        from .results import summary

        return summary(self.sim)

    def measures(self) -> dict:
        """``summary()`` of the days simulated so far, computed once a day."""
        day, measured = self._measured
        if day != self.sim.day:
            measured = self.summary() if self.sim.day else {}
            self._measured = (self.sim.day, measured)
        return measured

    @property
    def performance(self) -> np.ndarray:
        """P(t) for the days simulated so far."""
        return self.sim.out[: self.sim.day, column_index()["performance"]]


def _signature() -> inspect.Signature:
    """``__init__``'s signature with every keyword spelled out (read by SolaraViz and help)."""
    kw = inspect.Parameter.KEYWORD_ONLY
    base = [p for p in inspect.signature(OrganisationModel.__init__).parameters.values()
            if p.kind != inspect.Parameter.VAR_KEYWORD]
    named = [inspect.Parameter(name, kw, default=None) for name in [*KEYWORDS, *ALIASES]]
    return inspect.Signature([*base, *named])


OrganisationModel.__init__.__signature__ = _signature()

_LAYOUTS: OrderedDict[str, dict] = OrderedDict()
LAYOUTS_KEPT = 8


def organisation_digest(org) -> str:
    """A digest of an organisation's structure (who reports to whom, homes, informal ties)."""
    h = hashlib.blake2b(digest_size=16)
    for array in (org.agents.manager, org.agents.home, org.agents.role, np.asarray(org.ties)):
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


def cached_layout(org, graph) -> dict[int, np.ndarray]:
    """The spring layout of an organisation's graph, kept for the last ``LAYOUTS_KEPT`` ones."""
    import networkx as nx

    key = organisation_digest(org)
    if key not in _LAYOUTS:
        _LAYOUTS[key] = nx.spring_layout(graph, seed=0)
        while len(_LAYOUTS) > LAYOUTS_KEPT:
            _LAYOUTS.popitem(last=False)
    _LAYOUTS.move_to_end(key)
    return _LAYOUTS[key]


def _reporter(name: str):
    def report(model: OrganisationModel) -> float:
        return model.today(name)

    report.__name__ = name
    return report


def _measure(name: str):
    def report(model: OrganisationModel):
        return model.measures().get(name)

    report.__name__ = measure_column(name)
    return report
