"""Configuration: speeds per road class and mode, service levels, facility tiers, snapping.

One frozen :class:`Config` is passed around; defaults are set for rural China and can be
overridden from a TOML file (``access15 config`` prints the defaults as editable TOML).

Units: speeds in km/h, distances in metres, times in minutes at this boundary (the engine works in
seconds internally).

Default drive speeds follow the design speeds of China's *Technical Standard of Highway
Engineering* (JTG B01-2014: expressway 80–120 km/h, class-1 60–100, class-2 60–80, class-3 30–40,
class-4 20–30) lowered to typical rural travel speeds; e-bike speeds are capped at 25 km/h by
GB 17761-2018 (e-bikes may not use expressways); walking is 4.5 km/h everywhere it is allowed.
"""

from __future__ import annotations

import json
import math
import numbers
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from access15.errors import InputError

__all__ = [
    "MAX_MINUTES",
    "MAX_SNAP_M",
    "MAX_SPEED_KMH",
    "MODES",
    "CapacityDefaults",
    "Config",
    "ServiceLevel",
    "config_to_toml",
    "load_config",
]

MODES = ("drive", "ebike", "walk")

#: Longest time any threshold, band or time option may be, minutes (24 h).
MAX_MINUTES = 1440.0
#: Highest speed of a road class or of the first/last mile, km/h.
MAX_SPEED_KMH = 1000.0
#: Largest snapping distance to the road network, metres (100 km).
MAX_SNAP_M = 100_000.0
#: Largest default doctors or beds of one facility, and people one doctor may serve.
MAX_CAPACITY = 1_000_000.0

# km/h per OSM highway class and mode; a class missing for a mode is not usable by that mode.
_DEFAULT_SPEEDS_KMH: dict[str, dict[str, float]] = {
    "drive": {
        "motorway": 100.0,  # 高速公路 expressway
        "motorway_link": 40.0,
        "trunk": 70.0,  # 国道 national road
        "trunk_link": 40.0,
        "primary": 60.0,  # 省道 provincial road
        "primary_link": 35.0,
        "secondary": 50.0,  # 县道 county road
        "secondary_link": 30.0,
        "tertiary": 40.0,  # 乡道 township road
        "tertiary_link": 25.0,
        "unclassified": 30.0,  # 村道 village road
        "residential": 25.0,
        "living_street": 10.0,
        "service": 15.0,
        "road": 25.0,
        "track": 15.0,
    },
    "ebike": {
        "trunk": 25.0,
        "trunk_link": 20.0,
        "primary": 25.0,
        "primary_link": 20.0,
        "secondary": 22.0,
        "secondary_link": 20.0,
        "tertiary": 20.0,
        "tertiary_link": 18.0,
        "unclassified": 18.0,
        "residential": 15.0,
        "living_street": 10.0,
        "service": 12.0,
        "road": 15.0,
        "track": 12.0,
        "cycleway": 18.0,
        "path": 8.0,
    },
    "walk": {
        k: 4.5
        for k in (
            "trunk",
            "trunk_link",
            "primary",
            "primary_link",
            "secondary",
            "secondary_link",
            "tertiary",
            "tertiary_link",
            "unclassified",
            "residential",
            "living_street",
            "service",
            "road",
            "track",
            "path",
            "footway",
            "pedestrian",
            "steps",
            "cycleway",
        )
    },
}

# Speed of the off-network first (and last) mile, km/h: from a population cell centre to the road.
_DEFAULT_ACCESS_KMH = {"drive": 4.5, "ebike": 4.5, "walk": 4.5}


@dataclass(frozen=True)
class ServiceLevel:
    """A service level: population within ``minutes`` of a facility of tier >= ``min_tier``.

    Parameters
    ----------
    name : str
        Short identifier, used in column names (``covered_<name>``).
    min_tier : int
        Lowest facility tier that provides the service (1 village clinic … 4 county hospital).
    minutes : float
        Travel-time threshold, minutes.
    label : str
        Human-readable label for tables and maps.
    """

    name: str
    min_tier: int
    minutes: float
    label: str = ""


_DEFAULT_LEVELS = (
    ServiceLevel("basic", 1, 15.0, "any facility within 15 min"),
    ServiceLevel("township", 2, 15.0, "township centre or higher within 15 min"),
    ServiceLevel("subcentre", 3, 30.0, "sub-centre or county hospital within 30 min"),
)

