"""Batch runs over many generated counties on a real Dask LocalCluster (2 worker processes).

What is checked: the CSV is validated as a whole; each good county is computed exactly once
(counted in the attempt logs and by the run id in its summary.json); a broken county is
recorded with its message and not retried; a rerun skips complete counties without touching a
file, and reruns exactly the counties whose inputs, parameters or outputs changed; unexpected
errors are retried; killing the worker that runs a county mid-run still completes every county;
the roll-up agrees with the per-county files, computed independently.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from shapely.geometry import shape

from access15 import batch as batch_mod
from access15.batch import is_complete, read_counties, read_log, run_batch
from access15.datasets.sample import generate_county
from access15.errors import InputError
from access15.outputs.maps import escape_text

HOSTILE = "<img src=x onerror=alert(1)>澜`${1}`"
# (seed, size_km, townships, clinic_share): small and varied, well under a second each
GOOD = [(11, 6, 2, 0.7), (12, 8, 2, 0.2), (13, 7, 3, 0.7), (14, 9, 2, 0.0), (15, 6, 2, 0.7),
        (16, 8, 3, 0.5)]  # fmt: skip
FIELDS = ["id", "name", "osm", "population", "boundary", "zones", "facilities", "k"]


def _write_csv(path: Path, rows: list[dict], fields: list[str] = FIELDS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


def _read_rows(counties: Path) -> list[dict]:
    """Rows of counties.csv with absolute paths (for CSVs written elsewhere)."""
    with open(counties / "counties.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for key in ("osm", "population", "boundary", "zones"):
            if r[key]:
                r[key] = str(counties / r[key])
    return rows


def _row(cid: str, folder: str, **kw: object) -> dict:
    return {
        "id": cid,
        "name": "",
        "osm": f"{folder}/county.osm.pbf",
        "population": f"{folder}/population.tif",
        "boundary": f"{folder}/county.geojson",
        "zones": f"{folder}/townships.geojson",
        "facilities": "",
        "k": 2,
        **kw,
    }


@pytest.fixture(scope="module")
def counties(tmp_path_factory) -> Path:
    """Folder with 6 generated counties, a broken one (corrupt PBF) and counties.csv."""
    root = tmp_path_factory.mktemp("counties")
    rows = []
    for i, (seed, size, towns, clinics) in enumerate(GOOD):
        generate_county(
            root / f"c{seed}",
            seed=seed,
            size_km=size,
            townships=towns,
            clinic_share=clinics,
            name=HOSTILE if i == 0 else None,
        )
        rows.append(_row(f"99{seed:04d}", f"c{seed}"))
    (root / "broken").mkdir()
    (root / "broken" / "county.osm.pbf").write_bytes(b"this is not a PBF file")
    rows.append(
        _row(
            "broken",
            "c11",
            name="Broken County",
            osm="broken/county.osm.pbf",
            zones="",
        )
    )
    _write_csv(root / "counties.csv", rows)
    return root


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as cl,
    ):
        yield cl


def _events(out: Path, spec, run_id: str, event: str) -> int:
    return sum(1 for e in read_log(out, spec) if e["run_id"] == run_id and e["event"] == event)


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    return {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
    }


# ------------------------------------------------------------------------------ generator
def test_generated_counties_are_seeded_and_varied(tmp_path):
    a = generate_county(tmp_path / "a", seed=3, size_km=6, townships=2)
    b = generate_county(tmp_path / "b", seed=3, size_km=6, townships=2)
    c = generate_county(tmp_path / "c", seed=4, size_km=6, townships=2)
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key
    assert a["osm"].read_bytes() != c["osm"].read_bytes()
    with rasterio.open(a["population"]) as src:
        people = src.read(1, masked=True)
    assert 5_000 < float(people.sum()) < 40_000
    zones = json.loads(a["townships"].read_text(encoding="utf-8"))["features"]
    county = shape(json.loads(a["county"].read_text(encoding="utf-8"))["features"][0]["geometry"])
    assert [z["properties"]["zone_id"] for z in zones] == ["T01", "T02"]
    assert sum(shape(z["geometry"]).area for z in zones) == pytest.approx(county.area, rel=1e-4)


# ------------------------------------------------------------------------------ CSV
def test_read_counties_resolves_paths_and_defaults(counties):
    specs = read_counties(counties / "counties.csv")
    assert [s.id for s in specs] == [*(f"99{g[0]:04d}" for g in GOOD), "broken"]
    s = specs[0]
    assert Path(s.osm).is_absolute()
    assert Path(s.osm) == (counties / "c11" / "county.osm.pbf").resolve()
    assert (s.k, s.mode, s.facilities, s.minutes, s.robustness) == (2, "drive", None, None, False)
    assert specs[-1].zones is None


def test_read_counties_reads_gbk_and_place_names(tmp_path, counties):
    text = "ID,名称,osm,population,boundary\n"  # header names are case-insensitive; 名称 unknown
    (tmp_path / "bad.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="unknown column '名称'"):
        read_counties(tmp_path / "bad.csv")
    pop = (counties / "c11" / "population.tif").as_posix()
    bnd = (counties / "c11" / "county.geojson").as_posix()
    text = f'id,name,osm,population,boundary\n530102,五华区,"五华区, 昆明市",{pop},{bnd}\n'
    (tmp_path / "gbk.csv").write_bytes(text.encode("gb18030"))
    (spec,) = read_counties(tmp_path / "gbk.csv")
    assert (spec.name, spec.osm) == ("五华区", "五华区, 昆明市")  # a place name, downloaded later
    assert "osm" not in spec.input_files()


def test_read_counties_reports_every_problem_at_once(tmp_path, counties):
    (tmp_path / "bad.toml").write_text("k = 0\n", encoding="utf-8")
    good = _row("ok", str(counties / "c11"))
    rows = [
        good,
        _row("", str(counties / "c11")),  # line 3
        _row("a", str(counties / "c11"), boundary="missing.geojson"),  # line 4
        _row("b", str(counties / "c11"), k="0"),  # line 5
        _row("c", str(counties / "c11"), osm="nowhere/county.osm.pbf"),  # line 6
        _row("ok", str(counties / "c11")),  # line 7: repeats line 2
        _row("a/b", str(counties / "c11")),  # line 8
        _row("a_b", str(counties / "c11")),  # line 9: same folder as line 8
        {**_row("d", str(counties / "c11")), "mode": "boat", "minutes": "-5"},  # line 10
        {**_row("e", str(counties / "c11")), "crs_in": "EPSG:0", "config": "bad.toml"},  # line 11
    ]
    fields = [*FIELDS, "mode", "minutes", "crs_in", "config"]
    _write_csv(tmp_path / "c.csv", rows, fields)
    with pytest.raises(InputError) as err:
        read_counties(tmp_path / "c.csv")
    msg = str(err.value)
    expected = [
        "line 3: id is blank",
        "line 4: boundary file 'missing.geojson' not found",
        "line 5: k must be >= 1, got 0",
        "line 6: osm file 'nowhere/county.osm.pbf' not found",
        "line 7: id 'ok' repeats line 2",
        "line 9: id 'a_b' and id 'a/b' (line 8) give the same output folder 'a_b'",
        "line 10: mode 'boat' is not one of drive, ebike, walk",
        "line 10: minutes must be > 0, got -5",
        "line 11: crs_in 'EPSG:0' is not a CRS",
    ]
    for e in expected:
        assert e in msg
    assert msg.startswith(f"counties file {str(tmp_path / 'c.csv')!r} has 9 problems")
    assert "line 2" not in msg.replace("repeats line 2", "")


def test_read_counties_header_problems(tmp_path):
    (tmp_path / "h.csv").write_text("id,osm,populaton,zone\nx,a.osm.pbf,p.tif,z\n")
    with pytest.raises(InputError) as err:
        read_counties(tmp_path / "h.csv")
    msg = str(err.value)
    assert "missing columns population, boundary" in msg
    assert "unknown columns 'populaton', 'zone'" in msg


# ------------------------------------------------------------------------------ batch
def test_batch_runs_each_good_county_exactly_once_and_resumes(counties, client, tmp_path):
    specs = read_counties(counties / "counties.csv")
    good, broken = specs[:-1], specs[-1]
    out = tmp_path / "out"
    seen: list[tuple[str, int, int]] = []
    res = run_batch(
        specs, out, client=client, on_progress=lambda r, d, n: seen.append((r["id"], d, n))
    )
    assert res.counts == {"ok": 6, "failed": 1, "skipped-complete": 0}
    assert sorted(i for i, _, _ in seen) == sorted(s.id for s in specs)
    assert [d for _, d, _ in seen] == list(range(1, 8))
    assert {n for _, _, n in seen} == {7}

    # the broken county: recorded with its message, tried once (bad input is not retried)
    row = res.summary.set_index("id").loc["broken"]
    assert row["status"] == "failed"
    assert row["error"].startswith("InputError: cannot read OSM file")
    assert row["attempts"] == 1
    assert _events(out, broken, res.run_id, "start") == 1
    assert not (out / "broken").exists()

    # every good county: started once, done once, by this run, complete
    table = pd.read_csv(out / "summary.csv", dtype={"id": str}).set_index("id")
    for s in good:
        assert _events(out, s, res.run_id, "start") == 1, s.id
        assert _events(out, s, res.run_id, "done") == 1, s.id
        folder = out / s.folder
        assert is_complete(folder, s)
        summ = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert summ["batch"]["run_id"] == res.run_id
        # the roll-up agrees with the county's own files, recomputed independently
        cells = pd.read_parquet(folder / "cells.parquet")
        r = table.loc[s.id]
        assert r["status"] == "ok"
        assert r["attempts"] == 1
        assert r["population"] == pytest.approx(cells["pop"].sum(), rel=1e-6)
        covered = cells.loc[cells["minutes_basic"] <= 15.0, "pop"].sum()
        assert r["share_basic"] == pytest.approx(covered / cells["pop"].sum(), abs=1e-6)
        assert r["covered_share"] == pytest.approx(summ["covered_share"], abs=1e-6)
        recs = pd.read_csv(folder / "recommendations.csv", dtype={"site_id": str})
        assert r["recommended_sites"] == ";".join(recs["site_id"])
        assert r["share_after"] == pytest.approx(recs["cumulative_share"].iloc[-1], abs=1e-6)
        assert r["network_nodes"] == summ["network"]["nodes"]
    assert table.loc["990011", "name"] == HOSTILE
    assert table["covered_share"].dropna().nunique() == 6  # the counties differ

    # GeoParquet with the county outlines
    gdf = gpd.read_parquet(out / "summary.parquet")
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == 7
    outline = gpd.read_file(counties / "c12" / "county.geojson").geometry.iloc[0]
    got = gdf.set_index("id").geometry.loc["990012"]
    assert got.symmetric_difference(outline).area < 1e-9

    # the map: offline, names escaped
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html
    assert "${1}" not in html
    escaped = escape_text(HOSTILE)  # as written into the GeoJSON of the map (JSON-encoded)
    assert json.dumps(escaped)[1:-1].replace("&", "\\u0026") in html
    assert 'src="http' not in html
    assert 'href="http' not in html

    # rerun: every good county skipped, nothing rewritten; the broken one tried again
    before = {s.id: _snapshot(out / s.folder) for s in good}
    res2 = run_batch(specs, out, client=client)
    assert res2.counts == {"ok": 0, "failed": 1, "skipped-complete": 6}
    for s in good:
        assert _snapshot(out / s.folder) == before[s.id], s.id
        assert _events(out, s, res2.run_id, "start") == 0
        assert _events(out, s, res2.run_id, "skipped") == 1
    skipped = res2.summary.set_index("id").loc["990013"]
    assert skipped["run_id"] == res.run_id  # the outputs are still those of the first run
    assert skipped["covered_share"] == pytest.approx(table.loc["990013", "covered_share"])

    # a changed parameter (k) and a damaged output rerun exactly those two counties
    rows = _read_rows(counties)
    rows[2]["k"] = "1"
    _write_csv(tmp_path / "changed.csv", rows)
    with open(out / good[3].folder / "coverage_by_zone.csv", "a", encoding="utf-8") as f:
        f.write("\n")
    res3 = run_batch(tmp_path / "changed.csv", out, client=client)
    status = res3.summary.set_index("id")["status"].to_dict()
    assert {k for k, v in status.items() if v == "ok"} == {good[2].id, good[3].id}
    assert res3.counts == {"ok": 2, "failed": 1, "skipped-complete": 4}
    assert res3.summary.set_index("id").loc[good[2].id, "k"] == 1


def _flaky_runner(marker_dir: str):
    """A run_county that raises an unexpected error on each county's first attempt."""

    def runner(**kw):
        from access15.pipeline import run_county

        marker = Path(marker_dir) / f"{Path(kw['out_dir']).name}.tried"
        if not marker.exists():
            marker.write_text("1")
            msg = "simulated transient failure (e.g. a network file system hiccup)"
            raise OSError(msg)
        return run_county(**kw)

    return runner


