"""Sweeps, result store, resume, backends, sensitivity and bad inputs (resilience_sim.explore)."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from resilience_sim.cli import main
from resilience_sim.explore import read_runs, read_series
from resilience_sim.explore.allocator import TRIM_VARIABLE
from resilience_sim.explore.backends import Dask, Processes, Serial
from resilience_sim.explore.models import ishigami, slow_ishigami
from resilience_sim.explore.runner import sweep
from resilience_sim.explore.sensitivity import sensitivity
from resilience_sim.explore.spec import Factor, latin_hypercube, make_plan, parse_grid, parse_sample
from resilience_sim.scenario import Scenario, load

slow = pytest.mark.skipif(not os.environ.get("RESILIENCE_SIM_SLOW"), reason="slow: set RESILIENCE_SIM_SLOW=1")
SMALL = ["--agents", "200", "--days", "60"]
ISHIGAMI = Scenario("ishigami")  # the test function reads no parameter of the scenario
VOLATILE = ["elapsed_s"]  # wall time: the one column that differs between identical runs


@pytest.fixture(scope="module")
def small():
    return load("covid_lockdown_2020").with_values({"organisation.agents": 200, "run.days": 60})


def _plan(scenario, replicates=2):
    return make_plan([parse_grid("policy.validation.steps=1,2", scenario)], replicates, scenario["run.seed"])


def _rows(folder) -> pd.DataFrame:
    return read_runs(folder).drop(columns=VOLATILE)


def _ishigami_factors():
    return [Factor(k, "sample", (), -math.pi, math.pi) for k in ("x1", "x2", "x3")]


# --- plans --------------------------------------------------------------------------------------

def test_grid_plan_crosses_values_and_shares_seeds_across_designs(small):
    plan = make_plan([parse_grid("policy.validation.steps=1,2,3", small),
                      parse_grid("mobility.mode=off,peer", small)], 3, 7)
    assert plan.n_runs == 18 and len(plan.designs) == 6
    runs = list(plan.runs())
    assert [r[0] for r in runs] == list(range(18))
    seeds = {(d, r): s for _, d, r, _, s in runs}
    assert all(seeds[(d, r)] == seeds[(0, r)] for d in range(6) for r in range(3))  # common random numbers
    assert len({seeds[(0, r)] for r in range(3)}) == 3
    assert plan.seeds() == make_plan([parse_grid("mobility.mode=off", small)], 3, 7).seeds()


def test_latin_hypercube_uses_every_stratum_once_and_levels(small):
    n = 50
    designs = latin_hypercube([parse_sample("policy.freedom.risk_limit=0:0.5", small),
                               parse_sample("policy.validation.steps=1:3", small),
                               parse_sample("mobility.mode=off,central,peer", small)], n, 3)
    x = np.array([d["policy.freedom.risk_limit"] for d in designs])
    assert sorted(np.floor(x / 0.5 * n).astype(int).tolist()) == list(range(n))
    assert {d["policy.validation.steps"] for d in designs} <= {1, 2, 3}
    assert all(isinstance(d["policy.validation.steps"], int) for d in designs)
    assert {d["mobility.mode"] for d in designs} == {"off", "central", "peer"}
    again = latin_hypercube([parse_sample("policy.freedom.risk_limit=0:0.5", small),
                             parse_sample("policy.validation.steps=1:3", small),
                             parse_sample("mobility.mode=off,central,peer", small)], n, 3)
    assert again == designs


def test_shock_component_fields_can_be_swept(small):
    f = parse_sample("shock.components[0].value=0:0.2", small)
    plan = make_plan([f], 1, 1, samples=3)
    from resilience_sim.explore.keys import apply_values

    s = apply_values(small, plan.designs[0])
    assert s.shocks[0]["value"] == plan.designs[0]["shock.components[0].value"]
    assert s.shocks[1] == small.shocks[1]


# --- runs, store, backends ----------------------------------------------------------------------

def test_backends_give_identical_rows_fast(tmp_path):
    plan = make_plan(_ishigami_factors(), 2, 3, samples=40)
    kw = {"model": ishigami, "validate_keys": False}
    sweep(ISHIGAMI, plan, tmp_path / "serial", Serial(), **kw)
    with Processes(2) as backend:
        sweep(ISHIGAMI, plan, tmp_path / "processes", backend, batch=7, **kw)
    with Dask(None, 2) as backend:
        sweep(ISHIGAMI, plan, tmp_path / "dask", backend, batch=3, **kw)
    serial = _rows(tmp_path / "serial")
    assert len(serial) == 80 and serial["nested.x1_squared"].notna().all()
    pd.testing.assert_frame_equal(serial, _rows(tmp_path / "processes"))
    pd.testing.assert_frame_equal(serial, _rows(tmp_path / "dask"))


def test_local_cluster_quiets_its_workers_and_leaves_the_environment():
    import dask

    before = dict(os.environ)
    with Dask(None, 1) as backend:
        assert dict(os.environ) == before  # the nannies' variables are not left behind
        trim = backend.client.run(os.environ.get, TRIM_VARIABLE)
        profile = backend.client.run(dask.config.get, "distributed.worker.profile.enabled")
    assert list(trim.values()) == [None] and list(profile.values()) == [False]


@pytest.mark.parametrize("variable", [None, "65536"])
def test_a_worker_settles_the_allocator_only_where_a_trim_variable_fixed_it(variable):
    env = {k: v for k, v in os.environ.items() if k != TRIM_VARIABLE}
    if variable:
        env[TRIM_VARIABLE] = variable
    code = "from resilience_sim.explore.allocator import settle; print(settle(), settle())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == (["True", "False"] if variable else ["False", "False"])


@pytest.mark.slow
@slow
def test_backends_give_identical_rows(small, tmp_path):
    plan = _plan(small)
    sweep(small, plan, tmp_path / "serial", Serial())
    with Processes(2) as backend:
        sweep(small, plan, tmp_path / "processes", backend, batch=1)
    with Dask(None, 2) as backend:
        sweep(small, plan, tmp_path / "dask", backend, batch=1)
    serial = _rows(tmp_path / "serial")
    assert len(serial) == 4 and (serial["status"] == "ok").all()
    assert serial["seed"].nunique() == 2 and serial["area_lost"].notna().all()
    pd.testing.assert_frame_equal(serial, _rows(tmp_path / "processes"))
    pd.testing.assert_frame_equal(serial, _rows(tmp_path / "dask"))
    manifest = json.loads((tmp_path / "serial" / "manifest.json").read_text())
    assert manifest["scenario"]["name"] == "covid_lockdown_2020" and manifest["plan"]["runs"] == 4
    assert manifest["finished"] and "command" in manifest and manifest["version"]["resilience_sim"]


def test_a_row_reruns_alone_from_its_seed(small, tmp_path):
    sweep(small, _plan(small), tmp_path / "s", Serial())
    row = read_runs(tmp_path / "s").iloc[3]
    from resilience_sim.results import run

    alone = run(small.with_values({"run.seed": int(row["seed"]), "policy.validation.steps": 2})).summary
    assert alone["area_lost"] == row["area_lost"] and alone["unmet"] == row["unmet"]


def test_failed_run_is_recorded_and_the_others_finish(small, tmp_path):
    plan = make_plan([parse_grid("policy.reporting.week_hours=1,35", small)], 2, 5)
    report = sweep(small, plan, tmp_path / "s", Serial(), batch=2)
    rows = read_runs(tmp_path / "s")
    assert report.failed == 2 and len(rows) == 4
    bad = rows[rows["policy.reporting.week_hours"] == 1]
    assert (bad["status"] == "failed").all() and bad["error"].str.contains("reporting cannot exceed").all()
    assert bad["area_lost"].isna().all()
    good = rows[rows["policy.reporting.week_hours"] == 35]
    assert (good["status"] == "ok").all() and good["area_lost"].notna().all()


def test_series_dataset_holds_every_day_of_every_run(small, tmp_path):
    sweep(small, _plan(small, 1), tmp_path / "s", Serial(), series=True)
    series = read_series(tmp_path / "s")
    assert len(series) == 2 * 60 and sorted(series["run_id"].unique()) == [0, 1]
    assert list(series.groupby("run_id")["day"].max()) == [59, 59] and "performance" in series


def _sweep_in_child(folder):
    plan = make_plan(_ishigami_factors(), 1, 1, samples=200)
    sweep(ISHIGAMI, plan, folder, Serial(), model=slow_ishigami, batch=4, validate_keys=False, resume=True)


def test_kill_9_then_resume_ends_with_exactly_the_expected_rows_fast(tmp_path):
    import multiprocessing

    out = tmp_path / "killed"
    child = multiprocessing.get_context("spawn").Process(target=_sweep_in_child, args=(out,))
    child.start()
    deadline = time.monotonic() + 120
    while len(list((out / "runs").glob("part-*.parquet"))) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert 5 <= len(list((out / "runs").glob("part-*.parquet"))) < 50, "the sweep should have been killed halfway"
    _sweep_in_child(out)
    rows = read_runs(out)
    assert sorted(rows["run_id"]) == list(range(200))  # none lost, none doubled
    plan = make_plan(_ishigami_factors(), 1, 1, samples=200)
    np.testing.assert_array_equal(rows["y"], [ishigami(None, d, 0)[0]["y"] for d in plan.designs])


@pytest.mark.slow
@slow
def test_kill_9_then_resume_ends_with_exactly_the_expected_rows(small, tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "resilience_sim.cli", "sweep", "covid_lockdown_2020", *SMALL, "--grid",
           "policy.validation.steps=1,2,3", "--replicates", "4", "--backend", "serial", "--batch", "1",
           "--quiet", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(list((out / "runs").glob("part-*.parquet"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    parts = len(list((out / "runs").glob("part-*.parquet")))
    assert 4 <= parts < 12, "the sweep should have been killed halfway"
    assert subprocess.run(cmd + ["--resume"], capture_output=True).returncode == 0
    rows = _rows(out)
    assert sorted(rows["run_id"]) == list(range(12))  # none lost, none doubled
    plan = make_plan([parse_grid("policy.validation.steps=1,2,3", small)], 4, small["run.seed"])
    sweep(small, plan, tmp_path / "whole", Serial())
    pd.testing.assert_frame_equal(rows.drop(columns=["traceback"]), _rows(tmp_path / "whole").drop(
        columns=["traceback"]), check_dtype=False)


def test_resume_skips_finished_runs(tmp_path):
    plan = make_plan([Factor(k, "sample", (), -math.pi, math.pi) for k in ("x1", "x2", "x3")], 1, 1, samples=30)
    first = sweep(ISHIGAMI, plan, tmp_path / "s", Serial(), model=ishigami, batch=7, validate_keys=False)
    again = sweep(ISHIGAMI, plan, tmp_path / "s", Serial(), model=ishigami, batch=7, validate_keys=False,
                  resume=True)
    assert (first.done, again.skipped, again.done) == (30, 30, 0)
    assert sorted(read_runs(tmp_path / "s")["run_id"]) == list(range(30))


def test_dask_worker_killed_mid_sweep_loses_nothing(tmp_path):
    plan = make_plan(_ishigami_factors(), 1, 1, samples=240)
    with Dask(None, 2) as backend:
        pids = backend.client.run(os.getpid)
        killed = []

        def kill_once(n, failed):
            if not killed:
                killed.append(next(iter(pids.values())))
                os.kill(killed[0], signal.SIGKILL)

        report = sweep(ISHIGAMI, plan, tmp_path / "s", backend, model=slow_ishigami, batch=6, progress=kill_once,
                       validate_keys=False)
    rows = read_runs(tmp_path / "s")
    assert killed and report.done == 240 and sorted(rows["run_id"]) == list(range(240))
    expected = [ishigami(None, d, 0)[0]["y"] for d in plan.designs]
    np.testing.assert_array_equal(rows["y"].to_numpy(), expected)


# --- sensitivity --------------------------------------------------------------------------------

def test_ishigami_sobol_indices_through_the_sweep_pipeline(tmp_path):
    indices, report = sensitivity(ISHIGAMI, "sobol", _ishigami_factors(), "y", 1024, 1, tmp_path / "sobol",
                                  Serial(), model=ishigami, validate_keys=False, batch=1024)
    assert report.done == 1024 * 5
    np.testing.assert_allclose(indices["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(indices["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)
    assert (indices["S1_conf"] > 0).all() and (tmp_path / "sobol" / "sobol.png").stat().st_size > 0
    assert json.loads((tmp_path / "sobol" / "sensitivity.json").read_text())["runs"] == 5120


def test_ishigami_morris_screens_x3_as_interacting(tmp_path):
    indices, _ = sensitivity(ISHIGAMI, "morris", _ishigami_factors(), "y", 40, 1, tmp_path / "m", Serial(),
                             model=ishigami, validate_keys=False)
    assert (indices["mu_star"] > 0).all()
    assert indices.loc["x3", "sigma"] > indices.loc["x3", "mu"]  # x3 acts only with x1: σ large, μ ≈ 0


# --- bad inputs (one line, exit 2, nothing written) -----------------------------------------------

def _fails(capsys, argv, *words):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    for w in words:
        assert w in err, err
    return err


def test_unknown_key_suggests_the_closest(capsys, tmp_path):
    _fails(capsys, ["sweep", "covid_lockdown_2020", "--grid", "policy.validation.step=1,2", "--out",
                    str(tmp_path / "x")], "--grid", "policy.validation.step", "did you mean 'policy.validation.steps'")
    assert not (tmp_path / "x").exists()


def test_range_with_low_above_high(capsys, tmp_path):
    _fails(capsys, ["sweep", "covid_lockdown_2020", "--sample", "policy.freedom.risk_limit=0.5:0.1", "--out",
                    str(tmp_path / "x")], "low 0.5 > high 0.1")
    _fails(capsys, ["sensitivity", "covid_lockdown_2020", "--param", "policy.freedom.risk_limit=0.5:0.1",
                    "--param", "hr.advice=0:1", "--out", str(tmp_path / "x")], "low 0.5 > high 0.1")
    assert not (tmp_path / "x").exists()


def test_non_numeric_value_for_a_numeric_key(capsys, tmp_path):
    _fails(capsys, ["sweep", "covid_lockdown_2020", "--grid", "policy.validation.steps=1,two", "--out",
                    str(tmp_path / "x")], "policy.validation.steps", "must be a number (got 'two')")


def test_scheduler_that_does_not_answer_is_said_within_ten_seconds(capsys, tmp_path):
    start = time.monotonic()
    _fails(capsys, ["sweep", "covid_lockdown_2020", "--grid", "policy.validation.steps=1,2", "--scheduler",
                    "tcp://127.0.0.1:9", "--out", str(tmp_path / "x")], "--scheduler", "no Dask scheduler answered")
    assert time.monotonic() - start < 15
    assert not (tmp_path / "x").exists()


def test_resume_of_a_different_sweep_is_refused_naming_the_difference(capsys, small, tmp_path):
    out = tmp_path / "s"
    sweep(small, make_plan([parse_grid("policy.validation.steps=1,2", small)], 1, small["run.seed"]), out,
          Serial(), command="test")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    argv = ["sweep", "covid_lockdown_2020", *SMALL, "--backend", "serial", "--out", str(out), "--resume"]
    _fails(capsys, argv + ["--grid", "policy.validation.steps=1,3"], "different sweep",
           "policy.validation.steps=1,3")
    _fails(capsys, ["sweep", "covid_lockdown_2020", "--agents", "300", "--days", "60", "--backend", "serial",
                    "--out", str(out), "--resume", "--grid", "policy.validation.steps=1,2"],
           "organisation.agents is 200 in the folder, 300 in the command")
    _fails(capsys, argv[:-1] + ["--grid", "policy.validation.steps=1,2"], "holds a sweep already", "--resume")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_sobol_sample_size_must_be_a_power_of_two(capsys):
    _fails(capsys, ["sensitivity", "covid_lockdown_2020", "--param", "hr.advice=0:1", "--param",
                    "policy.freedom.risk_limit=0:0.5", "--samples", "100"], "power of 2", "128")


# --- checkpoint and fork ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def state(small, tmp_path_factory):
    """The small lockdown saved at day 35 (under way), and the uninterrupted run's results."""
    from resilience_sim.checkpoint import run_to, save
    from resilience_sim.engine import Simulation
    from resilience_sim.results import collect

    sim = Simulation(small)
    run_to(sim, 35)
    path = save(sim, tmp_path_factory.mktemp("state") / "state.npz")
    sim.run()
    return path, collect(sim)


