"""Checks of exercise ex08_simplex_projection: ``project_simplex(v)``.

The reference is ``course_lib.projections.project_simplex`` (tested there against
scipy's SLSQP on the same QP); a second check verifies the answer's optimality
conditions directly (feasible, and ``v - x`` constant on the support and not larger
off it: the KKT conditions of the projection).
"""
from __future__ import annotations

import numpy as np

from ..compare import as_array, fmt
from ..factories import Case, Mistake, Target, leaves_inputs_unmodified, \
    matches_reference, satisfies
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex08_simplex_projection", "Projection onto the simplex",
    functions=("project_simplex",),
    reference_functions=("course_lib.projections.project_simplex",))

FUNC = "project_simplex"


def reference(v):
    from course_lib.projections import project_simplex
    return project_simplex(np.asarray(v, dtype=float))


_rng = np.random.default_rng(8)
CASES = [
    np.array([0.5, 0.5, 1.0]),                     # [1/6, 1/6, 2/3]
    np.array([2.0, 0.0]),                          # a vertex
    np.array([0.2, 0.3, 0.5]),                     # already on the simplex
    np.array([-1.0, 0.4, 0.3, 3.0, 0.25]),         # one coordinate takes everything
    np.array([0.1, 0.1, 0.1, 0.1]),                # inside the plane's positive part
    _rng.normal(size=7),
    _rng.normal(scale=0.3, size=6) + 0.2,
    np.array([5.0]),                               # n = 1: the answer is [1]
]


def _clip_renormalise(case, ref):
    x = np.maximum(np.asarray(case.args[0], float), 0.0)
    return x / x.sum() if x.sum() > 0 else None


def _shift(case, ref):
    v = np.asarray(case.args[0], float)
    return v - (v.sum() - 1.0) / len(v)


MISTAKES = [
    Mistake("clipping negatives and dividing by the sum is a point of the simplex, but not "
            "the nearest one: subtract one threshold theta from every entry, then clip.",
            _clip_renormalise),
    Mistake("shifting every entry by (sum(v) - 1)/n without clipping leaves negative "
            "entries: the shift theta comes from the sorted partial sums.", _shift),
]

TARGET = Target(FUNC, reference, what="the projection", mistakes=MISTAKES)


def _kkt(value, case):
    x = as_array(value, "the projection")
    v = np.asarray(case.args[0], dtype=float)
    if x.shape != v.shape:
        raise CheckFailed(f"expected shape {v.shape}, got {x.shape}")
    if x.min() < -1e-12 or abs(x.sum() - 1.0) > 1e-9:
        raise CheckFailed(f"{fmt(x)} is not on the simplex (min {x.min():.3g}, sum "
                          f"{x.sum():.12g})")
    theta = v - x                          # KKT: v_i - x_i = theta on the support ...
    sup = x > 1e-12
    if np.ptp(theta[sup]) > 1e-9 or np.any(v[~sup] > theta[sup][0] + 1e-9):
        raise CheckFailed(f"{fmt(x)} is on the simplex but not the nearest point to "
                          f"{fmt(v)}: v - x must equal one theta on the support and v_i <= "
                          f"theta off it (the KKT conditions of the projection)")


satisfies(EXERCISE, Target(FUNC, what="the projection"),
          [Case(v) for v in CASES], [_kkt], name="satisfies_projection_kkt", points=2,
          hint="P(v) = max(v - theta, 0) with theta from the sorted partial sums.",
          description="Each answer lies on the simplex and satisfies the projection's KKT "
                      "conditions (v - x constant on the support, smaller off it).")

matches_reference(
    EXERCISE, TARGET, [Case(v) for v in CASES], name="matches_reference", points=2,
    hint="u = sort(v) decreasing; rho = last j with u_j - (cumsum(u)_j - 1)/j > 0.",
    description="The answer equals course_lib's sort-based projection on 8 vectors "
                "(a vertex, a point already on the simplex, n = 1).")

leaves_inputs_unmodified(
    EXERCISE, TARGET, [Case(CASES[3].copy())], arguments={0: "v"},
    name="does_not_modify_v", points=1,
    hint="np.sort(v) returns a sorted copy; v.sort() sorts the caller's array.",
    description="The caller's v is unchanged (and the projection is right).")

matches_reference(
    EXERCISE, TARGET, [Case([0.5, 0.5, 1], label="project_simplex([0.5, 0.5, 1]) (a list "
                                                "with an int)")],
    name="accepts_lists", points=1, hint="start with v = np.asarray(v, dtype=float).",
    description="Works on a list of numbers.")

matches_reference(
    EXERCISE, TARGET, [Case(np.full(4, 0.5), label="project_simplex([0.5, 0.5, 0.5, 0.5]) "
                                                  "(ties)"),
                       Case(np.array([1e6, 1e6 - 0.5, -1e6]),
                            label="project_simplex([1e6, 1e6 - 0.5, -1e6]) (far away)")],
    name="handles_ties_and_scale", points=1,
    hint="ties need no special case with the 'largest j' rule; work in float64.",
    description="Equal entries give equal weights; a vector far from the simplex is "
                "projected exactly (theta of order 1e6).")
