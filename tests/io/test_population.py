"""access15.io.population: rasters (real WorldPop + hand-made edge cases), points, aggregation."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from rasterio.features import geometry_mask
from rasterio.transform import from_origin
from shapely.geometry import Point, box

import access15 as ax
from access15.io.population import DemandCells
from conftest import SHARED, require_shared

AHR = SHARED / "worldpop-ahr-valley"
AHR_TIF = AHR / "wpop_ahrvalley.tif"
AHR_MUNI = AHR / "affected_municipalities.gpkg"


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


def _block_sums(grid: np.ndarray, f: int) -> np.ndarray:
    """Independent block sum: pad with zeros to a multiple of f, reshape, sum."""
    nr, nc = grid.shape
    cr, cc = math.ceil(nr / f), math.ceil(nc / f)
    pad = np.zeros((cr * f, cc * f))
    pad[:nr, :nc] = grid
    return pad.reshape(cr, f, cc, f).sum(axis=(1, 3))


def _pop_grid(cells: DemandCells) -> np.ndarray:
    g = np.zeros(cells.shape)
    g[cells.row, cells.col] = cells.pop
    return g


# --- real WorldPop raster: the Ahr valley ------------------------------------------------------


@pytest.fixture(scope="module")
def ahr() -> dict:
    require_shared(AHR_TIF)
    with rasterio.open(AHR_TIF) as ds:
        a = ds.read(1).astype(np.float64)
        valid = np.isfinite(a) & (a != ds.nodata)
        muni = gpd.read_file(AHR_MUNI)
        inside = geometry_mask(
            list(muni.to_crs(ds.crs).geometry),
            out_shape=(ds.height, ds.width),
            transform=ds.transform,
            invert=True,
        )
        return {
            "data": a,
            "valid": valid,
            "inside": inside,
            "muni": muni,
            "transform": ds.transform,
            "shape": (ds.height, ds.width),
            "nodata": ds.nodata,
        }


@pytest.mark.realdata
def test_worldpop_total_equals_raster_sum(ahr):
    pop = ax.read_population(AHR_TIF)
    a, valid = ahr["data"], ahr["valid"]
    assert ahr["nodata"] == -99999
    assert pop.total == pytest.approx(float(a[valid].sum()), rel=1e-9)
    assert pop.total == pytest.approx(191_420, abs=1)  # SOURCE.md
    assert len(pop) == int((valid & (a > 0)).sum())
    assert pop.is_grid
    assert pop.shape == ahr["shape"] == (300, 857)
    assert pop.crs == "EPSG:4326"
    assert pop.area_mask.sum() == valid.sum()
    # every cell's centre is the raster's own centre of that cell, and its people are the value
    with rasterio.open(AHR_TIF) as ds:
        for i in (0, len(pop) // 2, len(pop) - 1):
            x, y = ds.xy(int(pop.row[i]), int(pop.col[i]))
            assert (pop.lon[i], pop.lat[i]) == pytest.approx((x, y), abs=1e-9)
            assert pop.pop[i] == a[pop.row[i], pop.col[i]]
    assert "populated cells" in repr(pop)
    assert "300x857" in repr(pop)


@pytest.mark.realdata
@pytest.mark.parametrize("crs", [None, "EPSG:25832"], ids=["own-crs", "utm32n"])
def test_worldpop_municipalities_boundary(ahr, crs):
    muni = ahr["muni"]
    assert muni.crs == "EPSG:4326"  # the gpkg's own CRS
    boundary = muni if crs is None else muni.to_crs(crs)
    pop = ax.read_population(AHR_TIF, boundary=boundary)
    a, valid, inside = ahr["data"], ahr["valid"], ahr["inside"]
    expected = float(a[valid & inside].sum())
    assert pop.total == pytest.approx(expected, rel=1e-9)
    assert pop.total == pytest.approx(66_543, abs=1)  # SOURCE.md, via rasterio.mask
    # the municipalities do not reach the raster's edges: a smaller window is read
    full = ahr["shape"]
    assert pop.shape[0] <= full[0]
    assert pop.shape[1] <= full[1]
    assert pop.shape[0] * pop.shape[1] < full[0] * full[1]
    assert pop.area_mask.sum() == int((valid & inside).sum())


@pytest.mark.realdata
def test_worldpop_small_boundary_reads_only_its_window(ahr, monkeypatch):
    muni = ahr["muni"]
    one = muni[muni["name"] == "Altenahr"]
    assert len(one) == 1
    windows = []
    real_read = rasterio.io.DatasetReader.read

    def spy(self, *args, **kwargs):
        windows.append(kwargs.get("window"))
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    pop = ax.read_population(AHR_TIF, boundary=one)
    monkeypatch.undo()

    assert len(windows) == 1
    win = windows[0]
    assert (win.height, win.width) == pop.shape
    assert pop.shape[0] < ahr["shape"][0] / 3
    assert pop.shape[1] < ahr["shape"][1] / 5
    with rasterio.open(AHR_TIF) as ds:
        inside = geometry_mask(
            list(one.to_crs(ds.crs).geometry),
            out_shape=(ds.height, ds.width),
            transform=ds.transform,
            invert=True,
        )
        # window cells map back to the same raster cells
        t = ds.transform
        r = np.floor((pop.lat - t.f) / t.e).astype(int)
        c = np.floor((pop.lon - t.c) / t.a).astype(int)
    a, valid = ahr["data"], ahr["valid"]
    assert pop.total == pytest.approx(float(a[valid & inside].sum()), rel=1e-9)
    np.testing.assert_array_equal(a[np.asarray(r), np.asarray(c)], pop.pop)
    np.testing.assert_array_equal(np.asarray(r), pop.row + int(win.row_off))
    np.testing.assert_array_equal(np.asarray(c), pop.col + int(win.col_off))


@pytest.mark.realdata
@pytest.mark.parametrize(("factor", "shape"), [(3, (100, 286)), (10, (30, 86))])
def test_worldpop_aggregation_conserves_total(ahr, factor, shape):
    pop = ax.read_population(AHR_TIF)
    agg = pop.aggregate(factor)
    assert agg.shape == shape
    assert agg.total == pytest.approx(pop.total, rel=1e-12)
    assert len(agg) <= len(pop)
    assert agg.is_grid
    a = np.where(ahr["valid"], ahr["data"], 0.0)
    np.testing.assert_allclose(_pop_grid(agg), _block_sums(a, factor), rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(
        agg.area_mask, _block_sums(ahr["valid"].astype(float), factor) > 0
    )
    # coarse cell centres: the centre of the factor x factor block
    t = ahr["transform"]
    r, c = int(agg.row[0]), int(agg.col[0])
    assert agg.lon[0] == pytest.approx(t.c + (c * factor + factor / 2) * t.a, abs=1e-9)
    assert agg.lat[0] == pytest.approx(t.f + (r * factor + factor / 2) * t.e, abs=1e-9)
    _, _, lon, _ = agg.cell_centres()
    assert len(lon) == agg.area_mask.sum()
    # the keyword gives the same grid
    via_kw = ax.read_population(AHR_TIF, aggregate=factor)
    assert via_kw.shape == agg.shape
    np.testing.assert_array_equal(via_kw.pop, agg.pop)


# --- points: villages, census points -----------------------------------------------------------

VILLAGES = pd.DataFrame(
    {
        "名称": ["东村", "西村", "南村", "北村", "中村"],
        "经度": [100.01, 100.02, 100.03, 100.04, 100.05],
        "纬度": [30.01, 30.02, 30.03, 30.04, 30.05],
        "人口": [120, 80.5, 0, 1500, 300],
    }
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_points_csv_with_chinese_columns(tmp_path, encoding):
    csv = tmp_path / "villages.csv"
    VILLAGES.to_csv(csv, index=False, encoding=encoding)
    pts = ax.read_population(csv, crs_in="EPSG:4326")
    np.testing.assert_array_equal(pts.lon, VILLAGES["经度"].to_numpy())
    np.testing.assert_array_equal(pts.lat, VILLAGES["纬度"].to_numpy())
    np.testing.assert_array_equal(pts.pop, VILLAGES["人口"].to_numpy(dtype=float))
    assert pts.total == pytest.approx(2000.5)
    assert not pts.is_grid
    assert pts.shape == (0, 0)
    assert pts.transform is None
    assert pts.area_mask is None
    assert (pts.row == -1).all()
    assert (pts.col == -1).all()
    assert pts.crs == "EPSG:4326"
    assert len(pts) == 5
    assert "5 points" in repr(pts)
    assert "villages.csv" in repr(pts)
    with pytest.raises(ax.InputError, match="set of points, not a grid") as e:
        pts.cell_centres()
    _one_line(e)
    with pytest.raises(ax.InputError, match="points, not a grid"):
        pts.aggregate(2)


@pytest.mark.parametrize("crs_in", ["wgs84", "WGS84", "EPSG:4326", "epsg:4326", 4326])
def test_points_crs_in_spellings(tmp_path, crs_in):
    csv = tmp_path / "v.csv"
    pd.DataFrame({"Longitude": [100.5], "LAT": [30.5], "Population": [7]}).to_csv(csv, index=False)
    pts = ax.read_population(csv, crs_in=crs_in)
    assert (pts.lon[0], pts.lat[0], pts.total) == (100.5, 30.5, 7.0)


def test_points_csv_projected_crs_in(tmp_path):
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
    x, y = to_utm.transform([111.0, 111.2], [30.0, 30.1])
    csv = tmp_path / "census.csv"
    pd.DataFrame({"x": x, "y": y, "people": ["1,200", "35"]}).to_csv(csv, index=False)
    pts = ax.read_population(csv, crs_in="EPSG:32649")
    np.testing.assert_allclose(pts.lon, [111.0, 111.2], atol=1e-9)
    np.testing.assert_allclose(pts.lat, [30.0, 30.1], atol=1e-9)
    np.testing.assert_array_equal(pts.pop, [1200.0, 35.0])


def test_points_geojson_in_web_mercator(tmp_path):
    lon = np.array([116.39, 116.41, 116.45])
    lat = np.array([39.90, 39.92, 39.95])
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(lon, lat)
    path = tmp_path / "villages.geojson"
    gpd.GeoDataFrame(
        {"name": ["a", "b", "c"], "Pop": [10, 20, 30]},
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:3857",
    ).to_file(path)
    assert gpd.read_file(path).crs == "EPSG:3857"
    pts = ax.read_population(path)
    np.testing.assert_allclose(pts.lon, lon, atol=1e-9)
    np.testing.assert_allclose(pts.lat, lat, atol=1e-9)
    assert pts.total == 60.0
    assert pts.crs == "EPSG:4326"
    # a crs_in that contradicts the file's CRS is refused
    with pytest.raises(ax.InputError, match="declares CRS EPSG:3857") as e:
        ax.read_population(path, crs_in="EPSG:4326")
    _one_line(e)


def test_points_gpkg_without_crs_needs_crs_in(tmp_path):
    path = tmp_path / "villages.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio: "'crs' was not provided"
        gpd.GeoDataFrame({"count": [5, 6]}, geometry=[Point(100, 30), Point(101, 31)]).to_file(path)
    with pytest.raises(ax.InputError, match=r"has no CRS; pass crs_in='EPSG:4326'") as e:
        ax.read_population(path)
    _one_line(e)
    pts = ax.read_population(path, crs_in="wgs84")
    assert pts.total == 11.0


def test_points_csv_without_crs_in(tmp_path):
    csv = tmp_path / "villages.csv"
    VILLAGES.to_csv(csv, index=False)
    with pytest.raises(
        ax.InputError,
        match=re.escape(
            "has no CRS; pass crs_in='EPSG:4326' (or --crs-in) to say which coordinates it uses"
        ),
    ) as e:
        ax.read_population(csv)
    _one_line(e)


@pytest.mark.parametrize("crs_in", ["gcj02", "GCJ-02", "bd09", "BD-09"])
def test_points_gcj02_bd09_are_converted(tmp_path, crs_in):
    # one rule for every vector input (access15.crs): GCJ-02/BD-09 points are converted to
    # WGS-84, as boundaries and facility lists are (this used to be refused for population)
    csv = tmp_path / "villages.csv"
    VILLAGES.to_csv(csv, index=False)
    conv = ax.gcj02_to_wgs84 if crs_in.lower().startswith("gcj") else ax.bd09_to_wgs84
    lon, lat = conv(VILLAGES["经度"].to_numpy(), VILLAGES["纬度"].to_numpy())
    pts = ax.read_population(csv, crs_in=crs_in)
    np.testing.assert_array_equal(pts.lon, lon)
    np.testing.assert_array_equal(pts.lat, lat)
    assert not np.allclose(pts.lon, VILLAGES["经度"].to_numpy(), atol=1e-4)  # really shifted
    assert pts.crs == "EPSG:4326"
    assert pts.total == pytest.approx(2000.5)
    # a GeoJSON declaring EPSG:4326 (as AMap exports do) is converted the same way
    gj = tmp_path / "villages.geojson"
    gpd.GeoDataFrame(
        {"pop": VILLAGES["人口"]},
        geometry=gpd.points_from_xy(VILLAGES["经度"], VILLAGES["纬度"]),
        crs="EPSG:4326",
    ).to_file(gj)
    from_gj = ax.read_population(gj, crs_in=crs_in)
    np.testing.assert_allclose(from_gj.lon, lon, atol=1e-12)
    np.testing.assert_allclose(from_gj.lat, lat, atol=1e-12)


@pytest.mark.parametrize("crs_in", ["gcj02", "bd09"])
def test_raster_in_gcj02_is_refused(tmp_path, crs_in):
    tif = _write_tif(tmp_path / "pop.tif", np.ones((3, 4)))
    with pytest.raises(ax.InputError, match="cannot be applied to a raster") as e:
        ax.read_population(tif, crs_in=crs_in)
    msg = _one_line(e)
    assert "pop.tif" in msg
    assert "no warp of the grid is exact" in msg


def test_points_bad_crs_in(tmp_path):
    csv = tmp_path / "villages.csv"
    VILLAGES.to_csv(csv, index=False)
    with pytest.raises(ax.InputError, match="not a CRS pyproj understands") as e:
        ax.read_population(csv, crs_in="EPSG:99999999")
    _one_line(e)


def test_points_missing_population_column(tmp_path):
    csv = tmp_path / "villages.csv"
    VILLAGES.drop(columns="人口").assign(households=[1, 2, 3, 4, 5]).to_csv(csv, index=False)
    with pytest.raises(ax.InputError, match="has no population column") as e:
        ax.read_population(csv, crs_in="EPSG:4326")
    msg = _one_line(e)
    for col in ("名称", "经度", "纬度", "households"):
        assert col in msg
    # an explicit column works, and a wrong one lists the columns too
    pts = ax.read_population(csv, crs_in="EPSG:4326", pop_column="households")
    assert pts.total == 15.0
    with pytest.raises(ax.InputError, match=r"has no column 'hh'.*households") as e:
        ax.read_population(csv, crs_in="EPSG:4326", pop_column="hh")
    _one_line(e)


def test_points_missing_coordinate_columns(tmp_path):
    csv = tmp_path / "villages.csv"
    VILLAGES.rename(columns={"纬度": "north"}).to_csv(csv, index=False)
    with pytest.raises(ax.InputError, match=r"needs longitude and latitude.*north") as e:
        ax.read_population(csv, crs_in="EPSG:4326")
    _one_line(e)


def test_points_negative_or_missing_population(tmp_path):
    csv = tmp_path / "villages.csv"
    VILLAGES.assign(人口=[10, -5, -1, 3, 4]).to_csv(csv, index=False)
    with pytest.raises(ax.InputError, match=r"has 2 negative values out of 5 rows") as e:
        ax.read_population(csv, crs_in="EPSG:4326")
    msg = _one_line(e)
    assert "first at data row 2" in msg
    VILLAGES.assign(人口=[10, None, "n/a", 3, 4]).to_csv(csv, index=False)
    with pytest.raises(ax.InputError, match=r"has 2 missing or non-numeric values") as e:
        ax.read_population(csv, crs_in="EPSG:4326")
    _one_line(e)


def test_points_outside_boundary_dropped_with_warning(tmp_path):
    csv = tmp_path / "villages.csv"
    VILLAGES.to_csv(csv, index=False)
    # covers the first three villages (lon 100.01-100.03); boundary in a projected CRS
    county = gpd.GeoDataFrame(geometry=[box(100.0, 30.0, 100.035, 30.035)], crs="EPSG:4326").to_crs(
        "EPSG:32647"
    )
    with pytest.warns(
        UserWarning,
        match=re.escape(
            "2 of 5 points in " + repr(str(csv)) + " lie outside the study area and were "
            "dropped (1,800 people)"
        ),
    ) as rec:
        pts = ax.read_population(csv, boundary=county, crs_in="EPSG:4326")
    ours = [w for w in rec if issubclass(w.category, UserWarning)]
    assert len(ours) == 1
    assert ours[0].filename == __file__  # stacklevel points at the caller
    assert len(pts) == 3
    np.testing.assert_array_equal(pts.lon, [100.01, 100.02, 100.03])
    assert pts.total == pytest.approx(200.5)
    far = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    with pytest.raises(ax.InputError, match="none of the 5 points") as e:
        ax.read_population(csv, boundary=far, crs_in="EPSG:4326")
    _one_line(e)


def test_points_reject_aggregate_and_polygons(tmp_path):
    csv = tmp_path / "villages.csv"
    VILLAGES.to_csv(csv, index=False)
    with pytest.raises(ax.InputError, match="applies to population rasters") as e:
        ax.read_population(csv, crs_in="EPSG:4326", aggregate=2)
    _one_line(e)
    poly = tmp_path / "tracts.geojson"
    gpd.GeoDataFrame({"pop": [1]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326").to_file(poly)
    with pytest.raises(ax.InputError, match="must contain points") as e:
        ax.read_population(poly)
    _one_line(e)


# --- raster edge cases --------------------------------------------------------------------------

GRID = np.array([[1.0, 2.0, 0.0, 4.0], [5.0, 0.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]])


def test_raster_without_crs(tmp_path):
    tif = _write_tif(tmp_path / "nocrs.tif", GRID, crs=None)
    with pytest.raises(ax.InputError, match="has no CRS; assign one") as e:
        ax.read_population(tif)
    _one_line(e)
    pop = ax.read_population(tif, crs_in="EPSG:4326")
    assert pop.total == GRID.sum()
    assert pop.crs == "EPSG:4326"


def test_raster_boundary_not_overlapping(tmp_path):
    tif = _write_tif(tmp_path / "pop.tif", GRID)
    far = gpd.GeoDataFrame(geometry=[box(10.0, 10.0, 11.0, 11.0)], crs="EPSG:4326")
    with pytest.raises(ax.InputError, match="does not overlap the study area") as e:
        ax.read_population(tif, boundary=far)
    _one_line(e)
    # overlapping bounding box, but no cell centre inside: no people
    sliver = gpd.GeoDataFrame(geometry=[box(100.0, 29.99, 100.001, 30.0)], crs="EPSG:4326")
    with pytest.raises(ax.InputError, match="has no people inside the study area") as e:
        ax.read_population(tif, boundary=sliver)
    _one_line(e)


def test_raster_boundary_without_crs(tmp_path):
    tif = _write_tif(tmp_path / "pop.tif", GRID)
    naive = gpd.GeoDataFrame(geometry=[box(100.0, 29.97, 100.04, 30.0)])
    with pytest.raises(ax.InputError, match="boundary has no CRS") as e:
        ax.read_population(tif, boundary=naive)
    _one_line(e)


def test_points_infinite_and_implausible_population(tmp_path):
    csv = tmp_path / "villages.csv"
    VILLAGES.assign(人口=["inf", 80, "-inf", 3, "1e400"]).to_csv(csv, index=False)
    with pytest.raises(ax.InputError) as e:
        ax.read_population(csv, crs_in="EPSG:4326")
    assert _one_line(e) == (
        f"population column '人口' of {str(csv)!r} has 1 negative, 2 infinite values out of 5 "
        "rows (first at data row 1; all at data rows 1, 3, 5); fix or remove those rows"
    )
    VILLAGES.assign(人口=[120, 1e30, 3, 2e7, 5]).to_csv(csv, index=False)
    with pytest.raises(ax.InputError) as e:
        ax.read_population(csv, crs_in="EPSG:4326")
    assert _one_line(e) == (
        f"population column '人口' of {str(csv)!r} has implausibly many people: 1e+30 at data "
        "row 2 (2 row(s) above 1e+07, at data rows 2, 4); a point holds the people of one "
        "village or census point: check the column and its units"
    )
    VILLAGES.assign(人口=[120, 9e6, 3, 0, 5]).to_csv(csv, index=False)
    assert ax.read_population(csv, crs_in="EPSG:4326").total == 120 + 9e6 + 8


def test_points_outside_the_boundary_are_a_diagnostics_note(tmp_path):
    csv = tmp_path / "villages.csv"
    VILLAGES.to_csv(csv, index=False)
    county = gpd.GeoDataFrame(geometry=[box(100.0, 30.0, 100.035, 30.035)], crs="EPSG:4326")
    with pytest.warns(ax.DataWarning, match="lie outside the study area") as rec:
        pts = ax.read_population(csv, boundary=county, crs_in="EPSG:4326")
    assert pts.notes == tuple(str(w.message) for w in rec if w.category is ax.DataWarning)
    assert len(pts.notes) == 1


def test_raster_projected_crs_centres_in_lonlat(tmp_path):
    t = from_origin(500_000.0, 3_400_000.0, 100.0, 100.0)  # UTM 49N, near 111 E, 30.7 N
    tif = _write_tif(tmp_path / "utm.tif", GRID, crs="EPSG:32649", transform=t)
    pop = ax.read_population(tif)
    assert pop.crs == "EPSG:32649"
    i = int(np.flatnonzero((pop.row == 1) & (pop.col == 2))[0])
    # by hand: the centre of row 1, col 2 is 250 m east and 150 m south of the origin
    lon, lat = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True).transform(
        500_250.0, 3_399_850.0
    )
    assert (pop.lon[i], pop.lat[i]) == pytest.approx((lon, lat), abs=1e-9)
    assert 110.9 < lon < 111.1
    rows, cols, clon, clat = pop.cell_centres()
    j = int(np.flatnonzero((rows == 1) & (cols == 2))[0])
    assert (clon[j], clat[j]) == pytest.approx((lon, lat), abs=1e-9)
    # a WGS-84 boundary around the two right-hand columns reads a 3x2 window
    to_ll = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True)
    x0, y0 = to_ll.transform(500_210.0, 3_399_710.0)
    x1, y1 = to_ll.transform(500_390.0, 3_399_990.0)
    part = ax.read_population(
        tif, boundary=gpd.GeoDataFrame(geometry=[box(x0, y0, x1, y1)], crs="EPSG:4326")
    )
    assert part.shape == (3, 2)
    assert part.total == GRID[:, 2:].sum()


def test_raster_aggregate_keyword_and_factor_checks(tmp_path):
    tif = _write_tif(tmp_path / "pop.tif", GRID)
    pop = ax.read_population(tif)
    assert pop.aggregate(1) is pop
    agg = ax.read_population(tif, aggregate=2)
    assert agg.shape == (2, 2)
    np.testing.assert_array_equal(_pop_grid(agg), _block_sums(GRID, 2))
    assert agg.transform.a == pytest.approx(0.02)
    assert agg.transform.e == pytest.approx(-0.02)
    # centre of coarse cell (1, 1): 1.5 coarse cells from the origin
    i = int(np.flatnonzero((agg.row == 1) & (agg.col == 1))[0])
    assert (agg.lon[i], agg.lat[i]) == pytest.approx((100.03, 29.97), abs=1e-12)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ax.InputError, match="aggregate factor must be") as e:
            pop.aggregate(bad)
        _one_line(e)
    with pytest.raises(ax.InputError, match="aggregate factor must be"):
        ax.read_population(tif, aggregate=0)
    with pytest.raises(ax.InputError, match="applies to points files") as e:
        ax.read_population(tif, pop_column="pop")
    _one_line(e)


def test_missing_file(tmp_path):
    with pytest.raises(ax.InputError, match="not found") as e:
        ax.read_population(tmp_path / "nope.tif")
    _one_line(e)


# --- aggregation property ----------------------------------------------------------------------


@st.composite
def _grids(draw: st.DrawFn) -> np.ndarray:
    nr = draw(st.integers(1, 12))
    nc = draw(st.integers(1, 12))
    vals = draw(
        st.lists(
            st.one_of(
                st.just(0.0),
                st.just(float("nan")),
                st.floats(0.0, 1e4, allow_nan=False, allow_infinity=False),
            ),
            min_size=nr * nc,
            max_size=nr * nc,
        )
    )
    return np.array(vals, dtype=np.float64).reshape(nr, nc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid=_grids(), factor=st.integers(1, 7))
def test_aggregation_property(grid, factor):
    cells = DemandCells.from_grid(grid, from_origin(100.0, 30.0, 0.01, 0.01), "EPSG:4326")
    agg = cells.aggregate(factor)
    assert agg.total == pytest.approx(cells.total, rel=1e-12, abs=1e-9)
    assert len(agg) <= len(cells)
    assert agg.shape == (math.ceil(grid.shape[0] / factor), math.ceil(grid.shape[1] / factor))
    np.testing.assert_allclose(
        _pop_grid(agg), _block_sums(np.nan_to_num(grid), factor), rtol=1e-12, atol=1e-9
    )
    np.testing.assert_array_equal(
        agg.area_mask, _block_sums(np.isfinite(grid).astype(float), factor) > 0
    )
    assert (agg.pop > 0).all()
