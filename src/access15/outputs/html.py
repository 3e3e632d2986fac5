"""``report.html``: one self-contained page per county for planners to read, print and pass on.

Sections: key figures, coverage by township, the figures (PNG embedded as data URIs), the
recommended upgrades with their robustness, data-quality notes and the method in plain words.
Labels are Chinese or English (``lang``; default Chinese when the county's names are).

The page needs no script and loads nothing: CSS is inline, images are ``data:`` URIs, and a
Content-Security-Policy forbids scripts, so an untrusted name can never run even if it slipped
past the escaping (jinja2 autoescape: every value is escaped unless the template marks it).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from jinja2 import Environment

from access15._version import __version__
from access15.outputs.labels import (
    level_label,
    level_what,
    method_text,
    resolve_lang,
    tier_name,
    tr,
)
from access15.outputs.supply_report import supply_sections

if TYPE_CHECKING:
    import pandas as pd

    from access15.access import CoverageResult
    from access15.siting import Recommendation, Sensitivity
    from access15.supply import AccessibilityResult, CapacityCoverage

__all__ = ["ReportKeywords", "ReportOptions", "build_report", "write_report"]

_FIGURE_ORDER = (
    ("coverage_map.png", "fig_cap_map"),
    ("travel_time_distribution.png", "fig_cap_dist"),
    ("coverage_curve.png", "fig_cap_curve"),
)
_SPEED_CLASSES = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "track",
)

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ html_lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="generator" content="access15 {{ version }}">
<title>{{ title }}</title>
<style>
 body{font:15px/1.5 -apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",
   "PingFang SC",sans-serif;color:#222;max-width:1100px;margin:0 auto;padding:16px 24px}
 h1{font-size:24px;margin:8px 0 4px} h2{font-size:19px;border-bottom:2px solid #2171b5;
   padding-bottom:3px;margin-top:30px} .sub{color:#555}
 .synthetic{background:#fff3cd;border:1px solid #e0b000;padding:8px 12px;border-radius:4px;
   font-weight:bold}
 .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:10px}
 .card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;background:#fafbfd}
 .card .v{font-size:22px;font-weight:bold;color:#08306b} .card .l{color:#444;font-size:13px}
 .card .n{color:#666;font-size:12px}
 table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
 th,td{border-bottom:1px solid #e3e3e3;padding:4px 6px;text-align:right;vertical-align:top}
 th{background:#f0f3f8;position:sticky;top:0} td.t,th.t{text-align:left}
 .en{color:#777;font-size:12px;display:block}
 td.share{position:relative;min-width:64px;padding-bottom:8px}
 td.share span.bar{position:absolute;left:6px;bottom:3px;height:4px;max-width:calc(100% - 12px);
   background:#6baed6;border-radius:2px}
 td.low{color:#b30000;font-weight:bold}
 figure{margin:14px 0} figure img{max-width:100%;border:1px solid #eee}
 figcaption{color:#555;font-size:13px}
 ul.quality li{margin:3px 0} .ok{color:#1a7a1a}
 footer{margin-top:36px;color:#777;font-size:12px;border-top:1px solid #ddd;padding-top:6px}
 @media print{body{max-width:none} h2{break-after:avoid} figure,table{break-inside:avoid}}
</style>
</head>
<body>
<header>
<h1 id="title">{{ title }}</h1>
<div class="sub">{{ subtitle }}</div>
{% if synthetic %}<p class="synthetic" id="synthetic">{{ t.synthetic }}</p>{% endif %}
{% if map_href %}<p><a href="{{ map_href }}">{{ t.open_map }}</a></p>{% endif %}
</header>

<section id="key-figures">
<h2>{{ t.sec_key }}</h2>
<div class="cards">
{% for c in cards %}<div class="card"><div class="v">{{ c.value }}</div>
<div class="l">{{ c.label }}</div>{% if c.note %}<div class="n">{{ c.note }}</div>{% endif %}</div>
{% endfor %}
</div>
</section>

{% if zones %}
<section id="townships">
<h2>{{ t.sec_zones }}</h2>
<table id="zone-table">
<thead><tr>{% for h in zones.head %}<th class="{{ h.cls }}">{{ h.text }}</th>{% endfor %}</tr>
</thead>
<tbody>
{% for row in zones.rows %}<tr>{% for c in row %}<td class="{{ c.cls }}">
{%- if c.bar is not none %}<span class="bar" style="width:{{ c.bar }}%"></span>{% endif -%}
{{ c.text }}{% if c.en %}<span class="en">{{ c.en }}</span>{% endif %}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
</section>
{% endif %}
{{ supply }}
{% if figures %}
<section id="figures">
<h2>{{ t.sec_figures }}</h2>
{% for f in figures %}<figure id="fig-{{ f.id }}"><img src="{{ f.uri }}" alt="{{ f.caption }}">
<figcaption>{{ f.caption }}</figcaption></figure>
{% endfor %}
</section>
{% endif %}

<section id="recommendations">
<h2>{{ t.sec_rec }}</h2>
{% if rec %}
<p>{{ rec.intro }}</p>
<table id="rec-table">
<thead><tr>{% for h in rec.head %}<th class="{{ h.cls }}">{{ h.text }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rec.rows %}<tr>{% for c in row %}<td class="{{ c.cls }}">{{ c.text }}
{%- if c.en %}<span class="en">{{ c.en }}</span>{% endif %}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
{% if rec.robust_intro %}<p>{{ rec.robust_intro }}</p>{% endif %}
{% if rec.alternatives %}<p>{{ rec.alternatives }}</p>{% endif %}
{% if rec.notes %}<ul>{% for n in rec.notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
{% else %}<p>{{ t.no_rec }}</p>{% endif %}
</section>

<section id="data-quality">
<h2>{{ t.sec_quality }}</h2>
<ul class="quality">
{% if diagnostics %}{% for d in diagnostics %}<li>{{ d }}</li>{% endfor %}
{% else %}<li class="ok">{{ t.quality_none }}</li>{% endif %}
{% for d in quality %}<li>{{ d }}</li>{% endfor %}
</ul>
</section>

<section id="method">
<h2>{{ t.sec_method }}</h2>
{% for p in method %}<p>{{ p }}</p>
{% endfor %}
</section>

<footer>{{ t.generated }}</footer>
</body>
</html>
"""


