"""access15.siting.problem: the coverage matrix and SitingProblem.

SitingProblem: savings form, evaluation, aggregation that never changes an objective.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import access15 as ax
from access15.siting import SitingProblem, coverage_matrix
from conftest import random_network, raw_value


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


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(3, 30), limit=st.floats(5.0, 300.0))
def test_coverage_matrix_equals_dense_brute_force(seed, n, limit):
    net = random_network(seed, n, 3 * n)
    rng = np.random.default_rng(seed + 4)
    sites = rng.choice(n, size=min(4, n), replace=False)
    site_leg = rng.uniform(0, 10, len(sites))
    cells = rng.integers(0, n, 3 * n)  # several cells per node
    first = rng.uniform(0, 60, len(cells))
    got = coverage_matrix(net, sites, site_leg, cells, first, limit).toarray()
    dense = ax.times_from_each(net, sites, leg_s=site_leg)
    want = first[None, :] + dense[:, cells] <= limit
    np.testing.assert_array_equal(got, want)
