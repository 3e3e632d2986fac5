"""Many counties on a Dask cluster: one task per county, fault isolation, resumable, roll-up.

A batch is a CSV with one row per county (:func:`read_counties`, in
:mod:`access15.batch.counties`). Each county is one task on a ``dask.distributed`` cluster (a
local one, or an existing scheduler, e.g. started by dask-jobqueue on Slurm/PBS or by
dask-kubernetes); the task runs :func:`access15.pipeline.run_county` into ``DIR/<safe id>/``,
which writes atomically with ``manifest.json`` last (:func:`run_batch`, in
:mod:`access15.batch.run`).

* **Fault isolation.** A county that fails on bad input (any
  :class:`~access15.errors.Access15Error`) is recorded as ``failed`` with its message and is
  not retried; any other exception, and the death of the worker running it, is retried by
  Dask (``retries``, and the scheduler's ``distributed.scheduler.allowed-failures`` for dead
  workers). The other counties go on.
* **Resumable.** A county whose folder is *complete* is skipped (``skipped-complete``):
  ``manifest.json`` exists, every output it lists exists with the sha256 it records, the input
  files still have the sha256 recorded, and the parameters (k, mode, minutes, CRS, the effective
  configuration ...) are those of the CSV row (:func:`is_complete`).
* **Roll-up.** ``DIR/summary.csv`` and ``DIR/summary.parquet`` (GeoParquet with the county
  boundaries), one row per county, ``DIR/map.html`` (coverage by county, offline;
  :func:`batch_map`) and ``DIR/batch.json`` (the run), in :mod:`access15.batch.rollup`.
  ``DIR/_batch/<safe id>.jsonl`` logs every attempt (start, done, failed, skipped) with the
  worker and process that ran it.
"""

from __future__ import annotations

from access15.batch.counties import CountySpec, read_counties
from access15.batch.rollup import STATUSES, BatchResult, batch_map
from access15.batch.run import BatchOptions, is_complete, read_log, run_batch

__all__ = [
    "STATUSES",
    "BatchOptions",
    "BatchResult",
    "CountySpec",
    "batch_map",
    "is_complete",
    "read_counties",
    "read_log",
    "run_batch",
]
