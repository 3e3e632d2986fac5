"""Batch runs (access15.batch.run) over generated counties on a real Dask LocalCluster.

What is checked: each good county is computed exactly once (counted in the attempt logs and by
the run id in its summary.json); a broken county is recorded with its message and not retried;
a rerun skips complete counties without touching a file, and reruns exactly the counties whose
inputs, parameters or outputs changed; unexpected errors are retried; killing the worker that
runs a county mid-run still completes every county.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from access15.batch import (
    BatchOptions,
    CountySpec,
    is_complete,
    read_counties,
    read_log,
    run_batch,
)
from access15.batch import run as batch_run
from access15.errors import InputError
from access15.pipeline import run_county
from conftest import BATCH_FIELDS, events, read_rows, row, snapshot, write_csv


def test_batch_runs_each_good_county_exactly_once(first_batch):
    specs, out, res, seen = first_batch.specs, first_batch.out, first_batch.result, first_batch.seen
    good, broken = specs[:-1], specs[-1]
    assert res.counts == {"ok": 6, "failed": 1, "skipped-complete": 0}
    assert sorted(i for i, _, _ in seen) == sorted(s.id for s in specs)
    assert [d for _, d, _ in seen] == list(range(1, 8))
    assert {n for _, _, n in seen} == {7}

    # the broken county: recorded with its message, tried once (bad input is not retried)
    row = res.summary.set_index("id").loc["broken"]
    assert row["status"] == "failed"
    assert row["error"].startswith("InputError: cannot read OSM file")
    assert row["attempts"] == 1
    assert events(out, broken, res.run_id, "start") == 1
    assert not (out / "broken").exists()

    # every good county: started once, done once, by this run, complete
    table = pd.read_csv(out / "summary.csv", dtype={"id": str}).set_index("id")
    for s in good:
        assert events(out, s, res.run_id, "start") == 1, s.id
        assert events(out, s, res.run_id, "done") == 1, s.id
        folder = out / s.folder
        assert is_complete(folder, s)
        summ = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert summ["batch"]["run_id"] == res.run_id
        r = table.loc[s.id]
        assert r["status"] == "ok"
        assert r["attempts"] == 1


def test_rerun_skips_complete_counties_and_reruns_changed_ones(
    first_batch, counties, client, tmp_path
):
    specs = first_batch.specs
    good = specs[:-1]
    out = tmp_path / "out"
    shutil.copytree(first_batch.out, out)  # the first batch's folder, moved: still complete
    table = pd.read_csv(out / "summary.csv", dtype={"id": str}).set_index("id")
    first_run_id = first_batch.result.run_id

    # rerun: every good county skipped, nothing rewritten; the broken one tried again
    before = {s.id: snapshot(out / s.folder) for s in good}
    res2 = run_batch(specs, out, client=client)
    assert res2.counts == {"ok": 0, "failed": 1, "skipped-complete": 6}
    for s in good:
        assert snapshot(out / s.folder) == before[s.id], s.id
        assert events(out, s, res2.run_id, "start") == 0
        assert events(out, s, res2.run_id, "skipped") == 1
    skipped = res2.summary.set_index("id").loc["990013"]
    assert skipped["run_id"] == first_run_id  # the outputs are still those of the first run
    assert skipped["covered_share"] == pytest.approx(table.loc["990013", "covered_share"])

    # a changed parameter (k) and a damaged output rerun exactly those two counties
    rows = read_rows(counties)
    rows[2]["k"] = "1"
    write_csv(tmp_path / "changed.csv", rows)
    with open(out / good[3].folder / "coverage_by_zone.csv", "a", encoding="utf-8") as f:
        f.write("\n")
    res3 = run_batch(tmp_path / "changed.csv", out, client=client)
    status = res3.summary.set_index("id")["status"].to_dict()
    assert {k for k, v in status.items() if v == "ok"} == {good[2].id, good[3].id}
    assert res3.counts == {"ok": 2, "failed": 1, "skipped-complete": 4}
    assert res3.summary.set_index("id").loc[good[2].id, "k"] == 1


def _flaky_runner(marker_dir: str):
    """A run_county that raises an unexpected error on each county's first attempt."""

    def runner(study, **kw):
        marker = Path(marker_dir) / f"{Path(kw['outputs'].out_dir).name}.tried"
        if not marker.exists():
            marker.write_text("1")
            msg = "simulated transient failure (e.g. a network file system hiccup)"
            raise OSError(msg)
        return run_county(study, **kw)

    return runner


