"""Capacity of health facilities: doctors, beds and people served, read or filled by tier.

:func:`capacity_columns` reads ``doctors`` / ``beds`` / ``capacity`` columns of a facility file
(Chinese or English headers), :func:`osm_capacity` the ``beds`` and ``staff_count:doctors`` tags
of OSM facilities, and :func:`with_capacity` completes a facility table: where the data give no
figure it takes the per-tier defaults of the configuration (``[capacity]``: rough placeholders,
not statistics) and records where every value came from.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from access15.config import TIER_NAMES, Config
from access15.errors import InputError

__all__ = [
    "BED_NAMES",
    "CAPACITY_COLUMNS",
    "CAPACITY_NAMES",
    "DOCTOR_NAMES",
    "OSM_BED_TAGS",
    "OSM_DOCTOR_TAGS",
    "capacity_columns",
    "osm_capacity",
    "with_capacity",
]

log = logging.getLogger(__name__)

#: Capacity columns of a facility table: doctors, beds, capacity (people), in this order.
CAPACITY_COLUMNS = ["doctors", "beds", "capacity"]

#: Headers of the doctors column, by preference (the first present is read). 执业(助理)医师
#: (licensed physicians and assistant physicians, the count of China's health statistics) comes
#: before 执业医师 (licensed physicians only); full-width brackets match too.
DOCTOR_NAMES = (
    "doctors",
    "physicians",
    "医生数",
    "医生",
    "执业(助理)医师",
    "执业(助理)医师数",
    "执业医师",
    "执业医师数",
    "医师数",
)
#: Headers of the beds column, by preference: actual (实有) before approved (编制) beds.
BED_NAMES = ("beds", "床位数", "实有床位", "实有床位数", "床位", "编制床位", "编制床位数")
#: Headers of a capacity given directly in people (patients a facility can serve).
CAPACITY_NAMES = ("capacity", "容量", "服务能力")
#: OSM tags giving beds, by preference (``capacity`` on a hospital counts beds).
OSM_BED_TAGS = ("beds", "capacity:beds", "capacity")
#: OSM tags giving doctors (rarely mapped; Healthsites.io and HOT health surveys use it).
OSM_DOCTOR_TAGS = ("staff_count:doctors",)

_MAX_LISTED = 10  # rows quoted in one error message
_SOURCES = ("file", "osm", "default")


def _key(name: Any) -> str:
    """Header key: NFKC (full-width → ASCII), stripped of a BOM and spaces, case-folded."""
    s = unicodedata.normalize("NFKC", str(name)).lstrip("\ufeff")
    return re.sub(r"\s+", "", s).casefold()


def _column(columns: Iterable[Any], names: tuple[str, ...]) -> Any:
    """First column (original label) whose header key is one of ``names`` (by preference)."""
    by_key: dict[str, Any] = {}
    for c in columns:
        by_key.setdefault(_key(c), c)
    for name in names:
        if _key(name) in by_key:
            return by_key[_key(name)]
    return None


def _rows(rows: Iterable[Any]) -> str:
    """Format rows as 'data row 3' / 'data rows 3, 7, …' (at most _MAX_LISTED, then a count)."""
    listed = [str(r) for r in rows]
    head = ", ".join(listed[:_MAX_LISTED])
    more = f", … ({len(listed)} in all)" if len(listed) > _MAX_LISTED else ""
    return f"data row{'s' if len(listed) > 1 else ''} {head}{more}"


def _parse(value: Any) -> float | None:
    """One cell → float (NaN when blank), None when it is not a number.

    Text is NFKC-normalised (full-width digits, commas and spaces become ASCII), then thousands
    separators (``,``) and spaces are dropped: ``" 1,200 "`` → 1200.0.
    """
    if value is None or value is pd.NA:
        return float("nan")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = re.sub(r"[\s,]+", "", unicodedata.normalize("NFKC", str(value)))
    if not text:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        return None


def _counts(values: Iterable[Any]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Parse cells: the numbers (NaN when blank or bad) and which cells are bad.

    A cell is bad when it is not a number, negative, infinite or NaN written out (``"nan"``).
    """
    nums: list[float] = []
    bad: list[bool] = []
    for v in values:
        x = _parse(v)
        blank = x is not None and np.isnan(x) and not (isinstance(v, str) and v.strip())
        wrong = x is None or (not blank and not (np.isfinite(x) and x >= 0))
        nums.append(float("nan") if wrong or x is None else x)
        bad.append(wrong)
    return np.asarray(nums, dtype=np.float64), np.asarray(bad, dtype=bool)


