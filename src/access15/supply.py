"""Supply against demand on a county: care per person within reach, and capacity-limited coverage.

Coverage says who is within T minutes of a facility and counts a one-doctor clinic like a
county hospital. The two measures here weigh each facility by its capacity, on the same travel
times as coverage (:func:`access15.catchment.catchment_times`):

- :func:`accessibility` — the 2SFCA family (:mod:`access15.fca`): doctors (or beds,
  or any capacity column) per person within reach, per cell and per township;
- :func:`capacity_coverage` — people within T minutes of a facility that still has room for
  them (:mod:`access15.capacity`): the exact, order-free optimum and AccessMod's sequential rule.

Facilities take their doctors, beds and capacity from the data where given and from the
configured per-tier defaults elsewhere (:func:`access15.io.capacity.with_capacity`); the
results say how many used defaults.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from access15 import capacity as cap
from access15 import fca
from access15.catchment import catchment_times
from access15.config import MAX_MINUTES
from access15.errors import InputError
from access15.io.capacity import with_capacity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from access15.access import CoverageResult
    from access15.network import RoadNetwork

__all__ = [
    "INDEX_METHODS",
    "AccessibilityResult",
    "CapacityCoverage",
    "SupplyOptions",
    "accessibility",
    "capacity_coverage",
]

log = logging.getLogger(__name__)

#: Methods of :func:`accessibility`: the 2SFCA family, RAAM, and the tiered 2SFCA.
INDEX_METHODS = (*fca.METHODS, "tiered")

# E2SFCA / 3SFCA band weights of Luo & Qi (2009) for 0-10, 10-20, 20-30 minutes, scaled to the
# catchment: thirds of it
_LUO_QI = (1.0, 0.68, 0.22)


def _cell_points(cov: CoverageResult) -> gpd.GeoDataFrame:
    """Return the coverage run's cells (position, people, zone) as WGS-84 points, in row order."""
    c = cov.cells[["row", "col", "lon", "lat", "pop", "zone_id"]].copy()
    return gpd.GeoDataFrame(c, geometry=gpd.points_from_xy(c["lon"], c["lat"]), crs="EPSG:4326")


def _check_method(method: str) -> str:
    m = str(method).lower().replace("-", "")
    if m not in INDEX_METHODS:
        msg = f"method {method!r} is not one of {', '.join(INDEX_METHODS)}"
        raise InputError(msg)
    return m


@dataclass(frozen=True)
class SupplyOptions:
    """Which supply-against-demand measures a county run adds (checked when made).

    Attributes
    ----------
    index : str, optional
        Accessibility index to compute (one of :data:`INDEX_METHODS`, e.g. ``"2sfca"``);
        None: none.
    capacity : str
        Facility column giving the index's supply: ``"doctors"`` (default), ``"beds"``,
        ``"capacity"`` or another numeric column.
    minutes : float, optional
        The index's catchment, minutes (default: the headline level's threshold).
    capacity_coverage : str, optional
        Facility column of capacity in people for capacity-limited coverage of the headline
        level (``"capacity"``: given capacities, else doctors x ``people_per_doctor``;
        ``"doctors"``; or a numeric column); None: not computed.
    order : str, optional
        Order of the sequential (AccessMod) method: ``"capacity"`` (default), ``"given"`` or
        ``"population"``.

    Examples
    --------
    >>> SupplyOptions(index="E2SFCA").index
    'e2sfca'
    >>> SupplyOptions(index="best")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    access15.errors.InputError: method 'best' is not one of 2sfca, e2sfca, ...
    """

    index: str | None = None
    capacity: str = "doctors"
    minutes: float | None = None
    capacity_coverage: str | None = None
    order: str | None = None

    def __post_init__(self) -> None:
        """Normalise the method name and check the catchment and the order."""
        if self.index is not None:
            object.__setattr__(self, "index", _check_method(self.index))
        if self.minutes is not None:
            m = self.minutes
            ok = isinstance(m, int | float) and not isinstance(m, bool) and 0 < m <= MAX_MINUTES
            if not ok:
                msg = f"the catchment must be minutes in (0, {MAX_MINUTES:g}], got {m!r}"
                raise InputError(msg)
        if self.order is not None and self.order not in cap.ORDERS:
            msg = f"order {self.order!r} is not one of {', '.join(cap.ORDERS)}"
            raise InputError(msg)
        for name in ("capacity", "capacity_coverage"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, str) or not v.strip()):
                msg = f"{name} must be a facility column name, got {v!r}"
                raise InputError(msg)

    @property
    def wanted(self) -> bool:
        """Whether any measure is asked for."""
        return self.index is not None or self.capacity_coverage is not None


