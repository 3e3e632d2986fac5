"""The ``access15`` command line: parses, calls the library, prints.

Exit codes: 0 success, 2 bad input or usage (one clear line on stderr, no traceback unless
``--debug``), 1 anything else.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from access15.errors import Access15Error, InputError

if TYPE_CHECKING:
    from access15.pipeline import CountyRun

app = typer.Typer(
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


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show full tracebacks and debug logging.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    _State.debug = debug
    _State.quiet = quiet
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=_State.quiet or not err_console.is_terminal,
    )


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the outputs (created if missing).")
    ] = Path("out/demo"),
    k: Annotated[int, typer.Option("--k", "-k", min=1, help="Township centres to upgrade.")] = 3,
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness/--no-robustness",
            help="Rerun the ranking with speeds ±20 % and the threshold ±5 min (9 scenarios).",
        ),
    ] = True,
    lang: LangOpt = None,
    basemap: Annotated[
        str,
        typer.Option(
            "--basemap",
            help="Map background: none (default: the sample's roads are not real), osm, "
            "positron or tianditu.",
        ),
    ] = "none",
    tianditu_key: TiandituKeyOpt = None,
) -> None:
    """Run the full pipeline on the bundled SYNTHETIC sample county.

    Reads the sample's OSM roads (PBF), facilities and WorldPop-style population raster,
    computes who is within 15 minutes of a facility by car, ranks K township health centres to
    upgrade to sub-centres (30-minute coverage), and writes summary.json,
    coverage_by_zone.csv, travel_time.tif, facilities.geojson, cells.parquet, gaps.geojson,
    isochrones.geojson, recommendations.csv/.geojson, coverage_curve.csv/.png,
    zones_before_after.csv, sensitivity.csv, sensitivity_scenarios.csv, map.html,
    coverage_map.png, travel_time_distribution.png, report.html and manifest.json into --out.

    Example:

        access15 demo --out out/demo --lang en
    """
    from access15.datasets import sample_paths
    from access15.pipeline import run_county

    paths = sample_paths()
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        msg = (
            f"sample county files are missing ({missing[0]}); "
            "reinstall access15 or run `make sample`"
        )
        raise InputError(msg)
    title = "Synthetic sample county (not a real place) — 15-minute access"
    _check_map_options(lang, basemap, tianditu_key)
    with _progress() as progress:
        task = progress.add_task("starting", total=None)
        run = run_county(
            osm=paths["osm"],
            population=paths["population"],
            boundary=paths["county"],
            zones=paths["townships"],
            k=k,
            robustness=robustness,
            title=title,
            basemap=None if basemap == "none" else basemap,
            tianditu_key=tianditu_key,
            lang=lang,
            out_dir=out,
            on_step=lambda label: progress.update(task, description=label),
            extra_summary={"title": title, "synthetic": True},
        )
    if not _State.quiet:
        _print_summary(run, out, synthetic=True)


# ----------------------------------------------------------------- shared options
OsmOpt = Annotated[
    str | None,
    typer.Option(
        "--osm",
        help="OSM roads + health facilities: .osm.pbf, .osm, .osm.bz2 or osmnx .graphml.",
        show_default=False,
    ),
]
PlaceOpt = Annotated[
    str | None,
    typer.Option(
        "--place",
        help="Download roads for a place name instead of --osm (needs internet once; cached).",
        show_default=False,
    ),
]
PopOpt = Annotated[
    Path,
    typer.Option(
        "--population",
        help="Population GeoTIFF (e.g. WorldPop), or points CSV/GeoJSON with a population column.",
        show_default=False,
    ),
]
BoundaryOpt = Annotated[
    Path,
    typer.Option(
        "--boundary", help="County boundary polygon (GeoJSON/GeoPackage).", show_default=False
    ),
]
ZonesOpt = Annotated[
    Path | None,
    typer.Option(
        "--zones", help="Township polygons with zone_id and name columns.", show_default=False
    ),
]
FacOpt = Annotated[
    str,
    typer.Option(
        "--facilities",
        help="Facility list (CSV with lon/lat/name/tier, or GeoJSON), or 'osm' for the OSM ones.",
    ),
]
CrsOpt = Annotated[
    str | None,
    typer.Option(
        "--crs-in",
        help="Coordinates of your files: gcj02 (AMap, Tencent), bd09 (Baidu), wgs84 or EPSG:n.",
        show_default=False,
    ),
]
ModeOpt = Annotated[str, typer.Option("--mode", help="Travel mode: drive, ebike or walk.")]
MinutesOpt = Annotated[
    float | None,
    typer.Option(
        "--minutes",
        help="Threshold of the headline service level (default 15 min).",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", help="TOML configuration (see `access15 config`).", show_default=False
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Output folder (created; files replaced atomically). Default: out/<county name>.",
        show_default=False,
    ),
]
BasemapOpt = Annotated[
    str,
    typer.Option(
        "--basemap",
        help="Map background: osm, positron, tianditu (needs --tianditu-key) or none.",
    ),
]
TiandituKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--tianditu-key",
        envvar="TIANDITU_KEY",
        show_envvar=True,
        show_default=False,
        help="Tianditu browser key for --basemap tianditu (written into map.html).",
    ),
]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Labels of map.html, figures and report.html: zh or en "
        "(default: zh when the county's names are Chinese).",
        show_default=False,
    ),
]
CacheOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        help="Cache of downloads and networks (default $ACCESS15_CACHE or ~/.cache/access15).",
        show_default=False,
    ),
]

_CRS_WORDS = ("gcj02", "bd09", "wgs84")


def _check_common(osm: str | None, place: str | None, crs_in: str | None) -> str:
    if (osm is None) == (place is None):
        msg = "give exactly one of --osm FILE or --place NAME"
        raise InputError(msg)
    if crs_in is not None and crs_in.lower() not in _CRS_WORDS:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            CRS.from_user_input(crs_in)
        except CRSError:
            msg = f"--crs-in {crs_in!r} is not a CRS; use gcj02, bd09, wgs84 or EPSG:<code>"
            raise InputError(msg) from None
    return str(osm if osm is not None else place)


def _config(config: Path | None, minutes: float | None, k: int | None = None):
    from dataclasses import replace

    from access15.config import load_config

    cfg = load_config(config, k=k)
    if minutes is not None:
        if not minutes > 0:
            msg = f"--minutes must be > 0, got {minutes:g}"
            raise InputError(msg)
        head = replace(
            cfg.levels[0], minutes=minutes, label=f"{cfg.levels[0].name} within {minutes:g} min"
        )
        cfg = replace(cfg, levels=(head, *cfg.levels[1:]))
    return cfg


def _check_map_options(lang: str | None, basemap: str, tianditu_key: str | None) -> None:
    """Refuse a bad --lang, --basemap or a Tianditu basemap without a key, before any work."""
    from access15.outputs.labels import resolve_lang
    from access15.outputs.maps import BASEMAPS, check_basemap

    if lang is not None:
        resolve_lang(lang)
    if basemap not in BASEMAPS:
        msg = f"--basemap {basemap!r} is not one of {', '.join(BASEMAPS)}"
        raise InputError(msg)
    if basemap == "tianditu" and not (tianditu_key or "").strip():
        msg = (
            "--basemap tianditu needs a Tianditu key: pass --tianditu-key KEY or set "
            "TIANDITU_KEY (a free browser key from the Tianditu developer console)"
        )
        raise InputError(msg)
    check_basemap(basemap, tianditu_key)


def _run(
    *,
    osm: str | None,
    place: str | None,
    population: Path,
    boundary: Path,
    facilities: str,
    crs_in: str | None,
    mode: str,
    config: Path | None,
    out: Path | None,
    cache_dir: Path | None,
    zones: Path | None = None,
    minutes: float | None = None,
    basemap: str = "none",
    k: int | None = None,
    recommend: bool = False,
    robustness: bool = False,
    only: set[str] | None = None,
    lang: str | None = None,
    tianditu_key: str | None = None,
    siting: dict[str, object] | None = None,
) -> None:
    from access15.pipeline import run_county

    source = _check_common(osm, place, crs_in)
    cfg = _config(config, minutes, k)
    if out is None:
        from access15.io.areas import read_boundary
        from access15.outputs.files import safe_name

        name = read_boundary(boundary, **({"crs_in": crs_in} if crs_in else {}))["name"].iloc[0]
        out = Path("out") / safe_name(name)
    _check_map_options(lang, basemap, tianditu_key)
    with _progress() as progress:
        task = progress.add_task("starting", total=None)
        run = run_county(
            osm=source,
            population=population,
            boundary=boundary,
            zones=zones,
            facilities=facilities,
            crs_in=crs_in,
            config=cfg,
            mode=mode,
            k=k,
            recommend=recommend,
            robustness=robustness,
            siting=siting,
            title=f"{Path(boundary).stem} — {cfg.levels[0].minutes:g}-minute access",
            basemap=None if basemap == "none" else basemap,
            tianditu_key=tianditu_key,
            lang=lang,
            out_dir=out,
            only=only,
            cache_dir=cache_dir,
            on_step=lambda label: progress.update(task, description=label),
        )
    if not _State.quiet:
        _print_summary(run, out)


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
    """
    _run(**locals())