# Tier rules for OSM tags, checked in order; an explicit ``access15:tier`` tag wins.
_DEFAULT_TIER_RULES: tuple[tuple[str, str, int], ...] = (
    ("amenity", "hospital", 4),
    ("healthcare", "hospital", 4),
    ("amenity", "clinic", 2),
    ("healthcare", "clinic", 2),
    ("healthcare", "centre", 2),
    ("amenity", "doctors", 1),
    ("healthcare", "doctor", 1),
)

TIER_NAMES = {
    1: "village clinic",
    2: "township health centre",
    3: "sub-centre",
    4: "county hospital",
}


# Doctors and beds per tier where the data give none: ROUGH PLACEHOLDERS for rural China, not
# statistics (replace them with the county's own figures).
_DEFAULT_DOCTORS = {1: 1.0, 2: 10.0, 3: 25.0, 4: 150.0}
_DEFAULT_BEDS = {1: 0.0, 2: 30.0, 3: 80.0, 4: 400.0}
# People one doctor serves: turns doctors into a people capacity (a rough placeholder too).
_DEFAULT_PEOPLE_PER_DOCTOR = 1000.0
_CAPACITY_KEYS = ("people_per_doctor", "doctors", "beds")


def _tier_key(key: object) -> int | None:
    """Tier 1-4 of a ``[capacity.doctors]`` key (``"2"`` in TOML, ``2`` in Python), or None."""
    if _is_whole(key):
        return int(key) if key in TIER_NAMES else None
    if isinstance(key, str) and key.strip().isdigit() and int(key.strip()) in TIER_NAMES:
        return int(key.strip())
    return None


def _count_problem(value: object, what: str, unit: str) -> str | None:
    """Return the problem of a number that must be in [0, MAX_CAPACITY] (NaN, inf refused)."""
    if not _is_number(value):
        return f"{what} must be a number >= 0{unit}, got {_shown(value)}"
    x = _float(value)
    if not x >= 0:
        return f"{what} must be >= 0{unit}, got {_shown(value)}"
    if not x <= MAX_CAPACITY:
        return f"{what} must be at most {MAX_CAPACITY:g}{unit}, got {_shown(value)}"
    return None


def _capacity_problems(value: object) -> list[str]:
    """Problems of the ``[capacity]`` table (``people_per_doctor``, per-tier doctors and beds)."""
    if not isinstance(value, Mapping):
        return [
            "capacity must be a [capacity] table with people_per_doctor and [capacity.doctors] / "
            f"[capacity.beds] tables by tier, got {_shown(value)}"
        ]
    problems: list[str] = []
    unknown = [k for k in value if k not in _CAPACITY_KEYS]
    if unknown:
        problems.append(
            f"capacity has unknown key {', '.join(map(repr, unknown))} (keys: "
            f"{', '.join(_CAPACITY_KEYS)})"
        )
    if "people_per_doctor" in value:
        problems.append(
            _amount(
                value["people_per_doctor"], "capacity.people_per_doctor", " people", MAX_CAPACITY
            )
            or ""
        )
    for key, unit in (("doctors", " doctors"), ("beds", " beds")):
        if key not in value:
            continue
        table = value[key]
        if not isinstance(table, Mapping):
            problems.append(
                f"capacity.{key} must be a table by tier ([capacity.{key}] with 2 = 10), got "
                f"{_shown(table)}"
            )
            continue
        for tier, v in table.items():
            if _tier_key(tier) is None:
                problems.append(
                    f"capacity.{key} has unknown tier {_shown(tier)} (tiers: 1 village clinic, 2 "
                    "township health centre, 3 sub-centre, 4 county hospital)"
                )
                continue
            problems.append(_count_problem(v, f"capacity.{key}.{tier}", unit) or "")
    return [x for x in problems if x]


