"""Organisation designs: named lever settings, applicable to any organisation and shock.

A design is a TOML file in ``scenarios/designs/`` (or any path)::

    [design]
    title = "Subsidiarity"
    title_fr = "Subsidiarité"
    summary = "Decisions closer to the field ..."
    summary_fr = "Des décisions plus près du terrain ..."
    include = ["subsidiarity", "micro_mobility"]   # optional: other designs, applied first

    [[lever]]
    key = "policy.authority.preset"   # a dotted key of resilience_sim.params.PARAMS (as in --set)
    value = "subsidiary"
    reason = "why this value: the source text, a figure, or 'assumption'"
    reason_fr = "the same in French (optional; the report in French shows it)"

    [[organisation.twinning]]         # optional: twinned services, by service name
    a = "culture"
    b = "elderly_care"
    reason = "..."

Every lever needs a ``reason``. A design is applied on top of a scenario (its levers
override the scenario's values); twinning pairs whose services the organisation does
not have are left out and listed (:func:`apply` returns them), so one design fits
every organisation. A new lever track (for instance spontaneous initiatives) is one
more file whose keys are declared in ``PARAMS``: nothing here changes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .params import PARAMS
from .scenario import Scenario
from .schema import ScenarioError, suggest

DESIGN_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "designs"
#: the reference design of a comparison when it is among the designs compared
BASELINE = "baseline"
_DESIGN_KEYS = ("name", "title", "title_fr", "summary", "summary_fr", "include")
_LEVER_KEYS = ("key", "value", "reason", "reason_fr")
_TWIN_KEYS = ("a", "b", "reason", "reason_fr")
#: organisation parameters that are levers (the skills registry), allowed in a design
_ORG_LEVERS = frozenset({"organisation.secondary_known_share"})


@dataclass(frozen=True)
class Lever:
    """One lever setting of a design.

    Attributes:
        key: dotted parameter key (``PARAMS``).
        value: the value, checked against the parameter's declaration.
        reason: why this value was chosen (source text or assumption), by language
            (``en``; ``fr`` from ``reason_fr``, else the English text).
        design: name of the design file that set it (differs for included designs).

    """

    key: str
    value: Any
    reason: dict
    design: str


@dataclass(frozen=True)
class Design:
    """A named organisation design.

    Attributes:
        name: short name (file stem).
        title: title by language (``en``, ``fr``).
        summary: one-paragraph summary by language.
        levers: lever settings, included designs' first.
        twinning: twinned service pairs (dicts with ``a``, ``b``, ``reason``).
        source: file it came from.

    """

    name: str
    title: dict
    summary: dict
    levers: tuple[Lever, ...] = ()
    twinning: tuple[dict, ...] = ()
    source: str = ""

    @property
    def values(self) -> dict[str, Any]:
        """Lever values by dotted key."""
        return {lv.key: lv.value for lv in self.levers}


#: the order of the shipped designs in a comparison (others follow, alphabetically)
ORDER = ("baseline", "subsidiarity", "micro_mobility", "initiatives", "continuity_plan_only", "all_three")


def shipped_designs() -> list[str]:
    """Names of the designs shipped in ``scenarios/designs/``, reference first (``ORDER``)."""
    names = sorted(p.stem for p in DESIGN_DIR.glob("*.toml"))
    return [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]


def resolve(name_or_path: str) -> Path:
    """The file of a design given by path or by shipped name."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return path
    candidate = DESIGN_DIR / f"{name_or_path}.toml"
    if candidate.is_file():
        return candidate
    names = shipped_designs()
    raise ScenarioError("--designs", str(name_or_path), "no such design" + suggest(str(name_or_path), names) +
                        f" (shipped: {', '.join(names)}; or give a path to a .toml design file)")


