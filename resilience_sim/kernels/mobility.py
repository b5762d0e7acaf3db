"""Stage 4 — mobility: match staff with slack to services with a gap.

With ``mobility.mode`` off and no volunteer days the stage does nothing. Otherwise,
every day:

1. **Gap and slack.** A service's need is today's expected demand plus the waiting
   tasks beyond a day's demand spread over its deadline (tasks/day); its capacity is what its present staff
   bring (the work stage's formula, remote work included); gap = need − capacity
   (negative: slack).
2. **Returns.** A moved agent goes home when its host has slack worth the agent's
   nominal capacity c (productivity × task share), or — once the move has lasted
   ``mobility.minimum_term`` days (the home cannot call it back sooner) — when its home
   service is open, has a gap and needs the agent more than the host does: home
   essential and host not, or both of one kind and the home's gap exceeds the host's by
   more than c (going back narrows the larger gap). A flying agent is never called back
   by its home (it was lent knowingly). Gaps are updated as agents go. A move that has
   lasted ``mobility.permanent_after`` days becomes a lasting reallocation: the host
   becomes the agent's home.
3. **Skills.** Training: a share ``training_share`` of staff with no secondary skill,
   drawn per agent, train from day 0 in the mission of an essential service (drawn per
   agent); on day ``training_days`` they know it. (Twinning trains a share of the twins'
   staff at set-up, :mod:`resilience_sim.mobility`.)
4. **Matching.** Donors, in agent order, are staff (not managers) at home, with no
   pending move: those on special leave (their service is closed), flying agents who
   are present, and present staff of a service with slack, as long as the slack left
   covers their nominal capacity. A donor fits a service if its primary skill or a
   *known* secondary skill is the service's mission — or, for a flying agent, one of
   its ``flying_skills`` essential missions: every move needs a skill. Services with a
   gap of at least one task a day are served essential first, then by decreasing gap;
   each takes donors who fit, in agent order, and are in scope (``none``; ``service``:
   units of the same service; ``twinned``: also twinned services; ``institution``;
   ``territory``; flying agents are always territory-wide; an external actor takes
   only sponsored agents whose home demand is below half its normal), peer mode also
   requiring the two services' managers to be neighbours (informal ties or twinning) —
   until the gap is covered by their nominal capacity, at most 512 candidates looked
   at per service and ``coordinator_capacity`` proposals a day in all (so matching is
   linear, not quadratic, in staff). A service in need that finds no donor counts a
   match refused for lack of skill.
5. **Decisions.** A proposal moves an agent with a pre-approved reassignment plan at
   once; otherwise it raises a redeployment decision at the end of the day (at the HR
   crisis cell if there is one; in central mode at the head of the service in need,
   climbing to the redeployment authority; in peer mode taken by that head). When the
   decision completes (decisions stage) the agent moves if the service still has a
   gap, else the match is refused for lack of decision (too late); a wrong decision
   moves the agent at ``wrong_move_productivity``.
6. **Volunteers.** Present staff of services with slack who were not moved may give
   ``volunteer_days`` a month (a share v/21.7 of their time) to a service still in
   need, same scope, banking the hours, up to the time bank's cap. The volunteer is the
   agent's own offer, taken the same day: after the donors whose known skills fit, those
   whose *latent* secondary skill fits offer themselves (the registry need not know it); a service's need for
   volunteers is today's gap, in which the agents proposed today for a move (who wait
   for their decision) do not count yet.
7. **Lessons kept** (``mobility.lessons_kept``). When an agent moves, its move goes on
   record as its personal reassignment plan (its later moves need no decision) and, if
   it is not a flying agent and changes service family, the two families become
   twinned (scope, peer neighbours, short learning): what the organisation learnt in
   one shock is there for the next.

A moved agent produces nothing for ``move_cost_days`` (handover, installation), then
its productivity ramps linearly from ``ramp_start`` to 1 over its learning days
(``flying_learning_days`` for a flying agent, ``known_learning_days`` on its primary
skill or in a twinned service, ``learning_days`` on a secondary skill).
"""

import math

import numpy as np
from numba import njit

