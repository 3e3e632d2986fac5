"""Population → demand: raster cells or points (villages, census points) weighted in people.

Two kinds of input give the same :class:`DemandCells`:

* a population **raster** (GeoTIFF, any CRS: WorldPop, GHS-POP, ...): one demand per populated
  cell, on the grid of the window read (:attr:`DemandCells.is_grid` is true);
* a **points** file (CSV with lon/lat columns, GeoJSON, GeoPackage): one demand per point, with
  no grid (:attr:`DemandCells.is_grid` is false).

Grids can be coarsened with :meth:`DemandCells.aggregate` (people summed over blocks of cells).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import rasterio
import shapely
from affine import Affine
from rasterio.errors import RasterioIOError
from rasterio.windows import Window, from_bounds

from access15._repr import card, people
from access15.crs import CrsSpec, crs_name, parse_crs_in, raster_crs_in, source_crs, to_wgs84
from access15.errors import DataWarning, InputError
from access15.io.raster import MAX_BAD_CELL_SHARE as MAX_BAD_CELL_SHARE
from access15.io.raster import MAX_PEOPLE_PER_KM2 as MAX_PEOPLE_PER_KM2
from access15.io.raster import Grid, centres, check_usable, read_strips, to_lonlat
from access15.io.tables import TABLE_SUFFIXES, read_table
from access15.io.vectors import VECTOR_SUFFIXES, read_vector_file

__all__ = ["DemandCells", "read_population"]

_LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "point_x")
_LAT_NAMES = ("lat", "latitude", "y", "纬度", "point_y")
_POP_NAMES = ("pop", "population", "people", "人口", "count")


@dataclass(frozen=True, repr=False)
class DemandCells:
    """People to serve: populated raster cells inside the study area, or points.

    A **grid** (from a raster, :attr:`is_grid` true) holds one entry per populated cell of the
    window read; ``shape``, ``transform``, ``crs`` and ``area_mask`` describe that grid.
    A **point set** (from a CSV/GeoJSON/GeoPackage of villages or census points, :attr:`is_grid`
    false) holds one entry per point and has no grid: ``shape`` is ``(0, 0)``, ``transform`` and
    ``area_mask`` are None, ``row`` and ``col`` are -1 and ``crs`` is ``"EPSG:4326"``.

    Attributes
    ----------
    row, col : ndarray of int64
        Cell position on the grid (``shape``, ``transform``, ``crs``); -1 for points.
    lon, lat : ndarray of float64
        Cell centres (or points), WGS-84 degrees.
    pop : ndarray of float64
        People per cell (or point), >= 0; raster cells with no people are left out.
    shape : tuple of int
        Grid (rows, cols) of the window read; ``(0, 0)`` for points.
    transform : Affine or None
        Grid transform of the window (grid CRS units per cell); None for points.
    crs : str
        CRS of the grid (e.g. ``"EPSG:4326"``); ``"EPSG:4326"`` for points.
    area_mask : ndarray of bool, shape ``shape``, or None
        Cells inside the study area (and not nodata), populated or not: the travel-time surface
        is computed on these. None for points.
    source : str
        File the demand was read from.
    notes : tuple of str
        Data problems tolerated while reading (cells with NaN or negative people taken as no
        data, points outside the study area dropped, ...), each also warned about as a
        :class:`access15.DataWarning`; :func:`access15.coverage` lists them in its diagnostics.
    """

    row: npt.NDArray[np.int64]
    col: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    pop: npt.NDArray[np.float64]
    shape: tuple[int, int]
    transform: Affine | None
    crs: str
    area_mask: npt.NDArray[np.bool_] | None
    source: str = ""
    notes: tuple[str, ...] = ()

    @classmethod
    def from_grid(
        cls,
        pop: npt.ArrayLike,
        transform: Affine,
        crs: str,
        *,
        area_mask: npt.ArrayLike | None = None,
        source: str = "",
    ) -> DemandCells:
        """Demand cells from a 2-D array of people per cell.

        Parameters
        ----------
        pop : array_like of float, shape (rows, cols)
            People per cell; NaN, infinite and negative values are no data.
        transform : Affine
            Grid transform (CRS units per cell).
        crs : str
            CRS of the grid, e.g. ``"EPSG:4326"``.
        area_mask : array_like of bool, optional
            Cells inside the study area; default every cell with data.
        source : str, optional
            File the demand was read from (for messages and display).

        Returns
        -------
        DemandCells
            A grid; may be empty when no cell has people.
        """
        a = np.asarray(pop, dtype=np.float64)
        if a.ndim != 2:
            msg = f"population grid must be 2-D (rows, cols), got shape {a.shape}; pass one band"
            raise InputError(msg)
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(a) & (a >= 0)
        area = ok if area_mask is None else ok & np.asarray(area_mask, dtype=bool)
        rows, cols = np.nonzero(area & (np.where(ok, a, 0.0) > 0))
        lon, lat = to_lonlat(*centres(transform, rows, cols), crs)
        return cls(
            row=rows.astype(np.int64),
            col=cols.astype(np.int64),
            lon=lon,
            lat=lat,
            pop=np.asarray(a[rows, cols], dtype=np.float64),
            shape=(int(a.shape[0]), int(a.shape[1])),
            transform=transform,
            crs=crs,
            area_mask=area,
            source=source,
        )

    @property
    def is_grid(self) -> bool:
        """True for raster cells on a grid, false for a point set (villages, census points)."""
        return self.transform is not None and self.area_mask is not None

    @property
    def total(self) -> float:
        """Total population, people."""
        return float(self.pop.sum())

    def cell_centres(
        self, mask: npt.NDArray[np.bool_] | None = None
    ) -> tuple[
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
    ]:
        """Row, col and WGS-84 lon/lat (degrees) of cells where ``mask`` (default: area) is true.

        Parameters
        ----------
        mask : ndarray of bool, shape ``shape``, optional
            Cells wanted; default :attr:`area_mask` (every cell in the study area).

        Returns
        -------
        row, col : ndarray of int64
            Cell positions on the grid.
        lon, lat : ndarray of float64
            Cell centres, WGS-84 degrees.

        Raises
        ------
        InputError
            For a point set, which has no grid.
        """
        area = self.area_mask
        if not self.is_grid or area is None:
            msg = (
                f"population {self._name()} is a set of points, not a grid, so it has no cell "
                "centres; use its .lon/.lat/.pop (or give a population raster)"
            )
            raise InputError(msg)
        m = area if mask is None else mask
        rows, cols = np.nonzero(m)
        lon, lat = to_lonlat(*centres(self.transform, rows, cols), self.crs)
        return rows.astype(np.int64), cols.astype(np.int64), lon, lat

    def centres_of(
        self, rows: npt.NDArray[np.integer], cols: npt.NDArray[np.integer]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """WGS-84 lon/lat (degrees) of the centres of grid cells (``rows``, ``cols``).

        Parameters
        ----------
        rows, cols : ndarray of int
            Cell positions on the grid.

        Returns
        -------
        lon, lat : ndarray of float64
            Cell centres, degrees; the same values as :meth:`cell_centres`.

        Raises
        ------
        InputError
            For a point set, which has no grid.
        """
        if self.transform is None:
            self.cell_centres()  # raises the point-set error
        return to_lonlat(*centres(self.transform, rows, cols), self.crs)

    def aggregate(self, factor: int) -> DemandCells:
        """Sum people over ``factor`` x ``factor`` blocks of cells onto a coarser grid.

        Blocks start at the window's top-left cell; the last row/column of blocks may hang over
        the window's edge. A coarse cell is in the area when any of its cells is, its centre is
        the coarse cell's centre, and the total population is conserved.

        Parameters
        ----------
        factor : int
            Cells per block side, >= 1 (e.g. 10 turns a 100 m grid into a 1 km grid).

        Returns
        -------
        DemandCells
            A grid of shape ``ceil(shape / factor)``; ``self`` when ``factor`` is 1.

        Raises
        ------
        InputError
            When ``factor`` is not a whole number >= 1, or for a point set.
        """
        f = _check_factor(factor)
        t, fine_area = self.transform, self.area_mask
        if t is None or fine_area is None:  # not is_grid
            msg = (
                f"cannot aggregate population {self._name()}: it is a set of points, not a grid; "
                "aggregate only population rasters"
            )
            raise InputError(msg)
        if f == 1:
            return self
        nr, nc = self.shape
        cr, cc = -(-nr // f), -(-nc // f)
        ct = Affine(t.a * f, t.b * f, t.c, t.d * f, t.e * f, t.f)
        lin = (self.row // f) * cc + self.col // f
        uniq, inv = np.unique(lin, return_inverse=True)
        pop = np.bincount(inv.ravel(), weights=self.pop, minlength=len(uniq))
        rows, cols = uniq // cc, uniq % cc
        padded = np.zeros((cr * f, cc * f), dtype=bool)
        padded[:nr, :nc] = fine_area
        area = np.asarray(padded.reshape(cr, f, cc, f).any(axis=(1, 3)), dtype=bool)
        lon, lat = to_lonlat(*centres(ct, rows, cols), self.crs)
        return DemandCells(
            row=rows.astype(np.int64),
            col=cols.astype(np.int64),
            lon=lon,
            lat=lat,
            pop=np.asarray(pop, dtype=np.float64),
            shape=(int(cr), int(cc)),
            transform=ct,
            crs=self.crs,
            area_mask=area,
            source=self.source,
            notes=self.notes,
        )

    def _name(self) -> str:
        return repr(Path(self.source).name) if self.source else "(unnamed)"

    def __len__(self) -> int:
        return len(self.pop)

    def __repr__(self) -> str:
        if not self.is_grid:
            return (
                f"DemandCells({len(self):,} points, {self.total:,.0f} people, {self.crs}, "
                f"from {self._name()})"
            )
        return (
            f"DemandCells({len(self):,} populated cells, {self.total:,.0f} people, "
            f"grid {self.shape[0]}x{self.shape[1]} {self.crs})"
        )

    def _repr_html_(self) -> str:
        """Jupyter display: what the demand is, how many people, on which grid."""
        facts = [("people", f"{people(self.total)}"), ("source", self._name())]
        if self.is_grid and self.transform is not None and self.area_mask is not None:
            t = self.transform
            kind = f"{len(self):,} populated cells"
            facts += [
                ("grid", f"{self.shape[0]} x {self.shape[1]} cells, {self.crs}"),
                ("cell size", f"{abs(t.a):.6g} x {abs(t.e):.6g} (CRS units)"),
                ("cells in the area", f"{int(self.area_mask.sum()):,} (populated or not)"),
            ]
        else:
            kind = f"{len(self):,} points"
            facts.append(("CRS", self.crs))
        return card(
            "DemandCells",
            f"{kind}, {people(self.total)} people",
            facts=facts,
            attributes=("pop", "lon", "lat", "row", "col", "total", "aggregate()"),
        )


def read_population(
    source: str | Path,
    boundary: gpd.GeoDataFrame | None = None,
    *,
    pop_column: str | None = None,
    crs_in: str | int | None = None,
    aggregate: int = 1,
) -> DemandCells:
    """Read a population raster or a points file into demand cells.

    **Raster** (GeoTIFF, any CRS): only the window covering ``boundary`` is read; cells whose
    centre is outside the boundary, nodata cells and cells with no people are left out. A raster
    without a nodata value whose negative cells all hold one fill value (e.g. -99999) has those
    cells treated as no data, with a warning. Inside the study area, cells that are not nodata
    but hold NaN or a negative count are left out with a warning when they are at most 1 % of
    the cells (:data:`MAX_BAD_CELL_SHARE`) and refused above that; infinite values and more than
    1e7 people per km² of the cell (:data:`MAX_PEOPLE_PER_KM2`; ten times the densest city
    blocks on record: a unit error or an undeclared fill value such as 3.4e38) are refused.

    **Points** (``.csv``, ``.xlsx``, ``.geojson``, ``.gpkg``, ...): one demand per point
    (village, census point), with its people in ``pop_column``. Points outside ``boundary`` are
    dropped, with a warning giving how many and their people. Missing, non-numeric, infinite or
    negative populations and more than 1e7 people at one point (:data:`MAX_PEOPLE_PER_POINT`)
    are refused, naming the rows.

    Parameters
    ----------
    source : str or Path
        GeoTIFF of people per cell (WorldPop, GHS-POP), or a points file. A CSV needs a lon/x/经度
        and a lat/y/纬度 column (any case).
    boundary : GeoDataFrame, optional
        Study area, in any CRS; the whole file is used when omitted.
    pop_column : str, optional
        Points only: column with people per point; default the first of pop, population,
        people, 人口, count (any case).
    crs_in : str or int, optional
        CRS of the coordinates when the file carries none: required for CSV (and ``.xlsx``),
        e.g. ``"EPSG:4326"``, ``"wgs84"`` or any pyproj string. Points in ``"gcj02"`` (AMap,
        Tencent) or ``"bd09"`` (Baidu) are converted to WGS-84, as every vector input is (see
        :func:`access15.crs.to_wgs84`); a raster cannot be converted exactly from them, so
        ``crs_in`` GCJ-02/BD-09 with a raster is refused.
    aggregate : int, optional
        Rasters only: sum people over ``aggregate`` x ``aggregate`` blocks of cells (see
        :meth:`DemandCells.aggregate`); 1 (default) keeps the raster's cells.

    Returns
    -------
    DemandCells
        A grid for a raster, a point set for a points file.

    Raises
    ------
    InputError
        Missing/unreadable file, no CRS, no overlap with ``boundary``, no people, missing
        columns, bad populations (see above) or coordinates.

    Warns
    -----
    DataWarning
        Raster cells with NaN or negative values taken as no data; points outside ``boundary``
        dropped. The same lines are kept in :attr:`DemandCells.notes` for the run's diagnostics.
    """
    p = Path(source)
    if not p.is_file():
        msg = (
            f"population file {str(p)!r} not found; give a GeoTIFF (e.g. from WorldPop) or a "
            "points file (CSV/GeoJSON/GeoPackage)"
        )
        raise InputError(msg)
    factor = _check_factor(aggregate)
    parse_crs_in(crs_in)  # a bad crs_in is reported before the file is read
    notes: list[str]
    if p.suffix.lower() in TABLE_SUFFIXES | VECTOR_SUFFIXES:
        if factor != 1:
            msg = (
                f"aggregate={aggregate!r} applies to population rasters, but {str(p)!r} holds "
                "points; drop aggregate"
            )
            raise InputError(msg)
        cells, notes = _read_points(p, boundary, pop_column, crs_in)
    else:
        if pop_column is not None:
            msg = (
                f"pop_column={pop_column!r} applies to points files, but {str(p)!r} is read as a "
                "raster (its band is the population); drop pop_column"
            )
            raise InputError(msg)
        cells, notes = _read_raster(p, boundary, crs_in)
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    cells = dataclasses.replace(cells, notes=(*cells.notes, *notes))
    return cells.aggregate(factor) if factor != 1 else cells


# --- rasters -----------------------------------------------------------------------------------


def _read_raster(
    p: Path, boundary: gpd.GeoDataFrame | None, crs_in: str | int | None
) -> tuple[DemandCells, list[str]]:
    crs_user = raster_crs_in(crs_in, f"population raster {str(p)!r}")  # GCJ-02/BD-09 refused
    notes: list[str] = []
    try:
        ds = rasterio.open(p)
    except RasterioIOError:
        msg = f"cannot read population raster {str(p)!r}; is it a GeoTIFF (or a .csv/.gpkg)?"
        raise InputError(msg) from None
    with ds:
        if ds.crs is None:
            if crs_user is None:
                msg = (
                    f"population raster {str(p)!r} has no CRS; assign one "
                    "(e.g. gdal_edit -a_srs EPSG:4326) or pass crs_in='EPSG:4326' (or --crs-in)"
                )
                raise InputError(msg)
            crs = crs_user.to_string()
        else:
            crs = ds.crs.to_string()
            if crs_user is not None:  # refuse a crs_in that contradicts the raster's CRS
                source_crs(ds.crs.to_wkt(), crs_in, f"population raster {str(p)!r}")
        window = Window(0, 0, ds.width, ds.height)
        geom: Any = None
        if boundary is not None:
            geom = _boundary_geometry(boundary, crs)
            minx, miny, maxx, maxy = geom.bounds
            if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
                msg = (
                    f"the study area cannot be expressed in the CRS of population raster "
                    f"{str(p)!r} ({crs}); check the boundary's CRS"
                )
                raise InputError(msg)
            win = from_bounds(minx, miny, maxx, maxy, transform=ds.transform)
            c0 = max(0, math.floor(min(win.col_off, win.col_off + win.width) + 1e-9))
            r0 = max(0, math.floor(min(win.row_off, win.row_off + win.height) + 1e-9))
            c1 = min(ds.width, math.ceil(max(win.col_off, win.col_off + win.width) - 1e-9))
            r1 = min(ds.height, math.ceil(max(win.row_off, win.row_off + win.height) - 1e-9))
            if c1 <= c0 or r1 <= r0:
                msg = (
                    f"population raster {str(p)!r} does not overlap the study area; "
                    "check that both cover the same county (and the boundary's CRS)"
                )
                raise InputError(msg)
            window = Window(c0, r0, c1 - c0, r1 - r0)
        transform = ds.window_transform(window)
        declared = ds.nodata
        grid = Grid(str(p), transform, crs, int(window.row_off), int(window.col_off))
        sparse = read_strips(ds, window, geom)
    notes.extend(
        check_usable(
            grid, sparse.odd_values, sparse.odd_rows, sparse.odd_cols, sparse.n_usable, declared
        )
    )
    lon, lat = to_lonlat(*centres(transform, sparse.rows, sparse.cols), crs)
    cells = DemandCells(
        row=sparse.rows,
        col=sparse.cols,
        lon=lon,
        lat=lat,
        pop=sparse.pop,
        shape=sparse.area.shape,
        transform=transform,
        crs=crs,
        area_mask=sparse.area,
        source=str(p),
    )
    if len(cells) == 0:
        msg = (
            f"population raster {str(p)!r} has no people inside the study area; check that the "
            "raster and the boundary cover the same place"
        )
        raise InputError(msg)
    return cells, notes


#: Most people one population point (a village, a census point) may hold.
MAX_PEOPLE_PER_POINT = 1e7


def _check_factor(factor: Any) -> int:
    if isinstance(factor, bool | float) or not hasattr(factor, "__index__"):
        msg = f"aggregate factor must be a whole number >= 1, got {factor!r}; use e.g. 10"
        raise InputError(msg)
    f = int(factor)
    if f < 1:
        msg = f"aggregate factor must be >= 1, got {f}; use 1 to keep the raster's own cells"
        raise InputError(msg)
    return f


def _boundary_geometry(boundary: gpd.GeoDataFrame, crs: Any) -> Any:
    """Dissolve the boundary's features into one geometry in ``crs``."""
    if boundary.crs is None:
        msg = "the study-area boundary has no CRS; set one (e.g. boundary.set_crs('EPSG:4326'))"
        raise InputError(msg)
    if len(boundary) == 0 or boundary.geometry.is_empty.all():
        msg = "the study-area boundary is empty; give a boundary with at least one polygon"
        raise InputError(msg)
    return boundary.to_crs(crs).geometry.union_all()


