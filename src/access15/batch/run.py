"""Run a batch on a Dask cluster: one task per county, retries, attempt logs, resume.

Each county is one task on a ``dask.distributed`` cluster (a local one, or an existing
scheduler, e.g. started by dask-jobqueue on Slurm/PBS or by dask-kubernetes); the task runs
:func:`access15.pipeline.run_county` into ``DIR/<safe id>/``, which is swapped in as a whole
folder. A county that fails on bad input is recorded and not retried; any other exception, and
the death of its worker, is retried. ``DIR/_batch/<safe id>.jsonl`` logs every attempt (start,
done, failed, skipped) with the worker and process that ran it. Nothing is written through a
symbolic link at ``DIR/_batch``, ``DIR/<safe id>`` or a log file: the batch is refused, or the
county fails, naming the link.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import logging
import math
import os
import shutil
import socket
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from access15.batch.counties import CountySpec, read_counties
from access15.batch.rollup import (
    STATUSES,
    BatchResult,
    empty_record,
    record_from_folder,
    summary_frame,
    write_rollup,
)
from access15.errors import Access15Error, InputError
from access15.io.areas import read_boundary
from access15.outputs.files import file_sha256
from access15.outputs.maps import check_basemap
from access15.pipeline import OutputOptions, Study, run_county

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["LOG_DIR", "BatchOptions", "ProgressCallback", "is_complete", "read_log", "run_batch"]

logger = logging.getLogger(__name__)

LOG_DIR = "_batch"  # DIR/_batch/<safe id>.jsonl; safe_name() never yields a leading "_"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # POSIX: a link at a log file is refused, not followed
_CONNECT_TIMEOUT = "10s"  # to an existing scheduler

ProgressCallback = Callable[[dict[str, Any], int, int], None]


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs its counties: retries, resume, the maps' basemap, the shared cache.

    Attributes
    ----------
    retries : int
        Extra attempts for a county whose task raised an unexpected exception (>= 0). Bad-input
        errors are not retried; a county whose worker died is rescheduled by the scheduler
        (up to ``distributed.scheduler.allowed-failures`` times).
    resume : bool
        Skip counties whose folder is complete (:func:`is_complete`); False reruns them all.
    basemap : str, optional
        Background of the county maps and of ``map.html`` (``osm``, ``positron``); None or
        ``"none"`` for none (synthetic counties, or offline use).
    cache_dir : str or Path, optional
        Cache of downloads and networks, shared by the workers.

    Examples
    --------
    >>> BatchOptions(retries=0, basemap="none")
    BatchOptions(retries=0, resume=True, basemap=None, cache_dir=None)
    """

    retries: int = 2
    resume: bool = True
    basemap: str | None = None
    cache_dir: str | Path | None = None

    def __post_init__(self) -> None:
        """Check ``retries`` and the basemap."""
        if self.retries < 0:
            msg = f"retries must be >= 0, got {self.retries}"
            raise InputError(msg)
        object.__setattr__(self, "basemap", check_basemap(self.basemap))


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
    configuration equal those of ``spec``.

    Parameters
    ----------
    folder : str or Path
        The county's output folder (``DIR/<spec.folder>``).
    spec : CountySpec
        The county as the counties CSV gives it now.
    basemap : str, optional
        The batch's basemap, as in :class:`BatchOptions`.

    Returns
    -------
    bool
        True when a rerun would skip the county.
    """
    return _incomplete_reason(Path(folder), spec, basemap) is None


def _links(out: Path, names: Sequence[str]) -> list[Path]:
    """Return the entries ``out/<name>`` that are symbolic links (never written through)."""
    return [out / n for n in names if (out / n).is_symlink()]


def _batch_paths(specs: Sequence[CountySpec]) -> list[str]:
    """Return what a batch writes under its folder: ``_batch``, each log, each county folder."""
    return [LOG_DIR] + [p for s in specs for p in (f"{LOG_DIR}/{s.folder}.jsonl", s.folder)]


def _link_message(links: Sequence[Path], out: Path) -> str:
    more = f" (and {len(links) - 1} more)" if len(links) > 1 else ""
    return (
        f"{str(links[0])!r}{more} is a symbolic link; a batch writes only inside "
        f"{str(out)!r}, never through a link: remove it and run again"
    )


def _log_event(out: Path, spec: CountySpec, event: str, run_id: str, **extra: Any) -> None:
    """Append one line to ``DIR/_batch/<folder>.jsonl`` (one county runs once at a time)."""
    links = _links(out, [LOG_DIR])
    if links:
        raise InputError(_link_message(links, out))
    log = out / LOG_DIR / f"{spec.folder}.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "run_id": run_id,
        "event": event,
        "utc": datetime.now(UTC).isoformat(timespec="milliseconds"),
        **_where(),
        **extra,
    }
    try:  # O_NOFOLLOW: a link planted at the log's name is refused, not followed
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise InputError(_link_message([log], out)) from None
    with open(fd, "a", encoding="utf-8") as f:
        f.write(json.dumps(doc, ensure_ascii=False) + "\n")


def _where() -> dict[str, Any]:
    try:
        from distributed import get_worker  # noqa: PLC0415  (distributed loads only in a batch)

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
        b = read_boundary(spec.boundary, crs_in=spec.crs_in)
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
    options: BatchOptions,
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
    links = _links(out, _batch_paths([spec]))  # planted since the batch started
    if links:
        error = f"InputError: {_link_message(links, out)}"
        rec = empty_record(spec, name, "failed", error=error)
        return {**rec, "attempts": 0, "seconds": time.perf_counter() - t0, "geometry": wkb}
    basemap = options.basemap
    if options.resume:
        reason = _incomplete_reason(folder, spec, basemap)
        if reason is None:
            _log_event(out, spec, "skipped", run_id)
            rec = record_from_folder(spec, folder, name, "skipped-complete")
            return {**rec, "attempts": 0, "seconds": time.perf_counter() - t0, "geometry": wkb}
        logger.debug("county %s: running (%s)", spec.id, reason)
    _log_event(out, spec, "start", run_id)
    for stale in out.glob(f".{spec.folder}.tmp-*"):  # left by a killed attempt
        shutil.rmtree(stale, ignore_errors=True)
    run = run_county if runner is None else runner
    # only when asked for: a runner written for an earlier run_county needs no supply keyword
    sup = spec.supply_options()
    supply: dict[str, Any] = {} if sup is None else {"supply": sup}
    t_run = time.perf_counter()
    try:
        cfg = spec.effective_config()
        study = Study(
            osm=spec.osm,
            population=spec.population,
            boundary=spec.boundary,
            zones=spec.zones,
            facilities=spec.facilities,
            crs_in=spec.crs_in,
            mode=spec.mode,
            title=f"{name} — {cfg.levels[0].minutes:g}-minute access",
            cache_dir=None if options.cache_dir is None else str(options.cache_dir),
        )
        batch_keys = {
            "county_id": spec.id,
            "name": name,
            "run_id": run_id,
            "fingerprint": spec.fingerprint(basemap),
        }
        run(
            study,
            config=cfg,
            siting=spec.siting_options(),
            robustness=spec.robustness,
            **supply,
            outputs=OutputOptions(
                out_dir=folder, basemap=basemap, extra_summary={"batch": batch_keys}
            ),
        )
    except Access15Error as exc:
        _log_event(out, spec, "failed", run_id, error=str(exc))
        rec = empty_record(spec, name, "failed", error=f"{type(exc).__name__}: {exc}")
    else:
        run_s = time.perf_counter() - t_run
        _log_event(out, spec, "done", run_id)
        rec = {**record_from_folder(spec, folder, name, "ok"), "run_seconds": run_s}
    return {
        **rec,
        "attempts": _attempts(out, spec, run_id),
        "seconds": time.perf_counter() - t0,
        "geometry": wkb,
    }


def run_batch(
    counties: Sequence[CountySpec] | str | Path,
    out_dir: str | Path,
    options: BatchOptions | None = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Client | None = None,
    on_progress: ProgressCallback | None = None,
    runner: Callable[..., Any] | None = None,
    **legacy: Any,
) -> BatchResult:
    """Run many counties on a Dask cluster, one task per county, and write the roll-up.

    Parameters
    ----------
    counties : sequence of CountySpec, or path of a counties CSV
        See :func:`read_counties` (validated before any cluster starts).
    out_dir : str or Path
        Batch folder: ``<safe id>/`` per county, ``summary.csv``, ``summary.parquet``,
        ``map.html``, ``batch.json`` and ``_batch/`` (attempt logs).
    options : BatchOptions, optional
        Retries, resume, basemap and cache (default ``BatchOptions()``).
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
    on_progress : callable, optional
        ``on_progress(record, done, total)`` after each county (in the calling process).
    runner : callable, optional
        Function called per county like :func:`~access15.pipeline.run_county` (a
        :class:`~access15.pipeline.Study`, then ``config``, ``siting``, ``robustness`` and
        ``outputs`` keywords); default ``run_county``. For wrapping the pipeline, e.g. in tests.
    **legacy
        ``retries``, ``resume``, ``basemap`` and ``cache_dir`` keywords of earlier versions:
        deprecated (use ``options``), still accepted with a ``DeprecationWarning``.

    Returns
    -------
    BatchResult
        The roll-up table, its files, the run id, the wall time and the counts per status.

    Raises
    ------
    InputError
        No counties, two with the same folder, an empty output path or one that is a file,
        a symbolic link at ``DIR/_batch`` or at a county's folder, or an unreachable
        scheduler.
    """
    from distributed import as_completed  # noqa: PLC0415  (distributed loads only in a batch)

    if legacy:
        options = _options_from_legacy(options, legacy)
    opts = options if options is not None else BatchOptions()
    specs = read_counties(counties) if isinstance(counties, str | Path) else list(counties)
    if not specs:
        msg = "no counties to run; give a CSV with one row per county"
        raise InputError(msg)
    folders = [s.folder for s in specs]
    if len(set(folders)) != len(folders):
        msg = "two counties have the same output folder (safe_name of their ids); make ids unique"
        raise InputError(msg)
    if not str(out_dir).strip():
        msg = "--out is empty; give the batch folder, e.g. --out out/province"
        raise InputError(msg)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        msg = f"--out {str(out)!r} exists and is not a folder; choose another path"
        raise InputError(msg)
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    links = _links(out, _batch_paths(specs))
    if links:
        raise InputError(_link_message(links, out))
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
                opts,
                runner,
                key=f"access15-county-{i}-{run_id}",
                retries=opts.retries,
                pure=False,
            )
            futures[fut] = i
        try:
            for done, fut in enumerate(as_completed(list(futures)), start=1):
                i = futures[fut]
                rec = _collect(fut, specs[i], out, run_id, opts.retries)
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
    summary = summary_frame(final)
    counts = {s: int((summary["status"] == s).sum()) for s in STATUSES}
    run_doc = {
        "tool": "access15",
        "run_id": run_id,
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": seconds,
        "scheduler": address,
        "workers": n_workers,
        "retries": opts.retries,
        "resume": opts.resume,
        "counties": len(specs),
        "counts": counts,
        "specs": [asdict(s) for s in specs],
    }
    outputs = write_rollup(out, summary, run_doc, basemap=opts.basemap)
    return BatchResult(
        summary=summary,
        out_dir=out,
        outputs=outputs,
        run_id=run_id,
        seconds=seconds,
        workers=n_workers,
        counts=counts,
    )


def _options_from_legacy(options: BatchOptions | None, legacy: dict[str, Any]) -> BatchOptions:
    """Map the old ``retries``/``resume``/``basemap``/``cache_dir`` keywords onto BatchOptions."""
    known = {f.name for f in dataclasses.fields(BatchOptions)}
    unknown = sorted(set(legacy) - known)
    if unknown:
        msg = f"run_batch() got an unexpected keyword argument {unknown[0]!r}"
        raise TypeError(msg)
    if options is not None:
        msg = "run_batch(): give options=BatchOptions(...) or the old keywords, not both"
        raise TypeError(msg)
    warnings.warn(  # stacklevel 3: the caller of run_batch
        "run_batch(..., retries=, resume=, basemap=, cache_dir=) is deprecated; pass "
        "options=BatchOptions(...)",
        DeprecationWarning,
        stacklevel=3,
    )
    return BatchOptions(**legacy)


@contextlib.contextmanager
def _cluster(
    client: Client | None, scheduler: str | None, workers: int | None, n_tasks: int
) -> Iterator[tuple[Client, int, str]]:
    """Yield (client, number of workers, scheduler address); close what was opened here."""
    from distributed import Client, LocalCluster  # noqa: PLC0415  (only in a batch)

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
    from distributed import KilledWorker  # noqa: PLC0415  (distributed loads only in a batch)

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
    with contextlib.suppress(OSError, InputError):
        _log_event(out, spec, "failed", run_id, error=error)
    wkb, bname = _boundary_info(spec)
    rec = empty_record(spec, spec.name or bname or spec.id, "failed", error=error)
    return {**rec, "attempts": attempts, "seconds": math.nan, "geometry": wkb}
