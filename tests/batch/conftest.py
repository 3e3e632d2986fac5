"""Fixtures of the batch tests: generated counties, one Dask LocalCluster, one first batch."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from access15.batch import BatchResult, CountySpec, read_counties, run_batch
from access15.datasets import generate_county
from conftest import BATCH_GOOD, BATCH_HOSTILE, row, write_csv


@pytest.fixture(scope="package")
def counties(tmp_path_factory, pwned) -> Path:
    """Folder with 6 generated counties, a broken one (corrupt PBF) and counties.csv."""
    root = tmp_path_factory.mktemp("counties")
    rows = []
    for i, (seed, size, towns, clinics) in enumerate(BATCH_GOOD):
        generate_county(
            root / f"c{seed}",
            seed=seed,
            size_km=size,
            townships=towns,
            clinic_share=clinics,
            name=BATCH_HOSTILE if i == 0 else None,
        )
        rows.append(row(f"99{seed:04d}", f"c{seed}"))
    (root / "broken").mkdir()
    (root / "broken" / "county.osm.pbf").write_bytes(b"this is not a PBF file")
    rows.append(
        row(
            "broken",
            "c11",
            name="Broken County",
            osm="broken/county.osm.pbf",
            zones="",
        )
    )
    write_csv(root / "counties.csv", rows)
    return root


@pytest.fixture(scope="package")
def client(pwned):
    """A Dask LocalCluster of 2 worker processes (one thread each), shared by the package.

    Made after ``pwned`` sets ``$ACCESS15_PWNED``, so the workers render maps with it set.
    """
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


@dataclass(frozen=True)
class FirstBatch:
    """The first batch over counties.csv: its specs, folder, result and progress calls."""

    specs: list[CountySpec]
    out: Path
    result: BatchResult
    seen: list[tuple[str, int, int]]


@pytest.fixture(scope="package")
def first_batch(counties, client, tmp_path_factory) -> FirstBatch:
    """counties.csv run once on the shared cluster (tests that rerun copy its folder first)."""
    specs = read_counties(counties / "counties.csv")
    out = tmp_path_factory.mktemp("first") / "out"
    seen: list[tuple[str, int, int]] = []
    res = run_batch(
        specs, out, client=client, on_progress=lambda r, d, n: seen.append((r["id"], d, n))
    )
    return FirstBatch(specs=specs, out=out, result=res, seen=seen)
