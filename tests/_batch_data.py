"""Counties CSVs for the batch tests (tests/batch/): rows, writers and small readers."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from access15.batch import read_log

HOSTILE = "<img src=x onerror=alert(1)>澜`${1}`"
# (seed, size_km, townships, clinic_share): small and varied, well under a second each
GOOD = [(11, 6, 2, 0.7), (12, 8, 2, 0.2), (13, 7, 3, 0.7), (14, 9, 2, 0.0), (15, 6, 2, 0.7),
        (16, 8, 3, 0.5)]  # fmt: skip
FIELDS = ["id", "name", "osm", "population", "boundary", "zones", "facilities", "k"]


def write_csv(path: Path, rows: list[dict], fields: list[str] = FIELDS) -> Path:
    """Write ``rows`` as a counties CSV with the header ``fields``."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


def read_rows(counties: Path) -> list[dict]:
    """Rows of counties.csv with absolute paths (for CSVs written elsewhere)."""
    with open(counties / "counties.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for key in ("osm", "population", "boundary", "zones"):
            if r[key]:
                r[key] = str(counties / r[key])
    return rows


def row(cid: str, folder: str, **kw: object) -> dict:
    """One county row whose files are the generated county in ``folder``."""
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


def events(out: Path, spec, run_id: str, event: str) -> int:
    """How many ``event`` lines of run ``run_id`` the county's attempt log holds."""
    return sum(1 for e in read_log(out, spec) if e["run_id"] == run_id and e["event"] == event)


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file of ``folder``: (mtime in ns, sha256)."""
    return {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
    }
