"""Many counties on a Dask cluster: one task per county, fault isolation, resumable, roll-up.

A batch is a CSV with one row per county (see :func:`read_counties`). Each county is one task
on a ``dask.distributed`` cluster (a local one, or an existing scheduler, e.g. started by
dask-jobqueue on Slurm/PBS or by dask-kubernetes); the task runs
:func:`access15.pipeline.run_county` into ``DIR/<safe id>/``, which writes atomically with
``manifest.json`` last.

* **Fault isolation.** A county that fails on bad input (any
  :class:`~access15.errors.Access15Error`) is recorded as ``failed`` with its message and is
  not retried; any other exception, and the death of the worker running it, is retried by
  Dask (``retries``, and the scheduler's ``distributed.scheduler.allowed-failures`` for dead
  workers). The other counties go on.
* **Resumable.** A county whose folder is *complete* is skipped (``skipped-complete``):
  ``manifest.json`` exists, every output it lists exists with the sha256 it records, the input
  files still have the sha256 recorded, and the parameters (k, mode, minutes, CRS, the effective
  configuration ...) are those of the CSV row.
* **Roll-up.** ``DIR/summary.csv`` and ``DIR/summary.parquet`` (GeoParquet with the county
  boundaries), one row per county, ``DIR/map.html`` (coverage by county, offline) and
  ``DIR/batch.json`` (the run). ``DIR/_batch/<safe id>.jsonl`` logs every attempt (start, done,
  failed, skipped) with the worker and process that ran it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from access15.config import MODES, Config, load_config
from access15.errors import Access15Error, InputError
from access15.outputs.files import file_sha256, safe_name

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    from distributed import Client

__all__ = [
    "STATUSES",
    "BatchResult",
    "CountySpec",
    "batch_map",
    "is_complete",
    "read_counties",
    "read_log",
    "run_batch",
]

logger = logging.getLogger(__name__)

STATUSES = ("ok", "failed", "skipped-complete")
LOG_DIR = "_batch"  # DIR/_batch/<safe id>.jsonl; safe_name() never yields a leading "_"
_REQUIRED = ("id", "osm", "population", "boundary")
_OPTIONAL = (
    "name",
    "zones",
    "facilities",
    "k",
    "crs_in",
    "mode",
    "minutes",
    "config",
    "robustness",
)
_TRUE = frozenset({"1", "true", "yes", "y", "是"})
_FALSE = frozenset({"", "0", "false", "no", "n", "否"})
_SHARE_BINS = (0.5, 0.7, 0.85, 0.95)  # map classes of the headline covered share
_SHARE_COLOURS = ("#d73027", "#fc8d59", "#d9ef8b", "#91cf60", "#1a9850")
_NO_DATA_COLOUR = "#bdbdbd"
_CONNECT_TIMEOUT = "10s"  # to an existing scheduler

ProgressCallback = Callable[[dict[str, Any], int, int], None]


# ------------------------------------------------------------------------------ counties CSV
@dataclass(frozen=True)
class CountySpec:
    """One county of a batch: its inputs (absolute paths) and parameters.

    Parameters
    ----------
    id : str
        Unique identifier (e.g. the adcode); the output folder is ``safe_name(id)``.
    osm : str
        OSM file (absolute path) or a place name to download (cached).
    population, boundary : str
        Population raster or points, county boundary (absolute paths).
    name : str
        Display name (default: the boundary's ``name``).
    zones, facilities, config : str, optional
        Township polygons, facility list (default: the OSM facilities), TOML configuration.
    k : int, optional
        Township centres to upgrade (default: the configuration's ``k``).
    crs_in : str, optional
        Coordinates of the user files (``gcj02``, ``bd09``, ``wgs84``, ``EPSG:n``).
    mode : str
        ``drive``, ``ebike`` or ``walk``.
    minutes : float, optional
        Threshold of the headline service level, minutes (default 15).
    robustness : bool
        Also run the sensitivity of the ranking (9 more siting runs; off by default in batches).

    Examples
    --------
    >>> CountySpec(id="430124/宁乡", osm="x.osm.pbf", population="p.tif", boundary="b").folder
    '430124_宁乡'
    """

    id: str
    osm: str
    population: str
    boundary: str
    name: str = ""
    zones: str | None = None
    facilities: str | None = None
    k: int | None = None
    crs_in: str | None = None
    mode: str = "drive"
    minutes: float | None = None
    config: str | None = None
    robustness: bool = False

    @property
    def folder(self) -> str:
        """Name of the county's output folder inside the batch folder."""
        return safe_name(self.id)

    def effective_config(self) -> Config:
        """Return the configuration this county runs with (TOML file, then ``k``, ``minutes``)."""
        from dataclasses import replace

        cfg = load_config(self.config, k=self.k)
        if self.minutes is not None:
            head = replace(
                cfg.levels[0],
                minutes=float(self.minutes),
                label=f"{cfg.levels[0].name} within {self.minutes:g} min",
            )
            cfg = replace(cfg, levels=(head, *cfg.levels[1:]))
        return cfg

    def input_files(self) -> dict[str, str]:
        """Input files by the names ``manifest.json`` records them under (place names excluded)."""
        files = {"population": self.population, "boundary": self.boundary}
        if _is_file(self.osm):
            files["osm"] = self.osm
        if self.zones is not None:
            files["zones"] = self.zones
        if self.facilities is not None:
            files["facilities"] = self.facilities
        return files

    def fingerprint(self, basemap: str | None = None) -> str:
        """Hex sha256 of the parameters that shape the outputs (not the input bytes).

        Input files are checked separately against the sha256 recorded in ``manifest.json``,
        so a moved batch (same bytes, new paths) is still complete.
        """
        doc = {
            "scheme": 1,
            "id": self.id,
            "osm_query": None if _is_file(self.osm) else self.osm,
            "inputs": sorted(self.input_files()),
            "k": self.k,
            "crs_in": self.crs_in,
            "mode": self.mode,
            "robustness": self.robustness,
            "basemap": basemap,
            "configuration": self.effective_config().fingerprint(),
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _is_file(value: str) -> bool:
    try:
        return Path(value).is_file()
    except (OSError, ValueError):
        return False


def _decode_csv(p: Path) -> str:
    raw = p.read_bytes()
    encodings = (
        ("utf-16",) if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    )
    for enc in encodings:
        try:
            return raw.decode(enc).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
    msg = f"cannot decode counties file {str(p)!r}; save it as CSV UTF-8 (or GBK/GB18030)"
    raise InputError(msg)


def read_counties(path: str | Path) -> list[CountySpec]:
    """Read and validate a batch CSV: one row per county.

    Columns (header names are case-insensitive): ``id``, ``osm`` (OSM file, or a place name
    to download), ``population`` and ``boundary`` are required; ``name``, ``zones``,
    ``facilities`` (file, or ``osm``/blank for the OSM facilities), ``k``, ``crs_in``,
    ``mode`` (drive/ebike/walk), ``minutes`` (headline threshold), ``config`` (TOML) and
    ``robustness`` (true/false) are optional; a blank cell means the default. Paths are
    relative to the CSV's folder.

    Every problem of the whole file is collected and reported at once, before anything runs.

    Parameters
    ----------
    path : str or Path
        The counties CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 or UTF-16).

    Returns
    -------
    list of CountySpec
        In file order, with absolute paths.

    Raises
    ------
    InputError
        Listing every problem, one per line (``line N: ...``, as numbered in a text editor).
    """
    import csv
    import io

    p = Path(path)
    if not p.is_file():
        msg = f"counties file {str(p)!r} not found; give a CSV with one row per county"
        raise InputError(msg)
    text = _decode_csv(p)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or not any(c.strip() for c in rows[0]):
        msg = (
            f"counties file {str(p)!r} is empty; its header needs the columns "
            f"{', '.join(_REQUIRED)}"
        )
        raise InputError(msg)
    header = [c.strip().lower() for c in rows[0]]
    problems: list[str] = []
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    unknown = [c for c in header if c and c not in _REQUIRED + _OPTIONAL]
    if unknown:
        problems.append(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f" (known: {', '.join(_REQUIRED + _OPTIONAL)})"
        )
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        problems.append(f"repeated column{'s' if len(dupes) > 1 else ''} {', '.join(dupes)}")
    if problems:
        raise InputError(_problems_message(p, problems))

    base = p.resolve().parent
    specs: list[CountySpec] = []
    seen_id: dict[str, int] = {}
    seen_folder: dict[str, tuple[int, str]] = {}
    for line, raw in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in raw):
            continue
        if len(raw) > len(header) and any(v.strip() for v in raw[len(header) :]):
            problems.append(f"line {line}: more values than columns; quote values with commas")
            continue
        row = {h: (raw[i].strip() if i < len(raw) else "") for i, h in enumerate(header) if h}
        spec, errs = _spec_from_row(row, base)
        problems.extend(f"line {line}: {e}" for e in errs)
        if spec is None:
            continue
        if spec.id in seen_id:
            problems.append(f"line {line}: id {spec.id!r} repeats line {seen_id[spec.id]}")
            continue
        seen_id[spec.id] = line
        other = seen_folder.get(spec.folder)
        if other is not None:
            problems.append(
                f"line {line}: id {spec.id!r} and id {other[1]!r} (line {other[0]}) give the "
                f"same output folder {spec.folder!r}; make the ids differ in letters or digits"
            )
            continue
        seen_folder[spec.folder] = (line, spec.id)
        specs.append(spec)
    if not specs and not problems:
        problems.append("no county rows under the header")
    if problems:
        raise InputError(_problems_message(p, problems))
    return specs


def _problems_message(p: Path, problems: list[str]) -> str:
    n = len(problems)
    head = f"counties file {str(p)!r} has {n} problem{'s' if n > 1 else ''}; fix and rerun"
    return head + ":\n  " + "\n  ".join(problems)


def _spec_from_row(row: dict[str, str], base: Path) -> tuple[CountySpec | None, list[str]]:
    """One CSV row → CountySpec, or None with the row's problems."""
    from access15.io.osm import _GRAPHML_SUFFIXES, _OSM_SUFFIXES

    errs: list[str] = []
    cid = row.get("id", "")
    if not cid:
        errs.append("id is blank")

    def file_of(col: str, what: str, *, required: bool) -> str | None:
        value = row.get(col, "")
        if not value:
            if required:
                errs.append(f"{col} is blank; give the {what} file")
            return None
        q = Path(value).expanduser()
        q = q if q.is_absolute() else base / q
        if not q.is_file():
            errs.append(f"{col} file {value!r} not found (paths are relative to the CSV's folder)")
            return None
        return str(q.resolve())

    osm_value = row.get("osm", "")
    osm: str | None = None
    if not osm_value:
        errs.append("osm is blank; give an OSM file or a place name")
    else:
        q = Path(osm_value).expanduser()
        q = q if q.is_absolute() else base / q
        looks_like_path = (
            osm_value.lower().endswith(_OSM_SUFFIXES + _GRAPHML_SUFFIXES)
            or "/" in osm_value
            or "\\" in osm_value
        )
        if q.is_file():
            osm = str(q.resolve())
        elif looks_like_path:
            errs.append(
                f"osm file {osm_value!r} not found (paths are relative to the CSV's folder)"
            )
        else:
            osm = osm_value  # a place name, downloaded once and cached
    population = file_of("population", "population raster or points", required=True)
    boundary = file_of("boundary", "county boundary", required=True)
    zones = file_of("zones", "township polygons", required=False)
    fac_value = row.get("facilities", "")
    facilities = (
        None if fac_value.lower() in ("", "osm") else file_of("facilities", "", required=False)
    )
    config = file_of("config", "TOML configuration", required=False)

    k: int | None = None
    if row.get("k"):
        try:
            k = int(row["k"])
        except ValueError:
            k = None
            errs.append(f"k {row['k']!r} is not a whole number")
        else:
            if k < 1:
                errs.append(f"k must be >= 1, got {k}")
    minutes: float | None = None
    if row.get("minutes"):
        try:
            minutes = float(row["minutes"])
        except ValueError:
            errs.append(f"minutes {row['minutes']!r} is not a number")
        else:
            if not (math.isfinite(minutes) and minutes > 0):
                errs.append(f"minutes must be > 0, got {row['minutes']}")
    mode = row.get("mode", "").lower() or "drive"
    if mode not in MODES:
        errs.append(f"mode {row['mode']!r} is not one of {', '.join(MODES)}")
    crs_in = row.get("crs_in") or None
    if crs_in is not None:
        from access15.io.areas import _parse_crs_in

        try:
            _parse_crs_in(crs_in)
        except InputError:
            errs.append(f"crs_in {crs_in!r} is not a CRS; use gcj02, bd09, wgs84 or EPSG:<code>")
    rob = row.get("robustness", "").lower()
    if rob not in _TRUE | _FALSE:
        errs.append(f"robustness {row['robustness']!r} is not true or false")
    if config is not None and not errs:
        try:
            load_config(config, k=k)
        except InputError as exc:
            errs.append(str(exc))
    if errs or osm is None or population is None or boundary is None:
        return None, errs
    spec = CountySpec(
        id=cid,
        name=row.get("name", ""),
        osm=osm,
        population=population,
        boundary=boundary,
        zones=zones,
        facilities=facilities,
        k=k,
        crs_in=crs_in,
        mode=mode,
        minutes=minutes,
        config=config,
        robustness=rob in _TRUE,
    )
    try:
        spec.effective_config()
    except InputError as exc:
        return None, [str(exc)]
    return spec, []


# ------------------------------------------------------------------------------ completeness
def _incomplete_reason(folder: Path, spec: CountySpec, basemap: str | None) -> str | None:
    """Why ``folder`` does not hold this county's complete outputs, or None when it does."""
    man_path = folder / "manifest.json"
    if not man_path.is_file():
        return "no manifest.json"
    try:
        man = json.loads(man_path.read_text(encoding="utf-8"))
        outputs = dict(man["outputs"])
        inputs = dict(man["inputs"])
    except (OSError, ValueError, KeyError, TypeError):
        return "manifest.json unreadable"
    if "summary.json" not in outputs:
        return "manifest lists no summary.json"
    for name, sha in outputs.items():
        f = folder / name
        if not f.is_file():
            return f"{name} missing"
        if file_sha256(f) != sha:
            return f"{name} changed since it was written"
    expected = spec.input_files()
    for kind, path in expected.items():
        rec = inputs.get(kind)
        if not isinstance(rec, dict) or rec.get("sha256") != file_sha256(path):
            return f"input {kind} changed"
    recorded = {k for k, v in inputs.items() if isinstance(v, dict) and "sha256" in v}
    if recorded != set(expected):
        return "inputs differ from the CSV row"
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        fingerprint = summary["batch"]["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return "summary.json has no batch fingerprint"
    if fingerprint != spec.fingerprint(basemap):
        return "parameters differ from the CSV row"
    return None


def is_complete(folder: str | Path, spec: CountySpec, *, basemap: str | None = None) -> bool:
    """Whether ``folder`` holds complete, current outputs of ``spec`` (a rerun would skip it).

    Complete: ``manifest.json`` exists; every output it lists exists with the recorded
    sha256; the input files have the sha256 recorded; and the parameters and effective
    configuration equal those of ``spec`` (``basemap`` as given to :func:`run_batch`).
    """
    return _incomplete_reason(Path(folder), spec, basemap) is None


# ------------------------------------------------------------------------------ the task
def _log_event(out: Path, spec: CountySpec, event: str, run_id: str, **extra: Any) -> None:
    """Append one line to ``DIR/_batch/<folder>.jsonl`` (one county runs once at a time)."""
    log = out / LOG_DIR / f"{spec.folder}.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "run_id": run_id,
        "event": event,
        "utc": datetime.now(UTC).isoformat(timespec="milliseconds"),
        **_where(),
        **extra,
    }
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps(doc, ensure_ascii=False) + "\n")


def _where() -> dict[str, Any]:
    import socket

    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):
        worker = None
    return {"worker": worker, "host": socket.gethostname(), "pid": os.getpid()}


