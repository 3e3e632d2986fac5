"""access15: 15-minute health-care access and sub-centre siting from OpenStreetMap roads.

>>> import access15 as ax
>>> ax.Config().levels[0].minutes
15.0
"""

from __future__ import annotations

from ._data import sample_paths
from ._version import __version__
from .areas import bd09_to_wgs84, gcj02_to_wgs84, read_boundary, read_zones, to_wgs84
from .config import Config, ServiceLevel, load_config
from .coverage import CoverageResult, coverage
from .demand import DemandCells, read_population
from .errors import Access15Error, DataDownloadError, InputError, NetworkError, SolverError
from .facilities import facilities_from_osm, read_facilities
from .isochrones import band_table, isochrones
from .maps import make_map
from .network import RoadNetwork, build_network, read_network
from .osm import OsmData, download_osm, load_osm, read_graphml, read_osm
from .pipeline import CountyRun, run_county
from .siting import Recommendation, coverage_curve, recommend_upgrades, sensitivity, solve
from .travel import PairTimes, nearest_facility, nearest_times, pair_times, times_from_each

__all__ = [
    "Access15Error",
    "Config",
    "CountyRun",
    "CoverageResult",
    "DataDownloadError",
    "DemandCells",
    "InputError",
    "NetworkError",
    "OsmData",
    "PairTimes",
    "Recommendation",
    "RoadNetwork",
    "ServiceLevel",
    "SolverError",
    "__version__",
    "band_table",
    "bd09_to_wgs84",
    "build_network",
    "coverage",
    "coverage_curve",
    "download_osm",
    "facilities_from_osm",
    "gcj02_to_wgs84",
    "isochrones",
    "load_config",
    "load_osm",
    "make_map",
    "nearest_facility",
    "nearest_times",
    "pair_times",
    "read_boundary",
    "read_facilities",
    "read_graphml",
    "read_network",
    "read_osm",
    "read_population",
    "read_zones",
    "recommend_upgrades",
    "run_county",
    "sample_paths",
    "sensitivity",
    "solve",
    "times_from_each",
    "to_wgs84",
]
