"""File encoders of the synthetic counties: OSM PBF, WorldPop-like GeoTIFF, GeoJSON.

Everything that shapes the bytes is fixed here, so a seed gives byte-identical files: every OSM
object has version 1 and :data:`TIMESTAMP`, the PBF header the generator string
:data:`GENERATOR`, the GeoTIFF no time stamp, and GeoJSON is written with :mod:`json` at 6
decimals, one feature per line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import osmium
import rasterio
from affine import Affine
from osmium.osm.mutable import Node, Way
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from access15.datasets._geometry import FloatArray

TIMESTAMP = "2024-01-01T00:00:00Z"  # of every OSM object
GENERATOR = "access15 synthetic sample county"  # PBF header
CELL_DEG = 1.0 / 1200.0  # population cells: 3 arc-seconds, as WorldPop
NODATA = -99999.0  # population outside the county

OsmWay = tuple[list[int], dict[str, str]]  # node ids, tags
ToLonLat = Callable[[FloatArray], tuple[Any, Any]]  # local (n, 2) metres -> lon, lat degrees


def write_pbf(
    path: Path,
    lonlat: tuple[FloatArray, FloatArray],
    node_tags: dict[int, dict[str, str]],
    ways: list[OsmWay],
    *,
    bbox: bool,
    buffer_bytes: int,
) -> None:
    """Write nodes ``1..n`` at ``lonlat`` (degrees) and ways ``1..m`` to an OSM PBF file.

    Parameters
    ----------
    path : Path
        Output file (replaced).
    lonlat : tuple of arrays
        Longitudes and latitudes of the nodes, degrees; node ``i + 1`` is at index ``i``.
    node_tags : dict of int to dict
        Tags of the tagged nodes, by node id.
    ways : list of tuple
        Node ids and tags of each way; way ``i + 1`` is at index ``i``.
    bbox : bool
        Whether to record the nodes' bounding box in the header.
    buffer_bytes : int
        Writer buffer size, bytes.
    """
    lon, lat = lonlat
    if path.exists():
        path.unlink()
    header = osmium.io.Header()
    header.set("generator", GENERATOR)
    if bbox:
        header.add_box(
            osmium.osm.Box(
                osmium.osm.Location(float(lon.min()), float(lat.min())),
                osmium.osm.Location(float(lon.max()), float(lat.max())),
            )
        )
    writer = osmium.SimpleWriter(str(path), buffer_bytes, header)
    try:
        for i in range(len(lon)):
            writer.add_node(
                Node(
                    id=i + 1, location=(float(lon[i]), float(lat[i])),
                    tags=node_tags.get(i + 1, {}), version=1, timestamp=TIMESTAMP, changeset=1,
                    uid=1, user="access15",
                )
            )  # fmt: skip
        for i, (refs, tags) in enumerate(ways):
            writer.add_way(
                Way(
                    id=i + 1, nodes=refs, tags=tags, version=1, timestamp=TIMESTAMP, changeset=1,
                    uid=1, user="access15",
                )
            )  # fmt: skip
    finally:
        writer.close()


def write_tif(path: Path, data: npt.NDArray[np.float32], transform: Affine) -> None:
    """Write a WorldPop-like GeoTIFF (float32, EPSG:4326, nodata -99999, tiled, deflate)."""
    if path.exists():
        path.unlink()
    profile = {
        "driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1,
        "dtype": "float32", "crs": "EPSG:4326", "transform": transform, "nodata": NODATA,
        "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate",
        "predictor": 3, "zlevel": 6,
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        dst.update_tags(
            SOURCE="access15 synthetic sample county (not real data)", UNITS="people per cell"
        )


def geojson_geometry(geom: Polygon | MultiPolygon, to_lonlat: ToLonLat) -> dict[str, Any]:
    """Return a GeoJSON geometry in WGS-84 (6 decimals, counter-clockwise outer rings).

    ``to_lonlat`` turns a ring's local coordinates (metres) into longitudes and latitudes.
    """

    def ring(coords: Any) -> list[list[float]]:
        lon, lat = to_lonlat(np.asarray(coords))
        return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]

    parts = []
    for p in geom.geoms if isinstance(geom, MultiPolygon) else [geom]:
        p = orient(p, 1.0)
        parts.append([ring(p.exterior.coords), *(ring(r.coords) for r in p.interiors)])
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


def write_geojson(path: Path, features: list[dict[str, Any]]) -> None:
    """Write a FeatureCollection, one feature per line, UTF-8."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    path.write_text(
        '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n",
        encoding="utf-8",
    )
