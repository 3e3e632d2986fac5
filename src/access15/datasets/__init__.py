"""Where the bundled sample county lives (inside the wheel, or in the source checkout)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["sample_paths"]


def _data_root() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here.parent / "_data"
    if (packaged / "sample").is_dir():
        return packaged
    return here.parents[2] / "data"  # editable install / source checkout


def sample_paths() -> dict[str, Path]:
    """Paths of the synthetic sample county's files (OSM PBF, population, boundaries)."""
    root = _data_root()
    return {
        "osm": root / "sample" / "sample_county.osm.pbf",
        "population": root / "sample" / "sample_population.tif",
        "county": root / "boundaries" / "sample_county.geojson",
        "townships": root / "boundaries" / "sample_townships.geojson",
    }