def _always_broken_runner(study, **kw):
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
        assert events(out, s, res.run_id, "start") == 2
        assert events(out, s, res.run_id, "done") == 1
        assert is_complete(out / s.folder, s)
    # an error that never goes away: retried, then recorded; the batch still finishes
    res = run_batch(
        specs,
        tmp_path / "out2",
        BatchOptions(retries=1),
        client=client,
        runner=_always_broken_runner,
    )
    assert res.counts["failed"] == 2
    assert res.summary["attempts"].tolist() == [2, 2]
    assert res.summary["error"].str.contains("RuntimeError: simulated bug").all()


def test_unreachable_scheduler_is_an_input_error(counties, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_run, "_CONNECT_TIMEOUT", "1s")
    specs = read_counties(counties / "counties.csv")[:1]
    with pytest.raises(
        InputError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9'"
    ):
        run_batch(specs, tmp_path / "out", scheduler="tcp://127.0.0.1:9")


def test_options_are_checked_and_old_keywords_still_work(counties, tmp_path):
    with pytest.raises(InputError, match="retries must be >= 0, got -1"):
        BatchOptions(retries=-1)
    with pytest.raises(InputError, match="unknown basemap 'google'"):
        BatchOptions(basemap="google")
    assert BatchOptions(basemap="OSM").basemap == "osm"
    specs = read_counties(counties / "counties.csv")[:1]
    with (
        pytest.warns(DeprecationWarning, match="options=BatchOptions"),
        pytest.raises(InputError, match="retries must be >= 0"),
    ):
        run_batch(specs, tmp_path / "out", retries=-1)  # the old keyword, checked the same way
    with pytest.raises(TypeError, match="unexpected keyword argument 'retry'"):
        run_batch(specs, tmp_path / "out", retry=1)
    assert not (tmp_path / "out").exists()


def _slow_runner(study, **kw):
    """run_county, but the county 'slow' first sleeps (a long county on a worker)."""
    if Path(kw["outputs"].out_dir).name == "slow":
        time.sleep(2.0)
    return run_county(study, **kw)


