"""Colours and symbols shared by the interactive map and the printed figures.

The travel-time bands of the surface (:data:`BANDS_MINUTES`, :data:`BAND_COLOURS`) and one
symbol per facility tier (:data:`TIER_STYLE`), so a planner reads the same legend on the map,
the PNG figures and the report.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "BANDS_MINUTES",
    "BAND_COLOURS",
    "FULL_COLOUR",
    "NODATA_COLOUR",
    "SUPPLY_COLOURS",
    "TIER_STYLE",
    "band_colour",
    "block_max",
    "surface_band_index",
    "surface_rgba",
    "symbol_svg",
]

BANDS_MINUTES = (0.0, 5.0, 10.0, 15.0, 30.0, 60.0)
"""Edges of the colour bands of the travel-time surface, minutes (the last band is open)."""
BAND_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b", "#fc8d59", "#d73027", "#67001f")
TIER_STYLE: dict[int, dict[str, Any]] = {
    4: {"color": "#08306b", "shape": "square", "size": 22, "marker": "s"},
    3: {"color": "#54278f", "shape": "diamond", "size": 20, "marker": "D"},
    2: {"color": "#2171b5", "shape": "triangle", "size": 17, "marker": "^"},
    1: {"color": "#525252", "shape": "circle", "size": 10, "marker": "o"},
}
"""Symbol of each facility tier: colour, shape, size (pixels) and matplotlib marker."""
SUPPLY_COLOURS = ("#edf8fb", "#b3cde3", "#8c96c6", "#8856a7", "#810f7c")
"""Classes of an accessibility index, least care within reach first (ColorBrewer BuPu)."""
NODATA_COLOUR = "#bdbdbd"
"""Places without a value (no people, or an index that is not defined)."""
FULL_COLOUR = "#e6550d"
"""Ring around a facility whose load reaches its capacity."""


def _hex_to_rgb(h: str) -> tuple[int, int, int]:
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def block_max(grid: npt.NDArray[np.floating], max_px: int) -> tuple[npt.NDArray[np.floating], int]:
    """Reduce a travel-time grid to at most ``max_px`` cells a side: the longest time per block.

    For display only (the map's image, the printed map): no block looks better served than its
    worst cell with a time.

    Blocks of ``f`` x ``f`` cells (``f`` the smallest whole factor that fits) start at the top
    left; the last row/column of blocks may hang over the edge (padded with NaN). A block shows
    the longest time (minutes) of its cells that have one, and NaN only when none has.

    Parameters
    ----------
    grid : ndarray, shape (rows, cols)
        Travel times, minutes; NaN for none.
    max_px : int
        Most cells on the longest side of the result.

    Returns
    -------
    grid : ndarray
        The reduced grid (the input itself when it already fits).
    factor : int
        Cells per block side, ``f``.

    Examples
    --------
    >>> block_max(np.array([[1.0, 9.0, np.nan], [2.0, np.nan, np.nan]]), 2)[0].tolist()
    [[9.0, nan]]
    """
    h, w = grid.shape
    f = max(1, -(-max(h, w) // max_px))
    if f == 1:
        return grid, 1
    hp, wp = -(-h // f) * f, -(-w // f) * f
    padded = np.full((hp, wp), np.nan, dtype=np.float32)
    padded[:h, :w] = grid
    blocks = padded.reshape(hp // f, f, wp // f, f)
    return np.fmax.reduce(np.fmax.reduce(blocks, axis=3), axis=1), f


def surface_band_index(minutes: npt.NDArray[np.floating]) -> npt.NDArray[np.uint8]:
    """Colour band of each cell of a travel-time grid (minutes): an index into BAND_COLOURS.

    Parameters
    ----------
    minutes : ndarray
        Travel times, minutes; NaN for no data.

    Returns
    -------
    ndarray of uint8, shape ``minutes.shape``
        Index of the cell's band in :data:`BAND_COLOURS`; ``len(BAND_COLOURS)`` where NaN.

    Examples
    --------
    >>> surface_band_index(np.array([1.0, 5.0, 5.1, np.nan, 100.0])).tolist()
    [0, 0, 1, 6, 5]
    """
    m = np.asarray(minutes)
    band = np.searchsorted(np.asarray(BANDS_MINUTES[1:]), np.nan_to_num(m, nan=0.0), side="left")
    band = np.clip(band, 0, len(BAND_COLOURS) - 1)
    return np.where(np.isfinite(m), band, len(BAND_COLOURS)).astype(np.uint8)


def surface_rgba(minutes: npt.NDArray[np.floating], *, alpha: int = 170) -> npt.NDArray[np.uint8]:
    """Colour a travel-time grid (minutes) by the display bands; NaN cells are transparent.

    Parameters
    ----------
    minutes : ndarray
        Travel times, minutes; NaN for no data.
    alpha : int
        Opacity of the cells with data, 0-255.

    Returns
    -------
    ndarray of uint8, shape (*minutes.shape, 4)
        RGBA image.

    Examples
    --------
    >>> surface_rgba(np.array([[1.0, np.nan, 100.0]]))[0, :, 3].tolist()
    [170, 0, 170]
    """
    m = np.asarray(minutes, dtype=np.float64)
    band = np.searchsorted(np.asarray(BANDS_MINUTES[1:]), np.nan_to_num(m, nan=0.0), side="left")
    band = np.clip(band, 0, len(BAND_COLOURS) - 1)
    lut = np.array([_hex_to_rgb(c) for c in BAND_COLOURS], dtype=np.uint8)
    rgba = np.zeros((*m.shape, 4), dtype=np.uint8)
    rgba[..., :3] = lut[band]
    rgba[..., 3] = np.where(np.isfinite(m), alpha, 0)
    return rgba


def band_colour(max_minutes: float) -> str:
    """Return the colour of the band whose upper edge is ``max_minutes`` (minutes).

    Examples
    --------
    >>> band_colour(15.0), band_colour(120.0)
    ('#d9ef8b', '#67001f')
    """
    i = int(np.searchsorted(np.asarray(BANDS_MINUTES[1:]), max_minutes, side="left"))
    return BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)]


def symbol_svg(tier: int, *, size: int | None = None) -> str:
    """Return the inline SVG of a facility tier's symbol (white outline, reads on any colour).

    Parameters
    ----------
    tier : int
        Facility tier, 1-4 (others are drawn as tier 1).
    size : int, optional
        Width and height, pixels (default: the tier's size in :data:`TIER_STYLE`).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    st = TIER_STYLE.get(int(tier), TIER_STYLE[1])
    s = size or st["size"]
    c = st["color"]
    w = 'stroke="#ffffff" stroke-width="1.5"'
    if st["shape"] == "square":
        a, b = s * 0.28, s * 0.72
        body = (
            f'<rect x="1" y="1" width="{s - 2}" height="{s - 2}" rx="2" fill="{c}" {w}/>'
            f'<path d="M{s / 2} {a}V{b}M{a} {s / 2}H{b}" stroke="#ffffff" '
            f'stroke-width="{s * 0.16:.1f}"/>'
        )
    elif st["shape"] == "diamond":
        h = s / 2
        body = f'<path d="M{h} 1L{s - 1} {h}L{h} {s - 1}L1 {h}Z" fill="{c}" {w}/>'
    elif st["shape"] == "triangle":
        body = f'<path d="M{s / 2} 1L{s - 1} {s - 1}H1Z" fill="{c}" {w}/>'
    else:
        body = f'<circle cx="{s / 2}" cy="{s / 2}" r="{s / 2 - 1}" fill="{c}" {w}/>'
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}">{body}</svg>'
