"""Stage 6 — work: present agents process their service's queue, oldest first.

An agent's capacity today (tasks) is productivity × task share × (1 − agents'
reporting share) × (1 − fatigue effect × fatigue) × IT factor × ramp-up of a moved
agent (stage 4), times the remote productivity when remote; a volunteer gives the
share ``volunteer_days``/21.7 of it to the service it volunteers for. The agents'
reporting share applies to the task time of managers too; managers' own (larger)
reporting share comes out of their decision capacity (stage 3). A service pools its
agents' capacity; remote capacity can only serve the share (1 − on-site share) of the
queue that can be done remotely. The service processes ⌊capacity + carry⌋ tasks at
most, oldest first; the fraction left over is
carried to the next day while the queue is not empty. After work, tasks that reach
their deadline unserved become unmet and leave the queue. The service's pressure is
today's expected demand over the capacity its present staff bring, before the IT
factor (a flow, not the stock of backlog: tasks beyond reach expire, they do not tire
people; an IT outage stops work, it does not overwork people).
"""

import numpy as np
from numba import njit

from ..state import STATUS_ABSENT, STATUS_REMOTE
from .context import COUNT_PROCESSED, COUNT_UNMET, DayParam, setting
from .memory import gather

DAY_PARAMS = (
    DayParam("remote_productivity", float, setting("work.remote_productivity"), "remote productivity factor"),
    DayParam("fatigue_effect", float, setting("wellbeing.fatigue_effect"),
             "share of productivity (and of a manager's decision rate) lost at full fatigue"),
    DayParam("move_cost_days", float, setting("mobility.move_cost_days"),
             "days a moved agent produces nothing (handover, installation)"),
    DayParam("ramp_start", float, setting("mobility.ramp_start"),
             "productivity of a moved agent on its first day, share"),
    DayParam("wrong_move_productivity", float, setting("mobility.wrong_move_productivity"),
             "productivity of an agent moved by a wrong decision, share"),
)


@njit(cache=True, inline="always")
def ramp(P, moved_day, span, wrong, day):
    """Productivity factor today of an agent moved on ``moved_day`` (1 at home, moved_day < 0).

    0 during the first ``move_cost_days`` of the move, then linear from ``ramp_start``
    to 1 over ``span`` learning days, times ``wrong_move_productivity`` after a wrong
    move. Written with selections, not branches, so that loops over agents can run as
    vector code.
    """
    since = day - moved_day - P.move_cost_days
    learnt = min(1.0, P.ramp_start + (1.0 - P.ramp_start) * since / (span if span > 0.0 else 1.0))
    r = learnt if span > 0.0 else 1.0
    r = 0.0 if since < 0.0 else r
    r = r * P.wrong_move_productivity if wrong else r
    return 1.0 if moved_day < 0 else r


@njit(cache=True, inline="always")
def pool_capacity(day, P, agents, it_factor, share, site, remote, same, scratch):
    """Add each present agent's capacity today (tasks) to its service's pool.

    On-site capacity goes to ``site[s]``, remote capacity to ``remote[s]`` (``same``:
    they are one array); a volunteer gives the share ``volunteer_share`` to the service
    it volunteers for. Each agent's capacity is first computed into ``scratch`` in a loop
    without branches (vector code; 0 for an agent absent or without tasks, whose addition
    changes no sum), then added service by service. The pools of the service being added
    to are held in registers while its agents follow one another (adding through memory
    made each agent wait for the previous one's store), and written back before any other
    write: the additions and their order are those of one agent after another.
    """
    status, assigned, volunteer_to = agents.status, agents.assigned, agents.volunteer_to
    gather(it_factor, assigned, scratch)
    _agent_capacity(day, P, agents, 1.0 - share, scratch)
    cur = -1  # the service whose pools are held in on_site and at_home
    on_site = 0.0
    at_home = 0.0
    for a in range(status.shape[0]):
        c = scratch[a]
        s = assigned[a]
        v = volunteer_to[a]
        is_remote = status[a] == STATUS_REMOTE
        if s != cur or v >= 0:  # write the held pools back; hold s's (after the volunteer's gift)
            if cur >= 0:
                site[cur] = on_site
                if not same:
                    remote[cur] = at_home
            if v >= 0:
                gift = c * P.volunteer_share
                if is_remote:
                    remote[v] += gift
                else:
                    site[v] += gift
                c -= gift
            cur = s
            on_site = site[s]
            at_home = remote[s]
        away = is_remote and not same
        on_site += 0.0 if away else c
        at_home += c if away else 0.0
    if cur >= 0:
        site[cur] = on_site
        if not same:
            remote[cur] = at_home


@njit(cache=True, error_model="numpy")  # no division-by-zero check (ramp divides by a positive span)
def _agent_capacity(day, P, agents, free, work):
    """``work``: each agent's IT factor in, its capacity today out (see module doc)."""
    status, task_share, productivity, fatigue = agents.status, agents.task_share, agents.productivity, agents.fatigue
    moved_day, learning, wrong = agents.moved_day, agents.learning_days, agents.wrong_move
    for a in range(status.shape[0]):
        st = status[a]
        c = (productivity[a] * task_share[a] * free * (1.0 - P.fatigue_effect * fatigue[a]) * work[a]
             * ramp(P, moved_day[a], learning[a], wrong[a], day))
        c = c * P.remote_productivity if st == STATUS_REMOTE else c
        work[a] = 0.0 if st == STATUS_ABSENT or task_share[a] <= 0.0 else c


@njit(cache=True, inline="always")
def capacities(day, P, agents, services, it_factor, share, cap_remote, scratch):
    """Pool present agents' capacity by service: on site in ``services.capacity``."""
    services.capacity[:] = 0.0
    cap_remote[:] = 0.0
    pool_capacity(day, P, agents, it_factor, share, services.capacity, cap_remote, False, scratch)


@njit(cache=True, inline="always")
def process(day, P, services, it_factor, buf):
    """Serve each service's queue; expire tasks at their deadline."""
    cap_remote = buf.cap_remote
    for s in range(services.capacity.shape[0]):
        deadline = services.deadline[s]
        queue = 0
        for age in range(deadline):
            queue += buf.backlog[s, (day - age) % P.slots]
        usable_remote = min(cap_remote[s], (1.0 - services.on_site_share[s]) * queue)
        cap = services.capacity[s] + usable_remote
        staffed = services.capacity[s] + cap_remote[s]  # an IT outage cuts output, not effort
        services.pressure[s] = services.expected[s] * it_factor[s] / max(staffed, 1e-9)
        services.capacity[s] += cap_remote[s]
        budget = cap + services.carry[s]
        todo = min(queue, int(np.floor(budget)))
        services.carry[s] = budget - todo if todo < queue else 0.0
        services.processed[s] = todo
        buf.counts[COUNT_PROCESSED] += todo
        for age in range(min(deadline, day + 1) - 1, -1, -1):
            if todo == 0:
                break
            slot = (day - age) % P.slots
            take = min(todo, buf.backlog[s, slot])
            buf.backlog[s, slot] -= take
            redo = min(take, buf.rework[s, slot])  # a day's rework first: load, not output
            buf.rework[s, slot] -= redo
            services.reworked[s] += redo
            todo -= take
        expired = 0
        if day - deadline + 1 >= 0:
            last = (day - deadline + 1) % P.slots
            expired = buf.backlog[s, last]
            buf.backlog[s, last] = 0
            buf.rework[s, last] = 0
        services.unmet[s] += expired
        buf.counts[COUNT_UNMET] += expired
        services.waiting[s] = queue - services.processed[s] - expired + services.pending[s]
