"""The interactive map: layers, symbols, sizes, basemaps and escaping of untrusted names."""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re
import subprocess
import sys

import folium
import geopandas as gpd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

import access15 as ax
from access15.access import GAP_MIN_PEOPLE
from access15.outputs.maps import (
    GAP_MAX_RADIUS_PX,
    MapKeywords,
    MapOptions,
    check_basemap,
    escape_text,
    tianditu_tiles,
)
from conftest import (
    HOSTILE_EN,
    HOSTILE_FACILITY,
    HOSTILE_TEMPLATE,
    HOSTILE_TOWNSHIP,
)

KEY = "0123456789abcdef0123456789abcdef"


def _html(path) -> str:
    return path.read_text(encoding="utf-8")


def _js(text: str) -> str:
    """``text`` as folium writes it into a script with jinja's ``tojson`` (ASCII, <>&' coded)."""
    out = json.dumps(text)[1:-1]
    for ch, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        out = out.replace(ch, code)
    return out


def _div_icons(page: str) -> list[dict]:
    """The options of every ``L.divIcon`` in a folium page."""
    bodies = re.findall(r"L\.divIcon\(\{(.*?)\}\);", page, flags=re.DOTALL)
    return [json.loads("{" + b.strip().rstrip(",") + "}") for b in bodies]


# --------------------------------------------------------------------------- escaping
def test_escape_text_known_answers():
    assert escape_text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_text('"><img src=x onerror=alert(1)>') == (
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    )
    assert escape_text("${alert(1)}`\\") == "&#36;{alert(1)}&#96;&#92;"
    assert escape_text(None) == ""
    assert escape_text(float("nan")) == ""
    assert escape_text("鹤田镇卫生院") == "鹤田镇卫生院"


@given(st.text())
def test_escape_text_round_trips_and_leaves_no_active_character(s):
    out = escape_text(s)
    assert html.unescape(out) == s
    assert not set(out) & set("<>\"'`$\\")


def test_hostile_names_never_reach_the_map_raw(hostile):
    _, out = hostile
    page = _html(out / "map.html")
    for raw in (HOSTILE_FACILITY, HOSTILE_TEMPLATE, HOSTILE_TOWNSHIP, HOSTILE_EN, "${alert"):
        assert raw not in page, raw
    assert "<img src=x" not in page
    assert "`);alert(3)" not in page  # no backtick to close folium's template literals
    # the names are there, escaped
    assert escape_text(HOSTILE_FACILITY) in page
    assert escape_text(HOSTILE_TEMPLATE) in page
    assert escape_text(HOSTILE_EN) in page
    # the township name sits in GeoJSON (inside a <script>): escaped, then JSON-encoded
    assert json.dumps(escape_text(HOSTILE_TOWNSHIP))[1:-1].replace("&", "\\u0026") in page


# --------------------------------------------------------------------------- the sample map
def test_map_is_small_and_offline(sample):
    _, out = sample
    size = (out / "map.html").stat().st_size
    assert size < 5_000_000, f"map.html is {size / 1e6:.1f} MB"
    page = _html(out / "map.html")
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page)
    assert "L.tileLayer" not in page  # the synthetic sample has no basemap


def test_one_marker_per_facility_with_a_symbol_per_tier(sample):
    _run, out = sample
    page = _html(out / "map.html")
    fac = gpd.read_file(out / "facilities.geojson")
    assert page.count('"className": "a15-fac a15-tier-') == len(fac) == 204
    for tier, n in fac["tier"].value_counts().items():
        assert page.count(f'"className": "a15-fac a15-tier-{tier}"') == n
    icons = [i for i in _div_icons(page) if i["className"].startswith("a15-fac")]
    assert len(icons) == len(fac)
    shapes = {4: "<rect", 2: "Z", 1: "<circle"}  # square + cross, triangle path, dot
    for tier, mark in shapes.items():
        html_ = {i["html"] for i in icons if i["className"] == f"a15-fac a15-tier-{tier}"}
        assert len(html_) == 1
        assert mark in html_.pop()
    # the legend shows every tier present
    assert page.count('class="a15-legend-tier"') == fac["tier"].nunique()


def test_popups_show_name_tier_and_minutes_to_the_hospital(sample):
    run, out = sample
    page = _html(out / "map.html")
    fac = run.coverage.facilities
    for r in fac[fac["tier"] == 2].head(3).itertuples():
        assert f"<b>{escape_text(r.name)}</b>" in page
        assert f"到县医院 {r.minutes_to_hospital:.1f} 分钟" in page  # Chinese sample: zh labels
    assert "2级（乡镇卫生院）" in page


