"""Outputs of the supply-against-demand measures: files, map layers, report sections."""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import access15 as ax
from access15.errors import InputError
from access15.outputs.escaping import escape_text
from access15.outputs.files import file_sha256, json_safe, write_outputs
from access15.outputs.html import build_report
from access15.outputs.maps import make_map
from access15.outputs.style import NODATA_COLOUR, SUPPLY_COLOURS
from access15.outputs.supply_files import (
    accessibility_table,
    capacity_table,
    round_people,
    split_supply,
    supply_cells,
)
from access15.outputs.supply_map import (
    SUPPLY_CELLS_MAX_DRAWN,
    _colour,
    class_breaks,
    class_colours,
)
from access15.outputs.supply_report import capacity_noun, supply_sections
from access15.supply import accessibility, capacity_coverage
from conftest import HOSTILE_JINJA, HOSTILE_TOWNSHIP, JINJA_EVALUATED

ACC_COLUMNS = ["zone_id", "name", "population", "index", "doctors_per_10k", "rank"]
CAP_COLUMNS = [
    "zone_id",
    "name",
    "population",
    "within_reach",
    "served",
    "served_sequential",
    "share_served",
]


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"zone_id": str, "name": str}, keep_default_na=False,
                       na_values={c: [""] for c in ACC_COLUMNS[2:] + CAP_COLUMNS[3:]})  # fmt: skip


def _js(text: str) -> str:
    """``text`` as folium writes it into a script with jinja's ``tojson``."""
    out = json.dumps(text)[1:-1]
    for ch, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        out = out.replace(ch, code)
    return out


