"""The report's sections on supply against demand: care within reach, coverage within capacity.

:func:`supply_sections` renders them as one HTML fragment that :func:`access15.outputs.html.
build_report` places after the township table. The fragment is rendered by its own jinja2
environment with autoescape on, so every name and number is escaped exactly as in the rest of
the page (the page's Content-Security-Policy forbids scripts besides).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from markupsafe import Markup

from access15.outputs.labels import supply_text, tr
from access15.outputs.supply_files import split_supply

if TYPE_CHECKING:
    import pandas as pd

    from access15.supply import AccessibilityResult, CapacityCoverage

__all__ = ["capacity_noun", "index_minutes", "supply_sections"]

_KNOWN_CAPACITY = ("doctors", "beds", "capacity")
_ORDER = {
    "given": ("文件中的顺序", "the facility file's order"),
    "capacity": ("服务能力从大到小", "capacity, largest first"),
    "population": ("周边人口从多到少", "people within reach, most first"),
}

_FRAGMENT = """{% for s in sections %}
<section id="{{ s.id }}">
<h2>{{ s.title }}</h2>
{% for p in s.paragraphs %}<p>{{ p }}</p>
{% endfor %}
{% if s.warning %}<p class="supply-warning" style="background:#fff3cd;border:1px solid #e0b000;
padding:6px 10px;border-radius:4px">{{ s.warning }}</p>{% endif %}
{% if s.rows %}<table id="{{ s.id }}-table">
<thead><tr>{% for h in s.head %}<th class="{{ h.cls }}">{{ h.text }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in s.rows %}<tr{% if row.county %} style="font-weight:bold"{% endif %}>
{%- for c in row.cells %}<td class="{{ c.cls }}">{{ c.text }}
{%- if c.en %}<span class="en">{{ c.en }}</span>{% endif %}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>{% endif %}
</section>
{% endfor %}"""


def capacity_noun(capacity: str, lang: str) -> str:
    """Name a capacity column in ``lang``: doctors, beds, capacity (people) or the column name.

    Examples
    --------
    >>> capacity_noun("doctors", "zh"), capacity_noun("nurses", "en")
    ('医生数', 'nurses')
    """
    if capacity in _KNOWN_CAPACITY:
        return tr(f"cap_{capacity}", lang)
    return str(capacity)


def index_minutes(acc: AccessibilityResult) -> float:
    """Catchment of the index shown, minutes: the first level's for ``"tiered"``.

    The tiered index's ``minutes`` is its largest level's, but its ``by_zone`` and county
    figures are those of the first level, with that level's own minutes.
    """
    if acc.method == "tiered":
        levels = acc.params.get("levels") or []
        if levels and len(levels[0]) >= 3:
            return float(levels[0][2])
    return float(acc.minutes)


def _num(x: object, spec: str) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return format(v, spec) if math.isfinite(v) else "–"


def _text(x: object) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x)


def _cell(text: object, cls: str = "", en: object = "") -> dict[str, str]:
    return {"text": _text(text), "cls": cls, "en": _text(en)}


def _name_cell(name: object, name_en: object, lang: str) -> dict[str, str]:
    """Show a township's name: local first in Chinese, English first in English."""
    local, en = _text(name), _text(name_en)
    if not en or en == local:
        return _cell(local, "t")
    return _cell(local, "t", en) if lang == "zh" else _cell(en, "t", local)


def _english_names(zones: pd.DataFrame | None) -> dict[str, str]:
    if zones is None or "name_en" not in zones.columns or "zone_id" not in zones.columns:
        return {}
    pairs = zip(zones["zone_id"], zones["name_en"], strict=True)
    return {str(z): _text(n) for z, n in pairs if _text(n)}


def _bands_text(params: Mapping[str, Any]) -> str:
    bands = params.get("bands")
    if isinstance(bands, Mapping):
        items = sorted((float(k), float(v)) for k, v in bands.items())
    elif isinstance(bands, Sequence) and not isinstance(bands, str):
        items = []
        for b in bands:
            if isinstance(b, Sequence) and len(b) == 2:
                items.append((float(b[0]), float(b[1])))
    else:
        return ""
    return ", ".join(f"≤{k:g} min: {v:g}" for k, v in items)


def _care(acc: AccessibilityResult, names_en: Mapping[str, str], lang: str) -> dict[str, Any]:
    s = acc.summary
    what = capacity_noun(acc.capacity, lang)
    minutes = f"{index_minutes(acc):g}"
    cost = acc.method == "raam"
    level = ""
    if acc.method == "tiered":
        levels = acc.params.get("levels") or [[""]]
        level = _text(levels[0][0])
    paras = [
        supply_text(
            acc.method,
            lang,
            what=what,
            minutes=minutes,
            bands=_bands_text(acc.params),
            level=level,
        )
    ]
    if cost:
        paras.append(tr("care_county_cost", lang, value=_num(s.get("index"), ".3g")))
    else:
        paras.append(
            tr("care_county", lang, minutes=minutes, value=_num(s.get("per_10k"), ".2f"), what=what)
        )
    no_reach = float(s.get("population_without_reach") or 0.0)
    if no_reach >= 0.5:
        paras.append(tr("care_noreach", lang, people=_num(no_reach, ",.0f"), minutes=minutes))
    n_def = int(s.get("defaults") or 0)
    if n_def:
        warning = tr("care_defaults", lang, n=n_def, total=len(acc.facilities), what=what)
    else:
        warning = ""
        paras.append(tr("care_defaults_none", lang, what=what))
    value_head = tr("col_cost", lang) if cost else tr("col_per_10k", lang, what=what)
    head = [
        {"text": tr("col_township", lang), "cls": "t"},
        {"text": tr("col_population", lang), "cls": ""},
        {"text": value_head[:1].upper() + value_head[1:], "cls": ""},
        {"text": tr("col_rank", lang), "cls": ""},
    ]
    rows = []
    bz = acc.by_zone.sort_values("rank", kind="stable")
    for z in bz.to_dict("records"):
        zid = _text(z.get("zone_id"))
        value = z.get("index") if cost else z.get("per_10k")
        rows.append(
            {
                "county": False,
                "cells": [
                    _name_cell(z.get("name", zid), names_en.get(zid, ""), lang),
                    _cell(_num(z.get("population"), ",.0f")),
                    _cell(_num(value, ".3g" if cost else ".2f")),
                    _cell(_num(z.get("rank"), ".0f")),
                ],
            }
        )
    county_value = s.get("index") if cost else s.get("per_10k")
    rows.append(
        {
            "county": True,
            "cells": [
                _cell(tr("row_county", lang), "t"),
                _cell(_num(float(acc.cells["pop"].sum()), ",.0f")),
                _cell(_num(county_value, ".3g" if cost else ".2f")),
                _cell(""),
            ],
        }
    )
    return {
        "id": "care-within-reach",
        "title": tr("sec_care", lang),
        "paragraphs": paras,
        "warning": warning,
        "head": head,
        "rows": rows,
    }