@dataclass(frozen=True)
class CapacityDefaults:
    """Default capacity of a facility by tier, where the data give none (rough placeholders).

    The defaults are plausible values for rural China, **not statistics**: replace them with
    the county's own figures (or give ``doctors`` / ``beds`` columns in the facility file).

    Parameters
    ----------
    doctors : mapping of int to float
        ``{tier: doctors}``; default 1 (village clinic), 10 (township health centre), 25
        (sub-centre), 150 (county hospital).
    beds : mapping of int to float
        ``{tier: beds}``; default 0, 30, 80, 400.
    people_per_doctor : float
        People one doctor can serve (default 1,000): a facility's capacity in people is its
        doctors times this, unless the data give a capacity.
    """

    doctors: Mapping[int, float] = field(
        default_factory=lambda: MappingProxyType(dict(_DEFAULT_DOCTORS))
    )
    beds: Mapping[int, float] = field(default_factory=lambda: MappingProxyType(dict(_DEFAULT_BEDS)))
    people_per_doctor: float = _DEFAULT_PEOPLE_PER_DOCTOR

    def __post_init__(self) -> None:
        """Check every value; all tiers must be present (a missing tier has no default)."""
        problems = _capacity_problems(self.to_dict())
        for key in ("doctors", "beds"):
            table = getattr(self, key)
            given = {_tier_key(t) for t in table} if isinstance(table, Mapping) else set(TIER_NAMES)
            missing = sorted(set(TIER_NAMES) - given)
            if missing:
                problems.append(f"capacity.{key} has no value for tier {missing}")
        if problems:
            msg = "invalid configuration: " + "; ".join(problems)
            raise InputError(msg)

    def to_dict(self) -> dict[str, Any]:
        """Return the defaults as plain data (tiers as text keys, as in TOML and JSON).

        Returns
        -------
        dict
            ``people_per_doctor`` (people), ``doctors`` and ``beds`` (``{"1": n, ...}``).
        """
        d: dict[str, Any] = {"people_per_doctor": self.people_per_doctor}
        for key in ("doctors", "beds"):
            table = getattr(self, key)
            d[key] = {str(t): v for t, v in table.items()} if isinstance(table, Mapping) else table
        return d


_LEVEL_KEYS = ("name", "min_tier", "minutes", "label")


def _shown(value: object) -> str:
    """``repr`` of a value for a message, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _float(value: Any) -> float:
    """Return ``float(value)``, an integer too large for a float as an infinity."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _amount(value: object, what: str, unit: str, top: float) -> str | None:
    """Return the problem of a number that must be in (0, ``top``] (NaN, inf refused), or None."""
    if not _is_number(value):
        return f"{what} must be a number > 0{unit}, got {_shown(value)}"
    x = _float(value)
    if not x > 0:
        return f"{what} must be > 0{unit}, got {_shown(value)}"
    if not x <= top:
        return f"{what} must be at most {top:g}{unit}, got {_shown(value)}"
    return None


def _speed_problems(key: str, value: object, *, nested: bool) -> list[str]:
    """Problems of ``speeds_kmh`` (``{mode: {class: km/h}}``) or ``access_kmh`` (``{mode: km/h}``).

    ``nested`` is True for the tables of classes.
    """
    if not isinstance(value, Mapping):
        example = f"[{key}.drive]" if nested else f"[{key}] with drive = 4.5"
        return [f"{key} must be a table by mode ({example}), got {_shown(value)}"]
    problems = []
    for mode, table in value.items():
        if mode not in MODES:
            problems.append(f"{key} has unknown mode {mode!r} (use one of {', '.join(MODES)})")
            continue
        if not nested:
            problems.append(_amount(table, f"{key}.{mode}", " km/h", MAX_SPEED_KMH) or "")
            continue
        if not isinstance(table, Mapping):
            problems.append(
                f"{key}.{mode} must be a table of OSM highway classes and km/h "
                f"([{key}.{mode}] with primary = 60), got {_shown(table)}"
            )
            continue
        for cls, v in table.items():
            problems.append(_amount(v, f"{key}.{mode}.{cls}", " km/h", MAX_SPEED_KMH) or "")
    return [x for x in problems if x]


