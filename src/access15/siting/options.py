"""The options of a site selection, in one frozen value checked once.

:class:`SitingOptions` is what the library (:func:`access15.recommend_upgrades`,
:func:`access15.sensitivity`), the command line and the batch runner share: every rule on the
options lives in its ``__post_init__``, so a wrong value is reported before any work, with the
name of the field and the fix.

>>> from access15.siting.options import SitingOptions
>>> SitingOptions(k=3, objective="p-median", candidates="gaps").objective
'median'
"""

from __future__ import annotations

import dataclasses
import math
import operator
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, cast

import pandas as pd

from access15.config import MAX_MINUTES, ServiceLevel
from access15.errors import InputError

__all__ = [
    "METHODS",
    "OBJECTIVES",
    "CandidateSource",
    "Method",
    "Objective",
    "SitingOptions",
    "objective_name",
    "with_legacy_keywords",
]

Objective = Literal["coverage", "median", "center", "center-zone"]
Method = Literal["exact", "swap", "greedy"]
CandidateSource: TypeAlias = "str | pd.DataFrame"

OBJECTIVES: tuple[str, ...] = ("coverage", "median", "center", "center-zone")
_MAX_TIME_LIMIT_S = 86_400.0  # a day per solve
_MAX_GRID_SPACING_M = 100_000.0  # 100 km squares: a county is one or a few
METHODS: tuple[str, ...] = ("exact", "swap", "greedy")
ALIASES: dict[str, Objective] = {
    "coverage": "coverage",
    "mclp": "coverage",
    "max-cover": "coverage",
    "median": "median",
    "p-median": "median",
    "pmedian": "median",
    "center": "center",
    "p-center": "center",
    "pcenter": "center",
    "center-zone": "center-zone",
    "p-center-zone": "center-zone",
    "zone": "center-zone",
}


def objective_name(objective: str) -> Objective:
    """Normalise an objective name or alias (``"p-median"``, ``"mclp"``, ...).

    Parameters
    ----------
    objective : str
        One of :data:`OBJECTIVES` or an alias (case and ``_``/``-`` do not matter).

    Returns
    -------
    str
        ``"coverage"``, ``"median"``, ``"center"`` or ``"center-zone"``.

    Examples
    --------
    >>> objective_name("P_Center")
    'center'
    """
    key = str(objective).lower().replace("_", "-")
    if key not in ALIASES:
        msg = f"objective {objective!r} is not one of {', '.join(OBJECTIVES)}"
        raise InputError(msg)
    return ALIASES[key]


def _ids(value: object, name: str) -> tuple[str, ...]:
    """Return a str or an iterable of site ids/names as a tuple of str (None: empty)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable):
        msg = f"{name} must be a site id or a list of site ids, got {value!r}"
        raise InputError(msg)
    return tuple(str(v) for v in value)


def _positive(
    value: float | None, name: str, unit: str = "", *, low: float = 0.0, top: float = math.inf
) -> float | None:
    """``value`` as a float, checked > 0, >= ``low``, <= ``top`` and finite (None stays None)."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        msg = f"{name} must be a number > 0{unit}, got {value!r}"
        raise InputError(msg) from None
    if not v > 0 or (math.isinf(v) and math.isinf(top)):
        msg = f"{name} must be > 0{unit}, got {v:g}"
        raise InputError(msg)
    if v > top:
        msg = f"{name} must be at most {top:g}{unit}, got {v:g}"
        raise InputError(msg)
    if v < low:
        msg = f"{name} must be at least {low:g}{unit}, got {v:g}"
        raise InputError(msg)
    return v


def _count(value: int | None, name: str) -> int | None:
    """``value`` as an int >= 1 (None stays None)."""
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        n = operator.index(value)
    except TypeError:
        msg = f"{name} must be a whole number >= 1, got {value!r}"
        raise InputError(msg) from None
    if n < 1:
        msg = f"{name} must be >= 1, got {n}"
        raise InputError(msg)
    return n


