"""access15.datasets._towns: street grids of the seats."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from shapely.geometry import Point

from access15.datasets._graph import Graph
from access15.datasets._towns import TownPlan, blob, build_town


def test_blob_keeps_clear_of_the_area_to_avoid() -> None:
    avoid = Point(900.0, 0.0).buffer(300.0)
    b = blob(np.random.default_rng(0), np.zeros(2), np.array([1.0, 0.0]), (1000.0, 700.0), avoid)
    assert b.contains(Point(0.0, 0.0))
    assert not b.intersects(avoid.buffer(-1.0))


def test_grid_is_connected_with_whole_main_streets() -> None:
    g = Graph()
    plan = TownPlan(np.array([500.0, -200.0]), math.radians(30), 170.0, (650.0, 500.0), 0.2, True)
    town = build_town(g, np.random.default_rng(1), 3, plan, Point(1e6, 1e6).buffer(1.0))
    assert town.index == 3
    assert town.center_vertex == town.grid[(0, 0)]
    assert set(g.town) == {3}
    assert all(e.cls == "residential" and e.town and e.forced for e in g.edges.values())
    for run in (town.row, town.col):  # centre row and column: consecutive edges
        assert len(run) >= 3
        assert all(g.edge(a, b) is not None for a, b in itertools.pairwise(run))
    seen, stack, adj = {town.center_vertex}, [town.center_vertex], g.adjacency()
    while stack:
        for w in adj.get(stack.pop(), []):
            if w not in seen:
                seen.add(w)
                stack.append(w)
    assert seen == set(town.grid.values())
    step = np.hypot(*(g.p(town.row[1]) - g.p(town.row[0])))
    assert step == pytest.approx(170.0, rel=0.35)
