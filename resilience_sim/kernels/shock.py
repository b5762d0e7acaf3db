"""Stage 1 — shock: who is absent (and why), who works remotely, today.

Rules (DESIGN §1.2 step 1), for each agent:

1. an agent in a burnout absence stays absent until ``burnout_until``;
2. otherwise each absence reason r is tried in the order of ``ABSENCE_REASONS``: the
   agent is absent for the first r whose latent uniform u_r < π_r, today's prevalence
   (none when π_r = 0). Sickness latents are redrawn every ``sickness_spell`` days (spells,
   staggered by agent); childcare, vulnerability and vacancy latents are fixed for
   the run, so the same agents stay home while the prevalence lasts;
   With ``work.remote_before_leave``, childcare and vulnerability do not keep home an
   agent who works remotely today (rule 5 holds for it): leave only where telework is
   impossible, as in 2020;
3. a present agent who is not a manager, in a closed service, takes special leave —
   with ``work.remote_before_leave``, only if it does not work remotely today;
4. stand-down: a present agent who is not a manager and does not work remotely
   today, in a service whose demand fell to a share m of normal, takes special leave if
   its latent uniform (fixed for the run) is below ``work.stand_down_leave`` × (1 − m),
   the service's ``stand_down`` share today;
5. a present agent whose job can be done remotely works remotely if its (fixed)
   latent uniform is below today's remote uptake.

Layout: the comparisons u < π of each agent are kept from one day to the next as bits
(``buf.latents``, one byte per agent; ``buf.latents_for``: the day and the prevalences
they hold for). A latent is a pure function of (seed, agent, reason, spell), so a bit
is drawn again only when its prevalence changed since yesterday, or, for sickness, when
the agent's spell changes (one agent in ``sickness_spell`` each day): on a day whose
prevalences are yesterday's, one draw per ``sickness_spell`` agents (seven by default)
instead of five draws per agent.
The stand-down latents (rule 4) are drawn once, the first day a service stands staff
down, and kept (``buf.leave_latents``). The results are those of drawing every latent
every day.
"""

import numpy as np
from numba import njit

from ..params import BURNOUT, CHILDCARE, SICKNESS, SPECIAL_LEAVE, VACANCY, VULNERABILITY
from ..rng import ABSENCE, REMOTE, stream_key, uniform
from ..state import STATUS_ABSENT, STATUS_ON_SITE, STATUS_REMOTE
from .context import (
    TODAY_ABSENT,
    TODAY_BURNOUT_DAYS,
    TODAY_MANAGERS_PRESENT,
    TODAY_REMOTE,
    TODAY_SPECIAL_LEAVE,
    DayParam,
    setting,
)
from .memory import gather

DAY_PARAMS = (
    DayParam("sickness_spell", int, setting("baseline.sickness_spell"), "days of a sickness spell"),
    DayParam("remote_before_leave", bool, setting("work.remote_before_leave"),
             "childcare, vulnerability and closure keep home only those who do not work remotely"),
)

SICK_BIT, CHILDCARE_BIT, VULNERABILITY_BIT, VACANCY_BIT, REMOTE_BIT = 1, 2, 4, 8, 16
#: the reasons that working remotely can replace (``work.remote_before_leave``)
EXCUSED_BITS = CHILDCARE_BIT | VULNERABILITY_BIT
_SPELL_STAGGER = 2654435761


def spell_phases(n_agents: int, spell: int) -> np.ndarray:
    """Each agent's phase in the sickness spells, (agent × 2654435761) mod spell (int16).

    Periodic of period ``spell`` (agent a + spell has agent a's phase), which
    :func:`_draw_sickness` relies on; 2654435761 is prime, so the first ``spell`` agents
    take every phase once.
    """
    return ((np.arange(n_agents, dtype=np.int64) * _SPELL_STAGGER) % spell).astype(np.int16)


@njit(cache=True)
def _draw_fixed(bits, bit, key, k, p):
    """Set ``bit`` of every agent to u(key, agent, k) < p (no draw when p ≤ 0 or p ≥ 1)."""
    keep = np.uint8(0xFF ^ bit)
    on = np.uint8(bit)
    if p <= 0.0 or p >= 1.0:  # u in [0, 1): the answer is the same for everyone
        b = on if p >= 1.0 else np.uint8(0)
        for a in range(bits.shape[0]):
            bits[a] = (bits[a] & keep) | b
        return
    for a in range(bits.shape[0]):
        bits[a] = (bits[a] & keep) | (on if uniform(key, a, k) < p else np.uint8(0))


