"""Rank sites to upgrade or open for a county: the recommendation planners read."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from access15._repr import card, fmt_frame, pct, people
from access15._repr import minutes as fmt_minutes
from access15.config import Config, ServiceLevel
from access15.errors import InputError
from access15.io.capacity import with_capacity
from access15.siting.candidates import candidates_from_options, hospital_minutes, is_site_table
from access15.siting.capacitated import solve_capacitated
from access15.siting.constraints import SiteConstraints
from access15.siting.curve import coverage_curve
from access15.siting.options import SitingOptions, with_legacy_keywords
from access15.siting.problem import SitingProblem, build_problem
from access15.siting.solver import solve
from access15.siting.target import fewest_sites
from access15.travel import nearest_facility

if TYPE_CHECKING:
    import geopandas as gpd

    from access15.access import CoverageResult
    from access15.network import RoadNetwork

__all__ = [
    "UPGRADE_CAPACITY",
    "Recommendation",
    "recommend_upgrades",
    "service_level",
    "upgrade_capacity",
]


@dataclass(frozen=True, repr=False)
class Recommendation:
    """A ranked list of sites to upgrade, the curve over K and per-zone effect.

    Attributes
    ----------
    ranking : DataFrame
        ``rank``, ``site_id``, ``name``, ``name_en``, ``lon``, ``lat``, ``added_population``
        (people newly within the level's threshold), ``cumulative_covered_population``,
        ``cumulative_share``, ``objective`` (the model's objective after sites 1..rank: people
        covered for coverage — as before — mean minutes for median, worst minutes for center),
        ``gain`` (objective improvement of the site, people or minutes), ``mean_minutes`` and
        ``max_minutes`` (on-network population after sites 1..rank), ``zone_id``, ``cost``,
        ``minutes_to_hospital``, ``kind`` (``tier2`` upgrade, ``gap`` centroid, grid ``node``
        or ``user`` site). With ``site_capacity``: also ``capacity`` (people the site can
        serve; inf: no limit) and ``served`` (people it serves in the plan); ``objective`` is
        then people covered counting capacities (today's plus those served by sites 1..rank,
        in the plan's assignment) and ``gain`` the site's ``served``, while
        ``added_population`` and ``cumulative_*`` stay people *within reach* (no capacity).
    level : ServiceLevel
        The service level.
    baseline_covered : float
        People covered at that level before any upgrade.
    population_total : float
        People in the study area (denominator of the shares).
    n_candidates : int
        Eligible candidates.
    method : str
        ``"greedy"``, ``"greedy + swap"`` or ``"exact (HiGHS)"``.
    objective_name : str
        ``"coverage"``, ``"median"``, ``"center"`` or ``"center-zone"``.
    proven : bool
        Optimality of the chosen set proven (see :class:`Solution`); with ``target_share``,
        that no plan reaching the target has fewer sites (or less cost).
    bound, gap : float
        Best bound on the objective and the relative gap to it; with ``target_share``, the
        lower bound on the number of sites (or on the cost when costs are given).
    status : str
        Solver status.
    curve : DataFrame
        :func:`coverage_curve` output with site ids; ``share`` is the covered share at the level.
    zones : DataFrame
        Per zone: ``zone_id``, ``name``, ``population``, ``covered_before``, ``covered_after``,
        ``share_before``, ``share_after``, ``mean_minutes_before``, ``mean_minutes_after``.
    candidates : DataFrame
        Every candidate with ``eligible`` and ``reason`` (why not).
    aggregation : dict
        ``cells`` (demand cells some site can improve), ``rows`` (after merging), ``pairs``.
    seconds : float
        Wall time, seconds.
    notes : list of str
        What a planner should know about the result.
    options : SitingOptions
        The options the recommendation was made with (``k`` as given, ``None`` meaning
        ``config.k``), so that :func:`~access15.siting.sensitivity` reruns exactly them.
    target_share : float, optional
        The covered share asked for (``options.target_share``); the ranking is then the
        fewest-sites plan (K = its length, 0 when the target is met today).
    target_reached : bool, optional
        Whether the plan reaches ``target_share`` (always True when a plan is returned: an
        unreachable target raises); None without a target.
    already_met : bool
        True when ``target_share`` is met today, without any new site.
    capacitated : bool
        True when sites were chosen by the capacitated model (``options.site_capacity``).
    """

    ranking: pd.DataFrame
    level: ServiceLevel
    baseline_covered: float
    population_total: float
    n_candidates: int
    method: str = "greedy"
    objective_name: str = "coverage"
    proven: bool = False
    bound: float = math.nan
    gap: float = math.nan
    status: str = ""
    curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    zones: pd.DataFrame = field(default_factory=pd.DataFrame)
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)
    aggregation: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    options: SitingOptions = field(default_factory=SitingOptions)
    target_share: float | None = None
    target_reached: bool | None = None
    already_met: bool = False
    capacitated: bool = False

    @property
    def upgrades_only(self) -> bool:
        """True when every ranked site is a tier-2 centre to upgrade (no new sites)."""
        return "kind" not in self.ranking or bool((self.ranking["kind"] == "tier2").all())

    def __repr__(self) -> str:
        r = self.ranking
        base = self.baseline_covered / self.population_total if self.population_total else 0.0
        last = r["cumulative_share"].iloc[-1] if len(r) else base
        return (
            f"Recommendation({len(r)} of {self.n_candidates} candidates by {self.method}; "
            f"{self.level.name} coverage {base:.1%} → "
            f"{last:.1%}: {', '.join(r['name'].astype(str))})"
        )

    def _repr_html_(self) -> str:
        """Jupyter display: the ranking, the level's coverage before and after, the proof."""
        r = self.ranking
        lv = self.level
        base = self.baseline_covered / self.population_total if self.population_total else 0.0
        last = float(r["cumulative_share"].iloc[-1]) if len(r) else base
        proof = (
            "proven optimal"
            if self.proven
            else f"not proven optimal (status {self.status or 'heuristic'}, gap {self.gap:.2e})"
        )
        ranking = fmt_frame(
            r,
            {
                "added_population": people,
                "cumulative_share": pct,
                "mean_minutes": fmt_minutes,
                "minutes_to_hospital": fmt_minutes,
            },
            rename={
                "rank": "rank",
                "site_id": "site",
                "name": "name",
                "zone_id": "zone",
                "added_population": "people added",
                "cumulative_share": "covered share after",
                "mean_minutes": "mean time after",
                "minutes_to_hospital": "to county hospital",
            },
        )
        return card(
            "Recommendation",
            f"upgrade {len(r)} of {self.n_candidates} candidates: {lv.name} coverage "
            f"{pct(base)} → {pct(last)}",
            facts=[
                ("service level", f"tier ≥ {lv.min_tier} within {lv.minutes:g} min ({lv.label})"),
                ("objective", self.objective_name),
                ("method", f"{self.method}: {proof}"),
                ("covered before", f"{people(self.baseline_covered)} people"),
                ("time", f"{self.seconds:.2f} s"),
            ],
            tables=[("Ranking (cut it at any K)", ranking)],
            notes=self.notes,
            notes_title="Notes",
            attributes=("ranking", "curve", "zones", "candidates", "notes", "options"),
        )


class _SiteTimes:
    """Per-node minutes to the existing facilities of a level and to single sites (cached)."""

    def __init__(self, network: RoadNetwork, cov: CoverageResult, lv: ServiceLevel) -> None:
        self.net = network
        cells = cov.cells
        col = f"minutes_{lv.name}"
        self.pop = cells["pop"].to_numpy(dtype=np.float64)
        self.node = cells["node"].to_numpy()
        self.off = cells["off_network"].to_numpy(dtype=bool)
        speed_ms = cov.config.access_kmh.get(network.mode, 4.5) / 3.6
        self.first_s = cells["snap_m"].to_numpy(dtype=np.float64) / speed_ms
        self.before = np.nan_to_num(cells[col].to_numpy(dtype=np.float64), nan=np.inf)
        self.cache: dict[tuple[int, float], npt.NDArray[np.float64]] = {}

    def site(self, node: int, leg: float) -> npt.NDArray[np.float64]:
        key = (int(node), float(leg))
        if key not in self.cache:
            t, _ = nearest_facility(self.net, [node], leg_s=[leg])
            self.cache[key] = t
        return self.cache[key]

    def after(self, nodes: Sequence[int], legs: Sequence[float]) -> npt.NDArray[np.float64]:
        """Cell minutes with the given sites added (inf off-network)."""
        best = self.before.copy()
        for nd, lg in zip(nodes, legs, strict=True):
            t = (self.first_s + self.site(nd, lg)[self.node]) / 60.0
            best = np.minimum(best, np.where(self.off, np.inf, t))
        return best


def _stats(
    st: _SiteTimes, minutes: npt.NDArray[np.float64], lv: ServiceLevel
) -> tuple[float, float, float]:
    ok = np.isfinite(minutes)
    covered = float(st.pop[minutes <= lv.minutes].sum())
    mean = float(np.average(minutes[ok], weights=st.pop[ok])) if ok.any() else math.nan
    mx = float(minutes[ok].max()) if ok.any() else math.nan
    return covered, mean, mx


def _as_positions(ids: Iterable[str] | None, cand: pd.DataFrame, what: str) -> list[int]:
    if ids is None:
        return []
    if isinstance(ids, str):
        ids = [ids]
    pos = {s: i for i, s in enumerate(cand["site_id"].astype(str))}
    by_name: dict[str, list[int]] = {}
    if "name" in cand:
        for i, nm in enumerate(cand["name"].astype(str)):
            by_name.setdefault(nm, []).append(i)
    out = []
    for s in ids:
        if str(s) in pos:
            out.append(pos[str(s)])
        elif len(by_name.get(str(s), [])) == 1:  # a planner may give the centre's name
            out.append(by_name[str(s)][0])
        elif str(s) in by_name:
            msg = (
                f"{what} site name {s!r} is ambiguous ({len(by_name[str(s)])} candidates); "
                "use its site_id"
            )
            raise InputError(msg)
        else:
            msg = f"{what} site {s!r} is not among the candidates; give a site_id or a name"
            raise InputError(msg)
    return out


def service_level(cfg: Config, level: str | ServiceLevel | None) -> ServiceLevel:
    """Return the service level ranked: ``level`` itself, by name, or ``config.upgrade_level``.

    Parameters
    ----------
    cfg : Config
        The configuration of the coverage.
    level : str or ServiceLevel, optional
        ``SitingOptions.level``.

    Returns
    -------
    ServiceLevel
    """
    if isinstance(level, ServiceLevel):
        return level
    return cfg.level(level or cfg.upgrade_level)


def _site_table(
    network: RoadNetwork,
    cov: CoverageResult,
    opts: SitingOptions,
    lv: ServiceLevel,
    zones: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Return the candidates of ``opts``: a ready site table, or generated and snapped now."""
    src = opts.candidates[0]
    if len(opts.candidates) == 1 and isinstance(src, pd.DataFrame) and is_site_table(src):
        cand = src.reset_index(drop=True).copy()
        for c_, d_ in (("zone_id", ""), ("cost", 1.0), ("name_en", ""), ("kind", "user")):
            if c_ not in cand.columns:
                cand[c_] = d_
        if "minutes_to_hospital" not in cand.columns:
            cand["minutes_to_hospital"] = hospital_minutes(
                network, cov, cand["node"].to_numpy(), cand["leg_s"].to_numpy(np.float64)
            )
    else:
        # "gaps": the clusters the level ranked leaves uncovered (when it is a config level)
        known = any(x.name == lv.name for x in cov.config.levels)
        cand = candidates_from_options(
            network, cov, opts, level=lv.name if known else None, zones=zones
        )
    cand["site_id"] = cand["site_id"].astype(str)
    cost = opts.cost
    if cost is not None:
        if isinstance(cost, str):
            if cost not in cand.columns:
                msg = f"cost column {cost!r} not in the candidates; add it or pass a mapping"
                raise InputError(msg)
            cand["cost"] = pd.to_numeric(cand[cost], errors="coerce")
        else:
            cmap = {str(k_): float(v_) for k_, v_ in dict(cost).items()}
            by_id = cand["site_id"].astype(str).map(cmap)
            if "name" in cand:  # a planner's cost table may name the centres instead
                by_id = by_id.fillna(cand["name"].astype(str).map(cmap))
            cand["cost"] = by_id.astype(np.float64)
        if cand["cost"].isna().any():
            miss = cand.loc[cand["cost"].isna(), "site_id"].iloc[0]
            msg = f"no cost for candidate {miss!r}; give every candidate a cost"
            raise InputError(msg)
    if opts.site_capacity == UPGRADE_CAPACITY:
        cand["capacity"] = upgrade_capacity(cand, cov)
    elif opts.site_capacity is not None:
        cand["capacity"] = _per_site(cand, opts.site_capacity, "site_capacity", "people")
    return cand


#: ``site_capacity`` value: each site's capacity after its upgrade, from the facility data
UPGRADE_CAPACITY = "upgrade"


def upgrade_capacity(cand: pd.DataFrame, cov: CoverageResult) -> npt.NDArray[np.float64]:
    """People each candidate can serve once it is a sub-centre: its doctors plus the upgrade's.

    A township centre keeps its doctors (from the facility data, else its tier's default) and
    gains the difference between the sub-centre and the township-centre defaults of the
    configuration's ``[capacity.doctors]`` (15 by default); a new site (gap, node, listed
    site) gets the sub-centre default. People = doctors x ``people_per_doctor``.

    Parameters
    ----------
    cand : DataFrame
        Candidate sites with ``site_id`` (a township centre's is its ``facility_id``).
    cov : CoverageResult
        The coverage run: its facilities and configuration.

    Returns
    -------
    ndarray of float64
        People per candidate, in order.
    """
    caps = cov.config.capacity
    doctors = {int(t): float(v) for t, v in caps.doctors.items()}
    added = max(doctors[3] - doctors[2], 0.0)
    fac = with_capacity(cov.facilities, cov.config)
    by_id = dict(zip(fac["facility_id"].astype(str), fac["doctors"], strict=True))
    now = cand["site_id"].astype(str).map(by_id).to_numpy(dtype=np.float64)
    after = np.where(np.isnan(now), doctors[3], now + added)
    return np.asarray(after * caps.people_per_doctor, dtype=np.float64)


def _per_site(
    cand: pd.DataFrame, value: str | Mapping[str, float] | float, what: str, unit: str
) -> Any:
    """One number >= 0 per candidate: a column name, ``{site_id or name: value}`` or one value."""
    if isinstance(value, int | float):
        return np.full(len(cand), float(value))
    if isinstance(value, str):
        if value not in cand.columns:
            msg = f"{what} column {value!r} not in the candidates; add it or pass a mapping"
            raise InputError(msg)
        out = pd.to_numeric(cand[value], errors="coerce").astype(np.float64)
    else:
        vmap = {str(k_): float(v_) for k_, v_ in dict(value).items()}
        out = cand["site_id"].astype(str).map(vmap)
        if "name" in cand:  # a planner's table may name the centres instead
            out = out.fillna(cand["name"].astype(str).map(vmap))
        out = out.astype(np.float64)
    if out.isna().any():
        miss = cand.loc[out.isna(), "site_id"].iloc[0]
        msg = f"no {what} for candidate {miss!r}; give every candidate one ({unit})"
        raise InputError(msg)
    if (out < 0).any():
        bad = cand.loc[out < 0, "site_id"].iloc[0]
        msg = f"{what} of candidate {bad!r} is negative; give {unit} >= 0"
        raise InputError(msg)
    return out.to_numpy()


def recommend_upgrades(
    network: RoadNetwork,
    cov: CoverageResult,
    options: SitingOptions | None = None,
    *,
    zones: gpd.GeoDataFrame | None = None,
    k: int | None = None,
    **legacy: Any,
) -> Recommendation:
    """Rank sites to upgrade to sub-centres (tier 3) — by default the tier-2 township centres.

    The sites are chosen by the model of ``options.objective`` (see :mod:`access15.siting`):
    maximal covering (MCLP; Church & ReVelle 1974), p-median (Hakimi 1964; ReVelle & Swain
    1970), worst-cell p-center (Hakimi 1965) or the worst-township model, by the lazy greedy,
    1-swap or an exact HiGHS solve (:func:`~access15.siting.solve`). Travel times are those of
    ``cov`` (first mile + network + the site's last mile).

    Parameters
    ----------
    network : RoadNetwork
        The network ``cov`` was computed on.
    cov : CoverageResult
        The county's coverage today (its configuration gives the service levels and K).
    options : SitingOptions, optional
        Objective, method, candidates and constraints (default: ``SitingOptions()``: coverage
        of the ``config.upgrade_level``, exact, tier-2 centres, K = ``config.k``).
    zones : GeoDataFrame, optional
        Township polygons (``zone_id``, ``name``) to place candidates and name zones.
    k : int, optional
        Number of sites; overrides ``options.k`` (a convenience: ``k=3``).
    **legacy
        Deprecated: the fields of :class:`SitingOptions` as keywords (``objective=``,
        ``method=``, ``candidates=``, ..., ``candidate_options=``) still work and emit a
        :class:`DeprecationWarning`; pass ``SitingOptions(...)`` instead.

    Returns
    -------
    Recommendation
        The ranking (cut it at any K) with people added and the objective after each site, the
        curve over K, the per-zone effect, the candidates and the optimality proof.

    Examples
    --------
    >>> import access15 as ax
    >>> opts = ax.SitingOptions(k=3, objective="median", method="swap")
    >>> # rec = ax.recommend_upgrades(net, cov, opts, zones=zones)
    """
    t0 = time.perf_counter()
    opts = with_legacy_keywords(options, legacy, "recommend_upgrades")
    if k is not None:
        opts = dataclasses.replace(opts, k=k)
    cfg = cov.config
    obj = opts.objective
    method = opts.method
    budget = opts.budget
    time_limit_s = opts.time_limit_s
    lv = service_level(cfg, opts.level)
    if lv.min_tier > 3:
        msg = (
            f"service level {lv.name!r} needs tier >= {lv.min_tier}: upgrades to tier 3 cannot help"
        )
        raise InputError(msg)
    for name in ("target_share", "site_capacity"):
        if getattr(opts, name) is not None and obj != "coverage":
            msg = f"{name} needs the coverage objective, not {obj!r}; use objective='coverage'"
            raise InputError(msg)
    if opts.target_share is not None and opts.site_capacity is not None:
        msg = "target_share and site_capacity cannot be combined yet; drop one of them"
        raise InputError(msg)
    cand = _site_table(network, cov, opts, lv, zones)
    reason = np.full(len(cand), "", dtype=object)
    reason[~cand["on_network"].to_numpy(dtype=bool)] = "off the road network"
    ex_pos = _as_positions(opts.exclude, cand, "excluded")
    reason[ex_pos] = "excluded"
    if opts.max_minutes_to_hospital is not None:
        mh = cand["minutes_to_hospital"].to_numpy(dtype=np.float64)
        far = ~(mh <= float(opts.max_minutes_to_hospital)) & (reason == "")
        reason[far] = f"over {float(opts.max_minutes_to_hospital):g} min to the county hospital"
    must_pos = _as_positions(opts.must_include, cand, "required")
    bad = [j for j in must_pos if reason[j]]
    if bad:
        msg = (
            f"required site {cand['site_id'].iloc[bad[0]]!r} is not eligible "
            f"({reason[bad[0]]}); drop it from must_include"
        )
        raise InputError(msg)
    eligible = reason == ""
    cand["eligible"] = eligible
    cand["reason"] = reason
    n_elig = int(eligible.sum())
    k_sites = opts.k
    if budget is None and opts.target_share is None:  # with a target, K is only a cap
        k_sites = cfg.k if k_sites is None else k_sites
        if k_sites < 1:
            msg = f"K must be >= 1, got {k_sites}"
            raise InputError(msg)
        if k_sites > n_elig:
            label = (
                "tier-2 candidates on the network"
                if opts.default_candidates
                else "eligible candidates"
            )
            msg = f"K={k_sites} is larger than the {n_elig} {label}; lower K"
            raise InputError(msg)
    zone_ids = sorted({z for z in cand.loc[eligible, "zone_id"].astype(str) if z})
    zpos = {z: i for i, z in enumerate(zone_ids)}
    site_zone = np.array([zpos.get(str(z), -1) for z in cand["zone_id"]], dtype=np.int64)
    notes: list[str] = []
    required: list[int] = []
    if opts.per_zone is True:
        required = list(range(len(zone_ids)))
        all_z = sorted(set(cov.cells["zone_id"].astype(str)) - {""})
        missing = [z for z in all_z if z not in zpos]
        if missing:
            notes.append(
                f"{len(missing)} zone(s) have no eligible candidate and cannot get a site: "
                + ", ".join(missing)
            )
    elif opts.per_zone:
        for z in opts.per_zone:
            if str(z) not in zpos:
                msg = f"zone {z!r} has no eligible candidate; drop it from per_zone"
                raise InputError(msg)
            required.append(zpos[str(z)])

    prob = build_problem(
        network, cov, cand, objective=obj, level=lv, cutoff_minutes=opts.cutoff_minutes
    )
    cons = SiteConstraints(
        k=k_sites,
        budget=budget,
        cost=cand["cost"].to_numpy(dtype=np.float64),
        must_include=must_pos,
        exclude=[int(j) for j in np.flatnonzero(~eligible)],
        site_zone=site_zone,
        required_zones=required,
    )
    ch = _choose(prob, cons, cand, opts, notes)
    st = _SiteTimes(network, cov, lv)
    before = st.before
    base_cov = _stats(st, before, lv)[0]
    total = float(st.pop.sum())
    nodes = cand["node"].to_numpy()
    legs = cand["leg_s"].to_numpy(dtype=np.float64)
    rows = []
    prev_cov = base_cov
    chosen = ch.sites
    for r, j in enumerate(chosen, start=1):
        mins = st.after(nodes[chosen[:r]].tolist(), legs[chosen[:r]].tolist())
        c_, mean_, max_ = _stats(st, mins, lv)
        rows.append(
            {
                "rank": r,
                "site_id": cand["site_id"].iloc[j],
                "name": cand["name"].iloc[j],
                "name_en": cand["name_en"].iloc[j],
                "lon": float(cand["lon"].iloc[j]),
                "lat": float(cand["lat"].iloc[j]),
                "added_population": c_ - prev_cov,
                "cumulative_covered_population": c_,
                "cumulative_share": c_ / total if total else 0.0,
                "objective": ch.objective[r - 1],
                "gain": ch.gains[r - 1],
                "mean_minutes": mean_,
                "max_minutes": max_,
                "zone_id": cand["zone_id"].iloc[j],
                "cost": float(cand["cost"].iloc[j]),
                "minutes_to_hospital": float(cand["minutes_to_hospital"].iloc[j]),
                "kind": cand["kind"].iloc[j],
                **(
                    {"capacity": float(cand["capacity"].iloc[j]), "served": ch.gains[r - 1]}
                    if ch.capacitated
                    else {}
                ),
            }
        )
        prev_cov = c_
    ranking = pd.DataFrame(
        rows,
        columns=[
            "rank",
            "site_id",
            "name",
            "name_en",
            "lon",
            "lat",
            "added_population",
            "cumulative_covered_population",
            "cumulative_share",
            "objective",
            "gain",
            "mean_minutes",
            "max_minutes",
            "zone_id",
            "cost",
            "minutes_to_hospital",
            "kind",
            *(["capacity", "served"] if ch.capacitated else []),
        ],
    )
    after = st.after(nodes[chosen].tolist(), legs[chosen].tolist())
    zt = _zone_table(cov, st, before, after, lv, zones)
    cv = pd.DataFrame()
    kmax = len(chosen) if opts.target_share is not None else max(k_sites or 0, len(chosen))
    if opts.curve and budget is None and not ch.capacitated and kmax >= 1:
        cv = coverage_curve(
            prob,
            kmax,
            cons,
            exact=(opts.curve is True and method == "exact"),
            time_limit_s=time_limit_s,
        )
        shares, means = [], []
        ids = cand["site_id"].to_numpy()
        for s_ in cv["sites"]:
            pos = [int(v) for v in s_.split(",")] if s_ else []
            mins = st.after(nodes[pos].tolist(), legs[pos].tolist())
            c_, mean_, _ = _stats(st, mins, lv)
            shares.append(c_ / total if total else 0.0)
            means.append(mean_)
        cv["share"] = shares
        cv["mean_minutes"] = means
        cv["sites"] = [
            ",".join(ids[[int(v) for v in s_.split(",")]]) if s_ else "" for s_ in cv["sites"]
        ]
    if not ch.proven and ch.exact:
        notes.append(
            f"optimality not proven within {time_limit_s:g} s ({ch.status}); the plan is within "
            f"{ch.gap:.2%} of the best bound {ch.bound:,.6g}"
        )
    labels = {"greedy": "greedy", "swap": "greedy + swap", "exact": "exact (HiGHS)"}
    method_label = "exact (HiGHS)" if ch.capacitated else labels[method]
    return Recommendation(
        ranking=ranking,
        level=lv,
        baseline_covered=base_cov,
        population_total=total,
        n_candidates=n_elig,
        method=method_label,
        objective_name=obj,
        proven=ch.proven,
        bound=ch.bound,
        gap=ch.gap,
        status=ch.status,
        curve=cv,
        zones=zt,
        candidates=cand,
        aggregation={
            "cells": prob.n_cells,
            "rows": prob.n_rows,
            "pairs": int(prob.savings.nnz),
        },
        seconds=time.perf_counter() - t0,
        notes=notes,
        options=opts,
        target_share=opts.target_share,
        target_reached=ch.reached,
        already_met=ch.already_met,
        capacitated=ch.capacitated,
    )


@dataclass
class _Choice:
    """The chosen sites in ranking order, whichever question chose them."""

    sites: list[int]
    gains: list[float]  # people (coverage, target), minutes, or people served (capacitated)
    objective: list[float]  # the model's objective after sites 1..rank
    proven: bool
    bound: float
    gap: float
    status: str
    exact: bool
    capacitated: bool = False
    reached: bool | None = None
    already_met: bool = False


def _choose(
    prob: SitingProblem,
    cons: SiteConstraints,
    cand: pd.DataFrame,
    opts: SitingOptions,
    notes: list[str],
) -> _Choice:
    """Solve the question of ``opts``: K sites, the fewest reaching a target, or capacitated."""
    method, limit = opts.method, opts.time_limit_s
    if opts.target_share is not None:
        tcons = dataclasses.replace(
            cons, k=opts.k, cost=cons.cost if opts.cost is not None else None
        )
        tp = fewest_sites(
            prob,
            tcons,
            target_share=opts.target_share,
            method="exact" if method == "exact" else "greedy",
            time_limit_s=limit,
        )
        sites = tp.sites.tolist()
        what = "least cost" if tp.minimised == "cost" else "fewest sites"
        if tp.already_met and not sites:
            notes.append(
                f"the target {opts.target_share:.1%} is met today ({tp.share:.1%} covered): "
                "no site is needed (K = 0)"
            )
        else:
            proof = "proven" if tp.proven else f"not proven; at least {tp.bound:,.6g} needed"
            notes.append(
                f"target {opts.target_share:.1%} reached with K = {tp.k} sites "
                f"({tp.share:.1%} covered; {what}, {proof})"
            )
        return _Choice(
            sites=sites,
            gains=tp.gains.tolist(),
            objective=[prob.evaluate(sites[:r]) for r in range(1, len(sites) + 1)],
            proven=tp.proven,
            bound=tp.bound,
            gap=tp.gap,
            status=tp.status,
            exact=method == "exact",
            reached=tp.share >= opts.target_share - 1e-9,
            already_met=tp.already_met,
        )
    if opts.site_capacity is not None:
        if method != "exact":
            notes.append(f"the capacitated model is solved exactly (HiGHS), not by {method}")
        cap = cand["capacity"].to_numpy(dtype=np.float64)
        sol = solve_capacitated(prob, cap, cons, time_limit_s=limit)
        gains = sol.gains.tolist()
        return _Choice(
            sites=sol.sites.tolist(),
            gains=gains,
            objective=(prob.fixed + np.cumsum(gains)).tolist(),
            proven=sol.proven,
            bound=sol.bound,
            gap=sol.gap,
            status=sol.status,
            exact=True,
            capacitated=True,
        )
    sol = solve(prob, cons, method=method, time_limit_s=limit)
    sites = sol.sites.tolist()
    return _Choice(
        sites=sites,
        gains=sol.gains.tolist(),
        objective=[prob.evaluate(sites[:r]) for r in range(1, len(sites) + 1)],
        proven=sol.proven,
        bound=sol.bound,
        gap=sol.gap,
        status=sol.status,
        exact=method == "exact",
    )


def _zone_table(
    cov: CoverageResult,
    st: _SiteTimes,
    before: npt.NDArray[np.float64],
    after: npt.NDArray[np.float64],
    lv: ServiceLevel,
    zones: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    zid = cov.cells["zone_id"].astype(str).to_numpy()
    names: dict[str, str] = {}
    if zones is not None and "name" in zones:
        names = dict(zip(zones["zone_id"].astype(str), zones["name"].astype(str), strict=True))
    elif "name" in cov.by_zone:
        names = dict(
            zip(cov.by_zone["zone_id"].astype(str), cov.by_zone["name"].astype(str), strict=True)
        )
    pop = st.pop
    df = pd.DataFrame(
        {
            "zone_id": np.where(zid == "", "(none)", zid),
            "pop": pop,
            "cb": pop * (before <= lv.minutes),
            "ca": pop * (after <= lv.minutes),
            "mb": np.where(np.isfinite(before), pop * np.nan_to_num(before, posinf=0.0), 0.0),
            "ma": np.where(np.isfinite(after), pop * np.nan_to_num(after, posinf=0.0), 0.0),
            "on": pop * np.isfinite(before),
            "on_a": pop * np.isfinite(after),
        }
    )
    g = df.groupby("zone_id", sort=True).sum()
    out = pd.DataFrame(
        {
            "zone_id": g.index.to_numpy(),
            "name": [names.get(z, z) for z in g.index],
            "population": g["pop"].to_numpy(),
            "covered_before": g["cb"].to_numpy(),
            "covered_after": g["ca"].to_numpy(),
        }
    )
    popz = np.where(out["population"] > 0, out["population"], 1.0)
    out["share_before"] = out["covered_before"] / popz
    out["share_after"] = out["covered_after"] / popz
    out["mean_minutes_before"] = g["mb"].to_numpy() / np.where(g["on"] > 0, g["on"], np.nan)
    out["mean_minutes_after"] = g["ma"].to_numpy() / np.where(g["on_a"] > 0, g["on_a"], np.nan)
    return out.sort_values("share_before", kind="stable").reset_index(drop=True)
