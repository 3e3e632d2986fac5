"""The counties CSV of a batch: one row per county, read and checked as a whole.

:func:`read_counties` turns the rows into :class:`CountySpec` values (absolute paths, parsed
numbers), collecting every problem of the file into one :class:`~access15.errors.InputError`
before anything runs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from access15.config import MAX_MINUTES, MODES, Config, load_config
from access15.crs import parse_crs_in
from access15.errors import InputError
from access15.io.osm import GRAPHML_SUFFIXES, OSM_SUFFIXES
from access15.io.tables import decode_text
from access15.outputs.files import safe_name
from access15.pipeline import county_config
from access15.siting.options import SitingOptions
from access15.supply import SupplyOptions

__all__ = ["CountySpec", "read_counties"]

_REQUIRED = ("id", "osm", "population", "boundary")
_OPTIONAL = (
    "name",
    "zones",
    "facilities",
    "k",
    "crs_in",
    "mode",
    "minutes",
    "config",
    "robustness",
    "access",
    "capacity",
)
_TRUE = frozenset({"1", "true", "yes", "y", "是"})
_FALSE = frozenset({"", "0", "false", "no", "n", "否"})


@dataclass(frozen=True)
class CountySpec:
    """One county of a batch: its inputs (absolute paths) and parameters.

    Parameters
    ----------
    id : str
        Unique identifier (e.g. the adcode); the output folder is ``safe_name(id)``.
    osm : str
        OSM file (absolute path) or a place name to download (cached).
    population, boundary : str
        Population raster or points, county boundary (absolute paths).
    name : str
        Display name (default: the boundary's ``name``).
    zones, facilities, config : str, optional
        Township polygons, facility list (default: the OSM facilities), TOML configuration.
    k : int, optional
        Township centres to upgrade (default: the configuration's ``k``).
    crs_in : str, optional
        Coordinates of the user files (``gcj02``, ``bd09``, ``wgs84``, ``EPSG:n``).
    mode : str
        ``drive``, ``ebike`` or ``walk``.
    minutes : float, optional
        Threshold of the headline service level, minutes (default 15).
    robustness : bool
        Also run the sensitivity of the ranking (9 more siting runs; off by default in batches).
    access : str, optional
        Accessibility index of doctors to compute (``2sfca``, ``e2sfca``, ``g2sfca``, ``3sfca``,
        ``raam`` or ``tiered``); None: none.
    capacity : str, optional
        Facility column of capacity in people for capacity-limited coverage (e.g.
        ``capacity``); None: none.

    Examples
    --------
    >>> CountySpec(id="430124/宁乡", osm="x.osm.pbf", population="p.tif", boundary="b").folder
    '430124_宁乡'
    """

    id: str
    osm: str
    population: str
    boundary: str
    name: str = ""
    zones: str | None = None
    facilities: str | None = None
    k: int | None = None
    crs_in: str | None = None
    mode: str = "drive"
    minutes: float | None = None
    config: str | None = None
    robustness: bool = False
    access: str | None = None
    capacity: str | None = None

    @property
    def folder(self) -> str:
        """Name of the county's output folder inside the batch folder."""
        return safe_name(self.id)

    def effective_config(self) -> Config:
        """Return the configuration this county runs with (TOML file, then ``k``, ``minutes``).

        Returns
        -------
        Config
            As :func:`access15.pipeline.county_config` makes it for the command line.
        """
        return county_config(self.config, k=self.k, minutes=self.minutes)

    def siting_options(self) -> SitingOptions:
        """Return the options of the county's upgrade ranking (its ``k``; the rest default).

        Returns
        -------
        SitingOptions
            ``SitingOptions(k=self.k)``: K from the row (or the configuration's), the tier-2
            township centres ranked for the sub-centre level.
        """
        return SitingOptions(k=self.k)

    def supply_options(self) -> SupplyOptions | None:
        """Return the county's supply measures (``access`` index, ``capacity`` coverage).

        Returns
        -------
        SupplyOptions or None
            None when the row asks for neither; the index takes doctors as its supply.
        """
        if self.access is None and self.capacity is None:
            return None
        return SupplyOptions(index=self.access, capacity_coverage=self.capacity)

    def input_files(self) -> dict[str, str]:
        """Return the input files by the names ``manifest.json`` records them under.

        Returns
        -------
        dict of str to str
            ``population``, ``boundary`` and, when given, ``osm`` (a file, not a place name),
            ``zones`` and ``facilities``: absolute paths.
        """
        files = {"population": self.population, "boundary": self.boundary}
        if _is_file(self.osm):
            files["osm"] = self.osm
        if self.zones is not None:
            files["zones"] = self.zones
        if self.facilities is not None:
            files["facilities"] = self.facilities
        return files

    def fingerprint(self, basemap: str | None = None) -> str:
        """Return the hex sha256 of the parameters that shape the outputs (not the input bytes).

        Input files are checked separately against the sha256 recorded in ``manifest.json``,
        so a moved batch (same bytes, new paths) is still complete.

        Parameters
        ----------
        basemap : str, optional
            The batch's basemap (part of every county map).

        Returns
        -------
        str
            64 hex digits over the id, place name, input kinds, K, CRS, mode, robustness,
            basemap and the effective configuration.
        """
        doc = {
            "scheme": 1,
            "id": self.id,
            "osm_query": None if _is_file(self.osm) else self.osm,
            "inputs": sorted(self.input_files()),
            "k": self.k,
            "crs_in": self.crs_in,
            "mode": self.mode,
            "robustness": self.robustness,
            "access": self.access,
            "capacity": self.capacity,
            "basemap": basemap,
            "configuration": self.effective_config().fingerprint(),
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _is_file(value: str) -> bool:
    try:
        return Path(value).is_file()
    except (OSError, ValueError):
        return False


def read_counties(path: str | Path) -> list[CountySpec]:
    """Read and validate a batch CSV: one row per county.

    Columns (header names are case-insensitive): ``id``, ``osm`` (OSM file, or a place name
    to download), ``population`` and ``boundary`` are required; ``name``, ``zones``,
    ``facilities`` (file, or ``osm``/blank for the OSM facilities), ``k``, ``crs_in``,
    ``mode`` (drive/ebike/walk), ``minutes`` (headline threshold), ``config`` (TOML),
    ``robustness`` (true/false), ``access`` (an accessibility index of doctors: 2sfca,
    e2sfca, g2sfca, 3sfca, raam or tiered) and ``capacity`` (facility column for
    capacity-limited coverage, e.g. ``capacity``) are optional; a blank cell means the default
    (no index, no capacity coverage). Paths are relative to the CSV's folder.

    Every problem of the whole file is collected and reported at once, before anything runs.

    Parameters
    ----------
    path : str or Path
        The counties CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 or UTF-16).

    Returns
    -------
    list of CountySpec
        In file order, with absolute paths.

    Raises
    ------
    InputError
        Listing every problem on one line, separated by ``; `` (``line N: ...``, as numbered in
        a text editor).
    """
    p = Path(path)
    if not p.is_file():
        msg = f"counties file {str(p)!r} not found; give a CSV with one row per county"
        raise InputError(msg)
    text = decode_text(p, what="counties file")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or not any(c.strip() for c in rows[0]):
        msg = (
            f"counties file {str(p)!r} is empty; its header needs the columns "
            f"{', '.join(_REQUIRED)}"
        )
        raise InputError(msg)
    header = [c.strip().lower() for c in rows[0]]
    problems: list[str] = []
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    unknown = [c for c in header if c and c not in _REQUIRED + _OPTIONAL]
    if unknown:
        problems.append(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f" (known: {', '.join(_REQUIRED + _OPTIONAL)})"
        )
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        problems.append(f"repeated column{'s' if len(dupes) > 1 else ''} {', '.join(dupes)}")
    if problems:
        raise InputError(_problems_message(p, problems))

    base = p.resolve().parent
    specs: list[CountySpec] = []
    seen_id: dict[str, int] = {}
    seen_folder: dict[str, tuple[int, str]] = {}
    for line, raw in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in raw):
            continue
        if len(raw) > len(header) and any(v.strip() for v in raw[len(header) :]):
            problems.append(f"line {line}: more values than columns; quote values with commas")
            continue
        row = {h: (raw[i].strip() if i < len(raw) else "") for i, h in enumerate(header) if h}
        spec, errs = _spec_from_row(row, base)
        problems.extend(f"line {line}: {e}" for e in errs)
        if spec is None:
            continue
        if spec.id in seen_id:
            problems.append(f"line {line}: id {spec.id!r} repeats line {seen_id[spec.id]}")
            continue
        seen_id[spec.id] = line
        other = seen_folder.get(spec.folder)
        if other is not None:
            problems.append(
                f"line {line}: id {spec.id!r} and id {other[1]!r} (line {other[0]}) give the "
                f"same output folder {spec.folder!r}; make the ids differ in letters or digits"
            )
            continue
        seen_folder[spec.folder] = (line, spec.id)
        specs.append(spec)
    if not specs and not problems:
        problems.append("no county rows under the header")
    if problems:
        raise InputError(_problems_message(p, problems))
    return specs


def _problems_message(p: Path, problems: list[str]) -> str:
    """One line: the count, then every problem, separated by ``; ``."""
    n = len(problems)
    head = f"counties file {str(p)!r} has {n} problem{'s' if n > 1 else ''} (fix and rerun)"
    return head + ": " + "; ".join(" ".join(x.split()) for x in problems)


def _spec_from_row(row: dict[str, str], base: Path) -> tuple[CountySpec | None, list[str]]:
    """One CSV row → CountySpec, or None with the row's problems."""
    errs: list[str] = []
    cid = row.get("id", "")
    if not cid:
        errs.append("id is blank")

    def file_of(col: str, what: str, *, required: bool) -> str | None:
        value = row.get(col, "")
        if not value:
            if required:
                errs.append(f"{col} is blank; give the {what} file")
            return None
        q = Path(value).expanduser()
        q = q if q.is_absolute() else base / q
        if not q.is_file():
            errs.append(f"{col} file {value!r} not found (paths are relative to the CSV's folder)")
            return None
        return str(q.resolve())

    osm_value = row.get("osm", "")
    osm: str | None = None
    if not osm_value:
        errs.append("osm is blank; give an OSM file or a place name")
    else:
        q = Path(osm_value).expanduser()
        q = q if q.is_absolute() else base / q
        looks_like_path = (
            osm_value.lower().endswith(OSM_SUFFIXES + GRAPHML_SUFFIXES)
            or "/" in osm_value
            or "\\" in osm_value
        )
        if q.is_file():
            osm = str(q.resolve())
        elif looks_like_path:
            errs.append(
                f"osm file {osm_value!r} not found (paths are relative to the CSV's folder)"
            )
        else:
            osm = osm_value  # a place name, downloaded once and cached
    population = file_of("population", "population raster or points", required=True)
    boundary = file_of("boundary", "county boundary", required=True)
    zones = file_of("zones", "township polygons", required=False)
    fac_value = row.get("facilities", "")
    facilities = (
        None if fac_value.lower() in ("", "osm") else file_of("facilities", "", required=False)
    )
    config = file_of("config", "TOML configuration", required=False)

    k: int | None = None
    if row.get("k"):
        try:
            k = int(row["k"])
        except ValueError:
            k = None
            errs.append(f"k {row['k']!r} is not a whole number")
        else:
            try:
                SitingOptions(k=k)  # the one check of k, as for the command line
            except InputError as exc:
                errs.append(str(exc))
    minutes: float | None = None
    if row.get("minutes"):
        try:
            minutes = float(row["minutes"])
        except ValueError:
            errs.append(f"minutes {row['minutes']!r} is not a number")
        else:
            if not minutes > 0:
                errs.append(f"minutes must be > 0, got {row['minutes']}")
            elif not minutes <= MAX_MINUTES:
                errs.append(f"minutes must be at most {MAX_MINUTES:g} (24 h), got {row['minutes']}")
    mode = row.get("mode", "").lower() or "drive"
    if mode not in MODES:
        errs.append(f"mode {row['mode']!r} is not one of {', '.join(MODES)}")
    crs_in = row.get("crs_in") or None
    if crs_in is not None:
        try:
            parse_crs_in(crs_in)
        except InputError:
            errs.append(f"crs_in {crs_in!r} is not a CRS; use gcj02, bd09, wgs84 or EPSG:<code>")
    rob = row.get("robustness", "").lower()
    if rob not in _TRUE | _FALSE:
        errs.append(f"robustness {row['robustness']!r} is not true or false")
    access = row.get("access", "").strip() or None
    capacity = row.get("capacity", "").strip() or None
    try:
        SupplyOptions(index=access, capacity_coverage=capacity)
    except InputError as exc:
        errs.append(f"access: {exc}" if access is not None else str(exc))
    if config is not None and not errs:
        try:
            load_config(config, k=k)
        except InputError as exc:
            errs.append(str(exc))
    if errs or osm is None or population is None or boundary is None:
        return None, errs
    spec = CountySpec(
        id=cid,
        name=row.get("name", ""),
        osm=osm,
        population=population,
        boundary=boundary,
        zones=zones,
        facilities=facilities,
        k=k,
        crs_in=crs_in,
        mode=mode,
        minutes=minutes,
        config=config,
        robustness=rob in _TRUE,
        access=SupplyOptions(index=access).index if access is not None else None,
        capacity=capacity,
    )
    try:
        spec.effective_config()
    except InputError as exc:
        return None, [str(exc)]
    return spec, []
