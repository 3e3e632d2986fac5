"""access15.io.raster: raster cell values that are not counts of people, reading in strips."""

from __future__ import annotations

import tracemalloc
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.features import geometry_mask
from rasterio.transform import from_origin
from shapely.geometry import box

import access15 as ax


def _one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    """The message must be one line and say how to fix the problem (after a ';')."""
    msg = str(exc.value)
    assert "\n" not in msg
    assert ";" in msg
    return msg


def _write_tif(
    path: Path,
    data: np.ndarray,
    *,
    crs: str | None = "EPSG:4326",
    transform=None,
    nodata: float | None = None,
) -> Path:
    t = transform if transform is not None else from_origin(100.0, 30.0, 0.01, 0.01)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=data.shape[0],
        width=data.shape[1],
        count=1,
        dtype="float32",
        crs=crs,
        transform=t,
        nodata=nodata,
    ) as dst:
        dst.write(data.astype(np.float32), 1)
    return path


# --- raster edge cases --------------------------------------------------------------------------

GRID = np.array([[1.0, 2.0, 0.0, 4.0], [5.0, 0.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]])


def test_raster_negative_fill_without_nodata(tmp_path):
    data = GRID.copy()
    data[0, 0] = data[2, 3] = -99999.0
    tif = _write_tif(tmp_path / "fill.tif", data, nodata=None)
    with pytest.warns(UserWarning, match=r"no nodata value but 2 cells are negative") as rec:
        pop = ax.read_population(tif)
    ours = [w for w in rec if issubclass(w.category, UserWarning)]
    assert len(ours) == 1  # one warning, not one per cell
    assert ours[0].filename == __file__  # stacklevel points at the caller
    assert "\n" not in str(ours[0].message)
    assert pop.total == GRID.sum() - GRID[0, 0] - GRID[2, 3]
    assert not pop.area_mask[0, 0]
    assert not pop.area_mask[2, 3]
    assert pop.area_mask.sum() == GRID.size - 2
    assert pop.pop.min() > 0


def test_raster_nodata_and_nan_excluded(tmp_path):
    # the nodata value, and NaN when NaN is the nodata value, are no data: left out silently
    # (NaN that is not the nodata value is a data problem: see test_raster_nan_cells_*)
    for name, nodata, cells in (("nd.tif", -1.0, [(1, 1)]), ("nan.tif", np.nan, [(2, 0), (0, 1)])):
        data = GRID.copy()
        for r, c in cells:
            data[r, c] = nodata
        tif = _write_tif(tmp_path / name, data, nodata=nodata)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
            pop = ax.read_population(tif)
        assert pop.total == np.nansum(np.where(data > 0, data, 0))
        assert pop.notes == ()
        for r, c in cells:
            assert not pop.area_mask[r, c]


# --- values that are not counts of people -------------------------------------------------------

BIG = np.full((12, 10), 5.0)  # 120 cells: one bad cell is 0.83 %, two are 1.67 %


def test_raster_nan_cells_that_are_not_nodata_are_reported(tmp_path):
    # a few (<= 1 % of the cells in the area): left out, with a warning and a diagnostics line
    data = BIG.copy()
    data[3, 4] = np.nan
    tif = _write_tif(tmp_path / "few.tif", data, nodata=-1.0)
    with pytest.warns(ax.DataWarning) as rec:
        pop = ax.read_population(tif)
    ours = [w for w in rec if issubclass(w.category, ax.DataWarning)]
    assert len(ours) == 1
    assert ours[0].filename == __file__
    msg = str(ours[0].message)
    assert msg == (
        f"population raster {str(tif)!r}: 1 of the 120 cells with data inside the study area "
        "(0.83%) hold no count of people: 1 NaN, e.g. at row 3, col 4 of the raster (lon "
        "100.04500, lat 29.96500); left out as no data: set them to the raster's nodata value "
        "(-1) if they hold no one, else fix them"
    )
    assert pop.notes == (msg,)
    assert pop.total == 119 * 5.0
    assert pop.aggregate(2).notes == (msg,)
    # many (> 1 %): refused, people would be missing (GRID: 1 NaN of 11 cells with data)
    data = GRID.copy()
    data[1, 1] = -1.0
    data[2, 0] = np.nan
    tif = _write_tif(tmp_path / "many.tif", data, nodata=-1.0)
    with pytest.raises(ax.InputError, match=r"1 of the 11 cells .* \(9\.09%\) hold no count") as e:
        ax.read_population(tif)
    assert _one_line(e).endswith(
        "more than 1% of the cells, so people would be missing: fix those cells, or set them to "
        "the raster's nodata value (-1) if they hold no one"
    )


def test_raster_bad_cells_outside_the_study_area_do_not_count(tmp_path):
    data = BIG.copy()
    data[0, :] = np.nan  # the top row: outside the boundary below
    tif = _write_tif(tmp_path / "edge.tif", data)
    area = gpd.GeoDataFrame(geometry=[box(100.0, 29.88, 100.1, 29.99)], crs="EPSG:4326")
    pop = ax.read_population(tif, boundary=area)  # filterwarnings=error: no warning
    assert pop.notes == ()
    assert pop.total == 11 * 10 * 5.0
    with pytest.raises(ax.InputError, match=r"10 of the 120 cells .*: 10 NaN, e\.g\. at row 0"):
        ax.read_population(tif)  # the whole raster is the study area


