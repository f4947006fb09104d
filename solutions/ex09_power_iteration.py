"""Exercise ex09_power_iteration -- the top Hessian eigenvalue from Hessian-vector products.

The largest curvature ``lambda_max`` of a loss decides which learning rates are stable
(gradient descent needs ``lr < 2 / lambda_max``). It can be measured without forming
the Hessian: power iteration needs only products ``v -> H v`` (an HVP, about the cost of
two gradients). Repeat ``w = H v``, ``lam = v . w`` (the Rayleigh quotient of the unit
vector ``v``), ``v = w / ||w||``; ``lam`` tends to the eigenvalue of largest *magnitude*,
with error shrinking like ``(lambda_2 / lambda_1)^(2t)``.

Function to write
-----------------
top_eigenvalue(hvp, n, tol=1e-12, max_iter=2000) -> float

* ``hvp(v)`` returns ``H v`` for a vector of shape (n,).
* Return the eigenvalue of largest magnitude, with its sign, to relative accuracy
  about 1e-6 or better: stop when ``lam`` changes by at most ``tol * |lam|``.

Hints
-----
* Start from a random vector (``np.random.default_rng(0).standard_normal(n)``); a
  special vector such as all ones can be orthogonal to the top eigenvector.
* Normalise every iteration, or the vector over- or underflows.
* Reference: Golub & Van Loan, *Matrix Computations*, 4th ed., 8.2.1.

Check your work with ``check("ex09_power_iteration")``.
"""
import numpy as np


def top_eigenvalue(hvp, n, tol=1e-12, max_iter=2000):
    """Eigenvalue of largest magnitude of ``H`` by power iteration on ``hvp``.

    Parameters
    ----------
    hvp : callable, ``hvp(v) -> ndarray (n,)``, the product ``H v``
    n : int   dimension
    tol : float   relative change of the estimate at which to stop
    max_iter : int

    Returns
    -------
    float
    """
    # BEGIN SOLUTION
    v = np.random.default_rng(0).standard_normal(n)
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(max_iter):
        w = np.asarray(hvp(v), dtype=float)
        lam_new = float(v @ w)
        v = w / np.linalg.norm(w)
        if abs(lam_new - lam) <= tol * abs(lam_new):
            return lam_new
        lam = lam_new
    return lam
    # END SOLUTION
