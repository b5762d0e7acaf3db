"""Micro-mobility, agent by agent: the coordinator of stage 4 (see the kernel's rules).

:class:`Coordinator` runs the day's mobility stage over the model's staff and
services, in organisation order, with the same random numbers as
:mod:`resilience_sim.kernels.mobility`: gaps, returns, training, matching of
donors to services in need, decisions or pre-approved moves, volunteers, the lessons
kept from moves, and the day's tally. :class:`CellDesk` is the HR crisis cell's desk.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from ..params import (
    MODE_OFF,
    MODE_PEER,
    REDEPLOYMENT,
    SCOPE_INSTITUTION,
    SCOPE_NONE,
    SCOPE_SERVICE,
    SCOPE_TWINNED,
    SPECIAL_LEAVE,
)
from ..rng import MOVE_KEYS, TRAINING, stream_key, uniform
from ..state import STATUS_ABSENT
from .decision import Decision
from .manager import Manager
from .staff import f32

if TYPE_CHECKING:
    from .model import ReferenceModel
    from .service import Service
    from .staff import Staff



class CellDesk(Manager):
    """The HR crisis cell's desk, held by a member of staff (its rate follows the holder's)."""

    def __init__(self, model: ReferenceModel, holder: Staff, level: int, capacity: float, deciders: int):
        super().__init__(model, index=holder.index, home=holder.home, productivity=0.0, task_share=0.0,
                         can_remote=False, fatigue=0.0, engagement=0.0, burnout_until=-1,
                         level=level, capacity=capacity, deciders=deciders)
        self.holder = holder

    def set_rate(self) -> None:
        """The desk's rate, from its holder's presence and fatigue."""
        self.status = self.holder.status
        self.fatigue = self.holder.fatigue
        super().set_rate()


class Coordinator:
    """Matches staff with slack to services with a gap (DESIGN §1.2 step 4).

    Attributes:
        model: the reference model.
        net: the run's :class:`~resilience_sim.mobility.MobilityNet`.
        cell: the HR crisis cell's desk, or None.
        flows: agent-days by (home family, host family).

    """

    def __init__(self, model: ReferenceModel, net, cell: Manager | None):
        self.model = model
        self.net = net
        self.cell = cell
        self.flows: Counter[tuple[int, int]] = Counter()

    # --- helpers ----------------------------------------------------------------------
    def nominal(self, person: Staff) -> float:
        """Nominal capacity of a person: productivity × task share (tasks/day)."""
        return float(person.productivity) * float(person.task_share)

    def learning_span(self, person: Staff, host: Service) -> float:
        """Learning days in ``host``: a flying agent's own; short on the primary skill or in a twinned service."""
        rules = self.model.rules
        if person.flying:
            return rules.flying_learning_days
        if person.primary_skill == host.mission or self.net.twin[person.home.family, host.family]:
            return rules.known_learning_days
        return rules.learning_days

    def move(self, person: Staff, host: Service, wrong: bool) -> None:
        """``person`` starts working for ``host`` today."""
        person.learning_days = f32(self.learning_span(person, host))
        person.assigned = host
        person.moved_day = self.model.day
        person.wrong_move = wrong
        person.reserved = False
        host.gap -= self.nominal(person)
        self.model.moves_today["moves"] += 1
        if self.model.rules.lessons_kept:  # the move goes on record: a plan, and twinned services
            person.planned = True
            fh, fg = person.home.family, host.family
            if fh != fg and not person.flying:
                self.net.twin[fh, fg] = self.net.twin[fg, fh] = True
                self.net.near[fh, fg] = self.net.near[fg, fh] = True

    def redeployed(self, decision: Decision, wrong: bool) -> None:
        """A redeployment was decided: the agent moves if the service still needs it."""
        person, host = decision.subject, decision.service
        person.reserved = False
        host.gap += self.nominal(person)  # the proposal had counted the person in already
        if person.moved_day < 0 and host.gap > 0.0:
            self.move(person, host, wrong)
        else:
            self.model.moves_today["refused_decision"] += 1

    # --- the stage --------------------------------------------------------------------
    def step(self, day: int) -> None:
        """The day's mobility stage."""
        rules = self.model.rules
        for person in self.model.staff:
            person.volunteer_to = None
        if rules.mobility_mode == MODE_OFF and rules.volunteer_share <= 0.0:
            return
        self.gaps(day)
        self.returns(day)
        if rules.training_share > 0.0 and day == rules.training_days:
            self.train()
        self.match(day)
        self.tally(day)

    def gaps(self, day: int) -> None:
        """Each service's gap: demand + waiting tasks beyond a day's demand over the deadline − capacity."""
        capacity = {s.index: 0.0 for s in self.model.services}
        for person in self.model.staff:
            if person.status != STATUS_ABSENT and person.task_share > 0.0:
                capacity[person.assigned.index] += person.capacity_today()
        today = self.model.today
        for service in self.model.services:
            queue = service.pending
            for count in service.tasks.values():
                queue += count
            demand = today.demand[service.index]
            excess = max(queue - demand, 0.0)  # backlog beyond a day of demand
            service.gap = demand + excess / service.deadline - capacity[service.index]

    def returns(self, day: int) -> None:
        """Moved agents go home when not needed here or (after the minimum term) needed more there.

        Moves that have lasted ``permanent_after`` days become lasting reallocations.
        """
        rules = self.model.rules
        for person in self.model.staff:
            if person.moved_day < 0:
                continue
            home, host = person.home, person.assigned
            if day - person.moved_day >= rules.permanent_after:
                person.home = host
                person.moved_day = -1
                person.wrong_move = False
                self.model.moves_today["reallocated"] += 1
                continue
            c = self.nominal(person)
            settled = day - person.moved_day >= rules.minimum_term  # the home may call it back
            if -host.gap >= c or (settled and not person.flying and self.called_back(home, host, c)):
                person.assigned = home
                person.moved_day = -1
                person.wrong_move = False
                host.gap += c
                home.gap -= c

    def called_back(self, home: Service, host: Service, c: float) -> bool:
        """Whether ``home`` (open, with a gap) needs its agent (capacity c) more than ``host``.

        Essential before not essential; between services of one kind, when the home's
        gap exceeds the host's by more than c (going back narrows the larger gap).
        """
        if self.model.today.closed[home.index] or home.gap <= 0.0:
            return False
        if home.essential != host.essential:
            return home.essential
        return home.gap > host.gap + c

    def train(self) -> None:
        """Trainees (staff with no secondary skill, drawn) now know an essential mission."""
        missions = [int(m) for m in self.net.essential_missions]
        if not missions:
            return
        key = np.uint64(stream_key(self.model.rules.seed, TRAINING, 0))
        for person in self.model.staff:
            if person.is_manager or person.secondary_skill >= 0:
                continue
            if uniform(key, person.index, 0) < self.model.rules.training_share:
                m = missions[min(int(uniform(key, person.index, 1) * len(missions)), len(missions) - 1)]
                if m != person.primary_skill:
                    person.secondary_skill = m
                    person.secondary_known = True
                    self.model.moves_today["revealed"] += 1

    def skills(self, person: Staff) -> list[int]:
        """The missions ``person`` fits: primary, known secondary, a flying agent's essential ones."""
        out = [person.primary_skill]
        if person.secondary_skill >= 0 and person.secondary_known:
            out.append(person.secondary_skill)
        if person.flying:
            for m in self.net.flying_missions[person.index]:
                if m >= 0 and int(m) not in out:
                    out.append(int(m))
        return out

    def donors(self) -> tuple[dict[int, list[Staff]], dict[int, list[Staff]]]:
        """Available donors by the missions their skills fit, in organisation order.

        Staff at home with no pending move: on special leave, flying agents who are
        present, or present in a service whose slack still covers their nominal
        capacity (taken in order). Also, by their latent secondary skill (unknown to
        the organisation and not among the skills it matches): volunteers offer it.
        """
        spare = {s.index: max(-s.gap, 0.0) for s in self.model.services}
        buckets: dict[int, list[Staff]] = {}
        latent: dict[int, list[Staff]] = {}
        for person in self.model.staff:
            if person.is_manager or person.moved_day >= 0 or person.reserved or person.task_share <= 0.0:
                continue
            home = person.home.index
            ok = False
            if person.absence == SPECIAL_LEAVE:
                ok = True
            elif person.status != STATUS_ABSENT and person.flying:
                ok = True  # lent knowingly
            elif person.status != STATUS_ABSENT and spare[home] >= self.nominal(person):
                spare[home] -= self.nominal(person)
                ok = True
            if ok:
                skills = self.skills(person)
                for m in skills:
                    buckets.setdefault(m, []).append(person)
                second = person.secondary_skill
                if second >= 0 and not person.secondary_known and second not in skills:
                    latent.setdefault(second, []).append(person)
        return buckets, latent

    def candidates(self, host: Service, buckets) -> list[Staff]:
        """Donors who fit ``host``: those whose skills include its mission (a move needs a skill)."""
        return list(buckets.get(host.mission, []))

    def in_scope(self, person: Staff, host: Service) -> bool:
        """Whether ``person`` may work for ``host`` under the policy's scope and mode."""
        rules, net, today = self.model.rules, self.net, self.model.today
        home = person.home
        if home is host:
            return False
        fh, fg = home.family, host.family
        if person.flying:
            ok = True
        elif rules.mobility_scope == SCOPE_NONE:
            ok = False
        elif rules.mobility_scope == SCOPE_SERVICE:
            ok = fh == fg
        elif rules.mobility_scope == SCOPE_TWINNED:
            ok = fh == fg or bool(net.twin[fh, fg])
        elif rules.mobility_scope == SCOPE_INSTITUTION:
            ok = home.institution == host.institution
        else:
            ok = True
        if ok and net.external[host.institution]:
            ok = rules.sponsorship and today.demand[home.index] < 0.5 * home.base_demand
        if ok and rules.mobility_mode == MODE_PEER:
            ok = bool(net.near[fh, fg])
        return ok

    def propose(self, person: Staff, host: Service, day: int) -> None:
        """Move at once (reassignment plan) or raise the redeployment decision."""
        model, rules = self.model, self.model.rules
        if person.planned or rules.signoffs[REDEPLOYMENT] <= 0:
            self.move(person, host, False)
            return
        if self.cell is not None:
            desk, authority, steps = self.cell, rules.authority[REDEPLOYMENT], 1
        else:
            desk = host.head
            if desk is None:
                return
            if rules.mobility_mode == MODE_PEER:
                authority, steps = desk.level, 1
            else:
                authority, steps = rules.authority[REDEPLOYMENT], rules.signoffs[REDEPLOYMENT]
        decision = Decision(uid=MOVE_KEYS + model.new_move_uid(), service=host, created=day + 1.0, authority=authority,
                            kind=REDEPLOYMENT, task_alive=False)
        decision.subject = person
        first = desk.first_signer(authority, steps)
        model.open_decision(decision, first)
        first.queue_length += 1  # at that desk tonight (the desks were counted before this stage)
        person.reserved = True
        host.gap -= self.nominal(person)

    def in_need(self) -> list[Service]:
        """Services by priority: essential first, then by decreasing gap (stable)."""
        return sorted(self.model.services, key=lambda s: -(s.gap + 1e9 * s.essential))

    def match(self, day: int) -> None:
        """Serve the services in need from the donors; then volunteers."""
        rules = self.model.rules
        buckets, latent = self.donors()
        used: set[int] = set()
        awaited: Counter[int] = Counter()  # nominal capacity proposed today, waiting for its decision
        order = self.in_need()
        budget = int(math.ceil(rules.coordinator_moves))
        for host in order:
            if host.gap < 1.0 or rules.mobility_mode == MODE_OFF:
                continue
            found = looked = 0
            for person in self.candidates(host, buckets):
                if host.gap < 1.0 or budget <= 0 or looked >= rules.scan_limit:
                    break
                if person.index in used:
                    continue
                looked += 1
                if not self.in_scope(person, host):
                    continue
                used.add(person.index)
                found += 1
                budget -= 1
                self.propose(person, host, day)
                if person.reserved:
                    awaited[host.index] += self.nominal(person)
            if found == 0 and budget > 0:
                self.model.moves_today["refused_skill"] += 1
        if rules.volunteer_share > 0.0:
            self.volunteers(order, buckets, latent, used, awaited)

    def volunteers(self, order: list[Service], buckets, latent, used: set[int], awaited: Counter[int]) -> None:
        """Present donors left give a share of their time to services in need today.

        Today's need counts the agents proposed today as not there yet (``awaited``).
        """
        for host in order:
            waiting = awaited[host.index] + 0.0
            host.gap += waiting
            self.serve_volunteers(host, buckets, latent, used)
            host.gap -= waiting

    def serve_volunteers(self, host: Service, buckets, latent, used: set[int]) -> None:
        """Volunteers for ``host`` among the donors left, while it is in need.

        Donors whose known skills fit first, then those whose latent skill fits.
        """
        rules = self.model.rules
        if host.gap >= 1.0:
            looked = 0
            for person in self.candidates(host, buckets) + list(latent.get(host.mission, [])):
                if host.gap < 1.0 or looked >= rules.scan_limit:
                    break
                if (person.index in used or person.status == STATUS_ABSENT
                        or person.time_bank >= rules.time_bank_cap):
                    continue
                looked += 1
                if not self.in_scope(person, host):
                    continue
                used.add(person.index)
                person.volunteer_to = host
                hours = rules.volunteer_share * rules.hours_per_day
                person.time_bank = f32(person.time_bank + hours)
                self.model.moves_today["volunteer_hours"] += hours
                host.gap -= rules.volunteer_share * self.nominal(person)

    def tally(self, day: int) -> None:
        """Count moved staff, across institutions, ramp-up lost, and the flows."""
        counts = self.model.moves_today
        for person in self.model.staff:
            if person.moved_day < 0:
                continue
            home, host = person.home, person.assigned
            counts["redeployed"] += 1
            if home.institution != host.institution:
                counts["redeployed_across"] += 1
            if person.status != STATUS_ABSENT:
                counts["ramp_days_lost"] += 1.0 - person.ramp(day)
            self.flows[(home.family, host.family)] += 1

