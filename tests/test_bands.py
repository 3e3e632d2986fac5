"""Isochrone bands: drawn from the coverage surface, exact against the band table.

The polygons are for display only, but the people inside a band's polygons (by cell centre) must
be exactly the band's population in the table, and the bands up to 15 min must add up to the
coverage summary: one definition of *reachable*.
"""

from __future__ import annotations

import itertools
import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer
from rasterio.transform import from_origin
from shapely.geometry import box

import access15 as ax
from access15.access import CoverageResult
from access15.bands import (
    DEFAULT_BANDS,
    band_index,
    band_labels,
    band_table,
    isochrones,
    simplify_bands,
)
from access15.config import ServiceLevel
from access15.errors import InputError
from access15.io.population import DemandCells
from access15.network import utm_epsg
from conftest import LEG_S, POP, RES_NS_S, SEC_S

COLUMNS = ["band", "min_minutes", "max_minutes", "population", "area_km2", "geometry"]
GEOD = Geod(ellps="WGS84")


# ---------------------------------------------------------------------------------------------
# helpers


def _band_of_cells(
    iso: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, edges: tuple[float, ...]
) -> np.ndarray:
    """Band position (index into ``edges``, -1 for none) of each point, by polygon containment.

    Independent of the module: only shapely's point-in-polygon test. Fails if a point is inside
    two bands.
    """
    out = np.full(len(lon), -1, dtype=np.int64)
    hits = np.zeros(len(lon), dtype=np.int64)
    for max_minutes, geom in zip(iso["max_minutes"], iso.geometry, strict=True):
        shapely.prepare(geom)
        inside = shapely.contains_xy(geom, lon, lat)
        hits += inside
        out[inside] = list(edges).index(max_minutes)
    assert hits.max(initial=0) <= 1, "a cell centre lies in two bands"
    return out


def _pop_inside(iso: gpd.GeoDataFrame, cells: pd.DataFrame) -> dict[str, float]:
    """People whose cell centre lies inside each band's polygons."""
    lon, lat = cells["lon"].to_numpy(), cells["lat"].to_numpy()
    pop = cells["pop"].to_numpy()
    out = {}
    for label, geom in zip(iso["band"], iso.geometry, strict=True):
        shapely.prepare(geom)
        out[label] = float(pop[shapely.contains_xy(geom, lon, lat)].sum())
    return out


def _cells_minutes(cov: CoverageResult, level: str = "basic") -> np.ndarray:
    return np.nan_to_num(cov.cells[f"minutes_{level}"].to_numpy(), nan=np.inf)


def _synthetic(
    minutes: np.ndarray,
    pop: np.ndarray,
    *,
    transform=None,
    crs: str = "EPSG:4326",
    cell_minutes: np.ndarray | None = None,
) -> CoverageResult:
    """A CoverageResult built by hand: every cell in the area, surface = ``minutes`` (float32).

    ``cell_minutes`` (float64, per populated cell in row-major order) overrides the populated
    cells' minutes, as ``coverage`` stores them before the float32 surface rounding.
    """
    minutes = np.asarray(minutes, dtype=np.float64)
    pop = np.asarray(pop, dtype=np.float64)
    t = transform if transform is not None else from_origin(100.0, 1.0, 0.01, 0.01)
    area = np.ones(minutes.shape, dtype=bool)
    rows, cols = np.nonzero(area & (pop > 0))
    xs = t.c + (cols + 0.5) * t.a + (rows + 0.5) * t.b
    ys = t.f + (cols + 0.5) * t.d + (rows + 0.5) * t.e
    if crs != "EPSG:4326":
        xs, ys = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    m = minutes[rows, cols] if cell_minutes is None else np.asarray(cell_minutes, np.float64)
    cfg = ax.Config()
    cells = pd.DataFrame(
        {
            "row": rows.astype(np.int64),
            "col": cols.astype(np.int64),
            "lon": np.asarray(xs, dtype=np.float64),
            "lat": np.asarray(ys, dtype=np.float64),
            "pop": pop[rows, cols],
        }
    )
    for lv in cfg.levels:
        cells[f"minutes_{lv.name}"] = m
    demand = DemandCells(
        row=cells["row"].to_numpy(),
        col=cells["col"].to_numpy(),
        lon=cells["lon"].to_numpy(),
        lat=cells["lat"].to_numpy(),
        pop=cells["pop"].to_numpy(),
        shape=(int(minutes.shape[0]), int(minutes.shape[1])),
        transform=t,
        crs=crs,
        area_mask=area,
    )
    return CoverageResult(
        cells=cells,
        surface={lv.name: minutes.astype(np.float32) for lv in cfg.levels},
        facilities=gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:4326")),
        summary={"population_total": float(pop.sum()), "levels": {}},
        by_zone=pd.DataFrame(),
        levels=tuple(cfg.levels),
        config=cfg,
        population=demand,
    )


