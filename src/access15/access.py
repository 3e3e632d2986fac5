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

import itertools
import logging
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from affine import Affine
from rasterio.features import rasterize

from access15._repr import card, fmt_frame, minutes, pct, people
from access15.config import Config, ServiceLevel
from access15.errors import InputError
from access15.gaps import GAP_MIN_PEOPLE, gap_summary, road_system_notes, uncovered_clusters
from access15.io.areas import check_zone_ids
from access15.surface import cell_minutes, fill_surface
from access15.travel import nearest_facility

if TYPE_CHECKING:
    from access15.io.population import DemandCells
    from access15.network import RoadNetwork

__all__ = [
    "GAP_MIN_PEOPLE",
    "CoverageResult",
    "coverage",
    "snap_facilities",
    "time_bands",
    "uncovered_clusters",
    "weighted_gini",
    "weighted_quantile",
    "zone_of_points",
]

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
        ``zone_id``, ``snap_m`` (metres), ``off_network``, ``network_part`` (road system the
        cell snaps to, 0 the largest, see :attr:`RoadNetwork.node_part`; -1 off-network) and
        ``minutes_<level>`` (NaN when off-network or when no facility is on the cell's road
        system) for each service level.
    surface : dict of str to ndarray
        Per level, the travel-time grid in minutes (float32, NaN outside the area, off-network or
        unreachable), on the population raster's grid, or on blocks of its cells when the
        raster's window has more than :data:`~access15.surface.SURFACE_MAX_CELLS` cells (see
        :attr:`surface_transform`); empty for demand points.
    facilities : GeoDataFrame
        Facilities as used: tier, snapped node, snap distance, ``minutes_to_hospital``.
    summary : dict
        Key figures (see ``summary.json``).
    by_zone : DataFrame
        One row per zone.
    levels : tuple of ServiceLevel
        The service levels tested, headline first.
    config : Config
        The configuration the figures were computed with (speeds, snap distance, levels).
    population : DemandCells
        The demand the shares are of (its grid is the surface's grid).
    diagnostics : list of str
        Warnings a planner should read before trusting the figures; first the data problems
        tolerated while reading the inputs (:attr:`DemandCells.notes`, the facilities'
        ``attrs["diagnostics"]``).
    bands : DataFrame
        Population per travel-time band of the first level (see :func:`time_bands`).
    gaps : GeoDataFrame
        Uncovered clusters of the first level (see :func:`uncovered_clusters`).
    surface_transform : Affine, optional
        Transform of the surface grid in the population grid's CRS: the population grid's own,
        or scaled by the block side (:func:`~access15.surface.surface_factor`); None for
        demand points.
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
    bands: pd.DataFrame = field(default_factory=pd.DataFrame)
    gaps: gpd.GeoDataFrame | None = None
    surface_transform: Affine | None = None

    def __post_init__(self) -> None:
        """Default the surface's transform to the population grid's (a surface at full size)."""
        if self.surface_transform is None and self.surface and self.population.transform:
            object.__setattr__(self, "surface_transform", self.population.transform)

    @property
    def surface_factor(self) -> int:
        """Population cells per side of a surface cell (1: the surface is the population grid)."""
        t, pt = self.surface_transform, self.population.transform
        if t is None or pt is None or pt.a == 0:
            return 1
        return max(1, round(t.a / pt.a))

    def __repr__(self) -> str:
        head = self.levels[0]
        s = self.summary["levels"][head.name]
        return (
            f"CoverageResult({self.summary['population_total']:,.0f} people; "
            f"{s['covered_share']:.1%} within {head.minutes:g} min of tier>={head.min_tier}; "
            f"off-network {self.summary['off_network_share']:.1%}; "
            f"{len(self.by_zone)} zones)"
        )

    def _repr_html_(self) -> str:
        """Jupyter display: coverage per level, key figures, worst zones and diagnostics."""
        s = self.summary
        head = self.levels[0]
        lv_table = pd.DataFrame(
            [
                {
                    "level": lv.name,
                    "test": f"tier ≥ {lv.min_tier} within {lv.minutes:g} min",
                    "covered people": people(s["levels"][lv.name]["covered_population"]),
                    "covered share": pct(s["levels"][lv.name]["covered_share"]),
                }
                for lv in self.levels
            ]
        )
        fac = s.get("facilities", {})
        gaps = s.get("gaps", {})
        facts = [
            ("population", f"{people(s['population_total'])} people"),
            (
                "off-network",
                f"{people(s['off_network_population'])} people "
                f"({pct(s['off_network_share'])}), never counted as covered",
            ),
            (
                f"minutes to tier ≥ {head.min_tier}",
                f"median {minutes(s['minutes_p50'])}, p90 {minutes(s['minutes_p90'])}, "
                f"max {minutes(s['minutes_max'])}",
            ),
            ("facilities", f"{fac.get('total', 0):,} ({fac.get('on_network', 0):,} on the roads)"),
        ]
        if gaps:
            facts.append(
                (
                    "gaps",
                    f"{gaps['clusters']:,} uncovered clusters, {people(gaps['population'])} "
                    "people (see .gaps)",
                )
            )
        tables: list[tuple[str, pd.DataFrame]] = [("Coverage per service level", lv_table)]
        if len(self.by_zone):
            share = f"share_{head.name}"
            worst = fmt_frame(
                self.by_zone.head(5),
                {"population": people, share: pct, "mean_minutes": minutes},
                rename={
                    "zone_id": "zone",
                    "name": "name",
                    "population": "people",
                    share: f"{head.name} share",
                    "mean_minutes": "mean time",
                },
            )
            tables.append((f"Worst-served zones (5 of {len(self.by_zone)})", worst))
        return card(
            "CoverageResult",
            f"{pct(s['levels'][head.name]['covered_share'])} of {people(s['population_total'])} "
            f"people within {head.minutes:g} min of a tier ≥ {head.min_tier} facility",
            facts=facts,
            tables=tables,
            notes=self.diagnostics,
            attributes=(
                "summary",
                "by_zone",
                "cells",
                "surface",
                "facilities",
                "gaps",
                "bands",
                "diagnostics",
            ),
        )


def weighted_gini(values: npt.ArrayLike, weights: npt.ArrayLike) -> float:
    """Population-weighted Gini coefficient of travel time (0 equal, towards 1 unequal).

    Computed from the Lorenz curve of time over people sorted by time.

    Examples
    --------
    >>> weighted_gini([3.0, 3.0, 3.0], [1, 1, 1])
    0.0
    >>> weighted_gini([0.0, 1.0], [1, 1])
    0.5
    >>> weighted_gini([0.0, 1.0], [3, 1])  # one person in four carries all the time
    0.75
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    ok = np.isfinite(x) & (w > 0)
    x, w = x[ok], w[ok]
    if len(x) == 0 or (x * w).sum() <= 0:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    p = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    lor = np.concatenate([[0.0], np.cumsum(x * w) / (x * w).sum()])
    return float(1.0 - np.sum((p[1:] - p[:-1]) * (lor[1:] + lor[:-1])))


def _zone_index(
    population: DemandCells,
    zones: gpd.GeoDataFrame | None,
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Zone position (0-based, -1 for none) of grid cells (``rows``, ``cols``), by cell centre."""
    if zones is None or zones.empty:
        return np.full(len(rows), -1, dtype=np.int64)

    z = zones.to_crs(population.crs)
    shapes = ((geom, i + 1) for i, geom in enumerate(z.geometry))
    grid = rasterize(
        shapes, out_shape=population.shape, transform=population.transform, fill=0, dtype="int32"
    )
    return grid[rows, cols].astype(np.int64) - 1


def zone_of_points(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], zones: gpd.GeoDataFrame | None
) -> npt.NDArray[np.int64]:
    """Find the zone of each WGS-84 point (the first zone containing it).

    Parameters
    ----------
    lon, lat : ndarray of float64
        Point coordinates, degrees (WGS-84).
    zones : GeoDataFrame or None
        Zone polygons, any CRS (compared in WGS-84).

    Returns
    -------
    ndarray of int64
        Row position of the zone in ``zones`` (0-based), -1 for points in no zone (and for
        every point when ``zones`` is None or empty).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> z = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:4326")
    >>> zone_of_points(np.array([0.5, 1.5, 5.0]), np.array([0.5, 0.5, 0.5]), z).tolist()
    [0, 1, -1]
    """
    out = np.full(len(lon), -1, dtype=np.int64)
    if zones is None or zones.empty:
        return out
    z = zones.to_crs("EPSG:4326")
    for i, geom in enumerate(z.geometry):
        inside = (out < 0) & shapely.contains_xy(geom, lon, lat)
        out[inside] = i
    return out