def capacity_columns(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Read the doctors, beds and capacity columns of a facility table.

    Headers are matched after NFKC normalisation (full-width ``（）`` → ``()``), removal of
    spaces and case-folding; when several headers of one kind are present the first of the
    preference list is read: doctors :data:`DOCTOR_NAMES` (``doctors``, ``physicians``,
    ``医生数``, ``医生``, ``执业(助理)医师``, ``执业医师``, ``医师数``), beds :data:`BED_NAMES`
    (``beds``, ``床位数``, ``实有床位``, ``床位``, ``编制床位``), capacity
    :data:`CAPACITY_NAMES` (``capacity``, ``容量``, ``服务能力``: people). Cells may be numbers or
    text with thousands separators, spaces or full-width digits; a blank cell is missing (NaN).

    Parameters
    ----------
    df : DataFrame
        The table as read (index: data rows, counted from 1 under the header).
    where : str
        What the table is, for messages (e.g. ``"facility file 'fac.csv'"``).

    Returns
    -------
    DataFrame
        Float columns among ``doctors`` (doctors), ``beds`` (beds) and ``capacity`` (people),
        only those the table has, in that order; index of ``df``; NaN where blank.

    Raises
    ------
    InputError
        A value that is not a number, negative or not finite (every such row listed, one column
        at a time).
    """
    out = pd.DataFrame(index=df.index)
    for name, names, unit in (
        ("doctors", DOCTOR_NAMES, "doctors"),
        ("beds", BED_NAMES, "beds"),
        ("capacity", CAPACITY_NAMES, "people"),
    ):
        col = _column(df.columns, names)
        if col is None:
            continue
        values = df[col].tolist()
        nums, bad = _counts(values)
        if bad.any():
            first = values[int(np.flatnonzero(bad)[0])]
            msg = (
                f"{where}: {name} in column {str(col)!r} not a number >= 0 at "
                f"{_rows(df.index[bad])} (e.g. {str(first).strip()!r}); give a number of {unit} "
                "such as 12, or leave the cell blank to use the tier's default"
            )
            raise InputError(msg)
        out[name] = nums
    return out


def osm_capacity(tags: pd.DataFrame) -> pd.DataFrame:
    """Read doctors and beds from the tags of OSM facilities.

    Beds come from ``beds``, else ``capacity:beds``, else ``capacity`` (on a hospital, the OSM
    wiki's ``capacity`` counts beds); doctors from ``staff_count:doctors``. OSM has no tag for
    the people a facility serves, so there is no ``capacity`` column. Tags that are not a number
    >= 0 (``"ca. 100"``, ``"50;60"``) are ignored (logged), as is a tag column absent from
    ``tags``.

    Parameters
    ----------
    tags : DataFrame
        One row per facility, one column per OSM tag (as ``OsmData.facilities``).

    Returns
    -------
    DataFrame
        Float columns ``doctors`` (doctors) and ``beds`` (beds), each only when at least one
        facility has a usable tag; index of ``tags``; NaN where untagged.
    """
    out = pd.DataFrame(index=tags.index)
    for name, keys in (("doctors", OSM_DOCTOR_TAGS), ("beds", OSM_BED_TAGS)):
        values = np.full(len(tags), np.nan)
        for key in reversed(keys):  # the preferred tag is written last and wins
            if key not in tags.columns:
                continue
            nums, bad = _counts(tags[key].tolist())
            if bad.any():
                log.info("ignored %d OSM %s tags that are not a number >= 0", int(bad.sum()), key)
            values = np.where(np.isnan(nums), values, nums)
        if not np.isnan(values).all():
            out[name] = values
    return out


def with_capacity(facilities: gpd.GeoDataFrame, config: Config | None = None) -> gpd.GeoDataFrame:
    """Complete a facility table with doctors, beds and capacity, and say where each came from.

    A value given in the table (the columns :func:`access15.io.facilities.read_facilities`
    and :func:`~access15.io.facilities.facilities_from_osm` keep) is used; a missing one (the
    column absent or the cell NaN) is the configured default of the facility's tier
    (``config.capacity``: rough placeholders, see :class:`access15.config.CapacityDefaults`).
    The capacity in people is the given ``capacity`` where there is one, else doctors ×
    ``people_per_doctor``.

    Parameters
    ----------
    facilities : GeoDataFrame
        Facilities with a ``tier`` (1-4) column and optionally ``source`` (``"file"``/``"osm"``;
        default ``"file"``), ``doctors``, ``beds``, ``capacity`` and their ``*_source`` columns
        (kept for the values present, so calling this twice changes nothing).
    config : Config, optional
        Configuration whose ``capacity`` gives the defaults; default :class:`Config`.

    Returns
    -------
    GeoDataFrame
        A copy with float columns ``doctors`` (doctors), ``beds`` (beds), ``capacity`` (people)
        and text columns ``doctors_source``, ``beds_source``, ``capacity_source``: ``"file"`` or
        ``"osm"`` (the row's ``source``) for a given value, ``"default"`` for a tier default;
        a capacity computed from doctors has the doctors' source. ``attrs["capacity_sources"]``
        counts facilities per source, e.g. ``{"doctors": {"file": 12, "osm": 0, "default": 3},
        ...}``; other ``attrs`` are kept.

    Raises
    ------
    InputError
        No ``tier`` column, a tier that is not 1-4, or a given value that is not a finite
        number >= 0.

    Examples
    --------
    >>> import geopandas as gpd
    >>> fac = gpd.GeoDataFrame({"tier": [4, 1], "doctors": [180.0, float("nan")]})
    >>> out = with_capacity(fac)
    >>> out[["doctors", "doctors_source", "beds", "capacity"]].to_dict("list")
    {'doctors': [180.0, 1.0], 'doctors_source': ['file', 'default'], 'beds': [400.0, 0.0], \
'capacity': [180000.0, 1000.0]}
    >>> out.attrs["capacity_sources"]["doctors"]
    {'file': 1, 'osm': 0, 'default': 1}
    """
    cfg = config or Config()
    if "tier" not in facilities.columns:
        msg = (
            f"the facility table has no tier column (it has {list(facilities.columns)}); read it "
            "with read_facilities or facilities_from_osm"
        )
        raise InputError(msg)
    tiers = facilities["tier"].tolist()
    bad_tier = [i for i, t in enumerate(tiers) if t not in TIER_NAMES or isinstance(t, bool)]
    if bad_tier:
        msg = (
            f"facility tiers must be 1-4, got {tiers[bad_tier[0]]!r} at positions "
            f"{bad_tier[:_MAX_LISTED]}; read the table with read_facilities or facilities_from_osm"
        )
        raise InputError(msg)
    n = len(facilities)
    origin = (
        facilities["source"].astype(str).to_numpy(dtype=object)
        if "source" in facilities.columns
        else np.full(n, "file", dtype=object)
    )
    out = facilities.copy()
    defaults = {"doctors": cfg.capacity.doctors, "beds": cfg.capacity.beds}
    for name in CAPACITY_COLUMNS:
        given = _given(facilities, name)
        have = ~np.isnan(given)
        source = np.where(have, origin, "default").astype(object)
        if f"{name}_source" in facilities.columns:
            kept = facilities[f"{name}_source"].astype(str).to_numpy(dtype=object)
            source = np.where(have, kept, source).astype(object)
        if name == "capacity":
            from_doctors = (
                out["doctors"].to_numpy(dtype=np.float64) * cfg.capacity.people_per_doctor
            )
            value = np.where(have, given, from_doctors)
            source = np.where(have, source, out["doctors_source"].to_numpy(dtype=object))
        else:
            table = defaults[name]
            value = np.where(have, given, [float(table[int(t)]) for t in tiers])
        out[name] = np.asarray(value, dtype=np.float64)
        out[f"{name}_source"] = pd.Series(list(source), index=out.index, dtype=object)
    counts = {name: _tally(out[f"{name}_source"].tolist()) for name in CAPACITY_COLUMNS}
    out.attrs = {**facilities.attrs, "capacity_sources": counts}
    log.info(
        "facility capacity: doctors %s, beds %s, capacity %s",
        counts["doctors"],
        counts["beds"],
        counts["capacity"],
    )
    return out


def _given(facilities: pd.DataFrame, name: str) -> npt.NDArray[np.float64]:
    """Return the ``name`` column as floats (NaN where missing or absent); bad → InputError."""
    if name not in facilities.columns:
        return np.full(len(facilities), np.nan)
    values = facilities[name].tolist()
    nums, bad = _counts(values)
    if bad.any():
        first = values[int(np.flatnonzero(bad)[0])]
        msg = (
            f"facility {name} must be numbers >= 0 (NaN for unknown), got {first!r} at "
            f"positions {np.flatnonzero(bad)[:_MAX_LISTED].tolist()}; fix the {name} column"
        )
        raise InputError(msg)
    return nums


def _tally(sources: list[str]) -> dict[str, int]:
    """Facilities per source: file, osm, default (always present), then any other source."""
    counts = dict.fromkeys(_SOURCES, 0)
    for s in sources:
        counts[s] = counts.get(s, 0) + 1
    return counts
