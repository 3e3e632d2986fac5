"""What every OSM source gives: :class:`OsmData` (roads and facilities as arrays), and the tags.

The readers (:mod:`access15.io.osm.pbf` for OSM files, :mod:`access15.io.osm.graphml` for osmnx
graphs, :mod:`access15.io.osm.download` for online downloads) all return an :class:`OsmData`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "FACILITY_TAGS",
    "GRAPHML_SUFFIXES",
    "HEALTH_AMENITIES",
    "HEALTH_CARE",
    "OSM_FACILITY_COLUMNS",
    "OSM_SUFFIXES",
    "WAY_TAGS",
    "OsmData",
    "WayParts",
]

WAY_TAGS = (
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
FACILITY_TAGS = (
    "amenity",
    "healthcare",
    "name",
    "name:zh",
    "name:en",
    "access15:tier",
    "ref",
    # capacity (see access15.io.capacity.osm_capacity)
    "beds",
    "capacity:beds",
    "capacity",
    "staff_count:doctors",
)
# medical institutions (not pharmacies, dentists or laboratories)
HEALTH_AMENITIES = frozenset({"hospital", "clinic", "doctors"})
HEALTH_CARE = frozenset({"hospital", "clinic", "doctor", "centre"})
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
GRAPHML_SUFFIXES = (".graphml",)
OSM_FACILITY_COLUMNS = ("osm_type", "osm_id", "lon", "lat", *FACILITY_TAGS)


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
    notes : tuple of str
        Facts about how the data was obtained, for the run summary (clipped extract, download
        date and server, read from the cache, ...).
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


@dataclass
class WayParts:
    """OsmData contents as plain Python values (what the download cache stores).

    Attributes
    ----------
    way_offsets, refs, lon, lat : ndarray
        As in :class:`OsmData`.
    way_rows : list of list
        One ``[osm_id, *WAY_TAGS]`` row per way.
    facility_rows : list of list
        One row per facility, columns :data:`OSM_FACILITY_COLUMNS`.
    """

    way_offsets: npt.NDArray[np.int64]
    refs: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    way_rows: list[list[Any]]
    facility_rows: list[list[Any]]

    def to_osm(self, source: str, notes: tuple[str, ...]) -> OsmData:
        """Build the :class:`OsmData` of these parts.

        Parameters
        ----------
        source : str
            What the data was read from (:attr:`OsmData.source`).
        notes : tuple of str
            Facts about how it was obtained (:attr:`OsmData.notes`).

        Returns
        -------
        OsmData
            Ways and facilities as DataFrames; missing node locations counted.
        """
        return OsmData(
            way_offsets=self.way_offsets,
            refs=self.refs,
            lon=self.lon,
            lat=self.lat,
            ways=pd.DataFrame(self.way_rows, columns=["osm_id", *WAY_TAGS]),
            facilities=pd.DataFrame(self.facility_rows, columns=list(OSM_FACILITY_COLUMNS)),
            source=source,
            n_missing_refs=int(np.isnan(self.lon).sum()),
            notes=notes,
        )
