"""The travel-time surface: minutes to the nearest facility over every cell of the area.

Coverage (:func:`access15.coverage`) times the populated cells exactly and draws the surface
over every cell of the study area, populated or not, for the map, the band polygons and
``travel_time.tif``. A population window of more than :data:`SURFACE_MAX_CELLS` cells gets its
surface on blocks of cells (:func:`surface_factor`), so memory follows the populated cells and
the network, never the raster's bounding box.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from affine import Affine

from access15.config import Config
from access15.io.raster import centres, to_lonlat

if TYPE_CHECKING:
    from access15.io.population import DemandCells
    from access15.network import RoadNetwork

__all__ = ["SURFACE_MAX_CELLS", "cell_minutes", "fill_surface", "surface_factor"]

log = logging.getLogger(__name__)

_CHUNK_CELLS = 1 << 20  # grid cells routed at a time: bounds the temporaries (~200 B a cell)


def cell_minutes(
    t_node: npt.NDArray[np.float64] | None,
    node: npt.NDArray[np.int64],
    on: npt.NDArray[np.bool_],
    first_s: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Minutes from cells to the nearest facility: first-mile walk + network time (+ last mile).

    NaN for off-network cells, when no facility serves the level (``t_node`` None) and where
    no facility is on the cell's road system (unreachable).
    """
    if t_node is None:
        return np.full(len(node), np.nan)
    t_cell = t_node[node]
    return np.where(on & np.isfinite(t_cell), (first_s + t_cell) / 60.0, np.nan)


#: Largest travel-time surface kept in memory, cells (32 MB a level as float32). A population
#: window with more cells gets its surface on blocks of f x f cells (see :func:`surface_factor`);
#: the populated cells always keep their own exact times.
SURFACE_MAX_CELLS = 1 << 23


def surface_factor(shape: tuple[int, int], max_cells: int = SURFACE_MAX_CELLS) -> int:
    """Cells per block side of the travel-time surface of a population window.

    1 (the population grid itself) while the window has at most ``max_cells`` cells; else the
    smallest whole ``f`` with ``ceil(h / f) * ceil(w / f) <= max_cells``, so the surface, the
    map image, the band polygons and ``travel_time.tif`` stay bounded whatever the raster's
    bounding box.

    Parameters
    ----------
    shape : tuple of int
        Rows and columns of the population window.
    max_cells : int
        Largest surface, cells.

    Returns
    -------
    int
        Block side, cells (>= 1).

    Examples
    --------
    >>> surface_factor((2400, 3000))
    1
    >>> surface_factor((9600, 10000))
    4
    """
    h, w = int(shape[0]), int(shape[1])
    f = 1
    while -(-h // f) * -(-w // f) > max_cells:
        f += 1
    return f


def fill_surface(
    network: RoadNetwork,
    population: DemandCells,
    cfg: Config,
    speed_ms: float,
    t_nodes: dict[str, npt.NDArray[np.float64] | None],
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
) -> tuple[
    dict[str, npt.NDArray[np.float32]], Affine, npt.NDArray[np.int64], npt.NDArray[np.float64]
]:
    """Travel-time surface per level over every area cell, a band of rows at a time.

    Memory: the surfaces (float32, one per level, at most :data:`SURFACE_MAX_CELLS` cells:
    larger windows get the surface on blocks of cells, each block timed at its centre and in
    the area when any of its cells is) and the cells of one band (:data:`_CHUNK_CELLS`),
    never arrays over every cell of the window at once.

    Returns
    -------
    surface : dict of str to ndarray of float32
        Minutes per level on the surface grid; NaN outside the area, off-network or
        unreachable.
    transform : Affine
        The surface grid's transform (the population grid's, scaled by the block side).
    node, snap_m : ndarray
        Nearest road node and its distance (metres) of the cells (``rows``, ``cols``), which
        must lie in the area; always on the population grid itself.
    """
    h, w = population.shape
    area = np.asarray(population.area_mask, dtype=bool)
    t = population.transform
    assert t is not None  # a grid
    f = surface_factor((h, w), SURFACE_MAX_CELLS)
    sh, sw = -(-h // f), -(-w // f)
    st = Affine(t.a * f, t.b * f, t.c, t.d * f, t.e * f, t.f)
    surface = {lv.name: np.full((sh, sw), np.nan, dtype=np.float32) for lv in cfg.levels}
    node_p = np.zeros(len(rows), dtype=np.int64)
    snap_p = np.zeros(len(rows), dtype=np.float64)
    lin_p = rows * w + cols
    sorter = np.argsort(lin_p, kind="stable")
    step = max(1, _CHUNK_CELLS // max(sw * f * f, 1))  # surface rows per band
    for r0 in range(0, sh, step):
        block = area[r0 * f : (r0 + step) * f]
        if f > 1:
            nr = -(-block.shape[0] // f)
            padded = np.zeros((nr * f, sw * f), dtype=bool)
            padded[: block.shape[0], :w] = block
            block = np.asarray(padded.reshape(nr, f, sw, f).any(axis=(1, 3)), dtype=bool)
        rr, cc = np.nonzero(block)
        if len(rr) == 0:
            continue
        rr = rr.astype(np.int64) + r0
        cc = cc.astype(np.int64)
        lon, lat = to_lonlat(*centres(st, rr, cc), population.crs)
        node, snap_m = network.snap(lon, lat)
        on = snap_m <= cfg.max_snap_m
        first_s = snap_m / speed_ms
        for lv in cfg.levels:
            surface[lv.name][rr, cc] = cell_minutes(t_nodes[lv.name], node, on, first_s)
        if f == 1 and len(lin_p):  # the populated cells are surface cells: reuse their snap
            lin = rr * w + cc
            at = np.minimum(np.searchsorted(lin_p, lin, sorter=sorter), len(lin_p) - 1)
            hit = lin_p[sorter[at]] == lin
            node_p[sorter[at[hit]]] = node[hit]
            snap_p[sorter[at[hit]]] = snap_m[hit]
    if f > 1:  # the populated cells on their own grid, exact
        for c0 in range(0, len(rows), _CHUNK_CELLS):
            sl = slice(c0, c0 + _CHUNK_CELLS)
            node_p[sl], snap_p[sl] = network.snap(*population.centres_of(rows[sl], cols[sl]))
        log.info(
            "population window %d x %d cells: travel-time surface on %d x %d blocks (%d x %d)",
            h,
            w,
            f,
            f,
            sh,
            sw,
        )
    return surface, st, node_p, snap_p