def _always_broken_runner(**kw):
    msg = "simulated bug"
    raise RuntimeError(msg)


def test_transient_failures_are_retried_via_scheduler_address(counties, client, tmp_path):
    specs = read_counties(counties / "counties.csv")[:2]
    address = client.scheduler.address
    marker = tmp_path / "markers"
    marker.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / f".{specs[0].folder}.tmp-left-by-a-killed-attempt").mkdir()
    res = run_batch(specs, out, scheduler=address, workers=2, runner=_flaky_runner(str(marker)))
    assert not list(out.glob(".*.tmp-*"))  # stale temporary folders are cleaned up
    assert res.counts["ok"] == 2
    assert res.summary["attempts"].tolist() == [2, 2]
    for s in specs:
        assert _events(out, s, res.run_id, "start") == 2
        assert _events(out, s, res.run_id, "done") == 1
        assert is_complete(out / s.folder, s)
    # an error that never goes away: retried, then recorded; the batch still finishes
    res = run_batch(
        specs, tmp_path / "out2", client=client, retries=1, runner=_always_broken_runner
    )
    assert res.counts["failed"] == 2
    assert res.summary["attempts"].tolist() == [2, 2]
    assert res.summary["error"].str.contains("RuntimeError: simulated bug").all()


def test_unreachable_scheduler_is_an_input_error(counties, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_mod, "_CONNECT_TIMEOUT", "1s")
    specs = read_counties(counties / "counties.csv")[:1]
    with pytest.raises(
        InputError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9'"
    ):
        run_batch(specs, tmp_path / "out", scheduler="tcp://127.0.0.1:9")


