"""The command-line options shared by the ``access15`` commands (typer ``Annotated`` types).

Each alias is one option with its flag, help text and default display; a command declares a
parameter of that type. Only typer is imported here, so ``--help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "SITING_FLAGS",
    "BasemapOpt",
    "BatchBasemapOpt",
    "BatchOutOpt",
    "BoundaryOpt",
    "BudgetOpt",
    "CacheOpt",
    "CandidatesOpt",
    "CapacityCoverageOpt",
    "CatchmentOpt",
    "ConfigOpt",
    "CostsOpt",
    "CountiesArg",
    "CrsOpt",
    "DemoBasemapOpt",
    "DemoOutOpt",
    "ExcludeOpt",
    "FacOpt",
    "ForceOpt",
    "GridSpacingOpt",
    "IndexCapacityOpt",
    "IndexMethodOpt",
    "KOpt",
    "LangOpt",
    "MaxHospitalOpt",
    "MethodOpt",
    "MinutesOpt",
    "ModeOpt",
    "MustIncludeOpt",
    "ObjectiveOpt",
    "OsmOpt",
    "OutOpt",
    "PerZoneOpt",
    "PlaceOpt",
    "PopOpt",
    "RetriesOpt",
    "RobustnessOpt",
    "SchedulerOpt",
    "SiteCapacityOpt",
    "TargetShareOpt",
    "TiandituKeyOpt",
    "TimeLimitOpt",
    "WorkersOpt",
    "ZonesOpt",
]

# --------------------------------------------------------------------------- inputs
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
        help="Facility list (CSV/XLSX with lon/lat, name, tier and optional doctors/beds, or "
        "GeoJSON), or 'osm' for the OSM ones.",
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
CacheOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        help="Cache of downloads and networks (default $ACCESS15_CACHE or ~/.cache/access15).",
        show_default=False,
    ),
]

# --------------------------------------------------------------------------- outputs
OutOpt = Annotated[
    str | None,
    typer.Option(
        "--out",
        "-o",
        metavar="<path>",
        help="Output folder, access15's own: each run swaps in a complete new set and removes "
        "the old one; a folder of other files (no manifest.json) is refused, not emptied. "
        "Default: out/<county name>.",
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

# --------------------------------------------------------------------------- siting (recommend)
KOpt = Annotated[
    int | None,
    typer.Option(
        "--k",
        "-k",
        min=1,
        help="Township centres to upgrade (default: the configuration's k, 3).",
        show_default=False,
    ),
]
RobustnessOpt = Annotated[
    bool,
    typer.Option(
        "--robustness/--no-robustness",
        help="Rerun the ranking with speeds ±20 % and the threshold ±5 min (9 scenarios) "
        "and report how often each site stays in the top K (sensitivity.csv).",
    ),
]
ObjectiveOpt = Annotated[
    str,
    typer.Option(
        "--objective",
        help="coverage (most people within the level's minutes), median (lowest mean "
        "minutes), center (lowest worst-cell minutes) or center-zone (lowest worst "
        "township mean).",
    ),
]
MethodOpt = Annotated[
    str,
    typer.Option(
        "--method",
        help="exact (HiGHS MILP, optimality proven or the gap reported), swap "
        "(greedy + 1-swap) or greedy (marginal-gain ranking only).",
    ),
]
MustIncludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--must-include",
        help="A centre that must be upgraded (site_id or name; repeat the option).",
        show_default=False,
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help="A centre that must not be upgraded (site_id or name; repeat the option).",
        show_default=False,
    ),
]
PerZoneOpt = Annotated[
    bool,
    typer.Option("--per-zone", help="At least one upgrade in every township (片区)."),
]
MaxHospitalOpt = Annotated[
    float | None,
    typer.Option(
        "--max-minutes-to-hospital",
        help="Only centres within this many minutes of the county hospital are eligible.",
        show_default=False,
    ),
]
BudgetOpt = Annotated[
    float | None,
    typer.Option(
        "--budget",
        help="Total cost allowed (with --costs); K then only caps the number of sites.",
        show_default=False,
    ),
]
CostsOpt = Annotated[
    Path | None,
    typer.Option(
        "--costs",
        help="CSV with site (site_id or name) and cost columns: cost of upgrading each centre.",
        show_default=False,
    ),
]
TimeLimitOpt = Annotated[
    float,
    typer.Option("--time-limit", help="Seconds the exact solver may use per solve."),
]
CandidatesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--candidates",
        help="Where sites may go (repeat to combine): tier2 (the township centres, "
        "default), gaps (centres of the uncovered clusters), nodes (one road node per "
        "--grid-spacing square with people) or a CSV/GeoJSON of your own sites (site_id, "
        "name, lon/lat, optional cost; CSV needs --crs-in).",
        show_default=False,
    ),
]
GridSpacingOpt = Annotated[
    float,
    typer.Option("--grid-spacing", help="Square size for --candidates nodes, metres."),
]

TargetShareOpt = Annotated[
    float | None,
    typer.Option(
        "--target-share",
        help="Instead of --k: the fewest sites that bring this share of the people within "
        "the level's minutes (0.9 = 90 %; exact). --k and --budget then only cap it.",
        show_default=False,
    ),
]
SiteCapacityOpt = Annotated[
    str | None,
    typer.Option(
        "--site-capacity",
        help="People a new or upgraded site can serve: one number for every site (e.g. 25000), "
        "upgrade (each centre's doctors plus the upgrade's, x people_per_doctor of the config) "
        "or a column of --candidates sites; the ranking then counts only people a site has "
        "room for (capacitated, exact).",
        show_default=False,
    ),
]

# --------------------------------------------------------------------------- supply
CapacityCoverageOpt = Annotated[
    str | None,
    typer.Option(
        "--capacity",
        help="Also count people within reach of a facility with room for them: capacity in "
        "people from this facility column (capacity: given, else doctors x people_per_doctor; "
        "doctors; or a numeric column). Writes capacity_coverage.csv.",
        show_default=False,
    ),
]
IndexMethodOpt = Annotated[
    str,
    typer.Option(
        "--method",
        help="Index: 2sfca (binary catchment), e2sfca (time bands), g2sfca (Gaussian), "
        "3sfca, raam or tiered (2SFCA per service level).",
    ),
]
IndexCapacityOpt = Annotated[
    str,
    typer.Option(
        "--capacity",
        help="Facility column of supply: doctors, beds, capacity (people) or any numeric "
        "column of --facilities; missing values take the tier defaults of the config.",
    ),
]
CatchmentOpt = Annotated[
    float | None,
    typer.Option(
        "--minutes",
        help="Catchment of the index, minutes (default: the headline level's, 15).",
        show_default=False,
    ),
]

# --------------------------------------------------------------------------- demo
DemoOutOpt = Annotated[
    str,
    typer.Option(
        "--out",
        "-o",
        metavar="<path>",
        help="Output folder, access15's own: each run replaces its whole contents; a folder "
        "of other files (no manifest.json) is refused.",
    ),
]
DemoBasemapOpt = Annotated[
    str,
    typer.Option(
        "--basemap",
        help="Map background: none (default: the sample's roads are not real), osm, "
        "positron or tianditu.",
    ),
]

# --------------------------------------------------------------------------- batch
CountiesArg = Annotated[
    Path,
    typer.Argument(help="CSV with one row per county (columns below).", show_default=False),
]
BatchOutOpt = Annotated[
    str | None,
    typer.Option(
        "--out",
        "-o",
        metavar="<path>",
        help="Batch folder: one sub-folder per county (replaced as a whole by each run of it), "
        "summary.csv/.parquet, map.html; symbolic links inside it are refused. "
        "Default: out/<CSV name>.",
        show_default=False,
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Address of a running Dask scheduler (tcp://host:8786), e.g. from "
        "dask-jobqueue (Slurm/PBS) or Kubernetes; default: start a local cluster.",
        show_default=False,
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        "-w",
        min=1,
        help="Local cluster: worker processes (default: one per core). With --scheduler: "
        "wait until this many workers are connected.",
        show_default=False,
    ),
]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries", min=0, help="Extra attempts after an unexpected error or a dead worker."
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Rerun counties whose outputs are already complete.")
]
BatchBasemapOpt = Annotated[
    str, typer.Option("--basemap", help="Map background: none, osm, positron or tianditu.")
]

#: SitingOptions field -> the flag that sets it (errors of the options name the flag)
SITING_FLAGS = {
    "k": "--k",
    "objective": "--objective",
    "method": "--method",
    "must_include": "--must-include",
    "exclude": "--exclude",
    "max_minutes_to_hospital": "--max-minutes-to-hospital",
    "budget": "--budget",
    "cost": "--costs",
    "time_limit_s": "--time-limit",
    "candidates": "--candidates",
    "grid_spacing_m": "--grid-spacing",
    "target_share": "--target-share",
    "site_capacity": "--site-capacity",
}
