"""Stage 5 — initiatives: agents act without mandate; the hierarchy reacts; the cell relays.

With ``initiatives.enabled`` off the stage does nothing. Otherwise, every day:

1. **Need seen.** A service's need is n = min(1, max(0, pressure − 1)), its pressure
   of the day before (expected demand over the capacity its staff brought).
2. **Running initiatives**, in agent order. An initiative stops, without penalty, when
   its initiator is absent (special leave aside), too tired (fatigue above
   ``stop_fatigue``) or after ``duration`` days; one that does not work is found out
   after ``trial_days`` and stops as failed (a setback, below). Otherwise its initiator
   gains ``hero_fatigue`` (the lone hero), and a relayed initiative that works, aged
   ``adopt_days`` or more, is adopted: its service's lasting capacity gain
   (``practice``) rises by ``adoption_gain``, and by ``spread`` × that in the services
   of the same mission linked to it by informal ties, up to ``max_gain``.
3. **Call for testimonies**, every ``testimony_period`` days: each running initiative
   not yet surfaced is surfaced with probability ``testimony_reach``, and recognised.
4. **Relay by the innovation cell**: by day d the cell has relayed at most
   ⌊capacity × (d + 1)/7⌋ initiatives; it takes surfaced or approved ones not yet
   relayed, in agent order. A relayed initiative cannot be blocked.
5. **Launches**, in agent order, at most ``max_launches`` a day. A member of staff (not
   a manager) at home, present or on special leave, with no initiative running, looks
   at its own service and at the services of its informal ties whose mission is its
   primary or secondary skill; it targets the one with the largest need (its own first,
   then ties in order; external actors excluded). With n that need, slack s = 1 on
   special leave, else (1 − fatigue) × (1 on its own service, else max(0, 1 −
   pressure of its own service)), it launches with probability
   rate · n · s · culture · (1 + compensation) · engagement · (1 − risk aversion) ·
   (multi-hat factor if it has a secondary skill) · (1 + drive), where culture =
   (1 + authority level of initiative decisions)/5 + risk limit + duty of initiative
   and drive is what it saw of its ties' initiatives. That probability is below
   c = rate · culture · (1 + compensation) · max(multi-hat, 1) · 2 for anyone, so only
   candidates, each agent drawn with probability c (``rng.next_candidate``: geometric
   gaps), are looked at, and a candidate launches if c·u < its probability (u uniform): the
   same law as a draw per agent, at the cost of about c·N agents a day. A candidate's
   probability is at most its value with the largest need of the day among its own service
   and the services of its two skills' missions and the slack it would have on its own
   service: a draw above that is a candidate rejected before its ties are read. The initiative
   works with probability ``success`` (drawn at launch). It raises an initiative decision at the
   initiator's manager's desk at the end of the day (no manager or no sign-off: approved
   at once), numbered from ``INIT_UIDS``.
6. **External initiatives** (extrapreneurship): a service with need, not served by an
   external initiative, that an external actor can serve (a shared mission tag), gets one with
   probability ``external_rate`` × n; it raises a partnership decision at the service's
   head. Supported, it adds ``external_capacity`` × baseline demand to the service's
   capacity for ``duration`` days.

**The hierarchy's reaction** (decisions stage, :func:`decided`): an initiative decision
settled at level ℓ (the field F for a tacit approval) blocks the initiative with
probability b = block rate × (F − ℓ)/F × (1 + sign-offs)/2, capped at 1 — more often far
from the field and after a long chain; a relayed one is never blocked. Blocked, it
stops (a setback); otherwise it is approved. A partnership decision about an external
initiative follows the same rule. A decision about an initiative that has ended is moot.

**Setback and recognition.** A blocked or failed initiative costs its initiator
``penalty`` × (1 − risk compensation) of engagement, and each of its informal ties
``peer_effect`` of drive; a recognised one gives the initiator ``recognition`` of
engagement and its ties ``peer_effect`` of drive (drive stays within [−1, 1]).

**What an initiative does** (work stage, :func:`contribute`): after the staff pool
their capacity, each service's capacity (on site and remote) is multiplied by
1 + practice and a supported external initiative adds its capacity; then, in agent
order, an initiator gives ``time_share`` of its capacity today (on special leave: of
its nominal capacity × (1 − fatigue effect × fatigue)); a present initiator's own
service loses that time; a working initiative adds ``yield`` × that time to the
capacity of the service it serves. No task is created or destroyed.
"""

