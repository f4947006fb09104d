"""Checks of exercise ex02_classify: ``classify_critical_point(H)``.

A table of Hessians built as ``Q diag(lambda) Q^T`` with a random rotation ``Q``, so
the expected kind comes from the chosen eigenvalues (the construction), not from an
eigen-solver; the course's reference :func:`course_lib.convexity.classify_hessian`
is checked against the same table in the tests. The cases reach the edges of the
spec: zero eigenvalues with and without a sign change, an eigenvalue of 1e-12 next
to 1 (zero after rounding), a small negative one (-1e-3, not zero), scaled matrices.
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Target, matches_reference, rejects_bad_input
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex02_classify", "Classify a critical point from its Hessian",
    functions=("classify_critical_point",),
    reference_functions=("course_lib.convexity.classify_hessian",))

FUNC = "classify_critical_point"
KINDS = ("minimum", "maximum", "saddle", "degenerate")


def rotated(eigs, seed=0):
    """``Q diag(eigs) Q^T`` with ``Q`` orthogonal (QR of a Gaussian matrix)."""
    d = len(eigs)
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    H = Q @ np.diag(np.asarray(eigs, dtype=float)) @ Q.T
    return (H + H.T) / 2


def kind_of(eigs):
    """The kind from the chosen eigenvalues (the exercise's rule, on exact values)."""
    e = np.asarray(eigs, dtype=float)
    zero = 1e-8 * max(1.0, float(np.abs(e).max()))
    if np.any(e > zero) and np.any(e < -zero):
        return "saddle"
    if np.all(e > zero):
        return "minimum"
    if np.all(e < -zero):
        return "maximum"
    return "degenerate"


def _case(H, eigs, label):
    return Case(H, label=label, reference=lambda *a, **k: kind_of(eigs))


def _convert(value):
    if not isinstance(value, str) or value not in KINDS:
        raise CheckFailed(f"expected one of {', '.join(map(repr, KINDS))}, got {value!r}")
    return value


def _judge(value, expected, case):
    if value != expected:
        raise CheckFailed(f"returned {value!r}, expected {expected!r}")


TARGET = Target(FUNC, convert=_convert, judge=_judge, what="the kind")

DIAGONAL = [([2.0, 3.0], "minimum"), ([-1.0, -4.0, -0.5], "maximum"),
            ([1.0, -1.0], "saddle"), ([5.0], "minimum"), ([-2.0], "maximum"),
            ([3.0, 1.0, -2.0, 4.0], "saddle")]
ROTATED = [[1.0, 4.0], [-3.0, -0.2], [2.0, -0.5], [-1.0, -2.0, 3.0], [1.0, -2.0, -3.0],
           [0.5, 1.0, 2.0], [-1.0, -1.0, -3.0], [-4.0, 1.0, 2.0, 3.0]]
ZEROS = [[0.0, 1.0], [0.0, -2.0], [0.0], [0.0, 0.0], [0.0, 1.0, -1.0], [0.0, 2.0, 3.0]]
ROUNDING = [[1e-12, 1.0], [-1e-12, -1.0], [-1e-3, 2.0, 5.0], [1e3, 1e4], [-1e-4, -1e-3],
            [1e6, -1.0], [1e4, 1e-5]]

matches_reference(
    EXERCISE, TARGET,
    [_case(np.diag(e), e, f"H = diag({e})") for e, _ in DIAGONAL],
    name="classifies_diagonal_hessians", points=1,
    hint="all eigenvalues > 0: minimum; all < 0: maximum; both signs: saddle.",
    description="Diagonal Hessians without zero eigenvalues get the right kind.")

matches_reference(
    EXERCISE, TARGET,
    [_case(rotated(e, k), e, f"H = Q diag({e}) Q^T, Q a rotation (seed {k})")
     for k, e in enumerate(ROTATED)],
    name="classifies_rotated_hessians", points=2,
    hint="use the eigenvalues (np.linalg.eigvalsh), not the diagonal entries or the "
         "determinant: they decide only for diagonal or 2 x 2 matrices.",
    description="Non-diagonal Hessians (rotated, 2 to 4 dimensions) get the right kind.")

matches_reference(
    EXERCISE, TARGET,
    [_case(rotated(e, 10 + k), e, f"H = Q diag({e}) Q^T") for k, e in enumerate(ZEROS)],
    name="zero_eigenvalue_is_inconclusive", points=2,
    hint="a zero eigenvalue without a sign change is 'degenerate' (x^4, x^3 and -x^4 "
         "all have f''(0) = 0); with both signs present it is still a 'saddle'.",
    description="Zero eigenvalues: 'degenerate' unless both signs occur ('saddle').")

matches_reference(
    EXERCISE, TARGET,
    [_case(rotated(e, 20 + k), e, f"H = Q diag({e}) Q^T") for k, e in enumerate(ROUNDING)],
    name="tolerance_is_relative", points=1,
    hint="count |lambda| <= 1e-8 * max(1, max |lambda|) as zero: not an exact == 0 "
         "test (rounding leaves 1e-16), not a fixed tolerance such as 1e-3.",
    description="Eigenvalues within 1e-8 * max(1, max |lambda|) of zero count as zero, "
                "and no others (a -1e-3 next to 5 is negative).")

rejects_bad_input(
    EXERCISE, TARGET, [Case(np.ones((2, 3)), label="H of shape (2, 3)"),
                       Case(np.ones(3), label="H of shape (3,)")],
    control=_case(np.diag([1.0, -1.0]), [1.0, -1.0], "H = diag([1, -1])"),
    exception="ValueError", mentions=("H",), name="rejects_non_square", points=1,
    hint="start with: if H.ndim != 2 or H.shape[0] != H.shape[1]: raise "
         "ValueError(f\"H must be square, got shape {H.shape}\")",
    description="A non-square H raises a ValueError whose message names 'H'.")