def _fmt_int(x: object) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return f"{v:,.0f}" if math.isfinite(v) else "–"


def _fmt(x: object, spec: str) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return format(v, spec) if math.isfinite(v) else "–"


def _text(x: object) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x)


def _cell(text: object, cls: str = "", *, en: object = "", bar: float | None = None) -> dict:
    return {"text": _text(text), "cls": cls, "en": _text(en), "bar": bar}


def _share_cell(share: object, *, low: float | None = None) -> dict:
    try:
        v = float(share)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _cell("")
    if not math.isfinite(v):
        return _cell("–")
    cls = "share low" if low is not None and v < low else "share"
    return _cell(f"{v:.1%}", cls, bar=round(max(0.0, min(1.0, v)) * 100, 1))


def _name_cell(name: object, name_en: object, lang: str) -> dict:
    """Show a place name: the local one first in Chinese, the English one first in English."""
    name, name_en = _text(name), _text(name_en)
    if not name_en or name_en == name:
        return _cell(name, "t")
    if lang == "zh":
        return _cell(name, "t", en=name_en)
    return _cell(name_en, "t", en=name)


def _names(cov: CoverageResult, county: object) -> list[object]:
    names: list[object] = [county] if county else []
    if "name" in cov.by_zone:
        names += list(cov.by_zone["name"])
    return names


