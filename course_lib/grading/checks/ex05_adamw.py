"""Checks of exercise ex05_adamw: ``adamw(grad_fn, x0, lr, n_steps, b1, b2, eps,
weight_decay)``, torch.optim.AdamW's update with a constant learning rate.

Reference: ``course_lib.optimizers.adamw`` run by ``course_lib.optimizers.run`` (the
zoo's recipe, which the registry tests prove equal to ``torch.optim.AdamW``). Known
mistakes are recognised by running the wrong recipe, also built from course_lib
transforms: Adam with L2 (the decay before the moments), the paper's decay without
``lr``, no decay at all.
"""
from __future__ import annotations

import numpy as np

from ..compare import fmt
from ..factories import Case, Mistake, Target, leaves_inputs_unmodified, matches_reference, \
    rejects_bad_input
from ..specs import FunctionSpec
from ..registry import Exercise

EXERCISE = Exercise(
    "ex05_adamw", "AdamW: decoupled weight decay",
    functions=("adamw",), preload=("course_lib.problems",),
    reference_functions=("course_lib.optimizers.adamw", "course_lib.optimizers.adam",
                         "course_lib.optimizers.run"))

FUNC = "adamw"


def _grad(problem, kwargs=None, constructor=None):
    return FunctionSpec(problem, "grad", kwargs, constructor, name="grad_fn")


QUAD = _grad("Quadratic", {"eigs": np.array([0.1, 1.0, 10.0]), "rotation": 2,
                           "x_star": np.array([1.0, -2.0, 0.5])}, "from_eigenvalues")
# (spec, x0, lr, n_steps, kwargs)
CASES = [
    (QUAD, np.array([2.0, 1.0, -1.0]), 0.05, 25, {"weight_decay": 0.1}),
    (QUAD, np.array([2.0, 1.0, -1.0]), 0.1, 15, {"weight_decay": 0.5, "b1": 0.5,
                                                 "b2": 0.9, "eps": 1e-3}),
    (_grad("Rosenbrock"), np.array([-1.2, 1.0]), 0.01, 30, {"weight_decay": 0.01}),
    # x0 = x*: the first gradient is 0, so step 1 is pure decay (0 / (0 + eps) = 0)
    (_grad("Quadratic", {"eigs": np.array([1.0, 3.0]), "x_star": np.array([1.0, -2.0])},
           "from_eigenvalues"), np.array([1.0, -2.0]), 0.1, 5, {"weight_decay": 0.2}),
    (QUAD, np.array([2.0, 1.0, -1.0]), 0.05, 10, {"weight_decay": 0.0}),
]


def _kw(kwargs):
    return (kwargs.get("b1", 0.9), kwargs.get("b2", 0.999), kwargs.get("eps", 1e-8),
            kwargs.get("weight_decay", 0.01))


def _run(opt, spec, x0, n_steps):
    from course_lib.optimizers import run
    return run(opt, spec.build(), np.asarray(x0, dtype=float), n_steps).params


def reference(spec, x0, lr, n_steps, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01):
    """Rows of ``run(adamw(lr, (b1, b2), eps, weight_decay), ...)``."""
    from course_lib.optimizers import adamw
    return _run(adamw(lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay), spec, x0,
                n_steps)


def _adam_l2(case, ref):
    from course_lib.optimizers import adam
    spec, x0, lr, n = case.args
    b1, b2, eps, wd = _kw(case.kwargs)
    return _run(adam(lr, betas=(b1, b2), eps=eps, weight_decay=wd), spec, x0, n)


def _decay_without_lr(case, ref):
    from course_lib.optimizers import adamw
    spec, x0, lr, n = case.args
    b1, b2, eps, wd = _kw(case.kwargs)
    return _run(adamw(lr, betas=(b1, b2), eps=eps, weight_decay=wd / lr), spec, x0, n)


def _no_decay(case, ref):
    from course_lib.optimizers import adamw
    spec, x0, lr, n = case.args
    b1, b2, eps, _ = _kw(case.kwargs)
    return _run(adamw(lr, betas=(b1, b2), eps=eps, weight_decay=0.0), spec, x0, n)


MISTAKES = [
    Mistake("you added weight_decay * x to the gradient before the moments: that is Adam "
            "with L2 (torch.optim.Adam(weight_decay=...)), not AdamW. Decay the weights "
            "directly: x <- (1 - lr * weight_decay) * x.", _adam_l2),
    Mistake("your decay is x <- (1 - weight_decay) x: torch's AdamW multiplies it by lr, "
            "x <- (1 - lr * weight_decay) x.", _decay_without_lr),
    Mistake("your iterates do not decay at all: apply x <- (1 - lr * weight_decay) x "
            "every step.", _no_decay),
    Mistake("row 0 must be x0 itself, then one row per step.", lambda case, ref: ref[1:]),
]

TARGET = Target(FUNC, reference, what="the returned iterates", row_name="iterate",
                mistakes=MISTAKES)


def _case(spec, x0, lr, n, kwargs):
    return Case(spec, x0, lr, n, label=f"{spec.describe()}, x0={fmt(x0)}, lr={lr}, "
                                       f"n_steps={n}, {kwargs}", **kwargs)


matches_reference(
    EXERCISE, TARGET, [_case(*c) for c in CASES[:2] + CASES[4:]],
    name="matches_torch_adamw_on_a_quadratic", points=2,
    hint="decay first, x <- (1 - lr wd) x, then the Adam step with m_hat / (sqrt(v_hat) "
         "+ eps), bias corrections 1 - b^t with t = 1 on the first step.",
    description="Iterates equal torch.optim.AdamW's (course_lib's recipe) on an "
                "ill-conditioned quadratic, with default and non-default betas, eps and "
                "weight decay, and without decay.")

matches_reference(
    EXERCISE, TARGET, [_case(*CASES[2])],
    name="matches_torch_adamw_on_rosenbrock", points=1,
    hint="the gradient is evaluated at the iterate before the step (before the decay).",
    description="Iterates equal torch.optim.AdamW's on Rosenbrock.")

matches_reference(
    EXERCISE, TARGET, [_case(*CASES[3])],
    name="pure_decay_at_zero_gradient", points=1,
    hint="with g = 0 the step is x <- (1 - lr wd) x: m = v = 0 must not give 0 / 0 "
         "(eps is added after the square root).",
    description="From a minimizer (first gradient 0) the first step is pure decay and the "
                "iterates equal the reference.")

leaves_inputs_unmodified(
    EXERCISE, TARGET, [_case(*CASES[0])], arguments={1: "x0"}, name="does_not_modify_x0",
    points=1, hint="start from x = np.array(x0, dtype=float) and write x = x * (...).")

rejects_bad_input(
    EXERCISE, TARGET, [Case(QUAD, CASES[0][1], 0.05, 5, weight_decay=-0.1,
                            label="weight_decay=-0.1")],
    control=_case(*CASES[0]), exception="ValueError", mentions=("weight_decay",),
    name="rejects_negative_weight_decay", points=1,
    hint="if weight_decay < 0: raise ValueError(f\"weight_decay must be >= 0, got "
         "{weight_decay}\")")
