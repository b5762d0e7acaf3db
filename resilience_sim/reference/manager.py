"""Managers: members of staff who hold a decision desk (the decision rules).

A desk has ``deciders`` parallel deciders working one FIFO queue in continuous time
(DESIGN §1.2 step 3): with exponential sign-off times the chain of desks is exactly
an M/M/1, M/M/c or tandem (Jackson) network.
"""

from __future__ import annotations

import math
from collections import deque

from ..params import EXCEPTION
from ..rng import exponential
from ..state import STATUS_ABSENT
from .decision import Decision
from .staff import Staff

#: the slowest sign-off rate a desk can have (decisions/day): an idle desk still exists
SLOWEST_RATE = 1e-9


class Manager(Staff):
    """A manager: a member of staff who also holds a decision desk.

    The desk has ``deciders`` parallel deciders working one FIFO queue in continuous
    time; ``free_at[k]`` is when decider k is next free (days, carried across days).

    Attributes:
        level: 0 executive … 4 team leader.
        parent: the desk above (None at the top).
        capacity: sign-offs per full day, per decider.
        rate: today's sign-off rate per decider.
        free_at: when each decider is next free.
        arrivals: decisions that reached the desk today, not yet in the queue.
        queue: decisions waiting at the desk, oldest arrival first.
        in_service: per decider, the decision it signs off past the end of a day, or None.
        queue_length: decisions at the desk at the end of the day (waiting or in service).

    """

    is_manager = True

    def __init__(self, *args, level: int, capacity: float, deciders: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.level = level
        self.parent: Manager | None = None
        self.capacity = capacity
        self.rate = capacity
        self.free_at = [0.0] * deciders
        self.arrivals: list[Decision] = []
        self.queue: deque[Decision] = deque()
        self.in_service: list[Decision | None] = [None] * deciders
        self.work_left = [0.0] * deciders
        self.queue_length = 0
        self.desks = [self]

    def first_signer(self, authority: int, steps: int) -> Manager:
        """First desk to sign off a decision raised at this desk.

        The chain climbs the reporting line from this desk to the first desk at a level
        ≤ ``authority`` (or the top); the last ``steps`` desks of it sign off, the lower
        ones forward the decision without a queue.
        """
        chain = [self]
        desk = self
        while desk.level > authority and desk.parent is not None:
            desk = desk.parent
            chain.append(desk)
        return chain[max(0, len(chain) - steps)]

    def set_rate(self) -> None:
        """Today's sign-off rate per decider.

        capacity × boost (HR advice, manager support) × (1 − manager reporting share)
        × (1 − fatigue effect × fatigue), times ``interim`` when the manager is absent,
        and at least ``SLOWEST_RATE``.
        """
        rules = self.model.rules
        rate = (self.capacity * rules.manager_boost * (1.0 - self.model.today.manager_reporting)
                * (1.0 - rules.fatigue_effect * self.fatigue))
        if self.status == STATUS_ABSENT:
            rate *= rules.interim
        self.rate = max(rate, SLOWEST_RATE)

    def receive(self, decision: Decision, at: float) -> None:
        """A decision reaches the desk at time ``at`` (it joins the queue at the level's turn).

        An exception (a field case) waits for the field's information, which comes up
        ``information_wait`` days per level between the field and the desk: it reaches
        the desk at max(``at``, raised + wait × (field level − desk level)).
        """
        rules = self.model.rules
        if decision.kind == EXCEPTION:
            at = max(at, decision.created + rules.information_wait * (rules.field_level - self.level))
        decision.desk = self
        decision.t_in = at
        decision.t_out = None
        self.arrivals.append(decision)

    def admit_arrivals(self) -> None:
        """Today's arrivals join the back of the queue, by arrival time (ties: creation)."""
        self.arrivals.sort(key=Decision.arrival_order)
        self.queue.extend(self.arrivals)
        self.arrivals.clear()

    def first_free(self) -> int:
        """The decider free first (the lowest index among ties)."""
        best = 0
        for k in range(1, len(self.free_at)):
            if self.free_at[k] < self.free_at[best]:
                best = k
        return best

    def serve(self, day: int) -> None:
        """Sign off, in FIFO order, every decision the desk can start today.

        First, sign-offs started on an earlier day that end before tonight are passed
        on (:meth:`pass_on`), decider by decider. Then the head of the queue goes to
        the decider free first, if that decider is free before the end of the day
        (otherwise the queue waits for tomorrow, in order). An exception whose task
        became unmet is withdrawn at the head, at no cost in time. With start =
        max(arrival, free_at): a decision raised at least the tacit delay before start
        is approved tacitly at (raised + delay), at no cost; otherwise end = start +
        effort(type)·E/rate, with E a unit exponential keyed by (decision, level of the
        desk); a sign-off that ends before tonight is passed on at once, a longer one
        keeps its decider busy into the next days. The sign-off's work is effort × S,
        S = (1 − cv) + cv·E (mean 1, coefficient of variation cv: E itself at cv = 1),
        done at each day's rate: a sign-off held past a day's end goes on the next day
        from the work left, at that day's rate.
        """
        rules = self.model.rules
        tacit, cv = rules.tacit_days, rules.signoff_cv
        horizon = day + 1.0
        for k, decision in enumerate(self.in_service):
            if decision is None:
                continue
            begin = max(float(day), decision.t_in)  # t_in: when the sign-off started
            end = begin + self.work_left[k] / self.rate
            if end < horizon:
                self.in_service[k] = None
                self.free_at[k] = end
                decision.t_out = end
                self.pass_on(decision)
            else:
                self.work_left[k] -= max(0.0, horizon - begin) * self.rate
        while self.queue:
            k = self.first_free()
            if self.free_at[k] >= horizon:
                return
            decision = self.queue.popleft()
            if decision.kind == EXCEPTION and not decision.task_alive:
                self.model.withdraw(decision)
                continue
            start = max(decision.t_in, self.free_at[k])
            if tacit >= 0.0 and decision.created + tacit <= start:
                self.model.approve_tacitly(decision)
                continue
            effort = rules.effort[decision.kind]
            draw = exponential(self.model.keys.decision_time, decision.uid, self.level)
            work = effort * ((1.0 - cv) + cv * draw)
            end = start + work / self.rate
            if end < horizon:
                self.free_at[k] = end
                decision.t_out = end
                self.pass_on(decision)
            else:  # held past tonight: the work left goes on at each day's rate
                self.free_at[k] = math.inf
                decision.t_in = start
                decision.t_out = math.inf
                self.work_left[k] = work - max(0.0, horizon - start) * self.rate
                self.in_service[k] = decision

    def pass_on(self, decision: Decision) -> None:
        """A sign-off ended: forward the decision to the desk above, or complete it here.

        The decision is final at a desk whose level holds its authority (or at the
        top); otherwise it reaches the parent desk when the sign-off ended.
        """
        if decision.final:
            self.model.complete(decision)
        else:
            self.parent.receive(decision, at=decision.t_out)

    def count_queue(self) -> None:
        """Count the decisions at the desk at the end of the day."""
        busy = 0
        for decision in self.in_service:
            if decision is not None:
                busy += 1
        self.queue_length = len(self.arrivals) + len(self.queue) + busy
