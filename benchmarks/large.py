"""A large county: memory, time and map size when the raster's window is mostly empty.

Usage (from the repository root)::

    .venv/bin/python benchmarks/large.py make DIR       # writes the county's files into DIR
    .venv/bin/python benchmarks/large.py run DIR OUT    # `access15 coverage` under /usr/bin/time
    .venv/bin/python benchmarks/large.py all DIR        # both, JSON on stdout
    SCALE=4 .venv/bin/python benchmarks/large.py all DIR   # the same county on a 115 M-cell window

The county (seed 0, about 20 s to make): a 3000 x 2400 population raster (7.2 M cells of
0.001 degrees, ~100 m; tiled GeoTIFF) whose boundary has two parts 60 km apart (the middle third
of the window is outside the county), people in 850 villages (Gaussian blobs, ~2 % of the cells
populated, the rest empty), and two road systems not connected to each other: a trunk grid
(~5 km) with village spurs in each part, one-way free, tertiary roads; a clinic at every second
village, a township centre at every twentieth, a county hospital in the west part and a
sub-centre in the east part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import MultiPolygon, Polygon

ROOT = Path(__file__).resolve().parent.parent
ROWS, COLS = 2400, 3000
CELL = 0.001  # degrees
WEST, NORTH = 110.0, 28.4
PARTS = (  # (lon0, lon1, lat0, lat1, villages, tier of the part's main facility)
    (110.05, 111.30, 26.10, 28.30, 600, 4),
    (111.90, 112.95, 26.50, 27.80, 250, 3),
)
TRUNK = 0.05  # degrees between trunk roads
STEP = 0.002  # degrees between road nodes


def make_county(folder: Path, seed: int = 0, scale: int = 1) -> dict[str, Path]:
    """Write ``large.osm``, ``population.tif`` and ``county.geojson`` into ``folder``.

    Parameters
    ----------
    folder : Path
        Output folder (created).
    seed : int
        Seed of the villages' places and sizes.
    scale : int
        Raster cells per side of one 0.001-degree cell (4: a 9600 x 12000 window, 115 M cells
        of ~25 m, the people spread evenly over the finer cells).

    Returns
    -------
    dict of str to Path
        ``osm``, ``population``, ``county``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pop = np.zeros((ROWS, COLS), dtype=np.float32)
    nodes: list[str] = []
    ways: list[str] = []
    facs: list[str] = []
    polys = []
    next_id = [1]

    def node(lon: float, lat: float) -> int:
        i = next_id[0]
        next_id[0] += 1
        nodes.append(f'<node id="{i}" version="1" lat="{lat:.6f}" lon="{lon:.6f}"/>')
        return i

    def way(ids: list[int]) -> None:
        refs = "".join(f'<nd ref="{i}"/>' for i in ids)
        ways.append(
            f'<way id="{len(ways) + 1}" version="1">{refs}<tag k="highway" v="tertiary"/></way>'
        )

    yy, xx = np.mgrid[-6:7, -6:7]
    for p, (lo0, lo1, la0, la1, n_vil, main_tier) in enumerate(PARTS):
        polys.append(Polygon([(lo0, la0), (lo1, la0), (lo1, la1), (lo0, la1)]))
        # trunk grid: vertical and horizontal lines sharing their crossing nodes
        xs = np.arange(lo0 + TRUNK / 2, lo1, TRUNK)
        ys = np.arange(la0 + TRUNK / 2, la1, TRUNK)
        k = round(TRUNK / STEP)
        cross = {(i, j): node(x, y) for i, x in enumerate(xs) for j, y in enumerate(ys)}
        for i, x in enumerate(xs):
            line = []
            for j in range(len(ys) - 1):
                line.append(cross[i, j])
                line += [node(x, ys[j] + s * STEP) for s in range(1, k)]
            way([*line, cross[i, len(ys) - 1]])
        for j, y in enumerate(ys):
            line = []
            for i in range(len(xs) - 1):
                line.append(cross[i, j])
                line += [node(xs[i] + s * STEP, y) for s in range(1, k)]
            way([*line, cross[len(xs) - 1, j]])
        # villages: a blob of people and a spur east-west to the nearest vertical trunk road
        vlon = rng.uniform(lo0 + 0.02, lo1 - 0.02, n_vil)
        vlat = rng.uniform(la0 + 0.02, la1 - 0.02, n_vil)
        people = rng.lognormal(6.5, 0.6, n_vil)
        for v in range(n_vil):
            r = int((NORTH - vlat[v]) / CELL)
            c = int((vlon[v] - WEST) / CELL)
            blob = np.exp(-(xx**2 + yy**2) / (2 * 2.0**2))
            pop[r - 6 : r + 7, c - 6 : c + 7] += (people[v] * blob / blob.sum()).astype(np.float32)
            ti = int(np.argmin(np.abs(xs - vlon[v])))
            tx = xs[ti]
            n_sp = max(1, int(abs(tx - vlon[v]) / STEP))
            spur = [node(vlon[v] + (tx - vlon[v]) * s / n_sp, vlat[v]) for s in range(n_sp)]
            jn = int(np.argmin(np.abs(ys - vlat[v])))
            end = node(tx, vlat[v]) if abs(ys[jn] - vlat[v]) > 1e-9 else cross[ti, jn]
            way([*spur, end])
            # the trunk passes near the spur's end: join it to the nearest trunk crossing
            way([end, cross[ti, jn]])
            tier = main_tier if v == 0 else 2 if v % 20 == 0 else 1 if v % 2 == 0 else 0
            if tier:
                facs.append(
                    f'<node id="{next_id[0]}" version="1" lat="{vlat[v] + 0.0002:.6f}" '
                    f'lon="{vlon[v]:.6f}"><tag k="amenity" v="clinic"/>'
                    f'<tag k="name" v="P{p}V{v}"/><tag k="access15:tier" v="{tier}"/></node>'
                )
                next_id[0] += 1
    pop[pop < 0.05] = 0.0
    if scale > 1:
        pop = np.repeat(np.repeat(pop / np.float32(scale * scale), scale, axis=0), scale, axis=1)
    osm = folder / "large.osm"
    osm.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
        + "\n".join(nodes + facs + ways)
        + "\n</osm>\n",
        encoding="utf-8",
    )
    tif = folder / "population.tif"
    with rasterio.open(
        tif,
        "w",
        driver="GTiff",
        height=ROWS * scale,
        width=COLS * scale,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(WEST, NORTH, CELL / scale, CELL / scale),
        nodata=-99999.0,
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress="deflate",
    ) as dst:
        dst.write(pop, 1)
    county = folder / "county.geojson"
    gpd.GeoDataFrame(
        {"name": ["Large two-part county"]}, geometry=[MultiPolygon(polys)], crs="EPSG:4326"
    ).to_file(county)
    return {"osm": osm, "population": tif, "county": county}


