"""Tests of capacity-limited coverage (``access15.capacity``).

References: the full (cell x facility, not aggregated) LP solved by scipy's HiGHS for the exact
method, a plain-Python loop for the sequential rule, hand-computed answers on tiny cases.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from access15.capacity import (
    CapacityComparison,
    CapacityResult,
    capacity_coverage,
    compare_methods,
    group_cells,
    max_flow_transport,
    solve_transport,
)
from access15.errors import InputError

TOL = 1e-6  # people


# --------------------------------------------------------------------------------- references


def pairs_within(times: sp.csr_matrix, minutes: float) -> list[tuple[int, int, float]]:
    """(cell, facility, minutes) of every stored pair within T (explicit zeros included)."""
    c = sp.coo_matrix(times)
    return [
        (int(i), int(j), float(t))
        for i, j, t in zip(c.row, c.col, c.data, strict=True)
        if t <= minutes
    ]


def lp_reference(times, pop, cap, minutes) -> float:
    """The optimum of the non-aggregated LP: one variable per (cell, facility) pair within T."""
    pairs = pairs_within(times, minutes)
    if not pairs:
        return 0.0
    n, m = times.shape
    nv = len(pairs)
    a = np.zeros((n + m, nv))
    for k, (i, j, _) in enumerate(pairs):
        a[i, k] = 1.0
        a[n + j, k] = 1.0
    b = np.concatenate([pop, np.where(np.isfinite(cap), cap, 1e12)])
    res = linprog(-np.ones(nv), A_ub=a, b_ub=b, bounds=(0, None), method="highs")
    assert res.status == 0
    return float(-res.fun)


def assignment_exists(times, minutes, served, load) -> bool:
    """Is there a flow on pairs within T with these per-cell and per-facility totals?"""
    pairs = pairs_within(times, minutes)
    n, m = times.shape
    if not pairs:
        return bool(np.all(np.abs(served) < TOL) and np.all(np.abs(load) < TOL))
    a = np.zeros((n + m, len(pairs)))
    for k, (i, j, _) in enumerate(pairs):
        a[i, k] = 1.0
        a[n + j, k] = 1.0
    res = linprog(
        np.zeros(len(pairs)),
        A_eq=a,
        b_eq=np.concatenate([served, load]),
        bounds=(0, None),
        method="highs",
    )
    return bool(res.status == 0)


def sequential_reference(times, pop, cap, minutes, order) -> tuple[np.ndarray, np.ndarray]:
    """The sequential rule as a plain loop: nearest first, ties by cell index, partial cells."""
    residual = [float(p) for p in pop]
    load = [0.0] * times.shape[1]
    pairs = pairs_within(times, minutes)
    for j in order:
        left = float(cap[j])
        for _, i in sorted((t, i) for i, jj, t in pairs if jj == j):
            take = min(residual[i], left)
            residual[i] -= take
            left -= take
            load[j] += take
    return np.asarray(pop, dtype=float) - np.asarray(residual), np.asarray(load)


@st.composite
def instances(draw, max_cells: int = 8, max_fac: int = 4):
    n = draw(st.integers(1, max_cells))
    m = draw(st.integers(1, max_fac))
    mask = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
    tvals = draw(
        st.lists(
            st.sampled_from([0.0, 3.0, 5.0, 5.0, 12.5, 20.0, 31.0]), min_size=n * m, max_size=n * m
        )
    )
    t = np.array(tvals).reshape(n, m)
    rows, cols = np.nonzero(mask)
    times = sp.csr_matrix((t[rows, cols], (rows, cols)), shape=(n, m))
    pop = np.array(
        draw(st.lists(st.one_of(st.just(0.0), st.floats(0.1, 100.0)), min_size=n, max_size=n))
    )
    cap = np.array(
        draw(
            st.lists(
                st.one_of(st.just(0.0), st.just(np.inf), st.floats(0.1, 150.0)),
                min_size=m,
                max_size=m,
            )
        )
    )
    minutes = draw(st.sampled_from([0.0, 5.0, 20.0, 30.0]))
    return times, pop, cap, minutes


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_valid(r: CapacityResult, times, pop, cap, minutes) -> None:
    assert np.all(r.served >= -1e-12)
    assert np.all(r.served <= pop + 1e-9)
    assert np.all(r.load >= -1e-12)
    assert np.all(r.load <= cap + 1e-9)
    assert r.served_total == pytest.approx(r.load.sum(), abs=TOL)
    assert r.served.sum() == pytest.approx(r.served_total, abs=TOL)
    assert r.served_total <= r.within_reach_total + TOL
    assert r.population_total == pytest.approx(float(np.sum(pop)))
    # cells out of reach serve nobody
    deg = np.zeros(times.shape[0], dtype=int)
    for i, _, _ in pairs_within(times, minutes):
        deg[i] += 1
    assert np.all(r.served[deg == 0] == 0)
    assert r.within_reach_total == pytest.approx(float(pop[deg > 0].sum()), abs=1e-9)


# ------------------------------------------------------------------------------- exact method


@SETTINGS
@given(instances())
def test_exact_equals_full_lp(inst):
    times, pop, cap, minutes = inst
    r = capacity_coverage(times, pop, cap, minutes=minutes)
    assert r.method == "exact"
    assert r.order is None
    assert r.served_total == pytest.approx(lp_reference(times, pop, cap, minutes), abs=TOL)
    check_valid(r, times, pop, cap, minutes)


@SETTINGS
@given(instances(max_cells=6, max_fac=3))
def test_exact_served_and_loads_are_a_valid_assignment(inst):
    times, pop, cap, minutes = inst
    r = capacity_coverage(times, pop, cap, minutes=minutes)
    assert assignment_exists(times, minutes, r.served, r.load)


@SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_exact_does_not_depend_on_facility_order(inst, rnd):
    times, pop, cap, minutes = inst
    perm = np.arange(times.shape[1])
    rnd.shuffle(perm)
    a = capacity_coverage(times, pop, cap, minutes=minutes)
    b = capacity_coverage(sp.csr_matrix(times[:, perm]), pop, cap[perm], minutes=minutes)
    assert b.served_total == pytest.approx(a.served_total, abs=TOL)
    # order= is ignored by the exact method
    c = capacity_coverage(times, pop, cap, minutes=minutes, order=perm)
    assert c.served_total == pytest.approx(a.served_total, abs=TOL)
    assert c.order is None


@SETTINGS
@given(instances())
def test_capacity_limited_never_above_plain_and_equal_when_unlimited(inst):
    times, pop, cap, minutes = inst
    for method in ("exact", "sequential"):
        r = capacity_coverage(times, pop, cap, minutes=minutes, method=method)
        assert r.served_total <= r.within_reach_total + TOL
        for big in (np.inf, 1e9):
            u = capacity_coverage(
                times, pop, np.full(len(cap), big), minutes=minutes, method=method
            )
            assert u.served_total == pytest.approx(u.within_reach_total, abs=TOL)
            assert np.allclose(u.served[u.served > 0], pop[u.served > 0])
    assert r.full_facilities <= len(cap)


@SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_sequential_matches_plain_loop_and_never_beats_exact(inst, rnd):
    times, pop, cap, minutes = inst
    order = list(range(times.shape[1]))
    rnd.shuffle(order)
    r = capacity_coverage(times, pop, cap, minutes=minutes, method="sequential", order=order)
    served, load = sequential_reference(times, pop, cap, minutes, order)
    np.testing.assert_allclose(r.served, served, atol=1e-9)
    np.testing.assert_allclose(r.load, load, atol=1e-9)
    assert list(r.order) == order
    assert r.method == "sequential"
    check_valid(r, times, pop, cap, minutes)
    cmp = compare_methods(times, pop, cap, minutes=minutes, order=order)
    assert cmp.difference_total >= -TOL
    assert cmp.difference_total == pytest.approx(
        cmp.exact.served_total - cmp.sequential.served_total
    )


def test_exact_large_random_matches_full_lp_and_aggregates():
    rng = np.random.default_rng(3)
    n, m = 400, 12
    dense = rng.random((n, m)) < 0.3
    t = np.where(dense, rng.integers(0, 40, size=(n, m)).astype(float), 0.0)
    rows, cols = np.nonzero(dense)
    times = sp.csr_matrix((t[rows, cols], (rows, cols)), shape=(n, m))
    pop = rng.lognormal(1, 1, n)
    cap = rng.uniform(0, 60, m)
    cap[2] = np.inf
    cap[5] = 0.0
    r = capacity_coverage(times, pop, cap, minutes=25)
    assert r.served_total == pytest.approx(lp_reference(times, pop, cap, 25), abs=TOL)
    check_valid(r, times, pop, cap, 25)


# -------------------------------------------------------------------------------- hand cases


def three_by_two() -> tuple[sp.csr_matrix, np.ndarray]:
    """Cell 0: f0 5 min, f1 10 min; cell 1: f0 0 min (a stored zero), f1 20 min;
    cell 2: f0 25 min (stored, above T = 22)."""
    data = np.array([5.0, 10.0, 0.0, 20.0, 25.0])
    indices = np.array([0, 1, 0, 1, 0])
    indptr = np.array([0, 2, 4, 5])
    return sp.csr_matrix((data, indices, indptr), shape=(3, 2)), np.array([10.0, 20.0, 30.0])


def test_sequential_known_answer_3x2():
    times, pop = three_by_two()
    assert times.nnz == 5  # the explicit zero is stored
    cap = np.array([25.0, 3.0])
    # f0: cell 1 (0 min) gives 20, cell 0 (5 min) gives 5 of 10 -> full; f1: cell 0's last 5,
    # capacity 3 -> 3. Cell 2 is 25 min away (> 22): not in reach.
    r = capacity_coverage(times, pop, cap, minutes=22, method="sequential")
    np.testing.assert_allclose(r.served, [8.0, 20.0, 0.0])
    np.testing.assert_allclose(r.load, [25.0, 3.0])
    assert r.served_total == pytest.approx(28.0)
    assert r.within_reach_total == pytest.approx(30.0)
    assert r.population_total == pytest.approx(60.0)
    assert r.unserved_within_reach == pytest.approx(2.0)
    assert r.full_facilities == 2
    # other order: f1 takes 3 of cell 0 (10 min is its nearest), then f0: 20 + 5
    r2 = capacity_coverage(times, pop, cap, minutes=22, method="sequential", order=[1, 0])
    np.testing.assert_allclose(r2.served, [8.0, 20.0, 0.0])
    np.testing.assert_allclose(r2.load, [25.0, 3.0])
    # at T = 25 the stored 25-minute pair counts; at T = 4 only the zero-minute pair does
    r3 = capacity_coverage(times, pop, np.array([100.0, 0.0]), minutes=25, method="sequential")
    np.testing.assert_allclose(r3.served, [10.0, 20.0, 30.0])
    r4 = capacity_coverage(times, pop, np.array([100.0, 100.0]), minutes=4, method="exact")
    np.testing.assert_allclose(r4.served, [0.0, 20.0, 0.0])
    assert r4.within_reach_total == pytest.approx(20.0)


def test_zero_minutes_pairs_are_in_reach_and_exact_hand_answer():
    times, pop = three_by_two()
    r = capacity_coverage(times, pop, np.array([25.0, 3.0]), minutes=0)
    np.testing.assert_allclose(r.served, [0.0, 20.0, 0.0])
    np.testing.assert_allclose(r.load, [20.0, 0.0])
    r = capacity_coverage(times, pop, np.array([25.0, 3.0]), minutes=22)
    assert r.served_total == pytest.approx(28.0)
    assert r.within_reach_total == pytest.approx(30.0)


def order_case() -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Cell A (10 people) reaches f0 at 5 min and f1 at 8; cell B (10) only f0, at 9 min."""
    times = sp.csr_matrix(np.array([[5.0, 8.0], [9.0, 0.0]]))
    times.eliminate_zeros()  # B does not reach f1
    return times, np.array([10.0, 10.0]), np.array([10.0, 10.0])


