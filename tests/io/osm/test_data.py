"""access15.io.osm.data: the OsmData every reader returns, WayParts, and the tag tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from access15.io.osm.data import (
    FACILITY_TAGS,
    GRAPHML_SUFFIXES,
    HEALTH_AMENITIES,
    HEALTH_CARE,
    OSM_FACILITY_COLUMNS,
    OSM_SUFFIXES,
    WAY_TAGS,
    OsmData,
    WayParts,
)


def test_way_tags_are_the_routing_tags_in_column_order():
    assert WAY_TAGS == (
        "highway",
        "oneway",
        "junction",
        "maxspeed",
        "access",
        "motor_vehicle",
        "motorcar",
        "vehicle",
        "bicycle",
        "foot",
        "name",
        "ref",
        "bridge",
    )
    assert len(set(WAY_TAGS)) == len(WAY_TAGS)


def test_facility_tags_and_columns():
    assert FACILITY_TAGS == (
        "amenity",
        "healthcare",
        "name",
        "name:zh",
        "name:en",
        "access15:tier",
        "ref",
        "beds",
        "capacity:beds",
        "capacity",
        "staff_count:doctors",
    )
    assert ("osm_type", "osm_id", "lon", "lat", *FACILITY_TAGS) == OSM_FACILITY_COLUMNS
    assert len(set(OSM_FACILITY_COLUMNS)) == len(OSM_FACILITY_COLUMNS)


def test_health_facilities_are_medical_institutions_only():
    assert {"hospital", "clinic", "doctors"} == HEALTH_AMENITIES
    assert {"hospital", "clinic", "doctor", "centre"} == HEALTH_CARE
    for other in ("pharmacy", "dentist", "laboratory"):
        assert other not in HEALTH_AMENITIES
        assert other not in HEALTH_CARE


def test_suffixes_are_lower_case_and_disjoint():
    assert OSM_SUFFIXES == (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
    assert GRAPHML_SUFFIXES == (".graphml",)
    for s in OSM_SUFFIXES + GRAPHML_SUFFIXES:
        assert s.startswith(".")
        assert s == s.lower()
    assert not set(OSM_SUFFIXES) & set(GRAPHML_SUFFIXES)


def _way(osm_id: int, **tags: str) -> list:
    """One ``[osm_id, *WAY_TAGS]`` row (None for the tags not given)."""
    return [osm_id, *(tags.get(t) for t in WAY_TAGS)]


def _parts() -> WayParts:
    # two ways: 1-2-3 (node 3 without a location: clipped extract) and 3-4
    return WayParts(
        way_offsets=np.array([0, 3, 5], dtype=np.int64),
        refs=np.array([1, 2, 3, 3, 4], dtype=np.int64),
        lon=np.array([100.0, 100.01, np.nan, np.nan, 100.03]),
        lat=np.array([0.0, 0.0, np.nan, np.nan, 0.0]),
        way_rows=[
            _way(11, highway="secondary", maxspeed="50", name="东街"),
            _way(12, highway="residential", oneway="yes"),
        ],
        facility_rows=[
            ["node", 201, 100.0, 0.0001, "hospital", None, "县医院", None, None, "4", None]
            + [None] * 4
        ],
    )


def test_way_parts_to_osm():
    parts = _parts()
    osm = parts.to_osm("county.osm.pbf", ("clipped extract",))
    assert isinstance(osm, OsmData)
    assert list(osm.ways.columns) == ["osm_id", *WAY_TAGS]
    assert osm.ways["osm_id"].tolist() == [11, 12]
    assert osm.ways["highway"].tolist() == ["secondary", "residential"]
    assert osm.ways.loc[0, "maxspeed"] == "50"
    assert osm.ways.loc[0, "name"] == "东街"
    assert osm.ways.loc[1, "oneway"] == "yes"
    assert list(osm.facilities.columns) == list(OSM_FACILITY_COLUMNS)
    assert osm.facilities.loc[0, "access15:tier"] == "4"
    assert osm.facilities.loc[0, "name"] == "县医院"
    assert osm.n_missing_refs == 2  # NaN longitudes counted
    assert osm.source == "county.osm.pbf"
    assert osm.notes == ("clipped extract",)
    assert osm.refs is parts.refs  # the arrays are kept, not copied
    assert osm.way_offsets is parts.way_offsets


def test_osm_data_fields_defaults_and_frozen():
    assert [f.name for f in dataclasses.fields(OsmData)] == [
        "way_offsets",
        "refs",
        "lon",
        "lat",
        "ways",
        "facilities",
        "source",
        "n_missing_refs",
        "notes",
    ]
    empty = np.zeros(0)
    osm = OsmData(
        way_offsets=np.zeros(1, dtype=np.int64),
        refs=np.zeros(0, dtype=np.int64),
        lon=empty,
        lat=empty,
        ways=pd.DataFrame(columns=["osm_id", *WAY_TAGS]),
        facilities=pd.DataFrame(columns=list(OSM_FACILITY_COLUMNS)),
        source="x.osm",
    )
    assert osm.n_missing_refs == 0
    assert osm.notes == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        osm.source = "y.osm"  # type: ignore[misc]


def test_osm_data_repr_counts_with_thousands_separators():
    n = 1234
    osm = OsmData(
        way_offsets=np.arange(n + 1, dtype=np.int64),
        refs=np.arange(n, dtype=np.int64),
        lon=np.zeros(n),
        lat=np.zeros(n),
        ways=pd.DataFrame({"osm_id": np.arange(n)}),
        facilities=pd.DataFrame({"osm_id": [1, 2]}),
        source="a'b.osm",
        n_missing_refs=1001,
    )
    assert repr(osm) == (
        'OsmData("a\'b.osm": 1,234 highway ways, 1,234 way nodes, 2 health facilities, '
        "1,001 missing node refs)"
    )