def read_log(out_dir: str | Path, spec: CountySpec) -> list[dict[str, Any]]:
    """Events of a county's attempt log (``DIR/_batch/<folder>.jsonl``), oldest first."""
    log = Path(out_dir) / LOG_DIR / f"{spec.folder}.jsonl"
    if not log.is_file():
        return []
    events = []
    for line in log.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):  # a line cut by a killed process
            events.append(json.loads(line))
    return events


def _attempts(out: Path, spec: CountySpec, run_id: str) -> int:
    return sum(
        1 for e in read_log(out, spec) if e.get("run_id") == run_id and e.get("event") == "start"
    )


def _boundary_info(spec: CountySpec) -> tuple[bytes | None, str]:
    """County outline (WKB, WGS-84) and name from the boundary file, if readable."""
    try:
        from access15.io.areas import read_boundary

        b = read_boundary(spec.boundary, **({"crs_in": spec.crs_in} if spec.crs_in else {}))
        geom = b.to_crs("EPSG:4326").geometry.union_all()
        name = str(b["name"].iloc[0]) if "name" in b.columns and len(b) else ""
        return geom.wkb, name
    except Exception:  # the task reports the real error when it runs
        logger.debug("boundary of %s unreadable", spec.id, exc_info=True)
        return None, ""