def _is_grid(population: DemandCells) -> bool:
    return bool(getattr(population, "is_grid", True))


def coverage(
    network: RoadNetwork,
    facilities: gpd.GeoDataFrame,
    population: DemandCells,
    *,
    zones: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    config: Config | None = None,
) -> CoverageResult:
    """Compute the travel-time surface and coverage per service level, with gaps.

    Parameters
    ----------
    network : RoadNetwork
        The routable road network of one mode (:func:`access15.network.build_network`).
    facilities : GeoDataFrame
        Points with a ``tier`` column (1-4), e.g. from :func:`facilities_from_osm`.
    population : DemandCells
        A population grid (the surface covers every cell of the area) or points.
    zones : GeoDataFrame, optional
        Township polygons with ``zone_id`` and ``name``; enables ``by_zone``. A zone without
        an id (null or blank) is refused with :class:`access15.InputError`.
    boundary : GeoDataFrame, optional
        Study area; facilities outside it are still used (people cross county lines) but
        reported.
    config : Config, optional
        Speeds, snap distance and service levels (default ``Config()``).

    Returns
    -------
    CoverageResult
        Cells, surface per level, shares, zone table, gaps and diagnostics.
    """
    cfg = config or Config()
    if zones is not None:
        check_zone_ids(zones)  # people in a zone without an id would vanish from by_zone
    fac = snap_facilities(network, facilities, config=cfg)
    speed_ms = cfg.access_kmh.get(network.mode, 4.5) / 3.6
    # data problems tolerated while reading the inputs (DataWarning), first
    diagnostics: list[str] = [
        *getattr(population, "notes", ()),
        *facilities.attrs.get("diagnostics", ()),
    ]
    grid_mode = _is_grid(population)

    # seconds from every road node to the nearest facility of each level
    t_nodes: dict[str, npt.NDArray[np.float64] | None] = {}
    for lv in cfg.levels:
        src = fac[(fac["tier"] >= lv.min_tier) & fac["on_network"]]
        if len(src) == 0:
            diagnostics.append(
                f"no facility of tier >= {lv.min_tier} on the network: {lv.name} coverage is 0"
            )
            t_nodes[lv.name] = None
        else:
            t_nodes[lv.name], _ = nearest_facility(
                network, src["node"].to_numpy(), leg_s=src["leg_s"].to_numpy()
            )
    surface: dict[str, npt.NDArray[np.float32]] = {}
    surface_transform: Affine | None = None
    if grid_mode:
        # the populated cells, and the surface over every cell of the area (populated or not),
        # which the numbers and the map share, filled a band of rows at a time
        area_mask = np.asarray(population.area_mask, dtype=bool)
        keep = (population.pop > 0) & area_mask[population.row, population.col]
        rows, cols = population.row[keep], population.col[keep]
        lon, lat, pop_all = population.lon[keep], population.lat[keep], population.pop[keep]
        surface, surface_transform, node, snap_m = fill_surface(
            network, population, cfg, speed_ms, t_nodes, rows, cols
        )
        zi = _zone_index(population, zones, rows, cols)
    else:
        rows = cols = np.full(len(population.pop), -1, dtype=np.int64)
        lon, lat, pop_all = population.lon, population.lat, population.pop
        node, snap_m = network.snap(lon, lat)
        zi = zone_of_points(lon, lat, zones)
    on = snap_m <= cfg.max_snap_m
    first_s = snap_m / speed_ms
    by_level = {lv.name: cell_minutes(t_nodes[lv.name], node, on, first_s) for lv in cfg.levels}

    _referral_chain(network, fac, cfg)
    if boundary is not None:
        area = boundary.to_crs("EPSG:4326").geometry.union_all()
        fac["inside_area"] = shapely.contains_xy(area, fac.geometry.x, fac.geometry.y)
    else:
        fac["inside_area"] = True

    populated = pop_all > 0
    zone_ids = (
        zones["zone_id"].astype(str).to_numpy() if zones is not None else np.array([], dtype=str)
    )
    zsel = zi[populated]
    cells = pd.DataFrame(
        {
            "row": rows[populated],
            "col": cols[populated],
            "lon": lon[populated],
            "lat": lat[populated],
            "pop": pop_all[populated],
            "zone_id": (
                np.where(zsel >= 0, zone_ids[np.clip(zsel, 0, None)], "")
                if len(zone_ids)
                else np.full(len(zsel), "", dtype=object)
            ),
            "node": node[populated],
            "snap_m": snap_m[populated],
            "off_network": ~on[populated],
            "network_part": np.where(on, network.node_part[node], -1)[populated],
        }
    )
    for lv in cfg.levels:
        cells[f"minutes_{lv.name}"] = by_level[lv.name][populated]

    summary = _summary(cells, cfg, network, fac)
    by_zone = _by_zone(cells, cfg, zones)
    if zones is not None:
        by_zone = _with_road_density(by_zone, network, zones)
    bands = time_bands(cells, cfg)
    gaps = uncovered_clusters(cells, cfg, population, zones=zones)
    summary["bands"] = bands.to_dict("records")
    head = cfg.levels[0]
    summary["gini_minutes"] = weighted_gini(
        cells[f"minutes_{head.name}"].to_numpy(), cells["pop"].to_numpy()
    )
    summary["worst_zones"] = (
        by_zone.head(5)[["zone_id", "name", "population", f"share_{head.name}"]].to_dict("records")
        if len(by_zone)
        else []
    )
    summary["gaps"] = gap_summary(gaps)
    summary["referral"] = _referral_summary(fac, cfg)

    # diagnostics come before results: they say when a figure is not to be trusted
    if summary["off_network_share"] > 0.01:
        diagnostics.append(
            f"{summary['off_network_share']:.1%} of the population lives more than "
            f"{cfg.max_snap_m:g} m from a routable road (off-network, never counted as covered): "
            "OSM roads may be incomplete here"
        )
    n_off_fac = int((~fac["on_network"]).sum())
    if n_off_fac:
        diagnostics.append(
            f"{n_off_fac} facilities are farther than {cfg.max_snap_m:g} m from a road and were "
            "left out; check their coordinates"
        )
    n_out = int((~fac["inside_area"]).sum())
    if n_out:
        diagnostics.append(
            f"{n_out} facilities lie outside the study area; they are used (residents may cross "
            "the border), but check that this is intended"
        )
    st = network.stats
    diagnostics.extend(road_system_notes(network, fac, cells, cfg))
    if st.nodes_total and st.nodes_dropped / st.nodes_total > 0.05:
        diagnostics.append(
            f"{st.nodes_dropped:,} of {st.nodes_total:,} road nodes "
            f"({st.nodes_dropped / st.nodes_total:.0%}) were dropped: fragments not connected "
            "to any road system and one-way dead ends that cannot be driven back"
        )
    if st.segments_missing_nodes:
        diagnostics.append(
            f"{st.segments_missing_nodes} road segments dropped: nodes missing from the OSM file "
            "(clipped extract)"
        )
    if "road_km_per_km2" in by_zone.columns and len(by_zone) > 2:
        dens = by_zone["road_km_per_km2"].to_numpy()
        med = float(np.nanmedian(dens))
        thin = by_zone[dens < 0.25 * med]
        if len(thin):
            names = ", ".join(
                f"{n} ({d:.2f} km/km²)"
                for n, d in zip(thin["name"], thin["road_km_per_km2"], strict=True)
            )
            diagnostics.append(
                f"thin road data in {len(thin)} zone(s), under a quarter of the county median "
                f"{med:.2f} km/km²: {names}; times there may be overestimated"
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
        bands=bands,
        gaps=gaps,
        surface_transform=surface_transform,
    )


