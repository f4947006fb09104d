"""Exercise ex02_constants -- strong-convexity and smoothness constants of a quadratic.

For ``f(x) = 1/2 x^T A x - b^T x`` with a symmetric ``A``:

* ``mu = lambda_min(A)``: ``f`` is ``mu``-strongly convex when ``mu > 0`` (and not
  convex at all when ``mu < 0``);
* ``L = max_i |lambda_i(A)|``: the Lipschitz constant of ``grad f(x) = A x - b``
  (the spectral norm of ``A``). For an indefinite ``A`` this is not ``lambda_max``.

Function to write
-----------------
curvature_constants(A) -> (mu, L), two floats

* ``A``: a symmetric matrix (list or ndarray), shape (d, d).
* A matrix that is not symmetric (``A != A.T`` beyond 1e-12) raises ``ValueError``
  with a message that names ``A``.

Hints
-----
* ``np.linalg.eigvalsh`` sorts the eigenvalues; ``np.linalg.eigvals`` does not.
* Check yourself: ``L`` equals ``np.linalg.norm(A, 2)``.

Check your work in a notebook with ``check("ex02_constants")``, or run ``make grade``.
"""
import numpy as np


def curvature_constants(A):
    """``(mu, L) = (lambda_min(A), max |lambda(A)|)`` of a symmetric matrix ``A``.

    Parameters
    ----------
    A : array-like, shape (d, d), symmetric

    Returns
    -------
    tuple of two floats

    Raises
    ------
    ValueError
        If ``A`` is not symmetric.
    """
    raise NotImplementedError("curvature_constants: replace this line with your code")
