"""Spontaneous initiatives, agent by agent: stage 5 of the day (see the kernel's rules).

:class:`InitiativeStage` runs the day's initiatives stage over the model's staff and
services, in organisation order, with the same random numbers as
:mod:`resilience_sim.kernels.initiatives`: running initiatives go on, fail, end or are
adopted; a call for testimonies surfaces them; the innovation cell relays them; agents
who see a need launch new ones and raise an initiative decision; external actors launch
theirs, which need a partnership decision. It also adds what initiatives, adopted
practice and external actors bring to the services' capacity (work stage) and takes the
hierarchy's answer (decisions stage).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..initiatives import external_actors, tie_lists
from ..params import INITIATIVE, PARTNERSHIP, SPECIAL_LEAVE
from ..params import INITIATIVE_EVENTS as EVENTS
from ..rng import INIT_KEYS, next_candidate, stream_key, uniform
from ..rng import INITIATIVE as INITIATIVE_STREAM
from ..state import STATUS_ABSENT, STATUS_REMOTE
from .decision import Decision
from .staff import f32

if TYPE_CHECKING:
    from .model import ReferenceModel
    from .service import Service
    from .staff import Staff


@dataclass(eq=False)
class Initiative:
    """An agent's running initiative.

    Attributes:
        serves: the service whose need it answers.
        since: day it was launched.
        works: it adds capacity (drawn at launch); a failing one is found out after the trial.
        approved, relayed, surfaced, adopted: what happened to it so far.
        decision: the key of the initiative decision in flight about it, or None.

    """

    serves: Service
    since: int
    works: bool
    approved: bool = False
    relayed: bool = False
    surfaced: bool = False
    adopted: bool = False
    decision: int | None = None


class InitiativeStage:
    """Stage 5: initiatives (DESIGN §1.2 step 5).

    Attributes:
        model: the reference model.
        ties: per member of staff, its informal ties (staff, in order).
        external_actor: per service, an external institution that can serve its mission, or None.
        counts: cumulative counts (launched, approved, blocked, failed, relayed, adopted,
            recognised, external, external_supported).
        today: the day's counts (launched, blocked, adopted, external), cleared as the day begins.
        events: the event log, rows (day, agent, home service, service served, event name).
        next_key: draw key of the next initiative or partnership decision.

    """

    def __init__(self, model: ReferenceModel, org, scenario):
        self.model = model
        staff = list(model.staff)
        ptr, tied = tie_lists(org)
        self.ties = [[staff[t] for t in tied[ptr[a]:ptr[a + 1]]] for a in range(len(staff))]
        services = list(model.services)
        self.external_actor = [int(e) if e >= 0 else None for e in external_actors(scenario, org)]
        self.services = services
        self.counts: Counter[str] = Counter()
        self.today: Counter[str] = Counter()
        self.events: list[tuple[int, int, int, int, str]] = []
        self.next_key = INIT_KEYS
        self.running = 0

    # --- helpers ----------------------------------------------------------------------
    def key(self, day: int) -> np.uint64:
        """The initiative stream's key of ``day`` (day 0: draws keyed by decision)."""
        return np.uint64(stream_key(self.model.rules.seed, INITIATIVE_STREAM, day))

    def log(self, day: int, person: Staff | None, serves: Service, event: int) -> None:
        """Log an event of the day (agent and home service -1 for an external actor)."""
        self.events.append((day, person.index if person else -1, person.home.index if person else -1,
                            serves.index, EVENTS[event]))

    def block_probability(self, level: int, signoffs: int) -> float:
        """B = block rate × (F − level)/F × (1 + sign-offs)/2, at most 1."""
        rules = self.model.rules
        far = (rules.field_level - level) / rules.field_level
        return min(1.0, rules.init_block_rate * far * (1.0 + signoffs) / 2.0)

    def setback(self, person: Staff) -> None:
        """Blocked or failed: the initiator loses engagement (less with risk compensation), its ties drive."""
        rules = self.model.rules
        e = person.engagement - rules.init_penalty * (1.0 - rules.init_compensation)
        person.engagement = f32(min(max(e, 0.0), 1.0))
        for peer in self.ties[person.index]:
            peer.initiative_drive = f32(max(peer.initiative_drive - rules.init_peer_effect, -1.0))

    def recognise(self, person: Staff) -> None:
        """Recognised: the initiator gains engagement, its ties drive."""
        rules = self.model.rules
        e = person.engagement + rules.init_recognition
        person.engagement = f32(min(max(e, 0.0), 1.0))
        for peer in self.ties[person.index]:
            peer.initiative_drive = f32(min(peer.initiative_drive + rules.init_peer_effect, 1.0))

    def end(self, person: Staff) -> None:
        """The person's initiative stops; a decision still in flight about it becomes moot."""
        person.initiative = None
        self.running -= 1

    def adopt(self, serves: Service) -> None:
        """``serves`` adopts the practice; services of its mission tied to it get a share."""
        rules, near = self.model.rules, self.model.net.near
        serves.practice = min(serves.practice + rules.init_adoption_gain, rules.init_max_gain)
        for s in self.services:
            if s is not serves and s.mission == serves.mission and near[serves.family, s.family]:
                s.practice = min(s.practice + rules.init_spread * rules.init_adoption_gain, rules.init_max_gain)

    # --- the stage --------------------------------------------------------------------
    def step(self, day: int) -> None:
        """The day's initiatives stage."""
        rules = self.model.rules
        if not rules.init_on:
            return
        need = {s: min(1.0, max(0.0, s.pressure - 1.0)) for s in self.services}
        if self.running > 0:
            self.sustain(day)
        if rules.init_testimony_period > 0 and (day + 1) % rules.init_testimony_period == 0 and self.running > 0:
            self.testimony(day)
        if rules.init_cell_capacity > 0.0 and self.running > 0:
            self.relay(day)
        if any(n > 0.0 for n in need.values()):
            self.launches(day, need)
            if rules.ext_rate > 0.0:
                self.external(day, need)

    def sustain(self, day: int) -> None:
        """Running initiatives go on (the initiator tires), fail, end, or are adopted."""
        rules = self.model.rules
        for person in self.model.staff:
            it = person.initiative
            if it is None:
                continue
            age = day - it.since
            away = person.status == STATUS_ABSENT and person.absence != SPECIAL_LEAVE
            if away or person.fatigue > rules.init_stop_fatigue or age >= rules.init_duration:
                self.end(person)
                self.log(day, person, it.serves, 7)
            elif age >= rules.init_trial_days and not it.works:
                self.counts["failed"] += 1
                self.setback(person)
                self.end(person)
                self.log(day, person, it.serves, 3)
            else:
                person.fatigue = f32(min(person.fatigue + rules.init_hero_fatigue, 1.0))
                if it.relayed and it.works and not it.adopted and age >= rules.init_adopt_days:
                    it.adopted = True
                    self.adopt(it.serves)
                    self.counts["adopted"] += 1
                    self.today["adopted"] += 1
                    self.log(day, person, it.serves, 6)

    def testimony(self, day: int) -> None:
        """A call for testimonies surfaces each running initiative with the call's reach."""
        key = self.key(day)
        for person in self.model.staff:
            it = person.initiative
            if it is None or it.surfaced:
                continue
            if uniform(key, person.index, 2) < self.model.rules.init_testimony_reach:
                it.surfaced = True
                self.recognise(person)
                self.counts["recognised"] += 1
                self.log(day, person, it.serves, 4)

    def relay(self, day: int) -> None:
        """The innovation cell relays surfaced or approved initiatives: ⌊capacity·(day + 1)/7⌋ so far."""
        allowed = int(math.floor(self.model.rules.init_cell_capacity * (day + 1) / 7.0)) - self.counts["relayed"]
        for person in self.model.staff:
            if allowed <= 0:
                break
            it = person.initiative
            if it is None or it.relayed or not (it.surfaced or it.approved):
                continue
            it.relayed = True
            self.counts["relayed"] += 1
            allowed -= 1
            self.log(day, person, it.serves, 5)

    def target(self, person: Staff, need: dict) -> tuple[Service | None, float]:
        """The service with the largest need the person sees: its own, then its ties' (skills fit)."""
        home = person.home
        best, serves = need[home], (home if need[home] > 0.0 else None)
        for peer in self.ties[person.index]:
            if best >= 1.0:
                break
            s = peer.home
            fits = s.mission == person.secondary_skill or s.mission == person.primary_skill
            if need[s] > best and fits and not self.model.net.external[s.institution]:
                best, serves = need[s], s
        return serves, best

    def propensity(self, person: Staff, serves: Service, need: float, on_leave: bool) -> float:
        """The chance to launch today.

        rate · need · slack · culture · (1 + compensation) · engagement · (1 − risk aversion)
        · multi-hat · (1 + drive).
        """
        rules = self.model.rules
        if on_leave:
            slack = 1.0
        else:
            slack = 1.0 - person.fatigue
            if serves is not person.home:
                slack *= max(0.0, 1.0 - person.home.pressure)
        factor = rules.init_rate * rules.init_culture * (1.0 + rules.init_compensation)
        return (factor * need * slack * person.engagement * (1.0 - person.risk_aversion)
                * (rules.init_multi_hat if person.secondary_skill >= 0 else 1.0) * (1.0 + person.initiative_drive))

    def launches(self, day: int, need: dict) -> None:
        """Staff at home, present or on special leave, with no initiative, may launch one."""
        rules = self.model.rules
        key = self.key(day)
        launched = 0
        staff = list(self.model.staff)  # in index order
        factor = rules.init_rate * rules.init_culture * (1.0 + rules.init_compensation)
        chance = min(factor * max(rules.init_multi_hat, 1.0) * 2.0, 1.0)  # above any propensity
        a, k = -1, 0
        while launched < rules.init_max_launches:  # candidates: each agent with probability chance
            a = next_candidate(key, k, a, chance, len(staff))
            k += 1
            if a >= len(staff):
                break
            person = staff[a]
            busy = person.initiative is not None or person.moved_day >= 0
            if person.is_manager or busy or person.task_share <= 0.0:
                continue
            on_leave = person.absence == SPECIAL_LEAVE
            if person.status == STATUS_ABSENT and not on_leave:
                continue
            if self.model.net.external[person.home.institution]:
                continue
            serves, n = self.target(person, need)
            if serves is None:
                continue
            p = self.propensity(person, serves, n, on_leave)
            if p > 0.0 and chance * uniform(key, person.index, 0) < p:  # a candidate's draw is below chance
                self.launch(person, serves, day, key)
                launched += 1

    def launch(self, person: Staff, serves: Service, day: int, key) -> None:
        """The person launches an initiative; it raises a decision at its manager's desk."""
        rules = self.model.rules
        it = Initiative(serves=serves, since=day, works=uniform(key, person.index, 1) < rules.init_success)
        person.initiative = it
        person.initiatives_led += 1
        self.running += 1
        self.counts["launched"] += 1
        self.today["launched"] += 1
        self.log(day, person, serves, 0)
        if person.manager is None or rules.signoffs[INITIATIVE] <= 0:
            it.approved = True
            self.counts["approved"] += 1
            self.log(day, person, serves, 1)
            return
        it.decision = self.raise_decision(INITIATIVE, serves, day, person.manager, person)

    def raise_decision(self, kind: int, serves: Service, day: int, desk, subject: Staff | None) -> int:
        """An initiative or partnership decision, raised at the end of the day; returns its key."""
        model, rules = self.model, self.model.rules
        uid = self.next_key
        self.next_key += 1
        decision = Decision(uid=uid, service=serves, created=day + 1.0, authority=rules.authority[kind],
                            kind=kind, task_alive=False)
        decision.subject = subject
        first = desk.first_signer(rules.authority[kind], rules.signoffs[kind])
        model.open_decision(decision, first)
        first.queue_length += 1  # at that desk tonight (the desks were counted before this stage)
        return uid

    def external(self, day: int, need: dict) -> None:
        """External actors launch initiatives on services in need; each needs a partnership decision."""
        rules = self.model.rules
        key = self.key(day)
        n_staff = len(self.model.staff)
        for s in self.services:
            if (need[s] <= 0.0 or self.external_actor[s.index] is None or s.external_until >= day
                    or s.external_key is not None):
                continue
            if uniform(key, n_staff + s.index, 0) >= rules.ext_rate * need[s]:
                continue
            self.counts["external"] += 1
            self.today["external"] += 1
            self.log(day, None, s, 8)
            if s.head is None or rules.signoffs[PARTNERSHIP] <= 0:
                self.supported(s, day)
                continue
            s.external_key = self.raise_decision(PARTNERSHIP, s, day, s.head, None)

    def supported(self, s: Service, day: int) -> None:
        """A supported external initiative adds capacity to ``s`` for ``duration`` days."""
        s.external_until = day + self.model.rules.init_duration - 1
        self.counts["external_supported"] += 1
        self.log(day, None, s, 9)

    # --- the hierarchy's answer (decisions stage) ---------------------------------------
    def decided(self, decision: Decision, level: int, day: int) -> None:
        """An initiative or partnership decision completed at ``level``: approved, or blocked."""
        rules = self.model.rules
        draw = uniform(self.key(0), decision.uid, 0)
        blocked = draw < self.block_probability(level, rules.signoffs[decision.kind])
        if decision.kind == PARTNERSHIP:
            s = decision.service
            if s.external_key != decision.uid:
                return
            s.external_key = None
            if blocked:
                self.log(day, None, s, 10)
            else:
                self.supported(s, day)
            return
        person = decision.subject
        it = person.initiative
        if it is None or it.decision != decision.uid:  # the initiative ended meanwhile
            return
        it.decision = None
        if blocked and not it.relayed:
            self.counts["blocked"] += 1
            self.today["blocked"] += 1
            self.setback(person)
            self.end(person)
            self.log(day, person, it.serves, 2)
            return
        it.approved = True
        self.counts["approved"] += 1
        self.log(day, person, it.serves, 1)

    # --- what initiatives bring (work stage) --------------------------------------------
    def contribute(self, day: int) -> None:
        """Adopted practice scales capacity; external and internal initiatives add theirs.

        Each service's capacity (on site and remote) × (1 + practice); a supported external
        initiative adds external capacity × baseline demand; then each initiator, in order,
        gives the time share of its capacity today (on special leave: of its nominal
        capacity × (1 − fatigue effect × fatigue)) — a present one takes it from the
        service it works for — and a working initiative adds yield × that time to the
        service it serves.
        """
        rules = self.model.rules
        if not rules.init_on:
            return
        for s in self.services:
            if s.practice > 0.0:
                s.capacity *= 1.0 + s.practice
                s.remote_capacity *= 1.0 + s.practice
            if s.external_until >= day:
                s.capacity += rules.ext_capacity * s.base_demand
        if self.running == 0:
            return
        for person in self.model.staff:
            it = person.initiative
            if it is None:
                continue
            if person.status == STATUS_ABSENT:
                given = rules.init_time_share * (f32(person.productivity * person.task_share)
                                                 * (1.0 - rules.fatigue_effect * person.fatigue))
            else:
                given = rules.init_time_share * person.capacity_today()
                if person.status == STATUS_REMOTE:
                    person.assigned.remote_capacity -= given
                else:
                    person.assigned.capacity -= given
            if it.works:
                it.serves.capacity += rules.init_output * given
