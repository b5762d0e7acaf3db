"""Stage 9 — record: the day's metrics into one row of a preallocated table.

Performance P(t) is the essential-weighted share of the public's demand of the day
served on time: P = Σ_s w_s·min(processed_s − reworked_s, λ_s) / Σ_s w_s·(λ_s + c_s)
(1 when nothing is expected). Tasks processed are within their deadline by
construction (older ones left as unmet), so P measures demand served on time;
catching up a backlog cannot push a service above 1. Rework (a case sent back by a
wrong decision) is load, never output: the tasks redone, ``reworked_s``, are not
served demand. A closed service turns away c_s = baseline demand − λ_s of the public's
demand: lost service, counted in the denominator (0 for a service open today).

Every column of the daily table is declared once in ``DECLARED``: the accumulator of the
day it reads (a slot of ``context.TODAY``) and how it is scaled. The stage adds up the
services' totals into their accumulators, then writes every column from its declaration.
"""

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from .context import (
    COUNT_ACTIVE,
    TODAY,
    TODAY_ARRIVED,
    TODAY_BACKLOG,
    TODAY_PERFORMANCE,
    TODAY_PROCESSED,
    TODAY_UNMET,
    TODAY_UNMET_ESSENTIAL,
    TODAY_WAITING,
)

#: how a column is scaled: the accumulator as it is, per agent, per manager, or divided by another
#: accumulator (NaN when that one is 0)
AS_IS, PER_AGENT, PER_MANAGER, RATIO = 0, 1, 2, 3
_SCALES = {"": AS_IS, "agents": PER_AGENT, "managers": PER_MANAGER}


@dataclass(frozen=True)
class Column:
    """One column of the daily table.

    Attributes:
        name: column name (``timeseries.csv``, the Mesa ``DataCollector``).
        source: the accumulator of the day it reads (``context.TODAY``), by name.
        offset: slot within a wide accumulator (the queue's level).
        per: "" as it is, "agents" or "managers" for a mean, or the name of another
            accumulator to divide by (NaN when it is 0).
        unit: unit of the column.

    """

    name: str
    source: str
    offset: int = 0
    per: str = ""
    unit: str = ""


QUEUE_LEVELS = 6
# issue 15: rework redone (load, not output) and demand turned away by closed services, today
TODAY_REWORKED, TODAY_TURNED_AWAY = TODAY.add("reworked", "turned_away")

DECLARED: tuple[Column, ...] = (
    Column("performance", "performance", unit="share"),
    Column("backlog", "backlog", unit="tasks"),
    Column("unmet", "unmet", unit="tasks"),
    Column("unmet_essential", "unmet_essential", unit="tasks"),
    Column("arrived", "arrived", unit="tasks"),
    Column("processed", "processed", unit="tasks"),
    Column("absent", "absent", unit="agents"),
    Column("remote", "remote", unit="agents"),
    Column("special_leave", "special_leave", unit="agents"),
    Column("decisions_waiting", "decisions_waiting", unit="decisions"),
    Column("decisions_completed", "decided", unit="decisions"),
    Column("decision_latency_mean", "latency_sum", per="decided", unit="days"),
    Column("fatigue", "fatigue", per="agents", unit="share"),
    Column("manager_fatigue", "manager_fatigue", per="managers", unit="share"),
    Column("engagement", "engagement", per="agents", unit="share"),
    Column("burnout_days", "burnout_days", unit="agent-days"),
    Column("reporting_hours", "reporting_hours", unit="hours"),
    Column("redeployed", "redeployed", unit="agents"),
    Column("decision_errors", "errors", unit="decisions"),
    Column("rework", "rework", unit="tasks"),
    Column("settled_locally", "settled", unit="exceptions"),
    Column("tacit_approvals", "tacit", unit="decisions"),
    *(Column(f"queue_l{level}", "queue", offset=level, unit="decisions") for level in range(QUEUE_LEVELS)),
    Column("redeployed_across", "redeployed_across", unit="agents"),
    Column("moves", "moves", unit="moves"),
    Column("refused_skill", "refused_skill", unit="matches"),
    Column("refused_decision", "refused_decision", unit="matches"),
    Column("ramp_days_lost", "ramp_days_lost", unit="agent-days"),
    Column("volunteer_hours", "volunteer_hours", unit="hours"),
    Column("skills_revealed", "skills_revealed", unit="skills"),
    Column("reallocated", "reallocated", unit="agents"),
    # issue 15 (credibility measures)
    Column("fatigue_agent_max", "fatigue_max", unit="share"),
    # issue 15: errors and closures in P(t)
    Column("reworked", "reworked", unit="tasks"),
    Column("turned_away", "turned_away", unit="tasks"),
    # spontaneous initiatives (issue 16; kernels.initiatives)
    Column("initiatives_running", "initiatives_running", unit="initiatives"),
    Column("initiatives_launched", "initiatives_launched", unit="initiatives"),
    Column("initiatives_blocked", "initiatives_blocked", unit="initiatives"),
    Column("initiatives_adopted", "initiatives_adopted", unit="initiatives"),
    Column("initiatives_external", "initiatives_external", unit="initiatives"),
)


