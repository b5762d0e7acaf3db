"""The comparison report: a self-contained HTML page (and its PDF) in English or French.

``render(result, lang)`` fills ``templates/report.html.j2`` (Jinja2) with the numbers of a
comparison (:func:`resilience_sim.comparison.compare_designs`), figures as inline SVG and
sentences generated from the numbers; the page loads nothing from the network.
``print_pdf(html_path, pdf_path)`` prints it with the system's headless Chromium through
Playwright (no downloaded browser).
"""

from __future__ import annotations

import datetime as dt
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..comparison import clear_effect
from ..schema import ScenarioError
from . import figures, sentences
from .catalogue import Words

#: the four capacities (DESIGN §1.5) and the measures of each, in the capacities table
CAPACITIES = (
    ("cap_react", ("react_days", "days_to_min")),
    ("cap_reduce", ("depth", "area_lost", "min_performance", "unmet_essential")),
    ("cap_rebound", ("days_to_recover", "resilience_index")),
    ("cap_adapt", ("post_shock_level",)),
)
HUMAN = ("fatigue_max", "manager_fatigue_max", "burnout_days", "engagement_change")
DECISIONS = ("decision_latency_mean", "decision_errors", "decisions_withdrawn", "moves", "redeployed_agent_days",
             "volunteer_hours")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
_TEMPLATES = Path(__file__).with_name("templates")


def _version() -> str:
    try:
        return version("resilience_sim")
    except PackageNotFoundError:
        return "dev"


def render(result: dict, lang: str, today: dt.date | None = None) -> str:
    """The report as one HTML page in ``lang`` (``en`` or ``fr``)."""
    w = Words(lang)
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(**context(result, w, today or dt.date.today()))


def context(result: dict, w: Words, today: dt.date) -> dict:
    """Everything the template shows, already in words and formatted numbers."""
    designs, ref, r = result["designs"], result["reference"], result["replicates"]
    end = max((c["end"] if c["end"] is not None else result["days"] for c in result["shock"]), default=None)
    orgs = [_org_block(org, designs, ref, r, w, result["onset"], end) for org in result["orgs"]]
    across = None
    if len(result["orgs"]) > 1:
        across = {"svg": Markup(figures.across_orgs(result["orgs"], designs, ref, w)),
                  "sentences": sentences.across(w, result["orgs"], designs, ref)}
    ref_title = next(d["title"][w.lang] for d in designs if d["name"] == ref)
    return {
        "lang": w.lang, "t": w.t, "title": w.t("title"),
        "subtitle": w.t("subtitle", scenario=result["title"] or result["scenario"], replicates=r),
        "generated": w.t("generated", version=_version(), date=_date(today, w), replicates=r),
        "reference_sentence": w.t("s_reference_is", design=ref_title),
        "description": result["description"],
        "fork": w.t("fork", **result["fork"]) if result.get("fork") else None,
        "shock_intro": w.t("shock_intro", days=result["days"], onset=result["onset"],
                           start=_date(dt.date.fromisoformat(result["start_date"]), w)),
        "components": [_component(c, w) for c in result["shock"]],
        "designs": [_design_block(d, ref, w) for d in designs], "orgs": orgs, "across": across,
    }


def _date(today: dt.date, w: Words) -> str:
    from babel.dates import format_date

    return format_date(today, format="long", locale=w.locale)


def _component(c: dict, w: Words) -> dict:
    days = f"{c['start']}–{c['end']}" if c["end"] is not None else f"{c['start']}–"
    return {"kind": w.t(f"kind_{c['kind']}"), "tag": c["tag"], "days": days,
            "value": w.plain(c["value"]), "source": c.get("source", "")}


def _design_block(d: dict, ref: str, w: Words) -> dict:
    return {"name": d["name"], "title": d["title"][w.lang], "summary": d["summary"][w.lang],
            "is_reference": d["name"] == ref,
            "levers": [{"key": lv["key"], "value": _value(lv["value"], w), "reason": lv["reason"][w.lang]}
                       for lv in d["levers"]],
            "twinning": [f"{p['a']} ↔ {p['b']}" for p in d["twinning"]]}


def _value(v, w: Words) -> str:
    if isinstance(v, bool) or isinstance(v, str) or v is None:
        return str(v).lower() if isinstance(v, bool) else str(v)
    return w.plain(v)


