"""Organisations read from an org-chart CSV export (DESIGN §2, scenario layer).

An authority describes its own organisation with one row per agent, as an HR system
exports it (anonymised)::

    agent,service,manager,level,skills
    a1f3,administration,,0,administration
    b7c2,technical,a1f3,3,technical;social?

* ``agent``: a unique id (anonymised);
* ``service``: the agent's home service;
* ``manager``: the id of the agent they report to (empty at the top);
* ``level``: 0 executive, 1 deputy, 2 director, 3 head of service, 4 team leader,
  5 staff; a manager's level must be above (smaller than) their staff's;
* ``skills``: the primary skill, then optionally ``;`` and a secondary skill; a
  trailing ``?`` marks the secondary skill latent (unknown to the organisation),
  otherwise it is known (in the skills registry).

Other columns are ignored. The path in ``organisation.csv`` is relative to the
scenario file's folder. Services come from the ``service`` column, in order of first
appearance; their properties (institution, mission, tags, essential, on-site share,
deadline, demand) come from the ``[[organisation.services]]`` table of the same name,
else from the defaults of ``SERVICE_FIELDS``; the demand defaults to utilisation ×
baseline capacity. Managers are the agents at levels 0–4 (everyone who manages
someone is one, by the level rule). The organisation is assembled by the same code
as the presets (``organisation._arrays``, which :func:`chart_of` feeds): agents are ordered by
service, then level, then file order; ``Organisation.agent_ids`` maps them back.

Every problem raises :class:`ScenarioError` naming the CSV file, the line and the
column.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from .params import LEVEL_NAMES, SERVICE_FIELDS
from .scenario import Scenario
from .schema import ScenarioError, suggest
from .specs import ServiceSpec, explicit_institutions, spec_of

#: required columns of an org chart, in the documented order
COLUMNS = ("agent", "service", "manager", "level", "skills")
STAFF_LEVEL = len(LEVEL_NAMES)  # 5


@dataclass(frozen=True)
class Row:
    """One agent of the org chart, as read (before checks across rows)."""

    line: int
    agent: str
    service: str
    manager: str
    level: int
    primary: str
    secondary: str | None
    known: bool


def csv_path(scenario: Scenario) -> Path:
    """The org chart's path: ``organisation.csv`` relative to the scenario's folder."""
    path = Path(scenario["organisation.csv"]).expanduser()
    if path.is_absolute():
        return path
    src = Path(scenario.source)
    return (src.parent if src.is_file() else Path.cwd()) / path


def _decode(data: bytes, src: str) -> str:
    """The text of an org chart in UTF-8 (a byte-order mark allowed), or a message naming the line."""
    how = "; export the org chart as CSV UTF-8 (in a spreadsheet: Save as › CSV UTF-8)"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data:
        at = data.find(b"\x00")
        line = data[:max(at, 0)].count(b"\n") + 1
        raise ScenarioError(src, "organisation.csv", "UTF-16 text, not UTF-8" + how, line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ScenarioError(src, "organisation.csv", f"not UTF-8 text (byte 0x{data[err.start]:02x} on line "
                            f"{line}){how}", line) from None


def read_rows(path: Path) -> list[Row]:
    """The rows of an org chart, each checked on its own."""
    src = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ScenarioError(src, "organisation.csv",
                            f"cannot read the org chart ({err.strerror or err})") from None
    text = _decode(data, src)
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header, line = _header(reader, src)
        names = [h.strip().lower() for h in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            hint = ""
            if len(header) == 1 and ";" in header[0]:
                hint = "; the file seems to use ';' between columns: save it with ','"
            raise ScenarioError(src, "header", f"missing column(s) {', '.join(missing)}; expected "
                                f"{', '.join(COLUMNS)} (found: {', '.join(header) or 'nothing'}){hint}",
                                line)
        dup = sorted({n for n in names if names.count(n) > 1 and n in COLUMNS})
        if dup:
            raise ScenarioError(src, "header", f"column(s) {', '.join(dup)} appear twice", line)
        col = {c: names.index(c) for c in COLUMNS}
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            line = reader.line_num
            if len(cells) != len(header):
                raise ScenarioError(src, "row", f"{len(cells)} fields but the header has {len(header)} "
                                    "(quote a value that contains a comma)", line)
            rows.append(_row(line, {c: cells[i].strip() for c, i in col.items()}, src))
    except csv.Error as err:
        raise ScenarioError(src, "row", f"not valid CSV: {err}", reader.line_num) from None
    if not rows:
        raise ScenarioError(src, "row", "the org chart has no agent (only a header)", line)
    return rows


def _header(reader, src: str) -> tuple[list[str], int]:
    for cells in reader:
        if any(c.strip() for c in cells):
            return cells, reader.line_num
    raise ScenarioError(src, "header", f"the file is empty; expected columns {', '.join(COLUMNS)}", 1)


def _row(line: int, v: dict[str, str], src: str) -> Row:
    for c in ("agent", "service"):
        if not v[c]:
            raise ScenarioError(src, f"column {c!r}", "is empty", line)
    level = _level(v["level"], src, line)
    parts = [p.strip() for p in v["skills"].split(";")]
    if not parts[0]:
        raise ScenarioError(src, "column 'skills'", f"the primary skill of agent {v['agent']!r} is empty",
                            line)
    if parts[0].endswith("?"):
        raise ScenarioError(src, "column 'skills'", f"the primary skill {parts[0]!r} cannot be latent: "
                            "'?' marks a secondary skill the organisation does not know", line)
    if len(parts) > 2:
        raise ScenarioError(src, "column 'skills'", f"{v['skills']!r} has {len(parts)} skills; give "
                            "a primary and at most one secondary skill, e.g. 'roads;waste?'", line)
    secondary, known = None, False
    if len(parts) == 2:
        known = not parts[1].endswith("?")
        secondary = parts[1].rstrip("?").strip()
        if not secondary:
            raise ScenarioError(src, "column 'skills'", f"the secondary skill of agent {v['agent']!r} "
                                "is empty; write the primary skill alone when there is none", line)
    return Row(line, v["agent"], v["service"], v["manager"], level, parts[0], secondary, known)


def _level(text: str, src: str, line: int) -> int:
    rule = "0 = executive, 1 deputy, 2 director, 3 head of service, 4 team leader, 5 staff"
    try:
        value = float(text)  # "3" or "3.0" (a spreadsheet's export)
    except ValueError:
        value = math.nan
    if not value.is_integer():
        raise ScenarioError(src, "column 'level'", f"must be a whole number 0–5 (got {text!r}); "
                            + rule, line)
    if not 0 <= value <= STAFF_LEVEL:
        raise ScenarioError(src, "column 'level'", f"level {text} is outside 0–5 ({rule})", line)
    return int(value)


def check_structure(rows: list[Row], src: str) -> None:
    """Unique ids, existing managers, no cycle, managers above their staff."""
    seen: dict[str, int] = {}
    for r in rows:
        if r.agent in seen:
            raise ScenarioError(src, "column 'agent'", f"agent {r.agent!r} appears twice "
                                f"(first on line {seen[r.agent]}); ids must be unique", r.line)
        seen[r.agent] = r.line
    by_id = {r.agent: r for r in rows}
    for r in rows:
        if r.manager and r.manager not in by_id:
            raise ScenarioError(src, "column 'manager'", f"agent {r.agent!r} reports to {r.manager!r}, "
                                "who is not in the file" + suggest(r.manager, by_id), r.line)
    cycle = _cycle(rows, by_id)
    if cycle:
        first = min(cycle, key=lambda a: by_id[a].line)
        k = cycle.index(first)
        loop = cycle[k:] + cycle[:k] + [first]
        raise ScenarioError(src, "column 'manager'", "reporting lines form a cycle: "
                            + " → ".join(loop) + "; someone in it must report elsewhere",
                            by_id[first].line)
    for r in rows:
        if r.manager and by_id[r.manager].level >= r.level:
            m = by_id[r.manager]
            raise ScenarioError(src, "column 'level'", f"agent {r.agent!r} (level {r.level}) reports "
                                f"to {m.agent!r} (level {m.level}, line {m.line}); a manager's level "
                                "must be above (smaller than) their staff's: 0 executive … "
                                "4 team leader, 5 staff", r.line)


def _cycle(rows: list[Row], by_id: dict[str, Row]) -> list[str] | None:
    """The agents of one reporting cycle (in reporting order), or None."""
    done: set[str] = set()
    for r in rows:
        path: list[str] = []
        on_path: dict[str, int] = {}
        a = r.agent
        while a and a not in done:
            if a in on_path:
                return path[on_path[a]:]
            on_path[a] = len(path)
            path.append(a)
            a = by_id[a].manager
        done.update(path)
    return None


@dataclass
class Chart:
    """An org chart laid out for the organisation's builder (``organisation._arrays``), row by row.

    Attributes:
        institutions: (name, kind) per institution.
        specs: the services, in order of first appearance in the file.
        home, levels, parents: each agent's service, level (5 for staff) and manager row (-1 = none),
            agents ordered by service, then level, then file order.
        executive_office: service of each institution's executive office.
        skills: (primary, secondary or None, secondary known) per agent.
        agent_ids: the file's agent id of each agent.

    """

    institutions: list[tuple[str, str]]
    specs: list[ServiceSpec]
    home: list[int]
    levels: list[int]
    parents: list[int]
    executive_office: list[int]
    skills: list[tuple[str, str | None, bool]]
    agent_ids: list[str]

    def __iter__(self):
        """The fields in order, as ``organisation._arrays`` takes them after the scenario."""
        return iter((self.institutions, self.specs, self.home, self.levels, self.parents,
                     self.executive_office, self.skills, self.agent_ids))


def chart_of(scenario: Scenario) -> Chart:
    """Read and check the org chart of a scenario whose ``organisation.csv`` is set."""
    path = csv_path(scenario)
    src = str(path)
    if scenario["organisation.agents"]:
        raise ScenarioError(scenario.source, "organisation.agents",
                            "cannot rescale an organisation read from an org chart "
                            f"({scenario['organisation.csv']}); remove organisation.agents / --agents")
    rows = read_rows(path)
    check_structure(rows, src)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.service] = counts.get(r.service, 0) + 1
    order = list(counts)  # first appearance
    tables = {t["name"]: (i, t) for i, t in enumerate(scenario.services)}
    for name, (i, t) in tables.items():
        if name not in counts:
            raise ScenarioError(src, "column 'service'", f"no agent belongs to service {name!r}, "
                                f"declared in [[organisation.services]] of {scenario.source}"
                                + suggest(name, order))
        if t["headcount"] is not None and t["headcount"] != counts[name]:
            raise ScenarioError(scenario.source, f"organisation.services[{i}].headcount",
                                f"is {t['headcount']} but the org chart {src} has {counts[name]} "
                                f"agents in {name!r}; remove headcount (the org chart counts the staff)")
    insts = explicit_institutions(scenario)
    defaults = {k: p.default for k, p in SERVICE_FIELDS.items()}
    specs = [spec_of(tables[name][1] if name in tables else {**defaults, "name": name}, insts,
                     headcount=counts[name]) for name in order]
    check_skills(rows, {sp.mission for sp in specs}, src)
    svc_of = {name: k for k, name in enumerate(order)}
    ranked = sorted(range(len(rows)), key=lambda i: (svc_of[rows[i].service], rows[i].level, i))
    new_row = {rows[i].agent: k for k, i in enumerate(ranked)}
    agents = [rows[i] for i in ranked]
    rows_agent = [(svc_of[r.service], r.level) for r in agents]
    parents = [new_row[r.manager] if r.manager else -1 for r in agents]
    exec_office = []
    for k in range(len(insts)):
        own = [(lv, i) for i, (s, lv) in enumerate(rows_agent) if specs[s].institution == k]
        if own:
            exec_office.append(rows_agent[min(own)[1]][0])
    skills = [(r.primary, r.secondary, r.known) for r in agents]
    return Chart(insts, specs, [sv for sv, _ in rows_agent], [lv for _, lv in rows_agent], parents,
                 exec_office, skills, [r.agent for r in agents])


def check_skills(rows: list[Row], missions: set[str], src: str) -> None:
    """A secondary skill must be the mission of a service (else no move could use it)."""
    for r in rows:
        if r.secondary is not None and r.secondary not in missions:
            raise ScenarioError(src, "column 'skills'",
                                f"secondary skill {r.secondary!r} of agent {r.agent!r} is not the mission of "
                                f"any service of the organisation{suggest(r.secondary, sorted(missions))}",
                                r.line)