def _slow_runner(**kw):
    """run_county, but the county 'slow' first sleeps (a long county on a worker)."""
    from access15.pipeline import run_county

    if Path(kw["out_dir"]).name == "slow":
        time.sleep(2.0)
    return run_county(**kw)


@pytest.mark.slow
def test_killing_a_worker_mid_run_still_completes_every_county(counties, client, tmp_path):
    specs = read_counties(counties / "counties.csv")[:-1]
    slow = batch_mod.CountySpec(**{**specs[0].__dict__, "id": "slow"})
    specs = [slow, *specs]
    out = tmp_path / "out"
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            starts = [e for e in read_log(out, slow) if e["event"] == "start"]
            if starts:
                time.sleep(0.5)  # let it get going
                os.kill(starts[0]["pid"], signal.SIGKILL)  # a worker of our own cluster
                killed.append(starts[0]["pid"])
                return
            time.sleep(0.05)

    t = threading.Thread(target=killer)
    t.start()
    res = run_batch(specs, out, client=client, runner=_slow_runner)
    t.join()
    assert killed, "the slow county never started"
    assert res.counts == {"ok": 6 + 1, "failed": 0, "skipped-complete": 0}
    starts = [e for e in read_log(out, slow) if e["event"] == "start"]
    assert len(starts) == 2
    assert starts[0]["pid"] == killed[0] != starts[1]["pid"]
    assert res.summary.set_index("id").loc["slow", "attempts"] == 2
    for s in specs:
        assert _events(out, s, res.run_id, "done") == 1, s.id
        assert is_complete(out / s.folder, s)
    assert not list(out.glob(".*.tmp-*"))


