"""Stage 1 — shock: who is absent (and why), who works remotely, today.

Rules (DESIGN §1.2 step 1), for each agent:

1. an agent in a burnout absence stays absent until ``burnout_until``;
2. otherwise each absence reason r is tried in the order of ``ABSENCE_REASONS``: the
   agent is absent for the first r whose latent uniform u_r < π_r, today's prevalence
   (none when π_r = 0). Sickness latents are redrawn every ``sickness_spell`` days (spells,
   staggered by agent); childcare, vulnerability and vacancy latents are fixed for
   the run, so the same agents stay home while the prevalence lasts;
3. a present agent who is not a manager, in a closed service, takes special leave;
4. a present agent whose job can be done remotely works remotely if its (fixed)
   latent uniform is below today's remote uptake.
"""

import numpy as np
from numba import njit

from ..rng import ABSENCE, REMOTE, stream_key, uniform
from ..state import STATUS_ABSENT, STATUS_ON_SITE, STATUS_REMOTE
from .context import TODAY_ABSENT, TODAY_MANAGERS_PRESENT, TODAY_REMOTE, TODAY_SPECIAL_LEAVE
from .memory import gather

SICKNESS, CHILDCARE, VULNERABILITY, BURNOUT, VACANCY, SPECIAL_LEAVE = 0, 1, 2, 3, 4, 5
_SPELL_STAGGER = 2654435761


def spell_phases(n_agents: int, spell: int) -> np.ndarray:
    """Each agent's phase in the sickness spells, (agent × 2654435761) mod spell (int16)."""
    return ((np.arange(n_agents, dtype=np.int64) * _SPELL_STAGGER) % spell).astype(np.int16)


@njit(cache=True)
def drawn_reasons(day, P, phase, prevalence, remote_uptake, reason, remote):
    """Each agent's reason drawn from its latents today (-1: none), and its remote latent.

    ``reason[a]`` is the first reason whose latent is below today's prevalence;
    ``remote[a]`` whether the remote latent is below today's uptake. A loop over three
    arrays and the draws alone, without branches (the first reason that holds is
    selected last): the compiler runs it on several agents at once.
    """
    key_abs = stream_key(P.seed, ABSENCE, 0)
    key_rem = stream_key(P.seed, REMOTE, 0)
    p_sick, p_child = prevalence[SICKNESS], prevalence[CHILDCARE]
    p_vuln, p_vac = prevalence[VULNERABILITY], prevalence[VACANCY]
    spell = P.sickness_spell
    first_block, into_block = day // spell, day % spell
    for a in range(reason.shape[0]):
        block = first_block + (into_block + phase[a] >= spell)  # (day + phase) // spell
        r = VACANCY if uniform(key_abs, a, VACANCY) < p_vac else -1
        r = VULNERABILITY if uniform(key_abs, a, VULNERABILITY) < p_vuln else r
        r = CHILDCARE if uniform(key_abs, a, CHILDCARE) < p_child else r
        reason[a] = SICKNESS if uniform(key_abs, a, block * 8) < p_sick else r
        remote[a] = uniform(key_rem, a, 0) < remote_uptake


@njit(cache=True, inline="always")
def apply_shock(day, P, agents, phase, prevalence, remote_uptake, closed, today):
    """Set every agent's status and absence reason for ``day``."""
    burnout_until, assigned, role = agents.burnout_until, agents.assigned, agents.role
    can_remote, status, absence = agents.can_remote, agents.status, agents.absence
    drawn = np.empty(assigned.shape[0], dtype=np.int8)
    uptake = np.empty(assigned.shape[0], dtype=np.bool_)
    drawn_reasons(day, P, phase, prevalence, remote_uptake, drawn, uptake)
    shut = np.empty(assigned.shape[0], dtype=np.bool_)
    gather(closed, assigned, shut)  # apart: the loop below runs vectorised without the read at random
    leave = 0
    for a in range(assigned.shape[0]):  # the reason: burnout, else drawn, else special leave
        on_leave = (drawn[a] < 0) & shut[a] & (role[a] < 0)
        burnt = burnout_until[a] >= day
        absence[a] = BURNOUT if burnt else (SPECIAL_LEAVE if on_leave else drawn[a])
        leave += on_leave & (not burnt)
    absent = 0
    remote = 0
    managers_present = 0
    for a in range(assigned.shape[0]):  # the status (two loops of few arrays: both run vectorised)
        away = absence[a] >= 0
        at_home = (not away) & can_remote[a] & uptake[a]
        status[a] = STATUS_ABSENT if away else (STATUS_REMOTE if at_home else STATUS_ON_SITE)
        absent += away
        remote += at_home
        managers_present += (not away) & (role[a] >= 0)
    today[TODAY_ABSENT] = absent
    today[TODAY_MANAGERS_PRESENT] = managers_present
    today[TODAY_REMOTE] = remote
    today[TODAY_SPECIAL_LEAVE] = leave
