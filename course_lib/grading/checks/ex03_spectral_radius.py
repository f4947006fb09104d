"""Checks of exercise ex03_spectral_radius: ``heavy_ball_rate(eigenvalues, lr, momentum)``,
the spectral radius of heavy ball's per-eigenvalue 2x2 iteration matrix
``[[1 + momentum - lr lam, -momentum], [1, 0]]``, maximised over the eigenvalues.

Reference: ``numpy.linalg.eigvals`` of the explicit matrices, computed here
(``course_lib.momentum_theory.spectral_radius`` uses the quadratic formula instead; the
tests of that module check that the two agree).
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, matches_reference
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex03_spectral_radius", "Heavy ball's iteration matrix and its spectral radius",
    functions=("heavy_ball_rate",),
    reference_functions=("course_lib.momentum_theory.spectral_radius",
                         "course_lib.momentum_theory.iteration_matrix"))

FUNC = "heavy_ball_rate"


def _matrix(lam, lr, mom):
    return np.array([[1.0 + mom - lr * lam, -mom], [1.0, 0.0]])


def reference(eigenvalues, lr, momentum):
    return np.float64(max(np.abs(np.linalg.eigvals(_matrix(l, lr, momentum))).max()
                          for l in eigenvalues))


def _as_rate(value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        if not (isinstance(value, np.ndarray) and value.shape == ()):
            raise CheckFailed(f"expected one float (the spectral radius), got "
                              f"{type(value).__name__}")
    return np.float64(value)


def _over(eigs, f):
    return np.float64(max(f(l) for l in eigs))


MISTAKES = [
    Mistake("that is gradient descent's rate max |1 - lr lam|: momentum adds a second "
            "state, so each eigenvalue has a 2x2 matrix.",
            lambda c, r: _over(c.args[0], lambda l: abs(1 - c.args[1] * l))),
    Mistake("sqrt(momentum) is the radius only when the roots are complex (the "
            "under-damped case); take the largest |root| of every eigenvalue's matrix.",
            lambda c, r: np.float64(np.sqrt(c.args[2]))),
    Mistake("the spectral radius is the largest |eigenvalue|, not the largest singular "
            "value (the matrix is not symmetric): use np.linalg.eigvals, not norm(, 2).",
            lambda c, r: _over(c.args[0], lambda l: np.linalg.norm(_matrix(l, *c.args[1:]), 2))),
    Mistake("take the maximum over the eigenvalues: the slowest direction sets the rate.",
            lambda c, r: np.float64(min(np.abs(np.linalg.eigvals(_matrix(l, *c.args[1:]))).max()
                                        for l in c.args[0]))),
    Mistake("the top-left entry is 1 + momentum - lr lam (from x_{t+1} = x_t - lr g + "
            "momentum (x_t - x_{t-1})).",
            lambda c, r: _over(c.args[0], lambda l: np.abs(np.linalg.eigvals(
                np.array([[1 - c.args[2] - c.args[1] * l, -c.args[2]], [1, 0]]))).max())),
]
TARGET = Target(FUNC, reference, convert=_as_rate, what="the spectral radius",
                mistakes=MISTAKES, rtol=1e-6, atol=1e-12)   # a double root: eigvals is accurate to ~sqrt(eps)

kappa_lr, kappa_mom = 4 / 1.1 ** 2, (9 / 11) ** 2      # Polyak's optimum on [0.01, 1]
CASES = {
    "complex roots (under-damped)": ([0.01, 0.3, 1.0], 0.5, 0.9),
    "real roots (over-damped)": ([0.01, 0.3, 1.0], 0.5, 0.1),
    "Polyak's optimal parameters on [0.01, 1]": ([0.01, 0.2, 1.0], kappa_lr, kappa_mom),
    "divergent (lr lam > 2 (1 + momentum))": ([0.5, 4.0], 0.9, 0.5),
    "one eigenvalue, momentum 0 (gradient descent)": ([2.0], 0.3, 0.0),
    "mixed: complex roots for one eigenvalue, real for the other": ([0.05, 2.5], 0.7, 0.3),
}


def _cases(names):
    return [Case(np.array(CASES[n][0]), *CASES[n][1:], label=f"{n}: eigenvalues="
                 f"{CASES[n][0]}, lr={CASES[n][1]:.4g}, momentum={CASES[n][2]:.4g}")
            for n in names]


CHECKS = [
    ("complex_roots", "complex roots (under-damped)",
     "for each lam: M = [[1 + momentum - lr*lam, -momentum], [1, 0]]; rate = max over lam of "
     "max(abs(np.linalg.eigvals(M))).",
     "Equals the largest |eigenvalue| of the 2x2 matrices when the roots are complex."),
    ("real_roots", "real roots (over-damped)",
     "with real roots the radius is not sqrt(momentum): take max(abs(eigvals)) per lam.",
     "Equals the largest |eigenvalue| when the roots are real."),
    ("optimal_parameters", "Polyak's optimal parameters on [0.01, 1]",
     "at Polyak's optimum the extreme eigenvalues have double roots; eigvals handles it.",
     "At Polyak's optimal parameters the rate is (sqrt(k) - 1)/(sqrt(k) + 1)."),
    ("divergent", "divergent (lr lam > 2 (1 + momentum))",
     "a rate above 1 is returned as it is: the iteration diverges.",
     "A divergent setting: the rate is above 1."),
    ("momentum_zero", "one eigenvalue, momentum 0 (gradient descent)",
     "momentum 0 is gradient descent: the rate is |1 - lr lam|.",
     "Momentum 0 on one eigenvalue gives gradient descent's |1 - lr lam|."),
    ("mixed_roots", "mixed: complex roots for one eigenvalue, real for the other",
     "each eigenvalue has its own 2x2 matrix; the rate is the largest |root| of them all.",
     "Equals the largest |eigenvalue| when one direction is under-damped and one "
     "over-damped."),
]
for name, case, hint, description in CHECKS:
    matches_reference(EXERCISE, TARGET, _cases([case]), name=name, points=1, hint=hint,
                      description=description)
