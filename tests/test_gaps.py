"""Gaps and road-system diagnostics: uncovered clusters, road systems and dropped fragments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from affine import Affine

import access15 as ax
from conftest import RES_NS_S, load_tiny, one_level_config

_load = load_tiny  # (network, facilities, population, zones) of the tiny county
_cfg = one_level_config  # one service level "test": tier >= min_tier within minutes


def test_gaps_are_connected_uncovered_groups(tiny):
    net, fac, pop, zones = _load(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(2.0))
    g = cov.gaps
    # uncovered at 2 min: cell (0,2) at node 6 (159 s) and off-network cell (0,0); the empty
    # cell (0,1) between them is not populated, so they are two separate clusters
    assert g["population"].tolist() == [60.0, 50.0]
    assert g["off_network_population"].tolist() == [0.0, 50.0]
    assert g["max_minutes"].iloc[0] == pytest.approx(RES_NS_S / 60)
    assert g["zone_id"].tolist() == ["E", "W"]
    assert g.geometry.x.iloc[0] == pytest.approx(100.02)
    assert cov.summary["gaps"]["population"] == pytest.approx(110)


# --- two road systems not connected to each other (two valleys): both kept, each routed alone
def _grid_ways(first_id: int, lon0: float, nx_: int, ny: int, way0: int) -> tuple[list, list]:
    """Nodes and ways of an ``nx_`` x ``ny`` grid of 0.01-degree tertiary roads at ``lon0``."""
    nodes, ways = [], []
    ids = {}
    for j in range(ny):
        for i in range(nx_):
            ids[i, j] = first_id + j * nx_ + i
            nodes.append(
                f'<node id="{ids[i, j]}" version="1" lat="{j * 0.01}" lon="{lon0 + i * 0.01}"/>'
            )
    lines = [[ids[i, j] for i in range(nx_)] for j in range(ny)]
    lines += [[ids[i, j] for j in range(ny)] for i in range(nx_)]
    for k, line in enumerate(lines):
        refs = "".join(f'<nd ref="{r}"/>' for r in line)
        ways.append(f'<way id="{way0 + k}" version="1">{refs}<tag k="highway" v="tertiary"/></way>')
    return nodes, ways


def _two_valleys(tmp_path):
    """West valley 4x4 nodes at lon 100.00, east valley 4x3 at lon 100.20, a 2-node stub at
    lon 100.10 (a fragment); a clinic in each valley; people on every node and on the stub."""
    west_n, west_w = _grid_ways(1, 100.00, 4, 4, 1)
    east_n, east_w = _grid_ways(101, 100.20, 4, 3, 101)
    stub_n = [
        '<node id="901" version="1" lat="0.0" lon="100.10"/>',
        '<node id="902" version="1" lat="0.0" lon="100.101"/>',
    ]
    stub_w = [
        '<way id="901" version="1"><nd ref="901"/><nd ref="902"/>'
        '<tag k="highway" v="tertiary"/></way>'
    ]
    facs = [
        FAC.format(id=501, lat=0.0001, lon=100.00, name="West clinic"),
        FAC.format(id=502, lat=0.0001, lon=100.20, name="East clinic"),
    ]
    body = "\n".join(west_n + east_n + stub_n + facs + west_w + east_w + stub_w)
    path = tmp_path / "valleys.osm"
    path.write_text(
        f"<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n{body}\n</osm>\n",
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        osm = ax.read_osm(path)
    net = ax.build_network(osm)
    fac = ax.facilities_from_osm(osm)
    # 0.01-degree cells centred on lon 100.00 .. 100.23, lat 0.00 .. 0.03 (row 0 is lat 0.03)
    pop = np.zeros((4, 24))
    pop[:, 0:4] = 100.0  # west valley, 1,600 people
    pop[1:, 20:24] = 10.0  # east valley, 120 people
    pop[3, 10] = 7.0  # on the stub, 7.8 km from the nearest kept road
    cells = ax.DemandCells.from_grid(pop, Affine(0.01, 0, 99.995, 0, -0.01, 0.035), "EPSG:4326")
    return net, fac, cells


FAC = (
    '<node id="{id}" version="1" lat="{lat}" lon="{lon}"><tag k="amenity" v="doctors"/>'
    '<tag k="name" v="{name}"/><tag k="access15:tier" v="1"/></node>'
)


def test_two_road_systems_are_both_kept(tmp_path):
    net, _, _ = _two_valleys(tmp_path)
    assert net.n_nodes == 16 + 12  # both valleys; the 2-node stub is a fragment
    assert net.stats.parts == 2
    assert net.stats.fragments_dropped == 1
    assert net.stats.fragment_nodes == 2
    part = dict(zip(net.node_ids.tolist(), net.node_part.tolist(), strict=True))
    assert {part[i] for i in range(1, 17)} == {0}  # the largest system is part 0
    assert {part[i] for i in range(101, 113)} == {1}
    assert net.n_parts == 2


def test_people_of_the_smaller_system_reach_their_own_facility(tmp_path):
    net, fac, pop = _two_valleys(tmp_path)
    cov = ax.coverage(net, fac, pop, config=_cfg(15))
    cells = cov.cells
    east = cells[cells["lon"] > 100.15]
    assert len(east) == 12
    assert (east["network_part"] == 1).all()
    assert not east["off_network"].any()
    assert (east["minutes_test"] <= 15).all()  # covered by the east clinic
    west = cells[cells["lon"] < 100.05]
    assert (west["network_part"] == 0).all()
    covered = cov.summary["levels"]["test"]["covered_population"]
    assert covered == pytest.approx(1600 + 120)
    note = next(d for d in cov.diagnostics if "road systems" in d)
    assert note.startswith("2 road systems not connected to each other: 93% of people")


def test_dropped_fragments_and_their_people_are_reported(tmp_path):
    net, fac, pop = _two_valleys(tmp_path)
    cov = ax.coverage(net, fac, pop, config=_cfg(15))
    stub = cov.cells[(cov.cells["lon"] > 100.05) & (cov.cells["lon"] < 100.15)]
    assert stub["off_network"].all()  # 7.8 km from the valleys' roads
    assert (stub["network_part"] == -1).all()
    note = next(d for d in cov.diagnostics if "fragment" in d)
    assert note.startswith("1 road fragment(s) of fewer than 10 nodes (2 nodes)")
    assert "7 people live nearer to them" in note


def test_a_system_without_facility_is_reported_unreachable(tmp_path):
    net, fac, pop = _two_valleys(tmp_path)
    cov = ax.coverage(net, fac[fac["name"] == "West clinic"], pop, config=_cfg(15))
    east = cov.cells[cov.cells["lon"] > 100.15]
    assert east["minutes_test"].isna().all()
    assert not east["off_network"].any()
    note = next(d for d in cov.diagnostics if "road systems" in d)
    assert "120 people live on systems with no facility of tier >= 1" in note
