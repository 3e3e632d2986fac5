"""The `access15` command: the demo end to end, exit codes, atomic outputs."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.features import geometry_mask
from rasterio.windows import from_bounds

import access15 as ax
from access15 import cli

CONTRACT = [
    "summary.json",
    "coverage_by_zone.csv",
    "accessibility.csv",
    "capacity_coverage.csv",
    "recommendations.csv",
    "recommendations.geojson",
    "travel_time.tif",
    "facilities.geojson",
    "cells.parquet",
    "gaps.geojson",
    "isochrones.geojson",
    "coverage_curve.csv",
    "coverage_curve.png",
    "zones_before_after.csv",
    "sensitivity.csv",
    "sensitivity_scenarios.csv",
    "report.html",
    "coverage_map.png",
    "travel_time_distribution.png",
    "map.html",
    "manifest.json",
]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "access15.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("demo") / "out"
    proc = run_cli("demo", "--out", str(out))
    return out, proc


@pytest.mark.slow
def test_demo_runs_and_writes_the_contract(demo_out):
    out, proc = demo_out
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(CONTRACT)
    assert "synthetic sample county" in proc.stdout.lower()
    assert "Township centres to upgrade first" in proc.stdout


@pytest.mark.slow
def test_demo_share_recomputed_independently(demo_out):
    """summary.json's 15-minute share == population-weighted share of cells with time <= 15."""
    out, proc = demo_out
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    paths = ax.sample_paths()
    county = gpd.read_file(paths["county"]).to_crs("EPSG:4326")
    with rasterio.open(out / "travel_time.tif") as tt_ds:
        tt = tt_ds.read(1)
        tt_nodata = tt_ds.nodata
        bounds, tt_transform = tt_ds.bounds, tt_ds.transform
        assert tt_ds.descriptions[0].startswith("basic")
    with rasterio.open(paths["population"]) as pop_ds:
        win = from_bounds(*bounds, transform=pop_ds.transform)
        pop = pop_ds.read(1, window=win.round_offsets().round_lengths(), masked=True)
        assert pop_ds.window_transform(win.round_offsets().round_lengths()) == tt_transform
    inside = geometry_mask(
        list(county.geometry), out_shape=tt.shape, transform=tt_transform, invert=True
    )
    people = np.where(inside & ~np.ma.getmaskarray(pop), pop.filled(0), 0.0).astype(np.float64)
    total = people.sum()
    covered = people[(tt != tt_nodata) & (tt <= 15.0)].sum()
    assert summary["population_total"] == pytest.approx(total, rel=1e-9)
    assert summary["levels"]["basic"]["covered_share"] == pytest.approx(covered / total, abs=1e-9)
    assert summary["covered_share"] == summary["levels"]["basic"]["covered_share"]
    # off-network cells are nodata in the surface and never covered
    off = people[(tt == tt_nodata)].sum()
    assert summary["off_network_population"] == pytest.approx(off, rel=1e-6, abs=1e-6)


@pytest.mark.slow
def test_demo_tables_are_consistent(demo_out):
    out, proc = demo_out
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    zones = pd.read_csv(out / "coverage_by_zone.csv")
    assert zones["population"].sum() == pytest.approx(summary["population_total"])
    assert zones["covered_basic"].sum() == pytest.approx(
        summary["levels"]["basic"]["covered_population"]
    )
    rec = pd.read_csv(out / "recommendations.csv")
    assert rec["rank"].tolist() == [1, 2, 3]
    assert (np.diff(rec["added_population"]) <= 1e-6).all()  # greedy gains never increase
    assert (np.diff(rec["cumulative_covered_population"]) >= 0).all()
    base = summary["recommendation"]["baseline_covered_population"]
    assert rec["cumulative_covered_population"].iloc[-1] == pytest.approx(
        base + rec["added_population"].sum()
    )
    assert base == pytest.approx(summary["levels"]["subcentre"]["covered_population"])
    man = json.loads((out / "manifest.json").read_text())
    assert set(man["inputs"]) == {"osm", "population", "boundary", "zones", "facilities"}
    assert all(len(v["sha256"]) == 64 for v in man["inputs"].values())
    assert "map.html" in man["outputs"]


def test_help_teaches():
    proc = run_cli("demo", "--help")
    assert proc.returncode == 0
    assert "access15 demo --out" in proc.stdout


def test_bad_k_is_exit_2_one_line(tmp_path):
    out = tmp_path / "o"
    proc = run_cli("demo", "--k", "0", "--out", str(out))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_out_is_a_file_is_exit_2_and_untouched(tmp_path):
    out = tmp_path / "taken"
    out.write_text("keep me")
    proc = run_cli("demo", "--k", "2", "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert "is not a folder" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no temp folder left behind


def test_failed_write_leaves_no_partial_output(tiny, tmp_path, monkeypatch):
    from access15.outputs import files as report
    from conftest import load_tiny, one_level_config

    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(15))

    class Boom:
        def save(self, _path: str) -> None:
            msg = "disk full"
            raise OSError(msg)

    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        report.write_outputs(out, cov=cov, fmap=Boom())  # type: ignore[arg-type]
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp")]


