"""Exercise ex08_simplex_projection -- Euclidean projection onto the probability simplex.

Mixture weights, attention-like weights and portfolio weights live on the simplex
``Delta = {x : x_i >= 0, sum_i x_i = 1}``. Its projection
``P(v) = argmin_{x in Delta} ||x - v||^2`` has the form ``P(v) = max(v - theta, 0)``
for the one ``theta`` that makes the entries sum to 1 (a KKT computation: theta is
the multiplier of the equality). The sort-based algorithm finds it:

    u = v sorted in decreasing order
    rho = the largest j (1-based) with  u_j - (u_1 + ... + u_j - 1) / j > 0
    theta = (u_1 + ... + u_rho - 1) / rho

Function to write
-----------------
project_simplex(v) -> ndarray of shape (n,)

* ``v``: array-like of shape (n,), n >= 1 (a list works too); do not modify it.
* The result is a float array, non-negative, summing to 1.

Hints
-----
* ``np.sort(v)[::-1]`` sorts decreasingly and returns a new array (``v.sort()``
  sorts the caller's array in place).
* ``np.cumsum(u)`` gives all the partial sums at once; ``np.arange(1, n + 1)`` the j's.
* Test yourself: ``project_simplex([0.5, 0.5, 1.0])`` is ``[1/6, 1/6, 2/3]``; a point
  already on the simplex is returned unchanged; ``[2, 0]`` goes to ``[1, 0]``.

Check your work in a notebook with ``check("ex08_simplex_projection")``.
"""
import numpy as np


def project_simplex(v):
    """Euclidean projection of ``v`` onto ``{x >= 0, sum(x) = 1}``.

    Parameters
    ----------
    v : array-like, shape (n,)

    Returns
    -------
    ndarray, shape (n,)
    """
    # BEGIN SOLUTION
    v = np.asarray(v, dtype=float)
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    j = np.arange(1, len(v) + 1)
    rho = np.nonzero(u - css / j > 0)[0][-1] + 1
    theta = css[rho - 1] / rho
    return np.maximum(v - theta, 0.0)
    # END SOLUTION
