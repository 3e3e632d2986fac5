"""Fuzz of the command line: config values, numbers and file contents keep the exit-code contract.

The contract: exit 0, or exit 2 with exactly one non-empty line on stderr, no traceback, and
nothing written to --out; never exit 1 (an unexpected error) for these inputs. Hypothesis is
seeded (``derandomize=True``), so every run tries the same cases. The command runs in-process;
once a case has passed the command line's own checks, the pipeline is stopped at a stub (the
slow part), except for a few real runs (:data:`REAL_RUNS`) that must exit 0.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import math
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import access15 as ax
import access15.pipeline
from access15 import cli

SAMPLE = ax.sample_paths()
FUZZ = settings(
    derandomize=True,
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REAL_RUNS = {"config": 2, "number": 2, "file": 2}  # full runs allowed per kind once checks pass
_folders = itertools.count()


class _Reached(BaseException):
    """Raised by the stub: the case passed every check before the stubbed step."""


def _stub(*_args: object, **_kwargs: object) -> None:
    raise _Reached


def _invoke(argv: list[str]) -> tuple[int | None, str]:
    """Run the command line in-process; the exit code (None: the stub was reached) and stderr."""
    err = io.StringIO()
    handlers = logging.root.handlers[:]
    logging.root.handlers = []  # the command's logging (and warnings) go to this stderr too
    old_argv = sys.argv
    sys.argv = ["access15", *argv]
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            cli.main()
    except SystemExit as exc:
        code: int | None = exc.code if isinstance(exc.code, int) else 1
    except _Reached:
        code = None
    finally:
        sys.argv = old_argv
        logging.root.handlers = handlers
        logging.captureWarnings(False)
    return code, err.getvalue()


def _check(kind: str, argv: list[str], out: Path, stub: str) -> None:
    """Run ``argv`` (with --out ``out``); past the checks, a real run if the budget allows."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(access15.pipeline, stub, _stub)
        code, err = _invoke([*argv, "--out", str(out)])
    if code is None:  # valid as far as the stub: run it for real while the budget lasts
        if REAL_RUNS[kind] == 0:
            return
        REAL_RUNS[kind] -= 1
        code, err = _invoke(["-q", *argv, "--out", str(out)])
        if code == 0:
            return
    assert code == 2, (argv, code, err)
    lines = err.splitlines()
    assert len(lines) == 1, (argv, err)
    assert lines[0].strip(), argv
    assert "Traceback" not in err, (argv, err)
    assert not out.exists(), argv  # nothing written


def _base(command: str = "coverage", **over: str | None) -> list[str]:
    opts: dict[str, str | None] = {
        "--osm": str(SAMPLE["osm"]),
        "--population": str(SAMPLE["population"]),
        "--boundary": str(SAMPLE["county"]),
        "--zones": str(SAMPLE["townships"]),
        "--basemap": "none",
    }
    opts.update(over)
    args = [command]
    for k, v in opts.items():
        if v is not None:
            args += [k, v]
    return args


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _folder(work: Path) -> Path:
    path = work / f"case{next(_folders)}"
    path.mkdir()
    return path


# ------------------------------------------------------------------------------ config values
def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # printable ASCII only: a valid TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


SCALARS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 3, 1e-300, 1e300, 1440.0, 1441.0, 100001.0, 1001.0]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=6),
    st.booleans(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["a", "drive", "name", "minutes"]), inner, max_size=3),
    ),
    max_leaves=6,
)
# where a value goes: a top-level key, or one inside a table or a level
PLACES = st.sampled_from(
    [
        "speeds_kmh",
        "speeds_kmh.drive",
        "speeds_kmh.drive.primary",
        "speeds_kmh.walk.path",
        "access_kmh",
        "access_kmh.drive",
        "max_snap_m",
        "levels",
        "levels.name",
        "levels.min_tier",
        "levels.minutes",
        "levels.label",
        "tier_rules",
        "tier_rules.item",
        "upgrade_level",
        "k",
        "bands_minutes",
        "bands_minutes.item",
        "referral_hospital_minutes",
        "referral_township_minutes",
        "capacity",
        "capacity.people_per_doctor",
        "capacity.doctors",
        "capacity.doctors.2",
        "capacity.beds.4",
    ]
)


