"""The sample county's WorldPop-like population raster (people per 3-arc-second cell)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.transform import from_origin
from scipy import ndimage

from access15.datasets._draft import Draft
from access15.datasets._geometry import FloatArray
from access15.datasets._plan import CENTER_LAT, UTM_CRS
from access15.datasets._writers import CELL_DEG, NODATA


def population_grid(
    d: Draft, origin: tuple[float, float]
) -> tuple[npt.NDArray[np.float32], Affine]:
    """Return a WorldPop-like grid of people per 3" cell over the county's bounding box.

    Parameters
    ----------
    d : Draft
        The built county (villages, hamlets, towns and their people).
    origin : tuple of float
        UTM easting and northing (metres) of the local origin.

    Returns
    -------
    tuple
        Array (rows, cols) of people per cell, nodata outside the county, and its transform.
    """
    rng = d.rng
    inv = Transformer.from_crs(UTM_CRS, "EPSG:4326", always_xy=True)
    fwd = Transformer.from_crs("EPSG:4326", UTM_CRS, always_xy=True)
    bx = np.asarray(d.land.county.exterior.coords)
    lon, lat = inv.transform(bx[:, 0] + origin[0], bx[:, 1] + origin[1])
    west = math.floor(min(lon) / CELL_DEG - 1) * CELL_DEG
    east = math.ceil(max(lon) / CELL_DEG + 1) * CELL_DEG
    south = math.floor(min(lat) / CELL_DEG - 1) * CELL_DEG
    north = math.ceil(max(lat) / CELL_DEG + 1) * CELL_DEG
    w, h = round((east - west) / CELL_DEG), round((north - south) / CELL_DEG)
    glon, glat = np.meshgrid(
        west + (np.arange(w) + 0.5) * CELL_DEG, north - (np.arange(h) + 0.5) * CELL_DEG
    )
    ex, ny = fwd.transform(glon, glat)
    x, y = np.asarray(ex) - origin[0], np.asarray(ny) - origin[1]
    cell_w = CELL_DEG * 111_320.0 * math.cos(math.radians(CENTER_LAT))  # metres
    cell_h = CELL_DEG * 110_900.0

    def splat(vertices: list[int], sigma: float) -> FloatArray:
        """People of the vertices, spread with a Gaussian of ``sigma`` metres."""
        pts = np.asarray([d.g.xy[v] for v in vertices])
        lo, la = inv.transform(pts[:, 0] + origin[0], pts[:, 1] + origin[1])
        col = np.floor((np.asarray(lo) - west) / CELL_DEG).astype(int)
        row = np.floor((north - np.asarray(la)) / CELL_DEG).astype(int)
        grid = np.zeros((h, w))
        np.add.at(grid, (row, col), [d.pop_of[v] for v in vertices])
        return ndimage.gaussian_filter(
            grid, (sigma / cell_h, sigma / cell_w), mode="constant", truncate=3.5
        )

    pop = splat(d.villages, 170.0) + splat(d.hamlets, 95.0)
    for t in d.towns:  # a dense core and a decaying halo
        r = np.hypot(x - t.center[0], y - t.center[1])
        (r1, w1), (r2, w2) = (
            ((650.0, 0.72), (2300.0, 0.28)) if t.index == 0 else ((320.0, 0.8), (1000.0, 0.2))
        )
        kernel = w1 * np.exp(-r / r1) / (2 * math.pi * r1**2) + w2 * np.exp(-r / r2) / (
            2 * math.pi * r2**2
        )
        pop += t.population * kernel * cell_w * cell_h
    pop *= rng.lognormal(0.0, 0.25, pop.shape)
    mm = d.land.mountain(x, y)
    background = rng.gamma(0.6, 0.16, pop.shape) * (1 - mm) + rng.gamma(0.4, 0.07, pop.shape) * mm
    background[rng.random(pop.shape) < 0.35] = 0.0
    pop += background
    # Quantise to 1/256 person: exp() and sums differ by an ulp between CPUs (SIMD paths), and
    # the committed bytes must not depend on the machine that regenerates them.
    pop = np.round(pop * 256.0) / 256.0
    pop[pop < 0.03] = 0.0  # empty cells: far tails of the kernels without background
    pop[shapely.contains_xy(d.land.river_poly, x, y)] = 0.0
    valid = shapely.contains_xy(d.land.county, x, y)
    return np.where(valid, pop, NODATA).astype(np.float32), from_origin(
        west, north, CELL_DEG, CELL_DEG
    )
