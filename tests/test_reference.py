"""The reference model (agent by agent, plain Mesa) agrees with the numba kernels.

Both start from the same scenario, build the same organisation and draw the same
random numbers, so the daily tables must agree: integer columns exactly, float
columns to 1e-9, and so must the final state of agents, services and desks.
"""

from dataclasses import replace

import numpy as np
import pytest

from resilience_sim import Simulation, load
from resilience_sim.kernels.context import (
    COUNT_ACTIVE,
    COUNT_ARRIVED,
    COUNT_COMPLETED,
    COUNT_CREATED,
    COUNT_INSTANT,
    COUNT_PROCESSED,
    COUNT_UNMET,
    COUNT_WITHDRAWN,
)
from resilience_sim.kernels.record import COL, COLUMNS
from resilience_sim.reference import Manager, ReferenceModel, Service, Staff

SMALL = {"organisation.agents": 150, "run.days": 90}
SCENARIOS = {
    "covid": {},
    "three_signoffs_two_deciders": {"policy.validation.steps": 3, "organisation.deciders_per_manager": 2,
                                    "policy.authority.exception": 2},
    "overloaded_desks": {"baseline.exception_share": 0.4, "organisation.manager_capacity": 4.0},
    "subsidiary": {"policy.authority.preset": "subsidiary", "policy.freedom.risk_limit": 0.3,
                   "policy.validation.tacit_days": 3.0, "hr.advice": 0.5, "support.peer": 1.0,
                   "policy.reporting.agent_hours": 0.5},
    "mobility_central": {"mobility.mode": "central", "organisation.secondary_known_share": 0.6,
                         "hr.reassignment_plan_share": 0.2, "mobility.volunteer_days": 4.0,
                         "mobility.permanent_after": 8, "mobility.minimum_term": 3,
                         "mobility.move_cost_days": 1.5, "mobility.flying_pool": 12,
                         "mobility.training_share": 0.5, "mobility.training_days": 20},
    "mobility_peer_territory": {"organisation.archetype": "territory", "organisation.agents": 300,
                                "mobility.mode": "peer", "mobility.scope": "territory",
                                "mobility.flying_pool": 40, "hr.crisis_cell": 2, "mobility.sponsorship": True,
                                "organisation.secondary_known_share": 0.5},
    "mobility_twinned_cell": {"mobility.mode": "central", "mobility.scope": "twinned", "hr.crisis_cell": 1,
                              "organisation.secondary_known_share": 0.5, "mobility.coordinator_capacity": 5.0,
                              "mobility.twinning_trained_share": 0.6, "mobility.minimum_term": 0,
                              "wellbeing.recovery_overload": 0.0},
    "mobility_no_lessons": {"mobility.mode": "central", "organisation.secondary_known_share": 0.5,
                            "mobility.lessons_kept": False, "mobility.volunteer_days": 2.0,
                            "mobility.coordinator_capacity": 50.0},
    "centralised_tacit": {"policy.authority.preset": "centralised", "policy.validation.tacit_days": 1.5,
                          "baseline.exception_share": 0.1, "decisions.spending_rate": 3.0,
                          "work.remote_before_leave": False, "work.stand_down_leave": 1.0},
    "desks_by_level_low_cv": {"decisions.signoff_cv": 0.4, "organisation.desk_capacity.executive": 3.0,
                              "organisation.desk_deciders.director": 2, "organisation.desk_capacity.director": 5.0,
                              "decisions.information_wait": 0.3, "support.in_situ": 1.0,
                              "policy.authority.preset": "centralised", "baseline.exception_share": 0.1,
                              "policy.reporting.crisis_multiplier": 3.0, "policy.reporting.manager_hours": 12.0},
    "deterministic_signoffs": {"decisions.signoff_cv": 0.0, "organisation.manager_capacity": 2.0,
                               "policy.freedom.risk_limit": 0.2, "policy.decisions.interim": 0.0},
}
FLOAT_COLUMNS = ("performance", "decision_latency_mean", "fatigue", "manager_fatigue", "engagement",
                 "reporting_hours", "turned_away")
