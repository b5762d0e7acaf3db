"""Micro-mobility on small hand-built organisations where the right answer is known."""

from __future__ import annotations

import json

import numpy as np
import pytest

from resilience_sim import Simulation
from resilience_sim.cli import main
from resilience_sim.kernels.record import COL
from resilience_sim.results import collect
from resilience_sim.scenario import load


def orgchart(secondary: str) -> str:
    """An executive, a director, two services of 10 (a head and 9 staff)."""
    rows = ["agent,service,manager,level,skills", "e0,direction,,0,direction", "d1,direction,e0,2,direction"]
    for name, skills in (("idle", f"idle;{secondary}"), ("busy", "busy")):
        rows.append(f"h{name},{name},d1,3,{name}")
        rows += [f"{name}{k},{name},h{name},5,{skills}" for k in range(9)]
    return "\n".join(rows) + "\n"


def scenario(tmp_path, secondary="busy", essential_idle=False, **settings):
    (tmp_path / "org.csv").write_text(orgchart(secondary))
    text = """
[run]
days = 60
seed = 3
warmup = 10
[organisation]
csv = "org.csv"
[baseline]
sickness = 0.0
exception_share = 0.0
[decisions]
spending_rate = 0.0
partnership_rate = 0.0
[[organisation.services]]
name = "direction"
demand = 0.0
[[organisation.services]]
name = "idle"
demand = 2.0
deadline = 20
essential = ESSENTIAL_IDLE
[[organisation.services]]
name = "busy"
demand = 55.0
deadline = 20
essential = true
"""
    path = tmp_path / "two.toml"
    path.write_text(text.replace("ESSENTIAL_IDLE", "true" if essential_idle else "false"))
    return load(path).with_values(settings)


def run(s):
    sim = Simulation(s)
    out = sim.run()
    return sim, out


def busy_processed(sim, out):
    return out[:, COL["processed"]].sum()


def test_known_secondary_skill_moves_idle_staff_to_the_busy_service(tmp_path):
    off_sim, off = run(scenario(tmp_path))
    on_sim, on = run(scenario(tmp_path, **{"mobility.mode": "central"}))
    assert off[:, COL["moves"]].sum() == 0
    assert on[:, COL["moves"]].sum() >= 5
    assert (on_sim.agents.assigned[on_sim.agents.moved_day >= 0] == on_sim.org.service_names.index("busy")).all()
    assert on[20:, COL["performance"]].mean() > off[20:, COL["performance"]].mean() + 0.05
    assert on[:, COL["unmet"]].sum() < off[:, COL["unmet"]].sum()


def test_latent_skill_means_no_move(tmp_path):
    _, out = run(scenario(tmp_path, secondary="busy?", **{"mobility.mode": "central"}))
    assert out[:, COL["moves"]].sum() == 0
    assert out[:, COL["refused_skill"]].sum() > 0


def test_scope_none_means_no_move(tmp_path):
    _, out = run(scenario(tmp_path, **{"mobility.mode": "central", "mobility.scope": "none"}))
    assert out[:, COL["moves"]].sum() == 0


def test_preapproved_plan_needs_no_decision_and_reacts_faster(tmp_path):
    sim_d, with_decision = run(scenario(tmp_path, **{"mobility.mode": "central"}))
    sim_p, planned = run(scenario(tmp_path, **{"mobility.mode": "central", "hr.reassignment_plan_share": 1.0}))
    first = lambda out: int(np.flatnonzero(out[:, COL["moves"]] > 0)[0])  # noqa: E731
    assert first(planned) < first(with_decision)
    redeploy = collect(sim_p).summary["decisions_by_type"]["redeployment"]
    assert redeploy["settled"] == 0
    assert collect(sim_d).summary["decisions_by_type"]["redeployment"]["settled"] >= 5


def test_ramp_up_costs_productivity(tmp_path):
    free = {"mobility.mode": "central", "mobility.move_cost_days": 0.0}
    _, quick = run(scenario(tmp_path, **free, **{"mobility.learning_days": 0.0, "mobility.known_learning_days": 0.0,
                                                 "mobility.wrong_move_productivity": 1.0}))
    _, slow = run(scenario(tmp_path, **free, **{"mobility.learning_days": 30.0}))
    assert quick[:, COL["ramp_days_lost"]].sum() == 0
    assert slow[:, COL["ramp_days_lost"]].sum() > 5
    assert slow[:15, COL["processed"]].sum() < quick[:15, COL["processed"]].sum()


@pytest.mark.parametrize("term", [0, 15])
def test_agents_return_home_when_home_needs_them_more(tmp_path, term):
    """Both essential: the home's gap, far above the host's, calls its agents back after the term."""
    s = scenario(tmp_path, essential_idle=True, **{"mobility.mode": "central", "hr.reassignment_plan_share": 1.0,
                                                   "mobility.minimum_term": term})
    sim = Simulation(s)
    for _ in range(5):
        sim.step()
    moved = np.flatnonzero(sim.agents.moved_day >= 0)
    assert len(moved)
    idle = sim.org.service_names.index("idle")
    sim._daily["demand"][5:, idle] = 200.0  # the idle service suddenly needs its people
    while sim.day < 10:
        sim.step()
    back = (sim.agents.moved_day[moved] < 0).all() and (sim.agents.assigned[moved] == idle).all()
    assert back == (term == 0)  # within the minimum term they stay
    while sim.day < 25:
        sim.step()
    assert (sim.agents.moved_day[moved] < 0).all()
    assert (sim.agents.assigned[moved] == idle).all()