from ..params import (
    MOBILITY_MODES,
    MOBILITY_SCOPES,
    MODE_OFF,
    MODE_PEER,
    REDEPLOYMENT,
    SCOPE_INSTITUTION,
    SCOPE_SERVICE,
    SCOPE_TERRITORY,
    SCOPE_TWINNED,
    SPECIAL_LEAVE,
)
from ..rng import TRAINING, stream_key, uniform
from ..state import STATUS_ABSENT
from .context import (
    COUNT_MOVED,
    COUNT_NEXT_MOVE_UID,
    TODAY_MOVES,
    TODAY_QUEUE,
    TODAY_RAMP_LOST,
    TODAY_REALLOCATED,
    TODAY_REDEPLOYED,
    TODAY_REDEPLOYED_ACROSS,
    TODAY_REFUSED_SKILL,
    TODAY_REVEALED,
    TODAY_VOLUNTEER_HOURS,
    DayParam,
    setting,
)
from .pool import MOVE_UIDS, raise_decision
from .work import pool_capacity, ramp

WORKING_DAYS_PER_MONTH = 21.7

DAY_PARAMS = (
    DayParam("mobility_mode", int, lambda s, org: MOBILITY_MODES.index(s["mobility.mode"]), "0 off, 1 central, 2 peer"),
    DayParam("mobility_scope", int, lambda s, org: MOBILITY_SCOPES.index(s["mobility.scope"]),
             "0 none, 1 service, 2 twinned, 3 institution, 4 territory"),
    DayParam("coordinator_moves", float, lambda s, org: s["mobility.coordinator_capacity"] * org.n_agents / 1000.0,
             "moves the coordination can propose a day"),
    DayParam("scan_limit", int, setting("mobility.scan_limit"), "candidates a service in need looks at a day"),
    DayParam("learning_days", float, setting("mobility.learning_days"), "days to learn a secondary skill's work"),
    DayParam("known_learning_days", float, setting("mobility.known_learning_days"),
             "days to full productivity on a primary skill or in a twinned service"),
    DayParam("permanent_after", int, setting("mobility.permanent_after"),
             "days after which a move becomes a reallocation"),
    DayParam("volunteer_share", float, lambda s, org: s["mobility.volunteer_days"] / WORKING_DAYS_PER_MONTH,
             "share of time a volunteer gives"),
    DayParam("time_bank_cap", float, setting("mobility.time_bank_cap"), "volunteer hours banked at most"),
    DayParam("sponsorship", bool, setting("mobility.sponsorship"), "agents may be lent to external actors"),
    DayParam("training_share", float, setting("mobility.training_share"),
             "share of staff without a secondary skill who are trained"),
    DayParam("training_days", int, setting("mobility.training_days"), "length of the training, days"),
    DayParam("flying_learning_days", float, setting("mobility.flying_learning_days"),
             "learning days of a flying agent wherever it goes"),
    DayParam("minimum_term", int, setting("mobility.minimum_term"),
             "days before a home may call a moved agent back"),
    DayParam("lessons_kept", bool, setting("mobility.lessons_kept"), "moves leave plans and twinning behind"),
)



@njit(cache=True)
def gaps(day, P, x, agents, services, backlog, share, scratch):
    """Set each service's gap: need (demand + excess queue over the deadline) − capacity."""
    n_svc = services.gap.shape[0]
    cap = np.zeros(n_svc)
    pool_capacity(day, P, agents, x.it_factor, share, cap, cap, True, scratch)  # nobody volunteers yet today
    for s in range(n_svc):
        queue = services.pending[s]
        for age in range(services.deadline[s]):
            queue += backlog[s, (day - age) % P.slots]
        excess = max(queue - x.demand[s], 0.0)  # backlog beyond a day of demand
        services.gap[s] = x.demand[s] + excess / services.deadline[s] - cap[s]


@njit(cache=True, inline="always")
def nominal(agents, a):
    """Nominal capacity an agent brings (productivity × task share), tasks/day."""
    return float(agents.productivity[a]) * float(agents.task_share[a])


