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
from .context import COUNT_PROCESSED, COUNT_UNMET
from .mobility import agent_capacity


@njit(cache=True)
def capacities(day, P, agents, services, it_factor, share, cap_remote):
    """Pool present agents' capacity by service: on site in ``services.capacity``."""
    services.capacity[:] = 0.0
    cap_remote[:] = 0.0
    for a in range(agents.home.shape[0]):
        st = agents.status[a]
        if st == STATUS_ABSENT or agents.task_share[a] <= 0.0:
            continue
        s = agents.assigned[a]
        c = agent_capacity(P, agents, a, share, it_factor[s], day)
        pool = cap_remote if st == STATUS_REMOTE else services.capacity
        v = agents.volunteer_to[a]
        if v >= 0:
            given = c * P.volunteer_share
            pool[v] += given
            c = c - given
        pool[s] += c


@njit(cache=True)
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
            todo -= take
        expired = 0
        if day - deadline + 1 >= 0:
            last = (day - deadline + 1) % P.slots
            expired = buf.backlog[s, last]
            buf.backlog[s, last] = 0
        services.unmet[s] += expired
        buf.counts[COUNT_UNMET] += expired
        services.waiting[s] = queue - services.processed[s] - expired + services.pending[s]
