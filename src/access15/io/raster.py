"""Population rasters read in strips, and the checks on their cell values.

A window of a population raster is read strip by strip (:func:`read_strips`), keeping only
its populated cells, its study-area mask and the cells whose values are suspect; those are
checked by :func:`check_usable` (infinite values, implausible densities, NaN or negative
counts). :func:`centres` and :func:`to_lonlat` place grid cells in WGS-84.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from rasterio.features import geometry_mask
from rasterio.windows import Window

from access15.errors import InputError

__all__ = [
    "MAX_BAD_CELL_SHARE",
    "MAX_PEOPLE_PER_KM2",
    "Grid",
    "Sparse",
    "cell_area_km2",
    "centres",
    "check_usable",
    "read_strips",
    "to_lonlat",
]

_LONLAT_CRS = frozenset({"EPSG:4326", "OGC:CRS84"})


#: Most people a raster cell may hold per km² of its area: ten times the densest city blocks
#: on record (Kowloon Walled City, ~1.3 million people/km²). A larger value is a unit error or
#: an undeclared fill value (e.g. 3.4e38), refused with :class:`access15.InputError`.
MAX_PEOPLE_PER_KM2 = 1e7
#: Share of a raster's cells (with data, inside the study area) that may hold NaN or negative
#: values, left out as no data with a warning; above it the raster is refused.
MAX_BAD_CELL_SHARE = 0.01


_STRIP_CELLS = 1 << 22  # raster cells read at a time (32 MB as float64)


@dataclass(frozen=True)
class Sparse:
    """A raster window read strip by strip: populated cells, area mask, cells to check.

    Attributes
    ----------
    rows, cols, pop : ndarray
        Populated cells (finite people > 0) of the window and their people.
    area : ndarray of bool
        Cells of the window inside the study area with a count of people (finite, >= 0).
    n_usable : int
        Cells with data (not nodata) inside the study area.
    odd_values, odd_rows, odd_cols : ndarray
        The suspicious usable cells (NaN, infinite, negative or implausibly many people).
    """

    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    pop: npt.NDArray[np.float64]
    area: npt.NDArray[np.bool_]
    n_usable: int
    odd_values: npt.NDArray[np.float64]
    odd_rows: npt.NDArray[np.int64]
    odd_cols: npt.NDArray[np.int64]


def read_strips(ds: Any, window: Window, geom: Any) -> Sparse:
    """Read ``window`` of band 1 in strips of whole blocks, keeping only what is needed.

    Each strip (at most :data:`_STRIP_CELLS` cells, a whole number of the file's block rows)
    is read, masked to ``geom`` (cell centres inside; None: every cell) and reduced to its
    populated cells (finite people > 0), its area cells (finite people >= 0 inside ``geom``, a
    bool per cell) and its suspicious usable cells (NaN, infinite, negative or implausibly many
    people, for :func:`check_usable`). Memory: one strip, the area mask (1 byte a cell of the
    window) and the populated cells, never a float array of the whole window.

    Parameters
    ----------
    ds : rasterio.DatasetReader
        The open population raster.
    window : Window
        Window of the raster to read.
    geom : shapely geometry or None
        Study area in the raster's CRS; None keeps every cell.

    Returns
    -------
    Sparse
        The populated cells, the area mask and the cells to check.
    """
    h, w = int(window.height), int(window.width)
    block_h = max(1, int(ds.block_shapes[0][0]))
    step = max(block_h, (_STRIP_CELLS // max(w, 1)) // block_h * block_h)
    limit = MAX_PEOPLE_PER_KM2 * 1e-4  # no cell is smaller than 10 m x 10 m (1e-4 km²)
    area = np.zeros((h, w), dtype=bool)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    odd: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    n_usable = 0
    for s0 in range(0, h, step):
        sh = min(step, h - s0)
        strip = Window(window.col_off, window.row_off + s0, w, sh)
        data = ds.read(1, window=strip, masked=True).astype(np.float64)
        values = np.asarray(data.filled(np.nan), dtype=np.float64)  # nodata -> NaN
        usable = ~np.ma.getmaskarray(data)
        if geom is not None:
            usable &= geometry_mask(
                [geom], out_shape=(sh, w), transform=ds.window_transform(strip), invert=True
            )
        with np.errstate(invalid="ignore"):
            good = np.isfinite(values) & (values >= 0)
            suspicious = usable & ~(good & (values <= limit))
            ok = usable & good
            populated = ok & (values > 0)
        n_usable += int(usable.sum())
        if suspicious.any():
            r, c = np.nonzero(suspicious)
            odd.append((values[suspicious], r + s0, c))
        area[s0 : s0 + sh] = ok
        r, c = np.nonzero(populated)
        found.append((r + s0, c, values[populated]))

    def join(parts: Sequence[tuple[np.ndarray, ...]], i: int, dtype: Any) -> np.ndarray:
        return np.concatenate([q[i] for q in parts]).astype(dtype) if parts else np.zeros(0, dtype)

    return Sparse(
        rows=join(found, 0, np.int64),
        cols=join(found, 1, np.int64),
        pop=join(found, 2, np.float64),
        area=area,
        n_usable=n_usable,
        odd_values=join(odd, 0, np.float64),
        odd_rows=join(odd, 1, np.int64),
        odd_cols=join(odd, 2, np.int64),
    )


@dataclass(frozen=True)
class Grid:
    """Where a window of a raster lies: for messages (raster rows/cols) and cell areas.

    Attributes
    ----------
    path : str
        The raster file.
    transform : Affine
        Transform of the window (CRS units per cell).
    crs : str
        CRS of the raster.
    row_off, col_off : int
        Offset of the window in the raster.
    """

    path: str
    transform: Any
    crs: str
    row_off: int
    col_off: int

    def cell(self, r: int, c: int) -> str:
        """Describe cell (``r``, ``c``) of the window: raster row/col and lon/lat."""
        lon, lat = to_lonlat(*centres(self.transform, np.array([r]), np.array([c])), self.crs)
        return (
            f"row {r + self.row_off}, col {c + self.col_off} of the raster "
            f"(lon {float(lon[0]):.5f}, lat {float(lat[0]):.5f})"
        )


def _check_cell_values(
    grid: Grid,
    values: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    declared: float | None,
) -> list[str]:
    """Check the people per cell where ``usable`` (data, inside the study area).

    Infinite values and implausible ones (above :data:`MAX_PEOPLE_PER_KM2`) are refused. NaN
    and negative values are no data: tolerated with a note when they are at most
    :data:`MAX_BAD_CELL_SHARE` of the usable cells, refused above it. A raster without a nodata
    value whose negative cells all hold one value has a fill value (e.g. -99999): those cells
    are no data, with a note.

    Parameters
    ----------
    grid : Grid
        The window's raster, transform (CRS units per cell), CRS and offset.
    values : ndarray of float64
        People per cell of the window (nodata cells may hold anything).
    usable : ndarray of bool
        Cells that hold data (not the nodata value) and lie inside the study area.
    declared : float or None
        The raster's nodata value.

    Returns
    -------
    list of str
        Notes for the run's diagnostics (one line each).

    Raises
    ------
    InputError
        Infinite or implausible values, or too many NaN/negative cells.
    """
    rows, cols = np.nonzero(usable)
    return check_usable(grid, values[usable], rows, cols, int(usable.sum()), declared)


def check_usable(
    grid: Grid,
    v: npt.NDArray[np.float64],
    rows: npt.NDArray[np.integer],
    cols: npt.NDArray[np.integer],
    n: int,
    declared: float | None,
) -> list[str]:
    """:func:`_check_cell_values` on usable cells given sparsely.

    ``v`` holds the values of usable cells at (``rows``, ``cols``) of the window, in row-major
    order: every usable cell, or only the suspicious ones (NaN, infinite, negative or above
    ``MAX_PEOPLE_PER_KM2 * 1e-4``, the cells the checks look at); ``n`` counts every usable
    cell. Returns the notes; raises :class:`InputError` as :func:`_check_cell_values` does.

    Parameters
    ----------
    grid : Grid
        The window's raster, transform (CRS units per cell), CRS and offset.
    v : ndarray of float64
        Values of the usable cells given.
    rows, cols : ndarray of int
        Their positions in the window.
    n : int
        Usable cells in all.
    declared : float or None
        The raster's nodata value.

    Returns
    -------
    list of str
        Notes for the run's diagnostics (one line each).

    Raises
    ------
    InputError
        Infinite or implausible values, or too many NaN/negative cells.
    """
    where = f"population raster {grid.path!r}"
    if n == 0:
        return []
    inf = np.isinf(v)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        msg = (
            f"{where}: {int(inf.sum()):,} cell(s) inside the study area hold an infinite value "
            f"(e.g. {v[i]:g} at {grid.cell(rows[i], cols[i])}); set those cells to the "
            "raster's nodata value or fix them"
        )
        raise InputError(msg)
    with np.errstate(invalid="ignore"):
        big = v > MAX_PEOPLE_PER_KM2 * 1e-4  # no cell is smaller than 10 m x 10 m (1e-4 km²)
    if big.any():
        idx = np.flatnonzero(big)
        density = v[idx] / cell_area_km2(grid.transform, grid.crs, rows[idx], cols[idx])
        over = idx[~(density <= MAX_PEOPLE_PER_KM2)]
        if len(over):
            i = int(over[np.argmax(v[over])])
            area = float(cell_area_km2(grid.transform, grid.crs, rows[[i]], cols[[i]])[0])
            msg = (
                f"{where}: {len(over):,} cell(s) hold implausibly many people, up to {v[i]:g} "
                f"at {grid.cell(rows[i], cols[i])} = {v[i] / area:.3g} people/km² (the limit is "
                f"{MAX_PEOPLE_PER_KM2:.0e}); the raster must hold people per cell: check its "
                f"units, or declare a fill value as nodata (gdal_edit -a_nodata {v[i]:g})"
            )
            raise InputError(msg)
    nan = np.isnan(v)
    with np.errstate(invalid="ignore"):
        neg = v < 0
    notes: list[str] = []
    fills = np.unique(v[neg])
    if declared is None and len(fills) == 1:  # one negative value: a fill value, not people
        n_fill = int(neg.sum())
        example = f"{float(fills[0]):g}"
        notes.append(
            f"{where} has no nodata value but {n_fill:,} "
            f"{'cell is' if n_fill == 1 else 'cells are'} negative (e.g. {example}); treated "
            f"as no data; set the nodata value (gdal_edit -a_nodata {example}) to silence this"
        )
        neg[:] = False
    bad = nan | neg
    n_bad = int(bad.sum())
    if not n_bad:
        return notes
    kinds = []
    if nan.any():
        kinds.append(f"{int(nan.sum()):,} NaN")
    if neg.any():
        kinds.append(f"{int(neg.sum()):,} negative (e.g. {float(v[neg].min()):g})")
    i = int(np.flatnonzero(bad)[0])
    what = (
        f"{n_bad:,} of the {n:,} cells with data inside the study area ({n_bad / n:.2%}) hold "
        f"no count of people: {' and '.join(kinds)}, e.g. at {grid.cell(rows[i], cols[i])}"
    )
    nodata = "" if declared is None else f" ({declared:g})"
    if n_bad / n > MAX_BAD_CELL_SHARE:
        msg = (
            f"{where}: {what}; more than {MAX_BAD_CELL_SHARE:.0%} of the cells, so people would "
            f"be missing: fix those cells, or set them to the raster's nodata value{nodata} if "
            "they hold no one"
        )
        raise InputError(msg)
    notes.append(
        f"{where}: {what}; left out as no data: set them to the raster's nodata "
        f"value{nodata} if they hold no one, else fix them"
    )
    return notes


def cell_area_km2(
    t: Any, crs: str, rows: npt.NDArray[np.integer], cols: npt.NDArray[np.integer]
) -> npt.NDArray[np.float64]:
    """Area of cells (rows, cols) of a grid in km², from their corners in WGS-84.

    The corners are put on a local plane (km per degree at the cell's latitude): well within
    1 % for cells under 10 km, ample for a plausibility bound.

    Parameters
    ----------
    t : Affine
        Grid transform (CRS units per cell).
    crs : str
        CRS of the grid.
    rows, cols : ndarray of int
        Cell positions on the grid.

    Returns
    -------
    ndarray of float64
        Area of each cell, km².
    """
    r = np.asarray(rows, dtype=np.float64)
    c = np.asarray(cols, dtype=np.float64)
    corner_r = np.stack([r, r, r + 1, r + 1])
    corner_c = np.stack([c, c + 1, c + 1, c])
    x = t.c + corner_c * t.a + corner_r * t.b
    y = t.f + corner_c * t.d + corner_r * t.e
    lon, lat = to_lonlat(x.ravel(), y.ravel(), crs)
    lon, lat = lon.reshape(x.shape), lat.reshape(y.shape)
    kx = 111.320 * np.cos(np.radians(lat.mean(axis=0)))  # km per degree of longitude
    px, py = (lon - lon[0]) * kx, (lat - lat[0]) * 110.574
    twice = px * np.roll(py, -1, axis=0) - np.roll(px, -1, axis=0) * py
    return np.asarray(np.abs(twice.sum(axis=0)) / 2.0, dtype=np.float64)


def centres(
    t: Any, rows: npt.NDArray[np.integer], cols: npt.NDArray[np.integer]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Grid coordinates (CRS units) of the centres of cells (rows, cols).

    Parameters
    ----------
    t : Affine
        Grid transform (CRS units per cell).
    rows, cols : ndarray of int
        Cell positions on the grid.

    Returns
    -------
    x, y : ndarray of float64
        Cell centres in the grid's CRS.
    """
    r = np.asarray(rows, dtype=np.float64) + 0.5
    c = np.asarray(cols, dtype=np.float64) + 0.5
    return t.c + c * t.a + r * t.b, t.f + c * t.d + r * t.e


def to_lonlat(
    xs: npt.ArrayLike, ys: npt.ArrayLike, crs: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Coordinates in ``crs`` → WGS-84 lon/lat degrees.

    Parameters
    ----------
    xs, ys : array_like of float
        Coordinates in ``crs``.
    crs : str
        Their CRS, e.g. ``"EPSG:32649"``.

    Returns
    -------
    lon, lat : ndarray of float64
        WGS-84 degrees.
    """
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    if crs in _LONLAT_CRS:
        return x, y
    c = CRS.from_user_input(crs)
    if c.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return x, y
    lon, lat = Transformer.from_crs(c, "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