@njit(cache=True)
def _draw_sickness(day, spell, key, p, phase, bits, every):
    """Set each agent's sickness bit for its spell today: all agents, or only those whose spell starts today.

    An agent's spell moves on today when (day + phase) // spell does, i.e. when its phase is
    (spell − day mod spell) mod spell. ``phase`` is periodic of period ``spell`` (see
    :func:`spell_phases`), so those agents are found among the first ``spell`` and then
    every ``spell``-th one: one agent in ``spell`` is read, not all.
    """
    keep = np.uint8(0xFF ^ SICK_BIT)
    on = np.uint8(SICK_BIT)
    n = bits.shape[0]
    if p <= 0.0:
        for a in range(n):
            bits[a] = bits[a] & keep
        return
    first_block, into_block = day // spell, day % spell
    if every:
        for a in range(n):
            block = first_block + (into_block + phase[a] >= spell)
            bits[a] = (bits[a] & keep) | (on if uniform(key, a, block * 8) < p else np.uint8(0))
        return
    target = (spell - into_block) % spell
    block = first_block + (target > 0)  # a phase of spell − into_block reaches the next block today
    for first in range(min(spell, n)):
        if phase[first] != target:
            continue
        for a in range(first, n, spell):
            bits[a] = (bits[a] & keep) | (on if uniform(key, a, block * 8) < p else np.uint8(0))


@njit(cache=True)
def update_latents(day, P, phase, prevalence, remote_uptake, bits, held):
    """Bring every agent's latent bits to today's prevalences and remote uptake (see module doc)."""
    key_abs = stream_key(P.seed, ABSENCE, 0)
    every = held[0] != day - 1  # not yesterday's bits (first day, or days run out of order): all again
    p_sick = prevalence[SICKNESS]
    _draw_sickness(day, P.sickness_spell, key_abs, p_sick, phase, bits, every or p_sick != held[1])
    fixed = ((CHILDCARE, CHILDCARE_BIT, 2), (VULNERABILITY, VULNERABILITY_BIT, 3), (VACANCY, VACANCY_BIT, 4))
    for reason, bit, h in fixed:
        if every or prevalence[reason] != held[h]:
            _draw_fixed(bits, bit, key_abs, reason, prevalence[reason])
            held[h] = prevalence[reason]
    if every or remote_uptake != held[5]:
        _draw_fixed(bits, REMOTE_BIT, stream_key(P.seed, REMOTE, 0), 0, remote_uptake)
        held[5] = remote_uptake
    held[0] = day
    held[1] = p_sick


#: a closed service's entry in the day's leave table (above any stand-down share)
CLOSED = 2.0


@njit(cache=True)
def leave_table(closed, stand_down, key, latent):
    """Per service, ``CLOSED`` or its stand-down share today; draws the stand-down latents when first needed.

    ``latent`` holds each agent's u(key, agent, SPECIAL_LEAVE), fixed for the run: NaN
    until the first day a service stands staff down (a NaN latent sends no one home).
    """
    table = np.empty(closed.shape[0], dtype=np.float64)
    for s in range(closed.shape[0]):
        table[s] = CLOSED if closed[s] else stand_down[s]
    if latent.shape[0] > 0 and np.isnan(latent[0]) and stand_down.max() > 0.0:
        for a in range(latent.shape[0]):
            latent[a] = uniform(key, a, SPECIAL_LEAVE)
    return table