# the sample county's files in this checkout (tools/mutate.py runs the tests on a copy of src/
# alone, where ax.sample_paths() finds no data)
DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def measures():
    """The sample county run once (K=3, no robustness) and both measures on it."""
    paths = {k: DATA / v.parent.name / v.name for k, v in ax.sample_paths().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = ax.run_county(
            ax.Study(paths["osm"], paths["population"], paths["county"], paths["townships"]),
            siting=ax.SitingOptions(k=3),
            robustness=False,
            outputs=ax.OutputOptions(basemap=None),
        )
        acc = accessibility(
            run.network, run.coverage, method="2sfca", capacity="doctors", minutes=30,
            zones=run.zones,
        )  # fmt: skip
        cc = capacity_coverage(run.network, run.coverage, zones=run.zones)
    return run, acc, cc


@pytest.fixture(scope="module")
def written(measures, tmp_path_factory):
    run, acc, cc = measures
    out = tmp_path_factory.mktemp("supply") / "out"
    fmap = make_map(run.coverage, zones=run.zones, basemap=None, lang="en", supply=[acc, cc])
    paths = write_outputs(
        out, cov=run.coverage, fmap=fmap, zones=run.zones, lang="en", supply=[acc, cc]
    )
    return out, paths


@pytest.fixture(scope="module")
def hostile_measures(hostile):
    run, _ = hostile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = accessibility(run.network, run.coverage, minutes=30, zones=run.zones)
        cc = capacity_coverage(run.network, run.coverage, zones=run.zones)
    return run, acc, cc


# --------------------------------------------------------------------------- files
def test_accessibility_csv_is_the_index_per_township_and_county(measures, written):
    _, acc, _ = measures
    out, _ = written
    t = _read(out / "accessibility.csv")
    assert list(t.columns) == ACC_COLUMNS
    bz = acc.by_zone
    assert len(t) == len(bz) + 1
    zones, county = t.iloc[:-1], t.iloc[-1]
    assert list(zones["zone_id"]) == list(bz["zone_id"].astype(str))
    assert list(zones["name"]) == list(bz["name"])
    np.testing.assert_allclose(zones["index"], bz["index"], rtol=1e-5)
    np.testing.assert_allclose(zones["doctors_per_10k"], bz["per_10k"], atol=5e-5)
    per = t["doctors_per_10k"].to_numpy()
    np.testing.assert_array_equal(per, np.round(per, 4))  # 4 decimals
    assert list(zones["rank"].astype(int)) == list(bz["rank"].astype(int))
    # whole people, each within 1 of its value, adding up to the county within 1
    pop = zones["population"].to_numpy()
    assert pop.dtype.kind == "i"
    assert np.all(np.abs(pop - bz["population"].to_numpy()) < 1.0)
    total = float(acc.cells["pop"].sum())
    assert abs(pop.sum() - total) <= 1.0
    assert county["zone_id"] == ""
    assert county["name"] == "county"
    assert county["population"] == round(total)
    assert county["index"] == pytest.approx(acc.summary["index"], rel=1e-5)
    assert county["doctors_per_10k"] == pytest.approx(acc.summary["per_10k"], abs=5e-5)
    assert np.isnan(county["rank"])
    # 2SFCA: the county figure is all doctors (reached by anyone) over all people
    assert county["doctors_per_10k"] == pytest.approx(
        acc.summary["supply_total"] / total * 1e4, rel=1e-3
    )


def test_capacity_csv_is_served_people_per_township_and_county(measures, written):
    _, _, cc = measures
    out, _ = written
    t = _read(out / "capacity_coverage.csv")
    assert list(t.columns) == CAP_COLUMNS
    bz = cc.by_zone
    zones, county = t.iloc[:-1], t.iloc[-1]
    assert list(zones["zone_id"]) == list(bz["zone_id"].astype(str))
    for c in ("population", "within_reach", "served", "served_sequential"):
        assert zones[c].to_numpy().dtype.kind == "i", c
        assert np.all(np.abs(zones[c].to_numpy() - bz[c].to_numpy()) < 1.0), c
        assert abs(int(zones[c].sum()) - float(bz[c].sum())) <= 1.0, c
    np.testing.assert_allclose(zones["share_served"], bz["share_served"], atol=5e-5)
    assert (zones["served"] >= zones["served_sequential"]).all()
    s = cc.summary
    assert (county["zone_id"], county["name"]) == ("", "county")
    assert county["population"] == round(float(cc.cells["pop"].sum()))
    assert county["within_reach"] == round(s["within_reach"])
    assert county["served"] == round(s["served"])
    assert county["served_sequential"] == round(s["served_sequential"])
    assert county["share_served"] == round(s["share_served"], 4)
    text = (out / "capacity_coverage.csv").read_text(encoding="utf-8")
    assert re.search(r",0\.\d{4}\n", text)  # shares with 4 decimals
    shares = zones["share_served"].to_numpy()
    np.testing.assert_array_equal(shares, np.round(shares, 4))
    assert (np.abs(shares - bz["share_served"].to_numpy()) > 1e-6).any()  # rounded, not raw


def test_summary_manifest_cells_and_facilities(measures, written):
    run, acc, cc = measures
    out, paths = written
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["accessibility"] == json.loads(json.dumps(json_safe(acc.summary)))
    assert s["capacity_coverage"] == json.loads(json.dumps(json_safe(cc.summary)))
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name in ("accessibility.csv", "capacity_coverage.csv", "cells.parquet"):
        assert name in paths
        assert man["outputs"][name] == file_sha256(out / name)
    cells = pd.read_parquet(out / "cells.parquet")
    assert len(cells) == len(run.coverage.cells)
    np.testing.assert_array_equal(cells["row"], run.coverage.cells["row"])
    np.testing.assert_allclose(cells["2sfca_doctors"], acc.cells["2sfca_doctors"])
    np.testing.assert_allclose(cells["served_basic"], cc.cells["served_basic"])
    np.testing.assert_allclose(cells["served_seq_basic"], cc.cells["served_seq_basic"])
    assert "minutes_basic" in cells.columns  # the coverage columns stay
    fac = gpd.read_file(out / "facilities.geojson")
    assert list(fac["facility_id"]) == list(run.coverage.facilities["facility_id"])
    np.testing.assert_allclose(fac["doctors"], acc.facilities["doctors"])
    np.testing.assert_allclose(fac["beds"], acc.facilities["beds"])
    assert list(fac["doctors_source"]) == list(acc.facilities["doctors_source"])
    load = dict(zip(cc.facilities["facility_id"], cc.facilities["load"], strict=True))
    full = dict(zip(cc.facilities["facility_id"], cc.facilities["full"], strict=True))
    for fid, got_load, got_full in zip(fac["facility_id"], fac["load"], fac["full"], strict=True):
        assert got_load == pytest.approx(load[fid])
        assert bool(got_full) == bool(full[fid])
    assert fac["full"].astype(bool).sum() == cc.summary["facilities_full"]


def test_facilities_outside_the_level_are_blank(measures):
    run, _, cc = measures
    part = dataclasses.replace(cc, facilities=cc.facilities.iloc[:3])
    from access15.outputs.supply_files import supply_facilities

    fac = supply_facilities(run.coverage.facilities, (None, part))
    assert fac["load"].iloc[:3].tolist() == pytest.approx(cc.facilities["load"].iloc[:3].tolist())
    assert fac["load"].iloc[3:].isna().all()
    assert fac["doctors"].iloc[3:].isna().all()
    assert fac["doctors"].iloc[:3].tolist() == cc.facilities["doctors"].iloc[:3].tolist()
    # matched by facility_id, not by position or index label
    shuffled = cc.facilities.iloc[[2, 0, 1]].reset_index(drop=True)
    fac = supply_facilities(
        run.coverage.facilities, (None, dataclasses.replace(cc, facilities=shuffled))
    )
    np.testing.assert_allclose(fac["load"].iloc[:3], cc.facilities["load"].iloc[:3])
    # without facility_id: by index label
    no_id = run.coverage.facilities.drop(columns="facility_id")
    part = cc.facilities.drop(columns="facility_id").iloc[[4, 1]]
    fac = supply_facilities(no_id, (None, dataclasses.replace(cc, facilities=part)))
    assert fac["load"].iloc[[1, 4]].tolist() == pytest.approx(
        cc.facilities["load"].iloc[[1, 4]].tolist()
    )
    assert fac["load"].drop(index=[1, 4]).isna().all()
    with_id = cc.facilities.iloc[[4, 1]]  # the facilities lack the id, the measure has it
    fac = supply_facilities(no_id, (None, dataclasses.replace(cc, facilities=with_id)))
    assert fac["load"].iloc[[1, 4]].tolist() == pytest.approx(with_id["load"].iloc[::-1].tolist())


def test_only_and_no_measure_write_no_supply_file(measures, tmp_path):
    run, acc, cc = measures
    only = tmp_path / "only"
    write_outputs(only, cov=run.coverage, supply=[acc, cc], only={"accessibility.csv"})
    assert sorted(p.name for p in only.iterdir()) == [
        "accessibility.csv",
        "manifest.json",
        "summary.json",
    ]
    only2 = tmp_path / "only2"
    write_outputs(only2, cov=run.coverage, supply=[cc], only={"capacity_coverage.csv"})
    assert sorted(p.name for p in only2.iterdir()) == [
        "capacity_coverage.csv",
        "manifest.json",
        "summary.json",
    ]
    s2 = json.loads((only2 / "summary.json").read_text(encoding="utf-8"))
    assert "capacity_coverage" in s2
    assert "accessibility" not in s2
    none = tmp_path / "none"
    want = {"accessibility.csv", "capacity_coverage.csv", "facilities.geojson", "cells.parquet"}
    write_outputs(none, cov=run.coverage, only=want)
    names = sorted(p.name for p in none.iterdir())
    assert names == ["cells.parquet", "facilities.geojson", "manifest.json", "summary.json"]
    s = json.loads((none / "summary.json").read_text(encoding="utf-8"))
    assert "accessibility" not in s
    assert "capacity_coverage" not in s
    assert "load" not in gpd.read_file(none / "facilities.geojson").columns
    assert "2sfca_doctors" not in pd.read_parquet(none / "cells.parquet").columns


def test_supply_of_two_of_a_kind_or_of_another_run_is_refused(measures, tmp_path):
    run, acc, cc = measures
    with pytest.raises(InputError, match="two accessibility"):
        split_supply([acc, acc])
    with pytest.raises(InputError, match="two capacity"):
        split_supply([cc, cc])
    with pytest.raises(InputError, match="AccessibilityResult or CapacityCoverage"):
        split_supply([acc, "doctors"])  # type: ignore[list-item]
    assert split_supply([cc, acc]) == (acc, cc)
    assert split_supply(None) == (None, None)
    short = dataclasses.replace(acc, cells=acc.cells.iloc[:-1])
    with pytest.raises(InputError, match="not computed on this coverage run"):
        supply_cells(run.coverage, (short, None))
    moved = acc.cells.copy()
    moved["row"] = moved["row"].to_numpy()[::-1]
    with pytest.raises(InputError, match="accessibility index was not computed"):
        supply_cells(run.coverage, (dataclasses.replace(acc, cells=moved), None))
    with pytest.raises(InputError, match="capacity coverage was not computed"):
        supply_cells(run.coverage, (None, dataclasses.replace(cc, cells=cc.cells.iloc[:5])))
    assert not (tmp_path / "x").exists()


def test_round_people_known_answers():
    assert round_people([0.4, 0.4, 0.4]).tolist() == [1, 0, 0]
    assert round_people([2.6, 1.2]).tolist() == [3, 1]
    assert round_people([1.5, 1.5]).tolist() == [2, 1]
    assert round_people([np.nan, 2.0]).tolist() == [0, 2]
    assert round_people([0.2, 0.9, 0.1]).tolist() == [0, 1, 0]
    assert round_people([]).tolist() == []


@given(st.lists(st.floats(0, 1e6, allow_nan=False), max_size=30))
def test_round_people_keeps_the_total(values):
    r = round_people(values)
    assert r.sum() == round(float(np.sum(values)))
    assert np.all(np.abs(r - np.asarray(values, dtype=float)) < 1.0 + 1e-9)


def test_tables_for_raam_and_custom_capacity(measures):
    _, acc, cc = measures
    raam_bz = acc.by_zone.assign(per_10k=np.nan)
    raam = dataclasses.replace(
        acc, method="raam", capacity="nurses", by_zone=raam_bz,
        summary={**acc.summary, "per_10k": float("nan")},
    )  # fmt: skip
    t = accessibility_table(raam)
    assert list(t.columns) == ["zone_id", "name", "population", "index", "nurses_per_10k", "rank"]
    assert t["nurses_per_10k"].isna().all()
    assert t["index"].iloc[-1] == pytest.approx(acc.summary["index"], rel=1e-5)
    c = capacity_table(cc)
    assert c["name"].iloc[-1] == "county"
    assert c["zone_id"].iloc[-1] == ""


# --------------------------------------------------------------------------- map
def test_map_has_the_index_layer_legend_and_full_facilities(measures, written):
    _, acc, cc = measures
    out, _ = written
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "Doctors per 10,000 people within 30 min (2SFCA)" in page
    assert "Facilities at capacity (15 min)" in page
    assert 'id="access15-supply-legend"' in page
    assert 'id="access15-supply-legend-index"' in page
    assert 'id="access15-supply-legend-full"' in page
    assert "overlayadd overlayremove" in page
    edges = class_breaks(acc.by_zone["per_10k"])
    assert page.count('class="a15-supply-class"') == len(edges) - 1
    assert f"{edges[0]:.1f}–{edges[1]:.1f}" in page
    # every township named in a tooltip with its value and rank
    for r in acc.by_zone.itertuples():
        label = f"{r.name}: {r.per_10k:.1f} doctors per 10,000 people, rank {r.rank}"
        assert _js(escape_text(label)) in page or escape_text(label) in page, label
    assert page.count("a15-full") == cc.summary["facilities_full"]


def test_map_layers_start_off_and_the_legend_follows(measures, tmp_path):
    run, acc, cc = measures
    m = make_map(run.coverage, zones=run.zones, basemap=None, lang="zh", supply=[acc, cc])
    page = m.get_root().render()
    layers = [c for c in m._children.values() if getattr(c, "layer_name", "").startswith("30")]
    assert len(layers) == 1
    assert layers[0].layer_name == "30 分钟内每万人医生数（2SFCA）"
    assert layers[0].show is False  # the surface is drawn: the choropleth would hide it
    full = [c for c in m._children.values() if getattr(c, "layer_name", "").startswith("满负荷")]
    assert len(full) == 1
    assert full[0].show is False
    assert f"[{layers[0].get_name()}, " in page
    assert f"[{full[0].get_name()}, " in page
    assert "灰色：无数据" in page


def test_map_without_township_polygons_draws_cells(measures):
    run, acc, _ = measures
    plain = dataclasses.replace(acc, by_zone=pd.DataFrame(acc.by_zone.drop(columns="geometry")))
    m = make_map(run.coverage, basemap=None, lang="en", supply=[plain])
    layer = next(
        c for c in m._children.values() if getattr(c, "layer_name", "").startswith("Doctors")
    )
    circles = list(layer._children.values())
    n = int((acc.cells["pop"] > 0).sum())
    assert len(circles) == min(n, SUPPLY_CELLS_MAX_DRAWN)
    # the most populous cells
    top = acc.cells["pop"].to_numpy()
    drawn = sorted(top[top > 0])[::-1][: len(circles)]
    assert min(drawn) >= np.sort(top)[::-1][len(circles) - 1] - 1e-9
    assert "a15-full" not in m.get_root().render()


def test_class_breaks_and_colours():
    assert class_breaks([1.0, 2.0, 3.0, 4.0, 5.0], 4) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert class_breaks([2.0, 2.0, np.nan]) == [2.0, 2.0]
    assert class_breaks([np.nan]) == []
    assert class_colours(5) == list(SUPPLY_COLOURS)
    assert class_colours(3, ["a", "b", "c", "d", "e"]) == ["a", "c", "e"]
    assert class_colours(1, ["a", "b"]) == ["b"]
    edges = [1.0, 2.0, 3.0, 4.0, 5.0]
    pal = ["a", "b", "c", "d", "e"]
    assert [_colour(v, edges, pal) for v in (1.0, 1.9, 2.0, 3.5, 5.0, 9.0)] == [
        "a",
        "a",
        "b",
        "d",
        "e",
        "e",
    ]  # fmt: skip  (4 classes spread over 5 colours: a b d e)
    assert _colour(float("nan"), edges, pal) == NODATA_COLOUR
    assert _colour(1.0, [], pal) == NODATA_COLOUR
    assert _colour(2.0, [2.0, 2.0], pal) == "e"


def test_hostile_names_stay_text_in_the_map(hostile_measures, pwned):
    run, acc, cc = hostile_measures
    m = make_map(run.coverage, zones=run.zones, basemap=None, lang="en", supply=[acc, cc])
    page = m.get_root().render()
    assert not pwned.exists()
    assert JINJA_EVALUATED not in page
    assert HOSTILE_TOWNSHIP not in page
    assert HOSTILE_JINJA not in page
    r = acc.by_zone.set_index("zone_id").loc["W"]
    label = f"{HOSTILE_TOWNSHIP}: {r.per_10k:.1f} doctors per 10,000 people, rank {r['rank']}"
    assert _js(escape_text(label)) in page
    # a full facility with a hostile name: its popup and tooltip carry the escaped name
    fac = cc.facilities.assign(name=HOSTILE_TOWNSHIP, full=True)
    m2 = make_map(
        run.coverage, basemap=None, lang="en", supply=[dataclasses.replace(cc, facilities=fac)]
    )
    page2 = m2.get_root().render()
    assert not pwned.exists()
    assert JINJA_EVALUATED not in page2
    assert HOSTILE_TOWNSHIP not in page2
    assert page2.count("a15-full") == len(fac)
    assert page2.count(f"<b>{escape_text(HOSTILE_TOWNSHIP)}</b>") == len(fac)  # popups


# --------------------------------------------------------------------------- report
def test_report_sections_in_english_and_chinese(measures, written):
    run, acc, cc = measures
    out, _ = written
    en = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="care-within-reach">' in en
    assert '<section id="capacity-coverage">' in en
    assert "<h2>Care within reach</h2>" in en
    assert "2SFCA: for each facility, its doctors divided by the people within 30 min" in en
    assert f"County: {acc.summary['per_10k']:.2f} doctors per 10,000 people within 30 min." in en
    n = acc.summary["defaults"]
    assert f"Caution: {n} of {len(acc.facilities)} facilities use per-tier default doctors" in en
    assert '<th class="">Doctors per 10,000</th>' in en
    s = cc.summary
    assert f"sequential (AccessMod): {s['served_sequential']:,.0f}" in en
    assert f"{s['exact_minus_sequential']:,.0f} fewer than the exact answer" in en
    # township rows in rank order, each with its value
    table = en[en.index('id="care-within-reach-table"') :]
    rows = re.findall(r"<tr>(.*?)</tr>", table[: table.index("</table>")], flags=re.S)
    best = acc.by_zone.sort_values("rank").iloc[0]
    assert f"{best['per_10k']:.2f}" in rows[1]
    zh = build_report(run.coverage, supply=[acc, cc], lang="zh", map_href=None)
    assert "<h2>可及的医疗资源</h2>" in zh
    assert "<h2>考虑服务能力的覆盖</h2>" in zh
    assert f"全县：30 分钟内每万人医生数 {acc.summary['per_10k']:.2f}。" in zh
    assert "默认值只是占位数字" in zh
    assert '<th class="">每万人医生数</th>' in zh
    assert f"顺序法（AccessMod）：{s['served_sequential']:,.0f} 人" in zh
    plain = build_report(run.coverage, lang="en")
    assert "care-within-reach" not in plain
    assert "capacity-coverage" not in plain
    only_cc = build_report(run.coverage, supply=[cc], lang="en")
    assert "care-within-reach" not in only_cc
    assert '<section id="capacity-coverage">' in only_cc


def test_report_escapes_hostile_township_names(hostile_measures, pwned):
    run, acc, cc = hostile_measures
    page = build_report(run.coverage, supply=[acc, cc], lang="en")
    assert HOSTILE_TOWNSHIP not in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(4)&gt;" in page
    assert JINJA_EVALUATED not in page
    assert "{{7*7}}" in page  # shown as text (jinja does not render values as templates)
    assert not pwned.exists()
    frag = str(supply_sections([acc, cc], "en"))
    assert frag.count("&lt;img src=x") == 2  # one row in each table


def test_capacity_noun():
    assert capacity_noun("doctors", "zh") == "医生数"
    assert capacity_noun("beds", "en") == "beds"
    assert capacity_noun("capacity", "zh") == "服务能力（人）"
    assert capacity_noun("nurses", "zh") == "nurses"


# --------------------------------------------------------------------------- empty ranking
def test_empty_ranking_falls_back_to_the_baseline(measures, tmp_path):
    run, _, _ = measures
    rec = run.recommendation
    empty = dataclasses.replace(rec, ranking=rec.ranking.iloc[:0])
    out = tmp_path / "k0"
    fmap = make_map(run.coverage, empty, basemap=None, lang="en")
    write_outputs(out, cov=run.coverage, rec=empty, fmap=fmap, lang="en")
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))["recommendation"]
    assert s["k"] == 0
    assert s["sites"] == []
    assert s["covered_population_after"] == pytest.approx(rec.baseline_covered)
    assert s["share_after"] == pytest.approx(rec.baseline_covered / rec.population_total)
    assert s["share_after"] == pytest.approx(s["baseline_share"])
    ranking = pd.read_csv(out / "recommendations.csv")
    assert len(ranking) == 0
    assert "site_id" in ranking.columns
    assert not (out / "recommendations.geojson").exists()
    assert (out / "report.html").exists()


