"""access15.datasets._plan: the sample county's plan."""

from __future__ import annotations

from access15.datasets._plan import (
    CLASS_ORDER,
    MAIN_ROAD_TAGS,
    NODE_SPACING,
    SEAT_KM,
    TRUNK_TOWNS_KM,
    km,
)


def test_km_parses_points() -> None:
    assert km("1,2 -3.5,4") == [(1.0, 2.0), (-3.5, 4.0)]


def test_plan_is_consistent() -> None:
    assert set(NODE_SPACING) == set(CLASS_ORDER)
    assert {t["highway"] for t in MAIN_ROAD_TAGS.values()} <= set(CLASS_ORDER)
    assert SEAT_KM in TRUNK_TOWNS_KM  # the county seat is on the national road
