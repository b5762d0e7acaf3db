import mesa
import numpy as np
import pandas as pd

from resilience_sim import OrganisationModel
from resilience_sim.model import ManagerStaff, Staff


def test_default_model_builds_the_default_scenario():
    m = OrganisationModel(rng=1)
    assert m.spec.name == "covid_lockdown_2020"
    assert m.spec["run.seed"] == 1
    assert len(m.staff) == m.sim.org.n_agents > 900
    assert any(isinstance(a, ManagerStaff) for a in m.staff)
    assert len(m.service_agents) == len(m.sim.org.service_names)


def test_agent_attributes_read_the_arrays_without_copies():
    m = OrganisationModel(rng=2, n_agents=200, days=60)
    for _ in range(35):
        m.step()
    a = m.staff[17]
    assert a.fatigue == m.sim.agents.fatigue[17]
    m.sim.agents.fatigue[17] = 0.42  # the arrays are the truth
    assert np.isclose(a.fatigue, 0.42)
    head = next(s for s in m.staff if isinstance(s, ManagerStaff))
    assert head.desk_level == m.sim.managers.level[head.desk_index]
    svc = m.service_agents[3]
    assert svc.waiting == m.sim.services.waiting[3]
    assert isinstance(a, Staff) and a.cell is not None


def test_network_holds_the_staff():
    m = OrganisationModel(rng=3, n_agents=150, days=40)
    cells = {a.cell for a in m.staff}
    assert len(cells) == len(m.staff)
    assert m.graph.number_of_nodes() == len(m.staff)


def test_datacollector_and_running_flag():
    m = OrganisationModel(rng=4, n_agents=150, days=40)
    while m.running:
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 40
    assert df["performance"].between(0, 1).all()
    assert m.summary()["days"] == 40


def test_batch_run_is_reproducible_and_levers_change_results():
    kwargs = dict(parameters={"validation_steps": [1, 3], "n_agents": 200, "days": 90,
                              "exception_share": 0.08, "agent_objects": False},
                  rng=[1, 2], max_steps=90, number_processes=1, data_collection_period=-1,
                  display_progress=False)
    a = pd.DataFrame(mesa.batch_run(OrganisationModel, **kwargs))
    b = pd.DataFrame(mesa.batch_run(OrganisationModel, **kwargs))
    assert len(a) == 4
    pd.testing.assert_frame_equal(a, b)
    lat = a.groupby("validation_steps")["decision_latency_mean"].mean()
    assert lat[3] > lat[1]


def test_without_agent_objects():
    m = OrganisationModel(rng=5, n_agents=300, days=40, agent_objects=False)
    m.step()
    assert m.staff == [] and m.network is None
    assert 0 <= m.today("performance") <= 1


def test_settings_reach_the_scenario():
    m = OrganisationModel(rng=6, n_agents=100, days=40, settings={"wellbeing.fatigue_gain": 0.2},
                          agent_objects=False)
    assert m.spec["wellbeing.fatigue_gain"] == 0.2
