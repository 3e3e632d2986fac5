"""access15.datasets._main_roads: expressway, national, provincial and county road; towns."""

from __future__ import annotations

import itertools

import numpy as np
from shapely.geometry import LineString

from access15.datasets._draft import Draft
from access15.datasets._plan import FREE_TOWNS_KM, PRIMARY_TOWNS_KM, TRUNK_TOWNS_KM


def test_towns(draft: Draft) -> None:
    # the seat is on both main roads; one more town where the county road starts
    n = len(TRUNK_TOWNS_KM) + len(PRIMARY_TOWNS_KM) + 1 + len(FREE_TOWNS_KM)
    assert len(draft.towns) == n
    assert [t.index for t in draft.towns] == list(range(n))
    seat = draft.towns[0]
    assert seat.spacing == 215.0
    assert len(seat.grid) == max(len(t.grid) for t in draft.towns)
    assert [t.on_main_road for t in draft.towns].count(False) == len(FREE_TOWNS_KM)
    inner = draft.land.county.buffer(-2000.0)
    assert all(inner.contains(t.blob.centroid) for t in draft.towns)


def test_chains_are_connected_vertex_runs(draft: Draft) -> None:
    g = draft.g
    for name, chain in draft.chains.items():
        assert chain.segments, name
        for seg in chain.segments:
            for a, b in itertools.pairwise(seg):
                e = g.edge(a, b)
                assert e is not None
                assert e.cls == chain.cls
                assert e.forced
    # the national road runs through the seat's main street
    trunk = {v for seg in draft.chains["trunk"].segments for v in seg}
    assert set(draft.towns[0].row) <= trunk


def test_motorway_carriageways_and_interchanges(draft: Draft) -> None:
    g = draft.g
    nb, sb = draft.carriageways
    assert len(nb) == len(sb)
    for run in (nb, sb):
        assert all(g.kind[v] == "motorway" for v in run)
        assert all(g.edge(a, b) is not None for a, b in itertools.pairwise(run))
    north = g.p(nb[-1])[1] - g.p(nb[0])[1]
    assert north > 0 > g.p(sb[-1])[1] - g.p(sb[0])[1]  # opposite directions
    assert len(draft.ramp_ways) == 8  # two diamond interchanges
    assert all(w.tags["highway"] == "motorway_link" for w in draft.ramp_ways)
    assert len(draft.mw_busy) >= 3  # two interchanges and a bridge
    mw = LineString(draft.motorway)
    assert mw.crosses(LineString(draft.land.river))


def test_main_roads_cross_the_river_on_bridges_only(draft: Draft) -> None:
    g = draft.g
    bridges = [e for e in g.edges.values() if e.kind == "bridge"]
    assert len(bridges) == 5  # two carriageways, trunk, primary, county road
    for e in g.edges.values():
        if e.forced and e.kind != "bridge":
            assert not g.line(e).intersects(draft.land.river_poly)
    assert {e.cls for e in bridges} == {"motorway", "trunk", "primary", "secondary"}
    assert all(np.hypot(*(g.p(e.b) - g.p(e.a))) > 250.0 for e in bridges)  # >= 2 x 130 m
