"""Candidate sites: tier-2 centres, gap centroids, grid road nodes or the user's points.

Each candidate gets its road node, last mile, zone and time to the county hospital.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from access15.access import uncovered_clusters, zone_of_points
from access15.errors import InputError
from access15.siting.options import SitingOptions
from access15.travel import nearest_facility

if TYPE_CHECKING:
    import geopandas as gpd

    from access15.access import CoverageResult
    from access15.network import RoadNetwork

__all__ = [
    "GAP_MIN_PEOPLE",
    "candidate_sites",
    "candidates_from_options",
    "hospital_minutes",
    "is_site_table",
]

GAP_MIN_PEOPLE = 50.0  # smallest uncovered cluster that becomes a "gaps" candidate, people


def hospital_minutes(
    network: RoadNetwork,
    cov: CoverageResult,
    nodes: npt.NDArray[np.int64],
    legs: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Minutes from each site (its leg + network) to the nearest county hospital (tier 4)."""
    fac = cov.facilities
    hosp = fac[(fac["tier"] >= 4) & fac["on_network"]]
    if len(hosp) == 0 or len(nodes) == 0:
        return np.full(len(nodes), np.nan)
    t, _ = nearest_facility(network, hosp["node"].to_numpy(), leg_s=hosp["leg_s"].to_numpy())
    return (legs + t[nodes]) / 60.0


def _zone_of_sites(
    cov: CoverageResult,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    zones: gpd.GeoDataFrame | None,
) -> npt.NDArray[np.object_]:
    """Zone id of each site: the polygon holding it, else the zone of the nearest populated cell."""
    out = np.full(len(lon), "", dtype=object)
    if zones is not None and len(zones):
        zi = zone_of_points(lon, lat, zones)
        ids = zones["zone_id"].astype(str).to_numpy()
        out = np.where(zi >= 0, ids[np.clip(zi, 0, None)], "").astype(object)
    cells = cov.cells
    todo = out == ""
    if todo.any() and len(cells):
        k = np.cos(np.deg2rad(float(np.median(cells["lat"]))))
        tree = cKDTree(np.column_stack([cells["lon"].to_numpy() * k, cells["lat"].to_numpy()]))
        _, i = tree.query(np.column_stack([lon[todo] * k, lat[todo]]))
        out[todo] = cells["zone_id"].to_numpy()[i]
    return out


