"""Small helpers for update rules that work parameter by parameter.

Some optimizers (Adafactor, SparseAdam, ASGD, Rprop, Muon) compute per-parameter
quantities that have no list operation: a norm read as a Python float, a factored
second moment of another shape, rows picked by a sparse gradient, a matrix iteration.
Their rules loop over the parameters with the array-API functions of ``ops.xp`` (like
torch's ``_single_tensor_*`` functions); these helpers keep those loops short.
"""
from __future__ import annotations

import array_api_compat

__all__ = ["lr_now", "set_scalar", "lerp", "norm"]


def lr_now(lr, count):
    """The learning rate of update number ``count``: ``lr(count)`` for a schedule (the
    torch class passes the group's current ``lr`` as one), else ``float(lr)``."""
    return float(lr(count)) if callable(lr) else float(lr)


def set_scalar(x, value):
    """Write ``value`` into the 0-d array ``x`` in place (its dtype rounds it, as a
    float32 state tensor of torch's rounds it)."""
    x[...] = value


def lerp(a, b, w):
    """``a + w (b - a)`` for a scalar weight ``w``: torch's own ``lerp`` on tensors (so
    results round as torch's do), else the two forms that kernel uses (``b - (b - a)
    (1 - w)`` when ``|w| >= 0.5``).

    References
    ----------
    aten/src/ATen/native/Lerp.h (``lerp`` for a scalar weight).
    """
    fused = getattr(array_api_compat.array_namespace(a, b), "lerp", None)
    if fused is not None:
        return fused(a, b, w)
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1.0 - w)


def norm(x):
    """The Euclidean (Frobenius) norm of ``x`` as a Python float."""
    xp = array_api_compat.array_namespace(x)
    return float(xp.linalg.vector_norm(x))
