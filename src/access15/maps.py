"""Interactive Folium maps of coverage and recommendations.

Every name shown comes from OSM or a user file and is escaped before it reaches HTML.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .config import TIER_NAMES

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from .coverage import CoverageResult
    from .siting import Recommendation

__all__ = ["BANDS_MINUTES", "BAND_COLOURS", "make_map", "surface_rgba"]

BANDS_MINUTES = (0.0, 5.0, 10.0, 15.0, 30.0, 60.0)
BAND_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b", "#fc8d59", "#d73027", "#67001f")
_TIER_STYLE = {
    4: {"color": "#08306b", "radius": 11},
    3: {"color": "#2171b5", "radius": 9},
    2: {"color": "#6baed6", "radius": 6},
    1: {"color": "#9e9ac8", "radius": 3},
}
_BASEMAPS = {
    "osm": ("OpenStreetMap", None),
    "positron": ("CartoDB positron", None),
}


def _hex_to_rgb(h: str) -> tuple[int, int, int]:
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def surface_rgba(minutes: npt.NDArray[np.floating], *, alpha: int = 170) -> npt.NDArray[np.uint8]:
    """Colour a travel-time grid (minutes) by the display bands; NaN cells are transparent.

    Examples
    --------
    >>> surface_rgba(np.array([[1.0, np.nan, 100.0]]))[0, :, 3].tolist()
    [170, 0, 170]
    """
    m = np.asarray(minutes, dtype=np.float64)
    band = np.searchsorted(np.asarray(BANDS_MINUTES[1:]), np.nan_to_num(m, nan=0.0), side="left")
    band = np.clip(band, 0, len(BAND_COLOURS) - 1)
    lut = np.array([_hex_to_rgb(c) for c in BAND_COLOURS], dtype=np.uint8)
    rgba = np.zeros((*m.shape, 4), dtype=np.uint8)
    rgba[..., :3] = lut[band]
    rgba[..., 3] = np.where(np.isfinite(m), alpha, 0)
    return rgba


def _mercator_rows(
    grid: npt.NDArray[np.floating], south: float, north: float
) -> npt.NDArray[np.floating]:
    """Resample a north-up lat/lon grid's rows to equal Web-Mercator steps (nearest row).

    Leaflet stretches an image overlay linearly in Web-Mercator metres, so rows of a lat/lon
    grid must be redistributed first; nearest-row sampling keeps band colours exact.
    """
    h = grid.shape[0]

    def merc(lat: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64]:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    y = np.linspace(merc(north), merc(south), h, endpoint=False) + (merc(south) - merc(north)) / (
        2 * h
    )
    lat = np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)
    rows = np.clip(((north - lat) / (north - south) * h).astype(np.int64), 0, h - 1)
    return grid[rows]


def _asset_uri(name: str, mime: str) -> str:
    """Return a vendored asset (``_assets/``) as a data URI, so the map needs no CDN."""
    import base64
    from importlib.resources import files

    data = files("access15").joinpath("_assets", name).read_bytes()
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _legend_html(lv_min_tier: int) -> str:
    rows = []
    edges = [*BANDS_MINUTES, None]
    for i, colour in enumerate(BAND_COLOURS):
        lo, hi = edges[i], edges[i + 1]
        label = f"{lo:g}–{hi:g} min" if hi is not None else f"> {lo:g} min"
        rows.append(
            f'<div><span style="display:inline-block;width:14px;height:10px;'
            f'background:{colour};margin-right:6px"></span>{label}</div>'
        )
    return (
        '<div id="access15-legend" style="position:fixed;bottom:30px;right:12px;z-index:1000;'
        "background:rgba(255,255,255,.92);padding:6px 10px;border-radius:4px;"
        'box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px sans-serif">'
        f"<b>Minutes to nearest facility (tier ≥ {lv_min_tier})</b>"
        + "".join(rows)
        + '<div style="color:#666">no colour: off-network or outside the county</div></div>'
    )


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def make_map(
    cov: CoverageResult,
    rec: Recommendation | None = None,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    basemap: str | None = "osm",
    title: str = "",
    level: str | None = None,
) -> folium.Map:
    """Interactive map: travel-time surface, boundaries, facilities by tier, recommended sites.

    Parameters
    ----------
    cov : CoverageResult
    rec : Recommendation, optional
    boundary, zones : GeoDataFrame, optional
        County outline and township polygons (WGS-84).
    basemap : {"osm", "positron", None}
        Background tiles; ``None`` shows no basemap (used for the synthetic sample county, whose
        roads are not real).
    title : str
        Shown at the top of the map (escaped).
    level : str, optional
        Service level whose surface is drawn (default: the first, the 15-minute test).

    Returns
    -------
    folium.Map
    """
    import folium
    from folium import plugins

    lv = cov.config.level(level) if level else cov.levels[0]
    pop = cov.population
    grid = pop.transform is not None and lv.name in cov.surface
    if grid:
        t = pop.transform
        h, w = pop.shape
        west, north = t.c, t.f
        east, south = t.c + w * t.a, t.f + h * t.e
        if pop.crs not in ("EPSG:4326", "OGC:CRS84"):
            from rasterio.warp import transform_bounds

            west, south, east, north = transform_bounds(
                pop.crs, "EPSG:4326", west, south, east, north
            )
    else:  # point demand (villages): frame the points and facilities
        lons = np.concatenate([cov.cells["lon"].to_numpy(), cov.facilities.geometry.x.to_numpy()])
        lats = np.concatenate([cov.cells["lat"].to_numpy(), cov.facilities.geometry.y.to_numpy()])
        west, east, south, north = lons.min(), lons.max(), lats.min(), lats.max()
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
    )
    # Leaflet and jQuery are inlined (vendored) so the map opens offline; no bootstrap/fonts.
    m.default_js = [
        ("leaflet", _asset_uri("leaflet.js", "text/javascript")),
        ("jquery", _asset_uri("jquery.min.js", "text/javascript")),
    ]
    m.default_css = [("leaflet_css", _asset_uri("leaflet.css", "text/css"))]
    if basemap is not None:
        if basemap not in _BASEMAPS:
            from .errors import InputError

            msg = f"unknown basemap {basemap!r}; use one of {sorted(_BASEMAPS)} or None"
            raise InputError(msg)
        folium.TileLayer(_BASEMAPS[basemap][0], name=f"Basemap: {basemap}").add_to(m)
    if grid:
        surface = cov.surface[lv.name]
        if pop.crs in ("EPSG:4326", "OGC:CRS84"):
            surface = _mercator_rows(surface, south, north)
        folium.raster_layers.ImageOverlay(
            image=surface_rgba(surface),
            bounds=[[south, west], [north, east]],
            mercator_project=False,
            name=f"Travel time ({lv.name}, minutes)",
            pixelated=True,
        ).add_to(m)
    m.get_root().html.add_child(folium.Element(_legend_html(lv.min_tier)))
    if zones is not None:
        tooltip_fields = [c for c in ("name", "name_en", "zone_id") if c in zones.columns]
        z = zones[[*tooltip_fields, "geometry"]].copy()
        for c in tooltip_fields:
            z[c] = z[c].map(_esc)
        folium.GeoJson(
            z.to_json(),
            name="Townships",
            style_function=lambda _f: {"color": "#555555", "weight": 1, "fill": False},
            tooltip=folium.GeoJsonTooltip(fields=tooltip_fields),
        ).add_to(m)
    if boundary is not None:
        folium.GeoJson(
            boundary[["geometry"]].to_json(),
            name="County boundary",
            style_function=lambda _f: {"color": "#000000", "weight": 2.5, "fill": False},
        ).add_to(m)
    fac = cov.facilities
    for tier in sorted(fac["tier"].unique(), reverse=True):
        style = _TIER_STYLE.get(int(tier), _TIER_STYLE[1])
        group = folium.FeatureGroup(name=f"Tier {tier}: {TIER_NAMES.get(int(tier), '')}")
        for r in fac[fac["tier"] == tier].itertuples():
            mins = getattr(r, "minutes_to_hospital", np.nan)
            popup = (
                f"<b>{_esc(r.name)}</b><br>{_esc(getattr(r, 'name_en', ''))}<br>"
                f"tier {int(r.tier)} ({_esc(TIER_NAMES.get(int(r.tier), ''))})<br>"
                f"{f'{mins:.1f}' if np.isfinite(mins) else 'n/a'} min to county hospital<br>"
                f"snapped {r.snap_m:.0f} m from the road"
            )
            folium.CircleMarker(
                location=[r.geometry.y, r.geometry.x],
                radius=style["radius"],
                color="#ffffff",
                weight=1,
                fill=True,
                fill_color=style["color"],
                fill_opacity=0.95,
                popup=folium.Popup(popup, max_width=300),
                tooltip=_esc(r.name),
            ).add_to(group)
        group.add_to(m)
    if rec is not None:
        group = folium.FeatureGroup(name=f"Recommended upgrades (K={len(rec.ranking)})")
        for r in rec.ranking.itertuples():
            icon = folium.DivIcon(
                html=(
                    '<div style="background:#d7301f;color:#fff;border:2px solid #fff;'
                    "border-radius:50%;width:26px;height:26px;line-height:22px;"
                    'text-align:center;font:bold 14px sans-serif">'
                    f"{int(r.rank)}</div>"
                ),
                icon_size=(26, 26),
                icon_anchor=(13, 13),
            )
            popup = (
                f"<b>#{int(r.rank)} {_esc(r.name)}</b><br>{_esc(r.name_en)}<br>"
                f"+{r.added_population:,.0f} people within {rec.level.minutes:g} min of a "
                f"sub-centre<br>cumulative share {r.cumulative_share:.1%}"
            )
            folium.Marker(
                [r.lat, r.lon],
                icon=icon,
                popup=folium.Popup(popup, max_width=300),
                tooltip=f"Upgrade #{int(r.rank)}: {_esc(r.name)}",
            ).add_to(group)
        group.add_to(m)
    if title:
        m.get_root().html.add_child(
            folium.Element(
                '<div style="position:fixed;top:10px;left:60px;z-index:1000;background:#fff;'
                "padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
                f'font:14px sans-serif"><b>{_esc(title)}</b></div>'
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