def _load_tiny(tiny) -> CoverageResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        osm = ax.read_osm(tiny["osm"])
    net = ax.build_network(osm)
    fac = ax.facilities_from_osm(osm)
    pop = ax.read_population(tiny["population"], boundary=ax.read_boundary(tiny["county"]))
    cfg = ax.Config(levels=(ServiceLevel("test", 1, 15.0),), upgrade_level="test")
    return ax.coverage(net, fac, pop, zones=ax.read_zones(tiny["zones"]), config=cfg)


def _tiny_cell(row: int, col: int) -> shapely.Polygon:
    """Cell (row, col) of the tiny 4x2 raster: 0.01 deg cells, origin (99.995, 0.015)."""
    x0, y1 = 99.995 + 0.01 * col, 0.015 - 0.01 * row
    return box(x0, y1 - 0.01, x0 + 0.01, y1)


def _geodesic_km2(geom: shapely.Polygon) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


# ---------------------------------------------------------------------------------------------
# the sample county


@pytest.fixture(scope="module")
def sample_cov() -> CoverageResult:
    p = ax.sample_paths()
    osm = ax.read_osm(p["osm"])
    net = ax.build_network(osm)
    fac = ax.facilities_from_osm(osm)
    county = ax.read_boundary(p["county"])
    pop = ax.read_population(p["population"], boundary=county)
    return ax.coverage(net, fac, pop, zones=ax.read_zones(p["townships"]))


@pytest.fixture(scope="module")
def sample_iso(sample_cov) -> gpd.GeoDataFrame:
    return isochrones(sample_cov)


def test_sample_columns_and_labels(sample_cov, sample_iso):
    iso = sample_iso
    assert list(iso.columns) == COLUMNS
    assert iso.crs.to_epsg() == 4326
    assert iso["band"].tolist() == ["0-5 min", "5-10 min", "10-15 min", "15-30 min"]
    assert iso["min_minutes"].tolist() == [0.0, 5.0, 10.0, 15.0]
    assert iso["max_minutes"].tolist() == [5.0, 10.0, 15.0, 30.0]
    assert set(iso.geom_type) == {"MultiPolygon"}
    assert (iso["area_km2"] > 0).all()
    # the population column is the table's, not a polygon overlay
    table = band_table(sample_cov)
    assert list(table.columns) == ["band", "min_minutes", "max_minutes", "population", "share"]
    np.testing.assert_array_equal(iso["population"].to_numpy(), table["population"].to_numpy())


def test_sample_valid_and_non_overlapping(sample_iso):
    geoms = sample_iso.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    # edge-matched: shared edges have the same vertices on both sides (a polygonal coverage),
    # so any reprojection keeps the bands free of slivers
    assert shapely.coverage_is_valid(geoms)
    metric = sample_iso.to_crs(utm_epsg(112.5, 27.8)).geometry.to_numpy()
    for i, j in itertools.combinations(range(len(metric)), 2):
        overlap = shapely.intersection(metric[i], metric[j]).area
        assert overlap < 1e-9 * min(metric[i].area, metric[j].area), (i, j, overlap)


@pytest.fixture(scope="module")
def sample_cells_area(sample_cov) -> pd.DataFrame:
    """Every cell with a travel time: its minutes, UTM area (m²) and geodesic area (km²)."""
    pop = sample_cov.population
    t = pop.transform
    minutes = sample_cov.surface["basic"].astype(np.float64)
    cells = sample_cov.cells  # populated cells keep their float64 minutes
    minutes[cells["row"], cells["col"]] = cells["minutes_basic"].to_numpy()
    rows, cols = np.nonzero(np.isfinite(minutes))
    x0, y0 = t.c + cols * t.a, t.f + rows * t.e
    boxes = gpd.GeoSeries(shapely.box(x0, y0 + t.e, x0 + t.a, y0), crs=pop.crs)
    utm = utm_epsg(t.c + t.a * pop.shape[1] / 2, t.f + t.e * pop.shape[0] / 2)
    urows, inverse = np.unique(rows, return_inverse=True)
    per_row = np.array(
        [_geodesic_km2(box(t.c, t.f + (r + 1) * t.e, t.c + t.a, t.f + r * t.e)) for r in urows]
    )
    return pd.DataFrame(
        {
            "minutes": minutes[rows, cols],
            "utm_m2": boxes.to_crs(utm).area.to_numpy(),
            "geodesic_km2": per_row[inverse],
        }
    ).assign(utm=utm)


