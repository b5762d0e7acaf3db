"""The comparison report in a real headless browser (Debian's Chromium driven by Playwright).

The page must load from disk with no console error and no failed request (it is
self-contained), show every figure and table, and print to PDF. A screenshot of each
language is kept under ``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from resilience_sim.cli import main
from resilience_sim.report import CHROMIUM, CHROMIUM_ARGS

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FIGURES = ("performance", "triangle", "human", "tradeoff", "decisions")
TABLES = ("shock", "capacities", "measures")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser") / "out"
    assert main(["compare", "covid_lockdown_2020", "--agents", "300", "--days", "90", "--designs",
                 "baseline,subsidiarity,micro_mobility", "--orgs", "commune_50k,departement", "--replicates", "2",
                 "--lang", "en,fr", "--pdf", "--out", str(folder), "--quiet"]) == 0
    return folder


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_loads_with_no_error_and_shows_every_figure_and_table(out, browser, lang):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((out / f"report.{lang}.html").as_uri(), wait_until="load")
    assert problems == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests  # nothing from the network
    assert page.evaluate("document.documentElement.lang") == lang
    for org in range(2):  # two organisations, every figure for each
        for name in FIGURES:
            fig = page.locator(f"figure[data-figure='{name}']").nth(org)
            assert fig.locator("svg").count() == 1, name
            box = fig.locator("svg").bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100, name
            assert len(fig.locator("figcaption p").all_inner_texts()) >= 2, name
    assert page.locator("figure[data-figure='across'] svg").count() == 1
    for name in TABLES:
        assert page.locator(f"table[data-table='{name}'] tbody tr").count() > 0, name
    assert page.locator("td.best").count() > 0  # the best design per capacity row is marked
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"report_{lang}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.close()


def test_pdf_is_printed_by_the_same_browser(out):
    for lang in ("en", "fr"):
        pdf = out / f"report.{lang}.pdf"
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(out / "report.fr.pdf", ARTIFACTS / "report_fr.pdf")
