"""What the reference model reads: the rules' parameters, the day's conditions and keys.

:class:`Rules` holds the scalar parameters of the day's rules (read from a scenario as
:func:`resilience_sim.engine.day_params` reads them), :class:`Today` one day of the
shock's :class:`~resilience_sim.shocks.DailyConditions` as Python values, and
:class:`Keys` the day's keys of the random streams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..rng import (
    ABSENCE,
    ARRIVALS,
    BURNOUT,
    DECISION_TIME,
    EXCEPTION_TEAM,
    EXCEPTION_TIME,
    REMOTE,
    stream_key,
)
from ..scenario import Scenario
from ..shocks import DailyConditions


@dataclass(frozen=True)
class Rules:
    """The scalar parameters of the day's rules, read from a scenario."""

    seed: int
    agent_reporting: float    # share of agents' time on reporting, normal times
    manager_reporting: float  # share of managers' time on reporting, normal times
    crisis_reporting: float   # reporting multiplier on crisis days
    hours_per_day: float
    remote_productivity: float
    sickness_spell: int
    interim: float            # decision capacity kept when a manager is absent
    steps: int                # sign-offs per decision
    authority_exception: int  # level holding authority on exceptions
    fatigue_gain: float
    fatigue_recovery: float
    fatigue_effect: float
    burnout_threshold: float
    burnout_hazard: float
    burnout_days: int
    engagement_baseline: float
    engagement_recovery: float
    reporting_cost: float
    fatigue_cost: float
    pressure_cap: float

    @classmethod
    def of(cls, scenario: Scenario) -> Rules:
        """The rules of a scenario."""
        p = scenario.params
        week = p["policy.reporting.week_hours"]
        return cls(
            seed=int(p["run.seed"]), agent_reporting=p["policy.reporting.agent_hours"] / week,
            manager_reporting=p["policy.reporting.manager_hours"] / week,
            crisis_reporting=p["policy.reporting.crisis_multiplier"], hours_per_day=week / 5.0,
            remote_productivity=p["work.remote_productivity"],
            sickness_spell=int(p["baseline.sickness_spell"]), interim=p["policy.decisions.interim"],
            steps=int(p["policy.validation.steps"]),
            authority_exception=int(p["policy.authority.exception"]),
            fatigue_gain=p["wellbeing.fatigue_gain"], fatigue_recovery=p["wellbeing.fatigue_recovery"],
            fatigue_effect=p["wellbeing.fatigue_effect"],
            burnout_threshold=p["wellbeing.burnout_threshold"],
            burnout_hazard=p["wellbeing.burnout_hazard"], burnout_days=int(p["wellbeing.burnout_days"]),
            engagement_baseline=p["wellbeing.engagement_baseline"],
            engagement_recovery=p["wellbeing.engagement_recovery"],
            reporting_cost=p["wellbeing.reporting_cost"], fatigue_cost=p["wellbeing.fatigue_cost"],
            pressure_cap=p["wellbeing.pressure_cap"],
        )


@dataclass(frozen=True)
class Keys:
    """Today's keys of the random streams (see :mod:`resilience_sim.rng`).

    Latents that are fixed for the run (absence, remote uptake, an exception's time
    and team, a sign-off's duration) use the day-0 key; arrivals and burnouts are
    drawn afresh every day.
    """

    absence: np.uint64
    remote: np.uint64
    arrivals: np.uint64
    exception_time: np.uint64
    exception_team: np.uint64
    decision_time: np.uint64
    burnout: np.uint64

    @classmethod
    def of(cls, seed: int, day: int) -> Keys:
        """The keys of ``day``."""
        def key(stream: int, d: int) -> np.uint64:
            return np.uint64(stream_key(seed, stream, d))
        return cls(absence=key(ABSENCE, 0), remote=key(REMOTE, 0), arrivals=key(ARRIVALS, day),
                   exception_time=key(EXCEPTION_TIME, 0), exception_team=key(EXCEPTION_TEAM, 0),
                   decision_time=key(DECISION_TIME, 0), burnout=key(BURNOUT, day))


@dataclass(frozen=True)
class Today:
    """What the shock makes of one day, as Python values (see DailyConditions)."""

    prevalence: list[float]   # by absence reason
    remote: float             # remote uptake
    exception_share: float
    crisis: bool
    demand: list[float]       # by service
    closed: list[bool]        # by service
    it_factor: list[float]    # by service (float32 values)
    agent_reporting: float    # today's reporting share of agents
    manager_reporting: float  # ... and of managers

    @classmethod
    def of(cls, cond: DailyConditions, day: int, rules: Rules) -> Today:
        """Day ``day`` of the conditions; reporting shares × crisis multiplier, capped at 1."""
        crisis = bool(cond.crisis[day])
        mult = rules.crisis_reporting if crisis else 1.0
        return cls(prevalence=[float(x) for x in cond.absence[:, day]], remote=float(cond.remote[day]),
                   exception_share=float(cond.exception_share[day]), crisis=crisis,
                   demand=[float(x) for x in cond.demand[:, day]],
                   closed=[bool(x) for x in cond.closed[:, day]],
                   it_factor=[float(x) for x in cond.it_factor[:, day]],
                   agent_reporting=min(rules.agent_reporting * mult, 1.0),
                   manager_reporting=min(rules.manager_reporting * mult, 1.0))
