"""Backtracking line search with the Armijo (sufficient decrease) condition.

Given a descent direction ``d`` at ``x`` (``grad f(x) . d < 0``), try
``t = t0, t0*beta, t0*beta**2, ...`` and accept the first ``t`` with

    f(x + t d) <= f(x) + c * t * grad f(x) . d        (Armijo, 0 < c < 1)

For an L-smooth ``f`` and ``d = -grad f(x)`` the condition holds for every
``t <= 2 (1 - c) / L``, so backtracking stops after finitely many trials and
accepts ``t >= min(t0, 2 beta (1 - c) / L)``.

References: Armijo (1966); Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
Algorithm 3.1 and Section 3.1; Boyd & Vandenberghe, *Convex Optimization*, 9.2.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_array, check_callable, check_int, check_scalar

__all__ = ["LineSearchResult", "backtracking_armijo"]


class LineSearchResult(NamedTuple):
    """``step``: accepted t; ``fval``: f(x + t d); ``nfev``: evaluations of f made;
    ``success``: False if no trial satisfied the condition within ``max_backtracks``."""

    step: float
    fval: float
    nfev: int
    success: bool


def backtracking_armijo(f, x, direction, grad, *, fx=None, t0=1.0, c=1e-4, beta=0.5,
                        max_backtracks=60):
    """Largest ``t`` in ``{t0 * beta**k : k = 0, 1, ...}`` with
    ``f(x + t d) <= f(x) + c t grad.d``.

    Parameters
    ----------
    f : callable  objective, ``f(x) -> float``
    x : array-like, shape (n,)
    direction : array-like, shape (n,)  a descent direction ``d``
    grad : array-like, shape (n,)  ``grad f(x)``
    fx : float, optional  ``f(x)`` if already known (saves one evaluation)
    t0 : float > 0  first trial step
    c : float in (0, 1)  sufficient-decrease constant
    beta : float in (0, 1)  shrink factor
    max_backtracks : int >= 0

    Returns
    -------
    LineSearchResult

    Raises
    ------
    ValueError
        If ``direction`` is not a descent direction (``grad . d >= 0``) or shapes differ.

    Examples
    --------
    >>> f = lambda x: float(x @ x)
    >>> x = np.array([1.0]); g = 2 * x
    >>> backtracking_armijo(f, x, -g, g).step   # t=1 overshoots to -1, t=0.5 lands on 0
    0.5
    """
    owner = "backtracking_armijo"
    check_callable(f, "f", owner)
    x = check_array(x, "x", owner, ndim=1)
    d = check_array(direction, "direction", owner, shape=x.shape)
    g = check_array(grad, "grad", owner, shape=x.shape)
    t = check_scalar(t0, "t0", owner, low=0.0)
    c = check_scalar(c, "c", owner, low=0.0, high=1.0)
    beta = check_scalar(beta, "beta", owner, low=0.0, high=1.0)
    max_backtracks = check_int(max_backtracks, "max_backtracks", owner, low=0)
    slope = float(g @ d)
    if slope >= 0:
        raise ValueError(
            f"The 'direction' parameter of {owner} must be a descent direction "
            f"(grad . direction < 0). Got grad . direction = {slope:.3g}."
        )
    nfev = 0
    if fx is None:
        fx = float(f(x)); nfev += 1
    for _ in range(max_backtracks + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            ft = float(f(x + t * d))
        nfev += 1
        if np.isfinite(ft) and ft <= fx + c * t * slope:
            return LineSearchResult(step=t, fval=ft, nfev=nfev, success=True)
        t *= beta
    return LineSearchResult(step=t / beta, fval=ft, nfev=nfev, success=False)
