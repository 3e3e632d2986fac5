"""The sample county's land: its outline, the mountains in the east and the Lan River."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient

from access15.datasets._geometry import FloatArray, Noise, catmull_rom, meander, resample
from access15.datasets._plan import (
    COUNTY_AREA_M2,
    MOUNTAIN_SHARE,
    PRIMARY_TOWNS_KM,
    RIVER_HALF_WIDTH,
    RIVER_KM,
    TRUNK_TOWNS_KM,
    XSOUTH_KM,
)


@dataclass
class Land:
    """The county outline, the mountain field and the river (local coordinates, metres)."""

    county: Polygon
    mountain_noise: Noise
    valley_noise: Noise
    q0: float  # threshold of the east-north-east coordinate where the mountains begin, metres
    river: FloatArray  # centre line, metres
    river_poly: Polygon  # the water surface

    def mountain(self, x: FloatArray | float, y: FloatArray | float) -> FloatArray:
        """Return the mountain share in [0, 1] (0 lowland plain, 1 mountains) at (x, y)."""
        q = np.asarray(x) * math.cos(math.radians(25)) + np.asarray(y) * math.sin(math.radians(25))
        t = np.clip(0.5 + (q + 1800.0 * self.mountain_noise(x, y) - self.q0) / 2500.0, 0.0, 1.0)
        return t * t * (3 - 2 * t)


def county_polygon(rng: np.random.Generator) -> Polygon:
    """Return an irregular star-shaped county outline of area :data:`COUNTY_AREA_M2` (m²).

    Outlines with a bay reaching within 2.5 km of a town on the main roads are redrawn.
    """
    th = np.linspace(0.0, 2 * math.pi, 480, endpoint=False)
    a, b = 25_000.0, 22_000.0
    base = a * b / np.sqrt((b * np.cos(th)) ** 2 + (a * np.sin(th)) ** 2)
    towns = [*TRUNK_TOWNS_KM, *PRIMARY_TOWNS_KM, XSOUTH_KM[0]]
    keep_in = [Point(np.asarray(p) * 1000.0) for p in towns]
    k = np.arange(2, 160)
    amp = np.where(k < 6, 0.24 / k**0.8, 0.2 / k)
    while True:
        phase = rng.uniform(0, 2 * math.pi, len(k))
        pert = (amp * rng.normal(size=len(k)) * np.cos(np.outer(th, k) + phase)).sum(axis=1)
        r = base * np.exp(pert)
        poly = Polygon(np.column_stack([r * np.cos(th), r * np.sin(th)]))
        poly = Polygon(
            np.asarray(poly.exterior.coords)[:-1] * math.sqrt(COUNTY_AREA_M2 / poly.area)
        )
        inner = poly.buffer(-2500.0)
        if poly.is_valid and all(inner.contains(q) for q in keep_in):
            return orient(poly, 1.0)


def make_land(rng: np.random.Generator) -> Land:
    """Draw the county outline, the mountain field and the river (in this order from ``rng``)."""
    county = county_polygon(rng)
    mnoise = Noise(rng, (9_000.0, 22_000.0), 10)
    vnoise = Noise(rng, (2_500.0, 6_000.0), 14)
    # the threshold that makes MOUNTAIN_SHARE of the county mountainous
    gx, gy = np.meshgrid(np.arange(-30_000, 30_001, 400.0), np.arange(-30_000, 30_001, 400.0))
    inside = shapely.contains_xy(county, gx, gy)
    x, y = gx[inside], gy[inside]
    q = x * math.cos(math.radians(25)) + y * math.sin(math.radians(25)) + 1800.0 * mnoise(x, y)
    q0 = float(np.quantile(q, 1 - MOUNTAIN_SHARE))
    river = catmull_rom(np.asarray(RIVER_KM) * 1000.0, 40.0)
    river = resample(meander(river, rng, np.full(len(river), 320.0), (2_200.0, 5_500.0)), 60.0)
    river_poly = LineString(river).buffer(RIVER_HALF_WIDTH, quad_segs=4)
    return Land(county, mnoise, vnoise, q0, river, river_poly)
