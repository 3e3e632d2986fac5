"""Deterministic generator of the SYNTHETIC sample county shipped with access15.

The sample county, 安澜县 "Anlan County" (fictional adcode 999001), is a SYNTHETIC place: it
does not exist, and nothing in it describes real people, roads or clinics. It is modelled on
the hill counties of south-central China (centred near 112.6° E, 27.4° N, UTM zone 49N) and is
about 1,950 km² in size: a lowland plain in the west and centre with a dense mesh of village
roads, a hilly and mountainous east / north-east (about 30 % of the area) with sparse, winding
roads and small villages, and a river, the 澜水 (Lan River), that crosses the county from
south to north-west and is bridged at only 4 places (5 bridge ways: the expressway's two
carriageways, the national road in the county seat, the provincial road and one county road).
The road network follows the Chinese hierarchy: the G60 expressway (two one-way carriageways
with two diamond interchanges; village roads pass under it), national road G320 (``trunk``),
provincial road S231 (``primary``), county roads X0xx (``secondary``), township roads Y0xx
(``tertiary``), village roads (``unclassified``), street grids in the county seat and the
township seats (``residential``, a few one-way streets) and dead-end farm and forest
``track`` s. Health facilities are one county hospital (a building polygon), one health
centre per township and clinics in most but not all villages (mountain villages lack one more
often); each carries an ``access15:tier`` tag (4 county hospital, 2 township health centre,
1 village clinic). The population raster mimics a WorldPop 3-arc-second grid: a dense county
seat, township seats, villages, hamlets and a thin rural background.

Run ``python -m access15.datasets.sample [OUT_DIR]`` (with ``src`` on ``PYTHONPATH``) to regenerate
the committed files under the repository's ``data/``. The output is byte-identical for a given
seed and library versions: every OSM object has version 1 and a fixed timestamp, the PBF header
a fixed generator string, the GeoTIFF no time stamp, and the GeoJSON is written with
:mod:`json` at 6 decimals.

Files written, relative to ``out_dir``:

``sample/sample_county.osm.pbf``
    Roads (``highway=*`` ways), health facilities (nodes, and one closed way for the county
    hospital) and the river (a ``waterway=river`` way).
``sample/sample_population.tif``
    People per cell, float32, EPSG:4326, 1/1200° cells, nodata -99999 outside the county.
``boundaries/sample_county.geojson``
    The county boundary (one Feature).
``boundaries/sample_townships.geojson``
    Township polygons (Voronoi cells of the township seats clipped to the county).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import osmium
import rasterio
import shapely
from affine import Affine
from osmium.osm.mutable import Node, Way
from pyproj import Transformer
from rasterio.transform import from_origin
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import Delaunay, cKDTree
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.polygon import orient

__all__ = ["generate_county", "generate_sample"]

FloatArray = npt.NDArray[np.float64]
Key = tuple[int, int]  # an undirected edge: (smaller vertex id, larger vertex id)


def _km(text: str) -> list[tuple[float, float]]:
    """Parse ``"x,y x,y ..."`` (kilometres) into a list of points."""
    return [(float(p.split(",")[0]), float(p.split(",")[1])) for p in text.split()]


def _words(text: str) -> list[str]:
    """Split ``text`` at white space (keeps long name tables compact)."""
    return text.split()


def _pairs(text: str) -> list[tuple[str, str]]:
    """Parse ``"张 Zhang 王 Wang ..."`` into (character, pinyin) pairs."""
    words = text.split()
    return list(zip(words[::2], words[1::2], strict=True))


# ---------------------------------------------------------------------------------------------
# Constants (lengths in metres unless stated otherwise)
# ---------------------------------------------------------------------------------------------

CENTER_LON = 112.6  # degrees
CENTER_LAT = 27.4  # degrees
UTM_CRS = "EPSG:32649"
TIMESTAMP = "2024-01-01T00:00:00Z"
GENERATOR = "access15 synthetic sample county"
CELL_DEG = 1.0 / 1200.0  # 3 arc-seconds, as WorldPop
NODATA = -99999.0
COUNTY_AREA_M2 = 1.95e9
MOUNTAIN_SHARE = 0.30
RIVER_HALF_WIDTH = 55.0
BRIDGE_HALF = 130.0  # bridge ways reach this far either side of the river centre line
UNDERPASS_HALF = 45.0  # underpass ways reach this far either side of the motorway
RAMP_ON_CROSSROAD = 230.0  # ramp junctions on the crossing road, from the motorway
RAMP_ON_MOTORWAY = 520.0  # diverge / merge points, along the motorway from the crossing
CARRIAGEWAY_OFFSET = 16.0  # from the motorway centre line to each carriageway

COUNTY_NAME = ("安澜县", "Anlan County")
COUNTY_ADCODE = "999001"
RIVER_NAME = ("澜水", "Lan River")
HOSPITAL_NAME = ("安澜县人民医院", "Anlan County People's Hospital")

# Layout in kilometres, county frame (x east, y north, origin at the county centre).
SEAT_KM = (-2.6, -0.3)
RIVER_KM = _km("-7,-27 -8,-17 -6.3,-9 -5.7,-3 -5.4,1.5 -7,5.5 -9.8,10.5 -12.2,16 -13.2,22 -14.5,28")
MOTORWAY_KM = _km("-31,-19 -16.5,-5.2 -6,7 1.5,18.5 5,29")
TRUNK_KM = _km(
    "-30,-4.8 -23.5,-4.3 -19,-3.6 -14.7,-1.9 -12.9,-2.9 -8.5,-1 -2.6,-0.3 3,0.6 8,1.8 12.5,3.6 "
    "17,3 21.5,5.2 28,7"
)
PRIMARY_KM = _km(
    "5,-28 3.2,-19 1,-12 -1.2,-6 -2.6,-0.3 -3,4.3 -5.3,8.4 -8.6,10 -11,10.5 -13.5,12.8 -18.5,14.5 "
    "-28,17"
)
XSOUTH_KM = _km("-15,-12.2 -11,-12.6 -6.5,-11.8 -2.5,-12.3 1,-12")  # a county road with a bridge
# township seats on the main roads (the county seat is on both)
TRUNK_TOWNS_KM = _km("-19,-3.6 -2.6,-0.3 8,1.8 17,3")
PRIMARY_TOWNS_KM = _km("3.2,-19 1,-12 -13.5,12.8")
# township seats off the main roads (jittered by the seed)
FREE_TOWNS_KM = _km(
    "-21,6 -10.5,-19.5 10,-18 10.5,-9 4,8 -6.5,17.5 5.5,-5.5 9,17 20,-6 14.5,11 15,-13.5"
)

CLASS_ORDER = [
    "motorway", "motorway_link", "trunk", "primary", "secondary", "tertiary", "unclassified",
    "residential", "track",
]  # fmt: skip
NODE_SPACING = {  # typical distance between consecutive way nodes
    "motorway": 125.0, "motorway_link": 45.0, "trunk": 100.0, "primary": 95.0,
    "secondary": 85.0, "tertiary": 80.0, "unclassified": 75.0, "residential": 80.0,
    "track": 70.0,
}  # fmt: skip
MAIN_ROAD_TAGS = {
    "motorway": {
        "highway": "motorway", "oneway": "yes", "ref": "G60", "name": "沪昆高速",
        "name:en": "Shanghai–Kunming Expressway", "lanes": "2", "maxspeed": "120",
        "toll": "yes", "surface": "asphalt",
    },
    "trunk": {"highway": "trunk", "ref": "G320", "name": "320国道", "maxspeed": "80", "lanes": "2"},
    "primary": {"highway": "primary", "ref": "S231", "name": "231省道", "maxspeed": "60"},
    "xsouth": {"highway": "secondary", "ref": "X001", "maxspeed": "60", "surface": "asphalt"},
}  # fmt: skip
BRIDGE_NAMES = {
    "motorway": "澜水特大桥",
    "trunk": "澜水大桥",
    "primary": "澜水二桥",
    "secondary": "澜水三桥",
}

# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

_SURNAMES = _pairs(
    "张 Zhang 王 Wang 李 Li 刘 Liu 陈 Chen 杨 Yang 黄 Huang 赵 Zhao 周 Zhou 吴 Wu 罗 Luo 谢 Xie "
    "唐 Tang 邓 Deng 曾 Zeng 彭 Peng 蒋 Jiang 廖 Liao 贺 He 邹 Zou 龚 Gong 易 Yi 肖 Xiao 文 Wen"
)
_FIRST = _pairs(
    "青 Qing 石 Shi 白 Bai 龙 Long 凤 Feng 金 Jin 新 Xin 长 Chang 大 Da 小 Xiao 东 Dong 西 Xi "
    "南 Nan 北 Bei 上 Shang 下 Xia 高 Gao 花 Hua 桃 Tao 枫 Feng 松 Song 竹 Zhu 茶 Cha 梅 Mei "
    "柳 Liu 红 Hong 杉 Shan 荷 He 马 Ma 鹤 He"
)
_SECOND = _pairs(  # all start with a consonant, so the pinyin needs no apostrophe
    "山 shan 田 tian 塘 tang 桥 qiao 坪 ping 冲 chong 湾 wan 溪 xi 岭 ling 坡 po 江 jiang "
    "水 shui 林 lin 源 yuan 口 kou 岗 gang 洲 zhou 铺 pu 坝 ba 湖 hu 垅 long 峰 feng 市 shi 潭 tan"
)
_SEAT_STREETS = _words(
    "建设路 新华路 中山路 和平路 胜利路 文化路 学府路 迎宾大道 工业路 花园路 健康路 五一路 光明路 "
    "朝阳路 东风路 青年路 书院路 桂花路 芙蓉路 兴隆街 府前路 长青路 南门路 北正街 环城路 沿河路 "
    "向阳路 新民路 育才路 金山路 银杏路 紫薇路 丰收路 团结路 建国路 红旗路 民主路 振兴路"
)
_TOWN_STREETS = _words("新街 老街 横街 后街 前街 东街 西街 南街 北街 河街 中街 上街 下街")


class _Names:
    """Deterministic, unique Chinese place names with pinyin transliterations.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._used: set[str] = {"城关", "安澜"}

    def _base(self, surname_share: float) -> tuple[str, str]:
        for _ in range(10_000):
            if self._rng.random() < surname_share:
                zh, py = _SURNAMES[int(self._rng.integers(len(_SURNAMES)))]
                zh, en = zh + "家", py + "jia"
            else:
                a = _FIRST[int(self._rng.integers(len(_FIRST)))]
                b = _SECOND[int(self._rng.integers(len(_SECOND)))]
                zh, en = a[0] + b[0], a[1] + b[1]
            if zh not in self._used:
                self._used.add(zh)
                return zh, en
        raise RuntimeError("ran out of place names")

    def village(self) -> tuple[str, str]:
        """Return a new village name, e.g. (``"张家村"``, ``"Zhangjia Village"``)."""
        zh, en = self._base(0.4)
        return zh + "村", en + " Village"

    def township(self) -> tuple[str, str]:
        """Return a new township base name, e.g. (``"青石"``, ``"Qingshi"``)."""
        return self._base(0.0)


# ---------------------------------------------------------------------------------------------
# Small geometry helpers (metres)
# ---------------------------------------------------------------------------------------------


