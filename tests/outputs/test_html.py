"""report.html: self-contained, complete, consistent with the tables, escaped, bilingual."""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser

import pandas as pd
import pytest

import access15 as ax
from access15.outputs.html import build_report
from conftest import (
    HOSTILE_EN,
    HOSTILE_FACILITY,
    HOSTILE_JINJA,
    HOSTILE_TEMPLATE,
    HOSTILE_TOWNSHIP,
    JINJA_EVALUATED,
)


class _Page(HTMLParser):
    """Tags, attributes, text and table rows of a page (a real HTML tokenizer, not regexes)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.rows: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._in_tbody = False
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self._table = a.get("id") or ""
            self.rows[self._table] = []
        elif tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody and self._table is not None:
            self.rows[self._table].append([])
        elif tag == "td" and self._in_tbody:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_tbody = False
        elif tag == "table":
            self._table = None
        elif tag == "td" and self._cell is not None and self._table is not None:
            self.rows[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def _pct(cell: str) -> float:
    return float(cell.rstrip("%")) / 100


@pytest.fixture(scope="session")
def page(sample):
    _, out = sample
    return (out / "report.html").read_text(encoding="utf-8")


def test_report_is_self_contained(page):
    p = _Page(page)
    names = [t for t, _ in p.tags]
    assert "script" not in names
    assert "iframe" not in names
    assert "link" not in names  # CSS is inline
    for tag, attrs in p.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        for k in ("src", "href"):
            v = attrs.get(k)
            if v is not None and tag != "a":
                assert v.startswith("data:"), (tag, v)
    imgs = [a for t, a in p.tags if t == "img"]
    assert len(imgs) == 3
    for a in imgs:
        assert a["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(a["src"].split(",", 1)[1]).startswith(b"\x89PNG")
    csp = [a for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp
    assert "default-src 'none'" in csp[0]["content"]
    assert len(page.encode()) < 2_000_000


def test_report_sections_and_synthetic_label(page):
    p = _Page(page)
    ids = {a.get("id") for _, a in p.tags}
    for sec in ("key-figures", "townships", "figures", "recommendations", "data-quality", "method"):
        assert sec in ids, sec
    assert "synthetic" in ids  # the sample is labelled synthetic
    assert '<html lang="zh-CN">' in page  # Chinese names: Chinese labels by default
    text = p.all_text
    for word in ("关键数字", "分乡镇覆盖情况", "建议升级的乡镇卫生院", "数据质量", "方法说明"):
        assert word in text
    assert "HiGHS" in text
    assert "4.5 km/h" in text
    assert "1000 米" in text


def test_key_figures_equal_the_summary(sample, page):
    _, out = sample
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    text = _Page(page).all_text
    assert f"{s['population_total']:,.0f}" in text
    for lv in s["levels"].values():
        assert f"{lv['covered_share']:.1%}" in text
        assert f"{lv['covered_population']:,.0f}" in text
    assert f"{s['recommendation']['share_after']:.1%}" in text
    assert f"{s['off_network_share']:.1%}" in text


def test_township_table_one_row_per_township_from_the_csv(sample, page):
    _, out = sample
    zones = pd.read_csv(out / "coverage_by_zone.csv")
    after = pd.read_csv(out / "zones_before_after.csv").set_index("zone_id")
    rows = _Page(page).rows["zone-table"]
    assert len(rows) == len(zones) == 19
    for row, z in zip(rows, zones.itertuples(), strict=True):  # same (worst-first) order
        assert row[0].startswith(z.name)
        assert row[1] == f"{z.population:,.0f}"
        # the CSV holds 4 decimals, the page one decimal of a percent: equal to that precision
        shares = [
            z.share_basic,
            z.share_township,
            z.share_subcentre,
            after.loc[z.zone_id, "share_after"],
        ]
        for cell, share in zip(row[2:6], shares, strict=True):
            assert _pct(cell) == pytest.approx(share, abs=0.0005 + 0.00005)
        assert float(row[6]) == pytest.approx(z.mean_minutes, abs=0.05 + 0.00005)


def test_recommendations_with_robustness_from_sensitivity(sample, page):
    _, out = sample
    rec = pd.read_csv(out / "recommendations.csv")
    sens = pd.read_csv(out / "sensitivity.csv").set_index("site_id")
    rows = _Page(page).rows["rec-table"]
    assert len(rows) == len(rec) + 1  # today + K
    assert rows[0][0] == "0"
    for row, r in zip(rows[1:], rec.itertuples(), strict=True):
        assert row[0] == str(r.rank)
        assert row[1].startswith(r.name)
        assert row[3] == f"+{r.added_population:,.0f}"
        assert row[4] == f"{r.cumulative_share:.1%}"
        s = sens.loc[r.site_id]
        assert row[6] == f"{s.times_in_top_k}/{s.n_scenarios} 个情景（{s.share:.0%}）"
    text = _Page(page).all_text
    others = sens[~sens.index.isin(rec["site_id"])]
    assert f"{others.iloc[0]['name']} ({others.iloc[0]['times_in_top_k']}/9)" in text
    assert "已证明最优" in text


def test_english_report(sample):
    run, out = sample
    html_en = build_report(
        run.coverage,
        run.recommendation,
        sens=run.sensitivity,
        summary=json.loads((out / "summary.json").read_text(encoding="utf-8")),
        county="Anlan County",
        lang="en",
    )
    assert '<html lang="en">' in html_en
    text = _Page(html_en).all_text
    for word in ("Key figures", "Coverage by township", "Method in plain words", "Robustness"):
        assert word in text
    assert "Anlan County: 15-minute access to health care" in text
    assert "Hetian Township Health Centre" in text  # English names first in English
    assert "SYNTHETIC" in text
    assert "No warnings" in text


def test_language_from_the_names(hostile):
    run, _ = hostile
    auto = build_report(run.coverage, county="Tiny county")
    assert '<html lang="en">' in auto  # township names are not Chinese
    with pytest.raises(ax.InputError, match="zh or en"):
        build_report(run.coverage, lang="fr")


def test_hostile_names_are_text(hostile, pwned):
    _, out = hostile
    page = (out / "report.html").read_text(encoding="utf-8")
    # the report renders names as jinja2 *data* (never as template source): the probe stays
    assert not pwned.exists()
    assert JINJA_EVALUATED not in page
    for raw in (HOSTILE_FACILITY, HOSTILE_TOWNSHIP, HOSTILE_EN, "<img src=x"):
        assert raw not in page
    p = _Page(page)
    assert "script" not in [t for t, _ in p.tags]
    assert not [a for t, a in p.tags if t == "img" and not a["src"].startswith("data:")]
    text = p.all_text
    for raw in (HOSTILE_TOWNSHIP, HOSTILE_EN, HOSTILE_TEMPLATE, HOSTILE_JINJA):
        assert raw in text, raw  # shown literally, as text


def test_diagnostics_are_listed(hostile):
    run, _ = hostile
    s = dict(run.coverage.summary)
    s["diagnostics"] = ["<b>thin roads</b> in 1 zone"]
    text = _Page(build_report(run.coverage, summary=s, lang="en")).all_text
    assert "<b>thin roads</b> in 1 zone" in text
    assert "No warnings" not in text


def test_no_townships_no_township_table(hostile):
    import warnings

    run, _ = hostile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cov = ax.coverage(run.network, run.facilities, run.population)
    p = _Page(build_report(cov, lang="en"))
    ids = {a.get("id") for _, a in p.tags}
    assert "townships" not in ids
    assert "key-figures" in ids
    assert "No upgrade ranking in this run." in p.all_text