# ------------------------------------------------------------------------------ CLI
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "access15.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_cli_batch_bad_csv_lists_problems_and_starts_nothing(tmp_path):
    (tmp_path / "c.csv").write_text("id,osm,population,boundary\n,x.osm.pbf,p.tif,b.geojson\n")
    proc = _cli("batch", "c.csv", "--out", "o", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: counties file 'c.csv' has 4 problems")
    assert "line 2: id is blank" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_cli_batch_local_cluster(counties, tmp_path):
    rows = _read_rows(counties)
    _write_csv(tmp_path / "two.csv", [rows[1], rows[2]])
    proc = _cli("batch", "two.csv", "--out", "o", "--workers", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "2 counties" in proc.stdout
    assert "2 ok" in proc.stdout
    assert "[2/2]" in proc.stderr  # progress, one line per county when not on a terminal
    assert "INFO" not in proc.stderr
    table = pd.read_csv(tmp_path / "o" / "summary.csv", dtype={"id": str})
    assert table["status"].tolist() == ["ok", "ok"]
    assert np.isfinite(table["covered_share"]).all()
    _write_csv(tmp_path / "three.csv", [rows[1], rows[2], rows[-1]])
    proc = _cli("batch", "three.csv", "--out", "o", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 1
    assert "1 of 3 counties failed" in proc.stderr
    assert "2 already complete" in proc.stdout
