"""access15.io.areas: boundary and zone files, with GCJ-02 conversion (crs_in)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Polygon

from access15.crs import to_wgs84
from access15.errors import InputError
from access15.io.areas import read_boundary, read_zones
from conftest import CN_GCJ_FILE, boundary_gaps_m

POLY = Polygon(
    [(115.5, 31.2), (116.0, 31.2), (116.0, 31.7), (115.5, 31.7)],
    holes=[[(115.6, 31.3), (115.7, 31.3), (115.7, 31.4)]],
)
MULTI = MultiPolygon([POLY, Polygon([(116.1, 31.1), (116.2, 31.1), (116.2, 31.2)])])


def test_read_boundary_and_zones_crs_in(tmp_path: Path):
    gdf = gpd.GeoDataFrame(
        {"zone_id": ["a", "b"], "name": ["A", "B"]},
        geometry=[POLY, MULTI],
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
        gpd.GeoDataFrame({"name": ["x"]}, geometry=[POLY]).to_file(path)
    with pytest.raises(InputError, match=r"has no CRS; pass crs_in \(--crs-in gcj02") as e:
        read_boundary(path)
    assert "\n" not in str(e.value)
    b = read_boundary(path, crs_in="gcj02")
    assert b.crs.equals("EPSG:4326")
    expected = to_wgs84(gpd.GeoSeries([POLY]), "gcj02").iloc[0]
    assert b.geometry.iloc[0].normalize().equals_exact(expected.normalize(), tolerance=1e-12)


@pytest.mark.realdata
def test_read_boundary_gcj02_file(cn_counties, tmp_path: Path):
    gcj, wgs = cn_counties
    one = tmp_path / "jinzhai_gcj02.geojson"
    gcj.loc[["341524"]].reset_index().to_file(one)  # declares EPSG:4326, like DataV/AMap files
    b = read_boundary(one, crs_in="gcj02")
    assert b["name"].iloc[0] == "金寨县"
    twin = wgs.geometry.loc["341524"]
    d = boundary_gaps_m(twin, b.geometry.iloc[0])
    assert np.median(d) < 5
    area = gpd.GeoSeries([b.geometry.iloc[0], twin], crs="EPSG:4326").to_crs("EPSG:32650").area
    assert math.isclose(area.iloc[0], area.iloc[1], rel_tol=0.005)
    zones = read_zones(CN_GCJ_FILE, crs_in="gcj02", id_column="adcode")
    assert list(zones["zone_id"]) == ["341524", "510521", "511421", "653222"]
    d = boundary_gaps_m(wgs.geometry.loc["511421"], zones.geometry.iloc[2])
    assert np.median(d) < 5


@pytest.mark.parametrize("blank", [None, "", "  "], ids=["null", "empty", "spaces"])
def test_zone_without_id_is_refused(tmp_path: Path, blank):
    gdf = gpd.GeoDataFrame(
        {"zone_id": ["a", "b", blank, "d"], "name": ["A", "B", "东岭乡", "D"]},
        geometry=[POLY, POLY, MULTI, POLY],
        crs="EPSG:4326",
    )
    path = tmp_path / "z.geojson"
    gdf.to_file(path)
    with pytest.raises(InputError) as e:
        read_zones(path)
    assert str(e.value) == (
        f"zones {str(path)!r}: 1 polygon has no zone_id (row 3, name '东岭乡'); give every "
        "township an id (its people would be left out of the zone table)"
    )


def test_zones_without_ids_are_all_listed(tmp_path: Path):
    n = 8
    gdf = gpd.GeoDataFrame(
        {"code": [1.0, None, *[None] * (n - 2)], "name": [f"Z{i}" for i in range(n)]},
        geometry=[POLY] * n,
        crs="EPSG:4326",
    )
    gdf.loc[3, "name"] = None
    path = tmp_path / "z.gpkg"
    gdf.to_file(path)
    with pytest.raises(InputError, match=r"7 polygons have no code \(row 2, name 'Z1', ") as e:
        read_zones(path, id_column="code")
    msg = str(e.value)
    assert "row 4, name (none)" in msg
    assert "… (7 in all)); give every township an id" in msg
    assert "\n" not in msg


def test_zone_ids_as_numbers_are_kept(tmp_path: Path):
    gdf = gpd.GeoDataFrame(
        {"zone_id": [101, 102], "name": ["A", "B"]}, geometry=[POLY, MULTI], crs="EPSG:4326"
    )
    path = tmp_path / "z.geojson"
    gdf.to_file(path)
    assert read_zones(path)["zone_id"].tolist() == ["101", "102"]