def test_sequential_depends_on_order_exact_does_not():
    times, pop, cap = order_case()
    a = capacity_coverage(times, pop, cap, minutes=15, method="sequential", order=[0, 1])
    b = capacity_coverage(times, pop, cap, minutes=15, method="sequential", order=[1, 0])
    # f0 first takes its nearest, A, and B is left out; f1 first takes A, then f0 takes B
    np.testing.assert_allclose(a.served, [10.0, 0.0])
    np.testing.assert_allclose(a.load, [10.0, 0.0])
    np.testing.assert_allclose(b.served, [10.0, 10.0])
    np.testing.assert_allclose(b.load, [10.0, 10.0])
    for perm in ([0, 1], [1, 0]):
        e = capacity_coverage(sp.csr_matrix(times[:, perm]), pop, cap[perm], minutes=15)
        assert e.served_total == pytest.approx(20.0)
        np.testing.assert_allclose(e.load, [10.0, 10.0])
    cmp = compare_methods(times, pop, cap, minutes=15)
    assert isinstance(cmp, CapacityComparison)
    assert cmp.difference_total == pytest.approx(10.0)
    np.testing.assert_allclose(cmp.served_difference, [0.0, 10.0])
    np.testing.assert_allclose(cmp.load_difference, [0.0, 10.0])
    assert "exact - sequential = 10.0 people" in repr(cmp)


