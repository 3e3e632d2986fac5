"""Runs shared by the map, figure, report and browser tests (built once per test session).

* :func:`sample_run`: the whole pipeline on the synthetic sample county, outputs on disk;
* :func:`hostile_run`: the tiny county of ``conftest`` whose facility and township names are
  HTML/JavaScript injection attempts, outputs on disk.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from xml.sax.saxutils import escape

import access15 as ax
from conftest import DEFAULT_FACILITIES, write_tiny_county

HOSTILE_FACILITY = "<script>alert(1)</script>"
HOSTILE_TEMPLATE = "${alert(2)}`);alert(3);(`\\"
HOSTILE_TOWNSHIP = '"><img src=x onerror=alert(4)>'
HOSTILE_EN = "</script><script>alert(5)</script>"

_CACHE: dict[str, tuple[ax.CountyRun, Path]] = {}


def sample_run(tmp_path_factory) -> tuple[ax.CountyRun, Path]:
    """The sample county run once (K=3, robustness on, no basemap), and its output folder."""
    if "sample" not in _CACHE:
        out = tmp_path_factory.mktemp("sample") / "out"
        p = ax.sample_paths()
        run = ax.run_county(
            osm=p["osm"],
            population=p["population"],
            boundary=p["county"],
            zones=p["townships"],
            k=3,
            basemap=None,
            title="Synthetic sample county",
            out_dir=out,
            extra_summary={"synthetic": True},
        )
        _CACHE["sample"] = (run, out)
    return _CACHE["sample"]


def hostile_files(folder: Path) -> dict[str, Path]:
    """Tiny-county files whose names try to inject HTML and JavaScript."""
    facs = [dict(f) for f in DEFAULT_FACILITIES]
    facs[0]["name"] = escape(HOSTILE_FACILITY)
    facs[0]["name_en"] = escape(HOSTILE_EN)
    facs[1]["name"] = escape(HOSTILE_TEMPLATE, {'"': "&quot;"})
    return write_tiny_county(
        folder, facs, county_name=HOSTILE_EN, zone_names=(HOSTILE_TOWNSHIP, "East")
    )


def hostile_run(tmp_path_factory) -> tuple[ax.CountyRun, Path]:
    """The hostile tiny county run once (K=1, robustness off), and its output folder."""
    if "hostile" not in _CACHE:
        base = tmp_path_factory.mktemp("hostile")
        f = hostile_files(base / "in")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the tiny county's off-network parts
            run = ax.run_county(
                osm=f["osm"],
                population=f["population"],
                boundary=f["county"],
                zones=f["zones"],
                k=1,
                robustness=False,
                basemap=None,
                title=HOSTILE_FACILITY,
                lang="en",
                out_dir=base / "out",
            )
        _CACHE["hostile"] = (run, base / "out")
    return _CACHE["hostile"]