@pytest.mark.slow
def test_killing_a_worker_mid_run_still_completes_every_county(counties, client, tmp_path):
    specs = read_counties(counties / "counties.csv")[:-1]
    slow = dataclasses.replace(specs[0], id="slow")
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
        assert events(out, s, res.run_id, "done") == 1, s.id
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
    rows = read_rows(counties)
    write_csv(tmp_path / "two.csv", [rows[1], rows[2]])
    proc = _cli("batch", "two.csv", "--out", "o", "--workers", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "2 counties" in proc.stdout
    assert "2 ok" in proc.stdout
    assert "[2/2]" in proc.stderr  # progress, one line per county when not on a terminal
    assert "INFO" not in proc.stderr
    table = pd.read_csv(tmp_path / "o" / "summary.csv", dtype={"id": str})
    assert table["status"].tolist() == ["ok", "ok"]
    assert np.isfinite(table["covered_share"]).all()
    write_csv(tmp_path / "three.csv", [rows[1], rows[2], rows[-1]])
    proc = _cli("batch", "three.csv", "--out", "o", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 1
    assert "1 of 3 counties failed" in proc.stderr
    assert "2 already complete" in proc.stdout


# ------------------------------------------------------------------------------ symbolic links
def _writing_runner(study, **kw):
    """A run_county stand-in that writes into the county's folder (wherever it leads)."""
    folder = Path(kw["outputs"].out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text("{}", encoding="utf-8")


def _must_not_run(study, **kw):
    msg = "the county must not run through a symbolic link"
    raise AssertionError(msg)


def _planted(tmp_path: Path, where: str) -> tuple[Path, Path, Path]:
    """Batch folder with a symbolic link at ``where`` to a place outside; out, link, outside."""
    out = tmp_path / "out"
    outside = tmp_path / "outside"
    outside.mkdir()
    (out / "_batch").mkdir(parents=True)
    link = out / where
    if link.exists():
        link.rmdir()
    target = outside / "log.jsonl" if where.endswith(".jsonl") else outside
    link.symlink_to(target)
    return out, link, outside


SPEC = CountySpec(id="c1", osm="c1.osm.pbf", population="p.tif", boundary="b.geojson")
LINK_PLACES = ["c1", "_batch", "_batch/c1.jsonl"]


@pytest.mark.parametrize("where", LINK_PLACES)
def test_a_planted_symlink_refuses_the_batch_before_it_starts(tmp_path, where):
    out, link, outside = _planted(tmp_path, where)
    opts = BatchOptions(retries=0, basemap="none")
    with pytest.raises(InputError, match=r"is a symbolic link; a batch writes only inside") as e:
        run_batch([SPEC], out, opts, workers=1, runner=_writing_runner)
    assert str(e.value).startswith(f"{str(link)!r} is a symbolic link")
    assert len(str(e.value).splitlines()) == 1
    assert list(outside.iterdir()) == []
    assert link.is_symlink()


@pytest.mark.parametrize("where", LINK_PLACES)
def test_a_symlink_planted_during_the_batch_fails_the_county_only(tmp_path, where):
    out, link, outside = _planted(tmp_path, where)
    opts = BatchOptions(retries=0, basemap="none")
    rec = batch_run._county_task(SPEC, str(out), "run-1", opts, _must_not_run)
    assert rec["status"] == "failed"
    assert rec["error"].startswith(f"InputError: {str(link)!r} is a symbolic link")
    assert list(outside.iterdir()) == []


def test_batch_supply_columns_in_and_out(counties, client, tmp_path):
    """access/capacity columns of the counties CSV reach each county; the roll-up reports them."""
    rows = [
        row("with", str(counties / "c11"), access="E2SFCA", capacity="capacity"),
        row("without", str(counties / "c12")),
    ]
    csv_path = write_csv(tmp_path / "c.csv", rows, [*BATCH_FIELDS, "access", "capacity"])
    specs = read_counties(csv_path)
    assert (specs[0].access, specs[0].capacity) == ("e2sfca", "capacity")
    assert specs[1].supply_options() is None
    assert specs[0].fingerprint() != dataclasses.replace(specs[0], access=None).fingerprint()
    res = run_batch(specs, tmp_path / "out", client=client)
    assert res.counts["ok"] == 2
    s = res.summary.set_index("id")
    folder = tmp_path / "out" / specs[0].folder
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert s.loc["with", "access_method"] == "e2sfca"
    assert s.loc["with", "access_per_10k"] == pytest.approx(summary["accessibility"]["per_10k"])
    assert s.loc["with", "capacity_served_share"] == pytest.approx(
        summary["capacity_coverage"]["share_served"]
    )
    assert (folder / "accessibility.csv").is_file()
    assert (folder / "capacity_coverage.csv").is_file()
    assert pd.isna(s.loc["without", "access_per_10k"])
    assert not (tmp_path / "out" / specs[1].folder / "accessibility.csv").exists()


def test_batch_bad_supply_column_is_reported_with_its_line(counties, tmp_path):
    rows = [row("x", str(counties / "c11"), access="best", capacity="")]
    csv_path = write_csv(tmp_path / "c.csv", rows, [*BATCH_FIELDS, "access", "capacity"])
    with pytest.raises(InputError, match=r"line 2: access: method 'best' is not one of"):
        read_counties(csv_path)
