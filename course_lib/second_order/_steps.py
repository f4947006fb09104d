"""Pieces shared by the second-order loops (internal)."""
from __future__ import annotations

import numpy as np

from ..line_search import backtracking_armijo


def armijo_move(rec, x, p, g, fx, c=1e-4):
    """Backtrack (Armijo) along ``p`` through the recorder ``rec``:
    ``(x_new, f_new, g_new, t)``, or None after ``rec.stop("line_search_failed")``."""
    ls = backtracking_armijo(rec.value, x, p, g, fx=fx, c=c)
    if not ls.success:
        rec.stop("line_search_failed")
        return None
    x_new = x + ls.step * p
    return x_new, ls.fval, rec.grad(x_new), ls.step


def finish(rec, g, gtol):
    """After ``maxiter`` steps: converged if ``max|g| <= gtol``, else out of steps."""
    rec.stop("converged" if np.max(np.abs(g)) <= gtol else "max_steps")
