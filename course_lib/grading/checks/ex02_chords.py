"""Checks of exercise ex02_chords: ``chord_gaps(f, x, y, alphas)``.

References computed here: on a quadratic ``f(z) = 1/2 z^T A z - b^T z`` the closed form
``a (1 - a) / 2 (x - y)^T A (x - y)`` (independent of any implementation), and on
the non-convex problems :func:`course_lib.convexity.chord_gaps` (the tests check that
the two agree on the quadratics). The weights include both ends, 0 and 1, where the
gap is exactly 0.
"""
from __future__ import annotations

import numpy as np

from ..factories import (Case, Mistake, Target, counts_calls, leaves_inputs_unmodified,
                         matches_reference, rejects_bad_input)
from ..registry import Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex02_chords", "Convexity along a chord",
    functions=("chord_gaps",), preload=("course_lib.problems",),
    reference_functions=("course_lib.convexity.chord_gaps",
                         "course_lib.convexity.convexity_checks",
                         "course_lib.convexity.jensen_gap"))

FUNC = "chord_gaps"
ALPHAS = np.array([0.0, 0.1, 0.25, 0.5, 0.9, 1.0])


def closed_form(spec, x, y, alphas):
    """``a (1 - a) / 2 (x - y)^T A (x - y)`` for a quadratic (the ``b`` terms cancel)."""
    A = np.asarray(spec.build().A)
    d = np.asarray(x, float) - np.asarray(y, float)
    a = np.asarray(alphas, float)
    return a * (1 - a) / 2 * float(d @ A @ d)


def library_reference(spec, x, y, alphas):
    from course_lib.convexity import chord_gaps
    return chord_gaps(spec.function, x, y, alphas)


def _wrong(case, gap):
    spec, x, y, alphas = case.args
    f = spec.function
    x, y = np.asarray(x, float), np.asarray(y, float)
    return np.array([gap(f, x, y, a) for a in np.asarray(alphas, float)])


MISTAKES = [
    Mistake("the sign is reversed: gap = (chord) - (graph) = a f(x) + (1 - a) f(y) - "
            "f(a x + (1 - a) y), >= 0 for a convex f.",
            lambda case, ref: -ref),
    Mistake("the weights do not match: the point a x + (1 - a) y goes with the chord "
            "value a f(x) + (1 - a) f(y), not (1 - a) f(x) + a f(y).",
            lambda case, ref: _wrong(case, lambda f, x, y, a:
                                     (1 - a) * f(x) + a * f(y) - f(a * x + (1 - a) * y))),
    Mistake("the point on the chord is a x + (1 - a) y, not a x + y.",
            lambda case, ref: _wrong(case, lambda f, x, y, a:
                                     a * f(x) + (1 - a) * f(y) - f(a * x + y))),
]

Q2 = FunctionSpec("Quadratic", "value", {"A": np.array([[3.0, 1.0], [1.0, 2.0]]),
                                         "b": np.array([1.0, -1.0])}, name="f")
Q5 = FunctionSpec("Quadratic", "value", {"eigs": np.array([0.5, 1.0, 4.0, 9.0, 20.0]),
                                         "rotation": 2}, "from_eigenvalues", name="f")
QINDEF = FunctionSpec("Quadratic", "value", {"A": np.array([[1.0, 0.0], [0.0, -2.0]]),
                                             "allow_indefinite": True}, name="f")
QUADRATICS = [(Q2, np.array([1.0, 2.0]), np.array([-2.0, 0.5])),
              (Q5, np.arange(5.0), -np.ones(5)),
              (QINDEF, np.array([0.5, 1.0]), np.array([0.0, -1.0]))]
NONCONVEX = [(FunctionSpec("TiltedDoubleWell", "value", name="f"), np.array([-0.5]),
              np.array([0.5])),
             (FunctionSpec("TiltedDoubleWell", "value", name="f"), np.array([-2.0]),
              np.array([2.0])),
             (FunctionSpec("Rosenbrock", "value", name="f"), np.array([-1.0, 1.0]),
              np.array([1.0, 1.0])),
             (FunctionSpec("Himmelblau", "value", name="f"), np.array([3.0, 2.0]),
              np.array([-2.805118, 3.131312]))]


def _case(spec, x, y, alphas=ALPHAS):
    from ..compare import fmt
    return Case(spec, x, y, alphas,
                label=f"f = {spec.describe()}, x = {fmt(x)}, y = {fmt(y)}, "
                      f"alphas = {fmt(np.asarray(alphas))}")


CLOSED = Target(FUNC, closed_form, what="the gaps", mistakes=MISTAKES)
LIBRARY = Target(FUNC, library_reference, what="the gaps", mistakes=MISTAKES)

matches_reference(
    EXERCISE, CLOSED, [_case(*q) for q in QUADRATICS], name="matches_closed_form_on_quadratics",
    points=2, hint="gap(a) = a f(x) + (1 - a) f(y) - f(a x + (1 - a) y), one per alpha.",
    description="On quadratics the gaps equal a (1 - a) / 2 (x - y)^T A (x - y) (also "
                "for an indefinite A, where they can be negative).")

matches_reference(
    EXERCISE, LIBRARY, [_case(*c) for c in NONCONVEX], name="matches_reference_nonconvex",
    points=2, hint="gap(a) = a f(x) + (1 - a) f(y) - f(a x + (1 - a) y), one per alpha.",
    description="On the tilted double well (1-d), Rosenbrock and Himmelblau the gaps "
                "equal course_lib's (negative ones included).")

leaves_inputs_unmodified(
    EXERCISE, CLOSED, [_case(*QUADRATICS[0])], arguments={1: "x", 2: "y"},
    name="does_not_modify_x_y", points=1,
    hint="build the point as a new array: z = a * x + (1 - a) * y (not x *= a).",
    description="The caller's x and y are unchanged after the call (and the gaps are right).")

rejects_bad_input(
    EXERCISE, CLOSED, [Case(Q2, np.ones(2), np.zeros(2), np.array([0.5, 1.5]),
                            label="alphas = [0.5, 1.5]"),
                       Case(Q2, np.ones(2), np.zeros(2), np.array([-0.1]),
                            label="alphas = [-0.1]")],
    control=_case(*QUADRATICS[0]), exception="ValueError", mentions=("alphas",),
    name="rejects_alpha_outside_unit_interval", points=1,
    hint="if np.any((alphas < 0) | (alphas > 1)): raise ValueError(f\"alphas must lie "
         "in [0, 1], got {alphas}\")",
    description="A weight outside [0, 1] raises a ValueError whose message names 'alphas'.")

counts_calls(
    EXERCISE, CLOSED, [_case(*QUADRATICS[0]), _case(QUADRATICS[1][0], *QUADRATICS[1][1:],
                                                     alphas=np.array([0.5]))],
    counter="f", allowed=lambda case: (0, len(case.args[3]) + 2), unit="evaluations of f",
    name="evaluates_ends_once", points=1,
    hint="compute fx = f(x) and fy = f(y) once, before the loop over alphas: then f is "
         "called len(alphas) + 2 times.",
    description="f is called at most len(alphas) + 2 times (f(x) and f(y) once each), and "
                "the gaps are right.")
