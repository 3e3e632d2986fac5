"""access15.datasets._terrain: county outline, mountains and river."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from access15.datasets._plan import COUNTY_AREA_M2, MOUNTAIN_SHARE
from access15.datasets._terrain import Land, county_polygon, make_land


@pytest.fixture(scope="module")
def land() -> Land:
    return make_land(np.random.default_rng(15))


def test_county_outline(land: Land) -> None:
    county = land.county
    assert county.is_valid
    assert county.area == pytest.approx(COUNTY_AREA_M2, rel=1e-9)
    assert county.exterior.is_ccw
    assert county.area < 0.9 * county.envelope.area  # irregular, not a rectangle


def test_county_polygon_is_seeded() -> None:
    a = county_polygon(np.random.default_rng(4))
    b = county_polygon(np.random.default_rng(4))
    assert a.equals(b)


def test_mountains_cover_the_planned_share(land: Land) -> None:
    gx, gy = np.meshgrid(np.arange(-30_000, 30_001, 500.0), np.arange(-30_000, 30_001, 500.0))
    inside = shapely.contains_xy(land.county, gx, gy)
    m = land.mountain(gx[inside], gy[inside])
    assert float(m.min()) >= 0.0
    assert float(m.max()) <= 1.0
    assert float((m > 0.5).mean()) == pytest.approx(MOUNTAIN_SHARE, abs=0.03)
    east, west = land.mountain(20_000.0, 5_000.0), land.mountain(-20_000.0, -5_000.0)
    assert float(east) > float(west)  # mountains in the east


def test_river_crosses_the_county(land: Land) -> None:
    river = shapely.LineString(land.river)
    assert river.crosses(land.county.exterior)
    assert land.river_poly.contains(shapely.Point(land.river[len(land.river) // 2]))
    assert land.river_poly.area == pytest.approx(river.length * 110.0, rel=0.05)  # 110 m wide