def _level_problems(value: object) -> tuple[list[str], list[str] | None]:
    """Problems of ``levels``, and the level names (None when they are not all known)."""
    if not isinstance(value, list | tuple) or not value:
        return [
            "levels must be a non-empty list of [[levels]] tables with name, min_tier and "
            f"minutes, got {_shown(value)}"
        ], None
    problems: list[str] = []
    names: list[str] | None = []
    for i, lv in enumerate(value, start=1):
        if not isinstance(lv, Mapping):
            problems.append(
                f"bad service level #{i}: must be a [[levels]] table with name, min_tier and "
                f"minutes, got {_shown(lv)}"
            )
            names = None
            continue
        missing = [k for k in _LEVEL_KEYS[:3] if k not in lv]
        unknown = [k for k in lv if k not in _LEVEL_KEYS]
        if missing or unknown:
            bad = [f"missing {', '.join(missing)}"] if missing else []
            bad += [f"unknown key {', '.join(map(repr, unknown))}"] if unknown else []
            problems.append(
                f"bad service level #{i}: {' and '.join(bad)} (keys: name, min_tier, minutes, "
                "optional label)"
            )
        name = lv.get("name")
        if isinstance(name, str) and name.strip():
            who = f"service level {name!r}"
            if names is not None:
                names.append(name)
        else:
            who = f"service level #{i}"
            names = None
            if "name" in lv:
                problems.append(f"{who}: name must be a non-empty text, got {_shown(name)}")
        if "min_tier" in lv and not (_is_whole(lv["min_tier"]) and lv["min_tier"] in TIER_NAMES):
            problems.append(f"{who}: min_tier must be 1-4, got {_shown(lv['min_tier'])}")
        if "minutes" in lv:
            problems.append(_amount(lv["minutes"], f"{who}: minutes", "", MAX_MINUTES) or "")
        if "label" in lv and not isinstance(lv["label"], str):
            problems.append(f"{who}: label must be a text, got {_shown(lv['label'])}")
    if names is not None and len(set(names)) != len(names):
        problems.append(f"service level names must be unique, got {names}")
    return [x for x in problems if x], names


def _tier_rule_problems(value: object) -> list[str]:
    """Problems of ``tier_rules``: a list of ``[key, value, tier]``."""
    example = '[key, value, tier] rules such as ["amenity", "clinic", 2]'
    if not isinstance(value, list | tuple):
        return [f"tier_rules must be a list of {example}, got {_shown(value)}"]
    problems = []
    for i, rule in enumerate(value, start=1):
        ok = (
            isinstance(rule, list | tuple)
            and len(rule) == 3
            and isinstance(rule[0], str)
            and isinstance(rule[1], str)
            and _is_whole(rule[2])
            and rule[2] in TIER_NAMES
        )
        if not ok:
            problems.append(
                f"tier_rules #{i} must be [key, value, tier] with a tier 1-4 "
                f'(e.g. ["amenity", "clinic", 2]), got {_shown(rule)}'
            )
    return problems


def _bands_problems(value: object) -> list[str]:
    """Problems of ``bands_minutes``: increasing numbers in (0, MAX_MINUTES]."""
    if not isinstance(value, list | tuple) or not all(_is_number(x) for x in value):
        return [f"bands_minutes must be a list of minutes such as [5, 10, 15], got {_shown(value)}"]
    b = [_float(x) for x in value]
    if not b or not all(x > 0 for x in b) or b != sorted(set(b)):
        return [f"bands_minutes must be increasing and > 0, got {_shown(list(value))}"]
    if b[-1] > MAX_MINUTES:
        return [f"bands_minutes must be at most {MAX_MINUTES:g} minutes, got {_shown(list(value))}"]
    return []


def _problems(d: Mapping[str, Any]) -> list[str]:
    """Every type and range problem of the settings in ``d`` (plain data, as in TOML).

    Parameters
    ----------
    d : mapping
        Settings by name, as :meth:`Config.to_dict` gives them or a TOML file holds them
        (tables as mappings, arrays as lists); keys absent are not checked.

    Returns
    -------
    list of str
        One line per problem, naming the key and the allowed values; empty when all is well.
    """
    problems: list[str] = []
    if "speeds_kmh" in d:
        problems += _speed_problems("speeds_kmh", d["speeds_kmh"], nested=True)
    if "access_kmh" in d:
        problems += _speed_problems("access_kmh", d["access_kmh"], nested=False)
    if "max_snap_m" in d:
        problems.append(_amount(d["max_snap_m"], "max_snap_m", " metres", MAX_SNAP_M) or "")
    names: list[str] | None = None
    if "levels" in d:
        level_problems, names = _level_problems(d["levels"])
        problems += level_problems
    if "tier_rules" in d:
        problems += _tier_rule_problems(d["tier_rules"])
    if "upgrade_level" in d:
        up = d["upgrade_level"]
        if not isinstance(up, str):
            problems.append(f"upgrade_level must be a service level name, got {_shown(up)}")
        elif names is not None and up not in names:
            problems.append(f"upgrade_level {up!r} is not one of {names}")
    if "k" in d:
        k = d["k"]
        if not _is_whole(k):
            problems.append(f"k must be a whole number >= 1, got {_shown(k)}")
        elif k < 1:
            problems.append(f"k must be >= 1, got {k}")
    if "bands_minutes" in d:
        problems += _bands_problems(d["bands_minutes"])
    for key in ("referral_hospital_minutes", "referral_township_minutes"):
        if key in d:
            problems.append(_amount(d[key], key, " minutes", MAX_MINUTES) or "")
    if "capacity" in d:
        problems += _capacity_problems(d["capacity"])
    return [x for x in problems if x]


