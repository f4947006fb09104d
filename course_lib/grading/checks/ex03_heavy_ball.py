"""Checks of exercise ex03_heavy_ball: ``heavy_ball(grad_fn, x0, lr, momentum, n_steps)``
in torch's form ``b <- momentum b + g;  x <- x - lr b``.

Reference: ``course_lib.optimizers.run(sgd(lr, momentum=momentum), ...)``, the zoo's
SGD, which tests/test_optim_registry.py compares with ``torch.optim.SGD``.
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, leaves_inputs_unmodified, matches_reference, \
    rejects_bad_input
from ..registry import Exercise
from ._momentum_cases import CASES, case as _case, walk

EXERCISE = Exercise(
    "ex03_heavy_ball", "Heavy ball in torch's form",
    functions=("heavy_ball",), preload=("course_lib.problems",),
    reference_functions=("course_lib.optimizers.run", "course_lib.optimizers.sgd"))

FUNC = "heavy_ball"


def reference(spec, x0, lr, momentum, n_steps):
    """Rows ``x_0..x_n`` of the zoo's ``sgd(lr, momentum)`` (torch.optim.SGD's rule)."""
    from course_lib.optimizers import run, sgd
    return run(sgd(lr, momentum=momentum), spec.build(), np.asarray(x0, dtype=float),
               n_steps).params


def _ema(case, ref):
    spec, x0, lr, mom, n = case.args

    def step(x, g, m):
        m = (1 - mom) * g(x) if m is None else mom * m + (1 - mom) * g(x)
        return x - lr * m, m
    return walk(spec, x0, n, step)


def _gd(case, ref):
    spec, x0, lr, _, n = case.args
    return walk(spec, x0, n, lambda x, g, s: (x - lr * g(x), None))


def _old_buffer(case, ref):
    spec, x0, lr, mom, n = case.args

    def step(x, g, b):
        b = np.zeros_like(x) if b is None else b
        return x - lr * b, mom * b + g(x)
    return walk(spec, x0, n, step)


MISTAKES = [
    Mistake("this is the moving-average form m <- momentum m + (1 - momentum) g: torch's "
            "buffer adds the whole gradient, b <- momentum b + g.", _ema),
    Mistake("your iterates are plain gradient descent: the step must use the buffer b, "
            "not the gradient alone.", _gd),
    Mistake("you stepped with the buffer of the previous step: update b <- momentum b + g "
            "first, then x <- x - lr b.", _old_buffer),
]
TARGET = Target(FUNC, reference, what="the returned iterates", row_name="iterate",
                mistakes=MISTAKES)


matches_reference(
    EXERCISE, TARGET, [_case(*c) for c in CASES[:2]], name="matches_sgd_on_quadratics",
    points=2, hint="b = momentum * b + g (b = 0 at the start), then x = x - lr * b.",
    description="Iterates equal torch-form SGD with momentum on two quadratics.")

matches_reference(
    EXERCISE, TARGET, [_case(*c) for c in CASES[2:4]], name="matches_sgd_nonconvex",
    points=1, hint="evaluate grad_fn at the current iterate in every step.",
    description="Iterates equal torch-form SGD with momentum on Rosenbrock and the tilted "
                "double well.")

matches_reference(
    EXERCISE, TARGET, [_case(*CASES[4])], name="momentum_zero_is_gd", points=1,
    hint="with momentum = 0 the buffer is the gradient and the method is gradient descent.",
    description="With momentum 0 the iterates are gradient descent's.")

leaves_inputs_unmodified(
    EXERCISE, TARGET, [_case(*CASES[0])], arguments={1: "x0"}, name="does_not_modify_x0",
    hint="start from x = np.array(x0, dtype=float) and write x = x - lr * b.",
    description="The caller's x0 is unchanged (and the iterates are right).")

spec0, x00, lr0, mom0, _ = CASES[0]
rejects_bad_input(
    EXERCISE, TARGET, [Case(spec0, x00, lr0, m, 5, label=f"momentum={m}") for m in (-0.1, 1.0)],
    control=_case(*CASES[0]), mentions=("momentum",), name="rejects_bad_momentum",
    hint="momentum must lie in [0, 1): raise ValueError naming 'momentum' otherwise.",
    description="momentum outside [0, 1) raises a ValueError naming 'momentum'.")