def _cards(
    cov: CoverageResult, summary: Mapping[str, Any], rec: Recommendation | None, lang: str
) -> list[dict[str, str]]:
    s = summary
    cards = [
        {"label": tr("k_population", lang), "value": _fmt_int(s["population_total"]), "note": ""}
    ]
    for lv in cov.levels:
        d = s["levels"][lv.name]
        cards.append(
            {
                "label": tr("k_within", lang, minutes=f"{lv.minutes:g}", what=level_what(lv, lang)),
                "value": f"{d['covered_share']:.1%}",
                "note": f"{_fmt_int(d['covered_population'])} / {_fmt_int(s['population_total'])}",
            }
        )
    if rec is not None and len(rec.ranking):
        last = rec.ranking.iloc[-1]
        cards.append(
            {
                "label": tr(
                    "k_after",
                    lang,
                    k=len(rec.ranking),
                    what=tr(
                        "k_within",
                        lang,
                        minutes=f"{rec.level.minutes:g}",
                        what=level_what(rec.level, lang),
                    ),
                ),
                "value": f"{float(last['cumulative_share']):.1%}",
                "note": "+"
                + _fmt_int(last["cumulative_covered_population"] - rec.baseline_covered),
            }
        )
    cards.append(
        {
            "label": tr("k_offnet", lang),
            "value": f"{s['off_network_share']:.1%}",
            "note": _fmt_int(s["off_network_population"]),
        }
    )
    cards.append(
        {
            "label": tr("k_minutes", lang),
            "value": f"{_fmt(s['minutes_p50'], '.1f')} / {_fmt(s['minutes_p90'], '.1f')}",
            "note": tr(
                "k_minutes_val",
                lang,
                p50=_fmt(s["minutes_p50"], ".1f"),
                p90=_fmt(s["minutes_p90"], ".1f"),
                max=_fmt(s["minutes_max"], ".1f"),
            ),
        }
    )
    if "gini_minutes" in s:
        cards.append(
            {"label": tr("k_gini", lang), "value": _fmt(s["gini_minutes"], ".2f"), "note": ""}
        )
    by_tier = s.get("facilities", {}).get("by_tier", {})
    cards.append(
        {
            "label": tr("k_facilities", lang),
            "value": _fmt_int(s.get("facilities", {}).get("total", 0)),
            "note": "; ".join(
                f"{tier_name(int(t), lang)} {n}"
                for t, n in sorted(by_tier.items(), key=lambda kv: -int(kv[0]))
            ),
        }
    )
    g = s.get("gaps")
    if g:
        if g.get("significant_clusters"):
            big = g["largest"][0]
            note = tr(
                "k_gaps_val",
                lang,
                n=g["significant_clusters"],
                min=f"{g['min_people_significant']:g}",
                people=_fmt_int(g["significant_population"]),
                big_id=big["gap_id"],
                big=_fmt_int(big["population"]),
                big_min=_fmt(big["max_minutes"], ".0f"),
            )
            value = _fmt_int(g["significant_population"])
        else:
            note, value = "", tr("k_gaps_none", lang)
        cards.append({"label": tr("k_gaps", lang), "value": value, "note": note})
    r = s.get("referral")
    if r:
        cards.append(
            {
                "label": tr("k_referral", lang),
                "value": f"{r['township_centres_over_target']}/{r['township_centres']}",
                "note": tr(
                    "k_referral_val",
                    lang,
                    over_h=r["township_centres_over_target"],
                    n_h=r["township_centres"],
                    t_h=f"{r['township_to_hospital_target_minutes']:g}",
                    over_t=r["village_clinics_over_target"],
                    n_t=r["village_clinics"],
                    t_t=f"{r['clinic_to_township_target_minutes']:g}",
                ),
            }
        )
    return cards


def _zone_table(cov: CoverageResult, rec: Recommendation | None, lang: str) -> dict | None:
    bz = cov.by_zone
    if bz is None or not len(bz) or "zone_id" not in bz:
        return None
    if set(bz["zone_id"].astype(str)) <= {"(none)"}:  # run without townships
        return None
    after: dict[str, float] = {}
    zones_ba = getattr(rec, "zones", None) if rec is not None else None
    if zones_ba is not None and len(zones_ba) and "share_after" in zones_ba:
        after = dict(zip(zones_ba["zone_id"].astype(str), zones_ba["share_after"], strict=True))
    head = [{"text": tr("col_township", lang), "cls": "t"}, {"text": tr("col_population", lang)}]
    for lv in cov.levels:
        head.append(
            {"text": tr("k_within", lang, minutes=f"{lv.minutes:g}", what=level_what(lv, lang))}
        )
    if after:
        head.append(
            {"text": tr("col_after", lang, what=f"{rec.level.minutes:g} min")}  # type: ignore[union-attr]
        )
    head += [{"text": tr("col_mean", lang)}, {"text": tr("col_p90", lang)}]
    head.append({"text": tr("col_offnet", lang)})
    roads = "road_km_per_km2" in bz
    if roads:
        head.append({"text": tr("col_roads", lang)})
    rows = []
    for z in bz.to_dict("records"):
        row = [_name_cell(z.get("name", z["zone_id"]), z.get("name_en", ""), lang)]
        row.append(_cell(_fmt_int(z["population"])))
        for lv in cov.levels:
            row.append(_share_cell(z.get(f"share_{lv.name}"), low=0.8))
        if after:
            row.append(_share_cell(after.get(str(z["zone_id"]), float("nan"))))
        row.append(_cell(_fmt(z.get("mean_minutes"), ".1f")))
        row.append(_cell(_fmt(z.get("p90_minutes"), ".1f")))
        row.append(_cell(_fmt_int(z.get("off_network_population", 0.0))))
        if roads:
            row.append(_cell(_fmt(z.get("road_km_per_km2"), ".2f")))
        rows.append(row)
    for h in head:
        h.setdefault("cls", "")
    return {"head": head, "rows": rows}


