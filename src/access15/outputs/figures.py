"""Static figures (PNG, matplotlib) for slides, print and the HTML report.

* :func:`coverage_map`: the travel-time surface with boundaries, facilities by tier and the
  recommended upgrades;
* :func:`travel_time_distribution`: the population-weighted distribution of travel time and the
  cumulative share of people within x minutes, per service level;
* :func:`coverage_curve`: covered share against the number of upgrades K
  (:func:`plot_curve`).

Figures are built with matplotlib's object API (no ``pyplot`` state, safe in threads and
workers) and returned, so a notebook shows them; :func:`write_figures` saves the PNGs of a run.
Chinese labels need a CJK font (Noto Sans CJK, WenQuanYi, SimHei, ...); without one the
figures fall back to English labels rather than drawing empty boxes.
"""

from __future__ import annotations

import functools
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from access15.errors import InputError
from access15.outputs.labels import level_label, resolve_lang, tier_name, tr
from access15.outputs.style import (
    BAND_COLOURS,
    BANDS_MINUTES,
    TIER_STYLE,
    block_max,
    surface_rgba,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd
    from matplotlib.axes import Axes

    from access15.access import CoverageResult
    from access15.siting import Recommendation

__all__ = [
    "FIGURE_FILES",
    "cjk_font",
    "coverage_curve",
    "coverage_map",
    "plot_curve",
    "travel_time_distribution",
    "write_figures",
]

log = logging.getLogger(__name__)

FIGURE_FILES = {
    "coverage_map": "coverage_map.png",
    "travel_time_distribution": "travel_time_distribution.png",
    "coverage_curve": "coverage_curve.png",
}
"""File name of each figure written by :func:`write_figures`."""

_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Sarasa Gothic SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
_DPI = 130
_MARKER_SIZE = {4: 90, 3: 70, 2: 50, 1: 10}  # points², by tier


@functools.cache
def cjk_font() -> str | None:
    """Return the family name of an installed font that draws Chinese, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in _CJK_FAMILIES if f in installed), None)


def _figure_lang(lang: str) -> str:
    """Return the language figures can use: Chinese only when a CJK font exists."""
    if lang == "zh" and cjk_font() is None:
        log.info("no CJK font found for matplotlib; figures use English labels")
        return "en"
    return lang


def _rc(lang: str) -> Any:  # matplotlib types rcParams keys as a Literal
    font = cjk_font() if lang == "zh" else None
    rc: dict[str, Any] = {"axes.unicode_minus": False}
    if font:
        # concrete family names: a generic "sans-serif" would be looked up again in rcParams
        # when the figure is drawn (at savefig, after this context has ended)
        rc["font.family"] = [font, "DejaVu Sans"]
    return rc


def _plain(text: str) -> str:
    r"""Escape ``$`` in a configured text, so matplotlib draws it as it is (never mathtext).

    A level label such as ``"cost $5 or $\frac"`` would otherwise be parsed as a formula (and
    a broken one stops the figure with a ValueError when it is saved).
    """
    return text.replace("$", r"\$")


def _new_figure(size: tuple[float, float]) -> Figure:

    fig = Figure(figsize=size, dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _names(cov: CoverageResult, zones: gpd.GeoDataFrame | None) -> list[object]:
    out: list[object] = list(zones["name"]) if zones is not None and "name" in zones else []
    if "name" in cov.facilities:
        out += list(cov.facilities["name"].head(50))
    return out


def _plot_outlines(ax: Axes, gdf: gpd.GeoDataFrame, crs: object, **style: Any) -> None:
    """Draw the outlines (exterior and holes) of polygons, in ``crs`` coordinates."""
    geoms = gdf.to_crs(crs).geometry.to_numpy()
    for line in shapely.get_parts(shapely.get_parts(shapely.boundary(geoms))):
        xy = shapely.get_coordinates(line)
        if len(xy):
            ax.plot(xy[:, 0], xy[:, 1], **style)


def _scale_bar(ax: Axes, *, metres_per_unit: float) -> None:
    """Draw a scale bar of a round length in the lower left corner."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_m = (x1 - x0) * metres_per_unit
    nice = [1, 2, 5, 10, 20, 50, 100, 200, 500]
    km = next((n for n in nice if n * 1000 >= width_m / 6), nice[-1])
    length = km * 1000 / metres_per_unit
    x, y = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    ax.plot([x, x + length], [y, y], color="black", lw=3, solid_capstyle="butt")
    ax.text(x + length / 2, y + 0.012 * (y1 - y0), f"{km} km", ha="center", va="bottom", fontsize=8)


def coverage_map(
    cov: CoverageResult,
    rec: Recommendation | None = None,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    level: str | None = None,
    lang: str | None = None,
) -> Figure:
    """Draw the travel-time surface (minutes, the map's colour bands) as a map for print.

    County and township outlines, facilities with one symbol per tier (as on the interactive
    map), recommended upgrades numbered by rank, a legend and a scale bar. Point demand
    (villages) is drawn as dots coloured by their minutes.

    Parameters
    ----------
    cov : CoverageResult
        Coverage of the county: its surface (or cells), facilities and levels are drawn.
    rec : Recommendation, optional
        Recommended sites, numbered by rank.
    boundary : GeoDataFrame, optional
        County outline.
    zones : GeoDataFrame, optional
        Township outlines.
    level : str, optional
        Service level drawn (default: the headline level).
    lang : {"zh", "en"}, optional
        Labels (default: Chinese for Chinese names, when a CJK font is installed).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not attached to pyplot; save it with :func:`save_png`).
    """
    lang = _figure_lang(resolve_lang(lang, _names(cov, zones)))
    lv = cov.config.level(level) if level else cov.levels[0]
    pop = cov.population
    t = cov.surface_transform if pop.transform is not None else None
    grid = t is not None and lv.name in cov.surface
    crs = pop.crs if grid else "EPSG:4326"
    with rc_context(_rc(lang)):
        fig = _new_figure((8.6, 7.0))
        ax = fig.add_axes((0.02, 0.03, 0.66, 0.88))
        if t is not None and grid:
            # at most 2,048 pixels a side (the figure has fewer): the longest time per block
            surface, f = block_max(cov.surface[lv.name], 2048)
            h, w = surface.shape[0] * f, surface.shape[1] * f
            extent = (t.c, t.c + w * t.a, t.f + h * t.e, t.f)
            ax.imshow(
                surface_rgba(surface, alpha=255),
                extent=extent,
                interpolation="nearest",
                origin="upper",
            )
        else:
            m = cov.cells[f"minutes_{lv.name}"].to_numpy()
            ok = np.isfinite(m)
            colours = surface_rgba(m[ok][None, :], alpha=255)[0] / 255.0
            ax.scatter(
                cov.cells["lon"].to_numpy()[ok],
                cov.cells["lat"].to_numpy()[ok],
                s=np.clip(np.sqrt(cov.cells["pop"].to_numpy()[ok]), 2, 60),
                c=colours,
                linewidths=0,
            )
        if zones is not None:
            _plot_outlines(ax, zones, crs, color="#555555", lw=0.5)
        if boundary is not None:
            _plot_outlines(ax, boundary, crs, color="black", lw=1.4)
        fac = cov.facilities.to_crs(crs)
        handles: list[Any] = []
        for tier in sorted({int(x) for x in fac["tier"]}):
            st = TIER_STYLE.get(tier, TIER_STYLE[1])
            f = fac[fac["tier"] == tier]
            ax.scatter(
                f.geometry.x,
                f.geometry.y,
                s=_MARKER_SIZE.get(tier, 10),
                marker=st["marker"],
                c=st["color"],
                edgecolors="white",
                linewidths=0.6 if tier > 1 else 0.3,
                zorder=3 + tier,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="",
                    marker=st["marker"],
                    markersize=math.sqrt(_MARKER_SIZE.get(tier, 10)),
                    markerfacecolor=st["color"],
                    markeredgecolor="white",
                    label=f"{tier_name(tier, lang)} ({len(f)})",
                )
            )
        if rec is not None and len(rec.ranking):
            r = rec.ranking
            pts = gpd.GeoSeries(gpd.points_from_xy(r["lon"], r["lat"]), crs="EPSG:4326").to_crs(crs)
            ax.scatter(
                pts.x, pts.y, s=190, c="#d7301f", edgecolors="white", linewidths=1.2, zorder=9
            )
            for x, y, rank in zip(pts.x, pts.y, r["rank"], strict=True):
                ax.text(
                    x,
                    y,
                    str(int(rank)),
                    color="white",
                    ha="center",
                    va="center",
                    fontsize=8,
                    fontweight="bold",
                    zorder=10,
                )
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="",
                    marker="o",
                    markersize=11,
                    markerfacecolor="#d7301f",
                    markeredgecolor="white",
                    label=tr("fig_rec" if rec.upgrades_only else "fig_rec_new", lang),
                )
            )
        if boundary is not None:
            handles.append(Line2D([], [], color="black", lw=1.4, label=tr("fig_boundary", lang)))
        edges = [*BANDS_MINUTES, None]
        bands = [
            Patch(
                facecolor=c,
                label=tr("legend_min", lang, lo=f"{edges[i]:g}", hi=f"{edges[i + 1]:g}")
                if edges[i + 1] is not None
                else tr("legend_over", lang, lo=f"{edges[i]:g}"),
            )
            for i, c in enumerate(BAND_COLOURS)
        ]
        leg1 = fig.legend(
            handles=bands,
            loc="upper left",
            bbox_to_anchor=(0.70, 0.90),
            title=tr("fig_minutes", lang),
            fontsize=8,
            title_fontsize=8,
            frameon=False,
        )
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.70, 0.50),
            fontsize=8,
            frameon=False,
        )
        fig.add_artist(leg1)
        if crs in ("EPSG:4326", "OGC:CRS84") or not grid:
            y0, y1 = ax.get_ylim()
            mid = math.radians((y0 + y1) / 2)
            ax.set_aspect(1.0 / max(math.cos(mid), 1e-6))
            metres_per_unit = 111_320.0 * math.cos(mid)
        else:
            ax.set_aspect("equal")
            metres_per_unit = 1.0
        ax.set_axis_off()
        _scale_bar(ax, metres_per_unit=metres_per_unit)
        fig.suptitle(tr("fig_map_title", lang, level=_plain(level_label(lv, lang))), fontsize=11)
    return fig


