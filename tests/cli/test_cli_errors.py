"""Bad input on the command line: exit code 2 (1 for a failed download), one clear line on
stderr, no traceback, and nothing written to --out."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Point, box

import access15 as ax
from access15 import cli

SAMPLE = ax.sample_paths()


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["access15", *args])
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def base_args(out: Path, **over: str | None) -> list[str]:
    opts = {
        "--osm": str(SAMPLE["osm"]),
        "--population": str(SAMPLE["population"]),
        "--boundary": str(SAMPLE["county"]),
        "--zones": str(SAMPLE["townships"]),
        "--basemap": "none",
        "--out": str(out),
    }
    opts.update(over)
    args: list[str] = []
    for k, v in opts.items():
        if v is not None:
            args += [k, v]
    return args


def write_raster(path: Path, *, crs: str | None = "EPSG:4326", west: float = 112.4) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=4,
        width=4,
        count=1,
        dtype="float32",
        crs=crs,
        transform=from_origin(west, 27.5, 0.01, 0.01),
        nodata=-1,
    ) as dst:
        dst.write(np.full((4, 4), 10, dtype=np.float32), 1)
    return path


def csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# each case: (id, command, overrides or extra args builder, expected exit code, message regex)
def _cases(tmp: Path) -> list[tuple[str, str, dict, list[str], int, str]]:
    empty = tmp / "empty.osm.pbf"
    empty.write_bytes(b"")
    corrupt = tmp / "corrupt.osm.pbf"
    corrupt.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 20)
    txt = tmp / "roads.txt"
    txt.write_text("not osm")
    fake_tif = tmp / "fake.tif"
    fake_tif.write_text("this is not a GeoTIFF")
    nocrs_tif = write_raster(tmp / "nocrs.tif", crs=None)
    far_tif = write_raster(tmp / "far.tif", west=10.0)
    points = tmp / "points.geojson"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(112.6, 27.4)], crs="EPSG:4326").to_file(
        points
    )
    nocrs_gpkg = tmp / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(112.4, 27.2, 112.8, 27.6)]).to_file(
            nocrs_gpkg
        )
    zones_noid = tmp / "zones_noid.geojson"
    gpd.read_file(SAMPLE["townships"]).drop(columns=["zone_id"]).to_file(zones_noid)
    bad_toml = csv(tmp / "bad.toml", "k = = 3\n")
    unknown_toml = csv(tmp / "unknown.toml", "speed_limit = 3\n")
    neg_toml = csv(tmp / "neg.toml", "[speeds_kmh.drive]\nprimary = -5\n")
    taken = tmp / "taken"
    taken.write_text("keep")
    no_xy = csv(tmp / "noxy.csv", "name,tier\n县医院,4\n")
    swapped = csv(
        tmp / "swapped.csv", "name,lon,lat,tier\n县医院,27.4,112.6,4\n卫生院,27.5,112.5,2\n"
    )
    far_fac = csv(tmp / "far.csv", "name,lon,lat,tier\n县医院,87.6,43.8,4\n卫生院,87.7,43.9,2\n")
    good_fac = csv(tmp / "good.csv", "name,lon,lat,tier\n县医院,112.6,27.4,4\n")
    bad_tier = csv(tmp / "badtier.csv", "name,lon,lat,tier\n县医院,112.6,27.4,hospital-ish\n")
    return [
        ("no-osm", "coverage", {"--osm": None}, [], 2, "exactly one of --osm FILE or --place"),
        ("osm-and-place", "coverage", {"--place": "Anlan"}, [], 2, "exactly one of --osm"),
        ("osm-missing", "coverage", {"--osm": str(tmp / "nope.osm.pbf")}, [], 2, "not found"),
        ("osm-empty", "coverage", {"--osm": str(empty)}, [], 2, "is empty"),
        ("osm-corrupt", "coverage", {"--osm": str(corrupt)}, [], 2, "cannot read OSM file"),
        ("osm-wrong-type", "coverage", {"--osm": str(txt)}, [], 2, "extension|OSM"),
        ("pop-missing", "coverage", {"--population": str(tmp / "nope.tif")}, [], 2, "not found"),
        ("pop-not-raster", "coverage", {"--population": str(fake_tif)}, [], 2, "cannot read"),
        ("pop-no-crs", "coverage", {"--population": str(nocrs_tif)}, [], 2, "no CRS"),
        ("pop-elsewhere", "coverage", {"--population": str(far_tif)}, [], 2, "does not overlap"),
        (
            "boundary-missing",
            "coverage",
            {"--boundary": str(tmp / "b.geojson")},
            [],
            2,
            "not found",
        ),
        (
            "boundary-points",
            "coverage",
            {"--boundary": str(points)},
            [],
            2,
            "must contain polygons",
        ),
        ("boundary-no-crs", "coverage", {"--boundary": str(nocrs_gpkg)}, [], 2, "no CRS"),
        ("zones-no-id", "coverage", {"--zones": str(zones_noid)}, [], 2, "lacks column"),
        ("unknown-mode", "coverage", {"--mode": "boat"}, [], 2, "unknown mode 'boat'"),
        ("negative-minutes", "coverage", {"--minutes": "-5"}, [], 2, "--minutes must be > 0"),
        ("zero-minutes", "coverage", {"--minutes": "0"}, [], 2, "--minutes must be > 0"),
        ("k-too-large", "recommend", {"--k": "50"}, [], 2, "larger than the 19 tier-2"),
        ("k-zero", "recommend", {"--k": "0"}, [], 2, "Invalid value for '--k'"),
        ("bad-crs-in", "coverage", {"--crs-in": "jupiter"}, [], 2, "is not a CRS"),
        ("bad-basemap", "coverage", {"--basemap": "google"}, [], 2, "--basemap 'google'"),
        ("config-missing", "coverage", {"--config": str(tmp / "no.toml")}, [], 2, "not found"),
        ("config-bad-toml", "coverage", {"--config": str(bad_toml)}, [], 2, "not valid TOML"),
        (
            "config-unknown-key",
            "coverage",
            {"--config": str(unknown_toml)},
            [],
            2,
            "unknown configuration keys",
        ),
        (
            "config-negative-speed",
            "coverage",
            {"--config": str(neg_toml)},
            [],
            2,
            r"must be > 0 km/h",
        ),
        ("out-is-a-file", "coverage", {"--out": str(taken)}, [], 2, "is not a folder"),
        ("missing-option", "coverage", {"--population": None}, [], 2, "Missing option"),
        (
            "fac-no-coords",
            "coverage",
            {"--facilities": str(no_xy), "--crs-in": "wgs84"},
            [],
            2,
            "coordinate|lon|经度",
        ),
        (
            "fac-swapped",
            "coverage",
            {"--facilities": str(swapped), "--crs-in": "wgs84"},
            [],
            2,
            "swapped",
        ),
        ("fac-csv-no-crs", "coverage", {"--facilities": str(good_fac)}, [], 2, "crs"),
        (
            "fac-outside-area",
            "coverage",
            {"--facilities": str(far_fac), "--crs-in": "wgs84"},
            [],
            2,
            "outside the study area|none of the",
        ),
        ("bad-objective", "recommend", {}, ["--objective", "best"], 2, "--objective 'best'"),
        ("bad-method", "recommend", {}, ["--method", "magic"], 2, "--method 'magic'"),
        ("budget-no-costs", "recommend", {}, ["--budget", "5"], 2, "go together"),
        (
            "costs-missing",
            "recommend",
            {},
            ["--budget", "5", "--costs", str(tmp / "nope.csv")],
            2,
            "does not exist",
        ),
        (
            "costs-no-column",
            "recommend",
            {},
            ["--budget", "5", "--costs", str(csv(tmp / "c1.csv", "site,price\na,1\n"))],
            2,
            "needs a site column",
        ),
        (
            "costs-incomplete",
            "recommend",
            {},
            ["--budget", "5", "--costs", str(csv(tmp / "c2.csv", "name,cost\n鹤田镇卫生院,1\n"))],
            2,
            "no cost for candidate",
        ),
        (
            "must-include-unknown",
            "recommend",
            {},
            ["--must-include", "No Such Centre"],
            2,
            "'No Such Centre' is not among the candidates",
        ),
        (
            "fac-bad-tier",
            "coverage",
            {"--facilities": str(bad_tier), "--crs-in": "wgs84"},
            [],
            2,
            "tier",
        ),
        (
            "candidates-unknown",
            "recommend",
            {},
            ["--candidates", "hospitals"],
            2,
            "--candidates 'hospitals' is neither tier2, gaps, nodes nor an existing file",
        ),
        (
            "candidates-csv-no-crs",
            "recommend",
            {},
            ["--candidates", str(csv(tmp / "sites.csv", "site_id,lon,lat\nA,112.6,27.4\n"))],
            2,
            "is a CSV and has no CRS",
        ),
        ("grid-spacing-zero", "recommend", {}, ["--grid-spacing", "0"], 2, "--grid-spacing must"),
        *_issue17_cases(tmp),
    ]


def _osm_without_roads(path: Path, *, building: bool) -> Path:
    """An OSM file of five nodes (and a building outline): valid, but no highway=* way."""
    import osmium
    from osmium.osm.mutable import Node, Way

    writer = osmium.SimpleWriter(str(path))
    for i in range(1, 6):
        writer.add_node(Node(id=i, location=(112.5 + 0.01 * (i % 2), 27.4 + 0.01 * (i // 2))))
    if building:
        writer.add_way(Way(id=1, nodes=[1, 2, 3, 4, 1], tags={"building": "yes"}))
    writer.close()
    return path


def _issue17_cases(tmp: Path) -> list[tuple[str, str, dict, list[str], int, str]]:
    """Bad values that gave exit 1, a traceback-like box or a silent acceptance (issue 17)."""

    def toml(name: str, text: str) -> dict:
        return {"--config": str(csv(tmp / f"{name}.toml", text))}

    costs = csv(tmp / "costs17.csv", "name,cost\n鹤田镇卫生院,1\n")
    return [
        ("minutes-inf", "coverage", {"--minutes": "inf"}, [], 2, "--minutes must be at most 1440"),
        ("minutes-1e400", "coverage", {"--minutes": "1e400"}, [], 2, "at most 1440 .*got inf"),
        ("minutes-1e9", "coverage", {"--minutes": "1e9"}, [], 2, "--minutes must be at most 1440"),
        ("minutes-nan", "coverage", {"--minutes": "nan"}, [], 2, "--minutes must be > 0, got nan"),
        ("minutes-abc", "coverage", {"--minutes": "abc"}, [], 2, "Invalid value for '--minutes'"),
        ("unknown-flag", "coverage", {}, ["--minuts", "3"], 2, "No such option: --minuts"),
        (
            "config-speed-string",
            "coverage",
            toml("fast", '[speeds_kmh.drive]\nprimary = "fast"\n'),
            [],
            2,
            r"config '.*fast\.toml': speeds_kmh\.drive\.primary must be a number > 0 km/h, "
            "got 'fast'",
        ),
        (
            "config-speeds-number",
            "coverage",
            toml("speeds5", "speeds_kmh = 5\n"),
            [],
            2,
            "speeds_kmh must be a table by mode",
        ),
        ("config-k-string", "recommend", toml("kstr", 'k = "3"\n'), [], 2, "k must be a whole"),
        (
            "config-tier-rule-two",
            "coverage",
            toml("rule2", 'tier_rules = [["amenity", "clinic"]]\n'),
            [],
            2,
            r"tier_rules #1 must be \[key, value, tier\]",
        ),
        (
            "config-speed-inf",
            "coverage",
            toml("inf", "[speeds_kmh.drive]\nprimary = inf\n"),
            [],
            2,
            "speeds_kmh.drive.primary must be at most 1000 km/h, got inf",
        ),
        (
            "config-bands-nan",
            "coverage",
            toml("nan", "bands_minutes = [nan]\n"),
            [],
            2,
            r"bands_minutes must be increasing and > 0, got \[nan\]",
        ),
        (
            "config-snap-inf",
            "coverage",
            toml("snap", "max_snap_m = inf\n"),
            [],
            2,
            "max_snap_m must be at most 100000 metres, got inf",
        ),
        (
            "config-many-problems",
            "coverage",
            toml("many", 'k = "3"\nmax_snap_m = -1\n[[levels]]\nname = "a"\nminutes = 9\n'),
            [],
            2,
            "max_snap_m must be > 0 metres, got -1; bad service level #1: missing min_tier.*; "
            "upgrade_level 'subcentre' is not one of \\['a'\\]; k must be a whole number",
        ),
        (
            "osm-nodes-only",
            "coverage",
            {"--osm": str(_osm_without_roads(tmp / "nodes.osm.pbf", building=False))},
            [],
            2,
            r"nodes\.osm\.pbf' has no roads usable by mode 'drive' \(no highway=\* ways\)",
        ),
        (
            "osm-buildings-only",
            "coverage",
            {"--osm": str(_osm_without_roads(tmp / "buildings.osm.pbf", building=True))},
            [],
            2,
            r"buildings\.osm\.pbf' has no roads usable by mode 'drive' \(no highway=\* ways\)",
        ),
        (
            "hospital-minutes-1e9",
            "recommend",
            {},
            ["--max-minutes-to-hospital", "1e9"],
            2,
            "--max-minutes-to-hospital must be at most 1440 minutes",
        ),
        (
            "time-limit-1e9",
            "recommend",
            {},
            ["--time-limit", "1e9"],
            2,
            "--time-limit must be at most 86400 seconds",
        ),
        (
            "grid-spacing-tiny",
            "recommend",
            {},
            ["--grid-spacing", "1e-300"],
            2,
            "--grid-spacing must be at least 1 metres",
        ),
        (
            "grid-spacing-inf",
            "recommend",
            {},
            ["--grid-spacing", "inf"],
            2,
            "--grid-spacing must be at most 100000 metres",
        ),
        (
            "budget-inf",
            "recommend",
            {},
            ["--budget", "inf", "--costs", str(costs)],
            2,
            "--budget must be > 0, got inf",
        ),
        ("k-abc", "recommend", {"--k": "abc"}, [], 2, "Invalid value for '--k'"),
    ]


def _issue19_cases(tmp: Path) -> list[tuple[str, str, dict, list[str], int, str]]:
    """Bad values of the supply flags (access, coverage --capacity, recommend targets)."""
    toml = csv(tmp / "cap19.toml", "[capacity]\npeople_per_doctor = -5\n")
    fac = csv(
        tmp / "fac19.csv",
        "name,lon,lat,tier,doctors\n县医院,112.6,27.4,4,many\n",
    )
    return [
        (
            "access-method",
            "access",
            {},
            ["--method", "best"],
            2,
            "^error: --method 'best' is not one",
        ),
        (
            "access-minutes",
            "access",
            {},
            ["--minutes", "0"],
            2,
            "^error: --minutes must be minutes in",
        ),
        ("access-column", "access", {}, ["--capacity", "nurses"], 2, "no column 'nurses'"),
        ("capacity-column", "coverage", {}, ["--capacity", "nurses"], 2, "no column 'nurses'"),
        ("capacity-config", "coverage", {"--config": str(toml)}, [], 2, "people_per_doctor"),
        (
            "doctors-not-a-number",
            "access",
            {"--facilities": str(fac), "--crs-in": "wgs84"},
            [],
            2,
            "doctors",
        ),
        (
            "target-share-big",
            "recommend",
            {},
            ["--target-share", "1.5"],
            2,
            "^error: --target-share must be",
        ),
        (
            "target-share-zero",
            "recommend",
            {},
            ["--target-share", "0"],
            2,
            "^error: --target-share must be",
        ),
        (
            "site-capacity-neg",
            "recommend",
            {},
            ["--site-capacity", "-5"],
            2,
            "^error: --site-capacity must be",
        ),
        (
            "target-and-objective",
            "recommend",
            {},
            ["--target-share", "0.9", "--objective", "median"],
            2,
            "target_share|--target-share",
        ),
    ]


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    return {c[0]: c for c in [*_cases(tmp), *_issue19_cases(tmp)]}


ALL = [
    "no-osm",
    "osm-and-place",
    "osm-missing",
    "osm-empty",
    "osm-corrupt",
    "osm-wrong-type",
    "pop-missing",
    "pop-not-raster",
    "pop-no-crs",
    "pop-elsewhere",
    "boundary-missing",
    "boundary-points",
    "boundary-no-crs",
    "zones-no-id",
    "unknown-mode",
    "negative-minutes",
    "zero-minutes",
    "k-too-large",
    "k-zero",
    "bad-crs-in",
    "bad-basemap",
    "config-missing",
    "config-bad-toml",
    "config-unknown-key",
    "config-negative-speed",
    "out-is-a-file",
    "missing-option",
    "fac-no-coords",
    "fac-swapped",
    "fac-csv-no-crs",
    "fac-outside-area",
    "fac-bad-tier",
    "bad-objective",
    "bad-method",
    "budget-no-costs",
    "costs-missing",
    "costs-no-column",
    "costs-incomplete",
    "must-include-unknown",
    "candidates-unknown",
    "candidates-csv-no-crs",
    "grid-spacing-zero",
    # issue 17
    "minutes-inf",
    "minutes-1e400",
    "minutes-1e9",
    "minutes-nan",
    "minutes-abc",
    "unknown-flag",
    "config-speed-string",
    "config-speeds-number",
    "config-k-string",
    "config-tier-rule-two",
    "config-speed-inf",
    "config-bands-nan",
    "config-snap-inf",
    "config-many-problems",
    "osm-nodes-only",
    "osm-buildings-only",
    "hospital-minutes-1e9",
    "time-limit-1e9",
    "grid-spacing-tiny",
    "grid-spacing-inf",
    "budget-inf",
    "k-abc",
    # issue 19
    "access-method",
    "access-minutes",
    "access-column",
    "capacity-column",
    "capacity-config",
    "doctors-not-a-number",
    "target-share-big",
    "target-share-zero",
    "site-capacity-neg",
    "target-and-objective",
]


@pytest.mark.parametrize("case_id", ALL)
def test_bad_input(case_id, cases, tmp_path, monkeypatch, capsys):
    _, command, over, extra, code, pattern = cases[case_id]
    out = Path(over["--out"]) if "--out" in over else tmp_path / "out"
    over = {**over, "--out": str(out)}
    before = out.read_bytes() if out.is_file() else None
    rc, stdout, stderr = run_main(monkeypatch, capsys, command, *base_args(out, **over), *extra)
    assert rc == code, (stdout, stderr)
    import re

    assert re.search(pattern, stderr), stderr
    assert "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1, stderr  # one line, whatever went wrong
    if out.is_file():
        assert out.read_bytes() == before  # an existing file is untouched
    else:
        assert not out.exists()  # nothing written
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.tmp")]


def test_unreachable_place_offline(tmp_path, monkeypatch, capsys):
    """No network: a place name that is not cached fails with exit 1 and one line."""
    import socket

    import osmnx as ox

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setattr(ox.settings, "nominatim_url", f"{url}/nominatim/")
    monkeypatch.setattr(ox.settings, "overpass_url", f"{url}/api")
    out = tmp_path / "out"
    try:
        rc, _, stderr = run_main(
            monkeypatch,
            capsys,
            "coverage",
            *base_args(
                out,
                **{
                    "--osm": None,
                    "--place": "Nowhere County",
                    "--cache-dir": str(tmp_path / "cache"),
                },
            ),
        )
    finally:
        sock.close()
    assert rc == 1, stderr
    assert "could not download OSM data" in stderr
    assert "nothing is cached" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()


def test_debug_shows_the_traceback(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    with pytest.raises(ax.InputError):
        run_main(monkeypatch, capsys, "--debug", "coverage", *base_args(out, **{"--mode": "boat"}))
    assert not out.exists()


def test_every_help_teaches_with_an_example(monkeypatch, capsys):
    for command in ("demo", "coverage", "recommend", "isochrones", "map", "fetch", "config"):
        rc, stdout, _ = run_main(monkeypatch, capsys, command, "--help")
        assert rc == 0
        assert f"access15 {command}" in stdout, command
        assert "Example" in stdout, command


def test_default_output_folder_is_a_safe_county_name(tmp_path, monkeypatch, capsys):
    """A hostile county name in the boundary file cannot steer the output path."""
    evil = tmp_path / "evil.geojson"
    gdf = gpd.read_file(SAMPLE["county"])
    gdf["name"] = "../../../tmp/escaped/安澜县"
    gdf.to_file(evil)
    monkeypatch.chdir(tmp_path)
    args = base_args(
        tmp_path / "unused",
        **{"--boundary": str(evil), "--out": None, "--zones": None, "--basemap": None},
    )
    rc, _, stderr = run_main(monkeypatch, capsys, "-q", "isochrones", *args)
    assert rc == 0, stderr
    made = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert made == ["tmp_escaped_安澜县"]
    assert not (tmp_path.parent / "escaped").exists()


def test_recommend_constraints_reach_the_ranking(tmp_path, monkeypatch, capsys):
    """--must-include (by name), --exclude (by site_id) and --costs/--budget shape the result."""
    import pandas as pd

    base_out = tmp_path / "base"
    rc, _, err = run_main(monkeypatch, capsys, "recommend", *base_args(base_out), "--no-robustness")
    assert rc == 0, err
    base = pd.read_csv(base_out / "recommendations.csv")
    top, forced = base["site_id"].iloc[0], "城关镇卫生院"
    assert forced not in set(base["name"])
    out = tmp_path / "constrained"
    rc, _, err = run_main(
        monkeypatch,
        capsys,
        "recommend",
        *base_args(out),
        "--no-robustness",
        "--must-include",
        forced,
        "--exclude",
        top,
    )
    assert rc == 0, err
    rec = pd.read_csv(out / "recommendations.csv")
    assert forced in set(rec["name"])
    assert top not in set(rec["site_id"])
    assert len(rec) == len(base)
    # the constrained optimum cannot beat the free one
    assert rec["cumulative_share"].iloc[-1] <= base["cumulative_share"].iloc[-1] + 1e-9
    costs = tmp_path / "costs.csv"
    fac = gpd.read_file(base_out / "facilities.geojson")
    names = fac.loc[fac["tier"] == 2, "name"].tolist()
    pd.DataFrame({"name": names, "cost": [100 + 50 * (i % 5) for i in range(len(names))]}).to_csv(
        costs, index=False
    )
    out_b = tmp_path / "budget"
    rc, _, err = run_main(
        monkeypatch,
        capsys,
        "recommend",
        *base_args(out_b),
        "--no-robustness",
        "--costs",
        str(costs),
        "--budget",
        "400",
        "--k",
        "10",
    )
    assert rc == 0, err
    rec_b = pd.read_csv(out_b / "recommendations.csv")
    assert 0 < rec_b["cost"].sum() <= 400
    price = dict(zip(names, [100 + 50 * (i % 5) for i in range(len(names))], strict=True))
    assert rec_b["cost"].tolist() == [price[n] for n in rec_b["name"]]


def test_recommend_new_sites_from_gaps_and_from_a_file(tmp_path, monkeypatch, capsys):
    """--candidates gaps ranks gap centroids; the same point given in a site file ranks the
    same, with the same added population; the file's other site and id come through."""
    import pandas as pd

    gap_out = tmp_path / "gaps"
    rc, _, err = run_main(
        monkeypatch,
        capsys,
        "recommend",
        *base_args(gap_out),
        "--no-robustness",
        "--candidates",
        "gaps",
        "--k",
        "1",
    )
    assert rc == 0, err
    g = pd.read_csv(gap_out / "recommendations.csv")
    assert g["kind"].tolist() == ["gap"]
    assert g["site_id"].iloc[0].startswith("gap/")
    # the gap lies where the sub-centre level leaves people uncovered (cells over 30 min)
    cells = gpd.read_parquet(gap_out / "cells.parquet")
    near = cells[
        (abs(cells.geometry.x - g["lon"].iloc[0]) < 0.01)
        & (abs(cells.geometry.y - g["lat"].iloc[0]) < 0.01)
    ]
    assert (near["minutes_subcentre"] > 30).any()
    sites = csv(
        tmp_path / "sites.csv",
        "site_id,name,lon,lat\n"
        f"NEW1,东岭新址,{float(g['lon'].iloc[0])!r},{float(g['lat'].iloc[0])!r}\n"
        "NEW2,城关新址,112.60,27.40\n",
    )
    out = tmp_path / "file"
    rc, _, err = run_main(
        monkeypatch,
        capsys,
        "recommend",
        *base_args(out),
        "--no-robustness",
        "--candidates",
        str(sites),
        "--crs-in",
        "wgs84",
        "--k",
        "1",
    )
    assert rc == 0, err
    r = pd.read_csv(out / "recommendations.csv")
    assert r[["site_id", "name", "kind"]].values.tolist() == [["NEW1", "东岭新址", "user"]]
    assert r["lon"].iloc[0] == pytest.approx(g["lon"].iloc[0], abs=1e-12)
    assert r["added_population"].iloc[0] == pytest.approx(g["added_population"].iloc[0], rel=1e-12)


def test_recommend_takes_k_from_the_config(tmp_path, monkeypatch, capsys):
    """`k = 2` in --config is the number of upgrades when --k is not given (it was ignored)."""
    import pandas as pd

    config = csv(tmp_path / "k2.toml", "k = 2\n")
    out = tmp_path / "out"
    rc, _, err = run_main(
        monkeypatch,
        capsys,
        "-q",
        "recommend",
        *base_args(out, **{"--config": str(config)}),
        "--no-robustness",
        "--method",
        "greedy",
    )
    assert rc == 0, err
    assert len(pd.read_csv(out / "recommendations.csv")) == 2
