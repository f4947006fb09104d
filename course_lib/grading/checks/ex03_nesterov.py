"""Checks of exercise ex03_nesterov: ``nesterov(grad_fn, x0, lr, momentum, n_steps)`` in
the look-ahead form (Sutskever et al. 2013, eq. 3-4):
``v <- momentum v - lr grad(x + momentum v);  x <- x + v``, returning the iterates x.

Reference, from a different form: torch's ``SGD(nesterov=True)`` (the zoo's ``sgd``)
holds the look-ahead points ``y_t``, and ``x_{t+1} = y_t - lr grad(y_t)``.
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, leaves_inputs_unmodified, matches_reference, \
    rejects_bad_input
from ..registry import Exercise
from ._momentum_cases import CASES, case as _case, walk

EXERCISE = Exercise(
    "ex03_nesterov", "Nesterov momentum, look-ahead form",
    functions=("nesterov",), preload=("course_lib.problems",),
    reference_functions=("course_lib.optimizers.run", "course_lib.optimizers.sgd",
                         "course_lib.optimizers.nesterov_lookahead"))

FUNC = "nesterov"


def reference(spec, x0, lr, momentum, n_steps):
    """``x_0 = x0``, ``x_{t+1} = y_t - lr grad(y_t)`` with ``y_t`` torch-form Nesterov SGD."""
    from course_lib.optimizers import run, sgd
    x0 = np.asarray(x0, dtype=float)
    g = spec.function
    opt = sgd(lr, momentum=momentum, nesterov=True) if momentum > 0 else sgd(lr)
    ys = run(opt, spec.build(), x0, n_steps).params
    return np.vstack([x0] + [y - lr * g(y) for y in ys[:-1]])


def _velocity_walk(case, point, lr_in_v=True):
    spec, x0, lr, mom, n = case.args

    def step(x, g, v):
        v = np.zeros_like(x) if v is None else v
        v = mom * v - (lr if lr_in_v else 1.0) * g(point(x, v, mom))
        return x + v, v
    return walk(spec, x0, n, step)


MISTAKES = [
    Mistake("your gradient is taken at x: that is heavy ball. Nesterov evaluates it at "
            "the look-ahead point x + momentum * v.",
            lambda case, ref: _velocity_walk(case, lambda x, v, m: x)),
    Mistake("the look-ahead point is x + momentum * v (v points where the method is "
            "going), not x - momentum * v.",
            lambda case, ref: _velocity_walk(case, lambda x, v, m: x - m * v)),
]
TARGET = Target(FUNC, reference, what="the returned iterates", row_name="iterate",
                mistakes=MISTAKES)


matches_reference(
    EXERCISE, TARGET, [_case(*c) for c in CASES[:2]], name="matches_nesterov_on_quadratics",
    points=2, hint="v = momentum * v - lr * grad_fn(x + momentum * v); x = x + v.",
    description="Iterates x_t equal Nesterov's (from torch's reformulation) on two "
                "quadratics.")

matches_reference(
    EXERCISE, TARGET, [_case(*c) for c in CASES[2:4]], name="matches_nesterov_nonconvex",
    points=1, hint="the gradient at the look-ahead point x + momentum * v, every step.",
    description="Iterates equal Nesterov's on Rosenbrock and the tilted double well.")

matches_reference(
    EXERCISE, TARGET, [_case(*CASES[4])], name="momentum_zero_is_gd", points=1,
    hint="with momentum = 0 the look-ahead point is x itself: gradient descent.",
    description="With momentum 0 the iterates are gradient descent's.")

leaves_inputs_unmodified(
    EXERCISE, TARGET, [_case(*CASES[0])], arguments={1: "x0"}, name="does_not_modify_x0",
    hint="start from x = np.array(x0, dtype=float) and write x = x + v.",
    description="The caller's x0 is unchanged (and the iterates are right).")

spec0, x00, lr0, mom0, _ = CASES[0]
rejects_bad_input(
    EXERCISE, TARGET, [Case(spec0, x00, lr, mom0, 5, label=f"lr={lr}") for lr in (0.0, -0.5)],
    control=_case(*CASES[0]), mentions=("lr",), name="rejects_nonpositive_lr",
    hint="raise ValueError naming 'lr' when lr <= 0.",
    description="lr <= 0 raises a ValueError naming 'lr'.")
