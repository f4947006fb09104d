"""Checks of exercise ex09_newton_step: ``newton_step(grad_fn, hess_fn, x)``, one step of
Newton's method ``x - H(x)^{-1} grad f(x)``.

References computed in the grader: the closed form on a quadratic (one Newton step from
anywhere lands on ``x* = A^{-1} b``), and :func:`course_lib.second_order.newton_step` on
non-quadratic problems (Rosenbrock, Beale, logistic regression; also where the Hessian is
indefinite: the pure step is still defined).
"""
from __future__ import annotations

import numpy as np

from ..factories import (Case, Mistake, Target, counts_calls, leaves_inputs_unmodified,
                         matches_reference)
from ..registry import Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex09_newton_step", "One Newton step",
    functions=("newton_step",), preload=("course_lib.problems",),
    reference_functions=("course_lib.second_order.newton_step",
                         "course_lib.second_order.newton"))

FUNC = "newton_step"


def _pair(problem, kwargs=None, constructor=None):
    return (FunctionSpec(problem, "grad", kwargs, constructor, name="grad_fn"),
            FunctionSpec(problem, "hessian", kwargs, constructor, name="hess_fn"))


QUADRATICS = [
    (_pair("Quadratic", {"A": np.array([[3.0, 1.0], [1.0, 2.0]]), "b": np.array([1.0, -1.0])}),
     np.array([5.0, -3.0])),
    (_pair("Quadratic", {"eigs": np.array([1.0, 10.0, 100.0]), "rotation": 2,
                         "x_star": np.array([1.0, -1.0, 2.0])}, "from_eigenvalues"),
     np.zeros(3)),
]
NONQUADRATIC = [
    (_pair("Rosenbrock"), np.array([-1.2, 1.0])),
    (_pair("Rosenbrock"), np.array([0.0, 1.0])),          # indefinite Hessian here
    (_pair("Beale"), np.array([1.0, 1.0])),
    (_pair("LogisticRegression", {"n_samples": 50, "n_features": 4}), np.zeros(4)),
]


def closed_form(grad_spec, hess_spec, x):
    """One Newton step on ``1/2 x^T A x - b^T x`` is ``A^{-1} b`` from any ``x``."""
    q = grad_spec.build()
    return np.linalg.solve(np.asarray(q.A), np.asarray(q.b))


def library_reference(grad_spec, hess_spec, x):
    from course_lib.second_order import newton_step as step
    x = np.asarray(x, dtype=float)
    return x + step(hess_spec.function(x), grad_spec.function(x))


def _parts(case):
    g_spec, h_spec, x = case.args
    x = np.asarray(x, dtype=float)
    return x, np.asarray(g_spec.function(x)), np.asarray(h_spec.function(x))


def _wrong(formula):
    def compute(case, expected):
        x, g, H = _parts(case)
        return formula(x, g, H)
    return compute


MISTAKES = [
    Mistake("the step goes uphill: x_new = x - H^{-1} g (you added H^{-1} g).",
            _wrong(lambda x, g, H: x + np.linalg.solve(H, g))),
    Mistake("you multiplied by the Hessian: Newton solves H p = -g (p = -H^{-1} g), it "
            "does not compute -H g.", _wrong(lambda x, g, H: x - H @ g)),
    Mistake("you divided by the diagonal of H only: that is a diagonal (Jacobi) "
            "approximation, not Newton's step; solve the full system np.linalg.solve(H, g).",
            _wrong(lambda x, g, H: x - g / np.diag(H))),
    Mistake("that is a gradient step x - g: the Hessian is missing.",
            _wrong(lambda x, g, H: x - g)),
    Mistake("you returned the step p = -H^{-1} g; return the new point x + p.",
            _wrong(lambda x, g, H: -np.linalg.solve(H, g))),
]

CLOSED_FORM = Target(FUNC, closed_form, what="the new point", mistakes=MISTAKES,
                     rtol=1e-9, atol=1e-10)
LIBRARY = Target(FUNC, library_reference, what="the new point", mistakes=MISTAKES,
                 rtol=1e-9, atol=1e-10)


def _case(pair, x, label=None):
    g, h = pair
    return Case(g, h, x, label=label)


matches_reference(
    EXERCISE, CLOSED_FORM, [_case(*q) for q in QUADRATICS],
    name="exact_on_quadratics", points=2,
    hint="solve H p = -g with np.linalg.solve(hess_fn(x), grad_fn(x)) and return x + p; "
         "on a quadratic this lands on the minimizer A^{-1} b in one step.",
    description="On quadratics one step lands on the minimizer A^{-1} b from any start.")

matches_reference(
    EXERCISE, LIBRARY, [_case(*q) for q in NONQUADRATIC],
    name="matches_reference_nonquadratic", points=2,
    hint="x_new = x - H(x)^{-1} grad f(x), with both evaluated at the current x.",
    description="Equals course_lib's Newton step on Rosenbrock (also where H is "
                "indefinite), Beale and logistic regression.")

leaves_inputs_unmodified(
    EXERCISE, LIBRARY, [_case(*NONQUADRATIC[0])], arguments={2: "x"},
    name="does_not_modify_x", points=1,
    hint="return x + p as a new array; do not update x in place (x += p).",
    description="The caller's x is unchanged (and the step is right).")

matches_reference(
    EXERCISE, CLOSED_FORM,
    [_case(QUADRATICS[0][0], [5, -3], label="Quadratic 2x2, x=[5, -3] (a list of ints)")],
    name="accepts_integer_x", points=1,
    hint="convert x to floats first: x = np.asarray(x, dtype=float).",
    description="Works when x is a list of integers.")

counts_calls(
    EXERCISE, LIBRARY, [_case(*NONQUADRATIC[2])], counter="hess_fn",
    allowed=lambda case: (1, 1), unit="Hessian evaluations",
    name="one_hessian_evaluation", points=1,
    hint="evaluate hess_fn(x) once and reuse it.",
    description="hess_fn is called exactly once (and the step is right).")