import math

import numpy as np
from numba import njit

from ..params import INITIATIVE, INITIATIVE_EVENTS, PARTNERSHIP, SPECIAL_LEAVE
from ..rng import INITIATIVE as INITIATIVE_STREAM
from ..rng import next_candidate, stream_key, uniform
from ..state import STATUS_ABSENT, STATUS_REMOTE
from .context import COUNTS, TODAY, TODAY_QUEUE, DayParam, setting
from .pool import MOVE_UIDS, draw_key, raise_decision

INITIATIVE_KIND, PARTNERSHIP_KIND = INITIATIVE, PARTNERSHIP
INIT_UIDS = MOVE_UIDS + (1 << 29)  # initiative and external partnership decisions are numbered from here
APPROVED, RELAYED, SURFACED, WORKS, ADOPTED = 1, 2, 4, 8, 16  # agents.initiative_flags


def _culture(scenario, org) -> float:
    """The autonomy culture: (1 + authority level of initiative decisions)/5 + risk limit + duty."""
    from ..policy import decision_rules  # the rules need the built organisation

    authority = int(decision_rules(scenario, org).authority[INITIATIVE])
    return (1.0 + authority) / 5.0 + scenario["policy.freedom.risk_limit"] + scenario["initiatives.duty"]


def max_launches(n_agents: int) -> int:
    """Initiatives launched in one day at most: one in twenty agents, and 16 (bounds the decision pool)."""
    return n_agents // 20 + 16


DAY_PARAMS = (
    DayParam("init_on", bool, setting("initiatives.enabled"), "the initiatives stage runs"),
    DayParam("init_rate", float, setting("initiatives.launch_rate"), "launch rate at full propensity, /day"),
    DayParam("init_multi_hat", float, setting("initiatives.multi_hat"), "propensity factor of multi-hat agents"),
    DayParam("init_culture", float, _culture, "autonomy culture factor (authority, risk limit, duty of initiative)"),
    DayParam("init_compensation", float, setting("initiatives.risk_compensation"),
             "share of the penalty absorbed (risk compensation)"),
    DayParam("init_success", float, setting("initiatives.success"), "probability that an initiative works"),
    DayParam("init_trial_days", int, setting("initiatives.trial_days"), "days before a failure is found out"),
    DayParam("init_duration", int, setting("initiatives.duration"), "longest life of an initiative, days"),
    DayParam("init_adopt_days", int, setting("initiatives.adopt_days"), "age of adoption, days"),
    DayParam("init_time_share", float, setting("initiatives.time_share"), "share of the initiator's time"),
    DayParam("init_output", float, setting("initiatives.yield"), "tasks served per task of the initiator's time"),
    DayParam("init_hero_fatigue", float, setting("initiatives.hero_fatigue"), "initiator's fatigue gain, /day"),
    DayParam("init_stop_fatigue", float, setting("initiatives.stop_fatigue"), "fatigue at which it drops"),
    DayParam("init_block_rate", float, setting("initiatives.block_rate"), "blocking at the top after one sign-off"),
    DayParam("init_penalty", float, setting("initiatives.penalty"), "engagement lost by a setback"),
    DayParam("init_recognition", float, setting("initiatives.recognition"), "engagement gained by recognition"),
    DayParam("init_peer_effect", float, setting("initiatives.peer_effect"), "drive change of the initiator's ties"),
    DayParam("init_testimony_period", int, lambda s, org: s["initiatives.testimony_period"] or 0,
             "days between calls for testimonies (0 = none)"),
    DayParam("init_testimony_reach", float, setting("initiatives.testimony_reach"), "chance a call surfaces one"),
    DayParam("init_cell_capacity", float, setting("initiatives.cell_capacity"), "relays a week"),
    DayParam("init_adoption_gain", float, setting("initiatives.adoption_gain"), "lasting gain of an adoption"),
    DayParam("init_spread", float, setting("initiatives.spread"), "share of it passed along ties"),
    DayParam("init_max_gain", float, setting("initiatives.max_gain"), "ceiling of a service's lasting gain"),
    DayParam("init_max_launches", int, lambda s, org: max_launches(org.n_agents), "launches a day at most"),
    DayParam("ext_rate", float, lambda s, org: s["initiatives.external_rate"] if s["initiatives.enabled"] else 0.0,
             "external initiatives' launch rate per unit of need, /day"),
    DayParam("ext_capacity", float, setting("initiatives.external_capacity"),
             "capacity of a supported external initiative, share of baseline demand"),
)

