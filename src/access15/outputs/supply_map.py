"""Map layers of the supply-against-demand measures (:mod:`access15.supply`).

- the accessibility index as a township choropleth (e.g. doctors per 10,000 people within
  30 minutes), or, without township polygons, as small circles on the most populous cells;
- the facilities whose load reaches their capacity (capacity-limited coverage), ringed.

A legend at the bottom left shows the part of each layer that is switched on. Every name is
escaped with :func:`access15.outputs.escaping.escape_text` before it reaches folium (HTML,
JavaScript template literals and Jinja2 braces), as everywhere on the map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import folium
import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from jinja2 import Template

from access15.outputs.escaping import escape_text
from access15.outputs.labels import tr
from access15.outputs.style import FULL_COLOUR, NODATA_COLOUR, SUPPLY_COLOURS
from access15.outputs.supply_files import split_supply
from access15.outputs.supply_report import capacity_noun, index_minutes

if TYPE_CHECKING:
    from branca.element import Figure

    from access15.supply import AccessibilityResult, CapacityCoverage

__all__ = ["SUPPLY_CELLS_MAX_DRAWN", "add_supply_layers", "class_breaks", "class_colours"]

SUPPLY_CELLS_MAX_DRAWN = 3000
"""Most cells drawn as circles when the index has no township polygons (the most populous)."""
LEGEND_ID = "access15-supply-legend"


_esc = escape_text


def class_breaks(values: Any, n: int = len(SUPPLY_COLOURS)) -> list[float]:
    """Edges of up to ``n`` classes of the finite ``values``: their quantiles, no repeats.

    Parameters
    ----------
    values : array-like of float
        Values to classify (NaN ignored).
    n : int
        Most classes.

    Returns
    -------
    list of float
        Increasing edges, the first the minimum and the last the maximum; ``[v, v]`` when every
        value is ``v``; empty without a finite value.

    Examples
    --------
    >>> class_breaks([1.0, 2.0, 3.0, 4.0, 5.0], 4)
    [1.0, 2.0, 3.0, 4.0, 5.0]
    >>> class_breaks([2.0, 2.0, float("nan")])
    [2.0, 2.0]
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return []
    edges = [float(x) for x in np.unique(np.quantile(v, np.linspace(0.0, 1.0, n + 1)))]
    return edges if len(edges) > 1 else [edges[0], edges[0]]


def class_colours(n: int, palette: Sequence[str] = SUPPLY_COLOURS) -> list[str]:
    """Colours of ``n`` classes, spread over ``palette`` from its first to its last colour.

    Examples
    --------
    >>> class_colours(3, ["a", "b", "c", "d", "e"]), class_colours(1, ["a", "b"])
    (['a', 'c', 'e'], ['b'])
    """
    if n <= 1:
        return [palette[-1]]
    return [palette[round(i * (len(palette) - 1) / (n - 1))] for i in range(n)]


def _colour(value: float, edges: Sequence[float], palette: Sequence[str]) -> str:
    """Colour of ``value`` in the classes of ``edges`` (NaN: the no-data grey)."""
    if not edges or value is None or not math.isfinite(value):
        return NODATA_COLOUR
    n = max(1, len(edges) - 1)
    i = int(np.searchsorted(np.asarray(edges[1:-1]), value, side="right"))
    return class_colours(n, palette)[min(i, n - 1)]


def _legend_part(
    part_id: str, title: str, edges: Sequence[float], palette: Sequence[str], spec: str, lang: str
) -> str:
    rows = [f"<b>{_esc(title)}</b>"]
    n = max(1, len(edges) - 1)
    for i, colour in enumerate(class_colours(n, palette) if edges else []):
        lo, hi = edges[i], edges[min(i + 1, len(edges) - 1)]
        text = f"{lo:{spec}}–{hi:{spec}}" if hi != lo else f"{lo:{spec}}"
        rows.append(
            f'<div class="a15-supply-class"><span style="display:inline-block;width:14px;'
            f'height:10px;background:{colour};margin-right:6px;border:1px solid #999"></span>'
            f"{_esc(text)}</div>"
        )
    rows.append(f'<div style="color:#666">{_esc(tr("legend_supply_nodata", lang))}</div>')
    return f'<div id="{part_id}">' + "".join(rows) + "</div>"


