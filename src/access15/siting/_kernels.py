r"""Compiled kernel (numba) of the exact worst-township model: minimal site sets of one zone.

Private: :mod:`access15.siting` is the public face. The zone's saving under sites :math:`X` is
:math:`G(X) = \sum_r a_r \max(b_r, \max_{j \in X} d_{jr})` (people × minutes), a monotone
submodular function of :math:`X`; the kernel lists the sets of at most ``max_size`` sites whose
saving reaches ``need``, and only the minimal ones. Measured on the 60-candidate sample (one
target, all zones): the same search in Python/numpy took 0.18–0.41 s and listed 3–4× as many
sets (non-minimal ones included, each a column of the MILP); compiled, 0.06–0.14 s.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit


@njit(cache=True)
def _marginal(
    d: npt.NDArray[np.float64],
    a: npt.NDArray[np.float64],
    best: npt.NDArray[np.float64],
    j: int,
) -> float:
    """Return the saving site ``j`` adds to ``best`` (people × minutes)."""
    s = 0.0
    for r in range(best.shape[0]):
        if d[j, r] > best[r]:
            s += a[r] * (d[j, r] - best[r])
    return s


@njit(cache=True)
def _top_sum(x: npt.NDArray[np.float64], count: int) -> float:
    """Sum of the ``count`` largest values of ``x``."""
    if count >= x.shape[0]:
        return x.sum()
    return np.sort(x)[x.shape[0] - count :].sum()


@njit(cache=True)
def zone_patterns(
    d: npt.NDArray[np.float64],
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    need: float,
    eps: float,
    max_size: int,
    cap: int,
) -> tuple[npt.NDArray[np.int64], bool]:
    """Every minimal set of at most ``max_size`` sites (rows of ``d``) with saving >= ``need``.

    Parameters
    ----------
    d : float64 array, shape (n_sites, n_rows)
        Saving of each site for each demand row of the zone (minutes), already at least ``b``.
    a : float64 array, shape (n_rows,)
        People per row.
    b : float64 array, shape (n_rows,)
        Saving every plan already has (required sites), minutes.
    need : float
        Saving the zone needs (people × minutes).
    eps : float
        Absolute tolerance on savings.
    max_size : int
        Largest set size allowed (>= 1).
    cap : int
        Give up after expanding this many partial sets, or finding this many sets.

    Returns
    -------
    pats : int64 array, shape (n_sets, max_size)
        Site rows of each set, padded with -1 (one row of -1 alone: the empty set, when ``b``
        already reaches ``need``).
    overflow : bool
        True when the search passed ``cap`` (``pats`` is then incomplete).

    Notes
    -----
    Depth-first over sites in row order (callers sort by decreasing single-site saving). A child
    that adds nothing (<= ``eps``) is skipped: by submodularity it adds nothing to any superset
    either, so no minimal set contains it there. A subtree is cut when its saving plus the
    largest marginal savings of the sites still allowed to join — an upper bound, again by
    submodularity — cannot reach ``need``. A set that reaches ``need`` is kept only when removing
    any one of its sites falls short (minimal); the sets kept are exactly the minimal ones.
    """
    n, nr = d.shape
    out = np.full((16, max_size), -1, dtype=np.int64)
    n_out = 0
    best = np.empty((max_size + 1, nr))
    g = np.empty(max_size + 1)
    chosen = np.empty(max_size, dtype=np.int64)
    pos = np.empty(max_size + 1, dtype=np.int64)
    marg = np.empty(n)
    pm = np.zeros((max_size + 1, n))  # marginal saving of each later site at each depth
    tmp = np.empty(nr)
    for r in range(nr):
        best[0, r] = b[r]
    for j in range(n):
        pm[0, j] = _marginal(d, a, best[0], j)
    g0 = 0.0
    for r in range(nr):
        g0 += a[r] * b[r]
    g[0] = g0
    if g0 >= need - eps:  # the empty set already reaches the need: it is the only minimal set
        return out[:1], False
    pos[0] = 0
    k = 0
    nodes = 0
    while k >= 0:
        i = pos[k]
        if i >= n:
            k -= 1
            continue
        pos[k] = i + 1
        ng = 0.0
        for r in range(nr):
            v = d[i, r] if d[i, r] > best[k, r] else best[k, r]
            best[k + 1, r] = v
            ng += a[r] * v
        if ng <= g[k] + eps:
            continue
        if ng >= need - eps:
            # minimal? removing any earlier site must fall short (the last one is needed)
            minimal = True
            for drop in range(k):
                for r in range(nr):
                    tmp[r] = b[r]
                for q in range(k):
                    if q != drop:
                        jq = chosen[q]
                        for r in range(nr):
                            if d[jq, r] > tmp[r]:
                                tmp[r] = d[jq, r]
                for r in range(nr):
                    if d[i, r] > tmp[r]:
                        tmp[r] = d[i, r]
                gs = 0.0
                for r in range(nr):
                    gs += a[r] * tmp[r]
                if gs >= need - eps:
                    minimal = False
                    break
            if minimal:
                if n_out == out.shape[0]:
                    bigger = np.full((2 * n_out, max_size), -1, dtype=np.int64)
                    bigger[:n_out] = out
                    out = bigger
                for q in range(k):
                    out[n_out, q] = chosen[q]
                out[n_out, k] = i
                n_out += 1
                if n_out > cap:
                    return out[:n_out], True
            continue
        left = max_size - k - 1  # sites that may still join below this child
        if left <= 0 or i + 1 >= n:
            continue
        nm = n - i - 1
        # cheap cut first: marginals at the parent bound those at the child (submodularity)
        top = _top_sum(pm[k, i + 1 :], left)
        if ng + top < need - eps:
            continue
        for t in range(nm):
            marg[t] = _marginal(d, a, best[k + 1], i + 1 + t)
        if ng + _top_sum(marg[:nm], left) < need - eps:
            continue
        nodes += 1
        if nodes > cap:
            return out[:n_out], True
        chosen[k] = i
        g[k + 1] = ng
        k += 1
        pos[k] = i + 1
        for t in range(nm):
            pm[k, i + 1 + t] = marg[t]
    return out[:n_out], False