def _arclen(p: FloatArray) -> FloatArray:
    """Return the cumulative length along polyline ``p``, metres (first value 0)."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])


def _at(
    p: FloatArray, s: FloatArray | float | list[float], cum: FloatArray | None = None
) -> FloatArray:
    """Return the points at arc lengths ``s`` (metres) along polyline ``p``."""
    c = _arclen(p) if cum is None else cum
    s_arr = np.atleast_1d(np.asarray(s, dtype=float))
    return np.column_stack([np.interp(s_arr, c, p[:, 0]), np.interp(s_arr, c, p[:, 1])])


def _sub(p: FloatArray, s0: float, s1: float, cum: FloatArray) -> FloatArray:
    """Return the part of polyline ``p`` between arc lengths ``s0 < s1`` (metres)."""
    inner = (cum > s0) & (cum < s1)
    return np.vstack([_at(p, s0, cum), p[inner], _at(p, s1, cum)])


def _tangent(p: FloatArray, s: float, cum: FloatArray | None = None, h: float = 60.0) -> FloatArray:
    """Return the unit tangent of ``p`` at arc length ``s`` (difference over ``h`` metres)."""
    c = _arclen(p) if cum is None else cum
    a, b = _at(p, [max(s - h, 0.0), min(s + h, float(c[-1]))], c)
    return (b - a) / np.hypot(*(b - a))


def _normals(p: FloatArray) -> FloatArray:
    """Return the unit left normals of a smooth polyline at its vertices."""
    d = np.gradient(p, axis=0)
    d /= np.hypot(d[:, 0], d[:, 1])[:, None]
    return np.column_stack([-d[:, 1], d[:, 0]])


def _resample(p: FloatArray, spacing: float) -> FloatArray:
    """Resample polyline ``p`` every ~``spacing`` metres, keeping both end points exactly."""
    c = _arclen(p)
    out = _at(p, np.linspace(0.0, c[-1], max(1, round(c[-1] / spacing)) + 1), c)
    out[0], out[-1] = p[0], p[-1]
    return out


def _catmull_rom(ctrl: FloatArray, step: float) -> FloatArray:
    """Return an interpolating Catmull-Rom spline through ``ctrl``, sampled every ~``step`` m."""
    q = np.vstack([2 * ctrl[0] - ctrl[1], ctrl, 2 * ctrl[-1] - ctrl[-2]])
    parts = []
    for i in range(1, len(q) - 2):
        p0, p1, p2, p3 = q[i - 1], q[i], q[i + 1], q[i + 2]
        n = max(2, math.ceil(float(np.hypot(*(p2 - p1))) / step))
        t = np.linspace(0.0, 1.0, n, endpoint=False)[:, None]
        parts.append(
            0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                   + (3 * p1 - p0 - 3 * p2 + p3) * t**3)
        )  # fmt: skip
    parts.append(ctrl[-1][None, :])
    return np.vstack(parts)


def _bezier(p0: FloatArray, k: FloatArray, p1: FloatArray, n: int = 60) -> FloatArray:
    """Return a quadratic Bézier curve from ``p0`` to ``p1`` with control point ``k``."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * k + t**2 * p1


def _heading(d: FloatArray) -> float:
    """Return the direction of vector ``d``, radians counter-clockwise from east."""
    return math.atan2(float(d[1]), float(d[0]))


def _largest_gap(angles: list[float]) -> float:
    """Return the direction (radians) in the middle of the largest gap between ``angles``."""
    if not angles:
        return 0.0
    a = sorted(x % (2 * math.pi) for x in angles)
    gaps = [(a[(i + 1) % len(a)] - a[i]) % (2 * math.pi) or 2 * math.pi for i in range(len(a))]
    i = int(np.argmax(gaps))
    return a[i] + gaps[i] / 2


def _crossings(line: LineString, other: Any) -> list[float]:
    """Return the arc lengths (metres) along ``line`` where it crosses ``other``."""
    inter = line.intersection(other)
    points = [inter] if isinstance(inter, Point) else list(getattr(inter, "geoms", []))
    return sorted(float(line.project(p)) for p in points if isinstance(p, Point))


def _span(
    curve: FloatArray, cum: FloatArray, s: float, half: float, area: Any
) -> tuple[float, float]:
    """Return arc lengths around a crossing at ``s``: ``half`` metres or more, clear of ``area``."""
    lo, hi = s - half, s + half
    while lo > 0 and area.contains(Point(_at(curve, lo, cum)[0])):
        lo -= 20.0
    while hi < cum[-1] and area.contains(Point(_at(curve, hi, cum)[0])):
        hi += 20.0
    return lo, hi


class _Noise:
    """Smooth 2-D random field: a sum of random plane waves with roughly unit variance.

    Parameters
    ----------
    rng : numpy.random.Generator
    wavelength : tuple of float
        Range of the wavelengths, metres.
    n : int
        Number of plane waves.
    """

    def __init__(self, rng: np.random.Generator, wavelength: tuple[float, float], n: int = 12):
        lam = rng.uniform(*wavelength, n)
        ang = rng.uniform(0.0, 2 * math.pi, n)
        self._kx = 2 * math.pi / lam * np.cos(ang)
        self._ky = 2 * math.pi / lam * np.sin(ang)
        self._ph = rng.uniform(0.0, 2 * math.pi, n)
        self._norm = math.sqrt(2.0 / n)

    def __call__(self, x: FloatArray | float, y: FloatArray | float) -> FloatArray:
        xa = np.asarray(x, dtype=float)[..., None]
        ya = np.asarray(y, dtype=float)[..., None]
        return np.sin(xa * self._kx + ya * self._ky + self._ph).sum(axis=-1) * self._norm


# ---------------------------------------------------------------------------------------------
# Landscape: county outline, mountains, river
# ---------------------------------------------------------------------------------------------


@dataclass
class _Land:
    county: Polygon
    mountain_noise: _Noise
    valley_noise: _Noise
    q0: float  # threshold of the east-north-east coordinate where the mountains begin, metres
    river: FloatArray  # centre line, metres
    river_poly: Polygon  # the water surface

    def mountain(self, x: FloatArray | float, y: FloatArray | float) -> FloatArray:
        """Return the mountain share in [0, 1] (0 lowland plain, 1 mountains) at (x, y)."""
        q = np.asarray(x) * math.cos(math.radians(25)) + np.asarray(y) * math.sin(math.radians(25))
        t = np.clip(0.5 + (q + 1800.0 * self.mountain_noise(x, y) - self.q0) / 2500.0, 0.0, 1.0)
        return t * t * (3 - 2 * t)


def _county_polygon(rng: np.random.Generator) -> Polygon:
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


def _meander(
    curve: FloatArray, rng: np.random.Generator, amp: FloatArray, wavelength: tuple[float, float]
) -> FloatArray:
    """Offset a smooth polyline sideways by a random sum of sines (``amp`` metres per vertex)."""
    s = _arclen(curve)
    off = np.zeros(len(curve))
    n = 8
    for _ in range(n):
        lam = rng.uniform(*wavelength)
        off += rng.normal() * np.sin(2 * math.pi * s / lam + rng.uniform(0, 2 * math.pi))
    ramp = np.clip(np.minimum(s, s[-1] - s) / 800.0, 0.0, 1.0)
    return curve + _normals(curve) * (off * math.sqrt(2.0 / n) * amp * ramp)[:, None]


def _make_land(rng: np.random.Generator) -> _Land:
    county = _county_polygon(rng)
    mnoise = _Noise(rng, (9_000.0, 22_000.0), 10)
    vnoise = _Noise(rng, (2_500.0, 6_000.0), 14)
    # the threshold that makes MOUNTAIN_SHARE of the county mountainous
    gx, gy = np.meshgrid(np.arange(-30_000, 30_001, 400.0), np.arange(-30_000, 30_001, 400.0))
    inside = shapely.contains_xy(county, gx, gy)
    x, y = gx[inside], gy[inside]
    q = x * math.cos(math.radians(25)) + y * math.sin(math.radians(25)) + 1800.0 * mnoise(x, y)
    q0 = float(np.quantile(q, 1 - MOUNTAIN_SHARE))
    river = _catmull_rom(np.asarray(RIVER_KM) * 1000.0, 40.0)
    river = _resample(_meander(river, rng, np.full(len(river), 320.0), (2_200.0, 5_500.0)), 60.0)
    river_poly = LineString(river).buffer(RIVER_HALF_WIDTH, quad_segs=4)
    return _Land(county, mnoise, vnoise, q0, river, river_poly)


# ---------------------------------------------------------------------------------------------
# The planar road graph
# ---------------------------------------------------------------------------------------------


@dataclass
class _Edge:
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
class _Town:
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
        return self.zh + self.kind

    @property
    def full_en(self) -> str:
        return self.en + (" Town" if self.kind == "镇" else " Township")


@dataclass
class _Chain:
    """A main road: vertex sequences (split where it ends at a town's grid) and ramp points."""

    name: str
    cls: str
    segments: list[list[int]] = field(default_factory=list)
    ramp_points: list[tuple[FloatArray, int, int]] = field(default_factory=list)
    towns: list[int] = field(default_factory=list)


@dataclass
class _WaySpec:
    vertices: list[int]
    tags: dict[str, str]


class _Graph:
    """Vertices and undirected edges of the road network (local coordinates, metres)."""

    def __init__(self) -> None:
        self.xy: list[tuple[float, float]] = []
        self.kind: list[str] = []
        self.town: list[int] = []
        self.edges: dict[Key, _Edge] = {}

    def add_vertex(self, p: Iterable[float], kind: str, town: int = -1) -> int:
        x, y = (float(v) for v in p)
        self.xy.append((x, y))
        self.kind.append(kind)
        self.town.append(town)
        return len(self.xy) - 1

    def p(self, v: int) -> FloatArray:
        return np.asarray(self.xy[v])

    def add_edge(
        self, a: int, b: int, cls: str, forced: bool, geom: FloatArray | None = None, kind: str = ""
    ) -> _Edge:
        """Add edge a-b (if new); ``geom`` is used as the way-node positions as given."""
        key = (min(a, b), max(a, b))
        if key in self.edges:
            return self.edges[key]
        if geom is not None:
            geom = np.asarray(geom, dtype=float).copy()
            geom[0], geom[-1] = self.xy[a], self.xy[b]
        e = _Edge(a, b, cls, forced, geom, kind, spacing=NODE_SPACING[cls])
        self.edges[key] = e
        return e

    def edge(self, a: int, b: int) -> _Edge | None:
        return self.edges.get((min(a, b), max(a, b)))

    def geom(self, a: int, b: int) -> FloatArray:
        """Return the way-node positions of edge a-b, oriented from a to b."""
        e = self.edges[(min(a, b), max(a, b))]
        assert e.geom is not None
        return e.geom if e.a == a else e.geom[::-1]

    def line(self, e: _Edge) -> LineString:
        assert e.geom is not None
        return LineString(e.geom)

    def length(self, e: _Edge) -> float:
        if e.geom is not None:
            return float(_arclen(e.geom)[-1])
        return float(np.hypot(*(self.p(e.b) - self.p(e.a))))

    def adjacency(self) -> dict[int, list[int]]:
        adj: dict[int, list[int]] = {}
        for a, b in self.edges:
            adj.setdefault(a, []).append(b)
            adj.setdefault(b, []).append(a)
        return adj


def _straight(g: _Graph, a: int, b: int, cls: str, kind: str = "") -> _Edge:
    """Add a straight forced edge a-b with way nodes every ~class spacing."""
    geom = _resample(np.vstack([g.xy[a], g.xy[b]]), NODE_SPACING[cls])
    return g.add_edge(a, b, cls, True, geom, kind)


# ---------------------------------------------------------------------------------------------
# Towns (street grids)
# ---------------------------------------------------------------------------------------------