def test_fork_continued_unchanged_is_bit_identical(state):
    from resilience_sim.checkpoint import resume_run

    path, whole = state
    fork = resume_run(path)
    pd.testing.assert_frame_equal(fork.table, whole.table)
    assert fork.summary == whole.summary


def test_fork_with_another_design_keeps_the_past_and_changes_the_future(state):
    from resilience_sim.checkpoint import resume_run

    path, whole = state
    fork = resume_run(path, {"policy.authority.preset": "subsidiary", "policy.validation.steps": 1})
    pd.testing.assert_frame_equal(fork.table.iloc[:35], whole.table.iloc[:35])
    assert not fork.table.iloc[35:].equals(whole.table.iloc[35:])
    reseeded = resume_run(path, {"run.seed": 99})
    assert reseeded.summary["seed"] == 99 and not reseeded.table.iloc[35:].equals(whole.table.iloc[35:])


def test_fork_cannot_change_the_organisation(capsys, state):
    path, _ = state
    _fails(capsys, ["run", "covid_lockdown_2020", *SMALL, "--from", str(path), "--set",
                    "organisation.team_size=5"], "organisation.team_size", "built before day 0")
    _fails(capsys, ["run", "flood", "--from", str(path)], "the state is of 'covid_lockdown_2020'")


