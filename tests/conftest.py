"""Shared fixtures: a tiny hand-made county with answers known by hand; real-data paths.

Tiny network (lon, lat in degrees, at the equator; 0.01 deg is ~1113 m east-west and
~1106 m north-south)::

    (100.00,0.01) (100.01,0.01)   6 (100.02,0.01) <-- 5 (100.03,0.01)
                                  |                 ^     residential, oneway 4->5->6->3
                                  v                 |
    1 (100.00,0) --- 2 --------- 3 --------------- 4      secondary 1-2-3-4, both ways
    F = facility 11.1 m north of node 1

Drive: secondary 50 km/h -> ~80 s per segment; residential 25 km/h -> ~160 s per segment.
Distances are WGS-84 geodesics, as in the library.

Sections below: the tiny county; the runs shared by the output tests; real-data paths and county
boundaries; random road networks; random site-selection instances with their brute-force
optimum; the counties CSVs of the batch tests. Test modules import the plain helpers with
``from conftest import ...`` (``tests`` is on ``pythonpath``); no test imports another test.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import scipy.sparse as sp
from hypothesis import strategies as st
from pyproj import Geod
from rasterio.transform import from_origin
from shapely.geometry import box

_GEOD = Geod(ellps="WGS84")
D_M = _GEOD.inv(100.0, 0.0, 100.01, 0.0)[2]  # metres between neighbouring nodes (1113.2 m)
D_NS_M = _GEOD.inv(100.03, 0.0, 100.03, 0.01)[2]  # north-south hop (1105.7 m)
SEC_S = D_M / (50 / 3.6)  # one secondary segment (east-west), seconds
RES_S = D_M / (25 / 3.6)  # one residential segment east-west (5 -> 6), seconds
RES_NS_S = D_NS_M / (25 / 3.6)  # residential north-south (4 -> 5, 6 -> 3), seconds
LEG_S = _GEOD.inv(100.0, 0.0, 100.0, 0.0001)[2] / (4.5 / 3.6)  # facility 11 m off the road
WALK_S = 4.5 / 3.6

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
OSM_CA = SHARED / "osm-imperial-yuba-ca"

TINY_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="access15 tests">
  <node id="1" version="1" lat="0.0" lon="100.0"/>
  <node id="2" version="1" lat="0.0" lon="100.01"/>
  <node id="3" version="1" lat="0.0" lon="100.02"/>
  <node id="4" version="1" lat="0.0" lon="100.03"/>
  <node id="5" version="1" lat="0.01" lon="100.03"/>
  <node id="6" version="1" lat="0.01" lon="100.02"/>
  <node id="7" version="1" lat="0.05" lon="100.05"/>
  <node id="8" version="1" lat="0.05" lon="100.051"/>
  {facilities}
  <way id="101" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="secondary"/>
  </way>
  <way id="102" version="1">
    <nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/>
  </way>
  <way id="103" version="1">
    <nd ref="7"/><nd ref="8"/><nd ref="9"/>
    <tag k="highway" v="tertiary"/>
  </way>
  <way id="104" version="1">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="primary"/><tag k="maxspeed" v="20"/>
  </way>
  <way id="105" version="1">
    <nd ref="5"/><nd ref="4"/>
    <tag k="highway" v="service"/><tag k="access" v="private"/>
  </way>
</osm>
"""

FACILITY = (
    '<node id="{id}" version="1" lat="{lat}" lon="{lon}">'
    '<tag k="amenity" v="{amenity}"/><tag k="name" v="{name}"/>'
    '<tag k="name:en" v="{name_en}"/><tag k="access15:tier" v="{tier}"/></node>'
)

