"""Exercise ex07_global_norm_clip -- clipping by the global norm, as torch does it.

``torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type)`` treats all the
gradients as ONE vector:

    total = (sum_i ||g_i||_p^p) ** (1 / p)        (p = inf: the largest |entry| of any g_i)
    coef  = min(1, max_norm / (total + 1e-6))
    g_i  <- coef * g_i   for every tensor i

and returns ``total``, the norm *before* clipping. Every tensor gets the same factor, so
the direction of the whole update is kept (clipping each tensor by its own norm does
not keep it).

Function to write
-----------------
clip_by_global_norm(grads, max_norm, norm_type=2.0) -> (clipped, total_norm)

* ``grads`` is a list of numpy arrays (any shapes); ``clipped`` is a new list of arrays
  of the same shapes. Do not modify the caller's arrays.
* ``norm_type`` is a float p > 0 or ``float('inf')``.
* ``max_norm < 0`` raises ``ValueError`` naming ``max_norm``.

Hints
-----
* The 1e-6 is part of torch's formula: keep it, so that your answers equal torch's.
* ``np.linalg.norm(g.ravel(), ord=p)`` is the p-norm of one array.

Check your work with ``check("ex07_global_norm_clip")``, or ``make grade``.
"""
import numpy as np


def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    """Scale all of ``grads`` by ``min(1, max_norm / (total + 1e-6))``.

    Returns
    -------
    (list of ndarray, float)  the clipped gradients and the total norm before clipping
    """
    # BEGIN SOLUTION
    if max_norm < 0:
        raise ValueError(f"max_norm must be >= 0, got max_norm={max_norm}")
    norms = [np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads]
    total = float(np.linalg.norm(np.array(norms), ord=norm_type))
    coef = min(1.0, max_norm / (total + 1e-6))
    return [np.asarray(g, dtype=float) * coef for g in grads], total
    # END SOLUTION
