"""One county end to end (access15.pipeline): typed inputs and options, everything computed once.

The sample county's outputs are checked in tests/cli/test_cli.py (through ``access15 demo``); here
the tiny hand-made county of conftest: the options are checked when made, the old keyword form
still gives the same run, and the display bands are computed once and shared by the map and
``isochrones.geojson``.
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pandas as pd
import pytest

import access15 as ax
from access15 import pipeline
from access15.errors import InputError
from access15.pipeline import OutputOptions, Study, county_config


def _run(*args, **kw) -> ax.CountyRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tiny.osm's way 103 is cut (clipped)
        return ax.run_county(*args, **kw)


# --------------------------------------------------------------------------- the options
def test_study_checks_the_mode_and_normalises():
    s = Study("x.osm.pbf", "p.tif", "b.geojson", facilities="osm", crs_in="")
    assert (s.facilities, s.crs_in, s.mode, s.title) == (None, None, "drive", "")
    with pytest.raises(InputError, match="unknown mode 'boat'; use one of drive, ebike, walk"):
        Study("x.osm.pbf", "p.tif", "b.geojson", mode="boat")
    place = Study("Yuba County, California", "p.tif", "b.geojson")
    assert place.input_records()["osm"] == {"query": "Yuba County, California"}


def test_output_options_are_checked_when_made(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    o = OutputOptions(only=["map.html"], basemap="none")
    assert (o.only, o.basemap, o.out_dir) == (frozenset({"map.html"}), None, None)
    assert o.wants("map.html")
    assert not o.wants("summary.json")
    assert OutputOptions().wants("summary.json")
    assert OutputOptions(basemap="Positron").basemap == "positron"
    with pytest.raises(InputError, match="unknown basemap 'google'"):
        OutputOptions(basemap="google")
    with pytest.raises(InputError, match=r"(?i)tianditu"):
        OutputOptions(basemap="tianditu")  # no key: refused before any work
    assert (
        OutputOptions(basemap="tianditu", tianditu_key="0123456789abcdef0123456789abcdef").basemap
        == "tianditu"
    )
    with pytest.raises(InputError, match="fr"):
        OutputOptions(lang="fr")


def test_county_config_sets_k_and_the_headline_minutes(tmp_path):
    cfg = county_config(k=5, minutes=20)
    assert cfg.k == 5
    assert (cfg.levels[0].minutes, cfg.levels[0].label) == (20.0, "basic within 20 min")
    assert cfg.levels[1:] == ax.Config().levels[1:]
    assert county_config() == ax.Config()
    with pytest.raises(InputError, match="minutes must be > 0, got -5"):
        county_config(minutes=-5)
    (tmp_path / "c.toml").write_text("k = 4\n", encoding="utf-8")
    assert county_config(tmp_path / "c.toml").k == 4
    assert county_config(tmp_path / "c.toml", k=2).k == 2  # the flag wins over the file


# --------------------------------------------------------------------------- the run
def test_run_without_siting_ranks_nothing_and_writes_no_files(tiny):
    run = _run(
        Study(tiny["osm"], tiny["population"], tiny["county"], tiny["zones"]),
        outputs=OutputOptions(basemap=None),
    )
    assert run.recommendation is None
    assert run.sensitivity is None
    assert run.outputs == {}
    assert run.fmap is not None
    assert set(run.timings_s) >= {"areas", "read_osm", "network", "population", "coverage"}
    assert "siting" not in run.timings_s


def test_bands_are_computed_once_and_shared_by_map_and_files(tiny, tmp_path, monkeypatch):
    calls = []
    real = pipeline.isochrones

    def counting(*args, **kw):
        calls.append(kw)
        return real(*args, **kw)

    monkeypatch.setattr(pipeline, "isochrones", counting)
    out = tmp_path / "out"
    steps: list[str] = []
    run = _run(
        Study(tiny["osm"], tiny["population"], tiny["county"], tiny["zones"]),
        siting=ax.SitingOptions(k=1),
        robustness=False,
        outputs=OutputOptions(out_dir=out, basemap=None),
        on_step=steps.append,
    )
    assert len(calls) == 1  # one computation for the map and isochrones.geojson
    assert run.bands is not None
    assert len(run.bands)
    pd.testing.assert_frame_equal(
        run.bands.drop(columns="geometry"), real(run.coverage).drop(columns="geometry")
    )
    written = gpd.read_file(out / "isochrones.geojson")
    assert written["band"].tolist() == run.bands["band"].tolist()
    assert written["population"].tolist() == pytest.approx(run.bands["population"].tolist())
    assert "isochrones.geojson" in run.outputs
    assert steps[0] == "reading study area"
    assert steps[-1] == "writing outputs"
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(man["inputs"]) == {"osm", "population", "boundary", "zones"}


def test_only_map_skips_the_other_files(tiny, tmp_path):
    out = tmp_path / "out"
    run = _run(
        Study(tiny["osm"], tiny["population"], tiny["county"]),
        outputs=OutputOptions(out_dir=out, only={"map.html"}, basemap=None),
    )
    assert run.fmap is not None
    assert "map.html" in run.outputs
    assert not {"coverage_by_zone.csv", "isochrones.geojson", "report.html"} & set(run.outputs)


def test_old_keyword_form_warns_and_gives_the_same_run(tiny):
    new = _run(
        Study(tiny["osm"], tiny["population"], tiny["county"], tiny["zones"]),
        siting=ax.SitingOptions(k=1, method="swap", grid_spacing_m=500.0),
        robustness=False,
        outputs=OutputOptions(basemap=None),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.warns(DeprecationWarning, match=r"run_county\(Study") as rec:
            old = ax.run_county(
                osm=tiny["osm"],
                population=tiny["population"],
                boundary=tiny["county"],
                zones=tiny["zones"],
                k=1,
                robustness=False,
                siting={"method": "swap", "candidate_options": {"spacing_m": 500.0}},
                basemap=None,
            )
    assert rec[0].filename == __file__  # points at the caller
    assert old.recommendation is not None
    assert new.recommendation is not None
    assert old.recommendation.options.grid_spacing_m == 500.0
    pd.testing.assert_frame_equal(
        old.recommendation.ranking.drop(columns="seconds", errors="ignore"),
        new.recommendation.ranking.drop(columns="seconds", errors="ignore"),
    )
    assert old.coverage.summary["covered_share"] == new.coverage.summary["covered_share"]
    with pytest.warns(DeprecationWarning, match="deprecated"):
        no_rec = _run(
            osm=tiny["osm"],
            population=tiny["population"],
            boundary=tiny["county"],
            recommend=False,
            basemap=None,
        )
    assert no_rec.recommendation is None


def test_wrong_keywords_are_type_errors(tiny):
    study = Study(tiny["osm"], tiny["population"], tiny["county"])
    with pytest.raises(TypeError, match="unexpected keyword argument 'ouputs'"):
        ax.run_county(study, ouputs=OutputOptions())
    with pytest.raises(TypeError, match="not both"):
        ax.run_county(study, k=2)
    with pytest.raises(TypeError, match="missing required argument 'osm'"):
        ax.run_county()