@njit(cache=True, inline="always")
def apply_shock(day, P, agents, phase, prevalence, remote_uptake, closed, stand_down, buf):
    """Set every agent's status and absence reason for ``day``.

    On a day when no service stands staff down (most days), the stand-down rule sends
    no one home and its latents are not read: the reasons are set from the services'
    closures alone (the same results, 15 bytes fewer read per agent).
    """
    burnout_until, assigned, role = agents.burnout_until, agents.assigned, agents.role
    can_remote, status, absence = agents.can_remote, agents.status, agents.absence
    bits, today = buf.latents, buf.today
    update_latents(day, P, phase, prevalence, remote_uptake, bits, buf.latents_for)
    if stand_down.max() > 0.0:
        table = leave_table(closed, stand_down, stream_key(P.seed, ABSENCE, 0), buf.leave_latents)
        sent_home = np.empty(assigned.shape[0], dtype=np.float64)
        gather(table, assigned, sent_home)  # apart: the loop below runs vectorised without the read at random
        leave, burnt_days = _reasons_standing_down(day, P, bits, can_remote, role, burnout_until, sent_home,
                                                   buf.leave_latents, absence)
    else:
        shut = np.empty(assigned.shape[0], dtype=np.bool_)
        gather(closed, assigned, shut)
        leave, burnt_days = _reasons(day, P, bits, can_remote, role, burnout_until, shut, absence)
    absent = 0
    remote = 0
    managers_present = 0
    for a in range(assigned.shape[0]):  # the status (two loops of few arrays: both run vectorised)
        away = absence[a] >= 0
        at_home = (not away) & can_remote[a] & ((bits[a] & REMOTE_BIT) != 0)
        status[a] = STATUS_ABSENT if away else (STATUS_REMOTE if at_home else STATUS_ON_SITE)
        absent += away
        remote += at_home
        managers_present += (not away) & (role[a] >= 0)
    today[TODAY_ABSENT] = absent
    today[TODAY_MANAGERS_PRESENT] = managers_present
    today[TODAY_REMOTE] = remote
    today[TODAY_SPECIAL_LEAVE] = leave
    today[TODAY_BURNOUT_DAYS] = burnt_days  # nothing else makes an agent absent, nor ends a burnout, later today


@njit(cache=True, inline="always")
def _drawn(b, can_remote, remote_before_leave):
    """An agent's drawn reason (−1: none) from its latent bits ``b``.

    Also whether it works remotely if present, and whether that keeps it at work (rule 2).
    """
    at_home = can_remote & ((b & REMOTE_BIT) != 0)
    teleworks = at_home & remote_before_leave
    b = b & (np.uint8(0xFF) ^ (np.uint8(EXCUSED_BITS) if teleworks else np.uint8(0)))  # telework before leave
    r = VACANCY if b & VACANCY_BIT else -1
    r = VULNERABILITY if b & VULNERABILITY_BIT else r
    r = CHILDCARE if b & CHILDCARE_BIT else r
    r = SICKNESS if b & SICK_BIT else r
    return r, at_home, teleworks


@njit(cache=True, inline="always")
def _set_reason(a, day, r, on_leave, burnout_until, absence):
    """Agent a's reason: burnout, else drawn ``r``, else special leave; returns (special leave, burnt) as 0/1."""
    burnt = burnout_until[a] >= day
    absence[a] = BURNOUT if burnt else (SPECIAL_LEAVE if on_leave else r)
    return on_leave & (not burnt), burnt


@njit(cache=True)
def _reasons(day, P, bits, can_remote, role, burnout_until, shut, absence):
    """Every agent's absence reason when no service stands staff down; returns (special leaves, burnout days)."""
    leave = 0
    burnt_days = 0
    for a in range(bits.shape[0]):
        r, _, teleworks = _drawn(bits[a], can_remote[a], P.remote_before_leave)
        on_leave = (r < 0) & (role[a] < 0) & shut[a] & (not teleworks)
        left, burnt = _set_reason(a, day, r, on_leave, burnout_until, absence)
        leave += left
        burnt_days += burnt
    return leave, burnt_days


@njit(cache=True)
def _reasons_standing_down(day, P, bits, can_remote, role, burnout_until, sent_home, latent, absence):
    """As :func:`_reasons`, ``sent_home`` holding each agent's service's entry of the leave table."""
    leave = 0
    burnt_days = 0
    for a in range(bits.shape[0]):
        r, at_home, teleworks = _drawn(bits[a], can_remote[a], P.remote_before_leave)
        shut = sent_home[a] == CLOSED
        stood_down = (not shut) & (not at_home) & (latent[a] < sent_home[a])
        on_leave = (r < 0) & (role[a] < 0) & ((shut & (not teleworks)) | stood_down)
        left, burnt = _set_reason(a, day, r, on_leave, burnout_until, absence)
        leave += left
        burnt_days += burnt
    return leave, burnt_days
