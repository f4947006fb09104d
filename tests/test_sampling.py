"""Tests of course_lib.sampling: partitions, and the minibatch variance formula against
brute-force enumeration of every possible batch."""
import itertools

import numpy as np
import pytest

from course_lib.sampling import (empirical_minibatch_variance, epoch_batches,
                                 minibatch_stream, minibatch_variance,
                                 sample_with_replacement)


# --------------------------------------------------------------------- epoch_batches
@pytest.mark.parametrize("n, b", [(10, 4), (12, 4), (7, 1), (7, 7), (1, 1), (100, 33)])
def test_epoch_batches_partition_range_n(n, b):
    batches = epoch_batches(n, b, seed=3)
    allidx = np.concatenate(batches)
    np.testing.assert_array_equal(np.sort(allidx), np.arange(n))   # each index once
    sizes = [len(x) for x in batches]
    expected = [b] * (n // b) + ([n % b] if n % b else [])
    assert sizes == expected


@pytest.mark.parametrize("n, b", [(10, 4), (12, 4), (7, 3), (5, 5)])
def test_epoch_batches_drop_last(n, b):
    batches = epoch_batches(n, b, seed=1, drop_last=True)
    assert [len(x) for x in batches] == [b] * (n // b)
    allidx = np.concatenate(batches)
    assert len(set(allidx.tolist())) == len(allidx) == b * (n // b)
    assert set(allidx.tolist()) <= set(range(n))


def test_epoch_batches_seeding():
    a = np.concatenate(epoch_batches(50, 7, seed=0))
    b = np.concatenate(epoch_batches(50, 7, seed=0))
    c = np.concatenate(epoch_batches(50, 7, seed=1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(np.concatenate(epoch_batches(50, 7, rng)), a)


def test_minibatch_stream_without_replacement_is_epochs():
    n, b = 10, 4
    stream = minibatch_stream(n, b, replace=False, seed=0)
    for _epoch in range(3):
        batches = [next(stream) for _ in range(3)]            # 4 + 4 + 2
        assert [len(x) for x in batches] == [4, 4, 2]
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))


def test_minibatch_stream_with_replacement():
    stream = minibatch_stream(5, 8, replace=True, seed=0)     # b > n is fine with replacement
    draws = np.concatenate([next(stream) for _ in range(2000)])
    assert all(len(next(stream)) == 8 for _ in range(3))
    assert draws.min() == 0 and draws.max() == 4
    freq = np.bincount(draws, minlength=5) / draws.size
    # 16000 uniform draws: each frequency within ~6 standard errors of 1/5
    assert np.all(np.abs(freq - 0.2) < 6 * np.sqrt(0.2 * 0.8 / draws.size))


def test_sample_with_replacement_shape_and_range():
    idx = sample_with_replacement(3, 10, seed=2)
    assert idx.shape == (10,)
    assert set(idx.tolist()) <= {0, 1, 2}


@pytest.mark.parametrize("call, name", [
    (lambda: epoch_batches(0, 1), "'n'"),
    (lambda: epoch_batches(5, 0), "'batch_size'"),
    (lambda: epoch_batches(5, 6), "'batch_size'"),
    (lambda: sample_with_replacement(0, 1), "'n'"),
    (lambda: sample_with_replacement(3, 0), "'batch_size'"),
    (lambda: minibatch_variance(np.ones((4, 2)), 5, replace=False), "'batch_size'"),
    (lambda: minibatch_variance(np.ones((4, 2)), 0, replace=True), "'batch_size'"),
    (lambda: minibatch_variance(np.ones(4), 2, replace=True), "'per_example_grads'"),
    (lambda: minibatch_variance([[np.nan, 1.0]], 1, replace=True), "'per_example_grads'"),
    (lambda: empirical_minibatch_variance(np.ones((4, 2)), 2, replace=True, n_draws=0),
     "'n_draws'"),
])
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_bad_types():
    with pytest.raises(TypeError, match="'batch_size'"):
        epoch_batches(10, 2.0)
    with pytest.raises(TypeError, match="'n'"):
        epoch_batches(True, 1)
    with pytest.raises(TypeError, match="'seed' parameter of epoch_batches"):
        epoch_batches(10, 2, seed="1")
    with pytest.raises(TypeError, match="'seed' parameter of minibatch_stream"):
        next(minibatch_stream(10, 2, seed=0.5))


# --------------------------------------------------------------------- variance
def _brute_force(G, b, replace):
    """E||g_B - g||^2 by enumerating every batch (all equally likely)."""
    n = len(G)
    g = G.mean(axis=0)
    if replace:
        batches = itertools.product(range(n), repeat=b)          # ordered i.i.d. draws
    else:
        batches = itertools.combinations(range(n), b)             # simple random sample
    vals = np.array([np.sum((G[list(B)].mean(axis=0) - g) ** 2) for B in batches])
    return vals.mean(), vals.std()


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("replace", [False, True])
def test_minibatch_variance_equals_enumeration(seed, replace):
    rng = np.random.default_rng(seed)
    n, d = 5, 3
    G = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d)
    for b in range(1, n + 2 if replace else n + 1):   # b = n + 1 only with replacement
        exact, _ = _brute_force(G, b, replace)
        np.testing.assert_allclose(minibatch_variance(G, b, replace=replace), exact,
                                   rtol=1e-12, atol=1e-15)


def test_full_batch_without_replacement_has_zero_variance():
    G = np.random.default_rng(0).normal(size=(7, 2))
    assert minibatch_variance(G, 7, replace=False) == 0.0
    assert minibatch_variance(G, 7, replace=True) > 0.0
    assert minibatch_variance(G[:1], 1, replace=False) == 0.0   # n == 1


def test_with_replacement_allows_batch_larger_than_n():
    G = np.random.default_rng(1).normal(size=(3, 2))
    exact, _ = _brute_force(G, 4, replace=True)
    np.testing.assert_allclose(minibatch_variance(G, 4, replace=True), exact, rtol=1e-12)


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("b", [1, 2, 4])
def test_empirical_variance_within_monte_carlo_error(replace, b):
    G = np.random.default_rng(5).normal(size=(6, 2)) * [1.0, 3.0]
    exact, sd = _brute_force(G, b, replace)
    n_draws = 4000
    est = empirical_minibatch_variance(G, b, replace=replace, n_draws=n_draws, seed=11)
    # standard error of a mean of n_draws i.i.d. batch values; 5 SE is a generous band
    assert abs(est - exact) < 5 * sd / np.sqrt(n_draws)
    assert np.isclose(minibatch_variance(G, b, replace=replace), exact, rtol=1e-12)


def test_empirical_without_replacement_draws_distinct_indices():
    # with n = b and no replacement every draw is a permutation: variance exactly 0
    G = np.random.default_rng(2).normal(size=(5, 3))
    assert empirical_minibatch_variance(G, 5, replace=False, n_draws=50, seed=0) < 1e-28