def candidate_sites(
    network: RoadNetwork,
    cov: CoverageResult,
    source: str | pd.DataFrame | Sequence[str | pd.DataFrame] = "tier2",
    *,
    zones: gpd.GeoDataFrame | None = None,
    level: str | None = None,
    n: int | None = None,
    min_people: float = GAP_MIN_PEOPLE,
    spacing_m: float = 2000.0,
) -> pd.DataFrame:
    """Candidate sites with their road node, last mile, zone and time to the county hospital.

    Parameters
    ----------
    network : RoadNetwork
        The network ``cov`` was computed on.
    cov : CoverageResult
    source : str, (Geo)DataFrame or list of them
        ``"tier2"``: the township health centres (tier 2) on the network (the upgrade
        question); ``"gaps"``: population-weighted centroids of the uncovered clusters
        (``cov.gaps``, clusters of at least ``min_people`` people; recomputed for ``level``
        when given); ``"nodes"``: one road node per ``spacing_m`` grid square holding people
        (the node nearest the square's people-weighted centre); a (Geo)DataFrame of points:
        the user's list, with ``site_id`` (or ``id``), optional ``name``/``name_en``/``cost``
        and point geometry (or ``lon``/``lat``). A list combines sources.
    zones : GeoDataFrame, optional
        Township polygons (``zone_id``); default: the zone of the nearest populated cell.
    level : str, optional
        Service level for ``"gaps"`` (default the first level, as ``cov.gaps``).
    n : int, optional
        Keep at most this many generated sites per source (largest gaps / most people first).
    min_people : float
        Smallest gap cluster that becomes a candidate, people.
    spacing_m : float
        Grid spacing for ``"nodes"``, metres.

    Returns
    -------
    DataFrame
        ``site_id``, ``name``, ``name_en``, ``kind``, ``lon``, ``lat``, ``node``, ``leg_s``
        (seconds), ``snap_m`` (metres), ``on_network``, ``zone_id``, ``minutes_to_hospital``,
        ``cost`` (1 unless given). Off-network sites are kept, flagged, and never chosen.
    """
    cfg = cov.config
    access = cfg.access_kmh.get(network.mode, 4.5)
    parts = [source] if isinstance(source, pd.DataFrame | str) else list(source)
    frames = []
    for src in parts:
        if isinstance(src, pd.DataFrame):
            frames.append(_user_sites(network, src, max_snap_m=cfg.max_snap_m, access=access))
        elif src == "tier2":
            fac = cov.facilities
            f = fac[fac["tier"] == 2]
            frames.append(
                pd.DataFrame(
                    {
                        "site_id": f["facility_id"].astype(str).to_numpy(),
                        "name": f["name"].fillna("").astype(str).to_numpy(),
                        "name_en": (
                            f["name_en"].fillna("").astype(str).to_numpy()
                            if "name_en" in f
                            else np.full(len(f), "")
                        ),
                        "kind": "tier2",
                        "lon": f.geometry.x.to_numpy(),
                        "lat": f.geometry.y.to_numpy(),
                        "node": f["node"].to_numpy(dtype=np.int64),
                        "leg_s": f["leg_s"].to_numpy(dtype=np.float64),
                        "snap_m": f["snap_m"].to_numpy(dtype=np.float64),
                        "on_network": f["on_network"].to_numpy(dtype=bool),
                    }
                )
            )
        elif src == "gaps":
            gaps = (
                uncovered_clusters(cov.cells, cfg, cov.population, level=level)
                if level is not None
                else cov.gaps
            )
            if gaps is None or len(gaps) == 0:
                continue
            g = gaps[gaps["population"] >= min_people]
            if n is not None:
                g = g.head(n)
            pts = pd.DataFrame(
                {
                    "site_id": ("gap/" + g["gap_id"].astype(str)).to_numpy(),
                    "name": ("gap " + g["gap_id"].astype(str)).to_numpy(),
                    "lon": g.geometry.x.to_numpy(),
                    "lat": g.geometry.y.to_numpy(),
                }
            )
            d = _user_sites(network, pts, max_snap_m=cfg.max_snap_m, access=access)
            d["kind"] = "gap"
            frames.append(d)
        elif src == "nodes":
            frames.append(_grid_sites(network, cov, spacing_m=spacing_m, n=n))
        else:
            msg = f"unknown candidate source {src!r}; use 'tier2', 'gaps', 'nodes' or points"
            raise InputError(msg)
    cols = [
        "site_id",
        "name",
        "name_en",
        "kind",
        "lon",
        "lat",
        "node",
        "leg_s",
        "snap_m",
        "on_network",
    ]
    out = (
        pd.concat([f.reindex(columns=[*cols, "cost"]) for f in frames], ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*cols, "cost"])
    )
    if out["site_id"].duplicated().any():
        dup = out.loc[out["site_id"].duplicated(), "site_id"].iloc[0]
        msg = f"candidate site ids must be unique ({dup!r} repeats); rename or drop duplicates"
        raise InputError(msg)
    out["name"] = out["name"].fillna("").astype(str)
    out["name_en"] = out["name_en"].fillna("").astype(str)
    out["node"] = out["node"].astype(np.int64)
    out["on_network"] = out["on_network"].astype(bool)
    out["cost"] = pd.to_numeric(out["cost"], errors="coerce").fillna(1.0).astype(np.float64)
    lon = out["lon"].to_numpy(dtype=np.float64)
    lat = out["lat"].to_numpy(dtype=np.float64)
    out["zone_id"] = _zone_of_sites(cov, lon, lat, zones)
    out["minutes_to_hospital"] = hospital_minutes(
        network, cov, out["node"].to_numpy(), out["leg_s"].to_numpy(dtype=np.float64)
    )
    out.loc[~out["on_network"], "minutes_to_hospital"] = np.nan
    return out.reset_index(drop=True)