def _frozen(mapping: dict[str, dict[str, float]]) -> MappingProxyType[str, Any]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in mapping.items()})


@dataclass(frozen=True)
class Config:
    """Effective configuration of one run.

    Parameters
    ----------
    speeds_kmh : mapping
        ``{mode: {highway_class: km/h}}``. A class absent for a mode cannot be used by it.
    access_kmh : mapping
        ``{mode: km/h}`` speed of the off-network first/last mile (walking by default).
    max_snap_m : float
        Points farther than this from the nearest routable road node are *off-network*, metres.
    levels : tuple of ServiceLevel
        Service levels reported by coverage; the first is the headline 15-minute figure.
    tier_rules : tuple of (key, value, tier)
        OSM tag rules giving a facility's tier when no ``access15:tier`` tag is present.
    upgrade_level : str
        Name of the service level that site ranking (upgrades to tier 3) maximises.
    k : int
        Number of township centres to upgrade.
    bands_minutes : tuple of float
        Upper edges of the travel-time bands reported (minutes); a last open band follows.
    referral_hospital_minutes : float
        Target time from a township centre (tier 2-3) to the county hospital, minutes.
    referral_township_minutes : float
        Target time from a village clinic to its nearest township centre, minutes.
    capacity : CapacityDefaults
        Doctors and beds per tier where the data give none, and people per doctor (the
        ``[capacity]`` table; rough placeholders to replace with real figures).
    """

    speeds_kmh: MappingProxyType[str, Any] = field(
        default_factory=lambda: _frozen(_DEFAULT_SPEEDS_KMH)
    )
    access_kmh: MappingProxyType[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(_DEFAULT_ACCESS_KMH))
    )
    max_snap_m: float = 1000.0
    levels: tuple[ServiceLevel, ...] = _DEFAULT_LEVELS
    tier_rules: tuple[tuple[str, str, int], ...] = _DEFAULT_TIER_RULES
    upgrade_level: str = "subcentre"
    k: int = 3
    bands_minutes: tuple[float, ...] = (5.0, 10.0, 15.0, 30.0, 60.0)
    referral_hospital_minutes: float = 30.0
    referral_township_minutes: float = 15.0
    capacity: CapacityDefaults = field(default_factory=CapacityDefaults)

    def __post_init__(self) -> None:
        """Check the type and range of every setting; all problems in one error."""
        problems = _problems(self._plain())
        if not isinstance(self.capacity, CapacityDefaults):
            problems.append(f"capacity must be a CapacityDefaults, got {_shown(self.capacity)}")
        if problems:
            msg = "invalid configuration: " + "; ".join(problems)
            raise InputError(msg)

    def _plain(self) -> dict[str, Any]:
        """Return the settings as plain data for :func:`_problems`, whatever their types."""
        d: dict[str, Any] = {f: getattr(self, f) for f in self.__dataclass_fields__}
        if isinstance(self.speeds_kmh, Mapping):
            d["speeds_kmh"] = {
                m: dict(t) if isinstance(t, Mapping) else t for m, t in self.speeds_kmh.items()
            }
        if isinstance(self.levels, list | tuple):
            d["levels"] = [asdict(lv) if isinstance(lv, ServiceLevel) else lv for lv in self.levels]
        if isinstance(self.capacity, CapacityDefaults):
            d["capacity"] = self.capacity.to_dict()
        else:
            d.pop("capacity")  # reported by __post_init__
        return d

    def level(self, name: str) -> ServiceLevel:
        """Return the service level called ``name``.

        Parameters
        ----------
        name : str
            Name of a configured level (e.g. ``"basic"``, ``"subcentre"``).

        Returns
        -------
        ServiceLevel
            The level of that name.

        Raises
        ------
        InputError
            No level has that name (the message lists the configured ones).
        """
        for lv in self.levels:
            if lv.name == name:
                return lv
        msg = f"no service level named {name!r}; configured levels: {[x.name for x in self.levels]}"
        raise InputError(msg)

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as plain, JSON-serialisable data.

        Returns
        -------
        dict
            Every setting by name (speeds in km/h, distances in metres, times in minutes), as
            written to manifests and used in cache keys.
        """
        return {
            "speeds_kmh": {m: dict(t) for m, t in self.speeds_kmh.items()},
            "access_kmh": dict(self.access_kmh),
            "max_snap_m": self.max_snap_m,
            "levels": [asdict(lv) for lv in self.levels],
            "tier_rules": [list(r) for r in self.tier_rules],
            "upgrade_level": self.upgrade_level,
            "k": self.k,
            "bands_minutes": list(self.bands_minutes),
            "referral_hospital_minutes": self.referral_hospital_minutes,
            "referral_township_minutes": self.referral_township_minutes,
            "capacity": self.capacity.to_dict(),
        }

    def fingerprint(self) -> str:
        """Return a stable JSON text of the configuration, for cache keys.

        Returns
        -------
        str
            :meth:`to_dict` as JSON with sorted keys: equal configurations give equal text.
        """
        return json.dumps(self.to_dict(), sort_keys=True)


def load_config(path: str | Path | None = None, **overrides: Any) -> Config:
    """Load a configuration from a TOML file, with keyword overrides on top.

    Parameters
    ----------
    path : str or Path, optional
        TOML file with any of the keys of :class:`Config`; missing keys keep their defaults.
        Speed tables are merged class by class into the defaults.
    **overrides
        Values that win over the file (e.g. from command-line flags).

    Returns
    -------
    Config
        The validated, frozen configuration.
    """
    data: dict[str, Any] = {}
    where = "invalid configuration"
    if path is not None:
        p = Path(path)
        if not p.is_file():
            msg = f"configuration file {str(p)!r} not found; create one with `access15 config`"
            raise InputError(msg)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            reason = " ".join(str(exc).split())
            msg = (
                f"configuration file {str(p)!r} is not valid TOML ({reason}); fix or regenerate it"
            )
            raise InputError(msg) from None
        where = f"config {str(p)!r}"
    data.update({k: v for k, v in overrides.items() if v is not None})
    known = set(Config.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    problems = []
    if unknown:
        problems.append(f"unknown configuration keys {unknown}; known keys: {sorted(known)}")
    # every setting's type and range, with the defaults of the keys not given (for the
    # cross-checks, e.g. upgrade_level against the levels)
    problems += _problems({**Config().to_dict(), **{k: data[k] for k in known & set(data)}})
    if problems:
        msg = f"{where}: " + "; ".join(problems)
        raise InputError(msg)
    kwargs: dict[str, Any] = {}
    if "speeds_kmh" in data:
        merged = {m: dict(t) for m, t in _DEFAULT_SPEEDS_KMH.items()}
        for mode, table in data["speeds_kmh"].items():
            merged.setdefault(mode, {}).update({k: float(v) for k, v in table.items()})
        kwargs["speeds_kmh"] = _frozen(merged)
    if "access_kmh" in data:
        merged_a = dict(_DEFAULT_ACCESS_KMH)
        merged_a.update({k: float(v) for k, v in data["access_kmh"].items()})
        kwargs["access_kmh"] = MappingProxyType(merged_a)
    if "levels" in data:
        kwargs["levels"] = tuple(
            ServiceLevel(lv["name"], int(lv["min_tier"]), float(lv["minutes"]), lv.get("label", ""))
            for lv in data["levels"]
        )
    if "tier_rules" in data:
        kwargs["tier_rules"] = tuple((str(k), str(v), int(t)) for k, v, t in data["tier_rules"])
    for key in (
        "max_snap_m",
        "upgrade_level",
        "k",
        "referral_hospital_minutes",
        "referral_township_minutes",
    ):
        if key in data:
            kwargs[key] = data[key]
    if "bands_minutes" in data:
        kwargs["bands_minutes"] = tuple(float(x) for x in data["bands_minutes"])
    if "capacity" in data:
        kwargs["capacity"] = _capacity_from(data["capacity"])
    return Config(**kwargs)


def _capacity_from(table: Mapping[str, Any]) -> CapacityDefaults:
    """Return a checked ``[capacity]`` table merged tier by tier into the defaults."""
    base = CapacityDefaults()
    tables: dict[str, MappingProxyType[int, float]] = {}
    for key in ("doctors", "beds"):
        merged = dict(getattr(base, key))
        for tier, v in table.get(key, {}).items():
            merged[int(str(tier).strip())] = float(v)
        tables[key] = MappingProxyType(dict(sorted(merged.items())))
    ppd = float(table.get("people_per_doctor", base.people_per_doctor))
    return CapacityDefaults(tables["doctors"], tables["beds"], ppd)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(float(v)) if isinstance(v, float) else str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    msg = f"cannot write {type(v).__name__} to TOML"
    raise TypeError(msg)


def config_to_toml(config: Config | None = None) -> str:
    """Render a configuration as commented, editable TOML that :func:`load_config` reads back.

    Examples
    --------
    >>> text = config_to_toml()
    >>> load_config_text(text) == Config()
    True
    """
    cfg = config or Config()
    d = cfg.to_dict()
    out = [
        "# access15 configuration: edit, then pass with --config FILE.",
        "# Units: speeds km/h, distances metres, times minutes. Missing keys keep the defaults.",
        "",
        "# points farther than this from a routable road are off-network (metres)",
        f"max_snap_m = {_toml_value(d['max_snap_m'])}",
        "# township centres to upgrade, and the service level the ranking maximises",
        f"k = {d['k']}",
        f"upgrade_level = {_toml_value(d['upgrade_level'])}",
        "# upper edges of the reported travel-time bands (minutes)",
        f"bands_minutes = {_toml_value(d['bands_minutes'])}",
        "# referral targets (minutes): township centre -> county hospital, clinic -> centre",
        f"referral_hospital_minutes = {_toml_value(d['referral_hospital_minutes'])}",
        f"referral_township_minutes = {_toml_value(d['referral_township_minutes'])}",
        "# OSM tag rules giving a facility tier when there is no access15:tier tag:",
        "# [key, value, tier]; tiers 1 village clinic, 2 township centre, 3 sub-centre,",
        "# 4 county hospital",
        "tier_rules = [",
        *[f"  {_toml_value(r)}," for r in d["tier_rules"]],
        "]",
        "",
        "# off-network first/last mile speed per mode (km/h)",
        "[access_kmh]",
        *[f"{m} = {_toml_value(v)}" for m, v in d["access_kmh"].items()],
        "",
        "# facility capacity where the facility file (doctors/beds/capacity columns) or OSM",
        "# (beds tag) gives none. DEFAULTS, ROUGH PLACEHOLDERS for rural China, not statistics:",
        "# replace them with the county's real figures. people_per_doctor turns doctors into",
        "# the people a facility can serve.",
        "[capacity]",
        f"people_per_doctor = {_toml_value(d['capacity']['people_per_doctor'])}",
        "# doctors per tier: 1 village clinic, 2 township centre, 3 sub-centre, 4 county hospital",
        "[capacity.doctors]",
        *[f"{t} = {_toml_value(v)}" for t, v in d["capacity"]["doctors"].items()],
        "# beds per tier",
        "[capacity.beds]",
        *[f"{t} = {_toml_value(v)}" for t, v in d["capacity"]["beds"].items()],
        "",
    ]
    for mode, table in d["speeds_kmh"].items():
        out.append(
            f"# {mode}: km/h per OSM highway class (listed classes override the defaults; "
            "classes absent from the defaults are not usable)"
        )
        out.append(f"[speeds_kmh.{mode}]")
        out += [f"{cls} = {_toml_value(v)}" for cls, v in table.items()]
        out.append("")
    out.append("# service levels: population within `minutes` of a facility of tier >= min_tier;")
    out.append("# the first is the headline figure")
    for lv in d["levels"]:
        out.append("[[levels]]")
        out += [f"{k} = {_toml_value(v)}" for k, v in lv.items()]
        out.append("")
    return "\n".join(out)


def load_config_text(text: str, **overrides: Any) -> Config:
    """Like :func:`load_config`, from TOML text."""
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "config.toml"
        p.write_text(text, encoding="utf-8")
        return load_config(p, **overrides)