@njit(cache=True, inline="always")
def learning_span(P, x, agents, services, a, g):
    """Learning days of agent a moved to service g."""
    h = agents.home[a]
    if agents.flying[a]:
        return P.flying_learning_days
    if agents.primary_skill[a] == services.mission[g] or x.twin[services.family[h], services.family[g]]:
        return P.known_learning_days
    return P.learning_days


@njit(cache=True)
def move(a, g, day, wrong, P, x, agents, services, today, counts):
    """Agent a starts working for service g today."""
    counts[COUNT_MOVED] += 1
    agents.learning_days[a] = learning_span(P, x, agents, services, a, g)
    agents.assigned[a] = g
    agents.moved_day[a] = day
    agents.wrong_move[a] = wrong
    agents.reserved[a] = False
    services.gap[g] -= nominal(agents, a)
    today[TODAY_MOVES] += 1
    if P.lessons_kept:
        agents.planned[a] = True
        fh, fg = services.family[agents.home[a]], services.family[g]
        if fh != fg and not agents.flying[a]:
            x.twin[fh, fg] = x.twin[fg, fh] = True
            x.near[fh, fg] = x.near[fg, fh] = True


@njit(cache=True)
def returns(day, P, x, agents, services, today, counts):
    """Send moved agents home when not needed here or (after the minimum term) needed more there.

    Moves that have lasted ``permanent_after`` days become lasting reallocations.
    """
    moved_day = agents.moved_day  # read once: a field of the tuple read in the loop costs a reference count
    for a in range(moved_day.shape[0]):
        if moved_day[a] < 0:
            continue
        h, g = agents.home[a], agents.assigned[a]
        if day - agents.moved_day[a] >= P.permanent_after:
            agents.home[a] = g
            agents.moved_day[a] = -1
            agents.wrong_move[a] = False
            today[TODAY_REALLOCATED] += 1
            counts[COUNT_MOVED] -= 1
            continue
        c = nominal(agents, a)
        settled = day - agents.moved_day[a] >= P.minimum_term
        if -services.gap[g] >= c or (settled and not agents.flying[a] and called_back(h, g, c, x, services)):
            agents.assigned[a] = h
            agents.moved_day[a] = -1
            agents.wrong_move[a] = False
            services.gap[g] += c
            services.gap[h] -= c
            counts[COUNT_MOVED] -= 1


@njit(cache=True, inline="always")
def called_back(h, g, c, x, services):
    """Whether home h (open, with a gap) needs its agent (capacity c) more than host g does."""
    gap, essential = services.gap, services.essential
    if x.closed[h] or gap[h] <= 0.0:
        return False
    if essential[h] != essential[g]:
        return bool(essential[h])
    return gap[h] > gap[g] + c


@njit(cache=True)
def train(day, P, x, agents, today):
    """The day a training ends, trainees know the mission of an essential service."""
    n = x.essential_missions.shape[0]
    if n == 0:
        return
    key = stream_key(P.seed, TRAINING, 0)
    for a in range(agents.home.shape[0]):
        if agents.role[a] >= 0 or agents.secondary_skill[a] >= 0:
            continue
        if uniform(key, a, 0) < P.training_share:
            m = x.essential_missions[min(int(uniform(key, a, 1) * n), n - 1)]
            if m != agents.primary_skill[a]:
                agents.secondary_skill[a] = m
                agents.secondary_known[a] = True
                today[TODAY_REVEALED] += 1


