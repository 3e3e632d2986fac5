"""Per-county outputs on disk (the output contract of ``--out DIR``).

The complete set is written into a temporary folder beside ``DIR`` and swapped in as a whole
(:mod:`access15.outputs.folder`): a reader sees the old set or the new set, never a mix, an
error or Ctrl-C leaves ``DIR`` as it was, and no file of an earlier run survives.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import re
import unicodedata
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import geopandas as gpd
import numpy as np
import rasterio

from access15.outputs.figures import write_figures
from access15.outputs.folder import check_out_dir, disk_full_is_an_error, output_lock, swapped_in
from access15.outputs.html import ReportOptions, write_report
from access15.outputs.labels import resolve_lang
from access15.outputs.supply_files import (
    ACCESSIBILITY_CSV,
    CAPACITY_CSV,
    SupplyMeasures,
    accessibility_table,
    capacity_table,
    split_supply,
    supply_cells,
    supply_facilities,
    supply_summary,
)

if TYPE_CHECKING:
    import folium
    import pandas as pd

    from access15.access import CoverageResult
    from access15.siting import Recommendation, Sensitivity
    from access15.supply import AccessibilityResult, CapacityCoverage

__all__ = [
    "REPORT_FILES",
    "WriteKeywords",
    "WriteOptions",
    "csv_cell",
    "csv_safe",
    "csv_uncell",
    "file_sha256",
    "json_safe",
    "package_versions",
    "safe_name",
    "write_outputs",
]

TT_NODATA = -9999.0
_PACKAGES = (
    "access15",
    "numpy",
    "scipy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "rasterio",
    "osmium",
    "folium",
    "networkx",
    "osmnx",
)


def safe_name(name: object, *, default: str = "county", max_len: int = 80) -> str:
    """Make a file-name-safe version of an untrusted name (county names come from files).

    Letters and digits of any script (so Chinese names stay readable), ``-`` and ``_`` are kept;
    everything else, path separators and dots included, becomes ``_``. Never empty, never a
    path, never hidden.

    Examples
    --------
    >>> safe_name("../../etc/passwd")
    'etc_passwd'
    >>> safe_name("安澜县 (synthetic)")
    '安澜县_synthetic'
    >>> safe_name("..")
    'county'
    """
    text = unicodedata.normalize("NFKC", "" if name is None else str(name))
    text = "".join(ch if (ch.isalnum() or ch in "-_") else "_" for ch in text)
    text = re.sub(r"_+", "_", text).strip("_-")[:max_len].strip("_-")
    return text or default


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the numbers."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def json_safe(obj: Any) -> Any:
    """Return a JSON-safe copy: NaN/inf become None, numpy scalars Python numbers.

    Dict keys become strings and tuples lists, recursively; other values are kept.

    Parameters
    ----------
    obj : object
        A value, dict, list or tuple (nested) to write with :func:`json.dumps`.

    Returns
    -------
    object
        The copy, which :func:`json.dumps` writes as standard JSON (no ``NaN``).

    Examples
    --------
    >>> json_safe({"share": float("nan"), 1: (np.float64(0.5), np.int64(3))})
    {'share': None, '1': [0.5, 3]}
    """
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


# OWASP "CSV injection": a spreadsheet runs a cell starting with one of these as a formula
_FORMULA_START = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula, or it is one guarded by ``'``."""
    if text[:1] == "'":
        return _formula_like(text[1:])
    return text[:1] in _FORMULA_START and _PLAIN_NUMBER.fullmatch(text) is None


