"""coverage_curve: greedy prefixes and exact optima over K never fall, exact never below greedy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import access15 as ax
from access15.siting import SitingProblem, coverage_curve

pytest.importorskip("highspy")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["coverage", "median"]))
def test_curve_never_falls_and_exact_is_never_below_greedy(seed, kind):
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(3, 9)), int(rng.integers(5, 60))
    if kind == "coverage":
        prob = SitingProblem.from_coverage(sp.csr_matrix(rng.random((m, n)) < 0.3), rng.random(n))
    else:
        t = np.where(rng.random((m, n)) < 0.6, rng.random((m, n)) * 30, np.inf)
        prob = SitingProblem.from_times(t, rng.random(n) * 30 + 1, rng.random(n), objective=kind)
    cv = coverage_curve(prob, m, exact=True)
    for meth, c in cv.groupby("method"):
        obj = c.sort_values("k")["objective"].to_numpy()
        steps = np.diff(obj) if kind == "coverage" else -np.diff(obj)
        assert (steps >= -1e-9).all(), meth
    ex = cv[cv["method"] == "exact"].set_index("k")["objective"]
    gr = cv[cv["method"] == "greedy"].set_index("k")["objective"]
    better = (ex - gr.loc[ex.index]) if kind == "coverage" else (gr.loc[ex.index] - ex)
    assert (better >= -1e-9).all()


def test_curve_known_by_hand_with_a_required_site():
    cover = np.array([[0, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=bool)
    prob = SitingProblem.from_coverage(cover, np.ones(6))
    cv = coverage_curve(prob, 2)
    greedy = cv[cv["method"] == "greedy"].set_index("k")["objective"]
    exact = cv[cv["method"] == "exact"].set_index("k")
    assert greedy.tolist() == [0.0, 4.0, 5.0]
    assert exact["objective"].tolist() == [4.0, 6.0]
    assert exact["proven"].all()
    assert exact.loc[2, "sites"] == "1,2"
    # with site 1 required every plan holds it: K=1 is site 1 alone (3 people)
    req = coverage_curve(prob, 2, ax.SiteConstraints(must_include=[1]))
    ex1 = req[(req["method"] == "exact") & (req["k"] == 1)]
    assert ex1["sites"].tolist() == ["1"]
    assert ex1["objective"].tolist() == [3.0]