def _referral_chain(network: RoadNetwork, fac: gpd.GeoDataFrame, cfg: Config) -> None:
    """Add referral times (minutes) and flags to the facilities table, in place."""
    on = fac["on_network"].to_numpy()
    leg = fac["leg_s"].to_numpy()
    nodes = fac["node"].to_numpy()
    tier = fac["tier"].to_numpy()
    for col, min_tier in (("minutes_to_hospital", 4), ("minutes_to_township", 2)):
        src = fac[(fac["tier"] >= min_tier) & fac["on_network"]]
        if len(src):
            t, _ = nearest_facility(network, src["node"].to_numpy(), leg_s=src["leg_s"].to_numpy())
            # a facility's trip: walk to its road node, drive, walk in at the other end
            fac[col] = np.where(on, (leg + t[nodes]) / 60.0, np.nan)
        else:
            fac[col] = np.nan
    fac.loc[tier >= 2, "minutes_to_township"] = np.nan  # only asked of village clinics
    over_h = (
        (tier >= 2)
        & (tier <= 3)
        & ~(fac["minutes_to_hospital"].to_numpy() <= cfg.referral_hospital_minutes)
    )
    over_t = (tier == 1) & ~(fac["minutes_to_township"].to_numpy() <= cfg.referral_township_minutes)
    fac["referral_over_target"] = over_h | over_t