def test_tiered_and_raam_are_labelled_by_what_they_show(measures):
    run, acc, _ = measures
    tiered = dataclasses.replace(
        acc, method="tiered", minutes=60.0,
        params={"levels": [["basic", 1, 15.0], ["subcentre", 3, 60.0]]},
    )  # fmt: skip
    m = make_map(run.coverage, zones=run.zones, basemap=None, lang="en", supply=[tiered])
    names = [getattr(c, "layer_name", "") for c in m._children.values()]
    assert "Doctors per 10,000 people within 15 min (TIERED)" in names
    page = build_report(run.coverage, supply=[tiered], lang="en")
    assert "table shows the first level (basic)" in page
    assert f"{acc.summary['per_10k']:.2f} doctors per 10,000 people within 15 min" in page
    raam = dataclasses.replace(
        acc, method="raam", by_zone=acc.by_zone.assign(per_10k=np.nan),
        summary={**acc.summary, "per_10k": float("nan"), "defaults": 0},
    )  # fmt: skip
    m = make_map(run.coverage, zones=run.zones, basemap=None, lang="en", supply=[raam])
    names = [getattr(c, "layer_name", "") for c in m._children.values()]
    assert "Access cost (RAAM, 30 min; lower is better)" in names
    page = build_report(run.coverage, supply=[raam], lang="en")
    assert '<th class="">Cost (lower is better)</th>' in page
    assert f"County mean cost: {acc.summary['index']:.3g} (lower is better)." in page
    assert "Every facility&#39;s doctors figure comes from the data (no defaults)." in page
    assert "Caution:" not in page
    worst = acc.by_zone.sort_values("rank").iloc[-1]
    assert f"{worst['index']:.3g}" in page