@pytest.mark.parametrize("limit", [5.0, 10.0, 15.0, 30.0])
def test_sample_nested_bands_cover_exactly_the_cells_within(sample_iso, sample_cells_area, limit):
    """Union of the bands up to ``limit`` = the cells with time <= limit (same metric CRS)."""
    cells = sample_cells_area[sample_cells_area["minutes"] <= limit]
    nested = sample_iso[sample_iso["max_minutes"] <= limit]
    union = shapely.union_all(nested.geometry.to_numpy())
    utm = int(sample_cells_area["utm"].iloc[0])
    poly_m2 = gpd.GeoSeries([union], crs="EPSG:4326").to_crs(utm).area.iloc[0]
    assert poly_m2 == pytest.approx(cells["utm_m2"].sum(), rel=5e-3)
    # area_km2 (ellipsoidal) against the geodesic area of the same cells
    assert nested["area_km2"].sum() == pytest.approx(cells["geodesic_km2"].sum(), rel=1e-4)


def test_sample_population_inside_polygons_equals_table(sample_cov, sample_iso):
    cells = sample_cov.cells
    table = band_table(sample_cov).set_index("band")["population"]
    inside = _pop_inside(sample_iso, cells)
    assert set(inside) == set(table.index)
    for label, people in inside.items():
        assert people == pytest.approx(table[label], rel=1e-9), label
    # cell by cell: the band the polygons give each populated cell is the table's band
    got = _band_of_cells(
        sample_iso, cells["lon"].to_numpy(), cells["lat"].to_numpy(), (5, 10, 15, 30)
    )
    np.testing.assert_array_equal(got, band_index(cells["minutes_basic"].to_numpy()))


def test_sample_bands_add_up_to_the_coverage_summary(sample_cov, sample_iso):
    covered = sample_cov.summary["levels"]["basic"]["covered_population"]
    within = sample_iso["max_minutes"] <= 15
    assert sample_iso.loc[within, "population"].sum() == pytest.approx(covered, rel=1e-9)
    inside = _pop_inside(sample_iso[within], sample_cov.cells)
    assert sum(inside.values()) == pytest.approx(covered, rel=1e-9)
    table = band_table(sample_cov)
    assert table["share"].iloc[:3].sum() == pytest.approx(
        sample_cov.summary["levels"]["basic"]["covered_share"], rel=1e-9
    )


def test_sample_other_level_and_bands(sample_cov):
    bands = (10, 20, 30, 60)
    iso = isochrones(sample_cov, bands=bands, level="subcentre")
    assert iso["band"].tolist() == band_labels(bands)
    covered = sample_cov.summary["levels"]["subcentre"]["covered_population"]  # 30 min
    inside = _pop_inside(iso[iso["max_minutes"] <= 30], sample_cov.cells)
    assert sum(inside.values()) == pytest.approx(covered, rel=1e-9)
    table = band_table(sample_cov, bands, level="subcentre").set_index("band")["population"]
    for label, people in _pop_inside(iso, sample_cov.cells).items():
        assert people == pytest.approx(table[label], rel=1e-9), label


def test_simplify_bands_of_given_bands_equals_simplified_isochrones(sample_cov, sample_iso):
    """The map simplifies the bands it is given: the same result as simplifying at the source."""
    light = simplify_bands(sample_iso, 150)
    at_source = isochrones(sample_cov, simplify_m=150)
    assert light.crs.to_epsg() == 4326
    assert light["band"].tolist() == at_source["band"].tolist()
    np.testing.assert_array_equal(light["population"], sample_iso["population"])  # from cells
    for a, b in zip(light.geometry, at_source.geometry, strict=True):
        assert a.symmetric_difference(b).area < 1e-3 * b.area
    np.testing.assert_allclose(light["area_km2"], at_source["area_km2"], rtol=1e-3)
    geoms = light.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    assert shapely.get_num_coordinates(geoms).sum() < 0.7 * (
        shapely.get_num_coordinates(sample_iso.geometry.to_numpy()).sum()
    )
    # the input is not changed
    assert sample_iso.geometry.equals(isochrones(sample_cov).geometry)


