"""The ``resilience-sim`` command line: outputs, determinism, and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from resilience_sim.cli import main
from resilience_sim.results import timeseries_columns

SUMMARY_KEYS = {
    "scenario", "seed", "days", "p0", "min_performance", "depth", "area_lost", "resilience_index",
    "days_to_min", "days_to_recover", "react_days", "unmet_essential", "decision_latency_mean",
    "decision_latency_p95", "burnout_days", "redeployed_agent_days", "initiatives_launched",
}

SMALL = """\
[scenario]
title = "small test scenario"

[run]
days = 60
seed = 7

[organisation]
archetype = "commune_50k"
agents = 300

[[shock.components]]
kind = "absence"
reason = "childcare"
start = 20
end = 35
ramp_down = 7
value = 0.2
source = "test"

[[shock.components]]
kind = "exceptions"
start = 20
end = 35
value = 0.1
source = "test"
"""


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def run_ok(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


# --- outputs ------------------------------------------------------------------------

def test_run_writes_summary_timeseries_and_figure(tmp_path, small, capsys):
    out = tmp_path / "out"
    text = run_ok(capsys, "run", str(small), "--out", str(out))
    assert "depth" in text and str(out) in text
    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert summary["scenario"] == "small" and summary["seed"] == 7 and summary["days"] == 60
    table = pd.read_csv(out / "timeseries.csv")
    assert tuple(table.columns) == timeseries_columns()
    assert len(table) == 60
    assert table["day"].tolist() == list(range(60))
    assert (out / "performance.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.toml"]  # no temp folder left


def test_shipped_default_scenario_runs_quietly(tmp_path, capsys):
    out = tmp_path / "covid"
    assert main(["run", "covid_lockdown_2020", "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    summary = json.loads((out / "summary.json").read_text())
    assert summary["days"] == 180 and summary["depth"] > 0.05


def test_same_seed_gives_identical_bytes(tmp_path, small, capsys):
    for k in (1, 2):
        run_ok(capsys, "run", str(small), "--out", str(tmp_path / f"o{k}"), "--quiet")
    a = (tmp_path / "o1" / "timeseries.csv").read_bytes()
    assert a == (tmp_path / "o2" / "timeseries.csv").read_bytes()
    run_ok(capsys, "run", str(small), "--out", str(tmp_path / "o3"), "--quiet", "--seed", "8")
    assert a != (tmp_path / "o3" / "timeseries.csv").read_bytes()


def test_derived_replicate_seeds_are_valid_seeds():
    """Replicate seeds are 63-bit integers; run.seed must accept them exactly."""
    from resilience_sim.params import PARAMS
    from resilience_sim.results import replicate_seeds

    seeds = replicate_seeds(7, 4)
    assert all(0 <= s < 2**63 for s in seeds)
    assert any(s > 2**53 for s in seeds)
    assert [PARAMS["run.seed"].check(s, "test") for s in seeds] == seeds
    assert PARAMS["run.seed"].parse_text(str(seeds[0]), "--set") == seeds[0]


def test_replicates_do_not_depend_on_jobs(tmp_path, small, capsys):
    for jobs in (1, 2):
        run_ok(capsys, "run", str(small), "--out", str(tmp_path / f"j{jobs}"), "--quiet",
               "--replicates", "4", "--jobs", str(jobs))
    r1 = (tmp_path / "j1" / "replicates.csv").read_bytes()
    assert r1 == (tmp_path / "j2" / "replicates.csv").read_bytes()
    assert len(pd.read_csv(tmp_path / "j1" / "replicates.csv")) == 4
    e1 = json.loads((tmp_path / "j1" / "summary.json").read_text())["ensemble"]
    e2 = json.loads((tmp_path / "j2" / "summary.json").read_text())["ensemble"]
    assert e1 == e2
    assert e1["replicates"] == 4 and "depth" in e1


def test_agents_rescales_the_organisation(tmp_path, small, capsys):
    out = tmp_path / "big"
    run_ok(capsys, "run", str(small), "--out", str(out), "--quiet", "--agents", "3000")
    n = json.loads((out / "summary.json").read_text())["organisation_agents"]
    assert abs(n - 3000) <= 0.02 * 3000


def test_set_changes_a_parameter(tmp_path, small, capsys):
    out = run_ok(capsys, "validate", str(small), "--set", "run.days=45", "--set", "policy.validation.steps=1")
    assert "45 days" in out


def test_validate_and_list(capsys):
    out = run_ok(capsys, "scenarios")
    for name in ("covid_lockdown_2020", "flood", "cyber_attack", "heatwave", "chronic_staff_shortage",
                 "two_shocks", "orgchart_example"):
        assert name in out
    out = run_ok(capsys, "validate", "flood")
    assert "ok" in out and "flood.toml" in out


@pytest.mark.parametrize("name", ["covid_lockdown_2020", "flood", "cyber_attack", "heatwave",
                                  "chronic_staff_shortage", "two_shocks", "orgchart_example"])
def test_shipped_scenario_runs_a_short_horizon(tmp_path, capsys, name):
    from resilience_sim.scenario import load

    days = max(c["start"] for c in load(name).shocks) + 1  # the shortest horizon that holds every shock
    out = tmp_path / name
    run_ok(capsys, "run", name, "--days", str(days), "--out", str(out), "--quiet")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["days"] == days
    assert len(pd.read_csv(out / "timeseries.csv")) == days


# --- bad input: exit code 2, one line naming file and field, nothing written ----------

def _csv_scenario(tmp_path, csv_text):
    (tmp_path / "chart.csv").write_text(csv_text, encoding="utf-8")
    path = tmp_path / "chart.toml"
    path.write_text('[run]\ndays = 30\n[organisation]\ncsv = "chart.csv"\n', encoding="utf-8")
    return path


HEAD = "agent,service,manager,level,skills\n"

BAD_TOML = {
    # case: (text replacing/appended to SMALL, args, words expected in the message, line expected)
    "broken toml": (SMALL.replace("days = 60", "days = = 60"), [], ["small.toml:", "not valid TOML"], True),
    "unknown key": (SMALL.replace("seed = 7", "sed = 7"), [], ["run.sed", "unknown key",
                                                                "did you mean 'run.seed'"], True),
    "out of range": (SMALL + "[policy.validation]\nsteps = 9\n", [], ["policy.validation.steps", "≤ 5"],
                     True),
    "negative headcount": (
        SMALL.replace('archetype = "commune_50k"\nagents = 300',
                      '[[organisation.services]]\nname = "roads"\nheadcount = -4'),
        [], ["organisation.services[0].headcount", "≥ 1"], True),
    "service without agent": (
        SMALL.replace('archetype = "commune_50k"\nagents = 300',
                      '[[organisation.services]]\nname = "roads"\nheadcount = 0'),
        [], ["organisation.services[0].headcount", "≥ 1"], True),
    "absence share above 1": (SMALL.replace("value = 0.2", "value = 1.5"), [],
                              ["shock.components[0].value", "≤ 1", "1.5"], True),
    "shock outside horizon": (SMALL.replace("start = 20\nend = 35\nramp_down",
                                            "start = 70\nend = 75\nramp_down"),
                              [], ["shock.components[0].start", "day 70", "outside the horizon"], True),
    "--days cuts the shock": (SMALL, ["--days", "15"], ["--days", "shock.components[0].start",
                                                        "outside the horizon"], False),
    "--set unknown key": (SMALL, ["--set", "policy.validation.stepz=1"],
                          ["--set", "policy.validation.stepz", "did you mean 'policy.validation.steps'"],
                          False),
    "--set bad value": (SMALL, ["--set", "policy.validation.steps=many"],
                        ["--set", "policy.validation.steps", "number"], False),
    "--set out of range": (SMALL, ["--set", "baseline.sickness=1.5"],
                           ["--set", "baseline.sickness", "≤ 1"], False),
    "--set without =": (SMALL, ["--set", "policy.validation.steps"], ["--set", "KEY=VALUE"], False),
    "stand-down share out of range": (SMALL + "[work]\nstand_down_leave = 1.5\n", [],
                                      ["work.stand_down_leave", "≤ 1"], False),
    "telework rule not a boolean": (SMALL, ["--set", "work.remote_before_leave=sometimes"],
                                    ["--set", "work.remote_before_leave"], False),
}


def _check_error(capsys, argv, out: Path, words, line_re=None):
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in captured.err + captured.out
    for w in words:
        assert w in lines[0], (w, lines[0])
    if line_re:
        import re

        assert re.search(line_re, lines[0]), lines[0]
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "temporary output left"
    return lines[0]


@pytest.mark.parametrize("case", list(BAD_TOML))
def test_bad_scenario_is_one_line_and_exit_2(tmp_path, capsys, case):
    text, args, words, has_line = BAD_TOML[case]
    path = tmp_path / "small.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    _check_error(capsys, ["run", str(path), "--out", str(out), "--quiet", *args], out, words,
                 r"small\.toml:\d+: " if has_line else None)


BAD_CSV = {
    "missing columns": (HEAD.replace("manager,", "") + "a,office,0,x\n", ["chart.csv:1:", "manager"]),
    "unknown manager": (HEAD + "a,office,,0,x\nb,office,zz,5,x\n",
                        ["chart.csv:3:", "column 'manager'", "'zz'"]),
    "cycle": (HEAD + "a,office,,0,x\nb,office,c,3,x\nc,office,b,4,x\n",
              ["chart.csv:3:", "column 'manager'", "cycle", "b → c → b"]),
    "duplicate id": (HEAD + "a,office,,0,x\na,office,,5,x\n", ["chart.csv:3:", "column 'agent'"]),
    "level out of range": (HEAD + "a,office,,9,x\n", ["chart.csv:2:", "column 'level'"]),
    "empty skill": (HEAD + "a,office,,0,\n", ["chart.csv:2:", "column 'skills'"]),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_org_chart_is_one_line_and_exit_2(tmp_path, capsys, case, command):
    csv_text, words = BAD_CSV[case]
    path = _csv_scenario(tmp_path, csv_text)
    out = tmp_path / "out"
    extra = ["--out", str(out), "--quiet"] if command == "run" else []
    _check_error(capsys, [command, str(path), *extra], out, words)


def test_missing_scenario_and_missing_chart(tmp_path, capsys):
    out = tmp_path / "out"
    msg = _check_error(capsys, ["run", "flod", "--out", str(out)], out, ["flod", "did you mean 'flood'"])
    assert "shipped" in msg
    path = _csv_scenario(tmp_path, HEAD + "a,office,,0,x\n")
    (tmp_path / "chart.csv").unlink()
    _check_error(capsys, ["run", str(path), "--out", str(out)], out, ["chart.csv", "cannot read"])


def test_bad_replicates_is_an_error(tmp_path, small, capsys):
    out = tmp_path / "out"
    _check_error(capsys, ["run", str(small), "--out", str(out), "--replicates", "0"], out, ["--replicates"])


def _entry_point() -> str:
    exe = Path(sys.executable).with_name("resilience-sim")
    found = str(exe) if exe.exists() else shutil.which("resilience-sim")
    if not found:
        pytest.skip("the resilience-sim entry point is not installed")
    return found


@pytest.mark.parametrize("kind", ["toml", "csv"])
def test_entry_point_reports_without_traceback(tmp_path, kind):
    if kind == "toml":
        path = tmp_path / "broken.toml"
        path.write_text("[run\ndays = 10\n", encoding="utf-8")
        words = ["broken.toml:1:", "not valid TOML"]
    else:
        path = _csv_scenario(tmp_path, HEAD + "a,office,b,3,x\nb,office,a,2,x\n")
        words = ["chart.csv:2:", "cycle", "a → b → a"]
    out = tmp_path / "out"
    proc = subprocess.run([_entry_point(), "run", str(path), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert proc.stdout == ""
    assert not out.exists()


def test_entry_point_runs(tmp_path, small):
    out = tmp_path / "out"
    proc = subprocess.run([_entry_point(), "run", str(small), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (out / "summary.json").is_file()
