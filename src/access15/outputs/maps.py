"""Interactive Folium maps of coverage, gaps and recommendations.

The map opens offline: Leaflet, jQuery and the fullscreen control are inlined from
``_assets/`` (only basemap tiles need the internet, and the synthetic sample has none).

Every name shown comes from OSM or a user file and is escaped before it reaches folium with
:func:`escape_text`, which also neutralises the characters of JavaScript template literals
(folium writes tooltips and popups into backtick strings, where ``${...}`` would run) and of
Jinja2 (folium renders each element's output again as a Jinja2 template, so a name ``{{7*7}}``
would show ``49`` and a crafted one would run Python code): braces become ``&#123;``/``&#125;``,
which the browser shows as braces. Every untrusted text given to folium, here and in the batch
map, goes through :func:`escape_text`.
"""

from __future__ import annotations

import base64
import math
import os
import re
from dataclasses import dataclass, replace
from importlib.resources import files
from numbers import Real
from typing import TYPE_CHECKING, Any, TypedDict, Unpack, cast

import folium
import numpy as np
import numpy.typing as npt
import shapely
from folium import plugins
from rasterio.warp import transform_bounds

from access15.access import GAP_MIN_PEOPLE
from access15.bands import simplify_bands
from access15.errors import InputError
from access15.outputs.escaping import escape_text
from access15.outputs.labels import level_label, resolve_lang, tier_name, tr
from access15.outputs.style import BAND_COLOURS, BANDS_MINUTES, TIER_STYLE, band_colour, symbol_svg
from access15.outputs.supply_map import add_supply_layers
from access15.outputs.surface import SURFACE_MAX_PX, add_surface

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    from branca.element import Figure

    from access15.access import CoverageResult
    from access15.siting import Recommendation, Sensitivity
    from access15.supply import AccessibilityResult, CapacityCoverage

__all__ = [
    "BASEMAPS",
    "SURFACE_MAX_PX",
    "MapKeywords",
    "MapOptions",
    "add_basemap",
    "check_basemap",
    "escape_text",
    "make_map",
    "offline_map",
    "tianditu_tiles",
]

BASEMAPS = ("osm", "positron", "tianditu", "none")
"""Basemap choices: OpenStreetMap, CartoDB Positron, Tianditu (needs a key) and none."""
GAP_MAX_RADIUS_PX = 28.0
"""Radius of the largest uncovered cluster's circle; others scale with sqrt(people)."""
GAPS_MAX_DRAWN = 1000
"""Most uncovered clusters drawn as circles (the most populous; all are in gaps.geojson)."""
BANDS_MAX_BYTES = 6_000_000
"""Budget of the isochrone layer's GeoJSON in the map, bytes: past it, the smallest polygon
parts are left out of the drawing (the travel-time image still shows them)."""

_OSM_ATTR = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
_TILES: dict[str, dict[str, Any]] = {
    "osm": {"tiles": "OpenStreetMap", "label": "basemap_osm"},
    # CARTO's URL is given directly: xyzservices now flags CartoDB as needing an API key
    "positron": {
        "tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "attr": f'{_OSM_ATTR} &copy; <a href="https://carto.com/attributions">CARTO</a>',
        "subdomains": "abcd",
        "max_zoom": 20,
        "label": "basemap_positron",
    },
}
_TIANDITU_URL = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTR = (
    '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a> '
    "(National Platform for Common GeoSpatial Information Services)"
)
_KEY_RE = re.compile(r"[0-9A-Za-z]{8,64}")
_esc = escape_text


def _asset_uri(name: str, mime: str) -> str:
    """Return a vendored asset (``_assets/``) as a data URI, so the map needs no CDN."""
    data = files("access15").joinpath("_assets", name).read_bytes()
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# --------------------------------------------------------------------------- basemaps
def check_basemap(basemap: str | None, tianditu_key: str | None = None) -> str | None:
    """Validate a basemap choice; return its name, or ``None`` for no basemap.

    Parameters
    ----------
    basemap : {"osm", "positron", "tianditu", "none"} or None
    tianditu_key : str, optional
        Tianditu browser key; needed for ``"tianditu"`` (default: ``$TIANDITU_KEY``).

    Raises
    ------
    InputError
        Unknown basemap, or Tianditu without a usable key.
    """
    if basemap is None or str(basemap).lower() == "none":
        return None
    name = str(basemap).lower()
    if name not in BASEMAPS:
        msg = f"unknown basemap {basemap!r}; use one of {', '.join(BASEMAPS)}"
        raise InputError(msg)
    if name == "tianditu":
        _tianditu_key(tianditu_key)
    return name