def _index_values(acc: AccessibilityResult) -> tuple[bool, str]:
    """Whether the index is a cost (lower is better), and the value's format."""
    cost = acc.method == "raam"
    return cost, (".3g" if cost else ".1f")


def _layer_name(acc: AccessibilityResult, lang: str) -> str:
    what = capacity_noun(acc.capacity, lang)
    minutes = f"{index_minutes(acc):g}"
    method = acc.method.upper()
    if acc.method == "raam":
        return tr("layer_supply_cost", lang, method=method, minutes=minutes)
    name = tr("layer_supply", lang, what=what, minutes=minutes, method=method)
    return name[:1].upper() + name[1:]


def _index_layer(
    acc: AccessibilityResult, lang: str, *, show: bool
) -> tuple[folium.map.Layer, str]:
    """Draw the index as a township choropleth (or cell circles); return it and its legend."""
    cost, spec = _index_values(acc)
    palette = SUPPLY_COLOURS[::-1] if cost else SUPPLY_COLOURS
    what = capacity_noun(acc.capacity, lang)
    name = _esc(_layer_name(acc, lang))
    bz = acc.by_zone
    if isinstance(bz, gpd.GeoDataFrame) and bz.geometry.notna().any():
        z = bz[bz.geometry.notna()].to_crs("EPSG:4326")
        values = z["index"].to_numpy(np.float64) if cost else z["per_10k"].to_numpy(np.float64)
        edges = class_breaks(values)
        g = z[["geometry"]].copy()
        g["colour"] = [_colour(v, edges, palette) for v in values]
        key = "tooltip_supply_cost" if cost else "tooltip_supply"
        g["label"] = [
            _esc(
                tr(
                    key,
                    lang,
                    name="" if nm is None else nm,
                    value=format(v, spec) if math.isfinite(v) else tr("na", lang),
                    what=what,
                    rank="–" if r is None or r != r else int(r),
                )
            )
            for nm, v, r in zip(
                z["name"] if "name" in z.columns else z["zone_id"],
                values,
                z["rank"].astype("Float64").to_numpy(np.float64, na_value=np.nan),
                strict=True,
            )
        ]
        layer: folium.map.Layer = folium.GeoJson(
            g.to_json(drop_id=True),
            name=name,
            show=show,
            style_function=lambda f: {
                "color": "#444444",
                "weight": 1,
                "fillColor": f["properties"]["colour"],
                "fillOpacity": 0.75,
            },
            highlight_function=lambda _f: {"weight": 3, "color": "#000000"},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        )
    else:
        cells = acc.cells
        pop = cells["pop"].to_numpy(np.float64)
        idx = cells[acc.column].to_numpy(np.float64) * (1.0 if cost else 1e4)
        keep = np.flatnonzero(pop > 0)
        keep = keep[np.argsort(-pop[keep], kind="stable")][:SUPPLY_CELLS_MAX_DRAWN]
        edges = class_breaks(idx[keep])
        layer = folium.FeatureGroup(name=name, show=show)
        lon = cells["lon"].to_numpy(np.float64)
        lat = cells["lat"].to_numpy(np.float64)
        for i in keep:
            v = float(idx[i])
            text = format(v, spec) if math.isfinite(v) else tr("na", lang)
            tip = text if cost else tr("tooltip_supply_cell", lang, value=text, what=what)
            colour = _colour(v, edges, palette)
            folium.CircleMarker(
                [lat[i], lon[i]],
                radius=4,
                weight=0,
                fill=True,
                fill_color=colour,
                fill_opacity=0.85,
                tooltip=_esc(tip),
            ).add_to(layer)
    legend = _legend_part(f"{LEGEND_ID}-index", _layer_name(acc, lang), edges, palette, spec, lang)
    return layer, legend


