"""Checks of exercise ex07_accumulation: ``accumulated_gradient(grad_fn, w, micro_batches)``.

Reference: the gradient of the mean loss over the union of the micro-batches, computed
in one call, ``LinearRegression.grad(w, concatenate(micro_batches))`` (and
``course_lib.clipping.accumulate_gradients``, tested against torch's
``(loss / K).backward()`` in tests/test_clipping.py).
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, counts_calls, leaves_inputs_unmodified, \
    matches_reference
from ..registry import Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex07_accumulation", "Gradient accumulation over micro-batches",
    functions=("accumulated_gradient",), preload=("course_lib.problems",),
    reference_functions=("course_lib.clipping.accumulate_gradients",
                         "course_lib.problems.LinearRegression.grad"))

FUNC = "accumulated_gradient"
PROBLEM = {"n_samples": 48, "n_features": 4, "noise": 0.5, "seed": 3}
SPEC = FunctionSpec("LinearRegression", "grad", PROBLEM, name="grad_fn")
W = np.array([0.5, -1.0, 2.0, 0.1])


def reference(spec, w, micro_batches):
    return spec.build().grad(np.asarray(w, float), np.concatenate(micro_batches))


def _grads(case):
    spec, w, batches = case.args
    p = spec.build()
    return [p.grad(np.asarray(w, float), b) for b in batches]


MISTAKES = [
    Mistake("you summed the micro-batch means: divide by K (or weight each by n_k / N), "
            "as (loss / K).backward() does in torch.", lambda c, ref: sum(_grads(c))),
    Mistake("weight each micro-batch by its size n_k / N: a plain mean of the means is "
            "wrong when the micro-batches differ in size.",
            lambda c, ref: np.mean(_grads(c), axis=0)),
    Mistake("grad_fn already returns a mean: sum_k (n_k / N) g_k, not sum_k g_k / N.",
            lambda c, ref: sum(_grads(c)) / sum(len(b) for b in c.args[2])),
    Mistake("accumulate over ALL micro-batches (only the last one is in your answer).",
            lambda c, ref: _grads(c)[-1]),
]

TARGET = Target(FUNC, reference, what="the accumulated gradient", rtol=1e-12, atol=1e-14,
                mistakes=MISTAKES)

rng = np.random.default_rng(0)
PERM = rng.permutation(48)


def _case(batches, label):
    return Case(SPEC, W, [np.asarray(b, dtype=np.int64) for b in batches],
                label=f"{FUNC}(grad_fn of LinearRegression(n=48), w, {label})")


EQUAL = [_case(np.split(PERM, k), f"{k} micro-batches of {48 // k}") for k in (2, 4, 8)]
UNEQUAL = [_case([PERM[:5], PERM[5:30], PERM[30:]], "micro-batches of 5, 25 and 18"),
           _case([PERM[:1], PERM[1:]], "micro-batches of 1 and 47")]
ONE = [_case([PERM[:20]], "one micro-batch of 20")]

matches_reference(EXERCISE, TARGET, EQUAL, name="equal_micro_batches", points=2,
                  hint="the mean of the K micro-batch gradients: sum_k g_k / K.",
                  description="K equal micro-batches give the gradient of the whole batch "
                              "(K = 2, 4, 8).")
matches_reference(EXERCISE, TARGET, UNEQUAL, name="unequal_micro_batches", points=1,
                  hint="weight micro-batch k by n_k / N.",
                  description="Micro-batches of different sizes, weighted by their sizes.")
matches_reference(EXERCISE, TARGET, ONE, name="one_micro_batch", points=1,
                  hint="K = 1: the gradient of that micro-batch.",
                  description="One micro-batch is the plain minibatch gradient.")
counts_calls(EXERCISE, TARGET, EQUAL[1:2] + UNEQUAL[:1], counter="grad_fn",
             allowed=lambda c: (len(c.args[2]), len(c.args[2])),
             unit="gradient evaluations (one per micro-batch)",
             name="one_gradient_per_micro_batch", points=1,
             hint="call grad_fn once per micro-batch.",
             description="grad_fn is called exactly once per micro-batch.")
leaves_inputs_unmodified(EXERCISE, TARGET, EQUAL[:1], arguments={1: "w"},
                         name="does_not_modify_w", points=1,
                         hint="all micro-batches use the same w; do not update w inside.",
                         description="The caller's w is unchanged (no step between "
                                     "micro-batches).")
