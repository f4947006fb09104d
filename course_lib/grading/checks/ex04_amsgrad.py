"""Checks of exercise ex04_amsgrad: ``amsgrad_updates(grads, lr, b1, b2, eps)``, AMSGrad as
torch.optim.Adam(amsgrad=True) computes it (the running maximum of the raw v, then the
bias correction of step t), against ``course_lib.optimizers.adam(amsgrad=True)``.
"""
from __future__ import annotations

import numpy as np

from ..registry import Exercise
from ._ex04 import SHRINKING, mistake, reference_updates, register

EXERCISE = Exercise(
    "ex04_amsgrad", "AMSGrad's maximum", functions=("amsgrad_updates",),
    reference_functions=("course_lib.optimizers.adam",
                         "course_lib.adaptive.updates_from_gradients"))

HYPER = dict(lr=0.01, b1=0.9, b2=0.99, eps=1e-8)


def reference(grads, lr, b1, b2, eps):
    """torch.optim.Adam(amsgrad=True)'s updates (course_lib's recipe)."""
    return reference_updates("adam", grads, lr=lr, betas=(b1, b2), eps=eps, amsgrad=True)


def _variant(grads, lr, b1, b2, eps, *, use_max=True, max_of="v", keep=True):
    m = np.zeros(grads.shape[1])
    v = np.zeros(grads.shape[1])
    vmax = np.zeros(grads.shape[1])
    v_prev = np.zeros(grads.shape[1])
    out = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v_prev, v = v, b2 * v + (1 - b2) * g * g
        c2 = 1 - b2 ** t
        if not use_max:
            den_v = v / c2
        elif max_of == "v_hat":
            vmax = np.maximum(vmax, v / c2)
            den_v = vmax
        elif max_of == "g2":
            vmax = np.maximum(vmax, g * g)
            den_v = vmax
        elif not keep:
            den_v = np.maximum(v_prev, v) / c2
        else:
            vmax = np.maximum(vmax, v)
            den_v = vmax / c2
        out.append(-lr * m / (1 - b1 ** t) / (np.sqrt(den_v) + eps))
    return np.array(out)


MISTAKES = [
    mistake("this is plain Adam: keep v_max = max(v_max, v) and divide by its root.",
            lambda g, **k: _variant(g, **k, use_max=False)),
    mistake("torch keeps the maximum of the raw v and bias-corrects it with step t: "
            "sqrt(v_max / (1 - b2**t)); you took the maximum of the corrected v_hat.",
            lambda g, **k: _variant(g, **k, max_of="v_hat")),
    mistake("the maximum is of the running average v, not of g**2.",
            lambda g, **k: _variant(g, **k, max_of="g2")),
    mistake("v_max must be kept over all steps, not max(v_{t-1}, v_t) of the last two.",
            lambda g, **k: _variant(g, **k, keep=False)),
]

TARGET = register(
    EXERCISE, "amsgrad_updates", reference, MISTAKES, hyper=HYPER, special=SHRINKING,
    special_name="keeps_the_maximum",
    special_hint="when the gradients shrink, v falls but v_max stays: the steps stay "
                 "small; v_max = max(v_max, v) over all steps so far.",
    special_description="Large gradients then small ones: v falls, v_max must not.",
    general_hint="m, v as in Adam; v_max = max(v_max, v); "
                 "u = -lr (m / (1 - b1^t)) / (sqrt(v_max / (1 - b2^t)) + eps).",
    bad=[{"b1": 1.0}, {"b1": -0.1}], bad_names=("b1",))
