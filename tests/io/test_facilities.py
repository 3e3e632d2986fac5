"""access15.io.facilities: CSV (UTF-8, BOM, GB18030), XLSX, GeoJSON; GCJ-02/BD-09; every error."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from access15.crs import wgs84_to_bd09, wgs84_to_gcj02
from access15.errors import DataWarning, InputError
from access15.io.facilities import FACILITY_COLUMNS, SITE_COLUMNS, read_facilities, read_sites

# true (WGS-84) positions in Jinzhai county, Anhui
WGS = {
    "H1": (115.934, 31.727),
    "C1": (115.902, 31.701),
    "S1": (115.612, 31.504),
    "V1": (115.801, 31.602),
    "V2": (115.851, 31.652),
}


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(",".join(r) for r in rows) + "\r\n").encode(encoding))
    return path


def _chinese_rows(coords: dict[str, tuple[float, float]]) -> list[list[str]]:
    labels = {
        "H1": ("金寨县人民医院", "县人民医院"),
        "C1": ("梅山镇中心卫生院", "中心卫生院"),
        "S1": ("汤家汇镇卫生院（县域医疗次中心）", "卫生院分中心"),
        "V1": ("桃岭村卫生室", "村卫生室"),
        "V2": ("东风村卫生室", "1"),
    }
    rows = [["编号", "机构名称", "经度", "纬度", "级别"]]
    for fid, (name, tier) in labels.items():
        lon, lat = coords[fid]
        rows.append([fid, name, repr(float(lon)), repr(float(lat)), tier])
    return rows


def _gcj(fid: str) -> tuple[float, float]:
    lon, lat = wgs84_to_gcj02(*WGS[fid])
    return float(lon), float(lat)


def _check_jinzhai(fac: gpd.GeoDataFrame, atol: float) -> None:
    assert list(fac.columns) == FACILITY_COLUMNS
    assert fac.crs.equals("EPSG:4326")
    assert list(fac["facility_id"]) == ["file/H1", "file/S1", "file/C1", "file/V1", "file/V2"]
    assert list(fac["tier"]) == [4, 3, 2, 1, 1]
    assert list(fac["tier_name"]) == [
        "county hospital",
        "sub-centre",
        "township health centre",
        "village clinic",
        "village clinic",
    ]
    assert fac["name"].iloc[0] == "金寨县人民医院"
    assert (fac["name_en"] == "").all()
    assert (fac["source"] == "file").all()
    for fid, geom in zip(fac["facility_id"], fac.geometry, strict=True):
        assert (geom.x, geom.y) == pytest.approx(WGS[fid.split("/")[1]], abs=atol)


def test_chinese_csv_gcj02(tmp_path: Path):
    path = _write(tmp_path / "fac.csv", _chinese_rows({k: _gcj(k) for k in WGS}))
    fac = read_facilities(path, crs_in="gcj02")
    _check_jinzhai(fac, atol=1e-9)
    # forward transform of the result gives back the file's GCJ-02 numbers
    back = wgs84_to_gcj02(fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy())
    expected = np.array([_gcj(f.split("/")[1]) for f in fac["facility_id"]])
    np.testing.assert_allclose(np.column_stack(back), expected, rtol=0, atol=1e-9)
    # read as WGS-84, the same file is hundreds of metres off
    raw = read_facilities(path, crs_in="wgs84")
    assert abs(raw.geometry.x.iloc[0] - WGS["H1"][0]) > 1e-3


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-16"])
def test_chinese_csv_excel_encodings(tmp_path: Path, encoding):
    path = _write(tmp_path / "fac.csv", _chinese_rows(WGS), encoding=encoding)
    _check_jinzhai(read_facilities(path, crs_in="wgs84"), atol=0)


def test_bd09_csv(tmp_path: Path):
    bd = {k: tuple(float(v) for v in wgs84_to_bd09(*WGS[k])) for k in WGS}
    path = _write(tmp_path / "baidu.csv", _chinese_rows(bd))
    _check_jinzhai(read_facilities(path, crs_in="bd09"), atol=1e-9)


def test_english_csv(tmp_path: Path):
    rows = [
        ["ID", "Name", "Latitude", "Longitude", "Level", "name_en"],
        ["H1", "County Hospital", "31.727", "115.934", "County hospital", "County Hospital"],
        ["S1", "Tangjiahui", "31.504", "115.612", "Sub-Centre", ""],
        ["C1", "Meishan", "31.701", "115.902", "township health center", ""],
        ["V1", "Taoling", "31.602", "115.801", "Village Clinic", ""],
        ["V2", "Dongfeng", " 31.652 ", "115.851", "1.0", ""],
    ]
    fac = read_facilities(_write(tmp_path / "en.csv", rows), crs_in="EPSG:4326")
    by_id = fac.set_index("facility_id")
    assert by_id.loc["file/H1", "name_en"] == "County Hospital"
    assert by_id.loc["file/V1", "name"] == "Taoling"
    fac["name"] = fac["name"].replace("County Hospital", "金寨县人民医院")
    _check_jinzhai(fac.assign(name_en=""), atol=0)


def test_tab_separated_without_ids_or_names(tmp_path: Path):
    path = tmp_path / "fac.txt"
    path.write_text("lng\tlat\ttier\n115.9\t31.7\t2\n115.8\t31.6\t4\n", encoding="utf-8")
    fac = read_facilities(path, crs_in="wgs84")
    assert list(fac["facility_id"]) == ["file/2", "file/1"]  # data rows; highest tier first
    assert list(fac["name"]) == ["", ""]


def test_projected_csv(tmp_path: Path):
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 32650, always_xy=True).transform(115.934, 31.727)
    path = _write(tmp_path / "utm.csv", [["x", "y", "tier"], [f"{x:.3f}", f"{y:.3f}", "4"]])
    fac = read_facilities(path, crs_in="EPSG:32650")
    assert (fac.geometry.x.iloc[0], fac.geometry.y.iloc[0]) == pytest.approx(
        (115.934, 31.727), abs=1e-7
    )


def test_tier_labels_and_tier_map(tmp_path: Path):
    rows = [
        ["lon", "lat", "等级", "机构名称"],
        ["115.9", "31.7", "某镇卫生院分中心", "a"],  # ends with 分中心 → 3
        ["115.9", "31.7", "金寨县中医医院", "b"],  # 县中医医院 → 4
        ["115.9", "31.7", "社区卫生服务中心", "c"],  # → 2
        ["115.9", "31.7", "二级甲等", "d"],  # hospital grade: only with tier_map
        ["115.9", "31.7", "中心卫生院", "e"],  # → 2, or 3 with tier_map
        ["115.9", "31.7", "４", "f"],  # full-width digit
    ]
    path = _write(tmp_path / "t.csv", rows)
    fac = read_facilities(path, crs_in="wgs84", tier_map={"二级甲等": 4, "中心卫生院": 3})
    tiers = dict(zip(fac["name"], fac["tier"], strict=True))
    assert tiers == {"a": 3, "b": 4, "c": 2, "d": 4, "e": 3, "f": 4}


def test_tier_and_name_columns(tmp_path: Path):
    rows = [["lon", "lat", "Kind", "Label"], ["115.9", "31.7", "village clinic", "X"]]
    path = _write(tmp_path / "t.csv", rows)
    fac = read_facilities(path, crs_in="wgs84", tier_column="kind", name_column="Label")
    assert (fac["tier"].iloc[0], fac["name"].iloc[0]) == (1, "X")


def test_geojson(tmp_path: Path):
    gdf = gpd.GeoDataFrame(
        {"id": [7, 8], "名称": ["县医院", "卫生院"], "tier": [4, 2]},
        geometry=[Point(_gcj("H1")), Point(_gcj("C1"))],
        crs="EPSG:4326",
    )
    path = tmp_path / "fac.geojson"
    gdf.to_file(path)
    fac = read_facilities(path, crs_in="gcj02")
    assert list(fac.columns) == FACILITY_COLUMNS
    assert list(fac["facility_id"]) == ["file/7", "file/8"]
    assert list(fac["name"]) == ["县医院", "卫生院"]
    assert (fac.geometry.x.iloc[0], fac.geometry.y.iloc[0]) == pytest.approx(WGS["H1"], abs=1e-9)
    plain = read_facilities(path)  # the declared EPSG:4326 is used as is
    assert plain.geometry.x.iloc[0] == pytest.approx(_gcj("H1")[0], abs=1e-12)
    gpkg = tmp_path / "fac.gpkg"
    gdf.to_crs(32650).to_file(gpkg)
    fac = read_facilities(gpkg)
    assert fac.geometry.x.iloc[0] == pytest.approx(_gcj("H1")[0], abs=1e-9)


# --- errors ------------------------------------------------------------------------------------


def _raises(path: Path, match: str, **kw) -> str:
    with pytest.raises(InputError, match=match) as e:
        read_facilities(path, **kw)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_csv_needs_crs_in(tmp_path: Path):
    path = _write(tmp_path / "f.csv", _chinese_rows(WGS))
    _raises(path, r"is a CSV and has no CRS; pass crs_in \(--crs-in gcj02\|bd09\|wgs84\|EPSG:n\)")


def test_swapped_columns(tmp_path: Path):
    rows = [
        ["name", "lon", "lat", "tier"],
        ["a", "31.7", "115.9", "1"],
        ["b", "31.6", "115.8", "2"],
    ]
    msg = _raises(_write(tmp_path / "s.csv", rows), "columns look swapped: ", crs_in="gcj02")
    assert "data rows 1, 2" in msg
    # latitude beyond ±90 with a longitude that could be a latitude
    rows = [
        ["name", "lon", "lat", "tier"],
        ["a", "115.9", "31.7", "1"],
        ["b", "-33.9", "151.2", "1"],
    ]
    msg = _raises(_write(tmp_path / "s2.csv", rows), "columns look swapped: ", crs_in="wgs84")
    assert "data row 2 " in msg


def test_out_of_range(tmp_path: Path):
    rows = [["lon", "lat", "tier"], ["115.9", "31.7", "1"], ["215.9", "31.7", "1"]]
    _raises(_write(tmp_path / "r.csv", rows), r"out of range at data row 2 ", crs_in="wgs84")


def test_missing_coordinate_columns(tmp_path: Path):
    rows = [["name", "东经", "北纬", "tier"], ["a", "115.9", "31.7", "1"]]
    _raises(
        _write(tmp_path / "m.csv", rows),
        r"has no longitude and latitude column .*it has \[name, 东经, 北纬, tier\]",
        crs_in="wgs84",
    )
    rows = [["name", "lon", "北纬", "tier"], ["a", "115.9", "31.7", "1"]]
    _raises(_write(tmp_path / "m2.csv", rows), r"has no latitude column", crs_in="wgs84")


def test_non_numeric_coordinates(tmp_path: Path):
    rows = [
        ["name", "lon", "lat", "tier"],
        ["a", "115°54′", "31.7", "1"],
        ["b", "115.9", "31.7", "1"],
        ["c", "115.9", "", "1"],
    ]
    msg = _raises(
        _write(tmp_path / "n.csv", rows),
        r"non-numeric coordinates at data rows 1, 3 ",
        crs_in="wgs84",
    )
    assert "115°54′" in msg


def test_unknown_tiers(tmp_path: Path):
    rows = [
        ["name", "lon", "lat", "tier"],
        ["a", "115.9", "31.7", "二级甲等"],
        ["b", "115.9", "31.7", "5"],
        ["c", "115.9", "31.7", "县医院"],
        ["d", "115.9", "31.7", ""],
        ["e", "115.9", "31.7", "二级甲等"],
    ]
    msg = _raises(
        _write(tmp_path / "u.csv", rows),
        r"unknown tier values in column 'tier': '二级甲等' at data rows 1, 5; '5' at data row 2; "
        r"\(blank\) at data row 4; accepted: 1-4",
        crs_in="wgs84",
    )
    assert "tier_map" in msg
    assert "卫生院" in msg


def test_no_tier_column(tmp_path: Path):
    rows = [["name", "lon", "lat", "type"], ["a", "115.9", "31.7", "1"]]
    _raises(
        _write(tmp_path / "t.csv", rows),
        r"has no tier column .*it has \[name, lon, lat, type\]",
        crs_in="wgs84",
    )
    _raises(
        _write(tmp_path / "t2.csv", rows),
        r"has no column 'kind' \(tier_column\)",
        crs_in="wgs84",
        tier_column="kind",
    )
    _raises(
        _write(tmp_path / "t3.csv", rows),
        r"has no column 'nom' \(name_column\)",
        crs_in="wgs84",
        name_column="nom",
        tier_column="type",
    )


def test_empty_files(tmp_path: Path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _raises(empty, "is empty; give one row per facility", crs_in="wgs84")
    header = _write(tmp_path / "header.csv", [["lon", "lat", "tier"], [",", ""]])
    _raises(header, "has no rows; give one row per facility", crs_in="wgs84")
    geo = tmp_path / "empty.geojson"
    geo.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    _raises(geo, "has no features")


def test_duplicate_and_blank_ids(tmp_path: Path):
    rows = [["id", "lon", "lat", "tier"]] + [
        [i, "115.9", "31.7", "1"] for i in ("x", "x", "y", "z", "y")
    ]
    _raises(
        _write(tmp_path / "d.csv", rows),
        r"duplicate ids in column 'id': 'x', 'y'; ",
        crs_in="wgs84",
    )
    rows = [["编号", "lon", "lat", "tier"], ["a", "115.9", "31.7", "1"], ["", "115.9", "31.7", "1"]]
    _raises(
        _write(tmp_path / "b.csv", rows),
        r"blank ids in column '编号' at data row 2",
        crs_in="wgs84",
    )


def test_bad_inputs(tmp_path: Path):
    _raises(tmp_path / "missing.csv", "not found", crs_in="wgs84")
    xlsx = tmp_path / "fac.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    _raises(xlsx, "save it from Excel as 'CSV UTF-8'", crs_in="wgs84")
    ok = _write(tmp_path / "ok.csv", _chinese_rows(WGS))
    _raises(ok, "not a coordinate system access15 knows", crs_in="mars-ish")
    _raises(ok, r"tier_map\['x'\] = 7 is not a tier", crs_in="wgs84", tier_map={"x": 7})
    _raises(ok, "look like degrees but EPSG:32650 is a projected CRS", crs_in="EPSG:32650")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"lon,lat,tier\n1,2,3\n\xff\xfe\xfd\x81\x30,1,1\n")
    _raises(bad, "cannot decode", crs_in="wgs84")
    ragged = _write(tmp_path / "ragged.csv", [["lon", "lat", "tier"], ["1", "2", "3", "4", "5"]])
    _raises(ragged, r"as CSV: data row 1 has more fields than the 3 column names", crs_in="wgs84")
    trailing = tmp_path / "trailing.csv"  # Excel's trailing separators and blank lines are fine
    trailing.write_text("lon,lat,tier,\n115.9,31.7,1,,\n,,,\n\n115.8,31.6,2\n", encoding="utf-8")
    assert list(read_facilities(trailing, crs_in="wgs84")["facility_id"]) == ["file/4", "file/1"]


def test_vector_errors(tmp_path: Path):
    polys = tmp_path / "polys.geojson"
    gpd.GeoDataFrame({"tier": [1]}, geometry=[box(115, 31, 116, 32)], crs="EPSG:4326").to_file(
        polys
    )
    _raises(polys, r"must contain points, found \['Polygon'\]")
    utm = tmp_path / "utm.gpkg"
    gpd.GeoDataFrame({"tier": [1]}, geometry=[Point(500000, 3500000)], crs=32650).to_file(utm)
    _raises(utm, "declares the projected CRS EPSG:32650, but crs_in='gcj02'", crs_in="gcj02")
    _raises(utm, "declares CRS EPSG:32650 but crs_in='wgs84'", crs_in="wgs84")
    nocrs = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"tier": [1]}, geometry=[Point(115.9, 31.7)]).to_file(nocrs)
    _raises(nocrs, r"has no CRS; pass crs_in \(--crs-in gcj02")
    assert read_facilities(nocrs, crs_in="wgs84").geometry.x.iloc[0] == 115.9
    swapped = tmp_path / "swapped.geojson"
    swapped.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"tier":1},'
        '"geometry":{"type":"Point","coordinates":[31.7,115.9]}}]}',
        encoding="utf-8",
    )
    _raises(swapped, "columns look swapped: the point coordinates")


# ----------------------------------------------------------------------------- candidate sites
def test_read_sites_gcj02_with_costs(tmp_path: Path):
    rows = [["site_id", "名称", "经度", "纬度", "费用"]]
    for i, fid in enumerate(WGS):
        lon, lat = _gcj(fid)
        rows.append([fid, f"候选{i}", repr(lon), repr(lat), str(100 * (i + 1))])
    sites = read_sites(_write(tmp_path / "sites.csv", rows, "utf-8-sig"), crs_in="gcj02")
    assert list(sites.columns) == SITE_COLUMNS
    assert sites.crs.equals("EPSG:4326")
    assert sites["site_id"].tolist() == list(WGS)  # file order, ids as given
    assert sites["name"].tolist() == [f"候选{i}" for i in range(len(WGS))]
    assert sites["cost"].tolist() == [100.0, 200.0, 300.0, 400.0, 500.0]
    for fid, geom in zip(sites["site_id"], sites.geometry, strict=True):
        assert (geom.x, geom.y) == pytest.approx(WGS[fid], abs=1e-9)


def test_read_sites_without_ids_or_costs_and_bad_costs(tmp_path: Path):
    plain = _write(tmp_path / "plain.csv", [["lon", "lat"], ["115.9", "31.7"], ["115.8", "31.6"]])
    sites = read_sites(plain, crs_in="wgs84")
    assert sites["site_id"].tolist() == ["site/1", "site/2"]
    assert sites["cost"].isna().all()
    bad = _write(tmp_path / "bad.csv", [["id", "lon", "lat", "cost"], ["a", "115.9", "31.7", "-5"]])
    with pytest.raises(InputError, match=r"cost in column 'cost' .* at data row 1"):
        read_sites(bad, crs_in="wgs84")
    with pytest.raises(InputError, match="has no CRS"):
        read_sites(plain)
    swapped = _write(tmp_path / "sw.csv", [["lon", "lat"], ["31.7", "115.9"]])
    with pytest.raises(InputError, match="swapped"):
        read_sites(swapped, crs_in="wgs84")


def test_site_file_messages_name_the_site_file(tmp_path: Path):
    header = _write(tmp_path / "sites.csv", [["site_id", "lon", "lat"]])
    with pytest.raises(InputError, match=r"^site file .* has no rows; give one row per site") as e:
        read_sites(header, crs_in="wgs84")
    assert "facility" not in str(e.value)


def test_xlsx_without_crs_in_and_old_spreadsheets(tmp_path: Path):
    xlsx = tmp_path / "fac.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    _raises(xlsx, r"is a spreadsheet and has no CRS; pass crs_in \(--crs-in gcj02")
    xls = tmp_path / "fac.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    _raises(
        xls,
        r"old-format spreadsheet \(\.xls\); save it from Excel or WPS as \.xlsx",
        crs_in="wgs84",
    )


def test_xlsx_facility_list(tmp_path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    rows = _chinese_rows({k: _gcj(k) for k in WGS})
    wb = openpyxl.Workbook()
    for row in rows:  # numbers stored as numbers, as Excel does
        wb.active.append([_number_or_text(v) for v in row])
    path = tmp_path / "fac.xlsx"
    wb.save(path)
    fac = read_facilities(path, crs_in="gcj02")
    csv = read_facilities(_write(tmp_path / "fac.csv", rows), crs_in="gcj02")
    assert list(fac["facility_id"]) == list(csv["facility_id"])
    assert list(fac["tier"]) == list(csv["tier"])
    # a spreadsheet stores binary doubles, the CSV decimal text: equal to well under a millimetre
    np.testing.assert_allclose(fac.geometry.x, csv.geometry.x, rtol=0, atol=1e-11)
    np.testing.assert_allclose(fac.geometry.y, csv.geometry.y, rtol=0, atol=1e-11)


def _number_or_text(value: str) -> object:
    try:
        return float(value)
    except ValueError:
        return value


def test_repeated_rows_are_counted_once_with_a_warning(tmp_path: Path):
    rows = [
        ["name", "lon", "lat", "tier"],
        ["金寨县人民医院", "115.934", "31.727", "4"],
        ["桃岭村卫生室", "115.801", "31.602", "1"],
        ["金寨县人民医院", "115.934", "31.727", "4"],
        ["金寨县人民医院", "115.9340", "31.72700", "县人民医院"],  # same numbers, same tier
        ["东风村卫生室", "115.851", "31.652", "1"],
        ["桃岭村卫生室", "115.801", "31.602", "1"],
        ["桃岭村卫生室", "115.802", "31.602", "1"],  # another place: kept
    ]
    path = _write(tmp_path / "rep.csv", rows)
    with pytest.warns(DataWarning) as rec:
        fac = read_facilities(path, crs_in="wgs84")
    assert len(rec) == 1
    assert rec[0].filename == __file__  # stacklevel points at the caller
    msg = str(rec[0].message)
    assert msg == (
        f"facility file {str(path)!r}: 3 repeated rows (same name, tier and position as an "
        "earlier row) counted once: data rows 3, 4 repeat data row 1 ('金寨县人民医院', tier 4, "
        "115.934000, 31.727000); data row 6 repeats data row 2 ('桃岭村卫生室', tier 1, "
        "115.801000, 31.602000); remove the repeats from the file"
    )
    assert fac["facility_id"].tolist() == ["file/1", "file/2", "file/5", "file/7"]
    assert fac.attrs["diagnostics"] == [msg]


def test_same_place_with_two_tiers_is_kept_and_reported(tmp_path: Path):
    rows = [
        ["id", "name", "lon", "lat", "tier"],
        ["a", "梅山镇卫生院", "115.902", "31.701", "2"],
        ["b", "梅山镇卫生院", "115.902", "31.701", "3"],
        ["c", "", "115.8", "31.6", "1"],
        ["d", "", "115.8", "31.6", "1"],
    ]
    path = _write(tmp_path / "two.csv", rows)
    with pytest.warns(DataWarning) as rec:
        fac = read_facilities(path, crs_in="wgs84")
    msgs = [str(w.message) for w in rec]
    assert len(msgs) == 2
    assert msgs[0].endswith(
        "data row 4 repeats data row 3 ((no name), tier 1, 115.800000, "
        "31.600000); remove the repeats from the file"
    )
    assert msgs[1] == (
        f"facility file {str(path)!r}: 1 facility is listed more than once at one position with "
        "different tiers: '梅山镇卫生院' with tiers 2, 3 at data rows 1, 2; every such row is "
        "used (the highest tier serves): keep only the right one in the file"
    )
    assert sorted(fac["facility_id"]) == ["file/a", "file/b", "file/c"]
    assert fac.attrs["diagnostics"] == msgs


def test_no_repeats_no_warning_and_no_diagnostics(tmp_path: Path):
    path = _write(tmp_path / "ok.csv", _chinese_rows({k: _gcj(k) for k in WGS}))
    fac = read_facilities(path, crs_in="gcj02")  # filterwarnings=error: any warning fails
    assert fac.attrs["diagnostics"] == []
    assert len(fac) == 5
