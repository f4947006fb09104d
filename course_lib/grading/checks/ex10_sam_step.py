"""Checks of exercise ex10_sam_step: ``sam_step(grad, w, lr, rho)``, one step of
sharpness-aware minimisation with plain gradient descent as the base step.

The reference is the closed form of Foret et al. (eq. 2, Algorithm 1) that
:class:`course_lib.sam.SAM` (a ``torch.optim.Optimizer``) computes; tests/test_sam.py
checks the optimizer against that closed form and against hand computations with torch
autograd. ``grad`` is evaluated by the grader, so its calls are counted.
"""
from __future__ import annotations

import numpy as np

from ..factories import (Case, Mistake, Target, counts_calls, leaves_inputs_unmodified,
                         matches_reference)
from ..registry import Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex10_sam_step", "One step of sharpness-aware minimisation (SAM)",
    functions=("sam_step",), reference_functions=("course_lib.sam.SAM",))

FUNC = "sam_step"


def reference(grad, w, lr, rho):
    """Foret et al.'s step in closed form, ``w - lr grad(w + rho g / (||g|| + 1e-12))``:
    what :class:`course_lib.sam.SAM` computes (tests/test_sam.py checks the two agree);
    written here so that grading does not import torch."""
    g = grad.build().grad
    w = np.asarray(w, dtype=float)
    gw = np.asarray(g(w), dtype=float)
    return w - lr * np.asarray(g(w + rho * gw / (np.linalg.norm(gw) + 1e-12)), dtype=float)


def _mistake(rule):
    def compute(case, expected):
        g = case.args[0].build().grad
        w, lr, rho = np.asarray(case.args[1], float), case.args[2], case.args[3]
        return rule(g, w, lr, rho)
    return compute


def _unit(v):
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


MISTAKES = [
    Mistake("the perturbation is rho * g / ||g||: a step of length rho, whatever the size "
            "of the gradient. You left out the division by ||g||.",
            _mistake(lambda g, w, lr, rho: w - lr * g(w + rho * g(w)))),
    Mistake("SAM climbs first: e = +rho g / ||g|| (towards higher loss), then descends with "
            "the gradient taken there.",
            _mistake(lambda g, w, lr, rho: w - lr * g(w - rho * _unit(g(w))))),
    Mistake("the step starts from w, not from the perturbed point: w_new = w - lr g(w + e).",
            _mistake(lambda g, w, lr, rho: w + rho * _unit(g(w))
                     - lr * g(w + rho * _unit(g(w))))),
    Mistake("use the gradient at the perturbed point w + e for the step, not g(w) (that is "
            "plain gradient descent).", _mistake(lambda g, w, lr, rho: w - lr * g(w))),
    Mistake("e = rho g / ||g|| with the Euclidean norm of the whole gradient, not "
            "rho * sign(g) (one entry at a time).",
            _mistake(lambda g, w, lr, rho: w - lr * g(w + rho * np.sign(g(w))))),
]

TARGET = Target(FUNC, reference, what="w after the SAM step", mistakes=MISTAKES,
                rtol=1e-10, atol=1e-12)


def _g(problem, constructor=None, **kw):
    return FunctionSpec(problem, "grad", kw, constructor, name="grad")


Q = _g("Quadratic", A=np.array([[3.0, 1.0], [1.0, 2.0]]))
CASES = [
    Case(Q, np.array([1.0, -2.0]), 0.1, 0.3, label="a 2-d quadratic from (1, -2), lr=0.1, "
                                                    "rho=0.3"),
    Case(_g("Rosenbrock"), np.array([-1.2, 1.0]), 1e-3, 0.05,
         label="Rosenbrock from (-1.2, 1), lr=1e-3, rho=0.05"),
    Case(_g("Quadratic", "from_eigenvalues", eigs=np.array([1.0, 4.0, 10.0]), rotation=3),
         np.array([0.5, -1.0, 2.0]), 0.05, 1.0,
         label="a rotated 3-d quadratic (eigenvalues 1, 4, 10), lr=0.05, rho=1"),
]
ZERO_GRAD = [Case(Q, np.array([0.5, 0.5]), 0.1, 0.3, label="the quadratic from (0.5, 0.5)"),
             Case(Q, np.array([0.0, 0.0]), 0.1, 0.3,
                  label="at the minimum (gradient 0): the step must stay at w, not NaN")]
ZERO_RHO = [Case(_g("Rosenbrock"), np.array([0.5, 0.5]), 1e-3, 0.0,
                 label="rho = 0: plain gradient descent")]

matches_reference(EXERCISE, TARGET, CASES, name="matches_sam", points=3,
                  hint="g = grad(w); e = rho * g / ||g||; return w - lr * grad(w + e).",
                  description="w - lr * grad(w + rho g / ||g||) on quadratics and "
                              "Rosenbrock's function.")
matches_reference(EXERCISE, TARGET, ZERO_GRAD, name="zero_gradient_stays_put", points=1,
                  hint="divide by ||g|| + 1e-12 (as course_lib.sam.SAM does), so that a "
                       "zero gradient gives e = 0, not 0 / 0.",
                  description="Away from the minimum the step is SAM's; at a zero gradient it "
                              "stays at w (no NaN).")
matches_reference(EXERCISE, TARGET, ZERO_RHO, name="rho_zero_is_gradient_descent", points=1,
                  hint="with rho = 0 the perturbation vanishes: w - lr * grad(w).",
                  description="rho = 0 gives the gradient-descent step.")
counts_calls(EXERCISE, TARGET, [CASES[1]], counter="grad", allowed=lambda case: (2, 2),
             unit="gradient evaluations (at w and at w + e)", name="two_gradients_per_step",
             points=1, hint="call grad once at w and once at w + e, and reuse g.",
             description="Calls grad exactly twice (and the step is right).")
leaves_inputs_unmodified(EXERCISE, TARGET, [CASES[0]], name="does_not_modify_w",
                         arguments={1: "w"}, points=1,
                         hint="return a new array (w - lr * g2), do not write w -= ... "
                              "into the caller's array.")