def columns() -> tuple[str, ...]:
    """Names of the daily table's columns, in order (read at call time: ``DECLARED`` decides)."""
    return tuple(c.name for c in DECLARED)


def column_index() -> dict[str, int]:
    """Column number of each name."""
    return {name: i for i, name in enumerate(columns())}


def layout() -> np.ndarray:
    """(columns, 3) int64: for each column its accumulator's slot, its scale and its divisor's slot."""
    table = np.zeros((len(DECLARED), 3), dtype=np.int64)
    for i, c in enumerate(DECLARED):
        if c.source not in TODAY.index:
            raise ValueError(f"column {c.name!r} reads {c.source!r}, which is not an accumulator of the day "
                             f"(declared: {', '.join(TODAY.index)})")
        scale = _SCALES.get(c.per, RATIO)
        divisor = TODAY.index[c.per] if scale == RATIO else 0
        table[i] = (TODAY.index[c.source] + c.offset, scale, divisor)
    return table


COLUMNS = columns()  # as declared (kernel code and the reference twin; Python consumers call columns())
COL = column_index()


@njit(cache=True)
def performance(services):
    """P(t) of the day (see module doc)."""
    served = 0.0
    expected = 0.0
    for s in range(services.expected.shape[0]):
        w = services.weight[s]
        served += w * min(float(services.processed[s] - services.reworked[s]), services.expected[s])
        expected += w * (services.expected[s] + services.turned_away[s])
    return served / expected if expected > 0.0 else 1.0


@njit(cache=True, inline="always")
def record(day, services, n_agents, n_managers, buf, out):
    """Write the metrics of ``day`` into ``out[day]``, one column per row of ``buf.columns``."""
    backlog = 0
    unmet = 0
    unmet_ess = 0
    arrived = 0
    processed = 0
    for s in range(services.waiting.shape[0]):
        backlog += services.waiting[s]
        unmet += services.unmet[s]
        if services.essential[s]:
            unmet_ess += services.unmet[s]
        arrived += services.arrived[s]
        processed += services.processed[s]
    t = buf.today
    reworked = 0
    turned_away = 0.0
    for s in range(services.reworked.shape[0]):
        reworked += services.reworked[s]
        turned_away += services.turned_away[s]
    t[TODAY_REWORKED] = reworked
    t[TODAY_TURNED_AWAY] = turned_away
    t[TODAY_PERFORMANCE] = performance(services)
    t[TODAY_BACKLOG] = backlog
    t[TODAY_UNMET] = unmet
    t[TODAY_UNMET_ESSENTIAL] = unmet_ess
    t[TODAY_ARRIVED] = arrived
    t[TODAY_PROCESSED] = processed
    t[TODAY_WAITING] = buf.counts[COUNT_ACTIVE]
    row = out[day]
    spec = buf.columns
    for c in range(spec.shape[0]):
        v = t[spec[c, 0]]
        scale = spec[c, 1]
        if scale == PER_AGENT:
            v = v / max(n_agents, 1)
        elif scale == PER_MANAGER:
            v = v / max(n_managers, 1)
        elif scale == RATIO:
            d = t[spec[c, 2]]
            v = v / d if d > 0 else math.nan
        row[c] = v
