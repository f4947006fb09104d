"""Minibatch sampling and the variance of a minibatch gradient.

For a finite sum ``f(x) = (1/n) sum_i f_i(x)`` with per-example gradients
``g_i`` and mean ``g = (1/n) sum_i g_i``, let
``sigma^2 = (1/n) sum_i ||g_i - g||^2`` (the population variance, summed over
coordinates). The minibatch mean ``g_B`` over ``b`` indices is unbiased, and

* drawn i.i.d. uniformly **with replacement**:  ``E||g_B - g||^2 = sigma^2 / b``
* drawn **without replacement** (a simple random sample):
  ``E||g_B - g||^2 = (sigma^2 / b) * (n - b) / (n - 1)``

The factor ``(n - b)/(n - 1)`` is the finite-population correction: the
variance reaches 0 at ``b = n`` (the full batch), whereas ``sigma^2 / b`` never
does. References: Cochran, *Sampling Techniques* (1977), Thm 2.2; Lohr,
*Sampling: Design and Analysis*, 2.3.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_array, check_int, check_random_state

__all__ = [
    "epoch_batches",
    "sample_with_replacement",
    "minibatch_stream",
    "minibatch_variance",
    "empirical_minibatch_variance",
]


def epoch_batches(n, batch_size, seed=None, *, drop_last=False):
    """One epoch of minibatches: a random permutation of ``range(n)`` cut into
    consecutive chunks of ``batch_size`` (the last one shorter unless ``drop_last``).

    This is what ``torch.utils.data.DataLoader(shuffle=True)`` does each epoch:
    every example is used exactly once per epoch.

    Parameters
    ----------
    n : int >= 1  number of examples
    batch_size : int in [1, n]
    seed : int, numpy Generator or None
    drop_last : bool  drop the last, shorter batch

    Returns
    -------
    list of int ndarrays

    Examples
    --------
    >>> [len(b) for b in epoch_batches(10, 4, seed=0)]
    [4, 4, 2]
    """
    n = check_int(n, "n", "epoch_batches", low=1)
    batch_size = check_int(batch_size, "batch_size", "epoch_batches", low=1, high=n)
    perm = check_random_state(seed, "seed", "epoch_batches").permutation(n)
    stop = n - n % batch_size if drop_last else n
    return [perm[i:i + batch_size] for i in range(0, stop, batch_size)]


def sample_with_replacement(n, batch_size, seed=None):
    """``batch_size`` indices drawn independently and uniformly from ``range(n)``."""
    n = check_int(n, "n", "sample_with_replacement", low=1)
    batch_size = check_int(batch_size, "batch_size", "sample_with_replacement", low=1)
    return check_random_state(seed, "seed", "sample_with_replacement").integers(
        0, n, size=batch_size)


def minibatch_stream(n, batch_size, *, replace=False, seed=None):
    """Endless iterator of index batches.

    ``replace=False``: epoch after epoch of :func:`epoch_batches` (reshuffled
    each epoch, last batch of an epoch may be shorter). ``replace=True``:
    independent :func:`sample_with_replacement` batches.
    """
    rng = check_random_state(seed, "seed", "minibatch_stream")
    while True:
        if replace:
            yield sample_with_replacement(n, batch_size, rng)
        else:
            yield from epoch_batches(n, batch_size, rng)


def minibatch_variance(per_example_grads, batch_size, *, replace):
    """Exact ``E||g_B - g||^2`` for a minibatch mean of ``batch_size`` rows.

    Parameters
    ----------
    per_example_grads : array, shape (n, d)
    batch_size : int >= 1 (<= n without replacement)
    replace : bool

    Returns
    -------
    float  ``sigma^2/b`` with replacement; ``sigma^2/b * (n-b)/(n-1)`` without.
    """
    G = check_array(per_example_grads, "per_example_grads", "minibatch_variance", ndim=2)
    n = G.shape[0]
    b = check_int(batch_size, "batch_size", "minibatch_variance", low=1,
                  high=None if replace else n)
    sigma2 = float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    if replace:
        return sigma2 / b
    return 0.0 if n == 1 else sigma2 / b * (n - b) / (n - 1)


def empirical_minibatch_variance(per_example_grads, batch_size, *, replace, n_draws=2000,
                                 seed=None):
    """Monte Carlo estimate of ``E||g_B - g||^2`` from ``n_draws`` sampled batches."""
    G = check_array(per_example_grads, "per_example_grads",
                    "empirical_minibatch_variance", ndim=2)
    n = G.shape[0]
    b = check_int(batch_size, "batch_size", "empirical_minibatch_variance", low=1,
                  high=None if replace else n)
    n_draws = check_int(n_draws, "n_draws", "empirical_minibatch_variance", low=1)
    rng = check_random_state(seed, "seed", "empirical_minibatch_variance")
    g = G.mean(axis=0)
    if replace:
        idx = rng.integers(0, n, size=(n_draws, b))
    else:
        idx = np.argsort(rng.random((n_draws, n)), axis=1)[:, :b]
    gB = G[idx].mean(axis=1)
    return float(np.mean(np.sum((gB - g) ** 2, axis=1)))
