"""Checks of exercise ex10_filter_normalize: ``filter_normalize(direction, weights)``,
Li et al.'s (2018) filter normalisation of a random direction, layer by layer.

The reference is :func:`course_lib.landscape_math.filter_normalize` (tested against
per-row norms and the slice's rescaling invariance in tests/test_landscape.py). The
cases have Linear weights (2-d), convolution filters (4-d), biases (zeroed), a zero
filter in the direction and one in the weights.
"""
from __future__ import annotations

import numpy as np

from ..compare import as_array, expect_close
from ..factories import Case, Mistake, Target, matches_reference
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex10_filter_normalize", "Filter normalisation of a direction (Li et al. 2018)",
    functions=("filter_normalize",),
    reference_functions=("course_lib.landscape_math.filter_normalize",
                         "course_lib.landscape.slice_2d"))

FUNC = "filter_normalize"
RTOL = 1e-10


def _flat(arrays):
    return np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])


def reference(direction, weights):
    from course_lib.landscape_math import filter_normalize
    return filter_normalize(direction, weights)


def _rows(a):
    return a.reshape(len(a), -1)


def _wrong(rule):
    """A mistake applying ``rule(d, w) -> new d`` to every tensor (biases: zeroed
    unless the rule says otherwise)."""
    def compute(case, expected):
        D, W = case.args
        return _flat([rule(np.asarray(d, float), np.asarray(w, float)) for d, w in zip(D, W)])
    return compute


def _per_layer(d, w):
    return np.zeros_like(d) if d.ndim <= 1 else d * np.linalg.norm(w) / np.linalg.norm(d)


def _columns(d, w):
    if d.ndim <= 1:
        return np.zeros_like(d)
    return d * np.linalg.norm(w, axis=0, keepdims=True) / np.linalg.norm(d, axis=0, keepdims=True)


def _no_division(d, w):
    if d.ndim <= 1:
        return np.zeros_like(d)
    return d * np.linalg.norm(_rows(w), axis=1).reshape((-1,) + (1,) * (d.ndim - 1))


def _bias_kept(d, w):
    if d.ndim <= 1:
        return d
    n = lambda a: np.linalg.norm(_rows(a), axis=1).reshape((-1,) + (1,) * (a.ndim - 1))  # noqa: E731
    with np.errstate(all="ignore"):
        return np.nan_to_num(d * n(w) / n(d))


def _kernel_slices(d, w):
    if d.ndim <= 2:
        return None
    n = lambda a: np.sqrt((a * a).sum(axis=tuple(range(2, a.ndim)), keepdims=True))  # noqa: E731
    return d * n(w) / n(d)


def _kernel_mistake(case, expected):
    if all(np.ndim(d) <= 2 for d in case.args[0]):
        return None
    return _flat([_kernel_slices(np.asarray(d, float), np.asarray(w, float))
                  if np.ndim(d) > 2 else np.zeros_like(d) if np.ndim(d) <= 1 else
                  _bias_kept(np.asarray(d, float), np.asarray(w, float))
                  for d, w in zip(*case.args)])


MISTAKES = [
    Mistake("you normalised each whole layer (one factor ||W|| / ||D|| per tensor): Li et "
            "al. normalise each filter, one row D[i] at a time.", _wrong(_per_layer)),
    Mistake("the filters are the slices along the FIRST axis (rows D[i], one output unit), "
            "not the columns.", _wrong(_columns)),
    Mistake("scale D[i] by ||W[i]|| / ||D[i]||: you forgot to divide by ||D[i]||.",
            _wrong(_no_division)),
    Mistake("biases (1-d tensors) get a zero direction, they are not kept as drawn.",
            _wrong(_bias_kept)),
    Mistake("a convolution filter is the whole D[i] (all input channels and the kernel), "
            "not each 2-d kernel D[i, j].", _kernel_mistake),
]


