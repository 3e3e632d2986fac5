"""Per-county outputs on disk, written atomically (the output contract of ``--out DIR``).

Everything is first written into a temporary folder beside ``DIR`` and only moved into ``DIR``
when all files are complete, so an error or Ctrl-C never leaves half-written outputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from access15.errors import InputError

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from access15.access import CoverageResult
    from access15.siting import Recommendation, Sensitivity

__all__ = ["file_sha256", "package_versions", "safe_name", "write_outputs"]

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
    import re
    import unicodedata

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


def _clean(obj: Any) -> Any:
    """JSON-safe copy: NaN/inf → None, numpy scalars → Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(_clean(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_travel_time(path: Path, cov: CoverageResult) -> None:
    import rasterio

    pop = cov.population
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=pop.shape[0],
        width=pop.shape[1],
        count=len(cov.levels),
        dtype="float32",
        crs=pop.crs,
        transform=pop.transform,
        nodata=TT_NODATA,
        compress="deflate",
        tiled=pop.shape[0] >= 256 and pop.shape[1] >= 256,
    ) as dst:
        for band, lv in enumerate(cov.levels, start=1):
            grid = np.where(np.isfinite(cov.surface[lv.name]), cov.surface[lv.name], TT_NODATA)
            dst.write(grid.astype(np.float32), band)
            dst.set_band_description(
                band, f"{lv.name}: minutes to nearest facility of tier >= {lv.min_tier}"
            )
        dst.update_tags(units="minutes", nodata_means="outside area, off-network or unreachable")


def _write_cells(path: Path, cov: CoverageResult) -> None:
    """Cell-level table as GeoParquet (WGS-84 points): every populated cell and its times."""
    import geopandas as gpd

    cells = cov.cells.drop(columns=["node"])
    gpd.GeoDataFrame(
        cells, geometry=gpd.points_from_xy(cells["lon"], cells["lat"]), crs="EPSG:4326"
    ).to_parquet(path, index=False)


def write_outputs(
    out_dir: str | Path,
    *,
    cov: CoverageResult,
    rec: Recommendation | None = None,
    sens: Sensitivity | None = None,
    fmap: folium.Map | None = None,
    manifest: dict[str, Any] | None = None,
    extra_summary: dict[str, Any] | None = None,
    only: set[str] | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    lang: str | None = None,
) -> dict[str, Path]:
    """Write the county outputs into ``out_dir`` atomically.

    Files: ``summary.json``, ``coverage_by_zone.csv``, ``travel_time.tif``,
    ``facilities.geojson``, ``cells.parquet`` (GeoParquet), ``gaps.geojson`` and
    ``isochrones.geojson`` (when there are any), ``recommendations.csv``/``.geojson`` (with
    ``rec``), ``sensitivity.csv`` and ``sensitivity_scenarios.csv`` (with ``sens``: how often
    each site is in the top K when speeds and the threshold vary; the recommendations then get a
    ``robustness`` column, share of scenarios), ``map.html`` (with ``fmap``), the figures
    ``coverage_map.png``, ``travel_time_distribution.png`` and ``coverage_curve.png`` (with
    ``rec``), ``report.html`` (one self-contained page embedding them; ``boundary`` and
    ``zones`` are drawn, ``lang`` is ``zh`` or ``en``, default from the names) and
    ``manifest.json``.

    ``only`` restricts the files to that set of names (``summary.json`` and ``manifest.json``
    are always written).

    Returns
    -------
    dict of str to Path
        Final path of each file written.
    """
    import geopandas as gpd

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        msg = f"--out {str(out)!r} exists and is not a folder; choose another path"
        raise InputError(msg)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        summary = dict(cov.summary)
        ranking = None
        if rec is not None:
            ranking = rec.ranking.copy()
            if sens is not None:
                share = dict(zip(sens.stability["site_id"], sens.stability["share"], strict=True))
                ranking["robustness"] = ranking["site_id"].map(share).fillna(0.0)
        if rec is not None and ranking is not None:
            summary["recommendation"] = {
                "level": rec.level.name,
                "k": len(rec.ranking),
                "baseline_covered_population": rec.baseline_covered,
                "baseline_share": rec.baseline_covered / rec.population_total,
                "covered_population_after": float(
                    rec.ranking["cumulative_covered_population"].iloc[-1]
                ),
                "share_after": float(rec.ranking["cumulative_share"].iloc[-1]),
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
        summary["parameters"] = cov.config.to_dict()
        if extra_summary:
            summary.update(extra_summary)
        _write_json(tmp / "summary.json", summary)
        cov.by_zone.to_csv(tmp / "coverage_by_zone.csv", index=False, float_format="%.4f")
        if cov.surface:
            _write_travel_time(tmp / "travel_time.tif", cov)
        fac = cov.facilities.drop(columns=["node", "leg_s"], errors="ignore")
        fac.to_file(tmp / "facilities.geojson", driver="GeoJSON")
        _write_cells(tmp / "cells.parquet", cov)
        if cov.gaps is not None and len(cov.gaps):
            cov.gaps.to_file(tmp / "gaps.geojson", driver="GeoJSON")
        if cov.surface:
            from access15.bands import isochrones

            iso = isochrones(cov)
            if len(iso):
                iso.to_file(tmp / "isochrones.geojson", driver="GeoJSON")
        if rec is not None and ranking is not None:
            ranking.to_csv(tmp / "recommendations.csv", index=False, float_format="%.6f")
            gpd.GeoDataFrame(
                ranking,
                geometry=gpd.points_from_xy(ranking["lon"], ranking["lat"]),
                crs="EPSG:4326",
            ).to_file(tmp / "recommendations.geojson", driver="GeoJSON")
        if rec is not None:
            curve = getattr(rec, "curve", None)
            if curve is not None and len(curve):
                curve.to_csv(tmp / "coverage_curve.csv", index=False, float_format="%.6f")
            if sens is not None:
                sens.stability.to_csv(tmp / "sensitivity.csv", index=False, float_format="%.4f")
                sens.scenarios.to_csv(
                    tmp / "sensitivity_scenarios.csv", index=False, float_format="%.6f"
                )
            zones_ba = getattr(rec, "zones", None)
            if zones_ba is not None and len(zones_ba):
                zones_ba.to_csv(tmp / "zones_before_after.csv", index=False, float_format="%.4f")
        if fmap is not None:
            fmap.save(str(tmp / "map.html"))
        from access15.outputs.html import write_report_files  # figures + report.html (embeds them)

        write_report_files(
            tmp,
            cov,
            rec,
            sens=sens,
            ranking=ranking,
            summary=summary,
            boundary=boundary,
            zones=zones,
            lang=lang,
            only=only,
            map_href="map.html" if fmap is not None else None,
        )
        if only is not None:
            for p in list(tmp.iterdir()):
                if p.name not in only | {"summary.json"}:
                    p.unlink()
        man = dict(manifest or {})
        man.setdefault("packages", package_versions())
        man.setdefault("configuration", cov.config.to_dict())
        man["outputs"] = {p.name: file_sha256(p) for p in sorted(tmp.iterdir())}
        _write_json(tmp / "manifest.json", man)
        out.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for p in sorted(tmp.iterdir()):
            if p.name == "manifest.json":
                continue
            os.replace(p, out / p.name)
            written[p.name] = out / p.name
        # the manifest lands last: its presence means the folder is complete
        os.replace(tmp / "manifest.json", out / "manifest.json")
        written["manifest.json"] = out / "manifest.json"
        return written
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
