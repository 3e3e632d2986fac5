"""Street grids of the county seat and the township seats."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import MultiPolygon, Point, Polygon

from access15.datasets._geometry import FloatArray, resample
from access15.datasets._graph import Graph, Town


@dataclass(frozen=True)
class TownPlan:
    """Where and how to lay out a town's street grid.

    Attributes
    ----------
    center : FloatArray
        Centre of the grid (local metres).
    angle : float
        Grid orientation, radians counter-clockwise from east.
    spacing : float
        Distance between parallel streets, metres.
    radii : tuple of float
        Half-axes of the built-up oval, metres (along and across ``angle``).
    mountain : float
        Mountain share at the centre, 0 (plain) to 1 (mountains).
    on_main_road : bool
        Whether a main road runs through (or ends at) the town.
    protect : int
        Grid steps around the centre in which no side street is left out.
    """

    center: FloatArray
    angle: float
    spacing: float
    radii: tuple[float, float]
    mountain: float
    on_main_road: bool
    protect: int = 0


def blob(
    rng: np.random.Generator,
    center: FloatArray,
    u: FloatArray,
    radii: tuple[float, float],
    avoid: Any,
) -> Polygon:
    """Return an irregular oval built-up area around ``center`` that keeps clear of ``avoid``."""
    v = np.array([-u[1], u[0]])
    phi = np.linspace(0.0, 2 * math.pi, 72, endpoint=False)
    rad = np.ones_like(phi)
    for k in range(2, 6):
        rad += 0.09 * rng.normal() * np.cos(k * phi + rng.uniform(0, 2 * math.pi))
    pts = (
        center
        + np.outer(radii[0] * rad * np.cos(phi), u)
        + np.outer(radii[1] * rad * np.sin(phi), v)
    )
    area: Any = Polygon(pts).difference(avoid)
    if isinstance(area, MultiPolygon):
        area = next(q for q in area.geoms if q.contains(Point(center)))
    return area


def _connected_to_centre(
    links: list[tuple[tuple[int, int], tuple[int, int]]],
) -> set[tuple[int, int]]:
    """Return the grid positions linked (through ``links``) to the centre (0, 0)."""
    adj: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a, b in links:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    seen = {(0, 0)}
    stack = [(0, 0)]
    while stack:
        for n in adj.get(stack.pop(), []):
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return seen


def build_town(g: Graph, rng: np.random.Generator, index: int, plan: TownPlan, avoid: Any) -> Town:
    """Add an irregular street grid around ``plan.center`` (rotated by ``plan.angle``).

    Streets are ``plan.spacing`` metres apart; a few side streets outside the ``plan.protect``
    core (in grid steps) are left out, and the centre row and column stay whole. The built-up
    area keeps clear of ``avoid``.
    """
    center, spacing, radii = plan.center, plan.spacing, plan.radii
    u = np.array([math.cos(plan.angle), math.sin(plan.angle)])
    v = np.array([-u[1], u[0]])
    area = blob(rng, center, u, radii, avoid)
    ni = math.ceil(radii[0] * 1.3 / spacing)
    nj = math.ceil(radii[1] * 1.3 / spacing)
    col_off = {i: 0.0 if i == 0 else rng.uniform(-0.12, 0.12) * spacing for i in range(-ni, ni + 1)}
    row_off = {j: 0.0 if j == 0 else rng.uniform(-0.12, 0.12) * spacing for j in range(-nj, nj + 1)}
    pos: dict[tuple[int, int], FloatArray] = {}
    for j in range(-nj, nj + 1):
        for i in range(-ni, ni + 1):
            q = center + (i * spacing + col_off[i]) * u + (j * spacing + row_off[j]) * v
            q = q + rng.normal(0.0, 3.0, 2)
            if area.contains(Point(q)):
                pos[(i, j)] = q
    for axis in (0, 1):  # keep the centre row and column in one piece
        run = sorted(k for k in pos if k[1 - axis] == 0)
        idx = {k[axis] for k in run}
        lo, hi = 0, 0
        while lo - 1 in idx:
            lo -= 1
        while hi + 1 in idx:
            hi += 1
        for k in run:
            if not lo <= k[axis] <= hi:
                del pos[k]
    links = []
    for i, j in sorted(pos):
        for di, dj in ((1, 0), (0, 1)):
            if (i + di, j + dj) not in pos:
                continue
            a, b = (i, j), (i + di, j + dj)
            main = (j == 0 and dj == 0) or (i == 0 and di == 0)
            core = max(abs(i), abs(j), abs(i + di), abs(j + dj)) <= plan.protect
            if main or core or rng.random() >= 0.12:
                links.append((a, b))
    grid = {k: g.add_vertex(pos[k], "grid", index) for k in sorted(_connected_to_centre(links))}
    for a, b in links:
        if a in grid and b in grid:
            geom = resample(np.vstack([pos[a], pos[b]]), spacing / 2 + 1.0)
            g.add_edge(grid[a], grid[b], "residential", True, geom).town = True
    row = [grid[k] for k in sorted(k for k in grid if k[1] == 0)]
    col = [grid[k] for k in sorted((k for k in grid if k[0] == 0), key=lambda k: k[1])]
    return Town(
        index, center, plan.angle, spacing, area, grid, row, col, grid[(0, 0)], plan.mountain,
        plan.on_main_road,
    )  # fmt: skip
