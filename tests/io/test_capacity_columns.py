"""access15.io.capacity: doctors/beds/capacity from files and OSM tags, tier defaults, sources."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from access15.config import CapacityDefaults, Config
from access15.errors import InputError
from access15.io.capacity import (
    CAPACITY_COLUMNS,
    capacity_columns,
    osm_capacity,
    with_capacity,
)
from access15.io.facilities import FACILITY_COLUMNS, facilities_from_osm, read_facilities
from access15.io.osm import OsmData
from access15.io.osm.data import OSM_FACILITY_COLUMNS, WAY_TAGS

NAN = float("nan")

HEADER = ["编号", "机构名称", "经度", "纬度", "级别", "执业（助理）医师", "实有床位"]
ROWS = [
    ["H1", "安澜县人民医院", "112.60", "27.40", "县人民医院", "1,200", " 400 "],
    ["C1", "东岭镇卫生院", "112.61", "27.41", "卫生院", "１２", ""],
    ["V1", "桃岭村卫生室", "112.62", "27.42", "村卫生室", "", "0"],
    ["V2", "东风村卫生室", "112.63", "27.43", "1", "2.5", ""],
]


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(
        ("\r\n".join(",".join(f'"{c}"' for c in r) for r in rows) + "\r\n").encode(encoding)
    )
    return path


def _fac(tiers: list[int], **cols: list[float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"tier": tiers, **cols})


# --- reading files -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_chinese_csv_values_blanks_and_defaults(tmp_path: Path, encoding: str):
    fac = read_facilities(_csv(tmp_path / "f.csv", [HEADER, *ROWS], encoding), crs_in="wgs84")
    assert list(fac.columns) == [*FACILITY_COLUMNS[:-1], "doctors", "beds", "geometry"]
    assert list(fac["facility_id"]) == ["file/H1", "file/C1", "file/V1", "file/V2"]
    np.testing.assert_array_equal(fac["doctors"], [1200.0, 12.0, NAN, 2.5])
    np.testing.assert_array_equal(fac["beds"], [400.0, NAN, 0.0, NAN])
    full = with_capacity(fac, Config(capacity=CapacityDefaults(people_per_doctor=500.0)))
    np.testing.assert_array_equal(full["doctors"], [1200.0, 12.0, 1.0, 2.5])
    np.testing.assert_array_equal(full["beds"], [400.0, 30.0, 0.0, 0.0])
    np.testing.assert_array_equal(full["capacity"], [600_000.0, 6000.0, 500.0, 1250.0])
    assert list(full["doctors_source"]) == ["file", "file", "default", "file"]
    assert list(full["beds_source"]) == ["file", "default", "file", "default"]
    assert list(full["capacity_source"]) == ["file", "file", "default", "file"]
    assert full.attrs["capacity_sources"] == {
        "doctors": {"file": 3, "osm": 0, "default": 1},
        "beds": {"file": 2, "osm": 0, "default": 2},
        "capacity": {"file": 3, "osm": 0, "default": 1},
    }
    assert full.attrs["diagnostics"] == []  # the reader's attrs are kept
    assert "capacity_sources" not in fac.attrs  # the input is not changed
    assert "doctors_source" not in fac.columns


def test_xlsx_with_numbers_and_text(tmp_path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "lon", "lat", "等级", "医生数", "床位数", "容量"])
    wb.active.append(["县医院", 112.6, 27.4, 4, 150, 420, 90000])
    wb.active.append(["卫生院", 112.61, 27.41, 2, "8", None, None])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    fac = read_facilities(path, crs_in="wgs84")
    assert list(fac.columns) == [*FACILITY_COLUMNS[:-1], *CAPACITY_COLUMNS, "geometry"]
    np.testing.assert_array_equal(fac["doctors"], [150.0, 8.0])
    np.testing.assert_array_equal(fac["beds"], [420.0, NAN])
    np.testing.assert_array_equal(fac["capacity"], [90000.0, NAN])
    full = with_capacity(fac)
    np.testing.assert_array_equal(full["capacity"], [90000.0, 8000.0])  # 8 x 1,000 people
    assert list(full["capacity_source"]) == ["file", "file"]
    np.testing.assert_array_equal(full["beds"], [420.0, 30.0])


def test_file_without_capacity_columns_keeps_the_old_columns(tmp_path: Path):
    path = _csv(tmp_path / "f.csv", [["name", "lon", "lat", "tier"], ["a", "112.6", "27.4", "3"]])
    fac = read_facilities(path, crs_in="wgs84")
    assert list(fac.columns) == FACILITY_COLUMNS
    full = with_capacity(fac)
    assert (full["doctors"].tolist(), full["beds"].tolist()) == ([25.0], [80.0])
    assert full["capacity"].tolist() == [25_000.0]
    assert full.attrs["capacity_sources"]["beds"] == {"file": 0, "osm": 0, "default": 1}


@pytest.mark.parametrize(
    ("cell", "shown"),
    [("-3", "'-3'"), ("about 10", "'about 10'"), ("inf", "'inf'"), ("nan", "'nan'")],
)
def test_bad_value_names_file_column_and_rows(tmp_path: Path, cell: str, shown: str):
    rows = [["name", "lon", "lat", "tier", "床位数"]]
    rows += [[f"f{i}", "112.6", f"27.{i}", "2", cell if i in (2, 4) else "5"] for i in range(1, 5)]
    path = _csv(tmp_path / "f.csv", rows)
    with pytest.raises(InputError) as exc:
        read_facilities(path, crs_in="wgs84")
    msg = str(exc.value)
    assert msg.startswith(f"facility file {str(path)!r}: beds in column '床位数' not a number >= 0")
    assert f"at data rows 2, 4 (e.g. {shown})" in msg
    assert "\n" not in msg


def test_capacity_columns_preference_and_many_bad_rows():
    df = pd.DataFrame(
        {"编制床位": ["9"], "Beds ": ["7"], "执业医师": ["3"], "医师数": ["4"], "服务能力": [" "]},
        index=[1],
    )
    out = capacity_columns(df, "t")
    assert list(out.columns) == ["doctors", "beds", "capacity"]
    assert (out["doctors"].tolist(), out["beds"].tolist()) == ([3.0], [7.0])
    assert math.isnan(out["capacity"].iloc[0])
    assert list(capacity_columns(pd.DataFrame({"x": [1]}), "t").columns) == []
    bad = pd.DataFrame({"doctors": ["x"] * 12}, index=range(1, 13))
    with pytest.raises(InputError, match=r"^t: doctors in column 'doctors' .* 10, … \(12 in all\)"):
        capacity_columns(bad, "t")
    one = pd.DataFrame({"capacity": ["1", True]}, index=[1, 2])
    with pytest.raises(
        InputError, match=r"at data row 2 \(e\.g\. 'True'\); give a number of people"
    ):
        capacity_columns(one, "t")


# --- OSM -----------------------------------------------------------------------------------------


def _osm(rows: list[dict[str, object]]) -> OsmData:
    empty = np.zeros(0)
    base = dict.fromkeys(OSM_FACILITY_COLUMNS)
    return OsmData(
        way_offsets=np.zeros(1, dtype=np.int64),
        refs=np.zeros(0, dtype=np.int64),
        lon=empty,
        lat=empty,
        ways=pd.DataFrame(columns=["osm_id", *WAY_TAGS]),
        facilities=pd.DataFrame([{**base, **r} for r in rows]),
        source="x.osm",
    )


def _node(i: int, amenity: str, **tags: object) -> dict[str, object]:
    return {"osm_type": "node", "osm_id": i, "lon": 112.6, "lat": 27.4, "amenity": amenity, **tags}


def test_osm_beds_and_doctor_tags(caplog: pytest.LogCaptureFixture):
    osm = _osm(
        [
            _node(1, "hospital", beds="350", **{"capacity:beds": "1", "staff_count:doctors": "90"}),
            _node(2, "hospital", **{"capacity:beds": "60"}),
            _node(3, "clinic", capacity="20"),
            _node(4, "clinic", beds="ca. 30"),
            _node(5, "doctors"),
            _node(6, "clinic", beds="-5", **{"capacity:beds": "40"}),
        ]
    )
    with caplog.at_level(logging.INFO, logger="access15.io.capacity"):
        fac = facilities_from_osm(osm)
    assert "ignored 2 OSM beds tags that are not a number >= 0" in caplog.text
    got6 = fac.loc[fac["facility_id"] == "node/6", "beds"].tolist()
    assert got6 == [40.0]  # a bad beds tag falls back to capacity:beds
    fac = fac[fac["facility_id"] != "node/6"]
    assert list(fac.columns) == [*FACILITY_COLUMNS[:-1], "doctors", "beds", "geometry"]
    got = dict(zip(fac["facility_id"], zip(fac["doctors"], fac["beds"], strict=True), strict=True))
    assert got["node/1"] == (90.0, 350.0)  # beds wins over capacity:beds
    assert got["node/2"][1] == 60.0
    assert got["node/3"][1] == 20.0
    assert math.isnan(got["node/4"][1])  # not a number: ignored
    assert all(math.isnan(got[f"node/{i}"][0]) for i in (2, 3, 4, 5))
    full = with_capacity(fac)
    assert full.attrs["capacity_sources"]["beds"] == {"file": 0, "osm": 3, "default": 2}
    assert full.attrs["capacity_sources"]["doctors"] == {"file": 0, "osm": 1, "default": 4}
    by_id = full.set_index("facility_id")
    assert by_id.loc["node/1", "capacity"] == 90_000.0
    assert by_id.loc["node/1", "capacity_source"] == "osm"
    assert by_id.loc["node/5", "beds"] == 0.0  # village clinic default
    assert by_id.loc["node/4", "beds"] == 30.0  # township health centre default


def test_osm_without_capacity_tags_keeps_the_old_columns():
    fac = facilities_from_osm(_osm([_node(1, "hospital"), _node(2, "doctors", beds="")]))
    assert list(fac.columns) == FACILITY_COLUMNS
    assert list(osm_capacity(pd.DataFrame({"beds": [None, "x"]})).columns) == []
    only = osm_capacity(pd.DataFrame({"capacity": ["5", None], "beds": [None, "7"]}))
    assert list(only.columns) == ["beds"]
    assert only["beds"].tolist() == [5.0, 7.0]


# --- with_capacity -------------------------------------------------------------------------------


def test_defaults_follow_the_config_and_capacity_wins_over_doctors(
    caplog: pytest.LogCaptureFixture,
):
    caps = CapacityDefaults(
        doctors={1: 2.0, 2: 20.0, 3: 30.0, 4: 300.0},
        beds={1: 1.0, 2: 10.0, 3: 50.0, 4: 500.0},
        people_per_doctor=800.0,
    )
    fac = _fac([1, 2, 3, 4], capacity=[NAN, 5000.0, NAN, NAN])
    fac["source"] = ["osm", "file", "file", "file"]
    with caplog.at_level(logging.INFO, logger="access15.io.capacity"):
        out = with_capacity(fac, Config(capacity=caps))
    assert "facility capacity: doctors {'file': 0, 'osm': 0, 'default': 4}" in caplog.text
    assert out["doctors"].tolist() == [2.0, 20.0, 30.0, 300.0]
    assert out["beds"].tolist() == [1.0, 10.0, 50.0, 500.0]
    assert out["capacity"].tolist() == [1600.0, 5000.0, 24_000.0, 240_000.0]
    assert out["capacity_source"].tolist() == ["default", "file", "default", "default"]
    assert out["doctors"].dtype == np.float64
    assert out.attrs["capacity_sources"]["capacity"] == {"file": 1, "osm": 0, "default": 3}


def test_calling_twice_changes_nothing():
    fac = _fac([4, 1], doctors=[100.0, NAN])
    fac["source"] = "osm"
    once = with_capacity(fac)
    twice = with_capacity(once)
    pd.testing.assert_frame_equal(pd.DataFrame(once), pd.DataFrame(twice))
    assert twice.attrs["capacity_sources"] == once.attrs["capacity_sources"]
    assert once["doctors_source"].tolist() == ["osm", "default"]


def test_other_sources_are_counted_too():
    out = with_capacity(gpd.GeoDataFrame({"tier": [2], "source": ["new"], "beds": [3.0]}))
    assert out.attrs["capacity_sources"]["beds"] == {"file": 0, "osm": 0, "default": 0, "new": 1}


def test_empty_table():
    out = with_capacity(_fac([]))
    assert len(out) == 0
    assert out.attrs["capacity_sources"]["doctors"] == {"file": 0, "osm": 0, "default": 0}


@pytest.mark.parametrize(
    ("fac", "part"),
    [
        (gpd.GeoDataFrame({"x": [1]}), "has no tier column"),
        (_fac([5]), "tiers must be 1-4, got 5 at positions [0]"),
        (_fac([1, True]), "tiers must be 1-4, got True at positions [1]"),
        (
            _fac([1, 2], doctors=[1.0, -1.0]),
            "doctors must be numbers >= 0 (NaN for unknown), got -1.0 at positions [1]",
        ),
        (_fac([1], beds=[math.inf]), "beds must be numbers >= 0"),
        (_fac([1], capacity=["x"]), "capacity must be numbers >= 0"),
    ],
)
def test_bad_tables_are_refused(fac: gpd.GeoDataFrame, part: str):
    with pytest.raises(InputError) as exc:
        with_capacity(fac)
    assert part in str(exc.value)


def test_geojson_properties(tmp_path: Path):
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b"], "tier": [4, 2], "beds": [350, None], "Physicians": ["80", " "]},
        geometry=gpd.points_from_xy([112.6, 112.7], [27.4, 27.5]),
        crs="EPSG:4326",
    )
    path = tmp_path / "f.geojson"
    gdf.to_file(path, driver="GeoJSON")
    fac = read_facilities(path)
    assert fac["beds"].tolist()[0] == 350.0
    assert math.isnan(fac["beds"].tolist()[1])
    assert fac["doctors"].tolist()[0] == 80.0
    full = with_capacity(fac)
    assert full["beds"].tolist() == [350.0, 30.0]
    assert full["doctors"].tolist() == [80.0, 10.0]


@pytest.mark.filterwarnings("ignore:.*clipped extract:UserWarning")
def test_osm_capacity_tags_reach_the_facilities_through_the_reader(tmp_path):
    """beds / capacity:beds / staff_count:doctors tags are read from an OSM file end to end."""
    import access15 as ax
    from access15.io.capacity import with_capacity
    from conftest import write_tiny_osm

    osm = write_tiny_osm(tmp_path / "t.osm")
    text = osm.read_text(encoding="utf-8")
    text = text.replace(
        '<tag k="access15:tier" v="4"/></node>',
        '<tag k="access15:tier" v="4"/><tag k="beds" v="320"/>'
        '<tag k="staff_count:doctors" v="85"/></node>',
        1,
    )
    osm.write_text(text, encoding="utf-8")
    fac = ax.facilities_from_osm(ax.read_osm(osm))
    h = fac[fac["tier"] == 4].iloc[0]
    assert h["beds"] == 320
    assert h["doctors"] == 85
    full = with_capacity(fac)
    assert full.loc[fac["tier"] == 4, "beds_source"].tolist() == ["osm"]
    assert full.attrs["capacity_sources"]["beds"]["osm"] == 1