def _blob(
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
    blob: Any = Polygon(pts).difference(avoid)
    if isinstance(blob, MultiPolygon):
        blob = next(q for q in blob.geoms if q.contains(Point(center)))
    return blob


def _build_town(
    g: _Graph,
    rng: np.random.Generator,
    index: int,
    center: FloatArray,
    angle: float,
    spacing: float,
    radii: tuple[float, float],
    avoid: Any,
    mountain: float,
    on_main_road: bool,
    protect: int = 0,
) -> _Town:
    """Add an irregular street grid around ``center`` (rotated by ``angle`` radians).

    Streets are ``spacing`` metres apart; a few side streets outside the ``protect`` core
    (in grid steps) are left out, and the centre row and column stay whole.
    """
    u = np.array([math.cos(angle), math.sin(angle)])
    v = np.array([-u[1], u[0]])
    blob = _blob(rng, center, u, radii, avoid)
    ni = math.ceil(radii[0] * 1.3 / spacing)
    nj = math.ceil(radii[1] * 1.3 / spacing)
    col_off = {i: 0.0 if i == 0 else rng.uniform(-0.12, 0.12) * spacing for i in range(-ni, ni + 1)}
    row_off = {j: 0.0 if j == 0 else rng.uniform(-0.12, 0.12) * spacing for j in range(-nj, nj + 1)}
    pos: dict[tuple[int, int], FloatArray] = {}
    for j in range(-nj, nj + 1):
        for i in range(-ni, ni + 1):
            q = center + (i * spacing + col_off[i]) * u + (j * spacing + row_off[j]) * v
            q = q + rng.normal(0.0, 3.0, 2)
            if blob.contains(Point(q)):
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
            core = max(abs(i), abs(j), abs(i + di), abs(j + dj)) <= protect
            if main or core or rng.random() >= 0.12:
                links.append((a, b))
    # the connected piece holding the centre
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
    grid = {k: g.add_vertex(pos[k], "grid", index) for k in sorted(seen)}
    for a, b in links:
        if a in grid and b in grid:
            geom = _resample(np.vstack([pos[a], pos[b]]), spacing / 2 + 1.0)
            g.add_edge(grid[a], grid[b], "residential", True, geom).town = True
    row = [grid[k] for k in sorted(k for k in grid if k[1] == 0)]
    col = [grid[k] for k in sorted((k for k in grid if k[0] == 0), key=lambda k: k[1])]
    return _Town(
        index, center, angle, spacing, blob, grid, row, col, grid[(0, 0)], mountain, on_main_road
    )


# ---------------------------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------------------------


class _Builder:
    """Builds the whole synthetic county in local metres; see :func:`generate_sample`."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.land = _make_land(self.rng)
        self.names = _Names(self.rng)
        self.g = _Graph()
        self.towns: list[_Town] = []
        self.chains: dict[str, _Chain] = {}
        self.motorway: FloatArray = np.zeros((0, 2))  # centre line
        self.carriageways: list[list[int]] = []  # vertex sequences, in driving direction
        self.mw_busy: list[float] = []  # motorway arc lengths of interchanges and bridges
        self.ramp_ways: list[_WaySpec] = []
        self.x_routes: list[tuple[int, int, list[int]]] = []  # (town, town, vertex path)
        self.y_routes: list[list[int]] = []
        self.villages: list[int] = []
        self.hamlets: list[int] = []
        self.village_names: dict[int, tuple[str, str]] = {}
        self.pop_of: dict[int, float] = {}  # people per village / hamlet vertex
        self.ways: list[_WaySpec] = []
        self.claimed: set[Key] = set()
        self.facilities: list[dict[str, Any]] = []
        self.hospital: list[FloatArray] = []

    def m(self, p: FloatArray) -> float:
        """Return the mountain share at point ``p``."""
        return float(self.land.mountain(p[0], p[1]))

    def m_edge(self, a: int, b: int) -> float:
        """Return the mountain share at the middle of edge a-b."""
        return self.m((self.g.p(a) + self.g.p(b)) / 2)

    # -- main roads ------------------------------------------------------------------------------

    def _curve(
        self, ctrl_km: list[tuple[float, float]], meander: float, protect: list[FloatArray]
    ) -> FloatArray:
        """Return a smooth main-road centre line through ``ctrl_km``, winding in the mountains.

        The line runs straight within ~1 km of the ``protect`` points (towns).
        """
        c = _catmull_rom(np.asarray(ctrl_km) * 1000.0, 30.0)
        amp = meander * self.land.mountain(c[:, 0], c[:, 1]) + 40.0
        for q in protect:
            amp *= np.clip((np.hypot(*(c - q).T) - 900.0) / 900.0, 0.0, 1.0)
        return _resample(_meander(c, self.rng, amp, (1_400.0, 3_500.0)), 25.0)

    def _clip(self, curve: FloatArray, margin: float) -> FloatArray:
        """Return the part of ``curve`` inside the county grown by ``margin`` metres."""
        inside = shapely.contains_xy(self.land.county.buffer(margin), curve[:, 0], curve[:, 1])
        idx = np.flatnonzero(inside)
        return curve[idx[0] : idx[-1] + 1]

    def _town_on(
        self,
        curve: FloatArray,
        p_km: tuple[float, float],
        spacing: float,
        radii: tuple[float, float],
        avoid: Any,
        protect: int = 0,
    ) -> _Town:
        """Add a town centred on ``curve`` near ``p_km``, its grid aligned with the road."""
        cum = _arclen(curve)
        s = float(cum[np.argmin(np.hypot(*(curve - np.asarray(p_km) * 1000.0).T))])
        centre = _at(curve, s, cum)[0]
        angle = _heading(_tangent(curve, s, cum))
        town = _build_town(
            self.g, self.rng, len(self.towns), centre, angle, spacing, radii, avoid,
            self.m(centre), True, protect,
        )  # fmt: skip
        self.towns.append(town)
        return town

    def build_main_roads(self) -> None:
        """Add the motorway, the national and provincial roads, one county road and the towns."""
        rng = self.rng
        town_pts = [np.asarray(p) * 1000.0 for p in TRUNK_TOWNS_KM + PRIMARY_TOWNS_KM]
        trunk = self._clip(self._curve(TRUNK_KM, 520.0, town_pts), 300.0)
        primary = self._clip(self._curve(PRIMARY_KM, 600.0, town_pts), 300.0)
        xsouth = self._curve(XSOUTH_KM, 300.0, [np.asarray(XSOUTH_KM[0]) * 1000.0])
        mw = _catmull_rom(np.asarray(MOTORWAY_KM) * 1000.0, 40.0)
        for _ in range(3):  # gentle smoothing: expressways have large radii
            mw = np.vstack([mw[0], (mw[:-2] + 2 * mw[1:-1] + mw[2:]) / 4, mw[-1]])
        self.motorway = _resample(self._clip(mw, 700.0), 25.0)
        mw_line = LineString(self.motorway)
        avoid = self.land.river_poly.buffer(450.0).union(mw_line.buffer(420.0))

        def township_radii() -> tuple[float, float]:
            return rng.uniform(520, 700), rng.uniform(420, 560)

        # the county seat first (town 0), aligned with the national road
        seat = self._town_on(trunk, SEAT_KM, 215.0, (2100.0, 1650.0), avoid, protect=4)
        trunk_towns: list[tuple[int, str]] = []
        for p in TRUNK_TOWNS_KM:
            t = seat if p == SEAT_KM else self._town_on(trunk, p, 170.0, township_radii(), avoid)
            trunk_towns.append((t.index, "row"))
        primary_towns: list[tuple[int, str]] = []
        for p in PRIMARY_TOWNS_KM:
            t = self._town_on(primary, p, 170.0, township_radii(), avoid)
            primary_towns.append((t.index, "row"))
        primary_towns.insert(2, (seat.index, "col"))
        c0 = xsouth[0]
        west = _build_town(
            self.g, rng, len(self.towns), c0, _heading(xsouth[20] - c0), 165.0, (560.0, 460.0),
            avoid, self.m(c0), True,
        )  # fmt: skip
        self.towns.append(west)
        east = primary_towns[1][0]  # the town where the county road meets the provincial road
        inner = self.land.county.buffer(-2500.0)
        roads = shapely.union_all([LineString(c) for c in (trunk, primary, xsouth)])
        for p_km in FREE_TOWNS_KM:
            keep_off = shapely.union_all(
                [avoid.buffer(700.0), roads.buffer(1200.0)]
                + [t.blob.buffer(3000.0) for t in self.towns]
            )
            centre = np.asarray(p_km) * 1000.0 + rng.uniform(-700, 700, 2)
            while not inner.contains(Point(centre)):  # pull a town in from a bay
                centre *= 0.95
            base = centre
            for k in range(1, 200):  # step away from the river and the motorway
                if not keep_off.contains(Point(centre)) and inner.contains(Point(centre)):
                    break
                centre = base + rng.uniform(-1.0, 1.0, 2) * 100.0 * k
            mm = self.m(centre)
            radii = (
                (rng.uniform(380, 520), rng.uniform(320, 440)) if mm > 0.5
                else (rng.uniform(450, 620), rng.uniform(380, 520))
            )  # fmt: skip
            self.towns.append(
                _build_town(
                    self.g,
                    rng,
                    len(self.towns),
                    centre,
                    rng.uniform(0, math.pi),
                    160.0,
                    radii,
                    avoid,
                    mm,
                    False,
                )
            )
        river = LineString(self.land.river)
        barriers = [  # (line, area to span, kind, minimum half length)
            (river, self.land.river_poly.buffer(25.0), "bridge", BRIDGE_HALF),
            (mw_line, mw_line.buffer(CARRIAGEWAY_OFFSET + 20.0), "underpass", UNDERPASS_HALF),
        ]
        self.chains["trunk"] = self._add_chain("trunk", "trunk", trunk, trunk_towns, barriers, True)
        self.chains["primary"] = self._add_chain(
            "primary", "primary", primary, primary_towns, barriers, True
        )
        self.chains["xsouth"] = self._add_chain(
            "xsouth", "secondary", xsouth, [(west.index, "touch"), (east, "touch")], barriers, False
        )
        self._add_motorway()

    def _add_chain(
        self,
        name: str,
        cls: str,
        curve: FloatArray,
        towns: list[tuple[int, str]],
        barriers: list[tuple[LineString, Any, str, float]],
        interchange: bool,
    ) -> _Chain:
        """Turn a main-road centre line into graph vertices and edges.

        The line is cut where it runs through towns: the town's centre row or column carries
        the road there (``"row"``/``"col"``), or the road stops at the edge of the grid
        (``"touch"``). Where the line crosses a barrier (river, motorway) it gets a short
        straight bridge or underpass edge, and with ``interchange`` also vertices for ramps.
        """
        g = self.g
        chain = _Chain(name, cls, towns=[t for t, _m in towns])
        cum = _arclen(curve)
        total = float(cum[-1])
        intervals: list[tuple[float, float, int, str]] = []
        for t, mode in towns:
            idx = np.flatnonzero(
                shapely.contains_xy(self.towns[t].blob.buffer(150.0), curve[:, 0], curve[:, 1])
            )
            if len(idx) == 0:
                raise RuntimeError(f"{name} misses town {t}")
            intervals.append((float(cum[idx[0]]), float(cum[idx[-1]]), t, mode))
        intervals.sort()
        special: list[tuple[float, float, str]] = []  # (start, end, kind) of bridges etc.
        ramp_s: list[float] = []
        line = LineString(curve)
        for other, area, kind, half in barriers:
            for s in _crossings(line, other):
                special.append((*_span(curve, cum, s, half, area), kind))
                if kind == "underpass" and interchange:
                    ramp_s.append(s)
        mandatory = sorted(
            [x for lo, hi, _k in special for x in (lo, hi)]
            + [s + d for s in ramp_s for d in (-RAMP_ON_CROSSROAD, RAMP_ON_CROSSROAD)]
        )
        if any(lo - 100.0 < x < hi + 100.0 for lo, hi, _t, _m in intervals for x in mandatory):
            raise RuntimeError(f"{name}: a river or motorway crossing falls inside a town")

        def kind_of(sa: float, sb: float) -> str | None:
            return next((k for lo, hi, k in special if abs(sa - lo) + abs(sb - hi) < 1e-6), None)

        pieces: list[tuple[float, float]] = []  # parts of the line outside the towns
        start = 0.0
        for lo, hi, _t, _m in intervals:
            if lo > start + 1.0:
                pieces.append((start, lo))
            start = hi
        if start < total - 1.0:
            pieces.append((start, total))
        vertex_at: dict[float, int] = {}
        piece_vertices: list[list[int]] = []
        for p0, p1 in pieces:
            marks = [p0, *(x for x in mandatory if p0 < x < p1), p1]
            positions: list[float] = []
            for a, b in itertools.pairwise(marks):
                step = 600.0 + 300.0 * (1.0 - self.m(_at(curve, (a + b) / 2, cum)[0]))
                n = 1 if kind_of(a, b) else max(1, round((b - a) / step))
                positions.extend(np.linspace(a, b, n + 1)[:-1].tolist())
            positions.append(p1)
            verts = []
            for s in positions:
                is_mark = any(abs(s - x) < 1e-6 for x in mandatory)
                verts.append(g.add_vertex(_at(curve, s, cum)[0], "chain_x" if is_mark else "chain"))
                vertex_at[s] = verts[-1]
            for (va, sa), (vb, sb) in itertools.pairwise(zip(verts, positions, strict=True)):
                kind = kind_of(sa, sb) or ""
                geom = _sub(curve, sa, sb, cum)
                if kind:
                    geom = geom[[0, -1]]
                spacing = NODE_SPACING[cls] * self.rng.uniform(0.85, 1.2)
                g.add_edge(va, vb, cls, True, _resample(geom, spacing), kind)
            piece_vertices.append(verts)
        for s in ramp_s:
            a = vertex_at[min(vertex_at, key=lambda x: abs(x - (s - RAMP_ON_CROSSROAD)))]
            b = vertex_at[min(vertex_at, key=lambda x: abs(x - (s + RAMP_ON_CROSSROAD)))]
            chain.ramp_points.append((_at(curve, s, cum)[0], a, b))
        chain.segments = self._stitch(cls, pieces, piece_vertices, intervals)
        return chain

    def _stitch(
        self,
        cls: str,
        pieces: list[tuple[float, float]],
        piece_vertices: list[list[int]],
        intervals: list[tuple[float, float, int, str]],
    ) -> list[list[int]]:
        """Join the pieces of a main road through (or up to) the town grids."""
        g = self.g
        segments: list[list[int]] = []
        current: list[int] = []
        pending: _Town | None = None  # the road continues from this town's grid edge
        events: list[tuple[float, int, Any]] = [
            (p[0], 1, pv) for p, pv in zip(pieces, piece_vertices, strict=True)
        ]
        events += [(lo, 0, (t, mode)) for lo, _hi, t, mode in intervals]
        for _s, is_piece, payload in sorted(events, key=lambda ev: (ev[0], ev[1])):
            if is_piece:
                verts = payload
                if pending is not None:
                    near = self._nearest_grid(pending, g.p(verts[0]))
                    _straight(g, near, verts[0], cls, "connector")
                    current, pending = [near, *verts], None
                elif current:
                    _straight(g, current[-1], verts[0], cls, "connector")
                    current.extend(verts)
                else:
                    current = list(verts)
                continue
            t, mode = payload
            town = self.towns[t]
            if mode == "touch":
                if current:
                    near = self._nearest_grid(town, g.p(current[-1]))
                    _straight(g, current[-1], near, cls, "connector")
                    segments.append([*current, near])
                current, pending = [], town
                continue
            run = town.row if mode == "row" else town.col
            if current and np.hypot(*(g.p(run[-1]) - g.p(current[-1]))) < np.hypot(
                *(g.p(run[0]) - g.p(current[-1]))
            ):
                run = run[::-1]
            if current:
                _straight(g, current[-1], run[0], cls, "connector")
            current.extend(run)
            for a, b in itertools.pairwise(run):
                e = g.edge(a, b)
                assert e is not None
                e.cls = cls
        if current:
            segments.append(current)
        return segments

    def _nearest_grid(self, town: _Town, q: FloatArray) -> int:
        ids = sorted(town.grid.values())
        return ids[int(np.argmin([np.hypot(*(self.g.p(v) - q)) for v in ids]))]

    def _add_motorway(self) -> None:
        """Add two one-way carriageways with bridges and diamond interchanges."""
        g = self.g
        c = self.motorway
        cum = _arclen(c)
        nrm = _normals(c)
        right = c - nrm * CARRIAGEWAY_OFFSET  # northbound (right-hand traffic)
        left = c + nrm * CARRIAGEWAY_OFFSET
        line = LineString(c)
        water = self.land.river_poly.buffer(CARRIAGEWAY_OFFSET + 25.0)
        bridges = [
            _span(c, cum, s, BRIDGE_HALF, water)
            for s in _crossings(line, LineString(self.land.river))
        ]
        ics = [
            (float(line.project(Point(cpt))), va, vb)
            for name in ("trunk", "primary")
            for cpt, va, vb in self.chains[name].ramp_points
        ]
        marks = {0.0, float(cum[-1])}
        marks.update(x for lo, hi in bridges for x in (lo, hi))
        marks.update(s + d for s, _a, _b in ics for d in (-RAMP_ON_MOTORWAY, RAMP_ON_MOTORWAY))
        ordered = sorted(marks)
        pos: list[float] = []
        for a, b in itertools.pairwise(ordered):
            pos.extend(np.linspace(a, b, max(1, round((b - a) / 2000.0)) + 1)[:-1].tolist())
        pos.append(ordered[-1])
        self.mw_busy = [s for s, _a, _b in ics] + [(lo + hi) / 2 for lo, hi in bridges]

        def point(off: FloatArray, s: float) -> FloatArray:
            return np.array([np.interp(s, cum, off[:, 0]), np.interp(s, cum, off[:, 1])])

        def carriageway(off: FloatArray) -> dict[float, int]:
            ids = {s: g.add_vertex(point(off, s), "motorway") for s in pos}
            for sa, sb in itertools.pairwise(pos):
                inner = off[(cum > sa) & (cum < sb)]
                geom = np.vstack([g.xy[ids[sa]], *inner, g.xy[ids[sb]]])
                is_bridge = any(abs(sa - lo) + abs(sb - hi) < 1e-6 for lo, hi in bridges)
                g.add_edge(
                    ids[sa], ids[sb], "motorway", True,
                    _resample(geom[[0, -1]] if is_bridge else geom, NODE_SPACING["motorway"]),
                    "bridge" if is_bridge else "carriageway",
                )  # fmt: skip
            return ids

        nb, sb = carriageway(right), carriageway(left)
        self.carriageways = [[nb[s] for s in pos], [sb[s] for s in pos[::-1]]]

        def near(ids: dict[float, int], s: float) -> int:
            return ids[min(ids, key=lambda x: abs(x - s))]

        for s, va, vb in ics:
            t = _tangent(c, s, cum)
            nr = np.array([t[1], -t[0]])  # right-hand side of the northbound direction
            on_right = float(np.dot(g.p(va) - point(c, s), nr)) > 0
            p_r, p_l = (va, vb) if on_right else (vb, va)
            ramps = (  # (from, control point, to) for a diamond interchange
                (near(nb, s - RAMP_ON_MOTORWAY), point(right, s - 260.0) + nr * 45.0, p_r),
                (p_r, point(right, s + 260.0) + nr * 45.0, near(nb, s + RAMP_ON_MOTORWAY)),
                (near(sb, s + RAMP_ON_MOTORWAY), point(left, s + 260.0) - nr * 45.0, p_l),
                (p_l, point(left, s - 260.0) - nr * 45.0, near(sb, s - RAMP_ON_MOTORWAY)),
            )
            for a, k, b in ramps:
                geom = _resample(_bezier(g.p(a), k, g.p(b)), NODE_SPACING["motorway_link"])
                g.add_edge(a, b, "motorway_link", True, geom, "ramp")
                tags = {"highway": "motorway_link", "oneway": "yes", "maxspeed": "60", "lanes": "1"}
                self.ramp_ways.append(_WaySpec([a, b], tags))

    # -- settlements -----------------------------------------------------------------------------

    def place_settlements(self) -> None:
        """Place villages and hamlets by dart throwing: dense on the plain, sparse in the hills."""
        rng = self.rng
        land = self.land
        minx, miny, maxx, maxy = land.county.bounds
        n = 45_000
        cand = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
        lines = [LineString(self.motorway)]
        lines += [self.g.line(e) for e in self.g.edges.values() if e.forced and not e.town]
        excl = shapely.union_all(
            [land.river_poly.buffer(260.0), shapely.union_all(lines).buffer(260.0)]
            + [t.blob.buffer(320.0) for t in self.towns]
            + [land.county.exterior.buffer(380.0)]
        )
        shapely.prepare(excl)
        ok = shapely.contains_xy(land.county, cand[:, 0], cand[:, 1])
        ok &= ~shapely.contains_xy(excl, cand[:, 0], cand[:, 1])
        cand = cand[ok]
        mm = land.mountain(cand[:, 0], cand[:, 1])
        # in the mountains, settle mostly along valleys
        valley = np.exp(-((land.valley_noise(cand[:, 0], cand[:, 1]) / 0.45) ** 2))
        ok = (mm < 0.5) | (rng.random(len(cand)) < 0.15 + 0.85 * valley)
        cand, mm = cand[ok], mm[ok]
        radius = 780.0 * (1 - mm) + 1750.0 * mm
        tree = cKDTree(cand)
        alive = np.ones(len(cand), dtype=bool)
        chosen = []
        for i in range(len(cand)):
            if alive[i]:
                chosen.append(i)
                alive[tree.query_ball_point(cand[i], radius[i])] = False
        pts, pm = cand[chosen], mm[chosen]
        # administrative villages: a sparser subset; the others are hamlets
        village_radius = 1850.0 * (1 - pm) + 3100.0 * pm
        vtree = cKDTree(pts)
        is_village = np.zeros(len(pts), dtype=bool)
        blocked = np.zeros(len(pts), dtype=bool)
        for i in rng.permutation(len(pts)):
            if not blocked[i]:
                is_village[i] = True
                blocked[vtree.query_ball_point(pts[i], village_radius[i])] = True
        for p, village in zip(pts, is_village, strict=True):
            v = self.g.add_vertex(p, "village" if village else "hamlet")
            (self.villages if village else self.hamlets).append(v)

    # -- village road mesh ---------------------------------------------------------------------

    def connect(self) -> None:
        """Add village roads: Delaunay candidates minus crossings, a spanning tree plus loops."""
        g = self.g
        ids = np.array(
            [v for v, k in enumerate(g.kind) if k in ("chain", "grid", "village", "hamlet")]
        )
        pts = np.asarray(g.xy)[ids]
        tri = Delaunay(pts)
        simplices = tri.simplices
        pairs = np.sort(
            np.vstack([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]]), axis=1
        )
        pairs = np.unique(pairs, axis=0)
        a_ids, b_ids = ids[pairs[:, 0]], ids[pairs[:, 1]]
        pa, pb = pts[pairs[:, 0]], pts[pairs[:, 1]]
        length = np.hypot(*(pb - pa).T)
        mid = (pa + pb) / 2
        keep = length < 2300.0 + 2600.0 * self.land.mountain(mid[:, 0], mid[:, 1])
        keep &= shapely.contains_xy(self.land.county.buffer(200.0), mid[:, 0], mid[:, 1])
        town = np.asarray(g.town)
        keep &= ~((town[a_ids] >= 0) & (town[a_ids] == town[b_ids]))  # no diagonals in grids
        kinds = np.asarray(g.kind)
        main = (kinds == "chain") | (kinds == "grid")
        keep &= ~(
            main[a_ids] & main[b_ids] & ((kinds[a_ids] == "chain") | (kinds[b_ids] == "chain"))
        )
        keep &= np.array(
            [g.edge(int(a), int(b)) is None for a, b in zip(a_ids, b_ids, strict=True)]
        )
        cand = np.flatnonzero(keep)
        lines = shapely.linestrings(np.stack([pa[cand], pb[cand]], axis=1))
        # obstacles: main roads, grids, ramps, the river; the motorway corridor last
        forced = [e for e in g.edges.values() if e.forced and e.cls != "motorway"]
        obst: list[Any] = [g.line(e) for e in forced] + [self.land.river_poly]
        obst_v = [(e.a, e.b) for e in forced] + [(-1, -1)]
        obst.append(LineString(self.motorway).buffer(40.0))
        li, oi = shapely.STRtree(obst).query(lines, predicate="intersects")
        bad = np.zeros(len(cand), dtype=bool)
        under = np.zeros(len(cand), dtype=bool)
        for i, o in zip(li.tolist(), oi.tolist(), strict=True):
            if bad[i]:
                continue
            if o == len(obst) - 1:
                under[i] = True
                continue
            shared = {int(a_ids[cand[i]]), int(b_ids[cand[i]])} & set(obst_v[o])
            if shared:  # touching a main road at a shared vertex is fine
                inter = lines[i].intersection(obst[o])
                if isinstance(inter, Point) and inter.distance(Point(g.xy[shared.pop()])) < 1e-6:
                    continue
            bad[i] = True
        self._underpasses([(int(a_ids[k]), int(b_ids[k])) for k in cand[under & ~bad]])
        cand_len = {(int(a_ids[k]), int(b_ids[k])): float(length[k]) for k in cand[~bad & ~under]}
        self._angle_filter(cand_len, math.radians(24.0))
        chosen, rest = self._spanning_tree(cand_len)
        # loops: Gabriel edges, kept with a probability that falls in the mountains
        xy = np.asarray(g.xy)
        all_tree = cKDTree(xy[ids])
        for a, b in rest:
            half = float(np.hypot(*(xy[b] - xy[a]))) / 2
            if all_tree.query_ball_point((xy[a] + xy[b]) / 2, half * 0.999):
                continue
            mm = self.m_edge(a, b)
            p = 0.62 * (1 - mm) + 0.05 * mm
            if half * 2 > 1700.0 * (1 - mm) + 3500 * mm:
                p *= 0.3
            if self.rng.random() < p:
                chosen.append((a, b))
        for a, b in chosen:
            self._add_village_road(a, b)

    def _spanning_tree(self, cand: dict[Key, float]) -> tuple[list[Key], list[Key]]:
        """Kruskal: the shortest candidates that join the pieces of the forced network."""
        parent = list(range(len(self.g.xy)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in self.g.edges:
            parent[find(a)] = find(b)
        chosen, rest = [], []
        for (a, b), _ln in sorted(
            cand.items(), key=lambda kv: (kv[1] * (1 + self.m_edge(*kv[0])), kv[0])
        ):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
                chosen.append((a, b))
            else:
                rest.append((a, b))
        return chosen, rest

    def _underpasses(self, pairs: list[Key]) -> None:
        """Let a few village roads pass under the motorway (about every 2.5 km)."""
        g = self.g
        mw = LineString(self.motorway)
        options = []
        for a, b in pairs:
            chord = LineString([g.xy[a], g.xy[b]])
            hit = chord.intersection(mw)
            if not isinstance(hit, Point):
                continue
            s = float(mw.project(hit))
            t = _tangent(self.motorway, s)
            d = g.p(b) - g.p(a)
            sin = abs(float(t[0] * d[1] - t[1] * d[0])) / float(np.hypot(*d))
            if sin < 0.8 or min((abs(s - x) for x in self.mw_busy), default=1e9) < 1500.0:
                continue
            options.append((-sin, s, a, b, float(chord.project(hit))))
        taken: list[float] = []
        for _neg_sin, s, a, b, at in sorted(options):
            if any(abs(s - x) < 2500.0 for x in taken):
                continue
            taken.append(s)
            u = (g.p(b) - g.p(a)) / float(np.hypot(*(g.p(b) - g.p(a))))
            q1 = g.add_vertex(g.p(a) + u * (at - UNDERPASS_HALF), "chain_x")
            q2 = g.add_vertex(g.p(a) + u * (at + UNDERPASS_HALF), "chain_x")
            _straight(g, a, q1, "unclassified")
            _straight(g, q1, q2, "unclassified", "underpass")
            _straight(g, q2, b, "unclassified")

    def _angle_filter(self, cand: dict[Key, float], min_angle: float) -> None:
        """Drop candidates that leave a vertex at less than ``min_angle`` from another road."""
        g = self.g
        inc: dict[int, list[tuple[float, Key, bool, float]]] = {}
        for key, e in g.edges.items():
            for v, o in ((e.a, e.b), (e.b, e.a)):
                geom = g.geom(v, o)
                inc.setdefault(v, []).append((_heading(geom[1] - geom[0]), key, True, 0.0))
        for key, ln in cand.items():
            a, b = key
            inc.setdefault(a, []).append((_heading(g.p(b) - g.p(a)), key, False, ln))
            inc.setdefault(b, []).append((_heading(g.p(a) - g.p(b)), key, False, ln))
        removed: set[Key] = set()
        for v in sorted(inc):
            while True:
                lst = sorted((x for x in inc[v] if x[1] not in removed), key=lambda x: x[0])
                worst = None
                for x, y in zip(lst, lst[1:] + lst[:1], strict=True):
                    if (
                        len(lst) > 1
                        and (y[0] - x[0]) % (2 * math.pi) < min_angle
                        and not (x[2] and y[2])
                    ):
                        worst = max((z for z in (x, y) if not z[2]), key=lambda z: (z[3], z[1]))
                        break
                if worst is None:
                    break
                removed.add(worst[1])
        for key in sorted(removed):
            cand.pop(key, None)

    def _add_village_road(self, a: int, b: int) -> None:
        e = self.g.add_edge(a, b, "unclassified", False)
        mm = self.m_edge(a, b)
        k = 3 + round(6 * mm)  # winding mountain roads have more and bigger bends
        sig = (0.03 + 0.08 * mm) / np.arange(1, k + 1) ** 0.75
        e.wiggle = self.rng.normal(0.0, 1.0, k) * sig
        e.spacing = NODE_SPACING["unclassified"] * self.rng.uniform(0.8, 1.25)

    # -- geometry --------------------------------------------------------------------------------

    def _shape(self, e: _Edge) -> None:
        """Set the way nodes of a village road: the chord plus a smooth sideways wiggle."""
        pa, pb = self.g.p(e.a), self.g.p(e.b)
        d = pb - pa
        ln = float(np.hypot(*d))
        assert e.wiggle is not None
        k = np.arange(1, len(e.wiggle) + 1)
        t = np.linspace(0.0, 1.0, max(12, math.ceil(ln / 15.0)))
        off = (np.sin(np.pi * np.outer(t, k)) * e.wiggle).sum(axis=1) * ln * e.scale
        fine = pa + np.outer(t, d) + np.outer(off, np.array([-d[1], d[0]]) / ln)
        e.geom = _resample(fine, e.spacing)

    def shape_and_fix(self) -> None:
        """Shape the village roads; tame, then drop, those that cross anything."""
        for e in self.g.edges.values():
            if e.geom is None:
                self._shape(e)
        for _round in range(8):
            bad = self._conflicts()
            if not bad:
                return
            for key in sorted(bad):
                e = self.g.edges[key]
                if e.scale < 0.2:
                    del self.g.edges[key]
                else:
                    e.scale *= 0.5
                    self._shape(e)
        if self._conflicts():
            raise RuntimeError("road crossings left after straightening")

    def _conflicts(self) -> set[Key]:
        """Return village roads that cross another road, the river or the motorway corridor."""
        g = self.g
        keys = list(g.edges)
        edges = [g.edges[k] for k in keys]
        lines = [g.line(e) for e in edges]
        ia, ib = shapely.STRtree(lines).query(lines, predicate="intersects")
        bad: set[Key] = set()
        for i, j in zip(ia.tolist(), ib.tolist(), strict=True):
            if i >= j:
                continue
            ei, ej = edges[i], edges[j]
            kinds = {ei.kind, ej.kind}
            if "underpass" in kinds and "motorway" in (ei.cls, ej.cls):
                continue
            shared = {ei.a, ei.b} & {ej.a, ej.b}
            if shared:
                inter = lines[i].intersection(lines[j])
                if isinstance(inter, Point) and inter.distance(Point(g.xy[shared.pop()])) < 1e-6:
                    continue
            if ei.forced and ej.forced:
                raise RuntimeError(f"main roads cross without a junction: {keys[i]} {keys[j]}")
            bad.add(keys[i] if not ei.forced else keys[j])
        corridor = LineString(self.motorway).buffer(30.0)
        for k, e, ln in zip(keys, edges, lines, strict=True):
            if e.kind != "bridge" and ln.intersects(self.land.river_poly):
                if e.forced:
                    raise RuntimeError(f"main road {k} runs into the river")
                bad.add(k)
            if not e.forced and ln.intersects(corridor):
                bad.add(k)
        return bad

    def prune(self) -> None:
        """Keep the network connected to the county seat; forget stray settlements."""
        adj = self.g.adjacency()
        start = self.towns[0].center_vertex
        seen = {start}
        stack = [start]
        while stack:
            for w in adj.get(stack.pop(), []):
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        for key in [k for k in self.g.edges if k[0] not in seen]:
            del self.g.edges[key]
        self.villages = [v for v in self.villages if v in seen]
        self.hamlets = [v for v in self.hamlets if v in seen]

    # -- road classes ----------------------------------------------------------------------------

    def _routes_from(self, sources: list[int]) -> tuple[FloatArray, npt.NDArray[np.int32]]:
        """Return shortest-path distances and predecessors from ``sources`` (no motorway)."""
        g = self.g
        factor = {"trunk": 0.45, "primary": 0.5, "secondary": 0.6, "tertiary": 0.8}
        rows, cols, w = [], [], []
        for e in g.edges.values():
            if e.cls not in ("motorway", "motorway_link"):
                rows.append(e.a)
                cols.append(e.b)
                w.append(
                    g.length(e) * factor.get(e.cls, 1.0) * (1 + 0.8 * self.m_edge(e.a, e.b)) + 1.0
                )
        mat = csr_matrix((w, (rows, cols)), shape=(len(g.xy), len(g.xy)))
        return dijkstra(mat, directed=False, indices=sources, return_predecessors=True)

    @staticmethod
    def _path(pred: npt.NDArray[np.int32], src: int, dst: int) -> list[int]:
        path = [dst]
        while path[-1] != src:
            nxt = int(pred[path[-1]])
            if nxt < 0:
                return []
            path.append(nxt)
        return path[::-1]

    def classify(self) -> None:
        """Upgrade township links to county roads (X), busy village links to township roads (Y)."""
        g = self.g
        seats = [t.center_vertex for t in self.towns]
        sp = np.asarray([g.xy[v] for v in seats])
        pairs = sorted(
            {
                tuple(sorted((int(s[i]), int(s[j]))))
                for s in Delaunay(sp).simplices
                for i, j in ((0, 1), (1, 2), (0, 2))
            }
        )
        _dist, pred = self._routes_from(seats)
        for i, j in pairs:
            if np.hypot(*(sp[i] - sp[j])) >= 14_000.0:
                continue
            path = self._path(pred[i], seats[i], seats[j])
            if path:
                self.x_routes.append((i, j, path))
                for a, b in itertools.pairwise(path):
                    e = g.edge(a, b)
                    if e is not None and e.cls == "unclassified":
                        e.cls = "secondary"
        dist, pred = self._routes_from(seats)
        use: dict[Key, float] = {}
        for v in self.villages + self.hamlets:
            t = int(np.argmin(dist[:, v]))
            path = self._path(pred[t], seats[t], v)
            weight = 1.0 if g.kind[v] == "village" else 0.25
            if g.kind[v] == "village":
                self.y_routes.append(path)
            for a, b in itertools.pairwise(path):
                key = (min(a, b), max(a, b))
                use[key] = use.get(key, 0.0) + weight
        for key, n in use.items():
            if g.edges[key].cls == "unclassified" and n >= 1.75:
                g.edges[key].cls = "tertiary"

    def add_tracks(self) -> None:
        """Add dead-end farm and forest tracks from villages and hamlets."""
        g = self.g
        rng = self.rng
        adj = g.adjacency()
        obstacles = shapely.union_all(
            [g.line(e) for e in g.edges.values()]
            + [self.land.river_poly, LineString(self.motorway).buffer(60.0)]
        )
        shapely.prepare(obstacles)
        inner = self.land.county.buffer(-150.0)
        shapely.prepare(inner)
        placed: list[Any] = []
        for v in sorted(self.villages + self.hamlets):
            mm = self.m(g.p(v))
            if rng.random() > 0.30 + 0.25 * mm:
                continue
            for _k in range(1 + int(rng.random() < 0.25 + 0.3 * mm)):
                angles = [_heading(g.geom(v, w)[1] - g.p(v)) for w in adj.get(v, [])]
                h = _largest_gap(angles) + rng.normal(0, 0.25)
                steps = max(3, int(rng.uniform(350.0, 1100.0) * (1 + 1.2 * mm) / 35.0))
                hs = h + np.cumsum(rng.normal(0.0, 0.06 + 0.22 * mm, steps))
                pts = g.p(v) + np.vstack(
                    [
                        [0.0, 0.0],
                        np.cumsum(35.0 * np.column_stack([np.cos(hs), np.sin(hs)]), axis=0),
                    ]
                )
                line = LineString(pts)
                test = LineString(pts[3:]).buffer(45.0)
                if (
                    not inner.contains(line)
                    or obstacles.intersects(test)
                    or any(test.intersects(q) for q in placed)
                ):
                    continue
                end = g.add_vertex(pts[-1], "track_end")
                spacing = NODE_SPACING["track"] * rng.uniform(0.85, 1.2)
                g.add_edge(v, end, "track", True, _resample(pts, spacing))
                placed.append(line.buffer(40.0))
                adj.setdefault(v, []).append(end)

    # -- names, people and facilities -------------------------------------------------------------

    def name_places(self) -> None:
        """Name the townships and villages; give them people."""
        rng = self.rng
        seat = self.towns[0]
        seat.zh, seat.en = "城关", "Chengguan"
        seat.population = float(rng.uniform(105_000, 125_000))
        others = sorted(self.towns[1:], key=lambda t: (-round(t.center[1], -3), t.center[0]))
        for k, t in enumerate([seat, *others]):
            t.zone_id = f"T{k + 1:02d}"
        for t in others:
            t.kind = "乡" if t.mountain > 0.5 and rng.random() < 0.6 else "镇"
            t.zh, t.en = self.names.township()
            lo, hi = (6_500, 11_500) if t.on_main_road else (4_000, 8_000)
            if t.mountain > 0.5:
                lo, hi = 3_000, 5_000
            t.population = float(rng.uniform(lo, hi))
        for v in self.villages:
            self.village_names[v] = self.names.village()
            if self.m(self.g.p(v)) > 0.5:
                self.pop_of[v] = float(np.clip(rng.lognormal(math.log(380.0), 0.4), 200, 950))
            else:
                self.pop_of[v] = float(np.clip(rng.lognormal(math.log(640.0), 0.45), 250, 1950))
        for v in self.hamlets:
            mountain = self.m(self.g.p(v)) > 0.5
            self.pop_of[v] = float(rng.uniform(15, 80) if mountain else rng.uniform(25, 120))

    def place_facilities(self) -> None:
        """Place the county hospital, township health centres and village clinics."""
        rng = self.rng
        g = self.g
        seat = self.towns[0]
        u = np.array([math.cos(seat.angle), math.sin(seat.angle)])
        v = np.array([-u[1], u[0]])
        c = g.p(seat.center_vertex) + (u + v) * seat.spacing * 0.5  # by the main crossroads
        self.hospital = [
            c + sx * 58.0 * u + sy * 42.0 * v for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
        central = sorted(self.towns[1:], key=lambda t: -t.population)[:2]
        for t in self.towns:
            u = np.array([math.cos(t.angle), math.sin(t.angle)])
            v = np.array([-u[1], u[0]])
            if t.index == 0:  # the seat's own health centre, away from the hospital
                k = (-3, 2) if (-3, 2) in t.grid else sorted(t.grid)[len(t.grid) // 3]
                p = g.p(t.grid[k]) + (u - v) * t.spacing * 0.3
            else:
                p = g.p(t.center_vertex) + (v - u) / math.sqrt(2) * rng.uniform(45, 80)
            big = t in central
            self.facilities.append({
                "xy": p, "tier": 2, "ref": t.zone_id,
                "name": t.full_zh + ("中心卫生院" if big else "卫生院"),
                "name_en": t.en + (" Central" if big else "") + " Township Health Centre",
                "amenity": "hospital" if big else "clinic",
                "healthcare": "hospital" if big else "clinic",
            })  # fmt: skip
        # village clinics: in most plain villages, fewer mountain villages
        has = [rng.random() < (0.84 if self.m(g.p(x)) < 0.5 else 0.33) for x in self.villages]
        for i in range(len(has)):  # keep the count within 160..290
            if sum(has) >= 160:
                break
            has[i] = True
        for i in range(len(has) - 1, -1, -1):
            if sum(has) <= 290:
                break
            has[i] = False
        zone_of = self._zone_of(np.asarray([g.xy[x] for x in self.villages]))
        adj = g.adjacency()
        with_clinic = sorted(
            (z, x) for z, x, h in zip(zone_of, self.villages, has, strict=True) if h
        )
        for k, (_z, x) in enumerate(with_clinic):
            angles = [_heading(g.geom(x, w)[1] - g.p(x)) for w in adj.get(x, [])]
            h = _largest_gap(angles)  # off the road, between the roads
            zh, en = self.village_names[x]
            self.facilities.append({
                "xy": g.p(x) + rng.uniform(25, 75) * np.array([math.cos(h), math.sin(h)]),
                "tier": 1, "ref": f"V{k + 1:03d}", "name": zh + "卫生室", "name_en": en + " Clinic",
                "amenity": "doctors", "healthcare": "doctor",
            })  # fmt: skip

    def township_polygons(self) -> list[Polygon | MultiPolygon]:
        """Return the Voronoi cells of the township seats, clipped to the county."""
        county = self.land.county
        pts = shapely.MultiPoint([t.center for t in self.towns])
        cells = shapely.voronoi_polygons(pts, extend_to=county.buffer(20_000.0))
        return [
            next(c for c in cells.geoms if c.contains(Point(t.center))).intersection(county)
            for t in self.towns
        ]

    def _zone_of(self, pts: FloatArray) -> list[str]:
        polys = self.township_polygons()
        return [
            next(
                (
                    t.zone_id
                    for t, poly in zip(self.towns, polys, strict=True)
                    if poly.contains(Point(p))
                ),
                "",
            )
            for p in pts
        ]

    # -- ways ------------------------------------------------------------------------------------

    def build_ways(self) -> None:
        """Group the edges into tagged OSM ways: main roads first, leftovers last."""
        g = self.g
        for seq in self.carriageways:
            self._emit(seq, MAIN_ROAD_TAGS["motorway"])
        for w in self.ramp_ways:
            self._claim(w)
        for name in ("trunk", "primary", "xsouth"):
            base = dict(MAIN_ROAD_TAGS[name])
            if name == "xsouth":
                a, b = (self.towns[t] for t in self.chains[name].towns)
                base["name"] = a.zh[0] + b.zh[0] + "线"
            for seg in self.chains[name].segments:
                for w in self._split_by_kind(seg, base):
                    first = g.edge(w.vertices[0], w.vertices[1])
                    assert first is not None
                    if first.town and g.town[w.vertices[0]] == 0:  # main streets of the seat
                        w.tags["name"] = "人民路" if name == "trunk" else "解放路"
                        w.tags["maxspeed"] = "signals" if name == "trunk" else "40"
                    elif first.town:
                        w.tags["name"] = "正街"
                        w.tags["maxspeed"] = "40"
                    self._claim(w)
        x_no = 2  # X001 is the county road with the bridge
        for i, j, path in self.x_routes:  # county roads
            name = self.towns[i].zh[0] + self.towns[j].zh[0] + "线"
            tags = {
                "highway": "secondary",
                "ref": f"X{x_no:03d}",
                "name": name,
                "surface": "asphalt",
            }
            runs = self._runs(path, "secondary")
            for run in runs:
                r = self.rng.random()
                speed = {"maxspeed": "60"} if r < 0.35 else {"maxspeed": "40"} if r < 0.55 else {}
                self._emit(run, {**tags, **speed})
            x_no += bool(runs)
        y_no = 1
        for path in self.y_routes:  # township roads
            runs = self._runs(path[::-1], "tertiary")
            for run in runs:
                tags = {"highway": "tertiary", "ref": f"Y{y_no:03d}", "surface": "concrete"}
                if self.rng.random() < 0.2:
                    tags["maxspeed"] = "40"
                self._emit(run, tags)
            y_no += bool(runs)
        self._town_streets()
        self._leftovers()
        secondary = [
            w for w in self.ways if w.tags["highway"] == "secondary" and "maxspeed" not in w.tags
        ]
        for w in secondary[:2]:  # junk values that a maxspeed parser has to survive
            w.tags["maxspeed"] = "CN:rural"
        unclassified = [w for w in self.ways if w.tags["highway"] == "unclassified"]
        for w in unclassified[: len(unclassified) // 12]:
            w.tags["maxspeed"] = "30"

    def _emit(self, verts: list[int], tags: dict[str, str]) -> None:
        """Add a way, split where bridges and underpasses begin and end."""
        for w in self._split_by_kind(verts, tags):
            self._claim(w)

    def _claim(self, w: _WaySpec) -> None:
        for a, b in itertools.pairwise(w.vertices):
            key = (min(a, b), max(a, b))
            if key in self.claimed:
                raise RuntimeError(f"edge {key} in two ways")
            self.claimed.add(key)
        self.ways.append(w)

    def _runs(self, path: list[int], cls: str) -> list[list[int]]:
        """Return the stretches of ``path`` along unclaimed edges of class ``cls``."""
        runs: list[list[int]] = []
        cur: list[int] = []
        used: set[Key] = set()
        for a, b in itertools.pairwise(path):
            key = (min(a, b), max(a, b))
            e = self.g.edges.get(key)
            if e is not None and e.cls == cls and key not in self.claimed and key not in used:
                cur = cur or [a]
                cur.append(b)
                used.add(key)
            elif cur:
                runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        return runs

    def _split_by_kind(self, seq: list[int], base: dict[str, str]) -> list[_WaySpec]:
        """Split a vertex sequence into ways where bridges, underpasses and grids begin or end."""
        out: list[_WaySpec] = []
        cur = [seq[0]]
        cur_kind: str | None = None
        for a, b in itertools.pairwise(seq):
            e = self.g.edge(a, b)
            assert e is not None
            kind = (e.kind if e.kind in ("bridge", "underpass") else "") + (
                "|town" if e.town else ""
            )
            if cur_kind is not None and kind != cur_kind:
                out.append(self._tagged(cur, base, cur_kind))
                cur = [a]
            cur.append(b)
            cur_kind = kind
        out.append(self._tagged(cur, base, cur_kind or ""))
        return out

    @staticmethod
    def _tagged(verts: list[int], base: dict[str, str], kind: str) -> _WaySpec:
        tags = {k: v for k, v in base.items() if v}
        if kind.startswith("bridge"):
            tags.update(
                {"bridge": "yes", "layer": "1", "bridge:name": BRIDGE_NAMES[base["highway"]]}
            )
            if base["highway"] != "motorway":
                tags["name"] = BRIDGE_NAMES[base["highway"]]
        elif kind.startswith("underpass"):
            tags.update({"tunnel": "yes", "layer": "-1"})
        return _WaySpec(verts, tags)

    def _town_streets(self) -> None:
        """Add one way per street of each grid; a few one-way streets in the county seat."""
        for town in self.towns:
            names = list(_SEAT_STREETS if town.index == 0 else _TOWN_STREETS)
            self.rng.shuffle(names)
            oneway = {2: "yes", -2: "-1", 4: "yes"} if town.index == 0 else {}
            for axis in (1, 0):  # rows (constant j), then columns (constant i)
                for c in sorted({k[axis] for k in town.grid}):
                    members = sorted(
                        (k for k in town.grid if k[axis] == c), key=lambda k: k[1 - axis]
                    )
                    seq = [town.grid[k] for k in members]
                    runs = self._runs(seq, "residential")
                    name = names.pop() if names and runs else ""
                    for run in runs:
                        tags = {"highway": "residential", "name": name}
                        if town.index == 0 and self.rng.random() < 0.25:
                            tags["maxspeed"] = "30"
                        if axis == 1 and c in oneway and len(run) >= 4:
                            mid = len(run) // 2
                            lo = max(0, mid - 2)
                            if lo > 0:
                                self._emit(run[: lo + 1], tags)
                            self._emit(run[lo : mid + 2], {**tags, "oneway": oneway[c]})
                            if mid + 2 < len(run):
                                self._emit(run[mid + 1 :], tags)
                        else:
                            self._emit(run, tags)

    def _leftovers(self) -> None:
        """Add the remaining edges, merged through vertices where two of one class meet."""
        left = {k: e for k, e in self.g.edges.items() if k not in self.claimed}
        adj: dict[int, list[Key]] = {}
        for key in left:
            adj.setdefault(key[0], []).append(key)
            adj.setdefault(key[1], []).append(key)
        used: set[Key] = set()
        for key in sorted(left):
            if key in used:
                continue
            used.add(key)
            seq = [key[0], key[1]]
            for forward in (True, False):
                cur = key
                while len(seq) < 60:
                    v = seq[-1] if forward else seq[0]
                    nxt = [k for k in adj[v] if k != cur]
                    if len(adj[v]) != 2 or nxt[0] in used or left[nxt[0]].cls != left[key].cls:
                        break
                    cur = nxt[0]
                    w = cur[0] if cur[1] == v else cur[1]
                    if w in seq:
                        break
                    used.add(cur)
                    if forward:
                        seq.append(w)
                    else:
                        seq.insert(0, w)
            cls = left[key].cls
            tags = {"highway": cls}
            if cls == "unclassified":
                tags["surface"] = "concrete" if self.rng.random() < 0.8 else "gravel"
            elif cls == "track":
                tags["tracktype"] = str(self.rng.choice(["grade2", "grade3", "grade4"]))
                tags["surface"] = str(self.rng.choice(["gravel", "dirt", "ground"]))
            elif cls == "tertiary":
                tags["surface"] = "concrete"
            self._emit(seq, tags)


def _build(seed: int) -> _Builder:
    b = _Builder(seed)
    b.build_main_roads()
    b.place_settlements()
    b.connect()
    b.shape_and_fix()
    b.prune()
    b.classify()
    b.add_tracks()
    b.name_places()
    b.build_ways()
    b.place_facilities()
    return b


# ---------------------------------------------------------------------------------------------
# Population
# ---------------------------------------------------------------------------------------------


def _population(b: _Builder, origin: tuple[float, float]) -> tuple[npt.NDArray[np.float32], Affine]:
    """Return a WorldPop-like grid of people per 3" cell over the county's bounding box.

    Parameters
    ----------
    b : _Builder
        The built county.
    origin : tuple of float
        UTM easting and northing (metres) of the local origin.

    Returns
    -------
    tuple
        Array (rows, cols) of people per cell, nodata outside the county, and its transform.
    """
    rng = b.rng
    inv = Transformer.from_crs(UTM_CRS, "EPSG:4326", always_xy=True)
    fwd = Transformer.from_crs("EPSG:4326", UTM_CRS, always_xy=True)
    bx = np.asarray(b.land.county.exterior.coords)
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
        pts = np.asarray([b.g.xy[v] for v in vertices])
        lo, la = inv.transform(pts[:, 0] + origin[0], pts[:, 1] + origin[1])
        col = np.floor((np.asarray(lo) - west) / CELL_DEG).astype(int)
        row = np.floor((north - np.asarray(la)) / CELL_DEG).astype(int)
        grid = np.zeros((h, w))
        np.add.at(grid, (row, col), [b.pop_of[v] for v in vertices])
        return ndimage.gaussian_filter(
            grid, (sigma / cell_h, sigma / cell_w), mode="constant", truncate=3.5
        )

    pop = splat(b.villages, 170.0) + splat(b.hamlets, 95.0)
    for t in b.towns:  # a dense core and a decaying halo
        r = np.hypot(x - t.center[0], y - t.center[1])
        (r1, w1), (r2, w2) = (
            ((650.0, 0.72), (2300.0, 0.28)) if t.index == 0 else ((320.0, 0.8), (1000.0, 0.2))
        )
        kernel = w1 * np.exp(-r / r1) / (2 * math.pi * r1**2) + w2 * np.exp(-r / r2) / (
            2 * math.pi * r2**2
        )
        pop += t.population * kernel * cell_w * cell_h
    pop *= rng.lognormal(0.0, 0.25, pop.shape)
    mm = b.land.mountain(x, y)
    background = rng.gamma(0.6, 0.16, pop.shape) * (1 - mm) + rng.gamma(0.4, 0.07, pop.shape) * mm
    background[rng.random(pop.shape) < 0.35] = 0.0
    pop += background
    # Quantise to 1/256 person: exp() and sums differ by an ulp between CPUs (SIMD paths), and
    # the committed bytes must not depend on the machine that regenerates them.
    pop = np.round(pop * 256.0) / 256.0
    pop[pop < 0.03] = 0.0  # empty cells: far tails of the kernels without background
    pop[shapely.contains_xy(b.land.river_poly, x, y)] = 0.0
    valid = shapely.contains_xy(b.land.county, x, y)
    return np.where(valid, pop, NODATA).astype(np.float32), from_origin(
        west, north, CELL_DEG, CELL_DEG
    )


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def _write_osm(b: _Builder, path: Path, inv: Transformer, origin: tuple[float, float]) -> None:
    """Write the PBF, numbering nodes and ways 1, 2, 3, ... (roads by class, then the rest)."""
    g = b.g
    order = {c: i for i, c in enumerate(CLASS_ORDER)}
    coords: list[FloatArray] = []
    vertex_id: dict[int, int] = {}
    inner_ids: dict[Key, list[int]] = {}  # way nodes inside an edge, from e.a to e.b

    def new(p: Any) -> int:
        coords.append(np.asarray(p, dtype=float))
        return len(coords)

    def vertex(v: int) -> int:
        if v not in vertex_id:
            vertex_id[v] = new(g.xy[v])
        return vertex_id[v]

    ways: list[tuple[list[int], dict[str, str]]] = []
    for w in sorted(b.ways, key=lambda w: order[w.tags["highway"]]):
        refs = [vertex(w.vertices[0])]
        for a, bb in itertools.pairwise(w.vertices):
            key = (min(a, bb), max(a, bb))
            e = g.edges[key]
            assert e.geom is not None
            if key not in inner_ids:
                forward = e.geom[1:-1] if e.a == a else e.geom[::-1][1:-1]
                ids = [new(p) for p in forward]
                inner_ids[key] = ids if e.a == a else ids[::-1]
            refs.extend(inner_ids[key] if e.a == a else inner_ids[key][::-1])
            refs.append(vertex(bb))
        ways.append((refs, {k: v for k, v in w.tags.items() if v}))
    river = b.land.river
    river = _resample(
        river[shapely.contains_xy(b.land.county.buffer(1500.0), river[:, 0], river[:, 1])], 120.0
    )
    river_tags = {
        "waterway": "river",
        "name": RIVER_NAME[0],
        "name:zh": RIVER_NAME[0],
        "name:en": RIVER_NAME[1],
    }
    ways.append(([new(p) for p in river], river_tags))
    corners = [new(p) for p in b.hospital]
    hospital_tags = {
        "amenity": "hospital", "healthcare": "hospital", "building": "hospital",
        "name": HOSPITAL_NAME[0], "name:zh": HOSPITAL_NAME[0], "name:en": HOSPITAL_NAME[1],
        "access15:tier": "4", "ref": "H001", "emergency": "yes",
    }  # fmt: skip
    ways.append(([*corners, corners[0]], hospital_tags))
    node_tags: dict[int, dict[str, str]] = {}
    for f in b.facilities:
        node_tags[new(f["xy"])] = {
            "amenity": f["amenity"], "healthcare": f["healthcare"], "name": f["name"],
            "name:zh": f["name"], "name:en": f["name_en"], "access15:tier": str(f["tier"]),
            "ref": f["ref"],
        }  # fmt: skip
    xy = np.asarray(coords)
    lon, lat = inv.transform(xy[:, 0] + origin[0], xy[:, 1] + origin[1])
    lon, lat = np.round(np.asarray(lon), 7), np.round(np.asarray(lat), 7)
    if path.exists():
        path.unlink()
    header = osmium.io.Header()
    header.set("generator", GENERATOR)
    header.add_box(
        osmium.osm.Box(
            osmium.osm.Location(float(lon.min()), float(lat.min())),
            osmium.osm.Location(float(lon.max()), float(lat.max())),
        )
    )
    meta = {"version": 1, "timestamp": TIMESTAMP, "changeset": 1, "uid": 1, "user": "access15"}
    writer = osmium.SimpleWriter(str(path), 4 * 1024 * 1024, header)
    try:
        for i in range(len(coords)):
            location = (float(lon[i]), float(lat[i]))
            writer.add_node(
                Node(id=i + 1, location=location, tags=node_tags.get(i + 1, {}), **meta)
            )
        for i, (refs, tags) in enumerate(ways):
            writer.add_way(Way(id=i + 1, nodes=refs, tags=tags, **meta))
    finally:
        writer.close()


def _write_tif(path: Path, data: npt.NDArray[np.float32], transform: Affine) -> None:
    """Write a WorldPop-like GeoTIFF (float32, EPSG:4326, nodata -99999, tiled, deflate)."""
    if path.exists():
        path.unlink()
    profile = {
        "driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1,
        "dtype": "float32", "crs": "EPSG:4326", "transform": transform, "nodata": NODATA,
        "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate",
        "predictor": 3, "zlevel": 6,
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        dst.update_tags(
            SOURCE="access15 synthetic sample county (not real data)", UNITS="people per cell"
        )


def _geojson_geometry(
    geom: Polygon | MultiPolygon, inv: Transformer, origin: tuple[float, float]
) -> dict[str, Any]:
    """Return a GeoJSON geometry in WGS-84 (6 decimals, counter-clockwise outer rings)."""

    def ring(coords: Any) -> list[list[float]]:
        xy = np.asarray(coords)
        lon, lat = inv.transform(xy[:, 0] + origin[0], xy[:, 1] + origin[1])
        return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]

    parts = []
    for p in geom.geoms if isinstance(geom, MultiPolygon) else [geom]:
        p = orient(p, 1.0)
        parts.append([ring(p.exterior.coords), *(ring(r.coords) for r in p.interiors)])
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


def _write_geojson(path: Path, features: list[dict[str, Any]]) -> None:
    """Write a FeatureCollection, one feature per line, UTF-8."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    path.write_text(
        '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n",
        encoding="utf-8",
    )


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def generate_sample(out_dir: Path, *, seed: int = 15) -> dict[str, Path]:
    """Write the synthetic sample county into ``out_dir/sample`` and ``out_dir/boundaries``.

    Also writes ``out_dir/sample/MANIFEST.json``: the seed, the sha256 of every file and the
    versions of the libraries whose encoders shape the bytes (libosmium, GDAL, zlib ...), so a
    byte-for-byte comparison is only expected where those versions match.

    Parameters
    ----------
    out_dir : Path
        Target directory (the repository's ``data/`` folder when regenerating).
    seed : int, default 15
        Seed of :func:`numpy.random.default_rng`; the same seed (and library versions) gives
        byte-identical files.

    Returns
    -------
    dict of str to Path
        Paths of the OSM PBF (roads and health facilities), the population GeoTIFF (people per
        cell), the county boundary and the township polygons (GeoJSON, WGS-84); keys ``osm``,
        ``population``, ``county``, ``townships``, ``manifest``.
    """
    out = Path(out_dir)
    paths = {
        "osm": out / "sample" / "sample_county.osm.pbf",
        "population": out / "sample" / "sample_population.tif",
        "county": out / "boundaries" / "sample_county.geojson",
        "townships": out / "boundaries" / "sample_townships.geojson",
    }
    for p in paths.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    b = _build(seed)
    e0, n0 = Transformer.from_crs("EPSG:4326", UTM_CRS, always_xy=True).transform(
        CENTER_LON, CENTER_LAT
    )
    origin = (float(round(e0)), float(round(n0)))
    inv = Transformer.from_crs(UTM_CRS, "EPSG:4326", always_xy=True)
    _write_osm(b, paths["osm"], inv, origin)
    _write_tif(paths["population"], *_population(b, origin))
    county_props = {
        "name": COUNTY_NAME[0],
        "name_en": COUNTY_NAME[1],
        "adcode": COUNTY_ADCODE,
        "synthetic": True,
    }
    geometry = _geojson_geometry(b.land.county, inv, origin)
    _write_geojson(
        paths["county"], [{"type": "Feature", "properties": county_props, "geometry": geometry}]
    )
    features = []
    for t, poly in sorted(
        zip(b.towns, b.township_polygons(), strict=True), key=lambda tp: tp[0].zone_id
    ):
        props = {"zone_id": t.zone_id, "name": t.full_zh, "name_en": t.full_en}
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": _geojson_geometry(poly, inv, origin),
            }
        )
    _write_geojson(paths["townships"], features)
    manifest = out / "sample" / "MANIFEST.json"
    files = {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths.values()
    }
    doc = {
        "synthetic": True,
        "generator": "access15.datasets.sample.generate_sample",
        "seed": seed,
        "files": files,
        "versions": encoder_versions(),
    }
    manifest.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return {**paths, "manifest": manifest}


