"""2SFCA family and RAAM: known answers, equality with PySAL ``access``, properties, errors."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from access15.errors import InputError
from access15.fca import (
    METHODS,
    IndexResult,
    accessibility_index,
    enhanced_two_step_fca,
    gaussian_two_step_fca,
    raam,
    three_step_fca,
    tiered_two_step_fca,
    two_step_fca,
)

access = pytest.importorskip("access")
weights = access.weights

RTOL = 1e-9
LUO_QI = {10: 1.0, 20: 0.68, 30: 0.22}  # PySAL's default E2SFCA weights
WAN = {10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042}  # PySAL's default 3SFCA weights


def pairs(rows, cols, minutes, shape):
    """CSR of explicit (row, col, minutes) pairs; zeros stay stored."""
    return sp.csr_matrix((np.asarray(minutes, float), (rows, cols)), shape=shape)


def pysal(csr, p, s, call):
    """Run PySAL ``access`` on the stored pairs of ``csr``; the raw column, by demand index."""
    coo = csr.tocoo()
    cost = pd.DataFrame({"origin": coo.row, "dest": coo.col, "cost": coo.data})
    dem = pd.DataFrame({"pop": p}, index=pd.Index(np.arange(len(p)), name="geoid"))
    sup = pd.DataFrame({"doc": s}, index=pd.Index(np.arange(len(s)), name="geoid"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = access.Access(
            demand_df=dem,
            demand_value="pop",
            supply_df=sup,
            supply_value="doc",
            cost_df=cost,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        out = call(acc)
    (col,) = [c for c in out.columns if c.endswith("_doc")]  # e.g. "2sfca_doc"
    return out[col].reindex(np.arange(len(p))).to_numpy(dtype=float)


# PySAL's own test fixture (access/tests/util.py): a 5 x 5 grid of supply points (value 1),
# euclidean costs between all points; demand = some of the points (value 1).
def grid_case(n_demand, seed=7):
    xy = np.array([(x, y) for x in range(5) for y in range(5)], float)
    rng = np.random.default_rng(seed)
    dem = rng.choice(25, n_demand, replace=False)
    t = np.sqrt(((xy[dem, None, :] - xy[None, :, :]) ** 2).sum(-1))
    r, c = np.indices(t.shape)
    csr = pairs(r.ravel(), c.ravel(), t.ravel(), t.shape)  # all pairs, the own point at 0
    return csr, np.ones(n_demand), np.ones(25)


GRID_CASES = [
    # (id, ours, pysal, PySAL's expected value in its own test)
    (
        "2sfca_large",
        lambda t, p, s: two_step_fca(t, p, s, minutes=10),
        lambda a: a.two_stage_fca(),
        5,
    ),
    (
        "2sfca_small",
        lambda t, p, s: two_step_fca(t, p, s, minutes=0.9),
        lambda a: a.two_stage_fca(max_cost=0.9),
        1,
    ),
    (
        "e2sfca_large",
        lambda t, p, s: enhanced_two_step_fca(t, p, s, bands=LUO_QI),
        lambda a: a.enhanced_two_stage_fca(),
        5,
    ),
    (
        "e2sfca_small",
        lambda t, p, s: enhanced_two_step_fca(t, p, s, bands={0.9: 1.0}),
        lambda a: a.enhanced_two_stage_fca(max_cost=0.9),
        1,
    ),
    (
        "3sfca_large",
        lambda t, p, s: three_step_fca(t, p, s, bands={10: 25}),
        lambda a: a.three_stage_fca(weight_fn=weights.step_fn({10: 25})),
        5,
    ),
    (
        "3sfca_small",
        lambda t, p, s: three_step_fca(t, p, s, bands={10: 25}, minutes=0.9),
        lambda a: a.three_stage_fca(weight_fn=weights.step_fn({10: 25}), max_cost=0.9),
        1,
    ),
]


@pytest.mark.parametrize(
    ("ours", "ref", "expected"), [c[1:] for c in GRID_CASES], ids=[c[0] for c in GRID_CASES]
)
def test_pysal_own_grid_cases(ours, ref, expected):
    csr, p, s = grid_case(5)
    got = ours(csr, p, s).per_demand
    np.testing.assert_allclose(got, pysal(csr, p, s, ref), rtol=RTOL, atol=0)
    np.testing.assert_allclose(got, expected, rtol=RTOL)


@pytest.mark.parametrize("kw", [{}, {"initial_step": 1}, {"min_step": 1.0}])
def test_pysal_own_raam_case_single_location_pays_total_supply(kw):
    # access/tests/test_raam.py: one demand location -> its RAAM cost is the total supply
    csr, p, s = grid_case(1)
    got = raam(csr, p, s, **kw).per_demand
    np.testing.assert_allclose(got, pysal(csr, p, s, lambda a: a.raam(**kw)), rtol=RTOL)
    assert got[0] == 25


def county(seed=3, n=300, m=20, reach=30.0):
    """A county-like sparse matrix: each cell reaches ~60 % of the facilities within 45 min."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 45, (n, m))
    t[rng.random((n, m)) < 0.4] = np.inf
    t[rng.random((n, m)) < 0.01] = 0.0  # a few facilities inside the cell
    t[:, 0] = np.where(rng.random(n) < 0.1, 10.0, t[:, 0])  # some times exactly at a limit
    i, j = np.nonzero(t <= reach)
    csr = pairs(i, j, np.round(t[i, j], 1), (n, m))
    p = rng.integers(1, 500, n).astype(float)
    p[rng.random(n) < 0.05] = 0.0
    s = rng.integers(0, 10, m).astype(float)
    return csr, p, s