def _full_layer(
    cc: CapacityCoverage, lang: str, *, show: bool
) -> tuple[folium.map.Layer, str] | None:
    """Facilities whose load reaches their capacity, ringed, with name, capacity and load."""
    fac = cc.facilities
    full = fac[fac["full"].astype(bool).to_numpy()]
    if not len(full):
        return None
    full = full.to_crs("EPSG:4326") if full.crs is not None else full
    group = folium.FeatureGroup(
        name=_esc(tr("layer_full", lang, minutes=f"{cc.minutes:g}")), show=show
    )
    s = 20
    ring = (
        f'<div style="width:{s}px;height:{s}px;border:2.5px solid {FULL_COLOUR};'
        'border-radius:50%;box-sizing:border-box;box-shadow:0 0 2px #fff"></div>'
    )
    for r in full.itertuples():
        lines = [f"<b>{_esc(getattr(r, 'name', ''))}</b>"]
        name_en = getattr(r, "name_en", None)
        if _esc(name_en):
            lines.append(_esc(name_en))
        lines.append(tr("popup_full_capacity", lang, people=f"{float(r.capacity_people):,.0f}"))
        lines.append(
            tr(
                "popup_full_load",
                lang,
                load=f"{float(r.load):,.0f}",
                seq=f"{float(r.load_sequential):,.0f}",
            )
        )
        folium.Marker(
            [r.geometry.y, r.geometry.x],
            icon=folium.DivIcon(
                html=ring, icon_size=(s, s), icon_anchor=(s // 2, s // 2), class_name="a15-full"
            ),
            popup=folium.Popup("<br>".join(lines), max_width=300),
            tooltip=_esc(getattr(r, "name", "")),
            z_index_offset=600,
        ).add_to(group)
    legend = (
        f'<div id="{LEGEND_ID}-full" style="display:flex;align-items:center;gap:6px;'
        f'margin-top:4px"><span style="flex:none;display:inline-block;width:14px;height:14px;'
        f'box-sizing:border-box;border:2.5px solid {FULL_COLOUR};border-radius:50%"></span>'
        f"{_esc(tr('legend_full', lang))}</div>"
    )
    return group, legend


class _LegendToggle(MacroElement):
    """Show each part of the supply legend only while its layer is on the map."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this.map_name }};
  var parts = [{% for layer, part in this.parts %}[{{ layer }}, "{{ part }}"],{% endfor %}];
  function sync() {
    var any = false;
    parts.forEach(function (p) {
      var on = map.hasLayer(p[0]);
      document.getElementById(p[1]).style.display = on ? "" : "none";
      any = any || on;
    });
    document.getElementById("{{ this.legend_id }}").style.display = any ? "" : "none";
  }
  map.on("overlayadd overlayremove", sync);
  sync();
})();
{% endmacro %}"""
    )

    def __init__(self, map_name: str, parts: list[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "LegendToggle"
        self.map_name = map_name
        self.parts = parts
        self.legend_id = LEGEND_ID


def add_supply_layers(
    m: folium.Map,
    supply: Sequence[AccessibilityResult | CapacityCoverage],
    lang: str,
    *,
    show_index: bool = False,
    show_full: bool = False,
) -> bool:
    """Add the layers of the supply measures to a map, with their legend (bottom left).

    Parameters
    ----------
    m : folium.Map
        The county map.
    supply : sequence of AccessibilityResult or CapacityCoverage
        At most one measure of each kind (:mod:`access15.supply`).
    lang : {"zh", "en"}
        Labels.
    show_index : bool
        Whether the index layer is on at start (off when it would hide the travel-time layer).
    show_full : bool
        Whether the layer of facilities at capacity is on at start (off by default: with
        placeholder capacities most facilities can be full, and the rings crowd the map).

    Returns
    -------
    bool
        Whether a layer was added.

    Raises
    ------
    InputError
        ``supply`` holds something else, or two measures of one kind.
    """
    acc, cc = split_supply(supply)
    added: list[tuple[folium.map.Layer, str, str]] = []
    if acc is not None:
        layer, part = _index_layer(acc, lang, show=show_index)
        added.append((layer, part, f"{LEGEND_ID}-index"))
    if cc is not None:
        made = _full_layer(cc, lang, show=show_full)
        if made is not None:
            added.append((*made, f"{LEGEND_ID}-full"))
    if not added:
        return False
    for layer, _, _ in added:
        layer.add_to(m)
    legend = (
        f'<div id="{LEGEND_ID}" style="position:fixed;bottom:56px;left:12px;z-index:1000;'
        "background:rgba(255,255,255,.92);padding:6px 10px;border-radius:4px;"
        'box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px sans-serif;max-width:260px">'
        + "".join(part for _, part, _ in added)
        + "</div>"
    )
    page = cast("Figure", m.get_root())
    page.html.add_child(folium.Element(legend))
    parts = [(layer.get_name(), part_id) for layer, _, part_id in added]
    m.add_child(_LegendToggle(m.get_name(), parts))
    return True
