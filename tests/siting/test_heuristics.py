"""Greedy ranking, 1-swap and budget filling: properties, guarantees and a case swap must win."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import access15 as ax
from access15.siting import SitingProblem, solve
from access15.siting.constraints import make_rules
from access15.siting.heuristics import greedy


def _brute_best(cover: np.ndarray, w: np.ndarray, k: int) -> float:
    best = 0.0
    for combo in itertools.combinations(range(cover.shape[0]), k):
        best = max(best, float(w[cover[list(combo)].any(axis=0)].sum()))
    return best


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_cand=st.integers(2, 7),
    n_dem=st.integers(1, 25),
    k=st.integers(1, 4),
)
def test_greedy_properties(seed, n_cand, n_dem, k):
    rng = np.random.default_rng(seed)
    k = min(k, n_cand)
    cover = rng.random((n_cand, n_dem)) < 0.3
    w = rng.integers(1, 100, n_dem).astype(float)
    sol = solve(SitingProblem.from_coverage(sp.csr_matrix(cover), w), k=k, method="greedy")
    picks, gains = sol.sites, sol.gains
    assert len(set(picks.tolist())) == k
    # marginal gains never increase, and they add up to the weight actually covered
    assert (np.diff(gains) <= 1e-9).all()
    assert gains.sum() == pytest.approx(w[cover[picks].any(axis=0)].sum())
    assert sol.objective == pytest.approx(gains.sum())
    # greedy is within (1 - 1/e) of the brute-force optimum, and never above it
    best = _brute_best(cover, w, k)
    assert gains.sum() <= best + 1e-9
    assert gains.sum() >= (1 - 1 / np.e) * best - 1e-9


def test_greedy_order_and_gains_known_by_hand():
    c = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0]], dtype=bool))
    sol = solve(SitingProblem.from_coverage(c, [5.0, 1.0, 1.0, 1.0]), k=2, method="greedy")
    assert sol.sites.tolist() == [0, 1]
    assert sol.gains.tolist() == [6.0, 2.0]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["coverage", "median"]))
def test_greedy_gains_non_increasing_and_non_negative(seed, kind):
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(3, 9)), int(rng.integers(5, 60))
    if kind == "coverage":
        prob = SitingProblem.from_coverage(sp.csr_matrix(rng.random((m, n)) < 0.3), rng.random(n))
    else:
        t = np.where(rng.random((m, n)) < 0.6, rng.random((m, n)) * 30, np.inf)
        prob = SitingProblem.from_times(t, rng.random(n) * 30 + 1, rng.random(n), objective=kind)
    g = solve(prob, k=m, method="greedy")
    assert (np.diff(g.gains) <= 1e-9).all()
    assert (g.gains >= -1e-12).all()


def test_swap_improves_on_greedy_somewhere():
    # greedy takes the big middle site; two side sites together cover more
    cover = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=bool)
    w = np.array([2.0, 2.0, 2.0, 2.0, 1.5, 1.5])
    prob = SitingProblem.from_coverage(cover, w)
    g, s, e = (solve(prob, k=2, method=x) for x in ("greedy", "swap", "exact"))
    assert g.sites.tolist() == [0, 2]  # greedy 8 + 3 = 11 = optimum here
    assert s.objective >= g.objective
    assert e.objective == pytest.approx(11.0)
    # a case where greedy is beaten: w favours the union of 1 and 2
    w2 = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    prob2 = SitingProblem.from_coverage(
        np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=bool), w2
    )
    g2 = solve(prob2, k=2, method="greedy")
    s2 = solve(prob2, k=2, method="swap")
    assert g2.objective == 6.0
    assert s2.objective == 6.0


def test_swap_strictly_beats_greedy_for_coverage():
    """Site 0 covers the four middle people; sites 1 and 2 cover three each, disjoint.

    Greedy opens 0 first (4 people) and then adds one person with 1 or 2: 5. Replacing 0 by the
    other side site covers all six, so one swap must reach the optimum 6.
    """
    cover = np.array(
        [[0, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]],
        dtype=bool,
    )
    prob = SitingProblem.from_coverage(cover, np.ones(6))
    g = solve(prob, k=2, method="greedy")
    s = solve(prob, k=2, method="swap")
    assert g.sites[0] == 0
    assert g.objective == pytest.approx(5.0)
    assert s.objective == pytest.approx(6.0)
    assert s.objective > g.objective
    assert sorted(s.sites.tolist()) == [1, 2]
    assert s.swaps == 1


def test_swap_strictly_beats_greedy_for_median():
    """People at 0, 1, 9 and 10 km on a line; sites at 0.5 (0), 9.5 (1) and 5 (2), 1 min/km.

    Greedy opens the central site 2 first (18 person-minutes against 19), then one side site:
    mean 2.5 min. Swapping the centre for the other side site gives 0.5 min, the optimum.
    """
    x = np.array([0.0, 1.0, 9.0, 10.0])
    t = np.abs(np.array([0.5, 9.5, 5.0])[:, None] - x[None, :])
    prob = SitingProblem.from_times(t, base=np.full(4, 100.0), weights=np.ones(4))
    g = solve(prob, k=2, method="greedy")
    s = solve(prob, k=2, method="swap")
    assert g.sites[0] == 2
    assert g.objective == pytest.approx(2.5)
    assert s.objective == pytest.approx(0.5)
    assert s.objective < g.objective
    assert sorted(s.sites.tolist()) == [0, 1]


def test_swap_keeps_required_sites_and_zones():
    """The same median case with the centre required: swap may not drop it."""
    x = np.array([0.0, 1.0, 9.0, 10.0])
    t = np.abs(np.array([0.5, 9.5, 5.0])[:, None] - x[None, :])
    prob = SitingProblem.from_times(t, base=np.full(4, 100.0), weights=np.ones(4))
    s = solve(prob, ax.SiteConstraints(k=2, must_include=[2]), method="swap")
    assert 2 in s.sites.tolist()
    assert s.objective == pytest.approx(2.5)


def test_budget_greedy_is_not_fooled_by_a_cheap_small_site():
    """Gain-per-cost alone picks the cheap site (ratio 20) and then cannot afford the big one.

    Site 0 costs 0.1 and covers 2 people; site 1 costs 10 and covers 100; budget 10. The
    cost-effectiveness greedy alone gets 2 people; with the best-single-site run it gets 100.
    """
    t = np.zeros((2, 102), dtype=bool)
    t[0, :2] = True
    t[1, 2:] = True
    prob = SitingProblem.from_coverage(sp.csr_matrix(t), np.ones(102))
    budget = ax.SiteConstraints(k=None, budget=10.0, cost=[0.1, 10.0])
    for method in ("greedy", "swap"):
        sol = solve(prob, budget, method=method)
        assert sol.sites.tolist() == [1], method
        assert sol.objective == pytest.approx(100.0)
    exact = solve(prob, budget, method="exact")
    assert exact.proven
    assert exact.objective == pytest.approx(100.0)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_budget_greedy_at_least_best_single_site(seed):
    """With a budget the greedy never does worse than the best single affordable site."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 8)), int(rng.integers(3, 40))
    t = rng.random((m, n)) < 0.3
    w = rng.integers(1, 50, n).astype(float)
    cost = rng.uniform(0.1, 5.0, m)
    budget = float(rng.uniform(cost.min(), cost.sum()))
    prob = SitingProblem.from_coverage(sp.csr_matrix(t), w)
    single = max(float(w[t[j]].sum()) for j in range(m) if cost[j] <= budget)
    sol = solve(prob, ax.SiteConstraints(budget=budget, cost=cost), method="greedy")
    assert cost[sol.sites].sum() <= budget + 1e-9
    assert sol.objective >= single - 1e-9


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_must=st.integers(0, 2), priced=st.booleans())
def test_greedy_gains_are_true_increments_with_required_sites_and_budgets(seed, n_must, priced):
    """Each listed gain is what adding that site adds to the sites before it, required ones first.

    With a budget and no K, no site that adds nothing is bought, the budget holds, and the
    plan is at least as good as the required sites plus the best affordable single site.
    """
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(3, 8)), int(rng.integers(4, 40))
    t = rng.random((m, n)) < 0.3
    w = rng.integers(1, 50, n).astype(float)
    must = sorted(rng.choice(m, size=n_must, replace=False).tolist())
    cost = rng.choice([0.5, 1.0, 2.0, 3.0], m) if priced else np.ones(m)
    prob = SitingProblem.from_coverage(sp.csr_matrix(t), w)

    def covered(sites):
        return float(w[t[list(sites)].any(axis=0)].sum()) if len(sites) else 0.0

    spent = float(cost[must].sum())
    budget = spent + float(rng.uniform(0.5, cost.sum() - spent + 0.5))
    for cons in (
        ax.SiteConstraints(k=min(m, n_must + 2), must_include=must),
        ax.SiteConstraints(budget=budget, cost=cost, must_include=must),
    ):
        sol = solve(prob, cons, method="greedy")
        picks = sol.sites.tolist()
        assert picks[: len(must)] == must
        for i, j in enumerate(picks):
            assert sol.gains[i] == pytest.approx(covered(picks[: i + 1]) - covered(picks[:i])), j
        assert sol.objective == pytest.approx(covered(picks))
        if cons.budget is not None:
            assert cost[picks].sum() <= budget + 1e-9
            # in the order bought, every site beyond the required ones adds someone (a later
            # purchase can still make an earlier one redundant: the ranked list then shows +0)
            bought, step_gains = greedy(prob, make_rules(m, cons))
            assert bought[: len(must)] == must
            for i, j in enumerate(bought):
                assert step_gains[i] == pytest.approx(
                    covered(bought[: i + 1]) - covered(bought[:i])
                )
                assert i < len(must) or step_gains[i] > 0, j
            singles = [
                covered([*must, j])
                for j in range(m)
                if j not in must and spent + cost[j] <= budget + 1e-9
            ]
            assert sol.objective >= max(singles, default=covered(must)) - 1e-9


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), objective=st.sampled_from(["center", "center-zone"]))
def test_minmax_greedy_takes_the_best_next_site_by_brute_force(seed, objective):
    """Each greedy step of the min-max objectives picks the site giving the least objective
    after it is added (worst cell, or worst zone's mean), ties broken by the least total time.
    """
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 7)), int(rng.integers(3, 30))
    base = rng.uniform(10.0, 60.0, n).round(1)
    times = np.where(rng.random((m, n)) < 0.5, rng.uniform(0.0, 60.0, (m, n)).round(1), np.inf)
    w = rng.integers(1, 30, n).astype(float)
    zone = rng.integers(0, 3, n)
    prob = SitingProblem.from_times(times, base, w, objective=objective, zone=zone)
    k = int(rng.integers(1, m + 1))
    sol = solve(prob, k=k, method="greedy")
    picks = sol.sites.tolist()
    assert len(picks) == k

    def keys(sites):
        best = prob.best_savings(sites)
        return prob.cost_of(best), float(prob.weights @ (prob.base - best))

    for i, j in enumerate(picks):
        before = picks[:i]
        options = {c: keys([*before, c]) for c in range(m) if c not in before}
        low = min(v[0] for v in options.values())
        tied = {c: v for c, v in options.items() if v[0] <= low + 1e-9}
        assert keys([*before, j])[0] == pytest.approx(low), (i, j, options)
        assert keys([*before, j])[1] == pytest.approx(min(v[1] for v in tied.values())), (i, j)
        assert sol.gains[i] == pytest.approx(keys(before)[0] - keys([*before, j])[0])


