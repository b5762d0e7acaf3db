"""Decision rules by type, resolved from the authority preset and explicit settings.

``decision_rules(scenario, org)`` gives, for each decision type of
``params.DECISION_KINDS``, the authority level, the number of sign-offs, the effort of
one sign-off and the scope (how much the type needs the whole picture). Resolution
order: the preset ``policy.authority.preset``, then ``policy.validation.steps`` for
every type, then the per-type keys ``policy.authority.<type>`` and
``policy.signoffs.<type>``. Levels are checked against the organisation's depth.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .organisation import Organisation
from .params import AUTHORITY_PRESETS, DECISION_KINDS
from .scenario import Scenario
from .schema import ScenarioError

DecisionRules = namedtuple("DecisionRules", ["authority", "signoffs", "effort", "scope"])


def decision_rules(scenario: Scenario, org: Organisation) -> DecisionRules:
    """Arrays indexed by decision type (see module doc)."""
    p = scenario.params
    preset = AUTHORITY_PRESETS[p["policy.authority.preset"]]
    authority = np.array(preset["authority"], dtype=np.int64)
    signoffs = np.array(preset["signoffs"], dtype=np.int64)
    if p["policy.validation.steps"] is not None:
        signoffs[:] = p["policy.validation.steps"]
    depth = org.depth
    for k, kind in enumerate(DECISION_KINDS):
        level = p[f"policy.authority.{kind}"]
        if level is not None:
            authority[k] = level
        if p[f"policy.signoffs.{kind}"] is not None:
            signoffs[k] = p[f"policy.signoffs.{kind}"]
        if authority[k] > depth:
            raise ScenarioError(scenario.source, *_too_deep(p, kind, int(authority[k]), depth, level is None))
    effort = np.array([p[f"decisions.effort.{k}"] for k in DECISION_KINDS], dtype=np.float64)
    scope = np.array([p[f"decisions.scope.{k}"] for k in DECISION_KINDS], dtype=np.float64)
    return DecisionRules(authority, signoffs, effort, scope)


def _too_deep(p, kind: str, level: int, depth: int, from_preset: bool) -> tuple[str, str]:
    """The field and message for an authority level deeper than the organisation."""
    levels = ("has a single level: its deepest level is 0" if depth == 0
              else f"has levels 0 to {depth}: its deepest level is {depth}")
    fix = f"set policy.authority.{kind} = {depth}" + ("" if depth == 0 else " or less")
    if from_preset:
        return ("policy.authority.preset", f"the preset {p['policy.authority.preset']!r} gives {kind} decisions "
                f"to level {level}, but this organisation {levels}; {fix}, or choose another preset")
    return (f"policy.authority.{kind}", f"level {level} does not exist: this organisation {levels}; {fix}")
