"""The workshop helpers of notebook 04 (spontaneous initiatives): designs, event log, counts, figures."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from resilience_sim import workshop


@pytest.fixture(scope="module")
def quick_env():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESILIENCE_SIM_QUICK", "1")
        yield


@pytest.fixture(scope="module")
def designed(quick_env):
    """One quick lockdown with the initiatives design (relays, adoptions)."""
    result = workshop.run("covid_lockdown_2020", workshop.design_settings("initiatives"))
    assert result.summary["initiatives_launched"] > 0 and result.summary["initiatives_relayed"] > 0
    return result


@pytest.fixture(scope="module")
def without(quick_env):
    """The same lockdown with initiatives off."""
    return workshop.run("covid_lockdown_2020", workshop.design_settings("baseline"))


def test_design_settings_are_the_design_files_levers():
    assert workshop.design_settings("initiatives") == {
        "initiatives.enabled": True, "initiatives.risk_compensation": 0.5,
        "initiatives.testimony_period": 14, "initiatives.cell_capacity": 5.0}
    with pytest.raises(ValueError, match="twins services"):
        workshop.design_settings("micro_mobility")


def test_design_levers_give_each_value_its_reason_in_the_language():
    fr, en = workshop.design_levers("initiatives", "fr"), workshop.design_levers("initiatives", "en")
    assert list(fr.index) == list(en.index) == list(workshop.design_settings("initiatives"))
    assert fr.index.name == "levier" and en.index.name == "lever"
    assert fr.loc["initiatives.cell_capacity", "valeur"] == 5.0
    assert "cellule innovation" in fr.loc["initiatives.cell_capacity", "pourquoi cette valeur"]
    assert "innovation cell" in en.loc["initiatives.cell_capacity", "why this value"]


def test_daily_initiatives_add_up_to_the_summary(designed):
    by_day = workshop.initiatives_by_day(designed)
    assert len(by_day) == len(designed.table)
    for step in workshop.STEPS:
        assert by_day[step].sum() == designed.summary[f"initiatives_{step}"], step
    assert (by_day["running"] == designed.table["initiatives_running"]).all()
    relayed = designed.initiatives.query("outcome == 'relayed'")
    first = int(relayed["day"].min())
    assert by_day["relayed"].iloc[:first].sum() == 0 and by_day["relayed"].iloc[first] > 0


def test_no_initiative_when_they_are_off(without):
    by_day = workshop.initiatives_by_day(without)
    assert (by_day[[*workshop.STEPS, "running"]].to_numpy() == 0).all()
    events = workshop.initiative_events(without, "en")
    assert len(events) == 0 and list(events.columns) == ["day", "date", "agent", "agent's service",
                                                         "service helped", "event"]


def test_event_log_in_french_with_dates(designed):
    events = workshop.initiative_events(designed, "fr")
    assert len(events) == len(designed.initiatives)
    assert events["événement"].iloc[0] == "lancée"
    assert set(events["événement"]) >= {"lancée", "relayée par la cellule"}
    dates = dict(zip(designed.table["day"], designed.table["date"], strict=True))
    assert all(dates[d] == date for d, date in zip(events["jour"], events["date"], strict=True))


def test_figure_over_time_ends_at_the_runs_totals(designed):
    fig = workshop.initiatives_over_time(designed, "fr")
    top = fig.axes[0]
    lines = {line.get_label(): line.get_ydata() for line in top.get_lines()}
    words = workshop.WORDS["fr"]
    assert set(lines) == {words[step] for step in workshop.STEPS}
    for step in workshop.STEPS:
        assert lines[words[step]][-1] == designed.summary[f"initiatives_{step}"]
        assert (np.diff(lines[words[step]]) >= 0).all()
    assert fig._repr_png_().startswith(b"\x89PNG")


def _fake(**summary):
    return SimpleNamespace(summary=summary)


def test_initiatives_table_takes_medians_and_skips_missing_values():
    runs = [_fake(initiatives_launched=n, initiators_fatigue=f) for n, f in ((10, 0.2), (20, None), (40, 0.4))]
    found = {"a": runs, "b": [_fake(initiatives_launched=0, initiators_fatigue=None)]}
    fr = workshop.initiatives_table(found, "fr")
    assert fr.loc["initiatives lancées", "a"] == 20 and fr.loc["initiatives lancées", "b"] == 0
    assert fr.loc["fatigue finale des initiateurs", "a"] == pytest.approx(0.3)
    assert fr["b"].isna()["fatigue finale des initiateurs"]
    assert list(workshop.initiatives_table(found, "en").index)[0] == "initiatives launched"


def test_bars_are_medians_design_beside_design():
    def counts(launched, relayed):
        return _fake(**{**{f"initiatives_{s}": 0 for s in workshop.STEPS}, "initiatives_launched": launched,
                        "initiatives_relayed": relayed})

    found = {"alone": [counts(n, 0) for n in (10, 20, 30)], "design": [counts(n, n // 2) for n in (30, 40, 90)]}
    ax = workshop.initiatives_bars(found, "en").axes[0]
    heights = [p.get_height() for p in ax.patches]
    steps = len(workshop.STEPS)
    alone, design = heights[:steps], heights[steps:]
    launched, relayed = workshop.STEPS.index("launched"), workshop.STEPS.index("relayed")
    assert alone[launched] == 20 and design[launched] == 40
    assert alone[relayed] == 0 and design[relayed] == 20
    assert [t.get_text() for t in ax.get_xticklabels()] == [workshop.WORDS["en"][s] for s in workshop.STEPS]


def test_table_reads_other_measures():
    found = {"x": [_fake(first_shock_area_lost=10.0, second_shock_area_lost=4.0, counter_adapt=0.4,
                         lasting_gain=0.02)]}
    shocks = workshop.table(found, "fr", workshop.SHOCKS)
    assert shocks.loc["jours perdus au second choc", "x"] == 4.0 and len(shocks) == len(workshop.SHOCKS)
    assert len(workshop.table(found, "en")) == len(workshop.MEASURES)


def test_every_run_figure_shows_as_a_png_and_importing_them_leaves_the_backend(designed):
    """Notebooks 01–06 show the run's figures as images: none is held by pyplot or forces Agg."""
    import subprocess
    import sys

    from resilience_sim import figures

    for make in (figures.performance_figure, figures.queues_figure, figures.flows_figure,
                 figures.initiatives_figure):
        fig = make(designed, "fr")
        assert fig._repr_png_().startswith(b"\x89PNG"), make.__name__
    code = ("import matplotlib; matplotlib.use('svg'); import resilience_sim.figures, resilience_sim.workshop; "
            "print(matplotlib.get_backend())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "svg"
