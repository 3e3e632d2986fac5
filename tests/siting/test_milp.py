"""The HiGHS models: assembled, run and read back honestly (status, solution, bound)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

import access15 as ax
from access15.siting import SitingProblem
from access15.siting.constraints import make_rules
from access15.siting.milp import Milp, build_milp, feasibility, run_highs

pytest.importorskip("highspy")


def _prob():
    cover = np.array([[0, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=bool)
    return SitingProblem.from_coverage(cover, np.ones(6))


def test_coverage_milp_finds_the_optimum_from_a_poor_start():
    prob = _prob()
    rules = make_rules(prob.n_sites, ax.SiteConstraints(k=2))
    milp, info = build_milp(prob, rules, [0, 1], prob.cost_of(prob.best_savings([0, 1])))
    assert milp.maximize
    assert info["columns"] == prob.n_sites + info["sets"]
    res = run_highs(milp, time_limit_s=10.0, rel_gap=0.0, threads=None)
    assert res["optimal"]
    assert sorted(np.flatnonzero(res["x"] > 0.5).tolist()) == [1, 2]
    assert prob.fixed + res["bound"] == pytest.approx(6.0)
    relaxed = run_highs(milp, time_limit_s=10.0, rel_gap=0.0, threads=None, relax=True)
    assert relaxed["bound"] >= 6.0 - 1e-6


def test_feasibility_tells_infeasible_from_feasible():
    # x0 + x1 >= 1 and x0 + x1 <= 0 cannot both hold
    a = sp.csr_matrix(np.array([[1.0, 1.0], [1.0, 1.0]]))
    bad = Milp(
        cost=np.zeros(2),
        col_lo=np.zeros(2),
        col_hi=np.ones(2),
        a=a,
        row_lo=np.array([1.0, -math.inf]),
        row_hi=np.array([math.inf, 0.0]),
        n_int=2,
        maximize=False,
    )
    ok, sites, _ = feasibility(bad, 2, time_limit_s=5.0, threads=None)
    assert ok is False
    assert sites == []
    good = Milp(
        cost=np.zeros(2),
        col_lo=np.array([0.0, 1.0]),
        col_hi=np.ones(2),
        a=a,
        row_lo=np.array([1.0, -math.inf]),
        row_hi=np.array([math.inf, 1.0]),
        n_int=2,
        maximize=False,
    )
    ok, sites, status = feasibility(good, 2, time_limit_s=5.0, threads=None)
    assert ok is True
    assert sites == [1]
    assert status == "Optimal"
