"""access15.siting._kernels: `zone_patterns` lists exactly the minimal site sets of one zone."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from access15.siting._kernels import zone_patterns

# three sites (rows, by decreasing saving) and two demand rows of one person each:
# site 0 saves 10 min to row 0, site 1 4 min to both, site 2 6 min to row 1
D = np.array([[10.0, 0.0], [4.0, 4.0], [0.0, 6.0]])
ONE = np.ones(2)
ZERO = np.zeros(2)


def _sets(pats) -> list[tuple[int, ...]]:
    return sorted(tuple(int(i) for i in p if i >= 0) for p in pats)


def test_known_minimal_sets():
    # need 14: {0, 1} = 10 + 4 and {0, 2} = 10 + 6; {1, 2} = 4 + 6 falls short
    pats, overflow = zone_patterns(D, ONE, ZERO, 14.0, 1e-9, 2, 10**6)
    assert not overflow
    assert pats.tolist() == [[0, 1], [0, 2]]
    # need 10: {0} alone, and {1, 2} (neither alone reaches it); rows padded with -1
    pats, _ = zone_patterns(D, ONE, ZERO, 10.0, 1e-9, 3, 10**6)
    assert pats.tolist() == [[0, -1, -1], [1, 2, -1]]
    # need 16: only {0, 2}; {0, 1, 2} reaches it too but is not minimal
    assert zone_patterns(D, ONE, ZERO, 16.0, 1e-9, 3, 10**6)[0].tolist() == [[0, 2, -1]]


def test_size_limit_and_unreachable_need():
    pats, overflow = zone_patterns(D, ONE, ZERO, 14.0, 1e-9, 1, 10**6)
    assert pats.shape == (0, 1)
    assert not overflow
    pats, overflow = zone_patterns(D, ONE, ZERO, 17.0, 1e-9, 3, 10**6)  # 16 at most
    assert pats.shape == (0, 3)
    assert not overflow


def test_need_already_met_is_the_empty_set():
    b = np.array([1.0, 1.0])
    pats, overflow = zone_patterns(np.maximum(D, b), ONE, b, 2.0, 1e-9, 2, 10**6)
    assert pats.tolist() == [[-1, -1]]
    assert not overflow


def test_people_weigh_the_saving():
    # three people on row 1: site 2 alone saves 18, sites 0 and 1 together 10 + 12
    a = np.array([1.0, 3.0])
    d = D[[2, 1, 0]]  # by decreasing saving: 18, 16, 10
    assert _sets(zone_patterns(d, a, ZERO, 18.0, 1e-9, 3, 10**6)[0]) == [(0,), (1, 2)]
    assert _sets(zone_patterns(d, ONE, ZERO, 18.0, 1e-9, 3, 10**6)[0]) == []


def test_tolerance_and_cap():
    # a need 1e-7 above 14 is met by {0, 1} (exactly 14) within eps 1e-6, not within 1e-9
    assert zone_patterns(D, ONE, ZERO, 14.0 + 1e-7, 1e-6, 2, 10**6)[0].tolist() == [
        [0, 1],
        [0, 2],
    ]
    assert zone_patterns(D, ONE, ZERO, 14.0 + 1e-7, 1e-9, 2, 10**6)[0].tolist() == [[0, 2]]
    pats, overflow = zone_patterns(D, ONE, ZERO, 10.0, 1e-9, 2, 0)
    assert overflow  # gave up after the first set
    assert pats.tolist() == [[0, -1]]


def _zone_saving(d, a, b, subset):
    best = b.copy()
    for j in subset:
        best = np.maximum(best, d[j])
    return float(a @ best)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), max_size=st.integers(1, 4), ties=st.booleans())
def test_zone_patterns_are_exactly_the_minimal_sets(seed, max_size, ties):
    """The compiled search lists every minimal set of <= max_size sites reaching the need,
    and nothing else (checked against enumeration of all subsets)."""
    rng = np.random.default_rng(seed)
    n, nr = int(rng.integers(1, 8)), int(rng.integers(1, 12))
    scale = 3 if ties else 1000  # few distinct values: many ties between sets
    b = rng.integers(0, scale, nr).astype(float)
    d = np.maximum(rng.integers(0, 2 * scale, (n, nr)).astype(float), b)
    a = rng.integers(1, 20, nr).astype(float)
    g0, full = float(a @ b), _zone_saving(d, a, b, range(n))
    need = float(rng.uniform(g0, full + 1.0))
    need = float(np.round(need)) if ties else need
    eps = 1e-12 * max(1.0, full)
    order = np.argsort(-(d @ a), kind="stable")
    d = np.ascontiguousarray(d[order])
    pats, overflow = zone_patterns(d, a, b, need, eps, max_size, 10**6)
    assert not overflow
    got = {tuple(sorted(int(i) for i in p if i >= 0)) for p in pats}
    assert len(got) == len(pats)  # no set twice

    def reaches(s):
        return _zone_saving(d, a, b, s) >= need - eps

    want = {()} if reaches(()) else set()
    if not reaches(()):
        for size in range(1, min(max_size, n) + 1):
            for s in itertools.combinations(range(n), size):
                if reaches(s) and not any(reaches(s[:i] + s[i + 1 :]) for i in range(len(s))):
                    want.add(s)
    assert got == want
    if want and any(len(s) > 1 for s in want):
        assert zone_patterns(d, a, b, need, eps, max_size, 0)[1]  # cap reached: flagged
