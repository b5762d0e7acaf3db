"""The regression baseline: every shipped scenario and lever case gives the committed fingerprints."""

import pytest

from resilience_sim import regression


def test_every_case_matches_the_baseline():
    base = regression.load_baseline()
    assert {c.name for c in regression.cases()} == set(base), "a case was added or removed: update the baseline"
    moved = regression.moved(base, regression.run_all(regression.cases(), progress=False))
    assert moved == [], "results moved:\n" + "\n".join(moved)


def test_a_moved_case_is_reported_with_its_headlines():
    base = {"x": {"table": "a", "summary": "b", "headlines": {"area_lost": 1.0, "p0": 0.9}}}
    now = {"x": {"table": "a", "summary": "c", "headlines": {"area_lost": 2.0, "p0": 0.9}},
           "y": {"table": "a", "summary": "b", "headlines": {}}}
    assert regression.moved(base, now) == ["x: summary moved (area_lost 1.0 -> 2.0)", "y: new case"]


def test_unknown_case_is_refused(capsys):
    assert regression.main(["check", "--case", "nope"]) == 2
    assert "unknown case" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["covid_lockdown_2020"])
def test_fingerprint_is_reproducible(name):
    case = next(c for c in regression.cases() if c.name == name)
    assert regression.fingerprint(case) == regression.fingerprint(case)
