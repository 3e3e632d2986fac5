"""make_rules: the constraints are checked once, with messages that say what to relax."""

from __future__ import annotations

import numpy as np
import pytest

import access15 as ax
from access15.siting.constraints import Feasible, make_rules


def test_constraint_errors_name_the_fix():
    with pytest.raises(ax.InputError, match="give K"):
        make_rules(3, ax.SiteConstraints())
    with pytest.raises(ax.InputError, match="one per candidate"):
        make_rules(3, ax.SiteConstraints(k=1, cost=[1.0, 2.0]))
    with pytest.raises(ax.InputError, match="both required"):
        make_rules(3, ax.SiteConstraints(k=1, must_include=[0], exclude=[0]))
    with pytest.raises(ax.InputError, match="zone #1 must get a site"):
        make_rules(3, ax.SiteConstraints(k=1, site_zone=[0, 0, 1], exclude=[2], required_zones=[1]))
    with pytest.raises(ax.InputError, match="K=3 is larger than the 2 eligible"):
        make_rules(3, ax.SiteConstraints(k=3, exclude=[1]))
    with pytest.raises(ax.InputError, match="too small"):
        make_rules(3, ax.SiteConstraints(k=1, must_include=[0, 1]))
    with pytest.raises(ax.InputError, match="budget 1 is below the 2"):
        make_rules(3, ax.SiteConstraints(budget=1.0, cost=[2.0, 1.0, 1.0], must_include=[0]))


def test_budget_caps_k_and_feasibility_tracks_money_and_zones():
    r = make_rules(
        4,
        ax.SiteConstraints(
            k=9, budget=3.0, cost=[1.0, 2.0, 2.0, 1.0], site_zone=[0, 0, 1, 1], required_zones=[1]
        ),
    )
    assert r.k == 4  # with a budget K only caps the count
    f = Feasible(r)
    f.add(1)  # 2 spent, zone 1 still needs a site costing >= 1
    assert f.mask(4).tolist() == [False, False, False, True]
    f.add(3)
    assert not f.unmet
    assert not f.can_add(0)  # over budget
    assert np.isclose(f.spent, 3.0)
