"""access15.io.osm.graphml: osmnx GraphML graphs as a road source.

A graph osmnx builds from an OSM file and saves as GraphML must route exactly like the network
access15 builds from that file directly.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
from shapely.geometry import LineString, box

import access15 as ax
from access15.errors import InputError
from access15.io.osm import read_graphml

MODES = ("drive", "ebike", "walk")


@pytest.fixture(scope="module")
def town_xml(tmp_path_factory) -> Path:
    """OSM XML of the sample county seat: highway ways touching a 3 km x 3 km box, complete."""
    import osmium

    src = str(ax.sample_paths()["osm"])
    area = box(112.560, 27.380, 112.590, 27.407)
    ways: set[int] = set()
    nodes: set[int] = set()
    fp = osmium.FileProcessor(src).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
    for obj in fp:
        if obj.is_way():
            refs = [(n.ref, n.location.lon, n.location.lat) for n in obj.nodes]
            if LineString([r[1:] for r in refs]).intersects(area):
                ways.add(obj.id)
                nodes.update(r[0] for r in refs)
    out = tmp_path_factory.mktemp("town") / "town.osm"
    with osmium.SimpleWriter(str(out)) as w:
        for obj in osmium.FileProcessor(src):
            if (obj.is_node() and obj.id in nodes) or (obj.is_way() and obj.id in ways):
                w.add(obj)
    return out


def _save(graph: nx.MultiDiGraph, path: Path) -> Path:
    ox.save_graphml(graph, path)
    return path


def _edges(net: ax.RoadNetwork) -> dict[tuple[int, int], float]:
    ids = net.node_ids
    return {
        (int(ids[u]), int(ids[v])): t
        for u, v, t in zip(net.edge_u, net.edge_v, net.edge_time_s, strict=True)
    }


def _assert_same_network(a: ax.RoadNetwork, b: ax.RoadNetwork) -> None:
    np.testing.assert_array_equal(a.node_ids, b.node_ids)
    np.testing.assert_array_equal(a.lon, b.lon)
    np.testing.assert_array_equal(a.lat, b.lat)
    ea, eb = _edges(a), _edges(b)
    assert ea.keys() == eb.keys()
    np.testing.assert_allclose([ea[k] for k in ea], [eb[k] for k in ea], rtol=1e-12)
    for src in (a.node_ids[0], a.node_ids[len(a.node_ids) // 2]):
        ta, tb = ax.nearest_times(a, [src]), ax.nearest_times(b, [src])
        np.testing.assert_allclose(ta.to_numpy(), tb.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_graphml_routes_like_the_osm_file(tiny_xml, tmp_path, mode):
    graph = ox.graph_from_xml(tiny_xml, simplify=False, retain_all=True)
    osm = read_graphml(_save(graph, tmp_path / "tiny.graphml"))
    from_xml = ax.build_network(ax.read_osm(tiny_xml), mode=mode)
    from_graphml = ax.build_network(osm, mode=mode)
    _assert_same_network(from_graphml, from_xml)
    if mode == "drive":
        # node 5 must still go round the one-way loop 5 -> 6 -> 3 (not back against it)
        t = ax.nearest_times(from_graphml, [1])
        assert t[5] > t[6] > t[3]
        assert sorted(from_graphml.node_ids.tolist()) == [1, 2, 3, 4, 5, 6]


def test_graphml_ways_and_tags(tiny_xml, tmp_path):
    graph = ox.graph_from_xml(tiny_xml, simplify=False, retain_all=True)
    osm = read_graphml(_save(graph, tmp_path / "tiny.graphml"))
    assert osm.source == str(tmp_path / "tiny.graphml")
    assert (np.diff(osm.way_offsets) == 2).all()
    # 15 directed osmnx edges: 6 two-way pairs emitted once, 3 one-way edges of way 102
    assert len(osm.ways) == 9
    by_way = osm.ways.groupby("osm_id")
    assert by_way.size().to_dict() == {101: 3, 102: 3, 103: 1, 104: 1, 105: 1}
    assert set(osm.ways.loc[osm.ways.osm_id == 102, "oneway"]) == {"yes"}
    assert set(osm.ways.loc[osm.ways.osm_id == 101, "oneway"]) == {"no"}
    assert osm.ways.loc[osm.ways.osm_id == 104, "maxspeed"].item() == "20"
    assert osm.ways.loc[osm.ways.osm_id == 105, "access"].item() == "private"
    assert list(osm.ways.columns) == list(ax.read_osm(tiny_xml).ways.columns)
    assert len(osm.facilities) == 0
    assert list(osm.facilities.columns) == list(ax.read_osm(tiny_xml).facilities.columns)
    with pytest.raises(InputError, match="no health facilities"):
        ax.facilities_from_osm(osm)


def test_sample_town_graphml_routes_like_the_pbf_extract(town_xml, tmp_path):
    graph = ox.graph_from_xml(town_xml, simplify=False, retain_all=True)
    osm = read_graphml(_save(graph, tmp_path / "town.graphml"))
    direct = ax.read_osm(town_xml)
    assert len(osm.ways) > 500
    assert set(osm.ways["oneway"].dropna()) == {"yes", "no"}
    for mode in MODES:
        _assert_same_network(ax.build_network(osm, mode=mode), ax.build_network(direct, mode=mode))


def test_simplified_graph_keeps_geometry_as_synthetic_nodes(town_xml, tmp_path):
    # keep endpoints where routing tags change: merged edges would otherwise carry lists of
    # classes/speeds (read as first class / lowest speed), which changes some times a little
    graph = ox.simplify_graph(
        ox.graph_from_xml(town_xml, simplify=False, retain_all=True),
        edge_attrs_differ=["highway", "maxspeed", "oneway", "access", "junction"],
    )
    osm = read_graphml(_save(graph, tmp_path / "simple.graphml"))
    assert (np.diff(osm.way_offsets) > 2).any()
    assert (osm.refs < 0).any()  # interior points: synthetic negative ids
    direct = ax.build_network(ax.read_osm(town_xml))
    simple = ax.build_network(osm)
    real = np.intersect1d(simple.node_ids[simple.node_ids > 0], direct.node_ids)
    assert len(real) > 50
    # same road length, same times between the nodes both networks have
    assert simple.stats.road_km == pytest.approx(direct.stats.road_km, rel=1e-9)
    for src in real[:: max(1, len(real) // 3)]:
        ta, tb = ax.nearest_times(simple, [src]), ax.nearest_times(direct, [src])
        np.testing.assert_allclose(ta[real].to_numpy(), tb[real].to_numpy(), rtol=1e-9)


def test_projected_graph_is_converted_back_to_lon_lat(tiny_xml, tmp_path):
    graph = ox.project_graph(ox.graph_from_xml(tiny_xml, simplify=False, retain_all=True))
    assert graph.graph["crs"] != "epsg:4326"
    osm = read_graphml(_save(graph, tmp_path / "utm.graphml"))
    net = ax.build_network(osm)
    ref = ax.build_network(ax.read_osm(tiny_xml))
    np.testing.assert_allclose(net.lon, ref.lon, atol=1e-9)
    np.testing.assert_allclose(
        ax.nearest_times(net, [1]).to_numpy(), ax.nearest_times(ref, [1]).to_numpy(), rtol=1e-9
    )


def test_list_valued_attributes_from_simplification(tmp_path):
    g = nx.MultiDiGraph(crs="epsg:4326")
    g.add_node(1, x=100.0, y=0.0)
    g.add_node(2, x=100.01, y=0.0)
    attrs = {
        "osmid": [11, 12],
        "highway": ["secondary", "tertiary"],
        "maxspeed": ["50", "40", "50"],
        "name": ["东街", "西街"],
        "oneway": False,
        "reversed": [False, True],
        "length": 1113.2,
    }
    g.add_edge(1, 2, **attrs)
    g.add_edge(2, 1, **{**attrs, "reversed": [True, False]})
    g.add_edge(1, 2, osmid=13, highway="residential", oneway=True, reversed=False, length=1.0)
    osm = read_graphml(_save(g, tmp_path / "lists.graphml"))
    w = osm.ways.sort_values("osm_id").reset_index(drop=True)
    # neither twin is all-reversed, so both directions stay (duplicates route the same)
    assert w["osm_id"].tolist() == [11, 11, 13]
    assert w.loc[0, "highway"] == "secondary"
    assert w.loc[0, "maxspeed"] == "50;40"
    assert w.loc[0, "name"] == "东街;西街"
    assert w["oneway"].tolist() == ["no", "no", "yes"]
    net = ax.build_network(osm)
    assert net.n_nodes == 2


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("missing.graphml", None, "not found"),
        ("empty.graphml", "", "is empty"),
        ("graph.txt", "<graphml/>", r"does not end in \.graphml"),
        ("junk.graphml", "this is not xml", "cannot read GraphML file"),
    ],
)
def test_read_graphml_errors(tmp_path, name, content, match):
    p = tmp_path / name
    if content is not None:
        p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=match) as e:
        read_graphml(p)
    assert "\n" not in str(e.value)
