"""Deterministic generator of the SYNTHETIC sample county shipped with access15.

The sample county, 安澜县 "Anlan County" (fictional adcode 999001), is a SYNTHETIC place: it
does not exist, and nothing in it describes real people, roads or clinics. It is modelled on
the hill counties of south-central China (centred near 112.6° E, 27.4° N, UTM zone 49N) and is
about 1,950 km² in size: a lowland plain in the west and centre with a dense mesh of village
roads, a hilly and mountainous east / north-east (about 30 % of the area) with sparse, winding
roads and small villages, and a river, the 澜水 (Lan River), that crosses the county from
south to north-west and is bridged at only 4 places (5 bridge ways: the expressway's two
carriageways, the national road in the county seat, the provincial road and one county road).
The road network follows the Chinese hierarchy: the G60 expressway (two one-way carriageways
with two diamond interchanges; village roads pass under it), national road G320 (``trunk``),
provincial road S231 (``primary``), county roads X0xx (``secondary``), township roads Y0xx
(``tertiary``), village roads (``unclassified``), street grids in the county seat and the
township seats (``residential``, a few one-way streets) and dead-end farm and forest
``track`` s. Health facilities are one county hospital (a building polygon), one health
centre per township and clinics in most but not all villages (mountain villages lack one more
often); each carries an ``access15:tier`` tag (4 county hospital, 2 township health centre,
1 village clinic). The population raster mimics a WorldPop 3-arc-second grid: a dense county
seat, township seats, villages, hamlets and a thin rural background.

Run ``python -m access15.datasets.sample [OUT_DIR]`` (with ``src`` on ``PYTHONPATH``) to regenerate
the committed files under the repository's ``data/``. The output is byte-identical for a given
seed and library versions: every OSM object has version 1 and a fixed timestamp, the PBF header
a fixed generator string, the GeoTIFF no time stamp, and the GeoJSON is written with
:mod:`json` at 6 decimals.

Files written, relative to ``out_dir``:

``sample/sample_county.osm.pbf``
    Roads (``highway=*`` ways), health facilities (nodes, and one closed way for the county
    hospital) and the river (a ``waterway=river`` way).
``sample/sample_population.tif``
    People per cell, float32, EPSG:4326, 1/1200° cells, nodata -99999 outside the county.
``boundaries/sample_county.geojson``
    The county boundary (one Feature).
``boundaries/sample_townships.geojson``
    Township polygons (Voronoi cells of the township seats clipped to the county).
``sample/sample_facilities.csv``
    The same facilities as a county health commission's list (UTF-8 with BOM, Chinese headers
    编号, 机构名称, 英文名称, 经度, 纬度 (WGS-84), 级别 (tier), 执业（助理）医师 (doctors),
    实有床位 (beds)), with SYNTHETIC doctors and beds drawn by tier in ``_capacity`` (a few
    cells blank, so readers fall back to the per-tier defaults). The PBF carries no capacity
    tags (its bytes, and the recorded download answers made from it, stay as they were).

The generator is split by part into private modules of :mod:`access15.datasets`, run in the
order of ``_build.build`` from one seeded random generator: ``_terrain`` (outline, mountains,
river), ``_main_roads`` (expressway, national, provincial and county road; the towns on them,
street grids from ``_towns``), ``_local_roads`` (villages, hamlets, the village road mesh,
tracks), ``_road_classes`` (county and township roads), ``_places`` (names, people, health
facilities, township polygons), ``_ways`` (tagged OSM ways), ``_population`` (the raster) and
``_writers`` (PBF, GeoTIFF and GeoJSON encoders, shared with :mod:`access15.datasets.county`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import time
import zlib
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import osmium.version
import pyproj
import rasterio
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon

from access15.datasets._build import build
from access15.datasets._capacity import facility_capacities, write_facility_csv
from access15.datasets._draft import Draft
from access15.datasets._geometry import FloatArray, Key, resample
from access15.datasets._places import township_polygons
from access15.datasets._plan import (
    CENTER_LAT,
    CENTER_LON,
    CLASS_ORDER,
    COUNTY_ADCODE,
    COUNTY_NAME,
    HOSPITAL_NAME,
    RIVER_NAME,
    UTM_CRS,
)
from access15.datasets._population import population_grid
from access15.datasets._writers import (
    OsmWay,
    ToLonLat,
    geojson_geometry,
    write_geojson,
    write_pbf,
    write_tif,
)

__all__ = ["encoder_versions", "generate_sample"]


def _osm_objects(d: Draft) -> tuple[FloatArray, dict[int, dict[str, str]], list[OsmWay]]:
    """Give the nodes and ways ids 1, 2, 3, ... (roads by class, then river and facilities).

    Returns
    -------
    tuple
        Node positions (local metres, node ``i + 1`` at row ``i``), tags of the tagged nodes
        by id, and the ways (node ids and tags).
    """
    g = d.g
    order = {c: i for i, c in enumerate(CLASS_ORDER)}
    coords: list[FloatArray] = []
    vertex_id: dict[int, int] = {}
    inner_ids: dict[Key, list[int]] = {}  # way nodes inside an edge, from e.a to e.b

    def new(p: Any) -> int:
        coords.append(np.asarray(p, dtype=float))
        return len(coords)

    def vertex(v: int) -> int:
        if v not in vertex_id:
            vertex_id[v] = new(g.xy[v])
        return vertex_id[v]

    ways: list[OsmWay] = []
    for w in sorted(d.ways, key=lambda w: order[w.tags["highway"]]):
        refs = [vertex(w.vertices[0])]
        for a, b in itertools.pairwise(w.vertices):
            key = (min(a, b), max(a, b))
            e = g.edges[key]
            assert e.geom is not None
            if key not in inner_ids:
                forward = e.geom[1:-1] if e.a == a else e.geom[::-1][1:-1]
                ids = [new(p) for p in forward]
                inner_ids[key] = ids if e.a == a else ids[::-1]
            refs.extend(inner_ids[key] if e.a == a else inner_ids[key][::-1])
            refs.append(vertex(b))
        ways.append((refs, {k: v for k, v in w.tags.items() if v}))
    river = d.land.river
    river = resample(
        river[shapely.contains_xy(d.land.county.buffer(1500.0), river[:, 0], river[:, 1])], 120.0
    )
    river_tags = {
        "waterway": "river",
        "name": RIVER_NAME[0],
        "name:zh": RIVER_NAME[0],
        "name:en": RIVER_NAME[1],
    }
    ways.append(([new(p) for p in river], river_tags))
    corners = [new(p) for p in d.hospital]
    hospital_tags = {
        "amenity": "hospital", "healthcare": "hospital", "building": "hospital",
        "name": HOSPITAL_NAME[0], "name:zh": HOSPITAL_NAME[0], "name:en": HOSPITAL_NAME[1],
        "access15:tier": "4", "ref": "H001", "emergency": "yes",
    }  # fmt: skip
    ways.append(([*corners, corners[0]], hospital_tags))
    node_tags: dict[int, dict[str, str]] = {}
    for f in d.facilities:
        node_tags[new(f["xy"])] = {
            "amenity": f["amenity"], "healthcare": f["healthcare"], "name": f["name"],
            "name:zh": f["name"], "name:en": f["name_en"], "access15:tier": str(f["tier"]),
            "ref": f["ref"],
        }  # fmt: skip
    return np.asarray(coords), node_tags, ways


def _write_osm(d: Draft, path: Path, to_lonlat: ToLonLat) -> None:
    """Write the PBF: roads, the river, the county hospital's building and the facilities."""
    xy, node_tags, ways = _osm_objects(d)
    lon, lat = to_lonlat(xy)
    lonlat = (np.round(np.asarray(lon), 7), np.round(np.asarray(lat), 7))
    write_pbf(path, lonlat, node_tags, ways, bbox=True, buffer_bytes=4 * 1024 * 1024)


