"""A problem seen in new coordinates: ``g(y) = f(M y + c)`` (affine change of variables).

``grad g(y) = M^T grad f(x)``, ``hess g(y) = M^T hess f(x) M`` at ``x = M y + c``.
Newton's step transforms like a point (``M p_y = p_x``), so Newton's iterates in the
new coordinates map back onto the original ones exactly; the gradient does not
(``M grad g = M M^T grad f``), so gradient descent's iterates change.

References
----------
S. Boyd and L. Vandenberghe, *Convex Optimization*, Cambridge 2004, Section 9.5.1
(affine invariance of the Newton step); Nocedal & Wright, Section 3.3.
"""
from __future__ import annotations

import numpy as np

from .._validation import check_array

__all__ = ["Affine"]


class Affine:
    """``g(y) = f(M y + c)`` for a problem ``f`` with ``value``, ``grad`` (and ``hessian``).

    Parameters
    ----------
    problem : object with ``value(x)``, ``grad(x)``; ``hessian(x)`` for Newton
    M : array-like, shape (n, n), invertible
    c : array-like, shape (n,), optional (default 0)

    Examples
    --------
    >>> from course_lib.problems import Quadratic
    >>> g = Affine(Quadratic(np.diag([1.0, 4.0])), np.diag([1.0, 0.5]))
    >>> g.hessian(np.zeros(2))            # M^T A M = I: the change of variables whitens A
    array([[1., 0.],
           [0., 1.]])
    """

    def __init__(self, problem, M, c=None):
        owner = "Affine"
        for attr in ("value", "grad"):
            if not callable(getattr(problem, attr, None)):
                raise TypeError(f"The 'problem' parameter of {owner} must have a {attr}(x) "
                                f"method. Got {type(problem).__name__} instead.")
        M = check_array(M, "M", owner, ndim=2)
        n = M.shape[0]
        if M.shape != (n, n) or np.linalg.cond(M) > 1e12:
            raise ValueError(f"The 'M' parameter of {owner} must be an invertible square "
                             f"matrix. Got shape {M.shape} with condition number "
                             f"{np.linalg.cond(M) if M.shape == (n, n) else np.inf:.3g} "
                             f"instead.")
        c = np.zeros(n) if c is None else check_array(c, "c", owner, shape=(n,))
        self.problem, self.M, self.c, self.dim = problem, M, c, n
        self.name = f"{getattr(problem, 'name', 'problem')} (new coordinates)"

    def to_original(self, y):
        """``x = M y + c`` (rows of ``y`` for an array of iterates)."""
        y = np.asarray(y, dtype=float)
        return y @ self.M.T + self.c

    def from_original(self, x):
        """``y = M^{-1} (x - c)``."""
        x = np.asarray(x, dtype=float)
        return np.linalg.solve(self.M, (x - self.c).T).T

    def value(self, y):
        return self.problem.value(self.to_original(y))

    def grad(self, y):
        return self.M.T @ np.asarray(self.problem.grad(self.to_original(y)), dtype=float)

    def hessian(self, y):
        H = np.asarray(self.problem.hessian(self.to_original(y)), dtype=float)
        return self.M.T @ H @ self.M