def test_simplify_bands_checks_its_input(sample_iso):
    with pytest.raises(InputError, match="simplify_m"):
        simplify_bands(sample_iso, 0)
    with pytest.raises(InputError, match="WGS-84"):
        simplify_bands(sample_iso.to_crs("EPSG:32649"), 100)
    empty = simplify_bands(sample_iso.iloc[0:0], 100)
    assert empty.empty
    assert list(empty.columns) == list(sample_iso.columns)


def test_bands_name_their_level(sample_cov, sample_iso):
    assert sample_iso.attrs["level"] == sample_cov.levels[0].name
    assert isochrones(sample_cov, level="subcentre").attrs["level"] == "subcentre"


def test_sample_simplified_is_lighter_still_a_valid_tiling(sample_cov, sample_iso):
    light = isochrones(sample_cov, simplify_m=150)
    exact_n = shapely.get_num_coordinates(sample_iso.geometry.to_numpy()).sum()
    light_n = shapely.get_num_coordinates(light.geometry.to_numpy()).sum()
    assert light_n < 0.7 * exact_n
    geoms = light.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    for i, j in itertools.combinations(range(len(geoms)), 2):
        assert shapely.intersection(geoms[i], geoms[j]).area < 1e-9 * geoms[i].area
    # population column is still the table's; polygon overlay is only approximately equal
    np.testing.assert_array_equal(light["population"], sample_iso["population"])
    inside = _pop_inside(light, sample_cov.cells)
    total_inside = sum(inside.values())
    assert total_inside == pytest.approx(sample_iso["population"].sum(), rel=0.02)
    np.testing.assert_allclose(light["area_km2"], sample_iso["area_km2"], rtol=0.05)


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edges=st.lists(st.floats(0.25, 50.0), min_size=1, max_size=5, unique=True).map(
        lambda xs: tuple(sorted(xs))
    )
)
def test_sample_random_bands_sum_to_population_within_last_edge(sample_cov, edges):
    iso = isochrones(sample_cov, bands=edges)
    cells = sample_cov.cells
    expected = float(cells["pop"].to_numpy()[_cells_minutes(sample_cov) <= edges[-1]].sum())
    inside = _pop_inside(iso, cells)
    assert sum(inside.values()) == pytest.approx(expected, rel=1e-9)
    table = band_table(sample_cov, edges).set_index("band")["population"]
    for label, people in inside.items():
        assert people == pytest.approx(table[label], rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# the tiny county: bands known by hand


def test_tiny_bands_by_hand(tiny):
    cov = _load_tiny(tiny)
    # hand times (conftest): 8.9 s to the hospital / township centre, 80 s along one secondary
    # segment, 159 s along the one-way residential street, 0 s at the clinic
    assert LEG_S / 60 < 1 < SEC_S / 60 <= 2 < RES_NS_S / 60 <= 3
    bands = (1, 2, 3)
    expected_cells = {
        "0-1 min": [(1, 0), (1, 2), (0, 3)],  # hospital, clinic, township centre
        "1-2 min": [(1, 1), (1, 3)],
        "2-3 min": [(0, 2)],
    }
    iso = isochrones(cov, bands=bands, level="test")
    table = band_table(cov, bands, level="test").set_index("band")
    assert iso["band"].tolist() == list(expected_cells)
    for label, geom, people, km2 in zip(
        iso["band"], iso.geometry, iso["population"], iso["area_km2"], strict=True
    ):
        want = shapely.union_all([_tiny_cell(r, c) for r, c in expected_cells[label]])
        assert geom.geom_type == "MultiPolygon"
        # the same cells, up to floating-point rounding of the corner coordinates
        assert shapely.symmetric_difference(geom, want).area < 1e-15, label
        assert shapely.hausdorff_distance(geom, want) < 1e-12, label
        assert len(geom.geoms) == len(shapely.get_parts(want)), label
        hand_pop = sum(float(POP[r, c]) for r, c in expected_cells[label])
        assert people == pytest.approx(hand_pop)
        assert table.loc[label, "population"] == pytest.approx(hand_pop)
        hand_km2 = sum(_geodesic_km2(_tiny_cell(r, c)) for r, c in expected_cells[label])
        assert km2 == pytest.approx(hand_km2, rel=1e-6)
    assert iso["population"].tolist() == [470.0, 600.0, 60.0]
    # off-network (0, 0) and the empty off-network cell (0, 1) are in no band
    for r, c in [(0, 0), (0, 1)]:
        x, y = _tiny_cell(r, c).centroid.coords[0]
        assert not shapely.contains_xy(iso.union_all(), x, y)


def test_tiny_first_band_includes_zero_and_empty_bands_are_dropped(tiny):
    cov = _load_tiny(tiny)
    bands = (0.1, 0.12, 1, 2, 3)  # 0-0.1: the clinic's own cell (0 s); 0.1-0.12: nobody
    iso = isochrones(cov, bands=bands, level="test")
    table = band_table(cov, bands, level="test")
    assert table["band"].tolist() == band_labels(bands)
    assert table["population"].tolist() == [300.0, 0.0, 170.0, 600.0, 60.0]
    assert iso["band"].tolist() == ["0-0.1 min", "0.12-1 min", "1-2 min", "2-3 min"]
    assert shapely.hausdorff_distance(iso.geometry.iloc[0], _tiny_cell(1, 2)) < 1e-12
    assert iso["population"].tolist() == [300.0, 170.0, 600.0, 60.0]


def test_tiny_default_level_is_the_headline(tiny):
    cov = _load_tiny(tiny)
    a = isochrones(cov, bands=(1, 2, 3))
    b = isochrones(cov, bands=(1, 2, 3), level="test")
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))


