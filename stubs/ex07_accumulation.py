"""Exercise ex07_accumulation -- the large-batch gradient from micro-batches.

When a batch of ``N`` examples does not fit in memory, split it into micro-batches
``B_1, ..., B_K`` of sizes ``n_1, ..., n_K`` and accumulate their gradients. Here the
loss is least squares, ``f_i(w) = (x_i . w - y_i)^2 / 2``, and the gradient of the
*mean* loss over a micro-batch (what ``loss.mean().backward()`` gives) is

    g_k = X_k^T (X_k w - y_k) / n_k              (X_k, y_k: the rows B_k of X, y)

The gradient of the mean loss over the whole batch is then

    g = sum_k (n_k / N) * g_k,                   N = n_1 + ... + n_K

which is ``(1/K) sum_k g_k`` when all micro-batches have the same size.
Summing the means without dividing gives ``K`` times the gradient (as if the learning
rate were ``K`` times larger). All micro-batches are evaluated at the SAME ``w``: the
optimizer steps once, after the last one.

Function to write
-----------------
accumulated_gradient(X, y, w, micro_batches) -> ndarray

* ``X`` has shape (n, d), ``y`` shape (n,), ``w`` shape (d,).
* ``micro_batches`` is a list of 1-d integer index arrays (possibly of different sizes).
* Compute one micro-batch gradient at a time (as if only one fitted in memory); do not
  modify ``w``.
* An empty list of micro-batches raises ``ValueError`` naming ``micro_batches``.

Check your work with ``check("ex07_accumulation")``, or ``make grade``.
"""
import numpy as np


def accumulated_gradient(X, y, w, micro_batches):
    """Mean least-squares gradient over the union of ``micro_batches``, one at a time.

    Parameters
    ----------
    X : ndarray (n, d), y : ndarray (n,)  the data
    w : ndarray (d,)  parameters (not modified)
    micro_batches : list of int arrays

    Returns
    -------
    ndarray, the shape of ``w``
    """
    raise NotImplementedError("accumulated_gradient: replace this line with your code")