# --- points ------------------------------------------------------------------------------------


def _read_points(
    p: Path,
    boundary: gpd.GeoDataFrame | None,
    pop_column: str | None,
    crs_in: str | int | None,
) -> tuple[DemandCells, list[str]]:
    kind = parse_crs_in(crs_in)
    notes: list[str] = []
    src_crs: CrsSpec
    if p.suffix.lower() not in VECTOR_SUFFIXES:
        df = read_table(p, what="points file", rows_hint="give one row per village or census point")
        if kind is None:
            msg = (
                f"points file {str(p)!r} has no CRS; pass crs_in='EPSG:4326' (or --crs-in) to "
                "say which coordinates it uses"
            )
            raise InputError(msg)
        xcol = _find_column(df.columns, _LON_NAMES)
        ycol = _find_column(df.columns, _LAT_NAMES)
        if xcol is None or ycol is None:
            msg = (
                f"points file {str(p)!r} needs longitude and latitude columns "
                f"(e.g. lon/lng/x/经度 and lat/y/纬度); it has {_columns(df.columns)}"
            )
            raise InputError(msg)
        x, y = _numeric(df[xcol]), _numeric(df[ycol])
        src_crs = kind
    else:
        gdf = _read_vector_points(p)
        if gdf.crs is None and kind is None:
            msg = (
                f"points file {str(p)!r} has no CRS; pass crs_in='EPSG:4326' (or --crs-in) "
                "to say which coordinates it uses"
            )
            raise InputError(msg)
        src_crs = source_crs(gdf.crs, crs_in, f"points file {str(p)!r}")
        geoms = gdf.geometry
        x = geoms.x.to_numpy(dtype=np.float64)
        y = geoms.y.to_numpy(dtype=np.float64)
        df = gdf.drop(columns=gdf.geometry.name)
    bad_xy = ~(np.isfinite(x) & np.isfinite(y))
    if bad_xy.any():
        msg = (
            f"{int(bad_xy.sum()):,} of {len(df):,} points in {str(p)!r} have missing or "
            f"non-numeric coordinates (first at data row {_first_row(bad_xy)}); fix or remove them"
        )
        raise InputError(msg)

    pcol = _pop_column(df, pop_column, p)
    pop = _numeric(df[pcol])
    nan, inf = np.isnan(pop), np.isinf(pop)
    with np.errstate(invalid="ignore"):
        neg = pop < 0
    if nan.any() or inf.any() or neg.any():
        what = ", ".join(
            f"{int(m.sum()):,} {kind}"
            for kind, m in (
                ("negative", neg),
                ("infinite", inf & ~neg),
                ("missing or non-numeric", nan),
            )
            if m.any()
        )
        bad = nan | inf | neg
        msg = (
            f"population column {pcol!r} of {str(p)!r} has {what} values out of {len(pop):,} rows "
            f"(first at data row {_first_row(bad)}; all at {_data_rows(bad)}); fix or remove "
            "those rows"
        )
        raise InputError(msg)
    big = pop > MAX_PEOPLE_PER_POINT
    if big.any():
        i = int(np.argmax(pop))
        msg = (
            f"population column {pcol!r} of {str(p)!r} has implausibly many people: "
            f"{pop[i]:g} at data row {i + 1} ({int(big.sum()):,} row(s) above "
            f"{MAX_PEOPLE_PER_POINT:.0e}, at {_data_rows(big)}); a point holds the people of one "
            "village or census point: check the column and its units"
        )
        raise InputError(msg)

    lon, lat = to_wgs84((x, y), src_crs, what=f"points file {str(p)!r}")
    with np.errstate(invalid="ignore"):
        off = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if off.any():
        msg = (
            f"{int(off.sum()):,} points in {str(p)!r} fall outside lon -180..180 / lat -90..90 "
            f"once read as {crs_name(src_crs)} (first at data row {_first_row(off)}); check "
            "crs_in and that longitude and latitude are not swapped"
        )
        raise InputError(msg)

    if boundary is not None:
        inside = _inside(boundary, lon, lat)
        n_out = int((~inside).sum())
        if n_out == len(inside):
            msg = (
                f"none of the {len(inside):,} points in {str(p)!r} lies inside the study area; "
                "check crs_in, the boundary and that longitude and latitude are not swapped"
            )
            raise InputError(msg)
        if n_out:
            notes.append(
                f"{n_out:,} of {len(inside):,} points in {str(p)!r} lie outside the study area "
                f"and were dropped ({float(pop[~inside].sum()):,.0f} people)"
            )
            lon, lat, pop = lon[inside], lat[inside], pop[inside]
    n = len(pop)
    cells = DemandCells(
        row=np.full(n, -1, dtype=np.int64),
        col=np.full(n, -1, dtype=np.int64),
        lon=np.ascontiguousarray(lon, dtype=np.float64),
        lat=np.ascontiguousarray(lat, dtype=np.float64),
        pop=np.ascontiguousarray(pop, dtype=np.float64),
        shape=(0, 0),
        transform=None,
        crs="EPSG:4326",
        area_mask=None,
        source=str(p),
    )
    return cells, notes


