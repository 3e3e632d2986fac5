"""What the ``access15`` commands print when they are done: the figures a planner reads first."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from access15.batch import BatchResult
    from access15.pipeline import CountyRun

__all__ = ["print_batch", "print_run"]


def print_run(console: Console, run: CountyRun, out: Path, *, synthetic: bool = False) -> None:
    """Print a county run: data quality, coverage by level, gaps, referral, the ranking.

    Parameters
    ----------
    console : rich.console.Console
        Where to print (standard output).
    run : CountyRun
        The run to report.
    out : Path
        The folder its files went to.
    synthetic : bool
        Say that the county is the synthetic sample, not a real place.
    """
    s = run.coverage.summary
    label = " (synthetic sample county, not a real place)" if synthetic else ""
    console.print(f"[bold]access15[/bold] — {escape(str(run.boundary['name'].iloc[0]))}{label}")
    console.print(
        f"population {s['population_total']:,.0f}; road network {run.network.n_nodes:,} nodes, "
        f"{run.network.stats.road_km:,.0f} km; facilities "
        + ", ".join(
            f"tier {t}: {n}" for t, n in sorted(s["facilities"]["by_tier"].items(), reverse=True)
        )
    )
    # data quality first: it says when a figure is not to be trusted
    if s.get("diagnostics"):
        for d in s["diagnostics"]:
            console.print(f"[yellow]data quality:[/yellow] {escape(str(d))}", highlight=False)
    else:
        console.print("data quality: no warnings (road coverage, snapping, facility positions)")
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
    console.print(table)
    console.print(
        f"minutes to nearest facility: p50 {s['minutes_p50']:.1f}, p90 {s['minutes_p90']:.1f}, "
        f"max {s['minutes_max']:.1f}; Gini {s['gini_minutes']:.2f}; "
        "people per band: " + ", ".join(f"{b['band']} {b['population']:,.0f}" for b in s["bands"])
    )
    head = next(iter(s["levels"]))
    if s.get("worst_zones"):
        console.print(
            "worst-served townships: "
            + ", ".join(
                f"{escape(str(z['name']))} {z[f'share_{head}']:.0%}" for z in s["worst_zones"][:3]
            )
        )
    g = s["gaps"]
    if g["clusters"]:
        big = g["largest"][0]
        far = big["max_minutes"]
        far_text = f"{far:.0f} min" if math.isfinite(far) else "off the road network"
        console.print(
            f"gaps: {g['significant_clusters']} uncovered clusters of ≥ "
            f"{g['min_people_significant']:g} people ({g['significant_population']:,.0f} "
            f"people; largest {escape(str(big['gap_id']))}, {big['population']:,.0f} people, "
            f"{far_text}) and {g['clusters'] - g['significant_clusters']} "
            f"scattered smaller groups ({g['population'] - g['significant_population']:,.0f} "
            "people); see gaps.geojson"
        )
    r = s["referral"]
    console.print(
        f"referral: {r['township_centres_over_target']} of {r['township_centres']} township "
        f"centres over {r['township_to_hospital_target_minutes']:g} min to the county hospital; "
        f"{r['village_clinics_over_target']} of {r['village_clinics']} village clinics over "
        f"{r['clinic_to_township_target_minutes']:g} min to a township centre"
    )
    rec = run.recommendation
    if rec is not None:
        what = "Township centres to upgrade" if rec.upgrades_only else "Sites to upgrade or open"
        t = Table(title=f"{what} first ({escape(rec.level.label)})")
        sens = run.sensitivity
        robust = (
            dict(zip(sens.stability["site_id"], sens.stability["share"], strict=True))
            if sens is not None
            else None
        )
        n_scen = len(sens.scenarios) if sens is not None else 0
        cols = ["rank", "site", "name", "+people", "cumulative share"]
        if robust is not None:
            cols.append(f"in top {len(rec.ranking)} of {n_scen} scenarios")
        for col in cols:
            t.add_column(col, justify="right" if col in ("rank", "+people") else "left")
        base = rec.baseline_covered / rec.population_total
        t.add_row("0", "", "(today)", "", f"{base:.1%}", *([""] if robust is not None else []))
        for r_ in rec.ranking.itertuples():
            extra = []
            if robust is not None:
                share = robust.get(r_.site_id, 0.0)
                extra.append(f"{round(share * n_scen)} ({share:.0%})")
            t.add_row(
                str(r_.rank),
                escape(str(r_.site_id)),
                escape(str(r_.name)),
                f"{r_.added_population:,.0f}",
                f"{r_.cumulative_share:.1%}",
                *extra,
            )
        console.print(t)
        unit = "sites" if getattr(rec, "target_share", None) is not None else "people"
        gap = "" if rec.proven else f", gap ≤ {rec.gap:.2%} to the bound {rec.bound:,.0f} {unit}"
        console.print(
            f"method: {rec.method}; optimality {'proven' if rec.proven else 'NOT proven'}{gap}"
        )
        for note in getattr(rec, "notes", ()):
            if note.startswith("target "):
                console.print(escape(note))
    _print_supply(console, run)
    console.print(escape(f"outputs in {out}/: " + ", ".join(sorted(run.outputs))))


def _print_supply(console: Console, run: CountyRun) -> None:
    """Print the accessibility index and capacity-limited coverage, when the run has them."""
    acc = getattr(run, "accessibility", None)
    if acc is not None:
        s = acc.summary
        src = s["capacity_sources"]
        what = escape(acc.capacity)
        per = (
            f"{s['per_10k']:.1f} {what} per 10,000 people within {acc.minutes:g} min"
            if math.isfinite(s["per_10k"])
            else f"mean cost {s['index']:.3g}"
        )
        console.print(
            f"care within reach ({acc.method}): county {per}; "
            f"{what} from the data for {src.get('file', 0) + src.get('osm', 0)} facilities, "
            f"tier defaults (placeholders) for {src.get('default', 0)}"
        )
        z = acc.by_zone
        if len(z) and "rank" in z:
            worst = z.sort_values("rank").tail(3)
            console.print(
                "least served townships: "
                + ", ".join(
                    f"{escape(str(r['name']))} {r['per_10k']:.1f}"
                    if math.isfinite(r["per_10k"])
                    else escape(str(r["name"]))
                    for _, r in worst.iloc[::-1].iterrows()
                )
            )
    cap = getattr(run, "capacity", None)
    if cap is not None:
        s = cap.summary
        console.print(
            f"capacity-limited coverage ({escape(cap.level)}, {cap.minutes:g} min): "
            f"{s['served']:,.0f} of {s['within_reach']:,.0f} people within reach served "
            f"(exact); AccessMod's sequential rule ({escape(s['sequential_order'])} order) "
            f"serves {s['served_sequential']:,.0f} ({s['exact_minus_sequential']:+,.0f}); "
            f"{s['facilities_full']} of {s['facilities']} facilities full"
        )


def print_batch(console: Console, result: BatchResult) -> None:
    """Print a batch: counts by status, the failed counties (up to 20) and where the files are.

    Parameters
    ----------
    console : rich.console.Console
        Where to print (standard output).
    result : BatchResult
        The batch to report.
    """
    c = result.counts
    console.print(
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
            t.add_row(escape(str(r.id)), escape(str(r.name)), str(r.attempts), escape(str(r.error)))
        console.print(t)
    console.print(
        escape(f"outputs in {result.out_dir}/: ")
        + "summary.csv, summary.parquet, map.html, batch.json and one folder per county"
    )
