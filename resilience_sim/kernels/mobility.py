"""Stage 4 — mobility: match staff with slack to services with a gap.

With ``mobility.mode`` off and no volunteer days the stage does nothing. Otherwise,
every day:

1. **Gap and slack.** A service's need is today's expected demand plus the waiting
   tasks beyond a day's demand spread over its deadline (tasks/day); its capacity is what its present staff
   bring (the work stage's formula, remote work included); gap = need − capacity
   (negative: slack).
2. **Returns.** A moved agent goes home when its home service has a gap (and is open),
   or when its host has slack worth the agent's nominal capacity (productivity × task
   share); gaps are updated as agents go. A move that has lasted
   ``mobility.permanent_after`` days becomes a lasting reallocation: the host becomes
   the agent's home.
3. **Skills.** On crisis days, a latent secondary skill becomes known with probability
   reveal rate × share of the agent's informal ties whose primary skill it is. Training:
   a share ``training_share`` of staff with no secondary skill, drawn per agent, train
   from day 0 in the mission of an essential service (drawn per agent); on day
   ``training_days`` they know it.
4. **Matching.** Donors, in agent order, are staff (not managers) at home, with no
   pending move: those on special leave (their service is closed), and present staff
   of a service with slack, as long as the slack left covers their nominal capacity.
   A donor fits a service if its primary skill or a *known* secondary skill is the
   service's mission, or if its home service is twinned with it (twinning prepares
   staff for the twin). Services with a gap of at least one task a day are served
   essential first, then by decreasing gap; each takes donors who fit — first by
   skill, in agent order, then the staff of twinned services — and are in scope (``none``; ``service``: units of the
   same service; ``twinned``: also twinned services; ``institution``; ``territory``;
   flying agents are always territory-wide; an external actor takes only sponsored
   agents whose home demand is below half its normal), peer mode also requiring the
   two services' managers to be neighbours (informal ties or twinning) — until the
   gap is covered by their nominal capacity, at most 512 candidates looked at per
   service and ``coordinator_capacity`` proposals a day in all (so matching is linear,
   not quadratic, in staff). A service in need that finds no donor counts a match
   refused for lack of skill.
5. **Decisions.** A proposal moves an agent with a pre-approved reassignment plan at
   once; otherwise it raises a redeployment decision at the end of the day (at the HR
   crisis cell if there is one; in central mode at the head of the service in need,
   climbing to the redeployment authority; in peer mode taken by that head). When the
   decision completes (decisions stage) the agent moves if the service still has a
   gap, else the match is refused for lack of decision (too late); a wrong decision
   moves the agent at ``wrong_move_productivity``.
6. **Volunteers.** Present staff of services with slack who were not moved may give
   ``volunteer_days`` a month (a share v/21.7 of their time) to a service still in
   need, same skills and scope, banking the hours, up to the time bank's cap.

A moved agent's productivity ramps linearly from ``ramp_start`` to 1 over its
learning days (``known_learning_days`` on its primary skill or in a twinned service,
``learning_days`` on a secondary skill).
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
from ..rng import REVEAL, TRAINING, stream_key, uniform
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
    DayParam("reveal_rate", float, setting("mobility.reveal_rate"),
             "daily revelation rate of latent skills per share of ties"),
    DayParam("volunteer_share", float, lambda s, org: s["mobility.volunteer_days"] / WORKING_DAYS_PER_MONTH,
             "share of time a volunteer gives"),
    DayParam("time_bank_cap", float, setting("mobility.time_bank_cap"), "volunteer hours banked at most"),
    DayParam("sponsorship", bool, setting("mobility.sponsorship"), "agents may be lent to external actors"),
    DayParam("training_share", float, setting("mobility.training_share"),
             "share of staff without a secondary skill who are trained"),
    DayParam("training_days", int, setting("mobility.training_days"), "length of the training, days"),
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


@njit(cache=True)
def returns(day, P, x, agents, services, today, counts):
    """Send moved agents home when needed there or not needed here; make long moves lasting."""
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
        if (services.gap[h] > 0.0 and not x.closed[h]) or -services.gap[g] >= c:
            agents.assigned[a] = h
            agents.moved_day[a] = -1
            agents.wrong_move[a] = False
            services.gap[g] += c
            services.gap[h] -= c
            counts[COUNT_MOVED] -= 1


@njit(cache=True)
def reveal(day, P, agents, tie_share, today):
    """On crisis days, latent secondary skills surface through informal ties."""
    key = stream_key(P.seed, REVEAL, day)
    secondary, known = agents.secondary_skill, agents.secondary_known
    revealed = 0
    for a in range(secondary.shape[0]):  # without branches: the compiler runs several agents at once
        newly = ((secondary[a] >= 0) & (not known[a]) & (tie_share[a] > 0.0)
                 & (uniform(key, a, 0) < P.reveal_rate * tie_share[a]))
        known[a] = known[a] | newly
        revealed += newly
    today[TODAY_REVEALED] += revealed


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
    """Available donors bucketed by fitting skill (CSR over missions), in agent order."""
    role, moved_day, reserved, task_share = agents.role, agents.moved_day, agents.reserved, agents.task_share
    home, absence, status, productivity = agents.home, agents.absence, agents.status, agents.productivity
    primary, secondary, known, family = (agents.primary_skill, agents.secondary_skill, agents.secondary_known,
                                         services.family)
    n_missions = int(max(services.mission.max(), primary.max(), secondary.max())) + 1
    spare = np.maximum(-services.gap, 0.0)
    listed = np.empty(home.shape[0], dtype=np.int32)  # the donors, in agent order
    n_listed = 0
    count = np.zeros(n_missions + 1, dtype=np.int64)
    fcount = np.zeros(x.twin.shape[0] + 1, dtype=np.int64)
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
            count[primary[a] + 1] += 1
            if secondary[a] >= 0 and known[a]:
                count[secondary[a] + 1] += 1
            fcount[family[h] + 1] += 1
    ptr = np.cumsum(count)
    fill = ptr[:-1].copy()
    pool = np.empty(ptr[-1], dtype=np.int64)
    fptr = np.cumsum(fcount)
    ffill = fptr[:-1].copy()
    fpool = np.empty(fptr[-1], dtype=np.int64)
    for j in range(n_listed):
        a = listed[j]
        pool[fill[primary[a]]] = a
        fill[primary[a]] += 1
        if secondary[a] >= 0 and known[a]:
            pool[fill[secondary[a]]] = a
            fill[secondary[a]] += 1
        f = family[home[a]]
        fpool[ffill[f]] = a
        ffill[f] += 1
    return ptr, pool, fptr, fpool


@njit(cache=True)
def candidate_ranges(g, x, services, ptr, fptr):
    """Where the donors who fit service g are, in order of preference.

    Rows (list, first, end): list 0 is the donors of g's mission (``pool``), list 1 the
    staff of a twinned service (``fpool``).
    """
    m = services.mission[g]
    fg = services.family[g]
    n_fam = x.twin.shape[0]
    rows = np.empty((1 + n_fam, 3), dtype=np.int64)
    rows[0, 0], rows[0, 1], rows[0, 2] = 0, ptr[m], ptr[m + 1]
    n = 1
    for f in range(n_fam):
        if x.twin[fg, f]:
            rows[n, 0], rows[n, 1], rows[n, 2] = 1, fptr[f], fptr[f + 1]
            n += 1
    return rows[:n]


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
    ptr, pool, fptr, fpool = donors(day, P, x, agents, services)
    used = np.zeros(home.shape[0], dtype=np.bool_)
    n_svc = gap.shape[0]
    pool_key = home[pool] + n_svc * is_flying[pool]  # each listed donor's home, + S if flying (see may_work)
    fpool_key = home[fpool] + n_svc * is_flying[fpool]
    order = np.argsort(-(gap + 1e9 * services.essential), kind="mergesort")
    budget = int(math.ceil(P.coordinator_moves))
    for g in order:
        if gap[g] < 1.0 or P.mobility_mode == MODE_OFF or budget <= 0:  # (no budget: nothing proposed)
            continue
        found, budget = _serve(g, False, budget, day, P, x, agents, services, managers, decisions, buf,
                               ptr, pool, fptr, fpool, pool_key, fpool_key, used)
        if found == 0 and budget > 0:
            buf.today[TODAY_REFUSED_SKILL] += 1
    if P.volunteer_share <= 0.0:
        return
    for g in order:
        if gap[g] >= 1.0:
            _serve(g, True, 0, day, P, x, agents, services, managers, decisions, buf,
                   ptr, pool, fptr, fpool, pool_key, fpool_key, used)


@njit(cache=True, inline="always")
def _serve(g, volunteers, budget, day, P, x, agents, services, managers, decisions, buf,
           ptr, pool, fptr, fpool, pool_key, fpool_key, used):
    """Look at g's candidates in order of preference; propose moves, or take volunteers.

    Proposals (``volunteers`` False) spend the coordination's ``budget``; volunteers must
    be present with room in their time bank. At most ``P.scan_limit`` candidates not used
    yet are looked at. Returns (agents found, budget left).
    """
    gap, status, time_bank = services.gap, agents.status, agents.time_bank
    family, institution, n_svc = services.family, services.institution, services.gap.shape[0]
    fg, ig = family[g], institution[g]
    external_g = x.external[ig]
    scope, peer = P.mobility_scope, P.mobility_mode == MODE_PEER
    found = 0
    looked = 0
    for list_, first, end in candidate_ranges(g, x, services, ptr, fptr):
        for j in range(first, end):
            a = pool[j] if list_ == 0 else fpool[j]
            if gap[g] < 1.0 or looked >= P.scan_limit or (not volunteers and budget <= 0):
                break
            if used[a] or (volunteers and (status[a] == STATUS_ABSENT or time_bank[a] >= P.time_bank_cap)):
                continue
            looked += 1
            if not may_work(pool_key[j] if list_ == 0 else fpool_key[j], g, n_svc, scope, peer, P.sponsorship,
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
    return found, budget


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
def redeploy(day, P, x, agents, services, managers, decisions, buf, share, crisis):
    """The mobility stage (see module doc)."""
    if P.volunteer_share > 0.0:  # nobody volunteers otherwise: the array stays at -1
        agents.volunteer_to[:] = -1
    if P.mobility_mode == MODE_OFF and P.volunteer_share <= 0.0:
        return
    gaps(day, P, x, agents, services, buf.backlog, share, buf.agent_scratch)
    if buf.counts[COUNT_MOVED] > 0:  # the passes below do nothing without moved agents or gaps
        returns(day, P, x, agents, services, buf.today, buf.counts)
    if crisis and P.reveal_rate > 0.0:
        reveal(day, P, agents, x.tie_share, buf.today)
    if P.training_share > 0.0 and day == P.training_days:
        train(day, P, x, agents, buf.today)
    if services.gap.max() >= 1.0:
        match(day, P, x, agents, services, managers, decisions, buf)
    if buf.counts[COUNT_MOVED] > 0:
        tally(day, P, agents, services, buf.flows, buf.today)
