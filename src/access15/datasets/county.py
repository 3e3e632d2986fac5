"""Small SYNTHETIC counties made to order: many varied test counties for batch runs and benchmarks.

:func:`make_county` writes one county (roads and health facilities as an OSM PBF, a
WorldPop-like population GeoTIFF, the county boundary and township polygons as GeoJSON) into
a folder and returns the paths, with the keys of :func:`access15.datasets.sample_paths`;
:class:`SyntheticCountyOptions` says what to make. :func:`generate_county` is the same with the
options as keywords. Much smaller and simpler than the bundled sample county
(:mod:`access15.datasets.sample`): a jittered road grid instead of a planned road network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from affine import Affine
from rasterio.transform import from_origin
from shapely.geometry import Point, Polygon

from access15.datasets._geometry import FloatArray
from access15.datasets._writers import (
    CELL_DEG,
    NODATA,
    OsmWay,
    geojson_geometry,
    write_geojson,
    write_pbf,
    write_tif,
)

__all__ = ["SyntheticCountyOptions", "generate_county", "make_county"]

Facility = tuple[tuple[float, float], dict[str, str]]  # local position (metres), OSM tags


@dataclass(frozen=True)
class SyntheticCountyOptions:
    """What :func:`make_county` makes: size, townships, place, names and clinic coverage.

    Attributes
    ----------
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; also places the county (see ``lon``/``lat``).
        The same options give the same county, byte for byte.
    size_km : float, default 10.0
        Side of the county's bounding square, kilometres (area about 0.8 × size_km² km²);
        at least 3.
    townships : int, default 3
        Township seats, each with a township health centre (the first is the county seat);
        at least 1.
    lon : float, optional
        Longitude of the centre, degrees (WGS-84). Default: a spot in south China that depends
        on ``seed``, so generated counties do not overlap on a map.
    lat : float, optional
        Latitude of the centre, degrees (WGS-84); default as for ``lon``.
    name : str, optional
        County name (default ``合成{seed}县``).
    name_en : str, optional
        English county name (default ``Synthetic County {seed}``).
    clinic_share : float, default 0.7
        Share of villages with a clinic (lower it for a poorly served county).

    Raises
    ------
    ValueError
        If ``size_km`` is below 3 km or ``townships`` below 1.
    """

    seed: int = 0
    size_km: float = 10.0
    townships: int = 3
    lon: float | None = None
    lat: float | None = None
    name: str | None = None
    name_en: str | None = None
    clinic_share: float = 0.7

    def __post_init__(self) -> None:
        if not self.size_km >= 3.0:
            msg = f"size_km must be >= 3 km, got {self.size_km:g}"
            raise ValueError(msg)
        if self.townships < 1:
            msg = f"townships must be >= 1, got {self.townships}"
            raise ValueError(msg)


@dataclass(frozen=True)
class _Frame:
    """Local coordinates (metres, origin at the county centre) and their degrees."""

    lon: float  # centre, degrees
    lat: float  # centre, degrees

    @property
    def mx(self) -> float:
        """Metres per degree of longitude."""
        return 111_320.0 * math.cos(math.radians(self.lat))

    @property
    def my(self) -> float:
        """Metres per degree of latitude."""
        return 110_900.0

    def to_lonlat(self, xy: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Return the longitudes and latitudes (degrees, 7 decimals) of local points ``xy``."""
        lon = np.round(self.lon + xy[:, 0] / self.mx, 7)
        lat = np.round(self.lat + xy[:, 1] / self.my, 7)
        return lon, lat


def _outline(rng: np.random.Generator, half: float) -> Polygon:
    """Return the county: a jittered 16-gon filling most of the square of half-side ``half`` m."""
    ang = np.linspace(0.0, 2 * math.pi, 16, endpoint=False) + rng.uniform(0, 0.3)
    rad = half * rng.uniform(0.85, 1.0, 16)
    county = Polygon(np.column_stack([rad * np.cos(ang), rad * np.sin(ang)])).buffer(0)
    return county.intersection(shapely.box(-half, -half, half, half))


def _road_grid(
    rng: np.random.Generator, county: Polygon, size_km: float, half: float
) -> tuple[FloatArray, list[tuple[int, int, str]]]:
    """Return grid intersections ~1 km apart and the links (a, b, highway class) kept.

    One county road (``secondary``) and one township road (``tertiary``) run through the
    centre; a fifth of the other links are missing, the rest are village roads or tracks.
    """
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
    return inter, [(a, b, c) for a, b, c in links if inside[a] and inside[b]]