(COUNT_INIT_LAUNCHED, COUNT_INIT_APPROVED, COUNT_INIT_BLOCKED, COUNT_INIT_FAILED, COUNT_INIT_RECOGNISED,
 COUNT_INIT_RELAYED, COUNT_INIT_ADOPTED, COUNT_INIT_EXTERNAL, COUNT_EXT_SUPPORTED, COUNT_INIT_RUNNING,
 COUNT_EVENTS, COUNT_NEXT_INIT_UID) = COUNTS.add(
    "initiatives_launched", "initiatives_approved", "initiatives_blocked", "initiatives_failed",
    "initiatives_recognised", "initiatives_relayed", "initiatives_adopted", "initiatives_external",
    "initiatives_external_supported",
    "initiatives_running",  # running now
    "initiative_events",    # events logged in buf.events
    "next_initiative_uid")  # initiative and external partnership decisions have their own numbering
(TODAY_INIT_RUNNING, TODAY_INIT_LAUNCHED, TODAY_INIT_BLOCKED, TODAY_INIT_ADOPTED, TODAY_INIT_EXTERNAL) = TODAY.add(
    "initiatives_running", "initiatives_launched", "initiatives_blocked", "initiatives_adopted",
    "initiatives_external")

EVENTS = INITIATIVE_EVENTS
(EVENT_LAUNCHED, EVENT_APPROVED, EVENT_BLOCKED, EVENT_FAILED, EVENT_RECOGNISED, EVENT_RELAYED, EVENT_ADOPTED,
 EVENT_ENDED, EVENT_EXTERNAL, EVENT_EXT_SUPPORTED, EVENT_EXT_BLOCKED) = range(11)


@njit(cache=True)
def events_bound(running, max_launches, n_services):
    """Events one day can log at most (a running initiative ≤ 4, a launch ≤ 2, a service ≤ 3)."""
    return 4 * (running + max_launches) + 3 * n_services


@njit(cache=True, inline="always")
def log(buf, day, a, h, g, event):
    """Append an event (the engine keeps room for a day's events, see ``events_bound``)."""
    n = buf.counts[COUNT_EVENTS]
    if n < buf.events.shape[0]:
        row = buf.events[n]
        row[0], row[1], row[2], row[3], row[4] = day, a, h, g, event
    buf.counts[COUNT_EVENTS] = n + 1


@njit(cache=True)
def block_probability(P, level, signoffs):
    """Probability that an initiative settled at ``level`` after ``signoffs`` sign-offs is blocked."""
    far = (P.field_level - level) / P.field_level
    return min(1.0, P.init_block_rate * far * (1.0 + signoffs) / 2.0)


@njit(cache=True)
def setback(a, P, x, agents):
    """A blocked or failed initiative: its initiator loses engagement, its ties lose drive."""
    e = np.float64(agents.engagement[a]) - P.init_penalty * (1.0 - P.init_compensation)
    agents.engagement[a] = min(max(e, 0.0), 1.0)
    drive = agents.initiative_drive
    for j in range(x.tie_ptr[a], x.tie_ptr[a + 1]):
        t = x.tie_agent[j]
        drive[t] = max(np.float64(drive[t]) - P.init_peer_effect, -1.0)