def test_raster_negative_counts_are_reported(tmp_path):
    data = BIG.copy()
    data[5, 5] = -3.0
    tif = _write_tif(tmp_path / "neg.tif", data, nodata=-99999.0)
    with pytest.warns(ax.DataWarning, match=r"1 negative \(e\.g\. -3\), e\.g\. at row 5, col 5"):
        pop = ax.read_population(tif)
    assert pop.total == 119 * 5.0
    assert len(pop.notes) == 1
    data[6, 6] = -1.5  # two negative values and no nodata value: not a fill value, too many
    tif = _write_tif(tmp_path / "neg2.tif", data, nodata=None)
    with pytest.raises(ax.InputError, match=r"2 of the 120 cells .* 2 negative \(e\.g\. -3\)") as e:
        ax.read_population(tif)
    assert "set them to the raster's nodata value if they hold no one" in _one_line(e)


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_raster_infinite_cells_are_refused(tmp_path, value):
    data = BIG.copy()
    data[7, 2] = value
    tif = _write_tif(tmp_path / "inf.tif", data, nodata=-1.0)
    with pytest.raises(ax.InputError) as e:
        ax.read_population(tif)
    assert _one_line(e) == (
        f"population raster {str(tif)!r}: 1 cell(s) inside the study area hold an infinite "
        f"value (e.g. {value:g} at row 7, col 2 of the raster (lon 100.02500, lat 29.92500)); "
        "set those cells to the raster's nodata value or fix them"
    )


@pytest.mark.parametrize(
    ("value", "refused"),
    [(1e30, True), (3.4e38, True), (2e7, True), (5e6, False), (1.0e5, False)],
)
def test_raster_implausible_people_per_cell_are_refused(tmp_path, value, refused):
    # 0.01 degree cells at 30 N are 1.066 km²: the limit is 1e7 people per km², ~1.07e7 here
    data = BIG.copy()
    data[2, 3] = value
    tif = _write_tif(tmp_path / "big.tif", data, nodata=-1.0)
    if not refused:
        assert ax.read_population(tif).total == pytest.approx(119 * 5.0 + value)
        return
    with pytest.raises(ax.InputError, match="hold implausibly many people") as e:
        ax.read_population(tif)
    msg = _one_line(e)
    assert f"up to {value:g} at row 2, col 3 of the raster" in msg
    assert "(the limit is 1e+07); the raster must hold people per cell" in msg
    assert f"gdal_edit -a_nodata {value:g}" in msg


def test_raster_density_limit_uses_the_cell_area(tmp_path):
    # 100 m cells (0.01 km²): 2e5 people is 2e7 per km², refused; 9e4 (9e6 per km²) is fine
    t = from_origin(500_000.0, 3_400_000.0, 100.0, 100.0)
    data = BIG.copy()
    data[0, 0] = 9e4
    tif = _write_tif(tmp_path / "ok.tif", data, crs="EPSG:32649", transform=t)
    assert ax.read_population(tif).total == pytest.approx(119 * 5.0 + 9e4)
    data[0, 0] = 2e5
    tif = _write_tif(tmp_path / "bad.tif", data, crs="EPSG:32649", transform=t)
    with pytest.raises(
        ax.InputError, match=r"up to 200000 at row 0, col 0 .* = 2\.01e\+07 people/km²"
    ):
        ax.read_population(tif)


# --- large windows: memory follows the populated cells, not the window --------------------------
def _sparse_two_part_raster(tmp_path: Path) -> tuple[Path, gpd.GeoDataFrame, np.ndarray]:
    """A 2048 x 2048 tiled raster, nearly empty, with a boundary of two parts 1.2 degrees apart."""
    rng = np.random.default_rng(3)
    grid = np.zeros((2048, 2048), dtype=np.float32)
    grid[rng.integers(0, 2048, 3000), rng.integers(0, 2048, 3000)] = 25.0
    tif = tmp_path / "sparse.tif"
    with rasterio.open(
        tif,
        "w",
        driver="GTiff",
        height=2048,
        width=2048,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(110.0, 28.048, 0.001, 0.001),
        nodata=-1.0,
        tiled=True,
        blockxsize=256,
        blockysize=256,
    ) as dst:
        dst.write(grid, 1)
    parts = gpd.GeoDataFrame(
        geometry=[box(110.0, 26.0, 110.6, 28.048), box(111.5, 26.0, 112.048, 28.048)],
        crs="EPSG:4326",
    )
    return tif, parts, grid


def test_raster_is_read_in_strips_without_a_dense_float_window(tmp_path, monkeypatch):
    tif, parts, grid = _sparse_two_part_raster(tmp_path)
    monkeypatch.setattr("access15.io.raster._STRIP_CELLS", 1 << 18, raising=False)
    tracemalloc.start()
    try:
        cells = ax.read_population(tif, boundary=parts)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # a float64 copy of the 4.2 M-cell window alone is 34 MB; the area mask is 4.2 MB
    assert peak < 30e6
    inside = geometry_mask(
        list(parts.geometry), out_shape=grid.shape, transform=cells.transform, invert=True
    )
    want = inside & (grid > 0)
    assert cells.shape == (2048, 2048)
    np.testing.assert_array_equal(cells.area_mask, inside)
    rows, cols = np.nonzero(want)
    np.testing.assert_array_equal(cells.row, rows)
    np.testing.assert_array_equal(cells.col, cols)
    np.testing.assert_array_equal(cells.pop, grid[want])


def test_strips_give_the_same_cells_as_one_read(tmp_path, monkeypatch):
    tif, parts, _ = _sparse_two_part_raster(tmp_path)
    whole = ax.read_population(tif, boundary=parts)
    monkeypatch.setattr("access15.io.raster._STRIP_CELLS", 1, raising=False)  # a block row
    strips = ax.read_population(tif, boundary=parts)
    for name in ("row", "col", "lon", "lat", "pop", "area_mask"):
        np.testing.assert_array_equal(getattr(strips, name), getattr(whole, name))
