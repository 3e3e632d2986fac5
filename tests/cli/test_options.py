"""access15.cli.options: each shared option declares its flag, help, limits and env var."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
import typer
from typer.core import TyperArgument, TyperOption
from typer.testing import CliRunner

import access15 as ax
from access15.cli import options
from access15.errors import InputError

# alias -> (flags, secondary flags); None: a positional argument
EXPECTED: dict[str, tuple[list[str], list[str]] | None] = {
    "OsmOpt": (["--osm"], []),
    "PlaceOpt": (["--place"], []),
    "PopOpt": (["--population"], []),
    "BoundaryOpt": (["--boundary"], []),
    "ZonesOpt": (["--zones"], []),
    "FacOpt": (["--facilities"], []),
    "CrsOpt": (["--crs-in"], []),
    "ModeOpt": (["--mode"], []),
    "MinutesOpt": (["--minutes"], []),
    "ConfigOpt": (["--config"], []),
    "CacheOpt": (["--cache-dir"], []),
    "OutOpt": (["--out", "-o"], []),
    "BasemapOpt": (["--basemap"], []),
    "TiandituKeyOpt": (["--tianditu-key"], []),
    "LangOpt": (["--lang"], []),
    "KOpt": (["--k", "-k"], []),
    "RobustnessOpt": (["--robustness"], ["--no-robustness"]),
    "ObjectiveOpt": (["--objective"], []),
    "MethodOpt": (["--method"], []),
    "MustIncludeOpt": (["--must-include"], []),
    "ExcludeOpt": (["--exclude"], []),
    "PerZoneOpt": (["--per-zone"], []),
    "MaxHospitalOpt": (["--max-minutes-to-hospital"], []),
    "BudgetOpt": (["--budget"], []),
    "CostsOpt": (["--costs"], []),
    "TimeLimitOpt": (["--time-limit"], []),
    "CandidatesOpt": (["--candidates"], []),
    "GridSpacingOpt": (["--grid-spacing"], []),
    "TargetShareOpt": (["--target-share"], []),
    "SiteCapacityOpt": (["--site-capacity"], []),
    "CapacityCoverageOpt": (["--capacity"], []),
    "IndexMethodOpt": (["--method"], []),
    "IndexCapacityOpt": (["--capacity"], []),
    "CatchmentOpt": (["--minutes"], []),
    "DemoOutOpt": (["--out", "-o"], []),
    "DemoBasemapOpt": (["--basemap"], []),
    "CountiesArg": None,
    "BatchOutOpt": (["--out", "-o"], []),
    "SchedulerOpt": (["--scheduler"], []),
    "WorkersOpt": (["--workers", "-w"], []),
    "RetriesOpt": (["--retries"], []),
    "ForceOpt": (["--force"], []),
    "BatchBasemapOpt": (["--basemap"], []),
}
DEFAULTS = {
    "RobustnessOpt": True,
    "PerZoneOpt": False,
    "ForceOpt": False,
    "IndexMethodOpt": "2sfca",
    "IndexCapacityOpt": "doctors",
    "DemoOutOpt": "out/demo",
    "DemoBasemapOpt": "none",
}


def _app(alias: object, default: object = None) -> tuple[typer.Typer, dict]:
    """A one-command app whose only parameter is ``alias``; ``seen["value"]`` after a call."""
    app = typer.Typer(add_completion=False)
    seen: dict = {}

    def cmd(value=default):
        seen["value"] = value

    cmd.__annotations__ = {"value": alias, "return": None}
    app.command()(cmd)
    return app, seen


def _param(name: str):
    alias = getattr(options, name)
    app, _ = _app(alias, DEFAULTS.get(name, ...) if name != "CountiesArg" else ...)
    (param,) = typer.main.get_command(app).params
    return param


def test_every_alias_is_checked_here():
    assert set(EXPECTED) == set(options.__all__) - {"SITING_FLAGS"}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_alias_declares_its_flags_and_help(name):
    param = _param(name)
    want = EXPECTED[name]
    if want is None:
        assert isinstance(param, TyperArgument)
    else:
        assert isinstance(param, TyperOption)
        assert param.opts == want[0]
        assert param.secondary_opts == want[1]
    assert len(param.help) > 15
    assert param.help == " ".join(param.help.split())  # one line, no stray spaces


def _invoke(name: str, *args: str, env: dict | None = None, default: object = None):
    app, seen = _app(getattr(options, name), default)
    res = CliRunner().invoke(app, list(args), env=env)
    return res, seen.get("value")


def test_k_is_a_whole_number_of_at_least_one():
    assert _invoke("KOpt", "--k", "3", default=1)[1] == 3
    assert _invoke("KOpt", "-k", "2", default=1)[1] == 2
    for bad in ("0", "-1", "1.5"):
        res, value = _invoke("KOpt", "--k", bad, default=1)
        assert res.exit_code == 2
        assert "'--k'" in res.output
        assert value is None


def test_workers_and_retries_limits():
    assert _invoke("WorkersOpt", "-w", "4")[1] == 4
    assert _invoke("WorkersOpt", "--workers", "0")[0].exit_code == 2
    assert _invoke("RetriesOpt", "--retries", "0", default=2)[1] == 0
    res, _ = _invoke("RetriesOpt", "--retries", "-1", default=2)
    assert res.exit_code == 2
    assert "'--retries'" in res.output


def test_tianditu_key_from_the_environment():
    assert _invoke("TiandituKeyOpt", env={"TIANDITU_KEY": "abc123"})[1] == "abc123"
    assert _invoke("TiandituKeyOpt", "--tianditu-key", "x", env={"TIANDITU_KEY": "y"})[1] == "x"
    assert _invoke("TiandituKeyOpt", env={"TIANDITU_KEY": None})[1] is None
    assert _param("TiandituKeyOpt").envvar == "TIANDITU_KEY"


def test_values_arrive_typed():
    assert _invoke("RobustnessOpt", default=True)[1] is True
    assert _invoke("RobustnessOpt", "--no-robustness", default=True)[1] is False
    assert _invoke("PerZoneOpt", "--per-zone", default=False)[1] is True
    values = _invoke("MustIncludeOpt", "--must-include", "S1", "--must-include", "东镇")[1]
    assert values == ["S1", "东镇"]
    assert _invoke("ExcludeOpt")[1] is None
    # --out arrives as typed, so --out "" is refused (as a Path it would be ".")
    assert _invoke("OutOpt", "-o", "out/x")[1] == "out/x"
    assert _invoke("OutOpt", "-o", "")[1] == ""
    assert _invoke("BudgetOpt", "--budget", "2.5")[1] == 2.5
    assert _invoke("CandidatesOpt", "--candidates", "gaps", "--candidates", "nodes")[1] == [
        "gaps",
        "nodes",
    ]


def test_siting_flags_name_fields_and_declared_flags():
    fields = {f.name for f in dataclasses.fields(ax.SitingOptions)}
    assert set(options.SITING_FLAGS) <= fields
    declared = {f for want in EXPECTED.values() if want for f in want[0]}
    for field, flag in options.SITING_FLAGS.items():
        assert flag in declared, (field, flag)


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("k", 0),
        ("objective", "fastest"),
        ("method", "best"),
        ("must_include", 5),
        ("exclude", 5),
        ("max_minutes_to_hospital", -1),
        ("cost", 5),
        ("budget", 0),
        ("time_limit_s", 0),
        ("candidates", "everywhere"),
        ("grid_spacing_m", -5),
        ("target_share", 1.5),
        ("site_capacity", -1.0),
    ],
)
def test_each_siting_error_starts_with_a_field_of_siting_flags(field, bad):
    # the CLI rewords the first word of the message into the flag: it must be the field
    assert field in options.SITING_FLAGS
    with pytest.raises(InputError) as e:
        ax.SitingOptions(**{field: bad})
    assert str(e.value).split(" ", 1)[0] == field


def test_import_stays_light():
    code = (
        "import sys, access15.cli.options; "
        "print(sorted(m for m in ('numpy', 'pandas', 'geopandas', 'numba', 'osmium', 'scipy') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