@dataclass(frozen=True, repr=False)
class SitingOptions:
    """Everything that decides a site selection, except the data (frozen, checked once).

    A value is checked and normalised when it is made: objective aliases become their name, lists
    become tuples and a single string a 1-tuple. A wrong value raises
    :class:`~access15.errors.InputError` naming the field and the fix. Change one field with
    :func:`dataclasses.replace`, which checks again.

    Attributes
    ----------
    k : int, optional
        Number of sites to choose (default ``config.k``; with a ``budget`` and no ``k``, as many
        as the budget allows; with both, ``k`` caps the count). At least 1.
    level : str or ServiceLevel, optional
        Service level ranked (default ``config.upgrade_level``, ``"subcentre"``: tier >= 3
        within 30 minutes).
    objective : {"coverage", "median", "center", "center-zone"}
        ``"coverage"``: most people within the level's threshold (MCLP); ``"median"``: least
        population-weighted mean minutes; ``"center"``: least minutes of the worst-off cell;
        ``"center-zone"``: least mean minutes of the worst-off zone. Aliases (``"mclp"``,
        ``"p-median"``, ``"p-center"``, ``"zone"``, ...) are accepted and normalised.
    method : {"exact", "swap", "greedy"}
        ``"exact"``: HiGHS MILP from the greedy + swap warm start, optimality proven or the gap
        reported; ``"swap"``: greedy + 1-swap; ``"greedy"``: the lazy greedy ranking alone.
    candidates : tuple of str or DataFrame
        Where the sites come from: ``"tier2"`` (the township health centres, default),
        ``"gaps"`` (centroids of the clusters the level leaves uncovered), ``"nodes"`` (one road
        node per ``grid_spacing_m`` square holding people), or tables of sites (points read
        with :func:`access15.read_sites`, or a :func:`~access15.siting.candidate_sites`
        table). A single value is taken as a 1-tuple.
    must_include : tuple of str
        Sites (``site_id`` or unique name) that must be chosen.
    exclude : tuple of str
        Sites (``site_id`` or unique name) that must not be chosen.
    per_zone : bool or tuple of str
        True: every zone with an eligible candidate gets at least one site; or the zone ids
        that must.
    max_minutes_to_hospital : float, optional
        Only sites within this many minutes of the county hospital are eligible (> 0, at most
        1440).
    cost : str or mapping, optional
        Candidate column, or ``{site_id or name: cost}``, giving each site's cost (default 1).
    budget : float, optional
        Total cost allowed (> 0; every site costs 1 without ``cost``). Replaces ``k``, or is
        capped by it.
    time_limit_s : float
        HiGHS time limit per solve, seconds (> 0, at most 86400: a day).
    cutoff_minutes : float, optional
        Time objectives: travel times beyond this many minutes count as this value (> 0); see
        :func:`~access15.siting.build_problem`.
    curve : bool or "greedy"
        The curve over K: True: greedy prefix and exact per K (exact method only);
        ``"greedy"``: greedy only; False: none. Not computed with a budget.
    grid_spacing_m : float
        Grid spacing of ``"nodes"`` candidates, metres (1 to 100000).
    gap_min_people : float, optional
        Smallest uncovered cluster that becomes a ``"gaps"`` candidate, people (default 50).
    max_candidates : int, optional
        Keep at most this many generated sites per generated source (``"gaps"``: largest
        clusters first; ``"nodes"``: most people first). Listed sites are never cut.
    target_share : float, optional
        Coverage objective only: instead of a given K, the fewest sites (least total cost with
        ``cost``) that bring the covered share of the level to this value, in (0, 1] (0.9:
        90 % of the people; those covered today count). ``k`` and ``budget``, if given, are
        caps. See :func:`~access15.siting.fewest_sites`.
    site_capacity : str, mapping or float, optional
        Coverage objective only: candidate column, ``{site_id or name: people}`` or one number
        for every site, giving the people each site can serve (capacitated MCLP,
        :func:`~access15.siting.solve_capacitated`; ``inf`` for no limit); or ``"upgrade"``:
        each site's doctors after its upgrade times ``people_per_doctor`` (see
        :func:`~access15.siting.recommend.upgrade_capacity`). Default: no limit.

    Examples
    --------
    >>> o = SitingOptions(k=2, method="swap", must_include="WH-3")
    >>> o.must_include, o.candidates
    (('WH-3',), ('tier2',))
    >>> SitingOptions(method="best")
    Traceback (most recent call last):
    ...
    access15.errors.InputError: method 'best' is not one of exact, swap, greedy
    """

    k: int | None = None
    level: str | ServiceLevel | None = None
    objective: Objective = "coverage"
    method: Method = "exact"
    candidates: tuple[CandidateSource, ...] = ("tier2",)
    must_include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_zone: bool | tuple[str, ...] = False
    max_minutes_to_hospital: float | None = None
    cost: str | Mapping[str, float] | None = None
    budget: float | None = None
    time_limit_s: float = 10.0
    cutoff_minutes: float | None = None
    curve: bool | Literal["greedy"] = True
    grid_spacing_m: float = 2000.0
    gap_min_people: float | None = None
    max_candidates: int | None = None
    target_share: float | None = None
    site_capacity: str | Mapping[str, float] | float | None = None

    def __post_init__(self) -> None:
        """Check every field once and normalise aliases, lists and single values."""
        put = object.__setattr__  # the dataclass is frozen: normalise in place, once
        put(self, "k", _count(self.k, "k"))
        if self.level is not None and not isinstance(self.level, str | ServiceLevel):
            msg = f"level must be a service level name such as 'subcentre', got {self.level!r}"
            raise InputError(msg)
        put(self, "objective", objective_name(self.objective))
        if self.method not in METHODS:
            msg = f"method {self.method!r} is not one of {', '.join(METHODS)}"
            raise InputError(msg)
        put(self, "candidates", self._candidates(self.candidates))
        put(self, "must_include", _ids(self.must_include, "must_include"))
        put(self, "exclude", _ids(self.exclude, "exclude"))
        per_zone: object = self.per_zone
        if not isinstance(per_zone, bool):
            put(self, "per_zone", _ids(per_zone, "per_zone"))
        put(
            self,
            "max_minutes_to_hospital",
            _positive(
                self.max_minutes_to_hospital, "max_minutes_to_hospital", " minutes", top=MAX_MINUTES
            ),
        )
        if self.cost is not None and not isinstance(self.cost, str | Mapping):
            msg = (
                "cost must be a candidate column name or a {site_id: cost} mapping, "
                f"got {self.cost!r}"
            )
            raise InputError(msg)
        if isinstance(self.cost, Mapping):
            put(self, "cost", dict(self.cost))
        put(self, "budget", _positive(self.budget, "budget"))
        put(
            self,
            "time_limit_s",
            _positive(self.time_limit_s, "time_limit_s", " seconds", top=_MAX_TIME_LIMIT_S),
        )
        put(self, "cutoff_minutes", _positive(self.cutoff_minutes, "cutoff_minutes", " minutes"))
        curve: object = self.curve
        if not (isinstance(curve, bool) or curve == "greedy"):
            msg = f"curve must be True, False or 'greedy', got {curve!r}"
            raise InputError(msg)
        spacing = _positive(
            self.grid_spacing_m, "grid_spacing_m", " metres", low=1.0, top=_MAX_GRID_SPACING_M
        )
        put(self, "grid_spacing_m", spacing)
        if self.gap_min_people is not None:
            g = float(self.gap_min_people)
            if not g >= 0:
                msg = f"gap_min_people must be >= 0 people, got {g:g}"
                raise InputError(msg)
            put(self, "gap_min_people", g)
        put(self, "max_candidates", _count(self.max_candidates, "max_candidates"))
        if self.target_share is not None:
            share = _positive(self.target_share, "target_share", " (a share, 0.9 = 90 %)", top=1.0)
            put(self, "target_share", share)
        cap = self.site_capacity
        if isinstance(cap, int | float) and not isinstance(cap, bool):
            if not cap >= 0:  # inf: no limit
                msg = f"site_capacity must be people >= 0 (inf: no limit), got {cap!r}"
                raise InputError(msg)
            put(self, "site_capacity", float(cap))
        elif cap is not None and not isinstance(cap, str | Mapping):
            msg = (
                "site_capacity must be a candidate column name, a {site_id: people} mapping or "
                f"a number of people, got {cap!r}"
            )
            raise InputError(msg)
        if isinstance(cap, Mapping):
            put(self, "site_capacity", dict(cap))

    def __repr__(self) -> str:
        """Show the fields that differ from the defaults; a table of sites by its size."""

        def show(v: object) -> str:
            if isinstance(v, pd.DataFrame):
                return f"<table of {len(v)} sites>"
            if isinstance(v, tuple):
                return "(" + ", ".join(show(x) for x in v) + ("," if len(v) == 1 else "") + ")"
            return repr(v)

        changed = [
            f"{f.name}={show(getattr(self, f.name))}"
            for f in dataclasses.fields(self)
            if f.name == "candidates" or getattr(self, f.name) != f.default
        ]
        return f"SitingOptions({', '.join(changed)})"

    @staticmethod
    def _candidates(value: object) -> tuple[CandidateSource, ...]:
        if value is None:
            return ("tier2",)
        items = [value] if isinstance(value, str | pd.DataFrame) else value
        if not isinstance(items, Iterable):
            msg = f"candidates must be 'tier2', 'gaps', 'nodes' or a table of sites, got {value!r}"
            raise InputError(msg)
        out: list[CandidateSource] = []
        for c in items:
            if isinstance(c, pd.DataFrame):
                out.append(c)
            elif c in ("tier2", "gaps", "nodes"):
                out.append(cast("str", c))
            else:
                msg = (
                    f"candidates {c!r} is not one of tier2, gaps, nodes nor a table of sites; "
                    "read a file of sites with access15.read_sites"
                )
                raise InputError(msg)
        if not out:
            msg = "candidates is empty; give 'tier2', 'gaps', 'nodes' or a table of sites"
            raise InputError(msg)
        return tuple(out)

    @property
    def default_candidates(self) -> bool:
        """True when the candidates are the default, the tier-2 township centres."""
        return (
            len(self.candidates) == 1
            and isinstance(self.candidates[0], str)
            and self.candidates[0] == "tier2"
        )