def _config_text(place: str, value: object) -> str:
    v = _toml_value(value)
    if place.startswith("levels."):
        level = {"name": '"basic"', "min_tier": "1", "minutes": "15.0"}
        level[place.split(".")[1]] = v
        rest = [
            '[[levels]]\nname = "subcentre"\nmin_tier = 3\nminutes = 30.0',
        ]
        first = "[[levels]]\n" + "\n".join(f"{k} = {x}" for k, x in level.items())
        return "\n".join([first, *rest]) + "\n"
    if place == "tier_rules.item":
        return f'tier_rules = [["amenity", "hospital", 4], {v}]\n'
    if place == "bands_minutes.item":
        return f"bands_minutes = [5.0, {v}]\n"
    if "." in place:
        table, key = place.rsplit(".", 1)
        return f"[{table}]\n{key} = {v}\n"
    return f"{place} = {v}\n"


@FUZZ
@given(place=PLACES, value=VALUES, command=st.sampled_from(["coverage", "recommend", "access"]))
def test_fuzz_config_values(work, place, value, command):
    folder = _folder(work)
    config = folder / "config.toml"
    config.write_text(_config_text(place, value), encoding="utf-8")
    argv = _base(command, **{"--config": str(config)})
    if command == "recommend":
        argv += ["--no-robustness", "--method", "greedy"]
    _check("config", argv, folder / "out", "run_county")


# ------------------------------------------------------------------------------ numbers
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["1e400", "-1e400", "nan", "inf", "-inf", "1e-300", "0", "-0", "1e9", "15", "abc", ""]
    ),
    st.text(max_size=8).filter(lambda t: "\x00" not in t),
)
FLAGS = st.sampled_from(
    [
        ("coverage", "--minutes"),
        ("recommend", "--k"),
        ("recommend", "--minutes"),
        ("recommend", "--grid-spacing"),
        ("recommend", "--time-limit"),
        ("recommend", "--budget"),
        ("recommend", "--max-minutes-to-hospital"),
        ("map", "--k"),
    ]
)


@FUZZ
@given(flag=FLAGS, text=NUMBER_TEXT)
def test_fuzz_numbers(work, flag, text):
    folder = _folder(work)
    command, name = flag
    argv = _base(command)
    if command == "recommend":
        argv += ["--no-robustness", "--method", "greedy"]
    if name == "--budget":
        costs = folder / "costs.csv"
        costs.write_text("name,cost\n鹤田镇卫生院,1\n", encoding="utf-8")
        argv += ["--costs", str(costs)]
    if name == "--grid-spacing":
        argv += ["--candidates", "nodes"]
    argv.append(f"{name}={text}")
    _check("number", argv, folder / "out", "run_county")


# ------------------------------------------------------------------------------ file contents
SUFFIX = {
    "--osm": ".osm.pbf",
    "--population": ".tif",
    "--boundary": ".geojson",
    "--zones": ".geojson",
    "--facilities": ".csv",
}
GOOD = {
    "--osm": SAMPLE["osm"],
    "--population": SAMPLE["population"],
    "--boundary": SAMPLE["county"],
    "--zones": SAMPLE["townships"],
}
FACILITIES = "name,lon,lat,tier\n县医院,112.6,27.4,4\n卫生院,112.5,27.5,2\n".encode()


def _good_bytes(flag: str) -> bytes:
    return FACILITIES if flag == "--facilities" else GOOD[flag].read_bytes()


CONTENTS = st.one_of(
    st.just(("empty", 0.0)),
    st.tuples(st.just("binary"), st.floats(0, 1)),
    st.tuples(st.just("truncated"), st.floats(0.01, 0.95)),
    st.tuples(st.sampled_from([f"other{f}" for f in SUFFIX]), st.just(0.0)),
)


def _content(flag: str, how: str, frac: float) -> bytes:
    if how == "empty":
        return b""
    if how == "binary":
        n = int(64 + frac * 4000)
        return bytes((i * 2654435761 >> 7) & 0xFF for i in range(n))
    if how == "truncated":
        good = _good_bytes(flag)
        return good[: max(1, int(len(good) * frac))]
    other = how.removeprefix("other")
    return _good_bytes(other) if other != flag else b"\x00garbage\xff" * 7


@FUZZ
@given(flag=st.sampled_from(list(SUFFIX)), content=CONTENTS)
def test_fuzz_file_contents(work, flag, content):
    folder = _folder(work)
    how, frac = content
    path = folder / f"input{SUFFIX[flag]}"
    path.write_bytes(_content(flag, how, frac))
    argv = _base("coverage", **{flag: str(path)})
    if flag == "--facilities":
        argv += ["--crs-in", "wgs84"]
    # the inputs are read and checked before coverage: stop there (a few real runs aside)
    _check("file", argv, folder / "out", "coverage")