def _ways(
    rng: np.random.Generator, inter: FloatArray, links: list[tuple[int, int, str]]
) -> tuple[list[tuple[float, float]], list[OsmWay]]:
    """Split the links into way nodes ~200 m apart; intersection ``i`` is node ``i + 1``."""
    coords: list[tuple[float, float]] = [(float(p[0]), float(p[1])) for p in inter]
    ways: list[OsmWay] = []
    for a, b, cls in links:
        pa, pb = inter[a], inter[b]
        m = max(1, round(float(np.hypot(*(pb - pa))) / 200.0))
        refs = [a + 1]
        for t in np.linspace(0.0, 1.0, m + 1)[1:-1]:
            q = pa + (pb - pa) * t + rng.normal(0.0, 15.0, 2)
            coords.append((float(q[0]), float(q[1])))
            refs.append(len(coords))
        refs.append(b + 1)
        ways.append((refs, {"highway": cls}))
    return coords, ways


def _seats_and_villages(
    rng: np.random.Generator, county: Polygon, inter: FloatArray, opts: SyntheticCountyOptions
) -> tuple[list[FloatArray], list[FloatArray]]:
    """Return township seats (the county seat first) and villages, local metres.

    Seats sit at road junctions well inside the county, so their facilities are inside too.
    """
    half = opts.size_km * 500.0
    inner = inter[shapely.contains_xy(county.buffer(-300.0), inter[:, 0], inter[:, 1])]
    centre = inner[int(np.argmin(np.hypot(inner[:, 0], inner[:, 1])))]
    seats = [centre]
    tries = 0
    while len(seats) < opts.townships and tries < 10_000:
        tries += 1
        p = rng.uniform(-half * 0.8, half * 0.8, 2)
        gap = min(float(np.hypot(*(p - s))) for s in seats)
        if county.contains(Point(p)) and gap > opts.size_km * 1000.0 / (1.5 + opts.townships**0.5):
            seats.append(inner[int(np.argmin(np.hypot(*(inner - p).T)))])
    n_villages = max(3, round(county.area / 4e6))
    villages: list[FloatArray] = []
    while len(villages) < n_villages:
        p = rng.uniform(-half, half, 2)
        if county.contains(Point(p)):
            villages.append(p)
    return seats, villages


def _facilities(
    rng: np.random.Generator,
    seats: list[FloatArray],
    villages: list[FloatArray],
    names: tuple[str, str],
    clinic_share: float,
) -> list[Facility]:
    """Return the county hospital, a health centre per seat and clinics in some villages.

    The hospital and health centres sit 30-80 m off their road junction; ``names`` are the
    county's Chinese and English names.
    """
    name, name_en = names

    def spot_near(p: FloatArray) -> tuple[float, float]:
        d = rng.uniform(30.0, 80.0)
        a = rng.uniform(0, 2 * math.pi)
        return (float(p[0] + d * math.cos(a)), float(p[1] + d * math.sin(a)))

    facilities: list[Facility] = [
        (
            spot_near(seats[0]),
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
    return facilities


def _population(
    rng: np.random.Generator,
    county: Polygon,
    frame: _Frame,
    seats: list[FloatArray],
    villages: list[FloatArray],
) -> tuple[npt.NDArray[np.float32], Affine]:
    """Return people per 3″ cell (nodata outside the county) and the grid's transform.

    Seats (the county seat largest) and villages are Gaussian blobs over a thin background;
    values are rounded to 1/256 person.
    """
    mx, my = frame.mx, frame.my
    minx, miny, maxx, maxy = county.bounds
    west = math.floor((frame.lon + minx / mx) / CELL_DEG - 1) * CELL_DEG
    north = math.ceil((frame.lat + maxy / my) / CELL_DEG + 1) * CELL_DEG
    w = math.ceil((maxx - minx) / mx / CELL_DEG) + 3
    h = math.ceil((maxy - miny) / my / CELL_DEG) + 3
    clon, clat = np.meshgrid(
        west + (np.arange(w) + 0.5) * CELL_DEG, north - (np.arange(h) + 0.5) * CELL_DEG
    )
    cx, cy = (clon - frame.lon) * mx, (clat - frame.lat) * my
    people = rng.uniform(0.0, 1.5, cx.shape)
    blobs = [(seats[0], 450.0, rng.uniform(8_000, 15_000))]
    blobs += [(s, 300.0, rng.uniform(1_500, 4_000)) for s in seats[1:]]
    blobs += [(v, 180.0, rng.uniform(150, 700)) for v in villages]
    cell_m2 = CELL_DEG * mx * CELL_DEG * my
    for p, sigma, total in blobs:
        d2 = (cx - p[0]) ** 2 + (cy - p[1]) ** 2
        people += total * cell_m2 / (2 * math.pi * sigma**2) * np.exp(-d2 / (2 * sigma**2))
    people = np.round(people * 256.0) / 256.0
    grid = np.where(shapely.contains_xy(county, cx, cy), people, NODATA).astype(np.float32)
    return grid, from_origin(west, north, CELL_DEG, CELL_DEG)


def _township_features(
    county: Polygon, seats: list[FloatArray], frame: _Frame
) -> list[dict[str, Any]]:
    """Return one GeoJSON feature per township: the seats' Voronoi cells within the county."""
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
                "geometry": geojson_geometry(zone, frame.to_lonlat),
            }
        )
    return features