def csv_cell(value: Any) -> Any:
    """Guard one text cell against formula injection: ``'`` before a formula-like text.

    A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP's list)
    gets a leading ``'``, so Excel, WPS and LibreOffice show it as text instead of running it.
    A text that already starts with ``'`` before such a character gets one more, so
    :func:`csv_uncell` gives back every text exactly. Numbers, plain numbers written as text
    (``"-12.5"``) and all other values are returned unchanged.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
        The value, guarded if it is a formula-like text.

    Examples
    --------
    >>> csv_cell("=HYPERLINK(1)"), csv_cell("@SUM(1)")
    ("'=HYPERLINK(1)", "'@SUM(1)")
    >>> csv_cell("-12.5"), csv_cell(-3.0), csv_cell("鹤田镇")
    ('-12.5', -3.0, '鹤田镇')
    """
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def csv_uncell(text: str) -> str:
    """Undo :func:`csv_cell` on a text read back from a CSV written by access15.

    Parameters
    ----------
    text : str
        A cell as read from the CSV.

    Returns
    -------
    str
        The text as it was before :func:`csv_cell` guarded it.

    Examples
    --------
    >>> csv_uncell("'@SUM(1)"), csv_uncell("'plain"), csv_uncell(csv_cell("'=1"))
    ('@SUM(1)', "'plain", "'=1")
    """
    return text[1:] if text[:1] == "'" and _formula_like(text[1:]) else text


def _no_cr(value: Any) -> Any:
    """``value`` with carriage returns turned into line feeds (the same object if it has none)."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every text cell guarded by :func:`csv_cell`, for a CSV output.

    Names come from OSM and user files, and planners open the CSVs in a spreadsheet: a name
    such as ``=HYPERLINK(...)`` or ``@SUM(1)`` must stay text there. Only text (object or
    string) columns change; numeric columns, the header and the index are left alone, and a
    frame without a formula-like text is returned as it is. A carriage return inside a text
    becomes a line feed: pandas quotes a text holding a line feed, but not one holding a lone
    carriage return, which Excel and Python's csv reader take as the end of the row.

    Parameters
    ----------
    frame : DataFrame
        A table about to be written with ``to_csv``.

    Returns
    -------
    DataFrame
        ``frame`` itself, or a copy with the guarded text columns.
    """
    out = frame
    for i, dtype in enumerate(frame.dtypes):
        if dtype.kind != "O":  # object and pandas string columns
            continue
        values = frame.iloc[:, i].tolist()
        guarded = [_no_cr(csv_cell(v)) for v in values]
        if any(a is not b for a, b in zip(values, guarded, strict=True)):
            if out is frame:
                out = frame.copy()
            out.isetitem(i, guarded)
    return out


