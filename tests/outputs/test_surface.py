"""access15.outputs.surface: the travel-time image in the map, reduced and coloured by band."""

from __future__ import annotations

import base64
import dataclasses
import io
import re

import numpy as np
from affine import Affine
from PIL import Image

import access15 as ax
from access15.outputs.surface import SURFACE_MAX_PX
from conftest import load_tiny


def _html(path) -> str:
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- size bound
def _huge(tiny, shape=(5000, 6000), seed=0):
    """The tiny county's coverage with a random travel-time surface of ``shape`` cells."""
    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones)
    rng = np.random.default_rng(seed)
    values = np.array([1, 7, 12, 20, 40, 90, np.nan], dtype=np.float32)
    surface = rng.choice(values, size=shape)
    h, w = shape
    grid = dataclasses.replace(
        pop,
        shape=shape,
        transform=Affine(0.04 / w, 0, 99.995, 0, -0.02 / h, 0.015),
        area_mask=np.ones(shape, dtype=bool),
    )
    return dataclasses.replace(cov, population=grid, surface=dict.fromkeys(cov.surface, surface))


def _surface_image(page: str) -> Image.Image:
    uri = re.search(r"L\.imageOverlay\(\s*\"data:image/png;base64,([^\"]+)\"", page)
    assert uri is not None
    return Image.open(io.BytesIO(base64.b64decode(uri.group(1))))


def test_map_of_a_huge_surface_stays_under_15_mb(tiny, tmp_path):
    cov = _huge(tiny)  # 30 M cells of random bands: the worst case for compression
    ax.make_map(cov, basemap=None).save(tmp_path / "map.html")
    assert (tmp_path / "map.html").stat().st_size <= 15_000_000
    image = _surface_image(_html(tmp_path / "map.html"))
    assert max(image.size) <= SURFACE_MAX_PX
    assert image.size == (2000, 1667)  # 3 x 3 blocks (6000 / 3, 5000 / 3 rounded up)


def test_a_reduced_surface_never_looks_better_than_its_cells(tiny, tmp_path):
    cov = _huge(tiny, shape=(2100, 4100))  # 3 x 3 blocks
    level = cov.levels[0].name
    s = cov.surface[level]
    s[:3, :3] = 1.0
    s[1, 2] = 90.0  # one slow cell in the top-left block: the block is slow
    s[:3, 3:6] = np.nan
    s[2, 5] = 7.0  # a block with one reached cell shows it
    ax.make_map(cov, basemap=None).save(tmp_path / "map.html")
    image = _surface_image(_html(tmp_path / "map.html")).convert("RGBA")
    assert image.size == (1367, 700)
    assert image.getpixel((0, 0)) == (0x67, 0x00, 0x1F, 170)  # > 60 min
    assert image.getpixel((1, 0)) == (0x91, 0xCF, 0x60, 170)  # 5-10 min


def test_surface_that_fits_is_drawn_cell_for_cell(sample):
    run, out = sample
    image = _surface_image(_html(out / "map.html"))
    assert image.size[::-1] == run.coverage.population.shape