def test_full_facilities_counts_only_facilities_at_capacity():
    times, pop, cap = order_case()
    a = capacity_coverage(times, pop, cap, minutes=15, method="sequential", order=[0, 1])
    assert a.full_facilities == 1  # f0 full, f1 idle
    tiny = capacity_coverage(times, pop, np.array([1e-10, 0.0]), minutes=15, method="sequential")
    assert tiny.full_facilities == 2  # a tiny capacity used up is full; capacity 0 too
    roomy = capacity_coverage(times, pop, np.array([30.0, np.inf]), minutes=15)
    assert roomy.full_facilities == 0
    almost = capacity_coverage(times, pop, np.array([20.5, 10.0]), minutes=15, method="sequential")
    np.testing.assert_allclose(almost.load, [20.0, 0.0])
    assert almost.full_facilities == 0  # 0.5 people short is not full


def test_named_orders():
    times, pop, cap = order_case()
    cap = np.array([10.0, 12.0])
    r = capacity_coverage(times, pop, cap, minutes=15, method="sequential", order="capacity")
    assert list(r.order) == [1, 0]
    assert r.served_total == pytest.approx(20.0)
    r = capacity_coverage(times, pop, cap, minutes=15, method="sequential", order="population")
    assert list(r.order) == [0, 1]  # f0 reaches 20 people, f1 10
    assert r.served_total == pytest.approx(10.0)
    r = capacity_coverage(times, pop, cap, minutes=15, method="sequential", order="given")
    assert list(r.order) == [0, 1]
    # ties by index: equal capacities keep the column order
    r = capacity_coverage(
        times, pop, np.array([5.0, 5.0]), minutes=15, method="sequential", order="capacity"
    )
    assert list(r.order) == [0, 1]
    r = capacity_coverage(
        times, pop, np.array([np.inf, 5.0]), minutes=15, method="sequential", order="capacity"
    )
    assert list(r.order) == [0, 1]