def _judge(value, expected, case):
    if not isinstance(value, (list, tuple)) or len(value) != len(expected):
        raise CheckFailed(f"expected a list of {len(expected)} arrays (one per tensor), "
                          f"got {type(value).__name__}"
                          + (f" of length {len(value)}" if isinstance(value, (list, tuple)) else ""))
    for i, (v, e) in enumerate(zip(value, expected)):
        v = as_array(v, f"result[{i}]")
        if v.shape != e.shape:
            raise CheckFailed(f"result[{i}] has shape {v.shape}, expected {e.shape} (the "
                              f"shape of direction[{i}])")
    expect_close(_flat(value), _flat(expected), "the normalised direction (all tensors, "
                 "flattened in order)", rtol=RTOL, atol=1e-12,
                 diagnoses=lambda: TARGET.diagnoses(case, expected))


TARGET = Target(FUNC, reference, judge=_judge, what="the normalised direction",
                mistakes=MISTAKES)


def _pair(seed, shapes, wscale=1.0):
    rng = np.random.default_rng(seed)
    W = [wscale * rng.standard_normal(s) for s in shapes]
    D = [rng.standard_normal(s) for s in shapes]
    return D, W


MLP = [(5, 3), (5,), (2, 5), (2,)]
LINEAR = [Case(*_pair(0, MLP), label="an MLP 3-5-2: weights (5, 3), (2, 5), biases"),
          Case(*_pair(1, [(8, 4), (8,), (3, 8), (3,)], 0.2),
               label="an MLP 4-8-3 with small weights (scale 0.2)")]
D4, W4 = _pair(2, [(4, 2, 3, 3), (4,), (3, 36), (3,)])
CONV = [Case(D4, W4, label="a convolution (4 filters of shape (2, 3, 3)), bias, Linear")]
Dz, Wz = _pair(3, MLP)
Dz[0][1] = 0.0
Wz[2][0] = 0.0
ZERO = [Case(Dz, Wz, label="a zero filter in the direction (row 1 of layer 0) and in the "
                           "weights (row 0 of layer 2)")]

matches_reference(EXERCISE, TARGET, LINEAR, name="normalises_linear_filters", points=2,
                  hint="for a 2-d tensor: D[i] * ||W[i]|| / ||D[i]|| for each row i; "
                       "biases -> zeros.",
                  description="Each row of a Linear layer's direction gets the norm of the "
                              "weights' row; biases get a zero direction.")
matches_reference(EXERCISE, TARGET, CONV, name="normalises_conv_filters", points=1,
                  hint="a filter is D[i] with all its other axes: its norm is "
                       "sqrt((D[i] ** 2).sum()).",
                  description="A 4-d convolution tensor is normalised filter by filter "
                              "(all input channels and kernel entries of output i).")
matches_reference(EXERCISE, TARGET, ZERO, name="zero_filters_stay_zero", points=2,
                  hint="when ||D[i]|| = 0 leave the filter zero (no 0 / 0 = NaN); when "
                       "||W[i]|| = 0 the filter becomes zero.",
                  description="A zero filter in the direction stays zero (not NaN), and a "
                              "zero filter of the weights gives a zero filter.")
_Ds, _Ws = _pair(5, [(6, 4), (6,), (3, 6), (3,)])
_Ws[0] = _Ws[0] * np.logspace(-3, 3, 6)[:, None]
SIZES = [Case(_Ds, _Ws, label="an MLP 4-6-3 whose hidden units' weights range from 1e-3 "
                              "to 1e3 in size")]
matches_reference(EXERCISE, TARGET, SIZES, name="filters_of_different_sizes", points=1,
                  hint="each filter gets ITS OWN weights' norm: small units get small "
                       "steps, large units large ones.",
                  description="Filters whose weights differ by six orders of magnitude "
                              "each get their own norm.")

INPUTS = Case(*_pair(4, MLP), label="the MLP 3-5-2 (seed 4)")


@EXERCISE.check(points=1, name="does_not_modify_inputs",
                hint="build new arrays (d * factor), do not write d *= factor into the "
                     "caller's list.")
def does_not_modify_inputs(ctx):
    """The caller's direction and weights are unchanged (and the answer is right)."""
    with ctx.case(INPUTS.label):
        res = TARGET.run(ctx, INPUTS, echo=True)
        for k, name in enumerate(("direction", "weights")):
            for i, (old, new) in enumerate(zip(INPUTS.args[k], res.args_after[k])):
                if not np.array_equal(np.asarray(new), old):
                    ctx.fail(f"your function changed the caller's {name}[{i}]")
        TARGET.check_answer(res.value, INPUTS)
