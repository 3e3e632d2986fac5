"""access15: 15-minute health-care access and sub-centre siting from OpenStreetMap roads.

>>> import access15 as ax
>>> ax.Config().levels[0].minutes
15.0

The public names are loaded on first use (PEP 562), so ``import access15`` does not import
numpy, geopandas or numba until a function needs them. To export a new name, add one line
``"name": "module",`` to ``_EXPORTS``.
"""

from __future__ import annotations

import importlib
from typing import Any

from access15._version import __version__

# public name -> module of the package that defines it (one line per name, grouped by module)
_EXPORTS: dict[str, str] = {
    "sample_paths": "datasets",
    "make_county": "datasets",
    "SyntheticCountyOptions": "datasets",
    "bd09_to_wgs84": "crs",
    "BatchOptions": "batch.run",
    "BatchResult": "batch.rollup",
    "CountySpec": "batch.counties",
    "batch_map": "batch.rollup",
    "is_complete": "batch.run",
    "read_counties": "batch.counties",
    "run_batch": "batch.run",
    "gcj02_to_wgs84": "crs",
    "read_boundary": "io.areas",
    "read_zones": "io.areas",
    "to_wgs84": "crs",
    "wgs84_to_gcj02": "crs",
    "Config": "config",
    "ServiceLevel": "config",
    "load_config": "config",
    "CoverageResult": "access",
    "coverage": "access",
    "Catchment": "catchment",
    "catchment_times": "catchment",
    "AccessibilityResult": "supply",
    "CapacityCoverage": "supply",
    "accessibility": "supply",
    "capacity_coverage": "supply",
    "SupplyOptions": "supply",
    "with_capacity": "io.capacity",
    "CapacityDefaults": "config",
    "fewest_sites": "siting",
    "TargetPlan": "siting",
    "DemandCells": "io.population",
    "read_population": "io.population",
    "Access15Error": "errors",
    "DataDownloadError": "errors",
    "DataWarning": "errors",
    "InputError": "errors",
    "NetworkError": "errors",
    "OutputError": "errors",
    "SolverError": "errors",
    "facilities_from_osm": "io.facilities",
    "coverage_map": "outputs.figures",
    "travel_time_distribution": "outputs.figures",
    "plot_curve": "outputs.figures",
    "write_figures": "outputs.figures",
    "build_report": "outputs.html",
    "write_report": "outputs.html",
    "read_facilities": "io.facilities",
    "read_sites": "io.facilities",
    "band_table": "bands",
    "isochrones": "bands",
    "add_basemap": "outputs.maps",
    "make_map": "outputs.maps",
    "tianditu_tiles": "outputs.maps",
    "RoadNetwork": "network",
    "build_network": "network",
    "read_network": "network_cache",
    "OsmData": "io.osm",
    "download_osm": "io.osm",
    "load_osm": "io.osm",
    "read_graphml": "io.osm",
    "read_osm": "io.osm",
    "CountyRun": "pipeline",
    "OutputOptions": "pipeline",
    "Study": "pipeline",
    "run_county": "pipeline",
    "Recommendation": "siting",
    "Sensitivity": "siting",
    "SiteConstraints": "siting",
    "SitingOptions": "siting",
    "Solution": "siting",
    "coverage_curve": "siting",
    "recommend_upgrades": "siting",
    "sensitivity": "siting",
    "solve": "siting",
    "generate_county": "datasets",
    "PairTimes": "travel",
    "nearest_facility": "travel",
    "nearest_times": "travel",
    "pair_times": "travel",
    "times_from_each": "travel",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    """Import the module defining a public name on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