def _referral_summary(fac: gpd.GeoDataFrame, cfg: Config) -> dict[str, Any]:
    centres = fac[(fac["tier"] >= 2) & (fac["tier"] <= 3)]
    clinics = fac[fac["tier"] == 1]
    return {
        "township_to_hospital_target_minutes": cfg.referral_hospital_minutes,
        "township_centres": len(centres),
        "township_centres_over_target": int(centres["referral_over_target"].sum()),
        "township_to_hospital_max_minutes": float(centres["minutes_to_hospital"].max())
        if len(centres)
        else float("nan"),
        "clinic_to_township_target_minutes": cfg.referral_township_minutes,
        "village_clinics": len(clinics),
        "village_clinics_over_target": int(clinics["referral_over_target"].sum()),
    }


def time_bands(cells: pd.DataFrame, cfg: Config, level: str | None = None) -> pd.DataFrame:
    """Count the population per travel-time band (minutes) and off-network, for one level.

    Bands are ``(lo, hi]`` with the first starting at 0 inclusive; the last is open-ended; a
    final row counts the off-network population. Populations add up to the total.

    Returns
    -------
    DataFrame
        ``band``, ``min_minutes``, ``max_minutes``, ``population``, ``share``.
    """
    lv = cfg.level(level) if level else cfg.levels[0]
    m = cells[f"minutes_{lv.name}"].to_numpy()
    pop = cells["pop"].to_numpy()
    total = float(pop.sum())
    edges = [0.0, *cfg.bands_minutes]
    rows = []
    for lo, hi in itertools.pairwise(edges):
        sel = (m <= hi) & ((m > lo) if lo > 0 else (m >= 0))
        rows.append((f"{lo:g}-{hi:g} min", lo, hi, float(pop[sel].sum())))
    last = edges[-1]
    rows.append((f"> {last:g} min", last, np.inf, float(pop[m > last].sum())))
    unreachable = ~np.isfinite(m) & ~cells["off_network"].to_numpy()
    if unreachable.any():
        rows.append(("unreachable", np.nan, np.nan, float(pop[unreachable].sum())))
    rows.append(("off-network", np.nan, np.nan, float(pop[cells["off_network"].to_numpy()].sum())))
    df = pd.DataFrame(rows, columns=["band", "min_minutes", "max_minutes", "population"])
    df["share"] = df["population"] / total if total else 0.0
    return df


def _with_road_density(
    by_zone: pd.DataFrame, network: RoadNetwork, zones: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Add ``area_km2``, ``road_km`` and ``road_km_per_km2`` per zone (roads by midpoint)."""
    u, v = network.edge_u, network.edge_v
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    _, first = np.unique(lo * network.n_nodes + hi, return_index=True)
    a, b = u[first], v[first]
    mid_lon = (network.lon[a] + network.lon[b]) / 2
    mid_lat = (network.lat[a] + network.lat[b]) / 2
    zi = zone_of_points(mid_lon, mid_lat, zones)
    km = (
        np.bincount(
            zi[zi >= 0], weights=network.edge_length_m[first][zi >= 0], minlength=len(zones)
        )
        / 1000.0
    )
    area = zones.to_crs(network.crs).area.to_numpy() / 1e6
    extra = pd.DataFrame(
        {
            "zone_id": zones["zone_id"].astype(str).to_numpy(),
            "area_km2": area,
            "road_km": km,
            "road_km_per_km2": np.divide(km, area, out=np.full(len(area), np.nan), where=area > 0),
        }
    )
    return by_zone.merge(extra, on="zone_id", how="left")


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