DEFAULT_FACILITIES = [
    # hospital 11.1 m north of node 1; the name is hostile HTML on purpose
    {
        "id": 201,
        "lat": 0.0001,
        "lon": 100.0,
        "amenity": "hospital",
        "tier": 4,
        "name": "&lt;script&gt;alert(1)&lt;/script&gt;",
        "name_en": "County Hospital",
    },
    # township centre 11.1 m north of node 5
    {
        "id": 202,
        "lat": 0.0101,
        "lon": 100.03,
        "amenity": "clinic",
        "tier": 2,
        "name": "东镇卫生院",
        "name_en": "East Town Health Centre",
    },
    # village clinic on node 3
    {
        "id": 203,
        "lat": 0.0,
        "lon": 100.02,
        "amenity": "doctors",
        "tier": 1,
        "name": "中村卫生室",
        "name_en": "Middle Village Clinic",
    },
]

# population grid: 0.01 deg cells centred on the nodes; row 0 is lat 0.01, row 1 is lat 0.0
POP = np.array([[50.0, 0.0, 60.0, 70.0], [100.0, 200.0, 300.0, 400.0]], dtype=np.float32)


def write_tiny_osm(path: Path, facilities: list[dict] | None = None) -> Path:
    facs = DEFAULT_FACILITIES if facilities is None else facilities
    path.write_text(
        TINY_OSM.format(facilities="\n  ".join(FACILITY.format(**f) for f in facs)),
        encoding="utf-8",
    )
    return path


def write_tiny_county(
    folder: Path,
    facilities: list[dict] | None = None,
    *,
    county_name: str = "Tiny county",
    zone_names: tuple[str, str] = ("West", "East"),
    zone_ids: tuple[str, str] = ("W", "E"),
) -> dict[str, Path]:
    """Write the tiny county's files (OSM XML, population GeoTIFF, boundary, two zones)."""
    folder.mkdir(parents=True, exist_ok=True)
    osm = write_tiny_osm(folder / "tiny.osm", facilities)
    pop = folder / "pop.tif"
    with rasterio.open(
        pop,
        "w",
        driver="GTiff",
        height=2,
        width=4,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(99.995, 0.015, 0.01, 0.01),
        nodata=-99999,
    ) as dst:
        dst.write(POP, 1)
    county = folder / "county.geojson"
    gpd.GeoDataFrame(
        {"name": [county_name]}, geometry=[box(99.995, -0.005, 100.035, 0.015)], crs="EPSG:4326"
    ).to_file(county)
    zones = folder / "zones.geojson"
    gpd.GeoDataFrame(
        {"zone_id": list(zone_ids), "name": list(zone_names)},
        geometry=[box(99.995, -0.005, 100.015, 0.015), box(100.015, -0.005, 100.035, 0.015)],
        crs="EPSG:4326",
    ).to_file(zones)
    return {"osm": osm, "population": pop, "county": county, "zones": zones}


@pytest.fixture
def tiny(tmp_path: Path) -> dict[str, Path]:
    """Files of the tiny county: OSM XML, population GeoTIFF, boundary, two zones."""
    return write_tiny_county(tmp_path)


def load_tiny(tiny: dict[str, Path], osm_path: Path | None = None):
    """The tiny county read back: (network, facilities, population, zones)."""
    import warnings

    import access15 as ax

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        osm = ax.read_osm(osm_path or tiny["osm"])
    net = ax.build_network(osm)
    fac = ax.facilities_from_osm(osm)
    county = ax.read_boundary(tiny["county"])
    pop = ax.read_population(tiny["population"], boundary=county)
    zones = ax.read_zones(tiny["zones"])
    return net, fac, pop, zones


def one_level_config(minutes: float, min_tier: int = 1):
    """A configuration with one service level ``test``: tier >= ``min_tier`` within ``minutes``."""
    import access15 as ax

    return ax.Config(levels=(ax.ServiceLevel("test", min_tier, minutes),), upgrade_level="test")


