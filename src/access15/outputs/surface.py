"""The travel-time surface on the interactive map: a palette PNG image overlay.

A surface larger than :data:`SURFACE_MAX_PX` a side is reduced to blocks of cells (the longest
time of each block, :func:`access15.outputs.style.block_max`), coloured by band, and laid over
the map; a lat/lon grid's rows are first resampled to Web-Mercator steps, as Leaflet stretches
an image linearly in Web-Mercator metres.
"""

from __future__ import annotations

import base64
import io

import folium
import numpy as np
import numpy.typing as npt
from PIL import Image

from access15.outputs.style import BAND_COLOURS, block_max, surface_band_index

__all__ = ["SURFACE_MAX_PX", "add_surface"]

SURFACE_MAX_PX = 2048
"""Longest side of the travel-time image in the map, pixels. A larger surface is reduced to
blocks of cells, each showing the longest time of its cells (no place looks better served than
it is), and written as a palette PNG: the image stays under ~2 MB whatever the county."""
_SURFACE_ALPHA = 170  # opacity of the surface's cells with a time, 0-255


def add_surface(
    m: folium.Map,
    minutes: npt.NDArray[np.floating],
    crs: str,
    frame: tuple[float, float, float, float],
    *,
    name: str,
) -> None:
    """Draw a travel-time grid on ``m`` as an image overlay coloured by band.

    Parameters
    ----------
    m : folium.Map
        The map to draw on.
    minutes : ndarray of float, shape (rows, cols)
        Travel time of each cell of the population grid, minutes (NaN: not reached).
    crs : str
        CRS of the population grid.
    frame : tuple of float
        The grid's (west, south, east, north) frame, WGS-84 degrees.
    name : str
        Name of the layer in the layer control (escaped).
    """
    west, south, east, north = frame
    surface, f = block_max(minutes, SURFACE_MAX_PX)
    # blocks hanging over the south/east edge widen the image's frame by their overhang
    img_south = north + (south - north) * surface.shape[0] * f / minutes.shape[0]
    img_east = west + (east - west) * surface.shape[1] * f / minutes.shape[1]
    if crs in ("EPSG:4326", "OGC:CRS84"):
        surface = _mercator_rows(surface, img_south, north)
    folium.raster_layers.ImageOverlay(
        image=_surface_png(surface),
        bounds=[[img_south, west], [north, img_east]],
        mercator_project=False,
        name=name,
        pixelated=True,
        class_name="a15-surface",
    ).add_to(m)


def _mercator_rows(
    grid: npt.NDArray[np.floating], south: float, north: float
) -> npt.NDArray[np.floating]:
    """Resample a north-up lat/lon grid's rows to equal Web-Mercator steps (nearest row).

    Leaflet stretches an image overlay linearly in Web-Mercator metres, so rows of a lat/lon
    grid must be redistributed first; nearest-row sampling keeps band colours exact.
    """
    h = grid.shape[0]

    def merc(lat: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64]:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    y = np.linspace(merc(north), merc(south), h, endpoint=False) + (merc(south) - merc(north)) / (
        2 * h
    )
    lat = np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)
    rows = np.clip(((north - lat) / (north - south) * h).astype(np.int64), 0, h - 1)
    return grid[rows]


def _surface_png(minutes: npt.NDArray[np.floating]) -> str:
    """Colour the travel-time grid by band into a palette PNG data URI (NaN transparent)."""
    idx = surface_band_index(minutes)
    h, w = idx.shape
    image = Image.frombytes("P", (w, h), np.ascontiguousarray(idx).tobytes())
    image.putpalette([v for c in BAND_COLOURS for v in _rgb(c)] + [0, 0, 0])
    buf = io.BytesIO()
    alpha = bytes([_SURFACE_ALPHA] * len(BAND_COLOURS) + [0])
    image.save(buf, format="PNG", transparency=alpha, compress_level=9)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
