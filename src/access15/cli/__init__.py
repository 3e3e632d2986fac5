"""The ``access15`` command line: parses, calls the library, prints.

Exit codes: 0 success, 2 bad input or usage (one clear line on stderr, no traceback unless
``--debug``), 1 anything else (a full disk: one line ``disk full while writing OUT: free space
and run again``, the outputs unchanged). The options are declared in
:mod:`access15.cli.options`, their checks in :mod:`access15.cli.build`, the printed summaries
in :mod:`access15.cli.summary`; the work is :func:`access15.pipeline.run_county` and
:func:`access15.batch.run_batch`. Imports of the library stay inside the commands, so
``access15 --help`` is fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
import typer.core
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from access15.cli.build import (
    build_config,
    build_study,
    candidate_source,
    check_map_options,
    named_flags,
    read_costs,
    site_capacity_value,
    supply_options,
)
from access15.cli.options import (
    BasemapOpt,
    BatchBasemapOpt,
    BatchOutOpt,
    BoundaryOpt,
    BudgetOpt,
    CacheOpt,
    CandidatesOpt,
    CapacityCoverageOpt,
    CatchmentOpt,
    ConfigOpt,
    CostsOpt,
    CountiesArg,
    CrsOpt,
    DemoBasemapOpt,
    DemoOutOpt,
    ExcludeOpt,
    FacOpt,
    ForceOpt,
    GridSpacingOpt,
    IndexCapacityOpt,
    IndexMethodOpt,
    KOpt,
    LangOpt,
    MaxHospitalOpt,
    MethodOpt,
    MinutesOpt,
    ModeOpt,
    MustIncludeOpt,
    ObjectiveOpt,
    OsmOpt,
    OutOpt,
    PerZoneOpt,
    PlaceOpt,
    PopOpt,
    RetriesOpt,
    RobustnessOpt,
    SchedulerOpt,
    SiteCapacityOpt,
    TargetShareOpt,
    TiandituKeyOpt,
    TimeLimitOpt,
    WorkersOpt,
    ZonesOpt,
)
from access15.cli.summary import print_batch, print_run
from access15.errors import Access15Error, InputError

if TYPE_CHECKING:
    from access15.config import Config
    from access15.pipeline import OutputOptions, Study
    from access15.siting.options import Method, Objective, SitingOptions
    from access15.supply import SupplyOptions

__all__ = ["app", "main"]

try:  # typer >= 0.22 vendors click: its usage errors derive from TyperException
    from typer.exceptions import TyperException as _UsageError
except ImportError:  # older typer: click's own errors
    from click.exceptions import ClickException as _UsageError  # type: ignore[assignment]


class _InterruptedError(Exception):
    """Ctrl-C during a command (typer would turn the KeyboardInterrupt into a silent exit 130)."""


class _Group(typer.core.TyperGroup):
    """The command group; a KeyboardInterrupt in a command reaches :func:`main` as such."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _InterruptedError from None


app = typer.Typer(
    cls=_Group,
    name="access15",
    help=(
        "15-minute health-care access and sub-centre siting for county medical consortia.\n\n"
        "Start with `access15 demo`: it runs the whole pipeline on the bundled synthetic "
        "sample county and writes tables, a map and a manifest."
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True)


class _State:
    debug = False
    quiet = False
    out: str | None = None  # the output folder of the running command, for the Ctrl-C message
    batch = False


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show full tracebacks and debug logging.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    _State.debug = debug
    _State.quiet = quiet
    _State.out = None
    _State.batch = False
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _progress(*columns: Any) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        *columns,
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=_State.quiet or not err_console.is_terminal,
    )