COUNTY = [
    (
        "2sfca",
        lambda t, p, s: two_step_fca(t, p, s, minutes=20),
        lambda a: a.two_stage_fca(max_cost=20),
    ),
    (
        "2sfca_10",
        lambda t, p, s: two_step_fca(t, p, s, minutes=10),
        lambda a: a.two_stage_fca(max_cost=10),
    ),
    (
        "e2sfca",
        lambda t, p, s: enhanced_two_step_fca(t, p, s, bands=LUO_QI),
        lambda a: a.enhanced_two_stage_fca(weight_fn=weights.step_fn(LUO_QI), max_cost=30),
    ),
    (
        "e2sfca_nomax",
        lambda t, p, s: enhanced_two_step_fca(t, p, s, bands={5: 1.0, 12: 0.5, 25: 0.1}),
        lambda a: a.enhanced_two_stage_fca(weight_fn=weights.step_fn({5: 1.0, 12: 0.5, 25: 0.1})),
    ),
    (
        "g2sfca",
        lambda t, p, s: gaussian_two_step_fca(t, p, s, minutes=25, sigma=12),
        lambda a: a.two_stage_fca(max_cost=25, weight_fn=weights.gaussian(12)),
    ),
    (
        "g2sfca_default_sigma",
        lambda t, p, s: gaussian_two_step_fca(t, p, s, minutes=30),
        lambda a: a.two_stage_fca(max_cost=30, weight_fn=weights.gaussian(30)),
    ),
    (
        "3sfca",
        lambda t, p, s: three_step_fca(t, p, s, bands=WAN, minutes=25),
        lambda a: a.three_stage_fca(weight_fn=weights.step_fn(WAN), max_cost=25),
    ),
    (
        "3sfca_bands",
        lambda t, p, s: three_step_fca(t, p, s, bands={10: 1.0, 20: 0.6, 30: 0.2}),
        lambda a: a.three_stage_fca(weight_fn=weights.step_fn({10: 1.0, 20: 0.6, 30: 0.2})),
    ),
    ("raam", lambda t, p, s: raam(t, p, s), lambda a: a.raam()),
    ("raam_tau", lambda t, p, s: raam(t, p, s, tau=15.0), lambda a: a.raam(tau=15.0)),
    (
        "raam_params",
        lambda t, p, s: raam(t, p, s, rho=40.0, max_cycles=60, initial_step=0.5, half_life=10.0),
        lambda a: a.raam(rho=40.0, max_cycles=60, initial_step=0.5, half_life=10.0),
    ),
    (
        "raam_int_step",
        lambda t, p, s: raam(t, p, s, initial_step=7),
        lambda a: a.raam(initial_step=7),
    ),
]


