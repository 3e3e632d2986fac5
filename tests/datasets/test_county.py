"""access15.datasets.county: small synthetic counties made to order (make_county, generate_county).

The files are read back with pyosmium, rasterio and json only, so these tests check the data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pytest
import rasterio
import shapely
from shapely.geometry import shape

import access15 as ax
from access15.datasets import (
    SyntheticCountyOptions,
    generate_county,
    make_county,
    sample_paths,
)


def _sha256(paths: dict[str, Path]) -> dict[str, str]:
    return {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in paths.items()}


def _read_osm(path: Path) -> dict[str, Any]:
    nodes: dict[int, tuple[float, float]] = {}
    tiers: list[dict[str, str]] = []
    at: list[tuple[float, float]] = []  # facility locations, degrees
    ways: list[tuple[list[int], dict[str, str]]] = []
    for obj in osmium.FileProcessor(str(path)):
        tags = dict(obj.tags)
        if isinstance(obj, osmium.osm.Node):
            nodes[obj.id] = (obj.location.lon, obj.location.lat)
            if "access15:tier" in tags:
                tiers.append(tags)
                at.append((obj.location.lon, obj.location.lat))
        elif isinstance(obj, osmium.osm.Way):
            ways.append(([n.ref for n in obj.nodes], tags))
    return {"nodes": nodes, "facilities": tiers, "facility_lonlat": at, "ways": ways}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    options = SyntheticCountyOptions(
        seed=5, size_km=8.0, townships=3, name="测试县", name_en="Test"
    )
    return make_county(tmp_path_factory.mktemp("made"), options=options)


def test_make_county_returns_the_keys_of_sample_paths(made: dict[str, Path]) -> None:
    assert set(made) == set(sample_paths())
    assert all(p.is_file() for p in made.values())
    assert made["osm"].name == "county.osm.pbf"
    assert made["population"].name == "population.tif"


def test_make_county_files_read_back(made: dict[str, Path]) -> None:
    osm = _read_osm(made["osm"])
    ids = sorted(osm["nodes"])
    assert ids == list(range(1, len(ids) + 1))  # nodes numbered 1..n
    assert all(r in osm["nodes"] for refs, _t in osm["ways"] for r in refs)
    classes = Counter(t["highway"] for _r, t in osm["ways"])
    assert {"secondary", "tertiary", "unclassified"} <= set(classes)
    tiers = Counter(f["access15:tier"] for f in osm["facilities"])
    assert tiers["4"] == 1
    assert tiers["2"] == 3  # one health centre per township seat
    assert tiers["1"] >= 1
    hospital = next(f for f in osm["facilities"] if f["access15:tier"] == "4")
    assert hospital["name"] == "测试县人民医院"
    assert hospital["name:en"] == "Test People's Hospital"
    county = json.loads(made["county"].read_text(encoding="utf-8"))["features"]
    assert len(county) == 1
    assert county[0]["properties"] == {
        "name": "测试县",
        "name_en": "Test",
        "adcode": "990005",
        "synthetic": True,
    }
    boundary = shape(county[0]["geometry"])
    towns = json.loads(made["townships"].read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["zone_id"] for f in towns] == ["T01", "T02", "T03"]
    union = shapely.union_all([shape(f["geometry"]) for f in towns])
    assert union.symmetric_difference(boundary).area < 1e-3 * boundary.area
    fac = np.array(osm["facility_lonlat"])
    assert shapely.contains_xy(boundary.buffer(0.001), fac[:, 0], fac[:, 1]).all()  # ~100 m
    with rasterio.open(made["population"]) as src:
        assert src.crs.to_epsg() == 4326
        assert src.res == pytest.approx((1 / 1200, 1 / 1200), rel=1e-9)
        data = src.read(1, masked=True)
    assert data.mask.any()  # nodata outside the county
    assert float(data.min()) >= 0.0
    assert float(data.sum()) > 8_000  # at least the county seat's people
    values = data.compressed()
    assert np.array_equal(values * 256.0, np.round(values * 256.0))  # 1/256-person steps


def test_make_county_defaults_to_the_default_options(tmp_path: Path) -> None:
    a = make_county(tmp_path / "a")
    b = make_county(tmp_path / "b", options=SyntheticCountyOptions())
    assert _sha256(a) == _sha256(b)


def test_generate_county_is_make_county_with_keywords(tmp_path: Path) -> None:
    kw: dict[str, Any] = {
        "seed": 7,
        "size_km": 6.0,
        "townships": 2,
        "lon": 110.0,
        "lat": 30.0,
        "name": "x",
        "name_en": "X",
        "clinic_share": 0.3,
    }
    a = generate_county(tmp_path / "a", **kw)
    b = make_county(tmp_path / "b", options=SyntheticCountyOptions(**kw))
    assert set(a) == set(b)
    assert _sha256(a) == _sha256(b)


def test_same_options_same_bytes_other_seed_other_county(tmp_path: Path) -> None:
    opts = SyntheticCountyOptions(seed=3, size_km=6.0, townships=2)
    a = make_county(tmp_path / "a", options=opts)
    again = make_county(tmp_path / "a", options=opts)  # overwrites the same folder
    other = make_county(tmp_path / "c", options=dataclasses.replace(opts, seed=4))
    assert _sha256(again) == _sha256(a)
    assert all(_sha256(other)[k] != _sha256(a)[k] for k in a)


def test_default_place_depends_on_the_seed(tmp_path: Path) -> None:
    def centre(seed: int) -> tuple[float, float]:
        p = make_county(tmp_path / str(seed), options=SyntheticCountyOptions(seed=seed, size_km=3))
        doc = json.loads(p["county"].read_text(encoding="utf-8"))
        c = shape(doc["features"][0]["geometry"]).centroid
        return c.x, c.y

    assert centre(0) == pytest.approx((104.0, 24.0), abs=0.02)
    assert centre(26) == pytest.approx((104.35, 24.3), abs=0.02)


def test_clinic_share_controls_village_clinics(tmp_path: Path) -> None:
    def clinics(share: float) -> int:
        opts = SyntheticCountyOptions(seed=2, size_km=12.0, clinic_share=share)
        osm = _read_osm(make_county(tmp_path / str(share), options=opts)["osm"])
        return sum(f["access15:tier"] == "1" for f in osm["facilities"])

    assert clinics(0.0) == 0
    assert 0 < clinics(0.5) < clinics(1.0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"size_km": 2.5}, "size_km must be >= 3 km, got 2.5"),
        ({"size_km": float("nan")}, "size_km must be >= 3 km, got nan"),
        ({"townships": 0}, "townships must be >= 1, got 0"),
    ],
)
def test_options_are_validated(kw: dict[str, Any], match: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=match):
        SyntheticCountyOptions(**kw)
    with pytest.raises(ValueError, match=match):
        generate_county(tmp_path, **kw)
    assert not any(tmp_path.iterdir())  # nothing written


def test_options_are_frozen() -> None:
    opts = SyntheticCountyOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.seed = 1  # type: ignore[misc]


def test_top_level_exports() -> None:
    assert ax.make_county is make_county
    assert ax.generate_county is generate_county
    assert ax.SyntheticCountyOptions is SyntheticCountyOptions
