"""Files of the supply-against-demand measures (:mod:`access15.supply`) in the output folder.

``accessibility.csv`` (the index per township and for the county), ``capacity_coverage.csv``
(people served within capacity per township and for the county), and the columns the measures
add to ``cells.parquet``, ``facilities.geojson`` and ``summary.json``. Called by
:func:`access15.outputs.files.write_outputs`; nothing is computed here but rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from access15.errors import InputError
from access15.supply import AccessibilityResult, CapacityCoverage

if TYPE_CHECKING:
    import geopandas as gpd

    from access15.access import CoverageResult

__all__ = [
    "ACCESSIBILITY_CSV",
    "CAPACITY_CSV",
    "COUNTY_ROW",
    "SupplyMeasures",
    "accessibility_table",
    "capacity_table",
    "round_people",
    "split_supply",
    "supply_cells",
    "supply_facilities",
    "supply_summary",
]

ACCESSIBILITY_CSV = "accessibility.csv"
"""Accessibility index per township and for the county."""
CAPACITY_CSV = "capacity_coverage.csv"
"""Capacity-limited coverage per township and for the county."""
COUNTY_ROW = "county"
"""``name`` of the last row of both tables (``zone_id`` empty): the whole county."""

_BASE_CELLS = ("row", "col", "lon", "lat", "pop", "zone_id", "geometry")
_FACILITY_KEY = "facility_id"

SupplyMeasures = tuple[AccessibilityResult | None, CapacityCoverage | None]
"""At most one accessibility index and one capacity-limited coverage."""


def split_supply(
    supply: Sequence[AccessibilityResult | CapacityCoverage] | None,
) -> SupplyMeasures:
    """Pick the accessibility index and the capacity-limited coverage out of ``supply``.

    Parameters
    ----------
    supply : sequence of AccessibilityResult or CapacityCoverage, optional
        Zero, one or both measures of :mod:`access15.supply`.

    Returns
    -------
    (AccessibilityResult or None, CapacityCoverage or None)

    Raises
    ------
    InputError
        Something else in ``supply``, or two measures of the same kind.
    """
    acc: AccessibilityResult | None = None
    cc: CapacityCoverage | None = None
    for item in supply or ():
        if isinstance(item, AccessibilityResult):
            if acc is not None:
                msg = "supply holds two accessibility results; pass at most one of each measure"
                raise InputError(msg)
            acc = item
        elif isinstance(item, CapacityCoverage):
            if cc is not None:
                msg = "supply holds two capacity coverages; pass at most one of each measure"
                raise InputError(msg)
            cc = item
        else:
            msg = (
                f"supply must hold AccessibilityResult or CapacityCoverage, got "
                f"{type(item).__name__}"
            )
            raise InputError(msg)
    return acc, cc


def round_people(values: Any) -> npt.NDArray[np.int64]:
    """Round numbers of people to integers that add up to their rounded total.

    Largest remainders: every value is rounded down, then the units still missing from the
    rounded total go to the values with the largest fractions. NaN counts as 0.

    Parameters
    ----------
    values : array-like of float
        People (>= 0).

    Returns
    -------
    ndarray of int64
        Whole people, each within 1 of its value, summing to ``round(sum(values))``.

    Examples
    --------
    >>> round_people([0.4, 0.4, 0.4]).tolist()
    [1, 0, 0]
    >>> round_people([2.6, 1.2]).tolist()
    [3, 1]
    """
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
    low = np.floor(v)
    missing = round(float(v.sum())) - int(low.sum())
    if missing > 0:
        order = np.argsort(-(v - low), kind="stable")[:missing]
        low[order] += 1
    return low.astype(np.int64)


def _sig(values: Any, digits: int = 6) -> list[float]:
    """Numbers kept to ``digits`` significant digits (NaN stays NaN)."""
    out = []
    for x in np.asarray(values, dtype=np.float64):
        out.append(float(f"{x:.{digits}g}") if np.isfinite(x) else float("nan"))
    return out


def accessibility_table(acc: AccessibilityResult) -> pd.DataFrame:
    """Tabulate ``accessibility.csv``: one per township and a last one for the county.

    Columns: ``zone_id``, ``name``, ``population`` (people, integers adding up to the rounded
    total), ``index`` (capacity units per person within reach; RAAM: its cost), ``<capacity>_
    per_10k`` (e.g. ``doctors_per_10k``: doctors per 10,000 people within reach; empty for
    RAAM) and ``rank`` (1 = best served; empty for the county row, whose ``zone_id`` is empty
    and ``name`` is :data:`COUNTY_ROW`).

    Parameters
    ----------
    acc : AccessibilityResult
        The index (:func:`access15.supply.accessibility`).

    Returns
    -------
    DataFrame
        The table, not yet guarded with :func:`~access15.outputs.files.csv_safe`.
    """
    bz = acc.by_zone
    per = f"{acc.capacity}_per_10k"
    s = acc.summary
    names = bz["name"] if "name" in bz.columns else bz["zone_id"]
    zones = pd.DataFrame(
        {
            "zone_id": bz["zone_id"].astype(str).to_numpy(),
            "name": names.astype(object).to_numpy(),
            "population": round_people(bz["population"]),
            "index": _sig(bz["index"]),
            per: np.round(bz["per_10k"].to_numpy(dtype=np.float64), 4),
            "rank": pd.array(bz["rank"], dtype="Int64"),
        }
    )
    county = pd.DataFrame(
        {
            "zone_id": [""],
            "name": [COUNTY_ROW],
            "population": [round(float(acc.cells["pop"].sum()))],
            "index": _sig([s.get("index", np.nan)]),
            per: [round(float(s.get("per_10k", np.nan)), 4)],
            "rank": pd.array([pd.NA], dtype="Int64"),
        }
    )
    return pd.concat([zones, county], ignore_index=True)


def capacity_table(cc: CapacityCoverage) -> pd.DataFrame:
    """Tabulate ``capacity_coverage.csv``: one per township and a last one for the county.

    Columns: ``zone_id``, ``name``, ``population``, ``within_reach`` (people within the level's
    minutes, capacity ignored), ``served`` (people served within capacity, exact optimum),
    ``served_sequential`` (AccessMod's sequential rule): people, integers adding up to each
    column's rounded total; ``share_served`` (served / population, 4 decimals). The county row
    has an empty ``zone_id`` and the ``name`` :data:`COUNTY_ROW`.

    Parameters
    ----------
    cc : CapacityCoverage
        The capacity-limited coverage (:func:`access15.supply.capacity_coverage`).

    Returns
    -------
    DataFrame
        The table, not yet guarded with :func:`~access15.outputs.files.csv_safe`.
    """
    bz = cc.by_zone
    s = cc.summary
    names = bz["name"] if "name" in bz.columns else bz["zone_id"]
    people = ("population", "within_reach", "served", "served_sequential")
    zones = pd.DataFrame(
        {"zone_id": bz["zone_id"].astype(str).to_numpy(), "name": names.astype(object).to_numpy()}
    )
    for c in people:
        zones[c] = round_people(bz[c])
    zones["share_served"] = np.round(bz["share_served"].to_numpy(dtype=np.float64), 4)
    total = float(cc.cells["pop"].sum())
    county: dict[str, list[Any]] = {"zone_id": [""], "name": [COUNTY_ROW]}
    county["population"] = [round(total)]
    for c in people[1:]:
        county[c] = [round(float(s[c]))]
    county["share_served"] = [round(float(s["share_served"]), 4)]
    return pd.concat([zones, pd.DataFrame(county)], ignore_index=True)


def _check_rows(cov: CoverageResult, cells: pd.DataFrame, what: str) -> None:
    """Check that the measure's cells are the coverage run's, in the same order."""
    same = len(cells) == len(cov.cells) and all(
        np.array_equal(cells[c].to_numpy(), cov.cells[c].to_numpy())
        for c in ("row", "col")
        if c in cells.columns and c in cov.cells.columns
    )
    if not same:
        msg = f"the {what} was not computed on this coverage run (its cells differ); recompute it"
        raise InputError(msg)


def supply_cells(cov: CoverageResult, measures: SupplyMeasures) -> pd.DataFrame:
    """Add the measures' columns (index, ``served_*``) to the coverage run's cells.

    Parameters
    ----------
    cov : CoverageResult
        The coverage run (its ``cells``).
    measures : (AccessibilityResult or None, CapacityCoverage or None)
        From :func:`split_supply`.

    Returns
    -------
    DataFrame
        ``cov.cells`` without ``node``, in its row order, plus the measures' columns.

    Raises
    ------
    InputError
        A measure computed on other cells.
    """
    cells = cov.cells.drop(columns=["node"])
    for item, what in zip(measures, ("accessibility index", "capacity coverage"), strict=True):
        if item is None:
            continue
        _check_rows(cov, item.cells, what)
        extra = [c for c in item.cells.columns if c not in _BASE_CELLS]
        for c in extra:
            cells[c] = item.cells[c].to_numpy()
    return cells


def _join(base: gpd.GeoDataFrame, part: gpd.GeoDataFrame, columns: Sequence[str]) -> None:
    """Copy ``columns`` of ``part`` onto the matching facilities of ``base`` (others blank)."""
    cols = [c for c in columns if c in part.columns]
    if not cols:
        return
    if _FACILITY_KEY in base.columns and _FACILITY_KEY in part.columns:
        key = base[_FACILITY_KEY].astype(str)
        lookup = part.assign(_k=part[_FACILITY_KEY].astype(str)).drop_duplicates("_k")
        lookup = lookup.set_index("_k")
        for c in cols:
            base[c] = key.map(lookup[c]).to_numpy()
    else:  # same index labels (the measures keep the facilities' index)
        for c in cols:
            base[c] = part[c].reindex(base.index).to_numpy()


def supply_facilities(fac: gpd.GeoDataFrame, measures: SupplyMeasures) -> gpd.GeoDataFrame:
    """Add the measures' capacities and loads to the facilities, for ``facilities.geojson``.

    Adds ``doctors``, ``beds``, ``capacity`` and their ``*_source`` (file, osm or default)
    from the measure(s), and with capacity-limited coverage ``capacity_people``, ``load``
    (people served, exact) and ``full`` (load reaches capacity); facilities not in a measure
    are left blank.

    Parameters
    ----------
    fac : GeoDataFrame
        The facilities as written without the measures.
    measures : (AccessibilityResult or None, CapacityCoverage or None)
        From :func:`split_supply`.

    Returns
    -------
    GeoDataFrame
        A copy with the columns added.
    """
    acc, cc = measures
    out = fac.copy()
    capacity_cols = [
        c
        for name in ("doctors", "beds", "capacity")
        for c in (name, f"{name}_source")
        if c not in fac.columns
    ]
    if cc is not None:
        _join(out, cc.facilities, capacity_cols)
    if acc is not None:  # all facilities, so it wins over the level's subset
        _join(out, acc.facilities, capacity_cols)
    if cc is not None:
        _join(out, cc.facilities, ("capacity_people", "load", "full"))
    return out


def supply_summary(measures: SupplyMeasures) -> dict[str, Any]:
    """Collect the measures' keys for ``summary.json``: ``accessibility``, ``capacity_coverage``.

    Parameters
    ----------
    measures : (AccessibilityResult or None, CapacityCoverage or None)
        From :func:`split_supply`.

    Returns
    -------
    dict
        The measures' ``summary`` dicts (not yet JSON-safe), by key; empty without measures.
    """
    acc, cc = measures
    out: dict[str, Any] = {}
    if acc is not None:
        out["accessibility"] = dict(acc.summary)
    if cc is not None:
        out["capacity_coverage"] = dict(cc.summary)
    return out
