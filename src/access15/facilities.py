"""Health facilities: from OSM tags, with a tier (1 village clinic … 4 county hospital)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from .config import TIER_NAMES, Config
from .errors import InputError

if TYPE_CHECKING:
    from .osm import OsmData

__all__ = ["facilities_from_osm"]

FACILITY_COLUMNS = ["facility_id", "name", "name_en", "tier", "tier_name", "source", "geometry"]


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
    config : Config, optional

    Returns
    -------
    GeoDataFrame
        Columns ``facility_id`` (e.g. ``"node/123"``), ``name``, ``name_en``, ``tier``,
        ``tier_name``, ``source``; WGS-84 points.
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
    return out.sort_values(["tier", "facility_id"], ascending=[False, True]).reset_index(drop=True)
