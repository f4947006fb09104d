"""Checks of exercise ex04_rmsprop: ``rmsprop_updates(grads, lr, alpha, eps)``, RMSprop as
torch.optim.RMSprop computes it (eps outside the root, no bias correction), against
``course_lib.optimizers.rmsprop``.
"""
from __future__ import annotations

import numpy as np

from ..registry import Exercise
from ._ex04 import TINY, mistake, reference_updates, register

EXERCISE = Exercise(
    "ex04_rmsprop", "RMSprop as torch computes it", functions=("rmsprop_updates",),
    reference_functions=("course_lib.optimizers.rmsprop",
                         "course_lib.adaptive.updates_from_gradients"))

HYPER = dict(lr=0.01, alpha=0.99, eps=1e-8)


def reference(grads, lr, alpha, eps):
    """torch.optim.RMSprop's updates (course_lib's recipe)."""
    return reference_updates("rmsprop", grads, lr=lr, alpha=alpha, eps=eps)


def _variant(grads, lr, alpha, eps, *, eps_inside=False, correct=False, swap=False,
             accumulate=False, root=True):
    v = np.zeros(grads.shape[1])
    out = []
    for t, g in enumerate(grads, start=1):
        if accumulate:
            v = v + g * g
        elif swap:
            v = (1 - alpha) * v + alpha * g * g
        else:
            v = alpha * v + (1 - alpha) * g * g
        vv = v / (1 - alpha ** t) if correct else v
        s = vv if not root else np.sqrt(vv + eps) if eps_inside else np.sqrt(vv)
        out.append(-lr * g / (s + (0 if eps_inside else eps)))
    return np.array(out)


MISTAKES = [
    mistake("torch adds eps outside the root: sqrt(v) + eps (the seed writes sqrt(v + eps)).",
            lambda g, **k: _variant(g, **k, eps_inside=True)),
    mistake("torch's RMSprop has no bias correction: divide by sqrt(v) + eps with the raw v.",
            lambda g, **k: _variant(g, **k, correct=True)),
    mistake("alpha weighs the old average: v = alpha v + (1 - alpha) g^2.",
            lambda g, **k: _variant(g, **k, swap=True)),
    mistake("this is AdaGrad (v = v + g^2): RMSprop keeps a running average.",
            lambda g, **k: _variant(g, **k, accumulate=True)),
    mistake("divide by the square root of v (the root mean square), not by v.",
            lambda g, **k: _variant(g, **k, root=False)),
]

TARGET = register(
    EXERCISE, "rmsprop_updates", reference, MISTAKES, hyper=HYPER, special=TINY,
    special_name="eps_outside_the_root",
    special_hint="torch divides by sqrt(v) + eps; with gradients of 1e-6, "
                 "sqrt(v + eps) is about 1e-4 and the step far too small.",
    special_description="Gradients of size 1e-7 to 1e-5, where the place of eps matters.",
    general_hint="v = alpha v + (1 - alpha) g^2 (v starts at 0); u = -lr g / (sqrt(v) + eps).",
    bad=[{"alpha": -0.1}, {"alpha": -2.0}], bad_names=("alpha",))
