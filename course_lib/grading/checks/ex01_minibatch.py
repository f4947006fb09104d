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
import math

import numpy as np

from ..compare import as_array, expect_close, fmt
from ..protocol import Opaque
from ..registry import CheckFailed, Exercise
from ..specs import RngSpec

EXERCISE = Exercise(
    "ex01_minibatch", "Minibatches: one epoch, and the minibatch gradient",
    functions=("epoch_batches", "minibatch_gradient"), preload=("course_lib.problems",))

#: chi-square quantiles chi2.isf(1e-6, df) (scipy.stats), checked in the tests
CHI2_ISF_1E6 = {14: 54.63530553003881, 23: 70.54955713688595}

SIZES = [(10, 3), (12, 4), (7, 7), (5, 1), (1, 1), (100, 32)]
HINT_PERMUTATION = ("shuffle once per epoch: perm = rng.permutation(n), then cut it "
                    "into consecutive slices perm[i:i + batch_size].")


def _batches(ctx, n, b, seed):
    """Call epoch_batches and return a list of 1-d int arrays (or fail clearly)."""
    value = ctx.call("epoch_batches", n, b, RngSpec(seed))
    return _as_batches(value)


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


@EXERCISE.check(points=2, hint=HINT_PERMUTATION)
def batches_cover_each_index_once(ctx):
    """The batches of one epoch contain every index of range(n) exactly once."""
    for (n, b), seed in zip(SIZES, itertools.count()):
        with ctx.case(f"epoch_batches({n}, {b}, np.random.default_rng({seed}))"):
            batches = _batches(ctx, n, b, seed)
            problem = _describe_partition_error(batches, n, b)
            if problem is not None:
                raise CheckFailed(*problem)


@EXERCISE.check(points=1, hint="n // batch_size full batches, then one batch with the "
                               "n % batch_size remaining indices (if any), in that order.")
