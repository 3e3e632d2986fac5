"""Build the library's inputs from the command-line flags, checking them before any work.

:func:`build_study` and :func:`build_config` turn the shared flags of coverage, recommend,
isochrones and map into a :class:`~access15.pipeline.Study` and a
:class:`~access15.config.Config`; :func:`check_map_options`, :func:`candidate_source`,
:func:`read_costs` and :func:`named_flags` check and read the map and siting flags. Each bad
value is an :class:`~access15.errors.InputError` naming its flag. Imports of the library stay
inside the functions, so ``access15 --help`` is fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from access15.cli.options import SITING_FLAGS
from access15.errors import InputError

if TYPE_CHECKING:
    from access15.config import Config
    from access15.pipeline import Study
    from access15.supply import SupplyOptions

__all__ = [
    "build_config",
    "build_study",
    "candidate_source",
    "check_map_options",
    "named_flags",
    "read_costs",
    "site_capacity_value",
    "supply_options",
]


def build_study(
    osm: str | None,
    place: str | None,
    population: Path,
    boundary: Path,
    *,
    zones: Path | None = None,
    facilities: str = "osm",
    crs_in: str | None = None,
    mode: str = "drive",
    cache_dir: Path | None = None,
) -> Study:
    """Return the county's inputs from the flags (one of --osm/--place, a valid --crs-in)."""
    from access15.crs import parse_crs_in
    from access15.pipeline import Study

    if (osm is None) == (place is None):
        msg = "give exactly one of --osm FILE or --place NAME"
        raise InputError(msg)
    try:
        parse_crs_in(crs_in, what="--crs-in")
    except InputError:
        msg = f"--crs-in {crs_in!r} is not a CRS; use gcj02, bd09, wgs84 or EPSG:<code>"
        raise InputError(msg) from None
    return Study(
        str(osm if osm is not None else place),
        population,
        boundary,
        zones,
        facilities,
        crs_in=crs_in,
        mode=mode,
        cache_dir=cache_dir,
    )


def build_config(config: Path | None, minutes: float | None, k: int | None = None) -> Config:
    """Return the county's configuration from --config, --minutes and --k (checked)."""
    from access15.config import MAX_MINUTES
    from access15.pipeline import county_config

    if minutes is not None and not minutes > 0:
        msg = f"--minutes must be > 0, got {minutes:g}"
        raise InputError(msg)
    if minutes is not None and not minutes <= MAX_MINUTES:
        msg = f"--minutes must be at most {MAX_MINUTES:g} (24 hours), got {minutes:g}"
        raise InputError(msg)
    return county_config(config, k=k, minutes=minutes)


def check_map_options(lang: str | None, basemap: str, tianditu_key: str | None) -> None:
    """Refuse a bad --lang, --basemap or a Tianditu basemap without a key, before any work."""
    from access15.outputs.labels import resolve_lang
    from access15.outputs.maps import BASEMAPS, check_basemap

    if lang is not None:
        resolve_lang(lang)
    if basemap not in BASEMAPS:
        msg = f"--basemap {basemap!r} is not one of {', '.join(BASEMAPS)}"
        raise InputError(msg)
    if basemap == "tianditu" and not (tianditu_key or "").strip():
        msg = (
            "--basemap tianditu needs a Tianditu key: pass --tianditu-key KEY or set "
            "TIANDITU_KEY (a free browser key from the Tianditu developer console)"
        )
        raise InputError(msg)
    check_basemap(basemap, tianditu_key)


@contextlib.contextmanager
def named_flags() -> Iterator[None]:
    """Reword an options error that names a field (``objective 'x' ...``) to name its flag."""
    try:
        yield
    except InputError as exc:
        text = str(exc)
        name = text.split(" ", 1)[0]
        if name not in SITING_FLAGS:
            raise
        raise InputError(SITING_FLAGS[name] + text[len(name) :]) from None


def candidate_source(value: str, crs_in: str | None) -> Any:
    """One --candidates value: a generated source's name, or the sites read from a file."""
    from access15.io.facilities import read_sites

    if value in ("tier2", "gaps", "nodes"):
        return value
    if not Path(value).is_file():
        msg = (
            f"--candidates {value!r} is neither tier2, gaps, nodes nor an existing file; "
            "give one of those or the path of a CSV/GeoJSON of sites"
        )
        raise InputError(msg)
    return read_sites(value, crs_in=crs_in)


def read_costs(path: Path) -> dict[str, float]:
    """Read a costs CSV (site or site_id or name, and cost) into {site: cost}."""
    import pandas as pd

    from access15.io.tables import read_table

    if not path.is_file():
        msg = f"--costs file {str(path)!r} does not exist"
        raise InputError(msg)
    df = read_table(path, what="--costs file", rows_hint="give one row per site with its cost")
    cols = {c.strip().lower(): c for c in df.columns}
    key = next((cols[c] for c in ("site_id", "site", "name", "名称") if c in cols), None)
    val = next((cols[c] for c in ("cost", "费用", "成本") if c in cols), None)
    if key is None or val is None:
        msg = (
            f"--costs {str(path)!r} needs a site column (site_id, site or name) and a cost "
            f"column; found {', '.join(map(str, df.columns))}"
        )
        raise InputError(msg)
    cost = pd.to_numeric(df[val], errors="coerce")
    bad = df[key][cost.isna() | (cost < 0)]
    if len(bad):
        msg = f"--costs: cost missing or negative for {', '.join(bad.astype(str).head(5))}"
        raise InputError(msg)
    return dict(zip(df[key].astype(str), cost.astype(float), strict=True))


#: SupplyOptions field -> the flag that sets it
_SUPPLY_FLAGS = {
    "method": "--method",
    "the catchment": "--minutes",
    "order": "--order",
    "capacity": "--capacity",
    "capacity_coverage": "--capacity",
}


def supply_options(**fields: Any) -> SupplyOptions:
    """Build the supply options of ``access`` / ``coverage --capacity``; errors name the flag."""
    from access15.supply import SupplyOptions

    try:
        return SupplyOptions(**fields)
    except InputError as exc:
        text = str(exc)
        for name, flag in _SUPPLY_FLAGS.items():
            if text.startswith(name + " "):
                raise InputError(flag + text[len(name) :]) from None
        raise


def site_capacity_value(value: str | None) -> str | float | None:
    """``--site-capacity``: a number of people for every site, or a column of the sites."""
    if value is None:
        return None
    try:
        number = float(value.replace(",", "").replace("_", ""))
    except ValueError:
        return value.strip()
    return number
