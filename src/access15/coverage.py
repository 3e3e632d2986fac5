"""The 15-minute test: travel-time surface per service level, coverage shares, zone tables.

One definition of *reachable*: every number here (shares, percentiles, zone tables) and the map
come from the same per-cell travel-time surface, computed as

    first-mile walk (cell centre → nearest road node, at the mode's access speed)
    + network time (node → facility node, on the reversed graph from the facilities)
    + last-mile walk (facility's road node → facility).

Cells farther than ``max_snap_m`` from any road are *off-network*: they count in the population
total and never as covered.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .config import Config, ServiceLevel
from .errors import InputError
from .travel import nearest_facility

if TYPE_CHECKING:
    import geopandas as gpd

    from .demand import DemandCells
    from .network import RoadNetwork

__all__ = ["CoverageResult", "coverage", "snap_facilities", "weighted_quantile"]

log = logging.getLogger(__name__)


def weighted_quantile(values: npt.ArrayLike, weights: npt.ArrayLike, q: float) -> float:
    """Weighted quantile (lower definition): smallest v with weight share of values <= v >= q.

    Examples
    --------
    >>> weighted_quantile([1.0, 2.0, 10.0], [1, 1, 2], 0.5)
    2.0
    >>> weighted_quantile([1.0, 2.0, 10.0], [1, 1, 2], 0.9)
    10.0
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if len(v) == 0 or w.sum() <= 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    cw = np.cumsum(w[order])
    i = int(np.searchsorted(cw, q * cw[-1] - 1e-9 * cw[-1], side="left"))
    return float(v[order][min(i, len(v) - 1)])


def snap_facilities(
    network: RoadNetwork, facilities: gpd.GeoDataFrame, *, config: Config
) -> gpd.GeoDataFrame:
    """Attach each facility to its nearest road node, with the last-mile leg.

    Adds ``node`` (node index), ``osm_node`` (OSM id), ``snap_m`` (metres), ``leg_s`` (seconds
    at the access speed) and ``on_network`` (snap within ``config.max_snap_m``).
    """
    missing = [c for c in ("tier", "geometry") if c not in facilities.columns]
    if missing:
        msg = f"facilities lack column(s) {missing}; they need a tier (1-4) and point geometry"
        raise InputError(msg)
    f = facilities.to_crs("EPSG:4326").copy()
    snapped = network.snap_points(
        f.geometry.x.to_numpy(),
        f.geometry.y.to_numpy(),
        max_snap_m=config.max_snap_m,
        access_kmh=config.access_kmh.get(network.mode, 4.5),
    )
    for col in snapped.columns:
        f[col] = snapped[col].to_numpy()
    n_off = int((~f["on_network"]).sum())
    if n_off:
        warnings.warn(
            f"{n_off} facilities are more than {config.max_snap_m:g} m from a routable road and "
            "are left out of routing; check their coordinates (swapped lat/lon? GCJ-02?)",
            stacklevel=2,
        )
    return f


@dataclass(frozen=True, repr=False)
class CoverageResult:
    """Who is within reach, per service level.

    Attributes
    ----------
    cells : DataFrame
        One row per populated cell: ``row``, ``col``, ``lon``, ``lat``, ``pop`` (people),
        ``zone_id``, ``snap_m`` (metres), ``off_network`` and ``minutes_<level>`` (NaN when
        off-network) for each service level.
    surface : dict of str to ndarray
        Per level, the travel-time grid in minutes (float32, NaN outside the area, off-network or
        unreachable), on the population raster's grid.
    facilities : GeoDataFrame
        Facilities as used: tier, snapped node, snap distance, ``minutes_to_hospital``.
    summary : dict
        Key figures (see ``summary.json``).
    by_zone : DataFrame
        One row per zone.
    levels : tuple of ServiceLevel
    diagnostics : list of str
        Warnings a planner should read before trusting the figures.
    """

    cells: pd.DataFrame
    surface: dict[str, npt.NDArray[np.float32]]
    facilities: gpd.GeoDataFrame
    summary: dict[str, Any]
    by_zone: pd.DataFrame
    levels: tuple[ServiceLevel, ...]
    config: Config
    population: DemandCells
    diagnostics: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        head = self.levels[0]
        s = self.summary["levels"][head.name]
        return (
            f"CoverageResult({self.summary['population_total']:,.0f} people; "
            f"{s['covered_share']:.1%} within {head.minutes:g} min of tier>={head.min_tier}; "
            f"off-network {self.summary['off_network_share']:.1%}; "
            f"{len(self.by_zone)} zones)"
        )


