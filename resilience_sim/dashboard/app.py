"""The workshop dashboard: a Solara page over :class:`~resilience_sim.model.OrganisationModel`.

Started by ``resilience-sim dashboard [SCENARIO] [--lang fr|en] [--port P]`` (see
:mod:`.server`), which passes the scenario and the language in the environment
(``RESILIENCE_SIM_SCENARIO``, ``RESILIENCE_SIM_LANG``). The sidebar holds the levers,
generated from the parameter declarations and grouped by track (:mod:`.labels`), and
reset, play, one day and speed; the page shows the performance curve against the
baseline, the organisation as a network, decision queues by level, redeployments,
initiatives, the four capacities and what changed. A setting the scenario refuses is
shown as a message and the model keeps its previous settings; an unexpected error is
shown as one line, never as a traceback.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from html import escape

import solara

from ..scenario import DEFAULT_SCENARIO, load, shipped
from . import figures, session
from .labels import CHOICES, TEXT, Lever, scenario_levers, tracks

log = logging.getLogger("resilience_sim.dashboard")
SCENARIO = os.environ.get("RESILIENCE_SIM_SCENARIO", DEFAULT_SCENARIO)
SCENARIOS = shipped() + ([] if SCENARIO in shipped() else [SCENARIO])
LANG = os.environ.get("RESILIENCE_SIM_LANG", "fr")


def _step_size(lever: Lever) -> float:
    """A round slider step: about a fiftieth of the slider's range."""
    low, high = lever.param.low or 0.0, lever.high or 1.0
    raw = (high - low) / 50 or 0.01
    scale = 10 ** int(f"{raw:e}".split("e")[1])
    return next(m * scale for m in (1, 2, 5, 10) if m * scale >= raw)


def Line(text: str, kind: str = "rs-line"):
    """One line of text, as its own block."""
    return solara.HTML(tag="div", unsafe_innerHTML=escape(text), classes=[kind])