INT_COLUMNS = tuple(c for c in COLUMNS if c not in FLOAT_COLUMNS)


TWINS = ({"a": "roads", "b": "waste_cleaning"}, {"a": "culture", "b": "social_action"},
         {"a": "sports", "b": "elderly_care"}, {"a": "schools", "b": "early_childhood"})


@pytest.fixture(scope="module", params=list(SCENARIOS))
def pair(request):
    scenario = load("covid_lockdown_2020").with_values({**SMALL, **SCENARIOS[request.param]})
    if request.param == "mobility_twinned_cell":
        scenario = replace(scenario, twinning=TWINS)
    sim = Simulation(scenario)
    sim.run()
    ref = ReferenceModel(scenario)
    ref.run()
    return request.param, sim, ref


def test_integer_columns_equal(pair):
    _, sim, ref = pair
    for name in INT_COLUMNS:
        j = COL[name]
        assert not np.isnan(ref.out[:, j]).any(), name
        np.testing.assert_array_equal(ref.out[:, j], sim.out[:, j], err_msg=name)


def test_float_columns_close(pair):
    _, sim, ref = pair
    for name in FLOAT_COLUMNS:
        j = COL[name]
        np.testing.assert_array_equal(np.isnan(ref.out[:, j]), np.isnan(sim.out[:, j]), err_msg=name)
        np.testing.assert_allclose(ref.out[:, j], sim.out[:, j], rtol=1e-9, atol=1e-12, equal_nan=True,
                                   err_msg=name)


def test_final_agent_state(pair):
    _, sim, ref = pair
    staff = list(ref.staff)
    assert [p.index for p in staff] == list(range(len(sim.agents.home)))
    np.testing.assert_array_equal([p.status for p in staff], sim.agents.status)
    np.testing.assert_array_equal([p.absence for p in staff], sim.agents.absence)
    np.testing.assert_array_equal([p.burnout_until for p in staff], sim.agents.burnout_until)
    np.testing.assert_allclose([p.fatigue for p in staff], sim.agents.fatigue, rtol=0, atol=1e-7)
    np.testing.assert_allclose([p.engagement for p in staff], sim.agents.engagement, rtol=0, atol=1e-7)


def test_final_service_and_desk_state(pair):
    _, sim, ref = pair
    services = list(ref.services)
    for attr in ("pending", "waiting", "arrived", "processed", "unmet"):
        np.testing.assert_array_equal([getattr(s, attr) for s in services], getattr(sim.services, attr),
                                      err_msg=attr)
    for attr in ("carry", "capacity", "pressure"):
        np.testing.assert_allclose([getattr(s, attr) for s in services], getattr(sim.services, attr),
                                   rtol=1e-9, atol=1e-12, err_msg=attr)
    desks = list(ref.managers)
    np.testing.assert_array_equal([d.queue_length for d in desks], sim.managers.queue)
    np.testing.assert_allclose([d.rate for d in desks], sim.managers.rate, rtol=1e-12)
    free_at = [t for d in desks for t in d.free_at]  # desks in order, deciders in order
    np.testing.assert_allclose(free_at, sim.buffers.free_at, rtol=1e-12)