def make_county(
    out_dir: str | Path, *, options: SyntheticCountyOptions | None = None
) -> dict[str, Path]:
    """Write a small SYNTHETIC county into ``out_dir`` and return the paths of its files.

    The county is a jittered grid of roads about 1 km apart (one county road and one township
    road through the centre, village roads and farm tracks elsewhere, a fifth of the grid
    links missing), one county hospital at the centre, one township health centre per
    township seat, village clinics in a share of the villages, and a WorldPop-like population
    grid (3″ cells) of seats, villages and a thin rural background. The returned paths have
    the keys of :func:`access15.datasets.sample_paths`, so a made county can stand in for the
    bundled sample county wherever that is used.

    Parameters
    ----------
    out_dir : str or Path
        Folder for the four files (created; files of an earlier county are replaced).
    options : SyntheticCountyOptions, optional
        What to make (seed, size, townships, place, names, clinic share); default
        ``SyntheticCountyOptions()``, a 10 km county with 3 townships.

    Returns
    -------
    dict of str to Path
        Keys ``osm`` (``county.osm.pbf``: roads and facilities tagged ``access15:tier`` 4, 2
        and 1), ``population`` (``population.tif``: people per cell), ``county`` and
        ``townships`` (``county.geojson``, ``townships.geojson``: WGS-84 polygons).

    See Also
    --------
    generate_county : The same with the options as keyword arguments.

    Examples
    --------
    >>> import tempfile
    >>> from access15.datasets import SyntheticCountyOptions, make_county
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = make_county(tmp, options=SyntheticCountyOptions(seed=1, size_km=6.0))
    ...     sorted(paths), paths["osm"].name
    (['county', 'osm', 'population', 'townships'], 'county.osm.pbf')
    """
    opts = options if options is not None else SyntheticCountyOptions()
    seed = opts.seed
    rng = np.random.default_rng(seed)
    frame = _Frame(
        opts.lon if opts.lon is not None else 104.0 + (seed % 25) * 0.35,
        opts.lat if opts.lat is not None else 24.0 + (seed // 25 % 20) * 0.3,
    )
    name = opts.name if opts.name is not None else f"合成{seed}县"
    name_en = opts.name_en if opts.name_en is not None else f"Synthetic County {seed}"
    county = _outline(rng, opts.size_km * 500.0)
    inter, links = _road_grid(rng, county, opts.size_km, opts.size_km * 500.0)
    coords, ways = _ways(rng, inter, links)
    seats, villages = _seats_and_villages(rng, county, inter, opts)
    facilities = _facilities(rng, seats, villages, (name, name_en), opts.clinic_share)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "osm": out / "county.osm.pbf",
        "population": out / "population.tif",
        "county": out / "county.geojson",
        "townships": out / "townships.geojson",
    }
    node_tags = {len(coords) + k + 1: tags for k, (_xy, tags) in enumerate(facilities)}
    node_xy = np.asarray(coords + [f[0] for f in facilities])
    write_pbf(
        paths["osm"], frame.to_lonlat(node_xy), node_tags, ways, bbox=False, buffer_bytes=1 << 20
    )
    write_tif(paths["population"], *_population(rng, county, frame, seats, villages))
    props = {"name": name, "name_en": name_en, "adcode": f"99{seed:04d}", "synthetic": True}
    geometry = geojson_geometry(county, frame.to_lonlat)
    write_geojson(paths["county"], [{"type": "Feature", "properties": props, "geometry": geometry}])
    write_geojson(paths["townships"], _township_features(county, seats, frame))
    return paths


def generate_county(  # noqa: PLR0913  (keyword form kept for existing callers; see make_county)
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

    The keyword form of :func:`make_county`: much smaller and simpler than
    :func:`access15.datasets.sample.generate_sample` (which draws the bundled 安澜县), a
    jittered grid of roads about 1 km apart, one county hospital, a township health centre
    per township seat, village clinics and a WorldPop-like population grid. Seeded: the same
    arguments give the same county. Used by the batch tests and benchmarks to make many
    varied counties quickly.

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

    Raises
    ------
    ValueError
        If ``size_km`` is below 3 km or ``townships`` below 1.

    See Also
    --------
    make_county : The same with the options in a :class:`SyntheticCountyOptions`.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = generate_county(tmp, seed=1, size_km=6.0, townships=2)
    ...     sorted(p.name for p in paths.values())
    ['county.geojson', 'county.osm.pbf', 'population.tif', 'townships.geojson']
    """
    options = SyntheticCountyOptions(
        seed=seed, size_km=size_km, townships=townships, lon=lon, lat=lat, name=name,
        name_en=name_en, clinic_share=clinic_share,
    )  # fmt: skip
    return make_county(out_dir, options=options)