def _county_task(
    spec: CountySpec,
    out_dir: str,
    run_id: str,
    *,
    resume: bool,
    basemap: str | None,
    cache_dir: str | None,
    runner: Callable[..., Any] | None,
) -> dict[str, Any]:
    """Run (or skip) one county on a worker; return its roll-up record.

    Permanent errors (:class:`Access15Error`) are returned as a ``failed`` record; any other
    exception propagates so that Dask retries the task.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    folder = out / spec.folder
    wkb, boundary_name = _boundary_info(spec)
    name = spec.name or boundary_name or spec.id
    if resume:
        reason = _incomplete_reason(folder, spec, basemap)
        if reason is None:
            _log_event(out, spec, "skipped", run_id)
            rec = _record_from_folder(spec, folder, name, "skipped-complete")
            return {**rec, "attempts": 0, "seconds": time.perf_counter() - t0, "geometry": wkb}
        logger.debug("county %s: running (%s)", spec.id, reason)
    _log_event(out, spec, "start", run_id)
    for stale in out.glob(f".{spec.folder}.tmp-*"):  # left by a killed attempt
        shutil.rmtree(stale, ignore_errors=True)
    if runner is None:
        from access15.pipeline import run_county

        runner = run_county
    t_run = time.perf_counter()
    try:
        cfg = spec.effective_config()
        runner(
            osm=spec.osm,
            population=spec.population,
            boundary=spec.boundary,
            zones=spec.zones,
            facilities=spec.facilities,
            crs_in=spec.crs_in,
            config=cfg,
            mode=spec.mode,
            k=spec.k,
            recommend=True,
            robustness=spec.robustness,
            title=f"{name} — {cfg.levels[0].minutes:g}-minute access",
            basemap=basemap,
            out_dir=folder,
            cache_dir=cache_dir,
            extra_summary={
                "batch": {
                    "county_id": spec.id,
                    "name": name,
                    "run_id": run_id,
                    "fingerprint": spec.fingerprint(basemap),
                }
            },
        )
    except Access15Error as exc:
        _log_event(out, spec, "failed", run_id, error=str(exc))
        rec = _empty_record(spec, name, "failed", error=f"{type(exc).__name__}: {exc}")
    else:
        run_s = time.perf_counter() - t_run
        _log_event(out, spec, "done", run_id)
        rec = {**_record_from_folder(spec, folder, name, "ok"), "run_seconds": run_s}
    return {
        **rec,
        "attempts": _attempts(out, spec, run_id),
        "seconds": time.perf_counter() - t0,
        "geometry": wkb,
    }


# ------------------------------------------------------------------------------ records
def _empty_record(spec: CountySpec, name: str, status: str, *, error: str = "") -> dict[str, Any]:
    return {
        "id": spec.id,
        "name": name,
        "status": status,
        "error": error,
        "folder": spec.folder,
        "k": spec.k,
        "mode": spec.mode,
    }


def _record_from_folder(spec: CountySpec, folder: Path, name: str, status: str) -> dict[str, Any]:
    """Roll-up fields of a county, read back from its ``summary.json``."""
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    rec = _empty_record(spec, name, status)
    rec["population"] = s.get("population_total")
    rec["headline_level"] = s.get("headline_level")
    rec["headline_label"] = ((s.get("levels") or {}).get(s.get("headline_level")) or {}).get(
        "label"
    )
    rec["covered_share"] = s.get("covered_share")
    for lv_name, lv in (s.get("levels") or {}).items():
        rec[f"share_{lv_name}"] = lv.get("covered_share")
        rec[f"minutes_{lv_name}"] = lv.get("minutes")
    rec["off_network_share"] = s.get("off_network_share")
    rec["minutes_p90"] = s.get("minutes_p90")
    r = s.get("recommendation") or {}
    rec["upgrade_level"] = r.get("level")
    rec["k"] = r.get("k", spec.k)
    rec["share_before"] = r.get("baseline_share")
    rec["share_after"] = r.get("share_after")
    rec["recommended_sites"] = ";".join(map(str, r.get("sites", [])))
    rec["recommended_names"] = ";".join(_recommended_names(folder))
    diags = s.get("diagnostics") or []
    rec["n_diagnostics"] = len(diags)
    rec["diagnostics"] = " | ".join(map(str, diags))
    net = s.get("network") or {}
    rec["network_nodes"] = net.get("nodes")
    rec["run_id"] = (s.get("batch") or {}).get("run_id")
    return rec


def _recommended_names(folder: Path) -> list[str]:
    import pandas as pd

    p = folder / "recommendations.csv"
    if not p.is_file():
        return []
    df = pd.read_csv(p, dtype={"name": str}, keep_default_na=False)
    return df["name"].tolist() if "name" in df.columns else []


# ------------------------------------------------------------------------------ result
@dataclass(frozen=True, repr=False)
class BatchResult:
    """What a batch produced: the roll-up table (one row per county) and its files."""

    summary: gpd.GeoDataFrame
    out_dir: Path
    outputs: dict[str, Path]
    run_id: str
    seconds: float
    workers: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> gpd.GeoDataFrame:
        """The rows of counties that failed (with their ``error``)."""
        return self.summary[self.summary["status"] == "failed"]

    def __repr__(self) -> str:
        parts = ", ".join(f"{self.counts.get(s, 0)} {s}" for s in STATUSES)
        return (
            f"BatchResult({len(self.summary)} counties: {parts}; {self.seconds:.1f} s on "
            f"{self.workers} workers; {self.out_dir})"
        )


# ------------------------------------------------------------------------------ driver
def run_batch(
    counties: Sequence[CountySpec] | str | Path,
    out_dir: str | Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Client | None = None,
    retries: int = 2,
    resume: bool = True,
    basemap: str | None = None,
    cache_dir: str | Path | None = None,
    on_progress: ProgressCallback | None = None,
    runner: Callable[..., Any] | None = None,
) -> BatchResult:
    """Run many counties on a Dask cluster, one task per county, and write the roll-up.

    Parameters
    ----------
    counties : sequence of CountySpec, or path of a counties CSV
        See :func:`read_counties` (validated before any cluster starts).
    out_dir : str or Path
        Batch folder: ``<safe id>/`` per county, ``summary.csv``, ``summary.parquet``,
        ``map.html``, ``batch.json`` and ``_batch/`` (attempt logs).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``), e.g. of a dask-jobqueue
        or Kubernetes cluster; workers must see the same file system and have access15
        installed. Default: start a local cluster (one single-threaded worker process per
        core, or ``workers``) and close it at the end.
    workers : int, optional
        Local cluster: number of worker processes. With ``scheduler``: wait until this many
        workers are connected (up to 10 minutes) before submitting.
    client : distributed.Client, optional
        Use this client (and its cluster) instead; it is left open.
    retries : int, default 2
        Extra attempts for a county whose task raised an unexpected exception. Bad-input
        errors are not retried; a county whose worker died is rescheduled by the scheduler
        (up to ``distributed.scheduler.allowed-failures`` times).
    resume : bool, default True
        Skip counties whose folder is complete (:func:`is_complete`); False reruns them all.
    basemap : str, optional
        Background of the county maps and of ``map.html`` (``osm``, ``positron``); None for
        none (synthetic counties, or offline use).
    cache_dir : str or Path, optional
        Cache of downloads and networks, shared by the workers.
    on_progress : callable, optional
        ``on_progress(record, done, total)`` after each county (in the calling process).
    runner : callable, optional
        Function run per county with :func:`~access15.pipeline.run_county`'s keywords
        (default ``run_county``); for wrapping the pipeline, e.g. in tests.

    Returns
    -------
    BatchResult
    """
    from distributed import as_completed

    specs = read_counties(counties) if isinstance(counties, str | Path) else list(counties)
    if not specs:
        msg = "no counties to run; give a CSV with one row per county"
        raise InputError(msg)
    folders = [s.folder for s in specs]
    if len(set(folders)) != len(folders):
        msg = "two counties have the same output folder (safe_name of their ids); make ids unique"
        raise InputError(msg)
    if retries < 0:
        msg = f"retries must be >= 0, got {retries}"
        raise InputError(msg)
    from access15.outputs.maps import check_basemap

    basemap = check_basemap(basemap)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        msg = f"--out {str(out)!r} exists and is not a folder; choose another path"
        raise InputError(msg)
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    records: list[dict[str, Any] | None] = [None] * len(specs)
    with _cluster(client, scheduler, workers, len(specs)) as (cl, n_workers, address):
        futures = {}
        for i, spec in enumerate(specs):
            fut = cl.submit(
                _county_task,
                spec,
                str(out),
                run_id,
                resume=resume,
                basemap=basemap,
                cache_dir=None if cache_dir is None else str(cache_dir),
                runner=runner,
                key=f"access15-county-{i}-{run_id}",
                retries=retries,
                pure=False,
            )
            futures[fut] = i
        try:
            for done, fut in enumerate(as_completed(list(futures)), start=1):
                i = futures[fut]
                rec = _collect(fut, specs[i], out, run_id, retries)
                records[i] = rec
                logger.info("county %s: %s", specs[i].id, rec["status"])
                if on_progress is not None:
                    on_progress(rec, done, len(specs))
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
    seconds = time.perf_counter() - t0
    final = [r for r in records if r is not None]
    summary = _summary_frame(final)
    counts = {s: int((summary["status"] == s).sum()) for s in STATUSES}
    run_doc = {
        "tool": "access15",
        "run_id": run_id,
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": seconds,
        "scheduler": address,
        "workers": n_workers,
        "retries": retries,
        "resume": resume,
        "counties": len(specs),
        "counts": counts,
        "specs": [asdict(s) for s in specs],
    }
    outputs = _write_rollup(out, summary, run_doc, basemap=basemap)
    return BatchResult(
        summary=summary,
        out_dir=out,
        outputs=outputs,
        run_id=run_id,
        seconds=seconds,
        workers=n_workers,
        counts=counts,
    )


@contextlib.contextmanager
def _cluster(client: Client | None, scheduler: str | None, workers: int | None, n_tasks: int):
    """Yield (client, number of workers, scheduler address); close what was opened here."""
    from distributed import Client, LocalCluster

    if workers is not None and workers < 1:
        msg = f"--workers must be >= 1, got {workers}"
        raise InputError(msg)
    if client is not None:
        info = client.scheduler_info()
        yield client, len(info["workers"]), info["address"]
        return
    if scheduler is not None:
        try:
            cl = Client(scheduler, timeout=_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            msg = (
                f"cannot reach the Dask scheduler at {scheduler!r} ({type(exc).__name__}); "
                "check the address (tcp://host:8786) or drop --scheduler to run locally"
            )
            raise InputError(msg) from None
        with cl:
            if workers:
                cl.wait_for_workers(workers, timeout=600)
            yield cl, len(cl.scheduler_info()["workers"]), scheduler
        return
    n = workers or max(1, min(os.cpu_count() or 1, n_tasks))
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: never clashes with another cluster
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as cl,
    ):
        yield cl, n, cluster.scheduler_address


def _collect(fut: Any, spec: CountySpec, out: Path, run_id: str, retries: int) -> dict[str, Any]:
    """Return the record of a finished future (a task that kept failing: a failed record)."""
    if fut.status == "finished":
        return fut.result()
    from distributed import KilledWorker

    exc = fut.exception()
    attempts = _attempts(out, spec, run_id)
    if isinstance(exc, KilledWorker):
        error = (
            f"worker died while running this county ({attempts} attempts); it may need more "
            "memory than a worker has"
        )
    elif fut.status == "cancelled":
        error = "cancelled"
    else:
        error = f"{type(exc).__name__}: {exc} (after {retries + 1} attempts)"
    with contextlib.suppress(OSError):
        _log_event(out, spec, "failed", run_id, error=error)
    wkb, bname = _boundary_info(spec)
    rec = _empty_record(spec, spec.name or bname or spec.id, "failed", error=error)
    return {**rec, "attempts": attempts, "seconds": math.nan, "geometry": wkb}


def _summary_frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd
    import shapely

    df = pd.DataFrame.from_records(records)
    for c in ("attempts", "k", "n_diagnostics", "network_nodes"):
        if c in df.columns:
            df[c] = df[c].astype("Int64")
    front = ["id", "name", "status", "error", "attempts", "seconds", "population", "covered_share"]
    front += [
        c for c in df.columns if c.startswith("share_") and c not in ("share_before", "share_after")
    ]
    cols = [c for c in front if c in df.columns] + [
        c for c in df.columns if c not in front and c != "geometry"
    ]
    geom = [shapely.from_wkb(g) if g is not None else None for g in df["geometry"]]
    return gpd.GeoDataFrame(df[cols], geometry=geom, crs="EPSG:4326")


def _replace_atomic(path: Path, write: Callable[[Path], object]) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _write_rollup(
    out: Path, summary: gpd.GeoDataFrame, run_doc: dict[str, Any], *, basemap: str | None
) -> dict[str, Path]:
    """Write summary.csv, summary.parquet, map.html and batch.json, each atomically."""
    from access15.outputs.files import _clean

    paths = {
        "summary.csv": out / "summary.csv",
        "summary.parquet": out / "summary.parquet",
        "map.html": out / "map.html",
        "batch.json": out / "batch.json",
    }
    table = summary.drop(columns="geometry")
    _replace_atomic(
        paths["summary.csv"],
        lambda p: table.to_csv(p, index=False, float_format="%.6f", encoding="utf-8"),
    )
    _replace_atomic(paths["summary.parquet"], lambda p: summary.to_parquet(p, index=False))
    fmap = batch_map(summary, basemap=basemap)
    _replace_atomic(paths["map.html"], lambda p: fmap.save(str(p)))
    text = json.dumps(_clean(run_doc), indent=2, ensure_ascii=False) + "\n"
    _replace_atomic(paths["batch.json"], lambda p: p.write_text(text, encoding="utf-8"))
    return paths


# ------------------------------------------------------------------------------ map
def _share_colour(share: Any) -> str:
    try:
        v = float(share)
    except (TypeError, ValueError):
        return _NO_DATA_COLOUR
    if not math.isfinite(v):
        return _NO_DATA_COLOUR
    for edge, colour in zip(_SHARE_BINS, _SHARE_COLOURS, strict=False):
        if v < edge:
            return colour
    return _SHARE_COLOURS[-1]


def _number_text(value: Any, fmt: str) -> str:
    """``fmt`` of a finite number, else ``n/a``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return fmt.format(v) if math.isfinite(v) else "n/a"