def _weighted_minutes(cov: CoverageResult, name: str) -> tuple[np.ndarray, np.ndarray, float]:
    m = cov.cells[f"minutes_{name}"].to_numpy(dtype=np.float64)
    w = cov.cells["pop"].to_numpy(dtype=np.float64)
    ok = np.isfinite(m)
    return m[ok], w[ok], float(w.sum())


def travel_time_distribution(
    cov: CoverageResult, *, level: str | None = None, lang: str | None = None
) -> Figure:
    """Plot the population's travel time: histogram (one-minute bins) and cumulative shares.

    Left: people per minute of travel to the nearest facility of ``level`` (the headline level
    by default), bars coloured by the map's bands, the threshold dashed. Right: the share of
    the whole population (off-network people included in the denominator, never reached)
    within x minutes, one line per service level, its threshold marked; at a level's threshold
    the curve equals that level's ``covered_share``.

    Parameters
    ----------
    cov : CoverageResult
        Coverage of the county: the cells' minutes and people are plotted.
    level : str, optional
        Service level of the histogram (default: the headline level).
    lang : {"zh", "en"}, optional
        Labels (default: Chinese for Chinese names, when a CJK font is installed).

    Returns
    -------
    matplotlib.figure.Figure
        The two-panel figure (not attached to pyplot).
    """
    lang = _figure_lang(resolve_lang(lang, _names(cov, None)))
    head = cov.config.level(level) if level else cov.levels[0]
    m, w, total = _weighted_minutes(cov, head.name)
    upper = max((lv.minutes for lv in cov.levels), default=head.minutes)
    if len(m):
        q = float(np.quantile(m, 0.995))
        upper = max(upper, q)
    xmax = float(min(120.0, math.ceil(upper / 5.0) * 5.0 + 5.0))
    with rc_context(_rc(lang)):
        fig = _new_figure((10.0, 4.0))
        ax1, ax2 = fig.subplots(1, 2)
        bins = np.arange(0.0, xmax + 1.0, 1.0)
        counts, _ = np.histogram(np.clip(m, 0, xmax), bins=bins, weights=w)
        centres = (bins[:-1] + bins[1:]) / 2
        colours = [
            BAND_COLOURS[min(int(np.searchsorted(BANDS_MINUTES[1:], c)), 5)] for c in centres
        ]
        ax1.bar(bins[:-1], counts, width=1.0, align="edge", color=colours, edgecolor="none")
        ax1.axvline(head.minutes, color="black", ls="--", lw=1)
        covered = float(w[m <= head.minutes].sum()) / total if total else 0.0
        within = tr("fig_within", lang, share=f"{covered:.1%}", minutes=f"{head.minutes:g}")
        if head.minutes <= 0.75 * xmax:  # beside its dashed line
            ax1.text(head.minutes + 0.5, ax1.get_ylim()[1] * 0.92, within, fontsize=8)
        else:  # a threshold beyond the axis (e.g. 900 min): in the corner, inside the axes
            ax1.text(0.98, 0.92, within, transform=ax1.transAxes, ha="right", fontsize=8)
        off = cov.summary.get("off_network_share", 0.0)
        if off:
            ax1.text(
                0.98,
                0.80,
                tr("fig_offnet", lang, share=f"{off:.1%}"),
                transform=ax1.transAxes,
                ha="right",
                fontsize=8,
                color="#555555",
            )
        ax1.set_xlim(0, xmax)
        ax1.set_xlabel(tr("fig_dist_x", lang))
        ax1.set_ylabel(tr("fig_dist_y", lang))
        ax1.set_title(tr("fig_dist_title", lang), fontsize=10)
        ax1.grid(True, axis="y", alpha=0.3)
        xs = np.linspace(0.0, xmax, 481)
        styles = ("#1a9850", "#2171b5", "#54278f", "#d73027", "#525252")
        for i, lv in enumerate(cov.levels):
            mv, wv, tot = _weighted_minutes(cov, lv.name)
            order = np.argsort(mv, kind="stable")
            cw = np.concatenate([[0.0], np.cumsum(wv[order])])
            idx = np.searchsorted(mv[order], xs, side="right")
            share = 100.0 * cw[idx] / tot if tot else np.zeros_like(xs)
            colour = styles[i % len(styles)]
            ax2.plot(xs, share, color=colour, lw=1.6, label=_plain(level_label(lv, lang)))
            at = 100.0 * float(wv[mv <= lv.minutes].sum()) / tot if tot else 0.0
            ax2.plot([lv.minutes], [at], "o", color=colour, ms=5)
            ax2.axvline(lv.minutes, color=colour, ls=":", lw=0.8)
        ax2.set_xlim(0, xmax)
        ax2.set_ylim(0, 100)
        ax2.set_xlabel(tr("fig_dist_x", lang))
        ax2.set_ylabel(tr("fig_cum_y", lang))
        ax2.set_title(tr("fig_cum_title", lang), fontsize=10)
        ax2.grid(True, alpha=0.3)
        ax2.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
    return fig


