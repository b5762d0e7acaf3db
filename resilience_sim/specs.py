"""Services and institutions as a scenario declares them, before the organisation's arrays are built."""

from __future__ import annotations

from dataclasses import dataclass

from .scenario import Scenario


@dataclass
class ServiceSpec:
    """One service (unit) before arrays are built."""

    name: str
    institution: int
    mission: str
    tags: tuple[str, ...]
    headcount: int
    essential: bool
    on_site_share: float
    deadline: int
    demand: float | None = None



def explicit_institutions(scenario: Scenario) -> list[tuple[str, str]]:
    """Institutions declared by a scenario, or one default institution ``main``."""
    return [(i["name"], i["kind"]) for i in scenario.institutions] or [("main", "commune")]


def spec_of(table: dict, insts: list[tuple[str, str]], headcount: int | None = None) -> ServiceSpec:
    """The spec of one ``[[organisation.services]]`` table (SERVICE_FIELDS keys).

    ``headcount`` replaces the table's own (an org chart counts the staff).
    """
    index = {name: k for k, (name, _) in enumerate(insts)}
    return ServiceSpec(
        name=table["name"], institution=index.get(table["institution"], 0),
        mission=table["mission"] or table["name"],
        tags=tuple(t.strip() for t in table["tags"].split(",") if t.strip()),
        headcount=table["headcount"] if headcount is None else headcount,
        essential=table["essential"], on_site_share=table["on_site_share"],
        deadline=table["deadline"], demand=table["demand"],
    )
