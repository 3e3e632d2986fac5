"""Coverage on the tiny county: hand-computed answers, conservation, monotonicity properties."""

from __future__ import annotations

import dataclasses
import tracemalloc
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import access15 as ax
from conftest import (
    LEG_S,
    POP,
    RES_NS_S,
    RES_S,
    SEC_S,
    WALK_S,
    load_tiny,
    one_level_config,
    write_tiny_osm,
)

_load = load_tiny  # (network, facilities, population, zones) of the tiny county
_cfg = one_level_config  # one service level "test": tier >= min_tier within minutes


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
    covered = 0.0
    for r in cov.cells.itertuples():
        if r.off_network:
            continue
        node = int(net.node_ids[r.node])
        expect = (r.snap_m / WALK_S + ref[node]) / 60
        assert r.minutes_test == pytest.approx(expect, abs=1e-9)
        covered += r.pop if expect <= 15 else 0.0
    # the share, brute force: networkx times per cell, population-weighted, off-network uncovered
    share = covered / float(POP.sum())
    assert cov.summary["levels"]["test"]["covered_share"] == pytest.approx(share, abs=1e-12)


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


def test_time_bands_known_by_hand(tiny):
    from access15.access import time_bands

    net, fac, pop, zones = _load(tiny)
    cfg = ax.Config(bands_minutes=(1.0, 2.0))
    cov = ax.coverage(net, fac, pop, zones=zones, config=cfg)
    b = cov.bands.set_index("band")["population"]
    # times (s): 8.9 (node 1), 80 (node 2), 0 (node 3), 80 (node 4), 159 (node 6), 8.9 (node 5)
    assert b["0-1 min"] == pytest.approx(100 + 300 + 70)
    assert b["1-2 min"] == pytest.approx(200 + 400)
    assert b["> 2 min"] == pytest.approx(60)
    assert b["off-network"] == pytest.approx(50)
    assert b.sum() == pytest.approx(cov.summary["population_total"])
    assert time_bands(cov.cells, cfg)["population"].sum() == pytest.approx(1180)


def test_referral_chain_known_by_hand(tiny):
    net, fac, pop, zones = _load(tiny)
    cfg = ax.Config(referral_hospital_minutes=5.0, referral_township_minutes=2.0)
    cov = ax.coverage(net, fac, pop, zones=zones, config=cfg)
    f = cov.facilities.set_index("facility_id")
    # township centre at node 5 -> hospital at node 1: walk out, 5-6-3-2-1, walk in
    to_h = (LEG_S + RES_S + RES_NS_S + 2 * SEC_S + LEG_S) / 60
    assert f.loc["node/202", "minutes_to_hospital"] == pytest.approx(to_h, rel=1e-6)
    assert bool(f.loc["node/202", "referral_over_target"]) is (to_h > 5.0)
    # village clinic on node 3 -> nearest tier >= 2 is the hospital (2 segments + its leg)
    to_t = (2 * SEC_S + LEG_S) / 60
    assert f.loc["node/203", "minutes_to_township"] == pytest.approx(to_t, rel=1e-6)
    assert bool(f.loc["node/203", "referral_over_target"]) is (to_t > 2.0)
    assert np.isnan(f.loc["node/202", "minutes_to_township"])
    r = cov.summary["referral"]
    assert r["township_centres"] == 1
    assert r["village_clinics"] == 1


def test_road_density_per_zone(tiny):
    from conftest import D_M, D_NS_M

    net, fac, pop, zones = _load(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(15))
    z = cov.by_zone.set_index("zone_id")
    # edges by midpoint: W holds 1-2; E holds 3-4, 4-5, 5-6, 6-3; 2-3 sits on the zone border
    assert z.loc["W", "road_km"] == pytest.approx(D_M / 1000)
    assert z.loc["E", "road_km"] == pytest.approx((2 * D_M + 2 * D_NS_M) / 1000)
    assert z.loc["W", "road_km_per_km2"] == pytest.approx(
        z.loc["W", "road_km"] / z.loc["W", "area_km2"]
    )


def test_facilities_outside_boundary_are_reported(tiny):
    import geopandas as gpd
    from shapely.geometry import box

    net, fac, pop, _ = _load(tiny)
    small = gpd.GeoDataFrame(geometry=[box(100.015, -0.005, 100.035, 0.015)], crs="EPSG:4326")
    cov = ax.coverage(net, fac, pop, boundary=small, config=_cfg(15))
    out = cov.facilities.set_index("facility_id")["inside_area"]
    assert out.to_dict() == {"node/201": False, "node/202": True, "node/203": True}
    assert any("outside the study area" in d for d in cov.diagnostics)


