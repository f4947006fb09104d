"""Exercise ex01_backtracking -- a backtracking line search (Armijo).

Instead of a fixed learning rate, pick the step ``t`` at each iterate: start
from ``t0`` and multiply by ``beta`` until the step gives a *sufficient
decrease* (the Armijo condition), for the direction ``d = -g``, ``g = grad f(x)``:

    f(x - t g) <= f(x) - c * t * ||g||^2

Return the first (hence the largest) ``t`` in ``t0, t0*beta, t0*beta**2, ...``
that satisfies it.

Function to write
-----------------
backtracking(f, grad_fx, x, t0=1.0, c=1e-4, beta=0.5) -> float
    ``f(x) -> float`` is the objective, ``grad_fx`` the gradient at ``x`` (already
    computed), ``x`` the current point. Returns the accepted step ``t``.

Hints
-----
* ``||g||^2`` is ``g @ g`` (the squared norm, not the norm).
* Evaluate ``f(x)`` once, before the loop; each trial then costs one call of ``f``.
* A trial where ``f`` is NaN must be rejected. ``nan <= bound`` is False, but
  ``nan > bound`` is False too: write the test so that a NaN fails it.
* At a stationary point (``g = 0``) the condition reads ``f(x) <= f(x)``: it
  holds, and ``t0`` is returned.
* Reference: Nocedal & Wright, *Numerical Optimization*, Algorithm 3.1.

Check your work with ``check("ex01_backtracking")``.
"""
import numpy as np


def backtracking(f, grad_fx, x, t0=1.0, c=1e-4, beta=0.5):
    """Largest ``t`` in ``{t0 * beta**k : k = 0, 1, ...}`` with
    ``f(x - t g) <= f(x) - c t ||g||^2``, where ``g = grad_fx``.

    Parameters
    ----------
    f : callable, ``f(x) -> float``
    grad_fx : ndarray, shape (d,)   gradient of ``f`` at ``x``
    x : ndarray, shape (d,)
    t0 : float > 0     first trial step
    c : float in (0, 1)   sufficient-decrease constant
    beta : float in (0, 1)   shrink factor

    Returns
    -------
    float  the accepted step ``t``
    """
    # BEGIN SOLUTION
    g = np.asarray(grad_fx, dtype=float)
    point = np.asarray(x, dtype=float)
    fx = f(point)
    decrease = float(g @ g)
    t = t0
    while True:
        trial = f(point - t * g)
        if trial <= fx - c * t * decrease:   # False when trial is NaN
            return t
        t *= beta
    # END SOLUTION
