"""access15.crs: the crs_in parser, GCJ-02 / BD-09 → WGS-84 (published vectors, exact inverses,
real county boundaries) and to_wgs84.

Real data: ``../shared/data/cn-county-boundaries`` holds four counties twice, as raw AMap GCJ-02
(``china_counties_gcj02_amap.geojson``, declared EPSG:4326) and as WGS-84
(``china_counties_wgs84.geojson``, DataV boundaries converted by geotool-cn with a one-step
inverse, simplified to fewer vertices); see its SOURCE.md.

Distances are WGS-84 geodesics: the nearest point of the other boundary is found in an azimuthal
equidistant projection centred on the county, and the distance to it is measured with
``pyproj.Geod``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

import access15 as ax
from access15.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    crs_name,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    is_wgs84,
    parse_crs_in,
    raster_crs_in,
    source_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from access15.errors import InputError
from conftest import boundary_gaps_m

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


# --- real county boundaries --------------------------------------------------------------------


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
def test_gcj02_boundaries_land_on_wgs84_twin(cn_counties, adcode, record_property):
    gcj, wgs = cn_counties
    twin = wgs.geometry.loc[adcode]
    raw = gcj.geometry.loc[adcode]
    conv = to_wgs84(gcj.loc[[adcode]], "gcj02").geometry.iloc[0]

    before = boundary_gaps_m(raw, twin)
    after = boundary_gaps_m(conv, twin)
    back_before = boundary_gaps_m(twin, raw)
    back_after = boundary_gaps_m(twin, conv)
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


# --- parse_crs_in, source_crs, raster_crs_in: one rule for every input ---------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gcj02", "gcj02"),
        ("GCJ-02", "gcj02"),
        ("mars", "gcj02"),
        ("AMap", "gcj02"),
        ("Gaode", "gcj02"),
        ("tencent", "gcj02"),
        ("bd09", "bd09"),
        ("BD-09", "bd09"),
        ("bd09ll", "bd09"),
        ("Baidu", "bd09"),
    ],
)
def test_parse_crs_in_china_words(value, expected):
    assert parse_crs_in(value) == expected


@pytest.mark.parametrize("value", ["wgs84", "WGS 84", "EPSG:4326", "epsg:4326", 4326, "4326"])
def test_parse_crs_in_wgs84_spellings(value):
    spec = parse_crs_in(value)
    assert isinstance(spec, CRS)
    assert is_wgs84(spec)
    assert crs_name(spec) == "EPSG:4326"


def test_parse_crs_in_other_crs_and_none():
    assert parse_crs_in(None) is None
    spec = parse_crs_in("EPSG:32650")
    assert isinstance(spec, CRS)
    assert spec.equals(CRS.from_epsg(32650))
    assert not is_wgs84(spec)
    assert crs_name(spec) == "EPSG:32650"
    assert crs_name("gcj02") == "gcj02"
    assert parse_crs_in(CRS.from_epsg(3857)).equals(CRS.from_epsg(3857))


def test_parse_crs_in_errors_name_the_option_and_the_fix():
    with pytest.raises(InputError, match=r"crs_in='EPSG:99999999' is not a coordinate system") as e:
        parse_crs_in("EPSG:99999999")
    msg = str(e.value)
    assert "not a CRS pyproj understands" in msg  # both wordings of the two old parsers
    assert "use gcj02 (AMap, Tencent), bd09 (Baidu), wgs84 or EPSG:<code>" in msg
    assert "\n" not in msg
    with pytest.raises(InputError, match=r"--crs-in='nope' is not a coordinate system"):
        parse_crs_in("nope", what="--crs-in")
    with pytest.raises(InputError, match=r"Baidu Mercator \(bd09mc, metres\) is not supported"):
        parse_crs_in("BD09MC")


def test_source_crs_rules():
    label = "points file 'v.geojson'"
    # no crs_in: the declared CRS, or an error naming the input
    assert source_crs("EPSG:3857", None, label).equals(CRS.from_epsg(3857))
    with pytest.raises(InputError, match=r"^points file 'v.geojson' has no CRS; pass crs_in"):
        source_crs(None, None, label)
    # GCJ-02/BD-09 win over a declared geographic CRS, are refused with a projected one
    assert source_crs("EPSG:4326", "gcj02", label) == "gcj02"
    assert source_crs(None, "baidu", label) == "bd09"
    with pytest.raises(InputError, match="declares the projected CRS EPSG:3857, but crs_in"):
        source_crs("EPSG:3857", "gcj02", label)
    # any other crs_in must agree with the declared CRS
    assert source_crs("EPSG:4326", "wgs84", label).equals(CRS.from_epsg(4326))
    with pytest.raises(InputError, match="declares CRS EPSG:3857 but crs_in='EPSG:4326'"):
        source_crs("EPSG:3857", "EPSG:4326", label)


@pytest.mark.parametrize("crs_in", ["gcj02", "bd09"])
def test_raster_crs_in_refuses_china_datums(crs_in):
    label = "population raster 'pop.tif'"
    with pytest.raises(InputError, match="cannot be applied to a raster") as e:
        raster_crs_in(crs_in, label)
    msg = str(e.value)
    assert msg.startswith(label)
    assert "no warp of the grid is exact" in msg
    assert "drop crs_in" in msg
    assert "\n" not in msg
    assert raster_crs_in(None, label) is None
    spec = raster_crs_in("EPSG:4326", label)
    assert isinstance(spec, CRS)
    assert is_wgs84(spec)


def test_public_names_come_from_crs():
    for name in ("to_wgs84", "gcj02_to_wgs84", "wgs84_to_gcj02", "bd09_to_wgs84"):
        assert getattr(ax, name).__module__ == "access15.crs"
