"""The 2020 rules of special leave: telework first, staff of a stopped activity sent home.

``work.remote_before_leave``: childcare, vulnerability and a closed service keep home only
the staff who cannot work remotely today. ``work.stand_down_leave``: of the present staff
(not managers, not working remotely) of a service whose demand fell to a share m, a share
``stand_down_leave`` × (1 − m) take special leave. Both are rules of the shock stage
(kernels/shock.py), in the reference twin (reference/staff.py) and the ODD.
"""

from __future__ import annotations

import numpy as np
import pytest

from resilience_sim import Simulation, load
from resilience_sim.params import CHILDCARE, SPECIAL_LEAVE, VULNERABILITY
from resilience_sim.state import STATUS_ABSENT, STATUS_REMOTE

LOCKDOWN = load("covid_lockdown_2020").with_values({"run.days": 61})
DAY = 60  # the heart of the lockdown (16 April 2020)


def day_of(**values) -> Simulation:
    """The lockdown run to the end of ``DAY``."""
    sim = Simulation(LOCKDOWN.with_values(values), check=False)
    sim.advance(DAY + 1)
    return sim


@pytest.fixture(scope="module")
def rule_on():
    return day_of(**{"work.remote_before_leave": True, "work.stand_down_leave": 0.0})


@pytest.fixture(scope="module")
def rule_off():
    return day_of(**{"work.remote_before_leave": False, "work.stand_down_leave": 0.0})


def teleworkers(sim: Simulation) -> np.ndarray:
    """Agents whose job can be done remotely and whose latent is below today's uptake."""
    from resilience_sim.kernels.shock import REMOTE_BIT
    return sim.agents.can_remote & ((sim.buffers.latents & REMOTE_BIT) != 0)


def test_telework_replaces_childcare_and_vulnerability_leave(rule_on, rule_off):
    a_on, a_off = rule_on.agents, rule_off.agents
    excused = np.isin(a_off.absence, (CHILDCARE, VULNERABILITY)) & teleworkers(rule_off)
    assert excused.sum() > 10  # without the rule, remote-capable parents stay home
    assert not (np.isin(a_on.absence, (CHILDCARE, VULNERABILITY)) & teleworkers(rule_on)).any()
    # the same agents (same draws) work remotely instead, unless sick or burnt out
    assert (a_on.status[excused] == STATUS_REMOTE).mean() > 0.8
    # parents who cannot telework still take leave: the same ones with or without the rule
    cannot = ~teleworkers(rule_on)
    np.testing.assert_array_equal(a_on.absence[cannot] == CHILDCARE, a_off.absence[cannot] == CHILDCARE)


def test_a_closed_service_sends_home_only_those_who_cannot_telework(rule_on, rule_off):
    shut = rule_on.conditions.closed[:, DAY]
    assert shut.any()  # culture and sports are closed in the lockdown
    staff = shut[rule_on.agents.assigned] & (rule_on.agents.role < 0)
    on, off = rule_on.agents, rule_off.agents
    remote_in_shut = staff & (on.status == STATUS_REMOTE)
    assert remote_in_shut.sum() > 5
    assert (off.status[remote_in_shut] == STATUS_ABSENT).all()  # without the rule: special leave
    leave = staff & (on.absence == SPECIAL_LEAVE)
    assert leave.sum() > 5 and not teleworkers(rule_on)[leave].any()


@pytest.mark.parametrize("share", [0.5, 1.0])
def test_a_fall_in_demand_sends_home_its_share_of_those_on_site(share):
    sim = day_of(**{"work.stand_down_leave": share})
    base = sim.services.base_demand
    m = sim.conditions.demand[:, DAY] / np.where(base > 0, base, 1)
    open_ = ~sim.conditions.closed[:, DAY] & (base > 0)
    fallen = open_ & (m < 0.99)
    np.testing.assert_allclose(sim.conditions.stand_down[fallen, DAY], share * (1 - m[fallen]))
    assert (sim.conditions.stand_down[~fallen, DAY] == 0).all()
    a = sim.agents
    svc = a.assigned
    candidates = fallen[svc] & (a.role < 0) & ~teleworkers(sim) & (
        (a.absence < 0) | (a.absence == SPECIAL_LEAVE))  # present but for the stand-down
    sent = candidates & (a.absence == SPECIAL_LEAVE)
    expected = sim.conditions.stand_down[svc[candidates], DAY].sum()
    n = candidates.sum()
    assert n > 200
    assert abs(sent.sum() - expected) < 4 * np.sqrt(expected) + 1  # binomial draws around the share
    assert not (teleworkers(sim) & (a.absence == SPECIAL_LEAVE) & ~sim.conditions.closed[svc, DAY]).any()
    assert not ((a.role >= 0) & (a.absence == SPECIAL_LEAVE)).any()  # managers are never sent home


def test_no_fall_in_demand_sends_no_one_home():
    """The heatwave raises demand everywhere: the rule changes nothing, bit for bit."""
    heat = load("heatwave").with_values({"run.days": 60})
    sent = Simulation(heat.with_values({"work.stand_down_leave": 1.0}), check=False)
    kept = Simulation(heat, check=False)
    assert (sent.conditions.stand_down == 0).all()
    np.testing.assert_array_equal(sent.run(), kept.run())


def test_the_leave_rules_leave_the_public_demand_untouched():
    a = Simulation(LOCKDOWN.with_values({"work.stand_down_leave": 0.0, "work.remote_before_leave": False}))
    b = Simulation(LOCKDOWN.with_values({"work.stand_down_leave": 1.0, "work.remote_before_leave": True}))
    np.testing.assert_array_equal(a.conditions.demand, b.conditions.demand)