def generate_sample(out_dir: Path, *, seed: int = 15) -> dict[str, Path]:
    """Write the synthetic sample county into ``out_dir/sample`` and ``out_dir/boundaries``.

    Also writes ``out_dir/sample/MANIFEST.json``: the seed, the sha256 of every file and the
    versions of the libraries whose encoders shape the bytes (libosmium, GDAL, zlib ...), so a
    byte-for-byte comparison is only expected where those versions match.

    Parameters
    ----------
    out_dir : Path
        Target directory (the repository's ``data/`` folder when regenerating).
    seed : int, default 15
        Seed of :func:`numpy.random.default_rng`; the same seed (and library versions) gives
        byte-identical files.

    Returns
    -------
    dict of str to Path
        Paths of the OSM PBF (roads and health facilities), the population GeoTIFF (people per
        cell), the county boundary and the township polygons (GeoJSON, WGS-84), and the facility
        list (CSV with doctors and beds); keys ``osm``, ``population``, ``county``,
        ``townships``, ``facilities``, ``manifest``.
    """
    out = Path(out_dir)
    paths = {
        "osm": out / "sample" / "sample_county.osm.pbf",
        "population": out / "sample" / "sample_population.tif",
        "county": out / "boundaries" / "sample_county.geojson",
        "townships": out / "boundaries" / "sample_townships.geojson",
        "facilities": out / "sample" / "sample_facilities.csv",
    }
    for p in paths.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    d = build(seed)
    e0, n0 = Transformer.from_crs("EPSG:4326", UTM_CRS, always_xy=True).transform(
        CENTER_LON, CENTER_LAT
    )
    origin = (float(round(e0)), float(round(n0)))
    inv = Transformer.from_crs(UTM_CRS, "EPSG:4326", always_xy=True)

    def to_lonlat(xy: FloatArray) -> tuple[Any, Any]:
        return inv.transform(xy[:, 0] + origin[0], xy[:, 1] + origin[1])

    records = [
        {"ref": "H001", "tier": 4, "name": HOSPITAL_NAME[0], "name_en": HOSPITAL_NAME[1],
         "xy": np.mean(np.asarray(d.hospital), axis=0), "big": True},
        *[{**f, "big": f["amenity"] == "hospital"} for f in d.facilities],
    ]  # fmt: skip
    caps = facility_capacities(records, seed)
    _write_osm(d, paths["osm"], to_lonlat)
    lon, lat = to_lonlat(np.asarray([r["xy"] for r in records]))
    write_facility_csv(
        paths["facilities"],
        [
            [r["ref"], r["name"], r["name_en"], f"{x:.7f}", f"{y:.7f}", r["tier"], doc, b]
            for r, x, y, (doc, b) in zip(records, lon, lat, caps, strict=True)
        ],
    )
    write_tif(paths["population"], *population_grid(d, origin))
    county_props = {
        "name": COUNTY_NAME[0],
        "name_en": COUNTY_NAME[1],
        "adcode": COUNTY_ADCODE,
        "synthetic": True,
    }
    geometry = geojson_geometry(d.land.county, to_lonlat)
    write_geojson(
        paths["county"], [{"type": "Feature", "properties": county_props, "geometry": geometry}]
    )
    features = []
    for t, poly in sorted(
        zip(d.towns, township_polygons(d), strict=True), key=lambda tp: tp[0].zone_id
    ):
        props = {"zone_id": t.zone_id, "name": t.full_zh, "name_en": t.full_en}
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": geojson_geometry(poly, to_lonlat),
            }
        )
    write_geojson(paths["townships"], features)
    manifest = out / "sample" / "MANIFEST.json"
    files = {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths.values()
    }
    doc = {
        "synthetic": True,
        "generator": "access15.datasets.sample.generate_sample",
        "seed": seed,
        "files": files,
        "versions": encoder_versions(),
    }
    manifest.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return {**paths, "manifest": manifest}


