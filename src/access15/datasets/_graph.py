"""The planar road graph of the sample county: vertices, edges, towns, main-road chains, ways."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import LineString, Polygon

from access15.datasets._geometry import FloatArray, Key, arclen, resample
from access15.datasets._plan import NODE_SPACING


@dataclass
class Edge:
    """A road between two graph vertices; ``geom`` holds its way-node positions from a to b."""

    a: int
    b: int
    cls: str  # OSM highway class
    forced: bool  # part of a main road, street grid, motorway or track: never moved or dropped
    geom: FloatArray | None = None
    kind: str = ""  # "", "bridge", "underpass", "ramp", "carriageway", "connector"
    wiggle: FloatArray | None = None  # sideways wiggle coefficients (fractions of the length)
    scale: float = 1.0  # wiggle scale, halved while the road crosses something
    spacing: float = 80.0  # way-node spacing, metres
    town: bool = False  # part of a street grid


@dataclass
class Town:
    """A township seat (or the county seat, index 0) with its street grid."""

    index: int
    center: FloatArray
    angle: float  # grid orientation, radians
    spacing: float  # street spacing, metres
    blob: Polygon  # built-up area
    grid: dict[tuple[int, int], int]  # (column, row) -> vertex id
    row: list[int]  # vertices of the centre row (main street), west to east in grid terms
    col: list[int]  # vertices of the centre column
    center_vertex: int
    mountain: float
    on_main_road: bool
    zh: str = ""
    en: str = ""
    kind: str = "镇"  # 镇 (town) or 乡 (township)
    population: float = 0.0  # people
    zone_id: str = ""

    @property
    def full_zh(self) -> str:
        """Chinese name with its suffix, e.g. ``"青石镇"``."""
        return self.zh + self.kind

    @property
    def full_en(self) -> str:
        """English name, e.g. ``"Qingshi Town"``."""
        return self.en + (" Town" if self.kind == "镇" else " Township")


@dataclass
class Chain:
    """A main road: vertex sequences (split where it ends at a town's grid) and ramp points."""

    name: str
    cls: str
    segments: list[list[int]] = field(default_factory=list)
    ramp_points: list[tuple[FloatArray, int, int]] = field(default_factory=list)
    towns: list[int] = field(default_factory=list)


@dataclass
class WaySpec:
    """An OSM way to be: its graph vertices in order and its tags."""

    vertices: list[int]
    tags: dict[str, str]


class Graph:
    """Vertices and undirected edges of the road network (local coordinates, metres)."""

    def __init__(self) -> None:
        self.xy: list[tuple[float, float]] = []
        self.kind: list[str] = []
        self.town: list[int] = []
        self.edges: dict[Key, Edge] = {}

    def add_vertex(self, p: Iterable[float], kind: str, town: int = -1) -> int:
        """Add a vertex at ``p`` (metres) and return its id."""
        x, y = (float(v) for v in p)
        self.xy.append((x, y))
        self.kind.append(kind)
        self.town.append(town)
        return len(self.xy) - 1

    def p(self, v: int) -> FloatArray:
        """Return the position of vertex ``v`` (metres)."""
        return np.asarray(self.xy[v])

    def add_edge(
        self, a: int, b: int, cls: str, forced: bool, geom: FloatArray | None = None, kind: str = ""
    ) -> Edge:
        """Add edge a-b (if new); ``geom`` is used as the way-node positions as given."""
        key = (min(a, b), max(a, b))
        if key in self.edges:
            return self.edges[key]
        if geom is not None:
            geom = np.asarray(geom, dtype=float).copy()
            geom[0], geom[-1] = self.xy[a], self.xy[b]
        e = Edge(a, b, cls, forced, geom, kind, spacing=NODE_SPACING[cls])
        self.edges[key] = e
        return e

    def edge(self, a: int, b: int) -> Edge | None:
        """Return edge a-b, or None."""
        return self.edges.get((min(a, b), max(a, b)))

    def geom(self, a: int, b: int) -> FloatArray:
        """Return the way-node positions of edge a-b, oriented from a to b."""
        e = self.edges[(min(a, b), max(a, b))]
        assert e.geom is not None
        return e.geom if e.a == a else e.geom[::-1]

    def line(self, e: Edge) -> LineString:
        """Return the shaped edge as a line."""
        assert e.geom is not None
        return LineString(e.geom)

    def length(self, e: Edge) -> float:
        """Return the length of edge ``e``, metres (the chord while it is not shaped)."""
        if e.geom is not None:
            return float(arclen(e.geom)[-1])
        return float(np.hypot(*(self.p(e.b) - self.p(e.a))))

    def adjacency(self) -> dict[int, list[int]]:
        """Return the neighbours of each vertex."""
        adj: dict[int, list[int]] = {}
        for a, b in self.edges:
            adj.setdefault(a, []).append(b)
            adj.setdefault(b, []).append(a)
        return adj


def straight(g: Graph, a: int, b: int, cls: str, kind: str = "") -> Edge:
    """Add a straight forced edge a-b with way nodes every ~class spacing."""
    geom = resample(np.vstack([g.xy[a], g.xy[b]]), NODE_SPACING[cls])
    return g.add_edge(a, b, cls, True, geom, kind)