def test_budget_greedy_best_single_site_counts_the_required_sites():
    """The best single site is judged with the required sites already open.

    Required M covers 100 people (cost 1); X covers the same 100 (cost 10); Y covers 50 others
    (cost 10); Z covers 3 more (cost 0.5, the best ratio). Budget 11.4: the ratio greedy takes
    Z and cannot afford Y; the better plan is M + Y (150). Judged without M, X would look best
    and add nobody.
    """
    t = np.zeros((4, 153), dtype=bool)
    t[0, :100] = True  # M
    t[1, :100] = True  # X
    t[2, 100:150] = True  # Y
    t[3, 150:] = True  # Z
    prob = SitingProblem.from_coverage(sp.csr_matrix(t), np.ones(153))
    cons = ax.SiteConstraints(budget=11.4, cost=[1.0, 10.0, 10.0, 0.5], must_include=[0])
    sol = solve(prob, cons, method="greedy")
    assert sorted(sol.sites.tolist()) == [0, 2]
    assert sol.objective == pytest.approx(150.0)


def _reference_greedy(cover, w, must, cost, budget, k):
    """The documented greedy, recomputing every gain at every step (no lazy heap).

    Most gain (per unit cost with a budget) among the sites that still fit, ties to the lowest
    index; with a budget and no K, stop when the best site adds nobody. With a budget, also run
    it from the best single site after the required ones and keep the better of the two.
    """

    def covered(sites):
        return float(w[cover[list(sites)].any(axis=0)].sum()) if len(sites) else 0.0

    def run(start):
        picks = list(start)
        while k is None or len(picks) < k:
            spent = float(cost[picks].sum())
            fits = [
                j
                for j in range(len(cost))
                if j not in picks and (budget is None or spent + cost[j] <= budget + 1e-9)
            ]
            if not fits:
                break
            gain = {j: covered([*picks, j]) - covered(picks) for j in fits}
            j = max(fits, key=lambda j: (gain[j] / cost[j] if budget is not None else gain[j], -j))
            if budget is not None and k is None and gain[j] <= 0:
                break
            picks.append(j)
        return picks

    main = run(must)
    if budget is None:
        return main
    fits = [j for j in range(len(cost)) if j not in must and cost[must].sum() + cost[j] <= budget]
    if not fits:
        return main
    seed = max(fits, key=lambda j: (covered([*must, j]), -j))
    if covered([*must, seed]) - covered(must) <= covered(main) - covered(must) or seed in main:
        return main
    alt = run([*must, seed])
    return alt if covered(alt) > covered(main) + 1e-9 * max(1.0, covered(main)) else main


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_must=st.integers(0, 2),
    mode=st.sampled_from(["k", "budget", "both"]),
)
def test_lazy_greedy_equals_the_plain_greedy(seed, n_must, mode):
    """The lazy greedy (stale gains as bounds) picks exactly what the plain greedy picks."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 9)), int(rng.integers(3, 40))
    t = rng.random((m, n)) < 0.3
    w = rng.choice([0.25, 0.5, 1.0, 2.0, 7.5], n)  # fractional people: gains below 1 happen
    must = sorted(rng.choice(m, size=min(n_must, m - 1), replace=False).tolist())
    cost = rng.choice([0.5, 1.0, 1.5, 2.0, 3.0], m) if mode != "k" else np.ones(m)
    k = int(rng.integers(len(must) + 1, m + 1)) if mode != "budget" else None
    budget = None
    if mode != "k":
        budget = float(cost[must].sum() + rng.choice([0.5, 1.0, 2.0, 3.5, 5.0]))
    want = _reference_greedy(t, w, must, cost, budget, k)
    cons = ax.SiteConstraints(k=k, budget=budget, cost=cost, must_include=must)
    got, _ = greedy(SitingProblem.from_coverage(sp.csr_matrix(t), w), make_rules(m, cons))
    assert got == want


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    objective=st.sampled_from(["center", "center-zone"]),
    n_must=st.integers(0, 2),
    priced=st.booleans(),
)
def test_minmax_greedy_with_required_sites_and_budget_equals_plain_greedy(
    seed, objective, n_must, priced
):
    """Required sites first (their objective decrease as gain); with a budget, the most
    objective decrease per unit cost, then the most total-time decrease per cost, stopping when
    no affordable site changes either (no K).
    """
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 7)), int(rng.integers(3, 30))
    base = rng.uniform(10.0, 60.0, n).round(1)
    times = np.where(rng.random((m, n)) < 0.5, rng.uniform(0.0, 60.0, (m, n)).round(1), np.inf)
    w = rng.uniform(0.5, 30.0, n).round(1)
    prob = SitingProblem.from_times(times, base, w, objective=objective, zone=rng.integers(0, 3, n))
    must = sorted(rng.choice(m, size=min(n_must, m - 1), replace=False).tolist())
    cost = rng.choice([0.5, 1.0, 2.0], m) if priced else np.ones(m)
    budget = float(cost[must].sum() + rng.choice([0.5, 1.0, 2.5, 4.0]))

    def keys(sites):
        best = prob.best_savings(sites)
        return prob.cost_of(best), float(prob.weights @ (prob.base - best))

    picks, gains = list(must), []
    cur = keys([])[0]
    for j in must:
        new = keys(picks[: picks.index(j) + 1])[0]
        gains.append(cur - new)
        cur = new
    while True:
        fits = [j for j in range(m) if j not in picks and cost[[*picks, j]].sum() <= budget + 1e-9]
        if not fits:
            break
        now_obj, now_sum = keys(picks)
        dec = {j: (now_obj - keys([*picks, j])[0], now_sum - keys([*picks, j])[1]) for j in fits}
        if max(d[0] for d in dec.values()) <= 0 and max(d[1] for d in dec.values()) <= 0:
            break
        j = min(fits, key=lambda j: (round(-dec[j][0] / cost[j], 9), -dec[j][1] / cost[j], j))
        picks.append(j)
        gains.append(dec[j][0])
    cons = ax.SiteConstraints(budget=budget, cost=cost, must_include=must)
    got, got_gains = greedy(prob, make_rules(m, cons))
    assert got == picks
    np.testing.assert_allclose(got_gains, gains, atol=1e-9)
