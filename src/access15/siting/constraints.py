"""Site constraints in solver form: K, budget, required and excluded sites, zones that need one.

:func:`make_rules` checks the constraints of a :func:`~access15.siting.solver.solve` call once
and returns :class:`Rules`; :class:`Feasible` answers "can this site still be added?" while a
heuristic builds a plan.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from access15.errors import InputError

__all__ = ["Feasible", "Rules", "SiteConstraints", "make_rules", "resolve_constraints"]


@dataclass(frozen=True)
class SiteConstraints:
    r"""What a plan must respect, in candidate positions (the array form of the site options).

    .. math::

        \sum_j x_j = K \;(\text{or} \le K \text{ with a budget}), \quad
        \sum_j f_j x_j \le B, \quad
        \sum_{j \in J_z} x_j \ge 1 \;\forall z \in Z^{req}, \quad
        x_j = 1 \;(j \in \text{must}), \quad x_j = 0 \;(j \in \text{exclude}).

    Attributes
    ----------
    k : int, optional
        Number of sites :math:`K` (exactly K; at most K when a budget is also given).
    budget : float, optional
        Total cost allowed :math:`B` (with ``cost``); replaces K.
    cost : array_like, optional
        Cost :math:`f_j` of each candidate (default 1).
    must_include : sequence of int
        Candidate positions that must be chosen.
    exclude : sequence of int
        Candidate positions that must not be chosen.
    site_zone : array_like of int, optional
        Zone position of each candidate (for ``required_zones``).
    required_zones : sequence of int
        Zones :math:`Z^{req}` that must get at least one site.

    Examples
    --------
    >>> SiteConstraints(k=2, must_include=(0,)).must_include
    (0,)
    """

    k: int | None = None
    budget: float | None = None
    cost: npt.ArrayLike | None = None
    must_include: Sequence[int] = ()
    exclude: Sequence[int] = ()
    site_zone: npt.ArrayLike | None = None
    required_zones: Sequence[int] = ()


@dataclass(frozen=True)
class Rules:
    """Site constraints in solver form, checked (positions in the problem's candidate list)."""

    k: int | None
    budget: float | None
    cost: npt.NDArray[np.float64]
    must: tuple[int, ...]
    allowed: npt.NDArray[np.bool_]
    site_zone: npt.NDArray[np.int64]
    required: npt.NDArray[np.int64]  # zone positions needing at least one site


def make_rules(m: int, constraints: SiteConstraints) -> Rules:
    """Check ``constraints`` for ``m`` candidates and put them in solver form.

    Parameters
    ----------
    m : int
        Number of candidate sites.
    constraints : SiteConstraints
        K or budget, costs, required and excluded sites, zones that must get a site.

    Returns
    -------
    Rules
        The same constraints as arrays, with K capped by the eligible sites under a budget.
    """
    k, budget, cost = constraints.k, constraints.budget, constraints.cost
    must_include, exclude = constraints.must_include, constraints.exclude
    site_zone, required_zones = constraints.site_zone, constraints.required_zones
    if k is None and budget is None:
        msg = "give K (number of sites) or a budget"
        raise InputError(msg)
    cst = np.ones(m) if cost is None else np.asarray(cost, dtype=np.float64)
    if cst.shape != (m,) or not np.isfinite(cst).all() or (cst < 0).any():
        msg = "cost must be finite, >= 0 and one per candidate"
        raise InputError(msg)
    allowed = np.ones(m, dtype=bool)
    ex = np.asarray(list(exclude), dtype=np.int64)
    allowed[ex] = False
    must = tuple(dict.fromkeys(int(j) for j in must_include))
    if any(not allowed[j] for j in must):
        msg = "a site is both required (must_include) and excluded or ineligible; drop one"
        raise InputError(msg)
    sz = np.full(m, -1, dtype=np.int64) if site_zone is None else np.asarray(site_zone, np.int64)
    req = np.asarray(sorted(set(required_zones or ())), dtype=np.int64)
    for zz in req:
        if not (allowed & (sz == zz)).any():
            msg = f"zone #{zz} must get a site but has no eligible candidate; relax per_zone"
            raise InputError(msg)
    if k is not None:
        k = int(k)
        if k < 0:
            msg = f"K must be >= 0, got {k}"
            raise InputError(msg)
        n_ok = int(allowed.sum())
        if budget is not None:
            k = min(k, n_ok)  # with a budget, K is only a cap
        if k > n_ok:
            msg = f"K={k} is larger than the {n_ok} eligible candidates; lower K"
            raise InputError(msg)
        unmet = set(req.tolist()) - {int(sz[j]) for j in must}
        if k < len(must) + len(unmet):
            msg = (
                f"K={k} is too small for {len(must)} required sites and {len(unmet)} zones that "
                "must get one; raise K or relax the constraints"
            )
            raise InputError(msg)
    if budget is not None:
        budget = float(budget)
        mc = float(cst[list(must)].sum())
        need = mc + sum(
            float(cst[allowed & (sz == zz)].min())
            for zz in set(req.tolist()) - {int(sz[j]) for j in must}
        )
        if need > budget + 1e-9:
            msg = (
                f"budget {budget:g} is below the {need:g} the required sites and zones cost; "
                "raise the budget or relax the constraints"
            )
            raise InputError(msg)
    return Rules(k, budget, cst, must, allowed, sz, req)


class Feasible:
    """Incremental feasibility of adding sites: count, budget and zones that must get one."""

    def __init__(self, rules: Rules) -> None:
        self.r = rules
        self.chosen: list[int] = []
        self.spent = 0.0
        self.unmet = set(rules.required.tolist())
        zc: dict[int, float] = {}
        for zz in self.unmet:
            zc[zz] = float(rules.cost[rules.allowed & (rules.site_zone == zz)].min())
        self.zone_min = zc

    def can_add(self, j: int) -> bool:
        """Whether site ``j`` can join the plan and the constraints still be met."""
        r = self.r
        if not r.allowed[j] or j in self.chosen:
            return False
        n_after = len(self.chosen) + 1
        unmet_after = self.unmet - {int(r.site_zone[j])}
        if r.k is not None and r.k - n_after < len(unmet_after):
            return False
        if r.budget is not None:
            left = r.budget - self.spent - r.cost[j]
            if left < -1e-9 or left + 1e-9 < sum(self.zone_min[z] for z in unmet_after):
                return False
        return True

    def mask(self, m: int) -> npt.NDArray[np.bool_]:
        """:meth:`can_add` for every one of the ``m`` sites."""
        return np.fromiter((self.can_add(j) for j in range(m)), dtype=bool, count=m)

    def add(self, j: int) -> None:
        """Add site ``j`` to the plan (count, money spent, zones served)."""
        self.chosen.append(j)
        self.spent += float(self.r.cost[j])
        self.unmet.discard(int(self.r.site_zone[j]))

    def full(self) -> bool:
        """Whether the plan has K sites already."""
        return self.r.k is not None and len(self.chosen) >= self.r.k


def resolve_constraints(
    constraints: SiteConstraints | None, k: int | None, legacy: dict[str, Any], func: str
) -> SiteConstraints:
    """Return the constraints of a call: ``constraints``, old keywords and ``k`` on top.

    Parameters
    ----------
    constraints : SiteConstraints, optional
        What the caller passed (default: none but K).
    k : int, optional
        The ``k=`` convenience keyword; overrides ``constraints.k`` when given.
    legacy : dict
        Old keywords (``budget=``, ``cost=``, ``must_include=``, ...): still applied, with a
        :class:`DeprecationWarning` pointing at the caller's line.
    func : str
        Name of the public function, for the messages.

    Returns
    -------
    SiteConstraints
    """
    out = SiteConstraints() if constraints is None else constraints
    if legacy:
        unknown = sorted(set(legacy) - {f.name for f in dataclasses.fields(SiteConstraints)})
        if unknown:
            msg = f"{func}() got an unexpected keyword argument {unknown[0]!r}"
            raise TypeError(msg)
        names = ", ".join(f"{n}=" for n in legacy)
        warnings.warn(
            f"{func}({names}...) is deprecated; pass "
            f"access15.SiteConstraints({names}...) as the constraints argument instead",
            DeprecationWarning,
            stacklevel=3,
        )
        out = dataclasses.replace(out, **legacy)
    if k is not None:
        out = dataclasses.replace(out, k=k)
    return out
