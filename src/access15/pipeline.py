"""One county end to end: OSM → network → coverage → upgrade ranking → map → files.

The one place that computes a county: every figure, the display bands, the map and the files
come from the same run, each computed once and kept on the :class:`CountyRun`. Used by
``access15 demo``/``coverage``/``recommend``/``isochrones``/``map`` and by batch runs.

>>> from access15.pipeline import OutputOptions, Study
>>> Study("county.osm.pbf", "worldpop.tif", "county.geojson", crs_in="gcj02").mode
'drive'
>>> OutputOptions(out_dir="out/county", basemap=None).only is None
True
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely

from access15._repr import card
from access15.access import CoverageResult, coverage
from access15.bands import isochrones
from access15.config import MAX_MINUTES, MODES, Config, load_config
from access15.errors import InputError
from access15.io.areas import read_boundary, read_zones
from access15.io.facilities import facilities_from_osm, read_facilities
from access15.io.osm import load_osm
from access15.io.population import DemandCells, read_population
from access15.network import RoadNetwork, build_network
from access15.outputs.files import file_sha256, write_outputs
from access15.outputs.folder import check_out_dir, clean_stale, output_lock
from access15.outputs.labels import resolve_lang
from access15.outputs.maps import check_basemap, make_map
from access15.siting import Recommendation, Sensitivity, recommend_upgrades, sensitivity
from access15.siting.options import SitingOptions
from access15.supply import (
    AccessibilityResult,
    CapacityCoverage,
    SupplyOptions,
    accessibility,
    capacity_coverage,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["CountyRun", "OutputOptions", "StepCallback", "Study", "county_config", "run_county"]

StepCallback = Callable[[str], None]

# population files read as points, which take the user's CRS (a raster carries its own)
_POINT_SUFFIXES = (".csv", ".tsv", ".txt", ".geojson", ".json", ".gpkg")


@dataclass(frozen=True)
class Study:
    """The inputs of one county: its files (or a place name), their CRS and the travel mode.

    Attributes
    ----------
    osm : str or Path
        OSM extract (``.osm.pbf``, ``.osm``, ``.osm.bz2``, osmnx ``.graphml``) with roads and
        health facilities, or a place name to download (cached).
    population : str or Path
        Population GeoTIFF, or points (CSV/GeoJSON/GeoPackage with a population column).
    boundary : str or Path
        County boundary polygon file.
    zones : str or Path, optional
        Township polygons (``zone_id``, ``name``).
    facilities : str or Path, optional
        Facility list (CSV/GeoJSON/GeoPackage with a tier); None or ``"osm"``: the OSM health
        facilities.
    crs_in : str, optional
        Coordinates of the user files (boundary, zones, facilities, population points):
        ``gcj02``, ``bd09``, ``wgs84`` or ``EPSG:n``. Needed for CSV files and for GCJ-02 data
        that declares EPSG:4326.
    mode : {"drive", "ebike", "walk"}
        Travel mode of the network.
    title : str
        Title of the map.
    cache_dir : str or Path, optional
        Cache of compiled networks and downloads (default ``$ACCESS15_CACHE`` or
        ``~/.cache/access15``).

    Examples
    --------
    >>> Study("x.osm.pbf", "p.tif", "b.geojson", facilities="osm").facilities is None
    True
    """

    osm: str | Path
    population: str | Path
    boundary: str | Path
    zones: str | Path | None = None
    facilities: str | Path | None = None
    crs_in: str | None = None
    mode: str = "drive"
    title: str = ""
    cache_dir: str | Path | None = None

    def __post_init__(self) -> None:
        """Check the mode; ``facilities="osm"`` means the OSM facilities, ``crs_in=""`` none."""
        if self.facilities is not None and str(self.facilities) == "osm":
            object.__setattr__(self, "facilities", None)
        object.__setattr__(self, "crs_in", self.crs_in or None)
        if self.mode not in MODES:
            msg = f"unknown mode {self.mode!r}; use one of {', '.join(MODES)}"
            raise InputError(msg)

    def input_records(self) -> dict[str, dict[str, str]]:
        """Return the inputs as ``manifest.json`` records them (path and sha256, or the query).

        Returns
        -------
        dict
            ``{"osm": {"path": ..., "sha256": ...}, ...}``; a place name gives ``{"query": ...}``.
        """
        inputs = {
            "osm": self.osm,
            "population": self.population,
            "boundary": self.boundary,
            "zones": self.zones,
            "facilities": self.facilities,
        }
        return {k: _input_record(v) for k, v in inputs.items() if v is not None}


@dataclass(frozen=True)
class OutputOptions:
    """What a county run draws and writes: the folder, the files, the map's look, extra keys.

    Attributes
    ----------
    out_dir : str or Path, optional
        When given, the outputs are written there atomically (``manifest.json`` last).
    only : frozenset of str, optional
        Output file names to write (default: all); the map is drawn only when ``map.html`` is
        among them.
    basemap : {"osm", "positron", "tianditu", "none"} or None
        Map background (None or ``"none"``: none, e.g. for synthetic data).
    tianditu_key : str, optional
        Key for ``basemap="tianditu"`` (default ``$TIANDITU_KEY``); checked when the options
        are made, so a missing key fails before any work.
    lang : {"zh", "en"}, optional
        Labels of the map, figures and ``report.html`` (default: Chinese when the county's or
        townships' names are Chinese).
    extra_summary : mapping, optional
        Extra keys for ``summary.json`` (e.g. a ``"synthetic"`` label).

    Examples
    --------
    >>> OutputOptions(only={"map.html"}, basemap="none").only, OutputOptions().basemap
    (frozenset({'map.html'}), 'osm')
    """

    out_dir: str | Path | None = None
    only: frozenset[str] | None = None
    basemap: str | None = "osm"
    tianditu_key: str | None = None
    lang: str | None = None
    extra_summary: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        """Check the basemap (a Tianditu key included) and the language; ``only`` as a set."""
        if self.only is not None:
            object.__setattr__(self, "only", frozenset(self.only))
        object.__setattr__(self, "basemap", check_basemap(self.basemap, self.tianditu_key))
        if self.lang is not None:
            resolve_lang(self.lang)

    def wants(self, name: str) -> bool:
        """Whether the output file ``name`` is to be made.

        Parameters
        ----------
        name : str
            An output file name, e.g. ``"map.html"``.

        Returns
        -------
        bool
            True when ``only`` is None (everything) or holds ``name``.
        """
        return self.only is None or name in self.only


@dataclass(frozen=True, repr=False)
class CountyRun:
    """Everything one county run produced (in memory), plus where its files went.

    Attributes
    ----------
    network : RoadNetwork
        The routable road network.
    facilities : GeoDataFrame
        Facilities as used (tier, name; WGS-84).
    population : DemandCells
        The demand cells.
    coverage : CoverageResult
        Coverage per service level and zone, gaps and the travel-time surface.
    recommendation : Recommendation or None
        The upgrade ranking (None when no siting options were given).
    boundary : GeoDataFrame
        The county boundary.
    zones : GeoDataFrame or None
        The township polygons, if given.
    fmap : folium.Map or None
        The interactive map (None when ``map.html`` was not asked for).
    timings_s : dict of str to float
        Seconds per step.
    outputs : dict of str to Path
        Files written, by name (empty without ``out_dir``).
    sensitivity : Sensitivity or None
        Robustness of the ranking to speeds ±20 % and the threshold ±5 min.
    bands : GeoDataFrame or None
        The display bands (isochrones) of the headline level, computed once for the map and
        ``isochrones.geojson``.
    accessibility : AccessibilityResult or None
        The accessibility index (care per person within reach), when asked for.
    capacity : CapacityCoverage or None
        Capacity-limited coverage of the headline level, when asked for.
    """

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
    bands: gpd.GeoDataFrame | None = None
    accessibility: AccessibilityResult | None = None
    capacity: CapacityCoverage | None = None

    def __repr__(self) -> str:
        return f"CountyRun({self.coverage!r}, {self.recommendation!r})"

    def _repr_html_(self) -> str:
        """Jupyter display: the run's inputs and timings, then coverage and recommendation."""
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
                "bands",
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


def county_config(
    path: str | Path | None = None, *, k: int | None = None, minutes: float | None = None
) -> Config:
    """Return a county's configuration: a TOML file, then ``k`` and the headline ``minutes``.

    Shared by the command line (``--config``, ``--k``, ``--minutes``) and the batch CSV
    (``config``, ``k``, ``minutes`` columns), so both run a county with the same settings.

    Parameters
    ----------
    path : str or Path, optional
        TOML configuration (see ``access15 config``); default: the built-in one.
    k : int, optional
        Number of upgrades (``Config.k``).
    minutes : float, optional
        Threshold of the headline (first) service level, minutes (> 0, at most 1440); its label
        follows.

    Returns
    -------
    Config

    Examples
    --------
    >>> county_config(minutes=20).levels[0].label
    'basic within 20 min'
    """
    cfg = load_config(path, k=k)
    if minutes is not None:
        if not minutes > 0:
            msg = f"minutes must be > 0, got {minutes:g}"
            raise InputError(msg)
        if not minutes <= MAX_MINUTES:
            msg = f"minutes must be at most {MAX_MINUTES:g} (24 h), got {minutes:g}"
            raise InputError(msg)
        head = dataclasses.replace(
            cfg.levels[0],
            minutes=float(minutes),
            label=f"{cfg.levels[0].name} within {minutes:g} min",
        )
        cfg = dataclasses.replace(cfg, levels=(head, *cfg.levels[1:]))
    return cfg


# the keywords of run_county before Study/OutputOptions/SitingOptions (deprecated)
_STUDY_KEYS = ("osm", "population", "boundary", "zones", "facilities", "crs_in", "mode", "title")
_OUTPUT_KEYS = ("basemap", "tianditu_key", "lang", "out_dir", "only", "extra_summary")
_LEGACY_KEYS = frozenset({*_STUDY_KEYS, *_OUTPUT_KEYS, "cache_dir", "k", "recommend", "siting"})
# candidate_options of the old recommend_upgrades keywords -> SitingOptions fields
_CANDIDATE_KEYS = {
    "spacing_m": "grid_spacing_m",
    "min_people": "gap_min_people",
    "n": "max_candidates",
}


def run_county(
    study: Study | None = None,
    *,
    config: Config | None = None,
    siting: SitingOptions | None = None,
    robustness: bool = True,
    outputs: OutputOptions | None = None,
    on_step: StepCallback | None = None,
    supply: SupplyOptions | None = None,
    **legacy: Any,
) -> CountyRun:
    """Run the whole pipeline for one county.

    Reads the study area, roads and facilities, builds the network, reads the population,
    computes coverage and the display bands once, ranks upgrades (with ``siting``), tests the
    ranking's robustness, draws the map and writes the files (with ``outputs.out_dir``).

    Parameters
    ----------
    study : Study
        The county's inputs.
    config : Config, optional
        Configuration (default: the built-in one).
    siting : SitingOptions, optional
        Rank sites to upgrade with these options (also used by the robustness reruns); None:
        no ranking.
    robustness : bool
        With ``siting``: rerun the ranking with speeds ±20 % and the threshold ±5 min
        (:func:`access15.sensitivity`, 9 scenarios) and report how often each site stays in
        the top K (``sensitivity.csv``, a ``robustness`` column in ``recommendations.csv``).
    outputs : OutputOptions, optional
        Where and what to write, and the map's look (default: nothing written, OSM basemap).
    on_step : callable, optional
        Called with a short label before each step (for progress display).
    supply : SupplyOptions, optional
        Supply against demand: an accessibility index (2SFCA family) and/or capacity-limited
        coverage (default: neither).
    **legacy
        The keyword form of earlier versions (``osm=``, ``population=``, ``boundary=``,
        ``k=``, ``out_dir=`` ...): deprecated, still accepted with a ``DeprecationWarning``.

    Returns
    -------
    CountyRun
        Network, facilities, population, coverage, bands, recommendation, sensitivity, map,
        timings and the files written.

    Raises
    ------
    InputError
        A bad input or option, reported before the work that needs it.

    Examples
    --------
    >>> import access15 as ax
    >>> paths = ax.sample_paths()
    >>> study = ax.Study(paths["osm"], paths["population"], paths["county"], paths["townships"])
    >>> run = ax.run_county(study, siting=ax.SitingOptions(k=3), robustness=False,
    ...                     outputs=ax.OutputOptions(basemap=None))  # doctest: +SKIP
    """
    if legacy or study is None:
        study, siting, outputs = _from_legacy(study, siting, outputs, legacy)
    out = outputs if outputs is not None else OutputOptions()  # checked when made
    if out.out_dir is None:
        return _run(study, config, siting, robustness, out, on_step, supply)
    check_out_dir(out.out_dir)  # a refused folder fails before any work
    # the folder is this run's from its start: a second run into it is refused at once, not
    # after its computation, and the temporary folders of killed runs go now
    with output_lock(out.out_dir):
        clean_stale(out.out_dir)
        return _run(study, config, siting, robustness, out, on_step, supply)


def _run(
    study: Study,
    config: Config | None,
    siting: SitingOptions | None,
    robustness: bool,
    out: OutputOptions,
    on_step: StepCallback | None,
    supply: SupplyOptions | None = None,
) -> CountyRun:
    """Run the steps of :func:`run_county` (its lock held when it writes a folder)."""
    cfg = config or Config()
    timings: dict[str, float] = {}
    started = datetime.now(UTC)

    def step(label: str) -> float:
        if on_step is not None:
            on_step(label)
        return time.perf_counter()

    t0 = step("reading study area")
    b = read_boundary(study.boundary, crs_in=study.crs_in)
    z = read_zones(study.zones, crs_in=study.crs_in) if study.zones is not None else None
    zone_names = list(z.get("name", [])) if z is not None else []
    lang = resolve_lang(out.lang, [*b.get("name", []), *zone_names])
    timings["areas"] = time.perf_counter() - t0

    t0 = step("reading OSM roads and facilities")
    data = load_osm(study.osm, cache_dir=study.cache_dir)
    timings["read_osm"] = time.perf_counter() - t0

    t0 = step(f"building the {study.mode} network")
    net = build_network(data, mode=study.mode, config=cfg)
    if study.facilities is None:
        fac = facilities_from_osm(data, config=cfg)
    else:
        fac = read_facilities(study.facilities, crs_in=study.crs_in)
    timings["network"] = time.perf_counter() - t0

    _check_facilities_usable(fac, net, b, cfg)

    t0 = step("reading population")
    points = Path(study.population).suffix.lower() in _POINT_SUFFIXES
    pop = read_population(study.population, boundary=b, crs_in=study.crs_in if points else None)
    timings["population"] = time.perf_counter() - t0

    t0 = step("computing travel times and coverage")
    cov = coverage(net, fac, pop, zones=z, boundary=b, config=cfg)
    bands = isochrones(cov) if cov.surface else None  # once: for the map and the files
    timings["coverage"] = time.perf_counter() - t0

    index = cap_cov = None
    if supply is not None and supply.index is not None:
        t0 = step(f"accessibility index ({supply.index} of {supply.capacity})")
        index = accessibility(
            net,
            cov,
            method=supply.index,
            capacity=supply.capacity,
            minutes=supply.minutes,
            zones=z,
        )
        timings["accessibility"] = time.perf_counter() - t0
    if supply is not None and supply.capacity_coverage is not None:
        t0 = step("capacity-limited coverage")
        cap_cov = capacity_coverage(
            net, cov, capacity=supply.capacity_coverage, order=supply.order, zones=z
        )
        timings["capacity"] = time.perf_counter() - t0

    rec = None
    if siting is not None:
        t0 = step("ranking township centres to upgrade")
        rec = recommend_upgrades(net, cov, siting, zones=z)
        timings["siting"] = time.perf_counter() - t0

    sens = None
    if rec is not None and robustness and len(rec.ranking):
        t0 = step("testing the ranking's robustness (speeds ±20 %, threshold ±5 min)")
        # the options of the ranking (a budget stays a budget, K then caps the count; without
        # one, every scenario ranks as many sites as the ranking has)
        k_sens = None if siting is not None and siting.budget is not None else len(rec.ranking)
        sens = sensitivity(net, cov, rec, facilities=fac, zones=z, k=k_sens)
        timings["sensitivity"] = time.perf_counter() - t0

    fmap = None
    if out.wants("map.html"):
        t0 = step("drawing the map")
        fmap = make_map(
            cov,
            rec,
            boundary=b,
            zones=z,
            basemap=out.basemap,
            tianditu_key=out.tianditu_key,
            title=study.title,
            lang=lang,
            sens=sens,
            bands=bands,
            supply=[r for r in (index, cap_cov) if r is not None],
        )
        timings["map"] = time.perf_counter() - t0

    written: dict[str, Path] = {}
    if out.out_dir is not None:
        t0 = step("writing outputs")
        manifest = {
            "tool": "access15",
            "started_utc": started.isoformat(timespec="seconds"),
            "mode": study.mode,
            "crs_in": study.crs_in,
            "inputs": study.input_records(),
            "timings_s": timings,
        }
        written = write_outputs(
            out.out_dir,
            cov=cov,
            rec=rec,
            sens=sens,
            fmap=fmap,
            manifest=manifest,
            extra_summary=dict(out.extra_summary) if out.extra_summary is not None else None,
            only=set(out.only) if out.only is not None else None,
            boundary=b,
            zones=z,
            lang=lang,
            bands=bands,
            supply=[r for r in (index, cap_cov) if r is not None],
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
        outputs=written,
        sensitivity=sens,
        accessibility=index,
        capacity=cap_cov,
        bands=bands,
    )


def _from_legacy(
    study: Study | None,
    siting: SitingOptions | None,
    outputs: OutputOptions | None,
    legacy: dict[str, Any],
) -> tuple[Study, SitingOptions | None, OutputOptions]:
    """Map the old keyword form of :func:`run_county` onto Study/SitingOptions/OutputOptions."""
    unknown = sorted(set(legacy) - _LEGACY_KEYS)
    if unknown:
        msg = f"run_county() got an unexpected keyword argument {unknown[0]!r}"
        raise TypeError(msg)
    if study is not None or outputs is not None:
        msg = "run_county(): give a Study and OutputOptions, or the old keywords, not both"
        raise TypeError(msg)
    missing = [k for k in ("osm", "population", "boundary") if legacy.get(k) is None]
    if missing:
        msg = f"run_county() missing required argument {missing[0]!r}"
        raise TypeError(msg)
    warnings.warn(  # stacklevel 3: the caller of run_county
        "run_county(osm=..., population=..., ...) is deprecated; pass "
        "run_county(Study(...), siting=SitingOptions(...), outputs=OutputOptions(...))",
        DeprecationWarning,
        stacklevel=3,
    )
    new_study = Study(
        **{k: legacy[k] for k in _STUDY_KEYS if k in legacy},
        cache_dir=legacy.get("cache_dir"),
    )
    old = legacy.get("siting", siting)
    if not legacy.get("recommend", True):
        new_siting = None
    elif isinstance(old, SitingOptions):
        new_siting = old if legacy.get("k") is None else dataclasses.replace(old, k=legacy["k"])
    else:  # a mapping of the old recommend_upgrades keywords
        opts = dict(old or {})
        for key, value in dict(opts.pop("candidate_options", None) or {}).items():
            opts[_CANDIDATE_KEYS.get(key, key)] = value
        new_siting = SitingOptions(k=legacy.get("k"), **opts)
    new_outputs = OutputOptions(**{k: legacy[k] for k in _OUTPUT_KEYS if k in legacy})
    return new_study, new_siting, new_outputs


def _check_facilities_usable(
    fac: gpd.GeoDataFrame, net: RoadNetwork, boundary: gpd.GeoDataFrame, cfg: Config
) -> None:
    """Refuse a facility list that cannot be for this county, before any routing."""
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