@pytest.mark.parametrize("seed", [3, 11])
@pytest.mark.parametrize(("ours", "ref"), [c[1:] for c in COUNTY], ids=[c[0] for c in COUNTY])
def test_equals_pysal_on_a_random_county(seed, ours, ref):
    csr, p, s = county(seed)
    got = ours(csr, p, s).per_demand
    want = pysal(csr, p, s, ref)
    assert np.isfinite(want[~np.isnan(want)]).all()
    # PySAL leaves out (NaN) the cells with nothing in reach; access15 gives them 0 (FCA) or
    # NaN (RAAM, also for cells without people)
    missing = np.isnan(want)
    assert np.all(np.isnan(got[missing]) | (got[missing] == 0))
    np.testing.assert_allclose(got[~missing], want[~missing], rtol=RTOL, atol=1e-15)
    assert np.count_nonzero(~missing) > 200


def test_pysal_quirk_facility_without_people_gives_inf_ours_nan():
    # facility 1 is reached only by cell 1, which has no people
    csr = pairs([0, 1, 1], [0, 0, 1], [5.0, 5.0, 5.0], (2, 2))
    p, s = np.array([10.0, 0.0]), np.array([1.0, 1.0])
    want = pysal(csr, p, s, lambda a: a.two_stage_fca(max_cost=10))
    assert want[1] == np.inf
    res = two_step_fca(csr, p, s, minutes=10)
    assert res.per_demand.tolist() == [0.1, 0.1]
    assert res.per_supply[0] == 0.1
    assert np.isnan(res.per_supply[1])


# ------------------------------------------------------------------------- known answers

# 3 cells x 2 facilities: P = 100, 200, 300; S = 3, 1
#   cell 0 -> f0 at 4 min, f1 at 25 min;  cell 1 -> f0 at 12;  cell 2 -> f0 at 18, f1 at 9
KA = pairs([0, 0, 1, 2, 2], [0, 1, 0, 0, 1], [4.0, 25.0, 12.0, 18.0, 9.0], (3, 2))
KA_P, KA_S = np.array([100.0, 200.0, 300.0]), np.array([3.0, 1.0])


def test_two_step_known_answer():
    # 15 min: f0 <- cells 0, 1 (300 people), R0 = 3/300; f1 <- cell 2 (300), R1 = 1/300
    res = two_step_fca(KA, KA_P, KA_S, minutes=15)
    np.testing.assert_allclose(res.per_supply, [0.01, 1 / 300], rtol=1e-15)
    np.testing.assert_allclose(res.per_demand, [0.01, 0.01, 1 / 300], rtol=1e-15)
    # 20 min: f0 <- all (600), R0 = 0.005; A2 = 0.005 + 1/300
    res = two_step_fca(KA, KA_P, KA_S, minutes=20)
    np.testing.assert_allclose(res.per_demand, [0.005, 0.005, 0.005 + 1 / 300], rtol=1e-15)


def test_enhanced_two_step_known_answer():
    # bands {10: 1, 20: 0.5, 30: 0.25}: W = [[1, .25], [.5, 0], [.5, 1]]
    # D0 = 100 + 100 + 150 = 350, D1 = 25 + 300 = 325
    res = enhanced_two_step_fca(KA, KA_P, KA_S, bands={10: 1.0, 20: 0.5, 30: 0.25})
    r0, r1 = 3 / 350, 1 / 325
    np.testing.assert_allclose(res.per_supply, [r0, r1], rtol=1e-15)
    np.testing.assert_allclose(
        res.per_demand, [r0 + 0.25 * r1, 0.5 * r0, 0.5 * r0 + r1], rtol=1e-15
    )


def test_band_limit_is_inclusive_and_beyond_last_band_is_out():
    csr = pairs([0, 0, 1], [0, 1, 1], [10.0, 30.0, 30.5], (2, 2))
    res = enhanced_two_step_fca(csr, [1.0, 1.0], [2.0, 4.0], bands={10: 1.0, 30: 0.5})
    # f0: cell 0 at exactly 10 -> weight 1; f1: cell 0 at exactly 30 -> 0.5, cell 1 beyond
    np.testing.assert_allclose(res.per_supply, [2.0, 8.0])
    np.testing.assert_allclose(res.per_demand, [2.0 + 0.5 * 8.0, 0.0])


