"""Road classes of the village network: county roads (X) and township roads (Y).

Shortest routes (without the expressway) between neighbouring township seats become county
roads (``secondary``); village links used by the routes of two or more villages to their
nearest seat become township roads (``tertiary``).
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import Delaunay

from access15.datasets._draft import Draft
from access15.datasets._geometry import FloatArray, Key


def _routes_from(d: Draft, sources: list[int]) -> tuple[FloatArray, npt.NDArray[np.int32]]:
    """Return shortest-path distances and predecessors from ``sources`` (no motorway)."""
    g = d.g
    factor = {"trunk": 0.45, "primary": 0.5, "secondary": 0.6, "tertiary": 0.8}
    rows, cols, w = [], [], []
    for e in g.edges.values():
        if e.cls not in ("motorway", "motorway_link"):
            rows.append(e.a)
            cols.append(e.b)
            w.append(g.length(e) * factor.get(e.cls, 1.0) * (1 + 0.8 * d.m_edge(e.a, e.b)) + 1.0)
    mat = csr_matrix((w, (rows, cols)), shape=(len(g.xy), len(g.xy)))
    return dijkstra(mat, directed=False, indices=sources, return_predecessors=True)


def _path(pred: npt.NDArray[np.int32], src: int, dst: int) -> list[int]:
    """Return the vertices from ``src`` to ``dst`` along predecessors ``pred`` ([] if none)."""
    path = [dst]
    while path[-1] != src:
        nxt = int(pred[path[-1]])
        if nxt < 0:
            return []
        path.append(nxt)
    return path[::-1]


def classify(d: Draft) -> None:
    """Upgrade township links to county roads (X), busy village links to township roads (Y)."""
    g = d.g
    seats = [t.center_vertex for t in d.towns]
    sp = np.asarray([g.xy[v] for v in seats])
    pairs = sorted(
        {
            tuple(sorted((int(s[i]), int(s[j]))))
            for s in Delaunay(sp).simplices
            for i, j in ((0, 1), (1, 2), (0, 2))
        }
    )
    _dist, pred = _routes_from(d, seats)
    for i, j in pairs:
        if np.hypot(*(sp[i] - sp[j])) >= 14_000.0:
            continue
        path = _path(pred[i], seats[i], seats[j])
        if path:
            d.x_routes.append((i, j, path))
            for a, b in itertools.pairwise(path):
                e = g.edge(a, b)
                if e is not None and e.cls == "unclassified":
                    e.cls = "secondary"
    dist, pred = _routes_from(d, seats)
    use: dict[Key, float] = {}
    for v in d.villages + d.hamlets:
        t = int(np.argmin(dist[:, v]))
        path = _path(pred[t], seats[t], v)
        weight = 1.0 if g.kind[v] == "village" else 0.25
        if g.kind[v] == "village":
            d.y_routes.append(path)
        for a, b in itertools.pairwise(path):
            key = (min(a, b), max(a, b))
            use[key] = use.get(key, 0.0) + weight
    for key, n in use.items():
        if g.edges[key].cls == "unclassified" and n >= 1.75:
            g.edges[key].cls = "tertiary"