def run(folder: Path, out: Path) -> dict[str, object]:
    """Run ``access15 coverage`` on the county under ``/usr/bin/time -v``.

    Returns
    -------
    dict
        ``seconds`` (wall), ``max_rss_mb``, ``map_html_mb``, ``travel_time_tif_mb``,
        ``exit`` and the headline figures of ``summary.json``.
    """
    cmd = [
        "/usr/bin/time",
        "-v",
        str(ROOT / ".venv" / "bin" / "access15"),
        "coverage",
        "--osm",
        str(folder / "large.osm"),
        "--population",
        str(folder / "population.tif"),
        "--boundary",
        str(folder / "county.geojson"),
        "--basemap",
        "none",
        "--lang",
        "en",
        "--out",
        str(out),
    ]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
    seconds = time.perf_counter() - t
    rss_kb = next(
        int(line.split(":")[1])
        for line in proc.stderr.splitlines()
        if "Maximum resident set size" in line
    )
    result: dict[str, object] = {
        "exit": proc.returncode,
        "seconds": round(seconds, 1),
        "max_rss_mb": round(rss_kb / 1024),
    }
    if proc.returncode != 0:
        result["stderr"] = proc.stderr[-2000:]
        return result
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    result.update(
        {
            "map_html_mb": round((out / "map.html").stat().st_size / 1e6, 2),
            "travel_time_tif_mb": round((out / "travel_time.tif").stat().st_size / 1e6, 2),
            "population": round(summary["population_total"]),
            "covered_share": round(summary["covered_share"], 4),
            "diagnostics": summary["diagnostics"],
        }
    )
    return result


def main(argv: list[str]) -> int:
    """Command line: ``make DIR``, ``run DIR OUT`` or ``all DIR``."""
    if len(argv) < 2 or argv[0] not in ("make", "run", "all"):
        sys.stderr.write(__doc__ or "")
        return 2
    folder = Path(argv[1])
    if argv[0] in ("make", "all"):
        t = time.perf_counter()
        make_county(folder, scale=int(os.environ.get("SCALE", "1")))
        sys.stderr.write(f"county made in {time.perf_counter() - t:.1f} s\n")
    if argv[0] in ("run", "all"):
        out = Path(argv[2]) if len(argv) > 2 else folder / "out"
        sys.stdout.write(json.dumps(run(folder, out), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