def _robustness(sens: Sensitivity | None) -> dict[str, tuple[int, int, float]]:
    if sens is not None and len(sens.stability):
        return {
            str(r.site_id): (int(r.times_in_top_k), int(r.n_scenarios), float(r.share))
            for r in sens.stability.itertuples()
        }
    return {}


def _rec_section(
    cov: CoverageResult,
    rec: Recommendation | None,
    ranking: pd.DataFrame | None,
    sens: Sensitivity | None,
    lang: str,
) -> dict | None:
    if rec is None:
        return None
    r = rec.ranking if ranking is None else ranking
    robust = _robustness(sens)
    n_scen = len(sens.scenarios) if sens is not None else 0
    zone_names: dict[str, str] = {}
    if "zone_id" in cov.by_zone and "name" in cov.by_zone:
        zone_names = dict(
            zip(cov.by_zone["zone_id"].astype(str), cov.by_zone["name"].astype(str), strict=True)
        )
        if lang == "en" and "name_en" in cov.by_zone:
            for zid, en in zip(
                cov.by_zone["zone_id"].astype(str), cov.by_zone["name_en"], strict=True
            ):
                if _text(en):
                    zone_names[zid] = _text(en)
    site_names: dict[str, str] = {}  # English names of candidate sites, for the alternatives
    cand = getattr(rec, "candidates", None)
    if lang == "en" and cand is not None and len(cand) and "name_en" in cand:
        site_names = {
            str(i): _text(n)
            for i, n in zip(cand["site_id"], cand["name_en"], strict=True)
            if _text(n)
        }
    head = [
        {"text": tr("col_rank", lang), "cls": ""},
        {"text": tr("col_site", lang), "cls": "t"},
        {"text": tr("col_township", lang), "cls": "t"},
        {"text": tr("col_added", lang), "cls": ""},
        {"text": tr("col_cum", lang), "cls": ""},
        {"text": tr("col_hosp", lang), "cls": ""},
        {"text": tr("col_robust", lang), "cls": ""},
    ]
    base = rec.baseline_covered / rec.population_total if rec.population_total else 0.0
    rows = [
        [
            _cell("0"),
            _cell(tr("today", lang), "t"),
            _cell("", "t"),
            _cell(""),
            _share_cell(base),
            _cell(""),
            _cell(""),
        ]
    ]
    for x in r.to_dict("records"):
        sid = str(x["site_id"])
        if sid in robust:
            n, of, share = robust[sid]
            rob = tr("robust_val", lang, n=n, of=of, share=f"{share:.0%}")
        elif "robustness" in x and x["robustness"] == x["robustness"]:
            rob = f"{float(x['robustness']):.0%}"
        else:
            rob = tr("robust_none", lang)
        rows.append(
            [
                _cell(int(x["rank"])),
                _name_cell(x.get("name", sid), x.get("name_en", ""), lang),
                _cell(zone_names.get(str(x.get("zone_id", "")), _text(x.get("zone_id"))), "t"),
                _cell("+" + _fmt_int(x["added_population"])),
                _share_cell(x["cumulative_share"]),
                _cell(_fmt(x.get("minutes_to_hospital"), ".1f")),
                _cell(rob),
            ]
        )
    if rec.proven:
        proof = tr("proof_yes", lang)
    else:
        proof = tr("proof_no", lang, bound=_fmt_int(rec.bound), gap=_fmt(rec.gap, ".2%"))
    kinds = rec.candidates.get("kind")
    intro = tr(
        "rec_intro" if kinds is None or (kinds == "tier2").all() else "rec_intro_sites",
        lang,
        label=level_label(rec.level, lang),
        n=rec.n_candidates,
        k=len(r),
        method=rec.method,
        proof=proof,
    )
    alternatives = ""
    if sens is not None and len(sens.stability):
        chosen = set(r["site_id"].astype(str))
        alt = sens.stability[~sens.stability["site_id"].astype(str).isin(chosen)]
        if len(alt):
            alternatives = tr(
                "robust_alt",
                lang,
                sites=", ".join(
                    f"{site_names.get(str(a.site_id), a.name)} "
                    f"({int(a.times_in_top_k)}/{int(a.n_scenarios)})"
                    for a in alt.head(5).itertuples()
                ),
            )
    return {
        "intro": intro,
        "head": head,
        "rows": rows,
        "robust_intro": tr("robust_intro", lang, n=n_scen, k=len(r)) if n_scen else "",
        "alternatives": alternatives,
        "notes": list(getattr(rec, "notes", []) or []),
    }