def test_gaussian_forms():
    csr = pairs([0, 0], [0, 1], [0.0, 10.0], (1, 2))
    pys = gaussian_two_step_fca(csr, [1.0], [1.0, 1.0], minutes=10, sigma=5)
    np.testing.assert_allclose(pys.per_supply, [1.0, 1 / math.exp(-2)])
    np.testing.assert_allclose(pys.per_demand, [2.0])
    dai = gaussian_two_step_fca(csr, [1.0], [1.0, 1.0], minutes=10, form="dai")
    # Dai: G(0) = 1, G(d) = 0 -> facility 1 has no weighted demand
    assert dai.per_supply[0] == pytest.approx(1.0)
    assert np.isnan(dai.per_supply[1])
    assert dai.per_demand.tolist() == pytest.approx([1.0])
    mid = pairs([0], [0], [5.0], (1, 1))
    g = (math.exp(-0.125) - math.exp(-0.5)) / (1 - math.exp(-0.5))
    res = gaussian_two_step_fca(mid, [2.0], [1.0], minutes=10, form="dai")
    assert res.per_supply[0] == pytest.approx(1 / (2 * g), rel=1e-12)
    assert res.params == {"minutes": 10.0, "sigma": 10.0, "form": "dai"}


def test_three_step_known_answer():
    # bands {10: 1, 30: 0.5}: W = [[1, .5], [.5, 0], [.5, 1]]; G = W / rowsum
    res = three_step_fca(KA, KA_P, KA_S, bands={10: 1.0, 30: 0.5})
    e = np.array([[1 * 1 / 1.5, 0.5 * 0.5 / 1.5], [0.5, 0.0], [0.5 * 0.5 / 1.5, 1 / 1.5]])
    d = KA_P @ e
    r = KA_S / d
    np.testing.assert_allclose(res.per_supply, r, rtol=1e-14)
    np.testing.assert_allclose(res.per_demand, e @ r, rtol=1e-14)


# ---------------------------------------------------------------------------- properties


def test_conservation_when_every_facility_has_people_in_reach():
    csr, p, s = county(5)
    p = p + 1.0
    res = two_step_fca(csr, p, s, minutes=30)
    assert not np.isnan(res.per_supply).any()
    assert p @ res.per_demand == pytest.approx(s.sum(), rel=1e-12)


def test_facility_without_people_in_reach_contributes_nothing():
    csr = pairs([0, 0, 1], [0, 1, 2], [3.0, 20.0, 4.0], (2, 3))
    res = two_step_fca(csr, [50.0, 0.0], [5.0, 7.0, 9.0], minutes=10)
    # f1 is out of reach (20 > 10), f2 reaches only an empty cell: both NaN, nothing leaks
    assert np.isnan(res.per_supply[1:]).all()
    assert res.per_demand.tolist() == [0.1, 0.0]
    # only the supply of reached facilities is conserved
    assert 50.0 * res.per_demand[0] == pytest.approx(5.0)


def test_explicit_zero_time_counts_as_in_reach():
    csr = pairs([0, 1], [0, 1], [0.0, 0.0], (2, 2))
    assert csr.nnz == 2
    for method, kw in [
        ("2sfca", {"minutes": 0}),
        ("e2sfca", {"bands": {0: 1.0}}),
        ("g2sfca", {"minutes": 0, "sigma": 1.0}),
        ("3sfca", {"bands": {0: 1.0}}),
    ]:
        res = accessibility_index(csr, [10.0, 20.0], [1.0, 4.0], method=method, **kw)
        np.testing.assert_allclose(res.per_demand, [0.1, 0.2], err_msg=method)
    res = raam(csr, [10.0, 20.0], [1.0, 4.0], tau=10.0)
    assert np.isfinite(res.per_demand).all()


def test_unsorted_csr_indices_are_handled():
    csr = pairs([0, 0], [0, 1], [5.0, 7.0], (1, 2))
    rev = sp.csr_matrix((csr.data[::-1], csr.indices[::-1], csr.indptr), shape=csr.shape)
    rev.has_sorted_indices = False
    a = two_step_fca(csr, [4.0], [1.0, 3.0], minutes=6).per_demand
    b = two_step_fca(rev, [4.0], [1.0, 3.0], minutes=6).per_demand
    assert a.tolist() == b.tolist() == [0.25]