def _supply(
    fac: gpd.GeoDataFrame, column: str, *, unlimited: bool = False
) -> npt.NDArray[np.float64]:
    """Capacity of each facility in ``column`` (doctors, beds, capacity or a numeric column).

    ``unlimited``: ``inf`` allowed (a facility without a limit, for capacity coverage).
    """
    if column not in fac.columns:
        known = [c for c in ("doctors", "beds", "capacity") if c in fac.columns]
        msg = (
            f"facilities have no column {column!r}; use one of {known} or add the column to the "
            "facility file"
        )
        raise InputError(msg)
    values = pd.to_numeric(fac[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = (np.isnan(values) | (values < 0)) if unlimited else ~np.isfinite(values) | (values < 0)
    if bad.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:5])
        msg = (
            f"facility column {column!r} must hold numbers >= 0; rows {rows} do not; fix them or "
            "choose another column"
        )
        raise InputError(msg)
    return values


def _sources(fac: gpd.GeoDataFrame, column: str) -> dict[str, int]:
    counts = fac.attrs.get("capacity_sources", {}).get(column)
    if counts is not None:
        return {k: int(v) for k, v in counts.items()}
    return {"file": len(fac)}


def _zone_table(
    cells: pd.DataFrame, cov: CoverageResult, zones: gpd.GeoDataFrame | None
) -> pd.DataFrame:
    """Zone id and name of every zone of the coverage run (its zone table's order)."""
    bz = cov.by_zone
    if len(bz) and "zone_id" in bz.columns:
        names = bz["name"] if "name" in bz.columns else bz["zone_id"]
        out = pd.DataFrame({"zone_id": bz["zone_id"].astype(str), "name": names.to_numpy()})
    else:
        ids = sorted(set(cells["zone_id"].astype(str)) - {""})
        out = pd.DataFrame({"zone_id": ids, "name": ids})
    if zones is not None and "zone_id" in zones.columns:
        geo = zones.assign(zone_id=zones["zone_id"].astype(str))[["zone_id", "geometry"]]
        merged = out.merge(geo, on="zone_id", how="left")
        return gpd.GeoDataFrame(merged, geometry="geometry", crs=zones.crs)
    return out


@dataclass(frozen=True, repr=False)
class AccessibilityResult:
    """An accessibility index of a county, per cell, per township and per facility.

    Attributes
    ----------
    cells : GeoDataFrame
        The coverage run's cells (``row``, ``col``, ``lon``, ``lat``, ``pop``, ``zone_id``; WGS-84
        points) and the index column(s) named ``<method>_<capacity>`` (e.g. ``2sfca_doctors``; for
        ``"tiered"`` one per service level, ``tiered_<level>_<capacity>``): capacity units per
        person within reach (RAAM: cost in units of ``tau`` minutes, lower is better).
    by_zone : DataFrame or GeoDataFrame
        One row per township: ``zone_id``, ``name``, ``population`` (people), ``index`` (the
        population-weighted mean of the cells' index), ``per_10k`` (capacity units per 10,000
        people within reach, e.g. doctors per 10,000; NaN for RAAM) and ``rank`` (1 = best
        served). With zones given, their polygons.
    facilities : GeoDataFrame
        The facilities with their capacity (``supply``), where it came from and their
        supply-to-demand ratio ``ratio`` (capacity units per person in reach).
    column : str
        The cells' index column (the first level's for ``"tiered"``).
    method : str
        One of :data:`INDEX_METHODS`.
    capacity : str
        The facility column used as supply.
    minutes : float
        Catchment, minutes (the largest level's for ``"tiered"``).
    params : dict
        Parameters of the index (bands, sigma, ...), JSON-safe.
    summary : dict
        Key figures for ``summary.json``: county index, people with nothing in reach, the
        capacity sources (how many facilities used data, how many defaults).
    """

    cells: gpd.GeoDataFrame
    by_zone: pd.DataFrame
    facilities: gpd.GeoDataFrame
    column: str
    method: str
    capacity: str
    minutes: float
    params: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"AccessibilityResult({self.method} of {self.capacity} within {self.minutes:g} min: "
            f"county {s.get('per_10k', float('nan')):.2f} per 10,000 people; "
            f"{len(self.by_zone)} townships; {s.get('defaults', 0)} of {len(self.facilities)} "
            "facilities on default capacities)"
        )


