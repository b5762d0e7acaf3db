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


def test_every_declared_parameter_is_a_keyword():
    import inspect

    from resilience_sim.model import KEYWORDS
    from resilience_sim.params import PARAMS

    assert set(KEYWORDS.values()) == set(PARAMS) - {"run.seed"}
    names = inspect.signature(OrganisationModel).parameters
    assert {"mobility_mode", "policy_validation_steps", "n_agents", "rng"} <= set(names)
    m = OrganisationModel(rng=7, n_agents=120, days=50, mobility_mode="central", mobility_scope="territory",
                          policy_validation_steps=2, policy_validation_tacit_days=5.0, agent_objects=False)
    assert m.spec["mobility.mode"] == "central" and m.spec["mobility.scope"] == "territory"
    assert m.spec["policy.validation.steps"] == 2 and m.spec["policy.validation.tacit_days"] == 5.0
    assert m.spec["organisation.agents"] == 120 and m.spec["run.days"] == 50


def test_unknown_keyword_names_the_closest_one():
    import pytest

    with pytest.raises(TypeError, match="did you mean 'mobility_mode'"):
        OrganisationModel(rng=1, mobility_mod="central")
    with pytest.raises(TypeError, match="rng="):
        OrganisationModel(rng=1, run_seed=3)


def test_bad_value_is_a_scenario_error():
    import pytest

    from resilience_sim.schema import ScenarioError

    with pytest.raises(ScenarioError, match="mobility.mode.*did you mean 'central'"):
        OrganisationModel(rng=1, n_agents=100, mobility_mode="centrall", agent_objects=False)


def test_batch_run_sweeps_any_parameter_and_reports_resilience_measures():
    rows = mesa.batch_run(OrganisationModel,
                          parameters={"mobility_mode": ["off", "central"], "policy_validation_steps": [1, 2],
                                      "n_agents": 150, "agent_objects": False},
                          rng=[1, 2], max_steps=60, number_processes=1, display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 8
    assert set(df["mobility_mode"]) == {"off", "central"}
    assert df["area_lost"].notna().all() and (df["area_lost"] >= 0).all()
    assert df["depth"].notna().all() and "days_to_recover" in df and "run_decision_latency_mean" in df
    # the measure is the summary's, of the days run so far
    m = OrganisationModel(rng=1, n_agents=150, mobility_mode="central", policy_validation_steps=2,
                          agent_objects=False)
    for _ in range(60):
        m.step()
    row = df[(df.mobility_mode == "central") & (df.policy_validation_steps == 2) & (df.rng == 1)].iloc[0]
    assert row["area_lost"] == m.summary()["area_lost"]
    assert row["Step"] == 60


def test_measures_match_the_summary_keys():
    from resilience_sim.model import MEASURES

    m = OrganisationModel(rng=3, n_agents=100, days=40, agent_objects=False)
    while m.running:
        m.step()
    s = m.summary()
    scalar = {k for k, v in s.items() if (isinstance(v, (int, float)) or v is None)
              and not k.startswith("organisation_") and k not in ("seed", "days", "onset")}
    assert scalar == set(MEASURES)


def test_building_computes_no_layout_until_a_view_asks():
    from resilience_sim import model as model_module

    m = OrganisationModel(rng=8, n_agents=120, days=40)
    assert all(c._position is None for c in m.network.all_cells)
    model_module._LAYOUTS.clear()
    pos = m.layout()
    assert set(pos) == set(range(len(m.staff)))
    assert np.array_equal(m.staff[5].cell.position, pos[5])
    assert m.network.find_nearest_cell(pos[7]) is m.staff[7].cell
    again = OrganisationModel(rng=8, n_agents=120, days=40).layout()
    assert again is pos  # cached per organisation
    other = OrganisationModel(rng=9, n_agents=120, days=40).layout()
    assert other is not pos
