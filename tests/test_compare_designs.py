"""``compare --designs``: the design library, known answers, the report's two languages, bad input."""

from __future__ import annotations

import csv
import json
import re
import shutil
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from resilience_sim.cli import main
from resilience_sim.comparison import compare_designs, table_rows
from resilience_sim.designs import DESIGN_DIR, load_design, load_designs, shipped_designs
from resilience_sim.params import PARAMS
from resilience_sim.report.catalogue import catalogue
from resilience_sim.scenario import SCENARIO_DIR, load

SMALL = ["covid_lockdown_2020", "--agents", "300", "--days", "90", "--jobs", "1"]
DESIGNS = "baseline,subsidiarity,micro_mobility,continuity_plan_only,all_three"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    """One small comparison of the shipped designs, reports in both languages."""
    out = tmp_path_factory.mktemp("cmp") / "out"
    assert main(["compare", *SMALL, "--designs", DESIGNS, "--replicates", "3", "--lang", "en,fr",
                 "--out", str(out), "--quiet"]) == 0
    return out


def small():
    return load("covid_lockdown_2020").with_values({"organisation.agents": 300, "run.days": 90})


class _Text(HTMLParser):
    """Visible text of a page (SVG text included), without the style sheet."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], False

    def handle_starttag(self, tag, attrs):
        self._skip = tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return " ".join(p.parts)


# --- the library ----------------------------------------------------------------------
def test_shipped_designs_are_the_library_and_every_value_has_its_reason():
    assert {"baseline", "subsidiarity", "micro_mobility", "continuity_plan_only", "all_three"} <= set(shipped_designs())
    for name in shipped_designs():
        d = load_design(name)
        for lv in d.levers:
            assert lv.key in PARAMS
            assert lv.reason["en"] and lv.reason["fr"] and lv.reason["en"] != lv.reason["fr"]
        raw = tomllib.loads((DESIGN_DIR / f"{name}.toml").read_text())
        assert raw["design"]["title"] and raw["design"]["title_fr"]


def test_all_three_is_the_three_tracks_together():
    both = load_design("all_three").values
    assert both == {**load_design("subsidiarity").values, **load_design("micro_mobility").values,
                    **load_design("initiatives").values}
    assert len(load_design("all_three").twinning) == len(load_design("micro_mobility").twinning) > 0


def test_a_design_file_with_an_unknown_key_names_file_key_and_suggestion(tmp_path, capsys):
    bad = tmp_path / "mine.toml"
    bad.write_text('[design]\ntitle = "x"\n\n[[lever]]\nkey = "policy.validation.step"\nvalue = 1\nreason = "r"\n')
    out = tmp_path / "out"
    code = main(["compare", *SMALL, "--designs", f"baseline,{bad}", "--replicates", "2", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(bad) in err and "policy.validation.step" in err and "did you mean 'policy.validation.steps'" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("text, field", [
    ('[[lever]]\nkey = "support.peer"\nvalue = 0.5\n', "lever[0].reason"),
    ('[[lever]]\nkey = "support.peer"\nvalue = 5\nreason = "r"\n', "lever[0].value"),
    ('[[lever]]\nkey = "run.days"\nvalue = 5\nreason = "r"\n', "lever[0].key"),
    ('[levers]\nx = 1\n', "levers"),
    ('[[organisation.twinning]]\na = "x"\nreason = "r"\n', "organisation.twinning[0].b"),
    ('[design]\ninclude = ["nosuch"]\n', "nosuch"),
])
def test_bad_design_files(tmp_path, text, field):
    from resilience_sim.schema import ScenarioError

    f = tmp_path / "d.toml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_design(str(f))
    assert field in str(err.value)


def test_unknown_design_suggests_the_closest(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["compare", *SMALL, "--designs", "baseline,subsidiarty", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "did you mean 'subsidiarity'" in err and not out.exists()


@pytest.mark.parametrize("extra, needle", [
    (["--replicates", "0"], "--replicates"),
    (["--lang", "de"], "unknown language"),
    (["--orgs", "communne_50k"], "did you mean 'commune_50k'"),
    (["--designs", "baseline,baseline"], "listed twice"),
    (["--set-b", "support.peer=1", "--designs", "baseline"], "A/B form"),
])
def test_bad_command_lines(tmp_path, capsys, extra, needle):
    out = tmp_path / "out"
    args = ["compare", *SMALL, "--out", str(out), "--quiet", *extra]
    if "--designs" not in extra:
        args += ["--designs", "baseline,subsidiarity"]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err
    assert not out.exists()


def test_an_org_chart_with_errors_is_refused_before_any_work(tmp_path, capsys):
    bad = tmp_path / "chart.csv"
    bad.write_text("agent,service,manager,level,skills\na1,admin,,0,admin\na2,admin,zz,5,admin\n")
    out = tmp_path / "out"
    code = main(["compare", "covid_lockdown_2020", "--org", str(bad), "--designs", "baseline,subsidiarity",
                 "--jobs", "1", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and str(bad) in err and "zz" in err
    assert not out.exists()


def test_an_existing_output_folder_is_refused_unless_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "my_notes.txt").write_text("mine")
    args = ["compare", *SMALL, "--designs", "baseline,subsidiarity", "--replicates", "2", "--out", str(out), "--quiet"]
    assert main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "my_notes.txt").read_text() == "mine" and len(list(out.iterdir())) == 1
    assert main(args + ["--force"]) == 0
    assert (out / "report.html").is_file() and (out / "comparison.csv").is_file()


# --- known answers ----------------------------------------------------------------------
def test_two_identical_designs_differ_by_exactly_zero(tmp_path):
    copy = tmp_path / "baseline_again.toml"
    shutil.copy(DESIGN_DIR / "baseline.toml", copy)
    designs = load_designs(["baseline", str(copy)])
    res = compare_designs(small(), designs, [None], 3)
    outcomes = res["orgs"][0]["results"]["baseline_again"]["outcomes"]
    assert "area_lost" in outcomes and len(outcomes) > 20
    for key, o in outcomes.items():
        d = o["difference"]
        if d is None:  # never a value in either design (e.g. no adaptive response)
            continue
        assert d["mean"] == 0 and d["low"] <= 0 <= d["high"], key


def test_agents_settling_every_exception_shorten_decision_delays(tmp_path):
    free = tmp_path / "free.toml"
    free.write_text('[[lever]]\nkey = "policy.freedom.risk_limit"\nvalue = 1.0\n'
                    'reason = "agents settle every exception themselves"\n')
    res = compare_designs(small(), load_designs(["baseline", str(free)]), [None], 8)
    o = res["orgs"][0]["results"]["free"]["outcomes"]
    assert o["decision_latency_mean"]["difference"]["high"] < 0
    assert o["decisions_created"]["difference"]["high"] < 0


def test_results_do_not_depend_on_jobs():
    designs = load_designs(["baseline", "subsidiarity"])
    s = small().with_values({"run.days": 60})
    one = compare_designs(s, designs, [None], 2, jobs=1)
    two = compare_designs(s, designs, [None], 2, jobs=2)
    assert json.dumps(one, default=float) == json.dumps(two, default=float)


def test_designs_run_on_several_organisations_and_twinning_is_kept_where_it_fits():
    designs = load_designs(["baseline", "micro_mobility"])
    chart = str(SCENARIO_DIR / "orgchart_example.csv")
    res = compare_designs(small().with_values({"run.days": 60}), designs, ["commune_50k", chart], 2)
    labels = [o["label"] for o in res["orgs"]]
    assert labels == ["commune_50k", "orgchart_example"]
    assert res["orgs"][1]["agents"] == 60  # the org chart at its own size, --agents rescales archetypes only
    assert res["orgs"][0]["left_out"] == {}
    assert len(res["orgs"][1]["left_out"]["micro_mobility"]) == 3  # its services have other names


# --- outputs ----------------------------------------------------------------------------
def test_comparison_csv_has_every_design_and_measure(report_dir):
    rows = list(csv.DictReader(open(report_dir / "comparison.csv", encoding="utf-8")))
    designs = {r["design"] for r in rows}
    assert designs == set(DESIGNS.split(","))
    measures = {r["measure"] for r in rows}
    assert {"area_lost", "react_days", "post_shock_level", "volunteer_hours", "burnout_days"} <= measures
    ref = [r for r in rows if r["design"] == "baseline" and r["measure"] == "area_lost"][0]
    assert float(ref["difference"]) == 0.0
    mm = [r for r in rows if r["design"] == "micro_mobility" and r["measure"] == "volunteer_hours"][0]
    assert float(mm["median"]) > 0 and float(mm["difference"]) > 0
    for r in rows:  # an effect is called clear exactly when the interval excludes zero
        if r["difference_low"]:
            low, high = float(r["difference_low"]), float(r["difference_high"])
            assert r["clear_effect"] == ("1" if low > 0 else "-1" if high < 0 else "0"), r
    data = json.loads((report_dir / "comparison.json").read_text())
    assert len(table_rows(data)) == len(rows)


def test_every_measure_has_words_in_both_languages(report_dir):
    cat = catalogue()
    data = json.loads((report_dir / "comparison.json").read_text())
    keys = data["orgs"][0]["results"]["baseline"]["outcomes"]
    from resilience_sim.model import MEASURES  # every scalar measure of a summary, two-shock ones included

    missing = [k for k in [*keys, *MEASURES] if k not in cat["measure"]]
    assert not missing, f"add these measures to resilience_sim/report/catalogue.toml: {missing}"
    for key, m in cat["measure"].items():
        assert m["en"] != m["fr"] and m["phrase_en"] and m["phrase_fr"], key
    for key, t in cat["text"].items():
        assert set(t) == {"en", "fr"}, key


def test_french_report_has_no_english_measure_name_and_the_reverse(report_dir):
    fr = visible_text((report_dir / "report.fr.html").read_text())
    en = visible_text((report_dir / "report.en.html").read_text())
    cat = catalogue()
    for key, m in cat["measure"].items():
        assert not re.search(rf"\b{re.escape(m['en'])}\b", fr), m["en"]
        assert not re.search(rf"\b{re.escape(m['fr'])}\b", en), m["fr"]
        if "_" in key:
            assert key not in fr and key not in en, key
    assert "perte de service" in fr and "loss of service" in en
    assert re.search(r"\d,\d", fr) and not re.search(r"\d,\d{1,2}\b(?!\d)", en.replace(",000", ""))
    assert "\u202f%" in fr  # a narrow no-break space before % in French


def test_sentences_say_no_clear_effect_when_the_interval_contains_zero(tmp_path):
    from resilience_sim.report import render

    copy = tmp_path / "same.toml"
    shutil.copy(DESIGN_DIR / "baseline.toml", copy)
    res = compare_designs(small().with_values({"run.days": 60}), load_designs(["baseline", str(copy)]), [None], 2)
    en, fr = visible_text(render(res, "en")), visible_text(render(res, "fr"))
    assert "no clear effect on the loss of service" in en
    assert "pas d'effet net sur la perte de service" in fr
    assert "reduces" not in en and "increases" not in en


def test_the_ab_form_still_works_and_reports_every_measure(tmp_path, capsys):
    out = tmp_path / "ab"
    assert main(["compare", *SMALL, "--set-b", "mobility.mode=central", "--replicates", "2", "--out", str(out)]) == 0
    data = json.loads((out / "compare.json").read_text())
    assert {"area_lost", "react_days", "post_shock_level", "volunteer_hours", "moves"} <= set(data["outcomes"])
    md = (out / "compare.md").read_text()
    assert "perte de service" in md and "loss of service" in md