def _legend_html(label: str) -> str:
    edges = (0.0, *_SHARE_BINS, 1.0)
    rows = [
        f'<div><span style="display:inline-block;width:14px;height:10px;background:{c};'
        f'margin-right:6px"></span>{edges[i]:.0%}–{edges[i + 1]:.0%}</div>'
        for i, c in reversed(list(enumerate(_SHARE_COLOURS)))
    ]
    rows.append(
        f'<div><span style="display:inline-block;width:14px;height:10px;'
        f'background:{_NO_DATA_COLOUR};margin-right:6px"></span>failed / no data</div>'
    )
    return (
        '<div id="access15-legend" style="position:fixed;bottom:30px;right:12px;z-index:1000;'
        "background:rgba(255,255,255,.92);padding:6px 10px;border-radius:4px;"
        'box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px sans-serif">'
        f"<b>Population covered: {label}</b>" + "".join(rows) + "</div>"
    )


def batch_map(
    summary: gpd.GeoDataFrame,
    *,
    basemap: str | None = None,
    title: str = "Coverage by county",
    simplify_deg: float = 0.001,
) -> folium.Map:
    """Choropleth of the headline covered share by county (opens offline; names escaped).

    Parameters
    ----------
    summary : GeoDataFrame
        The roll-up (:attr:`BatchResult.summary`), WGS-84 county outlines.
    basemap : {"osm", "positron", None}
        Background tiles (None: none).
    title : str
        Shown at the top (escaped).
    simplify_deg : float
        Outlines are simplified to this tolerance for display, degrees (0.001° ≈ 100 m).

    Returns
    -------
    folium.Map
    """
    import folium
    import shapely

    from access15.outputs.maps import check_basemap, offline_map, tianditu_tiles
    from access15.outputs.maps import escape_text as _esc

    gdf = summary[summary.geometry.notna() & ~summary.geometry.is_empty].copy()
    if len(gdf):
        west, south, east, north = gdf.total_bounds
    else:
        west, south, east, north = 73.0, 18.0, 135.0, 54.0  # China
    m = offline_map([(south + north) / 2, (west + east) / 2], zoom_start=6)
    tiles = check_basemap(basemap)
    if tiles == "tianditu":
        for layer in tianditu_tiles(None):
            folium.TileLayer(**layer).add_to(m)
    elif tiles is not None:
        name = {"osm": "OpenStreetMap", "positron": "CartoDB positron"}[tiles]
        folium.TileLayer(name, name=f"Basemap: {tiles}").add_to(m)
    labels: set[str] = set()
    if len(gdf):
        gdf["geometry"] = shapely.simplify(
            gdf.geometry.values, simplify_deg, preserve_topology=True
        )
        share = gdf["covered_share"] if "covered_share" in gdf else [None] * len(gdf)
        gdf["colour"] = [_share_colour(v) for v in share]
        gdf["share_text"] = [_number_text(v, "{:.1%}") for v in share]
        if "headline_label" in gdf:
            labels = {v for v in gdf["headline_label"] if isinstance(v, str)}
        pop = gdf["population"] if "population" in gdf else [None] * len(gdf)
        gdf["population_text"] = [_number_text(v, "{:,.0f}") for v in pop]
        fields = {
            "name": "county",
            "id": "id",
            "status": "status",
            "share_text": "covered",
            "population_text": "population",
        }
        if "recommended_names" in gdf:
            fields["recommended_names"] = "upgrade first"
        if "error" in gdf:
            fields["error"] = "error"
        show = gdf[[*fields, "colour", "geometry"]].copy()
        if "recommended_names" in show:
            show["recommended_names"] = show["recommended_names"].str.replace(";", "; ")
        for c in fields:
            show[c] = show[c].map(lambda v: "" if v is None or v != v else _esc(v))
        folium.GeoJson(
            show.to_json(),
            name="Counties",
            style_function=lambda f: {
                "fillColor": f["properties"]["colour"],
                "color": "#333333",
                "weight": 1,
                "fillOpacity": 0.8,
            },
            tooltip=folium.GeoJsonTooltip(fields=list(fields), aliases=list(fields.values())),
        ).add_to(m)
    label = labels.pop() if len(labels) == 1 else "headline service level of each county"
    page = m.get_root().html  # type: ignore[attr-defined]  # a branca Figure
    page.add_child(folium.Element(_legend_html(_esc(label))))
    if title:
        page.add_child(
            folium.Element(
                '<div style="position:fixed;top:10px;left:60px;z-index:1000;background:#fff;'
                "padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
                f'font:14px sans-serif"><b>{_esc(title)}</b></div>'
            )
        )
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m
