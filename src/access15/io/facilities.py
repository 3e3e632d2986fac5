"""Health facilities with a tier (1 village clinic … 4 county hospital): from OSM or a file.

:func:`facilities_from_osm` takes them from OSM tags; :func:`read_facilities` reads the list a
county health commission keeps (CSV or XLSX from Excel, GeoJSON, GeoPackage), in WGS-84, GCJ-02
(AMap, Tencent) or BD-09 (Baidu) coordinates; :func:`read_sites` reads candidate sites for new
or upgraded facilities the same way.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from access15.config import TIER_NAMES, Config
from access15.crs import crs_name, parse_crs_in, source_crs, to_wgs84
from access15.errors import DataWarning, InputError
from access15.io.capacity import CAPACITY_COLUMNS, capacity_columns, osm_capacity
from access15.io.osm import OsmData
from access15.io.tables import CSV_SUFFIXES, EXCEL_SUFFIXES, read_table
from access15.io.vectors import VECTOR_SUFFIXES, read_vector_file

__all__ = ["DEFAULT_TIER_MAP", "facilities_from_osm", "read_facilities", "read_sites"]

FACILITY_COLUMNS = ["facility_id", "name", "name_en", "tier", "tier_name", "source", "geometry"]


def _with_columns(out: gpd.GeoDataFrame, cap: pd.DataFrame) -> gpd.GeoDataFrame:
    """FACILITY_COLUMNS with the capacity columns of ``cap`` (same rows) before the geometry."""
    for c in cap.columns:
        out[c] = cap[c].to_numpy(dtype=np.float64)
    kept = [c for c in CAPACITY_COLUMNS if c in cap.columns]
    return out[[*FACILITY_COLUMNS[:-1], *kept, FACILITY_COLUMNS[-1]]]


def _tier_of(row: dict, rules: tuple[tuple[str, str, int], ...]) -> int | None:
    explicit = row.get("access15:tier")
    if explicit is not None:
        try:
            t = int(str(explicit).strip())
        except ValueError:
            t = -1
        if t in TIER_NAMES:
            return t
    for key, value, tier in rules:
        if row.get(key) == value:
            return tier
    return None


def facilities_from_osm(osm: OsmData, *, config: Config | None = None) -> gpd.GeoDataFrame:
    """Health facilities found in an OSM file, with tiers.

    The tier comes from an ``access15:tier`` tag when present, else from the configured tag rules
    (by default ``amenity=hospital`` → 4, ``clinic`` → 2, ``doctors`` → 1). Facilities no rule
    matches are dropped with a warning.

    Parameters
    ----------
    osm : OsmData
        Roads and facilities read by :func:`access15.io.osm.read_osm` (or downloaded).
    config : Config, optional
        Configuration whose ``tier_rules`` map OSM tags to tiers; default :class:`Config`.

    Returns
    -------
    GeoDataFrame
        Columns ``facility_id`` (e.g. ``"node/123"``), ``name``, ``name_en``, ``tier``,
        ``tier_name``, ``source``, and ``doctors`` / ``beds`` when any facility has a tag for
        them (see :func:`access15.io.capacity.osm_capacity`; NaN where untagged); WGS-84 points.
    """
    cfg = config or Config()
    df = osm.facilities
    rows = df.to_dict("records")
    tiers = [_tier_of(r, cfg.tier_rules) for r in rows]
    keep = np.array([t is not None for t in tiers], dtype=bool)
    if (~keep).any():
        warnings.warn(
            f"{int((~keep).sum())} health features in {osm.source} have no tier rule and are "
            "ignored; add a rule under tier_rules in the configuration",
            stacklevel=2,
        )
    if not keep.any():
        msg = (
            f"no health facilities (amenity=hospital|clinic|doctors or healthcare=*) in "
            f"{osm.source!r}; give a facility file with --facilities"
        )
        raise InputError(msg)
    d = df.loc[keep].reset_index(drop=True)
    name = d["name:zh"].where(d["name:zh"].notna(), d["name"])
    name = name.where(name.notna(), d["name:en"]).fillna("")
    tier = pd.array([t for t in tiers if t is not None], dtype="int64")
    out = gpd.GeoDataFrame(
        {
            "facility_id": d["osm_type"] + "/" + d["osm_id"].astype(str),
            "name": name.astype(str),
            "name_en": d["name:en"].fillna("").astype(str),
            "tier": tier,
            "tier_name": [TIER_NAMES[int(t)] for t in tier],
            "source": "osm",
        },
        geometry=gpd.points_from_xy(d["lon"], d["lat"]),
        crs="EPSG:4326",
    )
    out = _with_columns(out, osm_capacity(d))
    return out.sort_values(["tier", "facility_id"], ascending=[False, True]).reset_index(drop=True)


# --- facility files ----------------------------------------------------------------------------

_LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度")
_LAT_NAMES = ("lat", "latitude", "y", "纬度")
_NAME_NAMES = ("name", "名称", "机构名称")
_NAME_EN_NAMES = ("name_en", "name:en", "english name", "英文名称")
_TIER_COLUMNS = ("tier", "level", "等级", "级别")
_ID_NAMES = ("id", "编号")
_MAX_LISTED = 10  # rows or values quoted in one error message

#: Default labels → tier for :func:`read_facilities` (see there for how labels are matched).
DEFAULT_TIER_MAP: Mapping[str, int] = MappingProxyType(
    {
        # 1 village clinic
        "村卫生室": 1,
        "卫生室": 1,
        "卫生所": 1,
        "社区卫生服务站": 1,
        "village clinic": 1,
        # 2 township health centre
        "乡镇卫生院": 2,
        "卫生院": 2,
        "中心卫生院": 2,
        "社区卫生服务中心": 2,
        "township health centre": 2,
        "township health center": 2,
        "community health centre": 2,
        "community health center": 2,
        # 3 sub-centre (县域医疗卫生次中心 / 分中心: an upgraded township health centre)
        "分中心": 3,
        "次中心": 3,
        "sub-centre": 3,
        "sub-center": 3,
        # 4 county hospital
        "县医院": 4,
        "县人民医院": 4,
        "县中医院": 4,
        "县中医医院": 4,
        "county hospital": 4,
        **{name: tier for tier, name in TIER_NAMES.items()},
    }
)


def _norm_label(value: Any) -> str:
    """Label key: NFKC (full-width → ASCII), case-folded, without spaces, hyphens, underscores."""
    s = unicodedata.normalize("NFKC", str(value)).casefold()
    return re.sub(r"[\s\-_]+", "", s)


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return str(value).strip() == ""


class _TierMatcher:
    """Map a tier cell (1-4 or a label) to a tier, or None when it is not understood."""

    def __init__(self, tier_map: Mapping[str, int] | None) -> None:
        user: dict[str, int] = {}
        for key, tier in (tier_map or {}).items():
            if (
                isinstance(tier, bool)
                or not isinstance(tier, int | np.integer)
                or tier not in TIER_NAMES
            ):
                msg = (
                    f"tier_map[{key!r}] = {tier!r} is not a tier; map each label to 1 (village "
                    "clinic), 2 (township health centre), 3 (sub-centre) or 4 (county hospital)"
                )
                raise InputError(msg)
            k = _norm_label(key)
            if not k:
                msg = "tier_map has a blank label; remove it or give the label used in the file"
                raise InputError(msg)
            user[k] = int(tier)
        self.user = user
        self.table = {_norm_label(k): v for k, v in DEFAULT_TIER_MAP.items()} | user
        self.subs = [(k, v) for k, v in self.table.items() if len(k) >= 3]

    def __call__(self, value: Any) -> int | None:
        if _is_blank(value):
            return None
        s = _norm_label(value)
        if s in self.user:
            return self.user[s]
        try:
            num = float(s)
        except ValueError:
            num = float("nan")
        if num.is_integer() and int(num) in TIER_NAMES:
            return int(num)
        if s in self.table:
            return self.table[s]
        best: tuple[int, int, int] | None = None  # (end position, key length, tier)
        for key, tier in self.subs:
            pos = s.rfind(key)
            if pos >= 0:
                cand = (pos + len(key), len(key), tier)
                if best is None or cand > best:
                    best = cand
        return None if best is None else best[2]


def _find_column(columns: Any, names: tuple[str, ...]) -> Any:
    """First column (original label) whose stripped, case-folded name is in ``names``."""
    by_key: dict[str, Any] = {}
    for c in columns:
        by_key.setdefault(str(c).strip().lstrip("\ufeff").casefold(), c)
    for name in names:
        if name in by_key:
            return by_key[name]
    return None


def _given_column(columns: Any, wanted: str, option: str, where: str) -> Any:
    """Find the column the user named (exact, else case-insensitive), or raise InputError."""
    if wanted in columns:
        return wanted
    found = _find_column(columns, (wanted.strip().casefold(),))
    if found is None:
        msg = (
            f"{where} has no column {wanted!r} ({option}); it has {_listed(columns)}; "
            f"pass one of those as {option}"
        )
        raise InputError(msg)
    return found


def _listed(columns: Any) -> str:
    return "[" + ", ".join(str(c) for c in columns) + "]"


def _rows(rows: npt.NDArray[np.int64] | list[int]) -> str:
    """Format rows as 'data row 3' / 'data rows 3, 7, …' (at most _MAX_LISTED, then a count)."""
    rows = [int(r) for r in rows]
    head = ", ".join(str(r) for r in rows[:_MAX_LISTED])
    more = f", … ({len(rows)} in all)" if len(rows) > _MAX_LISTED else ""
    return f"data row{'s' if len(rows) > 1 else ''} {head}{more}"


def _read_vector(p: Path) -> gpd.GeoDataFrame:
    gdf = read_vector_file(
        p,
        what="facility",
        hint="is it GeoJSON/GeoPackage (or a CSV with lon/lat columns)?",
        empty=f"facility file {str(p)!r} has no features; give one point per facility",
    )
    gdf.index = pd.RangeIndex(1, len(gdf) + 1)
    missing = gdf.geometry.isna().to_numpy() | gdf.geometry.is_empty.to_numpy()
    if missing.any():
        msg = (
            f"facility file {str(p)!r}: features without a geometry at "
            f"{_rows(gdf.index[missing].to_numpy())}; give each facility a point or remove it"
        )
        raise InputError(msg)
    kinds = set(gdf.geom_type)
    if kinds != {"Point"}:
        msg = (
            f"facility file {str(p)!r} must contain points, found {sorted(kinds)}; convert the "
            "facilities to points (e.g. building centroids)"
        )
        raise InputError(msg)
    return gdf


def _numbers(s: pd.Series) -> npt.NDArray[np.float64]:
    """Text column → float64, NaN where blank or not a number (full-width digits accepted)."""
    if pd.api.types.is_numeric_dtype(s):
        return np.asarray(s.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    clean = s.map(
        lambda v: "" if _is_blank(v) else unicodedata.normalize("NFKC", str(v)).strip().rstrip("°")
    )
    out = pd.to_numeric(clean.replace("", np.nan), errors="coerce")
    return np.asarray(out.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def _check_lonlat(
    where: str, rows: pd.Index, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], names: str
) -> None:
    """Refuse swapped or out-of-range longitude/latitude degrees (all rows of a kind at once)."""
    with np.errstate(invalid="ignore"):
        swapped = ((np.abs(y) > 90) & (np.abs(x) <= 90)) | (
            (x >= 18) & (x <= 54) & (y >= 73) & (y <= 135)
        )
        off = ~swapped & ((np.abs(x) > 180) | (np.abs(y) > 90))
    if swapped.any():
        i = int(np.flatnonzero(swapped)[0])
        msg = (
            f"{where}: columns look swapped: {names} hold latitude-like and longitude-like values "
            f"at {_rows(rows[swapped].to_numpy())} (e.g. {x[i]:g}, {y[i]:g}; China is "
            "longitude 73-135, latitude 18-54); swap the longitude and latitude column names"
        )
        raise InputError(msg)
    if off.any():
        i = int(np.flatnonzero(off)[0])
        msg = (
            f"{where}: coordinates out of range at {_rows(rows[off].to_numpy())} (e.g. {x[i]:g}, "
            f"{y[i]:g}); longitude must be -180..180 and latitude -90..90: fix those rows or "
            "check crs_in"
        )
        raise InputError(msg)


def _text(df: pd.DataFrame, col: Any) -> list[str]:
    """Return the stripped text of a column ("" for blanks; all "" when ``col`` is None)."""
    if col is None:
        return [""] * len(df)
    return ["" if _is_blank(v) else str(v).strip() for v in df[col].tolist()]


def _ids(df: pd.DataFrame, where: str, names: tuple[str, ...]) -> list[str]:
    """Ids from the first column in ``names`` (unique, none blank), else data row numbers."""
    icol = _find_column(df.columns, names)
    if icol is None:
        ids = [str(r) for r in df.index]
    else:
        ids = _text(df, icol)
        ids = [i[:-2] if re.fullmatch(r"-?\d+\.0", i) else i for i in ids]  # 12.0 from numbers
        blank = [int(r) for r, i in zip(df.index, ids, strict=True) if i == ""]
        if blank:
            msg = (
                f"{where}: blank ids in column {str(icol)!r} at {_rows(blank)}; fill them in "
                "or delete the id column (rows are then numbered)"
            )
            raise InputError(msg)
        counts = pd.Series(ids).value_counts()
        dup = [str(i) for i in counts.index[counts.to_numpy() > 1]]
        if dup:
            shown = ", ".join(repr(d) for d in dup[:_MAX_LISTED])
            more = f", … ({len(dup)} in all)" if len(dup) > _MAX_LISTED else ""
            msg = (
                f"{where}: duplicate ids in column {str(icol)!r}: {shown}{more}; make each id "
                "unique or delete the id column (rows are then numbered)"
            )
            raise InputError(msg)
    return ids


def _read_points(
    p: Path, crs_in: str | int | None, what: str, columns: str, rows_hint: str
) -> tuple[pd.DataFrame, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Attributes and WGS-84 lon/lat of a point list (CSV, XLSX, GeoJSON, GeoPackage).

    Every check of :func:`read_facilities` on the file and its coordinates; ``what`` names the
    kind of file in messages, ``columns`` lists the CSV columns expected (for the not-found
    message), ``rows_hint`` says what an empty table should hold.
    """
    where = f"{what} {str(p)!r}"
    kind = parse_crs_in(crs_in)
    if not p.is_file():
        msg = f"{where} not found; give a CSV ({columns} columns), GeoJSON or GeoPackage"
        raise InputError(msg)
    suffix = p.suffix.lower()
    if suffix in CSV_SUFFIXES | EXCEL_SUFFIXES:
        if kind is None:
            table = "a CSV" if suffix in CSV_SUFFIXES else "a spreadsheet"
            msg = (
                f"{where} is {table} and has no CRS; pass crs_in (--crs-in gcj02|bd09|wgs84|"
                "EPSG:n) to say which coordinates it uses (AMap/Tencent: gcj02, Baidu: bd09, "
                "GPS: wgs84)"
            )
            raise InputError(msg)
        df = read_table(p, what=what, rows_hint=rows_hint)
        xcol, ycol = _find_column(df.columns, _LON_NAMES), _find_column(df.columns, _LAT_NAMES)
        if xcol is None or ycol is None:
            lacking = " and ".join(
                w for w, c in (("longitude", xcol), ("latitude", ycol)) if c is None
            )
            msg = (
                f"{where} has no {lacking} column (looked for lon/lng/long/longitude/x/经度 and "
                f"lat/latitude/y/纬度, any case); it has {_listed(df.columns)}; rename them"
            )
            raise InputError(msg)
        x, y = _numbers(df[xcol]), _numbers(df[ycol])
        bad = ~(np.isfinite(x) & np.isfinite(y))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            example = f"{xcol}={df[xcol].iloc[i]!r}, {ycol}={df[ycol].iloc[i]!r}"
            msg = (
                f"{where}: missing or non-numeric coordinates at {_rows(df.index[bad].to_numpy())}"
                f" (e.g. {example}); give decimal degrees (e.g. 115.934) or remove those rows"
            )
            raise InputError(msg)
        names = f"columns {xcol!r}/{ycol!r}"
        geographic = isinstance(kind, str) or kind.is_geographic
    else:
        if suffix not in VECTOR_SUFFIXES:
            msg = (
                f"{where}: unknown file type {suffix or '(none)'!r}; give a .csv, .geojson or "
                ".gpkg file"
            )
            raise InputError(msg)
        gdf = _read_vector(p)
        kind = source_crs(gdf.crs, crs_in, where)
        x = gdf.geometry.x.to_numpy(dtype=np.float64)
        y = gdf.geometry.y.to_numpy(dtype=np.float64)
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        names = "the point coordinates (x, y)"
        geographic = isinstance(kind, str) or kind.is_geographic
    src_name = crs_name(kind)
    if geographic:
        _check_lonlat(where, df.index, x, y, names)
    elif bool(np.all((np.abs(x) <= 180) & (np.abs(y) <= 90))):
        msg = (
            f"{where}: the coordinates look like degrees but {src_name} is a projected CRS "
            "(metres); pass crs_in='wgs84' (or gcj02/bd09) for longitude/latitude"
        )
        raise InputError(msg)
    lon, lat = to_wgs84((x, y), kind, what=where)
    with np.errstate(invalid="ignore"):
        off = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if off.any():
        msg = (
            f"{where}: coordinates at {_rows(df.index[off].to_numpy())} do not convert to "
            f"longitude/latitude from {src_name}; check crs_in and the coordinate columns"
        )
        raise InputError(msg)
    return df, lon, lat