@njit(cache=True)
def recognise(a, P, x, agents):
    """A recognised initiative: its initiator gains engagement, its ties gain drive."""
    e = np.float64(agents.engagement[a]) + P.init_recognition
    agents.engagement[a] = min(max(e, 0.0), 1.0)
    drive = agents.initiative_drive
    for j in range(x.tie_ptr[a], x.tie_ptr[a + 1]):
        t = x.tie_agent[j]
        drive[t] = min(np.float64(drive[t]) + P.init_peer_effect, 1.0)


@njit(cache=True)
def end(a, agents, counts):
    """The agent's initiative stops (a decision still in flight about it becomes moot)."""
    agents.initiative[a] = -1
    agents.initiative_since[a] = -1
    agents.initiative_flags[a] = 0
    agents.initiative_uid[a] = -1
    counts[COUNT_INIT_RUNNING] -= 1


@njit(cache=True)
def adopt(g, P, x, services):
    """Service g adopts a practice; services of its mission tied to it get a share."""
    practice, mission, family = services.practice, services.mission, services.family
    practice[g] = min(practice[g] + P.init_adoption_gain, P.init_max_gain)
    for s in range(practice.shape[0]):
        if s != g and mission[s] == mission[g] and x.near[family[g], family[s]]:
            practice[s] = min(practice[s] + P.init_spread * P.init_adoption_gain, P.init_max_gain)


@njit(cache=True)
def sustain(day, P, x, agents, services, buf):
    """Running initiatives go on, fail, end or are adopted (see module doc, 2)."""
    counts, today = buf.counts, buf.today
    initiative, flags, since = agents.initiative, agents.initiative_flags, agents.initiative_since
    for a in range(initiative.shape[0]):
        g = initiative[a]
        if g < 0:
            continue
        age = day - since[a]
        h = agents.home[a]
        if ((agents.status[a] == STATUS_ABSENT and agents.absence[a] != SPECIAL_LEAVE)
                or agents.fatigue[a] > P.init_stop_fatigue or age >= P.init_duration):
            end(a, agents, counts)
            log(buf, day, a, h, g, EVENT_ENDED)
        elif age >= P.init_trial_days and not flags[a] & WORKS:
            counts[COUNT_INIT_FAILED] += 1
            setback(a, P, x, agents)
            end(a, agents, counts)
            log(buf, day, a, h, g, EVENT_FAILED)
        else:
            agents.fatigue[a] = min(np.float64(agents.fatigue[a]) + P.init_hero_fatigue, 1.0)
            f = flags[a]
            if f & RELAYED and f & WORKS and not f & ADOPTED and age >= P.init_adopt_days:
                flags[a] = f | ADOPTED
                adopt(g, P, x, services)
                counts[COUNT_INIT_ADOPTED] += 1
                today[TODAY_INIT_ADOPTED] += 1
                log(buf, day, a, h, g, EVENT_ADOPTED)


@njit(cache=True)
def testimony(day, P, x, agents, buf):
    """A call for testimonies surfaces running initiatives, which are recognised."""
    key = stream_key(P.seed, INITIATIVE_STREAM, day)
    initiative, flags = agents.initiative, agents.initiative_flags
    for a in range(initiative.shape[0]):
        if initiative[a] < 0 or flags[a] & SURFACED:
            continue
        if uniform(key, a, 2) < P.init_testimony_reach:
            flags[a] |= SURFACED
            recognise(a, P, x, agents)
            buf.counts[COUNT_INIT_RECOGNISED] += 1
            log(buf, day, a, agents.home[a], initiative[a], EVENT_RECOGNISED)