def test_ties_in_time_go_by_cell_index():
    times = sp.csr_matrix(np.array([[7.0], [7.0], [7.0]]))
    pop = np.array([4.0, 4.0, 4.0])
    r = capacity_coverage(times, pop, np.array([6.0]), minutes=10, method="sequential")
    np.testing.assert_allclose(r.served, [4.0, 2.0, 0.0])
    # nearer cell first even with a higher index
    times = sp.csr_matrix(np.array([[7.0], [3.0], [7.0]]))
    r = capacity_coverage(times, pop, np.array([6.0]), minutes=10, method="sequential")
    np.testing.assert_allclose(r.served, [2.0, 4.0, 0.0])


def test_exact_group_split_is_proportional_and_infinite_facility_serves_all():
    # cells 0 and 1 reach the same facility (one group); capacity serves half of them
    times = sp.csr_matrix(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 4.0]]))
    times.eliminate_zeros()
    pop = np.array([6.0, 2.0, 5.0])
    r = capacity_coverage(times, pop, np.array([4.0, np.inf]), minutes=10)
    np.testing.assert_allclose(r.served, [3.0, 1.0, 5.0])
    np.testing.assert_allclose(r.load, [4.0, 5.0])
    assert r.full_facilities == 1


def test_duplicate_entries_count_with_smallest_time():
    times = sp.coo_matrix(
        (np.array([30.0, 4.0, 9.0]), (np.array([0, 0, 1]), np.array([0, 0, 0]))), shape=(2, 1)
    )
    r = capacity_coverage(
        times, np.array([5.0, 5.0]), np.array([7.0]), minutes=10, method="sequential"
    )
    # summed duplicates would be 34 min (out of reach); the smallest, 4 min, is nearest
    np.testing.assert_allclose(r.served, [5.0, 2.0])


def test_duplicates_in_csr_count_once_with_smallest_time():
    # row 0 stores facility 0 twice (6 and 2 minutes): a non-canonical CSR
    times = sp.csr_matrix(
        (np.array([6.0, 2.0, 3.0]), np.array([0, 0, 0]), np.array([0, 2, 3])), shape=(2, 1)
    )
    assert not times.has_canonical_format
    for method in ("sequential", "exact"):
        r = capacity_coverage(
            times, np.array([5.0, 5.0]), np.array([6.0]), minutes=10, method=method
        )
        assert r.served_total == pytest.approx(6.0)
        assert r.within_reach_total == pytest.approx(10.0)
    np.testing.assert_allclose(r.served, [3.0, 3.0])  # exact: one group, split by people
    r = capacity_coverage(
        times, np.array([5.0, 5.0]), np.array([6.0]), minutes=10, method="sequential"
    )
    np.testing.assert_allclose(r.served, [5.0, 1.0])  # 2 min beats 3 min


