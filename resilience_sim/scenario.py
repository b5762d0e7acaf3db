"""Scenario files (TOML): load, merge overrides, validate into a frozen Scenario.

A scenario has scalar parameters by dotted key (declared in :mod:`.params`) and three
list sections: ``[[organisation.institutions]]``, ``[[organisation.services]]`` and
``[[shock.components]]``. Every problem raises :class:`ScenarioError` naming the file,
the field (and the line when it can be found) and how to fix it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .params import INSTITUTION_FIELDS, PARAMS, SERVICE_FIELDS, SHOCK_FIELDS, TWINNING_FIELDS, defaults
from .schema import Param, ScenarioError, suggest

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = "covid_lockdown_2020"
_META_KEYS = ("name", "title", "description")
_LISTS = {
    "organisation.services": SERVICE_FIELDS,
    "organisation.institutions": INSTITUTION_FIELDS,
    "shock.components": SHOCK_FIELDS,
    "organisation.twinning": TWINNING_FIELDS,
}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario.

    Attributes:
        name: short name (file stem unless ``[scenario] name`` says otherwise).
        title: one-line title for people.
        description: what the scenario represents and where its numbers come from.
        source: file the scenario came from.
        params: every scalar parameter by dotted key, defaults filled in.
        services: explicit services (dicts of SERVICE_FIELDS), empty = archetype.
        institutions: explicit institutions (dicts of INSTITUTION_FIELDS).
        shocks: shock components (dicts of SHOCK_FIELDS).
        twinning: twinned service pairs (dicts of TWINNING_FIELDS: a, b).

    """

    name: str
    title: str = ""
    description: str = ""
    source: str = "<defaults>"
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType(defaults()))
    services: tuple = ()
    institutions: tuple = ()
    shocks: tuple = ()
    twinning: tuple = ()

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def __reduce__(self):
        # MappingProxyType does not pickle: rebuild from a plain dict (process pools)
        return (_rebuild, (self.name, self.title, self.description, self.source,
                           dict(self.params), self.services, self.institutions, self.shocks,
                           self.twinning))

    @property
    def onset(self) -> int | None:
        """First day of the earliest shock component, or None without a shock."""
        return min((s["start"] for s in self.shocks), default=None)

    def with_values(self, values: dict[str, Any], source: str = "--set") -> Scenario:
        """A copy with some scalar parameters changed (validated)."""
        merged = dict(self.params)
        for key, value in values.items():
            merged[key] = _param(key, source).check(value, source)
        new = replace(self, params=MappingProxyType(merged))
        _check_cross(new, source, "")
        return new

    def with_settings(self, settings: list[str]) -> Scenario:
        """A copy with ``KEY=VALUE`` command-line settings applied."""
        return self.with_values(_overrides(None, settings, "--set"))


def _rebuild(name, title, description, source, params, services, institutions, shocks,
             twinning) -> Scenario:
    return Scenario(name, title, description, source, MappingProxyType(params),
                    services, institutions, shocks, twinning)


def _param(key: str, source: str) -> Param:
    if key not in PARAMS:
        raise ScenarioError(source, key, "unknown parameter" + suggest(key, PARAMS) +
                            " (all parameters: docs/parameters.md)")
    return PARAMS[key]


