"""Checks of exercise ex02_constants: ``curvature_constants(A) -> (mu, L)``.

The reference is computed here two independent ways from the learner's: ``mu`` by
``scipy.linalg.eigh`` and ``L`` by the spectral norm ``numpy.linalg.norm(A, 2)``
(an SVD). Cases: positive definite, indefinite (where ``L != lambda_max``),
negative definite, singular, and the Hessians of the course's problems
(least squares, Rosenbrock at its minimum and at a non-convex point).
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, matches_reference, rejects_bad_input
from ..registry import Exercise

EXERCISE = Exercise(
    "ex02_constants", "Strong-convexity and smoothness constants of a quadratic",
    functions=("curvature_constants",),
    reference_functions=("course_lib.convexity.curvature_constants",
                         "course_lib.convexity.hessian_constants"))

FUNC = "curvature_constants"


def reference(A):
    """``(lambda_min by scipy.linalg.eigh, ||A||_2 by SVD)``."""
    from scipy.linalg import eigh
    A = np.asarray(A, dtype=float)
    return np.array([eigh(A, eigvals_only=True)[0], np.linalg.norm(A, 2)])


def _eig(case):
    return np.linalg.eigvalsh(np.asarray(case.args[0], dtype=float))


MISTAKES = [
    Mistake("L is the largest |eigenvalue| (the spectral norm), not lambda_max: for an "
            "indefinite A the most negative eigenvalue can be larger in size.",
            lambda case, ref: np.array([ref[0], _eig(case)[-1]])),
    Mistake("mu is lambda_min itself, which is negative for an indefinite A: do not clip "
            "it at 0 or take its absolute value.",
            lambda case, ref: np.array([max(ref[0], 0.0), ref[1]])),
    Mistake("mu is lambda_min itself, not the smallest |eigenvalue|.",
            lambda case, ref: np.array([np.abs(_eig(case)).min(), ref[1]])),
    Mistake("the Frobenius norm is not the spectral norm: L = max |lambda|.",
            lambda case, ref: np.array([ref[0], np.linalg.norm(case.args[0])])),
    Mistake("the diagonal entries are not the eigenvalues (unless A is diagonal).",
            lambda case, ref: np.array([np.diag(case.args[0]).min(),
                                        np.abs(np.diag(case.args[0])).max()])),
]

TARGET = Target(FUNC, reference, what="(mu, L)", rtol=1e-9, atol=1e-12, mistakes=MISTAKES)


def _rot(eigs, seed):
    d = len(eigs)
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    A = Q @ np.diag(eigs) @ Q.T
    return (A + A.T) / 2


def _case(A, label):
    return Case(np.asarray(A, dtype=float), label=label)


SPD = [_case([[3.0, 1.0], [1.0, 2.0]], "A = [[3, 1], [1, 2]]"),
       _case(np.diag([0.5, 4.0, 10.0]), "A = diag(0.5, 4, 10)"),
       _case(_rot([1.0, 2.0, 5.0, 50.0], 1), "A = Q diag(1, 2, 5, 50) Q^T"),
       _case([[7.0]], "A = [[7]]")]
INDEFINITE = [_case(_rot([-5.0, 1.0, 2.0], 2), "A = Q diag(-5, 1, 2) Q^T"),
              _case([[1.0, 3.0], [3.0, 1.0]], "A = [[1, 3], [3, 1]] (eigenvalues -2, 4)"),
              _case(np.diag([-1.0, -3.0]), "A = diag(-1, -3)"),
              _case(_rot([-0.5, 0.0, 0.25], 3), "A = Q diag(-0.5, 0, 0.25) Q^T")]


def _problem_hessians():
    from course_lib.problems import LinearRegression, Rosenbrock
    lr = LinearRegression(n_samples=30, n_features=4, seed=0)
    r = Rosenbrock()
    return [_case(lr.hessian(np.zeros(4)), "the Hessian of LinearRegression(n_samples=30, "
                                           "n_features=4, seed=0)"),
            _case(r.hessian(np.array([1.0, 1.0])), "Rosenbrock's Hessian at (1, 1)"),
            _case(r.hessian(np.array([0.0, 1.0])), "Rosenbrock's Hessian at (0, 1)"),
            _case(np.zeros((2, 2)), "A = 0 (2 x 2)")]


matches_reference(
    EXERCISE, TARGET, SPD, name="positive_definite", points=2,
    hint="mu = smallest eigenvalue, L = largest |eigenvalue| (np.linalg.eigvalsh).",
    description="(mu, L) of positive definite matrices (1 to 4 dimensions).")

matches_reference(
    EXERCISE, TARGET, INDEFINITE, name="indefinite_and_negative", points=2,
    hint="for an indefinite A, mu < 0 and L = max |lambda| = ||A||_2, which may be "
         "-lambda_min.",
    description="(mu, L) of indefinite and negative definite matrices: mu < 0 and "
                "L = max |lambda|.")

matches_reference(
    EXERCISE, TARGET, _problem_hessians(), name="problem_hessians", points=1,
    hint="the Hessian is an ordinary symmetric matrix: the same two numbers.",
    description="(mu, L) of the course's Hessians: least squares, Rosenbrock at its "
                "minimum and at a non-convex point, and the zero matrix.")

rejects_bad_input(
    EXERCISE, TARGET, [Case(np.array([[1.0, 2.0], [0.0, 1.0]]), label="A = [[1, 2], [0, 1]]"),
                       Case(np.ones((2, 3)), label="A of shape (2, 3)")],
    control=SPD[0], exception="ValueError", mentions=("A",), name="rejects_nonsymmetric",
    points=1,
    hint="check np.allclose(A, A.T) (and that A is square) and raise "
         "ValueError(\"A must be symmetric ...\").",
    description="A non-symmetric or non-square A raises a ValueError whose message names "
                "'A'.")

matches_reference(
    EXERCISE, TARGET, [Case([[2, 1], [1, 2]], label="A = [[2, 1], [1, 2]] (a list of ints)"),
                       Case([[-3]], label="A = [[-3]] (a list)")],
    name="accepts_lists", points=1,
    hint="convert first: A = np.asarray(A, dtype=float) (a list has no .T or .shape).",
    description="Works when A is a nested list of ints (the constants are floats).")