@st.composite
def problems(draw):
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 5))
    mask = draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))
    times = draw(st.lists(st.integers(0, 30), min_size=n * m, max_size=n * m))
    p = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    s = draw(st.lists(st.integers(0, 50), min_size=m, max_size=m))
    idx = np.flatnonzero(mask)
    csr = pairs(idx // m, idx % m, np.asarray(times, float)[idx], (n, m))
    return csr, np.asarray(p, float), np.asarray(s, float)


@settings(max_examples=60, deadline=None)
@given(problems(), st.sampled_from([0.5, 3.0, 1000.0]))
def test_scaling_supply_scales_every_index(prob, c):
    csr, p, s = prob
    for kw in [
        {"method": "2sfca", "minutes": 15},
        {"method": "e2sfca", "bands": LUO_QI},
        {"method": "g2sfca", "minutes": 20},
        {"method": "3sfca", "bands": WAN},
    ]:
        a = accessibility_index(csr, p, s, **kw).per_demand
        b = accessibility_index(csr, p, c * s, **kw).per_demand
        np.testing.assert_allclose(b, c * a, rtol=1e-12, atol=0)


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(0, 4), st.integers(1, 20))
def test_adding_supply_never_lowers_2sfca(prob, j, extra):
    csr, p, s = prob
    j %= s.size
    more = s.copy()
    more[j] += extra
    a = two_step_fca(csr, p, s, minutes=15).per_demand
    b = two_step_fca(csr, p, more, minutes=15).per_demand
    assert np.all(b >= a)
    reached = np.zeros(p.size, bool)
    col = csr.tocsc()[:, j]
    within = col.data <= 15
    reached[col.indices[within]] = True
    if p[reached].sum() > 0:
        assert np.all(b[reached] > a[reached])


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(0, 30), st.integers(0, 30))
def test_raising_the_catchment_never_loses_pairs(prob, d1, d2):
    csr, p, s = prob
    lo, hi = min(d1, d2), max(d1, d2)
    p, s = p + 1, s + 1  # everyone counts, every facility has capacity
    a = two_step_fca(csr, p, s, minutes=lo).per_demand
    b = two_step_fca(csr, p, s, minutes=hi).per_demand
    assert np.all(b[a > 0] > 0)
    none = np.diff(csr.indptr) == 0
    assert np.all(a[none] == 0)
    assert np.all(b[none] == 0)
    has_lo = np.zeros(p.size, bool)
    has_lo[np.repeat(np.arange(p.size), np.diff(csr.indptr))[csr.data <= lo]] = True
    assert np.array_equal(a > 0, has_lo)


@settings(max_examples=40, deadline=None)
@given(problems())
def test_no_nan_or_negative_index_from_any_fca(prob):
    csr, p, s = prob
    for m in ("2sfca", "e2sfca", "g2sfca", "3sfca"):
        kw = {"bands": LUO_QI} if m in ("e2sfca", "3sfca") else {"minutes": 20}
        a = accessibility_index(csr, p, s, method=m, **kw).per_demand
        assert np.isfinite(a).all()
        assert (a >= 0).all()


# ------------------------------------------------------------------------ tiers, dispatcher


def test_tiered_counts_only_high_enough_tiers():
    tiers = np.array([3, 2])
    out = tiered_two_step_fca(
        KA, KA_P, KA_S, tiers=tiers, levels=[("basic", 2, 15), ("specialist", 3, 30)]
    )
    assert list(out) == ["basic", "specialist"]
    np.testing.assert_allclose(out["basic"], two_step_fca(KA, KA_P, KA_S, minutes=15).per_demand)
    # specialist: only f0 (tier 3), 600 people within 30 min
    np.testing.assert_allclose(out["specialist"], [0.005, 0.005, 0.005])
    with pytest.raises(InputError):
        tiered_two_step_fca(KA, KA_P, KA_S, tiers=tiers, levels=[("a", 2, 15), ("a", 3, 30)])
    with pytest.raises(InputError):
        tiered_two_step_fca(KA, KA_P, KA_S, tiers=[1.5, 2.0], levels=[("a", 2, 15)])
    with pytest.raises(InputError):
        tiered_two_step_fca(KA, KA_P, KA_S, tiers=[1], levels=[("a", 2, 15)])
    with pytest.raises(InputError):
        tiered_two_step_fca(KA, KA_P, KA_S, tiers=tiers, levels=[("a", 2)])
    with pytest.raises(InputError):
        tiered_two_step_fca(KA, KA_P, KA_S, tiers=tiers, levels=[])


