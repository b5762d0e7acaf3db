"""The reference model: the day's rules written agent by agent, the idiomatic Mesa way.

:class:`ReferenceModel` runs the same rules as the numba kernels
(:mod:`resilience_sim.kernels`) with Python objects: :class:`~.staff.Staff` and
:class:`~.manager.Manager` agents (a manager is a member of staff with a decision
desk), :class:`~.service.Service` agents and :class:`~.decision.Decision` objects.
It starts from the same organisation (:func:`resilience_sim.organisation.build`) and
daily conditions (:func:`resilience_sim.shocks.compile_conditions`) and draws the same
random numbers, so its daily table ``out`` equals ``Simulation.out``. It is the
readable specification of the day and the performance baseline of the kernels.

A day (DESIGN §1.2):

1. shock — each member of staff sets its status (:meth:`Staff.update_status`);
2. arrivals — each service draws its tasks and raises its exceptions' decisions
   (:meth:`Service.receive_tasks`);
3. decisions — each desk sets its rate (:meth:`Manager.set_rate`); desks serve their
   queues level by level from the bottom (:meth:`ReferenceModel.sign_offs`); tasks
   waiting too long for a decision become unmet (:meth:`ReferenceModel.expire_pending`);
4. mobility — the coordinator matches staff with slack to services with a gap
   (:class:`~.mobility.Coordinator`);
5. initiatives — staff launch, sustain and drop initiatives, calls for testimonies and
   the innovation cell surface and relay them (:class:`~.initiatives.InitiativeStage`);
6. work — staff pool their capacity in their service (:meth:`Staff.contribute_capacity`),
   initiatives add theirs (:meth:`InitiativeStage.contribute`), each service works its
   queue (:meth:`Service.work`);
7. reporting — hours spent reporting (:meth:`ReferenceModel.reporting_hours`);
8. wellbeing — each member of staff moves its fatigue and engagement
   (:meth:`Staff.update_wellbeing`);
9. record — the day's row of ``out`` (:meth:`ReferenceModel.record`).

Agents act in organisation order, and sums run in that order with plain ``+=`` (not
``sum()``, which compensates rounding in Python ≥ 3.12), as the kernels add them.
"""

from __future__ import annotations

import math
from collections import Counter

import mesa
import numpy as np
from mesa.agentset import AgentSet

from ..engine import ConservationError
from ..kernels.record import QUEUE_LEVELS, column_index, columns
from ..mobility import setup as mobility_setup
from ..organisation import Organisation, build
from ..params import EXCEPTION, INITIATIVE, PARTNERSHIP, REDEPLOYMENT, SPECIAL_LEAVE
from ..rng import INIT_KEYS, uniform
from ..scenario import Scenario
from ..shocks import compile_conditions
from ..state import STATUS_ABSENT, STATUS_REMOTE
from .conditions import Keys, Rules, Today
from .decision import Decision
from .initiatives import InitiativeStage
from .manager import Manager
from .mobility import CellDesk, Coordinator
from .service import Service
from .staff import Staff

#: latency histogram: one-hour bins, the last one holds a year and more
LATENCY_BIN = 1.0 / 24.0
LATENCY_BINS = 24 * 3650  # as kernels.context: the longest horizon, so no latency is clipped


