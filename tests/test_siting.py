"""Upgrade ranking: hand-computed gain, agreement with a rerun of coverage, greedy properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import access15 as ax
from access15.siting import greedy_max_cover
from conftest import LEG_S, RES_NS_S, SEC_S
from test_coverage import _cfg, _load


def test_upgrade_gain_known_by_hand(tiny):
    net, fac, pop, zones = _load(tiny)
    # 3 minutes = 180 s of a tier >= 3 facility: today only the hospital (node 1) counts
    minutes = 3.0
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(minutes, min_tier=3))
    # covered today: node 1 (LEG_S), node 2 (SEC_S + LEG_S = 89 s), node 3 (2 SEC_S + LEG_S = 169 s)
    assert 2 * SEC_S + LEG_S < 180 < 3 * SEC_S + LEG_S
    rec = ax.recommend_upgrades(net, cov, k=1)
    assert rec.baseline_covered == pytest.approx(100 + 200 + 300)
    r = rec.ranking.iloc[0]
    assert r.site_id == "node/202"
    # upgrading the centre at node 5 adds node 4 (4->5: RES_NS_S + LEG_S = 168 s) and node 5
    assert RES_NS_S + LEG_S < 180
    assert r.added_population == pytest.approx(400 + 70)
    assert r.cumulative_share == pytest.approx((600 + 470) / 1180)


def test_k_larger_than_candidates(tiny):
    net, fac, pop, _ = _load(tiny)
    cov = ax.coverage(net, fac, pop, config=_cfg(3.0, min_tier=3))
    with pytest.raises(ax.InputError, match="K=2 is larger than the 1 tier-2 candidates"):
        ax.recommend_upgrades(net, cov, k=2)


def test_objective_equals_coverage_rerun_after_upgrade(tiny):
    """Independent check: promote the picks to tier 3, rerun coverage, compare."""
    net, fac, pop, _ = _load(tiny)
    cfg = _cfg(3.0, min_tier=3)
    cov = ax.coverage(net, fac, pop, config=cfg)
    rec = ax.recommend_upgrades(net, cov, k=1)
    up = fac.copy()
    up.loc[up["facility_id"].isin(rec.ranking["site_id"]), "tier"] = 3
    after = ax.coverage(net, up, pop, config=cfg).summary["levels"]["test"]["covered_population"]
    assert after == pytest.approx(rec.ranking["objective"].iloc[-1])


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
    picks, gains = greedy_max_cover(sp.csr_matrix(cover), w, k)
    assert len(set(picks.tolist())) == k
    # marginal gains never increase, and they add up to the weight actually covered
    assert (np.diff(gains) <= 1e-9).all()
    assert gains.sum() == pytest.approx(w[cover[picks].any(axis=0)].sum())
    # greedy is within (1 - 1/e) of the brute-force optimum, and never above it
    best = _brute_best(cover, w, k)
    assert gains.sum() <= best + 1e-9
    assert gains.sum() >= (1 - 1 / np.e) * best - 1e-9
