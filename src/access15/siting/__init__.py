r"""Which sites to upgrade or open: ranked lists, exact optima and how sure we are of them.

The existing facilities stay where they are; we choose sites among candidates (by default the
tier-2 township health centres, which would be promoted to tier-3 sub-centres) for one service
level (facilities of tier >= ``min_tier`` within ``minutes``). Four objectives:

``"coverage"`` — maximal covering (MCLP; Church & ReVelle 1974)
    Most people within the level's threshold.
``"median"`` — p-median (Hakimi 1964; ReVelle & Swain 1970)
    Least population-weighted mean travel time, each cell's time being the smaller of what it has
    today and its time to the nearest chosen site.
``"center"`` — p-center (Hakimi 1965; Daskin 1995), worst cell
    Least travel time of the worst-off populated cell.
``"center-zone"`` — p-center over zones
    Least population-weighted mean time of the worst-off zone (片区 / township).

All four share one representation (:class:`SitingProblem`): demand *rows* with a weight
:math:`a_r` (people), a current time :math:`c_r` (minutes; 1 for coverage, "uncovered") and the
*savings* :math:`s_{rj} = c_r - t_{rj} > 0` of candidate :math:`j` (stored only where a site would
beat what the row has today). The value of row :math:`r` under a set :math:`X` of sites is
:math:`v_r(X) = c_r - \max(0, \max_{j \in X} s_{rj})`.

Algorithms: lazy greedy (Minoux 1978) giving a ranked list with marginal gains (cut it at any K;
within :math:`1 - 1/e` of the optimum for coverage and median, whose objectives are submodular,
Nemhauser, Wolsey & Fisher 1978), 1-swap improvement (Teitz & Bart 1968, with the fast
interchange bookkeeping of Whitaker 1983), and an exact MILP solved by HiGHS (Huangfu & Hall
2018) from the greedy + swap warm start, with a time limit; whether optimality was *proven* is
read from HiGHS's model status and dual bound, never assumed. The two min-max objectives are
solved as sequences of feasibility MILPs on target values instead (the textbook min-max models
have weak LP bounds): for ``center`` one set-covering problem per target, for ``center-zone``
one over each zone's minimal site sets (see :func:`solve`).

Two more questions on the coverage form, both exact with HiGHS and honest about optimality:
:func:`fewest_sites` — the fewest sites (or least cost) that bring the covered share to a target
(set-covering form, :class:`TargetPlan`); :func:`solve_capacitated` — the capacitated MCLP, each
site serving at most its capacity (people), with :func:`capacitated_value` for a given plan.
"""

from __future__ import annotations

from access15.siting.candidates import candidate_sites
from access15.siting.capacitated import capacitated_value, solve_capacitated
from access15.siting.constraints import SiteConstraints
from access15.siting.curve import coverage_curve
from access15.siting.options import METHODS, OBJECTIVES, Method, Objective, SitingOptions
from access15.siting.problem import SitingProblem, build_problem, coverage_matrix
from access15.siting.recommend import Recommendation, recommend_upgrades
from access15.siting.solver import Solution, lp_bound, solve
from access15.siting.stability import Sensitivity, sensitivity
from access15.siting.target import TargetPlan, fewest_sites

__all__ = [
    "METHODS",
    "OBJECTIVES",
    "Method",
    "Objective",
    "Recommendation",
    "Sensitivity",
    "SiteConstraints",
    "SitingOptions",
    "SitingProblem",
    "Solution",
    "TargetPlan",
    "build_problem",
    "candidate_sites",
    "capacitated_value",
    "coverage_curve",
    "coverage_matrix",
    "fewest_sites",
    "lp_bound",
    "recommend_upgrades",
    "sensitivity",
    "solve",
    "solve_capacitated",
]
