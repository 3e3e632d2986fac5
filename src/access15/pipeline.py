"""One county end to end: OSM → network → coverage → upgrade ranking → map → files.

Used by ``access15 demo``/``coverage``/``recommend`` and, later, by batch runs over many counties.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from access15.access import CoverageResult, coverage
from access15.config import Config
from access15.io.areas import read_boundary, read_zones
from access15.io.facilities import facilities_from_osm
from access15.io.population import DemandCells, read_population
from access15.network import RoadNetwork, build_network
from access15.outputs.labels import resolve_lang
from access15.outputs.files import file_sha256, write_outputs
from access15.outputs.maps import check_basemap, make_map
from access15.siting import Recommendation, Sensitivity, recommend_upgrades, sensitivity

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
    sensitivity: Sensitivity | None = None

    def __repr__(self) -> str:
        return f"CountyRun({self.coverage!r}, {self.recommendation!r})"

    def _repr_html_(self) -> str:
        """Jupyter display: the run's inputs and timings, then coverage and recommendation."""
        from access15._repr import card

        folder = {p.parent for p in self.outputs.values()}
        facts = [
            ("network", repr(self.network)),
            ("population", repr(self.population)),
            ("facilities", f"{len(self.facilities):,}"),
            ("zones", f"{len(self.zones):,}" if self.zones is not None else "none"),
            ("time", ", ".join(f"{k} {v:.1f} s" for k, v in self.timings_s.items())),
            (
                "outputs",
                f"{len(self.outputs)} files in {', '.join(sorted(map(str, folder)))}"
                if self.outputs
                else "none written (pass out_dir=...)",
            ),
        ]
        head = card(
            "CountyRun",
            "one county end to end",
            facts=facts,
            attributes=(
                "coverage",
                "recommendation",
                "sensitivity",
                "fmap",
                "network",
                "facilities",
                "population",
                "outputs",
            ),
        )
        parts = [head, self.coverage._repr_html_()]
        parts += [r._repr_html_() for r in (self.recommendation, self.sensitivity) if r is not None]
        return "<div>" + "".join(parts) + "</div>"