def load_design(name_or_path: str, _seen: tuple[str, ...] = ()) -> Design:
    """Load and validate a design (shipped name or path), with its included designs."""
    path = resolve(name_or_path)
    src = str(path)
    if path.stem in _seen:
        raise ScenarioError(src, "design.include", f"includes itself through {' → '.join(_seen)}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(src, "syntax", f"not valid TOML: {err}") from None
    except UnicodeDecodeError:
        raise ScenarioError(src, "encoding", "is not UTF-8 text; save it as UTF-8") from None
    head = _table(data.pop("design", {}), src, "design", _DESIGN_KEYS)
    levers: list[Lever] = []
    twins: list[dict] = []
    for inc in head.get("include", []):
        sub = load_design(str(inc), _seen + (path.stem,))
        levers.extend(sub.levers)
        twins.extend(sub.twinning)
    org = data.pop("organisation", {})
    for key in org:
        if key != "twinning":
            raise ScenarioError(src, f"organisation.{key}", "a design may only set [[organisation.twinning]]; "
                                "organisation parameters belong to the scenario")
    twins.extend(_twinning(org.get("twinning", []), src))
    own = [_lever(item, i, src, path.stem) for i, item in enumerate(_list(data.pop("lever", []), src, "lever"))]
    for key in data:
        raise ScenarioError(src, key, "unknown section" + suggest(key, ["design", "lever", "organisation"]) +
                            " (a design has [design], [[lever]] and [[organisation.twinning]])")
    seen: dict[str, Lever] = {}
    for lv in levers:
        if lv.key in seen and seen[lv.key].value != lv.value:
            raise ScenarioError(src, f"design.include ({lv.key})",
                                f"included designs disagree: {seen[lv.key].design} sets {seen[lv.key].value!r}, "
                                f"{lv.design} sets {lv.value!r}; set it in [[lever]] of this file")
        seen[lv.key] = lv
    for lv in own:  # a design's own levers override what it includes
        seen[lv.key] = lv
    title = {"en": str(head.get("title", path.stem)), "fr": str(head.get("title_fr", head.get("title", path.stem)))}
    summary = {"en": str(head.get("summary", "")), "fr": str(head.get("summary_fr", head.get("summary", "")))}
    return Design(path.stem, title, summary, tuple(seen.values()), tuple(_unique_pairs(twins)), src)


def _table(node: Any, src: str, name: str, keys: tuple[str, ...]) -> dict:
    if not isinstance(node, dict):
        raise ScenarioError(src, name, f"must be a table [{name}]")
    for key in node:
        if key not in keys:
            raise ScenarioError(src, f"{name}.{key}",
                                "unknown key" + suggest(key, keys) + f" (allowed: {', '.join(keys)})")
    inc = node.get("include", [])
    if not (isinstance(inc, list) and all(isinstance(x, str) for x in inc)):
        raise ScenarioError(src, f"{name}.include", 'must be a list of design names, e.g. ["subsidiarity"]')
    return node


def _list(node: Any, src: str, name: str) -> list:
    if not isinstance(node, list) or not all(isinstance(x, dict) for x in node):
        raise ScenarioError(src, name, f"must be a list of tables: [[{name}]]")
    return node


def _lever(item: dict, i: int, src: str, design: str) -> Lever:
    where = f"lever[{i}]"
    for key in item:
        if key not in _LEVER_KEYS:
            raise ScenarioError(src, f"{where}.{key}", "unknown key" + suggest(key, _LEVER_KEYS) +
                                " (a lever has key, value, reason)")
    for key in _LEVER_KEYS[:3]:
        if key not in item:
            raise ScenarioError(src, f"{where}.{key}", "is required (a lever has key, value and the reason "
                                "for that value)")
    key = item["key"]
    if key not in PARAMS:
        raise ScenarioError(src, f"{where}.key", f"unknown parameter {key!r}" + suggest(key, PARAMS) +
                            " (all parameters: resilience-sim params)")
    if key.startswith(("organisation.", "run.", "outcomes.", "baseline.")) and key not in _ORG_LEVERS:
        raise ScenarioError(src, f"{where}.key", f"{key!r} describes the organisation, the run or the "
                            "measures, not a design; set it in the scenario")
    value = PARAMS[key].check(item["value"], src, f"{where}.value ({key})")
    return Lever(key, value, _reason(item, src, where), design)


def _reason(item: dict, src: str, where: str) -> dict:
    """The reason of a lever or a twinning pair, by language."""
    out = {}
    for lang, key in (("en", "reason"), ("fr", "reason_fr")):
        text = item.get(key, item.get("reason"))
        if not isinstance(text, str) or not text.strip():
            raise ScenarioError(src, f"{where}.{key}", "must say why this value was chosen (a source or 'assumption')")
        out[lang] = text.strip()
    return out


def _twinning(node: Any, src: str) -> list[dict]:
    out = []
    for i, item in enumerate(_list(node, src, "organisation.twinning")):
        where = f"organisation.twinning[{i}]"
        for key in item:
            if key not in _TWIN_KEYS:
                raise ScenarioError(src, f"{where}.{key}", "unknown key" + suggest(key, _TWIN_KEYS))
        for key in _TWIN_KEYS[:2]:
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ScenarioError(src, f"{where}.{key}", "is required (a, b: service names; reason: why)")
        out.append({"a": item["a"], "b": item["b"], "reason": _reason(item, src, where)})
    return out


def _unique_pairs(pairs: list[dict]) -> list[dict]:
    seen, out = set(), []
    for p in pairs:
        key = frozenset((p["a"], p["b"]))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def load_designs(names: list[str]) -> list[Design]:
    """Load several designs; the names must be distinct."""
    if not names:
        raise ScenarioError("--designs", "designs", "give at least one design, e.g. --designs baseline,subsidiarity")
    designs = [load_design(n) for n in names]
    seen = set()
    for d in designs:
        if d.name in seen:
            raise ScenarioError("--designs", d.name, "is listed twice; list each design once")
        seen.add(d.name)
    return designs


def apply(scenario: Scenario, design: Design, service_names: list[str]) -> tuple[Scenario, list[dict]]:
    """The scenario with the design's levers and twinning; and the pairs left out.

    Args:
        scenario: the scenario (organisation and shock).
        design: the design to apply.
        service_names: the organisation's service names (families), to keep the twinning
            pairs it can carry.

    Returns:
        The designed scenario, and the twinning pairs naming a service the organisation
        does not have (left out).

    """
    known = set(service_names)
    kept = [p for p in design.twinning if p["a"] in known and p["b"] in known]
    left = [p for p in design.twinning if p not in kept]
    s = scenario.with_values(design.values, design.source) if design.levers else scenario
    if kept:
        s = replace(s, twinning=tuple(s.twinning) + tuple({"a": p["a"], "b": p["b"]} for p in kept))
    return s, left