def encoder_versions() -> dict[str, str]:
    """Return the versions of the libraries whose output bytes the sample files depend on.

    Returns
    -------
    dict of str to str
        Version strings of numpy, zlib, osmium, rasterio, shapely, pyproj, GDAL, libosmium,
        PROJ and GEOS.
    """
    out = {"numpy": np.__version__, "zlib": zlib.ZLIB_RUNTIME_VERSION}
    for dist in ("osmium", "rasterio", "shapely", "pyproj"):
        out[dist] = metadata.version(dist)
    out["gdal"] = rasterio.__gdal_version__
    out["libosmium"] = osmium.version.libosmium_version
    out["proj"] = pyproj.proj_version_str
    out["geos"] = shapely.geos_version_string
    return out


def _summary(paths: dict[str, Path]) -> dict[str, Any]:
    """Return counts read back from the written files (for the command-line summary).

    Returns
    -------
    dict
        ``road_nodes``, ``ways``, ``facilities`` by tier, ``population`` (people), ``area_km2``
        and ``sizes`` (bytes per file).
    """
    road_nodes: set[int] = set()
    n_ways = 0
    tiers: dict[str, int] = {}
    for obj in osmium.FileProcessor(str(paths["osm"])):
        if isinstance(obj, osmium.osm.Way):
            n_ways += 1
            if "highway" in obj.tags:
                road_nodes.update(n.ref for n in obj.nodes)
        tier = obj.tags.get("access15:tier")
        if tier is not None:
            tiers[tier] = tiers.get(tier, 0) + 1
    with rasterio.open(paths["population"]) as src:
        total = float(src.read(1, masked=True).sum())
    doc = json.loads(paths["county"].read_text(encoding="utf-8"))
    ring = np.asarray(doc["features"][0]["geometry"]["coordinates"][0])
    x, y = Transformer.from_crs("EPSG:4326", UTM_CRS, always_xy=True).transform(
        ring[:, 0], ring[:, 1]
    )
    return {
        "road_nodes": len(road_nodes),
        "ways": n_ways,
        "facilities": dict(sorted(tiers.items())),
        "population": total,
        "area_km2": Polygon(np.column_stack([x, y])).area / 1e6,
        "sizes": {k: p.stat().st_size for k, p in paths.items()},
    }


def _main(argv: list[str]) -> int:
    """Regenerate the sample county (``make sample``) and print a summary of the files."""
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "data"
    t0 = time.perf_counter()
    paths = generate_sample(out)
    dt = time.perf_counter() - t0
    s = _summary(paths)
    print(f"synthetic sample county written to {out} in {dt:.1f} s")
    print(f"  road nodes {s['road_nodes']:,}, ways {s['ways']:,}, area {s['area_km2']:.0f} km²")
    tiers = ", ".join(f"tier {k}: {v}" for k, v in s["facilities"].items())
    print(f"  facilities {tiers}; population {s['population']:,.0f}")
    for k, p in paths.items():
        print(f"  {k:<10} {p}  {s['sizes'][k] / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
