"""Reading OpenStreetMap roads and health facilities straight into arrays.

Files (``.osm.pbf``, ``.osm``, ``.osm.bz2``) are read with pyosmium in one pass, without building
a networkx graph. Ways whose node references are missing from the file (clipped extracts) are kept
where they are complete; segments touching a missing node are dropped and counted.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from .errors import InputError

__all__ = ["OsmData", "read_osm"]

log = logging.getLogger(__name__)

_WAY_TAGS = (
    "highway",
    "oneway",
    "junction",
    "maxspeed",
    "access",
    "motor_vehicle",
    "motorcar",
    "vehicle",
    "bicycle",
    "foot",
    "name",
    "ref",
    "bridge",
)
_FACILITY_TAGS = (
    "amenity",
    "healthcare",
    "name",
    "name:zh",
    "name:en",
    "access15:tier",
    "ref",
)
# medical institutions (not pharmacies, dentists or laboratories)
_HEALTH_AMENITIES = frozenset({"hospital", "clinic", "doctors"})
_HEALTH_CARE = frozenset({"hospital", "clinic", "doctor", "centre"})
_OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")


@dataclass(frozen=True)
class OsmData:
    """Roads and health facilities of one OSM file, as flat arrays.

    Attributes
    ----------
    way_offsets : ndarray of int64, shape (n_ways + 1,)
        Way ``i`` has node references ``refs[way_offsets[i]:way_offsets[i + 1]]``.
    refs, lon, lat : ndarray, shape (n_refs,)
        OSM node id and WGS-84 coordinates (degrees) of every way node; NaN where the file has no
        location for the node (clipped extract).
    ways : DataFrame
        One row per highway way: ``osm_id`` and the routing tags (``highway``, ``oneway``, ...).
    facilities : DataFrame
        One row per health facility (``osm_type``, ``osm_id``, ``lon``, ``lat`` and its tags).
    source : str
        The file read.
    n_missing_refs : int
        Way node references without a location in the file.
    """

    way_offsets: npt.NDArray[np.int64]
    refs: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    ways: pd.DataFrame
    facilities: pd.DataFrame
    source: str
    n_missing_refs: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        return (
            f"OsmData({self.source!r}: {len(self.ways):,} highway ways, "
            f"{len(self.refs):,} way nodes, {len(self.facilities):,} health facilities, "
            f"{self.n_missing_refs:,} missing node refs)"
        )


def _check_path(path: Path) -> None:
    if not path.exists():
        msg = f"OSM file {str(path)!r} not found; give a .osm.pbf, .osm or .osm.bz2 file"
        raise InputError(msg)
    if not path.is_file():
        msg = f"OSM path {str(path)!r} is not a file; give a .osm.pbf, .osm or .osm.bz2 file"
        raise InputError(msg)
    if path.stat().st_size == 0:
        msg = f"OSM file {str(path)!r} is empty; download or export the extract again"
        raise InputError(msg)
    if not path.name.lower().endswith(_OSM_SUFFIXES):
        msg = (
            f"OSM file {str(path)!r} has an unknown extension; "
            "use .osm.pbf, .osm or .osm.bz2 (or .graphml)"
        )
        raise InputError(msg)


def read_osm(path: str | Path) -> OsmData:
    """Read highway ways and health facilities of an OSM file into arrays.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` file.

    Returns
    -------
    OsmData

    Raises
    ------
    InputError
        If the file is missing, empty, of an unknown type or not readable as OSM data.
    """
    import osmium  # local import keeps `import access15` fast

    p = Path(path)
    _check_path(p)

    offsets: list[int] = [0]
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    way_rows: list[tuple] = []
    fac_rows: list[dict] = []
    nan = math.nan

    fp = (
        osmium.FileProcessor(str(p))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway", "amenity", "healthcare", "access15:tier"))
    )
    try:
        for obj in fp:
            tags = obj.tags
            amenity = tags.get("amenity")
            healthcare = tags.get("healthcare")
            is_health = (
                amenity in _HEALTH_AMENITIES
                or healthcare in _HEALTH_CARE
                or "access15:tier" in tags
            )
            if obj.is_way():
                highway = tags.get("highway")
                if highway is not None and not is_health:
                    for n in obj.nodes:
                        loc = n.location
                        refs.append(n.ref)
                        if loc.valid():
                            lons.append(loc.lon)
                            lats.append(loc.lat)
                        else:
                            lons.append(nan)
                            lats.append(nan)
                    offsets.append(len(refs))
                    way_rows.append((obj.id, *(tags.get(k) for k in _WAY_TAGS)))
                elif is_health:
                    pts = [
                        (n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()
                    ]
                    if pts:
                        arr = np.asarray(pts)
                        # closed way: drop the repeated last node before averaging
                        if len(arr) > 2 and obj.nodes[0].ref == obj.nodes[len(obj.nodes) - 1].ref:
                            arr = arr[:-1]
                        lon, lat = arr.mean(axis=0)
                        fac_rows.append(_facility_row("way", obj.id, lon, lat, tags))
            elif obj.is_node() and is_health and obj.location.valid():
                fac_rows.append(
                    _facility_row("node", obj.id, obj.location.lon, obj.location.lat, tags)
                )
    except RuntimeError as exc:  # libosmium parse errors surface as RuntimeError
        msg = f"cannot read OSM file {str(p)!r} ({exc}); is it a complete, uncorrupted extract?"
        raise InputError(msg) from None

    refs_a = np.asarray(refs, dtype=np.int64)
    lon_a = np.asarray(lons, dtype=np.float64)
    lat_a = np.asarray(lats, dtype=np.float64)
    n_missing = int(np.isnan(lon_a).sum())
    notes: list[str] = []
    if n_missing:
        note = (
            f"{n_missing:,} way node references have no location in {p.name} (clipped extract); "
            "road segments touching them are dropped"
        )
        notes.append(note)
        warnings.warn(note, stacklevel=2)
    ways = pd.DataFrame(way_rows, columns=["osm_id", *_WAY_TAGS])
    facilities = pd.DataFrame(
        fac_rows,
        columns=["osm_type", "osm_id", "lon", "lat", *_FACILITY_TAGS],
    )
    log.info("read %s: %d highway ways, %d facilities", p, len(ways), len(facilities))
    return OsmData(
        way_offsets=np.asarray(offsets, dtype=np.int64),
        refs=refs_a,
        lon=lon_a,
        lat=lat_a,
        ways=ways,
        facilities=facilities,
        source=str(p),
        n_missing_refs=n_missing,
        notes=tuple(notes),
    )


def _facility_row(osm_type: str, osm_id: int, lon: float, lat: float, tags: object) -> dict:
    row: dict = {"osm_type": osm_type, "osm_id": int(osm_id), "lon": float(lon), "lat": float(lat)}
    for k in _FACILITY_TAGS:
        row[k] = tags.get(k)  # type: ignore[attr-defined]
    return row