def batch_sizes(ctx):
    """Batches have batch_size elements, except the last one, which has the rest."""
    for (n, b), seed in zip(SIZES, itertools.count(10)):
        with ctx.case(f"epoch_batches({n}, {b}, np.random.default_rng({seed}))"):
            batches = _batches(ctx, n, b, seed)
            got = [len(x) for x in batches]
            want = [b] * (n // b) + ([n % b] if n % b else [])
            if got != want:
                hint = None
                if got == want[:-1] and n % b:
                    hint = "you dropped the last, shorter batch; keep it."
                raise CheckFailed(f"batch sizes {fmt(got)}, expected {fmt(want)}", hint)


@EXERCISE.check(points=1, hint="draw every random number from the rng argument "
                               "(rng.permutation(n)); np.random.permutation and "
                               "np.random.default_rng() ignore it.")
def uses_the_rng_argument(ctx):
    """Two generators with the same seed give the same batches (all randomness comes
    from rng)."""
    for seed in (0, 7):
        with ctx.case(f"epoch_batches(12, 5, np.random.default_rng({seed})), twice"):
            first = _batches(ctx, 12, 5, seed)
            second = _batches(ctx, 12, 5, seed)
            same = len(first) == len(second) and all(
                np.array_equal(a, c) for a, c in zip(first, second))
            if not same:
                ctx.fail(f"the same seed gave different batches: {fmt(first)} and then "
                         f"{fmt(second)}")


@EXERCISE.check(points=1, hint=HINT_PERMUTATION)
def shuffles(ctx):
    """The order differs from 0, 1, ..., n-1 and changes with the seed."""
    n, b = 20, 5
    orders = []
    for seed in range(10):
        with ctx.case(f"epoch_batches({n}, {b}, np.random.default_rng({seed}))"):
            orders.append(tuple(np.concatenate(_batches(ctx, n, b, seed)).tolist()))
    n_sorted = sum(o == tuple(sorted(o)) for o in orders)
    if n_sorted > 1:
        ctx.fail(f"{n_sorted} of 10 epochs came in sorted order "
                 f"({fmt(list(orders[0]))}): the indices are not shuffled")
    if len(set(orders)) < 5:
        ctx.fail(f"only {len(set(orders))} different orders over 10 seeds")


def _chi_square(counts, expected):
    counts = np.asarray(counts, dtype=float)
    return float(np.sum((counts - expected) ** 2 / expected))


@EXERCISE.check(points=1, hint=HINT_PERMUTATION)
def first_batch_is_uniform(ctx):
    """Over 1500 seeds the first batch is a uniformly random subset, and over 1200
    seeds the epoch order is a uniformly random permutation (chi-square tests with
    fixed seeds, threshold at the 1e-6 quantile)."""
    # (a) n = 6, batch_size = 2: the 15 possible first batches are equally likely
    n, b, draws = 6, 2, 1500
    subsets = list(itertools.combinations(range(n), b))
    with ctx.case(f"first batch of epoch_batches({n}, {b}, rng) over {draws} seeds"):
        values = ctx.map("epoch_batches", [((n, b, RngSpec(s)), {}) for s in range(draws)])
        counts = dict.fromkeys(subsets, 0)
        for value in values:
            first = tuple(sorted(_as_batches(value)[0].tolist()))
            if first not in counts:
                ctx.fail(f"first batch {first} is not a set of {b} distinct indices of "
                         f"range({n})")
            counts[first] += 1
        stat = _chi_square(list(counts.values()), draws / len(subsets))
        if stat > CHI2_ISF_1E6[len(subsets) - 1]:
            seen = sorted((c, s) for s, c in counts.items())
            hint = None
            contiguous = {tuple(range(i, i + b)) for i in range(0, n, b)}
            if {s for s, c in counts.items() if c} <= contiguous:
                hint = ("every first batch is a block of consecutive indices: shuffle the "
                        "indices themselves, not only the order of the batches.")
            raise CheckFailed(
                f"the first batch is not uniformly random: the {len(subsets)} possible "
                f"pairs should each appear about {draws // len(subsets)} times, counts "
                f"range from {seen[0][0]} {seen[0][1]} to {seen[-1][0]} {seen[-1][1]} "
                f"(chi-square {stat:.0f}, threshold {CHI2_ISF_1E6[len(subsets) - 1]:.0f})",
                hint)
    # (b) n = 4, batch_size = 1: all 24 orders of one epoch are equally likely
    n, b, draws = 4, 1, 1200
    orders = list(itertools.permutations(range(n)))
    with ctx.case(f"order of epoch_batches({n}, {b}, rng) over {draws} seeds"):
        values = ctx.map("epoch_batches", [((n, b, RngSpec(10_000 + s)), {})
                                           for s in range(draws)])
        counts = dict.fromkeys(orders, 0)
        for value in values:
            order = tuple(np.concatenate(_as_batches(value)).tolist())
            if order not in counts:
                ctx.fail(f"epoch {order} is not an ordering of range({n})")
            counts[order] += 1
        stat = _chi_square(list(counts.values()), draws / math.factorial(n))
        if stat > CHI2_ISF_1E6[len(orders) - 1]:
            ctx.fail(f"the epoch order is not a uniformly random permutation: the 24 "
                     f"orders should each appear about {draws // 24} times, counts range "
                     f"from {min(counts.values())} to {max(counts.values())} (chi-square "
                     f"{stat:.0f}, threshold {CHI2_ISF_1E6[len(orders) - 1]:.0f})")


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


def gradient_diagnoses(X, y, w, idx, expected):
    """(wrong gradient, hint) pairs for the usual mistakes; ``expected`` is the right one."""
    idx = np.asarray(idx, dtype=int)
    b, n = len(idx), len(y)
    full = X.T @ (X @ w - y) / n
    uniq = np.unique(idx)
    return [
        (expected * b, "that is the SUM over the batch: divide by the batch size "
                       "len(idx) to get the mean."),
        (expected * b / n, "you divided by n (all examples) instead of the batch size "
                           "len(idx)."),
        (2 * expected, "twice the expected value: the loss has a factor 1/2, so the "
                       "gradient is X_B^T (X_B w - y_B) / b, without a factor 2."),
        (-expected, "wrong sign: the residual is X_B w - y_B (prediction minus target)."),
        (full, "that is the gradient over ALL examples: use only the rows idx "
               "(X[idx], y[idx])."),
        (reference_gradient(X, y, w, uniq) if len(uniq) < b else None,
         "repeated indices must count as often as they appear (sampling with "
         "replacement): index with X[idx], not with a mask or np.unique."),
    ]


def _gradient_case(ctx, X, y, w, idx, expected=None):
    if expected is None:
        expected = reference_gradient(X, y, w, idx)
    got = ctx.call("minibatch_gradient", X, y, w, idx)
    expect_close(got, expected, "the minibatch gradient", rtol=1e-9, atol=1e-12,
                 diagnoses=lambda: gradient_diagnoses(X, y, w, idx, expected))


@EXERCISE.check(points=2, hint="grad = X_B^T (X_B w - y_B) / b with X_B = X[idx], "
                               "y_B = y[idx], b = len(idx).")
def gradient_matches_closed_form(ctx):
    """Equals X_B^T (X_B w - y_B) / |B| on random data and batches, including a batch of
    one and the full batch, and LinearRegression(...).grad(w, idx)."""
    X, y, w, rng = _data(30, 3, 0)
    cases = [("a random batch of 8", rng.choice(30, 8, replace=False)),
             ("a batch of one example", np.array([17])),
             ("the full batch (idx = arange(n))", np.arange(30))]
    for label, idx in cases:
        with ctx.case(f"X of shape {X.shape}, {label}: idx={fmt(idx)}"):
            _gradient_case(ctx, X, y, w, idx)
    from course_lib.problems import LinearRegression
    p = LinearRegression(n_samples=40, n_features=4, noise=0.5, seed=3)
    rng = np.random.default_rng(5)
    w = rng.standard_normal(4)
    idx = rng.choice(40, 10, replace=False)
    with ctx.case(f"LinearRegression(n_samples=40, n_features=4, noise=0.5, seed=3) data, "
                  f"idx={fmt(idx)}"):
        _gradient_case(ctx, np.array(p.X), np.array(p.y), w, idx, p.grad(w, idx))


@EXERCISE.check(points=1, hint="idx may repeat indices (sampling with replacement) and may "
                               "be a list: X[np.asarray(idx)] handles both.")
def gradient_handles_repeats_and_lists(ctx):
    """Repeated indices count as often as they appear; idx may be a Python list."""
    X, y, w, _ = _data(12, 2, 1)
    for label, idx in (("repeated indices", np.array([3, 3, 7, 3])),
                       ("a Python list", [5, 0, 2]),
                       ("a list with a repeat", [1, 1])):
        with ctx.case(f"X of shape {X.shape}, {label}: idx={idx!r}"):
            _gradient_case(ctx, X, y, w, idx)