def resolve(name_or_path: str | Path) -> Path:
    """The file of a scenario given by path or by shipped name."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for folder in (SCENARIO_DIR, Path.cwd() / "scenarios"):
        candidate = folder / f"{Path(str(name_or_path)).stem}.toml"
        if candidate.is_file():
            return candidate
    names = shipped()
    raise ScenarioError(str(name_or_path), "scenario",
                        "no such file or shipped scenario" + suggest(str(name_or_path), names) +
                        f" (shipped: {', '.join(names)})")


def shipped() -> list[str]:
    """Names of the scenarios shipped in ``scenarios/``."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def load(name_or_path: str | Path = DEFAULT_SCENARIO, values: dict[str, Any] | None = None,
         settings: list[str] | None = None, source: str = "--set") -> Scenario:
    """Load and validate a scenario file (or a shipped scenario by name).

    Args:
        name_or_path: a file, or the name of a shipped scenario.
        values: parameters by dotted key that override the file's (e.g. ``run.days``
            from ``--days``), applied before the checks that involve several fields,
            so that a longer horizon makes a late shock valid.
        settings: ``KEY=VALUE`` command-line settings (``--set``), applied likewise.
        source: the name given to ``values`` in messages.

    """
    path = resolve(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        data = path.read_bytes()
        line = data[:err.start].count(b"\n") + 1
        raise ScenarioError(str(path), f"line {line}", "not UTF-8 text (byte "
                            f"0x{data[err.start]:02x}); save the scenario file as UTF-8", line) from None
    if "\x00" in text:
        raise ScenarioError(str(path), "encoding", "the file holds NUL bytes (UTF-16 text?); save it as UTF-8")
    given = [source] * bool(values) + ["--set"] * bool(settings)
    return parse(text, str(path), path.stem, _overrides(values, settings, source), " and ".join(given))


def _overrides(values: dict[str, Any] | None, settings: list[str] | None, source: str) -> dict[str, Any]:
    """Checked overrides: ``values`` (named ``source`` in messages), then ``KEY=VALUE`` settings."""
    out = {key: _param(key, source).check(value, source) for key, value in (values or {}).items()}
    for item in settings or ():
        if "=" not in item:
            raise ScenarioError("--set", item, "expected KEY=VALUE, e.g. policy.validation.steps=1")
        key, text = item.split("=", 1)
        key = key.strip()
        out[key] = _param(key, "--set").parse_text(text.strip(), "--set")
    return out


def parse(text: str, source: str = "<text>", name: str = "scenario",
          overrides: dict[str, Any] | None = None, given_by: str = "") -> Scenario:
    """Validate the text of a scenario file (with checked ``overrides`` of its parameters, ``given_by`` flags)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line = getattr(err, "lineno", None)
        msg = getattr(err, "msg", str(err))
        at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", msg)
        if line is None and at:  # Python < 3.14 puts the position in the message only
            line, msg = int(at.group(1)), f"{msg[:at.start()]} (column {at.group(2)})"
        raise ScenarioError(source, f"line {line}" if line else "syntax",
                            f"not valid TOML: {msg}", line) from None
    meta = data.pop("scenario", {})
    if not isinstance(meta, dict):
        raise ScenarioError(source, "scenario", "must be a table with name, title, description")
    for key in meta:
        if key not in _META_KEYS:
            raise ScenarioError(source, f"scenario.{key}", "unknown key" + suggest(key, _META_KEYS))
    values = defaults()
    lists: dict[str, list] = {k: [] for k in _LISTS}
    _walk(data, "", values, lists, source, text)
    values.update(overrides or {})
    scenario = Scenario(
        name=str(meta.get("name", name)),
        title=str(meta.get("title", "")),
        description=str(meta.get("description", "")),
        source=source,
        params=MappingProxyType(values),
        services=tuple(lists["organisation.services"]),
        institutions=tuple(lists["organisation.institutions"]),
        shocks=tuple(lists["shock.components"]),
        twinning=tuple(lists["organisation.twinning"]),
    )
    try:
        _check_cross(scenario, source, text)
    except ScenarioError as err:
        if not overrides:
            raise
        given = ", ".join(f"{k}={v}" for k, v in overrides.items())
        raise ScenarioError(err.source, err.where, f"{err.message} (with {given_by or 'overrides'}: {given})",
                            err.line) from None
    return scenario


def _walk(node: dict, prefix: str, values: dict, lists: dict, source: str, text: str) -> None:
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if dotted in _LISTS:
            lists[dotted] = _items(dotted, value, source, text)
        elif isinstance(value, dict):
            _walk(value, dotted + ".", values, lists, source, text)
        elif dotted in PARAMS:
            try:
                values[dotted] = PARAMS[dotted].check(value, source)
            except ScenarioError as err:
                err.line = _line_of(text, dotted)
                raise ScenarioError(source, dotted, err.message, err.line) from None
        else:
            known = list(PARAMS) + list(_LISTS)
            raise ScenarioError(source, dotted, "unknown key" + suggest(dotted, known),
                                _line_of(text, dotted))


def _items(dotted: str, value: Any, source: str, text: str) -> list[dict]:
    spec = _LISTS[dotted]
    if not isinstance(value, list):
        raise ScenarioError(source, dotted, f"must be a list of tables: [[{dotted}]]")
    out = []
    for i, item in enumerate(value):
        where = f"{dotted}[{i}]"
        if not isinstance(item, dict):
            raise ScenarioError(source, where, "must be a table")
        row = {}
        for key, val in item.items():
            if key not in spec:
                raise ScenarioError(source, f"{where}.{key}", "unknown key" + suggest(key, spec),
                                    _line_of(text, key, dotted, i))
            try:
                row[key] = spec[key].check(val, source, f"{where}.{key}")
            except ScenarioError as err:
                raise ScenarioError(source, err.where, err.message,
                                    _line_of(text, key, dotted, i)) from None
        for key, p in spec.items():
            if key not in row:
                if p.default is None and key not in ("end", "demand", "mission", "value", "headcount"):
                    raise ScenarioError(source, f"{where}.{key}", f"is required ({p.doc})")
                row[key] = p.default
        out.append(row)
    return out


def _check_cross(s: Scenario, source: str, text: str) -> None:
    days = s.params["run.days"]
    names = set()
    for i, svc in enumerate(s.services):
        if svc["name"] in names:
            raise ScenarioError(source, f"organisation.services[{i}].name",
                                f"service {svc['name']!r} is declared twice")
        names.add(svc["name"])
        if svc["headcount"] is None and not s.params["organisation.csv"]:
            raise ScenarioError(source, f"organisation.services[{i}].headcount",
                                "is required (staff of the service), unless organisation.csv "
                                "gives the staff")
        if svc["headcount"] is not None and svc["headcount"] < 1:
            raise ScenarioError(source, f"organisation.services[{i}].headcount",
                                "a service needs at least one agent")
    insts = {inst["name"] for inst in s.institutions}
    for i, svc in enumerate(s.services):
        if s.institutions and svc["institution"] not in insts:
            raise ScenarioError(source, f"organisation.services[{i}].institution",
                                f"no institution named {svc['institution']!r}" +
                                suggest(svc["institution"], insts))
    week = s.params["policy.reporting.week_hours"]
    for who in ("agent", "manager"):
        key = f"policy.reporting.{who}_hours"
        if s.params[key] > week:
            raise ScenarioError(source, key, f"{s.params[key]:g} h of reporting in a {week:g}-hour week "
                                "(policy.reporting.week_hours); reporting cannot exceed the week",
                                _line_of(text, key))
    for i, c in enumerate(s.shocks):
        where = f"shock.components[{i}]"
        if c["start"] >= days:  # an end past the horizon only cuts the profile short
            raise ScenarioError(source, f"{where}.start",
                                f"day {c['start']} is outside the horizon (days 0–{days - 1}); "
                                "lengthen run.days or move the shock",
                                _line_of(text, "start", "shock.components", i))
        if c["end"] is not None and c["end"] < c["start"]:
            raise ScenarioError(source, f"{where}.end", f"ends (day {c['end']}) before it starts "
                                f"(day {c['start']})", _line_of(text, "end", "shock.components", i))
        if c["value"] is None:
            raise ScenarioError(source, f"{where}.value", "is required (the plateau value)")
        if c["kind"] in ("absence", "remote", "exceptions") and c["value"] > 1:
            raise ScenarioError(source, f"{where}.value",
                                f"a share must be ≤ 1 for kind {c['kind']!r} (got {c['value']:g})",
                                _line_of(text, "value", "shock.components", i))


def _line_of(text: str, key: str, table: str | None = None, index: int = 0) -> int | None:
    """Best-effort line number of ``key`` (in the ``index``-th ``[[table]]`` if given)."""
    if not text:
        return None
    lines = text.splitlines()
    start = 0
    leaf = key
    if table is None and "." in key:
        table, leaf = key.rsplit(".", 1)
        header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        hits = [n for n, line in enumerate(lines) if header.match(line)]
        start = hits[0] if hits else 0
    elif table is not None:
        header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
        hits = [n for n, line in enumerate(lines) if header.match(line)]
        start = hits[index] if index < len(hits) else 0
    pattern = re.compile(rf"^\s*{re.escape(leaf)}\s*=")
    for n in range(start, len(lines)):
        if pattern.match(lines[n]):
            return n + 1
    return None
