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

from .errors import Access15Error, InputError

if TYPE_CHECKING:
    from .pipeline import CountyRun

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
) -> None:
    """Run the full pipeline on the bundled SYNTHETIC sample county.

    Reads the sample's OSM roads (PBF), facilities and WorldPop-style population raster,
    computes who is within 15 minutes of a facility by car, ranks K township health centres to
    upgrade to sub-centres (30-minute coverage), and writes summary.json,
    coverage_by_zone.csv, recommendations.csv, travel_time.tif, facilities.geojson, map.html
    and manifest.json into --out.

    Example:

        access15 demo --out out/demo
    """
    from ._data import sample_paths
    from .pipeline import run_county

    paths = sample_paths()
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        msg = (
            f"sample county files are missing ({missing[0]}); "
            "reinstall access15 or run `make sample`"
        )
        raise InputError(msg)
    title = "Synthetic sample county (not a real place) — 15-minute access"
    with _progress() as progress:
        task = progress.add_task("starting", total=None)
        run = run_county(
            osm=paths["osm"],
            population=paths["population"],
            boundary=paths["county"],
            zones=paths["townships"],
            k=k,
            title=title,
            basemap=None,
            out_dir=out,
            on_step=lambda label: progress.update(task, description=label),
            extra_summary={"title": title, "synthetic": True},
        )
    _print_summary(run, out, synthetic=True)


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
        t = Table(title=f"Township centres to upgrade first ({rec.level.label})")
        for col in ("rank", "site", "name", "+people", "cumulative share"):
            t.add_column(col, justify="right" if col in ("rank", "+people") else "left")
        base = rec.baseline_covered / rec.population_total
        t.add_row("0", "", "(today)", "", f"{base:.1%}")
        for r_ in rec.ranking.itertuples():
            t.add_row(
                str(r_.rank),
                r_.site_id,
                f"{r_.name} {r_.name_en}".strip(),
                f"{r_.added_population:,.0f}",
                f"{r_.cumulative_share:.1%}",
            )
        out_console.print(t)
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
