"""Exercise ex11_update_ratio -- the update-to-weight ratio, a monitor of the step size.

After an optimizer step, compare how far the weights moved with how large they are:

    ratio(W) = ||W_after - W_before||_F / ||W_before||_F

with the Frobenius norm ``||A||_F = sqrt(sum of all squared entries)`` (for a vector the
Euclidean norm; for a matrix NOT the spectral norm ``np.linalg.norm(A, 2)``; for a
tensor with 3 or more axes, all entries). A ratio around 1e-3 is the usual rule of thumb
(CS231n); 1e-5 means the weights barely move, 1e-1 that each step rewrites a tenth of
them. For a whole model, treat all parameter tensors as one long vector:

    global_ratio = sqrt(sum_l ||dW_l||_F^2) / sqrt(sum_l ||W_l||_F^2)

which is NOT the mean of the per-tensor ratios (a large matrix and a small bias count
by their sizes).

Functions to write
------------------
update_ratio(before, after) -> float
    One tensor. If ``||before|| = 0``: return ``0.0`` when ``after`` equals ``before``,
    ``inf`` otherwise. Arrays of different shapes raise ``ValueError`` naming ``after``.
global_update_ratio(before, after) -> float
    ``before`` and ``after`` are lists of arrays (one per parameter tensor).

Check your work with ``check("ex11_update_ratio")``, or ``make grade``.
"""
import numpy as np


def update_ratio(before, after):
    """``||after - before||_F / ||before||_F`` for one parameter tensor."""
    raise NotImplementedError("update_ratio: replace this line with your code")


def global_update_ratio(before, after):
    """The ratio of all parameter tensors taken together as one vector."""
    raise NotImplementedError("global_update_ratio: replace this line with your code")
