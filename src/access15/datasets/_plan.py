"""The plan of the sample county 安澜县: place, size, main-road layout and road tags.

Lengths in metres unless stated otherwise; the layout is in kilometres in the county frame
(x east, y north, origin at the county centre, :data:`CENTER_LON`, :data:`CENTER_LAT`).
"""

from __future__ import annotations


def km(text: str) -> list[tuple[float, float]]:
    """Parse ``"x,y x,y ..."`` (kilometres) into a list of points."""
    return [(float(p.split(",")[0]), float(p.split(",")[1])) for p in text.split()]


CENTER_LON = 112.6  # degrees
CENTER_LAT = 27.4  # degrees
UTM_CRS = "EPSG:32649"
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
RIVER_KM = km("-7,-27 -8,-17 -6.3,-9 -5.7,-3 -5.4,1.5 -7,5.5 -9.8,10.5 -12.2,16 -13.2,22 -14.5,28")
MOTORWAY_KM = km("-31,-19 -16.5,-5.2 -6,7 1.5,18.5 5,29")
TRUNK_KM = km(
    "-30,-4.8 -23.5,-4.3 -19,-3.6 -14.7,-1.9 -12.9,-2.9 -8.5,-1 -2.6,-0.3 3,0.6 8,1.8 12.5,3.6 "
    "17,3 21.5,5.2 28,7"
)
PRIMARY_KM = km(
    "5,-28 3.2,-19 1,-12 -1.2,-6 -2.6,-0.3 -3,4.3 -5.3,8.4 -8.6,10 -11,10.5 -13.5,12.8 -18.5,14.5 "
    "-28,17"
)
XSOUTH_KM = km("-15,-12.2 -11,-12.6 -6.5,-11.8 -2.5,-12.3 1,-12")  # a county road with a bridge
# township seats on the main roads (the county seat is on both)
TRUNK_TOWNS_KM = km("-19,-3.6 -2.6,-0.3 8,1.8 17,3")
PRIMARY_TOWNS_KM = km("3.2,-19 1,-12 -13.5,12.8")
# township seats off the main roads (jittered by the seed)
FREE_TOWNS_KM = km(
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
