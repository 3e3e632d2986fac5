"""access15.datasets (the package): where the bundled sample county lives."""

from __future__ import annotations

import access15 as ax
from access15.datasets import sample_paths


def test_sample_paths_point_at_the_bundled_files() -> None:
    paths = sample_paths()
    assert list(paths) == ["osm", "population", "county", "townships"]
    assert all(p.is_file() for p in paths.values())
    assert paths["osm"].name == "sample_county.osm.pbf"
    assert paths["population"].parent == paths["osm"].parent
    assert (paths["osm"].parent / "sample_facilities.csv").is_file()
    assert paths["county"].parent.name == "boundaries"
    assert ax.sample_paths is sample_paths