def test_dispatcher_matches_functions_and_params_are_json():
    csr, p, s = county(4, n=60, m=8)
    cases = {
        "2sfca": (dict(minutes=20), two_step_fca(csr, p, s, minutes=20)),
        "e2sfca": (dict(bands=LUO_QI), enhanced_two_step_fca(csr, p, s, bands=LUO_QI)),
        "g2sfca": (
            dict(minutes=20, sigma=8),
            gaussian_two_step_fca(csr, p, s, minutes=20, sigma=8),
        ),
        "3sfca": (dict(bands=WAN, minutes=25), three_step_fca(csr, p, s, bands=WAN, minutes=25)),
        "raam": (dict(tau=20.0), raam(csr, p, s, tau=20.0)),
    }
    assert set(cases) == set(METHODS)
    for method, (kw, direct) in cases.items():
        res = accessibility_index(csr, p, s, method=method, **kw)
        assert isinstance(res, IndexResult)
        assert res.method == method
        np.testing.assert_array_equal(res.per_demand, direct.per_demand)
        np.testing.assert_array_equal(res.per_supply, direct.per_supply)
        assert res.per_demand.shape == (60,)
        assert res.per_supply.shape == (8,)
        json.dumps(res.params)
        assert method in repr(res)
        assert "n_demand=60" in repr(res)
    assert cases["e2sfca"][1].params == {"bands": [[10.0, 1.0], [20.0, 0.68], [30.0, 0.22]]}
    assert cases["raam"][1].params["rho"] == pytest.approx(p.sum() / s.sum())
    with pytest.raises(AttributeError):
        res.method = "x"  # frozen


def test_raam_per_supply_is_congestion_and_excludes_empty_rows():
    csr = pairs([0, 0, 1, 2], [0, 1, 1, 1], [1.0, 2.0, 1.0, 1.0], (3, 3))
    res = raam(csr, [10.0, 0.0, 10.0], [1.0, 1.0, 0.0], tau=60.0)
    assert np.isnan(res.per_demand[1])
    assert np.isnan(res.per_supply[2])
    # rho = 20 / 2 = 10: each facility ends with 10 people -> congestion 1
    np.testing.assert_allclose(res.per_supply[:2], [1.0, 1.0])
    np.testing.assert_allclose(res.per_demand[[0, 2]], [1 + 1 / 60, 1 + 1 / 60])


def test_raam_reaching_only_zero_supply_is_nan():
    csr = pairs([0, 1], [0, 1], [1.0, 1.0], (2, 2))
    res = raam(csr, [5.0, 5.0], [2.0, 0.0])
    assert np.isfinite(res.per_demand[0])
    assert np.isnan(res.per_demand[1])


def test_pysal_quirk_raam_unreachable_people_congest_the_first_facility():
    # cell 1 reaches only facility 1, which has no supply; PySAL still loads its 5 people on
    # facility 0 (so cell 0 pays 1.17); access15 leaves them out: rho = 10 / 3, cell 0 ends
    # with 4 people at f0 and 1 at f2: (4 * (0.6 + 1/60) + (0.3 + 5/60)) / 5 = 0.57
    csr = pairs([0, 0, 1], [0, 2, 1], [1.0, 5.0, 1.0], (2, 3))
    p, s = np.array([5.0, 5.0]), np.array([2.0, 0.0, 1.0])
    want = pysal(csr, p, s, lambda a: a.raam())
    got = raam(csr, p, s)
    assert np.isnan(want[1])
    assert np.isnan(got.per_demand[1])
    assert want[0] == pytest.approx(1.17)
    assert got.per_demand[0] == pytest.approx(0.57)
    np.testing.assert_allclose(got.per_supply, [0.6, np.nan, 0.3])


# ---------------------------------------------------------------------------------- errors

GOOD = (KA, KA_P, KA_S)