def _read_vector_points(p: Path) -> gpd.GeoDataFrame:
    gdf = read_vector_file(
        p,
        what="points",
        hint="is it GeoJSON/GeoPackage?",
        empty=f"points file {str(p)!r} has no features; give one point per village or census point",
    )
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        msg = f"{int(missing.sum()):,} features in {str(p)!r} have no geometry; fix or remove them"
        raise InputError(msg)
    kinds = set(gdf.geom_type)
    if kinds != {"Point"}:
        msg = (
            f"points file {str(p)!r} must contain points, found {sorted(kinds)}; convert areas "
            "to points first (e.g. their centroids) or give a population raster"
        )
        raise InputError(msg)
    return gdf


def _columns(columns: Any) -> str:
    return "[" + ", ".join(str(c) for c in columns) + "]"


def _find_column(columns: Any, names: tuple[str, ...]) -> Any:
    """First column (original label) whose stripped, case-folded name is in ``names``."""
    by_key: dict[str, Any] = {}
    for c in columns:
        by_key.setdefault(str(c).strip().casefold(), c)
    for name in names:
        if name in by_key:
            return by_key[name]
    return None


def _pop_column(df: pd.DataFrame, pop_column: str | None, p: Path) -> Any:
    if pop_column is not None:
        if pop_column in df.columns:
            return pop_column
        found = _find_column(df.columns, (pop_column.strip().casefold(),))
        if found is None:
            msg = (
                f"points file {str(p)!r} has no column {pop_column!r}; it has "
                f"{_columns(df.columns)}; pass one of those as pop_column"
            )
            raise InputError(msg)
        return found
    found = _find_column(df.columns, _POP_NAMES)
    if found is None:
        msg = (
            f"points file {str(p)!r} has no population column (looked for "
            f"{', '.join(_POP_NAMES)}); it has {_columns(df.columns)}; pass pop_column='...'"
        )
        raise InputError(msg)
    return found


