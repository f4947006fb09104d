"""Strong-Wolfe line search (bracketing + zoom with cubic interpolation).

Accept a step ``t`` along a descent direction ``d`` when

    f(x + t d) <= f(x) + c1 t g.d            (sufficient decrease, Armijo)
    |grad f(x + t d) . d| <= c2 |g.d|        (strong curvature condition)

with ``0 < c1 < c2 < 1``. Under these conditions ``y.s > 0`` for
``s = t d``, ``y = grad f(x + s) - grad f(x)``, which keeps a BFGS matrix positive
definite (Nocedal & Wright, 2nd ed., Lemma 3.1 and eq. 6.7).

The algorithm is Nocedal & Wright's Algorithms 3.5 (bracketing) and 3.6 (zoom), with
the safeguards of M. Schmidt's minFunc / torch's ``lswolfe`` (the extrapolation is a
cubic interpolation clipped to ``[t + 0.01 (t - t_prev), 10 t]``; a zoom trial that
falls within 10 % of a bracket end twice in a row is moved to 10 % inside). It makes
the same trials as ``torch.optim.lbfgs._strong_wolfe`` for finite values, so
:class:`course_lib.torch_optim.LBFGS` can reproduce ``torch.optim.LBFGS``.
A trial where ``f`` or its gradient is not finite is treated as "too long": the step
is halved towards the last good one (torch would propagate the NaN).

References
----------
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006,
Sections 3.1, 3.5; ``torch/optim/lbfgs.py`` (``_strong_wolfe``, ``_cubic_interpolate``).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._validation import check_callable, check_int, check_scalar

__all__ = ["cubic_interpolate", "strong_wolfe", "WolfeResult"]


class WolfeResult(NamedTuple):
    """``step`` t; ``fval`` f(x + t d); ``grad`` grad f(x + t d); ``nfev`` evaluations
    of (f, grad) made; ``success``: the strong Wolfe conditions hold at ``step`` (or at
    least sufficient decrease when the search ran out of trials)."""

    step: float
    fval: float
    grad: np.ndarray
    nfev: int
    success: bool


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through ``(x1, f1, f'=g1)`` and ``(x2, f2, f'=g2)``,
    clipped to ``bounds`` (default: the interval between x1 and x2).

    ``d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2)``, ``d2 = sqrt(d1^2 - g1 g2)``,
    ``x* = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2)`` (Nocedal & Wright eq.
    3.59). When ``d1^2 < g1 g2`` the cubic has no minimizer: the midpoint of the bounds.

    Examples
    --------
    >>> round(cubic_interpolate(0.0, 1.0, -2.0, 2.0, 1.0, 2.0), 12)   # (t - 1)^2
    1.0
    """
    if bounds is not None:
        lo, hi = bounds
    else:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        else:
            pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        return min(max(pos, lo), hi)
    return (lo + hi) / 2.0


def _finite(f, g):
    return math.isfinite(f) and bool(np.all(np.isfinite(g)))


def strong_wolfe(obj, d, f0, g0, t=1.0, *, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                 max_ls=25):
    """A step ``t`` along ``d`` satisfying the strong Wolfe conditions.

    Parameters
    ----------
    obj : callable
        ``obj(t) -> (f(x + t d), grad f(x + t d))`` (float, ndarray).
    d : ndarray, shape (n,)
        Descent direction (``g0 . d < 0``).
    f0 : float
        ``f(x)``.
    g0 : ndarray, shape (n,)
        ``grad f(x)``.
    t : float > 0
        First trial step.
    c1, c2 : floats with ``0 < c1 < c2 < 1``
        Sufficient-decrease and curvature constants (0.9 for quasi-Newton methods).
    tolerance_change : float >= 0
        Stop zooming when the bracket is shorter than this (in ``max|d| * t`` units).
    max_ls : int >= 1
        Most evaluations of ``obj``.

    Returns
    -------
    WolfeResult

    Examples
    --------
    >>> f = lambda x: float(x @ x); g = lambda x: 2 * x
    >>> x = np.array([3.0]); d = -g(x)
    >>> r = strong_wolfe(lambda t: (f(x + t * d), g(x + t * d)), d, f(x), g(x))
    >>> r.success, abs(float(r.grad @ d)) <= 0.9 * abs(float(g(x) @ d))
    (True, True)
    """
    owner = "strong_wolfe"
    check_callable(obj, "obj", owner)
    t = check_scalar(t, "t", owner, low=0.0)
    c1 = check_scalar(c1, "c1", owner, low=0.0, high=1.0)
    c2 = check_scalar(c2, "c2", owner, low=c1, high=1.0)
    tolerance_change = check_scalar(tolerance_change, "tolerance_change", owner, low=0.0,
                                    closed="left")
    max_ls = check_int(max_ls, "max_ls", owner, low=1)
    d = np.asarray(d, dtype=float)
    g0 = np.asarray(g0, dtype=float)
    f0 = float(f0)
    gtd = float(g0 @ d)
    if not gtd < 0:
        raise ValueError(f"The 'd' parameter of {owner} must be a descent direction "
                         f"(grad . d < 0). Got grad . d = {gtd:.3g}.")
    d_norm = float(np.max(np.abs(d)))

    def evaluate(step):
        f, g = obj(step)
        return float(f), np.asarray(g, dtype=float)

    f_new, g_new = evaluate(t)
    nfev = 1
    ls_iter = 0
    # a non-finite first trial: halve until finite (counts against max_ls)
    while not _finite(f_new, g_new) and nfev < max_ls:
        t *= 0.5
        f_new, g_new = evaluate(t)
        nfev += 1
    if not _finite(f_new, g_new):
        return WolfeResult(0.0, f0, g0, nfev, False)
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f0, g0, gtd
    done = False
    bracket = bracket_f = bracket_g = bracket_gtd = None
    while ls_iter < max_ls:
        if f_new > f0 + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, bracket_gtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate: cubic step clipped to [t + 0.01 (t - t_prev), 10 t]
        step = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                 bounds=(t + 0.01 * (t - t_prev), t * 10.0))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = step
        f_new, g_new = evaluate(t)
        nfev += 1
        ls_iter += 1
        if not _finite(f_new, g_new):       # too long: bracket [t_prev, t] as +inf
            f_new, gtd_new = math.inf, math.inf
        else:
            gtd_new = float(g_new @ d)
    if ls_iter == max_ls:
        bracket, bracket_f = [0.0, t], [f0, f_new]
        bracket_g, bracket_gtd = [g0, g_new], [gtd, gtd_new]

    insuf_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        if math.isfinite(bracket_f[high]) and math.isfinite(bracket_gtd[high]):
            t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                                  bracket[1], bracket_f[1], bracket_gtd[1])
        else:
            t = 0.5 * (bracket[0] + bracket[1])
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insuf_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = evaluate(t)
        nfev += 1
        ls_iter += 1
        if not _finite(f_new, g_new):
            f_new, gtd_new = math.inf, math.inf
        else:
            gtd_new = float(g_new @ d)
        if f_new > f0 + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new
    t, f_t, g_t = bracket[low], bracket_f[low], bracket_g[low]
    decrease = math.isfinite(f_t) and f_t <= f0 + c1 * t * gtd and t > 0
    return WolfeResult(float(t), float(f_t), np.asarray(g_t, dtype=float), nfev,
                       bool(decrease))
