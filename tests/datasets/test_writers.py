"""access15.datasets._writers: PBF, GeoTIFF and GeoJSON encoders with fixed bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import osmium
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import MultiPolygon, Polygon

from access15.datasets._geometry import FloatArray
from access15.datasets._writers import (
    CELL_DEG,
    GENERATOR,
    NODATA,
    TIMESTAMP,
    geojson_geometry,
    write_geojson,
    write_pbf,
    write_tif,
)


def _degrees(xy: FloatArray) -> tuple[FloatArray, FloatArray]:
    return 110.0 + xy[:, 0] / 100_000.0, 30.0 + xy[:, 1] / 100_000.0


def test_geojson_geometry_orients_rings_and_rounds() -> None:
    clockwise = Polygon([(0, 0), (0, 100), (100, 100), (100, 0)])
    geom = geojson_geometry(clockwise, _degrees)
    assert geom["type"] == "Polygon"
    ring = geom["coordinates"][0]
    assert ring[0] == ring[-1]
    assert Polygon(ring).exterior.is_ccw
    assert ring[1] == [110.001, 30.0]
    two = MultiPolygon([clockwise, Polygon([(200, 0), (300, 0), (300, 0.123456789), (200, 0)])])
    geom = geojson_geometry(two, _degrees)
    assert geom["type"] == "MultiPolygon"
    assert len(geom["coordinates"]) == 2
    assert geom["coordinates"][1][0][2] == [110.003, 30.000001]  # 6 decimals


def test_write_geojson_one_feature_per_line(tmp_path: Path) -> None:
    path = tmp_path / "f.geojson"
    feats = [{"type": "Feature", "properties": {"name": "安澜"}, "geometry": None}] * 2
    write_geojson(path, feats)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == '{"type":"FeatureCollection","features":['
    assert (
        text.splitlines()[1] == '{"type":"Feature","properties":{"name":"安澜"},"geometry":null},'
    )
    assert json.loads(text)["features"] == feats


def test_write_pbf_numbers_and_stamps_everything(tmp_path: Path) -> None:
    path = tmp_path / "x.osm.pbf"
    path.write_bytes(b"old file")  # replaced
    lonlat = (np.array([110.0, 110.001, 110.002]), np.array([30.0, 30.0, 30.001]))
    ways = [([1, 2, 3], {"highway": "track"})]
    write_pbf(path, lonlat, {3: {"amenity": "doctors"}}, ways, bbox=True, buffer_bytes=1 << 20)
    seen = []
    for obj in osmium.FileProcessor(str(path)):
        stamp = obj.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        seen.append((type(obj).__name__, obj.id, dict(obj.tags), obj.version, stamp))
    assert seen == [
        ("Node", 1, {}, 1, TIMESTAMP),
        ("Node", 2, {}, 1, TIMESTAMP),
        ("Node", 3, {"amenity": "doctors"}, 1, TIMESTAMP),
        ("Way", 1, {"highway": "track"}, 1, TIMESTAMP),
    ]
    reader = osmium.io.Reader(str(path))
    header = reader.header()
    reader.close()
    assert header.get("generator") == GENERATOR
    box = header.box()
    assert (box.bottom_left.lon, box.top_right.lat) == pytest.approx((110.0, 30.001))
    first = hashlib.sha256(path.read_bytes()).hexdigest()
    write_pbf(path, lonlat, {3: {"amenity": "doctors"}}, ways, bbox=True, buffer_bytes=1 << 20)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first  # same input, same bytes


def test_write_tif_profile(tmp_path: Path) -> None:
    path = tmp_path / "p.tif"
    data = np.full((3, 4), NODATA, dtype=np.float32)
    data[1, 1:3] = [1.5, 2.25]
    write_tif(path, data, from_origin(110.0, 30.0, CELL_DEG, CELL_DEG))
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 4326
        assert src.nodata == NODATA
        assert src.dtypes[0] == "float32"
        assert src.tags()["UNITS"] == "people per cell"
        assert src.read(1, masked=True).sum() == pytest.approx(3.75)
