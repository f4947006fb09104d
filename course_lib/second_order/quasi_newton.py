"""Quasi-Newton methods: BFGS and L-BFGS (the two-loop recursion).

Both build, from the steps ``s_k = x_{k+1} - x_k`` and gradient changes
``y_k = g_{k+1} - g_k``, an inverse-Hessian model ``H`` satisfying the secant
condition ``H_{k+1} y_k = s_k``. BFGS stores ``H`` (n x n):

    H_{k+1} = (I - rho s y^T) H_k (I - rho y s^T) + rho s s^T,   rho = 1 / (y^T s)

which stays positive definite whenever ``y^T s > 0`` (guaranteed by a Wolfe line
search). L-BFGS stores only the last ``m`` pairs and applies ``H`` to a vector with the
two-loop recursion, starting from ``H_0 = gamma I``, ``gamma = s^T y / y^T y``.

Both loops evaluate the problem through :class:`course_lib.result.Recorder` and
return :class:`course_lib.result.OptimizeResult` (``nfev`` / ``njev`` count every call,
as scipy counts them). The stopping test is scipy's: ``max|g| <= gtol``.

References
----------
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006:
Algorithm 6.1 (BFGS), eq. 6.17 (update), 6.20 (initial scaling), Algorithms 7.4
(two-loop recursion) and 7.5 (L-BFGS). D. C. Liu and J. Nocedal, On the limited
memory BFGS method for large scale optimization, *Math. Programming* 45 (1989).
"""
from __future__ import annotations

import numpy as np

from .._validation import check_int, check_scalar
from ..line_search import backtracking_armijo
from ..result import Recorder
from .wolfe import strong_wolfe

__all__ = ["two_loop", "bfgs_update", "bfgs", "lbfgs"]

_LINE_SEARCHES = ("strong_wolfe", "armijo")


def two_loop(grad, s_list, y_list, gamma=None):
    """The L-BFGS direction ``-H grad`` by the two-loop recursion.

    ::

        q = grad
        for i = k-1, ..., k-m:   a_i = rho_i s_i.q ;  q -= a_i y_i     (newest first)
        r = gamma q                                                   (H_0 = gamma I)
        for i = k-m, ..., k-1:   b = rho_i y_i.r ;    r += (a_i - b) s_i  (oldest first)
        return -r

    with ``rho_i = 1 / (y_i . s_i)`` and, by default, ``gamma = s.y / y.y`` of the newest
    pair (1 without pairs). ``H`` is the BFGS inverse-Hessian built from ``gamma I`` and
    the pairs, so ``-H grad`` equals the BFGS direction of those pairs (a test checks it).

    Parameters
    ----------
    grad : ndarray, shape (n,)
    s_list, y_list : sequences of ndarrays, shape (n,), oldest first
    gamma : float > 0, optional

    Returns
    -------
    ndarray, shape (n,) — the direction ``-H grad``.

    Examples
    --------
    >>> two_loop(np.array([2.0, 4.0]), [np.array([1.0, 0.0])], [np.array([2.0, 0.0])])
    array([-1., -2.])

    References
    ----------
    Nocedal & Wright, Algorithm 7.4 and eq. 7.20.
    """
    q = np.array(grad, dtype=float)
    if len(s_list) != len(y_list):
        raise ValueError(f"The 's_list' and 'y_list' parameters of two_loop must have the "
                         f"same length. Got {len(s_list)} and {len(y_list)} instead.")
    rho = [1.0 / float(y @ s) for s, y in zip(s_list, y_list)]
    if gamma is None:
        gamma = (float(s_list[-1] @ y_list[-1]) / float(y_list[-1] @ y_list[-1])
                 if s_list else 1.0)
    alpha = [0.0] * len(s_list)
    for i in range(len(s_list) - 1, -1, -1):
        alpha[i] = rho[i] * float(s_list[i] @ q)
        q -= alpha[i] * y_list[i]
    r = gamma * q
    for i in range(len(s_list)):
        beta = rho[i] * float(y_list[i] @ r)
        r += (alpha[i] - beta) * s_list[i]
    return -r