@njit(cache=True)
def donors(day, P, x, agents, services):
    """Available donors bucketed by fitting skill (CSR over missions), in agent order.

    A donor is listed once under each mission it fits: its primary skill, its known
    secondary skill, and a flying agent's essential missions (``x.flying_missions``).
    A second CSR lists donors under their *latent* secondary skill (not known to the
    organisation, not otherwise listed): volunteers offer it themselves.
    Returns (ptr, pool, latent_ptr, latent_pool).
    """
    role, moved_day, reserved, task_share = agents.role, agents.moved_day, agents.reserved, agents.task_share
    home, absence, status, productivity = agents.home, agents.absence, agents.status, agents.productivity
    primary, secondary, known, flying = (agents.primary_skill, agents.secondary_skill, agents.secondary_known,
                                         agents.flying)
    extra = x.flying_missions
    n_missions = int(max(services.mission.max(), primary.max(), secondary.max())) + 1
    spare = np.maximum(-services.gap, 0.0)
    listed = np.empty(home.shape[0], dtype=np.int32)  # the donors, in agent order
    n_listed = 0
    count = np.zeros(n_missions + 1, dtype=np.int64)
    lcount = np.zeros(n_missions + 1, dtype=np.int64)
    fits = np.empty(2 + extra.shape[1], dtype=np.int64)
    cur = -1  # the service whose spare capacity is held in ``left`` (see work.pool_capacity)
    left = 0.0
    for a in range(home.shape[0]):
        if role[a] >= 0 or moved_day[a] >= 0 or reserved[a] or task_share[a] <= 0.0:
            continue
        h = home[a]
        capacity = float(productivity[a]) * float(task_share[a])  # nominal capacity
        ok = False
        if absence[a] == SPECIAL_LEAVE:
            ok = True
        elif status[a] != STATUS_ABSENT:
            if flying[a]:
                ok = True  # lent knowingly: its home's slack is not asked for
            else:
                if h != cur:
                    if cur >= 0:
                        spare[cur] = left
                    cur = h
                    left = spare[h]
                if left >= capacity:
                    left -= capacity
                    ok = True
        if ok:
            listed[n_listed] = a
            n_listed += 1
            n = skills_of(a, primary, secondary, known, flying, extra, fits)
            for k in range(n):
                count[fits[k] + 1] += 1
            if latent(a, secondary, known, fits, n):
                lcount[secondary[a] + 1] += 1
    ptr = np.cumsum(count)
    fill = ptr[:-1].copy()
    pool = np.empty(ptr[-1], dtype=np.int64)
    lptr = np.cumsum(lcount)
    lfill = lptr[:-1].copy()
    lpool = np.empty(lptr[-1], dtype=np.int64)
    for j in range(n_listed):
        a = listed[j]
        n = skills_of(a, primary, secondary, known, flying, extra, fits)
        for k in range(n):
            pool[fill[fits[k]]] = a
            fill[fits[k]] += 1
        if latent(a, secondary, known, fits, n):
            lpool[lfill[secondary[a]]] = a
            lfill[secondary[a]] += 1
    return ptr, pool, lptr, lpool


@njit(cache=True, inline="always")
def latent(a, secondary, known, fits, n):
    """Whether agent a has a secondary skill the organisation does not know, not among ``fits[:n]``."""
    if secondary[a] < 0 or known[a]:
        return False
    for i in range(n):
        if fits[i] == secondary[a]:
            return False
    return True


@njit(cache=True, inline="always")
def skills_of(a, primary, secondary, known, flying, extra, fits):
    """Write the distinct missions agent a fits into ``fits``; returns their number."""
    fits[0] = primary[a]
    n = 1
    if secondary[a] >= 0 and known[a]:
        fits[1] = secondary[a]
        n = 2
    if flying[a]:
        for k in range(extra.shape[1]):
            m = extra[a, k]
            new = m >= 0
            for i in range(n):
                new = new and fits[i] != m
            if new:
                fits[n] = m
                n += 1
    return n


@njit(cache=True, inline="always")
def may_work(key, g, n_svc, scope, peer, sponsorship, fg, ig, external_g, family, institution, twin, near,
             demand, base_demand):
    """Whether a donor listed under ``key`` may work for service g.

    ``key`` is the donor's home service h, plus S (the number of services) for a flying
    agent; under the policy's scope and mode (flying agents: territory-wide), never for
    their own service. Decided for each candidate looked at, from the services' small
    tables.
    """
    flying = key >= n_svc
    h = key - n_svc if flying else key
    if h == g:
        return False
    fh = family[h]
    also = True  # conditions on flying agents too
    if external_g:
        also = sponsorship and demand[h] < 0.5 * base_demand[h]
    if also and peer:
        also = near[fh, fg]
    if not also:
        return False
    if flying or scope == SCOPE_TERRITORY:
        return True
    if scope == SCOPE_SERVICE:
        return fh == fg
    if scope == SCOPE_TWINNED:
        return fh == fg or twin[fh, fg]
    if scope == SCOPE_INSTITUTION:
        return institution[h] == ig
    return False  # SCOPE_NONE