def test_counters_and_latency_histogram(pair):
    _, sim, ref = pair
    c = sim.buffers.counts
    assert ref.counts["arrived"] == c[COUNT_ARRIVED]
    assert ref.counts["processed"] == c[COUNT_PROCESSED]
    assert ref.counts["unmet"] == c[COUNT_UNMET]
    assert ref.counts["created"] == c[COUNT_CREATED]
    assert ref.counts["completed"] == c[COUNT_COMPLETED]
    assert ref.counts["withdrawn"] == c[COUNT_WITHDRAWN]
    assert ref.counts["instant"] == c[COUNT_INSTANT]
    assert len(ref.decisions) == c[COUNT_ACTIVE]
    np.testing.assert_array_equal(
        [ref.errors[k] for k in range(len(sim.buffers.errors))], sim.buffers.errors)
    by_level = np.zeros_like(sim.buffers.by_level)
    for (k, level), n in ref.by_level.items():
        by_level[k, level] = n
    np.testing.assert_array_equal(by_level, sim.buffers.by_level)
    histogram = np.zeros_like(sim.buffers.latency)
    for b, n in ref.latency.items():
        histogram[b] = n
    np.testing.assert_array_equal(histogram, sim.buffers.latency)


def test_scenarios_exercise_the_rules(pair):
    """The comparison is only as good as the paths the scenarios go through."""
    name, _, ref = pair
    out = ref.out
    assert out[:, COL["absent"]].min() > 0
    assert out[:, COL["remote"]].max() > 0
    assert out[:, COL["special_leave"]].max() > 0
    assert out[:, COL["burnout_days"]].max() > 0
    assert out[:, COL["unmet"]].sum() > 0
    assert ref.counts["completed"] > 0
    assert not np.isnan(out[:, COL["decision_latency_mean"]]).all()
    if name == "overloaded_desks":
        assert ref.counts["withdrawn"] > 100
        assert np.isnan(out[:, COL["decision_latency_mean"]]).sum() == 0
    if name == "three_signoffs_two_deciders":
        assert {len(d.free_at) for d in ref.managers} == {2}
    if name == "subsidiary":
        assert ref.counts["settled_locally"] > 100
        assert ref.counts["rework"] > 0
    if name.startswith("mobility"):
        assert out[:, COL["moves"]].sum() > 2 and out[:, COL["redeployed"]].max() > 0
    if name == "mobility_central":
        assert out[:, COL["reallocated"]].sum() > 0
        assert out[:, COL["skills_revealed"]].sum() > 0
    if name == "mobility_peer_territory":
        assert out[:, COL["redeployed_across"]].sum() > 0
    if name == "centralised_tacit":
        assert ref.counts["tacit"] > 100
        assert sum(ref.errors.values()) > 0


def test_mesa_model():
    scenario = load("covid_lockdown_2020").with_values({"organisation.agents": 60, "run.days": 40})
    model = ReferenceModel(scenario)
    n = len(model.staff)
    by_type = model.agents_by_type
    assert len(by_type[Staff]) + len(by_type[Manager]) == n
    assert len(by_type[Service]) == len(model.services)
    assert all(p.manager is None or isinstance(p.manager, Manager) for p in model.staff)
    for _ in range(3):
        model.step()
    assert model.steps == 3 and model.day == 3
    filled = np.delete(model.out, COL["decision_latency_mean"], axis=1)
    assert not np.isnan(filled[:3]).any() and np.isnan(filled[3:]).all()
    model.run()
    assert not model.running
    with pytest.raises(RuntimeError):
        model.step()


@pytest.mark.parametrize("settings", [
    {"mobility.volunteer_days": 5.0, "mobility.time_bank_cap": 14.0},
    {"mobility.mode": "peer", "mobility.learning_days": 30.0, "mobility.permanent_after": 25},
])
def test_volunteers_and_peer_moves_agree(tmp_path, settings):
    """The two-service organisation of test_mobility: volunteers, peer moves, ramp-up."""
    from test_mobility import scenario as two_services

    s = two_services(tmp_path, **settings)
    sim = Simulation(s)
    sim.run()
    ref = ReferenceModel(s)
    ref.run()
    assert (sim.out[:, COL["volunteer_hours"]].sum() > 0) or (sim.out[:, COL["moves"]].sum() > 0)
    np.testing.assert_allclose(ref.out, sim.out, rtol=1e-9, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose([p.time_bank for p in ref.staff], sim.agents.time_bank, atol=1e-6)
