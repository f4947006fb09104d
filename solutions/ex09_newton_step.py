"""Exercise ex09_newton_step -- one step of Newton's method.

Newton's method minimizes the local quadratic model
``m(p) = f(x) + g.p + 1/2 p.H p`` (``g = grad f(x)``, ``H`` the Hessian at ``x``)
exactly: its minimizer solves ``H p = -g``, and the new point is ``x + p``.

Function to write
-----------------
newton_step(grad_fn, hess_fn, x) -> ndarray of shape (d,)

* ``grad_fn(x)`` returns the gradient (shape (d,)), ``hess_fn(x)`` the Hessian (d, d).
* Return the new point ``x - H(x)^{-1} grad f(x)`` as floats; do not modify ``x``.
* Call ``hess_fn`` once.

Hints
-----
* Solve the linear system with ``np.linalg.solve(H, g)``; do not form ``inv(H)``
  (slower and less accurate) and do not multiply by ``H``.
* Test yourself: on ``f(x) = 1/2 x^T A x - b^T x`` one step from any ``x`` gives
  ``A^{-1} b``.
* Reference: Nocedal & Wright, *Numerical Optimization*, eq. 3.30.

Check your work with ``check("ex09_newton_step")``.
"""
import numpy as np


def newton_step(grad_fn, hess_fn, x):
    """The Newton update ``x - H(x)^{-1} grad f(x)``.

    Parameters
    ----------
    grad_fn : callable, ``grad_fn(x) -> ndarray (d,)``
    hess_fn : callable, ``hess_fn(x) -> ndarray (d, d)``
    x : array-like, shape (d,)   current point (not modified)

    Returns
    -------
    ndarray, shape (d,)
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    g = np.asarray(grad_fn(x), dtype=float)
    H = np.asarray(hess_fn(x), dtype=float)
    return x - np.linalg.solve(H, g)
    # END SOLUTION
