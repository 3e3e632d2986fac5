"""access15.io.osm.pbf: OSM files read with pyosmium into the arrays of OsmData."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import access15 as ax
from access15.errors import InputError
from access15.io.osm import GRAPHML_SUFFIXES, OSM_SUFFIXES, WAY_TAGS, OsmData, read_osm
from conftest import write_tiny_osm

CLOSED_WAY_CLINIC = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="access15 tests">
  <node id="1" version="1" lat="0.0" lon="100.0"/>
  <node id="2" version="1" lat="0.0" lon="100.01"/>
  <node id="11" version="1" lat="0.001" lon="100.001"/>
  <node id="12" version="1" lat="0.001" lon="100.003"/>
  <node id="13" version="1" lat="0.003" lon="100.003"/>
  <node id="14" version="1" lat="0.003" lon="100.001"/>
  <way id="101" version="1">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="secondary"/><tag k="name" v="S1"/>
  </way>
  <way id="301" version="1">
    <nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/>
    <tag k="amenity" v="clinic"/><tag k="name" v="卫生院"/>
  </way>
  <way id="302" version="1">
    <nd ref="11"/><nd ref="12"/>
    <tag k="highway" v="footway"/><tag k="amenity" v="hospital"/>
  </way>
</osm>
"""


def test_arrays_of_the_tiny_county(tmp_path: Path):
    path = write_tiny_osm(tmp_path / "tiny.osm")
    with pytest.warns(UserWarning, match="1 way node references have no location"):
        osm = read_osm(path)
    assert isinstance(osm, OsmData)
    assert osm.source == str(path)
    assert list(osm.ways.columns) == ["osm_id", *WAY_TAGS]
    assert list(osm.ways["osm_id"]) == [101, 102, 103, 104, 105]
    assert list(osm.ways["highway"]) == [
        "secondary",
        "residential",
        "tertiary",
        "primary",
        "service",
    ]
    # way i has refs[way_offsets[i]:way_offsets[i + 1]]
    np.testing.assert_array_equal(osm.way_offsets, [0, 4, 8, 11, 13, 15])
    np.testing.assert_array_equal(osm.refs[:4], [1, 2, 3, 4])
    np.testing.assert_array_equal(osm.lon[:4], [100.0, 100.01, 100.02, 100.03])
    # node 9 of way 103 is not in the file: NaN location, counted and noted
    assert osm.refs[10] == 9
    assert np.isnan(osm.lon[10])
    assert np.isnan(osm.lat[10])
    assert osm.n_missing_refs == 1
    assert any("clipped extract" in n for n in osm.notes)
    fac = osm.facilities
    assert list(fac["osm_id"]) == [201, 202, 203]
    assert list(fac["osm_type"]) == ["node"] * 3
    assert list(fac["amenity"]) == ["hospital", "clinic", "doctors"]
    assert list(fac["access15:tier"]) == ["4", "2", "1"]
    assert fac["name:en"].iloc[0] == "County Hospital"
    assert "5 highway ways" in repr(osm)


def test_closed_way_facility_at_its_mean_and_health_ways_are_not_roads(tmp_path: Path):
    path = tmp_path / "closed.osm"
    path.write_text(CLOSED_WAY_CLINIC, encoding="utf-8")
    osm = read_osm(path)
    assert list(osm.ways["osm_id"]) == [101]  # the footway tagged as a hospital is a facility
    assert osm.n_missing_refs == 0
    assert osm.notes == ()
    fac = osm.facilities.set_index("osm_id")
    assert list(fac["osm_type"]) == ["way", "way"]
    # closed way: the repeated last node is not counted twice
    assert fac.loc[301, "lon"] == pytest.approx(100.002, abs=1e-12)
    assert fac.loc[301, "lat"] == pytest.approx(0.002, abs=1e-12)
    assert fac.loc[301, "name"] == "卫生院"
    # open way: the mean of its nodes
    assert fac.loc[302, "lon"] == pytest.approx(100.002, abs=1e-12)
    assert fac.loc[302, "lat"] == pytest.approx(0.001, abs=1e-12)


def test_file_errors(tmp_path: Path):
    with pytest.raises(InputError, match=r"not found; give a \.osm\.pbf, \.osm or \.osm\.bz2"):
        read_osm(tmp_path / "nope.osm.pbf")
    with pytest.raises(InputError, match="is not a file"):
        read_osm(tmp_path)
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="is empty; download or export the extract again"):
        read_osm(empty)
    wrong = tmp_path / "roads.txt"
    wrong.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="has an unknown extension"):
        read_osm(wrong)
    corrupt = tmp_path / "bad.osm.pbf"
    corrupt.write_bytes(b"\x00\x01 not a pbf at all")
    with pytest.raises(InputError, match="is it a complete, uncorrupted extract") as e:
        read_osm(corrupt)
    assert "\n" not in str(e.value)


def test_public_suffixes_and_names():
    assert ".osm.pbf" in OSM_SUFFIXES
    assert GRAPHML_SUFFIXES == (".graphml",)
    assert ax.read_osm is read_osm
    assert ax.OsmData is OsmData
