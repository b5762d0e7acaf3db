"""What the reference model reads: the rules' parameters, the day's conditions and keys.

:class:`Rules` holds the scalar parameters of the day's rules (read from a scenario as
:func:`resilience_sim.kernels.day.day_params` reads them), :class:`Today` one day of the
shock's :class:`~resilience_sim.shocks.DailyConditions` as Python values, and
:class:`Keys` the day's keys of the random streams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..kernels.day import DayParams, day_params
from ..organisation import Organisation
from ..policy import decision_rules
from ..rng import (
    ABSENCE,
    ARRIVALS,
    BURNOUT,
    DECISION_ERROR,
    DECISION_TIME,
    EXCEPTION_RISK,
    EXCEPTION_TEAM,
    EXCEPTION_TIME,
    REMOTE,
    REQUESTS,
    stream_key,
)
from ..scenario import Scenario
from ..shocks import DailyConditions


@dataclass(frozen=True)
class Rules:
    """The parameters of the day's rules.

    The scalars the kernels read (:func:`resilience_sim.kernels.day.day_params`, a shared
    input like the organisation) and the decision rules by type
    (:func:`resilience_sim.policy.decision_rules`).
    """

    day: DayParams
    authority: list[int]   # by decision type: level holding the authority
    signoffs: list[int]    # by decision type: sign-offs
    effort: list[float]    # by decision type: manager time of one sign-off
    scope: list[float]     # by decision type: need of the whole picture

    def __getattr__(self, name):
        return getattr(self.day, name)

    @classmethod
    def of(cls, scenario: Scenario, org: Organisation) -> Rules:
        """The rules of a scenario on an organisation."""
        r = decision_rules(scenario, org)
        return cls(day_params(scenario, org), [int(v) for v in r.authority],
                   [int(v) for v in r.signoffs], [float(v) for v in r.effort],
                   [float(v) for v in r.scope])


@dataclass(frozen=True)
class Keys:
    """Today's keys of the random streams (see :mod:`resilience_sim.rng`).

    Latents that are fixed for the run (absence, remote uptake, an exception's time,
    team and risk, a sign-off's duration, a decision's error) use the day-0 key;
    arrivals, requests and burnouts are drawn afresh every day.
    """

    absence: np.uint64
    remote: np.uint64
    arrivals: np.uint64
    exception_time: np.uint64
    exception_team: np.uint64
    decision_time: np.uint64
    burnout: np.uint64
    decision_error: np.uint64
    exception_risk: np.uint64
    requests: np.uint64

    @classmethod
    def of(cls, seed: int, day: int) -> Keys:
        """The keys of ``day``."""
        def key(stream: int, d: int) -> np.uint64:
            return np.uint64(stream_key(seed, stream, d))
        return cls(absence=key(ABSENCE, 0), remote=key(REMOTE, 0), arrivals=key(ARRIVALS, day),
                   exception_time=key(EXCEPTION_TIME, 0), exception_team=key(EXCEPTION_TEAM, 0),
                   decision_time=key(DECISION_TIME, 0), burnout=key(BURNOUT, day),
                   decision_error=key(DECISION_ERROR, 0), exception_risk=key(EXCEPTION_RISK, 0),
                   requests=key(REQUESTS, day))


@dataclass(frozen=True)
class Today:
    """What the shock makes of one day, as Python values (see DailyConditions)."""

    prevalence: list[float]   # by absence reason
    remote: float             # remote uptake
    exception_share: float
    crisis: bool
    demand: list[float]       # by service
    closed: list[bool]        # by service
    stand_down: list[float]   # by service: share of staff not working remotely a continuity plan sends home
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
                   stand_down=[float(x) for x in cond.stand_down[:, day]],
                   it_factor=[float(x) for x in cond.it_factor[:, day]],
                   agent_reporting=min(rules.agent_reporting * mult, 1.0),
                   manager_reporting=min(rules.manager_reporting * mult, 1.0))
