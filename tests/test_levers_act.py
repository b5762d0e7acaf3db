"""Each mobility lever acts through its own mechanism; lessons last; sustained overload wears.

Small organisations, paired seeds (the same seed in both designs: common random numbers).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from test_mobility import scenario

from resilience_sim import Simulation
from resilience_sim.kernels import wellbeing
from resilience_sim.kernels.day import day_params
from resilience_sim.kernels.record import COL
from resilience_sim.scenario import load
from resilience_sim.state import STATUS_ON_SITE

TWINS = ({"a": "roads", "b": "waste_cleaning"}, {"a": "culture", "b": "social_action"},
         {"a": "sports", "b": "elderly_care"}, {"a": "schools", "b": "early_childhood"})
CENTRAL = {"mobility.mode": "central"}


def run(s):
    sim = Simulation(s)
    return sim, sim.run()


def fits(sim, a, g) -> bool:
    """Whether agent a has a skill for service g's mission (primary, known secondary, flying)."""
    m = sim.services.mission[g]
    ag = sim.agents
    return bool(ag.primary_skill[a] == m or (ag.secondary_known[a] and ag.secondary_skill[a] == m)
                or (ag.flying[a] and m in sim.net.flying_missions[a]))


# --- flying agents ------------------------------------------------------------------------
def test_flying_agents_are_versatile(tmp_path):
    """No one knows the busy mission: only flying agents, who know every essential mission here, move."""
    _, without = run(scenario(tmp_path, secondary="busy?", **CENTRAL))
    sim, flying = run(scenario(tmp_path, secondary="busy?", **CENTRAL, **{"mobility.flying_pool": 8}))
    assert without[:, COL["moves"]].sum() == 0
    assert flying[:, COL["moves"]].sum() > 0
    assert flying[:, COL["processed"]].sum() > without[:, COL["processed"]].sum()
    moved = np.flatnonzero(sim.agents.moved_day >= 0)
    assert len(moved) and sim.agents.flying[moved].all()
    assert (sim.agents.learning_days[moved] == 1.0).all()  # mobility.flying_learning_days


# --- coordination ---------------------------------------------------------------------------
def test_coordinator_capacity_binds(tmp_path):
    settings = {**CENTRAL, "hr.reassignment_plan_share": 1.0}
    _, slow = run(scenario(tmp_path, **settings, **{"mobility.coordinator_capacity": 50.0}))  # ⌈50·22/1000⌉ = 2
    _, fast = run(scenario(tmp_path, **settings, **{"mobility.coordinator_capacity": 1000.0}))
    assert slow[:, COL["moves"]].max() <= 2
    assert fast[:, COL["moves"]].max() > 2
    assert slow[:2, COL["moves"]].sum() < fast[:2, COL["moves"]].sum()


# --- volunteers -----------------------------------------------------------------------------
def test_volunteers_work_alongside_central_moves(tmp_path):
    """Moves wait for their decisions; the volunteers' offer is taken today."""
    _, out = run(scenario(tmp_path, **CENTRAL, **{"mobility.volunteer_days": 4.0}))
    assert out[:, COL["moves"]].sum() > 0
    assert out[:, COL["volunteer_hours"]].sum() > 0


# --- twinning -------------------------------------------------------------------------------
def small_commune(**settings):
    base = {"organisation.agents": 300, "run.days": 120, "organisation.secondary_known_share": 0.0}
    return load("covid_lockdown_2020").with_values({**base, **CENTRAL, **settings})


def test_every_move_needs_a_skill_and_twinning_trains_some_staff():
    untrained = replace(small_commune(**{"mobility.twinning_trained_share": 0.0, "mobility.scope": "twinned"}),
                        twinning=TWINS)
    trained = replace(small_commune(**{"mobility.twinning_trained_share": 0.5, "mobility.scope": "twinned"}),
                      twinning=TWINS)
    moves = {}
    for name, s in (("untrained", untrained), ("trained", trained)):
        sim = Simulation(s)
        while sim.day < 100:
            sim.step()
            for a in np.flatnonzero(sim.agents.moved_day == sim.day - 1):
                assert fits(sim, a, sim.agents.assigned[a]), (name, a)
        moves[name] = sim.out[: sim.day, COL["moves"]].sum()
    assert moves["trained"] > moves["untrained"]


# --- minimum term and the cost of moving ----------------------------------------------------
def test_move_cost_days_produce_nothing(tmp_path):
    settings = {**CENTRAL, "hr.reassignment_plan_share": 1.0, "mobility.learning_days": 0.0,
                "mobility.known_learning_days": 0.0}
    _, free = run(scenario(tmp_path, **settings, **{"mobility.move_cost_days": 0.0}))
    _, costly = run(scenario(tmp_path, **settings, **{"mobility.move_cost_days": 3.0}))
    assert free[:, COL["ramp_days_lost"]].sum() == 0
    assert costly[:, COL["ramp_days_lost"]].sum() >= 3 * costly[:, COL["moves"]].sum() - 1e-9


