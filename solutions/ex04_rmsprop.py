"""Exercise ex04_rmsprop -- RMSprop as torch computes it.

Return the updates torch.optim.RMSprop makes for a fixed sequence of gradients (the rows
of ``grads``):

    v_t = alpha v_{t-1} + (1 - alpha) g_t^2        (v_0 = 0)
    u_t = -lr * g_t / (sqrt(v_t) + eps)

Note where eps sits: outside the square root (seed 001 writes sqrt(v_t + eps)), and there
is no bias correction.

Function to write
-----------------
rmsprop_updates(grads, lr=1e-2, alpha=0.99, eps=1e-8) -> ndarray, shape (T, d)

* ``grads`` has shape (T, d); do not modify it.
* ``alpha < 0`` raises ``ValueError`` naming ``alpha`` (torch's range is alpha >= 0).

Hints
-----
* The first update is -lr * g / (sqrt(1 - alpha) |g| + eps): ten times lr for alpha = 0.99.

Check your work with ``check("ex04_rmsprop")``.
"""
import numpy as np


def rmsprop_updates(grads, lr=1e-2, alpha=0.99, eps=1e-8):
    """RMSprop's updates for the gradient rows of ``grads`` (one row per step).

    Returns
    -------
    ndarray, shape (T, d)   row ``t - 1`` is ``u_t``
    """
    # BEGIN SOLUTION
    if not alpha >= 0.0:
        raise ValueError(f"alpha must be >= 0, got alpha={alpha!r}")
    grads = np.asarray(grads, dtype=float)
    v = np.zeros(grads.shape[1])
    out = []
    for g in grads:
        v = alpha * v + (1 - alpha) * g * g
        out.append(-lr * g / (np.sqrt(v) + eps))
    return np.array(out).reshape(grads.shape)
    # END SOLUTION