@njit(cache=True)
def relay(day, P, agents, buf):
    """The innovation cell relays surfaced or approved initiatives, up to its capacity."""
    counts = buf.counts
    allowed = int(math.floor(P.init_cell_capacity * (day + 1) / 7.0)) - counts[COUNT_INIT_RELAYED]
    initiative, flags = agents.initiative, agents.initiative_flags
    for a in range(initiative.shape[0]):
        if allowed <= 0:
            break
        f = flags[a]
        if initiative[a] < 0 or f & RELAYED or not f & (SURFACED | APPROVED):
            continue
        flags[a] = f | RELAYED
        counts[COUNT_INIT_RELAYED] += 1
        allowed -= 1
        log(buf, day, a, agents.home[a], initiative[a], EVENT_RELAYED)


@njit(cache=True)
def raise_about(u, kind, g, day, desk, x, managers, decisions, buf):
    """Raise decision ``u`` of ``kind`` about service g at ``desk`` at the end of the day; its slot."""
    i, first = raise_decision(u, kind, g, day + 1.0, desk, x.authority[kind], x.signoffs[kind], managers,
                              decisions, buf)
    managers.queue[first] += 1  # at that desk tonight (the desks were counted before this stage)
    buf.today[TODAY_QUEUE + managers.level[first]] += 1
    return i


@njit(cache=True)
def launch(a, h, g, day, key, P, x, agents, managers, decisions, buf):
    """Agent a launches an initiative serving g; its decision goes up (see module doc, 5)."""
    counts = buf.counts
    agents.initiative[a] = g
    agents.initiative_since[a] = day
    agents.initiative_flags[a] = WORKS if uniform(key, a, 1) < P.init_success else 0
    agents.initiatives_led[a] += 1
    counts[COUNT_INIT_LAUNCHED] += 1
    counts[COUNT_INIT_RUNNING] += 1
    buf.today[TODAY_INIT_LAUNCHED] += 1
    log(buf, day, a, h, g, EVENT_LAUNCHED)
    desk = agents.manager[a]
    if desk < 0 or x.signoffs[INITIATIVE_KIND] <= 0:
        agents.initiative_flags[a] |= APPROVED
        counts[COUNT_INIT_APPROVED] += 1
        log(buf, day, a, h, g, EVENT_APPROVED)
        return
    u = INIT_UIDS + counts[COUNT_NEXT_INIT_UID]
    counts[COUNT_NEXT_INIT_UID] += 1
    i = raise_about(u, INITIATIVE_KIND, g, day, desk, x, managers, decisions, buf)
    decisions.subject[i] = a
    agents.initiative_uid[a] = u


@njit(cache=True, inline="always")
def _need_of(mission_need, m):
    """The largest need of the day among the services of mission m (0 for no mission)."""
    return mission_need[m] if 0 <= m < mission_need.shape[0] else 0.0


@njit(cache=True, inline="always")
def _propensity(factor, need, slack, engagement, aversion, hat, drive):
    """An agent's launch probability for a need and a slack (see module doc, 5).

    One product in one order: with each factor no larger, the result is no larger
    (rounding is monotone), which makes the bound of a candidate exact.
    """
    return factor * need * slack * engagement * (1.0 - aversion) * hat * (1.0 + drive)