# --- runs shared by the map, figure, report, files and browser tests (once per session)
# A name that Jinja2 would evaluate (folium renders its elements' output again as a template):
# "j{{7*7}}j" would show "j49j", the comment would vanish and the call would create the folder
# named by $ACCESS15_PWNED (see the ``pwned`` fixture), as crafted names once did. No quotes, so
# HTML escaping alone leaves it intact. Every hostile name below ends with it.
PWNED_ENV = "ACCESS15_PWNED"
HOSTILE_JINJA = (
    "j{{7*7}}j{#c#}{{ cycler.__init__.__globals__.os.makedirs("
    f"cycler.__init__.__globals__.os.environ.{PWNED_ENV}, exist_ok=true) }}}}"
)
JINJA_EVALUATED = "j49j"
HOSTILE_FACILITY = "<script>alert(1)</script>" + HOSTILE_JINJA
HOSTILE_TEMPLATE = "${alert(2)}`);alert(3);(`\\" + HOSTILE_JINJA
HOSTILE_TOWNSHIP = '"><img src=x onerror=alert(4)>' + HOSTILE_JINJA
HOSTILE_EN = "</script><script>alert(5)</script>" + HOSTILE_JINJA
HOSTILE_ID = "E" + HOSTILE_JINJA  # a township id


@pytest.fixture(scope="session")
def pwned(tmp_path_factory):
    """The folder :data:`HOSTILE_JINJA` creates if a name runs as a template: must never exist.

    ``$ACCESS15_PWNED`` names it for the whole session (a batch's worker processes inherit it).
    """
    path = tmp_path_factory.mktemp("pwned") / "created-by-a-name"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PWNED_ENV, str(path))
        yield path


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """The sample county run once (K=3, robustness on, no basemap), and its output folder."""
    import access15 as ax

    out = tmp_path_factory.mktemp("sample") / "out"
    p = ax.sample_paths()
    run = ax.run_county(
        ax.Study(p["osm"], p["population"], p["county"], p["townships"], title=SAMPLE_TITLE),
        siting=ax.SitingOptions(k=3),
        outputs=ax.OutputOptions(out_dir=out, basemap=None, extra_summary={"synthetic": True}),
    )
    return run, out


SAMPLE_TITLE = "Synthetic sample county"


def hostile_files(folder: Path) -> dict[str, Path]:
    """Tiny-county files whose names (OSM tags, township names and ids, county name) try to
    inject HTML, JavaScript and Jinja2 templates."""
    facs = [dict(f) for f in DEFAULT_FACILITIES]
    facs[0]["name"] = xml_escape(HOSTILE_FACILITY)
    facs[0]["name_en"] = xml_escape(HOSTILE_EN)
    facs[1]["name"] = xml_escape(HOSTILE_TEMPLATE, {'"': "&quot;"})
    facs[1]["name_en"] = xml_escape(HOSTILE_JINJA)
    return write_tiny_county(
        folder,
        facs,
        county_name=HOSTILE_EN,
        zone_names=(HOSTILE_TOWNSHIP, "East"),
        zone_ids=("W", HOSTILE_ID),
    )


@pytest.fixture(scope="session")
def hostile(tmp_path_factory, pwned):
    """The hostile tiny county run once (K=1, robustness off), and its output folder."""
    import warnings

    import access15 as ax

    base = tmp_path_factory.mktemp("hostile")
    f = hostile_files(base / "in")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the tiny county's off-network parts
        run = ax.run_county(
            ax.Study(f["osm"], f["population"], f["county"], f["zones"], title=HOSTILE_FACILITY),
            siting=ax.SitingOptions(k=1),
            robustness=False,
            outputs=ax.OutputOptions(out_dir=base / "out", basemap=None, lang="en"),
        )
    return run, base / "out"


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"real test data not found at {path} (needs ../shared/data beside the checkout)"
        )
    return path


# --- real county boundaries (GCJ-02 and WGS-84 twins), shared by tests/test_crs.py and
# tests/io/test_areas.py
CN_BOUNDARIES = SHARED / "cn-county-boundaries"
CN_GCJ_FILE = CN_BOUNDARIES / "china_counties_gcj02_amap.geojson"
CN_WGS_FILE = CN_BOUNDARIES / "china_counties_wgs84.geojson"


