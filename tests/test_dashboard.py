"""The workshop dashboard: levers from declarations, refusals, figures, the command, the page in a browser."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from resilience_sim import cli
from resilience_sim.dashboard import assets, figures, labels, session
from resilience_sim.params import PARAMS
from resilience_sim.schema import Param

ARTEFACTS = Path(__file__).resolve().parent.parent / "out" / "test-artefacts"
CHROMIUM = "/usr/bin/chromium"


def test_levers_come_from_the_declarations_grouped_by_track():
    groups = {name: levers for name, _fr, _en, levers in labels.tracks()}
    assert set(groups) == {"subsidiarity", "mobility", "initiatives"}
    keys = {lv.param.key for levers in groups.values() for lv in levers}
    assert {"policy.validation.steps", "mobility.mode", "hr.crisis_cell"} <= keys
    assert set(labels.CATALOGUE) <= set(PARAMS)
    for levers in groups.values():
        for lv in levers:
            assert lv.param is PARAMS[lv.param.key]  # the declaration itself, not a copy
            assert lv.fr and lv.en
            if lv.param.high is not None:
                assert lv.high <= lv.param.high
    assert labels.lever("policy.reporting.agent_hours").label("fr") == "Reporting d'un agent (h/semaine)"
    assert labels.lever("policy.reporting.agent_hours").label("en") == "Reporting of an agent (h/week)"


def test_initiative_parameters_join_their_track_by_prefix(monkeypatch):
    fake = Param("initiatives.support", "float", 0.0, 0, 1, "share", "support of spontaneous initiatives")
    monkeypatch.setitem(PARAMS, fake.key, fake)
    groups = {name: levers for name, _fr, _en, levers in labels.tracks()}
    keys = [lv.param.key for lv in groups["initiatives"]]
    assert "initiatives.support" in keys and all(k.startswith("initiatives.") for k in keys)
    fake_lever = next(lv for lv in groups["initiatives"] if lv.param.key == "initiatives.support")
    assert fake_lever.label("en") == "support of spontaneous initiatives"


def test_an_invalid_combination_is_refused_with_a_message():
    model, message = session.try_build("covid_lockdown_2020", {"run_days": 20, "n_agents": 100}, "fr")
    assert model is None
    assert message.startswith("Réglage refusé — shock.components[0].start")
    assert "lengthen run.days" in message and "Traceback" not in message
    model, message = session.try_build("covid_lockdown_2020", {"mobility_mod": "central"}, "en")
    assert model is None and "did you mean 'mobility_mode'" in message


def test_snapshot_figures_and_sentences_follow_the_run():
    levers = {"n_agents": 150, "run_days": 90, "mobility_mode": "central"}
    model, message = session.try_build("covid_lockdown_2020", levers, "en")
    assert message is None
    first = figures.performance(session.snapshot(model), "en")
    for _ in range(60):
        model.step()
    snap = session.snapshot(model)
    assert snap.day == 60 and len(snap.baseline) == 90
    later = figures.performance(snap, "en")
    assert later != first and later.count("<polyline") == 2
    net = figures.network(snap, "fr")
    assert net.count('class="rs-service"') == len(snap.service_names)
    assert net.count('class="rs-desk"') == len(snap.manager_level)
    assert figures.queues(snap, "fr").count('class="rs-queue"') == 5
    sentences = session.what_changed(snap, session.moved_from_baseline(levers), "en")
    assert 2 <= len(sentences) <= 3 and sentences[0].startswith("Up to day 60")
    assert session.what_changed(snap, session.moved_from_baseline({"n_agents": 150}), "fr")[0].startswith(
        "Vos leviers sont ceux de la référence")
    assert [name for name, _ in session.capacities(snap, "fr")] == [
        "Réagir", "Réduire l'impact", "Rebondir", "S'adapter"]


def test_initiatives_panel_counts_in_the_page_language():
    levers = {"n_agents": 150, "run_days": 60}
    model, _ = session.try_build("covid_lockdown_2020", levers, "fr")
    assert session.initiatives(session.snapshot(model), "fr")[0].startswith("Initiatives sans mandat désactivées")
    on, _ = session.try_build("covid_lockdown_2020", {**levers, "initiatives_enabled": True}, "fr")
    for _ in range(50):
        on.step()
    lines = session.initiatives(session.snapshot(on), "fr")
    launched = int(lines[0].split(" : ")[1])
    assert lines[0].startswith("lancées : ") and launched == on.summary()["initiatives_launched"] > 0
    assert session.initiatives(session.snapshot(on), "en")[2].startswith("blocked: ")


def test_every_initiatives_lever_has_a_short_label_in_both_languages():
    from resilience_sim.params import PARAMS

    for key in (k for k in PARAMS if k.startswith("initiatives.")):
        lv = labels.lever(key)
        assert lv.fr != lv.en and len(lv.fr) < 60 and len(lv.en) < 60, key


def test_mesa_solaraviz_page_has_the_levers_and_steps_the_model():
    """The model in Mesa's own SolaraViz: an input per lever, named as OrganisationModel's keywords."""
    import inspect

    import ipyvuetify as v
    import solara

    from resilience_sim.dashboard import mesa_viz
    from resilience_sim.model import OrganisationModel

    params = mesa_viz.model_params("covid_lockdown_2020", "fr")
    keywords = inspect.signature(OrganisationModel).parameters
    assert set(params) <= set(keywords)
    assert params["mobility_mode"] == {"type": "Select", "value": "off", "values": ["off", "central", "peer"],
                                       "label": "Micro-mobilité"}
    assert "policy_validation_tacit_days" not in params  # unset in the scenario: SolaraViz cannot show "unset"
    page = mesa_viz.page("covid_lockdown_2020", "en")
    _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)
    selects = [w.label for w in rc.find(v.Select).widgets]
    assert "Micro-mobility" in selects and "Who decides (preset)" in selects
    step = rc.find(v.Btn, children=["Step"])
    step.assert_single()
    for _ in range(3):
        step.widget.click()
    assert rc.find(v.Html, children=["Time: 3.0"]).widgets  # the model stepped three days


def test_mesa_page_is_served_by_the_dashboard_command():
    from resilience_sim.dashboard import server

    assert server.command("127.0.0.1", 8000, mesa=True)[4] == "resilience_sim.dashboard.mesa_viz"
    assert server.environment("flood", "en", mesa=True)["RESILIENCE_SIM_MESA_PAGE"] == "1"
    assert "RESILIENCE_SIM_MESA_PAGE" not in server.environment("flood", "en")


def test_tree_layout_puts_parents_over_their_children():
    parent = np.array([-1, 0, 0, 1, 1, 2])
    x = figures.tree_x(parent)
    assert x[1] == (x[3] + x[4]) / 2 and x[0] == (x[1] + x[2]) / 2 and len(set(x[[3, 4, 5]])) == 3


def test_assets_report_what_is_missing(tmp_path):
    assert len(assets.missing(tmp_path)) == len(assets.PACKAGES)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_port_in_use_is_a_clear_error(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = cli.main(["dashboard", "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"port {port} on 127.0.0.1 is in use" in err and "--port" in err and "Traceback" not in err


def test_missing_assets_are_a_clear_error(capsys, monkeypatch, tmp_path):
    from solara.server.settings import assets as settings

    monkeypatch.setattr(settings, "proxy_cache_dir", tmp_path)
    assert cli.main(["dashboard", "--port", str(_free_port())]) == 2
    assert "python -m resilience_sim.dashboard.assets" in capsys.readouterr().err


def test_bad_scenario_is_a_clear_error(capsys):
    assert cli.main(["dashboard", "no_such_scenario", "--port", str(_free_port())]) == 2
    assert "no such file or shipped scenario" in capsys.readouterr().err


def _browser_ready() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if shutil.which("playwright", path=str(Path(sys.executable).parent)) is None:
        return "playwright is missing (pip install -e '.[test]')"
    if assets.missing():
        return "solara assets are missing (python -m resilience_sim.dashboard.assets)"
    return None


@pytest.fixture
def dashboard(tmp_path):
    """A dashboard server on a free local port; yields (url, log file)."""
    port = _free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "resilience_sim.cli", "dashboard", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _day(page) -> int:
    return int(page.inner_text(".rs-day").split()[1])


@pytest.mark.skipif(_browser_ready() is not None, reason=str(_browser_ready()))
def test_dashboard_in_a_browser(dashboard):
    from playwright.sync_api import sync_playwright

    url, log = dashboard
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        outside = []
        page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
                else outside.append(r.url))
        page.goto(url)
        page.wait_for_selector(".rs-day", timeout=180_000)
        assert _day(page) == 0
        curve0 = page.get_attribute(".rs-current", "points")
        services = page.locator("svg.rs-network .rs-service")
        loads0 = services.evaluate_all("els => els.map(e => e.getAttribute('data-load'))")
        # a lever: freedom to adapt the rule, clicked at 40 % of its track
        page.get_by_text("Liberté d'adapter la règle").wait_for()
        track = page.locator(".rs-lever:has-text('Liberté d') + .v-slider .v-slider-track").first
        track.scroll_into_view_if_needed()
        box = track.bounding_box()
        page.mouse.click(box["x"] + 0.4 * box["width"], box["y"] + box["height"] / 2)
        page.wait_for_function("document.body.innerText.split('\\n').some(l => l.startsWith(\"Liberté d'adapter\") "
                               "&& !l.endsWith(': 0'))", timeout=60_000)
        assert "les deux courbes sont identiques" not in page.inner_text("body")
        lever = next(line for line in page.inner_text("body").splitlines() if line.startswith("Liberté d'adapter"))
        assert float(lever.rsplit(":", 1)[1]) > 0, lever
        # play; measure days per second while drawing
        page.click(".rs-play")
        page.wait_for_function("parseInt(document.querySelector('.rs-day').innerText.split(' ')[1]) >= 20",
                               timeout=120_000)
        start_day, start = _day(page), time.perf_counter()
        page.wait_for_function("parseInt(document.querySelector('.rs-day').innerText.split(' ')[1]) >= 150",
                               timeout=180_000)
        days_per_second = (_day(page) - start_day) / (time.perf_counter() - start)
        (ARTEFACTS / "dashboard_speed.json").write_text(json.dumps(
            {"scenario": "covid_lockdown_2020 (commune_50k)", "days_per_frame": 10,
             "days_per_second": round(days_per_second, 1)}))
        print(f"dashboard: {days_per_second:.1f} days/s while drawing")
        page.wait_for_function("!document.querySelector('.rs-play').disabled", timeout=120_000)
        assert page.get_attribute(".rs-current", "points") != curve0
        assert services.evaluate_all("els => els.map(e => e.getAttribute('data-load'))") != loads0
        assert "Jusqu'au jour" in page.inner_text("body")
        page.screenshot(path=str(ARTEFACTS / "dashboard_fr.png"), full_page=True)
        # an invalid combination: a horizon of one day, before the shock starts
        page.get_by_text("Organisation et horizon").click()
        track = page.locator(".rs-lever:has-text('Horizon') + .v-slider .v-slider-track").first
        track.wait_for()
        time.sleep(1)  # the panel opens
        track.scroll_into_view_if_needed()
        box = track.bounding_box()
        page.mouse.click(box["x"] + 0.03 * box["width"], box["y"] + box["height"] / 2)  # about 20 days
        page.wait_for_selector(".rs-error", timeout=60_000)
        assert "Réglage refusé" in page.inner_text(".rs-error")
        # English
        page.click(".rs-lang-en")
        page.wait_for_selector("text=What changed compared with the baseline", timeout=60_000)
        page.screenshot(path=str(ARTEFACTS / "dashboard_en.png"), full_page=True)
        body = page.inner_text("body")
        browser.close()
    text = log.read_text()
    assert "Traceback" not in body and "Traceback" not in text, text[-3000:]
    assert "Could not load URL" not in text
    assert outside == []