class ReferenceModel(mesa.Model):
    """One run of a scenario, agent by agent.

    Args:
        scenario: validated scenario (kept as ``config``; ``scenario`` is Mesa's).
        org: organisation built from it (built here if None); only read here.

    Attributes:
        day: next day to simulate.
        staff, managers, services: Mesa agent sets, in organisation order.
        decisions: decisions in flight, by uid (creation order).
        counts: cumulative counters (arrived, processed, unmet, created, completed,
            withdrawn, instant).
        latency: histogram of decision latencies, by one-hour bin.
        out: (days, len(columns())) table of daily metrics, as ``Simulation.out``.

    """

    def __init__(self, scenario: Scenario, org: Organisation | None = None, check: bool = True):
        super().__init__(rng=int(scenario["run.seed"]))
        self.config = scenario
        org = org if org is not None else build(scenario)
        self.net = mobility_setup(scenario, org)
        self.rules = Rules.of(scenario, org)
        self.conditions = compile_conditions(scenario, org)
        self.check = check
        self.days = int(scenario["run.days"])
        self.day = 0
        self.today: Today | None = None
        self.keys: Keys | None = None
        self._populate(org, org.managers)
        self.initiatives = InitiativeStage(self, org, scenario)
        self.decisions: dict[int, Decision] = {}
        self._reset_today()
        self.counts: Counter[str] = Counter()
        self.next_uid = 0
        self.next_move_uid = 0
        self.latency: Counter[tuple[int, int]] = Counter()   # (kind, one-hour bin) → decisions
        self.by_level: Counter[tuple[int, int]] = Counter()  # (kind, level settled at) → decisions
        self.errors: Counter[int] = Counter()                # kind → wrong decisions
        self.out = np.full((self.days, len(columns())), np.nan)

    def _populate(self, org: Organisation, mg) -> None:
        """Create the agents from the organisation's arrays (``mg``: desks, HR cell included)."""
        sv, ag = org.services, org.agents
        services = [Service(self, s, bool(sv.essential[s]), float(sv.weight[s]),
                            float(sv.on_site_share[s]), int(sv.deadline[s]))
                    for s in range(len(sv.deadline))]
        for s, service in enumerate(services):
            service.mission, service.family = int(sv.mission[s]), int(sv.family[s])
            service.institution, service.base_demand = int(sv.institution[s]), float(sv.base_demand[s])
        people: list[Staff] = []
        for a in range(len(ag.home)):
            kwargs = dict(index=a, home=services[ag.home[a]], productivity=float(ag.productivity[a]),
                          task_share=float(ag.task_share[a]), can_remote=bool(ag.can_remote[a]),
                          fatigue=float(ag.fatigue[a]), engagement=float(ag.engagement[a]),
                          burnout_until=int(ag.burnout_until[a]))
            m = ag.role[a]
            if m >= 0:
                people.append(Manager(self, level=int(mg.level[m]), capacity=float(mg.capacity[m]),
                                      deciders=int(mg.deciders[m]), **kwargs))
            else:
                people.append(Staff(self, **kwargs))
            person = people[a]
            person.assigned = services[ag.assigned[a]]
            person.primary_skill, person.secondary_skill = int(ag.primary_skill[a]), int(ag.secondary_skill[a])
            person.secondary_known = bool(ag.secondary_known[a])
            person.flying, person.planned = bool(ag.flying[a]), bool(ag.planned[a])
            person.risk_aversion = float(ag.risk_aversion[a])
        managers = [people[a] for a in mg.agent[: org.line_desks]]
        cell = None
        if self.net.hr_cell >= 0:
            c = self.net.hr_cell
            cell = CellDesk(self, people[mg.agent[c]], level=int(mg.level[c]), capacity=float(mg.capacity[c]),
                            deciders=int(mg.deciders[c]))
            managers.append(cell)
            people[mg.agent[c]].desks.append(cell)
        self.coordinator = Coordinator(self, self.net, cell)
        for a, person in enumerate(people):
            if ag.manager[a] >= 0:
                person.manager = managers[ag.manager[a]]
        for m, desk in enumerate(managers):
            if mg.parent[m] >= 0 and desk is not cell:
                desk.parent = managers[mg.parent[m]]
        for s, service in enumerate(services):
            service.workers = [people[a] for a in org.origin_agent[org.origin_ptr[s]:org.origin_ptr[s + 1]]]
            service.head = managers[sv.head[s]] if sv.head[s] >= 0 else None
            service.staff_count = float(np.count_nonzero(ag.home == s))
        self.staff = AgentSet(people, random=self.random)
        self.managers = AgentSet(managers, random=self.random)
        self.services = AgentSet(services, random=self.random)
        self.max_level = org.depth
        self.desks_at = {level: [m for m in managers if m.level == level]
                         for level in range(self.max_level + 1)}

    # --- helpers the agents call ---------------------------------------------------------
    def new_uid(self) -> int:
        """The next decision number (exceptions settled at once use one too)."""
        uid = self.next_uid
        self.next_uid += 1
        return uid

    def new_move_uid(self) -> int:
        """The next redeployment number (moves have their own numbering)."""
        self.next_move_uid += 1
        return self.next_move_uid - 1

    def open_decision(self, decision: Decision, desk: Manager) -> None:
        """Put a new decision in flight, in the queue of its first desk."""
        self.decisions[decision.uid] = decision
        self.counts["created"] += 1
        desk.receive(decision, at=decision.created)

    # --- the day ---------------------------------------------------------------------
    def step(self) -> None:
        """Simulate one day: shock, arrivals, decisions, work, reporting, wellbeing, record."""
        if self.day >= self.days:
            raise RuntimeError(f"the horizon ({self.days} days) is reached")
        day = self.day
        self.today = Today.of(self.conditions, day, self.rules)
        self.keys = Keys.of(self.rules.seed, day)
        self._reset_today()
        self.initiatives.today.clear()
        self.services.do("begin_day")
        self.staff.do("update_status", day)                  # 1. shock
        self.services.do("receive_tasks", day)               # 2. arrivals
        self.managers.do("set_rate")                         # 3. decisions
        self.sign_offs(day)
        self.expire_pending(day)
        self.coordinator.step(day)                           # 4. mobility
        self.initiatives.step(day)                           # 5. initiatives
        self.services.do("start_work")                       # 6. work
        self.staff.do("contribute_capacity")
        self.initiatives.contribute(day)
        self.services.do("work", day)
        hours = self.reporting_hours()                       # 7. reporting
        wellbeing = self.update_wellbeing(day)               # 8. wellbeing
        self.record(day, hours, wellbeing)                   # 9. record
        if self.check:
            self.check_conservation()
        self.day += 1
        self.running = self.day < self.days

    def _reset_today(self) -> None:
        self.moves_today: Counter[str] = Counter()
        self.decided_today, self.latency_today = 0, 0.0
        self.errors_today = self.rework_today = self.settled_today = self.tacit_today = 0

    def run(self) -> np.ndarray:
        """Simulate the remaining days; return the daily table."""
        while self.day < self.days:
            self.step()
        return self.out

    def sign_offs(self, day: int) -> None:
        """Serve the desks level by level, from the deepest level up.

        At each level, today's arrivals at its desks join their queues; then each desk
        of the level, in organisation order, serves its queue (:meth:`Manager.serve`).
        A decision forwarded today reaches a desk of a level not yet served, so it can
        climb several levels in a day.
        """
        for level in range(self.max_level, -1, -1):
            desks = self.desks_at[level]
            for desk in desks:
                desk.admit_arrivals()
            for desk in desks:
                desk.serve(day)

    def complete(self, decision: Decision) -> None:
        """A decision's final sign-off ended today (or it was approved tacitly).

        The latency (end − creation) goes into the day's mean and into the histogram
        of its type; it counts at the level it was settled at (the field level for a
        tacit approval); it is wrong with the probability of :meth:`error_probability`;
        an exception's task, if still alive, joins its service's queue — with one more
        rework task if the answer was wrong.
        """
        latency = decision.t_out - decision.created
        kind = decision.kind
        level = self.rules.field_level if decision.tacit else decision.desk.level
        self.latency[(kind, min(int(latency / LATENCY_BIN), LATENCY_BINS))] += 1
        self.by_level[(kind, level)] += 1
        self.decided_today += 1
        self.latency_today += latency
        self.counts["completed"] += 1
        if decision.tacit:
            self.counts["tacit"] += 1
            self.tacit_today += 1
        wrong = uniform(self.keys.decision_error, decision.uid, 0) < self.error_probability(kind, level)
        if wrong:
            self.errors[kind] += 1
            self.errors_today += 1
        if kind == REDEPLOYMENT:
            self.coordinator.redeployed(decision, wrong)
        if kind == INITIATIVE or (kind == PARTNERSHIP and decision.uid >= INIT_KEYS):
            self.initiatives.decided(decision, level, self.day)
        if kind == EXCEPTION and decision.task_alive:
            decision.service.release(decision)
            if wrong:
                decision.service.add_rework(self.day)
        del self.decisions[decision.uid]

    def error_probability(self, kind: int, level: int) -> float:
        """Probability that a decision of ``kind`` settled at ``level`` is wrong.

        With U = today's exception share / 0.1 (uncertainty), F the field level, D the
        information delay per level and q the HR advice factor:
        q·(base + (1 − exp(−k_s·D·(F − level)·U))·(1 − scope) + k_l·scope·U·level/F),
        at most 1: stale information far from the field, a partial view close to it.
        """
        r = self.rules
        u = self.today.exception_share / self.rules.uncertainty_unit
        scope = r.scope[kind]
        stale = 1.0 - math.exp(-r.staleness_error * r.delay_per_level * (r.field_level - level) * u)
        local = r.local_error * scope * u * level / r.field_level
        return min(1.0, r.quality * (r.base_error + stale * (1.0 - scope) + local))

    def approve_tacitly(self, decision: Decision) -> None:
        """Silence means yes: approved at raised + tacit delay (or when it reached the desk)."""
        decision.tacit = True
        decision.t_out = max(decision.created + self.rules.tacit_days, decision.t_in)
        self.complete(decision)

    def withdraw(self, decision: Decision) -> None:
        """A decision whose task became unmet is dropped at the head of its queue.

        Its latency counts in the histogram of its type, censored at its task's deadline
        (the end of day ⌊raised⌋ + deadline − 1).
        """
        self.counts["withdrawn"] += 1
        censored = math.floor(decision.created) + decision.service.deadline - decision.created
        self.latency[(decision.kind, min(int(censored / LATENCY_BIN), LATENCY_BINS))] += 1
        del self.decisions[decision.uid]

    def expire_pending(self, day: int) -> None:
        """End of the decisions stage: tacit approvals, deadlines, queue lengths.

        Decisions still queued past their tacit delay are approved and leave their
        queue; an exception whose decision is still in flight when its task is
        ``deadline − 1`` days old (by its arrival day) becomes unmet (the decision goes
        on until it reaches the head of a queue, where it is withdrawn). Desks count
        their decisions.
        """
        tacit = self.rules.tacit_days
        if tacit >= 0.0:
            for desk in self.managers:
                for decision in [d for d in desk.queue if d.created + tacit < day + 1.0]:
                    desk.queue.remove(decision)
                    self.approve_tacitly(decision)
        for decision in self.decisions.values():
            service = decision.service
            if (decision.kind == EXCEPTION and decision.task_alive
                    and day - math.floor(decision.created) >= service.deadline - 1):
                service.lose_pending(decision)
        self.managers.do("count_queue")

    def reporting_hours(self) -> float:
        """Hours spent reporting today by present staff (their share × hours per day)."""
        total = 0.0
        for person in self.staff:
            if person.status != STATUS_ABSENT:
                total += person.reporting_share()
        return total * self.rules.hours_per_day

    def update_wellbeing(self, day: int) -> dict[str, float]:
        """Move every agent's wellbeing; return the day's sums for the record."""
        sums = {"fatigue": 0.0, "engagement": 0.0, "manager_fatigue": 0.0, "burnout_days": 0, "fatigue_max": 0.0}
        for person in self.staff:
            if person.status == STATUS_ABSENT and person.burnout_until >= day:
                sums["burnout_days"] += 1
            f = person.update_wellbeing(day)
            sums["fatigue"] += f
            sums["fatigue_max"] = max(sums["fatigue_max"], f)
            sums["engagement"] += person.engagement
            if person.is_manager:
                sums["manager_fatigue"] += f
        return sums

    def performance(self) -> float:
        """P(t): essential-weighted share of the public's demand of the day served on time (1 if none).

        Rework redone is load, not output; the demand a closed service turns away is lost.
        """
        served = expected = 0.0
        for service in self.services:
            served += service.weight * min(float(service.processed - service.reworked), service.expected)
            expected += service.weight * (service.expected + service.turned_away)
        return served / expected if expected > 0.0 else 1.0

    def record(self, day: int, hours: float, wellbeing: dict[str, float]) -> None:
        """Write the day's metrics into ``out[day]``."""
        row = dict.fromkeys(("backlog", "unmet", "unmet_essential", "arrived", "processed", "reworked"), 0)
        row["turned_away"] = 0.0
        for s in self.services:
            row["reworked"] += s.reworked
            row["turned_away"] += s.turned_away
            row["backlog"] += s.waiting
            row["unmet"] += s.unmet
            row["unmet_essential"] += s.unmet if s.essential else 0
            row["arrived"] += s.arrived
            row["processed"] += s.processed
        n_staff, n_managers = max(len(self.staff), 1), max(len(self.managers), 1)
        row.update(
            performance=self.performance(),
            absent=sum(1 for p in self.staff if p.status == STATUS_ABSENT),
            remote=sum(1 for p in self.staff if p.status == STATUS_REMOTE),
            special_leave=sum(1 for p in self.staff if p.absence == SPECIAL_LEAVE),
            decisions_waiting=len(self.decisions), decisions_completed=self.decided_today,
            decision_latency_mean=(self.latency_today / self.decided_today if self.decided_today > 0
                                   else math.nan),
            fatigue=wellbeing["fatigue"] / n_staff, manager_fatigue=wellbeing["manager_fatigue"] / n_managers,
            engagement=wellbeing["engagement"] / n_staff, burnout_days=wellbeing["burnout_days"],
            reporting_hours=hours, decision_errors=self.errors_today,
            rework=self.rework_today, settled_locally=self.settled_today,
            tacit_approvals=self.tacit_today, fatigue_agent_max=wellbeing["fatigue_max"],
        )
        moves = self.moves_today
        for name in ("redeployed", "redeployed_across", "moves", "refused_skill", "refused_decision",
                     "ramp_days_lost", "volunteer_hours", "reallocated"):
            row[name] = moves[name]
        row["skills_revealed"] = moves["revealed"]
        stage = self.initiatives
        row.update(initiatives_running=stage.running, initiatives_launched=stage.today["launched"],
                   initiatives_blocked=stage.today["blocked"], initiatives_adopted=stage.today["adopted"],
                   initiatives_external=stage.today["external"])
        for level in range(QUEUE_LEVELS):
            row[f"queue_l{level}"] = sum(m.queue_length for m in self.managers if m.level == level)
        col = column_index()
        for name, value in row.items():
            self.out[day, col[name]] = value

    def check_conservation(self) -> None:
        """Raise ConservationError if tasks or decisions are not conserved (DESIGN §1.2)."""
        c = self.counts
        waiting = 0
        for service in self.services:
            waiting += service.waiting
        if c["arrived"] != c["processed"] + waiting + c["unmet"]:
            raise ConservationError(f"day {self.day}: tasks arrived {c['arrived']} != processed "
                                    f"{c['processed']} + waiting {waiting} + unmet {c['unmet']}")
        if c["created"] != c["completed"] + c["withdrawn"] + len(self.decisions):
            raise ConservationError(f"day {self.day}: decisions created {c['created']} != completed "
                                    f"{c['completed']} + withdrawn {c['withdrawn']} + in flight "
                                    f"{len(self.decisions)}")
        alive = Counter(d.service.index for d in self.decisions.values() if d.task_alive)
        for service in self.services:
            if alive[service.index] != service.pending:
                raise ConservationError(f"day {self.day}: pending exceptions of service "
                                        f"{service.index} do not match its decisions")
