"""access15._kernels: the bounded Dijkstra kernel and its heap, on hand-made CSR graphs."""

from __future__ import annotations

import numpy as np
import pytest

from access15._kernels import _pop, _push, bounded_pairs


def _csr(n: int, edges: list[tuple[int, int, float]]):
    """CSR arrays (indptr, indices, data) of directed edges (u, v, seconds) on nodes 0..n-1."""
    edges = sorted(edges)
    indptr = np.zeros(n + 1, dtype=np.int64)
    for u, _, _ in edges:
        indptr[u + 1] += 1
    indptr = np.cumsum(indptr)
    indices = np.array([v for _, v, _ in edges], dtype=np.int64)
    data = np.array([t for _, _, t in edges], dtype=np.float64)
    return indptr, indices, data


# a 3-node line 0 -> 1 -> 2, 10 s and 20 s, plus a slower shortcut 0 -> 2 of 35 s
LINE = _csr(3, [(0, 1, 10.0), (1, 2, 20.0), (0, 2, 35.0)])
ALL = np.array([0, 1, 2], dtype=np.int64)


def _pairs(src, init, cutoff, target_col=ALL, graph=LINE):
    s, c, t = bounded_pairs(
        *graph,
        np.asarray(src, dtype=np.int64),
        np.asarray(init, dtype=np.float64),
        float(cutoff),
        np.asarray(target_col, dtype=np.int64),
    )
    assert s.dtype == np.int64
    assert c.dtype == np.int64
    assert t.dtype == np.float64
    return sorted(zip(s.tolist(), c.tolist(), t.tolist(), strict=True))


def test_cutoff_is_inclusive_and_the_shortest_route_wins():
    assert _pairs([0], [0.0], 29.0) == [(0, 0, 0.0), (0, 1, 10.0)]
    # 0 -> 1 -> 2 is 30 s, not the 35 s shortcut; exactly at the cutoff counts
    assert _pairs([0], [0.0], 30.0) == [(0, 0, 0.0), (0, 1, 10.0), (0, 2, 30.0)]
    assert _pairs([0], [0.0], 1e9) == [(0, 0, 0.0), (0, 1, 10.0), (0, 2, 30.0)]


def test_start_time_counts_and_a_late_source_reaches_nothing():
    assert _pairs([0], [5.0], 15.0) == [(0, 0, 5.0), (0, 1, 15.0)]
    assert _pairs([0], [15.0001], 15.0) == []
    assert _pairs([0, 1], [16.0, 0.0], 15.0) == [(1, 1, 0.0)]  # source position 1, not node


def test_edges_are_one_way():
    assert _pairs([2], [0.0], 1e9) == [(0, 2, 0.0)]
    assert _pairs([1], [0.0], 1e9) == [(0, 1, 0.0), (0, 2, 20.0)]


def test_columns_of_targets_only_but_routes_through_any_node():
    # node 1 is no target: passed through, not emitted; columns are target_col's values
    assert _pairs([0], [0.0], 30.0, target_col=[-1, -1, 7]) == [(0, 7, 30.0)]
    assert _pairs([0], [0.0], 30.0, target_col=[3, -1, -1]) == [(0, 3, 0.0)]
    assert _pairs([0], [0.0], 30.0, target_col=[-1, -1, -1]) == []


def test_each_search_starts_clean_repeated_sources_included():
    # a second search from the same or another node must not see the first one's distances
    got = _pairs([0, 1, 0], [0.0, 0.0, 4.0], 30.0)
    assert got == [
        (0, 0, 0.0),
        (0, 1, 10.0),
        (0, 2, 30.0),
        (1, 1, 0.0),
        (1, 2, 20.0),
        (2, 0, 4.0),
        (2, 1, 14.0),
    ]


def test_no_sources_and_zero_time_edges():
    assert _pairs([], [], 10.0) == []
    g = _csr(2, [(0, 1, 0.0)])
    assert _pairs([0], [0.0], 0.0, target_col=[0, 1], graph=g) == [(0, 0, 0.0), (0, 1, 0.0)]


def test_output_grows_past_its_first_buffer():
    # a star 0 -> 1..k: 2 sources x (k + 1) pairs, more than the 65,536 first allocated
    k = 40_000
    g = _csr(k + 1, [(0, v, float(v)) for v in range(1, k + 1)])
    s, c, t = bounded_pairs(
        *g,
        np.array([0, 0], dtype=np.int64),
        np.array([0.0, 1.0]),
        float(k),
        np.arange(k + 1, dtype=np.int64),
    )
    assert len(s) == 2 * k + 1  # the second source misses the farthest leaf by 1 s
    assert (s[: k + 1] == 0).all()
    assert (s[k + 1 :] == 1).all()
    np.testing.assert_array_equal(np.sort(c[: k + 1]), np.arange(k + 1))
    np.testing.assert_array_equal(t[: k + 1], c[: k + 1].astype(float))
    np.testing.assert_array_equal(t[k + 1 :], c[k + 1 :] + 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heap_pops_in_key_order(seed):
    rng = np.random.default_rng(seed)
    keys = np.round(rng.uniform(0, 50, 200))  # many ties
    hk = np.empty(len(keys))
    hv = np.empty(len(keys), dtype=np.int64)
    size = 0
    for i, k in enumerate(keys):
        size = _push(hk, hv, size, k, i)
    assert size == len(keys)
    got_k, got_v = [], []
    while size > 0:
        k, v, size = _pop(hk, hv, size)
        got_k.append(k)
        got_v.append(v)
    assert got_k == sorted(keys.tolist())
    assert sorted(got_v) == list(range(len(keys)))
    assert [keys[v] for v in got_v] == got_k
