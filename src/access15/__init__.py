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
import sys
import types
from typing import Any

from ._version import __version__

# public name -> module of the package that defines it (one line per name, grouped by module)
_EXPORTS: dict[str, str] = {
    "sample_paths": "_data",
    "bd09_to_wgs84": "areas",
    "BatchResult": "batch",
    "CountySpec": "batch",
    "batch_map": "batch",
    "is_complete": "batch",
    "read_counties": "batch",
    "run_batch": "batch",
    "gcj02_to_wgs84": "areas",
    "read_boundary": "areas",
    "read_zones": "areas",
    "to_wgs84": "areas",
    "wgs84_to_gcj02": "areas",
    "Config": "config",
    "ServiceLevel": "config",
    "load_config": "config",
    "CoverageResult": "coverage",
    "coverage": "coverage",
    "DemandCells": "demand",
    "read_population": "demand",
    "Access15Error": "errors",
    "DataDownloadError": "errors",
    "InputError": "errors",
    "NetworkError": "errors",
    "SolverError": "errors",
    "facilities_from_osm": "facilities",
    "coverage_map": "figures",
    "travel_time_distribution": "figures",
    "write_figures": "figures",
    "build_report": "htmlreport",
    "write_report": "htmlreport",
    "read_facilities": "facilities",
    "read_sites": "facilities",
    "band_table": "isochrones",
    "isochrones": "isochrones",
    "add_basemap": "maps",
    "make_map": "maps",
    "tianditu_tiles": "maps",
    "RoadNetwork": "network",
    "build_network": "network",
    "read_network": "network",
    "OsmData": "osm",
    "download_osm": "osm",
    "load_osm": "osm",
    "read_graphml": "osm",
    "read_osm": "osm",
    "CountyRun": "pipeline",
    "run_county": "pipeline",
    "Recommendation": "siting",
    "Sensitivity": "siting",
    "Solution": "siting",
    "coverage_curve": "siting",
    "recommend_upgrades": "siting",
    "sensitivity": "siting",
    "solve": "siting",
    "generate_county": "sample",
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
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The package module, keeping ``coverage`` and ``isochrones`` the functions.

    Importing a submodule binds it as an attribute of its package. ``access15.coverage`` and
    ``access15.isochrones`` are both a submodule and a public function; the function wins, as it
    did when everything was imported eagerly (``from access15.coverage import ...`` is unaffected).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            isinstance(value, types.ModuleType)
            and value.__name__ == f"{__name__}.{name}"
            and _EXPORTS.get(name) == name
        ):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
