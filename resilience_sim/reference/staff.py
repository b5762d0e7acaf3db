"""Staff: the members of staff, agent by agent (shock, work, reporting, wellbeing rules).

Each method's docstring states the rule it applies, for one agent. The numbers an
agent draws come from the counter-based generator of :mod:`resilience_sim.rng`,
addressed exactly as the kernels address them, so the reference and the kernels draw
the same random numbers.

Agent state that the kernels keep in float32 arrays (productivity, task share,
fatigue, engagement) is kept here as Python floats rounded to float32 (:func:`f32`):
values are computed in float64, as the kernels compute them, and rounded when stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..params import BURNOUT, CHILDCARE, SICKNESS, SPECIAL_LEAVE, VACANCY, VULNERABILITY
from ..rng import uniform
from ..state import STATUS_ABSENT, STATUS_ON_SITE, STATUS_REMOTE

if TYPE_CHECKING:
    from .manager import Manager
    from .model import ReferenceModel
    from .service import Service

#: absence reasons drawn from fixed latents (the same agents stay home while it lasts)
FIXED_LATENT_REASONS = (CHILDCARE, VULNERABILITY, VACANCY)
#: staggers the sickness spells of agents (a large odd number: spells start on all days)
SPELL_STAGGER = 2654435761


def f32(x: float) -> float:
    """``x`` rounded to float32, as a Python float (the state stores it in float32)."""
    return float(np.float32(x))


class Staff(mesa.Agent):
    """A member of staff.

    Attributes:
        index: row of the agent in the organisation; the entity of its random draws.
        home, assigned: home service and service worked for today (the same for now).
        manager: the desk the agent reports to (None for the executive).
        productivity: tasks per full on-site day (float32).
        task_share: share of working time on tasks (float32; managers less, 0 at the top).
        can_remote: the job can be done remotely.
        status: STATUS_ON_SITE, STATUS_REMOTE or STATUS_ABSENT.
        absence: absence reason index, -1 when present.
        burnout_until: last day of a burnout absence (-1: none).
        fatigue, engagement: wellbeing, 0 to 1 (float32).
        primary_skill, secondary_skill, secondary_known: skills (missions; -1 = none).
        moved_day: day the agent was moved to ``assigned`` (-1 = at home).
        learning_days: days to full productivity in the current move (float32).
        wrong_move: moved by a wrong redeployment decision.
        reserved: a redeployment decision about the agent is pending.
        flying, planned: in the flying pool; has a pre-approved reassignment plan.
        volunteer_to: service the agent gives volunteer time to today, or None.
        time_bank: volunteer hours banked (float32).
        risk_aversion: risk aversion, 0 to 1 (float32).
        initiative: the running :class:`~.initiatives.Initiative`, or None.
        initiative_drive: change of propensity from initiatives seen through ties (float32).
        initiatives_led: initiatives launched.

    """

    is_manager = False

    def __init__(self, model: ReferenceModel, index: int, home: Service, productivity: float,
                 task_share: float, can_remote: bool, fatigue: float, engagement: float,
                 burnout_until: int):
        super().__init__(model)
        self.index = index
        self.home = home
        self.assigned = home
        self.manager: Manager | None = None
        self.productivity = productivity
        self.task_share = task_share
        self.can_remote = can_remote
        self.status = STATUS_ON_SITE
        self.absence = -1
        self.burnout_until = burnout_until
        self.fatigue = fatigue
        self.engagement = engagement
        self.primary_skill, self.secondary_skill, self.secondary_known = 0, -1, False
        self.moved_day = -1
        self.learning_days = 0.0
        self.wrong_move = self.reserved = self.flying = self.planned = False
        self.volunteer_to: Service | None = None
        self.time_bank = 0.0
        self.desks: list = []  # the decision desks the person holds (a manager's own, the HR cell's)
        self.risk_aversion = 0.5
        self.initiative = None  # the running Initiative, see .initiatives
        self.initiative_drive = 0.0
        self.initiatives_led = 0

    # --- 1. shock ----------------------------------------------------------------------
    def absence_reason(self, day: int) -> int:
        """The reason the agent is absent today from the shock's prevalences, or -1.

        Sickness first: the agent's sickness latent u is redrawn every ``sickness_spell``
        days (spells staggered by agent); the agent is sick if u < prevalence. Then
        childcare, vulnerability and vacancy, each with a latent fixed for the run:
        absent if its latent < that reason's prevalence — but childcare and vulnerability
        not for an agent who works remotely today, with ``work.remote_before_leave``.
        (Burnout comes from fatigue, special leave from closures and falls in demand:
        neither is drawn from a prevalence.)
        """
        today, key, spell = self.model.today, self.model.keys.absence, self.model.rules.sickness_spell
        prevalence = today.prevalence
        if prevalence[SICKNESS] > 0.0:
            block = (day + (self.index * SPELL_STAGGER) % spell) // spell
            if uniform(key, self.index, block * 8) < prevalence[SICKNESS]:
                return SICKNESS
        for reason in FIXED_LATENT_REASONS:
            if reason in (CHILDCARE, VULNERABILITY) and self.telework_replaces_leave():
                continue  # works remotely today: no leave for childcare or vulnerability
            if prevalence[reason] > 0.0 and uniform(key, self.index, reason) < prevalence[reason]:
                return reason
        return -1

    def telework_replaces_leave(self) -> bool:
        """Whether working remotely replaces childcare, vulnerability and closure leave today.

        With ``work.remote_before_leave``, special leave for childcare, vulnerability or a
        closed service goes only to staff who cannot telework: an agent who works remotely when present
        (:meth:`works_remotely`) is not kept home by them.
        """
        return self.model.rules.remote_before_leave and self.works_remotely()

    def works_remotely(self) -> bool:
        """Whether the agent, when present, works remotely today.

        Its job can be done remotely and its latent uniform (fixed for the run) is below
        today's remote uptake.
        """
        uptake = self.model.today.remote
        return self.can_remote and uptake > 0.0 and uniform(self.model.keys.remote, self.index, 0) < uptake

    def stood_down(self) -> bool:
        """Whether a fall in its service's demand sends this present agent home on special leave today.

        Only staff who are not managers and do not work remotely; the share is the
        service's ``stand_down`` (``work.stand_down_leave`` × the fall in demand), compared
        with the agent's latent uniform fixed for the run.
        """
        share = self.model.today.stand_down[self.assigned.index]
        return (share > 0.0 and not self.is_manager and not self.works_remotely()
                and uniform(self.model.keys.absence, self.index, SPECIAL_LEAVE) < share)

    def update_status(self, day: int) -> None:
        """Set today's status and absence reason.

        1. during a burnout absence (day ≤ burnout_until) the agent is absent (burnout);
        2. otherwise it may be absent for a reason of the shock (:meth:`absence_reason`);
        3. a present non-manager whose service is closed today takes special leave (with
           ``work.remote_before_leave``, unless it works remotely today);
        4. a present non-manager who does not work remotely may be sent on special leave
           when its service's demand has fallen (:meth:`stood_down`);
        5. a present agent whose job can be done remotely works remotely if its fixed
           latent uniform is below today's remote uptake (:meth:`works_remotely`);
           otherwise it is on site.
        """
        today = self.model.today
        if self.burnout_until >= day:
            reason = BURNOUT
        else:
            reason = self.absence_reason(day)
            if (reason < 0 and today.closed[self.assigned.index] and not self.is_manager
                    and not self.telework_replaces_leave()):
                reason = SPECIAL_LEAVE
            elif reason < 0 and self.stood_down():
                reason = SPECIAL_LEAVE
        self.absence = reason
        if reason >= 0:
            self.status = STATUS_ABSENT
        elif self.works_remotely():
            self.status = STATUS_REMOTE
        else:
            self.status = STATUS_ON_SITE

    # --- 6. work -----------------------------------------------------------------------
    def work_capacity(self) -> float:
        """Tasks the agent can do today (before the remote factor).

        productivity × task share × (1 − agents' reporting share) × (1 − fatigue
        effect × fatigue) × IT factor of its service. Managers' task time also uses the
        agents' share (their own share slows their desk). productivity × task share is
        a float32 product, as in the state arrays.
        """
        rules, today = self.model.rules, self.model.today
        share = today.agent_reporting
        return (f32(self.productivity * self.task_share) * (1.0 - share)
                * (1.0 - rules.fatigue_effect * self.fatigue) * today.it_factor[self.assigned.index]
                * self.ramp(self.model.day))

    def ramp(self, day: int) -> float:
        """Productivity factor from a move (1 at home).

        0 for the move's cost days, then ramp_start → 1 over the learning days,
        × ``wrong_move_productivity`` after a wrong redeployment decision.
        """
        if self.moved_day < 0:
            return 1.0
        rules = self.model.rules
        since = day - self.moved_day - rules.move_cost_days
        if since < 0.0:
            return 0.0  # handover and installation: nothing produced yet
        r = 1.0
        if self.learning_days > 0.0:
            r = min(1.0, rules.ramp_start + (1.0 - rules.ramp_start) * since / self.learning_days)
        if self.wrong_move:
            r *= rules.wrong_move_productivity
        return r

    def capacity_today(self) -> float:
        """Tasks the agent can do today where it works, remote factor included."""
        c = self.work_capacity()
        if self.status == STATUS_REMOTE:
            c *= self.model.rules.remote_productivity
        return c

    def contribute_capacity(self) -> None:
        """Add today's capacity to the service the agent is assigned to, if present.

        Only present agents with a task share work; a remote agent's capacity counts
        × remote productivity, in the service's remote capacity; a volunteer gives the
        volunteer share of it to the service it volunteers for.
        """
        if self.status == STATUS_ABSENT or self.task_share <= 0.0:
            return
        c = self.capacity_today()
        pool = "remote_capacity" if self.status == STATUS_REMOTE else "capacity"
        if self.volunteer_to is not None:
            given = c * self.model.rules.volunteer_share
            setattr(self.volunteer_to, pool, getattr(self.volunteer_to, pool) + given)
            c = c - given
        setattr(self.assigned, pool, getattr(self.assigned, pool) + c)

    # --- 7. reporting ------------------------------------------------------------------
    def reporting_share(self) -> float:
        """Share of today's working time spent reporting (managers have their own)."""
        today = self.model.today
        return today.manager_reporting if self.is_manager else today.agent_reporting

    def tolerated_reporting_share(self) -> float:
        """Share of working time spent reporting that the person accepts without cost."""
        rules = self.model.rules
        return rules.manager_tolerance if self.is_manager else rules.agent_tolerance

    # --- 8. wellbeing ------------------------------------------------------------------
    def pressure(self) -> float:
        """Today's pressure on the person: its service's, or a desk's it holds if larger.

        A desk's pressure is the decisions at it (queued or being signed) over the
        sign-offs its deciders make in a full day at capacity.
        """
        x = self.assigned.pressure
        for desk in self.desks:
            x = max(x, desk.queue_length / (desk.capacity * len(desk.free_at)))
        return x

    def update_wellbeing(self, day: int) -> float:
        """Move fatigue and engagement; maybe start a burnout. Return today's fatigue.

        Absent: fatigue F ← F − recovery·F. Present, with x = min(:meth:`pressure`, cap):
        F ← clip(F + gain·max(0, x − 1) − recovery·ρ·F, 0, 1), where recovery needs slack:
        ρ = 1 at or under capacity, 0 when overloaded by ``recovery_overload`` or more, linear
        between (no recovery left at all if that is 0); a manager's gain reduced by the relief
        of peer support; if F > θ a
        burnout of ``burnout_days`` starts tomorrow with probability
        hazard·(F − θ)/(1 − θ); engagement E ← clip(E + recovery_E·(E₀ − E) − reporting
        cost·(reporting share − tolerated share) − fatigue cost·F, 0, 1).

        The returned fatigue is the stored (float32) value: the day's mean is over these.
        """
        rules = self.model.rules
        f = self.fatigue
        if self.status == STATUS_ABSENT:
            f -= rules.fatigue_recovery * f
        else:
            x = min(self.pressure(), rules.pressure_cap)
            gain = rules.fatigue_gain * (rules.manager_relief if self.is_manager else 1.0)
            over = max(0.0, x - 1.0)
            if rules.recovery_overload > 0.0:
                rho = max(0.0, 1.0 - over / rules.recovery_overload)
            else:
                rho = 1.0 if over <= 0.0 else 0.0
            f += gain * over - rules.fatigue_recovery * rho * f
            f = min(max(f, 0.0), 1.0)
            theta = rules.burnout_threshold
            if f > theta:
                hazard = rules.burnout_hazard * (f - theta) / max(1.0 - theta, 1e-9)
                if uniform(self.model.keys.burnout, self.index, 0) < hazard:
                    self.burnout_until = day + rules.burnout_days
            extra = self.reporting_share() - self.tolerated_reporting_share()
            e = self.engagement
            e += (rules.engagement_recovery * (rules.engagement_baseline - e)
                  - rules.reporting_cost * extra - rules.fatigue_cost * f)
            self.engagement = f32(min(max(e, 0.0), 1.0))
        self.fatigue = f32(f)
        return self.fatigue