def bfgs_update(H, s, y):
    """``(I - rho s y^T) H (I - rho y s^T) + rho s s^T`` with ``rho = 1 / y.s``
    (Nocedal & Wright eq. 6.17). Satisfies the secant condition ``H_new y = s``.

    Examples
    --------
    >>> H = bfgs_update(np.eye(2), np.array([1.0, 0.0]), np.array([2.0, 1.0]))
    >>> bool(np.allclose(H @ np.array([2.0, 1.0]), [1.0, 0.0]))
    True
    """
    rho = 1.0 / float(y @ s)
    V = np.eye(len(s)) - rho * np.outer(s, y)
    return V @ H @ V.T + rho * np.outer(s, s)


def _check_common(owner, gtol, maxiter, line_search, c1, c2):
    gtol = check_scalar(gtol, "gtol", owner, low=0.0, closed="left")
    maxiter = check_int(maxiter, "maxiter", owner, low=0)
    if line_search not in _LINE_SEARCHES:
        raise ValueError(f"The 'line_search' parameter of {owner} must be one of "
                         f"{list(_LINE_SEARCHES)}. Got {line_search!r} instead.")
    c1 = check_scalar(c1, "c1", owner, low=0.0, high=1.0)
    c2 = check_scalar(c2, "c2", owner, low=c1, high=1.0)
    return gtol, maxiter, c1, c2


def _search(rec, x, d, fx, g, t0, line_search, c1, c2):
    """One line search through the recorder: (t, f_new, g_new, ok)."""
    if line_search == "strong_wolfe":
        def obj(t):
            z = x + t * d
            return rec.value(z), rec.grad(z)
        with np.errstate(over="ignore", invalid="ignore"):
            r = strong_wolfe(obj, d, fx, g, t0, c1=c1, c2=c2)
        return r.step, r.fval, r.grad, r.success
    with np.errstate(over="ignore", invalid="ignore"):
        r = backtracking_armijo(rec.value, x, d, g, fx=fx, t0=t0, c=c1)
    if not r.success:
        return r.step, r.fval, g, False
    return r.step, r.fval, rec.grad(x + r.step * d), True


def _quasi_newton(owner, problem, x0, direction, update, *, gtol, maxiter, line_search,
                  c1, c2, callback, label):
    """The loop shared by :func:`bfgs` and :func:`lbfgs`: ``direction(g)`` gives the
    search direction, ``update(s, y)`` stores a curvature pair (skipped unless
    ``y.s > 1e-10 ||s|| ||y||``). First trial step as in scipy: ``min(1, 1.01 / ||g||)``
    on the first iteration (a step of length about 1 along -g), then 1."""
    gtol, maxiter, c1, c2 = _check_common(owner, gtol, maxiter, line_search, c1, c2)
    rec = Recorder(owner, problem, x0, callback=callback, label=label)
    x = rec.x0
    fx, g = rec.value(x), rec.grad(x)
    skipped = 0
    if rec.start(x, fx, g) or not np.all(np.isfinite(g)):
        rec.stop("diverged")
        return rec.result(skipped_updates=skipped)
    for k in range(maxiter):
        if np.max(np.abs(g)) <= gtol:
            rec.stop("converged")
            break
        d = direction(g)
        if not float(g @ d) < 0:         # rounding made H lose definiteness: restart
            d = -g
        t0 = min(1.0, 1.01 / float(np.linalg.norm(g))) if k == 0 else 1.0
        t, f_new, g_new, ok = _search(rec, x, d, fx, g, t0, line_search, c1, c2)
        x_new = x + t * d
        if not ok or np.array_equal(x_new, x):     # no step, or one lost to rounding
            rec.stop("line_search_failed")
            break
        s = x_new - x
        y = g_new - g
        x, fx, g = x_new, f_new, g_new
        if rec.step(x, fx, g, lr=t):
            break
        if float(y @ s) > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            update(s, y)
        else:
            skipped += 1
    else:
        if np.max(np.abs(g)) <= gtol:
            rec.stop("converged")
        else:
            rec.stop("max_steps")
    return rec.result(skipped_updates=skipped)


