"""access15.datasets._local_roads: villages, the village road mesh, tracks."""

from __future__ import annotations

from collections import Counter

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point

from access15.datasets._draft import Draft


def test_settlements_are_spread_and_thinner_in_the_mountains(draft: Draft) -> None:
    g = draft.g
    assert 150 <= len(draft.villages) <= 400
    assert len(draft.hamlets) > len(draft.villages)
    pts = np.asarray([g.xy[v] for v in draft.villages + draft.hamlets])
    d, _ = cKDTree(pts).query(pts, k=2)
    assert float(d[:, 1].min()) > 700.0  # dart throwing keeps them apart
    assert shapely.contains_xy(draft.land.county, pts[:, 0], pts[:, 1]).all()
    mountain = draft.land.mountain(pts[:, 0], pts[:, 1]) > 0.5
    assert 0.0 < mountain.mean() < 0.3  # mountains: 30 % of the area, fewer settlements


def test_network_reaches_the_seat_from_everywhere(draft: Draft) -> None:
    adj = draft.g.adjacency()
    start = draft.towns[0].center_vertex
    seen, stack = {start}, [start]
    while stack:
        for w in adj.get(stack.pop(), []):
            if w not in seen:
                seen.add(w)
                stack.append(w)
    assert set(adj) == seen
    assert set(draft.villages + draft.hamlets) <= seen


def test_village_roads_cross_nothing(draft: Draft) -> None:
    g = draft.g
    free = [e for e in g.edges.values() if not e.forced]
    assert free
    corridor = LineString(draft.motorway).buffer(30.0)
    lines = [g.line(e) for e in free]
    assert not any(ln.intersects(draft.land.river_poly) for ln in lines)
    assert not any(ln.intersects(corridor) for ln in lines)
    ia, ib = shapely.STRtree(lines).query(lines, predicate="intersects")
    bad = []
    for i, j in zip(ia.tolist(), ib.tolist(), strict=True):
        shared = {free[i].a, free[i].b} & {free[j].a, free[j].b}
        if i == j:
            continue
        meet = lines[i].intersection(lines[j])  # only at their common end
        if not shared or meet.hausdorff_distance(Point(g.xy[shared.pop()])) > 1e-6:
            bad.append((i, j))
    assert not bad


def test_underpasses_and_tracks(draft: Draft) -> None:
    g = draft.g
    under = [e for e in g.edges.values() if e.kind == "underpass"]
    village_under = [e for e in under if e.cls == "unclassified"]
    assert village_under  # a few village roads pass under the expressway
    mw = LineString(draft.motorway)
    assert all(g.line(e).intersects(mw) for e in village_under)
    degree = Counter(v for key in g.edges for v in key)
    ends = [v for v, k in enumerate(g.kind) if k == "track_end"]
    assert ends
    assert all(degree[v] == 1 for v in ends)  # tracks are dead ends
    adj = g.adjacency()
    assert {g.edges[min(v, adj[v][0]), max(v, adj[v][0])].cls for v in ends} == {"track"}
