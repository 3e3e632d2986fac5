"""access15.datasets._graph: the road graph's vertices, edges and shapes."""

from __future__ import annotations

import numpy as np

from access15.datasets._graph import Graph, straight
from access15.datasets._plan import NODE_SPACING


def test_edges_are_undirected_and_added_once() -> None:
    g = Graph()
    a = g.add_vertex((0.0, 0.0), "village")
    b = g.add_vertex((300.0, 400.0), "hamlet", town=2)
    assert (a, b) == (0, 1)
    assert g.kind == ["village", "hamlet"]
    assert g.town == [-1, 2]
    e = g.add_edge(b, a, "unclassified", False)
    assert g.add_edge(a, b, "track", True) is e  # the first one stays
    assert g.edge(a, b) is g.edge(b, a) is e
    assert e.spacing == NODE_SPACING["unclassified"]
    assert g.length(e) == 500.0  # the chord while unshaped
    assert g.adjacency() == {0: [1], 1: [0]}


def test_geometry_snaps_to_the_vertices_and_is_oriented() -> None:
    g = Graph()
    a = g.add_vertex((0.0, 0.0), "chain")
    b = g.add_vertex((100.0, 0.0), "chain")
    geom = np.array([[1.0, 1.0], [50.0, 10.0], [99.0, -1.0]])
    e = g.add_edge(a, b, "trunk", True, geom)
    assert e.geom is not None
    assert e.geom[0].tolist() == [0.0, 0.0]
    assert e.geom[-1].tolist() == [100.0, 0.0]
    assert geom[0].tolist() == [1.0, 1.0]  # the caller's array is not changed
    assert g.geom(b, a)[0].tolist() == [100.0, 0.0]
    assert g.line(e).length == g.length(e)


def test_straight_edges_get_class_spacing() -> None:
    g = Graph()
    a = g.add_vertex((0.0, 0.0), "chain")
    b = g.add_vertex((1000.0, 0.0), "chain")
    e = straight(g, a, b, "trunk", "connector")
    assert e.forced
    assert e.kind == "connector"
    assert e.geom is not None
    assert len(e.geom) == 11  # 1000 m at ~100 m
