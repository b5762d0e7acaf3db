"""The shipped scenarios: each validates, is documented, and runs to a plausible result."""

from __future__ import annotations

import pytest

from resilience_sim import results
from resilience_sim.engine import Simulation
from resilience_sim.organisation import build
from resilience_sim.scenario import SCENARIO_DIR, load, shipped

EXPECTED = {"covid_lockdown_2020", "flood", "cyber_attack", "heatwave", "chronic_staff_shortage",
            "two_shocks", "orgchart_example"}
#: shocks that end: the organisation must recover within the horizon
TRANSIENT = EXPECTED - {"chronic_staff_shortage"}


@pytest.fixture(scope="module")
def summaries():
    """Full runs of every shipped scenario (a few seconds in all)."""
    return {name: results.run(load(name)).summary for name in sorted(EXPECTED)}


def test_the_promised_scenarios_are_shipped():
    assert EXPECTED <= set(shipped())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_is_documented(name):
    s = load(name)
    assert s.name == name
    assert s.title and len(s.description.split()) >= 20
    assert s.shocks, "a shipped scenario has a shock"
    for i, c in enumerate(s.shocks):
        assert c["source"].strip(), f"{name}: shock.components[{i}] has no source"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_shock_tag_touches_a_service(name):
    """A tag that matches no service would silently do nothing (a typo)."""
    s = load(name)
    org = build(s)
    tags = {t for ts in org.service_tags for t in ts}
    for i, c in enumerate(s.shocks):
        assert c["tag"] == "*" or c["tag"] in tags, f"{name}: shock.components[{i}].tag {c['tag']!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_runs_a_few_days(name):
    sim = Simulation(load(name))
    for _ in range(5):
        sim.step()
    assert sim.day == 5


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_gives_a_dip(summaries, name):
    s = summaries[name]
    assert 0.8 < s["p0"] <= 1.0
    assert s["min_performance"] < s["p0"]
    assert 0.02 < s["depth"] < 0.9
    assert s["area_lost"] > 0.5
    assert 0 < s["resilience_index"] < 1


@pytest.mark.parametrize("name", sorted(TRANSIENT))
def test_transient_shock_recovers(summaries, name):
    s = summaries[name]
    assert s["days_to_recover"] is not None
    assert s["days_to_recover"] >= s["days_to_min"]
    assert s["post_shock_level"] > 0.95


def test_chronic_shortage_does_not_recover(summaries):
    s = summaries["chronic_staff_shortage"]
    assert s["days_to_recover"] is None
    assert s["post_shock_level"] < 0.99
    assert s["days_to_min"] > 300  # a slow decline over the year-long ramp, not a sudden drop


def test_second_lockdown_is_milder_than_the_first():
    r = results.run(load("two_shocks"))
    p = r.table["performance"].to_numpy()
    first, second = p[30:120].min(), p[250:350].min()
    assert second > first


def test_orgchart_example_uses_its_csv():
    s = load("orgchart_example")
    assert s["organisation.csv"] == "orgchart_example.csv"
    assert (SCENARIO_DIR / "orgchart_example.csv").is_file()
    assert build(s).n_agents == 60


def test_shipped_scenarios_reject_a_horizon_that_cuts_their_shocks():
    from resilience_sim.schema import ScenarioError

    for name in sorted(EXPECTED):
        s = load(name)
        with pytest.raises(ScenarioError, match="outside the horizon"):
            s.with_values({"run.days": s.onset})
        last = max(c["start"] for c in s.shocks)
        assert s.with_values({"run.days": last + 1})["run.days"] == last + 1