@app.command()
def demo(
    out: DemoOutOpt = "out/demo",
    k: KOpt = None,
    robustness: RobustnessOpt = True,
    lang: LangOpt = None,
    basemap: DemoBasemapOpt = "none",
    tianditu_key: TiandituKeyOpt = None,
) -> None:
    """Run the full pipeline on the bundled SYNTHETIC sample county.

    Reads the sample's OSM roads (PBF), facility list (with doctors and beds) and
    WorldPop-style population raster, computes who is within 15 minutes of a facility by car,
    doctors per 10,000 people within 30 minutes (2SFCA) and coverage within the facilities'
    capacity, ranks K township health centres to upgrade to sub-centres (30-minute coverage),
    and writes summary.json, coverage_by_zone.csv, accessibility.csv, capacity_coverage.csv,
    travel_time.tif, facilities.geojson, cells.parquet, gaps.geojson, isochrones.geojson,
    recommendations.csv/.geojson, coverage_curve.csv/.png, zones_before_after.csv,
    sensitivity.csv, sensitivity_scenarios.csv, map.html, coverage_map.png,
    travel_time_distribution.png, report.html and manifest.json into --out.

    Example:

        access15 demo --out out/demo --lang en
    """
    from access15.datasets import sample_paths
    from access15.pipeline import OutputOptions, Study
    from access15.siting.options import SitingOptions

    paths = sample_paths()
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        msg = (
            f"sample county files are missing ({missing[0]}); "
            "reinstall access15 or run `make sample`"
        )
        raise InputError(msg)
    title = "Synthetic sample county (not a real place) — 15-minute access"
    check_map_options(lang, basemap, tianditu_key)
    # the facility list (the OSM facilities with doctors and beds), in WGS-84
    facilities = Path(paths["osm"]).parent / "sample_facilities.csv"
    study = Study(
        paths["osm"],
        paths["population"],
        paths["county"],
        paths["townships"],
        facilities=facilities if facilities.is_file() else None,
        crs_in="wgs84" if facilities.is_file() else None,
        title=title,
    )
    supply = supply_options(
        index="2sfca", capacity="doctors", minutes=30, capacity_coverage="capacity"
    )
    outputs = OutputOptions(
        out_dir=out,
        basemap=basemap,
        tianditu_key=tianditu_key,
        lang=lang,
        extra_summary={"title": title, "synthetic": True},
    )
    _run(
        study,
        None,
        outputs,
        siting=SitingOptions(k=k),
        robustness=robustness,
        synthetic=True,
        supply=supply,
    )


# ----------------------------------------------------------------- shared runs
def _county(
    study: Study,
    cfg: Config,
    *,
    out: str | Path | None,
    basemap: str,
    tianditu_key: str | None = None,
    lang: str | None = None,
    only: set[str] | None = None,
    siting: SitingOptions | None = None,
    robustness: bool = False,
    supply: SupplyOptions | None = None,
) -> None:
    """Run one county from the flags of coverage/recommend/isochrones/map (default --out)."""
    import dataclasses

    from access15.io.areas import read_boundary
    from access15.outputs.files import safe_name
    from access15.pipeline import OutputOptions

    if out is None:
        name = read_boundary(study.boundary, crs_in=study.crs_in)["name"].iloc[0]
        out = Path("out") / safe_name(name)
    check_map_options(lang, basemap, tianditu_key)
    title = f"{Path(study.boundary).stem} — {cfg.levels[0].minutes:g}-minute access"
    outputs = OutputOptions(
        out_dir=out,
        only=frozenset(only) if only is not None else None,
        basemap=basemap,
        tianditu_key=tianditu_key,
        lang=lang,
    )
    _run(dataclasses.replace(study, title=title), cfg, outputs, siting, robustness, supply=supply)


def _run(
    study: Study,
    cfg: Config | None,
    outputs: OutputOptions,
    siting: SitingOptions | None,
    robustness: bool,
    *,
    synthetic: bool = False,
    supply: SupplyOptions | None = None,
) -> None:
    """Run the pipeline with a progress display, then print its summary."""
    from access15.pipeline import run_county

    _State.out = str(outputs.out_dir) if outputs.out_dir is not None else None
    with _progress() as progress:
        task = progress.add_task("starting", total=None)
        run = run_county(
            study,
            config=cfg,
            siting=siting,
            robustness=robustness,
            outputs=outputs,
            on_step=lambda label: progress.update(task, description=label),
            supply=supply,
        )
    if not _State.quiet:
        print_run(out_console, run, Path(outputs.out_dir or "."), synthetic=synthetic)


