"""SitingOptions: one frozen value, checked once; each rule names the field and the fix."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import access15 as ax
from access15.siting.options import SitingOptions, with_legacy_keywords


def test_defaults_and_normalisation():
    o = SitingOptions()
    assert (o.objective, o.method, o.candidates, o.curve) == ("coverage", "exact", ("tier2",), True)
    assert o.default_candidates
    o = SitingOptions(
        objective="P_Median",
        candidates=["gaps", "nodes"],
        must_include="A",
        exclude=["B", "C"],
        per_zone=["E"],
        cost={"A": 2},
        budget=5,
    )
    assert o.objective == "median"
    assert o.candidates == ("gaps", "nodes")
    assert not o.default_candidates
    assert (o.must_include, o.exclude, o.per_zone) == (("A",), ("B", "C"), ("E",))
    assert o.budget == 5.0
    assert SitingOptions(objective="zone").objective == "center-zone"
    assert SitingOptions(candidates=None).candidates == ("tier2",)
    assert SitingOptions(per_zone=True).per_zone is True
    table = pd.DataFrame({"site_id": ["a"], "lon": [1.0], "lat": [2.0]})
    assert SitingOptions(candidates=table).candidates[0] is table


def test_options_are_frozen_and_replace_checks_again():
    o = SitingOptions(k=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.k = 3  # type: ignore[misc]
    with pytest.raises(ax.InputError, match="k must be >= 1, got 0"):
        dataclasses.replace(o, k=0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"objective": "fastest"}, "objective 'fastest' is not one of coverage, median, center"),
        ({"method": "magic"}, "method 'magic' is not one of exact, swap, greedy"),
        ({"k": 0}, "k must be >= 1, got 0"),
        ({"k": 2.5}, "k must be a whole number"),
        ({"k": True}, "k must be a whole number"),
        ({"max_minutes_to_hospital": 0}, "max_minutes_to_hospital must be > 0 minutes, got 0"),
        ({"max_minutes_to_hospital": -3}, "max_minutes_to_hospital must be > 0"),
        ({"time_limit_s": 0}, "time_limit_s must be > 0 seconds, got 0"),
        ({"time_limit_s": "soon"}, "time_limit_s must be a number > 0"),
        ({"budget": -1, "cost": "cost"}, "budget must be > 0, got -1"),
        ({"cost": 3}, "cost must be a candidate column name or a"),
        ({"grid_spacing_m": 0}, "grid_spacing_m must be > 0 metres, got 0"),
        ({"cutoff_minutes": -5}, "cutoff_minutes must be > 0 minutes"),
        ({"gap_min_people": -1}, "gap_min_people must be >= 0 people"),
        ({"max_candidates": 0}, "max_candidates must be >= 1"),
        ({"candidates": "hospitals"}, "candidates 'hospitals' is not one of tier2, gaps, nodes"),
        ({"candidates": ()}, "candidates is empty"),
        ({"must_include": 3}, "must_include must be a site id or a list"),
        ({"exclude": 3}, "exclude must be a site id or a list"),
        ({"per_zone": 3}, "per_zone must be a site id or a list"),
        ({"curve": "exact"}, "curve must be True, False or 'greedy'"),
        ({"level": 3}, "level must be a service level name"),
    ],
)
def test_each_rule_raises_input_error_naming_the_field(kwargs, match):
    with pytest.raises(ax.InputError, match=match):
        SitingOptions(**kwargs)


def test_budget_without_cost_counts_every_site_as_one():
    # the library has always priced sites at 1 without a cost (the CLI asks for both flags)
    o = SitingOptions(budget=2)
    assert o.budget == 2.0
    assert o.cost is None


def test_legacy_keywords_map_to_fields_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="SitingOptions"):
        o = with_legacy_keywords(
            SitingOptions(k=2),
            {
                "objective": "mclp",
                "candidates": None,
                "must_include": None,
                "candidate_options": {"spacing_m": 500.0, "min_people": 5.0, "n": 7},
            },
            "recommend_upgrades",
        )
    assert o == SitingOptions(
        k=2, grid_spacing_m=500.0, gap_min_people=5.0, max_candidates=7, objective="coverage"
    )
    assert with_legacy_keywords(None, {}, "f") == SitingOptions()
    with pytest.raises(TypeError, match="unexpected keyword argument 'objectiv'"):
        with_legacy_keywords(None, {"objectiv": "median"}, "recommend_upgrades")
    with (
        pytest.warns(DeprecationWarning, match="SitingOptions"),
        pytest.raises(ax.InputError, match="candidate_options key 'level'"),
    ):
        with_legacy_keywords(None, {"candidate_options": {"level": "basic"}}, "f")


def test_repr_shows_what_differs_and_tables_by_size():
    table = pd.DataFrame({"site_id": ["a", "b"], "lon": [1.0, 2.0], "lat": [2.0, 3.0]})
    assert repr(SitingOptions()) == "SitingOptions(candidates=('tier2',))"
    assert repr(SitingOptions(k=3, objective="zone", candidates=("gaps", table))) == (
        "SitingOptions(k=3, objective='center-zone', candidates=('gaps', <table of 2 sites>))"
    )
