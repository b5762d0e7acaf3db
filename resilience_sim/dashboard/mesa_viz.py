"""The model in Mesa's own ``SolaraViz``, for Mesa users, beside the workshop dashboard.

``resilience-sim dashboard --mesa [SCENARIO] [--lang fr|en]`` serves this page (same checks
and offline assets as the workshop dashboard, :mod:`.server`); in a notebook, ``page()``
returns it. Its inputs are the workshop's levers, generated from the parameter declarations
with their French and English labels (:mod:`.labels`), as ``SolaraViz`` user inputs whose
names are ``OrganisationModel``'s keywords; its plots read the model's ``DataCollector``
(performance, decisions waiting by level, redeployed staff, running initiatives). A lever
whose declared default is "unset" (``None``, e.g. tacit approval) has no ``SolaraViz`` input
and keeps the scenario's value. The workshop dashboard (:mod:`.app`) adds what SolaraViz has
no place for: the baseline run beside the current one, the "what changed" sentences, the
network coloured by load.
"""

from __future__ import annotations

import os

from ..scenario import DEFAULT_SCENARIO, load
from .labels import Lever, scenario_levers, tracks

#: daily columns drawn, by plot
PLOTS = ({"performance": "tab:blue"},
         {f"queue_l{level}": colour for level, colour in enumerate(("tab:red", "tab:orange", "tab:olive",
                                                                    "tab:green", "tab:cyan"))},
         {"redeployed": "tab:purple", "initiatives_running": "tab:brown"})


def user_input(lever: Lever, value, lang: str) -> dict | None:
    """The ``SolaraViz`` user input of a lever at ``value`` (None if it cannot show an unset value)."""
    p = lever.param
    if value is None:
        return None
    label = lever.label(lang)
    if p.kind == "bool":
        return {"type": "Checkbox", "value": bool(value), "label": label}
    if p.kind == "choice":
        return {"type": "Select", "value": value, "values": list(p.choices), "label": label}
    if p.kind == "int":
        return {"type": "SliderInt", "value": int(value), "label": label, "min": int(p.low or 0),
                "max": int(lever.high if lever.high is not None else max(10, 2 * value)), "step": 1}
    if p.kind == "float":
        high = float(lever.high if lever.high is not None else max(1.0, 2 * value))
        return {"type": "SliderFloat", "value": float(value), "label": label, "min": float(p.low or 0.0),
                "max": high, "step": round(high / 50, 6) or 0.01}
    return None


def model_params(scenario: str = DEFAULT_SCENARIO, lang: str = "fr") -> dict:
    """``SolaraViz``'s ``model_params``: the scenario (fixed) and an input per lever at the scenario's value."""
    spec = load(scenario)
    params: dict = {"scenario_name": scenario, "agent_objects": False}
    levers = scenario_levers() + [lv for _, _, _, group in tracks() for lv in group]
    for lever in levers:
        shown = user_input(lever, spec[lever.param.key], lang)
        if shown is not None:
            params[lever.keyword] = shown
    return params


def page(scenario: str = DEFAULT_SCENARIO, lang: str = "fr", rng: int = 1):
    """The ``SolaraViz`` page of ``OrganisationModel`` on ``scenario`` (its first model seeded by ``rng``)."""
    from mesa.visualization import SolaraViz, make_plot_component

    from ..model import OrganisationModel

    params = model_params(scenario, lang)
    first = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    model = OrganisationModel(**first, rng=rng)
    components = [make_plot_component(measure) for measure in PLOTS]
    return SolaraViz(model, components=components, model_params=params, name=model.sim.scenario.title)


if os.environ.get("RESILIENCE_SIM_MESA_PAGE"):  # served by `resilience-sim dashboard --mesa`
    Page = page(os.environ.get("RESILIENCE_SIM_SCENARIO", DEFAULT_SCENARIO),
                os.environ.get("RESILIENCE_SIM_LANG", "fr"))