def test_sweep_of_designs_from_one_saved_state(state, tmp_path):
    path, whole = state
    argv = ["sweep", "covid_lockdown_2020", "--from", str(path), "--grid", "policy.validation.steps=1,2",
            "--backend", "serial", "--quiet", "--out", str(tmp_path / "s")]
    assert main(argv) == 0
    rows = read_runs(tmp_path / "s")
    assert list(rows["status"]) == ["ok", "ok"] and rows["days"].tolist() == [60, 60]
    assert rows["area_lost"].nunique() == 2


# --- EMA Workbench adapter ----------------------------------------------------------------------

def test_workbench_model_evaluated_through_a_backend_matches_its_own_function(small):
    from resilience_sim.explore.ema import WORKBENCH_COLUMNS, BackendEvaluator, workbench_model

    model = workbench_model(small, {"shock.components[1].value": (0.0, 0.3), "policy.validation.steps": (1, 3)},
                            {"mobility.mode": ["off", "peer"]}, ["min_performance", "unmet_essential"])
    with BackendEvaluator(model, Serial(), batch=2) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=3, policies=2)
    assert len(experiments) == 6 and set(outcomes) == {"min_performance", "unmet_essential"}
    x = experiments.drop(columns=WORKBENCH_COLUMNS).iloc[4].to_dict()
    assert set(x) == {"shock_components_1_value", "policy_validation_steps", "mobility_mode"}
    direct = model.function(**{"shock.components[1].value": x["shock_components_1_value"],
                               "policy.validation.steps": int(x["policy_validation_steps"]),
                               "mobility.mode": x["mobility_mode"]})
    assert direct["min_performance"] == outcomes["min_performance"][4]
    assert np.isfinite(outcomes["unmet_essential"]).all()


