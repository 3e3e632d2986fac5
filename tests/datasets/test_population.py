"""access15.datasets._population: the sample county's WorldPop-like raster."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from access15.datasets._draft import Draft
from access15.datasets._population import population_grid
from access15.datasets._writers import CELL_DEG, NODATA


@pytest.fixture(scope="module")
def grid(draft: Draft) -> tuple[np.ndarray, object]:
    # a generator of its own, so the shared draft is left as it was
    return population_grid(dataclasses.replace(draft, rng=np.random.default_rng(0)), (0.0, 0.0))


def test_grid_shape_and_nodata(grid: tuple[np.ndarray, object]) -> None:
    data, transform = grid
    assert data.dtype == np.float32
    assert transform.a == pytest.approx(CELL_DEG)
    assert transform.e == pytest.approx(-CELL_DEG)
    inside = data != NODATA
    assert inside.any()
    assert not inside.all()
    assert float(data[inside].min()) >= 0.0


def test_people_are_where_the_places_are(grid: tuple[np.ndarray, object], draft: Draft) -> None:
    data, _t = grid
    values = data[data != NODATA].astype(np.float64)
    assert np.array_equal(values * 256.0, np.round(values * 256.0))  # 1/256-person steps
    placed = sum(t.population for t in draft.towns) + sum(draft.pop_of.values())
    assert float(values.sum()) == pytest.approx(placed, rel=0.25)  # plus a thin background
    assert (values == 0).mean() > 0.05  # empty cells
    assert float(values.max()) > 100.0  # the county seat's core
