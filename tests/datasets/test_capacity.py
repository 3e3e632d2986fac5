"""access15.datasets._capacity: synthetic doctors and beds by tier, and the facility CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from access15.datasets._capacity import (
    FACILITY_CSV_HEADER,
    facility_capacities,
    write_facility_csv,
)
from access15.io.capacity import with_capacity
from access15.io.facilities import read_facilities


def _records(n_clinics: int = 400) -> list[dict[str, object]]:
    return [
        {"tier": 4, "big": True},
        *[{"tier": 2, "big": i < 20} for i in range(60)],
        *[{"tier": 1, "big": False} for _ in range(n_clinics)],
    ]


def test_values_by_tier_and_blanks():
    caps = facility_capacities(_records(), 15)
    assert caps == facility_capacities(_records(), 15)  # seeded
    assert caps != facility_capacities(_records(), 16)
    doctors, beds = caps[0]
    assert doctors is not None
    assert 150 <= doctors <= 220
    assert beds is not None
    assert 420 <= beds <= 560
    assert beds % 10 == 0
    central, other, clinics = caps[1:21], caps[21:61], caps[61:]
    assert all(d is not None and 18 <= d <= 32 for d, _ in central)
    assert all(b is None or 50 <= b <= 90 for _, b in central)
    assert all(d is not None and 6 <= d <= 14 for d, _ in other)
    assert all(b is None or 10 <= b <= 40 for _, b in other)
    assert 3 <= sum(b is None for _, b in caps[1:61]) <= 20  # about one in six blank
    assert all(b == 0 for _, b in clinics)
    assert {d for d, _ in clinics} == {None, 1, 2, 3}
    assert 20 <= sum(d is None for d, _ in clinics) <= 80  # about one in eight blank


def test_csv_is_excel_utf8_and_reads_back(tmp_path: Path):
    path = tmp_path / "f.csv"
    rows = [
        ["H001", "安澜县人民医院", "Anlan County People's Hospital", "112.5", "27.4", 4, 195, 520],
        ["V001", "桃岭村卫生室", "Taoling Clinic", "112.6", "27.5", 1, None, 0],
    ]
    write_facility_csv(path, rows)
    raw = path.read_bytes()
    assert raw.startswith("\ufeff编号,机构名称".encode())
    assert raw.endswith("V001,桃岭村卫生室,Taoling Clinic,112.6,27.5,1,,0\r\n".encode())
    assert raw.count(b"\r\n") == 3
    fac = with_capacity(read_facilities(path, crs_in="wgs84"))
    assert fac["facility_id"].tolist() == ["file/H001", "file/V001"]
    assert fac["name_en"].tolist() == ["Anlan County People's Hospital", "Taoling Clinic"]
    assert fac["doctors"].tolist() == [195.0, 1.0]
    assert fac["doctors_source"].tolist() == ["file", "default"]
    assert fac["beds"].tolist() == [520.0, 0.0]
    assert len(FACILITY_CSV_HEADER) == len(rows[0])


def test_csv_refuses_cells_that_need_quoting(tmp_path: Path):
    with pytest.raises(ValueError, match="needs quoting"):
        write_facility_csv(tmp_path / "f.csv", [["a,b", "", "", "1", "2", 1, 1, 0]])


def test_seed_15_stream_is_pinned():
    # the committed data/sample/sample_facilities.csv depends on these exact draws
    caps = facility_capacities(_records(), 15)
    assert caps[:3] == [(195, 520), (32, 66), (26, 66)]
    central = [d for d, _ in caps[1:21] if d is not None]
    other = [d for d, _ in caps[21:61] if d is not None]
    assert (min(central), max(central), min(other), max(other)) == (18, 32, 6, 14)
    central_beds = [b for _, b in caps[1:21] if b is not None]
    other_beds = [b for _, b in caps[21:61] if b is not None]
    assert (min(central_beds), max(central_beds)) == (53, 89)
    assert (min(other_beds), max(other_beds)) == (10, 39)
    assert sum(b is None for _, b in caps[1:61]) == 6
    clinic_doctors = [d for d, _ in caps[61:]]
    assert [clinic_doctors.count(k) for k in (None, 1, 2, 3)] == [50, 166, 117, 67]
    hospitals = [facility_capacities([{"tier": 4}], s)[0] for s in range(40)]
    assert min(d for d, _ in hospitals) == 153
    assert max(d for d, _ in hospitals) == 220
    beds = [b for _, b in hospitals if b is not None]
    assert (min(beds), max(beds), len(set(beds))) == (420, 560, 14)
