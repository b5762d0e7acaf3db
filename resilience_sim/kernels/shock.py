"""Stage 1 — shock: who is absent (and why), who works remotely, today.

Rules (DESIGN §1.2 step 1), for each agent:

1. an agent in a burnout absence stays absent until ``burnout_until``;
2. otherwise each absence reason r with today's prevalence π_r > 0 is tried in the
   order of ``ABSENCE_REASONS``: the agent is absent for r if its latent uniform
   u_r < π_r. Sickness latents are redrawn every ``sickness_spell`` days (spells,
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

SICKNESS, CHILDCARE, VULNERABILITY, BURNOUT, VACANCY, SPECIAL_LEAVE = 0, 1, 2, 3, 4, 5
_SPELL_STAGGER = 2654435761


@njit(cache=True, inline="always")
def absence_reason(key, agent, block, p_sick, p_child, p_vuln, p_vacancy):
    """The absence reason of ``agent`` today from the stateless latents, or -1.

    ``block`` is the agent's sickness spell today: (day + phase) // spell, the phase
    (agent × 2654435761) mod spell staggering the spells.
    """
    if p_sick > 0.0 and uniform(key, agent, block * 8) < p_sick:
        return SICKNESS
    if p_child > 0.0 and uniform(key, agent, CHILDCARE) < p_child:
        return CHILDCARE
    if p_vuln > 0.0 and uniform(key, agent, VULNERABILITY) < p_vuln:
        return VULNERABILITY
    if p_vacancy > 0.0 and uniform(key, agent, VACANCY) < p_vacancy:
        return VACANCY
    return -1


@njit(cache=True)
def apply_shock(day, P, agents, prevalence, remote_uptake, closed, today):
    """Set every agent's status and absence reason for ``day``."""
    key_abs = stream_key(P.seed, ABSENCE, 0)
    key_rem = stream_key(P.seed, REMOTE, 0)
    p_sick, p_child = prevalence[SICKNESS], prevalence[CHILDCARE]
    p_vuln, p_vac = prevalence[VULNERABILITY], prevalence[VACANCY]
    spell = P.sickness_spell
    burnout_until, assigned, role = agents.burnout_until, agents.assigned, agents.role
    can_remote, status, absence = agents.can_remote, agents.status, agents.absence
    absent = 0
    remote = 0
    leave = 0
    managers_present = 0
    # spells without a division per agent: the phase repeats with period ``spell`` in
    # the agent index, and day + phase < day + spell crosses at most one boundary
    phase = np.empty(spell, dtype=np.int64)
    for r in range(spell):
        phase[r] = (r * (_SPELL_STAGGER % spell)) % spell
    first_block, into_block = day // spell, day % spell
    r = 0
    for a in range(assigned.shape[0]):
        block = first_block + (1 if into_block + phase[r] >= spell else 0)
        r = r + 1 if r + 1 < spell else 0
        if burnout_until[a] >= day:
            reason = BURNOUT
        else:
            reason = absence_reason(key_abs, a, block, p_sick, p_child, p_vuln, p_vac)
            if reason < 0 and closed[assigned[a]] and role[a] < 0:
                reason = SPECIAL_LEAVE
                leave += 1
        absence[a] = reason
        if reason >= 0:
            status[a] = STATUS_ABSENT
            absent += 1
        elif can_remote[a] and remote_uptake > 0.0 and uniform(key_rem, a, 0) < remote_uptake:
            status[a] = STATUS_REMOTE
            remote += 1
        else:
            status[a] = STATUS_ON_SITE
        if reason < 0 and role[a] >= 0:
            managers_present += 1
    today[TODAY_ABSENT] = absent
    today[TODAY_MANAGERS_PRESENT] = managers_present
    today[TODAY_REMOTE] = remote
    today[TODAY_SPECIAL_LEAVE] = leave