@app.command()
def coverage(
    population: PopOpt,
    boundary: BoundaryOpt,
    out: OutOpt = None,
    osm: OsmOpt = None,
    place: PlaceOpt = None,
    zones: ZonesOpt = None,
    facilities: FacOpt = "osm",
    crs_in: CrsOpt = None,
    mode: ModeOpt = "drive",
    minutes: MinutesOpt = None,
    config: ConfigOpt = None,
    basemap: BasemapOpt = "osm",
    tianditu_key: TiandituKeyOpt = None,
    lang: LangOpt = None,
    cache_dir: CacheOpt = None,
    capacity: CapacityCoverageOpt = None,
) -> None:
    """Who is within 15 minutes of a facility: tables, travel-time surface, gaps, map.

    Writes summary.json, coverage_by_zone.csv, travel_time.tif, facilities.geojson,
    cells.parquet, gaps.geojson, isochrones.geojson, map.html, coverage_map.png,
    travel_time_distribution.png, report.html (one page to print or pass on) and
    manifest.json into --out.

    Example (a facility list geocoded with AMap, i.e. GCJ-02):

        access15 coverage --osm county.osm.pbf --population worldpop.tif
        --boundary county.geojson --zones townships.geojson
        --facilities facilities.csv --crs-in gcj02 --out out/county

    With --capacity capacity: also the people within reach of a facility that has room for
    them (capacity_coverage.csv; exact, and AccessMod's sequential rule for comparison).
    """
    supply = supply_options(capacity_coverage=capacity) if capacity is not None else None
    study = build_study(
        osm,
        place,
        population,
        boundary,
        zones=zones,
        facilities=facilities,
        crs_in=crs_in,
        mode=mode,
        cache_dir=cache_dir,
    )
    cfg = build_config(config, minutes)
    _county(
        study, cfg, out=out, basemap=basemap, tianditu_key=tianditu_key, lang=lang, supply=supply
    )


@app.command()
def access(
    population: PopOpt,
    boundary: BoundaryOpt,
    out: OutOpt = None,
    osm: OsmOpt = None,
    place: PlaceOpt = None,
    zones: ZonesOpt = None,
    facilities: FacOpt = "osm",
    crs_in: CrsOpt = None,
    mode: ModeOpt = "drive",
    method: IndexMethodOpt = "2sfca",
    capacity: IndexCapacityOpt = "doctors",
    minutes: CatchmentOpt = None,
    config: ConfigOpt = None,
    basemap: BasemapOpt = "osm",
    tianditu_key: TiandituKeyOpt = None,
    lang: LangOpt = None,
    cache_dir: CacheOpt = None,
) -> None:
    """How much care per person is within reach: doctors (or beds) per 10,000 people, 2SFCA.

    For each facility, its doctors divided by the people within --minutes of it; for each
    place, the sum of those ratios over the facilities it reaches. Writes accessibility.csv
    (per township: index, doctors per 10,000 within reach, rank), a column named after the
    method and capacity (e.g. 2sfca_doctors) in cells.parquet, a map layer and a report
    section, besides the coverage outputs. Doctors and beds come from --facilities (columns
    doctors/医生数/执业医师, beds/床位数) or OSM tags; missing ones take the tier defaults of
    the config (placeholders: the summary says how many).

    Example:

        access15 access --osm county.osm.pbf --population worldpop.tif
        --boundary county.geojson --zones townships.geojson
        --facilities facilities.xlsx --method e2sfca --capacity doctors --minutes 30
    """
    supply = supply_options(index=method, capacity=capacity, minutes=minutes)
    study = build_study(
        osm,
        place,
        population,
        boundary,
        zones=zones,
        facilities=facilities,
        crs_in=crs_in,
        mode=mode,
        cache_dir=cache_dir,
    )
    cfg = build_config(config, None)
    _county(
        study, cfg, out=out, basemap=basemap, tianditu_key=tianditu_key, lang=lang, supply=supply
    )


