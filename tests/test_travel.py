"""Kernels against independent references: networkx on real OSM extracts and random graphs."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import access15 as ax
from access15.network import NetworkStats, RoadNetwork
from conftest import OSM_CA, random_network, require_shared


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize("name", ["yuba_county_ca.osm.pbf", "imperial_county_ca.osm.pbf"])
def test_nearest_times_equal_networkx_on_real_osm(name):
    path = require_shared(OSM_CA / name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Imperial is clipped: refs missing
        osm = ax.read_osm(path)
        net = ax.build_network(osm, mode="drive")
        fac = ax.facilities_from_osm(osm)
    node, _ = net.snap(fac.geometry.x, fac.geometry.y)
    sources = np.unique(net.node_ids[node])
    got = ax.nearest_times(net, sources)
    g = net.to_networkx()
    assert g.number_of_nodes() == net.n_nodes
    assert g.number_of_edges() == net.n_edges
    ref = nx.multi_source_dijkstra_path_length(
        g.reverse(copy=False), set(sources.tolist()), weight="travel_time"
    )
    ref_s = pd.Series(ref).reindex(got.index).fillna(np.inf)
    finite = np.isfinite(ref_s.to_numpy())
    # every road system is kept (real extracts have several): a node reaches a facility
    # exactly when one is on its own system
    served = np.zeros(net.n_parts, dtype=bool)
    served[net.node_part[net.index_of(sources)]] = True
    np.testing.assert_array_equal(finite, served[net.node_part])
    assert finite.mean() > 0.9
    np.testing.assert_allclose(got.to_numpy(), ref_s.to_numpy(), rtol=0, atol=1e-6)


def _line_network(times_s: list[float]) -> RoadNetwork:
    """Nodes 0..n in a row, one-way edges i+1 -> i of the given seconds (searched reversed)."""
    n = len(times_s) + 1
    u = np.arange(1, n)
    v = np.arange(0, n - 1)
    t = np.asarray(times_s, dtype=np.float64)
    return RoadNetwork(
        mode="drive",
        crs="EPSG:32649",
        node_ids=np.arange(n, dtype=np.int64),
        lon=np.zeros(n),
        lat=np.zeros(n),
        x=np.zeros(n),
        y=np.zeros(n),
        edge_u=u,
        edge_v=v,
        edge_length_m=t,
        edge_time_s=t,
        edge_highway=np.array(["road"] * len(u), dtype=object),
        stats=NetworkStats(0, 0, 0, n, 0, 1, 0.0),
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(2, 40),
    density=st.floats(0.5, 4.0),
    n_src=st.integers(1, 5),
    zero_legs=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_nearest_facility_equals_networkx_on_random_graphs(seed, n, density, n_src, zero_legs):
    # zero_legs: share of sources with no last mile (all zero takes scipy's direct path, mixed
    # and none the virtual-node path; both must give networkx's times and a true source)
    net = random_network(seed, n, max(1, int(n * density)))
    rng = np.random.default_rng(seed + 1)
    src = rng.choice(n, size=min(n_src, n), replace=False)
    leg = rng.uniform(0, 50, len(src))
    leg[rng.random(len(src)) < zero_legs] = 0.0
    t, which = ax.nearest_facility(net, src, leg_s=leg)
    g = net.to_networkx()
    for j, s in enumerate(src):
        g.add_edge(int(net.node_ids[s]), ("src", j), travel_time=float(leg[j]))
    ref = nx.multi_source_dijkstra_path_length(
        g.reverse(copy=True), {("src", j) for j in range(len(src))}, weight="travel_time"
    )
    for i, nid in enumerate(net.node_ids.tolist()):
        assert t[i] == pytest.approx(ref.get(nid, np.inf), abs=1e-6)
        if np.isfinite(t[i]):
            # the reported source really gives that time
            j = which[i]
            d = nx.shortest_path_length(g, nid, ("src", int(j)), weight="travel_time")
            assert d == pytest.approx(t[i], abs=1e-6)
        else:
            assert which[i] == -1


def test_mixed_last_miles_are_each_counted():
    # 0 -> 1 -> 2 (10 s each, reversed search: residents at 2 walk towards 0); source A at node
    # 0 with no last mile, source B at node 2 with 25 s: node 2 is 20 s from A but 25 s from B
    net = _line_network([10.0, 10.0])
    t, which = ax.nearest_facility(net, [0, 2], leg_s=[0.0, 25.0])
    np.testing.assert_allclose(t, [0.0, 10.0, 20.0])
    np.testing.assert_array_equal(which, [0, 0, 0])
    t, which = ax.nearest_facility(net, [0, 2], leg_s=[0.0, 5.0])
    np.testing.assert_allclose(t, [0.0, 10.0, 5.0])
    np.testing.assert_array_equal(which, [0, 0, 1])


def test_same_node_twice_reports_its_first_position():
    net = _line_network([10.0, 10.0])
    t, which = ax.nearest_facility(net, [2, 0, 2])
    np.testing.assert_allclose(t, [0.0, 10.0, 0.0])
    np.testing.assert_array_equal(which, [1, 1, 0])


@pytest.mark.parametrize(
    ("nodes", "leg", "match"),
    [
        ([], None, "no sources given"),
        ([0, -1], None, "source node index out of range"),
        ([-1, 0], None, "source node index out of range"),
        ([0, 3], None, "source node index out of range"),  # n_nodes is 3: 3 is one too far
        ([3, 0], None, "source node index out of range"),
        ([0, 1], [1.0], "leg_s must be finite, >= 0 seconds and one per source"),
        ([0, 1], [1.0, -0.5], "leg_s must be finite"),
        ([0, 1], [-0.5, 1.0], "leg_s must be finite"),
        ([0, 1], [1.0, np.inf], "leg_s must be finite"),
        ([0, 1], [np.nan, 1.0], "leg_s must be finite"),
    ],
)
def test_bad_sources_are_refused_by_every_search(nodes, leg, match):
    net = _line_network([10.0, 10.0])
    with pytest.raises(ax.InputError, match=match):
        ax.nearest_facility(net, nodes, leg_s=leg)
    with pytest.raises(ax.InputError, match=match):
        ax.pair_times(net, nodes, leg_s=leg, cutoff_s=60.0)


def test_pair_times_cutoff_is_inclusive_and_zero_allowed():
    net = _line_network([10.0, 10.0])
    pt = ax.pair_times(net, [0], cutoff_s=0.0, threads=1)
    assert list(zip(pt.target.tolist(), pt.seconds.tolist(), strict=True)) == [(0, 0.0)]
    pt = ax.pair_times(net, [0], cutoff_s=10.0, threads=1)
    assert sorted(zip(pt.target.tolist(), pt.seconds.tolist(), strict=True)) == [
        (0, 0.0),
        (1, 10.0),
    ]
    with pytest.raises(ax.InputError, match="cutoff_s must be >= 0 seconds"):
        ax.pair_times(net, [0], cutoff_s=-1.0)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 30), cutoff=st.floats(1.0, 300.0))
def test_times_from_each_equals_brute_force(seed, n, cutoff):
    net = random_network(seed, n, 3 * n)
    rng = np.random.default_rng(seed + 2)
    src = rng.choice(n, size=min(3, n), replace=False)
    leg = rng.uniform(0, 20, len(src))
    got = ax.times_from_each(net, src, leg_s=leg, cutoff_s=cutoff)
    g = net.to_networkx()
    for j, s in enumerate(src):
        ref = nx.single_source_dijkstra_path_length(
            g.reverse(copy=True), int(net.node_ids[s]), weight="travel_time"
        )
        for i, nid in enumerate(net.node_ids.tolist()):
            want = ref.get(nid, np.inf) + leg[j]
            want = want if want <= cutoff else np.inf
            assert got[j, i] == pytest.approx(want, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(3, 40),
    cutoff=st.floats(1.0, 300.0),
    threads=st.integers(1, 3),
)
def test_pair_times_targets_subset_equals_brute_force(seed, n, cutoff, threads):
    net = random_network(seed, n, 3 * n)
    rng = np.random.default_rng(seed + 3)
    src = rng.choice(n, size=min(5, n), replace=False)
    tgt = rng.choice(n, size=max(1, n // 2), replace=False)
    leg = rng.uniform(0, 20, len(src))
    pt = ax.pair_times(net, src, leg_s=leg, cutoff_s=cutoff, targets=tgt, threads=threads)
    got = {
        (int(s), int(t)): float(x) for s, t, x in zip(pt.source, pt.target, pt.seconds, strict=True)
    }
    assert len(got) == len(pt)  # each pair once
    g = net.to_networkx().reverse(copy=True)
    want = {}
    for j, s in enumerate(src):
        ref = nx.single_source_dijkstra_path_length(g, int(net.node_ids[s]), weight="travel_time")
        for ti, node in enumerate(tgt):
            t = ref.get(int(net.node_ids[node]), np.inf) + leg[j]
            if t <= cutoff:
                want[(j, ti)] = t
    assert got.keys() == want.keys()
    for key, t in want.items():
        assert got[key] == pytest.approx(t, abs=1e-6)
    dense = pt.to_csr().toarray()
    assert dense.shape == (len(src), len(tgt))


@pytest.mark.slow
@pytest.mark.realdata
def test_simplified_network_routes_exactly_on_real_osm():
    path = require_shared(OSM_CA / "yuba_county_ca.complete.osm.pbf")
    osm = ax.read_osm(path)
    full = ax.build_network(osm)
    simple = ax.build_network(osm, simplify=True)
    assert simple.n_nodes < full.n_nodes / 3  # chains are most of the nodes
    assert simple.stats.road_km == pytest.approx(full.stats.road_km)
    src = simple.node_ids[:: max(1, simple.n_nodes // 40)]
    a = ax.nearest_times(full, src).loc[simple.node_ids].to_numpy()
    b = ax.nearest_times(simple, src).to_numpy()
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-6)


@settings(max_examples=50, deadline=None)
@given(
    cells=st.lists(st.integers(0, 5), max_size=20),
    pairs=st.lists(st.integers(0, 5), max_size=15),
)
def test_pairs_at_cells_equals_a_loop(cells, pairs):
    from access15.travel import pairs_at_cells

    want = [(p, c) for p, t in enumerate(pairs) for c, u in enumerate(cells) if u == t]
    pair_of, cell = pairs_at_cells(np.array(pairs, dtype=np.int64), np.array(cells, np.int64), 6)
    assert list(zip(pair_of.tolist(), cell.tolist(), strict=True)) == want
