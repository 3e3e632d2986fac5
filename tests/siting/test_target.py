"""fewest_sites: the fewest sites (or least cost) reaching a covered share, against enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from access15.errors import InputError
from access15.siting import SiteConstraints, SitingProblem, TargetPlan, fewest_sites
from access15.siting.constraints import make_rules
from access15.siting.target import _simple_bound

pytest.importorskip("highspy")


def _instance(seed: int):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(5, 11))
    n = int(rng.integers(6, 18))
    cover = rng.random((m, n)) < rng.uniform(0.15, 0.45)
    w = rng.integers(1, 60, size=n).astype(float)
    today = float(rng.integers(0, 200))
    outside = float(rng.integers(0, 80))  # people no site can reach (off the network)
    total = today + w.sum() + outside
    zone = rng.integers(0, 3, size=m)
    return rng, cover, w, today, total, zone


def _covered(cover, w, today, sites) -> float:
    if not sites:
        return today
    return today + float(w[cover[list(sites)].any(axis=0)].sum())


def _brute(cover, w, today, total, tau, *, must, exclude, zone, req, k, budget, cost, by_cost):
    """Smallest count (or cost) over every subset meeting the target and the constraints."""
    m = cover.shape[0]
    need = tau * total - 1e-9 * max(total, 1.0)
    best = math.inf
    for r in range(m + 1):
        for s in itertools.combinations(range(m), r):
            ss = set(s)
            if not set(must) <= ss or ss & set(exclude):
                continue
            if k is not None and r > k:
                continue
            c = float(cost[list(s)].sum()) if r else 0.0
            if budget is not None and c > budget + 1e-9:
                continue
            if not set(req) <= {int(zone[j]) for j in s}:
                continue
            if _covered(cover, w, today, s) >= need:
                best = min(best, c if by_cost else float(r))
    return best


def _check(plan: TargetPlan, cover, w, today, total, tau, cons: SiteConstraints) -> None:
    s = plan.sites.tolist()
    assert len(set(s)) == len(s) == plan.k
    assert set(cons.must_include) <= set(s)
    assert not set(s) & set(cons.exclude)
    cov = _covered(cover, w, today, s)
    assert plan.covered == pytest.approx(cov)
    assert plan.share == pytest.approx(cov / total)
    assert cov >= tau * total - 1e-9 * total
    assert plan.gains.sum() == pytest.approx(cov - today)


@pytest.mark.parametrize("seed", range(40))
def test_fewest_sites_equals_enumeration(seed):
    rng, cover, w, today, total, zone = _instance(seed)
    m = cover.shape[0]
    perm = rng.permutation(m).tolist()
    must = perm[:1] if seed % 3 == 0 else []
    exclude = perm[1:3] if seed % 2 == 0 else []
    req = [int(zone[perm[3]])] if seed % 4 == 1 else []
    k = int(rng.integers(2, m)) if seed % 5 == 2 else None
    if seed % 7 == 3:  # a target exactly on some plan's share
        tau = _covered(cover, w, today, perm[: int(rng.integers(1, 4))]) / total
    else:
        tau = float(rng.uniform(0.05, 1.0))
    cons = SiteConstraints(
        k=k, must_include=must, exclude=exclude, site_zone=zone, required_zones=req
    )
    p = SitingProblem.from_coverage(cover, w, covered=today, total=total)
    elig = [j for j in range(m) if j not in exclude]
    max_share = _covered(cover, w, today, elig) / total
    ones = np.ones(m)
    want = _brute(cover, w, today, total, tau, must=must, exclude=exclude, zone=zone, req=req,
                  k=k, budget=None, cost=ones, by_cost=False)  # fmt: skip
    if max_share < tau - 1e-9:
        with pytest.raises(InputError, match=f"{max_share:.4f}"):
            fewest_sites(p, cons, target_share=tau)
        assert math.isinf(want)
        return
    if math.isinf(want):  # reachable with every site, not within the cap
        with pytest.raises(InputError, match="cannot be reached within K <="):
            fewest_sites(p, cons, target_share=tau)
        return
    plan = fewest_sites(p, cons, target_share=tau)
    rules = make_rules(m, SiteConstraints(budget=math.inf, must_include=must, exclude=exclude))
    need = tau * total - 1e-9 * total
    assert len(must) <= _simple_bound(p, rules, need, False) <= want  # a valid lower bound
    assert plan.proven
    assert plan.minimised == "sites"
    assert plan.k == want
    assert plan.bound == want
    assert plan.gap == 0.0
    assert plan.details["max_share"] == pytest.approx(max_share)
    _check(plan, cover, w, today, total, tau, cons)
    greedy = fewest_sites(p, cons, target_share=tau, method="greedy")
    _check(greedy, cover, w, today, total, tau, cons)
    assert greedy.k >= want
    assert greedy.proven == (greedy.k == greedy.bound)


@pytest.mark.parametrize("seed", range(100, 125))
def test_least_cost_equals_enumeration(seed):
    rng, cover, w, today, total, zone = _instance(seed)
    m = cover.shape[0]
    cost = rng.integers(1, 20, size=m).astype(float)
    cost[rng.integers(0, m)] = 0.0 if seed % 4 == 0 else cost[0]  # a free site now and then
    perm = rng.permutation(m).tolist()
    must = perm[:1] if seed % 3 == 0 else []
    exclude = perm[1:2] if seed % 2 == 0 else []
    elig = [j for j in range(m) if j not in exclude]
    max_share = _covered(cover, w, today, elig) / total
    tau = float(rng.uniform(0.3, 1.0)) * max_share
    budget = float(cost.sum()) * 0.6 if seed % 5 == 1 else None
    cons = SiteConstraints(budget=budget, cost=cost, must_include=must, exclude=exclude)
    p = SitingProblem.from_coverage(cover, w, covered=today, total=total, aggregate=seed % 2 == 1)
    want = _brute(cover, w, today, total, tau, must=must, exclude=exclude, zone=zone, req=[],
                  k=None, budget=budget, cost=cost, by_cost=True)  # fmt: skip
    if math.isinf(want):
        with pytest.raises(InputError, match="budget"):
            fewest_sites(p, cons, target_share=tau)
        return
    plan = fewest_sites(p, cons, target_share=tau)
    rules = make_rules(m, SiteConstraints(budget=math.inf, cost=cost, must_include=must,
                                          exclude=exclude))  # fmt: skip
    assert _simple_bound(p, rules, tau * total - 1e-9 * total, True) <= want + 1e-9
    assert plan.minimised == "cost"
    assert plan.proven
    assert plan.cost == pytest.approx(want)
    assert plan.objective == pytest.approx(want)
    assert plan.bound == pytest.approx(want, abs=1e-6)
    _check(plan, cover, w, today, total, tau, cons)
    # no site of the plan can be dropped (zero-cost ones neither): the plan is minimal
    for j in plan.sites.tolist():
        if j not in must:
            rest = [i for i in plan.sites.tolist() if i != j]
            assert _covered(cover, w, today, rest) < tau * total - 1e-9 * total
    # counting the sites instead ignores the costs
    n_sites = _brute(cover, w, today, total, tau, must=must, exclude=exclude, zone=zone, req=[],
                     k=None, budget=budget, cost=cost, by_cost=False)  # fmt: skip
    by_count = fewest_sites(p, cons, target_share=tau, by_cost=False)
    assert by_count.k == n_sites
    assert by_count.minimised == "sites"


def _tiny() -> SitingProblem:
    # 3 sites x 4 demands; 10 people covered today, 30 in all
    cover = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]])
    return SitingProblem.from_coverage(cover, [5.0, 5.0, 4.0, 6.0], covered=10.0, total=30.0)


def test_known_answers_by_hand():
    p = _tiny()
    # 20/30 with site 0, 20/30 with site 2, 30/30 with sites 0 and 2
    plan = fewest_sites(p, target_share=0.6)
    assert plan.k == 1
    assert plan.sites.tolist() in ([0], [2])
    assert plan.covered == pytest.approx(20.0)
    assert plan.share == pytest.approx(20 / 30)
    assert not plan.already_met
    assert plan.status == "Optimal"
    assert plan.details["baseline_share"] == pytest.approx(10 / 30)
    assert plan.details["max_share"] == pytest.approx(1.0)
    assert plan.details["rows"] == 3  # demands 0 and 1 share their sites: one row
    assert plan.details["columns"] == 3 + 3
    assert plan.details["rows_milp"] == 3 + 1  # links and the target row
    plan = fewest_sites(p, target_share=0.7)
    assert plan.k == 2
    assert sorted(plan.sites.tolist()) == [0, 2]
    assert plan.gains.tolist() == [10.0, 10.0]
    assert plan.share == pytest.approx(1.0)
    assert fewest_sites(p, target_share=1.0).k == 2
    # exactly the share of one site: reached (ties count as reached)
    assert fewest_sites(p, target_share=20 / 30).k == 1
    # site 1 alone adds 4: with site 0 excluded site 2 is the only single answer
    plan = fewest_sites(p, SiteConstraints(exclude=[0]), target_share=0.6)
    assert plan.sites.tolist() == [2]
    # must-include counts and stays first
    plan = fewest_sites(p, SiteConstraints(must_include=[1]), target_share=0.6)
    assert plan.k == 2
    assert plan.sites.tolist()[0] == 1
    # per zone: zone 1 holds only site 1
    cons = SiteConstraints(site_zone=[0, 1, 0], required_zones=[1])
    plan = fewest_sites(p, cons, target_share=0.6)
    assert plan.k == 2
    assert 1 in plan.sites.tolist()
    assert "TargetPlan(2 sites" in repr(plan)


def test_costs_pick_the_cheaper_site():
    p = _tiny()
    plan = fewest_sites(p, SiteConstraints(cost=[5.0, 1.0, 3.0]), target_share=0.6)
    assert plan.sites.tolist() == [2]
    assert plan.cost == 3.0
    assert plan.minimised == "cost"
    plan = fewest_sites(p, SiteConstraints(cost=[2.0, 1.0, 3.0]), target_share=0.6)
    assert plan.sites.tolist() == [0]
    # two cheap sites beat one dear one when costs are minimised, not when counting
    cover = np.array([[1, 1], [1, 0], [0, 1]])
    q = SitingProblem.from_coverage(cover, [5.0, 5.0])
    cons = SiteConstraints(cost=[10.0, 1.0, 1.0])
    assert sorted(fewest_sites(q, cons, target_share=1.0).sites.tolist()) == [1, 2]
    assert fewest_sites(q, cons, target_share=1.0, by_cost=False).sites.tolist() == [0]
    assert fewest_sites(q, target_share=1.0).sites.tolist() == [0]
    # counting sites under a budget: the single dear site is out of reach, the greedy plan too
    capped = SiteConstraints(budget=5.0, cost=[10.0, 1.0, 1.0])
    plan = fewest_sites(q, capped, target_share=1.0, by_cost=False)
    assert sorted(plan.sites.tolist()) == [1, 2]
    assert plan.k == 2
    assert plan.proven
    with pytest.raises(InputError, match="greedy plan breaks the K or budget cap"):
        fewest_sites(q, capped, target_share=1.0, by_cost=False, method="greedy")
    # K cap: the count of the plan never exceeds it, the greedy plan included
    plan = fewest_sites(q, SiteConstraints(k=1, cost=[10.0, 1.0, 1.0]), target_share=1.0)
    assert plan.sites.tolist() == [0]


def test_target_already_met_today():
    p = _tiny()
    plan = fewest_sites(p, target_share=10 / 30)
    assert plan.k == 0
    assert plan.sites.tolist() == []
    assert plan.already_met
    assert plan.proven
    assert plan.status == "Target already met"
    assert plan.share == pytest.approx(10 / 30)
    # required sites still go in; the target was met today all the same
    plan = fewest_sites(p, SiteConstraints(must_include=[1]), target_share=0.2)
    assert plan.sites.tolist() == [1]
    assert plan.already_met


def test_unreachable_target_names_the_largest_share():
    cover = np.array([[1, 0, 0], [0, 1, 0]])
    p = SitingProblem.from_coverage(cover, [3.0, 3.0, 4.0])
    with pytest.raises(InputError, match=r"covers 0\.6000 \(60\.00%\).*at most 0\.6 or add"):
        fewest_sites(p, target_share=0.61)
    with pytest.raises(InputError, match=r"covers 0\.3000"):
        fewest_sites(p, SiteConstraints(exclude=[1]), target_share=0.5)
    assert fewest_sites(p, target_share=0.6).k == 2
    with pytest.raises(InputError, match="cannot be reached within K <= 1"):
        fewest_sites(p, SiteConstraints(k=1), target_share=0.6)
    with pytest.raises(InputError, match="cannot be reached within budget 1"):
        fewest_sites(p, SiteConstraints(budget=1.0), target_share=0.6)
    with pytest.raises(InputError, match="greedy plan breaks"):
        fewest_sites(p, SiteConstraints(k=1), target_share=0.6, method="greedy")


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.01, math.nan, "x"])
def test_bad_target_share(bad):
    with pytest.raises(InputError, match="target_share must be"):
        fewest_sites(_tiny(), target_share=bad)


def test_wrong_objective_and_method():
    t = SitingProblem.from_times(np.array([[1.0, 2.0]]), base=[5.0, 5.0], weights=[1.0, 1.0])
    with pytest.raises(InputError, match="coverage objective, not 'median'"):
        fewest_sites(t, target_share=0.5)
    with pytest.raises(InputError, match="method 'swap' is not one of exact, greedy"):
        fewest_sites(_tiny(), target_share=0.5, method="swap")


def test_time_limit_keeps_honesty():
    """A hard instance stopped early: the plan meets the target; the bound never exceeds it."""
    rng = np.random.default_rng(7)
    m, n = 120, 1500
    cover = rng.random((m, n)) < 0.03
    w = rng.integers(1, 100, size=n).astype(float)
    p = SitingProblem.from_coverage(cover, w)
    tau = 0.9 * p.trivial_bound() / p.total
    plan = fewest_sites(p, target_share=tau, time_limit_s=0.05)
    assert plan.share >= tau - 1e-9
    assert plan.bound <= plan.k
    assert plan.proven == (plan.bound == plan.k)
    assert plan.bound >= 1  # at least the knapsack bound, even before HiGHS's root
    if not plan.proven:
        assert plan.gap == pytest.approx((plan.k - plan.bound) / plan.k)
        assert plan.status == "Time limit reached"


def test_simple_bound_by_hand():
    p = _tiny()  # 10 covered today of 30; sites reach 10, 4 and 10 new people
    rules = make_rules(3, SiteConstraints(budget=math.inf))
    assert _simple_bound(p, rules, 21.0, False) == 2  # 11 more: two sites at least
    assert _simple_bound(p, rules, 20.0, False) == 1
    assert _simple_bound(p, rules, 9.0, False) == 0  # met today
    costly = make_rules(3, SiteConstraints(budget=math.inf, cost=[5.0, 1.0, 3.0]))
    # people per cost: site 1 (4/1), site 2 (10/3), site 0 (10/5); 11 people = 1 + 0.7 x 3
    assert _simple_bound(p, costly, 21.0, True) == pytest.approx(3.1)
    must = make_rules(3, SiteConstraints(budget=math.inf, must_include=[1]))
    assert _simple_bound(p, must, 21.0, False) == 2  # site 1 + one more (7 left)