@pytest.mark.parametrize(
    ("args", "kw"),
    [
        (GOOD, {"method": "4sfca", "minutes": 10}),
        (GOOD, {"method": "2sfca"}),
        (GOOD, {"method": "e2sfca"}),
        (GOOD, {"method": "2sfca", "minutes": 10, "bands": LUO_QI}),
        (GOOD, {"method": "raam", "minutes": 10}),
        (GOOD, {"method": "2sfca", "minutes": 10, "tau": 3}),
        (GOOD, {"method": "2sfca", "minutes": -1}),
        (GOOD, {"method": "2sfca", "minutes": float("nan")}),
        (GOOD, {"method": "2sfca", "minutes": "ten"}),
        (GOOD, {"method": "e2sfca", "bands": {20: 1.0, 10: 0.5}}),
        (GOOD, {"method": "e2sfca", "bands": {}}),
        (GOOD, {"method": "e2sfca", "bands": [(10, 1.0)]}),
        (GOOD, {"method": "e2sfca", "bands": {10: -1.0}}),
        (GOOD, {"method": "e2sfca", "bands": {10: "x"}}),
        (GOOD, {"method": "3sfca", "bands": {10: float("inf")}}),
        (GOOD, {"method": "g2sfca", "minutes": 10, "sigma": 0}),
        (GOOD, {"method": "g2sfca", "minutes": 0}),
        (GOOD, {"method": "g2sfca", "minutes": 10, "form": "dai", "sigma": 3}),
        (GOOD, {"method": "g2sfca", "minutes": 0, "form": "dai"}),
        (GOOD, {"method": "g2sfca", "minutes": 10, "form": "laplace"}),
        (GOOD, {"method": "raam", "tau": 0}),
        (GOOD, {"method": "raam", "max_cycles": 0}),
        (GOOD, {"method": "raam", "rho": -1.0}),
        ((KA, KA_P, np.zeros(2)), {"method": "raam"}),
        ((KA.toarray(), KA_P, KA_S), {"method": "2sfca", "minutes": 10}),
        ((KA, KA_P[:2], KA_S), {"method": "2sfca", "minutes": 10}),
        ((KA, KA_P, KA_S[:1]), {"method": "2sfca", "minutes": 10}),
        ((KA, KA_P[:, None], KA_S), {"method": "2sfca", "minutes": 10}),
        ((KA, -KA_P, KA_S), {"method": "2sfca", "minutes": 10}),
        ((KA, KA_P, -KA_S), {"method": "2sfca", "minutes": 10}),
        ((KA, np.array([1.0, np.nan, 2.0]), KA_S), {"method": "2sfca", "minutes": 10}),
        ((KA, KA_P, np.array([1.0, np.inf])), {"method": "2sfca", "minutes": 10}),
        ((KA * -1, KA_P, KA_S), {"method": "2sfca", "minutes": 10}),
        ((pairs([0], [0], [np.nan], (3, 2)), KA_P, KA_S), {"method": "2sfca", "minutes": 10}),
    ],
)
def test_bad_inputs_raise_input_error(args, kw):
    with pytest.raises(InputError) as e:
        accessibility_index(*args, **kw)
    assert "\n" not in str(e.value)


def test_duplicate_pair_is_an_error():
    dup = sp.csr_matrix(([1.0, 2.0], [0, 0], [0, 2, 2, 2]), shape=(3, 2))
    with pytest.raises(InputError, match="twice"):
        two_step_fca(dup, KA_P, KA_S, minutes=10)


def test_public_docstrings_are_valid_numpydoc():
    validate = pytest.importorskip("numpydoc.validate").validate
    checks = {"GL01", "GL02", "GL03", "GL05", "GL06", "GL07", "GL08", "GL10", "YD01"}
    checks |= {f"SS0{i}" for i in range(1, 7)} | {"RT01", "RT03"}
    checks |= {f"PR{i:02d}" for i in range(1, 11)}
    names = [
        "two_step_fca",
        "enhanced_two_step_fca",
        "gaussian_two_step_fca",
        "three_step_fca",
        "tiered_two_step_fca",
        "raam",
        "accessibility_index",
        "IndexResult",
    ]
    class_skip = {"PR01", "PR02", "PR03", "PR07", "RT01", "RT03"}  # fields go under Attributes
    problems = [
        f"{n}: {code} {msg}"
        for n in names
        for code, msg in validate(f"access15.fca.{n}")["errors"]
        if code in checks and not (n == "IndexResult" and code in class_skip)
    ]
    assert not problems, "\n".join(problems)


def test_docstring_examples_run():
    import doctest

    import access15.fca as mod

    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert res.attempted >= 14
    assert res.failed == 0


