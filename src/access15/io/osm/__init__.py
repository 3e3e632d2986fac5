"""OpenStreetMap roads and health facilities, read straight into arrays (:class:`OsmData`).

Four sources give the same :class:`OsmData`:

* :func:`read_osm` -- an OSM file (``.osm.pbf``, ``.osm``, ``.osm.bz2``) read with pyosmium in
  one pass, without building a networkx graph (:mod:`access15.io.osm.pbf`);
* :func:`read_graphml` -- a graph saved with ``osmnx.save_graphml`` (roads only;
  :mod:`access15.io.osm.graphml`);
* :func:`download_osm` -- an online download (Nominatim + Overpass, through osmnx) for a place
  name or a boundary polygon, cached on disk so a second run works offline
  (:mod:`access15.io.osm.download`);
* :func:`load_osm` -- picks one of the above from what it is given (:mod:`access15.io.osm.load`).
"""

from __future__ import annotations

from access15.io.osm.data import GRAPHML_SUFFIXES, OSM_SUFFIXES, WAY_TAGS, OsmData
from access15.io.osm.download import download_osm
from access15.io.osm.graphml import read_graphml
from access15.io.osm.load import load_osm
from access15.io.osm.pbf import read_osm

__all__ = [
    "GRAPHML_SUFFIXES",
    "OSM_SUFFIXES",
    "WAY_TAGS",
    "OsmData",
    "download_osm",
    "load_osm",
    "read_graphml",
    "read_osm",
]
