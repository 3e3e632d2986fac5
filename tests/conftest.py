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


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """The sample county run once per session with its outputs on disk (see _report_data)."""
    from _report_data import sample_run

    return sample_run(tmp_path_factory)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """The tiny county with HTML/JS injection names, run once per session (see _report_data)."""
    from _report_data import hostile_run

    return hostile_run(tmp_path_factory)


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"real test data not found at {path} (needs ../shared/data beside the checkout)"
        )
    return path
