"""Spontaneous initiatives on small organisations: launches, the hierarchy, relay, adoption.

Every run here checks conservation each day (``Simulation(check=True)``), so an
initiative that created or destroyed a task, or lost a decision, fails the run.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from resilience_sim import OrganisationModel, Simulation, load
from resilience_sim.cli import main
from resilience_sim.kernels.initiatives import COUNT_EVENTS, EVENTS, setback
from resilience_sim.kernels.record import COL, COLUMNS
from resilience_sim.reference import ReferenceModel
from resilience_sim.results import collect

ON = {"initiatives.enabled": True, "initiatives.launch_rate": 0.5}
SMALL = {"organisation.agents": 200, "run.days": 100}
INITIATIVE_COLUMNS = [c for c in COLUMNS if c.startswith("initiatives_")]


def lockdown(**values):
    return load("covid_lockdown_2020").with_values({**SMALL, **ON, **values})


def run(scenario) -> Simulation:
    sim = Simulation(scenario)
    sim.run()
    return sim


def summary(scenario) -> dict:
    return collect(run(scenario)).summary


def test_no_unmet_need_no_initiative():
    quiet = replace(lockdown(**{"organisation.utilisation": 0.5, "initiatives.launch_rate": 1.0}), shocks=())
    sim = run(quiet)
    assert np.nanmax(sim.services.pressure) < 1.0
    assert sim.out[:, COL["initiatives_launched"]].sum() == 0
    assert summary(quiet)["initiatives_launched"] == 0
    assert summary(lockdown())["initiatives_launched"] > 0  # the same organisation in the lockdown


def test_off_leaves_every_result_unchanged():
    base = load("covid_lockdown_2020").with_values(SMALL)
    levers = {"initiatives.cell_capacity": 5.0, "initiatives.testimony_period": 7,
              "initiatives.risk_compensation": 0.5, "initiatives.external_rate": 0.5}
    a, b = run(base), run(base.with_values(levers))  # initiatives.enabled stays off
    np.testing.assert_array_equal(a.out, b.out)
    assert not np.any(a.out[:, [COL[c] for c in INITIATIVE_COLUMNS]])


def test_risk_compensation_softens_the_initiators_setback():
    sim = Simulation(lockdown())
    x = sim._inputs(0)
    a = int(np.flatnonzero(sim.agents.role < 0)[0])
    peers = x.tie_agent[x.tie_ptr[a]:x.tie_ptr[a + 1]]
    falls = []
    for share in (0.0, 0.8):
        sim.agents.engagement[a] = 0.7
        sim.agents.initiative_drive[peers] = 0.0
        setback(a, sim.params._replace(init_compensation=share, init_penalty=0.2, init_peer_effect=0.1), x,
                sim.agents)
        falls.append(0.7 - float(sim.agents.engagement[a]))
        np.testing.assert_allclose(sim.agents.initiative_drive[peers], -0.1, rtol=1e-6)
    np.testing.assert_allclose(falls, [0.2, 0.04], rtol=1e-5)
    s0 = summary(lockdown(**{"initiatives.block_rate": 1.0}))
    s1 = summary(lockdown(**{"initiatives.block_rate": 1.0, "initiatives.risk_compensation": 1.0}))
    assert s0["initiatives_blocked"] > 0 and s1["initiatives_blocked"] > 0
    assert s1["initiators_engagement"] > s0["initiators_engagement"]


def test_cell_capacity_zero_means_no_relay_and_no_adoption():
    testimony = {"initiatives.testimony_period": 7, "initiatives.adopt_days": 10}
    none = summary(lockdown(**testimony, **{"initiatives.cell_capacity": 0.0}))
    cell = summary(lockdown(**testimony, **{"initiatives.cell_capacity": 5.0}))
    assert none["initiatives_recognised"] > 0
    assert none["initiatives_relayed"] == none["initiatives_adopted"] == 0 and none["lasting_gain"] == 0.0
    assert cell["initiatives_relayed"] > 0 and cell["initiatives_adopted"] > 0 and cell["lasting_gain"] > 0.0


def test_centralised_blocks_more_than_subsidiary():
    shares = {}
    for preset in ("centralised", "subsidiary"):
        blocked = decided = 0
        for seed in (1, 2, 3):
            s = summary(lockdown(**{"policy.authority.preset": preset, "run.seed": seed}))
            blocked += s["initiatives_blocked"]
            decided += s["initiatives_blocked"] + s["initiatives_approved"]
        assert decided > 20
        shares[preset] = blocked / decided
    assert shares["centralised"] > shares["subsidiary"] + 0.1


def test_adoption_lifts_performance_after_the_shock():
    """Same seeds (common random numbers): only the innovation cell differs."""
    two = {**SMALL, **ON, "run.days": 330, "initiatives.testimony_period": 7, "initiatives.adopt_days": 10,
           "initiatives.adoption_gain": 0.1}
    base = load("two_shocks").with_values(two)
    without, with_cell = run(base), run(base.with_values({"initiatives.cell_capacity": 5.0}))
    assert with_cell.services.practice.max() > 0 and without.services.practice.max() == 0
    second = slice(250, 330)
    p_with = with_cell.out[second, COL["performance"]].mean()
    p_without = without.out[second, COL["performance"]].mean()
    assert p_with > p_without


def test_initiatives_create_no_task():
    """Tasks that arrive do not depend on initiatives (beyond rework from wrong answers)."""
    off = run(load("covid_lockdown_2020").with_values(SMALL))
    on = run(lockdown(**{"initiatives.testimony_period": 7, "initiatives.cell_capacity": 3.0}))
    assert on.out[:, COL["initiatives_running"]].max() > 0
    fresh = COL["arrived"], COL["rework"]
    np.testing.assert_array_equal(off.out[:, fresh[0]] - off.out[:, fresh[1]],
                                  on.out[:, fresh[0]] - on.out[:, fresh[1]])


REFERENCE = {
    "commune": {"organisation.agents": 150, "run.days": 90, "initiatives.testimony_period": 10,
                "initiatives.cell_capacity": 3.0, "initiatives.risk_compensation": 0.5,
                "initiatives.adopt_days": 10},
    "territory_external": {"organisation.archetype": "territory", "organisation.agents": 300, "run.days": 90,
                           "initiatives.external_rate": 0.5, "policy.authority.preset": "centralised"},
}


@pytest.mark.parametrize("case", list(REFERENCE))
def test_reference_agrees_with_the_kernels(case):
    scenario = lockdown(**REFERENCE[case])
    sim = run(scenario)
    ref = ReferenceModel(scenario)
    ref.run()
    np.testing.assert_allclose(ref.out, sim.out, rtol=1e-9, atol=1e-12, equal_nan=True)
    staff = list(ref.staff)
    assert [p.initiative.serves.index if p.initiative else -1 for p in staff] == sim.agents.initiative.tolist()
    assert [p.initiatives_led for p in staff] == sim.agents.initiatives_led.tolist()
    np.testing.assert_allclose([p.initiative_drive for p in staff], sim.agents.initiative_drive, atol=1e-7)
    np.testing.assert_allclose([p.engagement for p in staff], sim.agents.engagement, atol=1e-7)
    np.testing.assert_allclose([s.practice for s in ref.services], sim.services.practice, rtol=1e-12)
    log = sim.buffers.events[:sim.buffers.counts[COUNT_EVENTS]]
    assert [tuple(r[:4]) + (EVENTS[r[4]],) for r in log.tolist()] == ref.initiatives.events
    kinds = {e[4] for e in ref.initiatives.events}
    assert {"launched", "approved", "blocked"} <= kinds
    if case == "commune":
        assert {"failed", "recognised", "relayed", "adopted", "ended"} <= kinds
    else:
        assert {"external_launched", "external_supported"} <= kinds


def test_run_writes_the_event_log_figure_and_summary(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", "covid_lockdown_2020", "--out", str(out), "--quiet", "--agents", "200", "--days", "100",
                 "--set", "initiatives.enabled=true", "--set", "initiatives.launch_rate=0.5",
                 "--set", "initiatives.testimony_period=7", "--set", "initiatives.cell_capacity=3"])
    assert code == 0, capsys.readouterr().err
    import pandas as pd

    log = pd.read_csv(out / "initiatives.csv")
    assert list(log.columns) == ["day", "agent", "service", "need", "outcome"]
    assert set(log["outcome"]) <= set(EVENTS) and (log["outcome"] == "launched").sum() > 0
    assert (out / "initiatives.png").stat().st_size > 10_000
    s = json.loads((out / "summary.json").read_text())
    for key in ("initiatives_launched", "initiatives_approved", "initiatives_blocked", "initiatives_failed",
                "initiatives_relayed", "initiatives_adopted", "initiatives_external", "lasting_gain",
                "initiators_engagement", "others_engagement", "initiators_fatigue", "others_fatigue"):
        assert key in s, key
    assert s["initiatives_launched"] == (log["outcome"] == "launched").sum()
    series = pd.read_csv(out / "timeseries.csv")
    assert series["initiatives_launched"].sum() == s["initiatives_launched"]
    assert s["react_days"] is not None


def test_mesa_staff_expose_their_running_initiative():
    m = OrganisationModel(rng=3, n_agents=200, days=60, settings={**ON, "run.days": 60})
    for _ in range(60):
        m.step()
    running = [a for a in m.staff if a.initiative >= 0]
    assert len(running) == int((m.sim.agents.initiative >= 0).sum()) > 0
    assert all(a.initiative == m.sim.agents.initiative[a.index] for a in running)


BAD = {
    "cell capacity below zero": (["--set", "initiatives.cell_capacity=-1"], ["initiatives.cell_capacity", "≥ 0"]),
    "probability above one": (["--set", "initiatives.success=1.5"], ["initiatives.success", "≤ 1"]),
    "reach below zero": (["--set", "initiatives.testimony_reach=-0.2"], ["initiatives.testimony_reach", "≥ 0"]),
    "testimony period zero": (["--set", "initiatives.testimony_period=0"], ["initiatives.testimony_period", "≥ 1"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_initiative_settings_are_one_line_and_exit_2(tmp_path, capsys, case):
    args, words = BAD[case]
    out = tmp_path / "out"
    code = main(["run", "covid_lockdown_2020", "--out", str(out), "--quiet", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ")
    assert all(w in err[0] for w in words), err[0]
    assert not out.exists()


EXTERNAL_ACTOR_WITHOUT_NEED = """\
[run]
days = 30
[initiatives]
enabled = true
external_rate = 0.2
[[organisation.institutions]]
name = "town"
kind = "commune"
[[organisation.institutions]]
name = "chess_club"
kind = "external"
[[organisation.services]]
name = "roads"
institution = "town"
headcount = 20
tags = "roads"
[[organisation.services]]
name = "chess"
institution = "chess_club"
headcount = 5
tags = "chess"
"""


@pytest.mark.parametrize("command", ["run", "validate"])
def test_external_actor_with_no_need_it_can_serve(tmp_path, capsys, command):
    path = tmp_path / "club.toml"
    path.write_text(EXTERNAL_ACTOR_WITHOUT_NEED, encoding="utf-8")
    out = tmp_path / "out"
    extra = ["--out", str(out), "--quiet"] if command == "run" else []
    code = main([command, str(path), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "initiatives.external_rate" in err[0] and "chess_club" in err[0] and "club.toml" in err[0]
    assert not out.exists()