@app.command()
def recommend(
    population: PopOpt,
    boundary: BoundaryOpt,
    out: OutOpt = None,
    k: KOpt = None,
    osm: OsmOpt = None,
    place: PlaceOpt = None,
    zones: ZonesOpt = None,
    facilities: FacOpt = "osm",
    crs_in: CrsOpt = None,
    mode: ModeOpt = "drive",
    minutes: MinutesOpt = None,
    config: ConfigOpt = None,
    basemap: BasemapOpt = "osm",
    tianditu_key: TiandituKeyOpt = None,
    lang: LangOpt = None,
    cache_dir: CacheOpt = None,
    robustness: RobustnessOpt = True,
    objective: ObjectiveOpt = "coverage",
    method: MethodOpt = "exact",
    must_include: MustIncludeOpt = None,
    exclude: ExcludeOpt = None,
    per_zone: PerZoneOpt = False,
    max_minutes_to_hospital: MaxHospitalOpt = None,
    budget: BudgetOpt = None,
    costs: CostsOpt = None,
    time_limit: TimeLimitOpt = 10.0,
    candidates: CandidatesOpt = None,
    grid_spacing: GridSpacingOpt = 2000.0,
    target_share: TargetShareOpt = None,
    site_capacity: SiteCapacityOpt = None,
) -> None:
    """Rank K township health centres to upgrade into sub-centres (plus all coverage outputs).

    The ranking maximises the population within 30 minutes of a sub-centre or the county
    hospital (configurable; --objective for mean or worst-case minutes); each site's added
    population is its marginal gain, so the list can be cut at any K. The exact optimum is
    proven by HiGHS or its gap is printed. Adds recommendations.csv/.geojson,
    coverage_curve.csv/.png, zones_before_after.csv and (unless --no-robustness)
    sensitivity.csv and sensitivity_scenarios.csv to the coverage outputs.

    Example:

        access15 recommend --osm county.osm.pbf --population worldpop.tif
        --boundary county.geojson --zones townships.geojson --k 5 --out out/county

    Constraints: --must-include 城关镇卫生院 --exclude node/123 --per-zone
    --max-minutes-to-hospital 40, or --costs costs.csv --budget 5000000.

    New sites instead of (or besides) upgrades: --candidates gaps --candidates nodes,
    or --candidates my_sites.csv (a CSV needs --crs-in, which applies to all your files).

    The fewest sites that reach a target instead of K: --target-share 0.9. Sites that can
    serve only so many people: --site-capacity 25000 (or a column of your sites).
    """
    from access15.siting.options import SitingOptions

    if (budget is None) != (costs is None):
        msg = "--budget and --costs go together: give both (costs per centre and the total)"
        raise InputError(msg)
    cost = read_costs(costs) if costs is not None else None
    sources = tuple(candidate_source(c, crs_in) for c in candidates or ("tier2",))
    with named_flags():  # the options check every value once; their errors name the flags
        siting = SitingOptions(
            k=k,
            objective=cast("Objective", objective),  # checked by SitingOptions
            method=cast("Method", method),
            candidates=sources,
            must_include=tuple(must_include or ()),
            exclude=tuple(exclude or ()),
            per_zone=per_zone,
            max_minutes_to_hospital=max_minutes_to_hospital,
            cost=cost,
            budget=budget,
            time_limit_s=time_limit,
            grid_spacing_m=grid_spacing,
            target_share=target_share,
            site_capacity=site_capacity_value(site_capacity),
        )
    study = build_study(
        osm,
        place,
        population,
        boundary,
        zones=zones,
        facilities=facilities,
        crs_in=crs_in,
        mode=mode,
        cache_dir=cache_dir,
    )
    cfg = build_config(config, minutes, k)
    _county(
        study,
        cfg,
        out=out,
        basemap=basemap,
        tianditu_key=tianditu_key,
        lang=lang,
        siting=siting,
        robustness=robustness,
    )


@app.command()
def isochrones(
    population: PopOpt,
    boundary: BoundaryOpt,
    out: OutOpt = None,
    osm: OsmOpt = None,
    place: PlaceOpt = None,
    facilities: FacOpt = "osm",
    crs_in: CrsOpt = None,
    mode: ModeOpt = "drive",
    config: ConfigOpt = None,
    cache_dir: CacheOpt = None,
) -> None:
    """Travel-time bands (5/10/15/30 min) as polygons, cut from the travel-time surface.

    Writes isochrones.geojson, travel_time.tif, summary.json and manifest.json. The polygons
    are exact unions of raster cells, so the people inside each band equal the band table.

    Example:

        access15 isochrones --osm county.osm.pbf --population worldpop.tif
        --boundary county.geojson --out out/iso
    """
    study = build_study(
        osm,
        place,
        population,
        boundary,
        facilities=facilities,
        crs_in=crs_in,
        mode=mode,
        cache_dir=cache_dir,
    )
    cfg = build_config(config, None)
    _county(study, cfg, out=out, basemap="none", only={"isochrones.geojson", "travel_time.tif"})