def _numeric(s: pd.Series) -> npt.NDArray[np.float64]:
    """Column → float64, NaN where not a number; tolerates thousands separators and blanks."""
    if not pd.api.types.is_numeric_dtype(s):
        s = s.astype("string").str.replace(r"[,\s，]", "", regex=True)
    out = pd.to_numeric(s, errors="coerce")
    return np.asarray(pd.Series(out, dtype="Float64").to_numpy(np.float64, na_value=np.nan))


def _first_row(bad: npt.NDArray[np.bool_]) -> int:
    """1-based data row of the first true entry."""
    return int(np.flatnonzero(bad)[0]) + 1


def _data_rows(bad: npt.NDArray[np.bool_], most: int = 10) -> str:
    """Format the 1-based rows of the true entries: 'data rows 2, 5' (at most ``most``)."""
    rows = np.flatnonzero(bad) + 1
    head = ", ".join(str(int(r)) for r in rows[:most])
    more = f", … ({len(rows):,} in all)" if len(rows) > most else ""
    return f"data row{'s' if len(rows) > 1 else ''} {head}{more}"


def _inside(
    boundary: gpd.GeoDataFrame, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Points (WGS-84) covered by the boundary, tested in the boundary's own CRS."""
    geom = _boundary_geometry(boundary, boundary.crs)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(boundary.crs)
    shapely.prepare(geom)
    return np.asarray(shapely.covers(geom, pts.to_numpy()), dtype=bool)
