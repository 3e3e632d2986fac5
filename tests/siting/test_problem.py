"""SitingProblem: savings form, evaluation, aggregation that never changes an objective."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import access15 as ax
from _siting_instances import raw_value
from access15.siting import SitingProblem


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["median", "center", "center-zone"]))
def test_aggregation_does_not_change_objectives(seed, kind):
    rng = np.random.default_rng(seed)
    m, n = 5, 40
    # few distinct values so that many rows share a pattern
    t = np.where(rng.random((m, n)) < 0.5, rng.integers(0, 4, (m, n)) * 5.0, np.inf)
    base = rng.integers(2, 5, n) * 5.0
    w = rng.integers(1, 9, n).astype(float)
    zone = rng.integers(0, 2, n)
    a = SitingProblem.from_times(t, base, w, objective=kind, zone=zone)
    b = SitingProblem.from_times(t, base, w, objective=kind, zone=zone, aggregate=False)
    assert a.n_rows <= b.n_rows
    for size in range(m + 1):
        for combo in itertools.combinations(range(m), size):
            assert a.evaluate(combo) == pytest.approx(b.evaluate(combo), rel=1e-9, abs=1e-9)
            assert a.evaluate(combo) == pytest.approx(
                raw_value(kind, t, base, w, zone, combo), rel=1e-9, abs=1e-9
            )


def test_coverage_rows_merge_and_evaluate_by_hand():
    p = SitingProblem.from_coverage(
        np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0]]), [5.0, 1.0, 1.0, 1.0]
    )
    assert p.n_rows == 3  # demands 2 and 3 have the same pattern
    assert p.n_cells == 4
    assert p.evaluate([0, 1]) == 8.0
    assert p.trivial_bound() == 8.0
    assert p.maximize


def test_problem_inputs_are_checked():
    with pytest.raises(ax.InputError, match="weights must be finite"):
        SitingProblem.from_coverage(np.eye(2), [1.0, -1.0])
    with pytest.raises(ax.InputError, match="use from_coverage"):
        SitingProblem.from_times(np.eye(2), [1.0, 1.0], [1.0, 1.0], objective="coverage")
    with pytest.raises(ax.InputError, match="center-zone needs a zone"):
        SitingProblem.from_times(np.eye(2), [3.0, 3.0], [1.0, 1.0], objective="center-zone")
    with pytest.raises(ax.InputError, match="objective 'fastest' is not one of"):
        SitingProblem.from_times(np.eye(2), [3.0, 3.0], [1.0, 1.0], objective="fastest")
