"""The counties CSV (access15.batch.counties): validated as a whole, parsed into CountySpec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rasterio
from shapely.geometry import shape

from access15.batch import CountySpec, read_counties
from access15.datasets import generate_county
from access15.errors import InputError
from access15.pipeline import county_config
from conftest import BATCH_FIELDS, BATCH_GOOD, row, write_csv


# ------------------------------------------------------------------------------ generator
def test_generated_counties_are_seeded_and_varied(tmp_path):
    a = generate_county(tmp_path / "a", seed=3, size_km=6, townships=2)
    b = generate_county(tmp_path / "b", seed=3, size_km=6, townships=2)
    c = generate_county(tmp_path / "c", seed=4, size_km=6, townships=2)
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key
    assert a["osm"].read_bytes() != c["osm"].read_bytes()
    with rasterio.open(a["population"]) as src:
        people = src.read(1, masked=True)
    assert 5_000 < float(people.sum()) < 40_000
    zones = json.loads(a["townships"].read_text(encoding="utf-8"))["features"]
    county = shape(json.loads(a["county"].read_text(encoding="utf-8"))["features"][0]["geometry"])
    assert [z["properties"]["zone_id"] for z in zones] == ["T01", "T02"]
    assert sum(shape(z["geometry"]).area for z in zones) == pytest.approx(county.area, rel=1e-4)


# ------------------------------------------------------------------------------ CSV
def test_read_counties_resolves_paths_and_defaults(counties):
    specs = read_counties(counties / "counties.csv")
    assert [s.id for s in specs] == [*(f"99{g[0]:04d}" for g in BATCH_GOOD), "broken"]
    s = specs[0]
    assert Path(s.osm).is_absolute()
    assert Path(s.osm) == (counties / "c11" / "county.osm.pbf").resolve()
    assert (s.k, s.mode, s.facilities, s.minutes, s.robustness) == (2, "drive", None, None, False)
    assert specs[-1].zones is None


def test_read_counties_reads_gbk_and_place_names(tmp_path, counties):
    text = "ID,名称,osm,population,boundary\n"  # header names are case-insensitive; 名称 unknown
    (tmp_path / "bad.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="unknown column '名称'"):
        read_counties(tmp_path / "bad.csv")
    pop = (counties / "c11" / "population.tif").as_posix()
    bnd = (counties / "c11" / "county.geojson").as_posix()
    text = f'id,name,osm,population,boundary\n530102,五华区,"五华区, 昆明市",{pop},{bnd}\n'
    (tmp_path / "gbk.csv").write_bytes(text.encode("gb18030"))
    (spec,) = read_counties(tmp_path / "gbk.csv")
    assert (spec.name, spec.osm) == ("五华区", "五华区, 昆明市")  # a place name, downloaded later
    assert "osm" not in spec.input_files()


def test_read_counties_reports_every_problem_at_once(tmp_path, counties):
    (tmp_path / "bad.toml").write_text("k = 0\n", encoding="utf-8")
    good = row("ok", str(counties / "c11"))
    rows = [
        good,
        row("", str(counties / "c11")),  # line 3
        row("a", str(counties / "c11"), boundary="missing.geojson"),  # line 4
        row("b", str(counties / "c11"), k="0"),  # line 5
        row("c", str(counties / "c11"), osm="nowhere/county.osm.pbf"),  # line 6
        row("ok", str(counties / "c11")),  # line 7: repeats line 2
        row("a/b", str(counties / "c11")),  # line 8
        row("a_b", str(counties / "c11")),  # line 9: same folder as line 8
        {**row("d", str(counties / "c11")), "mode": "boat", "minutes": "-5"},  # line 10
        {**row("e", str(counties / "c11")), "crs_in": "EPSG:0", "config": "bad.toml"},  # line 11
    ]
    fields = [*BATCH_FIELDS, "mode", "minutes", "crs_in", "config"]
    write_csv(tmp_path / "c.csv", rows, fields)
    with pytest.raises(InputError) as err:
        read_counties(tmp_path / "c.csv")
    msg = str(err.value)
    expected = [
        "line 3: id is blank",
        "line 4: boundary file 'missing.geojson' not found",
        "line 5: k must be >= 1, got 0",
        "line 6: osm file 'nowhere/county.osm.pbf' not found",
        "line 7: id 'ok' repeats line 2",
        "line 9: id 'a_b' and id 'a/b' (line 8) give the same output folder 'a_b'",
        "line 10: mode 'boat' is not one of drive, ebike, walk",
        "line 10: minutes must be > 0, got -5",
        "line 11: crs_in 'EPSG:0' is not a CRS",
    ]
    for e in expected:
        assert e in msg
    assert msg.startswith(f"counties file {str(tmp_path / 'c.csv')!r} has 9 problems")
    assert "line 2" not in msg.replace("repeats line 2", "")


def test_read_counties_header_problems(tmp_path):
    (tmp_path / "h.csv").write_text("id,osm,populaton,zone\nx,a.osm.pbf,p.tif,z\n")
    with pytest.raises(InputError) as err:
        read_counties(tmp_path / "h.csv")
    msg = str(err.value)
    assert "missing columns population, boundary" in msg
    assert "unknown columns 'populaton', 'zone'" in msg


def test_problems_of_many_lines_are_one_line(tmp_path, counties):
    bad = "bands_minutes = [nan]\nmax_snap_m = inf\n"
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    rows = [
        row("a", str(counties / "c11"), k="x"),  # line 2
        {**row("b", str(counties / "c11")), "minutes": "inf"},  # line 3
        {**row("c", str(counties / "c11")), "minutes": "1e9"},  # line 4
        {**row("d", str(counties / "c11")), "config": "bad.toml"},  # line 5
    ]
    write_csv(tmp_path / "c.csv", rows, [*BATCH_FIELDS, "minutes", "config"])
    with pytest.raises(InputError) as err:
        read_counties(tmp_path / "c.csv")
    msg = str(err.value)
    assert "\n" not in msg
    head, rest = msg.split(": ", 1)
    assert head == f"counties file {str(tmp_path / 'c.csv')!r} has 4 problems (fix and rerun)"
    assert rest.split("; line ") == [
        "line 2: k 'x' is not a whole number",
        "3: minutes must be at most 1440 (24 h), got inf",
        "4: minutes must be at most 1440 (24 h), got 1e9",
        f"5: config {str((tmp_path / 'bad.toml').resolve())!r}: max_snap_m must be at most "
        "100000 metres, got inf; bands_minutes must be increasing and > 0, got [nan]",
    ]


def test_undecodable_csv_asks_for_utf8(tmp_path):
    (tmp_path / "c.csv").write_bytes(b"id,osm\n\xff\xff\n")  # neither UTF-8 nor GB18030
    with pytest.raises(InputError, match=r"cannot decode counties file .*CSV UTF-8"):
        read_counties(tmp_path / "c.csv")


# ------------------------------------------------------------------------------ spec
def test_spec_runs_with_the_command_line_configuration_and_options(tmp_path):
    (tmp_path / "my.toml").write_text("k = 4\n", encoding="utf-8")
    spec = CountySpec(id="x", osm="x.osm.pbf", population="p.tif", boundary="b", minutes=20.0, k=2)
    cfg = spec.effective_config()
    assert cfg == county_config(k=2, minutes=20.0)
    assert (cfg.k, cfg.levels[0].minutes, cfg.levels[0].label) == (2, 20.0, "basic within 20 min")
    assert spec.siting_options().k == 2
    assert CountySpec(id="y", osm="o", population="p", boundary="b").siting_options().k is None
    with_file = CountySpec(
        id="z", osm="o", population="p", boundary="b", config=str(tmp_path / "my.toml")
    )
    assert with_file.effective_config().k == 4
    # a parameter that shapes the outputs changes the fingerprint; the display name does not
    assert spec.fingerprint() != CountySpec(**{**spec.__dict__, "k": 3}).fingerprint()
    assert spec.fingerprint() == CountySpec(**{**spec.__dict__, "name": "X"}).fingerprint()
    assert spec.fingerprint("osm") != spec.fingerprint(None)