def test_layers_legend_and_controls(sample):
    _, out = sample
    page = _html(out / "map.html")
    for name in (
        "出行时间",
        "等时圈",
        "乡镇边界",
        "县界",
        "未覆盖人群",
        "建议升级",
        "1级：村卫生室",
    ):
        assert _js(name) in page, name
    assert "L.control.layers" in page
    assert "L.control.scale" in page
    assert "L.control.fullscreen" in page
    assert 'id="access15-legend"' in page
    for lo in (0, 5, 10, 15, 30):
        assert f"{lo}–" in page  # legend in minutes


def test_recommended_sites_show_rank_added_people_and_robustness(sample):
    run, out = sample
    page = _html(out / "map.html")
    stab = run.sensitivity.stability.set_index("site_id")
    for r in run.recommendation.ranking.itertuples():
        assert f'"className": "a15-site a15-site-{r.rank}"' in page
        assert f"新增 {r.added_population:,.0f} 人" in page
        s = stab.loc[r.site_id]
        assert f"{s.times_in_top_k}/{s.n_scenarios} 个情景中入选" in page


def _gap_circles(m: folium.Map) -> list[tuple[float, float, float]]:
    """(lat, lon, radius px) of the circles in the uncovered-cluster layer."""
    for child in m._children.values():
        if (
            isinstance(child, folium.FeatureGroup)
            and "≥" in child.layer_name
            and ("people" in child.layer_name or "人" in child.layer_name)
        ):
            return [
                (c.location[0], c.location[1], c.options["radius"])
                for c in child._children.values()
                if isinstance(c, folium.CircleMarker)
            ]
    return []


def test_gap_circles_have_area_proportional_to_people(sample):
    run, _ = sample
    circles = _gap_circles(run.fmap)
    gaps = run.coverage.gaps
    big = gaps[gaps["population"] >= GAP_MIN_PEOPLE].reset_index(drop=True)
    assert len(circles) == len(big) > 0
    top = big["population"].max()
    for (lat, lon, radius), g in zip(circles, big.itertuples(), strict=True):
        assert (lat, lon) == pytest.approx((g.geometry.y, g.geometry.x))
        want = GAP_MAX_RADIUS_PX * math.sqrt(g.population / top)
        assert radius == pytest.approx(max(3.0, want))
    assert circles[0][2] == pytest.approx(GAP_MAX_RADIUS_PX)  # largest first


def test_english_labels(sample):
    run, _ = sample
    m = ax.make_map(
        run.coverage,
        run.recommendation,
        zones=run.zones,
        basemap="none",
        lang="en",
        gaps=False,
    )
    page = m.get_root().render()
    assert "Tier 1: village clinic" in page
    assert "min to the county hospital" in page
    assert "Isochrone" not in page
    assert "Uncovered clusters" not in page


# --------------------------------------------------------------------------- isochrone bands
def _band_layer(m: folium.Map) -> dict | None:
    """The GeoJSON drawn by the isochrone layer of a map, or None without one."""
    for child in m._children.values():
        if isinstance(child, folium.GeoJson) and child.layer_name.startswith(
            ("Isochrone", "等时圈")
        ):
            return child.data
    return None


def test_map_draws_the_given_bands_and_computes_none(sample, monkeypatch):
    run, _ = sample
    bands = run.bands
    assert bands is not None
    assert len(bands)

    def boom(*_a, **_k):
        raise AssertionError("the map must not compute isochrones")

    monkeypatch.setattr("access15.bands.isochrones", boom)
    exact = ax.make_map(run.coverage, bands=bands, basemap=None, isochrone_simplify_m=None)
    data = _band_layer(exact)
    assert data is not None
    assert [f["properties"]["max_minutes"] for f in data["features"]] == bands[
        "max_minutes"
    ].tolist()
    # drawn as given (to the 1e-5 degree grid of the page), not recomputed
    got = gpd.GeoDataFrame.from_features(data["features"], crs="EPSG:4326")
    for a, b in zip(
        got.geometry, shapely.set_precision(bands.geometry.to_numpy(), 1e-5), strict=True
    ):
        assert a.symmetric_difference(b).area < 1e-9 * b.area
    light = _band_layer(ax.make_map(run.coverage, bands=bands, basemap=None))
    n_exact = sum(len(json.dumps(f["geometry"])) for f in data["features"])
    n_light = sum(len(json.dumps(f["geometry"])) for f in light["features"])
    assert n_light < 0.8 * n_exact  # simplified for display (100 m by default)
    for f, people in zip(light["features"], bands["population"], strict=True):
        assert f"{people:,.0f} 人" in f["properties"]["label"]  # people from the cells


def test_no_bands_no_band_layer(sample):
    run, _ = sample
    m = ax.make_map(run.coverage, basemap=None)
    assert _band_layer(m) is None
    assert "等时圈" not in m.get_root().render()