def _gini_reference(x, w):
    """Gini as the weighted mean absolute difference over twice the mean."""
    x = np.asarray(x, float)
    w = np.asarray(w, float)
    mu = np.average(x, weights=w)
    mad = (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / w.sum() ** 2
    return mad / (2 * mu)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.0, 100.0), st.integers(1, 50)), min_size=1, max_size=30).filter(
        lambda v: sum(x * w for x, w in v) > 0
    )
)
def test_gini_equals_mean_absolute_difference_formula(pairs):
    from access15.access import weighted_gini

    x, w = zip(*pairs, strict=True)
    assert weighted_gini(x, w) == pytest.approx(_gini_reference(x, w), abs=1e-9)


def test_point_demand_gives_the_grid_times(tiny, tmp_path):
    """Villages as points at the cell centres: same times, shares and gaps as the grid."""
    net, fac, pop, zones = _load(tiny)
    grid_cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(2.0))
    c = grid_cov.cells
    csv = tmp_path / "villages.csv"
    pd.DataFrame({"经度": c["lon"], "纬度": c["lat"], "人口": c["pop"]}).to_csv(csv, index=False)
    pts = ax.read_population(csv, crs_in="EPSG:4326")
    assert not pts.is_grid
    pt_cov = ax.coverage(net, fac, pts, zones=zones, config=_cfg(2.0))
    np.testing.assert_allclose(
        pt_cov.cells["minutes_test"].to_numpy(), c["minutes_test"].to_numpy(), atol=1e-9
    )
    assert pt_cov.cells["zone_id"].tolist() == c["zone_id"].tolist()
    assert pt_cov.summary["levels"]["test"]["covered_population"] == pytest.approx(
        grid_cov.summary["levels"]["test"]["covered_population"]
    )
    assert pt_cov.surface == {}
    # points 2.2 km apart are separate gaps (link distance 500 m), as the grid cells were
    assert pt_cov.gaps["population"].tolist() == [60.0, 50.0]
    ax.make_map(pt_cov)  # no raster overlay, but a map


def test_input_data_problems_are_in_the_diagnostics(tiny):
    """Problems tolerated while reading (DataWarning) reach summary["diagnostics"], first."""
    net, fac, pop, zones = _load(tiny)
    clean = ax.coverage(net, fac, pop, zones=zones, config=_cfg(15))
    pop_note = "population raster 'p.tif': 1 of the 120 cells ... left out as no data"
    fac_note = "facility file 'f.csv': 2 repeated rows ... counted once"
    fac.attrs["diagnostics"] = [fac_note]
    cov = ax.coverage(
        net, fac, dataclasses.replace(pop, notes=(pop_note,)), zones=zones, config=_cfg(15)
    )
    assert cov.summary["diagnostics"] == [pop_note, fac_note, *clean.summary["diagnostics"]]
    assert cov.diagnostics == cov.summary["diagnostics"]
    assert cov.summary["population_total"] == clean.summary["population_total"]


@pytest.mark.parametrize("blank", [None, np.nan, "", " "], ids=["None", "nan", "empty", "space"])
def test_zone_without_id_is_refused_not_dropped(tiny, blank):
    net, fac, pop, zones = _load(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(15))
    # every person is in the zone table: its population adds up to the total
    assert cov.by_zone["population"].sum() == pytest.approx(cov.summary["population_total"])
    z = zones.copy()
    z["zone_id"] = z["zone_id"].astype(object)
    z.loc[1, "zone_id"] = blank
    with pytest.raises(ax.InputError) as e:
        ax.coverage(net, fac, pop, zones=z, config=_cfg(15))
    assert str(e.value) == (
        f"zones: 1 polygon has no zone_id (row 2, name {z.loc[1, 'name']!r}); give every "
        "township an id (its people would be left out of the zone table)"
    )


# --- a large area with few people: memory follows the populated cells and the surface -----------
def _wide_area(tiny):
    """The tiny county's network and facilities; a 1500 x 1500 grid over it, all of it area,
    with people in 6 cells (the tiny county's populated nodes)."""
    net, fac, _, _ = _load(tiny)
    n = 1500
    pop = np.zeros((n, n))
    cell = 0.04 / n
    t = Affine(cell, 0, 99.995, 0, -cell, 0.015)
    for lon, lat, people in ((100.0, 0.0, 100.0), (100.02, 0.01, 60.0), (100.03, 0.0, 400.0)):
        pop[int((0.015 - lat) / cell), int((lon - 99.995) / cell)] = people
    return net, fac, ax.DemandCells.from_grid(pop, t, "EPSG:4326", area_mask=np.ones((n, n), bool))


def test_coverage_memory_follows_the_surface_not_every_area_cell(tiny, monkeypatch):
    net, fac, pop = _wide_area(tiny)
    monkeypatch.setattr("access15.surface._CHUNK_CELLS", 1 << 16)
    tracemalloc.start()
    try:
        cov = ax.coverage(net, fac, pop, config=_cfg(15))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the surface is 9 MB (2.25 M cells, float32); arrays over every area cell would be 200+ MB
    assert peak < 40e6
    assert len(cov.cells) == 3
    assert np.isfinite(cov.surface["test"]).sum() > 1_000_000


