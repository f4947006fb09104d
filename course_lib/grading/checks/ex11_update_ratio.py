"""Checks of exercise ex11_update_ratio: ``update_ratio(before, after)`` and
``global_update_ratio(before_list, after_list)``, the update-to-weight ratio
``||dW||_F / ||W||_F`` per tensor and for a whole model.

Reference: ``course_lib.monitors.update_ratios`` (tested against numpy's norms and on
torch tensors in tests/test_diagnostics.py), torch-free. The cases: a vector, a
matrix whose spectral and Frobenius norms differ, a 3-d kernel, weights at zero, and
models whose tensors differ in size (a mean of the per-tensor ratios is wrong there).
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, leaves_inputs_unmodified, matches_reference, \
    rejects_bad_input
from ..registry import Exercise

EXERCISE = Exercise(
    "ex11_update_ratio", "The update-to-weight ratio monitor",
    functions=("update_ratio", "global_update_ratio"),
    reference_functions=("course_lib.monitors.update_ratios",))


def _ref(before, after):
    from course_lib.monitors import update_ratios
    names = [str(i) for i in range(len(before))]
    return update_ratios(dict(zip(names, before)), dict(zip(names, after)))


def one(before, after):
    return _ref([np.asarray(before, float)], [np.asarray(after, float)])["0"]


def many(before, after):
    return _ref([np.asarray(b, float) for b in before],
                [np.asarray(a, float) for a in after])["__all__"]


def _fro(a):
    return np.sqrt(np.sum(np.asarray(a, float) ** 2))


def _per_layer(case):
    return [one(b, a) for b, a in zip(*case.args)]


def _nonzero(compute):
    """A mistake that applies where ||before|| > 0 (at zero every formula gives 0/0)."""
    return lambda c, ref: None if _fro(c.args[0]) == 0 else compute(c, ref)


def _d(c):
    return c.args[1] - c.args[0]


#: (hint, wrong ratio) of the per-tensor mistakes, where ||before|| > 0
_WRONG_NORMS = [
    ("that is the spectral norm of the matrix (np.linalg.norm(A, 2)): use the Frobenius "
     "norm, sqrt of the sum of all squared entries.",
     lambda c, ref: np.linalg.norm(_d(c), 2) / np.linalg.norm(c.args[0], 2)),
    ("you used the largest entry (max norm): use sqrt(sum of squares).",
     lambda c, ref: np.abs(_d(c)).max() / np.abs(c.args[0]).max()),
    ("you used the sum of absolute values (L1): use sqrt(sum of squares).",
     lambda c, ref: np.abs(_d(c)).sum() / np.abs(c.args[0]).sum()),
    ("divide by the norm of the weights BEFORE the step, not after it.",
     lambda c, ref: _fro(_d(c)) / _fro(c.args[1])),
    ("you returned the ratio of squared norms: take the square roots.",
     lambda c, ref: ref ** 2),
    ("a mean of entry-wise ratios |dw| / |w| is not the ratio of the norms.",
     lambda c, ref: np.mean(np.abs(_d(c)) / np.abs(c.args[0]))),
]
ONE_MISTAKES = [Mistake("||before|| = 0 needs its own case: 0/0 is nan; return 0.0 when "
                        "nothing moved and inf when the weights moved.",
                        lambda c, ref: np.nan if _fro(c.args[0]) == 0 else None)]
ONE_MISTAKES += [Mistake(hint, _nonzero(compute)) for hint, compute in _WRONG_NORMS]
MANY_MISTAKES = [
    Mistake("the global ratio is not the mean of the per-tensor ratios: concatenate "
            "all tensors, sqrt(sum ||dW||^2) / sqrt(sum ||W||^2).",
            lambda c, ref: float(np.mean(_per_layer(c)))),
    Mistake("sum the SQUARED norms over the tensors before the square root: "
            "sum ||dW_l|| / sum ||W_l|| is a different number.",
            lambda c, ref: sum(_fro(a - b) for b, a in zip(*c.args)) /
            sum(_fro(b) for b in c.args[0])),
    Mistake("you returned the ratio of one tensor only: use all of them.",
            lambda c, ref: _per_layer(c)[0]),
]
ONE = Target("update_ratio", one, what="the ratio", rtol=1e-10, atol=0.0,
             mistakes=ONE_MISTAKES)
MANY = Target("global_update_ratio", many, what="the global ratio", rtol=1e-10, atol=0.0,
              mistakes=MANY_MISTAKES)

rng = np.random.default_rng(5)


def _pair(shape, scale):
    w = rng.standard_normal(shape)
    return w, w + scale * rng.standard_normal(shape)


def _case(shape, scale, label):
    b, a = _pair(shape, scale)
    return Case(b, a, label=f"update_ratio({label})")


TENSORS = [_case((5,), 1e-3, "a vector of 5, step ~1e-3"),
           _case((4, 3), 1e-2, "a 4 x 3 matrix"),
           _case((2, 3, 3), 1e-4, "a 2 x 3 x 3 kernel")]
ZERO = [Case(np.zeros(3), np.zeros(3), label="update_ratio(zeros, zeros): 0.0"),
        Case(np.zeros((2, 2)), np.full((2, 2), 1e-3), label="update_ratio(zeros, moved): inf")]
_LAYERS = [_pair((32, 64), 1e-3), _pair((32,), 5e-2), _pair((10, 32), 1e-3),
           _pair((10,), 5e-2)]
MODELS = [Case([b for b, _ in _LAYERS], [a for _, a in _LAYERS],
               label="global_update_ratio(an MLP's 4 tensors: 32x64, 32, 10x32, 10)"),
          Case([b for b, _ in _LAYERS[:2]], [a for _, a in _LAYERS[:2]],
               label="global_update_ratio(a weight matrix and its bias)")]

matches_reference(EXERCISE, ONE, TENSORS, name="ratio_per_tensor", points=2,
                  hint="np.sqrt(np.sum((after - before)**2)) / np.sqrt(np.sum(before**2))",
                  description="The Frobenius-norm ratio of a vector, a matrix and a 3-d "
                              "kernel.")
matches_reference(EXERCISE, ONE, ZERO, name="zero_weights", points=1,
                  hint="||before|| = 0: 0.0 if nothing moved, else inf (no 0/0 = nan).",
                  description="Weights at zero: 0.0 when unchanged, inf when they moved.")
matches_reference(EXERCISE, MANY, MODELS, name="global_ratio", points=2,
                  hint="sqrt(sum_l ||dW_l||^2) / sqrt(sum_l ||W_l||^2).",
                  description="All tensors of a model as one vector.")
leaves_inputs_unmodified(EXERCISE, ONE, TENSORS[1:2], arguments={0: "before", 1: "after"},
                         name="leaves_inputs_unchanged", points=1,
                         hint="compute after - before into a new array.",
                         description="The caller's arrays are unchanged.")
rejects_bad_input(EXERCISE, ONE, [Case(np.ones(3), np.ones(4), label="shapes (3,) and (4,)")],
                  control=TENSORS[0], exception="ValueError", mentions=("after",),
                  name="rejects_shape_mismatch", points=1,
                  hint="if before.shape != after.shape: raise ValueError('after ...')",
                  description="Arrays of different shapes raise ValueError naming after.")
