"""Catchment accessibility indices: the two-step floating catchment area (2SFCA) family and RAAM.

Every index reads a sparse travel-time matrix ``times`` (``scipy.sparse`` CSR, shape
``(n_demand, n_supply)``, minutes from demand location *i* to supply location *j*) that stores
*only* the pairs within the largest catchment considered. A stored pair is in reach whatever its
value, an explicit 0 included (a facility in the cell itself); an absent pair is out of reach.
``demand`` is people per demand location and ``supply`` capacity per supply location (doctors,
beds). The two-step indices ``A_i`` are capacity units per person (doctors per person); the
ratios ``R_j`` are capacity units per person in the facility's catchment.

Mapping to PySAL ``access`` (the independent reference of the tests; ``Access`` methods):

- ``two_step_fca(minutes=d)`` = ``two_stage_fca(max_cost=d)``;
- ``enhanced_two_step_fca(bands=b)`` = ``enhanced_two_stage_fca(weight_fn=weights.step_fn(b))``
  (``max_cost`` None or ``max(b)``: beyond the last band the weight is 0 in both);
- ``gaussian_two_step_fca(minutes=d, sigma=s)`` =
  ``two_stage_fca(max_cost=d, weight_fn=weights.gaussian(s))``;
- ``three_step_fca(bands=b, minutes=d)`` =
  ``three_stage_fca(weight_fn=weights.step_fn(b), max_cost=d)``;
- ``raam(tau=, rho=, max_cycles=, initial_step=, min_step=, half_life=)`` = ``raam(`` the
  same ``)``;
- the stored pairs of ``times`` = the rows of ``cost_df`` (origin = demand, dest = supply);
- ``IndexResult.per_demand`` = the column ``"{name}_{supply_value}"`` (e.g. ``2sfca_doc``) of
  the raw (``normalize=False``) result.

PySAL's ``normalize=True`` divides by the population-weighted mean; access15 returns raw values.

Where access15 deliberately differs from PySAL (found while testing against it):

- a demand location with nothing in reach gets ``A = 0`` (PySAL: NaN, the row is missing);
- a facility whose catchment holds no people (or only zero-weight pairs) gets ``R = NaN`` and
  adds nothing to ``A`` (PySAL: ``S / 0`` = inf, so every cell reaching it gets ``A = inf``,
  or 0/0 = NaN which pandas then skips);
- PySAL's ``three_stage_fca`` adds a ``W3`` column to the caller's ``cost_df`` (mutation);
- PySAL's RAAM treats an ``initial_step`` of type ``numpy.float64`` as an absolute head count
  (``type(x) is float`` fails); access15 treats any non-integer as a fraction of demand;
- PySAL's RAAM reports NaN for a location that reaches only zero-supply facilities but still
  puts its people on the first facility column (argmin of an all-masked row), congesting it
  for others; access15 leaves those people out (NaN, burdening no one).

Both treat a cost exactly equal to the catchment (``t == minutes``, ``t == band``) as inside
(``<=``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

from access15.errors import InputError

__all__ = [
    "GAUSSIAN_FORMS",
    "METHODS",
    "IndexResult",
    "accessibility_index",
    "enhanced_two_step_fca",
    "gaussian_two_step_fca",
    "raam",
    "three_step_fca",
    "tiered_two_step_fca",
    "two_step_fca",
]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

METHODS: tuple[str, ...] = ("2sfca", "e2sfca", "g2sfca", "3sfca", "raam")
GAUSSIAN_FORMS: tuple[str, ...] = ("pysal", "dai")
_RAAM_LIMIT_INITIAL = 20  # PySAL iterate_raam's limit_initial (not exposed by PySAL's raam)


@dataclass(frozen=True, eq=False, repr=False)
class IndexResult:
    """One accessibility index for every demand and supply location.

    Attributes
    ----------
    per_demand : numpy.ndarray
        The index ``A_i`` per demand location, float64 of length ``n_demand``: capacity units
        per person (e.g. doctors per person) for the FCA methods; for RAAM the cost in units of
        ``tau`` minutes (lower is better; NaN for locations with no people or nothing in reach).
    per_supply : numpy.ndarray
        Per supply location, float64 of length ``n_supply``: the supply-to-demand ratio ``R_j``
        (capacity units per person in reach; NaN where no demand is in reach) for the FCA
        methods; for RAAM the final congestion term (people assigned / (``rho`` * supply); NaN
        at zero supply).
    method : str
        One of :data:`METHODS`.
    params : dict
        The parameters used (JSON-safe: bands as a list of ``[minutes, weight]`` pairs).
    """

    per_demand: np.ndarray
    per_supply: np.ndarray
    method: str
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        a = self.per_demand
        fin = a[np.isfinite(a)]
        stats = (
            f"mean={fin.mean():.4g}, min={fin.min():.4g}, max={fin.max():.4g}"
            if fin.size
            else "no finite value"
        )
        nan = int(a.size - fin.size)
        return (
            f"IndexResult(method={self.method!r}, params={self.params}, "
            f"n_demand={a.size}, n_supply={self.per_supply.size}, per_demand: {stats}"
            + (f", {nan} NaN" if nan else "")
            + ")"
        )


# ---------------------------------------------------------------------------------- checks


def _inputs(times: Any, demand: Any, supply: Any) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Validate and return (CSR with sorted indices, demand, supply) as float64."""
    if not sp.issparse(times):
        raise InputError(
            "times must be a scipy.sparse matrix storing only the pairs in reach; "
            "convert with scipy.sparse.csr_matrix"
        )
    csr = times  # used as is when possible: scipy caches its format flags on the object
    if times.format != "csr" or times.dtype != np.float64:
        csr = sp.csr_matrix(times, dtype=np.float64)
    if not csr.has_canonical_format:
        csr = csr.sorted_indices()
        if not csr.has_canonical_format:
            raise InputError("times stores a (demand, supply) pair twice; keep one time per pair")
    p = _vector(demand, "demand", "people")
    s = _vector(supply, "supply", "capacity")
    if csr.shape != (p.size, s.size):
        raise InputError(
            f"times has shape {csr.shape} but demand has {p.size} and supply {s.size} entries; "
            "times must be (n_demand, n_supply)"
        )
    if csr.nnz and not (csr.data.min() >= 0 and np.isfinite(csr.data.max())):
        raise InputError("times holds a negative, NaN or infinite time; store minutes >= 0")
    return csr, p, s