def _capacity(cc: CapacityCoverage, names_en: Mapping[str, str], lang: str) -> dict[str, Any]:
    s = cc.summary
    minutes = f"{cc.minutes:g}"
    order_key = _text(s.get("sequential_order") or "given")
    order = _ORDER[order_key][lang != "zh"] if order_key in _ORDER else order_key
    paras = [
        supply_text("capacity", lang, minutes=minutes, order=order),
        tr(
            "cap_result",
            lang,
            within=_num(s.get("within_reach"), ",.0f"),
            minutes=minutes,
            served=_num(s.get("served"), ",.0f"),
            share=_num(s.get("share_served"), ".1%"),
            seq=_num(s.get("served_sequential"), ",.0f"),
            diff=_num(s.get("exact_minus_sequential"), ",.0f"),
            full=_num(s.get("facilities_full"), ".0f"),
            n=_num(s.get("facilities"), ".0f"),
        ),
    ]
    src = s.get("capacity_sources") or {}
    n_def = int(src.get("default", 0) or 0)
    warning = ""
    if n_def:
        noun = capacity_noun(cc.capacity, lang)
        total = sum(int(v or 0) for v in src.values())
        warning = tr("care_defaults", lang, n=n_def, total=total, what=noun)
    head = [
        {"text": tr("col_township", lang), "cls": "t"},
        {"text": tr("col_population", lang), "cls": ""},
        {"text": tr("col_within", lang, minutes=minutes), "cls": ""},
        {"text": tr("col_served", lang), "cls": ""},
        {"text": tr("col_served_seq", lang), "cls": ""},
        {"text": tr("col_share_served", lang), "cls": ""},
    ]
    rows = []
    for z in cc.by_zone.to_dict("records"):
        zid = _text(z.get("zone_id"))
        rows.append(
            {
                "county": False,
                "cells": [
                    _name_cell(z.get("name", zid), names_en.get(zid, ""), lang),
                    *(
                        _cell(_num(z.get(c), ",.0f"))
                        for c in ("population", "within_reach", "served", "served_sequential")
                    ),
                    _cell(_num(z.get("share_served"), ".1%")),
                ],
            }
        )
    rows.append(
        {
            "county": True,
            "cells": [
                _cell(tr("row_county", lang), "t"),
                _cell(_num(float(cc.cells["pop"].sum()), ",.0f")),
                *(
                    _cell(_num(s.get(c), ",.0f"))
                    for c in ("within_reach", "served", "served_sequential")
                ),
                _cell(_num(s.get("share_served"), ".1%")),
            ],
        }
    )
    return {
        "id": "capacity-coverage",
        "title": tr("sec_capacity", lang),
        "paragraphs": paras,
        "warning": warning,
        "head": head,
        "rows": rows,
    }


def supply_sections(
    supply: Sequence[AccessibilityResult | CapacityCoverage],
    lang: str,
    *,
    zones: pd.DataFrame | None = None,
) -> Markup:
    """Render the report's sections on the supply measures (empty without measures).

    "Care within reach" (``#care-within-reach``): what the accessibility index means in plain
    words, the county figure, people with nothing in reach, how many facilities use default
    capacities (with a warning that defaults are placeholders), and the townships ranked
    (people, e.g. doctors per 10,000 within reach, rank). "Coverage within capacity"
    (``#capacity-coverage``): exact against sequential (AccessMod) in plain words, people
    served by each and their difference, and the township table.

    Parameters
    ----------
    supply : sequence of AccessibilityResult or CapacityCoverage
        At most one measure of each kind (:mod:`access15.supply`).
    lang : {"zh", "en"}
        Language of the text.
    zones : DataFrame, optional
        A township table with ``zone_id`` and ``name_en`` (e.g. ``cov.by_zone``), for the
        English names.

    Returns
    -------
    Markup
        The sections' HTML, every value escaped (safe to place in the report unescaped).

    Raises
    ------
    InputError
        ``supply`` holds something else, or two measures of one kind.
    """
    acc, cc = split_supply(supply)
    names_en = _english_names(zones)
    sections = []
    if acc is not None:
        sections.append(_care(acc, names_en, lang))
    if cc is not None:
        sections.append(_capacity(cc, names_en, lang))
    if not sections:
        return Markup("")
    env = Environment(autoescape=True, keep_trailing_newline=True)
    return Markup(env.from_string(_FRAGMENT).render(sections=sections))