def accessibility(
    network: RoadNetwork,
    cov: CoverageResult,
    *,
    method: str = "2sfca",
    capacity: str = "doctors",
    minutes: float | None = None,
    bands: Mapping[float, float] | None = None,
    sigma: float | None = None,
    zones: gpd.GeoDataFrame | None = None,
    **kw: Any,
) -> AccessibilityResult:
    """Compute how much care per person is within reach: the 2SFCA family on a county.

    Demand is the coverage run's populated cells (people), supply the facilities' ``capacity``
    column (doctors by default; missing values take the configured per-tier defaults), and
    travel times the coverage run's own (first mile + network + last mile).

    Parameters
    ----------
    network : RoadNetwork
        The network of the coverage run.
    cov : CoverageResult
        The coverage run.
    method : str
        ``"2sfca"`` (binary catchment), ``"e2sfca"`` (weights per time band), ``"g2sfca"``
        (Gaussian weights), ``"3sfca"`` (selection weights), ``"raam"`` or ``"tiered"`` (2SFCA
        per service level of the configuration, each with its own tiers and minutes).
    capacity : str
        Facility column giving the supply: ``"doctors"``, ``"beds"``, ``"capacity"`` (people)
        or any numeric column of the facility file.
    minutes : float, optional
        Catchment, minutes (default: the headline level's threshold, e.g. 15). ``e2sfca`` and
        ``3sfca`` use three bands of a third of it each, weighted 1, 0.68 and 0.22 (Luo & Qi
        2009), unless ``bands`` is given.
    bands : mapping of float to float, optional
        Upper bound of a band (minutes) -> weight, for ``e2sfca`` and ``3sfca``.
    sigma : float, optional
        Width of the Gaussian (minutes) for ``g2sfca``.
    zones : GeoDataFrame, optional
        Township polygons: ``by_zone`` gets their geometry.
    **kw
        Further parameters of the index (e.g. ``tau`` for RAAM; see
        :func:`access15.fca.accessibility_index`).

    Returns
    -------
    AccessibilityResult
        Per cell, per township and per facility.

    Raises
    ------
    InputError
        An unknown method, a missing or non-numeric capacity column, or a bad catchment.

    Examples
    --------
    >>> res = ax.accessibility(net, cov, method="e2sfca", capacity="doctors", minutes=30)
    ... # doctest: +SKIP
    >>> res.by_zone[["name", "per_10k", "rank"]].head()  # doctest: +SKIP
    """
    m = _check_method(method)
    cfg = cov.config
    fac = with_capacity(cov.facilities, cfg)
    supply = _supply(fac, capacity)
    levels = [(lv.name, lv.min_tier, lv.minutes) for lv in cfg.levels]
    limit = float(minutes) if minutes is not None else float(cfg.levels[0].minutes)
    if m == "tiered":
        limit = max(lv[2] for lv in levels)
    c = catchment_times(network, cov, max_minutes=limit)
    pop = c.pop
    cells = _cell_points(cov)
    params: dict[str, Any]
    if m == "tiered":
        per = fca.tiered_two_step_fca(
            c.times, pop, supply, tiers=fac["tier"].to_numpy(), levels=levels
        )
        cols = {name: f"tiered_{name}_{capacity}" for name in per}
        for name, values in per.items():
            cells[cols[name]] = values
        column = cols[levels[0][0]]
        index = per[levels[0][0]]
        ratio = np.full(len(fac), np.nan)
        params = {"levels": [list(lv) for lv in levels]}
    else:
        if m in ("e2sfca", "3sfca") and bands is None:
            bands = {limit * (i + 1) / 3: w for i, w in enumerate(_LUO_QI)}
        res = fca.accessibility_index(
            c.times,
            pop,
            supply,
            method=m,
            minutes=limit if m in ("2sfca", "g2sfca", "3sfca") else None,
            bands=bands,
            sigma=sigma,
            **kw,
        )
        column = f"{m}_{capacity}"
        cells[column] = res.per_demand
        index, ratio, params = res.per_demand, res.per_supply, dict(res.params)
    by_zone = _zone_table(cells, cov, zones)
    zid = cells["zone_id"].astype(str).to_numpy()
    w = cells["pop"].to_numpy(dtype=np.float64)
    ok = np.isfinite(index)
    z_index, z_pop = [], []
    for z in by_zone["zone_id"].astype(str):
        sel = zid == z
        z_pop.append(float(w[sel].sum()))
        ws = w[sel & ok]
        z_index.append(float((ws * index[sel & ok]).sum() / ws.sum()) if ws.sum() > 0 else np.nan)
    by_zone["population"] = np.round(z_pop, 6)
    by_zone["index"] = z_index
    lower_is_better = m == "raam"
    by_zone["per_10k"] = np.nan if lower_is_better else by_zone["index"] * 1e4
    by_zone["rank"] = (
        by_zone["index"]
        .rank(ascending=lower_is_better, method="min", na_option="bottom")
        .astype("Int64")
        .to_numpy()
    )
    out_fac = fac.copy()
    out_fac["supply"] = supply
    out_fac["ratio"] = ratio
    total_w = float(w[ok].sum())
    county = float((w[ok] * index[ok]).sum() / total_w) if total_w > 0 else float("nan")
    src = _sources(fac, capacity)
    reach = np.diff(c.times.indptr) > 0
    summary = {
        "method": m,
        "capacity": capacity,
        "minutes": limit,
        "params": params,
        "index": county,
        "per_10k": float("nan") if lower_is_better else county * 1e4,
        "supply_total": float(supply.sum()),
        "population_without_reach": float(w[~reach].sum()),
        "capacity_sources": src,
        "defaults": int(src.get("default", 0)),
    }
    log.info("accessibility %s of %s: county %.4g", m, capacity, county)
    return AccessibilityResult(
        cells=cells,
        by_zone=by_zone,
        facilities=out_fac,
        column=column,
        method=m,
        capacity=capacity,
        minutes=limit,
        params=params,
        summary=summary,
    )


