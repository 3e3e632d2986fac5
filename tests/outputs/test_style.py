"""access15.outputs.style: band colours and tier symbols, complete and consistent."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import access15 as ax
from access15.bands import DEFAULT_BANDS
from access15.config import TIER_NAMES
from access15.outputs.style import (
    BAND_COLOURS,
    BANDS_MINUTES,
    TIER_STYLE,
    band_colour,
    surface_rgba,
    symbol_svg,
)

HEX = re.compile(r"^#[0-9a-f]{6}$")
SVG = "{http://www.w3.org/2000/svg}"


def test_one_distinct_colour_per_band():
    assert BANDS_MINUTES[0] == 0.0
    assert all(a < b for a, b in itertools.pairwise(BANDS_MINUTES))
    assert len(BAND_COLOURS) == len(BANDS_MINUTES)  # one per band, the last one open
    assert len(set(BAND_COLOURS)) == len(BAND_COLOURS)
    assert all(HEX.match(c) for c in BAND_COLOURS)


def test_isochrone_bands_are_surface_band_edges():
    # the map colours isochrones with band_colour: each default band gets its own colour,
    # the colour of the surface cells at that many minutes
    assert set(DEFAULT_BANDS) <= set(BANDS_MINUTES[1:])
    colours = [band_colour(b) for b in DEFAULT_BANDS]
    assert len(set(colours)) == len(DEFAULT_BANDS)
    rgba = surface_rgba(np.array(DEFAULT_BANDS))
    for c, px in zip(colours, rgba, strict=True):
        assert px[:3].tolist() == [int(c[i : i + 2], 16) for i in (1, 3, 5)]


@pytest.mark.parametrize(
    ("minutes", "colour"),
    [
        (0.0, "#1a9850"),
        (5.0, "#1a9850"),  # an upper edge belongs to its band
        (5.0001, "#91cf60"),
        (10.0, "#91cf60"),
        (15.0, "#d9ef8b"),
        (30.0, "#fc8d59"),
        (60.0, "#d73027"),
        (60.1, "#67001f"),
        (1e9, "#67001f"),
        (np.inf, "#67001f"),
    ],
)
def test_band_colour(minutes, colour):
    assert band_colour(minutes) == colour


def test_surface_rgba():
    m = np.array([[0.0, 5.0, 7.5], [np.nan, 45.0, np.inf]])
    rgba = surface_rgba(m, alpha=200)
    assert rgba.shape == (2, 3, 4)
    assert rgba.dtype == np.uint8
    assert rgba[0, 0].tolist() == [0x1A, 0x98, 0x50, 200]
    assert rgba[0, 1].tolist() == [0x1A, 0x98, 0x50, 200]
    assert rgba[0, 2].tolist() == [0x91, 0xCF, 0x60, 200]
    assert rgba[1, 0, 3] == 0  # no data: transparent
    assert rgba[1, 1].tolist() == [0xD7, 0x30, 0x27, 200]
    assert rgba[1, 2, 3] == 0  # unreachable (inf) is not drawn either
    assert surface_rgba(np.array([1.0]))[0, 3] == 170


def test_every_tier_has_a_distinct_symbol():
    tiers_of_rules = {t for _, _, t in ax.Config().tier_rules}
    assert set(TIER_STYLE) == set(TIER_NAMES) == {1, 2, 3, 4}
    assert tiers_of_rules <= set(TIER_STYLE)
    for st in TIER_STYLE.values():
        assert set(st) == {"color", "shape", "size", "marker"}
        assert HEX.match(st["color"])
    for key in ("color", "shape", "marker"):
        assert len({st[key] for st in TIER_STYLE.values()}) == 4, key
    # the higher the tier, the bigger the symbol
    assert [TIER_STYLE[t]["size"] for t in (1, 2, 3, 4)] == sorted(
        TIER_STYLE[t]["size"] for t in (1, 2, 3, 4)
    )


@pytest.mark.parametrize(
    ("tier", "element"), [(4, "rect"), (3, "path"), (2, "path"), (1, "circle"), (9, "circle")]
)
def test_symbol_svg(tier, element):
    svg = ET.fromstring(symbol_svg(tier))
    st = TIER_STYLE.get(tier, TIER_STYLE[1])  # unknown tiers drawn as tier 1
    assert svg.tag == f"{SVG}svg"
    assert svg.get("width") == svg.get("height") == str(st["size"])
    body = svg[0]
    assert body.tag == f"{SVG}{element}"
    assert body.get("fill") == st["color"]
    assert body.get("stroke") == "#ffffff"
    small = ET.fromstring(symbol_svg(tier, size=14))
    assert small.get("width") == "14"
    assert small.get("height") == "14"