def test_other_sparse_formats_give_the_same_answer():
    times, pop = three_by_two()
    cap = np.array([25.0, 3.0])
    ref = capacity_coverage(times, pop, cap, minutes=22, method="sequential")
    for other in (times.tocsc(), times.tocoo(), sp.csr_array(times), times.todok()):
        r = capacity_coverage(other, pop, cap, minutes=22, method="sequential")
        np.testing.assert_allclose(r.served, ref.served)
        np.testing.assert_allclose(r.load, ref.load)


def test_empty_and_degenerate_inputs():
    times = sp.csr_matrix((3, 2))
    r = capacity_coverage(times, np.ones(3), np.ones(2), minutes=15)
    assert r.served_total == 0.0
    assert r.within_reach_total == 0.0
    assert "0.0 of 0.0 people" in repr(r)
    times = sp.csr_matrix(np.array([[1.0], [2.0]]))
    for method in ("exact", "sequential"):
        r = capacity_coverage(times, np.zeros(2), np.array([5.0]), minutes=15, method=method)
        assert r.served_total == 0.0
        assert r.within_reach_total == 0.0
        r = capacity_coverage(times, np.ones(2), np.array([0.0]), minutes=15, method=method)
        assert r.served_total == 0.0
        assert r.within_reach_total == 2.0


def test_result_is_read_only_and_repr():
    times, pop = three_by_two()
    r = capacity_coverage(times, pop, np.array([25.0, 3.0]), minutes=22, method="sequential")
    with pytest.raises(ValueError, match="read-only"):
        r.served[0] = 1.0
    with pytest.raises(AttributeError):
        r.method = "exact"  # type: ignore[misc]
    s = repr(r)
    assert s.startswith("CapacityResult(sequential: 28.0 of 30.0 people within 22 min")
    assert "(93.3%)" in s
    assert "2 of 2 facilities full" in s
    assert "3 cells" in s


# ---------------------------------------------------------------------------------- helpers


@SETTINGS
@given(instances(max_cells=10, max_fac=4))
def test_group_cells_matches_python_grouping(inst):
    times, _, _, _ = inst
    reach = sp.csr_matrix(times)
    reach.sort_indices()
    cells = np.flatnonzero(np.diff(reach.indptr) > 0).astype(np.int64)
    group, rep = group_cells(reach, cells)
    keys = [tuple(reach.indices[reach.indptr[c] : reach.indptr[c + 1]]) for c in cells]
    for a in range(len(cells)):
        for b in range(len(cells)):
            assert (group[a] == group[b]) == (keys[a] == keys[b])
    assert len(rep) == len(set(keys))
    group2, rep2 = group_cells(reach, cells, hashed=False)
    for a in range(len(cells)):
        assert (group2 == group2[a]).tolist() == (group == group[a]).tolist()
    assert len(rep2) == len(rep)
    assert all(
        keys[list(cells).index(r)] == keys[list(cells).index(c)]
        for r, c in zip(rep2[group2], cells, strict=True)
    )
    for c, g in zip(cells, group, strict=True):
        assert keys[list(cells).index(rep[g])] == keys[list(cells).index(c)]


@SETTINGS
@given(
    st.lists(st.floats(0.1, 50.0), min_size=1, max_size=6),
    st.lists(st.floats(0.0, 60.0), min_size=1, max_size=4),
    st.data(),
)
def test_max_flow_equals_lp(gpop, cap, data):
    gpop, cap = np.array(gpop), np.array(cap)
    pairs = sorted(
        set(
            data.draw(
                st.lists(
                    st.tuples(st.integers(0, len(gpop) - 1), st.integers(0, len(cap) - 1)),
                    max_size=12,
                )
            )
        )
    )
    vg = np.array([p[0] for p in pairs], dtype=np.int64)
    vf = np.array([p[1] for p in pairs], dtype=np.int64)
    served, load, gap = max_flow_transport(gpop, vg, vf, cap)
    x = solve_transport(gpop, vg, vf, cap)
    assert served.sum() == pytest.approx(x.sum(), abs=TOL)
    assert abs(gap) <= TOL
    assert np.all(served <= gpop + 1e-12)
    assert np.all(load <= cap + 1e-12)
    assert served.sum() == pytest.approx(load.sum(), abs=TOL)
    assert np.all(np.bincount(vg, weights=x, minlength=len(gpop)) <= gpop + 1e-9)
    assert np.all(np.bincount(vf, weights=x, minlength=len(cap)) <= cap + 1e-9)