def test_cost_index_colours_and_cells(measures):
    run, acc, cc = measures
    from access15.outputs.supply_map import add_supply_layers

    raam = dataclasses.replace(acc, method="raam", by_zone=acc.by_zone.assign(per_10k=np.nan))
    m = make_map(run.coverage, zones=run.zones, basemap=None, lang="en", supply=[raam])
    layer = next(c for c in m._children.values() if "Access cost" in getattr(c, "layer_name", ""))
    feats = json.loads(layer.data) if isinstance(layer.data, str) else layer.data
    colours = [f["properties"]["colour"] for f in feats["features"]]
    values = raam.by_zone["index"].to_numpy()
    assert colours[int(np.argmin(values))] == SUPPLY_COLOURS[-1]  # lowest cost: darkest
    assert colours[int(np.argmax(values))] == SUPPLY_COLOURS[0]
    # without polygons: circles filled with the cell's cost (not scaled per 10,000)
    cells_only = dataclasses.replace(
        raam, by_zone=pd.DataFrame(raam.by_zone.drop(columns="geometry"))
    )
    m = make_map(run.coverage, basemap=None, lang="en", supply=[cells_only])
    layer = next(c for c in m._children.values() if "Access cost" in getattr(c, "layer_name", ""))
    first = next(iter(layer._children.values()))
    assert first.options["fill"] is True
    top = int(np.argmax(acc.cells["pop"].to_numpy()))
    tip = next(v for v in first._children.values() if type(v).__name__ == "Tooltip")
    assert tip.text == f"{acc.cells[acc.column].iloc[top]:.3g}"
    # no measure, or no facility full: nothing added
    m = make_map(run.coverage, basemap=None, lang="en")
    assert add_supply_layers(m, [], "en") is False
    none_full = dataclasses.replace(cc, facilities=cc.facilities.assign(full=False))
    assert add_supply_layers(m, [none_full], "en") is False
    assert add_supply_layers(m, [cc], "en") is True


