"""Road network building and kernels on the tiny hand-made network (answers known by hand)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

import access15 as ax
from access15.network import parse_maxspeed
from conftest import D_NS_M, LEG_S, RES_NS_S, RES_S, SEC_S, WALK_S


@pytest.fixture
def net(tiny):
    with pytest.warns(UserWarning, match="no location"):
        osm = ax.read_osm(tiny["osm"])
    return ax.build_network(osm, mode="drive")


def test_missing_node_refs_are_dropped_and_counted(tiny):
    with pytest.warns(UserWarning, match=r"1 way node references have no location"):
        osm = ax.read_osm(tiny["osm"])
    assert osm.n_missing_refs == 1
    net = ax.build_network(osm)
    assert net.stats.segments_missing_nodes == 1


def test_main_component_only(net):
    # the isolated piece 7-8 and the private service road are not routable
    assert sorted(net.node_ids.tolist()) == [1, 2, 3, 4, 5, 6]
    assert net.stats.nodes_dropped == 2


def test_known_times_to_node_1(net):
    t = ax.nearest_times(net, [1])
    expected = {1: 0.0, 2: SEC_S, 3: 2 * SEC_S, 4: 3 * SEC_S, 6: RES_NS_S + 2 * SEC_S}
    for node, sec in expected.items():
        assert t[node] == pytest.approx(sec, rel=1e-9)
    # node 5 must follow the one-way loop 5 -> 6 -> 3, not drive back against it to 4
    assert t[5] == pytest.approx(RES_S + RES_NS_S + 2 * SEC_S, rel=1e-6)


def test_one_way_direction_is_resident_to_facility(net):
    # facility at node 6: from 5 it is one residential hop; from 3 one must go round 3-4-5-6
    t = ax.nearest_times(net, [6])
    assert t[5] == pytest.approx(RES_S, rel=1e-6)
    assert t[3] == pytest.approx(SEC_S + RES_NS_S + RES_S, rel=1e-6)
    assert t[3] > t[5]


def test_walk_ignores_one_way(tiny):
    with pytest.warns(UserWarning, match="no location"):
        net = ax.read_network(tiny["osm"], mode="walk")
    t = ax.nearest_times(net, [6])
    assert t[3] == pytest.approx(D_NS_M / WALK_S, rel=1e-9)


def test_parallel_edges_keep_fastest(net):
    # way 104 (primary capped to 20 km/h by maxspeed) doubles 1-2; the 50 km/h secondary wins
    i1, i2 = net.index_of([1, 2])
    assert net.csr[i1, i2] == pytest.approx(SEC_S, rel=1e-9)


def test_last_mile_leg_is_added(net):
    i1 = net.index_of([1])
    t, src = ax.nearest_facility(net, i1, leg_s=[LEG_S])
    assert t[net.index_of([2])[0]] == pytest.approx(SEC_S + LEG_S, rel=1e-9)
    assert (src == 0).all()


def test_nearest_facility_reports_which_source(net):
    srcs = net.index_of([1, 5])
    _, which = ax.nearest_facility(net, srcs)
    by_id = dict(zip(net.node_ids.tolist(), which.tolist(), strict=True))
    assert by_id[2] == 0  # 2 is one hop from 1
    assert by_id[4] == 1  # 4 -> 5 is one residential hop (159 s) vs 240 s to node 1


def test_to_networkx_matches_kernel(net):
    g = net.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    ref = nx.multi_source_dijkstra_path_length(g.reverse(copy=True), {1}, weight="travel_time")
    t = ax.nearest_times(net, [1])
    for node, sec in ref.items():
        assert t[node] == pytest.approx(sec, abs=1e-6)


def test_times_from_each_cutoff(net):
    srcs = net.index_of([1, 6])
    t = ax.times_from_each(net, srcs, cutoff_s=2.5 * SEC_S)
    i = dict(zip(net.node_ids.tolist(), range(net.n_nodes), strict=True))
    assert t[0, i[3]] == pytest.approx(2 * SEC_S)
    assert np.isinf(t[0, i[4]])  # 3 segments > cutoff
    assert t[1, i[5]] == pytest.approx(RES_S)


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("60", 60.0),
        ("40 mph", 40 * 1.609344),
        ("50;70", 50.0),
        ("30 km/h", 30.0),
        ("CN:rural", 70.0),
        ("CN:urban;60", 50.0),
        ("XX:rural", math.nan),
        ("signals", math.nan),
        (None, math.nan),
        ("-5", math.nan),
    ],
)
def test_parse_maxspeed(value, kmh):
    got = parse_maxspeed(value)
    assert (math.isnan(got) and math.isnan(kmh)) or got == pytest.approx(kmh)


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(ax.InputError, match="not found"):
        ax.read_osm(tmp_path / "nope.osm.pbf")


def test_corrupt_pbf_is_input_error(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dthis is not a pbf" * 10)
    with pytest.raises(ax.InputError, match="cannot read OSM file"):
        ax.read_osm(bad)


def test_simplify_keeps_times_between_kept_nodes(tiny):
    with pytest.warns(UserWarning, match="no location"):
        osm = ax.read_osm(tiny["osm"])
    full = ax.build_network(osm)
    simple = ax.build_network(osm, simplify=True)
    # node 2 is a two-way pass-through, 5 and 6 one-way pass-throughs: only 1, 3, 4 remain
    assert sorted(simple.node_ids.tolist()) == [1, 3, 4]
    for target in (1, 3, 4):
        a = ax.nearest_times(full, [target])
        b = ax.nearest_times(simple, [target])
        for nid in simple.node_ids.tolist():
            assert b[nid] == pytest.approx(a[nid], abs=1e-9)
    assert simple.stats.road_km == pytest.approx(full.stats.road_km)


ACCESS_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="0.0" lon="100.0"/><node id="2" lat="0.0" lon="100.01"/>
  <node id="3" lat="0.0" lon="100.02"/><node id="4" lat="0.01" lon="100.02"/>
  <node id="5" lat="0.01" lon="100.01"/><node id="6" lat="0.01" lon="100.0"/>
  <node id="7" lat="0.02" lon="100.0"/><node id="8" lat="0.02" lon="100.01"/>
  <way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way>
  <way id="2"><nd ref="2"/><nd ref="3"/><tag k="highway" v="tertiary"/>
    <tag k="motor_vehicle" v="no"/></way>
  <way id="3"><nd ref="3"/><nd ref="4"/><tag k="highway" v="unclassified"/>
    <tag k="foot" v="no"/></way>
  <way id="4"><nd ref="4"/><nd ref="5"/><tag k="highway" v="residential"/>
    <tag k="access" v="private"/></way>
  <way id="5"><nd ref="5"/><nd ref="6"/><tag k="highway" v="construction"/></way>
  <way id="6"><nd ref="6"/><nd ref="1"/><tag k="highway" v="footway"/></way>
  <way id="7"><nd ref="6"/><nd ref="7"/><tag k="highway" v="residential"/>
    <tag k="access" v="no"/><tag k="motor_vehicle" v="yes"/></way>
  <way id="8"><nd ref="7"/><nd ref="8"/><tag k="highway" v="track"/></way>
</osm>
"""


