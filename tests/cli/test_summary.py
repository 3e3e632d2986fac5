"""access15.cli.summary: what the commands print at the end, from small known runs."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from rich.console import Console

from access15.batch import BatchResult
from access15.cli.summary import print_batch, print_run


def _console() -> Console:
    return Console(file=io.StringIO(), width=300, color_system=None)


def _text(console: Console) -> list[str]:
    """The printed lines, table borders removed and cells joined by " | "."""
    out = []
    for line in console.file.getvalue().splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)]
        cells = [c for c in cells if c and not re.fullmatch(r"[─━┏┓┗┛┡┩└┘┌┐╇┃┼├┤┳┻╋━]+", c)]
        if cells:
            out.append(" | ".join(cells))
    return out


def _summary(**over) -> dict:
    s = {
        "population_total": 12345.6,
        "facilities": {"by_tier": {1: 5, 4: 1, 2: 3}},
        "diagnostics": ["3 facilities are more than 500 m from a road"],
        "levels": {
            "subcentre": {
                "min_tier": 3,
                "minutes": 30.0,
                "covered_population": 9876.4,
                "covered_share": 0.8,
            },
            "township": {
                "min_tier": 2,
                "minutes": 15.0,
                "covered_population": 6000.0,
                "covered_share": 0.486,
            },
        },
        "minutes_p50": 12.34,
        "minutes_p90": 40.0,
        "minutes_max": 95.55,
        "gini_minutes": 0.321,
        "bands": [
            {"band": "0-15 min", "population": 6000.0},
            {"band": "> 15 min", "population": 6345.6},
        ],
        "worst_zones": [
            {"name": "西镇", "share_subcentre": 0.25},
            {"name": "East", "share_subcentre": 0.5},
            {"name": "North", "share_subcentre": 0.604},
            {"name": "Fourth", "share_subcentre": 0.9},
        ],
        "gaps": {
            "clusters": 5,
            "significant_clusters": 2,
            "min_people_significant": 100.0,
            "significant_population": 1500.0,
            "population": 1600.4,
            "largest": [{"gap_id": "G1", "population": 800.4, "max_minutes": 45.6}],
        },
        "referral": {
            "township_centres_over_target": 1,
            "township_centres": 4,
            "township_to_hospital_target_minutes": 60.0,
            "village_clinics_over_target": 2,
            "village_clinics": 10,
            "clinic_to_township_target_minutes": 30.0,
        },
    }  # fmt: skip
    s.update(over)
    return s


def _recommendation(**over) -> SimpleNamespace:
    rec = {
        "upgrades_only": True,
        "level": SimpleNamespace(label="sub-centre within 30 min"),
        "ranking": pd.DataFrame(
            {
                "rank": [1, 2],
                "site_id": ["S7", "S2"],
                "name": ["东镇", "West"],
                "added_population": [1200.4, 300.0],
                "cumulative_share": [0.9, 0.925],
            }
        ),
        "baseline_covered": 8000.0,
        "population_total": 10000.0,
        "proven": True,
        "gap": 0.0,
        "bound": 9250.0,
        "method": "exact",
    }
    rec.update(over)
    return SimpleNamespace(**rec)


def _run(summary=None, recommendation=None, sensitivity=None, name="安澜县") -> SimpleNamespace:
    return SimpleNamespace(
        coverage=SimpleNamespace(summary=summary or _summary()),
        boundary=pd.DataFrame({"name": [name]}),
        network=SimpleNamespace(n_nodes=12345, stats=SimpleNamespace(road_km=678.9)),
        recommendation=recommendation,
        sensitivity=sensitivity,
        outputs={"summary.json": 1, "map.html": 2, "coverage_by_zone.csv": 3},
    )


def test_print_run_headline_figures():
    c = _console()
    print_run(c, _run(), Path("out/anlan"))
    lines = _text(c)
    assert lines[0] == "access15 — 安澜县"
    assert lines[1] == (
        "population 12,346; road network 12,345 nodes, 679 km; facilities tier 4: 1, tier 2: 3, "
        "tier 1: 5"
    )
    assert lines[2] == "data quality: 3 facilities are more than 500 m from a road"
    assert "Coverage by service level" in lines[3]
    assert "service level | threshold | people covered | share" in lines
    assert "subcentre (tier ≥ 3) | 30 min | 9,876 | 80.0%" in lines
    assert "township (tier ≥ 2) | 15 min | 6,000 | 48.6%" in lines
    assert (
        "minutes to nearest facility: p50 12.3, p90 40.0, max 95.5; Gini 0.32; people per band: "
        "0-15 min 6,000, > 15 min 6,346"
    ) in lines
    # the first level is the headline; three worst townships at most
    assert "worst-served townships: 西镇 25%, East 50%, North 60%" in lines
    assert (
        "gaps: 2 uncovered clusters of ≥ 100 people (1,500 people; largest G1, 800 people, "
        "46 min) and 3 scattered smaller groups (100 people); see gaps.geojson"
    ) in lines
    assert (
        "referral: 1 of 4 township centres over 60 min to the county hospital; 2 of 10 village "
        "clinics over 30 min to a township centre"
    ) in lines
    assert lines[-1] == "outputs in out/anlan/: coverage_by_zone.csv, map.html, summary.json"
    assert not any("to upgrade" in line for line in lines)  # no recommendation, no ranking


def test_print_run_without_warnings_gaps_or_zones():
    s = _summary(diagnostics=[], worst_zones=[], gaps={"clusters": 0})
    c = _console()
    print_run(c, _run(summary=s), Path("out"), synthetic=True)
    lines = _text(c)
    assert lines[0] == "access15 — 安澜县 (synthetic sample county, not a real place)"
    assert lines[2] == "data quality: no warnings (road coverage, snapping, facility positions)"
    assert not any(line.startswith(("worst-served", "gaps:")) for line in lines)


def test_print_run_ranking_with_robustness():
    sens = SimpleNamespace(
        stability=pd.DataFrame({"site_id": ["S7", "S2"], "share": [1.0, 5 / 9]}),
        scenarios=list(range(9)),
    )
    c = _console()
    print_run(c, _run(recommendation=_recommendation(), sensitivity=sens), Path("o"))
    lines = _text(c)
    assert "Township centres to upgrade first (sub-centre within 30 min)" in " ".join(lines)
    assert "rank | site | name | +people | cumulative share | in top 2 of 9 scenarios" in lines
    assert "0 | (today) | 80.0%" in lines
    assert "1 | S7 | 东镇 | 1,200 | 90.0% | 9 (100%)" in lines
    assert "2 | S2 | West | 300 | 92.5% | 5 (56%)" in lines
    assert "method: exact; optimality proven" in lines


def test_print_run_unproven_ranking_of_new_sites():
    rec = _recommendation(
        upgrades_only=False, proven=False, gap=0.0123, bound=9400.0, method="swap"
    )
    c = _console()
    print_run(c, _run(recommendation=rec), Path("o"))
    lines = _text(c)
    # the title wraps to the width of the table
    assert "Sites to upgrade or open first (sub-centre within 30 min)" in " ".join(lines)
    assert "rank | site | name | +people | cumulative share" in lines
    assert "1 | S7 | 东镇 | 1,200 | 90.0%" in lines
    assert not any("scenarios" in line for line in lines)
    assert "method: swap; optimality NOT proven, gap ≤ 1.23% to the bound 9,400 people" in lines


def _batch(statuses: list[str], errors: list[str]) -> BatchResult:
    n = len(statuses)
    summary = pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(n)],
            "name": [f"County {i}" for i in range(n)],
            "status": statuses,
            "attempts": [1 + (s == "failed") for s in statuses],
            "error": errors,
        }
    )
    counts = {s: statuses.count(s) for s in ("ok", "failed", "skipped-complete")}
    return BatchResult(summary, Path("/tmp/batch"), {}, "run-1", 12.34, 2, counts)


def test_print_batch_counts_and_failures():
    res = _batch(["ok", "failed", "skipped-complete", "ok"], ["", "InputError: no roads", "", ""])
    c = _console()
    print_batch(c, res)
    lines = _text(c)
    assert lines[0] == (
        "access15 batch — 4 counties in 12.3 s on 2 workers: 2 ok, 1 already complete, 1 failed"
    )
    assert "Failed counties" in lines
    assert "id | name | attempts | error" in lines
    assert "c1 | County 1 | 2 | InputError: no roads" in lines
    assert lines[-1] == (
        "outputs in /tmp/batch/: summary.csv, summary.parquet, map.html, batch.json and one "
        "folder per county"
    )


def test_print_batch_lists_at_most_twenty_failures():
    res = _batch(["failed"] * 25, [f"error {i}" for i in range(25)])
    c = _console()
    print_batch(c, res)
    lines = _text(c)
    assert sum(line.startswith("c") and " | error " in line for line in lines) == 20
    assert "c19 | County 19 | 2 | error 19" in lines
    assert not any(line.startswith("c20 |") for line in lines)
    clean = _batch(["ok"], [""])
    c = _console()
    print_batch(c, clean)
    assert "Failed counties" not in _text(c)


@pytest.mark.parametrize("name", ["[/]", "[bold]West[/bold]"])
def test_print_run_prints_names_as_given(name):
    s = _summary(worst_zones=[{"name": name, "share_subcentre": 0.25}])
    c = _console()
    print_run(c, _run(summary=s, name=name), Path("o"))
    lines = _text(c)
    assert lines[0] == f"access15 — {name}"
    assert f"worst-served townships: {name} 25%" in lines


@pytest.mark.parametrize("name", ["[/]", "[bold]West[/bold]", "[link=javascript:x]y[/link]"])
def test_print_batch_prints_names_and_errors_as_given(name):
    res = _batch(["failed"], [f"bad file {name}"])
    res.summary.loc[res.summary.index[0], "name"] = name
    c = _console()
    print_batch(c, res)
    assert any(f"| {name} |" in line and f"bad file {name}" in line for line in _text(c))


def test_print_run_largest_gap_off_the_roads_says_so():
    s = _summary()
    s["gaps"]["largest"] = [{"gap_id": "G1", "population": 800.4, "max_minutes": float("nan")}]
    c = _console()
    print_run(c, _run(summary=s), Path("out"))
    lines = _text(c)
    assert (
        "gaps: 2 uncovered clusters of ≥ 100 people (1,500 people; largest G1, 800 people, "
        "off the road network) and 3 scattered smaller groups (100 people); see gaps.geojson"
    ) in lines
    assert not any("nan" in line for line in lines)


def test_print_run_supply_measures_and_target():
    acc = SimpleNamespace(
        method="2sfca",
        capacity="doctors",
        minutes=30.0,
        summary={
            "per_10k": 12.34,
            "index": 0.001234,
            "capacity_sources": {"file": 180, "osm": 3, "default": 21},
        },
        by_zone=pd.DataFrame(
            {
                "name": ["A", "[b]", "C", "D"],
                "per_10k": [20.0, 5.5, 9.0, 15.0],
                "rank": [1, 4, 3, 2],
            }
        ),
    )
    cap = SimpleNamespace(
        level="basic",
        minutes=15.0,
        summary={
            "served": 9000.4,
            "within_reach": 10000.0,
            "served_sequential": 8500.0,
            "exact_minus_sequential": 500.4,
            "sequential_order": "capacity",
            "facilities_full": 3,
            "facilities": 10,
        },
    )
    rec = _recommendation(
        target_share=0.9, notes=["target 90.0% reached with K = 2 sites", "other note"]
    )
    run = _run(recommendation=rec)
    run.accessibility, run.capacity = acc, cap
    c = _console()
    print_run(c, run, Path("out"))
    lines = _text(c)
    assert (
        "care within reach (2sfca): county 12.3 doctors per 10,000 people within 30 min; doctors "
        "from the data for 183 facilities, tier defaults (placeholders) for 21"
    ) in lines
    assert "least served townships: [b] 5.5, C 9.0, D 15.0" in lines  # names as text
    assert (
        "capacity-limited coverage (basic, 15 min): 9,000 of 10,000 people within reach served "
        "(exact); AccessMod's sequential rule (capacity order) serves 8,500 (+500); 3 of 10 "
        "facilities full"
    ) in lines
    assert "target 90.0% reached with K = 2 sites" in lines
    assert "other note" not in lines
