"""Exercise ex08_kkt_residuals -- the four KKT residuals of a candidate point.

For ``min f(x)`` subject to ``g_j(x) <= 0`` (j = 1..p), with the Lagrangian
``L = f + sum_j mu_j g_j``, a candidate ``(x, mu)`` is a KKT point when all four
residuals below are zero:

    stationarity     ||grad f(x) + G^T mu||_2          (G: the p x n Jacobian of g)
    primal           max_j max(g_j(x), 0)               (feasibility, 0 when g <= 0)
    dual             max_j max(-mu_j, 0)                (mu >= 0)
    complementarity  max_j |mu_j g_j(x)|

Function to write
-----------------
kkt_residuals(grad_f, G, g, mu) -> ndarray of shape (4,)

* ``grad_f``: ``grad f(x)``, shape (n,); ``G``: shape (p, n), row ``j`` is
  ``grad g_j(x)``; ``g``: the values ``g_j(x)``, shape (p,); ``mu``: shape (p,).
* Return ``np.array([stationarity, primal, dual, complementarity])`` (floats).
* ``mu`` of a shape other than (p,) raises ``ValueError`` naming ``mu``.

Hints
-----
* ``G.T @ mu`` is ``sum_j mu_j grad g_j(x)`` (``G`` need not be square).
* ``np.maximum(g, 0.0).max()`` is the largest violation (0 when every g_j <= 0).
* Test yourself: ``min (x - 2)^2`` s.t. ``x - 1 <= 0`` has the KKT point
  ``x = 1, mu = 2``; all four residuals are 0 there.

Check your work in a notebook with ``check("ex08_kkt_residuals")``.
"""
import numpy as np


def kkt_residuals(grad_f, G, g, mu):
    """The KKT residuals ``[stationarity, primal, dual, complementarity]``.

    Parameters
    ----------
    grad_f : array-like, shape (n,)
    G : array-like, shape (p, n)
    g : array-like, shape (p,)
    mu : array-like, shape (p,)

    Returns
    -------
    ndarray, shape (4,)
    """
    # BEGIN SOLUTION
    grad_f = np.asarray(grad_f, dtype=float)
    G = np.asarray(G, dtype=float).reshape(-1, grad_f.shape[0])
    g, mu = np.asarray(g, dtype=float), np.asarray(mu, dtype=float)
    if mu.shape != g.shape:
        raise ValueError(f"mu must have the shape of g {g.shape}, got {mu.shape}")
    stationarity = np.linalg.norm(grad_f + G.T @ mu)
    primal = np.maximum(g, 0.0).max(initial=0.0)
    dual = np.maximum(-mu, 0.0).max(initial=0.0)
    complementarity = np.abs(mu * g).max(initial=0.0)
    return np.array([stationarity, primal, dual, complementarity], dtype=float)
    # END SOLUTION
