"""What the three chapter-04 exercises share: the learner writes
``<name>_updates(grads, lr, ...)``, the updates ``u_t = x_t - x_{t-1}`` an optimizer makes
for a fixed gradient sequence (one row per step), and the reference is the same
optimizer of ``course_lib.optimizers`` (itself equal to torch.optim, tested) fed with the
same gradients by :func:`course_lib.adaptive.updates_from_gradients`.

Each exercise gets five checks: the answer's shape, the general cases, the cases where
its particular detail shows (tiny gradients for eps, shrinking gradients for the max), the
caller's gradients unchanged, and a hyper-parameter outside its range rejected.
"""
from __future__ import annotations

import numpy as np

from ..compare import as_array
from ..factories import (Case, Mistake, Target, leaves_inputs_unmodified, matches_reference,
                         rejects_bad_input, satisfies)
from ..registry import CheckFailed

_RNG = np.random.default_rng(404)

#: gradient sequences of ordinary size (the eps placement changes them by < 1e-8)
GENERAL = [
    np.array([[1.0, -2.0]]),                                    # one step
    _RNG.normal(size=(6, 3)),
    _RNG.normal(size=(25, 2)) * np.array([0.5, 20.0]),          # two gradient scales
    np.tile([[3.0, -0.5, 1.0]], (8, 1)),                        # a constant gradient
]
#: gradients of size 1e-7 .. 1e-5, where eps = 1e-8 next to sqrt(v) is not negligible
TINY = [_RNG.normal(size=(5, 3)) * 1e-6, np.array([[2e-7], [-1e-7], [4e-7]])]
#: large gradients followed by small ones: the running average of g^2 shrinks
SHRINKING = [np.vstack([np.full((3, 2), 5.0), np.full((10, 2), 0.1)]),
             np.vstack([_RNG.normal(size=(4, 3)) * 4, _RNG.normal(size=(12, 3)) * 0.2])]


def reference_updates(recipe_name, grads, **hyper):
    """``course_lib.adaptive.updates_from_gradients(optimizers.<recipe_name>(**hyper),
    grads)``: the trusted updates."""
    from course_lib import optimizers
    from course_lib.adaptive import updates_from_gradients
    return updates_from_gradients(getattr(optimizers, recipe_name)(**hyper),
                                  np.asarray(grads, dtype=float))[0]


def _is_update_array(value, case):
    grads = np.asarray(case.args[0])
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"expected a numpy array, got a {type(value).__name__}; convert "
                          "the list of updates with np.array(...) before returning it.")
    arr = as_array(value, "the returned updates")
    if arr.shape != grads.shape:
        raise CheckFailed(f"expected shape {grads.shape} (one row per gradient), got "
                          f"{arr.shape}")


def register(exercise, func, reference, mistakes, *, hyper, special, special_name,
             special_hint, special_description, general_hint, bad, bad_names):
    """The five checks. ``reference(grads, **hyper)``; ``hyper`` the hyper-parameters of
    every case; ``special`` the gradient sequences of the special check; ``bad`` the
    keyword arguments of the rejected calls (their message must name ``bad_names``)."""
    target = Target(func, reference, what="the returned updates", row_name="update",
                    mistakes=mistakes)

    def case(g, **kw):
        kw = {**hyper, **kw}
        return Case(g, **kw, label=f"{func}(grads of shape {g.shape}, "
                                   + ", ".join(f"{k}={v:g}" for k, v in kw.items()) + ")")

    satisfies(exercise, target, [case(g) for g in GENERAL[:2]], [_is_update_array],
              name="returns_one_update_per_gradient", points=1,
              hint="return np.array of the updates, one row u_t = x_t - x_{t-1} per "
                   "gradient row, same shape as grads.",
              description="Returns a numpy array of the shape of grads (with the right "
                          "values on a one-step and a six-step sequence).")
    matches_reference(exercise, target, [case(g) for g in GENERAL], name="matches_torch",
                      points=2, hint=general_hint,
                      description=f"The updates equal torch.optim's on {len(GENERAL)} "
                                  "gradient sequences (one step, random, two scales, "
                                  "constant).")
    matches_reference(exercise, target, [case(g) for g in special], name=special_name,
                      points=1, hint=special_hint, description=special_description)
    leaves_inputs_unmodified(exercise, target, [case(GENERAL[1])], arguments={0: "grads"},
                             name="does_not_modify_grads", points=1,
                             hint="work on new arrays (m = b1 * m + (1 - b1) * g), never "
                                  "in place on the caller's grads.",
                             description="The caller's grads are unchanged after the call.")
    rejects_bad_input(exercise, target, [Case(GENERAL[0], **{**hyper, **kw},
                                              label=f"{kw}") for kw in bad],
                      control=case(GENERAL[1]), exception="ValueError",
                      mentions=bad_names, name="rejects_bad_hyper_parameters", points=1,
                      hint="check the hyper-parameters first and raise ValueError naming "
                           "the argument, e.g. f\"b2 must be in [0, 1), got {b2}\".",
                      description="Hyper-parameters outside torch's ranges raise a "
                                  "ValueError naming the argument.")
    return target


def mistake(hint, fn):
    """A :class:`Mistake` whose wrong answer is ``fn(grads, **kwargs)``."""
    return Mistake(hint, lambda case, ref: fn(np.asarray(case.args[0], dtype=float),
                                              **case.kwargs))