def test_raam_parameter_edges_are_accepted():
    csr, p, s = county(4, n=40, m=6)
    for kw in [
        {"max_cycles": 1},
        {"min_step": 0.0},
        {"tau": 0.5},
        {"half_life": 0.5},
        {"initial_step": 1.0},
    ]:
        res = raam(csr, p, s, **kw)
        assert np.isfinite(res.per_demand[p > 0]).any(), kw
    for kw in [{"half_life": 0.0}, {"initial_step": 0.0}, {"min_step": -0.1}, {"tau": -1.0}]:
        with pytest.raises(InputError):
            raam(csr, p, s, **kw)


def test_band_limits_equal_as_floats_are_not_increasing():
    with pytest.raises(InputError, match="increasing"):
        enhanced_two_step_fca(KA, KA_P, KA_S, bands={10**16: 1.0, 10**16 + 1: 0.5})


def test_repr_counts_nan_only_when_there_are_some():
    clean = two_step_fca(KA, KA_P, KA_S, minutes=15)
    assert "NaN" not in repr(clean)
    some = raam(pairs([0, 1], [0, 1], [1.0, 1.0], (2, 2)), [5.0, 0.0], [1.0, 1.0])
    assert repr(some).endswith(", 1 NaN)")
    assert "per_demand: mean=" in repr(some)


def test_many_bands_use_the_same_step_rule():
    csr, p, s = county(6, n=80, m=10)
    many = {float(k): 1.0 / (1 + k) for k in range(0, 151)}  # > 100 bands: searchsorted path
    few = {k: v for k, v in many.items() if k % 15 == 0 or k > 29}
    a = enhanced_two_step_fca(csr, p, s, bands=many).per_demand
    want = pysal(csr, p, s, lambda acc: acc.enhanced_two_stage_fca(weight_fn=weights.step_fn(many)))
    ok = ~np.isnan(want)
    np.testing.assert_allclose(a[ok], want[ok], rtol=RTOL)
    b = enhanced_two_step_fca(csr, p, s, bands=few).per_demand
    assert not np.allclose(a, b)


def test_other_sparse_formats_and_dtypes_are_converted():
    want = gaussian_two_step_fca(KA, KA_P, KA_S, minutes=30, sigma=7).per_demand
    for other in (KA.tocoo(), KA.tocsc(), KA.astype(np.float32), sp.csr_array(KA)):
        got = gaussian_two_step_fca(other, KA_P, KA_S, minutes=30, sigma=7).per_demand
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_results_are_read_only():
    res = two_step_fca(KA, KA_P, KA_S, minutes=15)
    out = tiered_two_step_fca(KA, KA_P, KA_S, tiers=[3, 2], levels=[("basic", 2, 15)])
    for arr in (res.per_demand, res.per_supply, out["basic"]):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1.0


def test_band_edge_values():
    # a zero weight is allowed (and means out of reach); an infinite one anywhere is not
    res = enhanced_two_step_fca(KA, KA_P, KA_S, bands={10: 1.0, 20: 0.0})
    np.testing.assert_allclose(res.per_demand, [0.03, 0.0, 1 / 300])  # f0 <- cell 0, f1 <- cell 2
    for bad in (
        {10: 1.0, 20: float("inf")},
        {10: 1.0, float("inf"): 0.5},
        {-5: 1.0, 10: 0.5},
        {10: 1.0, 20: -0.5},
    ):
        with pytest.raises(InputError):
            enhanced_two_step_fca(KA, KA_P, KA_S, bands=bad)


def test_repr_states_the_index_range():
    res = two_step_fca(KA, KA_P, KA_S, minutes=15)  # A = 0.01, 0.01, 1/300
    assert "mean=0.007778, min=0.003333, max=0.01" in repr(res)


def test_raam_small_totals_and_rho_bounds():
    csr = pairs([0, 1], [0, 1], [1.0, 2.0], (2, 2))
    res = raam(csr, [1.0, 1.0], [0.5, 0.0])  # total supply below 1 is fine
    assert np.isfinite(res.per_demand[0])
    for kw in [{"rho": 0.0}, {"rho": float("inf")}]:
        with pytest.raises(InputError, match="rho"):
            raam(csr, [1.0, 1.0], [0.5, 0.5], **kw)
    with pytest.raises(InputError, match="demand"):
        raam(csr, [0.0, 0.0], [0.5, 0.5])
    assert np.isnan(raam(csr, [0.0, 0.0], [0.5, 0.5], rho=1.0).per_demand).all()
