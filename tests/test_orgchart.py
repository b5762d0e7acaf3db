"""Organisations read from an org-chart CSV (resilience_sim.orgchart)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilience_sim.engine import Simulation
from resilience_sim.organisation import TASK_SHARE_BY_LEVEL, build
from resilience_sim.orgchart import csv_path
from resilience_sim.params import SERVICE_FIELDS
from resilience_sim.scenario import SCENARIO_DIR, load, parse
from resilience_sim.schema import ScenarioError

HEADER = "agent,service,manager,level,skills\n"
SMALL = HEADER + """\
d0,office,,0,management
h1,roads,d0,3,roads;office
t1,roads,h1,4,roads
r1,roads,t1,5,roads;office?
r2,roads,t1,5,roads
r3,roads,h1,5,roads;social
h2,social,d0,3,social
s1,social,h2,5,social;roads?
s2,social,h2,5,social
"""


def scenario_with(tmp_path, csv_text: str, services: str = "", extra: str = "", name: str = "org.csv"):
    """Write a scenario and its CSV into tmp_path; return the loaded scenario."""
    (tmp_path / name).write_text(csv_text, encoding="utf-8")
    toml = tmp_path / "scenario.toml"
    toml.write_text(f'[run]\ndays = 30\nseed = 5\n[organisation]\ncsv = "{name}"\n{extra}\n{services}',
                    encoding="utf-8")
    return load(toml)


def read_chart(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


# --- the shipped example ------------------------------------------------------------

def test_example_has_the_promised_shape():
    rows = read_chart(SCENARIO_DIR / "orgchart_example.csv")
    assert 50 <= len(rows) <= 70
    assert len({r["service"] for r in rows}) == 4
    assert len({int(r["level"]) for r in rows} - {5}) == 4
    assert len({r["agent"] for r in rows}) == len(rows)


def test_example_builds_the_org_chart_as_written():
    s = load("orgchart_example")
    org = build(s)
    rows = {r["agent"]: r for r in read_chart(csv_path(s))}
    assert org.n_agents == len(rows)
    assert sorted(org.agent_ids) == sorted(rows)
    assert org.service_names == ["administration", "technical", "social", "early_childhood"]
    index = {a: i for i, a in enumerate(org.agent_ids)}
    mgr_agent = org.managers.agent
    level = np.full(org.n_agents, 5)
    level[mgr_agent] = org.managers.level
    for a, r in rows.items():
        i = index[a]
        assert org.service_names[org.agents.home[i]] == r["service"]
        assert level[i] == int(r["level"])
        m = org.agents.manager[i]
        if r["manager"]:
            assert org.agent_ids[mgr_agent[m]] == r["manager"]
        else:
            assert m == -1
        assert org.agents.task_share[i] == pytest.approx((TASK_SHARE_BY_LEVEL + (1.0,))[int(r["level"])])
        skills = r["skills"].split(";")
        assert org.missions[org.agents.primary_skill[i]] == skills[0]
        if len(skills) == 2:
            assert org.missions[org.agents.secondary_skill[i]] == skills[1].rstrip("?")
            assert bool(org.agents.secondary_known[i]) == (not skills[1].endswith("?"))
        else:
            assert org.agents.secondary_skill[i] == -1
            assert not org.agents.secondary_known[i]
    # managers: everyone at levels 0-4 (which includes everyone who manages someone)
    managed = {r["manager"] for r in rows.values() if r["manager"]}
    expected = {a for a, r in rows.items() if int(r["level"]) <= 4} | managed
    assert {org.agent_ids[a] for a in mgr_agent} == expected
    assert org.managers.parent.tolist() == [org.agents.manager[a] for a in mgr_agent]
    # the executive office is the service of the top manager
    assert org.executive_office == [org.service_names.index("administration")]


def test_example_takes_service_properties_from_the_toml():
    s = load("orgchart_example")
    org = build(s)
    tables = {t["name"]: t for t in s.services}
    for k, name in enumerate(org.service_names):
        t = tables[name]
        assert bool(org.services.essential[k]) == t["essential"]
        assert org.services.on_site_share[k] == t["on_site_share"]
        assert org.services.deadline[k] == t["deadline"]
        assert org.service_tags[k] == tuple(x.strip() for x in t["tags"].split(","))
        assert org.services.weight[k] == (s["outcomes.essential_weight"] if t["essential"] else 1.0)


def test_services_without_a_table_take_the_defaults_and_demand_follows_capacity(tmp_path):
    s = scenario_with(tmp_path, SMALL, services='[[organisation.services]]\nname = "social"\n'
                      'essential = true\ndemand = 3.5\ndeadline = 4\n')
    org = build(s)
    assert org.service_names == ["office", "roads", "social"]
    roads = org.service_names.index("roads")
    d = SERVICE_FIELDS
    assert bool(org.services.essential[roads]) is d["essential"].default
    assert org.services.on_site_share[roads] == d["on_site_share"].default
    assert org.services.deadline[roads] == d["deadline"].default
    assert org.service_tags[roads] == ()
    assert org.missions == ["management", "office", "roads", "social"]
    social = org.service_names.index("social")
    assert org.services.base_demand[social] == 3.5
    assert org.services.deadline[social] == 4
    # default demand = utilisation × expected baseline capacity (as organisation._set_demand)
    p = s.params
    a = org.agents
    reporting = p["policy.reporting.agent_hours"] / p["policy.reporting.week_hours"]
    work = a.productivity * a.task_share * (1 - p["baseline.sickness"]) * (1 - reporting)
    cap = np.bincount(a.home, weights=work, minlength=3)
    assert org.services.base_demand[roads] == pytest.approx(p["organisation.utilisation"] * cap[roads])
    office = org.service_names.index("office")
    assert org.services.base_demand[office] == 0.0  # only an executive, who has no tasks


def test_same_structure_as_the_preset_builder(tmp_path):
    """An archetype written out as a CSV and read back gives identical arrays."""
    s0 = load("covid_lockdown_2020")
    ref = build(s0)
    ids = [f"x{i:05d}" for i in range(ref.n_agents)]
    level = np.full(ref.n_agents, 5)
    level[ref.managers.agent] = ref.managers.level
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["agent", "service", "manager", "level", "skills"])
    a = ref.agents
    for i in range(ref.n_agents):
        m = a.manager[i]
        skills = ref.missions[a.primary_skill[i]]
        if a.secondary_skill[i] >= 0:
            skills += ";" + ref.missions[a.secondary_skill[i]] + ("" if a.secondary_known[i] else "?")
        w.writerow([ids[i], ref.service_names[a.home[i]], ids[ref.managers.agent[m]] if m >= 0 else "",
                    level[i], skills])
    tables = []
    for k, name in enumerate(ref.service_names):
        sv = ref.services
        tables.append(
            f'[[organisation.services]]\nname = "{name}"\ninstitution = "commune"\n'
            f'mission = "{ref.missions[sv.mission[k]]}"\ntags = "{",".join(ref.service_tags[k])}"\n'
            f"essential = {'true' if sv.essential[k] else 'false'}\n"
            f"on_site_share = {float(sv.on_site_share[k])!r}\ndeadline = {int(sv.deadline[k])}\n")
    inst = '[[organisation.institutions]]\nname = "commune"\nkind = "commune"\n'
    s = scenario_with(tmp_path, out.getvalue(), services=inst + "\n".join(tables))
    s = s.with_values({"run.seed": s0["run.seed"]})
    org = build(s)
    assert org.institutions == ref.institutions
    assert org.service_names == ref.service_names
    assert org.service_tags == ref.service_tags
    assert org.missions == ref.missions
    assert org.executive_office == ref.executive_office
    assert org.agent_ids == ids
    for table in ("agents", "services", "managers"):
        new, old = getattr(org, table), getattr(ref, table)
        for field in old._fields:
            np.testing.assert_array_equal(getattr(new, field), getattr(old, field),
                                          err_msg=f"{table}.{field}")
    for name in ("origin_ptr", "origin_agent", "ties"):
        np.testing.assert_array_equal(getattr(org, name), getattr(ref, name), err_msg=name)


def test_relative_path_is_resolved_against_the_scenario_folder(tmp_path, monkeypatch):
    sub = tmp_path / "authority"
    sub.mkdir()
    s = scenario_with(sub, SMALL)
    monkeypatch.chdir(tmp_path)
    assert csv_path(s) == sub / "org.csv"
    assert build(s).n_agents == 9


def test_an_org_chart_runs_and_conserves_tasks(tmp_path):
    s = scenario_with(tmp_path, SMALL, extra="[[shock.components]]\nkind = \"absence\"\nstart = 5\n"
                      "end = 15\nvalue = 0.3\n")
    sim = Simulation(s)
    sim.run()
    assert sim.day == 30


def test_utf8_bom_extra_columns_blank_lines_and_spaces_are_accepted(tmp_path):
    text = "\ufeffAgent, Service ,manager,LEVEL,skills,grade\n\nd0,office,,0,management,A\n" \
           "h1 , roads , d0 , 3.0 , roads ; office? ,B\n\n"
    org = build(scenario_with(tmp_path, text))
    assert org.n_agents == 2
    i = org.agent_ids.index("h1")
    assert org.missions[org.agents.secondary_skill[i]] == "office"
    assert not org.agents.secondary_known[i]


# --- bad input: one ScenarioError naming the file, the line and the column ---------

BAD = {
    "missing columns": (
        "agent,service,level\nd0,office,0\n", 1, "header", ["missing column(s) manager, skills"]),
    "semicolon separated": (
        "agent;service;manager;level;skills\nd0;office;;0;management\n", 1, "header", ["';'"]),
    "unknown manager": (
        HEADER + "d0,office,,0,management\nh1,roads,d9,3,roads\n", 3, "manager",
        ["'h1'", "'d9'", "not in the file", "did you mean 'd0'"]),
    "cycle": (
        HEADER + "d0,office,,0,management\na,roads,c,3,roads\nb,roads,a,4,roads\nc,roads,b,5,roads\n",
        3, "manager", ["cycle", "a → c → b → a"]),
    "self manager": (
        HEADER + "d0,office,d0,0,management\n", 2, "manager", ["cycle", "d0 → d0"]),
    "duplicate id": (
        HEADER + "d0,office,,0,management\nh1,roads,d0,3,roads\nh1,roads,d0,5,roads\n", 4, "agent",
        ["'h1'", "twice", "line 3"]),
    "level above 5": (
        HEADER + "d0,office,,0,management\nh1,roads,d0,6,roads\n", 3, "level", ["level 6", "0–5"]),
    "negative level": (
        HEADER + "d0,office,,-1,management\n", 2, "level", ["level -1", "0–5"]),
    "level not a number": (
        HEADER + "d0,office,,boss,management\n", 2, "level", ["'boss'"]),
    "level not a whole number": (
        HEADER + "d0,office,,2.5,management\n", 2, "level", ["'2.5'"]),
    "level nan": (HEADER + "d0,office,,nan,management\n", 2, "level", ["'nan'"]),
    "level inf": (HEADER + "d0,office,,inf,management\n", 2, "level", ["'inf'"]),
    "level empty": (HEADER + "d0,office,,,management\n", 2, "level", ["''"]),
    "empty skills": (
        HEADER + "d0,office,,0,management\nh1,roads,d0,3,\n", 3, "skills", ["primary skill", "empty"]),
    "empty secondary skill": (
        HEADER + "d0,office,,0,management\nh1,roads,d0,3,roads;?\n", 3, "skills",
        ["secondary skill", "empty"]),
    "three skills": (
        HEADER + "d0,office,,0,management\nh1,roads,d0,3,roads;waste;social\n", 3, "skills",
        ["at most one secondary"]),
    "manager below staff": (
        HEADER + "d0,office,,5,management\nh1,roads,d0,5,roads\n", 3, "level",
        ["'h1' (level 5)", "'d0' (level 5"]),
    "empty agent id": (
        HEADER + "d0,office,,0,management\n,roads,d0,5,roads\n", 3, "agent", ["empty"]),
    "wrong field count": (
        HEADER + "d0,office,,0,management,extra\n", 2, "row", ["6 fields", "5"]),
    "header only": (HEADER, 1, "row", ["no agent"]),
    "empty file": ("", 1, "header", ["empty"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_org_chart_is_one_clear_error(tmp_path, case):
    text, line, column, words = BAD[case]
    s = scenario_with(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        build(s)
    err = info.value
    assert err.source == str(tmp_path / "org.csv")
    assert err.line == line
    assert column in err.where
    for w in words:
        assert w in err.message, (w, err.message)
    assert "\n" not in str(err)


def test_declared_service_without_agent_is_an_error(tmp_path):
    s = scenario_with(tmp_path, SMALL, services='[[organisation.services]]\nname = "sociall"\n')
    with pytest.raises(ScenarioError) as info:
        build(s)
    err = info.value
    assert err.source == str(tmp_path / "org.csv")
    assert "service" in err.where
    assert "'sociall'" in err.message and "did you mean 'social'" in err.message


def test_headcount_that_contradicts_the_chart_is_an_error(tmp_path):
    s = scenario_with(tmp_path, SMALL, services='[[organisation.services]]\nname = "roads"\nheadcount = 9\n')
    with pytest.raises(ScenarioError, match=r"headcount.*is 9 but the org chart .* has 5 agents"):
        build(s)
    s = scenario_with(tmp_path, SMALL, services='[[organisation.services]]\nname = "roads"\nheadcount = 5\n')
    assert build(s).n_agents == 9


def test_unreadable_files(tmp_path):
    s = scenario_with(tmp_path, SMALL)
    (tmp_path / "org.csv").unlink()
    with pytest.raises(ScenarioError, match="cannot read the org chart") as info:
        build(s)
    assert info.value.source == str(tmp_path / "org.csv")
    (tmp_path / "org.csv").write_bytes(b"\xff\xfe\x00\x81agent")
    with pytest.raises(ScenarioError, match="UTF-8"):
        build(s)
    (tmp_path / "org.csv").unlink()
    (tmp_path / "org.csv").mkdir()
    with pytest.raises(ScenarioError, match="cannot read the org chart"):
        build(s)


def test_a_chart_cannot_be_rescaled(tmp_path):
    s = scenario_with(tmp_path, SMALL).with_values({"organisation.agents": 100})
    with pytest.raises(ScenarioError, match="cannot rescale") as info:
        build(s)
    assert info.value.where == "organisation.agents"


def test_headcount_is_optional_only_with_a_chart():
    with pytest.raises(ScenarioError, match=r"headcount: is required"):
        parse('[[organisation.services]]\nname = "a"\n', "x.toml")


# --- property: any valid forest builds, with reporting lines preserved -------------

@st.composite
def forests(draw):
    n = draw(st.integers(1, 40))
    n_svc = draw(st.integers(1, 4))
    rows = []
    for i in range(n):
        candidates = [j for j in range(i) if rows[j][2] < 5]
        boss = draw(st.sampled_from([None] + candidates)) if candidates else None
        low = 0 if boss is None else rows[boss][2] + 1
        lv = draw(st.integers(low, 5))
        rows.append((f"id{i}", f"s{draw(st.integers(0, n_svc - 1))}", lv, boss,
                     draw(st.sampled_from(["", ";FIRST", ";FIRST?"]))))
    first = rows[0][1]  # a secondary skill must be the mission of a service of the chart
    rows = [(a, s, lv, b, sec.replace("FIRST", first)) for a, s, lv, b, sec in rows]
    order = draw(st.permutations(range(n)))
    return [rows[k] for k in order]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=forests())
def test_any_valid_forest_builds(tmp_path, rows):
    text = HEADER + "".join(
        f"{a},{s},{'' if b is None else f'id{b}'},{lv},{s}{sec}\n" for a, s, lv, b, sec in rows)
    org = build(scenario_with(tmp_path, text))
    assert org.n_agents == len(rows)
    index = {a: i for i, a in enumerate(org.agent_ids)}
    level = np.full(org.n_agents, 5)
    level[org.managers.agent] = org.managers.level
    for a, s, lv, b, _ in rows:
        i = index[a]
        assert level[i] == lv
        assert org.service_names[org.agents.home[i]] == s
        m = org.agents.manager[i]
        assert (m == -1) if b is None else (org.agent_ids[org.managers.agent[m]] == f"id{b}")
    assert len(org.managers.agent) == sum(1 for r in rows if r[2] <= 4)
    # agents are grouped by service, as the preset builder lays them out
    assert np.all(np.diff(org.agents.home) >= 0)
    assert org.origin_ptr[-1] == np.count_nonzero(org.agents.task_share > 0)


def test_validate_command_reports_the_chart(capsys):
    from resilience_sim.cli import main

    assert main(["validate", "orgchart_example"]) == 0
    out = capsys.readouterr().out
    assert "60 staff" in out and "4 services" in out