def _method(
    cov: CoverageResult, rec: Recommendation | None, summary: Mapping[str, Any], lang: str
) -> list[str]:
    cfg = cov.config
    mode = summary.get("network", {}).get("mode", "drive")
    speeds = cfg.speeds_kmh.get(mode, {})
    listed = [f"{c} {speeds[c]:g}" for c in _SPEED_CLASSES if c in speeds]
    out = [
        method_text("network", lang, mode=mode, speeds=", ".join(listed) + " km/h"),
        method_text(
            "first_mile",
            lang,
            walk=f"{cfg.access_kmh.get(mode, 4.5):g}",
            snap=f"{cfg.max_snap_m:g}",
        ),
        method_text("levels", lang, levels="; ".join(level_label(lv, lang) for lv in cov.levels)),
    ]
    if rec is not None:
        key = (
            "siting" if getattr(rec, "objective_name", "coverage") == "coverage" else "siting_other"
        )
        out.append(
            method_text(key, lang, level=level_label(rec.level, lang), objective=rec.objective_name)
        )
    return out


def _quality(summary: Mapping[str, Any], cov: CoverageResult, lang: str) -> list[str]:
    out = []
    n = summary.get("network")
    if n:
        out.append(
            tr(
                "quality_network",
                lang,
                nodes=_fmt_int(n["nodes"]),
                km=_fmt_int(n["road_km"]),
                mode=n["mode"],
                dropped=_fmt_int(n["nodes_dropped"]),
            )
        )
    f = summary.get("facilities")
    if f:
        out.append(
            tr(
                "quality_fac",
                lang,
                total=f["total"],
                on=f["on_network"],
                snap=f"{cov.config.max_snap_m:g}",
            )
        )
    return out


def _figure_uri(data: bytes | str | Path) -> str:
    raw = data if isinstance(data, bytes) else Path(data).read_bytes()
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


class ReportKeywords(TypedDict, total=False):
    """The fields of :class:`ReportOptions`, accepted as keywords by :func:`build_report`."""

    county: str | None
    title: str | None
    lang: str | None
    map_href: str | None


@dataclass(frozen=True)
class ReportOptions:
    """Heading, language and map link of ``report.html``.

    Attributes
    ----------
    county : str or None
        County name for the heading.
    title : str or None
        Heading (default: the county name and "15-minute access to health care").
    lang : {"zh", "en"} or None
        Labels (default Chinese when the county's or townships' names are Chinese).
    map_href : str or None
        Link to the interactive map, relative to the report (default ``"map.html"``); None
        for no link.
    """

    county: str | None = None
    title: str | None = None
    lang: str | None = None
    map_href: str | None = "map.html"

    def __post_init__(self) -> None:
        """Check the language once."""
        if self.lang is not None:
            resolve_lang(self.lang)