_CANDIDATE_OPTIONS = {
    "spacing_m": "grid_spacing_m",
    "min_people": "gap_min_people",
    "n": "max_candidates",
}


def with_legacy_keywords(
    options: SitingOptions | None, legacy: Mapping[str, object], func: str
) -> SitingOptions:
    """Return ``options`` with old keyword arguments applied on top (deprecated path).

    ``recommend_upgrades(net, cov, objective="median", method="swap")`` keeps working for
    now: the keywords become fields of :class:`SitingOptions` (``candidate_options`` becomes
    ``grid_spacing_m``, ``gap_min_people``, ``max_candidates``) and a
    :class:`DeprecationWarning` points at the caller's line.

    Parameters
    ----------
    options : SitingOptions, optional
        What the caller passed (default: the defaults).
    legacy : mapping
        Old keywords (field names of :class:`SitingOptions`, or ``candidate_options``).
    func : str
        Name of the public function, for the messages.

    Returns
    -------
    SitingOptions
    """
    out = SitingOptions() if options is None else options
    if not legacy:
        return out
    known = {f.name for f in dataclasses.fields(SitingOptions)} | {"candidate_options"}
    unknown = sorted(set(legacy) - known)
    if unknown:
        msg = f"{func}() got an unexpected keyword argument {unknown[0]!r}"
        raise TypeError(msg)
    names = ", ".join(f"{n}=" for n in legacy)
    warnings.warn(
        f"{func}({names}...) is deprecated; pass access15.SitingOptions({names}...) as the "
        "options argument instead",
        DeprecationWarning,
        stacklevel=3,
    )
    kw: dict[str, Any] = dict(legacy)
    cand_opts = kw.pop("candidate_options", None) or {}
    if not isinstance(cand_opts, Mapping):
        msg = "candidate_options must be a mapping; use SitingOptions(grid_spacing_m=...) instead"
        raise InputError(msg)
    for key, value in cand_opts.items():
        if key not in _CANDIDATE_OPTIONS:
            msg = (
                f"candidate_options key {key!r} is not one of spacing_m, min_people, n; use "
                "SitingOptions(grid_spacing_m=..., gap_min_people=..., max_candidates=...)"
            )
            raise InputError(msg)
        kw.setdefault(_CANDIDATE_OPTIONS[key], value)
    for name in ("candidates", "must_include", "exclude"):
        if name in kw and kw[name] is None:  # None meant "the default" in the old keywords
            del kw[name]
    return dataclasses.replace(out, **kw)  # each value is checked in __post_init__