def encoder_versions() -> dict[str, str]:
    """Versions of the libraries whose output bytes the sample files depend on."""
    import zlib
    from importlib import metadata

    import osmium.version
    import rasterio

    out = {"numpy": np.__version__, "zlib": zlib.ZLIB_RUNTIME_VERSION}
    for dist in ("osmium", "rasterio", "shapely", "pyproj"):
        out[dist] = metadata.version(dist)
    out["gdal"] = rasterio.__gdal_version__
    out["libosmium"] = osmium.version.libosmium_version
    import pyproj
    import shapely

    out["proj"] = pyproj.proj_version_str
    out["geos"] = shapely.geos_version_string
    return out


def _lonlat_list(lon: FloatArray, lat: FloatArray) -> list[list[float]]:
    """GeoJSON coordinate list at 6 decimals."""
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]


def generate_county(
    out_dir: str | Path,
    *,
    seed: int = 0,
    size_km: float = 10.0,
    townships: int = 3,
    lon: float | None = None,
    lat: float | None = None,
    name: str | None = None,
    name_en: str | None = None,
    clinic_share: float = 0.7,
) -> dict[str, Path]:
    """Write a small SYNTHETIC county (roads, facilities, population, boundaries) for batch runs.

    Much smaller and simpler than :func:`generate_sample` (which draws the bundled 安澜县): a
    jittered grid of roads about 1 km apart (one county road and one township road through
    the centre, village roads and farm tracks elsewhere, a fifth of the grid links missing),
    one county hospital at the centre, one township health centre per township seat, village
    clinics in most villages, and a WorldPop-like population grid (3″ cells) of seats,
    villages and a thin rural background. Seeded: the same arguments give the same county.
    Used by the batch tests and benchmarks to make many varied counties quickly.

    Parameters
    ----------
    out_dir : str or Path
        Folder for the four files (created).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; also places the county (see ``lon``/``lat``).
    size_km : float, default 10.0
        Side of the county's bounding square, kilometres (area about 0.8 × size_km² km²).
    townships : int, default 3
        Township seats, each with a township health centre (the first is the county seat).
    lon, lat : float, optional
        Centre, degrees (WGS-84). Default: a spot in south China that depends on ``seed``, so
        generated counties do not overlap on a map.
    name, name_en : str, optional
        County name (default ``合成{seed}县``) and English name (``Synthetic County {seed}``).
    clinic_share : float, default 0.7
        Share of villages with a clinic (lower it for a poorly served county).

    Returns
    -------
    dict of str to Path
        Keys ``osm`` (PBF), ``population`` (GeoTIFF), ``county`` and ``townships`` (GeoJSON).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = generate_county(tmp, seed=1, size_km=6.0, townships=2)
    ...     sorted(p.name for p in paths.values())
    ['county.geojson', 'county.osm.pbf', 'population.tif', 'townships.geojson']
    """
    if not size_km >= 3.0:
        msg = f"size_km must be >= 3 km, got {size_km:g}"
        raise ValueError(msg)
    if townships < 1:
        msg = f"townships must be >= 1, got {townships}"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    if lon is None:
        lon = 104.0 + (seed % 25) * 0.35
    if lat is None:
        lat = 24.0 + (seed // 25 % 20) * 0.3
    name = name if name is not None else f"合成{seed}县"
    name_en = name_en if name_en is not None else f"Synthetic County {seed}"
    mx = 111_320.0 * math.cos(math.radians(lat))  # metres per degree of longitude
    my = 110_900.0  # metres per degree of latitude
    half = size_km * 500.0

    # county outline: a jittered 16-gon filling most of the square
    ang = np.linspace(0.0, 2 * math.pi, 16, endpoint=False) + rng.uniform(0, 0.3)
    rad = half * rng.uniform(0.85, 1.0, 16)
    county = Polygon(np.column_stack([rad * np.cos(ang), rad * np.sin(ang)])).buffer(0)
    county = county.intersection(shapely.box(-half, -half, half, half))

    # road grid: intersections ~1 km apart, links split into way nodes ~200 m apart
    n = round(size_km) + 1
    gx, gy = np.meshgrid(np.linspace(-half, half, n), np.linspace(-half, half, n))
    inter = np.column_stack([gx.ravel(), gy.ravel()]) + rng.normal(0.0, 110.0, (n * n, 2))
    mid = n // 2
    links: list[tuple[int, int, str]] = []
    for r in range(n):
        for c in range(n):
            i = r * n + c
            for j, along_main in ((i + 1, r == mid), (i + n, c == mid)):
                if (j == i + 1 and c == n - 1) or (j == i + n and r == n - 1):
                    continue
                if along_main:
                    cls = "secondary" if j == i + 1 else "tertiary"
                elif rng.random() < 0.2:
                    continue
                else:
                    cls = "track" if rng.random() < 0.12 else "unclassified"
                links.append((i, j, cls))
    inside = shapely.contains_xy(county.buffer(600.0), inter[:, 0], inter[:, 1])
    links = [(a, b, c) for a, b, c in links if inside[a] and inside[b]]

    coords: list[tuple[float, float]] = [tuple(p) for p in inter]
    ways: list[tuple[list[int], dict[str, str]]] = []
    for a, b, cls in links:
        pa, pb = inter[a], inter[b]
        m = max(1, round(float(np.hypot(*(pb - pa))) / 200.0))
        refs = [a + 1]
        for t in np.linspace(0.0, 1.0, m + 1)[1:-1]:
            coords.append(tuple(pa + (pb - pa) * t + rng.normal(0.0, 15.0, 2)))
            refs.append(len(coords))
        refs.append(b + 1)
        ways.append((refs, {"highway": cls}))

    # settlements and facilities (facilities sit 30-80 m off their road node)
    def spot_near(p: FloatArray) -> tuple[float, float]:
        d = rng.uniform(30.0, 80.0)
        a = rng.uniform(0, 2 * math.pi)
        return (float(p[0] + d * math.cos(a)), float(p[1] + d * math.sin(a)))

    # seats at road junctions well inside the county, so their facilities are inside too
    inner = inter[shapely.contains_xy(county.buffer(-300.0), inter[:, 0], inter[:, 1])]
    centre = inner[int(np.argmin(np.hypot(inner[:, 0], inner[:, 1])))]
    seats = [centre]
    tries = 0
    while len(seats) < townships and tries < 10_000:
        tries += 1
        p = rng.uniform(-half * 0.8, half * 0.8, 2)
        gap = min(float(np.hypot(*(p - s))) for s in seats)
        if county.contains(Point(p)) and gap > size_km * 1000.0 / (1.5 + townships**0.5):
            seats.append(inner[int(np.argmin(np.hypot(*(inner - p).T)))])
    n_villages = max(3, round(county.area / 4e6))
    villages: list[FloatArray] = []
    while len(villages) < n_villages:
        p = rng.uniform(-half, half, 2)
        if county.contains(Point(p)):
            villages.append(p)
    facilities: list[tuple[tuple[float, float], dict[str, str]]] = [
        (
            spot_near(centre),
            {"amenity": "hospital", "access15:tier": "4", "name": f"{name}人民医院",
             "name:en": f"{name_en} People's Hospital"},
        )
    ]  # fmt: skip
    for i, s in enumerate(seats, start=1):
        facilities.append(
            (
                spot_near(s),
                {"amenity": "clinic", "access15:tier": "2", "name": f"第{i}镇卫生院",
                 "name:en": f"Township {i} Health Centre"},
            )
        )  # fmt: skip
    for i, v in enumerate(villages, start=1):
        if rng.random() < clinic_share:
            facilities.append(
                (
                    (float(v[0]), float(v[1])),
                    {"amenity": "doctors", "access15:tier": "1", "name": f"第{i}村卫生室",
                     "name:en": f"Village {i} Clinic"},
                )
            )  # fmt: skip

    def to_lonlat(xy: FloatArray) -> tuple[FloatArray, FloatArray]:
        return np.round(lon + xy[:, 0] / mx, 7), np.round(lat + xy[:, 1] / my, 7)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "osm": out / "county.osm.pbf",
        "population": out / "population.tif",
        "county": out / "county.geojson",
        "townships": out / "townships.geojson",
    }
    node_xy = np.asarray(coords + [f[0] for f in facilities])
    nlon, nlat = to_lonlat(node_xy)
    if paths["osm"].exists():
        paths["osm"].unlink()
    header = osmium.io.Header()
    header.set("generator", GENERATOR)
    meta: dict[str, Any] = {
        "version": 1,
        "timestamp": TIMESTAMP,
        "changeset": 1,
        "uid": 1,
        "user": "access15",
    }
    writer = osmium.SimpleWriter(str(paths["osm"]), 1024 * 1024, header)
    try:
        for i in range(len(node_xy)):
            tags = facilities[i - len(coords)][1] if i >= len(coords) else {}
            writer.add_node(
                Node(id=i + 1, location=(float(nlon[i]), float(nlat[i])), tags=tags, **meta)
            )
        for i, (refs, tags) in enumerate(ways):
            writer.add_way(Way(id=i + 1, nodes=refs, tags=tags, **meta))
    finally:
        writer.close()

    # population: seats (county seat largest), villages, thin background; 1/256-person steps
    minx, miny, maxx, maxy = county.bounds
    west = math.floor((lon + minx / mx) / CELL_DEG - 1) * CELL_DEG
    north = math.ceil((lat + maxy / my) / CELL_DEG + 1) * CELL_DEG
    w = math.ceil((maxx - minx) / mx / CELL_DEG) + 3
    h = math.ceil((maxy - miny) / my / CELL_DEG) + 3
    clon, clat = np.meshgrid(
        west + (np.arange(w) + 0.5) * CELL_DEG, north - (np.arange(h) + 0.5) * CELL_DEG
    )
    cx, cy = (clon - lon) * mx, (clat - lat) * my
    people = rng.uniform(0.0, 1.5, cx.shape)
    blobs = [(centre, 450.0, rng.uniform(8_000, 15_000))]
    blobs += [(s, 300.0, rng.uniform(1_500, 4_000)) for s in seats[1:]]
    blobs += [(v, 180.0, rng.uniform(150, 700)) for v in villages]
    cell_m2 = CELL_DEG * mx * CELL_DEG * my
    for p, sigma, total in blobs:
        d2 = (cx - p[0]) ** 2 + (cy - p[1]) ** 2
        people += total * cell_m2 / (2 * math.pi * sigma**2) * np.exp(-d2 / (2 * sigma**2))
    people = np.round(people * 256.0) / 256.0
    grid = np.where(shapely.contains_xy(county, cx, cy), people, NODATA).astype(np.float32)
    _write_tif(paths["population"], grid, from_origin(west, north, CELL_DEG, CELL_DEG))

    def geometry(poly: Polygon | MultiPolygon) -> dict[str, Any]:
        parts = []
        for p in poly.geoms if isinstance(poly, MultiPolygon) else [poly]:
            p = orient(p, 1.0)
            rings = [np.asarray(p.exterior.coords), *(np.asarray(r.coords) for r in p.interiors)]
            parts.append([_lonlat_list(*to_lonlat(r)) for r in rings])
        if len(parts) == 1:
            return {"type": "Polygon", "coordinates": parts[0]}
        return {"type": "MultiPolygon", "coordinates": parts}

    props = {"name": name, "name_en": name_en, "adcode": f"99{seed:04d}", "synthetic": True}
    _write_geojson(
        paths["county"], [{"type": "Feature", "properties": props, "geometry": geometry(county)}]
    )
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint([tuple(s) for s in seats]), extend_to=county.buffer(1000.0)
    )
    features = []
    for i, s in enumerate(seats, start=1):
        cell = next(g for g in cells.geoms if g.contains(Point(s)))
        zone = cell.intersection(county)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "zone_id": f"T{i:02d}",
                    "name": f"第{i}镇",
                    "name_en": f"Township {i}",
                },
                "geometry": geometry(zone),
            }
        )
    _write_geojson(paths["townships"], features)
    return paths


