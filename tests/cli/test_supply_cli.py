"""The supply commands end to end: `access`, `coverage --capacity`, `recommend --target-share`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import access15 as ax

SAMPLE = ax.sample_paths()
FACILITIES = Path(SAMPLE["osm"]).parent / "sample_facilities.csv"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "access15.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def county_args(out: Path) -> list[str]:
    return [
        "--osm",
        str(SAMPLE["osm"]),
        "--population",
        str(SAMPLE["population"]),
        "--boundary",
        str(SAMPLE["county"]),
        "--zones",
        str(SAMPLE["townships"]),
        "--facilities",
        str(FACILITIES),
        "--crs-in",
        "wgs84",
        "--basemap",
        "none",
        "--lang",
        "en",
        "--out",
        str(out),
    ]


@pytest.fixture(scope="module")
def access_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("access") / "out"
    proc = run_cli("access", *county_args(out), "--method", "e2sfca", "--minutes", "30")
    return out, proc


def test_access_writes_the_index(access_run):
    out, proc = access_run
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "accessibility.csv", keep_default_na=False)
    assert len(table) == 20  # 19 townships and the county
    assert table["name"].iloc[-1] == "county"
    assert {"population", "index", "doctors_per_10k", "rank"} <= set(table.columns)
    cells = pd.read_parquet(out / "cells.parquet")
    assert "e2sfca_doctors" in cells.columns
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    acc = summary["accessibility"]
    assert acc["method"] == "e2sfca"
    assert acc["minutes"] == 30
    county = float(table["doctors_per_10k"].iloc[-1])
    assert county == pytest.approx(acc["per_10k"], abs=1e-4)
    assert "care within reach (e2sfca): county" in proc.stdout
    assert "tier defaults (placeholders) for 21" in proc.stdout
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "accessibility.csv" in man["outputs"]


def test_coverage_with_capacity(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("coverage", *county_args(out), "--capacity", "capacity")
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "capacity_coverage.csv", keep_default_na=False)
    county = table.iloc[-1]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["capacity_coverage"]
    assert county["served"] == pytest.approx(summary["served"], abs=1)
    assert county["served_sequential"] <= county["served"]
    assert "capacity-limited coverage (basic, 15 min)" in proc.stdout
    assert not (out / "accessibility.csv").exists()  # only what was asked for


def test_recommend_fewest_sites_for_a_target(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("recommend", *county_args(out), "--target-share", "0.9", "--no-robustness")
    assert proc.returncode == 0, proc.stderr
    ranked = pd.read_csv(out / "recommendations.csv", keep_default_na=False)
    assert len(ranked) == 3  # the sample needs three upgrades for 90 % within 30 min
    assert ranked["cumulative_share"].iloc[-1] >= 0.9
    assert ranked["cumulative_share"].iloc[-2] < 0.9
    assert "target 90.0% reached with K = 3 sites" in proc.stdout