@pytest.fixture(scope="session")
def cn_counties() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The four real counties as (GCJ-02 AMap, WGS-84 twin), indexed by adcode."""
    if not (CN_GCJ_FILE.is_file() and CN_WGS_FILE.is_file()):
        pytest.skip(
            f"real county boundaries not found at {CN_BOUNDARIES} (needs ../shared/data beside "
            "the checkout)"
        )
    gcj = gpd.read_file(CN_GCJ_FILE)
    wgs = gpd.read_file(CN_WGS_FILE)
    return gcj.set_index("adcode"), wgs.set_index("adcode")


def boundary_gaps_m(points_from, polygon_to) -> np.ndarray:
    """Geodesic metres from every vertex of ``points_from`` to the boundary of ``polygon_to``.

    The nearest point of the boundary is found in an azimuthal equidistant projection centred
    on ``polygon_to``, and the distance to it is measured with ``pyproj.Geod``.
    """
    import shapely
    from pyproj import CRS, Transformer

    c = polygon_to.centroid
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +ellps=WGS84 +units=m")
    fwd = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    inv = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    ring = shapely.transform(
        polygon_to.boundary, lambda a: np.column_stack(fwd.transform(a[:, 0], a[:, 1]))
    )
    xy = shapely.get_coordinates(points_from)
    px, py = fwd.transform(xy[:, 0], xy[:, 1])
    near = shapely.get_coordinates(shapely.shortest_line(shapely.points(px, py), ring))[1::2]
    nlon, nlat = inv.transform(near[:, 0], near[:, 1])
    return np.asarray(Geod(ellps="WGS84").inv(xy[:, 0], xy[:, 1], nlon, nlat)[2])


# --- random road networks, shared by tests/test_travel.py and tests/siting/test_problem.py
def random_network(seed: int, n: int, m: int):
    """A random drive network: ``n`` nodes, up to ``m`` edges of 1-100 s (no loops, no twins)."""
    from access15.network import NetworkStats, RoadNetwork

    rng = np.random.default_rng(seed)
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    keep = u != v
    u, v = u[keep], v[keep]
    t = rng.uniform(1.0, 100.0, len(u))
    # drop parallel edges (the builder keeps only the fastest; mimic that here)
    key = u * n + v
    _, first = np.unique(key, return_index=True)
    u, v, t = u[first], v[first], t[first]
    stats = NetworkStats(0, 0, 0, n, 0, 1, 0.0)
    return RoadNetwork(
        mode="drive",
        crs="EPSG:32649",
        node_ids=np.arange(n, dtype=np.int64) + 1000,
        lon=np.zeros(n),
        lat=np.zeros(n),
        x=np.zeros(n),
        y=np.zeros(n),
        edge_u=u,
        edge_v=v,
        edge_length_m=t,
        edge_time_s=t,
        edge_highway=np.array(["road"] * len(u), dtype=object),
        stats=stats,
    )


# --- random site-selection instances and their brute-force optimum, shared by tests/siting/.
# The raw objective of a set of sites is computed straight from the instance (no aggregation,
# no savings form), so agreement with access15.solve is an independent check.
def raw_value(kind, t, base, w, zone, sites):
    """Objective of ``sites`` straight from the raw instance (no aggregation, no savings)."""
    if kind == "coverage":
        covered = t[list(sites)].any(axis=0) if sites else np.zeros(t.shape[1], dtype=bool)
        return float(w[covered].sum())
    v = base.copy()
    for j in sites:
        v = np.minimum(v, t[j])
    if kind == "median":
        return float(w @ v / w.sum())
    if kind == "center":
        return float(v.max())
    out = []
    for z in np.unique(zone):
        s = zone == z
        out.append(float(w[s] @ v[s] / w[s].sum()))
    return max(out)


def brute(kind, t, base, w, zone, m, *, k, budget, cost, must, exclude, site_zone, req):
    """Best objective over every feasible set of sites (None when no set is feasible)."""
    best = None
    sizes = range(m + 1) if budget is not None else [k]
    for size in sizes:
        if budget is not None and k is not None and size > k:
            continue
        for combo in itertools.combinations(range(m), size):
            if set(must) - set(combo) or set(exclude) & set(combo):
                continue
            if budget is not None and cost[list(combo)].sum() > budget + 1e-9:
                continue
            if any(not (site_zone[list(combo)] == z).any() for z in req):
                continue
            val = raw_value(kind, t, base, w, zone, combo)
            if best is None or (val > best if kind == "coverage" else val < best):
                best = val
    return best


@st.composite
def instances(draw, kind):
    """Small instances of one objective, with or without constraints."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    m = draw(st.integers(2, 6))
    n = draw(st.integers(1, 18))
    w = rng.integers(1, 60, n).astype(float)
    zone = rng.integers(0, 3, n)
    if kind == "coverage":
        t = rng.random((m, n)) < 0.35
        base = None
    else:
        base = rng.integers(5, 40, n).astype(float)
        t = np.where(rng.random((m, n)) < 0.5, rng.integers(0, 45, (m, n)).astype(float), np.inf)
        if draw(st.booleans()):  # ties between sites and with the current time
            t = np.where(np.isfinite(t), np.round(t / 10) * 10, t)
            base = np.round(base / 10) * 10 + 5
    constrained = draw(st.booleans())
    use_budget = constrained and draw(st.booleans())
    k = draw(st.integers(0, m)) if not use_budget else draw(st.one_of(st.none(), st.integers(1, m)))
    cost = rng.integers(1, 5, m).astype(float) if use_budget else np.ones(m)
    budget = float(draw(st.integers(1, 10))) if use_budget else None
    must = [int(rng.integers(m))] if constrained and draw(st.booleans()) else []
    exclude = (
        [j for j in [int(rng.integers(m))] if j not in must]
        if constrained and draw(st.booleans())
        else []
    )
    site_zone = rng.integers(0, 2, m)
    req = sorted(set(rng.integers(0, 2, draw(st.integers(0, 2))).tolist())) if constrained else []
    return {
        "t": t,
        "base": base,
        "w": w,
        "zone": zone,
        "m": m,
        "k": k,
        "budget": budget,
        "cost": cost,
        "must": must,
        "exclude": exclude,
        "site_zone": site_zone,
        "req": req,
    }


