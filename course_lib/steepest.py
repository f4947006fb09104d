"""Steepest descent under a norm constraint: which direction is "steepest" depends on the norm.

The first-order Taylor model ``f(x + d) ~ f(x) + g.d`` (``g = grad f(x)``) is
minimised over a ball ``{d : ||d|| <= eps}``. The minimum value is
``-eps * ||g||_*``, where ``||.||_*`` is the dual norm, and a minimiser is

* ``p = 2``   (Euclidean): ``d* = -eps g / ||g||_2``          (the negative gradient, rescaled)
* ``p = inf`` (max-norm):  ``d* = -eps sign(g)``               (every coordinate moves by eps)
* ``p = 1``   (l1):        ``d* = -eps sign(g_i) e_i``, ``i = argmax |g_i|``  (one coordinate)
* ``1 < p < inf``:         ``d*_i = -eps sign(g_i) |g_i|^(q-1) / ||g||_q^(q-1)``, ``1/p + 1/q = 1``

(the equality case of Hoelder's inequality). The learning rate appears only once a
step *length* is fixed: with the Euclidean norm and ``eps = eta ||g||_2`` the
minimiser is ``-eta g``, the gradient-descent step.

:func:`brute_force_steepest` finds the same minimiser numerically, by evaluating
``g.d`` at many points of the sphere ``||d|| = eps``; the notebooks use it as an
independent check of the closed form.

References: Boyd & Vandenberghe, *Convex Optimization* (2004), Section 9.4
(steepest descent for a general norm) and Appendix A.1.6 (dual norms).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_array, check_int, check_scalar

__all__ = [
    "dual_norm_exponent",
    "steepest_descent_direction",
    "brute_force_steepest",
    "sphere_points",
    "BruteForceResult",
]


def _check_p(p, owner):
    if p in (np.inf, float("inf"), "inf"):
        return np.inf
    return check_scalar(p, "p", owner, low=1.0, closed="left")


def dual_norm_exponent(p):
    """The exponent ``q`` of the dual norm of the l_p norm: ``1/p + 1/q = 1``.

    ``q = inf`` for ``p = 1`` and ``q = 1`` for ``p = inf``.

    Examples
    --------
    >>> dual_norm_exponent(2), dual_norm_exponent(1), dual_norm_exponent(np.inf)
    (2.0, inf, 1.0)
    """
    p = _check_p(p, "dual_norm_exponent")
    if p == 1.0:
        return np.inf
    if p == np.inf:
        return 1.0
    return p / (p - 1.0)


def steepest_descent_direction(g, eps=1.0, p=2):
    """Closed-form minimiser of ``g.d`` subject to ``||d||_p <= eps``.

    Parameters
    ----------
    g : array-like, shape (n,)
        The gradient at the current point.
    eps : float > 0
        Radius of the ball (the step length, measured in the l_p norm).
    p : float >= 1 or np.inf
        Which norm; 1, 2 and ``np.inf`` are the cases taught.

    Returns
    -------
    ndarray, shape (n,)
        A minimiser ``d*`` (``||d*||_p = eps``; zeros if ``g = 0``). For ``p = 1``
        with several largest ``|g_i|`` the first one is used (every convex
        combination of those coordinate steps is also a minimiser); for
        ``p = inf`` coordinates with ``g_i = 0`` are set to 0.
        The minimum value is ``g.d* = -eps ||g||_q``.

    Examples
    --------
    >>> g = np.array([3.0, -1.0])
    >>> steepest_descent_direction(g, 1.0, 2)
    array([-0.9486833 ,  0.31622777])
    >>> steepest_descent_direction(g, 1.0, np.inf)
    array([-1.,  1.])
    >>> steepest_descent_direction(g, 1.0, 1)
    array([-1.,  0.])

    References
    ----------
    Boyd & Vandenberghe, *Convex Optimization*, 9.4.1-9.4.2.
    """
    owner = "steepest_descent_direction"
    g = check_array(g, "g", owner, ndim=1)
    eps = check_scalar(eps, "eps", owner, low=0.0, closed="neither")
    p = _check_p(p, owner)
    d = np.zeros_like(g)
    if not np.any(g):
        return d
    if p == 1.0:
        i = int(np.argmax(np.abs(g)))
        d[i] = -eps * np.sign(g[i])
        return d
    if p == np.inf:
        return -eps * np.sign(g)
    q = p / (p - 1.0)
    a = np.abs(g) / np.max(np.abs(g))           # rescale to avoid overflow in |g|^(q-1)
    w = a ** (q - 1.0)
    return -eps * np.sign(g) * w / np.linalg.norm(w, ord=p)


def sphere_points(dim, n_points, p=2, eps=1.0, seed=0):
    """Points on the sphere ``{d : ||d||_p = eps}``.

    In 2-D: ``n_points`` directions at evenly spaced angles, each rescaled to
    l_p length ``eps`` (an outline of the ball, vertices of the l1 and l_inf balls
    included when ``n_points`` is a multiple of 8). In higher dimension: standard
    normal directions rescaled the same way, plus the ``2 dim`` signed coordinate
    vectors and the ``2^dim`` sign vectors when ``dim <= 10`` (the vertices of the l1 and
    l_inf balls), so the search can hit a corner exactly.

    Returns
    -------
    ndarray, shape (m, dim)
    """
    owner = "sphere_points"
    dim = check_int(dim, "dim", owner, low=1)
    n_points = check_int(n_points, "n_points", owner, low=1)
    eps = check_scalar(eps, "eps", owner, low=0.0, closed="neither")
    p = _check_p(p, owner)
    if dim == 2:
        theta = np.linspace(0.0, 2 * np.pi, n_points, endpoint=False)
        u = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    else:
        u = np.random.default_rng(seed).standard_normal((n_points, dim))
        if dim <= 10:
            eye = np.eye(dim)
            signs = np.array(np.meshgrid(*[[-1.0, 1.0]] * dim)).reshape(dim, -1).T
            u = np.concatenate([u, eye, -eye, signs])
    u = u[np.linalg.norm(u, ord=2, axis=1) > 0]
    norms = np.linalg.norm(u, ord=p, axis=1)
    return eps * u / norms[:, None]


class BruteForceResult(NamedTuple):
    """``direction``: the best point found; ``value``: ``g.direction``;
    ``points``: every point tried; ``values``: ``g.points``."""

    direction: np.ndarray
    value: float
    points: np.ndarray
    values: np.ndarray


def brute_force_steepest(g, eps=1.0, p=2, n_points=20_000, seed=0):
    """Minimise ``g.d`` over the l_p ball of radius ``eps`` by trying many points.

    A linear function attains its minimum over a ball on the boundary sphere,
    so the search evaluates ``g.d`` at the points of :func:`sphere_points` and
    keeps the smallest. This uses no formula for the answer: it is the numerical
    check of :func:`steepest_descent_direction`.

    Parameters
    ----------
    g : array-like, shape (n,)
    eps : float > 0
    p : float >= 1 or np.inf
    n_points : int >= 1
    seed : int  (used when ``n != 2``)

    Returns
    -------
    BruteForceResult

    Examples
    --------
    >>> r = brute_force_steepest(np.array([3.0, -1.0]), p=np.inf, n_points=800)
    >>> np.round(r.direction, 3)
    array([-1.,  1.])
    """
    owner = "brute_force_steepest"
    g = check_array(g, "g", owner, ndim=1)
    pts = sphere_points(g.size, n_points, p=p, eps=eps, seed=seed)
    vals = pts @ g
    k = int(np.argmin(vals))
    return BruteForceResult(direction=pts[k].copy(), value=float(vals[k]), points=pts,
                            values=vals)