@dataclass(frozen=True, repr=False)
class CapacityCoverage:
    """Capacity-limited coverage of a county at one service level.

    Attributes
    ----------
    exact : CapacityResult
        The largest number of people served within the level's minutes with every facility at
        most at its capacity (order-free, exact).
    sequential : CapacityResult
        AccessMod's sequential rule, facilities in the stated order.
    cells : GeoDataFrame
        The coverage run's cells (WGS-84 points) with ``served_<level>`` (people served, exact) and
        ``served_seq_<level>`` (sequential).
    by_zone : DataFrame
        Per township: ``zone_id``, ``name``, ``population``, ``within_reach`` (people within
        the minutes, capacity ignored), ``served`` (exact), ``served_sequential``,
        ``share_served`` (exact / population).
    facilities : GeoDataFrame
        Facilities of the level with ``capacity`` (people), ``load`` (exact),
        ``load_sequential`` and ``full`` (load reaches capacity).
    level : str
        The service level.
    minutes : float
        Its threshold, minutes.
    capacity : str
        The facility column giving capacity in people.
    summary : dict
        Key figures for ``summary.json``.
    """

    exact: cap.CapacityResult
    sequential: cap.CapacityResult
    cells: gpd.GeoDataFrame
    by_zone: pd.DataFrame
    facilities: gpd.GeoDataFrame
    level: str
    minutes: float
    capacity: str
    summary: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"CapacityCoverage({self.level}, {self.minutes:g} min: {s['served']:,.0f} of "
            f"{s['within_reach']:,.0f} people within reach served (exact); sequential "
            f"{s['served_sequential']:,.0f})"
        )


