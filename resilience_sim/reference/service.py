"""Services: their tasks, by arrival day, and the work of their staff (arrival and work rules)."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import mesa

from ..params import EXCEPTION, PARTNERSHIP, SPENDING
from ..rng import poisson, request_entity, uniform
from .decision import Decision

if TYPE_CHECKING:
    from .model import ReferenceModel
    from .staff import Staff


class Service(mesa.Agent):
    """A service: its tasks, waiting by arrival day, and the capacity its staff pool.

    Attributes:
        index: row of the service; the entity of its arrival draws.
        essential, weight, on_site_share, deadline: from the organisation.
        workers: staff whose managers raise the service's exceptions (origin order).
        head: the head of the service (raises its requests), or None.
        staff_count: staff whose home is the service.
        mission, family, institution, base_demand: from the organisation.
        gap: need (demand + waiting tasks over the deadline) − capacity, tasks/day.
        tasks: workable tasks waiting, by arrival day (all younger than the deadline;
            the kernels keep the same counts in a ring buffer of max deadline + 1 days).
        pending: exceptions of the service waiting for their decision.
        carry: fraction of capacity carried to the next day.
        expected, arrived, processed, unmet: today's demand and flows (tasks).
        rework: of ``tasks``, those that are rework, by the day the wrong answer came back.
        reworked: rework redone today (load, not output).
        turned_away: demand the service, closed today, does not take (lost service).
        capacity, remote_capacity: today's pooled capacity on site and remote.
        pressure: today's expected demand over the capacity present staff bring (before IT).
        waiting: tasks waiting at the end of the day (workable + pending).
        practice: lasting capacity gain from adopted initiatives.
        external_until: last day of a supported external initiative (-1: none).
        external_key: key of the partnership decision in flight about an external initiative.

    """

    def __init__(self, model: ReferenceModel, index: int, essential: bool, weight: float,
                 on_site_share: float, deadline: int):
        super().__init__(model)
        self.index = index
        self.essential = essential
        self.weight = weight
        self.on_site_share = on_site_share
        self.deadline = deadline
        self.workers: list[Staff] = []
        self.head = None
        self.staff_count = 0.0
        self.mission = self.family = self.institution = 0
        self.base_demand = 0.0
        self.gap = 0.0
        self.tasks: Counter[int] = Counter()
        self.rework: Counter[int] = Counter()
        self.pending = 0
        self.carry = 0.0
        self.expected = self.capacity = self.remote_capacity = self.pressure = 0.0
        self.arrived = self.processed = self.unmet = self.waiting = 0
        self.reworked = 0
        self.turned_away = 0.0
        self.practice = 0.0
        self.external_until = -1
        self.external_key: int | None = None

    def begin_day(self) -> None:
        """Zero the day's flows."""
        self.arrived = self.processed = self.unmet = self.reworked = 0

    # --- 2. arrivals ------------------------------------------------------------------
    def receive_tasks(self, day: int) -> None:
        """Draw today's tasks, exceptions and requests; raise their decisions.

        With λ today's expected demand and p the share of exceptions: Poisson(λ(1 − p))
        standard tasks join the queue, Poisson(λp) exceptions arrive at uniform times.
        An exception is raised by a worker of the service drawn in proportion to its
        share of time on tasks, at the worker's own desk if it is a manager, else at
        its manager's desk. If its risk (a uniform number) is below the freedom to
        adapt the rule, that agent settles it at once (it may be wrong, with the
        field's error rate: then a rework task arrives too). Otherwise it climbs to
        the authority for exceptions; with no sign-off required, or a worker with
        neither desk nor manager, it is settled at once. The head of the service then
        raises Poisson(rate × staff) spending and partnership requests.
        """
        model, today, rules = self.model, self.model.today, self.model.rules
        lam, p = today.demand[self.index], today.exception_share
        n_standard = poisson(model.keys.arrivals, 2 * self.index, lam * (1.0 - p))
        n_exceptions = poisson(model.keys.arrivals, 2 * self.index + 1, lam * p)
        self.expected = lam
        self.turned_away = max(self.base_demand - lam, 0.0) if today.closed[self.index] else 0.0
        self.arrived = n_standard + n_exceptions
        model.counts["arrived"] += self.arrived
        self.tasks[day] += n_standard
        for _ in range(n_exceptions):
            uid = model.new_uid()
            worker = self.draw_raiser(uniform(model.keys.exception_team, uid, 0))
            first = None
            if worker is not None:
                first = worker if worker.is_manager else worker.manager
            if first is not None and uniform(model.keys.exception_risk, uid, 0) < rules.freedom:
                self.settle_locally(uid, day)
                continue
            if first is None or rules.signoffs[EXCEPTION] <= 0:
                self.tasks[day] += 1
                model.counts["instant"] += 1
                continue
            created = day + uniform(model.keys.exception_time, uid, 0)
            decision = Decision(uid=uid, service=self, created=created,
                                authority=rules.authority[EXCEPTION], kind=EXCEPTION)
            self.pending += 1
            model.open_decision(decision, first.first_signer(decision.authority, rules.signoffs[EXCEPTION]))
        if self.head is None:
            return
        for kind, rate in ((SPENDING, rules.spending_rate), (PARTNERSHIP, rules.partnership_rate)):
            n_requests = poisson(model.keys.requests, request_entity(self.index, kind), rate * self.staff_count)
            for _ in range(n_requests):
                uid = model.new_uid()
                if rules.signoffs[kind] <= 0:
                    continue
                created = day + uniform(model.keys.exception_time, uid, 0)
                decision = Decision(uid=uid, service=self, created=created,
                                    authority=rules.authority[kind], kind=kind, task_alive=False)
                first = self.head.first_signer(decision.authority, rules.signoffs[kind])
                model.open_decision(decision, first)

    def settle_locally(self, uid: int, day: int) -> None:
        """An agent settles an exception itself: the task joins the queue; maybe wrong."""
        model = self.model
        self.tasks[day] += 1
        model.counts["settled_locally"] += 1
        model.settled_today += 1
        field = model.rules.field_level
        model.by_level[(EXCEPTION, field)] += 1
        if uniform(model.keys.decision_error, uid, 0) < model.error_probability(EXCEPTION, field):
            model.errors[EXCEPTION] += 1
            self.add_rework(day)

    def add_rework(self, day: int) -> None:
        """A wrong answer sends the case back: one more task arrives today, as rework (load, not output)."""
        self.tasks[day] += 1
        self.rework[day] += 1
        self.arrived += 1
        self.model.counts["arrived"] += 1
        self.model.counts["rework"] += 1
        self.model.rework_today += 1

    def draw_raiser(self, u: float):
        """The worker whose cumulative share of task time first exceeds u × the total."""
        if not self.workers:
            return None
        total = 0.0
        cumulative = []
        for worker in self.workers:
            total += float(worker.task_share)
            cumulative.append(total)
        target = u * total
        for worker, c in zip(self.workers, cumulative, strict=True):
            if c > target:
                return worker
        return self.workers[-1]

    # --- 3. decisions ------------------------------------------------------------------
    def release(self, decision: Decision) -> None:
        """A decided exception's task joins the queue, dated by its arrival."""
        self.pending -= 1
        self.tasks[math.floor(decision.created)] += 1

    def lose_pending(self, decision: Decision) -> None:
        """An exception's task reached its deadline waiting for the decision: unmet."""
        decision.task_alive = False
        self.pending -= 1
        self.unmet += 1
        self.model.counts["unmet"] += 1

    # --- 6. work -----------------------------------------------------------------------
    def start_work(self) -> None:
        """Zero today's pooled capacity before the staff contribute theirs."""
        self.capacity = 0.0
        self.remote_capacity = 0.0

    def work(self, day: int) -> None:
        """Process the queue, oldest first; expire the tasks that reach the deadline.

        Remote capacity serves at most the remote-doable share (1 − on-site share) of
        the queue. The service processes ⌊capacity + carry⌋ tasks at most; the fraction
        left is carried while the queue is not empty. Pressure = expected demand / the
        capacity present staff bring before the IT factor (guarded by 1e-9): an IT
        outage stops work, it does not overwork people. Of each day's tasks taken, the
        rework is taken first and counted as ``reworked`` (load, not served demand). After
        work, tasks that arrived ``deadline − 1`` days ago become unmet.
        """
        queue = 0
        for count in self.tasks.values():
            queue += count
        usable_remote = min(self.remote_capacity, (1.0 - self.on_site_share) * queue)
        cap = self.capacity + usable_remote
        self.capacity += self.remote_capacity
        it_factor = self.model.today.it_factor[self.index]
        self.pressure = self.expected * it_factor / max(self.capacity, 1e-9)
        budget = cap + self.carry
        todo = min(queue, math.floor(budget))
        self.carry = budget - todo if todo < queue else 0.0
        self.processed = todo
        for arrival in sorted(self.tasks):
            if todo == 0:
                break
            take = min(todo, self.tasks[arrival])
            self.tasks[arrival] -= take
            redo = min(take, self.rework[arrival])  # a day's rework is redone first
            self.rework[arrival] -= redo
            self.reworked += redo
            todo -= take
        expired = self.tasks.pop(day - self.deadline + 1, 0)
        self.rework.pop(day - self.deadline + 1, 0)
        self.unmet += expired
        self.model.counts["processed"] += self.processed
        self.model.counts["unmet"] += expired
        self.waiting = queue - self.processed - expired + self.pending