@njit(cache=True)
def launches(day, P, x, agents, services, managers, decisions, buf, need, mission_need):
    """Agents who see a need launch initiatives (see module doc, 5)."""
    key = stream_key(P.seed, INITIATIVE_STREAM, day)
    role, initiative, moved_day, task_share = agents.role, agents.initiative, agents.moved_day, agents.task_share
    status, absence, home, fatigue = agents.status, agents.absence, agents.home, agents.fatigue
    primary, secondary = agents.primary_skill, agents.secondary_skill
    pressure, mission, institution = services.pressure, services.mission, services.institution
    tie_ptr, tie_agent = x.tie_ptr, x.tie_agent
    factor = P.init_rate * P.init_culture * (1.0 + P.init_compensation)
    chance = min(factor * max(P.init_multi_hat, 1.0) * 2.0, 1.0)  # p is below this whatever the agent
    n_agents = role.shape[0]
    n = 0
    a, k = -1, 0
    while n < P.init_max_launches:  # the candidates, each agent with probability ``chance`` (see rng)
        a = next_candidate(key, k, a, chance, n_agents)
        k += 1
        if a >= n_agents:
            break
        if role[a] >= 0 or initiative[a] >= 0 or moved_day[a] >= 0 or task_share[a] <= 0.0:
            continue
        leave = absence[a] == SPECIAL_LEAVE
        if status[a] == STATUS_ABSENT and not leave:
            continue
        u = chance * uniform(key, a, 0)  # uniform below ``chance``: a candidate's draw
        h = home[a]
        if x.external[institution[h]]:  # external actors act through their own initiatives (6)
            continue
        sec = secondary[a]
        most = max(need[h], _need_of(mission_need, primary[a]), _need_of(mission_need, sec))  # best ≤ most
        if most <= 0.0:
            continue
        top = 1.0 if leave else 1.0 - np.float64(fatigue[a])  # the slack at most
        hat = P.init_multi_hat if sec >= 0 else 1.0
        e, r, d = np.float64(agents.engagement[a]), np.float64(agents.risk_aversion[a]), np.float64(
            agents.initiative_drive[a])
        if u >= _propensity(factor, most, top, e, r, hat, d):  # p is at most this: no launch
            continue
        g = h if need[h] > 0.0 else -1
        best = need[h]
        for j in range(tie_ptr[a], tie_ptr[a + 1]):
            if best >= 1.0:
                break
            t = home[tie_agent[j]]
            if need[t] > best and (mission[t] == sec or mission[t] == primary[a]) and not x.external[institution[t]]:
                best = need[t]
                g = t
        if g < 0:
            continue
        slack = top
        if g != h and not leave:
            slack *= max(0.0, 1.0 - pressure[h])
        if u < _propensity(factor, best, slack, e, r, hat, d):
            launch(a, h, g, day, key, P, x, agents, managers, decisions, buf)
            n += 1


@njit(cache=True)
def external(day, P, x, agents, services, managers, decisions, buf, need):
    """External actors launch initiatives on services in need (see module doc, 6)."""
    key = stream_key(P.seed, INITIATIVE_STREAM, day)
    counts = buf.counts
    n_agents = agents.home.shape[0]
    for g in range(need.shape[0]):
        if (need[g] <= 0.0 or x.ext_actor[g] < 0 or services.external_until[g] >= day
                or services.external_uid[g] >= 0):
            continue
        if uniform(key, n_agents + g, 0) >= P.ext_rate * need[g]:
            continue
        counts[COUNT_INIT_EXTERNAL] += 1
        buf.today[TODAY_INIT_EXTERNAL] += 1
        log(buf, day, -1, -1, g, EVENT_EXTERNAL)
        head = services.head[g]
        if head < 0 or x.signoffs[PARTNERSHIP_KIND] <= 0:
            supported(g, day, P, services, buf)
            continue
        u = INIT_UIDS + counts[COUNT_NEXT_INIT_UID]
        counts[COUNT_NEXT_INIT_UID] += 1
        raise_about(u, PARTNERSHIP_KIND, g, day, head, x, managers, decisions, buf)
        services.external_uid[g] = u


@njit(cache=True)
def supported(g, day, P, services, buf):
    """An external initiative on g is supported: it adds capacity for ``duration`` days."""
    services.external_until[g] = day + P.init_duration - 1
    buf.counts[COUNT_EXT_SUPPORTED] += 1
    log(buf, day, -1, -1, g, EVENT_EXT_SUPPORTED)