def _tianditu_key(key: str | None) -> str:
    key = key if key else os.environ.get("TIANDITU_KEY", "")
    key = key.strip()
    if not key:
        msg = (
            "basemap tianditu needs a Tianditu key: pass --tianditu-key KEY (or "
            "tianditu_key=...) or set TIANDITU_KEY; a free browser key comes from the Tianditu "
            "developer console"
        )
        raise InputError(msg)
    if not _KEY_RE.fullmatch(key):
        msg = "the Tianditu key must be 8-64 letters and digits (a 32-character hex key); check it"
        raise InputError(msg)
    return key


def tianditu_tiles(key: str | None, *, lang: str = "zh") -> list[dict[str, Any]]:
    """Tianditu WMTS tile layers (Web Mercator ``_w``): vector base map and its labels.

    Tianditu tiles are in WGS-84/CGCS2000, like OSM and the outputs of access15, so no GCJ-02
    shift is needed (unlike AMap or Tencent tiles). The key is written into the tile URLs, and
    so into ``map.html``: share the map only where the key may be seen (Tianditu browser keys
    can be restricted to domains in its console).

    Parameters
    ----------
    key : str, optional
        Tianditu key (default: ``$TIANDITU_KEY``).
    lang : {"zh", "en"}
        Language of the labels layer (``cva`` Chinese, ``eva`` English).

    Returns
    -------
    list of dict
        ``tiles`` (URL template), ``attr``, ``name``, ``overlay``, ``subdomains``.

    Examples
    --------
    >>> [t["tiles"].split("/")[3] for t in tianditu_tiles("0123456789abcdef", lang="en")]
    ['vec_w', 'eva_w']
    """
    k = _tianditu_key(key)
    labels = "cva" if lang == "zh" else "eva"
    return [
        {
            "tiles": _TIANDITU_URL.format(layer="vec", key=k),
            "attr": _TIANDITU_ATTR,
            "name": tr("basemap_tianditu", lang),
            "overlay": False,
            "subdomains": "01234567",
        },
        {
            "tiles": _TIANDITU_URL.format(layer=labels, key=k),
            "attr": _TIANDITU_ATTR,
            "name": tr("tianditu_labels", lang),
            "overlay": True,
            "subdomains": "01234567",
        },
    ]


def add_basemap(
    m: folium.Map, basemap: str | None, *, tianditu_key: str | None = None, lang: str = "en"
) -> None:
    """Add the tile layer(s) of a basemap choice to a map (nothing for ``None``/``"none"``).

    OpenStreetMap, CARTO Positron (its URL given directly, with CARTO's attribution) or
    Tianditu (vector map plus labels, :func:`tianditu_tiles`).

    Parameters
    ----------
    m : folium.Map
        The map to add the tiles to.
    basemap : {"osm", "positron", "tianditu", "none"} or None
        The basemap choice (see :func:`check_basemap`).
    tianditu_key : str, optional
        Tianditu key (default ``$TIANDITU_KEY``); only for ``"tianditu"``.
    lang : {"zh", "en"}
        Language of the layer names (and of Tianditu's labels).

    Raises
    ------
    InputError
        Unknown basemap, or Tianditu without a usable key.
    """
    name = check_basemap(basemap, tianditu_key)
    if name is None:
        return
    if name == "tianditu":
        for t in tianditu_tiles(tianditu_key, lang=lang):
            folium.TileLayer(max_zoom=18, **t).add_to(m)
        return
    spec = dict(_TILES[name])
    folium.TileLayer(name=tr(spec.pop("label"), lang), **spec).add_to(m)


def _fmt(value: float, spec: str, lang: str) -> str:
    return format(value, spec) if value is not None and np.isfinite(value) else tr("na", lang)