@pytest.mark.slow
def test_demo_cell_table_and_bands_agree_with_summary(demo_out):
    out, proc = demo_out
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    cells = gpd.read_parquet(out / "cells.parquet")
    assert cells.crs.to_epsg() == 4326
    total = cells["pop"].sum()
    assert total == pytest.approx(summary["population_total"], rel=1e-12)
    for name, lv in summary["levels"].items():
        m = cells[f"minutes_{name}"].fillna(np.inf)
        share = cells.loc[m <= lv["minutes"], "pop"].sum() / total
        assert share == pytest.approx(lv["covered_share"], abs=1e-12)
    assert sum(b["population"] for b in summary["bands"]) == pytest.approx(total)
    gaps = gpd.read_file(out / "gaps.geojson")
    uncovered = total - summary["levels"]["basic"]["covered_population"]
    assert gaps["population"].sum() == pytest.approx(uncovered)


@pytest.mark.slow
def test_demo_robustness_counts_agree_with_the_scenarios(demo_out):
    """sensitivity.csv's counts are recounted from sensitivity_scenarios.csv's site lists."""
    import pandas as pd

    out, proc = demo_out
    assert proc.returncode == 0, proc.stderr
    scen = pd.read_csv(out / "sensitivity_scenarios.csv")
    stab = pd.read_csv(out / "sensitivity.csv")
    rec = pd.read_csv(out / "recommendations.csv")
    assert len(scen) == 9  # speeds x0.8/1/1.2 times thresholds 25/30/35 min
    assert set(scen["speed_factor"]) == {0.8, 1.0, 1.2}
    assert set(scen["minutes"]) == {25.0, 30.0, 35.0}
    counts: dict[str, int] = {}
    for sites in scen["sites"]:
        ids = sites.split(",")
        assert len(ids) == len(rec)  # every scenario ranks the same K
        for sid in ids:
            counts[sid] = counts.get(sid, 0) + 1
    assert dict(zip(stab["site_id"], stab["times_in_top_k"], strict=True)) == counts
    base = scen[(scen["speed_factor"] == 1.0) & (scen["minutes"] == 30.0)]["sites"].iloc[0]
    assert set(base.split(",")) == set(rec["site_id"])  # the base scenario is the ranking itself
    for r in rec.itertuples():
        assert r.robustness == pytest.approx(counts[r.site_id] / len(scen), abs=1e-6)
    assert "scenarios" in proc.stdout


# --------------------------------------------------------------------------- the --out folder
def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the command in this process (so a test can patch a writer); exit code, out, err."""
    monkeypatch.setattr(sys, "argv", ["access15", *args])
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def tiny_args(files: dict[str, Path], out: str) -> list[str]:
    return [
        "coverage",
        "--osm",
        str(files["osm"]),
        "--population",
        str(files["population"]),
        "--boundary",
        str(files["county"]),
        "--zones",
        str(files["zones"]),
        "--basemap",
        "none",
        "--out",
        out,
    ]


@pytest.mark.filterwarnings("ignore::UserWarning")  # the tiny county's off-network parts
def test_empty_out_is_exit_2_and_nothing_written(tiny, tmp_path, monkeypatch, capsys):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    code, _, err = run_main(monkeypatch, capsys, *tiny_args(tiny, ""))
    assert code == 2, err
    assert err.strip() == (
        "error: --out is empty; give the folder for the outputs, e.g. --out out/county"
    )
    assert list(cwd.iterdir()) == []
    counties = tmp_path / "counties.csv"
    counties.write_text(
        f"id,osm,population,boundary\nt1,{tiny['osm']},{tiny['population']},{tiny['county']}\n",
        encoding="utf-8",
    )
    code, _, err = run_main(monkeypatch, capsys, "batch", str(counties), "--out", "")
    assert code == 2, err
    assert err.strip() == "error: --out is empty; give the batch folder, e.g. --out out/province"
    assert list(cwd.iterdir()) == []


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_out_of_other_files_is_exit_2_and_untouched(tiny, tmp_path, monkeypatch, capsys):
    mine = tmp_path / "w" / "mine"  # tmp_path holds the tiny county's files
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, *tiny_args(tiny, str(mine)))
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1
    assert "holds files access15 did not write (no manifest.json)" in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in mine.parent.iterdir()) == ["mine"]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_full_disk_is_exit_1_one_line_and_the_old_outputs_stay(tiny, tmp_path, monkeypatch, capsys):
    out = tmp_path / "w" / "out"  # tmp_path holds the tiny county's files
    code, _, err = run_main(monkeypatch, capsys, *tiny_args(tiny, str(out)))
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", no_space)
    code, _, err = run_main(monkeypatch, capsys, *tiny_args(tiny, str(out)))
    assert code == 1
    assert err.strip() == f"error: disk full while writing {str(out)!r}: free space and run again"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]
