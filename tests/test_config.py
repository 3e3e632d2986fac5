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
    assert "speeds_kmh.drive.x must be > 0 km/h" in str(exc.value)
    with pytest.raises(ax.InputError, match=r"access_kmh\.walk must be > 0"):
        ax.load_config(access_kmh={"walk": 0})


# every type confusion and out-of-range value of the TOML schema: (TOML text, message part)
BAD_TOML = [
    (
        '[speeds_kmh.drive]\nprimary = "fast"\n',
        "speeds_kmh.drive.primary must be a number > 0 km/h, got 'fast'",
    ),
    ("speeds_kmh = 5\n", "speeds_kmh must be a table by mode"),
    ("[speeds_kmh]\ndrive = 5\n", "speeds_kmh.drive must be a table of OSM highway classes"),
    ("[speeds_kmh.drive]\nprimary = true\n", "speeds_kmh.drive.primary must be a number"),
    ("[speeds_kmh.drive]\nprimary = inf\n", "speeds_kmh.drive.primary must be at most 1000 km/h"),
    ("[speeds_kmh.drive]\nprimary = nan\n", "speeds_kmh.drive.primary must be > 0 km/h, got nan"),
    ("[speeds_kmh.drive]\nprimary = [60]\n", "speeds_kmh.drive.primary must be a number"),
    ("access_kmh = 4.5\n", "access_kmh must be a table by mode"),
    ('[access_kmh]\nwalk = "slow"\n', "access_kmh.walk must be a number > 0 km/h"),
    ("[access_kmh]\nwalk = inf\n", "access_kmh.walk must be at most 1000 km/h"),
    ("[access_kmh]\nboat = 4\n", "access_kmh has unknown mode 'boat'"),
    ('max_snap_m = "far"\n', "max_snap_m must be a number > 0 metres, got 'far'"),
    ("max_snap_m = inf\n", "max_snap_m must be at most 100000 metres, got inf"),
    ("max_snap_m = nan\n", "max_snap_m must be > 0 metres, got nan"),
    ('k = "3"\n', "k must be a whole number >= 1, got '3'"),
    ("k = 2.5\n", "k must be a whole number >= 1, got 2.5"),
    ("k = true\n", "k must be a whole number >= 1, got True"),
    ("k = [3]\n", "k must be a whole number >= 1, got [3]"),
    ("k = -1\n", "k must be >= 1, got -1"),
    ("upgrade_level = 3\n", "upgrade_level must be a service level name, got 3"),
    ('upgrade_level = "x"\n', "upgrade_level 'x' is not one of"),
    ("bands_minutes = 5\n", "bands_minutes must be a list of minutes"),
    ('bands_minutes = ["5"]\n', "bands_minutes must be a list of minutes"),
    ("bands_minutes = [nan]\n", "bands_minutes must be increasing and > 0, got [nan]"),
    ("bands_minutes = []\n", "bands_minutes must be increasing and > 0, got []"),
    ("bands_minutes = [5, inf]\n", "bands_minutes must be at most 1440 minutes"),
    ("bands_minutes = [5, 1e9]\n", "bands_minutes must be at most 1440 minutes"),
    ('referral_hospital_minutes = "30"\n', "referral_hospital_minutes must be a number > 0"),
    ("referral_township_minutes = inf\n", "referral_township_minutes must be at most 1440"),
    ("referral_township_minutes = 0\n", "referral_township_minutes must be > 0 minutes"),
    ('tier_rules = [["amenity", "clinic"]]\n', "tier_rules #1 must be [key, value, tier]"),
    ('tier_rules = [["amenity", "clinic", "2"]]\n', "tier_rules #1 must be [key, value, tier]"),
    ('tier_rules = [["amenity", "clinic", 7]]\n', "with a tier 1-4"),
    ('tier_rules = [["amenity", 1, 2]]\n', "tier_rules #1 must be [key, value, tier]"),
    ("tier_rules = 5\n", "tier_rules must be a list of [key, value, tier] rules"),
    ('tier_rules = ["amenity"]\n', "tier_rules #1 must be [key, value, tier]"),
    ("levels = 5\n", "levels must be a non-empty list of [[levels]] tables"),
    ("levels = []\n", "levels must be a non-empty list of [[levels]] tables"),
    ("levels = [5]\n", "bad service level #1: must be a [[levels]] table"),
    (
        '[[levels]]\nname = "a"\nmin_tier = "1"\nminutes = 15\n',
        "service level 'a': min_tier must be 1-4, got '1'",
    ),
    ('[[levels]]\nname = "a"\nmin_tier = 1.0\nminutes = 15\n', "min_tier must be 1-4, got 1.0"),
    (
        '[[levels]]\nname = "a"\nmin_tier = 1\nminutes = "15"\n',
        "service level 'a': minutes must be a number",
    ),
    (
        '[[levels]]\nname = "a"\nmin_tier = 1\nminutes = inf\n',
        "service level 'a': minutes must be at most 1440",
    ),
    (
        '[[levels]]\nname = "a"\nmin_tier = 1\nminutes = nan\n',
        "service level 'a': minutes must be > 0",
    ),
    (
        "[[levels]]\nname = 3\nmin_tier = 1\nminutes = 15\n",
        "service level #1: name must be a non-empty text",
    ),
    (
        '[[levels]]\nname = ""\nmin_tier = 1\nminutes = 15\n',
        "service level #1: name must be a non-empty text",
    ),
    ('[[levels]]\nname = "a"\nmin_tier = 1\nminutes = 15\nlabel = 3\n', "label must be a text"),
    (
        '[[levels]]\nname = "a"\nmin_tier = 1\nminutes = 15\nmins = 3\n',
        "bad service level #1: unknown key 'mins'",
    ),
    ("speed = inf\n", "unknown configuration keys ['speed']"),
]