def build_report(
    cov: CoverageResult,
    rec: Recommendation | None = None,
    *,
    sens: Sensitivity | None = None,
    ranking: pd.DataFrame | None = None,
    summary: Mapping[str, Any] | None = None,
    figures: Mapping[str, bytes | str | Path] | None = None,
    supply: Sequence[AccessibilityResult | CapacityCoverage] = (),
    options: ReportOptions | None = None,
    **labels: Unpack[ReportKeywords],
) -> str:
    """Build the county report as one self-contained HTML page.

    The page only presents results computed before (coverage, ranking, robustness, figures);
    it computes nothing.

    Parameters
    ----------
    cov : CoverageResult
        Coverage of the county: key figures, township table, diagnostics, method.
    rec : Recommendation, optional
        Adds the ranked upgrades and the after-upgrade column of the township table.
    sens : Sensitivity, optional
        Adds each site's robustness (scenarios in which it stays in the top K).
    ranking : DataFrame, optional
        The ranking as written to ``recommendations.csv`` (default ``rec.ranking``).
    summary : mapping, optional
        The run's ``summary.json`` content (default ``cov.summary``); ``synthetic: true``
        puts the synthetic-data warning at the top.
    figures : mapping of str to bytes or path, optional
        PNG figures by file name (``coverage_map.png``, ``travel_time_distribution.png``,
        ``coverage_curve.png``), embedded as data URIs.
    supply : sequence of AccessibilityResult or CapacityCoverage
        Supply-against-demand measures (:mod:`access15.supply`, at most one of each): adds
        the sections "Care within reach" and "Coverage within capacity"
        (:func:`~access15.outputs.supply_report.supply_sections`).
    options : ReportOptions, optional
        County name, heading, language and map link (default ``ReportOptions()``).
    **labels
        Any :class:`ReportOptions` field by name (``county=...``, ``lang=...``), overriding
        ``options``.

    Returns
    -------
    str
        The HTML page (UTF-8 text).

    Raises
    ------
    InputError
        An unknown language, or ``supply`` holds something else than one measure of each kind.
    """
    opts = options or ReportOptions()
    if labels:
        opts = replace(opts, **labels)
    county, title, map_href = opts.county, opts.title, opts.map_href
    s = dict(cov.summary if summary is None else summary)
    lang = resolve_lang(opts.lang, _names(cov, county))
    heading = title or tr("report_title", lang, county=county or "")
    sub = []
    if title and county:
        sub.append(county)
    keys = {
        k: tr(k, lang)
        for k in (
            "synthetic",
            "open_map",
            "sec_key",
            "sec_zones",
            "sec_figures",
            "sec_rec",
            "sec_quality",
            "sec_method",
            "no_rec",
            "quality_none",
        )
    }
    if rec is not None and not rec.upgrades_only:
        keys["sec_rec"] = tr("sec_rec_sites", lang)  # new sites beside (or instead of) upgrades
    keys["generated"] = tr("generated", lang, version=__version__)
    figs = []
    for name, cap in _FIGURE_ORDER:
        if figures and name in figures:
            figs.append(
                {
                    "id": name.removesuffix(".png"),
                    "uri": _figure_uri(figures[name]),
                    "caption": tr(cap, lang),
                }
            )
    env = Environment(autoescape=True, keep_trailing_newline=True)
    return env.from_string(_TEMPLATE).render(
        html_lang="zh-CN" if lang == "zh" else "en",
        version=__version__,
        title=heading,
        subtitle=" · ".join(sub),
        synthetic=bool(s.get("synthetic")),
        map_href=map_href,
        t=keys,
        cards=_cards(cov, s, rec, lang),
        zones=_zone_table(cov, rec, lang),
        supply=supply_sections(supply, lang, zones=cov.by_zone),
        figures=figs,
        rec=_rec_section(cov, rec, ranking, sens, lang),
        diagnostics=list(s.get("diagnostics") or []),
        quality=_quality(s, cov, lang),
        method=_method(cov, rec, s, lang),
    )


def write_report(  # noqa: PLR0913  (build_report's parameters, plus the path)
    path: str | Path,
    cov: CoverageResult,
    rec: Recommendation | None = None,
    *,
    sens: Sensitivity | None = None,
    ranking: pd.DataFrame | None = None,
    summary: Mapping[str, Any] | None = None,
    figures: Mapping[str, bytes | str | Path] | None = None,
    supply: Sequence[AccessibilityResult | CapacityCoverage] = (),
    options: ReportOptions | None = None,
    **labels: Unpack[ReportKeywords],
) -> Path:
    """Write :func:`build_report`'s page to ``path`` (UTF-8).

    Parameters
    ----------
    path : str or Path
        File to write (e.g. ``report.html``); its folder must exist.
    cov : CoverageResult
        Coverage of the county.
    rec : Recommendation, optional
        Ranked upgrades (see :func:`build_report`).
    sens : Sensitivity, optional
        Robustness of the ranking.
    ranking : DataFrame, optional
        The ranking as written to ``recommendations.csv`` (default ``rec.ranking``).
    summary : mapping, optional
        The run's ``summary.json`` content (default ``cov.summary``).
    figures : mapping of str to bytes or path, optional
        PNG figures by file name, embedded as data URIs.
    supply : sequence of AccessibilityResult or CapacityCoverage
        Supply-against-demand measures, each with its section (see :func:`build_report`).
    options : ReportOptions, optional
        County name, heading, language and map link.
    **labels
        Any :class:`ReportOptions` field by name, overriding ``options``.

    Returns
    -------
    Path
        ``path``, written.
    """
    p = Path(path)
    page = build_report(
        cov,
        rec,
        sens=sens,
        ranking=ranking,
        summary=summary,
        figures=figures,
        supply=supply,
        options=options,
        **labels,
    )
    p.write_text(page, encoding="utf-8")
    return p
