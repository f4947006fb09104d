"""Checks of exercise ex04_adam: ``adam_updates(grads, lr, b1, b2, eps)``, Adam's updates
with bias correction for a fixed gradient sequence, against
``course_lib.optimizers.adam`` (equal to torch.optim.Adam, tested in the zoo's registry).
"""
from __future__ import annotations

import numpy as np

from ..registry import Exercise
from ._ex04 import TINY, mistake, reference_updates, register

EXERCISE = Exercise(
    "ex04_adam", "Adam with bias correction", functions=("adam_updates",),
    reference_functions=("course_lib.optimizers.adam",
                         "course_lib.adaptive.updates_from_gradients"))

HYPER = dict(lr=0.01, b1=0.9, b2=0.999, eps=1e-8)


def reference(grads, lr, b1, b2, eps):
    """torch.optim.Adam's updates (course_lib's recipe)."""
    return reference_updates("adam", grads, lr=lr, betas=(b1, b2), eps=eps)


def _variant(grads, lr, b1, b2, eps, *, shift=0, correct_m=True, correct_v=True,
             eps_inside=False):
    """Adam with one thing changed (to recognise a mistake)."""
    m = np.zeros(grads.shape[1])
    v = np.zeros(grads.shape[1])
    out = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        k = t + shift
        m_hat = m / (1 - b1 ** k) if correct_m else m
        v_hat = v / (1 - b2 ** k) if correct_v else v
        den = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        out.append(-lr * m_hat / den)
    return np.array(out)


MISTAKES = [
    mistake("no bias correction: divide m by (1 - b1**t) and v by (1 - b2**t); without "
            "it the first step is (1 - b1) / sqrt(1 - b2) = 3.16 times too large.",
            lambda g, **k: _variant(g, **k, correct_m=False, correct_v=False)),
    mistake("the bias correction's step count is off by one: the first update uses "
            "t = 1 (1 - b1**1 = 1 - b1), so m_hat = g on the first step.",
            lambda g, **k: _variant(g, **k, shift=1)),
    mistake("only m is bias-corrected: v needs v / (1 - b2**t) too.",
            lambda g, **k: _variant(g, **k, correct_v=False)),
    mistake("eps belongs outside the square root: sqrt(v_hat) + eps, as torch.optim.Adam.",
            lambda g, **k: _variant(g, **k, eps_inside=True)),
    mistake("the update is -lr * m_hat / (sqrt(v_hat) + eps): you added it.",
            lambda g, **k: -_variant(g, **k)),
]

TARGET = register(
    EXERCISE, "adam_updates", reference, MISTAKES, hyper=HYPER, special=TINY,
    special_name="eps_outside_the_root",
    special_hint="torch divides by sqrt(v_hat) + eps; with gradients of 1e-6 "
                 "sqrt(v_hat + eps) is about 1e-4 and the step 100 times too small.",
    special_description="Gradients of size 1e-7 to 1e-5, where the place of eps matters "
                        "(sqrt(v_hat) + eps, not sqrt(v_hat + eps)).",
    general_hint="m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, t = 1, 2, ...; "
                 "u = -lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).",
    bad=[{"b2": 1.0}, {"b2": -0.5}], bad_names=("b2",))