@pytest.mark.parametrize(("text", "part"), BAD_TOML, ids=[t for t, _ in BAD_TOML])
def test_every_type_and_range_is_checked(tmp_path, text, part):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ax.InputError) as exc:
        ax.load_config(path)
    msg = str(exc.value)
    assert msg.startswith(f"config {str(path)!r}: "), msg
    assert part in msg, msg
    assert "\n" not in msg


def test_all_problems_of_a_file_in_one_message():
    text = (
        'k = "3"\nmax_snap_m = inf\nbands_minutes = [nan]\n'
        'tier_rules = [["amenity", "clinic"]]\n[speeds_kmh.drive]\nprimary = "fast"\n'
    )
    with pytest.raises(ax.InputError) as exc:
        load_config_text(text)
    parts = str(exc.value).split(": ", 1)[1].split("; ")
    assert len(parts) == 5, parts
    assert parts[0] == "speeds_kmh.drive.primary must be a number > 0 km/h, got 'fast'"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_snap_m": float("inf")},
        {"bands_minutes": (float("nan"),)},
        {"speeds_kmh": {"drive": {"primary": float("inf")}}},
        {"access_kmh": {"drive": float("inf")}},
        {"levels": (ax.ServiceLevel("basic", 1, float("inf")),), "upgrade_level": "basic"},
        {"k": "3"},
        {"tier_rules": (("amenity", "clinic"),)},
        {"referral_hospital_minutes": float("nan")},
    ],
    ids=lambda kw: ",".join(kw),
)
def test_direct_config_refuses_the_same_values(kwargs):
    with pytest.raises(ax.InputError, match=r"^invalid configuration: "):
        ax.Config(**kwargs)


def test_good_values_at_the_limits_are_kept(tmp_path):
    text = (
        'k = 1\nmax_snap_m = 100000\nbands_minutes = [1, 1440]\nupgrade_level = "day"\n'
        "referral_hospital_minutes = 1440\n"
        "[speeds_kmh.drive]\nprimary = 1000\n[access_kmh]\nwalk = 1\n"
        '[[levels]]\nname = "day"\nmin_tier = 4\nminutes = 1440\nlabel = "a day"\n'
    )
    cfg = load_config_text(text)
    assert cfg.max_snap_m == 100000
    assert cfg.speeds_kmh["drive"]["primary"] == 1000.0
    assert cfg.levels == (ax.ServiceLevel("day", 4, 1440.0, "a day"),)
    assert cfg.bands_minutes == (1.0, 1440.0)


# --- [capacity]: per-tier doctors and beds, people per doctor ------------------------------------


def test_capacity_defaults_when_the_section_is_absent():
    cap = load_config_text("k = 2\n").capacity
    assert cap == ax.Config().capacity
    assert dict(cap.doctors) == {1: 1.0, 2: 10.0, 3: 25.0, 4: 150.0}
    assert dict(cap.beds) == {1: 0.0, 2: 30.0, 3: 80.0, 4: 400.0}
    assert cap.people_per_doctor == 1000.0
    assert ax.Config().to_dict()["capacity"] == {
        "people_per_doctor": 1000.0,
        "doctors": {"1": 1.0, "2": 10.0, "3": 25.0, "4": 150.0},
        "beds": {"1": 0.0, "2": 30.0, "3": 80.0, "4": 400.0},
    }
    with pytest.raises(TypeError):
        cap.doctors[1] = 2.0  # type: ignore[index]


def test_capacity_section_merges_tier_by_tier_and_round_trips():
    text = (
        "[capacity]\npeople_per_doctor = 800\n[capacity.doctors]\n2 = 12\n[capacity.beds]\n4 = 0\n"
    )
    cfg = load_config_text(text)
    assert dict(cfg.capacity.doctors) == {1: 1.0, 2: 12.0, 3: 25.0, 4: 150.0}
    assert dict(cfg.capacity.beds) == {1: 0.0, 2: 30.0, 3: 80.0, 4: 0.0}
    assert cfg.capacity.people_per_doctor == 800.0
    assert isinstance(cfg.capacity.doctors[2], float)
    toml = config_to_toml(cfg)
    assert "ROUGH PLACEHOLDERS" in toml
    assert "[capacity.doctors]\n1 = 1.0\n2 = 12.0\n" in toml
    back = load_config_text(toml)
    assert back == cfg
    assert back.fingerprint() == cfg.fingerprint() != ax.Config().fingerprint()


