"""Compiled shortest-path kernels (numba, ``nogil``) on CSR arrays of travel times (seconds).

Private: :mod:`access15.travel` is the public face. Kernels take and return node *indexes*.

Why not scipy here: ``scipy.sparse.csgraph.dijkstra`` allocates and initialises O(n) arrays per
source and holds the GIL for part of the work, so candidate × demand searches with a cutoff (a few
thousand short searches on a large graph) are dominated by set-up; here each search resets only the
nodes it touched and threads run in parallel (3.5x scipy in ``benchmarks/``). For the one
multi-source sweep, scipy's own ``min_only`` search measured faster, so ``travel`` uses scipy there.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@njit(nogil=True, cache=True)
def _push(hk: F64, hv: I64, size: int, key: float, val: int) -> int:
    i = size
    hk[i] = key
    hv[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if hk[parent] <= hk[i]:
            break
        hk[parent], hk[i] = hk[i], hk[parent]
        hv[parent], hv[i] = hv[i], hv[parent]
        i = parent
    return size + 1


@njit(nogil=True, cache=True)
def _pop(hk: F64, hv: I64, size: int) -> tuple[float, int, int]:
    key = hk[0]
    val = hv[0]
    size -= 1
    hk[0] = hk[size]
    hv[0] = hv[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        right = left + 1
        if right < size and hk[right] < hk[left]:
            child = right
        if hk[i] <= hk[child]:
            break
        hk[child], hk[i] = hk[i], hk[child]
        hv[child], hv[i] = hv[i], hv[child]
        i = child
    return key, val, size


@njit(nogil=True, cache=True)
def bounded_pairs(
    indptr: I64,
    indices: I64,
    data: F64,
    src: I64,
    init: F64,
    cutoff: float,
    target_col: I64,
) -> tuple[I64, I64, F64]:
    """Single-source searches up to ``cutoff`` from each source, emitting reached targets.

    ``target_col[v]`` is the output column of node ``v`` (or -1 when ``v`` is not a target).
    Returns ``(source_pos, column, time)`` for every source × target within ``cutoff``
    (inclusive), each pair once.
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    cap = indices.shape[0] + 1
    hk = np.empty(cap, dtype=np.float64)
    hv = np.empty(cap, dtype=np.int64)
    out_cap = 1 << 16
    o_src = np.empty(out_cap, dtype=np.int64)
    o_col = np.empty(out_cap, dtype=np.int64)
    o_t = np.empty(out_cap, dtype=np.float64)
    n_out = 0
    for j in range(src.shape[0]):
        s = src[j]
        d0 = init[j]
        if d0 > cutoff:
            continue
        n_touched = 0
        dist[s] = d0
        touched[n_touched] = s
        n_touched += 1
        size = _push(hk, hv, 0, d0, s)
        while size > 0:
            d, u, size = _pop(hk, hv, size)
            if d > dist[u]:
                continue
            c = target_col[u]
            if c >= 0:
                if n_out == out_cap:
                    out_cap *= 2
                    t1 = np.empty(out_cap, dtype=np.int64)
                    t1[:n_out] = o_src[:n_out]
                    o_src = t1
                    t2 = np.empty(out_cap, dtype=np.int64)
                    t2[:n_out] = o_col[:n_out]
                    o_col = t2
                    t3 = np.empty(out_cap, dtype=np.float64)
                    t3[:n_out] = o_t[:n_out]
                    o_t = t3
                o_src[n_out] = j
                o_col[n_out] = c
                o_t[n_out] = d
                n_out += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + data[e]
                if nd <= cutoff and nd < dist[v]:
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = nd
                    size = _push(hk, hv, size, nd, v)
        for i in range(n_touched):
            dist[touched[i]] = np.inf
    return o_src[:n_out].copy(), o_col[:n_out].copy(), o_t[:n_out].copy()