@njit(cache=True)
def propose(a, g, day, P, x, agents, services, managers, decisions, buf):
    """Move agent a to g at once (plan) or raise the redeployment decision."""
    counts, today = buf.counts, buf.today
    if agents.planned[a] or x.signoffs[REDEPLOYMENT] <= 0:
        move(a, g, day, False, P, x, agents, services, today, counts)
        return
    if x.hr_cell >= 0:
        desk, authority, steps = x.hr_cell, x.authority[REDEPLOYMENT], 1
    else:
        desk = services.head[g]
        if desk < 0:
            return
        if P.mobility_mode == MODE_PEER:
            authority, steps = managers.level[desk], 1
        else:
            authority, steps = x.authority[REDEPLOYMENT], x.signoffs[REDEPLOYMENT]
    u = MOVE_UIDS + counts[COUNT_NEXT_MOVE_UID]  # own numbering: other draws keep theirs (CRN)
    counts[COUNT_NEXT_MOVE_UID] += 1
    i, first = raise_decision(u, REDEPLOYMENT, g, day + 1.0, desk, authority, steps, managers, decisions, buf)
    decisions.subject[i] = a
    managers.queue[first] += 1  # at that desk tonight (the desks were counted before this stage)
    today[TODAY_QUEUE + managers.level[first]] += 1
    agents.reserved[a] = True
    services.gap[g] -= nominal(agents, a)


@njit(cache=True)
def match(day, P, x, agents, services, managers, decisions, buf):
    """Serve the services in need from the donors (see module doc); then volunteers."""
    home, is_flying, gap = agents.home, agents.flying, services.gap
    ptr, pool, lptr, lpool = donors(day, P, x, agents, services)
    used = np.zeros(home.shape[0], dtype=np.bool_)
    awaited = np.zeros(gap.shape[0])  # nominal capacity proposed today, waiting for its decision
    pool_key = home[pool] + gap.shape[0] * is_flying[pool]  # each listed donor's home, + S if flying (see may_work)
    lpool_key = home[lpool] + gap.shape[0] * is_flying[lpool]
    order = np.argsort(-(gap + 1e9 * services.essential), kind="mergesort")
    budget = int(math.ceil(P.coordinator_moves))
    for g in order:
        if gap[g] < 1.0 or P.mobility_mode == MODE_OFF or budget <= 0:  # (no budget: nothing proposed)
            continue
        found, budget = _serve(g, False, budget, day, P, x, agents, services, managers, decisions, buf,
                               ptr, pool, pool_key, lptr, lpool, lpool_key, used, awaited)
        if found == 0 and budget > 0:
            buf.today[TODAY_REFUSED_SKILL] += 1
    if P.volunteer_share <= 0.0:
        return
    for g in order:
        gap[g] += awaited[g]  # today's need: the proposed agents are not there yet
        if gap[g] >= 1.0:
            _serve(g, True, 0, day, P, x, agents, services, managers, decisions, buf,
                   ptr, pool, pool_key, lptr, lpool, lpool_key, used, awaited)
        gap[g] -= awaited[g]


