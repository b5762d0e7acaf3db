"""The keys a sweep can vary: every declared parameter and every shock component field.

Scalar parameters use the dotted keys of ``--set`` (``policy.validation.steps``);
the fields of a shock component are addressed as ``shock.components[I].FIELD``
(``shock.components[3].value``), so that a sweep can vary the shock itself.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..params import PARAMS, SHOCK_FIELDS
from ..scenario import Scenario
from ..schema import Param, ScenarioError, suggest

SHOCK_KEY = re.compile(r"^shock\.components\[(\d+)\]\.(\w+)$")


def known_keys(scenario: Scenario) -> list[str]:
    """Every key a sweep of ``scenario`` can vary."""
    shock = [f"shock.components[{i}].{f}" for i in range(len(scenario.shocks)) for f in SHOCK_FIELDS]
    return list(PARAMS) + shock


def param_of(key: str, scenario: Scenario, source: str) -> Param:
    """The declaration of ``key``, or a ScenarioError suggesting the closest key."""
    if key in PARAMS:
        return PARAMS[key]
    m = SHOCK_KEY.match(key)
    if m and m.group(2) in SHOCK_FIELDS:
        index, n = int(m.group(1)), len(scenario.shocks)
        if index >= n:
            raise ScenarioError(source, key, f"the scenario has {n} shock component(s) "
                                f"(shock.components[0] … [{n - 1}])")
        return SHOCK_FIELDS[m.group(2)]
    raise ScenarioError(source, key, "unknown parameter" + suggest(key, known_keys(scenario)) +
                        " (all parameters: docs/parameters.md or `resilience-sim params`)")


def apply_values(scenario: Scenario, values: dict[str, Any], source: str = "sweep") -> Scenario:
    """A copy of ``scenario`` with parameters and shock fields changed (validated)."""
    params, shocks = {}, [dict(c) for c in scenario.shocks]
    for key, value in values.items():
        m = SHOCK_KEY.match(key)
        if m:
            param_of(key, scenario, source)
            shocks[int(m.group(1))][m.group(2)] = SHOCK_FIELDS[m.group(2)].check(value, source, key)
        else:
            params[key] = value
    if shocks != [dict(c) for c in scenario.shocks]:
        scenario = replace(scenario, shocks=tuple(shocks))
    return scenario.with_values(params, source)