def _write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(json_safe(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _write_travel_time(path: Path, cov: CoverageResult) -> None:
    """Minutes per level as a float32 GeoTIFF on the surface grid (one band a level).

    The surface grid is the population grid, or blocks of its cells for a window over
    :data:`~access15.surface.SURFACE_MAX_CELLS` cells (the ``cell_factor`` tag says how many
    population cells a side).
    """
    pop = cov.population
    h, w = next(iter(cov.surface.values())).shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=h,
        width=w,
        count=len(cov.levels),
        dtype="float32",
        crs=pop.crs,
        transform=cov.surface_transform,
        nodata=TT_NODATA,
        compress="deflate",
        tiled=h >= 256 and w >= 256,
    ) as dst:
        for band, lv in enumerate(cov.levels, start=1):
            grid = np.where(np.isfinite(cov.surface[lv.name]), cov.surface[lv.name], TT_NODATA)
            dst.write(grid.astype(np.float32), band)
            dst.set_band_description(
                band, f"{lv.name}: minutes to nearest facility of tier >= {lv.min_tier}"
            )
        dst.update_tags(
            units="minutes",
            nodata_means="outside area, off-network or unreachable",
            cell_factor=str(cov.surface_factor),
        )


def _write_cells(path: Path, cov: CoverageResult, measures: SupplyMeasures) -> None:
    """Cell-level table as GeoParquet (WGS-84 points): every populated cell and its times.

    With supply measures, their columns too (the index, ``served_<level>``, ...).
    """
    cells = supply_cells(cov, measures)
    gpd.GeoDataFrame(
        cells, geometry=gpd.points_from_xy(cells["lon"], cells["lat"]), crs="EPSG:4326"
    ).to_parquet(path, index=False)


class WriteKeywords(TypedDict, total=False):
    """The fields of :class:`WriteOptions`, accepted as keywords by :func:`write_outputs`."""

    boundary: gpd.GeoDataFrame | None
    zones: gpd.GeoDataFrame | None
    lang: str | None
    only: AbstractSet[str] | None
    manifest: Mapping[str, Any] | None
    extra_summary: Mapping[str, Any] | None


@dataclass(frozen=True)
class WriteOptions:
    """What shapes a county's output folder besides the results: outlines, language, files.

    Attributes
    ----------
    boundary : GeoDataFrame or None
        County outline, drawn on the figures; its ``name`` (``name_en`` in English) heads
        ``report.html``.
    zones : GeoDataFrame or None
        Township polygons, drawn on the figures.
    lang : {"zh", "en"} or None
        Labels of the figures and ``report.html`` (default Chinese when the names are).
    only : set of str or None
        File names to write (``summary.json`` and ``manifest.json`` are always written);
        None writes every file. Kept as a frozenset.
    manifest : mapping or None
        The run's record (inputs with sha256, timings ...); ``packages``, ``configuration``
        and the sha256 of every output are added, and it is written last, as
        ``manifest.json``.
    extra_summary : mapping or None
        Extra keys for ``summary.json`` (e.g. ``{"synthetic": True}``).
    """

    boundary: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    lang: str | None = None
    only: AbstractSet[str] | None = None
    manifest: Mapping[str, Any] | None = None
    extra_summary: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        """Keep ``only`` as a frozenset and check the language once."""
        if self.only is not None:
            object.__setattr__(self, "only", frozenset(self.only))
        if self.lang is not None:
            resolve_lang(self.lang)


REPORT_FILES = frozenset(
    {"report.html", "coverage_map.png", "travel_time_distribution.png", "coverage_curve.png"}
)
"""The report and the figures it embeds (written together, the report needs the figures)."""


def write_outputs(
    out_dir: str | Path,
    *,
    cov: CoverageResult,
    bands: gpd.GeoDataFrame | None = None,
    rec: Recommendation | None = None,
    sens: Sensitivity | None = None,
    fmap: folium.Map | None = None,
    supply: Sequence[AccessibilityResult | CapacityCoverage] = (),
    options: WriteOptions | None = None,
    **more: Unpack[WriteKeywords],
) -> dict[str, Path]:
    """Write the county outputs into ``out_dir``, swapped in as a whole folder.

    Files: ``summary.json``, ``coverage_by_zone.csv``, ``travel_time.tif``,
    ``facilities.geojson``, ``cells.parquet`` (GeoParquet), ``gaps.geojson`` and
    ``isochrones.geojson`` (the given ``bands``, when there are any), ``recommendations.csv``/
    ``.geojson`` (with ``rec``), ``sensitivity.csv`` and ``sensitivity_scenarios.csv`` (with
    ``sens``: how often each site is in the top K when speeds and the threshold vary; the
    recommendations then get a ``robustness`` column, share of scenarios), ``map.html`` (with
    ``fmap``), the figures ``coverage_map.png``, ``travel_time_distribution.png`` and
    ``coverage_curve.png`` (with ``rec``), ``report.html`` (one self-contained page embedding
    them) and ``manifest.json``. With ``supply`` measures: ``accessibility.csv`` and
    ``capacity_coverage.csv`` (per township and a last ``county`` row), their columns in
    ``cells.parquet`` and ``facilities.geojson``, their figures in ``summary.json`` and their
    sections in the report.

    Nothing is computed here: the results are written as given (the isochrones are the
    ``bands`` computed once by the caller, e.g. :func:`access15.pipeline.run_county`).

    Parameters
    ----------
    out_dir : str or Path
        access15's output folder; created if missing. The new set is written to a temporary
        folder beside it (beside the folder a symbolic link points to) and swapped in as a
        whole, under a lock; files of an earlier run do not survive (see
        :func:`~access15.outputs.folder.check_out_dir` for the folders refused).
    cov : CoverageResult
        Coverage of the county: summary, zone table, surface, facilities, cells, gaps.
    bands : GeoDataFrame, optional
        Isochrone bands (:func:`access15.bands.isochrones`), written as ``isochrones.geojson``.
    rec : Recommendation, optional
        Ranked sites: ``recommendations.*``, ``coverage_curve.*``, ``zones_before_after.csv``.
    sens : Sensitivity, optional
        Robustness of the ranking: ``sensitivity*.csv`` and a ``robustness`` column.
    fmap : folium.Map, optional
        The interactive map, saved as ``map.html``.
    supply : sequence of AccessibilityResult or CapacityCoverage
        Supply-against-demand measures (:mod:`access15.supply`), at most one of each: an
        accessibility index writes ``accessibility.csv``, its index column(s) in
        ``cells.parquet``, the facilities' ``doctors``/``beds``/``capacity`` and their sources
        in ``facilities.geojson`` and ``"accessibility"`` in ``summary.json``; a
        capacity-limited coverage writes ``capacity_coverage.csv``, ``served_<level>`` and
        ``served_seq_<level>`` in ``cells.parquet``, ``capacity_people``, ``load`` and ``full``
        in ``facilities.geojson`` and ``"capacity_coverage"`` in ``summary.json``.
    options : WriteOptions, optional
        Outlines, language, files to write and the run's records (default ``WriteOptions()``).
    **more
        Any :class:`WriteOptions` field by name (``only=...``, ``lang=...``), overriding
        ``options``.

    Returns
    -------
    dict of str to Path
        Final path of each file written.

    Raises
    ------
    InputError
        ``out_dir`` is refused (:func:`~access15.outputs.folder.check_out_dir`), another
        run is writing it, an unknown language, or ``supply`` holds something else than one
        measure of each kind computed on ``cov``.
    OutputError
        The disk filled up while writing; ``out_dir`` is left as it was.
    """
    opts = options or WriteOptions()
    if more:
        opts = replace(opts, **more)
    only = opts.only
    measures = split_supply(supply)
    out = Path(out_dir)
    real = check_out_dir(out_dir)
    with disk_full_is_an_error(out, real), output_lock(out), swapped_in(real) as tmp:
        summary = dict(cov.summary)
        ranking = None
        if rec is not None:
            ranking = rec.ranking.copy()
            if sens is not None:
                share = dict(zip(sens.stability["site_id"], sens.stability["share"], strict=True))
                ranking["robustness"] = ranking["site_id"].map(share).fillna(0.0)
        if rec is not None and ranking is not None:
            after, share_after = _after(rec)
            summary["recommendation"] = {
                "level": rec.level.name,
                "k": len(rec.ranking),
                "baseline_covered_population": rec.baseline_covered,
                "baseline_share": rec.baseline_covered / rec.population_total,
                "covered_population_after": after,
                "share_after": share_after,
                "sites": rec.ranking["site_id"].tolist(),
                "method": rec.method,
            }
            if "robustness" in ranking:
                summary["recommendation"]["robustness"] = {
                    "scenarios": len(sens.scenarios) if sens is not None else 0,
                    "share_in_top_k": dict(
                        zip(ranking["site_id"], ranking["robustness"].astype(float), strict=True)
                    ),
                }
        summary.update(supply_summary(measures))
        summary["parameters"] = cov.config.to_dict()
        if opts.extra_summary:
            summary.update(opts.extra_summary)
        _write_json(tmp / "summary.json", summary)
        csv_safe(cov.by_zone).to_csv(tmp / "coverage_by_zone.csv", index=False, float_format="%.4f")
        if cov.surface:
            _write_travel_time(tmp / "travel_time.tif", cov)
        fac = cov.facilities.drop(columns=["node", "leg_s"], errors="ignore")
        supply_facilities(fac, measures).to_file(tmp / "facilities.geojson", driver="GeoJSON")
        _write_cells(tmp / "cells.parquet", cov, measures)
        if measures[0] is not None:
            csv_safe(accessibility_table(measures[0])).to_csv(tmp / ACCESSIBILITY_CSV, index=False)
        if measures[1] is not None:
            csv_safe(capacity_table(measures[1])).to_csv(tmp / CAPACITY_CSV, index=False)
        if cov.gaps is not None and len(cov.gaps):
            cov.gaps.to_file(tmp / "gaps.geojson", driver="GeoJSON")
        if bands is not None and len(bands):
            bands.to_file(tmp / "isochrones.geojson", driver="GeoJSON")
        if rec is not None and ranking is not None:
            csv_safe(ranking).to_csv(tmp / "recommendations.csv", index=False, float_format="%.6f")
            if len(ranking):  # K = 0 (the target is met today): a CSV with its header only
                gpd.GeoDataFrame(
                    ranking,
                    geometry=gpd.points_from_xy(ranking["lon"], ranking["lat"]),
                    crs="EPSG:4326",
                ).to_file(tmp / "recommendations.geojson", driver="GeoJSON")
        if rec is not None:
            curve = getattr(rec, "curve", None)
            if curve is not None and len(curve):
                csv_safe(curve).to_csv(tmp / "coverage_curve.csv", index=False, float_format="%.6f")
            if sens is not None:
                csv_safe(sens.stability).to_csv(
                    tmp / "sensitivity.csv", index=False, float_format="%.4f"
                )
                csv_safe(sens.scenarios).to_csv(
                    tmp / "sensitivity_scenarios.csv", index=False, float_format="%.6f"
                )
            zones_ba = getattr(rec, "zones", None)
            if zones_ba is not None and len(zones_ba):
                csv_safe(zones_ba).to_csv(
                    tmp / "zones_before_after.csv", index=False, float_format="%.4f"
                )
        if fmap is not None:
            fmap.save(str(tmp / "map.html"))
        _write_report_files(
            tmp,
            cov,
            rec,
            sens,
            ReportOptions(map_href="map.html" if fmap is not None else None),
            ranking=ranking,
            summary=summary,
            options=opts,
            supply=[m for m in measures if m is not None],
        )
        if only is not None:
            for p in list(tmp.iterdir()):
                if p.name not in only | {"summary.json"}:
                    p.unlink()
        man = dict(opts.manifest or {})
        man.setdefault("packages", package_versions())
        man.setdefault("configuration", cov.config.to_dict())
        man["outputs"] = {p.name: file_sha256(p) for p in sorted(tmp.iterdir())}
        _write_json(tmp / "manifest.json", man)
        names = sorted(p.name for p in tmp.iterdir() if p.name != "manifest.json")
        # leaving the block swaps the complete folder in (old set or new set, never a mix)
        return {name: out / name for name in [*names, "manifest.json"]}


def _after(rec: Recommendation) -> tuple[float, float]:
    """People covered and share after the ranked sites (today's figures when K = 0)."""
    if len(rec.ranking):
        last = rec.ranking.iloc[-1]
        return float(last["cumulative_covered_population"]), float(last["cumulative_share"])
    total = rec.population_total
    return float(rec.baseline_covered), (
        float(rec.baseline_covered / total) if total else float("nan")
    )


def _first_name(gdf: gpd.GeoDataFrame | None, column: str) -> str | None:
    """Return the first row's value in ``column`` as text (None when missing or blank)."""
    if gdf is None or column not in gdf.columns or not len(gdf):
        return None
    value = gdf[column].iloc[0]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value) or None