def bfgs(problem, x0, *, gtol=1e-5, maxiter=1000, line_search="strong_wolfe", c1=1e-4,
         c2=0.9, callback=None, label="BFGS"):
    """BFGS with a strong-Wolfe (default) or Armijo line search.

    ``d_k = -H_k g_k``; ``x_{k+1} = x_k + t_k d_k``; ``H`` updated by
    :func:`bfgs_update`. ``H_0 = I``; before the first update it is rescaled to
    ``(s.y / y.y) I`` (Nocedal & Wright eq. 6.20). With the Armijo search ``y.s > 0`` is
    not guaranteed: pairs with ``y.s <= 0`` are skipped (counted in
    ``result.skipped_updates``).

    Parameters
    ----------
    problem : object with ``value(x)`` and ``grad(x)``
    x0 : array-like, shape (n,)
    gtol : float >= 0   stop when ``max|grad| <= gtol`` (scipy's ``gtol``)
    maxiter : int >= 0
    line_search : {"strong_wolfe", "armijo"}
    c1, c2 : line-search constants, ``0 < c1 < c2 < 1`` (c2 unused by Armijo)
    callback : callable, optional  ``callback(intermediate_result)``
    label : str

    Returns
    -------
    OptimizeResult
        ``success=False`` with the reason in ``message`` when the line search fails,
        an evaluation is non-finite, or ``maxiter`` is reached.

    Examples
    --------
    >>> from course_lib.problems import Rosenbrock
    >>> res = bfgs(Rosenbrock(), [-1.2, 1.0])
    >>> res.success, bool(np.allclose(res.x, [1.0, 1.0], atol=1e-4))
    (True, True)

    References
    ----------
    Nocedal & Wright, Algorithm 6.1; scipy.optimize.minimize(method="BFGS").
    """
    state = {"H": None}

    def direction(g):
        return -g if state["H"] is None else -(state["H"] @ g)

    def update(s, y):
        if state["H"] is None:
            state["H"] = (float(s @ y) / float(y @ y)) * np.eye(len(s))
        state["H"] = bfgs_update(state["H"], s, y)

    return _quasi_newton("bfgs", problem, x0, direction, update, gtol=gtol,
                         maxiter=maxiter, line_search=line_search, c1=c1, c2=c2,
                         callback=callback, label=label)


def lbfgs(problem, x0, *, m=10, gtol=1e-5, maxiter=15000, line_search="strong_wolfe",
          c1=1e-4, c2=0.9, callback=None, label="L-BFGS"):
    """L-BFGS: BFGS with only the last ``m`` curvature pairs, applied by :func:`two_loop`.

    Memory ``2 m n`` numbers for the pairs (scipy's L-BFGS-B default ``m = 10``;
    torch's ``history_size = 100``). Parameters as :func:`bfgs`, plus ``m`` (int >= 1).

    Returns
    -------
    OptimizeResult

    Examples
    --------
    >>> from course_lib.problems import Rosenbrock
    >>> res = lbfgs(Rosenbrock(), [-1.2, 1.0])
    >>> res.success, bool(np.allclose(res.x, [1.0, 1.0], atol=1e-4))
    (True, True)

    References
    ----------
    Nocedal & Wright, Algorithm 7.5; Liu & Nocedal (1989);
    scipy.optimize.minimize(method="L-BFGS-B").
    """
    m = check_int(m, "m", "lbfgs", low=1)
    S, Y = [], []

    def direction(g):
        return two_loop(g, S, Y)

    def update(s, y):
        S.append(s); Y.append(y)
        if len(S) > m:
            S.pop(0); Y.pop(0)

    return _quasi_newton("lbfgs", problem, x0, direction, update, gtol=gtol,
                         maxiter=maxiter, line_search=line_search, c1=c1, c2=c2,
                         callback=callback, label=label)
