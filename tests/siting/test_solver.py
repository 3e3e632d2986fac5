"""solve: exact = brute force for every objective, agreement with spopt, honest time limits."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings

import access15 as ax
from access15.siting import SitingProblem, lp_bound, solve
from conftest import check_exact_equals_brute, instances

pytest.importorskip("highspy")

_HYP = settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_HYP
@given(inst=instances("coverage"))
def test_exact_mclp_equals_brute_force(inst):
    check_exact_equals_brute("coverage", inst)


@_HYP
@given(inst=instances("median"))
def test_exact_median_equals_brute_force(inst):
    check_exact_equals_brute("median", inst)


@_HYP
@given(inst=instances("center"))
def test_exact_center_equals_brute_force(inst):
    check_exact_equals_brute("center", inst)


@_HYP
@given(inst=instances("center-zone"))
def test_exact_center_zone_equals_brute_force(inst):
    check_exact_equals_brute("center-zone", inst)


def test_mclp_objective_equals_spopt():
    spopt_locate = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    rng = np.random.default_rng(7)
    for _ in range(3):
        n, m, p = 150, 25, 4
        cover = rng.random((m, n)) < 0.08
        w = rng.integers(1, 100, n).astype(float)
        cost = np.where(cover.T, 1.0, 2.0)  # clients x facilities, covered within 1.5
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = spopt_locate.MCLP.from_cost_matrix(cost, w, service_radius=1.5, p_facilities=p)
            model = model.solve(pulp.PULP_CBC_CMD(msg=False))
        theirs = float(pulp.value(model.problem.objective))
        ours = solve(SitingProblem.from_coverage(sp.csr_matrix(cover), w), k=p)
        assert ours.proven
        assert ours.objective == pytest.approx(theirs, rel=1e-9)


def test_tiny_time_limit_is_not_proven_and_reports_the_gap():
    rng = np.random.default_rng(3)
    m, n = 400, 6000
    cover = sp.random(m, n, density=0.02, random_state=rng, format="csr") > 0
    prob = SitingProblem.from_coverage(cover, rng.integers(1, 100, n).astype(float))
    sol = solve(prob, k=25, method="exact", time_limit_s=0.05)
    assert not sol.proven
    assert sol.status != "Optimal"
    assert np.isfinite(sol.gap)
    assert sol.gap > 0
    assert sol.bound > sol.objective


def test_k1_is_settled_by_enumeration_and_proven():
    p = SitingProblem.from_coverage(
        np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 1]]), [5.0, 1.0, 1.0, 3.0]
    )
    sol = solve(p, k=1)
    assert sol.sites.tolist() == [2]
    assert sol.objective == 8.0
    assert sol.proven
    assert sol.details["enumerated"] == 3


def test_lp_bound_is_above_the_optimum_for_coverage():
    rng = np.random.default_rng(5)
    cover = rng.random((12, 80)) < 0.15
    prob = SitingProblem.from_coverage(cover, rng.integers(1, 50, 80).astype(float))
    opt = solve(prob, k=3)
    assert opt.proven
    assert lp_bound(prob, k=3) >= opt.objective - 1e-6


def test_unknown_method_is_refused():
    p = SitingProblem.from_coverage(np.eye(3, dtype=bool), [1.0, 1.0, 1.0])
    with pytest.raises(ax.InputError, match="unknown method 'best'"):
        solve(p, k=1, method="best")


def test_old_constraint_keywords_still_work_with_a_deprecation_warning():
    p = SitingProblem.from_coverage(
        np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 1]]), [5.0, 1.0, 1.0, 3.0]
    )
    with pytest.warns(DeprecationWarning, match="SiteConstraints"):
        old = solve(p, k=2, must_include=[1], exclude=[0])
    new = solve(p, ax.SiteConstraints(k=2, must_include=[1], exclude=[0]))
    assert old.sites.tolist() == new.sites.tolist() == [1, 2]
    assert old.objective == new.objective
    with pytest.raises(TypeError, match="unexpected keyword argument 'kk'"):
        solve(p, kk=2)