def _org_block(org: dict, designs: list[dict], ref: str, r: int, w: Words, onset, end) -> dict:
    managers = ", ".join(w.number(org["managers_by_level"][str(k)], "count") for k in range(5))
    left = [w.t("left_out", org=org["label"], pairs=", ".join(f"{p['a']} ↔ {p['b']}" for p in pairs))
            for pairs in org["left_out"].values()]
    titles = {d["name"]: d["title"][w.lang] for d in designs}
    left += [w.t("levers_left_out", design=titles.get(name, name),
                 levers=", ".join(f"{lv['key']} = {_value(lv['value'], w)}" for lv in levers))
             for name, levers in org.get("levers_left_out", {}).items()]
    left = list(dict.fromkeys(left))
    cap_rows, best_count, n_rows = _capacities(org, designs, w, ref)
    return {
        "label": org["label"], "left_out": left,
        "line": w.t("org_line", label=org["label"], agents=w.number(org["agents"], "count"),
                    services=org["services"], institutions=org["institutions"], managers=managers),
        "performance": {"svg": Markup(figures.performance(org, designs, w, onset, end)),
                        "sentences": sentences.performance(w, org, designs, ref, r)},
        "triangle": {"svg": Markup(figures.triangles(org, designs, w)),
                     "sentences": sentences.triangle(w, org, designs, ref, r)},
        "capacities": {"rows": cap_rows, "sentences": sentences.capacities(w, best_count, n_rows, designs)
                       + sentences.effects(w, org, designs, ref, "unmet_essential", r)},
        "human": {"svg": Markup(figures.panels(org, designs, w, HUMAN)),
                  "sentences": sentences.human(w, org, designs, ref, r)},
        "tradeoff": {"svg": Markup(figures.tradeoff(org, designs, w)),
                     "sentences": sentences.tradeoff(w, org, designs, ref)},
        "decisions": {"svg": Markup(figures.panels(org, designs, w, DECISIONS)),
                      "sentences": sentences.decisions(w, org, designs, ref, r)},
        "all": _all_rows(org, designs, w, ref),
        "design_titles": [d["title"][w.lang] for d in designs],
    }


def _cell(o: dict | None, w: Words, kind: str, is_ref: bool) -> dict:
    if not o or o.get("median") is None:
        return {"band": w.t("never") if o and o.get("missing") else "—", "change": "", "clear": 0, "note": ""}
    note = w.t("missing_note", missing=o["missing"], n=o["n"] + o["missing"]) if o.get("missing") else ""
    change = ""
    if not is_ref and o.get("difference"):
        rel = o.get("relative")
        if rel and rel.get("low") is not None:
            change = w.percent(rel["mean"], True) + " " + w.t("interval", low=w.percent(rel["low"], True),
                                                               high=w.percent(rel["high"], True))
        else:
            change = w.number(o["difference"]["mean"], kind, True) + " " + w.interval(o["difference"], kind)
        if clear_effect(o) == 0:
            change += " · " + w.t("no_clear_effect")
    return {"band": w.band(o, kind), "change": change, "clear": clear_effect(o), "note": note}


def _capacities(org: dict, designs: list[dict], w: Words, ref: str) -> tuple[list[dict], dict[str, int], int]:
    rows, best_count, n_rows = [], {}, 0
    for cap, keys in CAPACITIES:
        for i, key in enumerate(keys):
            m = w.measure(key)
            outs = [org["results"][d["name"]]["outcomes"].get(key) for d in designs]
            # a design whose measure is missing in some replicates (e.g. never recovered) is not ranked
            meds = [(o["median"], k) for k, o in enumerate(outs) if o and o.get("median") is not None
                    and not o.get("missing")]
            best = None
            if meds and m["better"] in ("lower", "higher") and len({v for v, _ in meds}) > 1:
                best = (min(meds) if m["better"] == "lower" else max(meds))[1]
                best_count[designs[best]["name"]] = best_count.get(designs[best]["name"], 0) + 1
                n_rows += 1
            rows.append({"capacity": w.t(cap) if i == 0 else "", "span": len(keys) if i == 0 else 0,
                         "label": m["label"] + (f" ({m['unit']})" if m["unit"] else ""),
                         "cells": [dict(_cell(o, w, m["kind"], d["name"] == ref),
                                        best=(k == best)) for k, (o, d) in enumerate(zip(outs, designs, strict=True))]})
    return rows, best_count, n_rows


def _all_rows(org: dict, designs: list[dict], w: Words, ref: str) -> list[dict]:
    keys = list(next(iter(org["results"].values()))["outcomes"])
    rows = []
    for key in keys:
        m = w.measure(key)
        rows.append({"label": m["label"] + (f" ({m['unit']})" if m["unit"] else ""),
                     "cells": [_cell(org["results"][d["name"]]["outcomes"].get(key), w, m["kind"], d["name"] == ref)
                               for d in designs]})
    return rows


def print_pdf(html: Path, pdf: Path) -> None:
    """Print ``html`` to ``pdf`` (A4) with the system's headless Chromium through Playwright.

    Raises:
        ScenarioError: when Playwright or Chromium is not installed (how to install them).

    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ScenarioError("--pdf", "playwright", "is not installed; pip install 'resilience_sim[pdf]' "
                            "(and apt-get install chromium)") from None
    if not Path(CHROMIUM).exists():
        raise ScenarioError("--pdf", CHROMIUM, "no Chromium found; apt-get install chromium (Debian)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.pdf(path=str(pdf), format="A4", print_background=True,
                     margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()