BAD_CAPACITY = [
    ("[capacity]\npeople_per_doctor = -5\n", "capacity.people_per_doctor must be > 0 people"),
    ("[capacity]\npeople_per_doctor = 0\n", "capacity.people_per_doctor must be > 0 people"),
    ('[capacity]\npeople_per_doctor = "1000"\n', "people_per_doctor must be a number > 0 people"),
    ("[capacity]\npeople_per_doctor = inf\n", "people_per_doctor must be at most 1e+06 people"),
    ("[capacity.doctors]\n2 = -1\n", "capacity.doctors.2 must be >= 0 doctors, got -1"),
    ('[capacity.doctors]\n2 = "ten"\n', "capacity.doctors.2 must be a number >= 0 doctors"),
    ("[capacity.doctors]\n2 = true\n", "capacity.doctors.2 must be a number >= 0 doctors"),
    ("[capacity.beds]\n4 = inf\n", "capacity.beds.4 must be at most 1e+06 beds, got inf"),
    ("[capacity.beds]\n4 = nan\n", "capacity.beds.4 must be >= 0 beds, got nan"),
    ("[capacity.beds]\n4 = 1000001\n", "capacity.beds.4 must be at most 1e+06 beds"),
    ("[capacity.beds]\n5 = 10\n", "capacity.beds has unknown tier '5' (tiers: 1 village clinic"),
    ("[capacity.beds]\n0 = 10\n", "capacity.beds has unknown tier '0'"),
    ("[capacity.doctors]\nclinic = 1\n", "capacity.doctors has unknown tier 'clinic'"),
    ("[capacity]\nnurses = 3\n", "capacity has unknown key 'nurses' (keys: people_per_doctor"),
    ("[capacity]\ndoctors = 3\n", "capacity.doctors must be a table by tier"),
    ("capacity = 3\n", "capacity must be a [capacity] table"),
]


@pytest.mark.parametrize(("text", "part"), BAD_CAPACITY, ids=[t for t, _ in BAD_CAPACITY])
def test_every_capacity_value_is_checked(tmp_path, text, part):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ax.InputError) as exc:
        ax.load_config(path)
    msg = str(exc.value)
    assert msg.startswith(f"config {str(path)!r}: "), msg
    assert part in msg, msg
    assert "\n" not in msg


def test_capacity_limits_are_kept():
    text = "[capacity]\npeople_per_doctor = 1000000\n[capacity.beds]\n1 = 0\n4 = 1000000\n"
    cfg = load_config_text(text)
    assert cfg.capacity.people_per_doctor == 1_000_000.0
    assert (cfg.capacity.beds[1], cfg.capacity.beds[4]) == (0.0, 1_000_000.0)


@pytest.mark.parametrize(
    ("kwargs", "part"),
    [
        ({"people_per_doctor": 0.0}, "capacity.people_per_doctor must be > 0"),
        ({"doctors": {1: 1.0, 2: 2.0, 3: 3.0}}, "capacity.doctors has no value for tier [4]"),
        ({"beds": {1: 1.0, 2: 2.0, 3: 3.0, 4: -4.0}}, "capacity.beds.4 must be >= 0 beds"),
        ({"beds": {1: 1, 2: 2, 3: 3, 4: 4, 7: 1}}, "capacity.beds has unknown tier '7'"),
        ({"doctors": 5}, "capacity.doctors must be a table by tier"),
    ],
)
def test_direct_capacity_defaults_refuse_the_same_values(kwargs, part):
    with pytest.raises(ax.InputError) as exc:
        _capacity(**kwargs)
    assert str(exc.value).startswith("invalid configuration: ")
    assert part in str(exc.value)


def _capacity(**kwargs):
    from access15.config import CapacityDefaults

    return CapacityDefaults(**kwargs)


def test_config_refuses_a_capacity_that_is_not_capacity_defaults():
    with pytest.raises(ax.InputError, match=r"^invalid configuration: capacity must be a Capac"):
        ax.Config(capacity={"people_per_doctor": 1000.0})  # type: ignore[arg-type]
    with pytest.raises(ax.InputError) as exc:
        ax.Config(capacity=5)  # type: ignore[arg-type]
    assert str(exc.value) == "invalid configuration: capacity must be a CapacityDefaults, got 5"
    tiers_as_text = _capacity(doctors={"1": 1, "2": 2, "3": 3, "4": 4})
    assert tiers_as_text.to_dict()["doctors"] == {"1": 1, "2": 2, "3": 3, "4": 4}
