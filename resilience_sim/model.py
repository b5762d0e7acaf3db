"""The Mesa façade: ``OrganisationModel``, the user's handle on a run.

The arrays are the truth; Mesa is at the edge. ``OrganisationModel`` takes plain
keyword parameters (all with defaults) and ``rng``, so ``mesa.batch_run``,
``DataCollector`` and ``SolaraViz`` work. ``step()`` runs one day of compiled kernels.
Staff (and managers, who are staff with a desk) are ``mesa`` agents placed on a
``mesa.discrete_space.Network`` of the organisation graph; services are ``mesa``
agents too. Their attributes are properties that read the state arrays: no copies,
always current. ``agent_objects=False`` leaves them (and the graph) out for very
large organisations.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from .engine import Simulation
from .kernels.record import column_index, columns
from .scenario import DEFAULT_SCENARIO, Scenario, load
from .state import AGENT, MANAGER, SERVICE

#: keyword parameter of OrganisationModel → dotted scenario key (None keeps the scenario's value)
KEYWORDS = {
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

    Args:
        scenario_name: shipped scenario name or TOML path.
        n_agents: rescale the organisation to about this many staff.
        days: horizon in days.
        exception_share: share of tasks that are exceptions in normal times.
        authority_exception: level holding authority on exceptions (0 top … 4).
        validation_steps: sign-offs per decision.
        manager_capacity: sign-offs per manager per day.
        agent_reporting_hours: reporting hours per week of an agent.
        manager_reporting_hours: reporting hours per week of a manager.
        crisis_reporting: reporting multiplier during a shock.
        settings: other parameters by dotted key, e.g. ``{"wellbeing.fatigue_gain": 0.05}``.
        agent_objects: create mesa agents and the network (False for huge organisations).
        rng: seed (int) or numpy Generator; the run seed is taken from it (Mesa rules:
            None draws a fresh seed).

    A keyword left to None keeps the scenario's value.

    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, n_agents: int | None = None,
                 days: int | None = None, exception_share: float | None = None,
                 authority_exception: int | None = None, validation_steps: int | None = None,
                 manager_capacity: float | None = None, agent_reporting_hours: float | None = None,
                 manager_reporting_hours: float | None = None, crisis_reporting: float | None = None,
                 settings: dict | None = None, agent_objects: bool = True, rng=None):
        super().__init__(rng=rng)
        given = {k: v for k, v in locals().items() if k in KEYWORDS and v is not None}
        values = {KEYWORDS[k]: v for k, v in given.items()}
        values.update(settings or {})
        values["run.seed"] = int(self._seed)
        self.spec: Scenario = load(scenario_name, values, source="OrganisationModel")  # overrides seen by validation
        self.sim = Simulation(self.spec)
        self.staff: list[Staff] = []
        self.service_agents: list[Service] = []
        self.network: Network | None = None
        if agent_objects:
            self._create_agents()
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in columns()},
        )

    def _create_agents(self) -> None:
        from .graph import build_graph

        org = self.sim.org
        self.graph = build_graph(org, self.spec.twinning)
        self.network = Network(self.graph, random=self.random)
        role = org.agents.role
        for i in range(org.n_agents):
            cell = self.network._cells[i]
            if role[i] >= 0:
                self.staff.append(ManagerStaff(self, i, cell, int(role[i])))
            else:
                self.staff.append(Staff(self, i, cell))
        self.service_agents = [Service(self, s) for s in range(len(org.service_names))]

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
        """Resilience measures of the days simulated so far."""
        from .results import collect

        return collect(self.sim).summary

    @property
    def performance(self) -> np.ndarray:
        """P(t) for the days simulated so far."""
        return self.sim.out[: self.sim.day, column_index()["performance"]]


def _reporter(name: str):
    def report(model: OrganisationModel) -> float:
        return model.today(name)

    report.__name__ = name
    return report