def _legend_html(
    lv_min_tier: int,
    tiers: list[int],
    lang: str,
    *,
    gaps: bool,
    sites: bool,
    new_sites: bool = False,
) -> str:
    rows = []
    edges = [*BANDS_MINUTES, None]
    for i, colour in enumerate(BAND_COLOURS):
        lo, hi = edges[i], edges[i + 1]
        label = (
            tr("legend_min", lang, lo=f"{lo:g}", hi=f"{hi:g}")
            if hi is not None
            else tr("legend_over", lang, lo=f"{lo:g}")
        )
        rows.append(
            f'<div><span style="display:inline-block;width:14px;height:10px;'
            f'background:{colour};margin-right:6px"></span>{label}</div>'
        )
    rows.append(f'<div style="color:#666">{tr("legend_nodata", lang)}</div>')
    rows.append(f'<div style="margin-top:4px"><b>{tr("legend_facilities", lang)}</b></div>')
    for t in tiers:
        rows.append(
            '<div class="a15-legend-tier" style="display:flex;align-items:center;gap:6px">'
            f"{symbol_svg(t, size=14)}{_esc(tier_name(t, lang))}</div>"
        )
    if gaps:
        rows.append(
            '<div style="display:flex;align-items:center;gap:6px"><span style="display:'
            "inline-block;width:12px;height:12px;border-radius:50%;border:2px solid #7a0177;"
            f'background:rgba(247,104,161,.5)"></span>{tr("legend_gap", lang)}</div>'
        )
    if sites:
        rows.append(
            '<div style="display:flex;align-items:center;gap:6px"><span style="display:'
            "inline-block;width:14px;height:14px;line-height:14px;border-radius:50%;"
            'background:#d7301f;color:#fff;text-align:center;font-size:10px">1</span>'
            f"{tr('legend_site_new' if new_sites else 'legend_site', lang)}</div>"
        )
    return (
        '<div id="access15-legend" style="position:fixed;bottom:30px;right:12px;z-index:1000;'
        "background:rgba(255,255,255,.92);padding:6px 10px;border-radius:4px;"
        'box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px sans-serif;max-width:260px">'
        f"<b>{tr('legend_title', lang, tier=lv_min_tier)}</b>" + "".join(rows) + "</div>"
    )


def _map_frame(cov: CoverageResult) -> tuple[bool, float, float, float, float]:
    """Whether the demand is a grid, and the (west, south, east, north) frame in degrees."""
    pop = cov.population
    t = cov.surface_transform
    if t is not None and pop.transform is not None and cov.surface:
        h, w = next(iter(cov.surface.values())).shape
        west, north = t.c, t.f
        east, south = t.c + w * t.a, t.f + h * t.e
        if pop.crs not in ("EPSG:4326", "OGC:CRS84"):
            west, south, east, north = transform_bounds(
                pop.crs, "EPSG:4326", west, south, east, north
            )
        return True, west, south, east, north
    lons = np.concatenate([cov.cells["lon"].to_numpy(), cov.facilities.geometry.x.to_numpy()])
    lats = np.concatenate([cov.cells["lat"].to_numpy(), cov.facilities.geometry.y.to_numpy()])
    return False, lons.min(), lats.min(), lons.max(), lats.max()


# --------------------------------------------------------------------------- layers
def _add_isochrones(
    m: folium.Map, bands: gpd.GeoDataFrame, label: str, lang: str, simplify_m: float | None
) -> None:
    """Draw given band polygons (hidden at start), simplified for display when asked."""
    if not len(bands):
        return
    iso = bands if simplify_m is None else simplify_bands(bands, simplify_m)
    g = iso[["max_minutes", "geometry"]].copy()
    g["colour"] = [band_colour(v) for v in iso["max_minutes"]]
    g["label"] = [
        _esc(tr("tooltip_iso", lang, band=b, people=f"{p:,.0f}", area=f"{a:,.0f}"))
        for b, p, a in zip(iso["band"], iso["population"], iso["area_km2"], strict=True)
    ]
    g["geometry"] = shapely.set_precision(g.geometry.to_numpy(), 1e-5)
    text = g.to_json(drop_id=True)
    if len(text) > BANDS_MAX_BYTES:
        g["geometry"] = _largest_parts(g.geometry.to_numpy(), BANDS_MAX_BYTES / len(text))
        text = g.to_json(drop_id=True)
    folium.GeoJson(
        text,
        name=tr("layer_isochrones", lang, level=label),
        show=False,
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": 1,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.45,
        },
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(m)


