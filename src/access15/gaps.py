"""Who is not covered, and why: uncovered clusters (the gaps) and road-system diagnostics.

:func:`uncovered_clusters` groups the populated cells not covered at a service level into
connected clusters and :func:`gap_summary` gives their key figures; :func:`road_system_notes`
explains the people no facility can reach because their road system has none, and those
snapped past a dropped road fragment. They read the cells table of
:func:`access15.access.coverage`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import Transformer
from scipy import ndimage
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from access15.config import Config
from access15.network import MIN_PART_NODES, utm_epsg

if TYPE_CHECKING:
    from access15.io.population import DemandCells
    from access15.network import RoadNetwork

__all__ = ["GAP_MIN_PEOPLE", "gap_summary", "road_system_notes", "uncovered_clusters"]

GAP_MIN_PEOPLE = 50.0  # clusters at least this large are headline gaps; the rest is scattered


def uncovered_clusters(
    cells: pd.DataFrame,
    cfg: Config,
    population: DemandCells,
    *,
    zones: gpd.GeoDataFrame | None = None,
    level: str | None = None,
    link_m: float = 500.0,
) -> gpd.GeoDataFrame:
    """Find connected groups of populated cells not covered at a service level (the gaps).

    Grid cells are connected through their 8 neighbours; points (villages) within ``link_m``
    metres of each other are connected. Off-network cells count as uncovered.

    Returns
    -------
    GeoDataFrame
        One row per cluster, largest population first: ``gap_id``, ``cells``, ``population``
        (people), ``off_network_population``, ``mean_minutes`` and ``max_minutes`` (current time
        to the level, of the on-network part), ``zone_id`` (zone holding most of its people);
        geometry the population-weighted centroid (WGS-84).
    """
    lv = cfg.level(level) if level else cfg.levels[0]
    m = cells[f"minutes_{lv.name}"].to_numpy()
    unc = ~(np.nan_to_num(m, nan=np.inf) <= lv.minutes)
    cols = [
        "gap_id",
        "cells",
        "population",
        "off_network_population",
        "mean_minutes",
        "max_minutes",
        "zone_id",
    ]
    sub = cells[unc]
    if len(sub) == 0:
        return gpd.GeoDataFrame(columns=cols, geometry=[], crs="EPSG:4326")
    if getattr(population, "is_grid", True):  # a grid, not points (villages)
        mask = np.zeros(population.shape, dtype=bool)
        mask[sub["row"].to_numpy(), sub["col"].to_numpy()] = True
        labels, _ = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
        lab = labels[sub["row"].to_numpy(), sub["col"].to_numpy()] - 1
    else:
        lo, la = sub["lon"].to_numpy(), sub["lat"].to_numpy()
        epsg = utm_epsg(float(np.median(lo)), float(np.median(la)))
        x, y = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True).transform(lo, la)
        pairs = cKDTree(np.column_stack([x, y])).query_pairs(link_m, output_type="ndarray")

        g = sp.csr_matrix(
            (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(sub), len(sub))
        )
        _, lab = connected_components(g, directed=False)
    pop = sub["pop"].to_numpy()
    mins = sub[f"minutes_{lv.name}"].to_numpy()
    ok = np.isfinite(mins)
    n = int(lab.max()) + 1
    tot = np.bincount(lab, weights=pop, minlength=n)
    on_pop = np.bincount(lab[ok], weights=pop[ok], minlength=n)
    mean = np.divide(
        np.bincount(lab[ok], weights=(pop * np.nan_to_num(mins))[ok], minlength=n),
        on_pop,
        out=np.full(n, np.nan),
        where=on_pop > 0,
    )
    mx = np.full(n, np.nan)
    np.fmax.at(mx, lab[ok], mins[ok])
    lon = np.bincount(lab, weights=pop * sub["lon"].to_numpy(), minlength=n) / tot
    lat = np.bincount(lab, weights=pop * sub["lat"].to_numpy(), minlength=n) / tot
    zone = (
        pd.DataFrame({"lab": lab, "zone": sub["zone_id"].to_numpy(), "pop": pop})
        .groupby(["lab", "zone"])["pop"]
        .sum()
        .reset_index()
        .sort_values(["lab", "pop"], ascending=[True, False])
        .drop_duplicates("lab")
        .set_index("lab")["zone"]
        .reindex(range(n))
        .fillna("")
        .to_numpy()
    )
    df = pd.DataFrame(
        {
            "cells": np.bincount(lab, minlength=n),
            "population": tot,
            "off_network_population": tot - on_pop,
            "mean_minutes": mean,
            "max_minutes": mx,
            "zone_id": zone,
            "lon": lon,
            "lat": lat,
        }
    ).sort_values(["population", "lon"], ascending=[False, True], kind="stable")
    df.insert(0, "gap_id", [f"G{i:03d}" for i in range(1, n + 1)])
    return gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]).reset_index(drop=True),
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs="EPSG:4326",
    )


def gap_summary(gaps: gpd.GeoDataFrame) -> dict[str, Any]:
    """Key figures of the gaps (``summary["gaps"]`` of :func:`access15.access.coverage`).

    Parameters
    ----------
    gaps : GeoDataFrame
        Uncovered clusters, as from :func:`uncovered_clusters`.

    Returns
    -------
    dict
        ``clusters``, ``population`` (people), ``min_people_significant``
        (:data:`GAP_MIN_PEOPLE`), ``significant_clusters`` and ``significant_population`` (the
        clusters of at least that many people) and ``largest`` (the first five rows, without
        geometry).
    """
    big = gaps[gaps["population"] >= GAP_MIN_PEOPLE] if len(gaps) else gaps
    return {
        "clusters": len(gaps),
        "population": float(gaps["population"].sum()) if len(gaps) else 0.0,
        "min_people_significant": GAP_MIN_PEOPLE,
        "significant_clusters": len(big),
        "significant_population": float(big["population"].sum()) if len(big) else 0.0,
        "largest": gaps.drop(columns="geometry").head(5).to_dict("records") if len(gaps) else [],
    }


def road_system_notes(
    network: RoadNetwork, fac: gpd.GeoDataFrame, cells: pd.DataFrame, cfg: Config
) -> list[str]:
    """Diagnostics on road systems not connected to each other and on dropped fragments.

    Each road system is routed on its own: a facility serves only people on its own system.

    Parameters
    ----------
    network : RoadNetwork
        The network the cells were routed on.
    fac : GeoDataFrame
        Snapped facilities (``tier``, ``node``, ``on_network``).
    cells : DataFrame
        The cells table of :func:`access15.access.coverage` (``pop``, ``lon``, ``lat``,
        ``snap_m``, ``network_part``).
    cfg : Config
        Service levels (the first is the headline) and ``max_snap_m``.

    Returns
    -------
    list of str
        Zero, one or two notes: the road systems (and the people on systems without a
        facility of the headline level), the dropped fragments (and the people nearest them).
    """
    notes: list[str] = []
    pop = cells["pop"].to_numpy()
    total = float(pop.sum())
    part = cells["network_part"].to_numpy()
    if network.n_parts > 1 and total > 0:
        per_part = np.bincount(part[part >= 0], weights=pop[part >= 0], minlength=network.n_parts)
        head = cfg.levels[0]
        src = fac[(fac["tier"] >= head.min_tier) & fac["on_network"]]
        served = np.zeros(network.n_parts, dtype=bool)
        served[network.node_part[src["node"].to_numpy(dtype=np.int64)]] = True
        unserved = float(per_part[~served].sum())
        note = (
            f"{network.n_parts} road systems not connected to each other: "
            f"{per_part[0] / total:.0%} of people on the largest; each is routed on its own "
            "(a facility serves only its own system; see the cells' network_part)"
        )
        if unserved > 0:
            note += (
                f"; {unserved:,.0f} people live on systems with no facility of tier >= "
                f"{head.min_tier} and are unreachable at {head.name}"
            )
        notes.append(note)
    st = network.stats
    if st.fragments_dropped:
        affected = 0.0
        if len(network.fragment_lon) and len(cells):
            fx, fy = network.project(network.fragment_lon, network.fragment_lat)
            cx, cy = network.project(cells["lon"].to_numpy(), cells["lat"].to_numpy())
            d, _ = cKDTree(np.column_stack([fx, fy])).query(np.column_stack([cx, cy]))
            near = (d < cells["snap_m"].to_numpy()) & (d <= cfg.max_snap_m)
            affected = float(pop[near].sum())
        notes.append(
            f"{st.fragments_dropped:,} road fragment(s) of fewer than {MIN_PART_NODES} nodes "
            f"({st.fragment_nodes:,} nodes) not connected to any road system were dropped; "
            f"{affected:,.0f} people live nearer to them than to a kept road and were snapped "
            "to the nearest kept road instead"
        )
    return notes