def _shown(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@solara.component
def LeverControl(lever: Lever, value, on_change, lang: str):
    """One lever: a switch, a choice or a slider (with a switch to leave it unset if it may be)."""
    p, label = lever.param, lever.label(lang)
    if p.kind == "bool":
        solara.Switch(label=label, value=bool(value), on_value=on_change)
        return
    if p.kind == "choice":
        items = [{"text": CHOICES[lang].get(c, c), "title": CHOICES[lang].get(c, c), "value": c}
                 for c in p.choices]
        solara.v.Select(label=label, items=items, v_model=value, on_v_model=on_change, dense=True,
                        item_text="text", item_value="value")
        return
    if p.default is None:
        solara.Switch(label=label if value is None else f"{label} : {_shown(value)}", value=value is not None,
                      on_value=lambda on: on_change(p.low if on else None))
        if value is None:
            return
    else:
        Line(f"{label} : {_shown(value)}", "rs-lever")
    low, high = p.low or 0, lever.high if lever.high is not None else (p.low or 0) + 100
    if p.kind == "int":
        solara.SliderInt(label="", value=int(value), min=int(low), max=int(high), on_value=on_change)
    else:
        solara.SliderFloat(label="", value=float(value), min=float(low), max=float(high),
                           step=_step_size(lever), on_value=on_change)


@solara.component
def Levers(scenario: str, levers: dict, on_change, lang: str):
    """The levers of each track, then the organisation's size and the horizon."""
    spec = load(scenario)
    t = TEXT[lang]

    def current(lv: Lever):
        return levers.get(lv.keyword, spec[lv.param.key])

    for name, _fr, _en, group in tracks():
        with solara.Details(summary=t["tracks"][name], expand=name != "initiatives"):
            if not group:
                solara.Text(t["no_levers"])
            for lv in group:
                LeverControl(lv, current(lv), lambda v, lv=lv: on_change(lv, v), lang)
    with solara.Details(summary=t["organisation"], expand=False):
        for lv in scenario_levers():
            LeverControl(lv, current(lv), lambda v, lv=lv: on_change(lv, v), lang)


@solara.component
def Views(model, lang: str, moved: bool, lock: threading.Lock, tick: int):
    """Everything the room looks at, from one snapshot of the run."""
    t = TEXT[lang]
    try:
        with lock:
            snap = session.snapshot(model)
    except Exception as err:  # a view never shows a traceback to the room
        log.exception("snapshot failed")
        solara.Error(f"{type(err).__name__}: {err}")
        return
    solara.Text(t["day"].format(day=snap.day, days=snap.days), classes=["rs-day"],
                style={"font-size": "1.3em", "font-weight": "bold"})
    solara.HTML(tag="div", unsafe_innerHTML=figures.performance(snap, lang))
    with solara.Card(t["changed"]):
        for sentence in session.what_changed(snap, moved, lang):
            Line(sentence, "rs-changed")
    with solara.Columns([3, 2]):
        solara.HTML(tag="div", unsafe_innerHTML=figures.network(snap, lang))
        with solara.Column():
            solara.HTML(tag="div", unsafe_innerHTML=figures.queues(snap, lang))
            with solara.Card(t["capacities"]):
                for name, text in session.capacities(snap, lang):
                    Line(f"{name} : {text}" if lang == "fr" else f"{name}: {text}", "rs-capacity")
    with solara.Columns([1, 1]):
        with solara.Card(t["flows"]):
            rows = session.flows(snap)
            if not rows:
                Line(t["no_flows"])
            for home, there, n in rows:
                Line(f"{home} → {there} : {n}", "rs-flow")
        with solara.Card(t["initiatives"]):
            for line in session.initiatives(snap, lang):
                Line(line, "rs-initiative")


@solara.component
def Page():
    """The dashboard page."""
    lang = solara.use_reactive(LANG if LANG in TEXT else "fr")
    scenario = solara.use_reactive(SCENARIO)
    levers = solara.use_reactive({})
    first = solara.use_memo(lambda: session.try_build(SCENARIO, {}, lang.value), [])
    model = solara.use_reactive(first[0])
    error = solara.use_reactive(first[1])
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(10)
    tick = solara.use_reactive(0)
    lock = solara.use_memo(threading.Lock, [])
    t = TEXT[lang.value]

    def rebuild(name: str, new_levers: dict) -> None:
        built, message = session.try_build(name, new_levers, lang.value)
        if built is None:
            error.value = message
            return
        playing.value = False  # the play loop stops; the old model is simply dropped
        model.value = built  # not under the lock: setting a value renders the views, which take it
        scenario.value, levers.value, error.value = name, new_levers, None

    def change(lv: Lever, value) -> None:
        new = dict(levers.value)
        if value == load(scenario.value)[lv.param.key]:
            new.pop(lv.keyword, None)
        else:
            new[lv.keyword] = value
        rebuild(scenario.value, new)

    def advance(days: int) -> None:
        m = model.value
        with lock:
            for _ in range(days):
                if not m.running:
                    break
                m.step()
        tick.value += 1

    def play() -> None:
        try:
            while playing.value and model.value is not None and model.value.running:
                advance(speed.value)
                time.sleep(0.01)
        except Exception as err:  # shown as one line, logged in full on the server
            log.exception("step failed")
            error.value = f"{type(err).__name__}: {err}"
        playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)
    solara.Title(t["title"])
    with solara.Sidebar():
        with solara.Row():
            for code in ("fr", "en"):
                solara.Button(code.upper(), text=lang.value != code, color="primary", classes=[f"rs-lang-{code}"],
                              on_click=lambda code=code: lang.set(code))
        solara.v.Select(label=t["scenario"], items=SCENARIOS, v_model=scenario.value,
                        on_v_model=lambda name: rebuild(name, levers.value), dense=True)
        running = model.value is not None and model.value.running
        with solara.Row():
            solara.Button(t["reset"], on_click=lambda: rebuild(scenario.value, levers.value), classes=["rs-reset"])
            solara.Button(t["pause"] if playing.value else t["play"], color="primary", disabled=not running,
                          on_click=lambda: playing.set(not playing.value), classes=["rs-play"])
            solara.Button(t["step"], disabled=playing.value or not running, on_click=lambda: advance(1),
                          classes=["rs-step"])
        solara.SliderInt(label=t["speed"], value=speed, min=1, max=30)
        if error.value:
            solara.Error(error.value, classes=["rs-error"])
        solara.Text(t["levers"], style={"font-weight": "bold"})
        Levers(scenario.value, levers.value, change, lang.value)
    if model.value is not None:
        Views(model.value, lang.value, session.moved_from_baseline(levers.value), lock, tick.value)
