"""Plain sentences generated from the numbers of a comparison, in the report's language.

An effect is stated ("reduces … by 18 % [12 %, 24 %]") only when the paired 95 %
interval of the difference excludes zero; otherwise the design is listed under
"no clear effect". Relative changes are shown when the reference's mean is not zero,
else the absolute difference with its unit.
"""

from __future__ import annotations

from ..comparison import clear_effect
from .catalogue import Words


def effect(w: Words, title: str, block: dict, key: str) -> str | None:
    """The sentence for a clear effect of a design on a measure, or None when there is none."""
    sign = clear_effect(block)
    if sign == 0:
        return None
    m = w.measure(key)
    rel = block.get("relative")
    verb = "down" if sign < 0 else "up"
    if rel and rel.get("low") is not None:
        lo, hi = (-rel["high"], -rel["low"]) if sign < 0 else (rel["low"], rel["high"])
        return w.t(f"s_effect_{verb}", design=title, phrase=m["phrase"], rel=w.percent(abs(rel["mean"])),
                   interval=w.t("interval", low=w.percent(lo), high=w.percent(hi)))
    d = block["difference"]
    lo, hi = (-d["high"], -d["low"]) if sign < 0 else (d["low"], d["high"])
    unit = f" {m['unit']}" if m["unit"] else ""
    return w.t(f"s_effect_{verb}_abs", design=title, phrase=m["phrase"],
               abs=w.number(abs(d["mean"]), m["kind"]) + unit,
               interval=w.t("interval", low=w.number(lo, m["kind"]), high=w.number(hi, m["kind"])))


def effects(w: Words, org: dict, designs: list[dict], reference: str, key: str, replicates: int,
            most: int = 1) -> list[str]:
    """The ``most`` largest clear effects on ``key``, then who has no clear effect."""
    clear, none = [], []
    for d in designs:
        if d["name"] == reference:
            continue
        block = org["results"][d["name"]]["outcomes"].get(key)
        if block is None or block.get("difference") is None:
            continue
        text = effect(w, d["title"][w.lang], block, key)
        if text is None:
            none.append(d["title"][w.lang])
        else:
            size = abs((block.get("relative") or block["difference"])["mean"])
            clear.append((size, text))
    out = [t for _, t in sorted(clear, key=lambda c: -c[0])[:most]]
    phrase = w.measure(key)["phrase"]
    if none:
        out.append(w.t("s_no_effect", designs=", ".join(none), phrase=phrase))
    elif clear:
        out.append(w.t("s_all_clear", phrase=phrase, replicates=replicates))
    return out


def _median(org: dict, name: str, key: str) -> float | None:
    return org["results"][name]["outcomes"].get(key, {}).get("median")


def performance(w: Words, org: dict, designs: list[dict], reference: str, replicates: int) -> list[str]:
    """Under the performance curves."""
    out = [w.t("s_performance", replicates=replicates)]
    depths = [(_median(org, d["name"], "depth"), d["title"][w.lang]) for d in designs]
    depths = [x for x in depths if x[0] is not None]
    if len(depths) > 1:
        worst, best = max(depths), min(depths)
        out.append(w.t("s_lowest", worst=worst[1], worst_depth=w.percent(worst[0]), best=best[1],
                       best_depth=w.percent(best[0])))
    return out + effects(w, org, designs, reference, "area_lost", replicates)


def triangle(w: Words, org: dict, designs: list[dict], reference: str, replicates: int) -> list[str]:
    """Under the loss triangles."""
    out = [w.t("s_triangle")]
    ref = next(d for d in designs if d["name"] == reference)
    block = org["results"][reference]["outcomes"].get("area_lost", {})
    if block.get("median") is not None:
        m = w.measure("area_lost")
        out.append(w.t("s_triangle_ref", design=ref["title"][w.lang], band=w.band(block, m["kind"]), unit=m["unit"]))
    return out + effects(w, org, designs, reference, "days_to_recover", replicates)


def capacities(w: Words, best: dict[str, int], n_rows: int, designs: list[dict]) -> list[str]:
    """Under the capacities table: who is best most often."""
    if not best:
        return []
    name = max(best, key=lambda k: best[k])
    title = next(d["title"][w.lang] for d in designs if d["name"] == name)
    return [w.t("s_capacities", design=title, n=best[name], m=n_rows)]


def human(w: Words, org: dict, designs: list[dict], reference: str, replicates: int) -> list[str]:
    """Under the human cost panels."""
    return [w.t("s_human")] + effects(w, org, designs, reference, "burnout_days", replicates)


def tradeoff(w: Words, org: dict, designs: list[dict], reference: str) -> list[str]:
    """Under the trade-off chart: what the design losing least service pays."""
    out = [w.t("s_tradeoff")]
    ranked = [(v, d) for d in designs if (v := _median(org, d["name"], "area_lost")) is not None]
    if not ranked:
        return out
    best = min(ranked, key=lambda x: x[0])[1]
    if best["name"] == reference:
        return out
    parts = []
    for key in ("decision_errors", "burnout_days"):
        block = org["results"][best["name"]]["outcomes"].get(key, {})
        m = w.measure(key)
        sign = clear_effect(block)
        if sign == 0:
            parts.append(w.t("s_tradeoff_effect_none", phrase=m["phrase"]))
        else:
            d = block["difference"]
            lo, hi = (-d["high"], -d["low"]) if sign < 0 else (d["low"], d["high"])
            parts.append(w.t("s_tradeoff_effect_down" if sign < 0 else "s_tradeoff_effect_up", phrase=m["phrase"],
                             abs=w.number(abs(d["mean"]), m["kind"]),
                             interval=w.t("interval", low=w.number(lo, m["kind"]), high=w.number(hi, m["kind"]))))
    out.append(w.t("s_tradeoff_best", design=best["title"][w.lang], errors=parts[0], burnout=parts[1]) + ".")
    return out


def decisions(w: Words, org: dict, designs: list[dict], reference: str, replicates: int) -> list[str]:
    """Under the decisions and redeployments panels."""
    return [w.t("s_decisions")] + effects(w, org, designs, reference, "decision_latency_mean", replicates)


def across(w: Words, orgs: list[dict], designs: list[dict], reference: str) -> list[str]:
    """Under the across-organisations chart: where each design helps most."""
    out = [w.t("s_orgs")]
    for d in designs:
        if d["name"] == reference:
            continue
        best = None
        for org in orgs:
            block = org["results"][d["name"]]["outcomes"].get("area_lost", {})
            rel = block.get("relative")
            if clear_effect(block) < 0 and rel and rel.get("low") is not None and (best is None or
                                                                                  rel["mean"] < best[1]["mean"]):
                best = (org["label"], rel)
        if best:
            out.append(w.t("s_orgs_best", design=d["title"][w.lang], org=best[0], rel=w.percent(best[1]["mean"], True),
                           interval=w.t("interval", low=w.percent(best[1]["low"], True),
                                        high=w.percent(best[1]["high"], True))))
    if len(out) == 1:
        out.append(w.t("s_orgs_none"))
    return out