# ---------------------------------------------------------------------------------------------
# hand-made surfaces


def test_all_nan_surface_gives_an_empty_frame():
    cov = _synthetic(np.full((3, 4), np.nan), np.ones((3, 4)))
    iso = isochrones(cov)
    assert len(iso) == 0
    assert list(iso.columns) == COLUMNS
    assert iso.crs.to_epsg() == 4326
    assert iso["population"].dtype == np.float64
    assert iso["area_km2"].dtype == np.float64
    table = band_table(cov)
    assert table["band"].tolist() == band_labels(DEFAULT_BANDS)
    assert (table["population"] == 0).all()


def test_all_nan_surface_of_a_real_result(tiny):
    cov = _load_tiny(tiny)
    nan_cov = CoverageResult(
        cells=cov.cells.assign(minutes_test=np.nan),
        surface={"test": np.full_like(cov.surface["test"], np.nan)},
        facilities=cov.facilities,
        summary=cov.summary,
        by_zone=cov.by_zone,
        levels=cov.levels,
        config=cov.config,
        population=cov.population,
    )
    iso = isochrones(nan_cov, simplify_m=50)
    assert iso.empty
    assert list(iso.columns) == COLUMNS


def test_everyone_beyond_the_last_edge_gives_an_empty_frame():
    iso = isochrones(_synthetic(np.full((2, 2), 45.0), np.ones((2, 2))))
    assert iso.empty
    assert list(iso.columns) == COLUMNS


def test_float32_rounding_cannot_move_a_cell_across_an_edge():
    """A cell at 15.0000003 min is 15.0 in the float32 surface: it is still beyond 15."""
    t = np.float64(15.0) + 3e-7
    assert np.float32(t) == np.float32(15.0)  # the surface alone would put it in 10-15
    minutes = np.array([[t, 3.0], [12.0, 40.0]])
    pop = np.array([[100.0, 10.0], [1.0, 1000.0]])
    cov = _synthetic(minutes, pop)
    iso = isochrones(cov)
    table = band_table(cov).set_index("band")["population"]
    assert table["15-30 min"] == 100.0
    assert table["10-15 min"] == 1.0
    inside = _pop_inside(iso, cov.cells)
    assert inside == {"0-5 min": 10.0, "10-15 min": 1.0, "15-30 min": 100.0}


def test_projected_grid_is_reprojected_and_still_exact():
    rng = np.random.default_rng(7)
    minutes = rng.choice([2.0, 7.0, 12.0, 20.0, 45.0, np.nan], size=(9, 11))
    pop = rng.choice([0.0, 1.0, 5.0, 20.0], size=(9, 11))
    cov = _synthetic(
        minutes, pop, transform=from_origin(600_000, 3_060_000, 100, 100), crs="EPSG:32649"
    )
    iso = isochrones(cov)
    assert iso.crs.to_epsg() == 4326
    assert shapely.is_valid(iso.geometry.to_numpy()).all()
    cells = cov.cells
    got = _band_of_cells(iso, cells["lon"].to_numpy(), cells["lat"].to_numpy(), DEFAULT_BANDS)
    np.testing.assert_array_equal(got, band_index(cells["minutes_basic"].to_numpy()))
    # area: 0.01 km2 per UTM cell, up to UTM's scale error (< 0.1 % near the central meridian)
    for max_minutes, km2 in zip(iso["max_minutes"], iso["area_km2"], strict=True):
        n = int((band_index(minutes) == DEFAULT_BANDS.index(max_minutes)).sum())
        assert km2 == pytest.approx(n * 0.01, rel=2e-3)
    # simplified (here salt-and-pepper cells shrink to triangles): still a valid tiling
    light = isochrones(cov, simplify_m=150)
    assert shapely.is_valid(light.geometry.to_numpy()).all()
    assert shapely.coverage_is_valid(light.geometry.to_numpy())
    assert (light["area_km2"] > 0).all()