def _write_report_files(  # noqa: PLR0913  (write_report's inputs, private)
    out: Path,
    cov: CoverageResult,
    rec: Recommendation | None,
    sens: Sensitivity | None,
    report: ReportOptions,
    *,
    ranking: pd.DataFrame | None,
    summary: Mapping[str, Any],
    options: WriteOptions,
    supply: Sequence[AccessibilityResult | CapacityCoverage] = (),
) -> dict[str, Path]:
    """Write the PNG figures and ``report.html`` (which embeds them) into ``out``.

    ``options.only`` restricts the files written to those names (the figures are drawn whenever
    the report is asked for, since it embeds them). Returns the path of each file written.
    """
    only = options.only
    want_report = only is None or "report.html" in only
    if not want_report and not (only and only & REPORT_FILES):
        return {}
    county = _first_name(options.boundary, "name")
    names: list[object] = [county] if county else []
    if options.zones is not None and "name" in options.zones.columns:
        names += list(options.zones["name"])
    lang = resolve_lang(options.lang, names)
    if lang == "en":
        county = _first_name(options.boundary, "name_en") or county
    written = write_figures(
        out,
        cov,
        rec,
        boundary=options.boundary,
        zones=options.zones,
        lang=lang,
        only=None if want_report else set(only or ()),
    )
    if want_report:
        written["report.html"] = write_report(
            out / "report.html",
            cov,
            rec,
            sens=sens,
            ranking=ranking,
            summary=summary,
            figures=dict(written),
            options=replace(report, county=county, lang=lang),
            supply=supply,
        )
    return written