def run_county(
    *,
    osm: str | Path,
    population: str | Path,
    boundary: str | Path,
    zones: str | Path | None = None,
    facilities: str | Path | None = None,
    crs_in: str | None = None,
    config: Config | None = None,
    mode: str = "drive",
    k: int | None = None,
    recommend: bool = True,
    robustness: bool = True,
    siting: Mapping[str, Any] | None = None,
    title: str = "",
    basemap: str | None = "osm",
    tianditu_key: str | None = None,
    lang: str | None = None,
    out_dir: str | Path | None = None,
    only: set[str] | None = None,
    cache_dir: str | Path | None = None,
    on_step: StepCallback | None = None,
    extra_summary: dict[str, Any] | None = None,
) -> CountyRun:
    """Run the whole pipeline for one county.

    Parameters
    ----------
    osm : str or Path
        OSM extract (.osm.pbf/.osm/.osm.bz2/.graphml) with roads (and health facilities), or a
        place name to download (cached).
    population : str or Path
        Population GeoTIFF, or points (CSV/GeoJSON/GeoPackage with a population column).
    boundary : str or Path
        County boundary polygon file.
    zones : str or Path, optional
        Township polygons (``zone_id``, ``name``).
    facilities : str or Path, optional
        Facility list (CSV/GeoJSON/GeoPackage with a tier); default: the OSM health facilities.
    crs_in : str, optional
        Coordinates of the user files (boundary, zones, facilities, population points):
        ``gcj02``, ``bd09``, ``wgs84`` or ``EPSG:n``. Needed for CSV files and for GCJ-02 data
        that declares EPSG:4326.
    config : Config, optional
    mode : {"drive", "ebike", "walk"}
    k : int, optional
        Number of upgrades to rank (default ``config.k``).
    recommend : bool
        Rank township centres to upgrade.
    siting : mapping, optional
        Options of :func:`access15.siting.recommend_upgrades` (``objective``, ``method``,
        ``must_include``, ``exclude``, ``per_zone``, ``max_minutes_to_hospital``, ``cost``,
        ``budget``, ``candidates`` ...); also used by the robustness reruns.
    robustness : bool
        With ``recommend``: rerun the ranking with speeds ±20 % and the threshold ±5 min
        (:func:`access15.siting.sensitivity`, 9 scenarios) and report how often each site stays
        in the top K (``sensitivity.csv``, a ``robustness`` column in ``recommendations.csv``).
    title : str
        Map title.
    basemap : {"osm", "positron", "tianditu", "none"} or None
        Map background (``None`` for synthetic data).
    tianditu_key : str, optional
        Key for ``basemap="tianditu"`` (default ``$TIANDITU_KEY``); checked before any work.
    lang : {"zh", "en"}, optional
        Labels of the map, figures and ``report.html`` (default: Chinese when the county's or
        townships' names are Chinese).
    out_dir : str or Path, optional
        When given, the outputs are written there atomically.
    only : set of str, optional
        Output file names to write (default: all).
    cache_dir : str or Path, optional
        Cache of compiled networks and downloads.
    on_step : callable, optional
        Called with a short label before each step (for progress display).
    extra_summary : dict, optional
        Extra keys for ``summary.json`` (e.g. a "synthetic" label).

    Returns
    -------
    CountyRun
    """
    from access15.io.osm import load_osm

    cfg = config or Config()
    check_basemap(basemap, tianditu_key)  # a missing Tianditu key fails before any work
    if lang is not None:
        resolve_lang(lang)
    timings: dict[str, float] = {}
    started = datetime.now(UTC)
    user_crs = {"crs_in": crs_in} if crs_in else {}

    def step(label: str) -> float:
        if on_step is not None:
            on_step(label)
        return time.perf_counter()

    t0 = step("reading study area")
    b = read_boundary(boundary, **user_crs)
    z = read_zones(zones, **user_crs) if zones is not None else None
    lang = resolve_lang(lang, [*b.get("name", []), *(z.get("name", []) if z is not None else [])])
    timings["areas"] = time.perf_counter() - t0

    t0 = step("reading OSM roads and facilities")
    data = load_osm(osm, cache_dir=cache_dir)
    timings["read_osm"] = time.perf_counter() - t0

    t0 = step(f"building the {mode} network")
    net = build_network(data, mode=mode, config=cfg)
    if facilities is None or str(facilities) == "osm":
        fac = facilities_from_osm(data, config=cfg)
    else:
        from access15.io.facilities import read_facilities

        fac = read_facilities(facilities, **user_crs)
    timings["network"] = time.perf_counter() - t0

    _check_facilities_usable(fac, net, b, cfg)

    t0 = step("reading population")
    pop_kw: dict[str, Any] = {}
    if crs_in and Path(population).suffix.lower() in (
        ".csv",
        ".tsv",
        ".txt",
        ".geojson",
        ".json",
        ".gpkg",
    ):
        pop_kw["crs_in"] = crs_in
    pop = read_population(population, boundary=b, **pop_kw)
    timings["population"] = time.perf_counter() - t0

    t0 = step("computing travel times and coverage")
    cov = coverage(net, fac, pop, zones=z, boundary=b, config=cfg)
    timings["coverage"] = time.perf_counter() - t0

    rec = None
    if recommend:
        t0 = step("ranking township centres to upgrade")
        rec = recommend_upgrades(net, cov, k=k, zones=z, **dict(siting or {}))
        timings["siting"] = time.perf_counter() - t0

    sens = None
    if rec is not None and robustness and len(rec.ranking):
        t0 = step("testing the ranking's robustness (speeds ±20 %, threshold ±5 min)")
        # same options as the ranking (a budget stays a budget; K then caps the count)
        opts = dict(siting or {})
        k_sens = k if opts.get("budget") is not None else len(rec.ranking)
        sens = sensitivity(net, cov, facilities=fac, zones=z, k=k_sens, **opts)
        timings["sensitivity"] = time.perf_counter() - t0

    fmap = None
    if only is None or "map.html" in only:
        t0 = step("drawing the map")
        fmap = make_map(
            cov,
            rec,
            boundary=b,
            zones=z,
            basemap=basemap,
            tianditu_key=tianditu_key,
            title=title,
            lang=lang,
            sens=sens,
        )
        timings["map"] = time.perf_counter() - t0

    outputs: dict[str, Path] = {}
    if out_dir is not None:
        t0 = step("writing outputs")
        inputs = {
            "osm": osm,
            "population": population,
            "boundary": boundary,
            "zones": zones,
            "facilities": facilities if facilities not in (None, "osm") else None,
        }
        manifest = {
            "tool": "access15",
            "started_utc": started.isoformat(timespec="seconds"),
            "mode": mode,
            "crs_in": crs_in,
            "inputs": {k_: _input_record(v) for k_, v in inputs.items() if v is not None},
            "timings_s": timings,
        }
        outputs = write_outputs(
            out_dir,
            cov=cov,
            rec=rec,
            sens=sens,
            fmap=fmap,
            manifest=manifest,
            extra_summary=extra_summary,
            only=only,
            boundary=b,
            zones=z,
            lang=lang,
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
        sensitivity=sens,
    )


def _check_facilities_usable(
    fac: gpd.GeoDataFrame, net: RoadNetwork, boundary: gpd.GeoDataFrame, cfg: Config
) -> None:
    """Refuse a facility list that cannot be for this county, before any routing."""
    import shapely

    from access15.errors import InputError

    x, y = fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy()
    area = boundary.to_crs("EPSG:4326").geometry.union_all()
    if not shapely.contains_xy(area, x, y).any():
        msg = (
            f"all {len(fac)} facilities lie outside the study area; is the facility list for "
            "this county, and are its coordinates in the CRS given by --crs-in?"
        )
        raise InputError(msg)
    snapped = net.snap_points(
        x, y, max_snap_m=cfg.max_snap_m, access_kmh=cfg.access_kmh.get(net.mode, 4.5)
    )
    if not snapped["on_network"].any():
        msg = (
            f"none of the {len(fac)} facilities is within {cfg.max_snap_m:g} m of a road of "
            "the network; check their coordinates (swapped lat/lon? GCJ-02 without --crs-in?)"
        )
        raise InputError(msg)


def _input_record(v: str | Path) -> dict[str, str]:
    p = Path(v)
    try:
        if p.is_file():
            return {"path": str(p), "sha256": file_sha256(p)}
    except OSError:
        pass
    return {"query": str(v)}  # a place name (downloaded)