@pytest.mark.parametrize(
    ("mode", "usable_ways"),
    [
        # way 7: access=no but motor_vehicle=yes -> drivable; footway only for walking
        ("drive", {1, 3, 7, 8}),
        # e-bikes are non-motor vehicles in China: motor_vehicle=no (way 2) does not bar them;
        # no motorway, and way 7 (access=no, motor_vehicle=yes) is closed to them
        ("ebike", {2, 3, 8}),
        ("walk", {2, 6, 8}),  # no motorway, foot=no on way 3, private way 4
    ],
)
def test_access_rules_per_mode(tmp_path, mode, usable_ways):
    path = tmp_path / "access.osm"
    path.write_text(ACCESS_OSM, encoding="utf-8")
    osm = ax.read_osm(path)
    from access15.network import _allowed

    cfg = ax.Config()
    got = {
        int(r["osm_id"])
        for r in osm.ways.to_dict("records")
        if r["highway"] in cfg.speeds_kmh[mode] and _allowed(r, mode)
    }
    assert got == usable_ways


def test_snap_points_reports_off_network(net):
    # one point on node 1, one 0.02 deg (~2.2 km) north of node 6
    df = net.snap_points([100.0, 100.02], [0.0, 0.03], max_snap_m=1000, access_kmh=4.5)
    assert df["osm_node"].tolist() == [1, 6]
    assert df["on_network"].tolist() == [True, False]
    assert df["snap_m"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    assert df["snap_m"].iloc[1] == pytest.approx(2211.5, rel=1e-3)
    assert df["leg_s"].iloc[1] == pytest.approx(df["snap_m"].iloc[1] / (4.5 / 3.6))


RELATION_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="0.0" lon="100.0"/><node id="2" lat="0.0" lon="100.01"/>
  <node id="11" lat="0.001" lon="100.001"/><node id="12" lat="0.001" lon="100.003"/>
  <node id="13" lat="0.003" lon="100.003"/><node id="14" lat="0.003" lon="100.001"/>
  <way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="secondary"/></way>
  <way id="2"><nd ref="11"/><nd ref="12"/><nd ref="13"/></way>
  <way id="3"><nd ref="13"/><nd ref="14"/><nd ref="11"/></way>
  <relation id="77">
    <member type="way" ref="2" role="outer"/><member type="way" ref="3" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="amenity" v="hospital"/>
    <tag k="name" v="县人民医院"/>
  </relation>
</osm>
"""


def test_hospital_mapped_as_multipolygon_relation(tmp_path):
    path = tmp_path / "rel.osm"
    path.write_text(RELATION_OSM, encoding="utf-8")
    fac = ax.facilities_from_osm(ax.read_osm(path))
    assert fac["facility_id"].tolist() == ["relation/77"]
    assert fac["tier"].tolist() == [4]
    assert fac.geometry.x.iloc[0] == pytest.approx(100.002)
    assert fac.geometry.y.iloc[0] == pytest.approx(0.002)


def test_osm_bz2_reads_like_osm(tiny, tmp_path):
    import bz2

    packed = tmp_path / "tiny.osm.bz2"
    packed.write_bytes(bz2.compress(tiny["osm"].read_bytes()))
    with pytest.warns(UserWarning, match="no location"):
        a = ax.read_network(tiny["osm"])
    with pytest.warns(UserWarning, match="no location"):
        b = ax.read_network(packed)
    np.testing.assert_array_equal(a.node_ids, b.node_ids)
    np.testing.assert_array_equal(a.edge_time_s, b.edge_time_s)
