"""Checks of exercise ex10_straight_barrier: ``straight_barrier(loss, theta_a, theta_b,
n_points=101)``, the loss barrier on the segment between two parameter vectors.

``loss`` is a trusted objective evaluated by the grader (Himmelblau's four-minimum
function, Rosenbrock's valley, a convex quadratic), so the calls are counted. The
reference evaluates the same points and applies
:func:`course_lib.landscape_math.barrier` (tested on closed forms in
tests/test_landscape.py); :func:`course_lib.landscape.interpolate` is the torch version.
"""
from __future__ import annotations

import numpy as np

from ..factories import (Case, Mistake, Target, counts_calls, leaves_inputs_unmodified,
                         matches_reference)
from ..registry import Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex10_straight_barrier", "The loss barrier on the straight path between two solutions",
    functions=("straight_barrier",),
    reference_functions=("course_lib.landscape_math.barrier",
                         "course_lib.landscape.interpolate"))

FUNC = "straight_barrier"


def _path(spec, a, b, n, endpoint=True):
    f = spec.build().value
    t = np.linspace(0.0, 1.0, n, endpoint=endpoint)
    a, b = np.asarray(a, float), np.asarray(b, float)
    return t, np.array([f((1 - s) * a + s * b) for s in t])


def reference(loss, theta_a, theta_b, n_points=101):
    from course_lib.landscape_math import barrier
    return barrier(*_path(loss, theta_a, theta_b, n_points))


def _mistake(rule):
    def compute(case, expected):
        loss, a, b = case.args[:3]
        t, L = _path(loss, a, b, case.arg(3, case.kwargs.get("n_points", 101)))
        return float(rule(t, L))
    return compute


MISTAKES = [
    Mistake("subtract the chord (1 - t) L(a) + t L(b) at each t, not the mean of the two "
            "ends (that is Frankle et al.'s variant, not this exercise's definition).",
            _mistake(lambda t, L: np.max(L - 0.5 * (L[0] + L[-1])))),
    Mistake("subtract the chord at each t, not the larger of the two end losses.",
            _mistake(lambda t, L: np.max(L - max(L[0], L[-1])))),
    Mistake("the barrier is the excess over the chord: max_t [L(t) - chord(t)], not the "
            "largest loss on the path.", _mistake(lambda t, L: np.max(L))),
    Mistake("the chord is (1 - t) L(a) + t L(b): L(a) weighs 1 at t = 0. You swapped the "
            "ends.", _mistake(lambda t, L: np.max(L - (t * L[0] + (1 - t) * L[-1])))),
    Mistake("take the signed excess: a path below its chord has barrier 0 (at the ends), "
            "not the largest |L - chord|.",
            _mistake(lambda t, L: np.max(np.abs(L - ((1 - t) * L[0] + t * L[-1]))))),
]

TARGET = Target(FUNC, reference, what="the barrier", mistakes=MISTAKES, rtol=1e-9,
                atol=1e-12)


def _f(problem, **kw):
    return FunctionSpec(problem, "value", kw, name="loss")


HIMMELBLAU_MINIMA = [np.array([3.0, 2.0]), np.array([-2.805118, 3.131312]),
                     np.array([-3.779310, -3.283186]), np.array([3.584428, -1.848126])]
NONCONVEX = [
    Case(_f("Himmelblau"), HIMMELBLAU_MINIMA[0], HIMMELBLAU_MINIMA[1],
         label="Himmelblau, between the minima (3, 2) and (-2.81, 3.13)"),
    Case(_f("Himmelblau"), np.array([3.2, 1.5]), np.array([-3.5, -3.0]), 51,
         label="Himmelblau, from (3.2, 1.5) to (-3.5, -3), 51 points (unequal end losses)"),
    Case(_f("Rosenbrock"), np.array([-1.0, 1.0]), np.array([1.2, 1.5]), 41,
         label="Rosenbrock, across the valley from (-1, 1) to (1.2, 1.5), 41 points"),
]
CONVEX = [Case(_f("Quadratic", A=np.array([[3.0, 1.0], [1.0, 2.0]])),
               np.array([1.0, -2.0]), np.array([-3.0, 0.5]),
               label="a convex quadratic: the path never rises above its chord"),
          Case(_f("TiltedDoubleWell"), np.array([-1.47]), np.array([1.35]), 21,
               label="the tilted double well, from one well (-1.47) to the other (1.35)")]
COARSE = [Case(_f("Himmelblau"), np.array([3.2, 1.5]), np.array([-3.5, -3.0]), 4,
               label="Himmelblau, 4 points t = 0, 1/3, 2/3, 1")]

matches_reference(EXERCISE, TARGET, NONCONVEX, name="barrier_of_nonconvex_paths", points=3,
                  hint="t = np.linspace(0, 1, n_points); L = [loss((1-t)a + t b)]; "
                       "return max(L - ((1 - t) L[0] + t L[-1])).",
                  description="The barrier max_t [L(t) - ((1 - t) L(a) + t L(b))] on "
                              "Himmelblau's and Rosenbrock's functions.")
matches_reference(EXERCISE, TARGET, CONVEX, name="convex_path_has_no_barrier", points=1,
                  hint="the ends give L - chord = 0, so the barrier is never negative; on "
                       "a convex function it is exactly 0.",
                  description="Returns 0 on a convex quadratic (the maximum is at the ends) "
                              "and the barrier between the two wells of a 1-d quartic.")
matches_reference(EXERCISE, TARGET, COARSE, name="uses_n_points_including_ends", points=1,
                  hint="np.linspace(0, 1, n_points) includes both ends (t = 0 and t = 1).",
                  description="Evaluates exactly the n_points values of np.linspace(0, 1, "
                              "n_points), ends included.")
counts_calls(EXERCISE, TARGET, [NONCONVEX[1]], counter="loss",
             allowed=lambda case: (case.args[3], case.args[3]),
             unit="loss evaluations (one per point of the path)",
             name="one_loss_per_point", points=1,
             hint="evaluate the loss once per point, keep the values in an array, and "
                  "reuse L[0] and L[-1] for the chord.",
             description="Calls loss exactly n_points times (and the barrier is right).")
leaves_inputs_unmodified(EXERCISE, TARGET, [NONCONVEX[1]], name="does_not_modify_inputs",
                         arguments={1: "theta_a", 2: "theta_b"}, points=1,
                         hint="compute the direction as a new array (theta_b - theta_a), "
                              "not with -= on the caller's theta_b.",
                         description="theta_a and theta_b are unchanged after the call (and "
                                     "the barrier is right).")