def _largest_parts(geoms: npt.NDArray[np.object_], keep_share: float) -> list[Any]:
    """Keep the largest polygon parts of all ``geoms`` holding ``keep_share`` of their vertices.

    Parts are ranked by area over every geometry together; each geometry keeps its ranked
    parts (a geometry left with none keeps its largest), as a MultiPolygon.
    """
    parts = [shapely.get_parts(g) for g in geoms]
    owner = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    flat = np.concatenate(parts) if len(parts) else np.zeros(0, dtype=object)
    area = shapely.area(flat)
    order = np.argsort(-area, kind="stable")
    coords = shapely.get_num_coordinates(flat)[order]
    budget = keep_share * float(coords.sum())
    keep = np.zeros(len(flat), dtype=bool)
    keep[order[np.cumsum(coords) <= budget]] = True
    out = []
    for i in range(len(parts)):
        mine = np.flatnonzero(owner == i)
        chosen = mine[keep[mine]] if keep[mine].any() else mine[np.argmax(area[mine])][None]
        out.append(shapely.MultiPolygon(list(flat[chosen])) if len(mine) else geoms[i])
    return out


def _add_facilities(m: folium.Map, cov: CoverageResult, lang: str) -> list[int]:

    fac = cov.facilities
    tiers = sorted({int(t) for t in fac["tier"]}, reverse=True)
    for tier in tiers:
        st = TIER_STYLE.get(tier, TIER_STYLE[1])
        s = st["size"]
        group = folium.FeatureGroup(
            name=tr("layer_tier", lang, tier=tier, name=_esc(tier_name(tier, lang)))
        )
        for r in fac[fac["tier"] == tier].itertuples():
            lines = [f"<b>{_esc(r.name)}</b>"]
            name_en = getattr(r, "name_en", None)
            if _esc(name_en):
                lines.append(_esc(name_en))
            lines.append(tr("popup_tier", lang, tier=tier, name=_esc(tier_name(tier, lang))))
            on = bool(getattr(r, "on_network", True))
            if on:
                mins = float(getattr(r, "minutes_to_hospital", np.nan))
                lines.append(tr("popup_to_hospital", lang, minutes=_fmt(mins, ".1f", lang)))
                if tier == 1:
                    mt = float(getattr(r, "minutes_to_township", np.nan))
                    lines.append(tr("popup_to_township", lang, minutes=_fmt(mt, ".1f", lang)))
                lines.append(tr("popup_snap", lang, metres=_fmt(float(r.snap_m), ".0f", lang)))
            else:
                lines.append(f"<i>{tr('popup_off_network', lang)}</i>")
            folium.Marker(
                [r.geometry.y, r.geometry.x],
                icon=folium.DivIcon(
                    html=symbol_svg(tier),
                    icon_size=(s, s),
                    icon_anchor=(s // 2, s // 2),
                    class_name=f"a15-fac a15-tier-{tier}",
                ),
                popup=folium.Popup("<br>".join(lines), max_width=300),
                tooltip=_esc(r.name),
                z_index_offset=100 * tier,
            ).add_to(group)
        group.add_to(m)
    return tiers


def _add_gaps(
    m: folium.Map, cov: CoverageResult, zones: gpd.GeoDataFrame | None, lang: str
) -> bool:

    gaps = cov.gaps
    if gaps is None or not len(gaps):
        return False
    big = gaps[gaps["population"] >= GAP_MIN_PEOPLE]
    if not len(big):
        return False
    big = big.nlargest(GAPS_MAX_DRAWN, "population", keep="first")
    names = (
        dict(zip(zones["zone_id"].astype(str), zones["name"].astype(str), strict=True))
        if zones is not None and "name" in zones.columns
        else {}
    )
    top = float(big["population"].max())
    group = folium.FeatureGroup(name=tr("layer_gaps", lang, people=f"{GAP_MIN_PEOPLE:g}"))
    for r in big.itertuples():
        lines = [
            f"<b>{_esc(r.gap_id)}</b>",
            tr("popup_gap_people", lang, people=f"{r.population:,.0f}"),
        ]
        if r.off_network_population > 0.5:
            lines.append(tr("popup_gap_off", lang, people=f"{r.off_network_population:,.0f}"))
        lines.append(
            tr(
                "popup_gap_minutes",
                lang,
                mean=_fmt(r.mean_minutes, ".0f", lang),
                max=_fmt(r.max_minutes, ".0f", lang),
            )
        )
        if r.zone_id:
            lines.append(
                tr("popup_township", lang, name=_esc(names.get(str(r.zone_id), r.zone_id)))
            )
        folium.CircleMarker(
            [r.geometry.y, r.geometry.x],
            radius=max(3.0, GAP_MAX_RADIUS_PX * math.sqrt(r.population / top)),
            color="#7a0177",
            weight=2,
            fill=True,
            fill_color="#f768a1",
            fill_opacity=0.5,
            popup=folium.Popup("<br>".join(lines), max_width=260),
            tooltip=tr("popup_gap_people", lang, people=f"{r.population:,.0f}"),
        ).add_to(group)
    group.add_to(m)
    return True


def _add_sites(m: folium.Map, rec: Recommendation, sens: Sensitivity | None, lang: str) -> None:

    robust: dict[str, tuple[int, int, float]] = {}
    if sens is not None and len(sens.stability):
        robust = {
            str(r.site_id): (int(r.times_in_top_k), int(r.n_scenarios), float(r.share))
            for r in sens.stability.itertuples()
        }
    key = "layer_sites" if rec.upgrades_only else "layer_sites_new"
    group = folium.FeatureGroup(name=tr(key, lang, k=len(rec.ranking)))
    for r in rec.ranking.itertuples():
        rank = int(r.rank)
        icon = folium.DivIcon(
            html=(
                '<div style="background:#d7301f;color:#fff;border:2px solid #fff;'
                "border-radius:50%;width:26px;height:26px;line-height:22px;box-sizing:border-box;"
                'text-align:center;font:bold 14px sans-serif;box-shadow:0 1px 3px rgba(0,0,0,.5)">'
                f"{rank}</div>"
            ),
            icon_size=(26, 26),
            icon_anchor=(13, 13),
            class_name=f"a15-site a15-site-{rank}",
        )
        lines = [f"<b>#{rank} {_esc(r.name)}</b>"]
        if _esc(getattr(r, "name_en", None)):
            lines.append(_esc(r.name_en))
        lines.append(
            tr(
                "popup_site_added",
                lang,
                people=f"{r.added_population:,.0f}",
                minutes=f"{rec.level.minutes:g}",
            )
        )
        lines.append(tr("popup_site_share", lang, share=f"{r.cumulative_share:.1%}"))
        if str(r.site_id) in robust:
            n, of, share = robust[str(r.site_id)]
            lines.append(tr("popup_site_robust", lang, n=n, of=of, share=f"{share:.0%}"))
        folium.Marker(
            [r.lat, r.lon],
            icon=icon,
            popup=folium.Popup("<br>".join(lines), max_width=300),
            tooltip=tr("tooltip_site", lang, rank=rank, name=_esc(r.name)),
            z_index_offset=1000,
        ).add_to(group)
    group.add_to(m)


def offline_map(location: list[float], *, zoom_start: int = 10) -> folium.Map:
    """Make an empty Folium map with Leaflet and jQuery inlined, so the HTML opens offline.

    No tiles, a scale bar, canvas rendering; bootstrap and web fonts are left out.

    Parameters
    ----------
    location : [lat, lon]
        Initial centre, degrees (WGS-84).
    zoom_start : int
        Initial Web-Mercator zoom level.
    """
    m = folium.Map(
        location=location,
        zoom_start=zoom_start,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
    )
    m.default_js = [
        ("leaflet", _asset_uri("leaflet.js", "text/javascript")),
        ("jquery", _asset_uri("jquery.min.js", "text/javascript")),
    ]
    m.default_css = [("leaflet_css", _asset_uri("leaflet.css", "text/css"))]
    return m


class MapKeywords(TypedDict, total=False):
    """The fields of :class:`MapOptions`, accepted as keywords by :func:`make_map`."""

    basemap: str | None
    tianditu_key: str | None
    title: str
    level: str | None
    lang: str | None
    isochrone_simplify_m: float | None
    gaps: bool


@dataclass(frozen=True)
class MapOptions:
    """How :func:`make_map` draws a county: background, labels and which layers.

    Checked when made (an unknown basemap or language, or Tianditu without a key, fails here,
    before any drawing). :func:`make_map` also takes the same names as keywords.

    Attributes
    ----------
    basemap : {"osm", "positron", "tianditu", "none"} or None
        Background tiles; ``None``/``"none"`` shows no basemap (used for the synthetic sample
        county, whose roads are not real). ``"tianditu"`` needs ``tianditu_key``.
    tianditu_key : str or None
        Tianditu key (default ``$TIANDITU_KEY``); it is written into the HTML.
    title : str
        Shown at the top of the map (escaped); empty for none.
    level : str or None
        Service level whose surface is drawn (default: the first, the 15-minute test).
    lang : {"zh", "en"} or None
        Labels; default Chinese when the township or facility names are Chinese.
    isochrone_simplify_m : float or None
        Display simplification of the given isochrone bands, metres (default 100; None draws
        them with their exact cell edges, a heavier page). Only the drawing changes, see
        :func:`access15.bands.simplify_bands`.
    gaps : bool
        Draw the uncovered clusters.
    """

    basemap: str | None = "osm"
    tianditu_key: str | None = None
    title: str = ""
    level: str | None = None
    lang: str | None = None
    isochrone_simplify_m: float | None = 100.0
    gaps: bool = True

    def __post_init__(self) -> None:
        """Check the basemap (and its key), the language and the tolerance once."""
        check_basemap(self.basemap, self.tianditu_key)
        if self.lang is not None:
            resolve_lang(self.lang)
        tol = self.isochrone_simplify_m
        if tol is not None and (
            isinstance(tol, bool) or not isinstance(tol, Real) or not 0 < tol < math.inf
        ):
            msg = f"isochrone_simplify_m must be a positive number of metres or None, got {tol!r}"
            raise InputError(msg)


def make_map(
    cov: CoverageResult,
    rec: Recommendation | None = None,
    *,
    bands: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    sens: Sensitivity | None = None,
    supply: Sequence[AccessibilityResult | CapacityCoverage] = (),
    options: MapOptions | None = None,
    **display: Unpack[MapKeywords],
) -> folium.Map:
    """Draw the interactive map: travel times, isochrones, boundaries, facilities, gaps, sites.

    Layers (in the layer control): the basemap; the travel-time surface of the options'
    ``level`` coloured in minutes (legend bottom right); the given isochrone ``bands`` (off at
    start); township and county boundaries; one layer per facility tier with its own symbol
    (popup: name, tier, minutes to the county hospital); uncovered clusters of at least
    :data:`access15.access.GAP_MIN_PEOPLE` people as circles whose area is proportional to
    their people; recommended upgrades with their rank, added population and robustness.
    A scale bar and a fullscreen button are added. The map opens offline (scripts inlined).

    The map only draws: it computes no travel times and no polygons. Pass the bands computed
    once with :func:`access15.bands.isochrones` (as :func:`access15.pipeline.run_county` does,
    the same polygons it writes to ``isochrones.geojson``); they are simplified for display
    only (``isochrone_simplify_m``).

    Parameters
    ----------
    cov : CoverageResult
        Coverage of the county (:func:`access15.access.coverage`): surface, facilities, gaps.
    rec : Recommendation, optional
        Recommended sites, drawn with their rank.
    bands : GeoDataFrame, optional
        Isochrone bands from :func:`access15.bands.isochrones` (WGS-84); None draws no band
        layer.
    boundary : GeoDataFrame, optional
        County outline (any CRS; drawn in WGS-84).
    zones : GeoDataFrame, optional
        Township polygons (``name``, ``name_en``, ``zone_id`` shown on hover).
    sens : Sensitivity, optional
        Adds each recommended site's robustness to its popup.
    supply : sequence of AccessibilityResult or CapacityCoverage
        Supply-against-demand measures (:mod:`access15.supply`, at most one of each): the
        accessibility index as a township choropleth (e.g. doctors per 10,000 people within
        reach; circles on the most populous cells without township polygons), off at start
        when the travel-time surface is drawn; the facilities at capacity, ringed (off at
        start). Their legend is at the bottom left (see :mod:`access15.outputs.supply_map`).
    options : MapOptions, optional
        Basemap, title, level, language and layers (default ``MapOptions()``).
    **display
        Any :class:`MapOptions` field by name (``basemap=None``, ``title=...``,
        ``level=...``), overriding ``options``.

    Returns
    -------
    folium.Map
        The map; shows inline in Jupyter, ``.save(path)`` writes a standalone HTML page.

    Raises
    ------
    InputError
        Unknown basemap or language, or Tianditu without a key.

    Examples
    --------
    >>> from access15.bands import isochrones
    >>> m = make_map(cov, rec, bands=isochrones(cov), basemap=None)  # doctest: +SKIP
    >>> m.save("map.html")  # doctest: +SKIP
    """
    opts = options or MapOptions()
    if display:
        opts = replace(opts, **display)
    names = [*(zones["name"] if zones is not None and "name" in zones else [])]
    names += list(cov.facilities["name"].head(50)) if "name" in cov.facilities else []
    lang = resolve_lang(opts.lang, names)
    lv = cov.config.level(opts.level) if opts.level else cov.levels[0]
    pop = cov.population
    grid, west, south, east, north = _map_frame(cov)
    grid = grid and lv.name in cov.surface
    m = offline_map([(south + north) / 2, (west + east) / 2], zoom_start=10)
    add_basemap(m, opts.basemap, tianditu_key=opts.tianditu_key, lang=lang)
    label = _esc(level_label(lv, lang))
    if grid:
        frame = (west, south, east, north)
        name = tr("layer_surface", lang, level=label)
        add_surface(m, cov.surface[lv.name], pop.crs, frame, name=name)
    if zones is not None:
        tooltip_fields = [c for c in ("name", "name_en", "zone_id") if c in zones.columns]
        z = zones.to_crs("EPSG:4326")[[*tooltip_fields, "geometry"]].copy()
        for c in tooltip_fields:
            z[c] = z[c].map(_esc)
        folium.GeoJson(
            z.to_json(drop_id=True),
            name=tr("layer_townships", lang),
            # an invisible fill, so hovering anywhere in a township names it
            style_function=lambda _f: {
                "color": "#555555",
                "weight": 1,
                "fill": True,
                "fillOpacity": 0.0,
            },
            tooltip=folium.GeoJsonTooltip(fields=tooltip_fields, labels=False)
            if tooltip_fields
            else None,
        ).add_to(m)
    if bands is not None:  # above the townships: when shown, their tooltips win
        band_level = cov.config.level(str(bands.attrs.get("level", lv.name)))
        band_label = _esc(level_label(band_level, lang))
        _add_isochrones(m, bands, band_label, lang, opts.isochrone_simplify_m)
    if boundary is not None:
        folium.GeoJson(
            boundary.to_crs("EPSG:4326")[["geometry"]].to_json(drop_id=True),
            name=tr("layer_county", lang),
            style_function=lambda _f: {"color": "#000000", "weight": 2.5, "fill": False},
            interactive=False,  # never catches the pointer meant for a township below
        ).add_to(m)
    # under the gaps and facilities; off at start when it would hide the travel-time surface
    add_supply_layers(m, supply, lang, show_index=not grid)
    has_gaps = opts.gaps and _add_gaps(m, cov, zones, lang)
    tiers = _add_facilities(m, cov, lang)
    if rec is not None and len(rec.ranking):
        _add_sites(m, rec, sens, lang)
    page = cast("Figure", m.get_root())  # a folium.Map's root is always a branca Figure
    # an inline SVG sits on the text baseline, below its icon's box: centre it on the place
    page.header.add_child(folium.Element("<style>.a15-fac svg{display:block}</style>"))
    page.html.add_child(
        folium.Element(
            _legend_html(
                lv.min_tier,
                tiers,
                lang,
                gaps=has_gaps,
                sites=rec is not None and len(rec.ranking) > 0,
                new_sites=rec is not None and not rec.upgrades_only,
            )
        )
    )
    if opts.title:
        page.html.add_child(
            folium.Element(
                '<div id="access15-title" style="position:fixed;top:10px;left:60px;z-index:1000;'
                "background:#fff;padding:6px 10px;border-radius:4px;"
                "box-shadow:0 1px 4px rgba(0,0,0,.3);"
                f'font:14px sans-serif"><b>{_esc(opts.title)}</b></div>'
            )
        )
    fullscreen = plugins.Fullscreen()
    fullscreen.default_js = [
        ("Control.Fullscreen.js", _asset_uri("Control.FullScreen.js", "text/javascript"))
    ]
    fullscreen.default_css = [
        ("Control.FullScreen.css", _asset_uri("Control.FullScreen.css", "text/css"))
    ]
    fullscreen.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m