def test_surface_in_bands_of_rows_equals_one_pass(tiny, monkeypatch):
    net, fac, pop = _wide_area(tiny)
    one = ax.coverage(net, fac, pop, config=_cfg(15))
    monkeypatch.setattr("access15.surface._CHUNK_CELLS", 1)  # one row at a time
    rows = ax.coverage(net, fac, pop, config=_cfg(15))
    np.testing.assert_array_equal(rows.surface["test"], one.surface["test"])
    pd.testing.assert_frame_equal(rows.cells, one.cells)
    # populated cells take the surface's times (the surface is float32)
    s = one.surface["test"][one.cells["row"], one.cells["col"]]
    np.testing.assert_allclose(s, one.cells["minutes_test"], rtol=1e-6)


# --- a window over SURFACE_MAX_CELLS: the surface on blocks, the cells exact -------------------
def test_surface_factor_is_the_smallest_block_that_fits():
    from access15.surface import surface_factor

    assert surface_factor((10, 10), 100) == 1
    assert surface_factor((10, 10), 99) == 2  # 5 x 5 = 25
    assert surface_factor((11, 10), 30) == 2  # 6 x 5 = 30 fits
    assert surface_factor((11, 10), 29) == 3  # 6 x 5 = 30 does not; 4 x 4 = 16 does
    for h, w, m in ((1500, 1500, 250_000), (7, 3000, 1000), (9600, 10_000, 1 << 23)):
        f = surface_factor((h, w), m)
        assert -(-h // f) * -(-w // f) <= m
        assert f == 1 or -(-h // (f - 1)) * -(-w // (f - 1)) > m


def test_large_window_gets_a_block_surface_and_exact_cells(tiny, monkeypatch):
    net, fac, pop = _wide_area(tiny)
    full = ax.coverage(net, fac, pop, config=_cfg(15))
    assert full.surface_factor == 1
    assert full.surface_transform == pop.transform
    monkeypatch.setattr("access15.surface.SURFACE_MAX_CELLS", 250_000)  # 1500² -> blocks of 3
    coarse = ax.coverage(net, fac, pop, config=_cfg(15))
    assert coarse.surface_factor == 3
    assert coarse.surface["test"].shape == (500, 500)
    t = coarse.surface_transform
    assert (t.a, t.e, t.c, t.f) == (3 * pop.transform.a, 3 * pop.transform.e, 99.995, 0.015)
    # the populated cells keep their own exact times, snap and node
    pd.testing.assert_frame_equal(coarse.cells, full.cells)
    diff = {k for k in full.summary if repr(full.summary[k]) != repr(coarse.summary[k])}
    assert not diff, diff
    # a block of 3 x 3 is timed at its centre: the fine cell (3i+1, 3j+1)
    np.testing.assert_array_equal(coarse.surface["test"], full.surface["test"][1::3, 1::3])


def test_block_surface_outputs_follow_its_grid(tiny, monkeypatch, tmp_path):
    import rasterio

    from access15.bands import isochrones

    net, fac, pop = _wide_area(tiny)
    monkeypatch.setattr("access15.surface.SURFACE_MAX_CELLS", 250_000)
    cov = ax.coverage(net, fac, pop, config=_cfg(15))
    bands = isochrones(cov, bands=(5, 10, 15))
    # polygons of blocks: every vertex on the block lattice (3 cells a side)
    xy = np.concatenate([np.asarray(g.exterior.coords) for mp in bands.geometry for g in mp.geoms])
    cell = 3 * pop.transform.a
    k = (xy[:, 0] - 99.995) / cell
    np.testing.assert_allclose(k, np.round(k), atol=1e-6)
    from access15.outputs.files import write_outputs

    write_outputs(tmp_path / "out", cov=cov, only={"travel_time.tif"})
    with rasterio.open(tmp_path / "out" / "travel_time.tif") as src:
        assert (src.height, src.width) == (500, 500)
        assert src.transform == cov.surface_transform
        assert src.tags()["cell_factor"] == "3"
        band = src.read(1)
    np.testing.assert_array_equal(band == src.nodata, ~np.isfinite(cov.surface["test"]))


def test_block_surface_bounds_memory_whatever_the_window(tiny, monkeypatch):
    net, fac, pop = _wide_area(tiny)
    monkeypatch.setattr("access15.surface._CHUNK_CELLS", 1 << 16)
    monkeypatch.setattr("access15.surface.SURFACE_MAX_CELLS", 250_000)
    tracemalloc.start()
    try:
        cov = ax.coverage(net, fac, pop, config=_cfg(15))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # a 1 MB surface (500 x 500 float32) and bands of 2^16 cells; the full grid would be 9 MB
    assert cov.surface_factor == 3
    assert peak < 8e6, peak
