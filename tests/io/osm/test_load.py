"""access15.io.osm.load: `load_osm` picks the reader or the download from what it is given."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import osmnx as ox
import pytest
from shapely.geometry import box

import access15 as ax
import access15.io.osm.load as osm_load
from access15.errors import InputError
from access15.io.osm import load_osm


@pytest.fixture
def downloads(monkeypatch):
    """Replace download_osm by a recorder (dispatch tests need no server)."""
    calls: list[tuple[object, object]] = []

    def fake(query, *, cache_dir=None):
        calls.append((query, cache_dir))
        return "downloaded"

    monkeypatch.setattr(osm_load, "download_osm", fake)  # the name load_osm calls
    return calls


def test_load_osm_reads_files(tiny_xml, tmp_path, downloads):
    graph = ox.graph_from_xml(tiny_xml, simplify=False, retain_all=True)
    gml = tmp_path / "tiny.graphml"
    ox.save_graphml(graph, gml)
    for source in (tiny_xml, str(tiny_xml)):
        osm = load_osm(source)
        assert osm.source == str(tiny_xml)
        assert len(osm.facilities) == 3
    for source in (gml, str(gml)):
        assert load_osm(source).source == str(gml)
        assert len(load_osm(source).facilities) == 0
    osm = load_osm(ax.sample_paths()["osm"])
    assert load_osm(osm) is osm
    assert downloads == []


def test_load_osm_downloads_places_and_polygons(tmp_path, downloads, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a place name must not collide with a file here
    poly = box(112.565, 27.385, 112.585, 27.403)
    gdf = gpd.GeoDataFrame(geometry=[poly], crs="EPSG:4326")
    assert load_osm("Anlan County") == "downloaded"
    assert load_osm("安澜县", cache_dir=tmp_path) == "downloaded"
    assert load_osm(poly) == "downloaded"
    assert load_osm(gdf) == "downloaded"
    assert downloads[0] == ("Anlan County", None)
    assert downloads[1] == ("安澜县", tmp_path)
    assert downloads[2][0] is poly
    assert downloads[3][0] is gdf


@pytest.mark.parametrize(
    "source",
    [
        "county.osm.pbf",
        "missing.osm",
        "extract.osm.bz2",
        "roads.graphml",
        "data/anlan",
        Path("Anlan County"),
    ],
)
def test_load_osm_missing_path_is_not_found(tmp_path, monkeypatch, downloads, source):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="not found") as e:
        load_osm(source)
    assert "\n" not in str(e.value)
    assert downloads == []


def test_load_osm_other_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roads.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown extension"):
        load_osm("roads.csv")
    (tmp_path / "sub").mkdir()
    with pytest.raises(InputError, match="is not a file"):
        load_osm("./sub")
    with pytest.raises(InputError, match="cannot use a list as OSM source"):
        load_osm([1, 2])


@pytest.fixture
def readers(monkeypatch):
    """Replace both file readers by recorders: (reader name, path) per call."""
    calls: list[tuple[str, Path]] = []
    monkeypatch.setattr(osm_load, "read_osm", lambda p: calls.append(("read_osm", p)) or "osm")
    monkeypatch.setattr(
        osm_load, "read_graphml", lambda p: calls.append(("read_graphml", p)) or "graphml"
    )
    return calls


def test_load_osm_dispatches_files_by_suffix(tmp_path, readers, downloads):
    for name in ("a.osm.pbf", "b.osm", "c.osm.bz2", "d.graphml", "E.GRAPHML", "f.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert load_osm(tmp_path / "a.osm.pbf") == "osm"
    assert load_osm(str(tmp_path / "b.osm")) == "osm"
    assert load_osm(tmp_path / "c.osm.bz2") == "osm"
    assert load_osm(tmp_path / "d.graphml") == "graphml"
    assert load_osm(str(tmp_path / "E.GRAPHML")) == "graphml"  # suffix case ignored
    assert load_osm(tmp_path / "f.txt") == "osm"  # read_osm refuses it with its own message
    assert readers == [
        ("read_osm", tmp_path / "a.osm.pbf"),
        ("read_osm", tmp_path / "b.osm"),
        ("read_osm", tmp_path / "c.osm.bz2"),
        ("read_graphml", tmp_path / "d.graphml"),
        ("read_graphml", tmp_path / "E.GRAPHML"),
        ("read_osm", tmp_path / "f.txt"),
    ]
    assert downloads == []


def test_load_osm_expands_the_home_folder(tmp_path, monkeypatch, readers, downloads):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "county.osm.pbf").write_bytes(b"x")
    assert load_osm("~/county.osm.pbf") == "osm"
    assert readers == [("read_osm", tmp_path / "county.osm.pbf")]
    assert downloads == []


def test_load_osm_missing_file_message(tmp_path, monkeypatch, downloads):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as e:
        load_osm("county.osm.pbf")
    assert str(e.value) == (
        "OSM file 'county.osm.pbf' not found; give an .osm.pbf, .osm, .osm.bz2 or .graphml "
        "file, a place name or a boundary polygon"
    )
    (tmp_path / "folder.osm.pbf").mkdir()
    with pytest.raises(InputError, match=r"^OSM file 'folder\.osm\.pbf' is not a file; give an"):
        load_osm("folder.osm.pbf")
    assert downloads == []


def test_load_osm_names_that_cannot_be_files(tmp_path, monkeypatch, downloads):
    monkeypatch.chdir(tmp_path)
    # a NUL byte or an over-long name is no file: a path-like one is "not found" ...
    with pytest.raises(InputError, match="not found"):
        load_osm("a\x00b.osm.pbf")
    with pytest.raises(InputError, match="not found"):
        load_osm("x" * 5000 + ".osm")
    # ... and anything else is a place name
    assert load_osm("Anlan\x00County") == "downloaded"
    assert load_osm("y" * 5000) == "downloaded"
    assert [q for q, _ in downloads] == ["Anlan\x00County", "y" * 5000]
