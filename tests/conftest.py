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
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import geopandas as gpd
import numpy as np
import pytest
import rasterio
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
        {"zone_id": ["W", "E"], "name": list(zone_names)},
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
HOSTILE_FACILITY = "<script>alert(1)</script>"
HOSTILE_TEMPLATE = "${alert(2)}`);alert(3);(`\\"
HOSTILE_TOWNSHIP = '"><img src=x onerror=alert(4)>'
HOSTILE_EN = "</script><script>alert(5)</script>"


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
    """Tiny-county files whose names try to inject HTML and JavaScript."""
    facs = [dict(f) for f in DEFAULT_FACILITIES]
    facs[0]["name"] = xml_escape(HOSTILE_FACILITY)
    facs[0]["name_en"] = xml_escape(HOSTILE_EN)
    facs[1]["name"] = xml_escape(HOSTILE_TEMPLATE, {'"': "&quot;"})
    return write_tiny_county(
        folder, facs, county_name=HOSTILE_EN, zone_names=(HOSTILE_TOWNSHIP, "East")
    )


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
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