# -------------------------------------------------------------------------------- bad input


def _ok():
    times, pop = three_by_two()
    return times, pop, np.array([25.0, 3.0])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda t, p, c: (t.toarray(), p, c, {}), "scipy.sparse"),
        (lambda t, p, c: (t, np.array([1.0, -1.0, 2.0]), c, {}), "pop holds"),
        (lambda t, p, c: (t, np.array([1.0, np.nan, 2.0]), c, {}), "pop holds"),
        (lambda t, p, c: (t, np.array([1.0, np.inf, 2.0]), c, {}), "pop holds"),
        (lambda t, p, c: (t, p[:2], c, {}), "one value per cell"),
        (lambda t, p, c: (t, p, np.array([1.0, -2.0]), {}), "capacity holds"),
        (lambda t, p, c: (t, p, np.array([np.nan, 2.0]), {}), "capacity holds"),
        (lambda t, p, c: (t, p, np.array([1.0]), {}), "one value per facility"),
        (lambda t, p, c: (t, ["a", "b", "c"], c, {}), "must be numbers"),
        (lambda t, p, c: (t, p, c, {"minutes": -1.0}), "minutes must be"),
        (lambda t, p, c: (t, p, c, {"minutes": np.nan}), "minutes must be"),
        (lambda t, p, c: (t, p, c, {"method": "greedy"}), "unknown method"),
        (lambda t, p, c: (t, p, c, {"method": "sequential", "order": [0, 0]}), "exactly once"),
        (lambda t, p, c: (t, p, c, {"method": "sequential", "order": [0, 1, 2]}), "permutation"),
        (lambda t, p, c: (t, p, c, {"method": "sequential", "order": [0.0, 1.0]}), "permutation"),
        (lambda t, p, c: (t, p, c, {"method": "sequential", "order": [1, 2]}), "exactly once"),
        (lambda t, p, c: (t, p, c, {"method": "sequential", "order": "random"}), "unknown order"),
        (lambda t, p, c: (t, p, c, {"order": [1, 1]}), "exactly once"),
        (
            lambda t, p, c: (sp.csr_matrix(np.array([[1.0, -2.0], [0, 0], [0, 0]])), p, c, {}),
            "times holds",
        ),
        (
            lambda t, p, c: (sp.csr_matrix(np.array([[1.0, np.nan], [0, 0], [0, 0]])), p, c, {}),
            "times holds",
        ),
    ],
)
def test_bad_input_raises_input_error(change, match):
    t, p, c = _ok()
    t2, p2, c2, kw = change(t, p, c)
    kwargs = {"minutes": 22.0, **kw}
    with pytest.raises(InputError, match=match):
        capacity_coverage(t2, p2, c2, **kwargs)


def test_bad_input_in_compare_methods():
    t, p, c = _ok()
    with pytest.raises(InputError, match="exactly once"):
        compare_methods(t, p, c, minutes=22, order=[0, 0])


def test_max_flow_equals_lp_on_larger_random_graphs():
    rng = np.random.default_rng(7)
    for _ in range(5):
        g, m = 300, 25
        gpop = rng.lognormal(2, 1, g)
        cap = rng.uniform(0, 120, m)
        dense = rng.random((g, m)) < 0.15
        vg, vf = (a.astype(np.int64) for a in np.nonzero(dense))
        served, load, gap = max_flow_transport(gpop, vg, vf, cap)
        x = solve_transport(gpop, vg, vf, cap)
        assert served.sum() == pytest.approx(x.sum(), abs=TOL)
        assert served.sum() == pytest.approx(load.sum(), abs=TOL)
        assert abs(gap) <= TOL
        assert np.all(served <= gpop)
        assert np.all(load <= cap)
        # the per-group and per-facility totals must come from one flow on the pairs
        a = np.zeros((g + m, len(vg)))
        a[vg, np.arange(len(vg))] = 1.0
        a[g + vf, np.arange(len(vg))] = 1.0
        feas = linprog(
            np.zeros(len(vg)),
            A_eq=a,
            b_eq=np.concatenate([served, load]),
            bounds=(0, None),
            method="highs",
        )
        assert feas.status == 0