def capacity_coverage(
    network: RoadNetwork,
    cov: CoverageResult,
    *,
    capacity: str = "capacity",
    level: str | None = None,
    order: str | None = None,
    zones: gpd.GeoDataFrame | None = None,
) -> CapacityCoverage:
    """Count the people within reach of a facility that still has room for them.

    Parameters
    ----------
    network : RoadNetwork
        The network of the coverage run.
    cov : CoverageResult
        The coverage run.
    capacity : str
        Facility column of capacity in people: ``"capacity"`` (default: given capacities, else
        doctors x ``people_per_doctor`` of the configuration), ``"doctors"`` (doctors x
        ``people_per_doctor``) or any numeric column (people).
    level : str, optional
        Service level (default: the headline level): its facilities and minutes.
    order : str, optional
        Order of the sequential method: ``"capacity"`` (default: largest capacity first),
        ``"population"`` (most people within reach first) or ``"given"`` (the facility table's
        order; see :func:`access15.capacity.capacity_coverage`).
    zones : GeoDataFrame, optional
        Township polygons: ``by_zone`` gets their geometry.

    Returns
    -------
    CapacityCoverage
        Exact and sequential answers per cell, township and facility.

    Raises
    ------
    InputError
        An unknown level or a missing or non-numeric capacity column.
    """
    cfg = cov.config
    lv = cfg.level(level) if level else cov.levels[0]
    fac = with_capacity(cov.facilities, cfg)
    if capacity == "doctors":
        people = _supply(fac, "doctors") * cfg.capacity.people_per_doctor
    else:
        people = _supply(fac, capacity, unlimited=True)
    keep = np.flatnonzero(fac["tier"].to_numpy() >= lv.min_tier)
    c = catchment_times(network, cov, max_minutes=lv.minutes)
    times = c.times[:, keep].tocsr()
    seq_order = order or "capacity"  # largest first: a stated, table-independent order
    both = cap.compare_methods(times, c.pop, people[keep], minutes=lv.minutes, order=seq_order)
    cells = _cell_points(cov)
    cells[f"served_{lv.name}"] = both.exact.served
    cells[f"served_seq_{lv.name}"] = both.sequential.served
    reach = np.diff(times.indptr) > 0
    by_zone = _zone_table(cells, cov, zones)
    zid = cells["zone_id"].astype(str).to_numpy()
    w = cells["pop"].to_numpy(dtype=np.float64)
    rows = []
    for z in by_zone["zone_id"].astype(str):
        sel = zid == z
        rows.append(
            (
                float(w[sel].sum()),
                float(w[sel & reach].sum()),
                float(both.exact.served[sel].sum()),
                float(both.sequential.served[sel].sum()),
            )
        )
    arr = np.array(rows, dtype=np.float64).reshape(-1, 4)
    by_zone["population"] = arr[:, 0]
    by_zone["within_reach"] = arr[:, 1]
    by_zone["served"] = arr[:, 2]
    by_zone["served_sequential"] = arr[:, 3]
    by_zone["share_served"] = np.divide(
        arr[:, 2], arr[:, 0], out=np.full(len(arr), np.nan), where=arr[:, 0] > 0
    )
    out_fac = fac.iloc[keep].copy()
    out_fac["capacity_people"] = people[keep]
    out_fac["load"] = both.exact.load
    out_fac["load_sequential"] = both.sequential.load
    out_fac["full"] = both.exact.load >= people[keep] * (1 - 1e-9) - 1e-9
    total = float(w.sum())
    summary = {
        "level": lv.name,
        "minutes": lv.minutes,
        "capacity": capacity,
        "within_reach": both.exact.within_reach_total,
        "served": both.exact.served_total,
        "served_sequential": both.sequential.served_total,
        "exact_minus_sequential": both.difference_total,
        "share_served": both.exact.served_total / total if total > 0 else float("nan"),
        "facilities_full": both.exact.full_facilities,
        "facilities": len(keep),
        "sequential_order": seq_order,
        "capacity_sources": _sources(fac, "doctors" if capacity == "doctors" else capacity),
    }
    return CapacityCoverage(
        exact=both.exact,
        sequential=both.sequential,
        cells=cells,
        by_zone=by_zone,
        facilities=out_fac,
        level=lv.name,
        minutes=lv.minutes,
        capacity=capacity,
        summary=summary,
    )