@app.command(name="map")
def map_(
    population: PopOpt,
    boundary: BoundaryOpt,
    out: OutOpt = None,
    osm: OsmOpt = None,
    place: PlaceOpt = None,
    zones: ZonesOpt = None,
    facilities: FacOpt = "osm",
    crs_in: CrsOpt = None,
    mode: ModeOpt = "drive",
    k: Annotated[
        int | None,
        typer.Option(
            "--k",
            "-k",
            min=1,
            help="Upgrades shown on the map (default: the configuration's k, 3).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOpt = None,
    basemap: BasemapOpt = "osm",
    tianditu_key: TiandituKeyOpt = None,
    lang: LangOpt = None,
    cache_dir: CacheOpt = None,
) -> None:
    """Draw the interactive map alone (map.html): travel times, facilities, upgrades.

    Example:

        access15 map --osm county.osm.pbf --population worldpop.tif
        --boundary county.geojson --basemap positron --out out/map
    """
    from access15.siting.options import SitingOptions

    study = build_study(
        osm,
        place,
        population,
        boundary,
        zones=zones,
        facilities=facilities,
        crs_in=crs_in,
        mode=mode,
        cache_dir=cache_dir,
    )
    cfg = build_config(config, None, k)
    _county(
        study,
        cfg,
        out=out,
        basemap=basemap,
        tianditu_key=tianditu_key,
        lang=lang,
        only={"map.html"},
        siting=SitingOptions(k=k),
    )


@app.command()
def fetch(
    place: Annotated[
        str | None, typer.Option("--place", help="Place name to geocode.", show_default=False)
    ] = None,
    boundary: Annotated[
        Path | None,
        typer.Option(
            "--boundary", help="Boundary polygon file instead of a place name.", show_default=False
        ),
    ] = None,
    crs_in: CrsOpt = None,
    cache_dir: CacheOpt = None,
) -> None:
    """Download and cache OSM roads and health facilities for a place or boundary.

    Later runs with the same --place (or boundary) work offline from the cache.

    Example:

        access15 fetch --place "Yuba County, California"
    """
    from access15.io.areas import read_boundary
    from access15.io.osm import download_osm

    if (place is None) == (boundary is None):
        msg = "give exactly one of --place NAME or --boundary FILE"
        raise InputError(msg)
    query: Any = place if boundary is None else read_boundary(boundary, crs_in=crs_in or None)
    with _progress() as progress:
        progress.add_task("downloading OSM roads and facilities", total=None)
        data = download_osm(query, cache_dir=cache_dir)
    out_console.print(
        f"{len(data.ways):,} highway ways, {len(data.refs):,} way nodes and "
        f"{len(data.facilities):,} health facilities cached; use --place with the same "
        "name (or the same boundary) to run offline"
    )


@app.command()
def batch(
    counties: CountiesArg,
    out: BatchOutOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    retries: RetriesOpt = 2,
    force: ForceOpt = False,
    basemap: BatchBasemapOpt = "none",
    cache_dir: CacheOpt = None,
) -> None:
    """Run many counties on a Dask cluster and roll the results up into one table and map.

    COUNTIES is a CSV, one row per county: id, osm (file or place name), population and
    boundary are required; name, zones, facilities, k, crs_in, mode, minutes, config and
    robustness are optional (blank = default); paths are relative to the CSV. The whole file
    is checked first and every problem listed. Each county runs as one task (into
    OUT/<id>/); a county with bad input is recorded as failed and the others go on,
    unexpected errors and dead workers are retried, and a rerun skips counties whose outputs
    are complete. Writes OUT/summary.csv, OUT/summary.parquet (GeoParquet), OUT/map.html
    (coverage by county) and OUT/batch.json. Exit code 1 when any county failed.

    Example:

        access15 batch counties.csv --out out/province --workers 8
    """
    from rich.progress import BarColumn, MofNCompleteColumn, TimeRemainingColumn

    from access15.batch import BatchOptions, read_counties, run_batch
    from access15.outputs.files import safe_name

    specs = read_counties(counties)  # every problem of the CSV, before any cluster starts
    out_dir = out if out is not None else Path("out") / safe_name(counties.stem, default="batch")
    options = BatchOptions(retries=retries, resume=not force, basemap=basemap, cache_dir=cache_dir)
    if not _State.debug:  # Dask's scheduler and nannies log at INFO through our root handler
        import distributed  # noqa: F401  (sets its loggers' levels on import; quiet them after)

        logging.getLogger("distributed").setLevel(logging.ERROR)
    progress = _progress(BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())

    def on_progress(rec: dict[str, Any], done: int, total: int) -> None:
        progress.update(task, completed=done, description=f"{rec['id']}: {rec['status']}")
        if progress.disable and not _State.quiet:
            err = f" ({rec['error']})" if rec.get("error") else ""
            err_console.print(
                f"[{done}/{total}] {rec['id']}: {rec['status']}{err}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )

    _State.batch = True  # Ctrl-C from here on: finished counties are kept, rerun resumes
    with progress:
        task = progress.add_task(f"{len(specs)} counties", total=len(specs))
        result = run_batch(
            specs, out_dir, options, scheduler=scheduler, workers=workers, on_progress=on_progress
        )
    if not _State.quiet:
        print_batch(out_console, result)
    if result.counts["failed"]:
        err_console.print(
            f"error: {result.counts['failed']} of {len(result.summary)} counties failed; their "
            f"errors are in {result.out_dir / 'summary.csv'}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(code=1)


@app.command()
def config() -> None:
    """Print the default configuration as editable TOML.

    Example:

        access15 config > my.toml    # edit speeds, thresholds, tiers; then --config my.toml
    """
    from access15.config import config_to_toml

    out_console.file.write(config_to_toml())
    out_console.file.flush()


def main() -> None:
    """Console entry point with the exit-code contract (0 ok, 2 bad input, 1 other, 130 Ctrl-C).

    Every failure is one line on stderr: usage errors (a missing option, ``--minutes abc``) as
    ``error: ...; see `access15 CMD --help``` with exit code 2, errors raised by the library as
    ``error: ...``, Ctrl-C as ``interrupted; ...`` with exit code 130. ``--debug`` shows the
    traceback of library errors.
    """
    debug = "--debug" in sys.argv
    if not debug:
        logging.captureWarnings(True)
    try:
        code = app(standalone_mode=False)
    except _UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `access15` alone: the help is printed
            sys.exit(exc.exit_code)
        _fail(_usage_message(exc), exc.exit_code)
    except typer.Abort:
        _fail("error: aborted", 1)
    except (_InterruptedError, KeyboardInterrupt):
        _fail(_interrupted_message(), 130)
    except Access15Error as exc:
        if debug:
            raise
        _fail(f"error: {exc}", 2 if isinstance(exc, InputError) else 1)
    except Exception as exc:
        if debug:
            raise
        _fail(f"error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)", 1)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    """Print ``message`` as one line on stderr and exit with ``code``."""
    line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    err_console.print(line, highlight=False, soft_wrap=True, markup=False)
    sys.exit(code)


def _usage_message(exc: _UsageError) -> str:
    """One line for a usage error of click/typer, pointing at the command's help."""
    text = exc.format_message().strip().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += f"; see `{ctx.command_path} --help`"
    return f"error: {text}"


def _interrupted_message() -> str:
    """Return the Ctrl-C line: what is on disk now."""
    if _State.batch:
        return (
            "interrupted; counties finished so far are complete on disk, the one in progress "
            "was not written; run the same command again to resume"
        )
    if _State.out is not None:
        return f"interrupted; {_State.out} left as it was"
    return "interrupted; no outputs were changed"


if __name__ == "__main__":
    main()
