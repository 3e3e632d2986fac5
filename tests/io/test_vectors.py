"""access15.io.vectors: one reader of user vector files, with one-line errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from access15.errors import InputError
from access15.io.vectors import VECTOR_SUFFIXES, read_vector_file

HINT = "give a GeoJSON or GeoPackage polygon"
EMPTY = "boundary file has no features; draw the county boundary"


def _read(p: Path) -> gpd.GeoDataFrame:
    return read_vector_file(p, what="boundary", hint=HINT, empty=EMPTY)


def test_reads_geojson_as_written(tmp_path):
    p = tmp_path / "county.geojson"
    gpd.GeoDataFrame(
        {"name": ["安澜县", "<img src=x>"]},
        geometry=[box(100.0, 0.0, 100.1, 0.1), Point(100.05, 0.05)],
        crs="EPSG:4326",
    ).to_file(p)
    gdf = _read(p)
    assert gdf["name"].tolist() == ["安澜县", "<img src=x>"]
    assert gdf.geometry.iloc[0].equals(box(100.0, 0.0, 100.1, 0.1))
    assert gdf.geometry.iloc[1].equals(Point(100.05, 0.05))
    assert gdf.crs.to_epsg() == 4326


def test_keeps_the_file_crs_or_none(tmp_path):
    # no reprojection here: a projected file comes back projected, a file without CRS with None
    utm = tmp_path / "utm.gpkg"
    gpd.GeoDataFrame(geometry=[Point(500000.0, 3000000.0)], crs="EPSG:32649").to_file(utm)
    assert _read(utm).crs.to_epsg() == 32649
    bare = tmp_path / "bare.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame(geometry=[Point(1.0, 2.0)]).to_file(bare)
    gdf = _read(bare)
    assert gdf.crs is None
    assert gdf.geometry.iloc[0].equals(Point(1.0, 2.0))


def test_missing_file_message(tmp_path):
    p = tmp_path / "nope.geojson"
    with pytest.raises(InputError) as e:
        _read(p)
    assert str(e.value) == f"cannot read boundary file {str(p)!r} (DataSourceError); {HINT}"


@pytest.mark.parametrize(
    ("name", "content"),
    [("junk.geojson", "this is not json"), ("roads.csv.geojson", ""), ("x.gpkg", "x\ny\n")],
)
def test_unreadable_file_is_one_line(tmp_path, name, content):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=r"^cannot read boundary file .*; give a GeoJSON") as e:
        _read(p)
    assert repr(str(p)) in str(e.value)
    assert "\n" not in str(e.value)


def test_file_without_features_gives_the_empty_message(tmp_path):
    p = tmp_path / "empty.geojson"
    p.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(InputError) as e:
        _read(p)
    assert str(e.value) == EMPTY


def test_vector_suffixes():
    assert {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".geojsonl"} == VECTOR_SUFFIXES