def _vector(x: Any, name: str, unit: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise InputError(f"{name} must be a 1-D array of {unit}, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} holds NaN or infinite values; give finite {unit} >= 0")
    if np.any(a < 0):
        raise InputError(f"{name} holds negative values; give {unit} >= 0")
    return a


def _minutes(minutes: Any, name: str = "minutes") -> float:
    try:
        d = float(minutes)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number of minutes, got {minutes!r}") from None
    if not math.isfinite(d) or d < 0:
        raise InputError(f"{name} must be a finite number of minutes >= 0, got {minutes!r}")
    return d


def _bands(bands: Any) -> tuple[np.ndarray, np.ndarray]:
    """(upper bounds in minutes, weights) of a mapping minutes -> weight, bounds increasing."""
    if not isinstance(bands, Mapping) or not bands:
        raise InputError("bands must be a non-empty mapping minutes -> weight, e.g. {10: 1.0}")
    try:
        ub = np.array([float(k) for k in bands], dtype=np.float64)
        w = np.array([float(v) for v in bands.values()], dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("bands must map numbers of minutes to numeric weights") from None
    if not (np.all(np.isfinite(ub)) and np.all(np.isfinite(w))):
        raise InputError("bands hold NaN or infinite minutes or weights; give finite numbers")
    if np.any(ub < 0) or np.any(w < 0):
        raise InputError("bands hold negative minutes or weights; give values >= 0")
    if np.any(np.diff(ub) <= 0):
        raise InputError(f"band limits must be strictly increasing, got {ub.tolist()}")
    return ub, w


def _band_weights(t: np.ndarray, ub: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Step weight of each time: the weight of the first band with ``t <= limit``, else 0."""
    table = np.append(w, 0.0)
    if ub.size > 100:
        return table[np.searchsorted(ub, t, side="left")]
    k = np.zeros(t.size, dtype=np.int8)  # band index; one branch-free pass per band is
    for lim in ub:  # ~5x faster than searchsorted or masked writes on millions of pairs
        k += (t > lim).view(np.int8)
    return np.take(table, k)


# --------------------------------------------------------------------------------- kernels


def _two_step(
    csr: sp.csr_matrix, p: np.ndarray, s: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A_i and R_j for per-pair weights ``w`` (aligned with ``csr.data``; 0 = out of reach)."""
    wm = sp.csr_matrix((w, csr.indices, csr.indptr), shape=csr.shape)
    d = wm.T @ p  # weighted people in each facility's catchment
    has = d > 0
    r = np.full(s.size, np.nan)
    r[has] = s[has] / d[has]
    a = wm @ np.where(has, r, 0.0)  # (scipy's matvecs beat a fused numba kernel here)
    return np.asarray(a, dtype=np.float64), r


def _result(a: np.ndarray, r: np.ndarray, method: str, params: dict[str, Any]) -> IndexResult:
    a.setflags(write=False)
    r.setflags(write=False)
    return IndexResult(a, r, method, params)


# ------------------------------------------------------------------------------ public FCA


def two_step_fca(times: Any, demand: Any, supply: Any, *, minutes: float) -> IndexResult:
    """Two-step floating catchment area index (2SFCA, Luo & Wang 2003).

    Step 1: each facility's ratio ``R_j = S_j / sum(P_i for i with t_ij <= d)`` (capacity
    units per person in its catchment). Step 2: each location's index
    ``A_i = sum(R_j for j with t_ij <= d)`` (capacity units per person). ``t`` and ``d`` are
    minutes, ``P`` people, ``S`` capacity (e.g. doctors).

    Parameters
    ----------
    times : scipy.sparse matrix
        Travel time in minutes, shape ``(n_demand, n_supply)``; only pairs in reach stored
        (an explicit 0 is in reach).
    demand : array_like
        People per demand location (>= 0).
    supply : array_like
        Capacity per supply location (>= 0).
    minutes : float
        Catchment ``d`` in minutes (a pair at exactly ``d`` is inside); PySAL ``max_cost``.

    Returns
    -------
    IndexResult
        ``per_demand`` = ``A_i`` (0 where nothing is in reach), ``per_supply`` = ``R_j`` (NaN
        where no people are in reach; such a facility adds nothing to ``A``).

    Raises
    ------
    InputError
        If shapes disagree, values are negative or not finite, or ``minutes`` is not >= 0.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> t = sp.csr_matrix(([5.0, 20.0, 0.0, 8.0], ([0, 0, 1, 1], [0, 1, 0, 1])))
    >>> res = two_step_fca(t, [100.0, 300.0], [2.0, 1.0], minutes=10)
    >>> res.per_supply.tolist(), res.per_demand.tolist()
    ([0.005, 0.0033333333333333335], [0.005, 0.008333333333333333])
    """
    csr, p, s = _inputs(times, demand, supply)
    d = _minutes(minutes)
    a, r = _two_step(csr, p, s, (csr.data <= d).astype(np.float64))
    return _result(a, r, "2sfca", {"minutes": d})


def enhanced_two_step_fca(
    times: Any, demand: Any, supply: Any, *, bands: Mapping[float, float]
) -> IndexResult:
    """Enhanced two-step floating catchment area index (E2SFCA, Luo & Qi 2009).

    Each pair gets the weight ``W_ij`` of its travel-time band (``bands`` maps the upper limit
    of each band in minutes to its weight; a time exactly at a limit belongs to that band;
    beyond the last limit is out of reach). ``R_j = S_j / sum_i P_i W_ij`` (capacity units per
    weighted person) and ``A_i = sum_j R_j W_ij`` (capacity units per person).

    Parameters
    ----------
    times : scipy.sparse matrix
        Travel time in minutes, shape ``(n_demand, n_supply)``; only pairs in reach stored.
    demand : array_like
        People per demand location (>= 0).
    supply : array_like
        Capacity per supply location (>= 0).
    bands : mapping of float to float
        Band upper limit (minutes, strictly increasing) -> weight (>= 0), e.g.
        ``{10: 1.0, 20: 0.68, 30: 0.22}``; PySAL ``weights.step_fn(bands)``.

    Returns
    -------
    IndexResult
        ``per_demand`` = ``A_i``, ``per_supply`` = ``R_j`` (NaN where no weighted people).

    Raises
    ------
    InputError
        On bad inputs or bands whose limits are not strictly increasing.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> t = sp.csr_matrix(([5.0, 20.0, 0.0, 8.0], ([0, 0, 1, 1], [0, 1, 0, 1])))
    >>> res = enhanced_two_step_fca(t, [100.0, 300.0], [2.0, 1.0], bands={10: 1.0, 20: 0.5})
    >>> res.per_demand.round(6).tolist()
    [0.006429, 0.007857]
    """
    csr, p, s = _inputs(times, demand, supply)
    ub, wt = _bands(bands)
    a, r = _two_step(csr, p, s, _band_weights(csr.data, ub, wt))
    return _result(a, r, "e2sfca", {"bands": np.column_stack([ub, wt]).tolist()})


def gaussian_two_step_fca(
    times: Any,
    demand: Any,
    supply: Any,
    *,
    minutes: float,
    sigma: float | None = None,
    form: str = "pysal",
) -> IndexResult:
    """Gaussian two-step floating catchment area index (G2SFCA).

    As 2SFCA, with each pair within the catchment ``d`` weighted by a Gaussian of its travel
    time ``t`` (minutes): ``R_j = S_j / sum_i P_i G(t_ij)``, ``A_i = sum_j R_j G(t_ij)``.
    ``form="pysal"`` (default) uses PySAL ``access.weights.gaussian(sigma)``:
    ``G = exp(-t^2 / (2 sigma^2))`` with ``sigma`` in minutes (default ``d``); it is the
    default because it is what the reference implementation computes, so results can be
    checked against it. ``form="dai"`` uses Dai (2010):
    ``G = (exp(-(t/d)^2 / 2) - exp(-1/2)) / (1 - exp(-1/2))``, which falls to 0 at ``d``
    (its width is the catchment, so ``sigma`` must be None).

    Parameters
    ----------
    times : scipy.sparse matrix
        Travel time in minutes, shape ``(n_demand, n_supply)``; only pairs in reach stored.
    demand : array_like
        People per demand location (>= 0).
    supply : array_like
        Capacity per supply location (>= 0).
    minutes : float
        Catchment ``d`` in minutes; PySAL ``max_cost``.
    sigma : float, optional
        Width of the PySAL Gaussian in minutes (> 0); default ``minutes``.
    form : {"pysal", "dai"}
        Which Gaussian (see above).

    Returns
    -------
    IndexResult
        ``per_demand`` = ``A_i``, ``per_supply`` = ``R_j`` (NaN where no weighted people).

    Raises
    ------
    InputError
        On bad inputs, an unknown ``form``, ``sigma <= 0``, or ``sigma`` with ``form="dai"``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> t = sp.csr_matrix(([5.0, 20.0, 0.0, 8.0], ([0, 0, 1, 1], [0, 1, 0, 1])))
    >>> res = gaussian_two_step_fca(t, [100.0, 300.0], [2.0, 1.0], minutes=10, sigma=10)
    >>> res.per_demand.round(6).tolist()
    [0.004546, 0.008485]
    """
    csr, p, s = _inputs(times, demand, supply)
    d = _minutes(minutes)
    t = csr.data
    if form == "pysal":
        sg = d if sigma is None else _minutes(sigma, "sigma")
        if sg <= 0:
            raise InputError("sigma must be > 0 minutes (or give a catchment minutes > 0)")
        g = np.exp(-t * t / (2 * sg**2))
    elif form == "dai":
        if sigma is not None:
            raise InputError('form="dai" takes its width from minutes; leave sigma as None')
        if d <= 0:
            raise InputError('form="dai" needs a catchment minutes > 0')
        sg = d
        g = (np.exp(-0.5 * (t / d) ** 2) - math.exp(-0.5)) / (1 - math.exp(-0.5))
    else:
        raise InputError(f"form must be one of {GAUSSIAN_FORMS}, got {form!r}")
    w = np.where(t <= d, g, 0.0)
    a, r = _two_step(csr, p, s, w)
    return _result(a, r, "g2sfca", {"minutes": d, "sigma": sg, "form": form})


def three_step_fca(
    times: Any,
    demand: Any,
    supply: Any,
    *,
    bands: Mapping[float, float],
    minutes: float | None = None,
) -> IndexResult:
    """Three-step floating catchment area index (3SFCA, Wan, Zou & Sternberg 2012).

    Step 0: the selection weight ``G_ij = W_ij / sum_k W_ik`` (share of location *i*'s
    demand going to facility *j*, ``W`` the band weight of the travel time, summed over all
    stored pairs of *i*). Then ``R_j = S_j / sum_i P_i G_ij W_ij`` and
    ``A_i = sum_j R_j G_ij W_ij`` over the pairs with ``t_ij <= minutes`` (capacity units per
    person), as PySAL ``three_stage_fca`` computes it.

    Parameters
    ----------
    times : scipy.sparse matrix
        Travel time in minutes, shape ``(n_demand, n_supply)``; only pairs in reach stored.
    demand : array_like
        People per demand location (>= 0).
    supply : array_like
        Capacity per supply location (>= 0).
    bands : mapping of float to float
        Band upper limit (minutes, strictly increasing) -> weight (>= 0); Wan et al. used
        ``{10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042}``; PySAL ``weights.step_fn(bands)``.
    minutes : float, optional
        Catchment of steps 1 and 2 in minutes (PySAL ``max_cost``); default: the last band.
        The selection weights ``G`` always use every stored pair (as PySAL does).

    Returns
    -------
    IndexResult
        ``per_demand`` = ``A_i``, ``per_supply`` = ``R_j`` (NaN where no weighted people).

    Raises
    ------
    InputError
        On bad inputs or bands whose limits are not strictly increasing.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> t = sp.csr_matrix(([5.0, 20.0, 0.0, 8.0], ([0, 0, 1, 1], [0, 1, 0, 1])))
    >>> res = three_step_fca(t, [100.0, 300.0], [2.0, 1.0], bands={10: 1.0, 20: 0.5})
    >>> res.per_demand.round(6).tolist()
    [0.007154, 0.007615]
    """
    csr, p, s = _inputs(times, demand, supply)
    ub, wt = _bands(bands)
    d = float(ub[-1]) if minutes is None else _minutes(minutes)
    w = _band_weights(csr.data, ub, wt)
    wm = sp.csr_matrix((w, csr.indices, csr.indptr), shape=csr.shape)
    rowsum = np.asarray(wm.sum(axis=1)).ravel()
    share = np.zeros(rowsum.size)
    np.divide(1.0, rowsum, out=share, where=rowsum > 0)
    g = w * np.repeat(share, np.diff(csr.indptr))
    e = w * g if d >= ub[-1] else np.where(csr.data <= d, w * g, 0.0)
    a, r = _two_step(csr, p, s, e)
    return _result(a, r, "3sfca", {"bands": np.column_stack([ub, wt]).tolist(), "minutes": d})


def tiered_two_step_fca(
    times: Any,
    demand: Any,
    supply: Any,
    *,
    tiers: Any,
    levels: Sequence[tuple[str, int, float]],
) -> dict[str, np.ndarray]:
    """2SFCA per service tier: each level counts only facilities of a high enough tier.

    For a level ``(name, min_tier, minutes)`` the index is :func:`two_step_fca` with the
    catchment ``minutes`` and the supply of facilities with ``tier >= min_tier`` (others
    count as 0), e.g. ``[("basic", 2, 15), ("specialist", 3, 60)]``: township centres and up
    within 15 minutes, county hospital and sub-centres within 60 minutes.

    Parameters
    ----------
    times : scipy.sparse matrix
        Travel time in minutes, shape ``(n_demand, n_supply)``; must store every pair within
        the largest ``minutes`` of ``levels``.
    demand : array_like
        People per demand location (>= 0).
    supply : array_like
        Capacity per supply location (>= 0).
    tiers : array_like of int
        Tier of each supply location (length ``n_supply``).
    levels : sequence of (str, int, float)
        ``(name, min_tier, minutes)`` per level; names unique.

    Returns
    -------
    dict of str to numpy.ndarray
        Level name -> ``A_i`` (capacity units per person) per demand location.

    Raises
    ------
    InputError
        On bad inputs, tiers of the wrong length or not integers, or malformed levels.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> t = sp.csr_matrix(([5.0, 20.0, 0.0, 8.0], ([0, 0, 1, 1], [0, 1, 0, 1])))
    >>> out = tiered_two_step_fca(t, [100.0, 300.0], [2.0, 1.0], tiers=[3, 2],
    ...                           levels=[("basic", 2, 10), ("specialist", 3, 30)])
    >>> out["specialist"].tolist()
    [0.005, 0.005]
    """
    csr, p, s = _inputs(times, demand, supply)
    tr = np.asarray(tiers)
    if tr.shape != s.shape or not np.issubdtype(tr.dtype, np.integer):
        raise InputError(f"tiers must be {s.size} integers, one per supply location")
    if isinstance(levels, (str, bytes)) or not isinstance(levels, Sequence) or not levels:
        raise InputError("levels must be a non-empty list of (name, min_tier, minutes)")
    out: dict[str, np.ndarray] = {}
    for lv in levels:
        if not (isinstance(lv, Sequence) and len(lv) == 3 and isinstance(lv[0], str)):
            raise InputError(f"each level must be (name, min_tier, minutes), got {lv!r}")
        name, min_tier, mins = lv
        if name in out:
            raise InputError(f"level name {name!r} is used twice; give each level its own")
        d = _minutes(mins, f"minutes of level {name!r}")
        w = (csr.data <= d).astype(np.float64)
        a, _ = _two_step(csr, p, np.where(tr >= int(min_tier), s, 0.0), w)
        a.setflags(write=False)
        out[name] = a
    return out


# ------------------------------------------------------------------------------------ RAAM


def _first_min(values: np.ndarray, starts: np.ndarray, row_of: np.ndarray) -> np.ndarray:
    """Entry index of the first minimum of each (non-empty) CSR row (dense argmin ties)."""
    rmin = np.minimum.reduceat(values, starts)
    pos = np.where(values == rmin[row_of], np.arange(values.size), values.size)
    return np.minimum.reduceat(pos, starts)


def raam(  # noqa: PLR0913  (PySAL's parameters, one to one)
    times: Any,
    demand: Any,
    supply: Any,
    *,
    tau: float = 60.0,
    rho: float | None = None,
    max_cycles: int = 150,
    initial_step: float = 0.2,
    min_step: float = 0.005,
    half_life: float = 50.0,
) -> IndexResult:
    """Rational Agent Access Model (RAAM, Saxon & Snow 2020), as PySAL ``Access.raam``.

    People at each location choose among the facilities in reach to minimise
    ``t_ij / tau + (people at j) / (rho * S_j)``: travel time in units of ``tau`` minutes
    plus congestion (people per unit of capacity relative to ``rho``). Starting from the
    nearest facility, each cycle moves people at each location from its costliest used
    facility towards its cheapest, by at most ``step * people`` (whole people), the step
    halving every ``half_life`` cycles. The index is the mean cost per person (lower is
    better). Same iteration and parameters as PySAL, on the stored pairs only.

    Parameters
    ----------
    times : scipy.sparse matrix
        Travel time in minutes, shape ``(n_demand, n_supply)``; only pairs in reach stored.
    demand : array_like
        People per demand location (>= 0; whole people give results identical to PySAL).
    supply : array_like
        Capacity per supply location (>= 0); facilities with 0 are left out, as in PySAL.
    tau : float
        Minutes of travel worth a congestion of 100 % of ``rho`` (> 0).
    rho : float, optional
        Reference people per unit of capacity; default total demand / total supply.
    max_cycles : int
        Number of cycles (>= 1).
    initial_step : float
        Largest move in the first cycle: a fraction of each location's people (a float), or
        an absolute number of people (an int).
    min_step : float
        Floor of the step (same unit as ``initial_step``).
    half_life : float
        Cycles over which the step halves (> 0).

    Returns
    -------
    IndexResult
        ``per_demand`` = RAAM cost (units of ``tau``; NaN for locations with no people or no
        facility with supply in reach), ``per_supply`` = the congestion term at the last cycle
        (NaN at zero supply).

    Raises
    ------
    InputError
        On bad inputs or parameters, or when total supply is 0.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> t = sp.csr_matrix(([5.0, 20.0, 0.0, 8.0], ([0, 0, 1, 1], [0, 1, 0, 1])))
    >>> res = raam(t, [100.0, 300.0], [2.0, 2.0], tau=30)
    >>> res.per_demand.round(4).tolist()
    [1.3017, 1.1331]
    """
    csr, p, s = _inputs(times, demand, supply)
    tau_ = _minutes(tau, "tau")
    if tau_ <= 0 or half_life <= 0 or int(max_cycles) < 1 or initial_step <= 0 or min_step < 0:
        raise InputError(
            "raam needs tau > 0, half_life > 0, max_cycles >= 1, initial_step > 0, min_step >= 0"
        )
    if s.sum() <= 0:
        raise InputError("raam needs some supply > 0; every facility has capacity 0")
    if rho is None and p.sum() <= 0:
        raise InputError("raam needs some demand > 0 (or an explicit rho); every location has 0")
    rho_ = p.sum() / s.sum() if rho is None else float(rho)
    if not (math.isfinite(rho_) and rho_ > 0):
        raise InputError(f"rho must be a finite number > 0, got {rho!r}")
    m = s.size
    per_demand = np.full(p.size, np.nan)
    per_supply = np.full(m, np.nan)
    # keep pairs to facilities with supply, then rows with people and such a pair
    n_all = np.diff(csr.indptr)
    row_all = np.repeat(np.arange(p.size), n_all)
    keep = (s > 0)[csr.indices] & (p > 0)[row_all]
    counts = np.bincount(row_all[keep], minlength=p.size)
    rows = np.flatnonzero(counts)
    if rows.size:
        cols = csr.indices[keep]
        tr = csr.data[keep] / tau_
        starts = np.concatenate(([0], np.cumsum(counts[rows])[:-1]))
        row_of = np.repeat(np.arange(rows.size), counts[rows])
        dem = p[rows]
        sup = s * rho_
        asg = np.zeros(tr.size)
        asg[_first_min(tr, starts, row_of)] = dem
        absolute = isinstance(initial_step, (int, np.integer)) and not isinstance(
            initial_step, bool
        )
        with np.errstate(divide="ignore", invalid="ignore"):  # sup is 0 off the kept columns
            for i in range(int(max_cycles)):
                at_sup = np.bincount(cols, weights=asg, minlength=m)
                congestion = at_sup / sup
                total = congestion[cols] + tr
                emin = _first_min(total, starts, row_of)
                used = asg != 0
                emax = _first_min(np.where(used, -total, np.inf), starts, row_of)
                lmin, lmax = cols[emin], cols[emax]
                slmin, slmax = sup[lmin], sup[lmax]
                drlmin, drlmax = asg[emin], asg[emax]
                dr = drlmin + drlmax
                drotherlmin = at_sup[lmin] - drlmin
                drotherlmax = at_sup[lmax] - drlmax
                drlmin_new = ((slmin * slmax) / (slmin + slmax)) * (
                    (tr[emax] - tr[emin]) + (dr + drotherlmax) / slmax - drotherlmin / slmin
                )
                delta = np.minimum(drlmin_new - drlmin, drlmax)
                delta = np.where(lmax == lmin, 0, delta)
                if absolute:
                    step: float = int(np.round(initial_step * 0.5 ** (i / half_life)))
                    if step < min_step:
                        step = min_step
                    delta = np.minimum(delta, step).astype(int)
                else:
                    step = max(initial_step * 0.5 ** (i / half_life), min_step)
                    delta = np.minimum(delta, step * dem).astype(int)
                if i < _RAAM_LIMIT_INITIAL:
                    naive = np.bincount(lmin, weights=delta, minlength=m) / sup
                    delta = (delta / np.maximum(naive, 1)[lmin]).round().astype(int)
                asg[emin] += delta
                asg[emax] -= delta
        per_demand[rows] = np.add.reduceat(total * asg, starts) / np.add.reduceat(asg, starts)
        per_supply[s > 0] = congestion[s > 0]
        log.debug("raam: %d locations, %d pairs, %d cycles", rows.size, tr.size, max_cycles)
    params = {
        "tau": tau_,
        "rho": float(rho_),
        "max_cycles": int(max_cycles),
        "initial_step": initial_step.item()
        if isinstance(initial_step, np.generic)
        else initial_step,
        "min_step": float(min_step),
        "half_life": float(half_life),
    }
    return _result(per_demand, per_supply, "raam", params)


# ------------------------------------------------------------------------------ dispatcher

_RAAM_KW = ("tau", "rho", "max_cycles", "initial_step", "min_step", "half_life")


def accessibility_index(
    times: Any,
    demand: Any,
    supply: Any,
    *,
    method: str,
    minutes: float | None = None,
    bands: Mapping[float, float] | None = None,
    sigma: float | None = None,
    **kw: Any,
) -> IndexResult:
    """Compute one accessibility index by name (one of :data:`METHODS`).

    ``"2sfca"`` needs ``minutes``; ``"e2sfca"`` needs ``bands``; ``"g2sfca"`` needs
    ``minutes`` (``sigma`` and ``form=`` optional); ``"3sfca"`` needs ``bands`` (``minutes``
    optional); ``"raam"`` takes the keywords of :func:`raam` (``tau``, ``rho``, ...).

    Parameters
    ----------
    times : scipy.sparse matrix
        Travel time in minutes, shape ``(n_demand, n_supply)``; only pairs in reach stored.
    demand : array_like
        People per demand location (>= 0).
    supply : array_like
        Capacity per supply location (>= 0).
    method : str
        ``"2sfca"``, ``"e2sfca"``, ``"g2sfca"``, ``"3sfca"`` or ``"raam"``.
    minutes : float, optional
        Catchment in minutes.
    bands : mapping of float to float, optional
        Band upper limit in minutes -> weight.
    sigma : float, optional
        Gaussian width in minutes (``"g2sfca"``).
    **kw
        Further keywords of the chosen method (``form`` for g2sfca; RAAM's parameters).

    Returns
    -------
    IndexResult
        The index per demand and per supply location, with the method and parameters.

    Raises
    ------
    InputError
        On an unknown method, a missing or unexpected parameter, or bad inputs.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> t = sp.csr_matrix(([5.0, 20.0, 0.0, 8.0], ([0, 0, 1, 1], [0, 1, 0, 1])))
    >>> accessibility_index(t, [100.0, 300.0], [2.0, 1.0], method="2sfca", minutes=10)
    ... # doctest: +ELLIPSIS
    IndexResult(method='2sfca', params={'minutes': 10.0}, n_demand=2, n_supply=2, ...)
    """
    if method not in METHODS:
        raise InputError(f"unknown accessibility method {method!r}; use one of {METHODS}")
    allowed = {"g2sfca": ("form",), "raam": _RAAM_KW}.get(method, ())
    extra = sorted(set(kw) - set(allowed))
    given = {"minutes": minutes, "bands": bands, "sigma": sigma}
    usable = {
        "2sfca": ("minutes",),
        "e2sfca": ("bands",),
        "g2sfca": ("minutes", "sigma"),
        "3sfca": ("bands", "minutes"),
        "raam": (),
    }[method]
    extra += sorted(k for k, v in given.items() if v is not None and k not in usable)
    if extra:
        raise InputError(f"method {method!r} does not take {', '.join(extra)}; remove them")
    if method == "2sfca":
        return two_step_fca(times, demand, supply, minutes=_need(minutes, "minutes", method))
    if method == "e2sfca":
        return enhanced_two_step_fca(times, demand, supply, bands=_need(bands, "bands", method))
    if method == "g2sfca":
        d = _need(minutes, "minutes", method)
        return gaussian_two_step_fca(times, demand, supply, minutes=d, sigma=sigma, **kw)
    if method == "3sfca":
        b = _need(bands, "bands", method)
        return three_step_fca(times, demand, supply, bands=b, minutes=minutes)
    return raam(times, demand, supply, **kw)


def _need(value: _T | None, name: str, method: str) -> _T:
    if value is None:
        raise InputError(f"method {method!r} needs {name}=; give it")
    return value