@app.command()
def recommend(
    population: PopOpt,
    boundary: BoundaryOpt,
    out: OutOpt = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, help="Township centres to upgrade.")] = 3,
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
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness/--no-robustness",
            help="Rerun the ranking with speeds ±20 % and the threshold ±5 min (9 scenarios) "
            "and report how often each site stays in the top K (sensitivity.csv).",
        ),
    ] = True,
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            help="coverage (most people within the level's minutes), median (lowest mean "
            "minutes), center (lowest worst-cell minutes) or center-zone (lowest worst "
            "township mean).",
        ),
    ] = "coverage",
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="exact (HiGHS MILP, optimality proven or the gap reported), swap "
            "(greedy + 1-swap) or greedy (marginal-gain ranking only).",
        ),
    ] = "exact",
    must_include: Annotated[
        list[str] | None,
        typer.Option(
            "--must-include",
            help="A centre that must be upgraded (site_id or name; repeat the option).",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="A centre that must not be upgraded (site_id or name; repeat the option).",
            show_default=False,
        ),
    ] = None,
    per_zone: Annotated[
        bool,
        typer.Option("--per-zone", help="At least one upgrade in every township (片区)."),
    ] = False,
    max_minutes_to_hospital: Annotated[
        float | None,
        typer.Option(
            "--max-minutes-to-hospital",
            help="Only centres within this many minutes of the county hospital are eligible.",
            show_default=False,
        ),
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            help="Total cost allowed (with --costs); K then only caps the number of sites.",
            show_default=False,
        ),
    ] = None,
    costs: Annotated[
        Path | None,
        typer.Option(
            "--costs",
            help="CSV with site (site_id or name) and cost columns: cost of upgrading each centre.",
            show_default=False,
        ),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option("--time-limit", help="Seconds the exact solver may use per solve."),
    ] = 10.0,
    candidates: Annotated[
        list[str] | None,
        typer.Option(
            "--candidates",
            help="Where sites may go (repeat to combine): tier2 (the township centres, "
            "default), gaps (centres of the uncovered clusters), nodes (one road node per "
            "--grid-spacing square with people) or a CSV/GeoJSON of your own sites (site_id, "
            "name, lon/lat, optional cost; CSV needs --crs-in).",
            show_default=False,
        ),
    ] = None,
    grid_spacing: Annotated[
        float,
        typer.Option("--grid-spacing", help="Square size for --candidates nodes, metres."),
    ] = 2000.0,
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
    """
    siting = _siting_options(
        objective=objective,
        method=method,
        must_include=must_include,
        exclude=exclude,
        per_zone=per_zone,
        max_minutes_to_hospital=max_minutes_to_hospital,
        budget=budget,
        costs=costs,
        time_limit=time_limit,
        candidates=candidates,
        grid_spacing=grid_spacing,
        crs_in=crs_in,
    )
    _run(
        osm=osm,
        place=place,
        population=population,
        boundary=boundary,
        facilities=facilities,
        crs_in=crs_in,
        mode=mode,
        config=config,
        out=out,
        cache_dir=cache_dir,
        zones=zones,
        minutes=minutes,
        basemap=basemap,
        k=k,
        recommend=True,
        robustness=robustness,
        lang=lang,
        tianditu_key=tianditu_key,
        siting=siting,
    )


def _siting_options(
    *,
    objective: str,
    method: str,
    must_include: list[str] | None,
    exclude: list[str] | None,
    per_zone: bool,
    max_minutes_to_hospital: float | None,
    budget: float | None,
    costs: Path | None,
    time_limit: float,
    candidates: list[str] | None = None,
    grid_spacing: float = 2000.0,
    crs_in: str | None = None,
) -> dict[str, object]:
    """Check the siting flags before any work and turn them into recommend_upgrades options."""
    from access15.siting import OBJECTIVES

    if objective not in OBJECTIVES:
        msg = f"--objective {objective!r} is not one of {', '.join(OBJECTIVES)}"
        raise InputError(msg)
    if method not in ("exact", "swap", "greedy"):
        msg = f"--method {method!r} is not one of exact, swap, greedy"
        raise InputError(msg)
    if max_minutes_to_hospital is not None and not max_minutes_to_hospital > 0:
        msg = f"--max-minutes-to-hospital must be > 0, got {max_minutes_to_hospital:g}"
        raise InputError(msg)
    if not time_limit > 0:
        msg = f"--time-limit must be > 0 seconds, got {time_limit:g}"
        raise InputError(msg)
    if (budget is None) != (costs is None):
        msg = "--budget and --costs go together: give both (costs per centre and the total)"
        raise InputError(msg)
    opts: dict[str, object] = {"objective": objective, "method": method}
    opts["time_limit_s"] = time_limit
    if must_include:
        opts["must_include"] = list(must_include)
    if exclude:
        opts["exclude"] = list(exclude)
    if per_zone:
        opts["per_zone"] = True
    if max_minutes_to_hospital is not None:
        opts["max_minutes_to_hospital"] = max_minutes_to_hospital
    if budget is not None and costs is not None:
        if not budget > 0:
            msg = f"--budget must be > 0, got {budget:g}"
            raise InputError(msg)
        opts["budget"] = budget
        opts["cost"] = _read_costs(costs)
    if not grid_spacing > 0:
        msg = f"--grid-spacing must be > 0 metres, got {grid_spacing:g}"
        raise InputError(msg)
    if candidates:
        opts["candidates"] = [_candidate_source(c, crs_in) for c in candidates]
        opts["candidate_options"] = {"spacing_m": grid_spacing}
    return opts


def _candidate_source(value: str, crs_in: str | None) -> object:
    """One --candidates value: a generated source's name, or the sites read from a file."""
    from access15.io.facilities import read_sites

    if value in ("tier2", "gaps", "nodes"):
        return value
    if not Path(value).is_file():
        msg = (
            f"--candidates {value!r} is neither tier2, gaps, nodes nor an existing file; "
            "give one of those or the path of a CSV/GeoJSON of sites"
        )
        raise InputError(msg)
    return read_sites(value, crs_in=crs_in)