def _user_sites(
    network: RoadNetwork, pts: pd.DataFrame, *, max_snap_m: float, access: float
) -> pd.DataFrame:
    if "geometry" in pts.columns and hasattr(pts, "crs"):
        g = pts.to_crs("EPSG:4326") if pts.crs is not None else pts
        if not (g.geometry.geom_type == "Point").all():
            msg = "candidate sites must be points; use representative points of polygons"
            raise InputError(msg)
        lon, lat = g.geometry.x.to_numpy(), g.geometry.y.to_numpy()
    elif {"lon", "lat"} <= set(pts.columns):
        lon, lat = pts["lon"].to_numpy(np.float64), pts["lat"].to_numpy(np.float64)
    else:
        msg = "candidate sites need point geometry or lon/lat columns"
        raise InputError(msg)
    idcol = next((c for c in ("site_id", "id", "facility_id") if c in pts.columns), None)
    if idcol is None:
        msg = "candidate sites need an id column (site_id or id)"
        raise InputError(msg)
    snapped = network.snap_points(lon, lat, max_snap_m=max_snap_m, access_kmh=access)
    out = pd.DataFrame(
        {
            "site_id": pts[idcol].astype(str).to_numpy(),
            "name": pts["name"].astype(str).to_numpy() if "name" in pts else pts[idcol].astype(str),
            "name_en": pts["name_en"].astype(str).to_numpy() if "name_en" in pts else "",
            "kind": "user",
            "lon": lon,
            "lat": lat,
            "node": snapped["node"].to_numpy(),
            "leg_s": snapped["leg_s"].to_numpy(),
            "snap_m": snapped["snap_m"].to_numpy(),
            "on_network": snapped["on_network"].to_numpy(),
        }
    )
    if "cost" in pts.columns:
        out["cost"] = pd.to_numeric(pts["cost"], errors="coerce").to_numpy()
    return out


def _grid_sites(
    network: RoadNetwork, cov: CoverageResult, *, spacing_m: float, n: int | None
) -> pd.DataFrame:
    cells = cov.cells[~cov.cells["off_network"].to_numpy()]
    if not spacing_m > 0:
        msg = f"spacing_m must be > 0 metres, got {spacing_m}"
        raise InputError(msg)
    node = cells["node"].to_numpy()
    pop = cells["pop"].to_numpy()
    x, y = network.x[node], network.y[node]
    gx = np.floor(x / spacing_m).astype(np.int64)
    gy = np.floor(y / spacing_m).astype(np.int64)
    _, sq = np.unique(np.column_stack([gx, gy]), axis=0, return_inverse=True)
    sq = sq.ravel()
    ns = int(sq.max()) + 1 if len(sq) else 0
    w = np.bincount(sq, weights=pop, minlength=ns)
    cx = np.bincount(sq, weights=pop * x, minlength=ns) / np.where(w > 0, w, 1)
    cy = np.bincount(sq, weights=pop * y, minlength=ns) / np.where(w > 0, w, 1)
    # the populated node of each square nearest its people-weighted centre
    d = (x - cx[sq]) ** 2 + (y - cy[sq]) ** 2
    order = np.lexsort((d, sq))
    first = order[np.searchsorted(sq[order], np.arange(ns))]
    pick = node[first]
    rank = np.argsort(-w, kind="stable")
    if n is not None:
        rank = rank[:n]
    pick, w = pick[rank], w[rank]
    pick, keep = np.unique(pick, return_index=True)
    pick = pick[np.argsort(keep)]
    return pd.DataFrame(
        {
            "site_id": [f"node/{int(network.node_ids[v])}" for v in pick],
            "name": [f"road node {int(network.node_ids[v])}" for v in pick],
            "name_en": "",
            "kind": "node",
            "lon": network.lon[pick],
            "lat": network.lat[pick],
            "node": pick,
            "leg_s": 0.0,
            "snap_m": 0.0,
            "on_network": True,
        }
    )


def is_site_table(candidates: object) -> bool:
    """Tell a :func:`candidate_sites` table (already snapped) from user points or names."""
    return isinstance(candidates, pd.DataFrame) and {"node", "leg_s", "on_network"} <= set(
        candidates.columns
    )


def candidates_from_options(
    network: RoadNetwork,
    cov: CoverageResult,
    options: SitingOptions,
    *,
    level: str | None,
    zones: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Candidate table of ``options.candidates`` (see :func:`candidate_sites`).

    Parameters
    ----------
    network : RoadNetwork
        The network ``cov`` was computed on.
    cov : CoverageResult
        The county's coverage.
    options : SitingOptions
        ``candidates``, ``grid_spacing_m``, ``gap_min_people`` and ``max_candidates`` are used.
    level : str, optional
        Service level whose uncovered clusters are the ``"gaps"``.
    zones : GeoDataFrame, optional
        Township polygons (``zone_id``).

    Returns
    -------
    DataFrame
        As :func:`candidate_sites`.
    """
    src = options.candidates
    return candidate_sites(
        network,
        cov,
        src[0] if len(src) == 1 else list(src),
        zones=zones,
        level=level,
        n=options.max_candidates,
        min_people=GAP_MIN_PEOPLE if options.gap_min_people is None else options.gap_min_people,
        spacing_m=options.grid_spacing_m,
    )