def test_compare_designs_from_one_saved_state(state, tmp_path, capsys):
    """Every design continues the saved run: the past is shared, built levers are left out and said so."""
    path, whole = state
    out = tmp_path / "c"
    argv = ["compare", "covid_lockdown_2020", *SMALL, "--from", str(path), "--designs",
            "baseline,subsidiarity,micro_mobility", "--replicates", "2", "--jobs", "1", "--quiet", "--out", str(out),
            "--lang", "en,fr"]
    assert main(argv) == 0
    result = json.loads((out / "comparison.json").read_text())
    assert result["fork"] == {"state": path.name, "day": 35}
    org = result["orgs"][0]
    past = whole.table["performance"].to_numpy()[:35]
    for name in ("baseline", "subsidiarity", "micro_mobility"):
        band = org["results"][name]["curves"]["performance"]
        np.testing.assert_allclose(band["p05"][:35], past, rtol=1e-6)  # shared past, every replicate
        np.testing.assert_allclose(band["p95"][:35], past, rtol=1e-6)
    assert org["results"]["subsidiarity"]["curves"]["performance"]["median"][40:] != \
        org["results"]["baseline"]["curves"]["performance"]["median"][40:]
    left = {lv["key"] for lv in org["levers_left_out"]["micro_mobility"]}
    assert {"organisation.secondary_known_share", "mobility.flying_pool", "twinning"} <= left
    assert "baseline" not in org["levers_left_out"]  # its built levers equal the state's
    html = (out / "report.fr.html").read_text()
    assert "sauvegardé au jour 35" in html and "mobility.flying_pool = 10" in html


def test_compare_from_a_state_refuses_other_organisations_and_built_levers(state, tmp_path, capsys):
    path, _ = state
    base = ["compare", "covid_lockdown_2020", *SMALL, "--from", str(path), "--replicates", "2", "--quiet"]
    _fails(capsys, [*base, "--orgs", "departement", "--out", str(tmp_path / "a")], "--from", "organisation")
    _fails(capsys, [*base, "--set", "mobility.flying_pool=5", "--out", str(tmp_path / "b")],
           "mobility.flying_pool", "built before day 0")
    _fails(capsys, ["run", "covid_lockdown_2020", *SMALL, "--from", str(path), "--set", "hr.crisis_cell=2",
                    "--out", str(tmp_path / "c")], "hr.crisis_cell", "built before day 0")
    assert not any((tmp_path / x).exists() for x in "abc")
