"""RESULTS.md is a result: the feature benchmarks' records give its section, latest of each."""

import json

from benchmarks import features, report


def _record(folder, stamp, name, measured, met):
    rec = {"name": name, "started_utc": f"2026-12-0{stamp}T10:00:00+00:00", "load": [0.5, 0.4, 0.3],
           "machine": {"commit": "abcdef0123", "uncommitted_changes": False},
           "lines": [features.line(f"goal of {name}", measured, met, "a note")], "data": {}}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"2026120{stamp}T100000Z-{name}.json").write_text(json.dumps(rec))


def test_the_section_shows_the_latest_record_of_each_benchmark(tmp_path):
    folder = tmp_path / "features"
    _record(folder, 1, "sweep", "1.2×", False)
    _record(folder, 2, "sweep", "1.9×", True)
    _record(folder, 1, "checked", "1.05×", True)
    text = features.section(folder)
    assert "1.9×" in text and "1.2×" not in text
    rows = [r for r in text.splitlines() if r.startswith("| `")]
    assert [r.split("|")[1].strip() for r in rows] == ["`checked`", "`sweep`"]
    assert all("| yes |" in r for r in rows)


def test_the_page_holds_the_feature_section_even_before_a_full_run(tmp_path):
    _record(tmp_path / "features", 3, "levers", "+8 %", True)
    page = report.render(tmp_path)
    assert "No full run recorded yet" in page and "## Feature benchmarks" in page and "+8 %" in page


def test_a_benchmark_run_without_record_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(features, "FEATURES", tmp_path / "features")
    assert features.save("checked", [features.line("g", "1.0×", True)], {}, record=False) is None
    assert not (tmp_path / "features").exists()
    assert "checked: g: 1.0× (met)" in capsys.readouterr().out
