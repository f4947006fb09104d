"""Checks of exercise ex01_minibatch: ``epoch_batches(n, batch_size, rng)`` and
``minibatch_gradient(X, y, w, idx)``.

Random batches cannot be compared value by value with a reference (two correct
implementations may consume the generator differently), so the checks test
*properties*: a partition of ``range(n)``, the batch sizes, reproducibility
given the generator, and -- over thousands of fixed seeds, so the verdict is
deterministic -- that the first batch is a uniformly random subset (a
chi-square statistic below its 1e-6 quantile). The gradient is compared with
the closed form ``X_B^T (X_B w - y_B) / b`` computed here, and with
``course_lib.problems.LinearRegression.grad(w, idx)``.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..compare import as_array, fmt
from ..factories import (Case, Experiment, Mistake, Target, deterministic, matches_reference,
                         over_calls, satisfies, uniformly_distributed)
from ..protocol import Opaque
from ..registry import CheckFailed, Exercise
from ..specs import RngSpec

EXERCISE = Exercise(
    "ex01_minibatch", "Minibatches: one epoch, and the minibatch gradient",
    functions=("epoch_batches", "minibatch_gradient"), preload=("course_lib.problems",),
    reference_functions=("course_lib.sampling.epoch_batches",
                         "course_lib.sampling.minibatch_stream",
                         "course_lib.problems.LinearRegression.grad"))

#: chi-square quantiles chi2.isf(1e-6, df) (scipy.stats), checked in the tests
CHI2_ISF_1E6 = {14: 54.63530553003881, 23: 70.54955713688595}

SIZES = [(10, 3), (12, 4), (7, 7), (5, 1), (1, 1), (100, 32)]
HINT_PERMUTATION = ("shuffle once per epoch: perm = rng.permutation(n), then cut it "
                    "into consecutive slices perm[i:i + batch_size].")


def _as_batches(value):
    if isinstance(value, np.ndarray) and value.ndim == 2:
        value = list(value)
    if value is None:
        raise CheckFailed("epoch_batches returned None; did you forget `return`?")
    if isinstance(value, Opaque) or not isinstance(value, (list, np.ndarray)):
        raise CheckFailed(f"epoch_batches should return a list of index arrays, got "
                          f"{value!r}")
    out = []
    for k, batch in enumerate(value):
        arr = as_array(batch, f"batch {k}", dtype=None)
        if arr.ndim != 1:
            raise CheckFailed(f"batch {k} should be a 1-d array of indices, got shape "
                              f"{arr.shape}")
        if arr.size and arr.dtype.kind not in "iu":
            raise CheckFailed(f"batch {k} holds {arr.dtype} values; indices must be "
                              "integers (np.int64), e.g. from rng.permutation(n)")
        out.append(arr.astype(np.int64))
    return out


def _describe_partition_error(batches, n, b):
    flat = np.concatenate(batches) if batches else np.array([], dtype=int)
    counts = np.bincount(flat[(flat >= 0) & (flat < n)], minlength=n)
    outside = flat[(flat < 0) | (flat >= n)]
    if outside.size:
        return (f"index {int(outside[0])} is outside range({n})", None)
    dup = np.flatnonzero(counts > 1)
    missing = np.flatnonzero(counts == 0)
    if dup.size:
        return (f"index {int(dup[0])} appears {int(counts[dup[0]])} times in one epoch "
                f"({dup.size} repeated indices, {missing.size} missing)",
                "sampling with replacement (rng.integers, rng.choice(..., replace=True)) "
                "repeats indices; " + HINT_PERMUTATION)
    if missing.size:
        hint = None
        if n % b and flat.size == n - n % b:
            hint = ("the last, shorter batch is missing: keep it (range(0, n, "
                    "batch_size) gives its start).")
        return (f"{missing.size} of the {n} indices never appear (e.g. {int(missing[0])})",
                hint)
    return None


def _partition(batches, case):
    n, b, _ = case.args
    problem = _describe_partition_error(batches, n, b)
    if problem is not None:
        raise CheckFailed(*problem)


def _sizes(batches, case):
    n, b, _ = case.args
    got = [len(x) for x in batches]
    want = [b] * (n // b) + ([n % b] if n % b else [])
    if got != want:
        hint = None
        if got == want[:-1] and n % b:
            hint = "you dropped the last, shorter batch; keep it."
        raise CheckFailed(f"batch sizes {fmt(got)}, expected {fmt(want)}", hint)


def _same_batches(first, second):
    return len(first) == len(second) and all(np.array_equal(a, c)
                                             for a, c in zip(first, second))


def epoch_case(n, b, seed):
    """The call ``epoch_batches(n, b, np.random.default_rng(seed))``."""
    return Case(n, b, RngSpec(seed), label=f"epoch_batches({n}, {b}, "
                                           f"np.random.default_rng({seed}))")


#: the batches as a list of int arrays; no reference (two right answers may consume
#: the generator differently): properties are checked instead
EPOCH = Target("epoch_batches", convert=_as_batches, what="the batches")
#: ... and an epoch that is a partition of range(n) (what the other checks require first)
VALID_EPOCH = Target("epoch_batches", convert=_as_batches, what="the batches",
                     judge=lambda value, _, case: _partition(value, case))

satisfies(EXERCISE, EPOCH, [epoch_case(n, b, s) for (n, b), s in zip(SIZES, itertools.count())],
          [_partition], name="batches_cover_each_index_once", points=2,
          hint=HINT_PERMUTATION,
          description="The batches of one epoch contain every index of range(n) exactly "
                      "once.")

satisfies(EXERCISE, EPOCH, [epoch_case(n, b, s) for (n, b), s in
                            zip(SIZES, itertools.count(10))],
          [_sizes], name="batch_sizes", points=1,
          hint="n // batch_size full batches, then one batch with the n % batch_size "
               "remaining indices (if any), in that order.",
          description="Batches have batch_size elements, except the last one, which has "
                      "the rest.")

deterministic(EXERCISE, VALID_EPOCH, [epoch_case(12, 5, s) for s in (0, 7)],
              same=_same_batches, name="uses_the_rng_argument", points=1,
              hint="draw every random number from the rng argument (rng.permutation(n)); "
                   "np.random.permutation and np.random.default_rng() ignore it.",
              description="Two generators with the same seed give the same batches (all "
                          "randomness comes from rng), and the batches are an epoch.")


def _shuffled(values, cases):
    orders = [tuple(np.concatenate(v).tolist()) for v in values]
    n_sorted = sum(o == tuple(sorted(o)) for o in orders)
    if n_sorted > 1:
        raise CheckFailed(f"{n_sorted} of {len(orders)} epochs came in sorted order "
                          f"({fmt(list(orders[0]))}): the indices are not shuffled")
    if len(set(orders)) < len(orders) // 2:
        raise CheckFailed(f"only {len(set(orders))} different orders over {len(orders)} "
                          "seeds")


over_calls(EXERCISE, VALID_EPOCH, [epoch_case(20, 5, s) for s in range(10)], _shuffled,
           label="epoch_batches(20, 5, np.random.default_rng(seed)) for seeds 0..9",
           name="shuffles", points=1, hint=HINT_PERMUTATION,
           description="The order differs from 0, 1, ..., n-1 and changes with the seed.")


def _consecutive_hint(b, n):
    contiguous = {tuple(range(i, i + b)) for i in range(0, n, b)}

    def explain(counts):
        if {s for s, c in counts.items() if c} <= contiguous:
            return ("every first batch is a block of consecutive indices: shuffle the "
                    "indices themselves, not only the order of the batches.")
        return None
    return explain


def _experiment(label, n, b, draws, first_seed, outcome, support, explain=None):
    """``draws`` calls epoch_batches(n, b, default_rng(seed)), seeds from ``first_seed``."""
    return Experiment(f"{label} of epoch_batches({n}, {b}, rng) over {draws} seeds",
                      [epoch_case(n, b, first_seed + s) for s in range(draws)], outcome,
                      support, CHI2_ISF_1E6[len(support) - 1], explain)


uniformly_distributed(
    EXERCISE, VALID_EPOCH,
    [_experiment("first batch", 6, 2, 1500, 0, lambda v: tuple(sorted(v[0].tolist())),
                 list(itertools.combinations(range(6), 2)), _consecutive_hint(2, 6)),
     _experiment("order", 4, 1, 1200, 10_000, lambda v: tuple(np.concatenate(v).tolist()),
                 list(itertools.permutations(range(4))))],
    name="first_batch_is_uniform", points=1, hint=HINT_PERMUTATION,
    description="Over 1500 seeds the first batch is a uniformly random subset, and over "
                "1200 seeds the epoch order is a uniformly random permutation (chi-square "
                "tests with fixed seeds, threshold at the 1e-6 quantile).")


# --------------------------------------------------------------------------- gradient

def _data(n, d, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal(d),
            rng)


def reference_gradient(X, y, w, idx):
    """``X_B^T (X_B w - y_B) / b``: gradient of ``1/(2b) ||X_B w - y_B||^2``."""
    idx = np.asarray(idx, dtype=int)
    XB, yB = X[idx], y[idx]
    return XB.T @ (XB @ w - yB) / len(idx)


def _full_gradient(X, y, w, idx, expected):
    return X.T @ (X @ w - y) / len(y)


def _unique_gradient(X, y, w, idx, expected):
    uniq = np.unique(np.asarray(idx, dtype=int))
    return reference_gradient(X, y, w, uniq) if len(uniq) < len(idx) else None


def _mistake(hint, wrong):
    return Mistake(hint, lambda case, expected: wrong(*case.args, expected))


GRADIENT_MISTAKES = [
    _mistake("that is the SUM over the batch: divide by the batch size len(idx) to get "
             "the mean.", lambda X, y, w, idx, e: e * len(idx)),
    _mistake("you divided by n (all examples) instead of the batch size len(idx).",
             lambda X, y, w, idx, e: e * len(idx) / len(y)),
    _mistake("twice the expected value: the loss has a factor 1/2, so the gradient is "
             "X_B^T (X_B w - y_B) / b, without a factor 2.", lambda X, y, w, idx, e: 2 * e),
    _mistake("wrong sign: the residual is X_B w - y_B (prediction minus target).",
             lambda X, y, w, idx, e: -e),
    _mistake("that is the gradient over ALL examples: use only the rows idx (X[idx], "
             "y[idx]).", _full_gradient),
    _mistake("repeated indices must count as often as they appear (sampling with "
             "replacement): index with X[idx], not with a mask or np.unique.",
             _unique_gradient),
]

GRADIENT = Target("minibatch_gradient", reference_gradient, what="the minibatch gradient",
                  rtol=1e-9, atol=1e-12, mistakes=GRADIENT_MISTAKES)


def gradient_case(X, y, w, idx, label, reference=None):
    return Case(X, y, w, idx, label=f"X of shape {X.shape}, {label}: idx={fmt(idx)}",
                reference=reference)


def _gradient_cases():
    X, y, w, rng = _data(30, 3, 0)
    cases = [gradient_case(X, y, w, rng.choice(30, 8, replace=False), "a random batch of 8"),
             gradient_case(X, y, w, np.array([17]), "a batch of one example"),
             gradient_case(X, y, w, np.arange(30), "the full batch (idx = arange(n))")]
    from course_lib.problems import LinearRegression
    p = LinearRegression(n_samples=40, n_features=4, noise=0.5, seed=3)
    rng = np.random.default_rng(5)
    w = rng.standard_normal(4)
    idx = rng.choice(40, 10, replace=False)
    cases.append(gradient_case(
        np.array(p.X), np.array(p.y), w, idx,
        "LinearRegression(n_samples=40, n_features=4, noise=0.5, seed=3) data",
        reference=lambda X, y, w, idx: p.grad(w, idx)))
    return cases


matches_reference(
    EXERCISE, GRADIENT, _gradient_cases(), name="gradient_matches_closed_form", points=2,
    hint="grad = X_B^T (X_B w - y_B) / b with X_B = X[idx], y_B = y[idx], b = len(idx).",
    description="Equals X_B^T (X_B w - y_B) / |B| on random data and batches, including a "
                "batch of one and the full batch, and LinearRegression(...).grad(w, idx).")

_X, _y, _w, _ = _data(12, 2, 1)
matches_reference(
    EXERCISE, GRADIENT,
    [Case(_X, _y, _w, idx, label=f"X of shape {_X.shape}, {label}: idx={idx!r}")
     for label, idx in (("repeated indices", np.array([3, 3, 7, 3])),
                        ("a Python list", [5, 0, 2]), ("a list with a repeat", [1, 1]))],
    name="gradient_handles_repeats_and_lists", points=1,
    hint="idx may repeat indices (sampling with replacement) and may be a list: "
         "X[np.asarray(idx)] handles both.",
    description="Repeated indices count as often as they appear; idx may be a Python list.")
