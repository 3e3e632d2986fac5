"""access15.datasets._build: the parts of the sample county, drawn in order from one seed."""

from __future__ import annotations

import pytest

from access15.datasets._build import build
from access15.datasets._draft import Draft


def test_build_fills_every_part(draft: Draft) -> None:
    assert draft.towns
    assert draft.chains.keys() == {"trunk", "primary", "xsouth"}
    assert len(draft.carriageways) == 2
    assert draft.villages
    assert draft.hamlets
    assert draft.x_routes
    assert draft.y_routes
    assert len(draft.village_names) == len(draft.villages)
    assert set(draft.pop_of) == set(draft.villages) | set(draft.hamlets)
    assert draft.ways
    assert draft.facilities
    assert len(draft.hospital) == 4
    assert all(e.geom is not None for e in draft.g.edges.values())  # every road shaped


def test_another_seed_draws_another_county(draft: Draft) -> None:
    other = build(16)
    assert other.land.county.area == pytest.approx(draft.land.county.area)  # fixed size
    assert not other.land.county.equals(draft.land.county)
    assert other.g.xy != draft.g.xy
