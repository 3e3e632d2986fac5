"""GCJ-02 / BD-09 → WGS-84 conversion: published vectors, exact inverses, real county boundaries.

Real data: ``../shared/data/cn-county-boundaries`` holds four counties twice, as raw AMap GCJ-02
(``china_counties_gcj02_amap.geojson``, declared EPSG:4326) and as WGS-84
(``china_counties_wgs84.geojson``, DataV boundaries converted by geotool-cn with a one-step
inverse, simplified to fewer vertices); see its SOURCE.md.

Distances are WGS-84 geodesics: the nearest point of the other boundary is found in an azimuthal
equidistant projection centred on the county, and the distance to it is measured with
``pyproj.Geod``.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from access15.errors import InputError
from access15.io.areas import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    read_boundary,
    read_zones,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
BOUNDARIES = SHARED / "cn-county-boundaries"
GCJ_FILE = BOUNDARIES / "china_counties_gcj02_amap.geojson"
WGS_FILE = BOUNDARIES / "china_counties_wgs84.geojson"
GEOD = Geod(ellps="WGS84")

# eviltransform's test vectors (googollee/eviltransform, e.g. python/test.py): (lat, lon) pairs
EVIL = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]

# well inside the GCJ-02 box (lon 72.004-137.8347, lat 0.8293-55.8271), away from its edges
china_lon = st.floats(73.0, 135.0, allow_nan=False)
china_lat = st.floats(3.0, 54.0, allow_nan=False)


def _in_box(lon: float, lat: float) -> bool:
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


# --- published values --------------------------------------------------------------------------


@pytest.mark.parametrize(("wgs", "gcj"), EVIL)
def test_forward_matches_eviltransform_vectors(wgs, gcj):
    lon, lat = wgs84_to_gcj02(wgs[1], wgs[0])
    assert (lon, lat) == pytest.approx((gcj[1], gcj[0]), abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVIL)
def test_inverse_recovers_eviltransform_vectors(wgs, gcj):
    lon, lat = gcj02_to_wgs84(gcj[1], gcj[0])
    assert (lon, lat) == pytest.approx((wgs[1], wgs[0]), abs=1e-9)  # ~0.1 mm
    assert GEOD.inv(lon, lat, wgs[1], wgs[0])[2] < 1e-3


def test_coordtransform_readme_values():
    # wandergis/coordtransform README, input (116.404, 39.915)
    assert gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-12
    )
    assert wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12
    )
    # the README's inverses are one-step approximations: ours are exact inverses, within a few
    # metres (GCJ-02) / decimetres (BD-09) of them, and their forward images hit the input
    one_step = (116.39775550083061, 39.91359571849836)
    lon, lat = gcj02_to_wgs84(116.404, 39.915)
    assert 0.01 < GEOD.inv(lon, lat, *one_step)[2] < 5.0
    assert wgs84_to_gcj02(lon, lat) == pytest.approx((116.404, 39.915), abs=1e-9)
    assert wgs84_to_gcj02(*one_step) != pytest.approx((116.404, 39.915), abs=1e-7)
    lon, lat = bd09_to_gcj02(116.404, 39.915)
    assert GEOD.inv(lon, lat, 116.39762729119315, 39.90865673957631)[2] < 0.3
    assert gcj02_to_bd09(lon, lat) == pytest.approx((116.404, 39.915), abs=1e-9)


def test_shift_size_and_scalars():
    lon, lat = wgs84_to_gcj02(116.397, 39.909)
    assert isinstance(lon, float)
    assert isinstance(lat, float)
    assert 300 < GEOD.inv(116.397, 39.909, lon, lat)[2] < 700  # GCJ-02 shifts by hundreds of m


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_gcj02_round_trip_inside_china(lon, lat):
    g = wgs84_to_gcj02(lon, lat)
    assert g != (lon, lat)
    back = gcj02_to_wgs84(*g)
    assert back == pytest.approx((lon, lat), abs=1e-6)  # asked for; in fact ~1e-12
    assert back == pytest.approx((lon, lat), abs=1e-9)
    # the inverse's defining property: its forward image is the input to < 1e-9 degrees
    assert wgs84_to_gcj02(*back) == pytest.approx(g, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(lon=st.floats(-180.0, 180.0), lat=st.floats(-90.0, 90.0))
def test_identity_outside_china(lon, lat):
    if _in_box(lon, lat):
        return
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


@settings(max_examples=200, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_bd09_round_trips(lon, lat):
    bd = wgs84_to_bd09(lon, lat)
    assert bd09_to_wgs84(*bd) == pytest.approx((lon, lat), abs=1e-6)
    assert bd09_to_wgs84(*bd) == pytest.approx((lon, lat), abs=1e-9)
    assert bd09_to_gcj02(*gcj02_to_bd09(lon, lat)) == pytest.approx((lon, lat), abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    pts=st.lists(st.tuples(st.floats(60.0, 150.0), st.floats(-5.0, 60.0)), min_size=1, max_size=40)
)
def test_vectorised_equals_scalar_loop(pts):
    lon = np.array([p[0] for p in pts])
    lat = np.array([p[1] for p in pts])
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, bd09_to_wgs84):
        vx, vy = fn(lon, lat)
        assert vx.shape == lon.shape
        loop = np.array([fn(a, b) for a, b in zip(lon, lat, strict=True)], dtype=float)
        np.testing.assert_allclose(vx, loop[:, 0], rtol=0, atol=1e-11)
        np.testing.assert_allclose(vy, loop[:, 1], rtol=0, atol=1e-11)


def test_arrays_broadcast_and_nan():
    lon, lat = gcj02_to_wgs84(np.array([[116.4, np.nan], [200.0, 10.0]]), 39.9)
    assert lon.shape == (2, 2)
    assert np.isnan(lon[0, 1])
    assert (lon[1, 0], lat[1, 0]) == (200.0, 39.9)  # outside the box: unchanged
    assert (lon[1, 1], lat[1, 1]) == (10.0, 39.9)
    assert 116.39 < lon[0, 0] < 116.4


# --- to_wgs84 ----------------------------------------------------------------------------------


def _shapes() -> list:
    poly = Polygon(
        [(115.5, 31.2), (116.0, 31.2), (116.0, 31.7), (115.5, 31.7)],
        holes=[[(115.6, 31.3), (115.7, 31.3), (115.7, 31.4)]],
    )
    return [
        Point(115.9, 31.5),
        LineString([(115.1, 31.1), (115.2, 31.3), (115.4, 31.2)]),
        poly,
        MultiPolygon([poly, Polygon([(116.1, 31.1), (116.2, 31.1), (116.2, 31.2)])]),
        Point(2.35, 48.85),  # Paris: outside China, unchanged
    ]


@pytest.mark.parametrize("crs_in", ["gcj02", "GCJ-02", "bd09", "BD09LL"])
def test_to_wgs84_converts_every_vertex(crs_in):
    gdf = gpd.GeoDataFrame({"k": range(5)}, geometry=_shapes(), crs="EPSG:4326")
    out = to_wgs84(gdf, crs_in)
    conv = gcj02_to_wgs84 if crs_in.lower().startswith("gcj") else bd09_to_wgs84
    assert out.crs.equals("EPSG:4326")
    assert list(out.columns) == list(gdf.columns)
    assert list(out.geom_type) == list(gdf.geom_type)
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    ex, ey = conv(xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(
        shapely.get_coordinates(out.geometry.to_numpy()), np.column_stack([ex, ey]), atol=1e-12
    )
    assert shapely.get_coordinates(gdf.geometry.to_numpy()) == pytest.approx(xy)  # not modified
    # the input (as GeoSeries, or as an x/y pair) gives the same
    gs = to_wgs84(gdf.geometry, crs_in)
    assert gs.geom_equals_exact(out.geometry, tolerance=0).all()
    lon, lat = to_wgs84((xy[:, 0], xy[:, 1]), crs_in)
    np.testing.assert_allclose(lon, ex, atol=0)
    np.testing.assert_allclose(lat, ey, atol=0)


def test_to_wgs84_keeps_z():
    gs = gpd.GeoSeries([Point(115.9, 31.5, 42.0)], crs="EPSG:4326")
    out = to_wgs84(gs, "gcj02")
    assert out.iloc[0].has_z
    assert out.iloc[0].z == 42.0


def test_to_wgs84_epsg():
    utm = CRS.from_epsg(32650)
    x, y = Transformer.from_crs(4326, utm, always_xy=True).transform(115.9, 31.5)
    gdf = gpd.GeoDataFrame(geometry=[Point(x, y)], crs=utm)
    out = to_wgs84(gdf)  # declared CRS used
    assert (out.geometry.x.iloc[0], out.geometry.y.iloc[0]) == pytest.approx((115.9, 31.5))
    out = to_wgs84(gdf.set_crs(None, allow_override=True), "EPSG:32650")
    assert out.geometry.x.iloc[0] == pytest.approx(115.9)
    lon, lat = to_wgs84(([x], [y]), "EPSG:32650")
    assert (lon[0], lat[0]) == pytest.approx((115.9, 31.5))
    lon, lat = to_wgs84(([115.9], [31.5]), "wgs84")
    assert (lon[0], lat[0]) == (115.9, 31.5)


def test_to_wgs84_errors():
    bare = gpd.GeoDataFrame(geometry=[Point(115.9, 31.5)])
    with pytest.raises(
        InputError, match=r"has no CRS; pass crs_in \(--crs-in gcj02\|bd09\|wgs84\|EPSG:n\)"
    ):
        to_wgs84(bare)
    with pytest.raises(InputError, match="has no CRS; pass crs_in"):
        to_wgs84(([115.9], [31.5]))
    with pytest.raises(InputError, match="not a coordinate system access15 knows"):
        to_wgs84(bare, "martian")
    with pytest.raises(InputError, match=r"Baidu Mercator \(bd09mc"):
        to_wgs84(bare, "bd09mc")
    utm = bare.set_crs(32650)
    with pytest.raises(InputError, match="declares the projected CRS EPSG:32650, but crs_in"):
        to_wgs84(utm, "gcj02")
    with pytest.raises(InputError, match="declares CRS EPSG:32650 but crs_in='EPSG:4326'"):
        to_wgs84(utm, "EPSG:4326")
    with pytest.raises(InputError, match="GeoDataFrame, a GeoSeries or an"):
        to_wgs84(42, "gcj02")


def test_read_boundary_and_zones_crs_in(tmp_path: Path):
    gdf = gpd.GeoDataFrame(
        {"zone_id": ["a", "b"], "name": ["A", "B"]},
        geometry=[_shapes()[2], _shapes()[3]],
        crs="EPSG:4326",
    )
    path = tmp_path / "z.geojson"
    gdf.to_file(path)
    raw = read_boundary(path)
    conv = read_boundary(path, crs_in="gcj02")
    expected = to_wgs84(gdf, "gcj02").geometry.union_all()
    assert conv.geometry.iloc[0].equals_exact(expected, tolerance=1e-12)
    assert not raw.geometry.iloc[0].equals_exact(expected, tolerance=1e-3)
    zones = read_zones(path, crs_in="gcj02")
    assert zones.geometry.geom_equals_exact(to_wgs84(gdf, "gcj02").geometry, 1e-12).all()
    assert read_zones(path, crs_in="wgs84").geometry.geom_equals_exact(gdf.geometry, 0).all()
    with pytest.raises(InputError, match="declares CRS EPSG:4326 but crs_in='EPSG:3857'"):
        read_boundary(path, crs_in="EPSG:3857")
    with pytest.raises(InputError, match="not a coordinate system"):
        read_zones(path, crs_in="nope")


def test_read_boundary_without_crs(tmp_path: Path):
    path = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"name": ["x"]}, geometry=[_shapes()[2]]).to_file(path)
    with pytest.raises(InputError, match=r"has no CRS; pass crs_in \(--crs-in gcj02") as e:
        read_boundary(path)
    assert "\n" not in str(e.value)
    b = read_boundary(path, crs_in="gcj02")
    assert b.crs.equals("EPSG:4326")
    expected = to_wgs84(gpd.GeoSeries([_shapes()[2]]), "gcj02").iloc[0]
    assert b.geometry.iloc[0].normalize().equals_exact(expected.normalize(), tolerance=1e-12)


# --- real county boundaries --------------------------------------------------------------------


@pytest.fixture(scope="module")
def counties() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    if not (GCJ_FILE.is_file() and WGS_FILE.is_file()):
        pytest.skip(
            f"real county boundaries not found at {BOUNDARIES} (needs ../shared/data beside the "
            "checkout)"
        )
    gcj = gpd.read_file(GCJ_FILE)
    wgs = gpd.read_file(WGS_FILE)
    return gcj.set_index("adcode"), wgs.set_index("adcode")


def _distances_m(points_from, polygon_to) -> np.ndarray:
    """Geodesic metres from every vertex of ``points_from`` to the boundary of ``polygon_to``."""
    c = polygon_to.centroid
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +ellps=WGS84 +units=m")
    fwd = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    inv = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    ring = shapely.transform(
        polygon_to.boundary, lambda a: np.column_stack(fwd.transform(a[:, 0], a[:, 1]))
    )
    xy = shapely.get_coordinates(points_from)
    px, py = fwd.transform(xy[:, 0], xy[:, 1])
    near = shapely.get_coordinates(shapely.shortest_line(shapely.points(px, py), ring))[1::2]
    nlon, nlat = inv.transform(near[:, 0], near[:, 1])
    return np.asarray(GEOD.inv(xy[:, 0], xy[:, 1], nlon, nlat)[2])


# Measured (median / max, metres; GCJ vertices → WGS-84 twin's boundary):
#   county     before         after gcj02_to_wgs84
#   Jinzhai    383.0 /  608     2.9 /   75
#   Luxian     298.6 / 1327    13.4 /  994
#   Renshou    240.1 /  457     9.7 /  187
#   Moyu       168.9 / 2193    33.8 / 2103
# The "after" medians measure how much coarser the twin is (Moyu: 302 vertices for 25,347 km²
# against 1,055 in the AMap file), not the conversion: in the other direction (twin vertices →
# converted boundary) the medians are 0.5-1.4 m (max 2-5 m, Luxian 1.3 km where the vintages
# differ), against 170-408 m before conversion. The maxima are where the two sources draw the
# border differently.
FORWARD_MEDIAN_M = {"341524": 25.0, "510521": 25.0, "511421": 25.0, "653222": 40.0}


@pytest.mark.realdata
@pytest.mark.parametrize("adcode", sorted(FORWARD_MEDIAN_M))
def test_gcj02_boundaries_land_on_wgs84_twin(counties, adcode, record_property):
    gcj, wgs = counties
    twin = wgs.geometry.loc[adcode]
    raw = gcj.geometry.loc[adcode]
    conv = to_wgs84(gcj.loc[[adcode]], "gcj02").geometry.iloc[0]

    before = _distances_m(raw, twin)
    after = _distances_m(conv, twin)
    back_before = _distances_m(twin, raw)
    back_after = _distances_m(twin, conv)
    for key, d in (
        ("before", before),
        ("after", after),
        ("twin_before", back_before),
        ("twin_after", back_after),
    ):
        record_property(f"{adcode}_{key}_median_m", round(float(np.median(d)), 1))
        record_property(f"{adcode}_{key}_max_m", round(float(d.max()), 1))

    assert np.median(before) > 150  # raw GCJ-02 is 170-410 m off
    assert np.median(back_before) > 150
    assert np.median(after) < FORWARD_MEDIAN_M[adcode]
    assert np.median(back_after) < 5  # the twin's vertices lie on the converted boundary
    # and the one-step inverse the twin was made with is within a few metres of ours
    assert np.percentile(back_after, 90) < 5


@pytest.mark.realdata
def test_read_boundary_gcj02_file(counties, tmp_path: Path):
    gcj, wgs = counties
    one = tmp_path / "jinzhai_gcj02.geojson"
    gcj.loc[["341524"]].reset_index().to_file(one)  # declares EPSG:4326, like DataV/AMap files
    b = read_boundary(one, crs_in="gcj02")
    assert b["name"].iloc[0] == "金寨县"
    twin = wgs.geometry.loc["341524"]
    d = _distances_m(twin, b.geometry.iloc[0])
    assert np.median(d) < 5
    area = gpd.GeoSeries([b.geometry.iloc[0], twin], crs="EPSG:4326").to_crs("EPSG:32650").area
    assert math.isclose(area.iloc[0], area.iloc[1], rel_tol=0.005)
    zones = read_zones(GCJ_FILE, crs_in="gcj02", id_column="adcode")
    assert list(zones["zone_id"]) == ["341524", "510521", "511421", "653222"]
    d = _distances_m(wgs.geometry.loc["511421"], zones.geometry.iloc[2])
    assert np.median(d) < 5
