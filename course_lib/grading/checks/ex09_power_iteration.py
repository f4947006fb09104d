"""Checks of exercise ex09_power_iteration: ``top_eigenvalue(hvp, n, tol=1e-12,
max_iter=2000)``, the Hessian eigenvalue of largest magnitude by power iteration on
Hessian-vector products.

``hvp`` is the gradient of a quadratic ``x^T A x / 2`` (so ``hvp(v) = A v``), evaluated
by the grader; the reference is ``numpy.linalg.eigvalsh(A)`` (independent of power
iteration); :func:`course_lib.second_order.power_iteration` is the library version.
The cases reach the method's edges: a top eigenvector orthogonal to the all-ones vector,
a dominant *negative* eigenvalue, a slow gap ``lambda_2 / lambda_1 = 0.9``, and
eigenvalues of order 1e6 (an unnormalised vector overflows).
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, counts_calls, matches_reference, satisfies
from ..registry import CheckFailed, Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex09_power_iteration", "Power iteration with Hessian-vector products",
    functions=("top_eigenvalue",), preload=("course_lib.problems",),
    reference_functions=("course_lib.second_order.power_iteration",
                         "course_lib.second_order.lanczos"))

FUNC = "top_eigenvalue"
RTOL = 1e-6


def _hvp(A=None, eigs=None, rotation=None):
    if eigs is not None:
        return FunctionSpec("Quadratic", "grad", {"eigs": np.asarray(eigs, dtype=float),
                                                  "rotation": rotation},
                            "from_eigenvalues", name="hvp")
    return FunctionSpec("Quadratic", "grad", {"A": np.asarray(A, dtype=float),
                                              "allow_indefinite": True}, name="hvp")


def dominant_eigenvalue(spec, n, **kw):
    """The eigenvalue of largest magnitude of ``A`` (numpy.linalg.eigvalsh)."""
    w = np.linalg.eigvalsh(np.asarray(spec.build().A))
    return float(w[np.argmax(np.abs(w))])


def _power(spec, n, start, iters, normalise=True, quotient=True):
    A = np.asarray(spec.build().A)
    v = np.asarray(start, dtype=float)
    lam = np.nan
    for _ in range(iters):
        w = A @ v
        lam = float(v @ w) / float(v @ v) if quotient else float(np.linalg.norm(w) /
                                                                  np.linalg.norm(v))
        v = w / np.linalg.norm(w) if normalise else w
    return lam


MISTAKES = [
    Mistake("you started from the all-ones vector, which here is orthogonal to the top "
            "eigenvector: power iteration then never sees it. Start from a random vector.",
            lambda case, ref: _power(case.args[0], case.args[1], np.ones(case.args[1]), 500)),
    Mistake("||Hv|| / ||v|| is the eigenvalue's magnitude; the Rayleigh quotient v.Hv / v.v "
            "keeps its sign (the dominant eigenvalue here is negative).",
            lambda case, ref: abs(ref) if ref < 0 else None),
    Mistake("20 iterations are not enough when lambda_2 / lambda_1 is close to 1: iterate "
            "until the estimate stops changing (relative change below tol).",
            lambda case, ref: _power(case.args[0], case.args[1],
                                     np.random.default_rng(0).standard_normal(case.args[1]),
                                     20)),
]

TARGET = Target(FUNC, dominant_eigenvalue, what="the eigenvalue", mistakes=MISTAKES,
                rtol=RTOL, atol=0.0)

rng = np.random.default_rng(9)
Q20, _ = np.linalg.qr(rng.standard_normal((20, 20)))
SLOW = (Q20 * np.concatenate([np.linspace(0.1, 8.0, 18), [9.0, 10.0]])) @ Q20.T

CASES = [
    Case(_hvp(eigs=[1.0, 2.0, 3.0, 5.0, 10.0], rotation=1), 5,
         label="a 5x5 positive definite Hessian, eigenvalues 1..10"),
    Case(_hvp(A=[[2.0, -1.5], [-1.5, 2.0]]), 2,
         label="a 2x2 Hessian whose top eigenvector (1, -1) is orthogonal to (1, 1)"),
    Case(_hvp(A=[[1.0, 0.5, 0.0], [0.5, -4.0, 0.3], [0.0, 0.3, 2.0]]), 3,
         label="an indefinite 3x3 Hessian whose dominant eigenvalue is negative"),
]
SLOW_CASES = [
    Case(_hvp(A=SLOW), 20, label="a 20x20 Hessian with lambda_2 / lambda_1 = 0.9"),
    Case(_hvp(eigs=[1e6, 2e6, 3e6, 4e6, 5e6], rotation=2), 5,
         label="eigenvalues of order 1e6 (an unnormalised vector overflows)"),
]

matches_reference(
    EXERCISE, TARGET, CASES, name="finds_dominant_eigenvalue", points=2,
    hint="v = random unit vector; repeat: w = hvp(v); lam = v @ w; v = w / ||w||; stop "
         "when lam changes by less than tol * |lam|.",
    description="Returns the eigenvalue of largest magnitude (sign included) to relative "
                "1e-6, also when the top eigenvector is orthogonal to (1, ..., 1).")

matches_reference(
    EXERCISE, TARGET, SLOW_CASES, name="converges_on_hard_spectra", points=2,
    hint="normalise v at every iteration, and iterate until the Rayleigh quotient stops "
         "changing, not a fixed small number of times.",
    description="Converges when lambda_2 / lambda_1 = 0.9 and when the eigenvalues are "
                "of order 1e6.")

matches_reference(
    EXERCISE, TARGET,
    [Case(_hvp(A=[[3.0, 0.0], [0.0, 3.0]]), 2, label="H = 3 I (every vector is an "
          "eigenvector)"),
     Case(_hvp(A=[[-2.5]]), 1, label="a 1x1 Hessian [[-2.5]]")],
    name="trivial_spectra", points=1,
    hint="when the estimate does not change at all (H = c I, or n = 1) the loop must "
         "still stop and return it, with its sign.",
    description="Returns c for H = c I and for a 1x1 Hessian (negative).")

counts_calls(
    EXERCISE, TARGET, [Case(_hvp(eigs=[1.0, 2.0, 3.0, 5.0, 10.0], rotation=1), 5,
                            tol=0.0, max_iter=30,
                            label="the 5x5 Hessian with tol=0, max_iter=30")],
    counter="hvp", allowed=lambda case: (1, case.kwargs["max_iter"]),
    unit="Hessian-vector products (one per iteration)", name="one_product_per_iteration",
    points=1, hint="one hvp call per iteration: the Rayleigh quotient v @ w reuses "
                   "w = hvp(v), and at most max_iter iterations are run.",
    description="Makes at most max_iter Hessian-vector products, one per iteration (and "
                "the eigenvalue is right).")


def _is_float(value, case):
    if not isinstance(value, (float, np.floating)):
        raise CheckFailed(f"expected a float, got {type(value).__name__}; return "
                          f"float(lam), not an array.")


satisfies(
    EXERCISE, TARGET, [CASES[0]], [_is_float], name="returns_a_float", points=1,
    hint="return a Python float (float(v @ w)), not an array of shape (1,) or (n,).",
    description="Returns a float (and the eigenvalue is right).")
