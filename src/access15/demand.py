"""Population raster → demand cells (cell centres with a weight in people)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    from affine import Affine

__all__ = ["DemandCells", "read_population"]


@dataclass(frozen=True, repr=False)
class DemandCells:
    """Populated raster cells inside the study area.

    Attributes
    ----------
    row, col : ndarray of int64
        Cell position on the grid (``shape``, ``transform``, ``crs``).
    lon, lat : ndarray of float64
        Cell centres, WGS-84 degrees.
    pop : ndarray of float64
        People per cell.
    shape : tuple of int
        Grid (rows, cols) of the window read.
    transform : Affine
        Grid transform of the window.
    crs : str
        CRS of the grid.
    area_mask : ndarray of bool, shape ``shape``
        Cells inside the study area (and not nodata), populated or not: the travel-time surface
        is computed on these.
    source : str
    """

    row: npt.NDArray[np.int64]
    col: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    pop: npt.NDArray[np.float64]
    shape: tuple[int, int]
    transform: Affine
    crs: str
    area_mask: npt.NDArray[np.bool_]
    source: str = ""

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
        """Row, col and WGS-84 lon/lat of the cells where ``mask`` (default: the area) is true."""
        from pyproj import Transformer

        m = self.area_mask if mask is None else mask
        rows, cols = np.nonzero(m)
        t = self.transform
        xs = t.c + (cols + 0.5) * t.a + (rows + 0.5) * t.b
        ys = t.f + (cols + 0.5) * t.d + (rows + 0.5) * t.e
        if self.crs not in ("EPSG:4326", "OGC:CRS84"):
            xs, ys = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True).transform(xs, ys)
        return rows, cols, np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.pop)

    def __repr__(self) -> str:
        return (
            f"DemandCells({len(self):,} populated cells, {self.total:,.0f} people, "
            f"grid {self.shape[0]}x{self.shape[1]} {self.crs})"
        )


def read_population(source: str | Path, boundary: gpd.GeoDataFrame | None = None) -> DemandCells:
    """Read a population GeoTIFF (people per cell) into demand cells.

    Only the window covering ``boundary`` is read; cells whose centre is outside the boundary,
    nodata cells and cells with no people are left out.

    Parameters
    ----------
    source : str or Path
        GeoTIFF in any CRS (WorldPop and GHS-POP ship EPSG:4326 / Mollweide).
    boundary : GeoDataFrame, optional
        Study area; the whole raster is read when omitted.

    Returns
    -------
    DemandCells
    """
    import rasterio
    from pyproj import Transformer
    from rasterio.errors import RasterioIOError
    from rasterio.features import geometry_mask
    from rasterio.windows import Window, from_bounds

    p = Path(source)
    if not p.is_file():
        msg = f"population raster {str(p)!r} not found; give a GeoTIFF (e.g. from WorldPop)"
        raise InputError(msg)
    try:
        ds = rasterio.open(p)
    except RasterioIOError:
        msg = f"cannot read population raster {str(p)!r}; is it a GeoTIFF?"
        raise InputError(msg) from None
    with ds:
        if ds.crs is None:
            msg = f"population raster {str(p)!r} has no CRS; assign one (e.g. gdal_edit -a_srs)"
            raise InputError(msg)
        crs = ds.crs.to_string()
        window = Window(0, 0, ds.width, ds.height)
        geom: Any = None
        if boundary is not None:
            b = boundary.to_crs(ds.crs)
            geom = b.geometry.union_all()
            minx, miny, maxx, maxy = geom.bounds
            win = from_bounds(minx, miny, maxx, maxy, transform=ds.transform)
            c0 = max(0, math.floor(win.col_off + 1e-9))
            r0 = max(0, math.floor(win.row_off + 1e-9))
            c1 = min(ds.width, math.ceil(win.col_off + win.width - 1e-9))
            r1 = min(ds.height, math.ceil(win.row_off + win.height - 1e-9))
            if c1 <= c0 or r1 <= r0:
                msg = (
                    f"population raster {str(p)!r} does not overlap the study area; "
                    "check that both cover the same county (and the boundary's CRS)"
                )
                raise InputError(msg)
            window = Window(c0, r0, c1 - c0, r1 - r0)
        data = ds.read(1, window=window, masked=True).astype(np.float64)
        transform = ds.window_transform(window)
    area = ~np.ma.getmaskarray(data) & np.isfinite(data.filled(np.nan))
    if geom is not None:
        area &= geometry_mask([geom], out_shape=data.shape, transform=transform, invert=True)
    valid = area & (data.filled(0) > 0)
    rows, cols = np.nonzero(valid)
    pop = np.asarray(data.filled(0)[rows, cols], dtype=np.float64)
    xs = transform.c + (cols + 0.5) * transform.a + (rows + 0.5) * transform.b
    ys = transform.f + (cols + 0.5) * transform.d + (rows + 0.5) * transform.e
    if ds.crs.to_epsg() != 4326:
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    else:
        lon, lat = xs, ys
    if len(pop) == 0:
        msg = f"population raster {str(p)!r} has no people inside the study area"
        raise InputError(msg)
    return DemandCells(
        row=rows.astype(np.int64),
        col=cols.astype(np.int64),
        lon=np.asarray(lon, dtype=np.float64),
        lat=np.asarray(lat, dtype=np.float64),
        pop=pop,
        shape=(int(data.shape[0]), int(data.shape[1])),
        transform=transform,
        crs=crs,
        area_mask=area,
        source=str(p),
    )
