"""Exercise ex01_minibatch -- minibatches: one epoch, and the minibatch gradient.

Part 1. One epoch of minibatch SGD visits every example exactly once, in a
random order: shuffle the indices ``0, 1, ..., n-1`` once, then cut the
shuffled order into consecutive batches of ``batch_size`` (the last batch is
shorter when ``batch_size`` does not divide ``n``).

Part 2. For least squares ``f(w) = 1/(2n) ||X w - y||^2`` the gradient over a
minibatch ``B`` (an array of example indices, ``b = len(B)``) is the mean of the
per-example gradients over the batch:

    g_B(w) = (1/b) * X_B^T (X_B w - y_B),    X_B = X[B], y_B = y[B]

i.e. the gradient of ``1/(2b) ||X_B w - y_B||^2``.

Functions to write
------------------
epoch_batches(n, batch_size, rng) -> list of 1-d int arrays
    ``rng`` is a ``numpy.random.Generator``: draw ALL randomness from it, so the
    same seed gives the same epoch. Every index of ``range(n)`` appears exactly
    once; sizes ``batch_size, ..., batch_size, n % batch_size`` (last only if > 0).
minibatch_gradient(X, y, w, idx) -> ndarray of shape (d,)
    ``X``: (n, d), ``y``: (n,), ``w``: (d,), ``idx``: int array or list, repeats
    allowed (a repeated index counts as many times as it appears).

Hints
-----
* ``rng.permutation(n)`` is a random order of ``range(n)``; slices
  ``perm[i:i + batch_size]`` for ``i`` in ``range(0, n, batch_size)`` cut it.
* Sampling WITH replacement (``rng.integers``) repeats some examples and skips
  others within an epoch: that is a different sampler.
* A sum over the batch is ``b`` times the mean: divide by ``len(idx)``.

Check your work with ``check("ex01_minibatch")``.
"""
import numpy as np


def epoch_batches(n, batch_size, rng):
    """One epoch of minibatch indices: a random permutation of ``range(n)`` cut into
    consecutive batches of ``batch_size`` (the last one shorter if needed).

    Parameters
    ----------
    n : int >= 1                    number of examples
    batch_size : int in [1, n]
    rng : numpy.random.Generator    the only source of randomness

    Returns
    -------
    list of int ndarrays whose concatenation is a permutation of ``range(n)``
    """
    raise NotImplementedError("epoch_batches: replace this line with your code")


def minibatch_gradient(X, y, w, idx):
    """Gradient of ``1/(2b) ||X[idx] w - y[idx]||^2`` with ``b = len(idx)``.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    w : ndarray, shape (d,)
    idx : int array or list of indices (repeats allowed)

    Returns
    -------
    ndarray, shape (d,)  ``X_B^T (X_B w - y_B) / b``
    """
    raise NotImplementedError("minibatch_gradient: replace this line with your code")
