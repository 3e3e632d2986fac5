"""One county end to end: OSM → network → coverage → upgrade ranking → map → files.

Used by ``access15 demo``/``coverage``/``recommend`` and, later, by batch runs over many counties.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .areas import read_boundary, read_zones
from .config import Config
from .coverage import CoverageResult, coverage
from .demand import DemandCells, read_population
from .facilities import facilities_from_osm
from .maps import make_map
from .network import RoadNetwork, build_network
from .osm import read_osm
from .report import file_sha256, write_outputs
from .siting import Recommendation, recommend_upgrades

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["CountyRun", "run_county"]

StepCallback = Callable[[str], None]


@dataclass(frozen=True, repr=False)
class CountyRun:
    """Everything one county run produced (in memory), plus where its files went."""

    network: RoadNetwork
    facilities: gpd.GeoDataFrame
    population: DemandCells
    coverage: CoverageResult
    recommendation: Recommendation | None
    boundary: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame | None
    fmap: folium.Map | None
    timings_s: dict[str, float]
    outputs: dict[str, Path] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"CountyRun({self.coverage!r}, {self.recommendation!r})"


def run_county(
    *,
    osm: str | Path,
    population: str | Path,
    boundary: str | Path,
    zones: str | Path | None = None,
    config: Config | None = None,
    mode: str = "drive",
    k: int | None = None,
    title: str = "",
    basemap: str | None = "osm",
    out_dir: str | Path | None = None,
    on_step: StepCallback | None = None,
    extra_summary: dict[str, Any] | None = None,
) -> CountyRun:
    """Run the whole pipeline for one county.

    Parameters
    ----------
    osm : str or Path
        OSM extract (.osm.pbf/.osm/.osm.bz2) with roads and health facilities.
    population : str or Path
        Population GeoTIFF.
    boundary : str or Path
        County boundary polygon file.
    zones : str or Path, optional
        Township polygons (``zone_id``, ``name``).
    config : Config, optional
    mode : {"drive", "ebike", "walk"}
    k : int, optional
        Number of upgrades to rank (default ``config.k``).
    title : str
        Map title.
    basemap : str or None
        Map background (``None`` for synthetic data).
    out_dir : str or Path, optional
        When given, the outputs are written there atomically.
    on_step : callable, optional
        Called with a short label before each step (for progress display).
    extra_summary : dict, optional
        Extra keys for ``summary.json`` (e.g. a "synthetic" label).

    Returns
    -------
    CountyRun
    """
    cfg = config or Config()
    timings: dict[str, float] = {}
    started = datetime.now(UTC)

    def step(label: str) -> float:
        if on_step is not None:
            on_step(label)
        return time.perf_counter()

    t0 = step("reading study area")
    b = read_boundary(boundary)
    z = read_zones(zones) if zones is not None else None
    timings["areas"] = time.perf_counter() - t0

    t0 = step("reading OSM roads and facilities")
    data = read_osm(osm)
    timings["read_osm"] = time.perf_counter() - t0

    t0 = step(f"building the {mode} network")
    net = build_network(data, mode=mode, config=cfg)
    fac = facilities_from_osm(data, config=cfg)
    timings["network"] = time.perf_counter() - t0

    t0 = step("reading population")
    pop = read_population(population, boundary=b)
    timings["population"] = time.perf_counter() - t0

    t0 = step("computing travel times and coverage")
    cov = coverage(net, fac, pop, zones=z, boundary=b, config=cfg)
    timings["coverage"] = time.perf_counter() - t0

    t0 = step("ranking township centres to upgrade")
    rec = recommend_upgrades(net, cov, k=k)
    timings["siting"] = time.perf_counter() - t0

    t0 = step("drawing the map")
    fmap = make_map(cov, rec, boundary=b, zones=z, basemap=basemap, title=title)
    timings["map"] = time.perf_counter() - t0

    outputs: dict[str, Path] = {}
    if out_dir is not None:
        t0 = step("writing outputs")
        inputs = {"osm": osm, "population": population, "boundary": boundary, "zones": zones}
        manifest = {
            "tool": "access15",
            "started_utc": started.isoformat(timespec="seconds"),
            "mode": mode,
            "inputs": {
                k_: {"path": str(v), "sha256": file_sha256(v)}
                for k_, v in inputs.items()
                if v is not None
            },
            "timings_s": timings,
        }
        outputs = write_outputs(
            out_dir, cov=cov, rec=rec, fmap=fmap, manifest=manifest, extra_summary=extra_summary
        )
        timings["write"] = time.perf_counter() - t0
    return CountyRun(
        network=net,
        facilities=fac,
        population=pop,
        coverage=cov,
        recommendation=rec,
        boundary=b,
        zones=z,
        fmap=fmap,
        timings_s=timings,
        outputs=outputs,
    )
