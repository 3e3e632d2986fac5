"""Batch throughput: counties per hour on a local Dask cluster with 1 and 2 workers.

Usage (from the repository root)::

    .venv/bin/python benchmarks/batch.py                 # 16 counties, 1 and 2 workers (~2 min)
    .venv/bin/python benchmarks/batch.py --counties 8 --workers 1 2 --keep /tmp/bench-batch

The counties are *generated* (:func:`access15.datasets.generate_county`,
seeds 101, 102, ...):
sizes 16-30 km (about 200-700 km², 1,300-5,000 road nodes, 30-110 k population cells),
2-5 townships, varied clinic coverage; each runs the whole pipeline with K = 2 (coverage,
exact siting, isochrones, map and every output file; no robustness reruns), as `access15
batch` does. Each worker count gets a fresh LocalCluster (one single-threaded worker process
per worker) and a fresh output folder; the cluster's start-up is timed apart from the batch.
A serial loop of ``run_county`` in this process is the baseline without Dask.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path


def make_counties(root: Path, n: int) -> Path:
    from access15.datasets import generate_county

    rows = []
    for i in range(n):
        seed = 101 + i
        size = 16 + (i * 7) % 15  # 16..30 km
        towns = 2 + i % 4
        clinics = (0.2, 0.5, 0.7, 0.9)[i % 4]
        generate_county(
            root / f"c{seed}", seed=seed, size_km=size, townships=towns, clinic_share=clinics
        )
        rows.append(
            {
                "id": f"99{seed:04d}",
                "osm": f"c{seed}/county.osm.pbf",
                "population": f"c{seed}/population.tif",
                "boundary": f"c{seed}/county.geojson",
                "zones": f"c{seed}/townships.geojson",
                "k": 2,
            }
        )
    path = root / "counties.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def serial(csv_path: Path, out: Path) -> dict:
    from access15.batch import read_counties
    from access15.pipeline import OutputOptions, Study, run_county

    specs = read_counties(csv_path)
    t0 = time.perf_counter()
    for s in specs:
        run_county(
            Study(s.osm, s.population, s.boundary, s.zones),
            siting=s.siting_options(),
            robustness=False,
            outputs=OutputOptions(out_dir=out / s.folder, basemap=None),
        )
    wall = time.perf_counter() - t0
    return {"workers": "serial (no Dask)", "startup_s": 0.0, "wall_s": wall, "n": len(specs)}


def _warm_up() -> None:
    import access15.pipeline  # noqa: F401


def on_cluster(csv_path: Path, out: Path, workers: int) -> dict:
    from distributed import Client, LocalCluster

    from access15.batch import read_counties, run_batch

    specs = read_counties(csv_path)
    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_up)  # workers up, access15 imported
        startup = time.perf_counter() - t0
        t1 = time.perf_counter()
        res = run_batch(specs, out, client=client)
        wall = time.perf_counter() - t1
    assert res.counts["ok"] == len(specs), res.failed
    return {
        "workers": workers,
        "startup_s": startup,
        "wall_s": wall,
        "n": len(specs),
        "task_s_mean": float(res.summary["seconds"].mean()),
        "pipeline_s_mean": float(res.summary["run_seconds"].mean()),
        "nodes": [int(res.summary["network_nodes"].min()), int(res.summary["network_nodes"].max())],
        "population": [
            float(res.summary["population"].min()),
            float(res.summary["population"].max()),
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counties", type=int, default=16)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--no-serial", action="store_true", help="skip the serial baseline")
    ap.add_argument("--keep", type=Path, help="keep the counties and outputs in this folder")
    args = ap.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    root = args.keep or Path(tempfile.mkdtemp(prefix="access15-bench-batch-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        csv_path = make_counties(root / "in", args.counties)
        gen_s = time.perf_counter() - t0
        runs = []
        if not args.no_serial:
            load = os.getloadavg()[0]
            runs.append({**serial(csv_path, root / "out-serial"), "load_before": load})
        for w in args.workers:
            load = os.getloadavg()[0]
            runs.append({**on_cluster(csv_path, root / f"out-{w}w", w), "load_before": load})
        for r in runs:
            r["counties_per_hour"] = r["n"] / r["wall_s"] * 3600.0
        doc = {
            "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
            "python": platform.python_version(),
            "generate_s": gen_s,
            "runs": runs,
        }
        print(json.dumps(doc, indent=2))
        print()
        print(
            "| workers | counties | cluster start-up | batch wall time | counties/hour | speed-up "
            "| load before |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        base = next((r for r in runs if r["workers"] == 1), runs[0])
        for r in runs:
            print(
                f"| {r['workers']} | {r['n']} | {r['startup_s']:.1f} s | {r['wall_s']:.1f} s | "
                f"{r['counties_per_hour']:,.0f} | {base['wall_s'] / r['wall_s']:.2f}× | "
                f"{r['load_before']:.1f} |"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