_VALUES = [0.0, 0.5, 1.0, 2.5, 5.0, 5.0000001, 10.0, 15.0, 29.9, 30.0, 31.0, math.nan]


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    shape=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    edges=st.lists(st.sampled_from([0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0]), min_size=1).map(
        lambda xs: tuple(sorted(set(xs)))
    ),
)
def test_random_grids_polygons_agree_with_table_cell_by_cell(data, shape, edges):
    n = shape[0] * shape[1]
    minutes = np.array(data.draw(st.lists(st.sampled_from(_VALUES), min_size=n, max_size=n)))
    pop = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0, 3.5]), min_size=n, max_size=n)))
    cov = _synthetic(minutes.reshape(shape), pop.reshape(shape))
    iso = isochrones(cov, bands=edges)
    assert list(iso.columns) == COLUMNS
    geoms = iso.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    for i, j in itertools.combinations(range(len(geoms)), 2):
        assert shapely.intersection(geoms[i], geoms[j]).area == 0.0
    cells = cov.cells
    got = _band_of_cells(iso, cells["lon"].to_numpy(), cells["lat"].to_numpy(), edges)
    np.testing.assert_array_equal(got, band_index(cells["minutes_basic"].to_numpy(), edges))
    within = np.nan_to_num(cells["minutes_basic"].to_numpy(), nan=np.inf) <= edges[-1]
    assert iso["population"].sum() == pytest.approx(cells["pop"].to_numpy()[within].sum())
    # every classified grid cell, populated or not, is covered: total area = cells' area.
    # Unpopulated cells are classified from the (float32) surface, populated ones from the
    # cells' float64 minutes
    grid = minutes.reshape(shape).astype(np.float32).astype(np.float64)
    grid[cells["row"], cells["col"]] = cells["minutes_basic"].to_numpy()
    expected_cells = int((band_index(grid, edges) >= 0).sum())
    cell_deg2 = 0.01 * 0.01
    assert shapely.union_all(geoms).area == pytest.approx(expected_cells * cell_deg2, abs=1e-12)
    # edge-matched, and simplification (cells are ~1.1 km here) keeps a valid tiling
    assert shapely.coverage_is_valid(geoms)
    light = isochrones(cov, bands=edges, simplify_m=1500)
    assert light["band"].tolist() == iso["band"].tolist()
    assert light["population"].tolist() == iso["population"].tolist()
    assert shapely.is_valid(light.geometry.to_numpy()).all()
    assert shapely.coverage_is_valid(light.geometry.to_numpy())


# ---------------------------------------------------------------------------------------------
# small pieces and bad input


def test_band_index_and_labels():
    assert band_labels() == ["0-5 min", "5-10 min", "10-15 min", "15-30 min"]
    m = [0.0, 4.999, 5.0, 5.001, 15.0, 15.0001, 30.0, 30.0001, np.nan, -0.0]
    assert band_index(m).tolist() == [0, 0, 0, 1, 2, 3, 3, -1, -1, 0]
    assert band_index(np.array([[1.0, np.nan]]), (2,)).shape == (1, 2)


@pytest.mark.parametrize(
    "bands", [(), (10, 5), (5, 5), (0, 5), (-1, 5), (5, math.nan), (5, math.inf), "abc"]
)
def test_bad_bands(bands):
    cov = _synthetic(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(InputError, match="bands"):
        isochrones(cov, bands=bands)
    with pytest.raises(InputError, match="bands"):
        band_table(cov, bands)


@pytest.mark.parametrize("simplify_m", [0, -5.0, math.nan, math.inf, "x", True])
def test_bad_simplify(simplify_m):
    cov = _synthetic(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(InputError, match="simplify_m"):
        isochrones(cov, simplify_m=simplify_m)


def test_unknown_level():
    cov = _synthetic(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(InputError, match="unknown service level 'nope'"):
        isochrones(cov, level="nope")
    with pytest.raises(InputError, match="basic"):
        band_table(cov, level="nope")
