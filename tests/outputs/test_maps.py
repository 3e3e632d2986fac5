"""The interactive map: layers, symbols, sizes, basemaps and escaping of untrusted names."""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import math
import re
import subprocess
import sys
import warnings

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
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
    HOSTILE_ID,
    HOSTILE_JINJA,
    HOSTILE_TEMPLATE,
    HOSTILE_TOWNSHIP,
    JINJA_EVALUATED,
    load_tiny,
    write_tiny_county,
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
    assert escape_text("${alert(1)}`\\") == "&#36;&#123;alert(1)&#125;&#96;&#92;"
    assert escape_text("{{7*7}}{%x%}{#c#}") == (
        "&#123;&#123;7*7&#125;&#125;&#123;%x%&#125;&#123;#c#&#125;"
    )
    assert escape_text(None) == ""
    assert escape_text(float("nan")) == ""
    assert escape_text("鹤田镇卫生院") == "鹤田镇卫生院"


@given(st.text())
def test_escape_text_round_trips_and_leaves_no_active_character(s):
    out = escape_text(s)
    assert html.unescape(out) == s
    assert not set(out) & set("<>\"'`$\\{}")


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
    # the township name and id sit in GeoJSON (inside a <script>): escaped, then JSON-encoded
    assert json.dumps(escape_text(HOSTILE_TOWNSHIP))[1:-1].replace("&", "\\u0026") in page
    assert json.dumps(escape_text(HOSTILE_ID))[1:-1].replace("&", "\\u0026") in page


def _never_templated(page: str, pwned) -> None:
    """No name of ``page`` ran as a Jinja2 template: the probe stayed text, nothing was made."""
    assert not pwned.exists(), "a name ran Python code while the map was rendered"
    assert JINJA_EVALUATED not in page  # "j{{7*7}}j" was not evaluated to "j49j"
    assert "{{" not in page  # no template syntax left in the page at all
    assert "{#c#}" not in page
    assert escape_text(HOSTILE_JINJA) in page or _js(escape_text(HOSTILE_JINJA)) in page


def test_names_never_run_as_templates_in_the_map(hostile, pwned):
    # OSM name and name:en tags, township names and ids, the title, the ranked site's name
    _, out = hostile
    page = _html(out / "map.html")
    _never_templated(page, pwned)
    for name in (HOSTILE_FACILITY, HOSTILE_TEMPLATE, HOSTILE_EN, HOSTILE_JINJA):
        assert escape_text(name) in page, name  # popups and tooltips, shown literally
    for name in (HOSTILE_TOWNSHIP, HOSTILE_ID):
        assert _js(escape_text(name)) in page, name  # township GeoJSON properties


def _probe(tag: str) -> str:
    return f"{tag}:{HOSTILE_JINJA}"


def test_every_name_field_of_the_map_stays_text(hostile, pwned):
    """A probe in every text that make_map shows: facility names (from a facilities frame),
    township names and ids, gap ids and townships, site names and ids, level labels, title."""
    run, _ = hostile
    cov, rec = run.coverage, run.recommendation
    assert cov.gaps is not None
    assert len(cov.gaps)
    assert rec is not None
    fac = cov.facilities.copy()
    fac["name"] = [_probe(f"fac{i}") for i in range(len(fac))]
    fac["name_en"] = [_probe(f"fac_en{i}") for i in range(len(fac))]
    gaps = cov.gaps.copy()
    gaps["gap_id"] = [_probe(f"gap{i}") for i in range(len(gaps))]
    gaps["population"] = max(GAP_MIN_PEOPLE, float(gaps["population"].max()))
    gaps["zone_id"] = _probe("gapzone")  # a township the zones do not know: its id is shown
    levels = tuple(
        dataclasses.replace(lv, label=_probe(f"level{i}")) for i, lv in enumerate(cov.levels)
    )
    cfg = dataclasses.replace(cov.config, levels=levels)
    hostile_cov = dataclasses.replace(cov, facilities=fac, gaps=gaps, config=cfg, levels=levels)
    ranking = rec.ranking.copy()
    ranking["name"] = [_probe(f"site{i}") for i in range(len(ranking))]
    ranking["name_en"] = [_probe(f"site_en{i}") for i in range(len(ranking))]
    ranking["site_id"] = [_probe(f"site_id{i}") for i in range(len(ranking))]
    hostile_rec = dataclasses.replace(rec, ranking=ranking)
    zones = run.zones.copy()
    zones["name"] = [_probe(f"zone{i}") for i in range(len(zones))]
    zones["name_en"] = [_probe(f"zone_en{i}") for i in range(len(zones))]
    zones["zone_id"] = [_probe(f"zone_id{i}") for i in range(len(zones))]
    boundary = run.boundary.copy()
    boundary["name"] = _probe("county")
    bands = ax.isochrones(hostile_cov)
    for lang in ("en", "zh"):
        m = ax.make_map(
            hostile_cov,
            hostile_rec,
            bands=bands,
            boundary=boundary,
            zones=zones,
            basemap=None,
            title=_probe("title"),
            lang=lang,
        )
        page = m.get_root().render()
        _never_templated(page, pwned)
        shown = [f"fac{i}" for i in range(len(fac))] + [f"gap{i}" for i in range(len(gaps))]
        shown += [f"site{i}" for i in range(len(ranking))] + ["gapzone", "title"]
        shown += [f"zone{i}" for i in range(len(zones))] + [
            f"zone_id{i}" for i in range(len(zones))
        ]
        if lang == "en":
            shown += ["level0"]  # the surface's layer name (Chinese labels are built in)
        for tag in shown:
            assert escape_text(_probe(tag)) in page or _js(escape_text(_probe(tag))) in page, tag