def plot_curve(
    curve: pd.DataFrame,
    path: str | Path,
    *,
    title: str | None = None,
    y: str = "share",
    labels: Mapping[str, str] | None = None,
) -> None:
    """Plot the objective (or covered share) against K to a PNG file.

    Parameters
    ----------
    curve : DataFrame
        From :func:`access15.coverage_curve` or ``Recommendation.curve``: ``k``, ``method``
        (``"greedy"`` / ``"exact"``), ``proven`` and the column ``y``.
    path : str or Path
        Output PNG.
    title : str, optional
        Title drawn above the plot.
    y : str
        Column to plot (``"share"`` default, ``"objective"``, ``"mean_minutes"``).
    labels : mapping, optional
        Texts to draw instead of the English defaults: ``x``, ``y``, ``greedy``, ``exact``,
        ``unproven`` (e.g. Chinese labels).
    """
    lab = {
        "x": "sites upgraded (K)",
        "y": "covered share (%)" if y == "share" else y.replace("_", " "),
        "greedy": "greedy",
        "exact": "exact",
        "unproven": "not proven optimal",
        **dict(labels or {}),
    }
    if y not in curve.columns:
        msg = f"curve has no column {y!r}; use one of {', '.join(curve.columns)}"
        raise InputError(msg)
    fig = Figure(figsize=(6, 4), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for meth, style in (("greedy", "o--"), ("exact", "s-")):
        c = curve[curve["method"] == meth]
        if len(c):
            vals = c[y] * (100.0 if y == "share" else 1.0)
            ax.plot(c["k"], vals, style, label=lab[meth])
            if "proven" in c and meth == "exact":
                un = c[~c["proven"].astype(bool)]
                if len(un):
                    ax.plot(
                        un["k"],
                        un[y] * (100.0 if y == "share" else 1.0),
                        "rx",
                        label=lab["unproven"],
                    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # K is a count: no half-steps
    ax.set_xlabel(lab["x"])
    ax.set_ylabel(lab["y"])
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png")


def coverage_curve(rec: Recommendation, path: str | Path, *, lang: str | None = None) -> None:
    """Write the covered share against K to a PNG (see :func:`plot_curve`)."""
    names = list(rec.ranking["name"]) if "name" in rec.ranking else []
    lang = _figure_lang(resolve_lang(lang, names))
    title = f"{tr('fig_curve_title', lang)}\n{_plain(level_label(rec.level, lang))}"

    with rc_context(_rc(lang)):
        labels = {key: tr(f"fig_curve_{key}", lang) for key in ("greedy", "exact", "unproven")}
        labels |= {"x": tr("fig_curve_x", lang), "y": tr("fig_curve_y", lang)}
        plot_curve(rec.curve, path, title=title, labels=labels)


def save_png(fig: Figure, path: str | Path) -> Path:
    """Save a figure as PNG (no timestamp in the file, so equal figures give equal bytes)."""
    p = Path(path)
    fig.savefig(p, format="png", dpi=_DPI, metadata={"Software": None})
    return p


def write_figures(
    out_dir: str | Path,
    cov: CoverageResult,
    rec: Recommendation | None = None,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    lang: str | None = None,
    only: set[str] | None = None,
) -> dict[str, Path]:
    """Write the PNG figures of a run into ``out_dir`` (names in :data:`FIGURE_FILES`).

    ``coverage_curve.png`` is written only with a recommendation that has a curve.

    Parameters
    ----------
    out_dir : str or Path
        Existing folder to write into.
    cov : CoverageResult
        Coverage of the county.
    rec : Recommendation, optional
        Adds the sites to the map figure and writes ``coverage_curve.png``.
    boundary : GeoDataFrame, optional
        County outline, drawn on the map figure.
    zones : GeoDataFrame, optional
        Township outlines, drawn on the map figure.
    lang : {"zh", "en"}, optional
        Labels (default: Chinese for Chinese names).
    only : set of str, optional
        Restrict the files to these names (default: all).

    Returns
    -------
    dict of str to Path
        Path of each figure written, by file name.
    """
    out = Path(out_dir)
    lang = resolve_lang(lang, _names(cov, zones))
    want = set(FIGURE_FILES.values()) if only is None else set(only)
    written: dict[str, Path] = {}
    name = FIGURE_FILES["coverage_map"]
    if name in want:
        written[name] = save_png(
            coverage_map(cov, rec, boundary=boundary, zones=zones, lang=lang), out / name
        )
    name = FIGURE_FILES["travel_time_distribution"]
    if name in want and len(cov.cells):
        written[name] = save_png(travel_time_distribution(cov, lang=lang), out / name)
    name = FIGURE_FILES["coverage_curve"]
    curve = getattr(rec, "curve", None)
    if name in want and rec is not None and curve is not None and len(curve):
        coverage_curve(rec, out / name, lang=lang)
        written[name] = out / name
    return written