def test_an_essential_host_keeps_agents_a_non_essential_home_wants_back(tmp_path):
    s = scenario(tmp_path, **{"mobility.mode": "central", "hr.reassignment_plan_share": 1.0,
                              "mobility.minimum_term": 0})
    sim = Simulation(s)
    for _ in range(5):
        sim.step()
    moved = np.flatnonzero(sim.agents.moved_day >= 0)
    idle = sim.org.service_names.index("idle")
    sim._daily["demand"][5:, idle] = 60.0
    while sim.day < 10:
        sim.step()
    assert len(moved) and (sim.agents.moved_day[moved] >= 0).all()


def test_volunteer_days_give_time_and_fill_the_time_bank(tmp_path):
    sim, out = run(scenario(tmp_path, **{"mobility.volunteer_days": 5.0, "mobility.time_bank_cap": 14.0}))
    assert out[:, COL["moves"]].sum() == 0
    hours = out[:, COL["volunteer_hours"]]
    assert hours.sum() > 0
    assert sim.agents.time_bank.max() <= 14.0 + 7.0 * 5.0 / 21.7
    assert hours[-5:].sum() == 0  # every volunteer has reached the cap


def test_lasting_reallocation(tmp_path):
    sim, out = run(scenario(tmp_path, **{"mobility.mode": "central", "hr.reassignment_plan_share": 1.0,
                                          "mobility.permanent_after": 10}))
    busy = sim.org.service_names.index("busy")
    assert out[:, COL["reallocated"]].sum() > 0
    assert (sim.agents.home == busy).sum() > 10


def test_flows_figure_and_outcomes_in_outputs(tmp_path, capsys):
    s = scenario(tmp_path, **{"mobility.mode": "central"})
    out = tmp_path / "out"
    assert main(["run", s.source, "--out", str(out), "--quiet", "--set", "mobility.mode=central"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    for key in ("moves", "redeployed_agent_days", "redeployed_across_agent_days", "moves_refused_skill",
                "moves_refused_decision", "ramp_days_lost"):
        assert key in summary
    assert summary["moves"] > 0 and summary["redeployed_agent_days"] > 0
    assert (out / "flows.png").stat().st_size > 10_000


@pytest.mark.parametrize("settings, field, words", [
    (["mobility.flying_pool=-1"], "mobility.flying_pool", "≥ 0"),
    (["mobility.volunteer_days=40"], "mobility.volunteer_days", "≤ 31"),
    (["mobility.scope=region"], "mobility.scope", "choose one of"),
    (["mobility.flying_pool=5000"], "mobility.flying_pool", "only"),
])
def test_bad_mobility_settings(settings, field, words, tmp_path, capsys):
    argv = ["run", "covid_lockdown_2020", "--out", str(tmp_path / "never")]
    for item in settings:
        argv += ["--set", item]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert field in err and words in err and "Traceback" not in err
    assert not (tmp_path / "never").exists()


def test_twinning_with_a_service_that_does_not_exist(tmp_path, capsys):
    text = (tmp_path / "t.toml")
    text.write_text('[organisation]\narchetype = "commune_50k"\nagents = 200\n'
                    '[[organisation.twinning]]\na = "roads"\nb = "wastecleaning"\n')
    assert main(["run", str(text), "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert "organisation.twinning[0].b" in err and "waste_cleaning" in err
    assert not (tmp_path / "never").exists()


def test_secondary_skill_not_defined_in_the_organisation(tmp_path, capsys):
    (tmp_path / "org.csv").write_text(orgchart("buzy"))
    path = tmp_path / "two.toml"
    path.write_text('[organisation]\ncsv = "org.csv"\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "buzy" in err and "busy" in err and "org.csv" in err


def test_training_develops_a_skill_over_time(tmp_path):
    """Staff with no secondary skill, trained for 10 days in an essential mission, then move."""
    s = scenario(tmp_path, **{"mobility.mode": "central"})
    (tmp_path / "org.csv").write_text(orgchart("busy").replace(";busy", ""))  # no secondary skill
    out0 = Simulation(load(s.source).with_values({"mobility.mode": "central"})).run()
    out1 = Simulation(load(s.source).with_values({"mobility.mode": "central", "mobility.training_share": 1.0,
                                                   "mobility.training_days": 10})).run()
    assert out0[:, COL["moves"]].sum() == 0
    assert out1[:10, COL["moves"]].sum() == 0 and out1[10:, COL["moves"]].sum() > 0
    assert out1[10, COL["skills_revealed"]] >= 9
