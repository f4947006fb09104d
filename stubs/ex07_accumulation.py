"""Exercise ex07_accumulation -- the large-batch gradient from micro-batches.

When a batch of ``N`` examples does not fit in memory, split it into micro-batches
``B_1, ..., B_K`` of sizes ``n_1, ..., n_K`` and accumulate their gradients. If
``grad_fn(w, idx)`` returns the *mean* gradient over the examples ``idx`` (what
``loss.mean().backward()`` gives), the gradient of the whole batch is

    g = sum_k (n_k / N) * grad_fn(w, B_k),        N = n_1 + ... + n_K

which is ``(1/K) sum_k grad_fn(w, B_k)`` when all micro-batches have the same size.
Summing the means without dividing gives ``K`` times the gradient (as if the learning
rate were ``K`` times larger). All micro-batches are evaluated at the SAME ``w``: the
optimizer steps once, after the last one.

Function to write
-----------------
accumulated_gradient(grad_fn, w, micro_batches) -> ndarray

* ``micro_batches`` is a list of 1-d integer index arrays (possibly of different sizes).
* Call ``grad_fn`` once per micro-batch; do not modify ``w``.

Check your work with ``check("ex07_accumulation")``, or ``make grade``.
"""
import numpy as np


def accumulated_gradient(grad_fn, w, micro_batches):
    """Mean gradient over the union of ``micro_batches``, from one call per micro-batch.

    Parameters
    ----------
    grad_fn : callable ``grad_fn(w, idx) -> ndarray``  mean gradient over rows ``idx``
    w : ndarray  parameters (not modified)
    micro_batches : list of int arrays

    Returns
    -------
    ndarray, the shape of ``w``
    """
    raise NotImplementedError("accumulated_gradient: replace this line with your code")