def test_names_from_a_facility_csv_never_run_as_templates(tmp_path, pwned):
    # the facility list is a user file, like OSM: its names reach the map, popups and tooltips
    f = write_tiny_county(tmp_path / "in", county_name=_probe("county"))
    rows = [
        ("fac0", 100.0, 0.0001, 4),
        ("fac1", 100.03, 0.0101, 2),
        ("fac2", 100.02, 0.0, 1),
    ]
    csv_path = tmp_path / "in" / "facilities.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "name_en", "lon", "lat", "tier"])
        for tag, lon, lat, tier in rows:
            w.writerow([_probe(tag), _probe(f"{tag}_en"), lon, lat, tier])
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the tiny county's off-network parts
        ax.run_county(
            ax.Study(
                f["osm"],
                f["population"],
                f["county"],
                f["zones"],
                facilities=csv_path,
                crs_in="wgs84",
                title=_probe("title"),
            ),
            siting=ax.SitingOptions(k=1),
            robustness=False,
            outputs=ax.OutputOptions(out_dir=out, basemap=None, lang="en"),
        )
    page = _html(out / "map.html")
    _never_templated(page, pwned)
    for tag in ("fac0", "fac1", "fac2", "fac0_en", "title"):
        assert escape_text(_probe(tag)) in page, tag
    for p in out.iterdir():  # no other output evaluated a name either
        if p.suffix in (".html", ".json", ".csv", ".geojson"):
            assert JINJA_EVALUATED not in p.read_text(encoding="utf-8"), p.name


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


# --------------------------------------------------------------------------- size bound
def test_map_draws_at_most_the_largest_gaps(tiny, tmp_path):
    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones)
    n = 3000
    gaps = gpd.GeoDataFrame(
        {
            "gap_id": [f"G{i:04d}" for i in range(n)],
            "cells": 1,
            "population": np.linspace(5000.0, 60.0, n),
            "off_network_population": 0.0,
            "mean_minutes": 20.0,
            "max_minutes": 25.0,
            "zone_id": "W",
        },
        geometry=gpd.points_from_xy(np.linspace(100.0, 100.03, n), np.zeros(n)),
        crs="EPSG:4326",
    )
    page_path = tmp_path / "map.html"
    ax.make_map(dataclasses.replace(cov, gaps=gaps), basemap=None).save(page_path)
    page = _html(page_path)
    assert page.count("L.circleMarker(") == 1000
    assert "G0999" in page
    assert "G1000" not in page  # the least populous are left out of the drawing


def test_heavy_bands_are_thinned_to_their_largest_parts(tiny, tmp_path, monkeypatch):
    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones)
    budget = 200_000  # bytes; the real BANDS_MAX_BYTES is 6 MB (too slow to build in a test)
    monkeypatch.setattr("access15.outputs.maps.BANDS_MAX_BYTES", budget, raising=False)
    # 6,000 separate cell squares (about 0.6 MB of GeoJSON) and one big square
    xs, ys = np.meshgrid(np.arange(100) * 0.002, np.arange(60) * 0.002)
    cells = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 0.001, ys.ravel() + 0.001)
    big = shapely.box(101.0, 0.0, 101.5, 0.5)
    bands = gpd.GeoDataFrame(
        pd.DataFrame(
            {
                "band": ["0-15 min"],
                "min_minutes": [0.0],
                "max_minutes": [15.0],
                "population": [1000.0],
                "area_km2": [1.0],
            }
        ),
        geometry=[shapely.MultiPolygon([*cells, big])],
        crs="EPSG:4326",
    )
    bands.attrs["level"] = cov.levels[0].name
    ax.make_map(cov, basemap=None).save(tmp_path / "plain.html")
    page_path = tmp_path / "map.html"
    ax.make_map(cov, bands=bands, basemap=None, isochrone_simplify_m=None).save(page_path)
    assert page_path.stat().st_size - (tmp_path / "plain.html").stat().st_size <= budget * 1.1
    page = _html(page_path)
    assert "[101.5, 0.5]" in page  # the largest part is always drawn
    drawn = page.count("]]], [[[") + 1  # polygon parts of the band layer
    assert 1 < drawn < 6001 / 2  # the smallest parts are left out