def test_bands_are_labelled_with_their_own_level(sample):
    run, _ = sample
    sub_bands = ax.isochrones(run.coverage, bands=(10, 20, 30), level="subcentre")
    m = ax.make_map(run.coverage, bands=sub_bands, basemap=None, lang="en")
    names = [c.layer_name for c in m._children.values() if isinstance(c, folium.GeoJson)]
    label = [n for n in names if n.startswith("Isochrone")]
    assert len(label) == 1
    assert "30 min" in label[0]
    assert "tier ≥ 3" in label[0] or "sub-centre" in label[0].lower(), label


def test_map_options_checked_once_and_keywords_override(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(ax.InputError, match="unknown basemap 'amap'"):
        MapOptions(basemap="amap")
    with pytest.raises(ax.InputError, match="needs a Tianditu key"):
        MapOptions(basemap="tianditu")
    with pytest.raises(ax.InputError, match="zh or en"):
        MapOptions(lang="fr")
    for bad in (0, -1.0, math.nan, "100", True):
        with pytest.raises(ax.InputError, match="isochrone_simplify_m"):
            MapOptions(isochrone_simplify_m=bad)
    assert set(MapKeywords.__annotations__) == {f.name for f in dataclasses.fields(MapOptions)}


def test_map_options_and_keywords_give_the_same_map(hostile):
    run, _ = hostile
    opts = MapOptions(basemap=None, title="T", lang="en", gaps=False)

    def page(m: folium.Map) -> str:
        return re.sub(r"_[0-9a-f]{32}", "_ID", m.get_root().render())

    by_options = page(ax.make_map(run.coverage, options=opts))
    by_keywords = page(ax.make_map(run.coverage, basemap=None, title="T", lang="en", gaps=False))
    assert by_options == by_keywords
    # keywords override the options
    zh = page(ax.make_map(run.coverage, options=opts, lang="zh"))
    assert zh != by_options
    assert _js("1级：村卫生室") in zh


# --------------------------------------------------------------------------- basemaps
def test_tianditu_tile_urls_and_attribution():
    base, labels = tianditu_tiles(KEY)
    assert base["tiles"].startswith("https://t{s}.tianditu.gov.cn/vec_w/wmts?")
    assert "LAYER=vec" in base["tiles"]
    assert "TILEMATRIXSET=w" in base["tiles"]
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in base["tiles"]
    assert base["tiles"].endswith(f"tk={KEY}")
    assert "/cva_w/" in labels["tiles"]
    assert labels["overlay"]
    assert not base["overlay"]
    assert base["subdomains"] == "01234567"
    assert "天地图" in base["attr"]
    assert "Tianditu" in base["attr"]
    assert "/eva_w/" in tianditu_tiles(KEY, lang="en")[1]["tiles"]  # English labels


def test_tianditu_key_handling(monkeypatch, hostile):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(ax.InputError, match=r"needs a Tianditu key.*TIANDITU_KEY"):
        check_basemap("tianditu")
    with pytest.raises(ax.InputError, match="letters and digits"):
        check_basemap("tianditu", 'abc"><script>alert(1)</script>')
    with pytest.raises(ax.InputError, match="unknown basemap 'amap'"):
        check_basemap("amap")
    assert check_basemap("none") is None
    assert check_basemap(None) is None
    monkeypatch.setenv("TIANDITU_KEY", KEY)
    assert check_basemap("tianditu") == "tianditu"
    run, _ = hostile
    page = ax.make_map(run.coverage, basemap="tianditu", lang="zh").get_root().render()
    assert f"tk={KEY}" in page
    assert "vec_w" in page
    assert "cva_w" in page
    assert _js("天地图") in page


@pytest.mark.parametrize("basemap", ["osm", "positron"])
def test_other_basemaps(hostile, basemap):
    run, _ = hostile
    page = ax.make_map(run.coverage, basemap=basemap).get_root().render()
    assert "L.tileLayer" in page
    assert ("openstreetmap" if basemap == "osm" else "cartocdn") in page.lower()


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "access15.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def test_cli_tianditu_without_key_is_exit_2(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k != "TIANDITU_KEY"}
    out = tmp_path / "o"
    proc = _cli("demo", "--basemap", "tianditu", "--out", str(out), env=env)
    assert proc.returncode == 2, proc.stderr
    assert "needs a Tianditu key" in proc.stderr
    assert "TIANDITU_KEY" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()
    proc = _cli("demo", "--lang", "fr", "--out", str(out), env=env)
    assert proc.returncode == 2
    assert "zh or en" in proc.stderr
    assert not out.exists()