@njit(cache=True)
def decided(i, level, day, P, x, agents, services, decisions, buf):
    """An initiative or external partnership decision completed at ``level`` (see module doc)."""
    counts = buf.counts
    u = decisions.uid[i]
    blocked = uniform(stream_key(P.seed, INITIATIVE_STREAM, 0), draw_key(u), 0) < block_probability(
        P, level, x.signoffs[decisions.kind[i]])
    if decisions.kind[i] == PARTNERSHIP_KIND:
        g = decisions.service[i]
        if services.external_uid[g] != u:
            return
        services.external_uid[g] = -1
        if blocked:
            log(buf, day, -1, -1, g, EVENT_EXT_BLOCKED)
        else:
            supported(g, day, P, services, buf)
        return
    a = decisions.subject[i]
    if agents.initiative_uid[a] != u:  # the initiative ended meanwhile
        return
    agents.initiative_uid[a] = -1
    h, g = agents.home[a], agents.initiative[a]
    if blocked and not agents.initiative_flags[a] & RELAYED:
        counts[COUNT_INIT_BLOCKED] += 1
        buf.today[TODAY_INIT_BLOCKED] += 1
        setback(a, P, x, agents)
        end(a, agents, counts)
        log(buf, day, a, h, g, EVENT_BLOCKED)
        return
    agents.initiative_flags[a] |= APPROVED
    counts[COUNT_INIT_APPROVED] += 1
    log(buf, day, a, h, g, EVENT_APPROVED)


@njit(cache=True, inline="always")
def step(day, P, x, agents, services, managers, decisions, buf):
    """The initiatives stage (see module doc)."""
    if not P.init_on:
        return
    counts = buf.counts
    pressure = services.pressure
    need = np.empty(pressure.shape[0])
    mission, institution = services.mission, services.institution
    mission_need = np.zeros(mission.max() + 1 if mission.shape[0] else 0)
    seen = False
    for s in range(pressure.shape[0]):
        need[s] = min(1.0, max(0.0, pressure[s] - 1.0))
        seen |= need[s] > 0.0
        if not x.external[institution[s]]:
            mission_need[mission[s]] = max(mission_need[mission[s]], need[s])
    if counts[COUNT_INIT_RUNNING] > 0:
        sustain(day, P, x, agents, services, buf)
    if P.init_testimony_period > 0 and (day + 1) % P.init_testimony_period == 0 and counts[COUNT_INIT_RUNNING] > 0:
        testimony(day, P, x, agents, buf)
    if P.init_cell_capacity > 0.0 and counts[COUNT_INIT_RUNNING] > 0:
        relay(day, P, agents, buf)
    if seen:
        launches(day, P, x, agents, services, managers, decisions, buf, need, mission_need)
        if P.ext_rate > 0.0:
            external(day, P, x, agents, services, managers, decisions, buf, need)
    buf.today[TODAY_INIT_RUNNING] = counts[COUNT_INIT_RUNNING]


@njit(cache=True, inline="always")
def contribute(day, P, agents, services, buf):
    """Add adopted practice, external and initiatives' capacity (see module doc)."""
    if not P.init_on:
        return
    cap, remote = services.capacity, buf.cap_remote
    practice, until = services.practice, services.external_until
    for s in range(cap.shape[0]):
        if practice[s] > 0.0:
            cap[s] *= 1.0 + practice[s]
            remote[s] *= 1.0 + practice[s]
        if until[s] >= day:
            cap[s] += P.ext_capacity * services.base_demand[s]
    if buf.counts[COUNT_INIT_RUNNING] == 0:
        return
    scratch, initiative, status = buf.agent_scratch, agents.initiative, agents.status
    for a in range(initiative.shape[0]):
        g = initiative[a]
        if g < 0:
            continue
        if status[a] == STATUS_ABSENT:  # on special leave: its own time is free
            given = P.init_time_share * (np.float64(agents.productivity[a] * agents.task_share[a])
                                         * (1.0 - P.fatigue_effect * agents.fatigue[a]))
        else:
            given = P.init_time_share * scratch[a]
            if status[a] == STATUS_REMOTE:
                remote[agents.assigned[a]] -= given
            else:
                cap[agents.assigned[a]] -= given
        if agents.initiative_flags[a] & WORKS:
            cap[g] += P.init_output * given