def read_facilities(
    path: str | Path,
    *,
    crs_in: str | int | None = None,
    tier_column: str | None = None,
    name_column: str | None = None,
    tier_map: Mapping[str, int] | None = None,
) -> gpd.GeoDataFrame:
    """Read a facility list (CSV, GeoJSON, GeoPackage) into tiered WGS-84 points.

    **CSV** (``.csv``, ``.tsv``, ``.txt``; UTF-8 with or without BOM, UTF-16 with BOM, else
    GB18030/GBK as saved by Excel in China; comma, tab, semicolon or ``|`` separated) or an
    **Excel workbook** (``.xlsx``, first sheet; needs openpyxl), read by
    :func:`access15.io.tables.read_table`. Column
    names are matched case-insensitively:

    ===========  ===============================================  ==========
    what         column names                                     required
    ===========  ===============================================  ==========
    longitude    lon, lng, long, longitude, x, 经度                yes
    latitude     lat, latitude, y, 纬度                            yes
    tier         tier, level, 等级, 级别 (or ``tier_column``)       yes
    name         name, 名称, 机构名称 (or ``name_column``)          no
    English      name_en, name:en, english name, 英文名称           no
    id           id, 编号                                          no
    doctors      doctors, physicians, 医生数, 医生, 执业(助理)医师,   no
                 执业医师, 医师数
    beds         beds, 床位数, 实有床位, 床位, 编制床位               no
    capacity     capacity, 容量, 服务能力 (people served)            no
    ===========  ===============================================  ==========

    Doctors, beds and capacity are read by :func:`access15.io.capacity.capacity_columns`
    (the first header present in the order listed; numbers >= 0, ``"1,200"`` and full-width
    digits accepted, blank cells NaN); :func:`access15.io.capacity.with_capacity` fills the
    missing ones with per-tier defaults.

    **GeoJSON / GeoPackage**: points; the same attribute columns except the coordinates.

    A tier is an integer 1-4 (1 village clinic, 2 township health centre, 3 sub-centre,
    4 county hospital; these are access15 tiers, *not* the 一级/二级/三级 hospital grades) or a
    label. Labels are compared after NFKC normalisation, case-folding and removal of spaces,
    hyphens and underscores, first exactly with ``tier_map``, then as a number, then exactly with
    :data:`DEFAULT_TIER_MAP` (and ``tier_map``), and last as a substring: a label containing one
    or more keys of at least 3 characters takes the key that ends last (Chinese names end with
    their head noun: ``"某镇卫生院分中心"`` → 3, ``"金寨县人民医院"`` → 4), then the longest.
    The defaults map 村卫生室, 卫生室, 卫生所, 社区卫生服务站, village clinic → 1; 乡镇卫生院,
    卫生院, 中心卫生院, 社区卫生服务中心, township/community health centre → 2; 分中心,
    次中心, sub-centre → 3; 县医院, 县人民医院, 县中医院, 县中医医院, county hospital → 4.

    Parameters
    ----------
    path : str or Path
        The facility file.
    crs_in : str or int, optional
        Coordinates of the file: ``"gcj02"`` (AMap/Gaode, Tencent geocoding), ``"bd09"``
        (Baidu), ``"wgs84"``, ``"EPSG:n"`` or any pyproj string. **Required for CSV/XLSX**
        (they have no CRS); for GeoJSON/GeoPackage it wins over the declared CRS (see
        :func:`access15.crs.to_wgs84`).
    tier_column, name_column : str, optional
        Column holding the tier (name), when not one of the names above.
    tier_map : mapping of str to int, optional
        Extra or overriding labels → tier (1-4), e.g. ``{"二级甲等": 4, "中心卫生院": 3}``.

    Returns
    -------
    GeoDataFrame
        The columns of :func:`facilities_from_osm`: ``facility_id`` (``"file/<id>"``, or
        ``"file/<data row>"`` without an id column), ``name``, ``name_en`` (empty when absent),
        ``tier``, ``tier_name``, ``source`` (``"file"``), then the float columns ``doctors``,
        ``beds``, ``capacity`` the file has (NaN for blank cells); WGS-84 points, highest tier
        first, file order within a tier. ``attrs["diagnostics"]`` lists the data problems warned
        about (see Warns); :func:`access15.coverage` copies them into the run's diagnostics.

    Raises
    ------
    InputError
        Missing, empty or unreadable file; CSV without ``crs_in``; no coordinate or tier column
        (the columns found are listed); non-numeric, swapped or out-of-range coordinates, unknown
        tier values, blank or duplicate ids, doctors/beds/capacity that are not numbers >= 0
        (every offending row or value of a kind is listed,
        data rows counted from 1 under the header). A repeated id is refused, not merged: the
        rows may be two facilities with one id typed twice.

    Warns
    -----
    DataWarning
        Rows repeating an earlier row's name, tier and position (to 1e-7 degrees) are exact
        repeats: each facility is counted once (the first row is kept, the repeats are listed).
        Rows with the same name and position but different tiers are all kept and listed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "fac.csv"
    ...     _ = p.write_text(
    ...         "名称,经度,纬度,等级" + chr(10) + "金寨县人民医院,115.934,31.727,县医院", "utf-8"
    ...     )
    ...     fac = read_facilities(p, crs_in="gcj02")
    >>> fac[["facility_id", "name", "tier", "tier_name"]].to_dict("records")
    [{'facility_id': 'file/1', 'name': '金寨县人民医院', 'tier': 4, 'tier_name': 'county hospital'}]
    """
    p = Path(path)
    where = f"facility file {str(p)!r}"
    matcher = _TierMatcher(tier_map)
    df, lon, lat = _read_points(
        p,
        crs_in,
        "facility file",
        "lon, lat, name, tier",
        "give one row per facility with longitude, latitude and tier columns",
    )

    # tiers
    if tier_column is not None:
        tcol = _given_column(df.columns, tier_column, "tier_column", where)
    else:
        tcol = _find_column(df.columns, _TIER_COLUMNS)
        if tcol is None:
            msg = (
                f"{where} has no tier column (looked for tier/level/等级/级别, any case); it has "
                f"{_listed(df.columns)}; add one (1-4 or labels such as 卫生院) or pass tier_column"
            )
            raise InputError(msg)
    raw_tiers = df[tcol].tolist()
    tiers = [matcher(v) for v in raw_tiers]
    unknown: dict[str, list[int]] = {}
    for row, value, tier in zip(df.index, raw_tiers, tiers, strict=True):
        if tier is None:
            label = "(blank)" if _is_blank(value) else repr(str(value).strip())
            unknown.setdefault(label, []).append(int(row))
    if unknown:
        listed = "; ".join(
            f"{label} at {_rows(rows)}" for label, rows in list(unknown.items())[:_MAX_LISTED]
        )
        more = f"; … ({len(unknown)} values in all)" if len(unknown) > _MAX_LISTED else ""
        accepted = "/".join(k for k in DEFAULT_TIER_MAP if not k.isascii())
        msg = (
            f"{where}: unknown tier values in column {str(tcol)!r}: {listed}{more}; accepted: "
            "1-4 (1 village clinic, 2 township health centre, 3 sub-centre, 4 county hospital), "
            f"their English names, or labels containing {accepted}; or pass tier_map="
            "{'label': tier}"
        )
        raise InputError(msg)

    # names and ids
    ncol = (
        _given_column(df.columns, name_column, "name_column", where)
        if name_column is not None
        else _find_column(df.columns, _NAME_NAMES)
    )
    ecol = _find_column(df.columns, _NAME_EN_NAMES)

    ids = _ids(df, where, _ID_NAMES)
    cap = capacity_columns(df, where)

    tier_arr = pd.array(tiers, dtype="int64")
    out = gpd.GeoDataFrame(
        {
            "facility_id": ["file/" + i for i in ids],
            "name": _text(df, ncol),
            "name_en": _text(df, ecol),
            "tier": tier_arr,
            "tier_name": [TIER_NAMES[int(t)] for t in tier_arr],
            "source": "file",
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    out = _with_columns(out, cap)
    keep, notes = _repeated_rows(where, df.index, out["name"].tolist(), tiers, lon, lat)
    out = out.loc[keep].sort_values("tier", ascending=False, kind="stable").reset_index(drop=True)
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    out.attrs["diagnostics"] = notes  # read by access15.coverage into the run's diagnostics
    return out


def _repeated_rows(
    where: str,
    rows: pd.Index,
    names: list[str],
    tiers: list[int | None],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.bool_], list[str]]:
    """Find facilities listed more than once: rows to keep and one note per kind of repeat.

    Rows with the same name, tier and position (to 1e-7 degrees, ~1 cm) as an earlier row are
    exact repeats and dropped (each facility counts once); rows with the same name and position
    but another tier are kept and reported (the tier cannot be guessed).
    """
    first: dict[tuple[str, int | None, float, float], int] = {}
    repeats: dict[int, list[int]] = {}  # first row position -> positions repeating it
    tiers_at: dict[tuple[str, float, float], dict[int | None, int]] = {}
    keep = np.ones(len(names), dtype=bool)
    for i, (name, tier, x, y) in enumerate(zip(names, tiers, lon, lat, strict=True)):
        place = (name, round(float(x), 7), round(float(y), 7))
        j = first.setdefault((place[0], tier, *place[1:]), i)
        if j != i:
            keep[i] = False
            repeats.setdefault(j, []).append(i)
        tiers_at.setdefault(place, {}).setdefault(tier, i)
    notes: list[str] = []

    def label(i: int) -> str:
        return repr(names[i]) if names[i] else "(no name)"

    if repeats:
        n = sum(len(v) for v in repeats.values())
        listed = "; ".join(
            f"{_rows([rows[k] for k in again])} repeat{'s' if len(again) == 1 else ''} "
            f"data row {rows[j]} ({label(j)}, tier {tiers[j]}, {lon[j]:.6f}, {lat[j]:.6f})"
            for j, again in list(repeats.items())[:_MAX_LISTED]
        )
        more = f"; … ({len(repeats)} facilities in all)" if len(repeats) > _MAX_LISTED else ""
        notes.append(
            f"{where}: {n} repeated row{'s' if n > 1 else ''} (same name, tier and position as "
            f"an earlier row) counted once: {listed}{more}; remove the repeats from the file"
        )
    mixed = [by_tier for by_tier in tiers_at.values() if len(by_tier) > 1]
    if mixed:
        listed = "; ".join(
            f"{label(min(t.values()))} with tiers "
            f"{', '.join(str(k) for k in sorted(t, key=lambda k: -1 if k is None else k))} at "
            f"{_rows(sorted(rows[i] for i in t.values()))}"
            for t in mixed[:_MAX_LISTED]
        )
        more = f"; … ({len(mixed)} in all)" if len(mixed) > _MAX_LISTED else ""
        notes.append(
            f"{where}: {len(mixed)} facilit{'ies are' if len(mixed) > 1 else 'y is'} listed "
            f"more than once at one position with different tiers: {listed}{more}; every such "
            "row is used (the highest tier serves): keep only the right one in the file"
        )
    return keep, notes


_SITE_ID_NAMES = ("site_id", "site", "id", "编号")
_COST_NAMES = ("cost", "费用", "成本")
SITE_COLUMNS = ["site_id", "name", "name_en", "cost", "geometry"]


def read_sites(path: str | Path, *, crs_in: str | int | None = None) -> gpd.GeoDataFrame:
    """Read a list of candidate sites (places a new or upgraded facility could go).

    The file is read like :func:`read_facilities` (CSV with longitude/latitude columns and
    ``crs_in``, or GeoJSON/GeoPackage points; the same encodings, coordinate checks and GCJ-02 /
    BD-09 conversion) but needs no tier. Columns, matched case-insensitively: id (``site_id``,
    ``site``, ``id``, ``编号``; default ``site/<data row>``), name (``name``, ``名称``,
    ``机构名称``), English name, and an optional cost (``cost``, ``费用``, ``成本``; >= 0, any unit,
    e.g. yuan) for budgeted siting.

    Parameters
    ----------
    path : str or Path
        The site file.
    crs_in : str or int, optional
        Coordinates of the file (``"gcj02"``, ``"bd09"``, ``"wgs84"``, ``"EPSG:n"``); required for
        CSV.

    Returns
    -------
    GeoDataFrame
        ``site_id``, ``name``, ``name_en``, ``cost`` (NaN when the file has no cost column) and
        WGS-84 points, in file order.

    Raises
    ------
    InputError
        As :func:`read_facilities`, and for a cost that is not a number >= 0.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "sites.csv"
    ...     rows = ["site_id,name,lon,lat,cost", "A,东岭,115.9,31.7,80"]
    ...     _ = p.write_text(chr(10).join(rows), "utf-8")
    ...     s = read_sites(p, crs_in="wgs84")
    >>> s[["site_id", "name", "cost"]].to_dict("records")
    [{'site_id': 'A', 'name': '东岭', 'cost': 80.0}]
    """
    p = Path(path)
    where = f"site file {str(p)!r}"
    df, lon, lat = _read_points(
        p,
        crs_in,
        "site file",
        "site_id, name, lon, lat, optional cost",
        "give one row per site with longitude and latitude columns",
    )
    icol = _find_column(df.columns, _SITE_ID_NAMES)
    ids = _ids(df, where, _SITE_ID_NAMES)
    if icol is None:
        ids = ["site/" + i for i in ids]
    ccol = _find_column(df.columns, _COST_NAMES)
    cost = np.full(len(df), np.nan)
    if ccol is not None:
        cost = _numbers(df[ccol])
        bad = ~(np.isfinite(cost) & (cost >= 0))
        if bad.any():
            msg = (
                f"{where}: cost in column {str(ccol)!r} missing, not a number or negative at "
                f"{_rows(df.index[bad].to_numpy())}; give a number >= 0 for every site"
            )
            raise InputError(msg)
    out = gpd.GeoDataFrame(
        {
            "site_id": ids,
            "name": _text(df, _find_column(df.columns, _NAME_NAMES)),
            "name_en": _text(df, _find_column(df.columns, _NAME_EN_NAMES)),
            "cost": cost,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    return out[SITE_COLUMNS]