def _summary(paths: dict[str, Path]) -> dict[str, Any]:
    """Return counts read back from the written files (for the command-line summary).

    Returns
    -------
    dict
        ``road_nodes``, ``ways``, ``facilities`` by tier, ``population`` (people), ``area_km2``
        and ``sizes`` (bytes per file).
    """
    road_nodes: set[int] = set()
    n_ways = 0
    tiers: dict[str, int] = {}
    for obj in osmium.FileProcessor(str(paths["osm"])):
        if obj.is_way():
            n_ways += 1
            if "highway" in obj.tags:
                road_nodes.update(n.ref for n in obj.nodes)
        tier = obj.tags.get("access15:tier")
        if tier is not None:
            tiers[tier] = tiers.get(tier, 0) + 1
    with rasterio.open(paths["population"]) as src:
        total = float(src.read(1, masked=True).sum())
    doc = json.loads(paths["county"].read_text(encoding="utf-8"))
    ring = np.asarray(doc["features"][0]["geometry"]["coordinates"][0])
    x, y = Transformer.from_crs("EPSG:4326", UTM_CRS, always_xy=True).transform(
        ring[:, 0], ring[:, 1]
    )
    return {
        "road_nodes": len(road_nodes),
        "ways": n_ways,
        "facilities": dict(sorted(tiers.items())),
        "population": total,
        "area_km2": Polygon(np.column_stack([x, y])).area / 1e6,
        "sizes": {k: p.stat().st_size for k, p in paths.items()},
    }


def _main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "data"
    t0 = time.perf_counter()
    paths = generate_sample(out)
    dt = time.perf_counter() - t0
    s = _summary(paths)
    print(f"synthetic sample county written to {out} in {dt:.1f} s")
    print(f"  road nodes {s['road_nodes']:,}, ways {s['ways']:,}, area {s['area_km2']:.0f} km²")
    tiers = ", ".join(f"tier {k}: {v}" for k, v in s["facilities"].items())
    print(f"  facilities {tiers}; population {s['population']:,.0f}")
    for k, p in paths.items():
        print(f"  {k:<10} {p}  {s['sizes'][k] / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
