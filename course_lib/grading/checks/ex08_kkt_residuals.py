"""Checks of exercise ex08_kkt_residuals: ``kkt_residuals(grad_f, G, g, mu)``.

The reference is ``course_lib.constrained.kkt_residuals`` on a quadratic programme
built from the case's arrays (a QP with ``grad f(x) = grad_f`` at ``x = 0`` and
``g(x) = G x + g``), so the four residuals come from the library's problem object,
not from the same four lines as the solution.
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, leaves_inputs_unmodified, \
    matches_reference, rejects_bad_input
from ..registry import Exercise

EXERCISE = Exercise(
    "ex08_kkt_residuals", "The four KKT residuals of a candidate",
    functions=("kkt_residuals",),
    reference_functions=("course_lib.constrained.kkt_residuals",
                         "course_lib.constrained.quadratic_program"))

FUNC = "kkt_residuals"


def reference(grad_f, G, g, mu):
    """The library's residuals at x = 0 of min 1/2||x||^2 + grad_f^T x s.t. G x + g <= 0."""
    from course_lib.constrained import kkt_residuals, quadratic_program
    grad_f = np.asarray(grad_f, dtype=float)
    G = np.atleast_2d(np.asarray(G, dtype=float))
    qp = quadratic_program(np.eye(len(grad_f)), grad_f, G=G, h=-np.asarray(g, dtype=float))
    rep = kkt_residuals(qp, np.zeros(len(grad_f)), mu=np.asarray(mu, dtype=float))
    return np.array([rep.stationarity, rep.primal, rep.dual, rep.complementarity])


def _a(*rows):
    return np.array(rows, dtype=float)


CASES = [
    # (grad_f, G, g, mu): the KKT point of min (x-2)^2 s.t. x - 1 <= 0 (x = 1, mu = 2)
    (_a(-2.0), _a([1.0]), _a(0.0), _a(2.0)),
    # two constraints in 3-d (G not square), one active, one inactive, mu right
    (_a(0.0, -2.0, 2.0), _a([1.0, 0.0, 2.0], [0.0, 1.0, -1.0]), _a(-0.5, 0.0), _a(0.0, 2.0)),
    # infeasible, negative multiplier, slack violated: every residual positive
    (_a(1.0, -2.0, 0.5), _a([1.0, 0.0, 2.0], [0.0, 1.0, -1.0]), _a(0.3, -0.5), _a(-0.4, 1.5)),
    # three constraints in 2-d, complementarity violated by an inactive constraint
    (_a(0.5, 0.5), _a([1.0, 1.0], [-1.0, 0.0], [0.0, -1.0]), _a(-1.0, -0.25, 0.0),
     _a(0.5, 0.0, 0.25)),
    # all constraints inactive, all multipliers zero: stationarity is ||grad f||
    (_a(3.0, -4.0), _a([1.0, 0.0], [0.0, 1.0]), _a(-1.0, -2.0), _a(0.0, 0.0)),
]


def _wrong(case, sign=1.0, primal_clip=True, comp=None, norm=2):
    grad_f, G, g, mu = case.args
    st = np.linalg.norm(grad_f + sign * G.T @ mu, ord=norm)
    pr = np.maximum(g, 0).max() if primal_clip else g.max()
    du = np.maximum(-mu, 0).max()
    co = np.abs(mu * g).max() if comp is None else comp(mu, g)
    return np.array([st, pr, du, co])


MISTAKES = [
    Mistake("stationarity is grad f + G^T mu (the Lagrangian f + mu^T g), not "
            "grad f - G^T mu.", lambda c, r: _wrong(c, sign=-1.0)),
    Mistake("primal feasibility measures violation only: max(g_j, 0), which is 0 "
            "for a feasible point (not max g_j, which is negative there).",
            lambda c, r: _wrong(c, primal_clip=False)),
    Mistake("complementary slackness is max_j |mu_j g_j|: a signed sum mu^T g lets "
            "violations cancel.", lambda c, r: _wrong(c, comp=lambda m, g: abs(m @ g))),
    Mistake("stationarity is the Euclidean norm ||.||_2 of the Lagrangian's gradient.",
            lambda c, r: _wrong(c, norm=np.inf)),
    Mistake("the order is [stationarity, primal, dual, complementarity].",
            lambda c, r: r[[0, 2, 1, 3]]),
]

TARGET = Target(FUNC, reference, what="the residuals [stationarity, primal, dual, "
                "complementarity]", mistakes=MISTAKES)


def _case(*args):
    return Case(*args)


matches_reference(
    EXERCISE, TARGET, [_case(*c) for c in CASES[:2]], name="zero_at_kkt_points", points=1,
    hint="at a KKT point every residual is 0: check the sign of G^T mu in stationarity.",
    description="All four residuals vanish at two KKT points (one with a non-square G).")

matches_reference(
    EXERCISE, TARGET, [_case(*c) for c in CASES[2:]], name="residuals_of_bad_candidates",
    points=2, hint="stationarity ||grad_f + G^T mu||_2, primal max(g, 0), dual max(-mu, "
                   "0), complementarity max |mu g|.",
    description="The residuals equal the library's on candidates that violate each "
                "condition.")

leaves_inputs_unmodified(
    EXERCISE, TARGET, [_case(*CASES[2])], arguments={2: "g", 3: "mu"},
    name="does_not_modify_inputs", points=1,
    hint="compute np.maximum(g, 0) into a new array; do not clip g or mu in place.",
    description="g and mu are unchanged after the call (and the residuals are right).")

rejects_bad_input(
    EXERCISE, TARGET, [Case(CASES[1][0], CASES[1][1], CASES[1][2], np.array([1.0]),
                            label="mu of shape (1,) for p = 2 constraints")],
    control=_case(*CASES[1]), exception="ValueError", mentions=("mu",),
    name="rejects_wrong_mu_shape", points=1,
    hint="if mu.shape != g.shape: raise ValueError(f\"mu must have shape {g.shape}...\")",
    description="A mu whose shape is not g's raises a ValueError naming 'mu'.")

matches_reference(
    EXERCISE, TARGET, [Case([-2], [[1]], [0], [2], label="kkt_residuals([-2], [[1]], [0], [2]) "
                                                       "(lists of ints)")],
    name="accepts_lists", points=1,
    hint="convert every argument first: np.asarray(grad_f, dtype=float), ...",
    description="Works when the arguments are (nested) lists of ints.")
