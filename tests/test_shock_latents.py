"""The shock stage keeps each agent's latent comparisons from day to day (kernels.shock):
the bits must be those of drawing every latent afresh, whatever the prevalences do."""

import numpy as np
import pytest

from resilience_sim import Simulation, load
from resilience_sim.kernels.shock import (
    CHILDCARE,
    CHILDCARE_BIT,
    REMOTE_BIT,
    SICK_BIT,
    SICKNESS,
    VACANCY,
    VACANCY_BIT,
    VULNERABILITY,
    VULNERABILITY_BIT,
    _draw_sickness,
    spell_phases,
    update_latents,
)
from resilience_sim.rng import ABSENCE, REMOTE, stream_key, uniform

N_AGENTS = 500


def drawn_afresh(day, seed, spell, prevalence, uptake):
    """Every agent's bits, each latent drawn today (the rule of the module doc, agent by agent)."""
    key_abs, key_rem = stream_key(seed, ABSENCE, 0), stream_key(seed, REMOTE, 0)
    phase = spell_phases(N_AGENTS, spell)
    bits = np.zeros(N_AGENTS, dtype=np.uint8)
    for a in range(N_AGENTS):
        block = (day + int(phase[a])) // spell
        b = SICK_BIT if uniform(key_abs, a, block * 8) < prevalence[SICKNESS] else 0
        for reason, bit in ((CHILDCARE, CHILDCARE_BIT), (VULNERABILITY, VULNERABILITY_BIT), (VACANCY, VACANCY_BIT)):
            b |= bit if uniform(key_abs, a, reason) < prevalence[reason] else 0
        b |= REMOTE_BIT if uniform(key_rem, a, 0) < uptake else 0
        bits[a] = b
    return bits


def prevalence_path(days, rng):
    """Prevalences and uptakes that hold for a few days, then jump, ramp or fall to 0 or 1."""
    prevalence = np.zeros((days, 6))
    uptake = np.zeros(days)
    current, up = np.zeros(6), 0.0
    for day in range(days):
        if rng.random() < 0.3:
            reason = rng.choice([SICKNESS, CHILDCARE, VULNERABILITY, VACANCY])
            current = current.copy()
            current[reason] = rng.choice([0.0, rng.random() * 0.3])
        if rng.random() < 0.2:
            up = rng.choice([0.0, 1.0, rng.random()])
        prevalence[day], uptake[day] = current, up
    return prevalence, uptake


@pytest.mark.parametrize("path_seed", [1, 2, 3])
def test_kept_bits_equal_bits_drawn_afresh(path_seed):
    P = Simulation(load("covid_lockdown_2020"), check=False).params
    spell = int(P.sickness_spell)
    phase = spell_phases(N_AGENTS, spell)
    days = 40
    prevalence, uptake = prevalence_path(days, np.random.default_rng(path_seed))
    bits = np.zeros(N_AGENTS, dtype=np.uint8)
    held = np.full(6, np.nan)
    order = list(range(days))
    order[20:23] = [25, 26, 27]  # days out of order too: the bits must be drawn again
    for day in order:
        update_latents(day, P, phase, prevalence[day], uptake[day], bits, held)
        expected = drawn_afresh(day, int(P.seed), spell, prevalence[day], uptake[day])
        np.testing.assert_array_equal(bits, expected, err_msg=f"day {day}")


@pytest.mark.parametrize("spell", [1, 2, 3, 7, 10, 30])
@pytest.mark.parametrize("n_agents", [5, 97, 500])
def test_new_spells_alone_give_the_bits_of_every_spell_drawn(spell, n_agents):
    """Day by day, drawing only the agents whose spell starts today (one in ``spell``, found by
    the phases' period) leaves each agent's bit of its current spell, (day + phase) // spell,
    whatever the spell length and the number of agents."""
    key = stream_key(11, ABSENCE, 0)
    phase = spell_phases(n_agents, spell)
    kept = np.zeros(n_agents, dtype=np.uint8)
    _draw_sickness(0, spell, key, 0.3, phase, kept, True)
    for day in range(1, 3 * spell + 2):
        _draw_sickness(day, spell, key, 0.3, phase, kept, False)
        expected = np.array([SICK_BIT if uniform(key, a, (day + int(phase[a])) // spell * 8) < 0.3 else 0
                             for a in range(n_agents)], dtype=np.uint8)
        np.testing.assert_array_equal(kept, expected, err_msg=f"day {day}")
    assert kept.any()