def test_full_facility_popup_has_both_names_capacity_and_load(measures):
    run, _, cc = measures
    m = make_map(run.coverage, basemap=None, lang="en", supply=[cc])
    page = m.get_root().render()
    r = cc.facilities[cc.facilities["full"]].iloc[0]
    popup = (
        f"<b>{escape_text(r['name'])}</b><br>{escape_text(r['name_en'])}<br>"
        f"capacity {r['capacity_people']:,.0f} people<br>"
        f"serves {r['load']:,.0f} people (exact); sequential {r['load_sequential']:,.0f}"
    )
    assert popup in page


def test_report_bands_defaults_and_county_row_of_capacity(measures):
    _, acc, cc = measures
    for bands in ({10.0: 1.0, 20.0: 0.68, 30.0: 0.22}, [[10.0, 1.0], [20.0, 0.68], [30.0, 0.22]]):
        e2 = dataclasses.replace(acc, method="e2sfca", params={"bands": bands})
        page = str(supply_sections([e2], "en"))
        assert "weight per travel-time band (≤10 min: 1, ≤20 min: 0.68, ≤30 min: 0.22)" in page
    frag = str(supply_sections([cc], "en"))
    src = cc.summary["capacity_sources"]
    n = src["default"]
    assert f"Caution: {n} of {sum(src.values())} facilities use per-tier default capacity" in frag
    county = re.findall(r'<tr style="font-weight:bold">(.*?)</tr>', frag, flags=re.S)
    assert len(county) == 1
    s = cc.summary
    for key in ("within_reach", "served", "served_sequential"):
        assert f"{s[key]:,.0f}" in county[0]
    assert f"{s['share_served']:.1%}" in county[0]
    assert "County" in county[0]
    real = {**s, "capacity_sources": {"file": 204, "osm": 0, "default": 0}}
    frag = str(supply_sections([dataclasses.replace(cc, summary=real)], "zh"))
    assert "注意" not in frag
    assert "全县" in frag