@njit(cache=True, inline="always")
def _serve(g, volunteers, budget, day, P, x, agents, services, managers, decisions, buf,
           ptr, pool, pool_key, lptr, lpool, lpool_key, used, awaited):
    """Look at g's candidates (donors of its mission); propose moves, or take volunteers.

    Proposals (``volunteers`` False) spend the coordination's ``budget``, and those
    that wait for a decision add to ``awaited[g]``; volunteers must be present with
    room in their time bank, and after the donors the registry knows fit, those whose
    latent skill fits offer themselves (volunteering is the agent's offer). At most
    ``P.scan_limit`` candidates not used yet are looked at. Returns (agents found, budget left).
    """
    family, institution, n_svc = services.family, services.institution, services.gap.shape[0]
    fg, ig = family[g], institution[g]
    external_g = x.external[ig]
    scope, peer = P.mobility_scope, P.mobility_mode == MODE_PEER
    found = 0
    looked = 0
    m = services.mission[g]
    for list_ in range(2 if volunteers else 1):
        src, keys = (pool, pool_key) if list_ == 0 else (lpool, lpool_key)
        first, end = (ptr[m], ptr[m + 1]) if list_ == 0 else (lptr[m], lptr[m + 1])
        found, budget, looked = _scan(g, volunteers, budget, found, looked, first, end, src, keys, day, P, x,
                                      agents, services, managers, decisions, buf, used, awaited, n_svc, scope,
                                      peer, fg, ig, external_g, family, institution)
    return found, budget


@njit(cache=True, inline="always")
def _scan(g, volunteers, budget, found, looked, first, end, src, keys, day, P, x, agents, services, managers,
          decisions, buf, used, awaited, n_svc, scope, peer, fg, ig, external_g, family, institution):
    """One list of g's candidates (see :func:`_serve`); returns (found, budget, looked)."""
    gap, status, time_bank = services.gap, agents.status, agents.time_bank
    for j in range(first, end):
        a = src[j]
        if gap[g] < 1.0 or looked >= P.scan_limit or (not volunteers and budget <= 0):
            break
        if used[a] or (volunteers and (status[a] == STATUS_ABSENT or time_bank[a] >= P.time_bank_cap)):
            continue
        looked += 1
        if not may_work(keys[j], g, n_svc, scope, peer, P.sponsorship,
                        fg, ig, external_g, family, institution, x.twin, x.near, x.demand, services.base_demand):
            continue
        used[a] = True
        found += 1
        if volunteers:
            hours = P.volunteer_share * P.hours_per_day
            agents.volunteer_to[a] = g
            time_bank[a] += hours
            buf.today[TODAY_VOLUNTEER_HOURS] += hours
            gap[g] -= P.volunteer_share * (float(agents.productivity[a]) * float(agents.task_share[a]))  # nominal
        else:
            budget -= 1
            propose(a, g, day, P, x, agents, services, managers, decisions, buf)
            if agents.reserved[a]:
                awaited[g] += nominal(agents, a)
    return found, budget, looked


@njit(cache=True)
def tally(day, P, agents, services, flows, today):
    """Count moved agents (inside and across institutions), ramp-up lost, flows."""
    moved_day = agents.moved_day
    for a in range(moved_day.shape[0]):
        if moved_day[a] < 0:
            continue
        h, g = agents.home[a], agents.assigned[a]
        today[TODAY_REDEPLOYED] += 1
        if services.institution[h] != services.institution[g]:
            today[TODAY_REDEPLOYED_ACROSS] += 1
        if agents.status[a] != STATUS_ABSENT:
            today[TODAY_RAMP_LOST] += 1.0 - ramp(P, agents.moved_day[a], agents.learning_days[a],
                                                     agents.wrong_move[a], day)
        flows[services.family[h], services.family[g]] += 1


@njit(cache=True, inline="always")
def redeploy(day, P, x, agents, services, managers, decisions, buf, share):
    """The mobility stage (see module doc)."""
    if P.volunteer_share > 0.0:  # nobody volunteers otherwise: the array stays at -1
        agents.volunteer_to[:] = -1
    if P.mobility_mode == MODE_OFF and P.volunteer_share <= 0.0:
        return
    gaps(day, P, x, agents, services, buf.backlog, share, buf.agent_scratch)
    if buf.counts[COUNT_MOVED] > 0:  # the passes below do nothing without moved agents or gaps
        returns(day, P, x, agents, services, buf.today, buf.counts)
    if P.training_share > 0.0 and day == P.training_days:
        train(day, P, x, agents, buf.today)
    if services.gap.max() >= 1.0:
        match(day, P, x, agents, services, managers, decisions, buf)
    if buf.counts[COUNT_MOVED] > 0:
        tally(day, P, agents, services, buf.flows, buf.today)