def _read_costs(path: Path) -> dict[str, float]:
    """Read a costs CSV (site or site_id or name, and cost) into {site: cost}."""
    import pandas as pd

    if not path.is_file():
        msg = f"--costs file {str(path)!r} does not exist"
        raise InputError(msg)
    try:
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        msg = f"--costs {str(path)!r} is not a readable UTF-8 CSV ({e})"
        raise InputError(msg) from None
    cols = {c.strip().lower(): c for c in df.columns}
    key = next((cols[c] for c in ("site_id", "site", "name", "名称") if c in cols), None)
    val = next((cols[c] for c in ("cost", "费用", "成本") if c in cols), None)
    if key is None or val is None:
        msg = (
            f"--costs {str(path)!r} needs a site column (site_id, site or name) and a cost "
            f"column; found {', '.join(map(str, df.columns))}"
        )
        raise InputError(msg)
    cost = pd.to_numeric(df[val], errors="coerce")
    bad = df[key][cost.isna() | (cost < 0)]
    if len(bad):
        msg = f"--costs: cost missing or negative for {', '.join(bad.astype(str).head(5))}"
        raise InputError(msg)
    return dict(zip(df[key].astype(str), cost.astype(float), strict=True))


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
    _run(
        **locals(),
        zones=None,
        minutes=None,
        basemap="none",
        only={"isochrones.geojson", "travel_time.tif"},
    )


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
    k: Annotated[int, typer.Option("--k", "-k", min=1, help="Upgrades shown on the map.")] = 3,
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
    _run(**locals(), minutes=None, recommend=True, only={"map.html"})


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
    query = (
        place
        if place is not None
        else read_boundary(boundary, **({"crs_in": crs_in} if crs_in else {}))
    )
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
    counties: Annotated[
        Path,
        typer.Argument(help="CSV with one row per county (columns below).", show_default=False),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Batch folder: one sub-folder per county, summary.csv/.parquet, map.html. "
            "Default: out/<CSV name>.",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Address of a running Dask scheduler (tcp://host:8786), e.g. from "
            "dask-jobqueue (Slurm/PBS) or Kubernetes; default: start a local cluster.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Local cluster: worker processes (default: one per core). With --scheduler: "
            "wait until this many workers are connected.",
            show_default=False,
        ),
    ] = None,
    retries: Annotated[
        int,
        typer.Option(
            "--retries", min=0, help="Extra attempts after an unexpected error or a dead worker."
        ),
    ] = 2,
    force: Annotated[
        bool, typer.Option("--force", help="Rerun counties whose outputs are already complete.")
    ] = False,
    basemap: Annotated[
        str, typer.Option("--basemap", help="Map background: none, osm, positron or tianditu.")
    ] = "none",
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

    from access15.batch import read_counties, run_batch
    from access15.outputs.files import safe_name

    specs = read_counties(counties)  # every problem of the CSV, before any cluster starts
    out = out if out is not None else Path("out") / safe_name(counties.stem, default="batch")
    if not _State.debug:  # Dask's scheduler and nannies log at INFO through our root handler
        import distributed  # noqa: F401  (sets its loggers' levels on import; quiet them after)

        logging.getLogger("distributed").setLevel(logging.ERROR)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=_State.quiet or not err_console.is_terminal,
    )

    def on_progress(rec: dict, done: int, total: int) -> None:
        progress.update(task, completed=done, description=f"{rec['id']}: {rec['status']}")
        if progress.disable and not _State.quiet:
            err = f" ({rec['error']})" if rec.get("error") else ""
            err_console.print(
                f"[{done}/{total}] {rec['id']}: {rec['status']}{err}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )

    with progress:
        task = progress.add_task(f"{len(specs)} counties", total=len(specs))
        result = run_batch(
            specs,
            out,
            scheduler=scheduler,
            workers=workers,
            retries=retries,
            resume=not force,
            basemap=None if basemap == "none" else basemap,
            cache_dir=cache_dir,
            on_progress=on_progress,
        )
    c = result.counts
    if not _State.quiet:
        out_console.print(
            f"[bold]access15 batch[/bold] — {len(result.summary)} counties in "
            f"{result.seconds:.1f} s on {result.workers} workers: {c['ok']} ok, "
            f"{c['skipped-complete']} already complete, {c['failed']} failed"
        )
        failed = result.failed
        if len(failed):
            t = Table(title="Failed counties")
            for col in ("id", "name", "attempts", "error"):
                t.add_column(col)
            for r in failed.head(20).itertuples():
                t.add_row(str(r.id), str(r.name), str(r.attempts), str(r.error))
            out_console.print(t)
        out_console.print(
            f"outputs in {result.out_dir}/: summary.csv, summary.parquet, map.html, batch.json "
            "and one folder per county"
        )
    if c["failed"]:
        err_console.print(
            f"error: {c['failed']} of {len(result.summary)} counties failed; their errors are "
            f"in {result.out_dir / 'summary.csv'}",
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


def _print_summary(run: CountyRun, out: Path, *, synthetic: bool = False) -> None:
    s = run.coverage.summary
    label = " (synthetic sample county, not a real place)" if synthetic else ""
    out_console.print(f"[bold]access15[/bold] — {run.boundary['name'].iloc[0]}{label}")
    out_console.print(
        f"population {s['population_total']:,.0f}; road network {run.network.n_nodes:,} nodes, "
        f"{run.network.stats.road_km:,.0f} km; facilities "
        + ", ".join(
            f"tier {t}: {n}" for t, n in sorted(s["facilities"]["by_tier"].items(), reverse=True)
        )
    )
    # data quality first: it says when a figure is not to be trusted
    if s.get("diagnostics"):
        for d in s["diagnostics"]:
            out_console.print(f"[yellow]data quality:[/yellow] {d}", highlight=False)
    else:
        out_console.print("data quality: no warnings (road coverage, snapping, facility positions)")
    table = Table(title="Coverage by service level")
    for col, right in (
        ("service level", False),
        ("threshold", True),
        ("people covered", True),
        ("share", True),
    ):
        table.add_column(col, justify="right" if right else "left")
    for name, lv in s["levels"].items():
        table.add_row(
            f"{name} (tier ≥ {lv['min_tier']})",
            f"{lv['minutes']:g} min",
            f"{lv['covered_population']:,.0f}",
            f"{lv['covered_share']:.1%}",
        )
    out_console.print(table)
    out_console.print(
        f"minutes to nearest facility: p50 {s['minutes_p50']:.1f}, p90 {s['minutes_p90']:.1f}, "
        f"max {s['minutes_max']:.1f}; Gini {s['gini_minutes']:.2f}; "
        "people per band: " + ", ".join(f"{b['band']} {b['population']:,.0f}" for b in s["bands"])
    )
    head = next(iter(s["levels"]))
    if s.get("worst_zones"):
        out_console.print(
            "worst-served townships: "
            + ", ".join(f"{z['name']} {z[f'share_{head}']:.0%}" for z in s["worst_zones"][:3])
        )
    g = s["gaps"]
    if g["clusters"]:
        big = g["largest"][0]
        out_console.print(
            f"gaps: {g['significant_clusters']} uncovered clusters of ≥ "
            f"{g['min_people_significant']:g} people ({g['significant_population']:,.0f} "
            f"people; largest {big['gap_id']}, {big['population']:,.0f} people, "
            f"{big['max_minutes']:.0f} min) and {g['clusters'] - g['significant_clusters']} "
            f"scattered smaller groups ({g['population'] - g['significant_population']:,.0f} "
            "people); see gaps.geojson"
        )
    r = s["referral"]
    out_console.print(
        f"referral: {r['township_centres_over_target']} of {r['township_centres']} township "
        f"centres over {r['township_to_hospital_target_minutes']:g} min to the county hospital; "
        f"{r['village_clinics_over_target']} of {r['village_clinics']} village clinics over "
        f"{r['clinic_to_township_target_minutes']:g} min to a township centre"
    )
    rec = run.recommendation
    if rec is not None:
        what = "Township centres to upgrade" if rec.upgrades_only else "Sites to upgrade or open"
        t = Table(title=f"{what} first ({rec.level.label})")
        sens = run.sensitivity
        robust = (
            dict(zip(sens.stability["site_id"], sens.stability["share"], strict=True))
            if sens is not None
            else None
        )
        cols = ["rank", "site", "name", "+people", "cumulative share"]
        if robust is not None:
            cols.append(f"in top {len(rec.ranking)} of {len(sens.scenarios)} scenarios")
        for col in cols:
            t.add_column(col, justify="right" if col in ("rank", "+people") else "left")
        base = rec.baseline_covered / rec.population_total
        t.add_row("0", "", "(today)", "", f"{base:.1%}", *([""] if robust is not None else []))
        for r_ in rec.ranking.itertuples():
            extra = []
            if robust is not None:
                share = robust.get(r_.site_id, 0.0)
                extra.append(f"{round(share * len(sens.scenarios))} ({share:.0%})")
            t.add_row(
                str(r_.rank),
                r_.site_id,
                str(r_.name),
                f"{r_.added_population:,.0f}",
                f"{r_.cumulative_share:.1%}",
                *extra,
            )
        out_console.print(t)
        gap = "" if rec.proven else f", gap ≤ {rec.gap:.2%} to the bound {rec.bound:,.0f}"
        out_console.print(
            f"method: {rec.method}; optimality {'proven' if rec.proven else 'NOT proven'}{gap}"
        )
    out_console.print(f"outputs in {out}/: " + ", ".join(sorted(run.outputs)))


def main() -> None:
    """Console entry point with the exit-code contract (0 ok, 2 bad input, 1 other).

    Typer (standalone mode) reports usage errors itself with exit code 2; errors raised by the
    library are turned into one line on stderr here.
    """
    debug = "--debug" in sys.argv
    if not debug:
        logging.captureWarnings(True)
    try:
        app()
    except Access15Error as exc:
        if debug:
            raise
        exit_code = 2 if isinstance(exc, InputError) else 1
        err_console.print(f"error: {exc}", highlight=False, soft_wrap=True, markup=False)
        sys.exit(exit_code)
    except KeyboardInterrupt:
        if len(sys.argv) > 1 and "batch" in sys.argv[1:]:
            err_console.print(
                "interrupted; counties finished so far are complete on disk, the one in progress "
                "was not written; run the same command again to resume"
            )
        else:
            err_console.print("interrupted; no outputs were changed")
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        err_console.print(
            f"error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
