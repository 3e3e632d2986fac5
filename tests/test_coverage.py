"""Coverage on the tiny county: hand-computed answers, conservation, monotonicity properties."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import access15 as ax
from access15.config import ServiceLevel
from conftest import LEG_S, POP, RES_NS_S, RES_S, SEC_S, WALK_S, write_tiny_osm


def _load(tiny, osm_path=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        osm = ax.read_osm(osm_path or tiny["osm"])
    net = ax.build_network(osm)
    fac = ax.facilities_from_osm(osm)
    county = ax.read_boundary(tiny["county"])
    pop = ax.read_population(tiny["population"], boundary=county)
    zones = ax.read_zones(tiny["zones"])
    return net, fac, pop, zones


def _cfg(minutes: float, min_tier: int = 1) -> ax.Config:
    return ax.Config(levels=(ServiceLevel("test", min_tier, minutes),), upgrade_level="test")


# resident -> nearest facility (any tier) in seconds, per populated cell (row, col):
# the clinic on node 3 (leg 0) serves 2, 3, 4, 5, 6; the hospital serves node 1
EXPECTED_ANY_S = {
    (1, 0): LEG_S,  # node 1 -> hospital
    (1, 1): SEC_S,  # node 2 -> clinic at node 3
    (1, 2): 0.0,  # node 3 = clinic
    (1, 3): SEC_S,  # node 4 -> 3
    (0, 2): RES_NS_S,  # node 6 -> 3 (one-way, allowed)
    (0, 3): LEG_S,  # node 5 -> township centre 11.1 m away
}


def test_population_reading(tiny):
    _, _, pop, _ = _load(tiny)
    assert pop.total == pytest.approx(float(POP.sum()))
    assert len(pop) == 7  # the zero cell is not a demand cell


def test_cell_times_known_by_hand(tiny):
    net, fac, pop, zones = _load(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(15))
    got = {(r.row, r.col): r.minutes_test for r in cov.cells.itertuples()}
    for cell, sec in EXPECTED_ANY_S.items():
        assert got[cell] == pytest.approx(sec / 60.0, rel=1e-6, abs=1e-9), cell
    # (0, 0) is 1112 m from the nearest road: off-network, never covered
    assert np.isnan(got[(0, 0)])
    off = cov.cells.set_index(["row", "col"]).loc[(0, 0)]
    assert bool(off.off_network)
    assert cov.summary["off_network_population"] == pytest.approx(50.0)


def test_shares_and_conservation(tiny):
    net, fac, pop, zones = _load(tiny)
    # 2 minutes = 120 s: covers cells at 0 s, 8.9 s, 80 s (x2), 8.9 s; not node 6 (160 s)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(2.0))
    s = cov.summary
    assert s["population_total"] == pytest.approx(1180.0)
    covered = 100 + 200 + 300 + 400 + 70
    assert s["levels"]["test"]["covered_population"] == pytest.approx(covered)
    uncovered_on = s["population_total"] - covered - s["off_network_population"]
    assert uncovered_on == pytest.approx(60.0)  # node 6 only
    z = cov.by_zone.set_index("zone_id")
    assert z.loc["W", "population"] == pytest.approx(100 + 200 + 50)
    assert z.loc["E", "covered_test"] == pytest.approx(300 + 400 + 70)
    assert z["population"].sum() == pytest.approx(s["population_total"])


def test_tier_levels(tiny):
    net, fac, pop, _ = _load(tiny)
    # tier >= 4 only: the hospital at node 1; node 2 is SEC_S + LEG_S away
    cov = ax.coverage(net, fac, pop, config=_cfg(60, min_tier=4))
    got = {(r.row, r.col): r.minutes_test for r in cov.cells.itertuples()}
    assert got[(1, 1)] == pytest.approx((SEC_S + LEG_S) / 60, rel=1e-6)
    assert got[(0, 3)] == pytest.approx((RES_S + RES_NS_S + 2 * SEC_S + LEG_S) / 60, rel=1e-6)
    # the hospital's own referral time is its last-mile leg; the clinic's is 2 segments + leg
    f = cov.facilities.set_index("facility_id")
    assert f.loc["node/201", "minutes_to_hospital"] == pytest.approx(2 * LEG_S / 60, rel=1e-6)
    assert f.loc["node/203", "minutes_to_hospital"] == pytest.approx((2 * SEC_S + LEG_S) / 60)


def test_equals_networkx_reference(tiny):
    """Per-cell times recomputed independently: networkx Dijkstra + first/last mile."""
    net, fac, pop, zones = _load(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(15))
    g = net.to_networkx()
    f = cov.facilities
    # add each facility as a node reached from its road node by its last-mile leg
    for r in f.itertuples():
        g.add_edge(r.osm_node, ("fac", r.facility_id), travel_time=r.leg_s)
    targets = [("fac", x) for x in f["facility_id"]]
    ref = nx.multi_source_dijkstra_path_length(g.reverse(copy=True), targets, weight="travel_time")
    for r in cov.cells.itertuples():
        if r.off_network:
            continue
        node = int(net.node_ids[r.node])
        expect = (r.snap_m / WALK_S + ref[node]) / 60
        assert r.minutes_test == pytest.approx(expect, abs=1e-9)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=st.floats(0.1, 20.0), b=st.floats(0.1, 20.0))
def test_coverage_never_falls_as_minutes_rise(tiny, a, b):
    net, fac, pop, _ = _load(tiny)
    lo, hi = sorted((a, b))
    c_lo = ax.coverage(net, fac, pop, config=_cfg(lo)).summary["levels"]["test"]
    c_hi = ax.coverage(net, fac, pop, config=_cfg(hi)).summary["levels"]["test"]
    assert c_hi["covered_population"] >= c_lo["covered_population"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lon=st.floats(99.996, 100.034),
    lat=st.floats(-0.004, 0.014),
    minutes=st.floats(0.5, 10.0),
)
def test_adding_a_facility_never_hurts(tiny, tmp_path_factory, lon, lat, minutes):
    net, fac, pop, _ = _load(tiny)
    base = ax.coverage(net, fac, pop, config=_cfg(minutes))
    warnings.simplefilter("ignore", UserWarning)  # the new site may be off-network: fine here
    extra = {
        "id": 299,
        "lat": lat,
        "lon": lon,
        "amenity": "doctors",
        "tier": 1,
        "name": "new",
        "name_en": "new",
    }
    from conftest import DEFAULT_FACILITIES

    path = write_tiny_osm(
        tmp_path_factory.mktemp("more") / "more.osm", [*DEFAULT_FACILITIES, extra]
    )
    _, fac2, _, _ = _load(tiny, path)
    more = ax.coverage(net, fac2, pop, config=_cfg(minutes))
    t0 = base.cells["minutes_test"].to_numpy()
    t1 = more.cells["minutes_test"].to_numpy()
    ok = np.isfinite(t0)
    assert (t1[ok] <= t0[ok] + 1e-12).all()
    assert (
        more.summary["levels"]["test"]["covered_population"]
        >= base.summary["levels"]["test"]["covered_population"]
    )
