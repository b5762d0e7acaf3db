"""Subsidiarity settings: presets, overrides, their effects, outputs and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from resilience_sim import Simulation, load
from resilience_sim.cli import main
from resilience_sim.kernels.record import COL
from resilience_sim.organisation import build
from resilience_sim.params import AUTHORITY_PRESETS, DECISION_KINDS
from resilience_sim.policy import decision_rules
from resilience_sim.results import collect
from resilience_sim.schema import ScenarioError

BASE = load("covid_lockdown_2020").with_values({"organisation.agents": 400, "run.days": 120})


def summary(**values):
    sim = Simulation(BASE.with_values(values))
    sim.run()
    return collect(sim).summary


@pytest.mark.parametrize("preset", list(AUTHORITY_PRESETS))
def test_presets_resolve_and_keys_override(preset):
    s = BASE.with_values({"policy.authority.preset": preset})
    r = decision_rules(s, build(s))
    assert list(r.authority) == list(AUTHORITY_PRESETS[preset]["authority"])
    s2 = s.with_values({"policy.authority.spending": 3, "policy.validation.steps": 1,
                        "policy.signoffs.partnership": 2})
    r2 = decision_rules(s2, build(s2))
    assert r2.authority[DECISION_KINDS.index("spending")] == 3
    assert r2.signoffs[DECISION_KINDS.index("exception")] == 1
    assert r2.signoffs[DECISION_KINDS.index("partnership")] == 2


def test_decisions_settle_at_their_authority_level():
    s = summary(**{"policy.authority.preset": "centralised"})
    by_type = s["decisions_by_type"]
    assert set(by_type["exception"]["by_level"]) == {"1"}
    assert set(by_type["spending"]["by_level"]) == {"0"}
    s2 = summary(**{"policy.authority.preset": "subsidiary"})
    levels = s2["decisions_by_type"]["exception"]["by_level"]
    assert set(levels) == {"3", "4"}  # heads raising their own exceptions settle them
    assert levels["4"] > 3 * levels["3"]
    assert s2["decision_latency_mean"] < s["decision_latency_mean"]


def test_freedom_to_adapt_the_rule():
    s = summary(**{"policy.freedom.risk_limit": 0.4})
    assert 0.3 < s["share_settled_locally"] < 0.5  # risk uniform: about 40 % settled locally
    field = str(build(BASE).depth + 1)
    assert s["decisions_by_type"]["exception"]["by_level"][field] == s["settled_locally"]
    assert summary()["share_settled_locally"] == 0.0


def test_hr_advice_lowers_errors_and_support_lowers_manager_fatigue():
    base = summary(**{"policy.authority.preset": "centralised"})
    advised = summary(**{"policy.authority.preset": "centralised", "hr.advice": 1.0})
    def error_rate(s):
        return s["decision_errors"] / sum(t["settled"] for t in s["decisions_by_type"].values())

    assert error_rate(advised) < 0.85 * error_rate(base)  # quality: 30 % of errors avoided
    assert advised["decision_latency_mean"] < base["decision_latency_mean"]
    supported = summary(**{"policy.authority.preset": "centralised", "support.peer": 1.0,
                           "support.in_situ": 1.0})
    assert supported["manager_fatigue_mean"] < base["manager_fatigue_mean"]


def test_crisis_reporting_costs_capacity_and_engagement():
    calm = Simulation(BASE.with_values({"policy.reporting.crisis_multiplier": 1.0}))
    noisy = Simulation(BASE.with_values({"policy.reporting.crisis_multiplier": 4.0}))
    a, b = calm.run(), noisy.run()
    shock = slice(35, 80)
    assert b[shock, COL["reporting_hours"]].sum() > 2.5 * a[shock, COL["reporting_hours"]].sum()
    assert b[shock, COL["engagement"]].mean() < a[shock, COL["engagement"]].mean()
    assert b[shock, COL["performance"]].mean() < a[shock, COL["performance"]].mean()


def test_less_reporting_raises_engagement():
    a = Simulation(BASE).run()
    b = Simulation(BASE.with_values({"policy.reporting.agent_hours": 0.5})).run()
    assert b[:30, COL["engagement"]].mean() > a[:30, COL["engagement"]].mean()


def test_outputs_carry_the_decision_outcomes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "covid_lockdown_2020", "--agents", "300", "--days", "90", "--out", str(out),
                 "--quiet", "--set", "policy.freedom.risk_limit=0.2"]) == 0
    s = json.loads((out / "summary.json").read_text())
    for key in ("decisions_by_type", "share_settled_locally", "decision_errors", "rework",
                "reporting_hours", "queue_max_by_level", "manager_fatigue_mean"):
        assert key in s
    assert set(s["decisions_by_type"]) == set(DECISION_KINDS)
    header = (out / "timeseries.csv").read_text().splitlines()[0].split(",")
    for col in ("decision_errors", "rework", "settled_locally", "tacit_approvals", "queue_l0", "queue_l4"):
        assert col in header
    assert (out / "queues.png").stat().st_size > 10_000


TINY = """
[run]
days = 30
[[organisation.services]]
name = "desk"
headcount = 3
[[organisation.services]]
name = "counter"
headcount = 3
"""


@pytest.mark.parametrize("settings, field, words", [
    (["policy.validation.steps=-1"], "policy.validation.steps", "≥ 0"),
    (["policy.validation.tacit_days=-2"], "policy.validation.tacit_days", "≥ 0"),
    (["policy.authority.preset=subsidiarity"], "policy.authority.preset", "did you mean 'subsidiary'"),
    (["policy.signoffs.spending=-1"], "policy.signoffs.spending", "≥ 0"),
    (["policy.authority.exception=7"], "policy.authority.exception", "≤ 4"),
])
def test_bad_subsidiarity_settings(settings, field, words, tmp_path, capsys):
    out = tmp_path / "never"
    argv = ["run", "covid_lockdown_2020", "--out", str(out)]
    for item in settings:
        argv += ["--set", item]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert field in err and words in err
    assert "Traceback" not in err
    assert not out.exists()


def test_authority_level_deeper_than_the_organisation(tmp_path, capsys):
    """Tiny services have no team leaders: the deepest level is 3, so level 4 does not exist."""
    path = tmp_path / "tiny.toml"
    path.write_text(TINY + "[policy.authority]\nexception = 4\n")
    out = tmp_path / "never"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "policy.authority.exception" in err and "deepest level is 3" in err and str(path) in err
    assert not out.exists()
    with pytest.raises(ScenarioError, match="preset"):
        s = load(path).with_values({"policy.authority.exception": None,
                                    "policy.authority.preset": "subsidiary"})
        Simulation(s)


def test_subsidiary_preset_beats_centralised_in_the_lockdown():
    """Paired seeds (common random numbers): less performance lost, much shorter waits.

    Local decisions err more (``decisions.local_error``) and their rework costs work, so
    the gain in area lost is small beside its spread over seeds: the test pairs six.
    """
    lost, faster = [], []
    for seed in range(1, 7):
        cen = summary(**{"policy.authority.preset": "centralised", "run.seed": seed})
        sub = summary(**{"policy.authority.preset": "subsidiary", "run.seed": seed})
        lost.append(sub["area_lost"] - cen["area_lost"])
        faster.append(sub["decision_latency_mean"] - cen["decision_latency_mean"])
        assert np.isfinite(sub["decision_latency_p95"])
        assert sub["rework"] > cen["rework"]
    for diff in (lost, faster):
        high = np.mean(diff) + 2.571 * np.std(diff, ddof=1) / np.sqrt(len(diff))  # t(0.975, 5)
        assert high < 0, diff