def _zone_index(population: DemandCells, zones: gpd.GeoDataFrame | None) -> npt.NDArray[np.int64]:
    """Zone position (0-based, -1 for none) of every grid cell, by cell centre."""
    if zones is None or zones.empty:
        return np.full(population.shape, -1, dtype=np.int64)
    from rasterio.features import rasterize

    z = zones.to_crs(population.crs)
    shapes = ((geom, i + 1) for i, geom in enumerate(z.geometry))
    grid = rasterize(
        shapes, out_shape=population.shape, transform=population.transform, fill=0, dtype="int32"
    )
    return grid.astype(np.int64) - 1


def coverage(
    network: RoadNetwork,
    facilities: gpd.GeoDataFrame,
    population: DemandCells,
    *,
    zones: gpd.GeoDataFrame | None = None,
    config: Config | None = None,
) -> CoverageResult:
    """Travel-time surface and coverage per service level.

    Parameters
    ----------
    network : RoadNetwork
    facilities : GeoDataFrame
        Points with a ``tier`` column (1-4), e.g. from :func:`facilities_from_osm`.
    population : DemandCells
    zones : GeoDataFrame, optional
        Township polygons with ``zone_id`` and ``name``; enables ``by_zone``.
    config : Config, optional

    Returns
    -------
    CoverageResult
    """
    cfg = config or Config()
    fac = snap_facilities(network, facilities, config=cfg)
    speed_ms = cfg.access_kmh.get(network.mode, 4.5) / 3.6
    diagnostics: list[str] = []

    # every cell of the area, populated or not: the surface the numbers and the map share
    rows, cols, lon, lat = population.cell_centres()
    node, snap_m = network.snap(lon, lat)
    on = snap_m <= cfg.max_snap_m
    first_s = snap_m / speed_ms
    surface: dict[str, npt.NDArray[np.float32]] = {}
    cell_minutes: dict[str, npt.NDArray[np.float64]] = {}
    for lv in cfg.levels:
        src = fac[(fac["tier"] >= lv.min_tier) & fac["on_network"]]
        grid = np.full(population.shape, np.nan, dtype=np.float32)
        if len(src) == 0:
            diagnostics.append(
                f"no facility of tier >= {lv.min_tier} on the network: {lv.name} coverage is 0"
            )
            minutes = np.full(len(rows), np.nan)
        else:
            t_node, _ = nearest_facility(
                network, src["node"].to_numpy(), leg_s=src["leg_s"].to_numpy()
            )
            minutes = np.where(on, (first_s + t_node[node]) / 60.0, np.nan)
        grid[rows, cols] = minutes
        surface[lv.name] = grid
        cell_minutes[lv.name] = minutes

    # minutes from each facility to the nearest county hospital (referral chain)
    hosp = fac[(fac["tier"] >= 4) & fac["on_network"]]
    if len(hosp):
        t_h, _ = nearest_facility(network, hosp["node"].to_numpy(), leg_s=hosp["leg_s"].to_numpy())
        fac["minutes_to_hospital"] = np.where(
            fac["on_network"],
            (fac["leg_s"].to_numpy() + t_h[fac["node"].to_numpy()]) / 60.0,
            np.nan,
        )
    else:
        fac["minutes_to_hospital"] = np.nan

    zone_grid = _zone_index(population, zones)
    pop_grid = np.zeros(population.shape, dtype=np.float64)
    pop_grid[population.row, population.col] = population.pop
    populated = pop_grid[rows, cols] > 0
    zone_ids = (
        zones["zone_id"].astype(str).to_numpy() if zones is not None else np.array([], dtype=str)
    )
    zi = zone_grid[rows, cols]
    cells = pd.DataFrame(
        {
            "row": rows[populated],
            "col": cols[populated],
            "lon": lon[populated],
            "lat": lat[populated],
            "pop": pop_grid[rows, cols][populated],
            "zone_id": np.where(
                zi[populated] >= 0,
                zone_ids[np.clip(zi[populated], 0, None)] if len(zone_ids) else "",
                "",
            ),
            "node": node[populated],
            "snap_m": snap_m[populated],
            "off_network": ~on[populated],
        }
    )
    for lv in cfg.levels:
        cells[f"minutes_{lv.name}"] = cell_minutes[lv.name][populated]

    summary = _summary(cells, cfg, network, fac)
    by_zone = _by_zone(cells, cfg, zones)
    if summary["off_network_share"] > 0.05:
        diagnostics.append(
            f"{summary['off_network_share']:.1%} of the population lives more than "
            f"{cfg.max_snap_m:g} m from a routable road (off-network): OSM roads may be incomplete"
        )
    n_off_fac = int((~fac["on_network"]).sum())
    if n_off_fac:
        diagnostics.append(
            f"{n_off_fac} facilities farther than {cfg.max_snap_m:g} m from a road were left out"
        )
    if network.stats.segments_missing_nodes:
        diagnostics.append(
            f"{network.stats.segments_missing_nodes} road segments dropped: nodes missing from "
            "the OSM file (clipped extract)"
        )
    summary["diagnostics"] = diagnostics
    return CoverageResult(
        cells=cells,
        surface=surface,
        facilities=fac,
        summary=summary,
        by_zone=by_zone,
        levels=tuple(cfg.levels),
        config=cfg,
        population=population,
        diagnostics=diagnostics,
    )


