"""The roll-up of a batch: one record per county, the summary table, its files and map.

A county's record is read back from its own ``summary.json`` (so a skipped county reports the
figures of the run that wrote it); :func:`summary_frame` makes the table, :func:`write_rollup`
writes ``summary.csv``, ``summary.parquet`` (GeoParquet), ``map.html`` (:func:`batch_map`) and
``batch.json`` atomically.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely

from access15.batch.counties import CountySpec
from access15.outputs.files import csv_safe, csv_uncell, json_safe
from access15.outputs.maps import check_basemap, escape_text, offline_map, tianditu_tiles

__all__ = [
    "STATUSES",
    "BatchResult",
    "batch_map",
    "empty_record",
    "record_from_folder",
    "summary_frame",
    "write_rollup",
]

STATUSES = ("ok", "failed", "skipped-complete")
_SHARE_BINS = (0.5, 0.7, 0.85, 0.95)  # map classes of the headline covered share
_SHARE_COLOURS = ("#d73027", "#fc8d59", "#d9ef8b", "#91cf60", "#1a9850")
_NO_DATA_COLOUR = "#bdbdbd"


def empty_record(spec: CountySpec, name: str, status: str, *, error: str = "") -> dict[str, Any]:
    """Return the identity fields of a county's record (a failed county has only these).

    Parameters
    ----------
    spec : CountySpec
        The county.
    name : str
        Display name.
    status : {"ok", "failed", "skipped-complete"}
        Outcome of the county in this batch.
    error : str
        The error message of a failed county.

    Returns
    -------
    dict
        ``id``, ``name``, ``status``, ``error``, ``folder``, ``k`` and ``mode``.
    """
    return {
        "id": spec.id,
        "name": name,
        "status": status,
        "error": error,
        "folder": spec.folder,
        "k": spec.k,
        "mode": spec.mode,
    }


def record_from_folder(spec: CountySpec, folder: Path, name: str, status: str) -> dict[str, Any]:
    """Return the roll-up fields of a county, read back from its ``summary.json``.

    Parameters
    ----------
    spec : CountySpec
        The county.
    folder : Path
        Its output folder.
    name : str
        Display name.
    status : {"ok", "skipped-complete"}
        Outcome of the county in this batch.

    Returns
    -------
    dict
        The identity fields, population, covered shares (per level), minutes, recommendation
        (sites, names, shares before and after), diagnostics and the run id that wrote them.
    """
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    rec = empty_record(spec, name, status)
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
    acc = s.get("accessibility") or {}
    rec["access_method"] = acc.get("method")
    rec["access_per_10k"] = acc.get("per_10k")
    rec["access_defaults"] = acc.get("defaults")
    cc = s.get("capacity_coverage") or {}
    rec["capacity_served_share"] = cc.get("share_served")
    rec["capacity_exact_minus_sequential"] = cc.get("exact_minus_sequential")
    diags = s.get("diagnostics") or []
    rec["n_diagnostics"] = len(diags)
    rec["diagnostics"] = " | ".join(map(str, diags))
    net = s.get("network") or {}
    rec["network_nodes"] = net.get("nodes")
    rec["run_id"] = (s.get("batch") or {}).get("run_id")
    return rec


def _recommended_names(folder: Path) -> list[str]:
    p = folder / "recommendations.csv"
    if not p.is_file():
        return []
    df = pd.read_csv(p, dtype={"name": str}, keep_default_na=False)
    # the names as given (the CSV guards them against formula injection; summary.csv does too)
    return [csv_uncell(v) for v in df["name"]] if "name" in df.columns else []


@dataclass(frozen=True, repr=False)
class BatchResult:
    """What a batch produced: the roll-up table (one row per county) and its files.

    Attributes
    ----------
    summary : GeoDataFrame
        One row per county (``id``, ``name``, ``status``, ``error``, ``attempts``, ``seconds``,
        the figures read back from its ``summary.json``), county outlines in WGS-84.
    out_dir : Path
        The batch folder (absolute).
    outputs : dict of str to Path
        The roll-up files: ``summary.csv``, ``summary.parquet``, ``map.html``, ``batch.json``.
    run_id : str
        Identifier of this run (UTC time and a random suffix), also in each county's summary.
    seconds : float
        Wall time of the batch, seconds.
    workers : int
        Dask workers that ran it.
    counts : dict of str to int
        Counties per status (``ok``, ``failed``, ``skipped-complete``).
    """

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


def summary_frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Return the roll-up table: one row per county record, WGS-84 outlines (WKB → geometry).

    Parameters
    ----------
    records : list of dict
        County records (:func:`record_from_folder`, :func:`empty_record`, plus ``attempts``,
        ``seconds`` and ``geometry`` as WKB or None).

    Returns
    -------
    GeoDataFrame
        Identity and status columns first, then the figures, in EPSG:4326.
    """
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


def write_rollup(
    out: Path, summary: gpd.GeoDataFrame, run_doc: dict[str, Any], *, basemap: str | None
) -> dict[str, Path]:
    """Write summary.csv, summary.parquet, map.html and batch.json, each atomically.

    Parameters
    ----------
    out : Path
        The batch folder.
    summary : GeoDataFrame
        From :func:`summary_frame`.
    run_doc : dict
        The run's facts, written as ``batch.json``.
    basemap : str, optional
        Background of ``map.html`` (None: none).

    Returns
    -------
    dict of str to Path
        The files written, by name.
    """
    paths = {
        "summary.csv": out / "summary.csv",
        "summary.parquet": out / "summary.parquet",
        "map.html": out / "map.html",
        "batch.json": out / "batch.json",
    }
    table = summary.drop(columns="geometry")
    _replace_atomic(
        paths["summary.csv"],
        lambda p: csv_safe(table).to_csv(p, index=False, float_format="%.6f", encoding="utf-8"),
    )
    _replace_atomic(paths["summary.parquet"], lambda p: summary.to_parquet(p, index=False))
    fmap = batch_map(summary, basemap=basemap)
    _replace_atomic(paths["map.html"], lambda p: fmap.save(str(p)))
    text = json.dumps(json_safe(run_doc), indent=2, ensure_ascii=False) + "\n"
    _replace_atomic(paths["batch.json"], lambda p: p.write_text(text, encoding="utf-8"))
    return paths


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
        Counties coloured by covered share (grey: failed or no data), with a legend and the
        title; tooltips name the county, its status and the sites to upgrade first.
    """
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
            show[c] = show[c].map(lambda v: "" if v is None or v != v else escape_text(v))
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
    page.add_child(folium.Element(_legend_html(escape_text(label))))
    if title:
        page.add_child(
            folium.Element(
                '<div style="position:fixed;top:10px;left:60px;z-index:1000;background:#fff;'
                "padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
                f'font:14px sans-serif"><b>{escape_text(title)}</b></div>'
            )
        )
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m