def test_minimum_term_gives_lasting_moves_in_a_chronic_shortage():
    days_per_move = {}
    for term in (0, 30):
        total_moves = total_days = 0.0
        for seed in (1, 2):
            s = load("chronic_staff_shortage").with_values(
                {"organisation.agents": 400, "run.days": 300, "run.seed": seed, **CENTRAL,
                 "mobility.minimum_term": term, "mobility.move_cost_days": 0.0})
            _, out = run(s)
            total_moves += out[:, COL["moves"]].sum()
            total_days += out[:, COL["redeployed"]].sum()
        days_per_move[term] = total_days / max(total_moves, 1.0)
    assert days_per_move[30] > days_per_move[0]


# --- lessons kept between shocks ------------------------------------------------------------
def second_shock_loss(out, p0, start=257):
    """Σ (1 − P/P0) over the second shock's days (onset to the end of the run), in days."""
    return float(np.sum(1.0 - out[start:, COL["performance"]] / p0))


def two_shocks(**settings):
    base = {"organisation.agents": 300, "organisation.secondary_known_share": 0.4}
    return load("two_shocks").with_values({**base, **settings})


def p0_of(out, onset=30, warmup=28):
    return float(np.mean(out[onset - warmup:onset, COL["performance"]]))


@pytest.mark.slow
def test_lessons_make_the_second_shock_lighter_with_mobility_on():
    diffs = []
    for seed in (1, 2, 3):
        _, kept = run(two_shocks(**CENTRAL, **{"run.seed": seed, "mobility.lessons_kept": True}))
        _, lost = run(two_shocks(**CENTRAL, **{"run.seed": seed, "mobility.lessons_kept": False}))
        p0 = p0_of(lost)
        diffs.append(second_shock_loss(kept, p0) - second_shock_loss(lost, p0))
    assert np.mean(diffs) < 0


def test_lessons_change_nothing_with_mobility_off():
    _, kept = run(two_shocks(**{"run.seed": 4, "run.days": 300, "mobility.lessons_kept": True}))
    _, lost = run(two_shocks(**{"run.seed": 4, "run.days": 300, "mobility.lessons_kept": False}))
    np.testing.assert_array_equal(kept, lost)


def test_a_move_becomes_a_plan_and_a_twinning(tmp_path):
    sim, _ = run(scenario(tmp_path, **CENTRAL))
    moved = np.flatnonzero(sim.agents.moved_day >= 0)
    assert len(moved) and sim.agents.planned[moved].all()
    fam = sim.services.family
    idle, busy = (sim.org.service_names.index(n) for n in ("idle", "busy"))
    assert sim.net.twin[fam[idle], fam[busy]]
    sim2, _ = run(scenario(tmp_path, **CENTRAL, **{"mobility.lessons_kept": False}))
    assert not sim2.agents.planned.any()
    assert not sim2.net.twin.any()


# --- sustained overload wears people ----------------------------------------------------------
def test_recovery_needs_slack_rule():
    """One day of the fatigue rule at known pressures: F ← F + g·(x − 1)₊ − ρ·r(x)·F."""
    P = day_params(load("covid_lockdown_2020"), Simulation(load("covid_lockdown_2020").with_values(
        {"organisation.agents": 50})).org)
    g, rho, omega = P.fatigue_gain, P.fatigue_recovery, P.recovery_overload
    x = np.array([0.8, 1.0, 1.05, 1.1, 1.3])
    f0 = np.full(5, 0.5, dtype=np.float32)
    work = x.copy()
    wellbeing._fatigue(P, np.full(5, STATUS_ON_SITE, dtype=np.int8), np.full(5, -1, dtype=np.int32), f0, work)
    over = np.maximum(x - 1.0, 0.0)
    expected = 0.5 + g * over - rho * np.maximum(0.0, 1.0 - over / omega) * 0.5
    np.testing.assert_allclose(work, expected, rtol=0, atol=1e-12)
    assert work[3] > 0.5 and work[4] > work[3]  # no recovery left at ω and beyond: fatigue only grows


def test_sustained_overload_wears_people():
    def burnout(omega):
        days = fat = 0.0
        for seed in (1, 2):
            s = load("chronic_staff_shortage").with_values(
                {"organisation.agents": 400, "run.days": 360, "run.seed": seed,
                 "wellbeing.recovery_overload": omega})
            _, out = run(s)
            days += out[:, COL["burnout_days"]].sum()
            fat = max(fat, out[:, COL["fatigue"]].max())
        return days, fat
    worn_days, worn_fatigue = burnout(0.1)
    rested_days, rested_fatigue = burnout(100.0)  # recovery whatever the load (the old rule, nearly)
    assert worn_days > 0 and worn_days > rested_days
    assert worn_fatigue > rested_fatigue
