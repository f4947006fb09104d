"""Checks of exercise ex09_two_loop: ``lbfgs_direction(grad, s_list, y_list)``, the
L-BFGS direction ``-H grad`` by the two-loop recursion.

Independent reference computed in the grader: the BFGS inverse-Hessian matrix built
explicitly from ``H_0 = gamma I`` (``gamma = s.y / y.y`` of the newest pair) by the
update ``H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T`` over the pairs, oldest
first (Nocedal & Wright eq. 6.17, 7.19); the tests check that it equals
:func:`course_lib.second_order.two_loop`. Pairs come from quadratics (``y = A s``) and
from an L-BFGS run on Rosenbrock.
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, leaves_inputs_unmodified, matches_reference
from ..registry import Exercise

EXERCISE = Exercise(
    "ex09_two_loop", "The L-BFGS two-loop recursion",
    functions=("lbfgs_direction",),
    reference_functions=("course_lib.second_order.two_loop",
                         "course_lib.second_order.bfgs_update",
                         "course_lib.second_order.lbfgs"))

FUNC = "lbfgs_direction"


def explicit_bfgs(grad, s_list, y_list, gamma=None):
    """``-H grad`` with ``H`` the BFGS matrix from ``gamma I`` and the pairs."""
    g = np.asarray(grad, dtype=float)
    if not len(s_list):
        return -g
    S = [np.asarray(s, dtype=float) for s in s_list]
    Y = [np.asarray(y, dtype=float) for y in y_list]
    if gamma is None:
        gamma = float(S[-1] @ Y[-1]) / float(Y[-1] @ Y[-1])
    n = len(g)
    H = gamma * np.eye(n)
    for s, y in zip(S, Y):
        rho = 1.0 / float(y @ s)
        V = np.eye(n) - rho * np.outer(s, y)
        H = V @ H @ V.T + rho * np.outer(s, s)
    return -H @ g


def _quadratic_pairs(n, m, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (Q * np.geomspace(0.5, 50.0, n)) @ Q.T
    S = [rng.standard_normal(n) for _ in range(m)]
    return rng.standard_normal(n), S, [A @ s for s in S]


def _rosenbrock_pairs(m=5, steps=12):
    """Curvature pairs of the first ``steps`` L-BFGS iterates on Rosenbrock (dim 6)."""
    from course_lib.problems import Rosenbrock
    from course_lib.second_order import lbfgs
    p = Rosenbrock(dim=6)
    res = lbfgs(p, np.zeros(6), maxiter=steps)
    X = res.params
    G = np.array([p.grad(x) for x in X])
    S, Y = list(np.diff(X, axis=0)[-m:]), list(np.diff(G, axis=0)[-m:])
    return G[-1], S, Y


def _variant(grad, S, Y, *, order="right", gamma="newest", sign=-1.0, swap=False):
    """A wrong two-loop recursion, to recognise common mistakes."""
    if swap:
        S, Y = Y, S
    q = np.array(grad, dtype=float)
    m = len(S)
    rho = [1.0 / float(y @ s) for s, y in zip(S, Y)]
    first = range(m - 1, -1, -1) if order == "right" else range(m)
    second = range(m) if order == "right" else range(m - 1, -1, -1)
    alpha = [0.0] * m
    for i in first:
        alpha[i] = rho[i] * float(S[i] @ q)
        q = q - alpha[i] * Y[i]
    if gamma == "newest":
        gm = float(S[-1] @ Y[-1]) / float(Y[-1] @ Y[-1])
    elif gamma == "oldest":
        gm = float(S[0] @ Y[0]) / float(Y[0] @ Y[0])
    elif gamma == "inverted":
        gm = float(Y[-1] @ Y[-1]) / float(S[-1] @ Y[-1])
    else:
        gm = 1.0
    r = gm * q
    for i in second:
        beta = rho[i] * float(Y[i] @ r)
        r = r + (alpha[i] - beta) * S[i]
    return sign * r


def _m(**kw):
    return lambda case, ref: (_variant(*case.args, **kw) if len(case.args[1]) else None)


MISTAKES = [
    Mistake("the loops run in the wrong order: the first loop goes from the NEWEST pair "
            "to the oldest, the second from the oldest to the newest.", _m(order="wrong")),
    Mistake("the initial scaling is missing: start the second loop from r = gamma q with "
            "gamma = s.y / y.y of the newest pair, not from r = q.", _m(gamma="one")),
    Mistake("gamma is inverted: gamma = s.y / y.y (an inverse-curvature), not y.y / s.y.",
            _m(gamma="inverted")),
    Mistake("gamma must come from the newest pair (s_list[-1], y_list[-1]), not the oldest.",
            _m(gamma="oldest")),
    Mistake("s and y are swapped: that recursion applies the Hessian approximation B, not "
            "its inverse H.", _m(swap=True)),
    Mistake("the sign: return the direction -H grad (a descent direction), not H grad.",
            _m(sign=1.0)),
]

TARGET = Target(FUNC, explicit_bfgs, what="the direction -H grad", mistakes=MISTAKES,
                rtol=1e-8, atol=1e-12)

QUAD_CASES = [Case(*_quadratic_pairs(n, m, seed), label=f"{m} pairs from a quadratic "
                   f"in dimension {n} (y = A s)")
              for n, m, seed in ((3, 1, 0), (5, 3, 1), (8, 6, 2))]
ROSEN_CASE = Case(*_rosenbrock_pairs(), label="the last 5 pairs of an L-BFGS run on "
                                             "Rosenbrock (dim 6)")
g0, S0, Y0 = _quadratic_pairs(4, 3, 5)

matches_reference(
    EXERCISE, TARGET, QUAD_CASES, name="matches_bfgs_matrix", points=2,
    hint="q = grad; for i newest..oldest: a_i = rho_i s_i.q, q -= a_i y_i; r = gamma q; "
         "for i oldest..newest: b = rho_i y_i.r, r += (a_i - b) s_i; return -r.",
    description="Equals -H grad with H the BFGS matrix built from gamma I and the pairs "
                "(1, 3 and 6 pairs from quadratics).")

matches_reference(
    EXERCISE, TARGET, [ROSEN_CASE], name="matches_on_rosenbrock_pairs", points=1,
    hint="the same recursion; the pairs here have very different scales.",
    description="Equals the BFGS direction for pairs from an L-BFGS run on Rosenbrock.")

matches_reference(
    EXERCISE, TARGET, [Case(np.array([1.0, -2.0, 0.5]), [], [],
                            label="no pairs yet (first iteration)")],
    name="empty_history_is_gradient_descent", points=1,
    hint="with no pairs, H_0 = I: return -grad.",
    description="With no pairs the direction is -grad.")

leaves_inputs_unmodified(
    EXERCISE, TARGET, [Case(g0, S0, Y0, label="3 pairs from a quadratic in dimension 4")],
    arguments={0: "grad", 1: "s_list", 2: "y_list"}, name="does_not_modify_inputs",
    points=1, hint="start from q = np.array(grad, dtype=float) (a copy); never change "
                   "grad, s_list or y_list in place.",
    description="grad and the stored pairs are unchanged (and the direction is right).")

matches_reference(
    EXERCISE, TARGET,
    [Case(np.array([1, -2, 3]), [np.array([1, 0, 0]), np.array([1, 2, 1])],
          [np.array([2, 0, 1]), np.array([1, 3, 1])],
          label="integer arrays: grad=[1, -2, 3], two integer pairs")],
    name="accepts_integer_arrays", points=1,
    hint="convert to floats (np.array(grad, dtype=float)); with integer arrays, "
         "q -= a * y fails or truncates and 1 / (y @ s) must stay a float division.",
    description="Works when grad and the pairs are integer arrays (the direction is float).")
