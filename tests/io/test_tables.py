"""access15.io.tables: the one CSV/XLSX reader (encodings, separators, Chinese headers, errors)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from access15.errors import InputError
from access15.io.tables import decode_text, read_table

TEXT = '名称,经度,纬度,人口\n东岭村,115.9,31.7,"1,200"\n西村,115.8,31.6,35\n'
EXPECTED = {
    1: {"名称": "东岭村", "经度": "115.9", "纬度": "31.7", "人口": "1,200"},
    2: {"名称": "西村", "经度": "115.8", "纬度": "31.6", "人口": "35"},
}


def _one_line(e: pytest.ExceptionInfo[BaseException]) -> str:
    msg = str(e.value)
    assert "\n" not in msg
    assert ";" in msg  # the fix follows the ';'
    return msg


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_give_the_same_table(tmp_path: Path, encoding):
    path = tmp_path / "v.csv"
    path.write_bytes(TEXT.encode(encoding))
    df = read_table(path)
    assert df.to_dict("index") == EXPECTED
    assert list(df.columns) == ["名称", "经度", "纬度", "人口"]  # no BOM left on the first name
    assert decode_text(path) == TEXT


def test_headers_are_normalised(tmp_path: Path):
    path = tmp_path / "v.csv"
    # BOM, stray spaces, a repeated name, a blank trailing column from Excel
    path.write_bytes(" 名称 , 人口 ,人口,\n a , 1 ,2,\n".encode("utf-8-sig"))
    df = read_table(path)
    assert list(df.columns) == ["名称", "人口", "人口.1"]
    assert df.to_dict("index") == {1: {"名称": "a", "人口": "1", "人口.1": "2"}}


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_separators(tmp_path: Path, sep):
    path = tmp_path / "v.txt"
    path.write_text(TEXT.replace(",", sep).replace('"1' + sep + '200"', '"1,200"'), "utf-8")
    assert read_table(path).to_dict("index") == EXPECTED


def test_tsv_is_always_tab_separated(tmp_path: Path):
    path = tmp_path / "v.tsv"
    path.write_text("a,b\tc\n1,2\t3\n", encoding="utf-8")
    assert read_table(path).to_dict("index") == {1: {"a,b": "1,2", "c": "3"}}


def test_data_rows_count_blank_lines(tmp_path: Path):
    path = tmp_path / "v.csv"
    path.write_text("a,b\n1,2\n\n,\n3,4\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.index) == [1, 4]  # data row N is spreadsheet row N + 1
    assert df.to_dict("index") == {1: {"a": "1", "b": "2"}, 4: {"a": "3", "b": "4"}}


def test_errors_name_the_file_and_the_fix(tmp_path: Path):
    kw = {"what": "village file", "rows_hint": "give one row per village"}
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(
        InputError, match=r"^village file '.*empty.csv' is empty; give one row"
    ) as e:
        read_table(empty, **kw)
    _one_line(e)
    header = tmp_path / "header.csv"
    header.write_text("a,b\n,\n", encoding="utf-8")
    with pytest.raises(InputError, match="has no rows; give one row per village") as e:
        read_table(header, **kw)
    _one_line(e)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2,3\n4,5\n6,7,8,9\n", encoding="utf-8")
    with pytest.raises(InputError, match="data rows 1, 3 have more fields than the 2 column") as e:
        read_table(ragged, **kw)
    _one_line(e)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n\xff\xfe\xfd\x81\x30,1\n")
    with pytest.raises(InputError, match=r"cannot decode village file .*CSV UTF-8 \(or GBK"):
        read_table(bad, **kw)
    with pytest.raises(InputError, match="cannot decode counties file"):
        decode_text(bad, what="counties file")


def test_binary_and_misnamed_files(tmp_path: Path):
    png = tmp_path / "photo.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
    with pytest.raises(InputError, match="holds binary data, not text") as e:
        read_table(png, what="village file")
    _one_line(e)
    workbook = tmp_path / "list.csv"  # an .xlsx saved under a .csv name
    workbook.write_bytes(b"PK\x03\x04" + bytes(40))
    with pytest.raises(
        InputError, match=r"is an Excel workbook, not a CSV; give it the \.xlsx"
    ) as e:
        read_table(workbook)
    _one_line(e)


@pytest.mark.parametrize("suffix", [".xls", ".et"])
def test_old_spreadsheets_are_explained(tmp_path: Path, suffix):
    path = tmp_path / f"list{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(
        InputError, match=r"old-format spreadsheet .* save it from Excel or WPS"
    ) as e:
        read_table(path)
    _one_line(e)


def test_xlsx_without_openpyxl_says_how_to_install(tmp_path: Path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if it were not installed
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="reading it needs openpyxl: pip install openpyxl") as e:
        read_table(path, what="facility file")
    msg = _one_line(e)
    assert "save it from Excel as 'CSV UTF-8'" in msg


def test_xlsx_first_sheet_as_text(tmp_path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([" 名称 ", "经度", "纬度", "人口", None])
    ws.append(["东岭村", 115.9, 31.7, 1200, None])
    ws.append([None, None, None, None, None])
    ws.append(["西村", 115.8, 31.6, "35", None])
    path = tmp_path / "v.xlsx"
    wb.save(path)
    df = read_table(path)
    assert df.to_dict("index") == {
        1: {"名称": "东岭村", "经度": "115.9", "纬度": "31.7", "人口": "1200"},
        3: {"名称": "西村", "经度": "115.8", "纬度": "31.6", "人口": "35"},
    }


def test_broken_xlsx_is_an_input_error(tmp_path: Path):
    pytest.importorskip("openpyxl")
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match=r"cannot read .* as an Excel workbook") as e:
        read_table(path)
    _one_line(e)
