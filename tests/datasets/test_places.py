"""access15.datasets._places: names, people, facilities and township polygons."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from access15.datasets._draft import Draft
from access15.datasets._places import township_polygons


def test_townships_are_named_and_peopled(draft: Draft) -> None:
    seat, others = draft.towns[0], draft.towns[1:]
    assert (seat.zh, seat.en, seat.zone_id) == ("城关", "Chengguan", "T01")
    assert 105_000 <= seat.population <= 125_000
    assert all(3_000 <= t.population <= 11_500 for t in others)
    ids = sorted(t.zone_id for t in draft.towns)
    assert ids == [f"T{k:02d}" for k in range(1, len(draft.towns) + 1)]
    assert len({t.full_zh for t in draft.towns}) == len(draft.towns)
    assert {t.kind for t in others} <= {"镇", "乡"}
    names = [zh for zh, _en in draft.village_names.values()]
    assert len(set(names)) == len(names)
    assert all(200 <= draft.pop_of[v] <= 1950 for v in draft.villages)
    assert all(15 <= draft.pop_of[v] <= 120 for v in draft.hamlets)


def test_facilities(draft: Draft) -> None:
    tiers = Counter(f["tier"] for f in draft.facilities)
    assert tiers[2] == len(draft.towns)  # one health centre per township
    assert 160 <= tiers[1] <= 290
    assert set(tiers) == {1, 2}  # the hospital is a building way, not in this list
    refs = [f["ref"] for f in draft.facilities]
    assert len(set(refs)) == len(refs)
    central = [f for f in draft.facilities if f["name"].endswith("中心卫生院")]
    assert len(central) == 2
    assert all(f["amenity"] == "hospital" for f in central)
    hospital = shapely.Polygon(draft.hospital)
    assert hospital.area == pytest.approx(116.0 * 84.0)
    assert draft.towns[0].blob.contains(hospital)


def test_clinics_sit_by_their_village(draft: Draft) -> None:
    g = draft.g
    clinics = [f for f in draft.facilities if f["tier"] == 1]
    villages = np.asarray([g.xy[v] for v in draft.villages])
    for f in clinics:
        assert float(np.hypot(*(villages - f["xy"]).T).min()) <= 75.0


def test_township_polygons_tile_the_county(draft: Draft) -> None:
    polys = township_polygons(draft)
    assert len(polys) == len(draft.towns)
    county = draft.land.county
    assert sum(p.area for p in polys) == pytest.approx(county.area, rel=1e-6)
    assert all(p.contains(Point(t.center)) for p, t in zip(polys, draft.towns, strict=True))
