"""Configuration: defaults, TOML round trip, overrides, and every problem reported at once."""

from __future__ import annotations

import json

import pytest

import access15 as ax
from access15.config import MODES, config_to_toml, load_config_text


def test_defaults_are_the_documented_ones():
    cfg = ax.Config()
    assert [(lv.name, lv.min_tier, lv.minutes) for lv in cfg.levels] == [
        ("basic", 1, 15.0),
        ("township", 2, 15.0),
        ("subcentre", 3, 30.0),
    ]
    assert cfg.upgrade_level == "subcentre"
    assert cfg.max_snap_m == 1000.0
    assert cfg.speeds_kmh["drive"]["secondary"] == 50.0
    assert cfg.speeds_kmh["ebike"]["primary"] == 25.0  # GB 17761-2018 cap
    assert "motorway" not in cfg.speeds_kmh["ebike"]  # e-bikes may not use expressways
    assert set(cfg.speeds_kmh["walk"].values()) == {4.5}
    assert set(cfg.speeds_kmh) == set(MODES)


def test_frozen():
    cfg = ax.Config()
    with pytest.raises(AttributeError):
        cfg.k = 5
    with pytest.raises(TypeError):
        cfg.speeds_kmh["drive"]["secondary"] = 80.0


def test_level_lookup_names_the_levels():
    cfg = ax.Config()
    assert cfg.level("township").min_tier == 2
    with pytest.raises(ax.InputError, match=r"no service level named 'x'.*basic"):
        cfg.level("x")


def test_toml_round_trip_and_fingerprint():
    cfg = ax.Config(k=5, max_snap_m=750.0, bands_minutes=(10.0, 20.0))
    back = load_config_text(config_to_toml(cfg))
    assert back == cfg
    assert back.fingerprint() == cfg.fingerprint()
    assert cfg.fingerprint() != ax.Config().fingerprint()
    assert json.loads(cfg.fingerprint()) == cfg.to_dict()


def test_file_merges_speeds_and_overrides_win(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("k = 4\n[speeds_kmh.drive]\nsecondary = 70\n", encoding="utf-8")
    cfg = ax.load_config(p, k=2, max_snap_m=None)
    assert cfg.k == 2  # the keyword wins over the file
    assert cfg.max_snap_m == 1000.0  # None keeps the default
    assert cfg.speeds_kmh["drive"]["secondary"] == 70.0
    assert cfg.speeds_kmh["drive"]["primary"] == 60.0  # other classes keep theirs


def test_bad_files_are_one_clear_error(tmp_path):
    with pytest.raises(ax.InputError, match="not found; create one with `access15 config`"):
        ax.load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("k = = 3\n", encoding="utf-8")
    with pytest.raises(ax.InputError, match="is not valid TOML"):
        ax.load_config(bad)
    with pytest.raises(ax.InputError, match=r"unknown configuration keys \['speed'\]"):
        load_config_text("speed = 3\n")
    with pytest.raises(ax.InputError, match="bad service level"):
        load_config_text('[[levels]]\nname = "a"\nminutes = 15\n')


def test_every_problem_is_reported_at_once():
    with pytest.raises(ax.InputError) as exc:
        ax.Config(
            k=0,
            max_snap_m=-1.0,
            upgrade_level="nope",
            bands_minutes=(10.0, 5.0),
            levels=(ax.ServiceLevel("a", 5, 0.0), ax.ServiceLevel("a", 1, 15.0)),
        )
    msg = str(exc.value)
    assert msg.startswith("invalid configuration: ")
    for part in (
        "max_snap_m must be > 0",
        "service level names must be unique",
        "minutes must be > 0",
        "min_tier must be 1-4",
        "upgrade_level 'nope'",
        "k must be >= 1",
        "bands_minutes must be increasing",
    ):
        assert part in msg, part


def test_bad_speeds():
    with pytest.raises(ax.InputError) as exc:
        load_config_text("[speeds_kmh.boat]\nx = 3\n[speeds_kmh.drive]\nx = 0\n")
    assert "unknown mode 'boat'" in str(exc.value)
    assert "speed for drive.x must be > 0 km/h" in str(exc.value)
    with pytest.raises(ax.InputError, match="access speed for walk must be > 0"):
        ax.load_config(access_kmh={"walk": 0})