@st.composite
def zone_instances(draw):
    """Larger worst-township instances than ``instances``: the warm start is often beaten."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    m, n, nz = int(rng.integers(7, 11)), int(rng.integers(30, 80)), int(rng.integers(2, 6))
    zone = rng.integers(0, nz, n)
    zone[:nz] = np.arange(nz)  # every zone populated
    site_zone = rng.integers(0, nz, m)
    base = rng.integers(20, 60, n).astype(float)
    # a site helps its own zone most, its neighbours a little
    near = (np.abs(site_zone[:, None] - zone[None, :]) <= 1) & (rng.random((m, n)) < 0.7)
    t = np.where(near, rng.integers(2, 50, (m, n)).astype(float), np.inf)
    w = rng.integers(1, 200, n).astype(float)
    k = int(rng.integers(2, 5))
    must = [int(rng.integers(m))] if draw(st.booleans()) else []
    exclude = [j for j in [int(rng.integers(m))] if j not in must] if draw(st.booleans()) else []
    req = [int(site_zone[-1])] if draw(st.booleans()) and m - 1 not in exclude else []
    return {
        "t": t,
        "base": base,
        "w": w,
        "zone": zone,
        "m": m,
        "k": k,
        "budget": None,
        "cost": np.ones(m),
        "must": must,
        "exclude": exclude,
        "site_zone": site_zone,
        "req": req,
    }


def problem(kind, inst, aggregate=True):
    """The :class:`SitingProblem` of an instance."""
    from access15.siting import SitingProblem

    if kind == "coverage":
        return SitingProblem.from_coverage(sp.csr_matrix(inst["t"]), inst["w"], aggregate=aggregate)
    return SitingProblem.from_times(
        inst["t"],
        inst["base"],
        inst["w"],
        objective=kind,
        zone=inst["zone"],
        aggregate=aggregate,
    )


def constraints(inst):
    """The constraints of an instance as :class:`access15.SiteConstraints`."""
    import access15 as ax

    return ax.SiteConstraints(
        k=inst["k"],
        budget=inst["budget"],
        cost=inst["cost"],
        must_include=inst["must"],
        exclude=inst["exclude"],
        site_zone=inst["site_zone"],
        required_zones=inst["req"],
    )


def check_exact_equals_brute(kind, inst):
    """Exact = enumeration; heuristics feasible, never better than it, bounds on the right side."""
    import access15 as ax
    from access15.siting import solve

    prob = problem(kind, inst)
    cons = constraints(inst)
    best = brute(
        kind,
        inst["t"],
        inst["base"],
        inst["w"],
        inst["zone"],
        inst["m"],
        k=inst["k"],
        budget=inst["budget"],
        cost=inst["cost"],
        must=inst["must"],
        exclude=inst["exclude"],
        site_zone=inst["site_zone"],
        req=inst["req"],
    )
    if best is None:
        with pytest.raises(ax.InputError):
            solve(prob, cons, method="exact")
        return
    sol = solve(prob, cons, method="exact", time_limit_s=30)
    assert sol.proven, sol
    assert sol.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
    # the reported objective is the raw objective of the sites returned, and they are feasible
    sites = sol.sites.tolist()
    raw = raw_value(kind, inst["t"], inst["base"], inst["w"], inst["zone"], sites)
    assert raw == pytest.approx(sol.objective, rel=1e-6, abs=1e-6)
    assert set(inst["must"]) <= set(sites)
    assert not set(inst["exclude"]) & set(sites)
    assert all((inst["site_zone"][sites] == z).any() for z in inst["req"])
    if inst["budget"] is None:
        assert len(sites) == inst["k"]
    else:
        assert inst["cost"][sites].sum() <= inst["budget"] + 1e-9
    # heuristics are feasible and never beat the optimum; the bound is on the right side
    for method in ("greedy", "swap"):
        h = solve(prob, cons, method=method)
        hv = raw_value(kind, inst["t"], inst["base"], inst["w"], inst["zone"], h.sites.tolist())
        assert hv == pytest.approx(h.objective, rel=1e-6, abs=1e-6)
        if kind == "coverage":
            assert hv <= best + 1e-6
            assert h.bound >= best - 1e-6
        else:
            assert hv >= best - 1e-6
            assert h.bound <= best + 1e-6


# --- counties CSVs of the batch tests (tests/batch/): rows, writers and small readers
BATCH_HOSTILE = "<img src=x onerror=alert(1)>澜`${1}`" + HOSTILE_JINJA
# (seed, size_km, townships, clinic_share): small and varied, well under a second each
BATCH_GOOD = [(11, 6, 2, 0.7), (12, 8, 2, 0.2), (13, 7, 3, 0.7), (14, 9, 2, 0.0), (15, 6, 2, 0.7),
              (16, 8, 3, 0.5)]  # fmt: skip
BATCH_FIELDS = ["id", "name", "osm", "population", "boundary", "zones", "facilities", "k"]


def write_csv(path: Path, rows: list[dict], fields: list[str] = BATCH_FIELDS) -> Path:
    """Write ``rows`` as a counties CSV with the header ``fields``."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


def read_rows(counties: Path) -> list[dict]:
    """Rows of counties.csv with absolute paths (for CSVs written elsewhere)."""
    with open(counties / "counties.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for key in ("osm", "population", "boundary", "zones"):
            if r[key]:
                r[key] = str(counties / r[key])
    return rows


def row(cid: str, folder: str, **kw: object) -> dict:
    """One county row whose files are the generated county in ``folder``."""
    return {
        "id": cid,
        "name": "",
        "osm": f"{folder}/county.osm.pbf",
        "population": f"{folder}/population.tif",
        "boundary": f"{folder}/county.geojson",
        "zones": f"{folder}/townships.geojson",
        "facilities": "",
        "k": 2,
        **kw,
    }


def events(out: Path, spec, run_id: str, event: str) -> int:
    """How many ``event`` lines of run ``run_id`` the county's attempt log holds."""
    from access15.batch import read_log

    return sum(1 for e in read_log(out, spec) if e["run_id"] == run_id and e["event"] == event)


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file of ``folder``: (mtime in ns, sha256)."""
    return {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
    }