def _summary(
    cells: pd.DataFrame, cfg: Config, network: RoadNetwork, fac: gpd.GeoDataFrame
) -> dict[str, Any]:
    pop = cells["pop"].to_numpy()
    total = float(pop.sum())
    off = cells["off_network"].to_numpy()
    levels: dict[str, Any] = {}
    for lv in cfg.levels:
        m = cells[f"minutes_{lv.name}"].to_numpy()
        covered = float(pop[np.nan_to_num(m, nan=np.inf) <= lv.minutes].sum())
        levels[lv.name] = {
            "label": lv.label,
            "min_tier": lv.min_tier,
            "minutes": lv.minutes,
            "covered_population": covered,
            "covered_share": covered / total if total else 0.0,
        }
    head = cfg.levels[0]
    m = cells[f"minutes_{head.name}"].to_numpy()
    ok = np.isfinite(m)
    return {
        "population_total": total,
        "headline_level": head.name,
        "covered_share": levels[head.name]["covered_share"],
        "levels": levels,
        "off_network_population": float(pop[off].sum()),
        "off_network_share": float(pop[off].sum() / total) if total else 0.0,
        "minutes_p50": weighted_quantile(m[ok], pop[ok], 0.5),
        "minutes_p90": weighted_quantile(m[ok], pop[ok], 0.9),
        "minutes_max": float(m[ok].max()) if ok.any() else float("nan"),
        "facilities": {
            "total": len(fac),
            "on_network": int(fac["on_network"].sum()),
            "by_tier": {int(k): int(v) for k, v in fac["tier"].value_counts().sort_index().items()},
        },
        "network": {
            "mode": network.mode,
            "nodes": network.n_nodes,
            "edges": network.n_edges,
            "road_km": network.stats.road_km,
            "nodes_dropped": network.stats.nodes_dropped,
            "segments_missing_nodes": network.stats.segments_missing_nodes,
        },
    }


def _by_zone(cells: pd.DataFrame, cfg: Config, zones: gpd.GeoDataFrame | None) -> pd.DataFrame:
    head = cfg.levels[0]
    out = []
    names = (
        dict(zip(zones["zone_id"].astype(str), zones["name"].astype(str), strict=True))
        if zones is not None
        else {}
    )
    names_en = (
        dict(zip(zones["zone_id"].astype(str), zones["name_en"].astype(str), strict=True))
        if zones is not None and "name_en" in zones.columns
        else {}
    )
    for zid, g in cells.groupby("zone_id", sort=True):
        pop = g["pop"].to_numpy()
        total = float(pop.sum())
        row: dict[str, Any] = {
            "zone_id": zid or "(none)",
            "name": names.get(zid, zid or "(outside zones)"),
            "name_en": names_en.get(zid, ""),
            "population": total,
            "off_network_population": float(pop[g["off_network"].to_numpy()].sum()),
        }
        for lv in cfg.levels:
            m = np.nan_to_num(g[f"minutes_{lv.name}"].to_numpy(), nan=np.inf)
            cov = float(pop[m <= lv.minutes].sum())
            row[f"covered_{lv.name}"] = cov
            row[f"share_{lv.name}"] = cov / total if total else 0.0
        m = g[f"minutes_{head.name}"].to_numpy()
        ok = np.isfinite(m)
        row["mean_minutes"] = float(np.average(m[ok], weights=pop[ok])) if ok.any() else np.nan
        row["p90_minutes"] = weighted_quantile(m[ok], pop[ok], 0.9)
        out.append(row)
    df = pd.DataFrame(out)
    return df.sort_values(f"share_{head.name}", kind="stable").reset_index(drop=True)
