"""The organisation as one networkx graph with typed edges (DESIGN §1.1).

Nodes are agents (integer ids = agent indices) with their service, institution,
level and skills. Edge ``kind``: ``reports_to`` (agent → its manager), ``colleague``
(agents of the same team, as a ring so that the edge count stays linear),
``informal`` (small-world ties across services), ``partnership`` (between the
executives of the institutions of a territory), ``twinning`` (between the heads of
the units of two twinned services, ``[[organisation.twinning]]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import networkx as nx
import numpy as np

from .organisation import Organisation
from .params import LEVEL_NAMES


def build_graph(org: Organisation, twinning: Sequence[Mapping] = ()) -> nx.MultiDiGraph:
    """The typed graph of an organisation (with its twinned services' pairs, by name)."""
    a = org.agents
    g = nx.MultiDiGraph()
    level = np.full(org.n_agents, len(LEVEL_NAMES), dtype=int)
    line = slice(0, org.line_desks)  # the reporting line's desks (not the HR crisis cell's)
    level[org.managers.agent[line]] = org.managers.level[line]
    inst = org.services.institution[a.home]
    for i in range(org.n_agents):
        lv = int(level[i])
        g.add_node(i, service=org.service_names[a.home[i]], institution=org.institutions[inst[i]][0],
                   level=lv, role=LEVEL_NAMES[lv] if lv < len(LEVEL_NAMES) else "agent",
                   skill=org.missions[a.primary_skill[i]],
                   secondary=org.missions[a.secondary_skill[i]] if a.secondary_skill[i] >= 0 else "",
                   secondary_known=bool(a.secondary_known[i]))
    for i in np.flatnonzero(a.manager >= 0):
        g.add_edge(int(i), int(org.managers.agent[a.manager[i]]), kind="reports_to")
    _colleagues(g, org)
    for s, t in org.ties:
        if s != t:
            g.add_edge(int(s), int(t), kind="informal")
    tops = [int(org.managers.agent[m]) for m in np.flatnonzero(org.managers.parent[line] < 0)]
    for x in range(len(tops)):
        for y in range(x + 1, len(tops)):
            g.add_edge(tops[x], tops[y], kind="partnership")
    _twinning(g, org, twinning)
    return g


def _twinning(g: nx.MultiDiGraph, org: Organisation, pairs: Sequence[Mapping]) -> None:
    """Edges between the heads of the units of each twinned pair of services (families)."""
    heads: dict[str, list[int]] = {}
    for s, name in enumerate(org.service_names):
        if org.services.head[s] >= 0:
            heads.setdefault(name.split("#", 1)[0], []).append(int(org.managers.agent[org.services.head[s]]))
    for pair in pairs:
        for x in heads.get(pair["a"], []):
            for y in heads.get(pair["b"], []):
                g.add_edge(x, y, kind="twinning")


def _colleagues(g: nx.MultiDiGraph, org: Organisation) -> None:
    a = org.agents
    workers = np.flatnonzero(a.role < 0)
    order = workers[np.lexsort((workers, a.manager[workers]))]
    teams = a.manager[order]
    for k in range(1, len(order)):
        if teams[k] == teams[k - 1]:
            g.add_edge(int(order[k - 1]), int(order[k]), kind="colleague")


def export(g: nx.MultiDiGraph, path: Path) -> None:
    """Write the graph as GraphML or GEXF (by the file's extension)."""
    if path.suffix == ".gexf":
        nx.write_gexf(g, path)
    else:
        nx.write_graphml(g, path)


def export_graph(scenario, path: Path) -> int:
    """Build a scenario's organisation and write its graph; return the node count."""
    from .mobility import families, twinning
    from .organisation import build
    from .results import atomic_file

    org = build(scenario)
    twinning(scenario, families(org)[1])  # a twinned service that does not exist is an error, as in a run
    g = build_graph(org, scenario.twinning)
    atomic_file(Path(path), lambda tmp: export(g, tmp))
    return g.number_of_nodes()
