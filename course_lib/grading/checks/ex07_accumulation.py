"""Checks of exercise ex07_accumulation: ``accumulated_gradient(X, y, w, micro_batches)``.

Reference: the gradient of the mean least-squares loss over the union of the
micro-batches in one piece, ``LinearRegression.grad(w, concatenate(micro_batches))`` of
``course_lib.problems`` on the same data (``course_lib.clipping.accumulate_gradients``
is tested against it and against torch's ``(loss / K).backward()`` in
tests/test_clipping.py).
"""
from __future__ import annotations

import numpy as np

from ..factories import (Case, Mistake, Target, leaves_inputs_unmodified, matches_reference,
                         rejects_bad_input)
from ..registry import Exercise

EXERCISE = Exercise(
    "ex07_accumulation", "Gradient accumulation over micro-batches",
    functions=("accumulated_gradient",),
    reference_functions=("course_lib.clipping.accumulate_gradients",
                         "course_lib.problems.LinearRegression.grad"))

FUNC = "accumulated_gradient"

def _problem():
    from course_lib.problems import LinearRegression
    return LinearRegression(n_samples=48, n_features=4, noise=0.5, seed=3)


DATA = _problem()
X, Y = np.array(DATA.X), np.array(DATA.y)
W = np.array([0.5, -1.0, 2.0, 0.1])


def reference(X, y, w, micro_batches):
    p = _problem()
    assert np.array_equal(p.X, X) and np.array_equal(p.y, y)
    return p.grad(np.asarray(w, float), np.concatenate(micro_batches))


def _grads(case):
    _, _, w, batches = case.args
    p = _problem()
    return [p.grad(np.asarray(w, float), b) for b in batches]


MISTAKES = [
    Mistake("you summed the micro-batch means: divide by K (or weight each by n_k / N), "
            "as (loss / K).backward() does in torch.", lambda c, ref: sum(_grads(c))),
    Mistake("weight each micro-batch by its size n_k / N: a plain mean of the means is "
            "wrong when the micro-batches differ in size.",
            lambda c, ref: np.mean(_grads(c), axis=0)),
    Mistake("g_k is already a mean: sum_k (n_k / N) g_k, not sum_k g_k / N.",
            lambda c, ref: sum(_grads(c)) / sum(len(b) for b in c.args[3])),
    Mistake("accumulate over ALL micro-batches (only the last one is in your answer).",
            lambda c, ref: _grads(c)[-1]),
    Mistake("g_k is the gradient of the MEAN loss of micro-batch k: divide X_k^T r_k by "
            "n_k.", lambda c, ref: np.mean([len(b) * g for b, g in zip(c.args[3],
                                                                       _grads(c))], axis=0)),
]

TARGET = Target(FUNC, reference, what="the accumulated gradient", rtol=1e-12, atol=1e-14,
                mistakes=MISTAKES)

rng = np.random.default_rng(0)
PERM = rng.permutation(48)


def _case(batches, label):
    return Case(X, Y, W, [np.asarray(b, dtype=np.int64) for b in batches],
                label=f"{FUNC}(X (48 x 4), y, w, {label})")


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
leaves_inputs_unmodified(EXERCISE, TARGET, EQUAL[:1], arguments={2: "w"},
                         name="does_not_modify_w", points=1,
                         hint="all micro-batches use the same w; do not update w inside.",
                         description="The caller's w is unchanged (no step between "
                                     "micro-batches).")
rejects_bad_input(EXERCISE, TARGET, [Case(X, Y, W, [], label="micro_batches=[]")],
                  control=EQUAL[0], exception="ValueError", mentions=("micro_batches",),
                  name="rejects_no_micro_batches", points=1,
                  hint="if not micro_batches: raise ValueError('micro_batches ...')",
                  description="An empty list of micro-batches raises ValueError naming "
                              "micro_batches (instead of dividing by N = 0).")
