"""Euclidean projections onto the convex sets that ML constraints use.

``P_C(v) = argmin_{x in C} 1/2 ||x - v||^2``: the ball (max-norm weight constraints,
trust regions), the box (bounds), the probability simplex (mixture weights) and the
l1 ball (sparsity). :func:`course_lib.constrained.projected_gradient` takes any of
them as its ``project`` argument.

References
----------
Duchi, Shalev-Shwartz, Singer, Chandra (2008), "Efficient projections onto the
l1-ball for learning in high dimensions", ICML, Fig. 1 (sort-based simplex
projection) and Sec. 4 (l1 ball). Held, Wolfe, Crowder (1974), "Validation of
subgradient optimization", Math. Programming 6.
Parikh and Boyd (2014), "Proximal Algorithms", Sec. 6.2 (projections).
"""
from __future__ import annotations

import numpy as np

from ._validation import check_array, check_scalar

__all__ = ["project_ball", "project_box", "project_simplex", "project_l1_ball",
           "project_box_hyperplane"]


def project_ball(v, radius=1.0, center=None):
    """Projection onto the Euclidean ball ``{x : ||x - c||_2 <= r}``.

    ``P(v) = c + (v - c) * min(1, r / ||v - c||)``.

    Parameters
    ----------
    v : array-like, shape (n,)
    radius : float >= 0
    center : array-like, shape (n,), optional (default 0)

    Examples
    --------
    >>> project_ball([3.0, 4.0], radius=1.0)
    array([0.6, 0.8])

    References
    ----------
    Parikh and Boyd (2014), Proximal Algorithms, Sec. 6.2.
    """
    v = check_array(v, "v", "project_ball", ndim=1)
    r = check_scalar(radius, "radius", "project_ball", low=0.0, closed="left")
    c = np.zeros_like(v) if center is None else check_array(
        center, "center", "project_ball", shape=v.shape)
    d = v - c
    n = np.linalg.norm(d)
    return v if n <= r else c + d * (r / n)


def project_box(v, lower, upper):
    """Projection onto the box ``{x : lower <= x <= upper}``: ``clip(v, lower, upper)``.

    ``lower`` and ``upper`` are scalars or arrays of ``v``'s shape (``-inf`` / ``inf``
    allowed); every ``lower_i <= upper_i`` (else the box is empty: ValueError).

    Examples
    --------
    >>> project_box([-2.0, 0.5, 3.0], 0.0, 1.0)
    array([0. , 0.5, 1. ])

    References
    ----------
    Parikh and Boyd (2014), Proximal Algorithms, Sec. 6.2.1.
    """
    v = check_array(v, "v", "project_box", ndim=1)
    lo = np.broadcast_to(np.asarray(lower, dtype=float), v.shape)
    hi = np.broadcast_to(np.asarray(upper, dtype=float), v.shape)
    if np.any(np.isnan(lo)) or np.any(np.isnan(hi)) or np.any(lo > hi):
        bad = int(np.argmax(~(lo <= hi)))
        raise ValueError(f"The 'lower' and 'upper' parameters of project_box must satisfy "
                         f"lower <= upper in every coordinate (else the box is empty). Got "
                         f"lower[{bad}]={lo[bad]!r} > upper[{bad}]={hi[bad]!r} instead.")
    return np.clip(v, lo, hi)


def project_simplex(v, s=1.0):
    """Projection onto the simplex ``{x : x >= 0, sum(x) = s}`` (sort-based).

    Sort ``u = sort(v)`` decreasingly, let ``rho = max{j : u_j - (sum_{i<=j} u_i - s)/j > 0}``
    and ``theta = (sum_{i<=rho} u_i - s) / rho``; then ``P(v) = max(v - theta, 0)``.
    O(n log n).

    Parameters
    ----------
    v : array-like, shape (n,), n >= 1
    s : float > 0, the simplex's total

    Examples
    --------
    >>> project_simplex([0.5, 0.5, 1.0])
    array([0.16666667, 0.16666667, 0.66666667])

    References
    ----------
    Duchi et al. (2008), ICML, Fig. 1; Held, Wolfe and Crowder (1974).
    """
    v = check_array(v, "v", "project_simplex", ndim=1)
    s = check_scalar(s, "s", "project_simplex", low=0.0)
    if v.size == 0:
        raise ValueError("The 'v' parameter of project_simplex must have at least one "
                         "entry. Got an empty array instead.")
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - s
    j = np.arange(1, v.size + 1)
    rho = int(np.nonzero(u - css / j > 0)[0][-1]) + 1
    theta = css[rho - 1] / rho
    return np.maximum(v - theta, 0.0)


def project_l1_ball(v, radius=1.0):
    """Projection onto the l1 ball ``{x : ||x||_1 <= r}``.

    If ``||v||_1 <= r`` it is ``v``; otherwise ``sign(v) * P_simplex(|v|, r)``
    (the soft-threshold ``sign(v) max(|v| - theta, 0)`` with the simplex's ``theta``).

    Examples
    --------
    >>> project_l1_ball([2.0, -1.0], radius=1.0)
    array([ 1., -0.])

    References
    ----------
    Duchi et al. (2008), ICML, Sec. 4 and Fig. 1.
    """
    v = check_array(v, "v", "project_l1_ball", ndim=1)
    r = check_scalar(radius, "radius", "project_l1_ball", low=0.0)
    if np.abs(v).sum() <= r:
        return v
    return np.sign(v) * project_simplex(np.abs(v), r)


def project_box_hyperplane(v, a, beta, lower, upper):
    """Projection onto ``{x : lower <= x <= upper, a^T x = beta}`` (the SVM dual's set).

    The KKT conditions give ``x(tau) = clip(v - tau a, lower, upper)`` with the scalar
    ``tau`` chosen so that ``a^T x(tau) = beta``; ``a^T x(tau)`` is piecewise linear and
    non-increasing in ``tau``, so ``tau`` is found exactly from its values at the
    breakpoints (O(n^2) here: small problems). ValueError if the set is empty.

    Examples
    --------
    >>> project_box_hyperplane([2.0, 0.0], [1.0, 1.0], 1.0, 0.0, 1.0)
    array([1., 0.])

    References
    ----------
    Pardalos and Kovoor (1990), "An algorithm for a singly constrained class of
    quadratic programs subject to upper and lower bounds", Math. Programming 46.
    """
    owner = "project_box_hyperplane"
    v = check_array(v, "v", owner, ndim=1)
    a = check_array(a, "a", owner, shape=v.shape)
    beta = check_scalar(beta, "beta", owner)
    lo = np.broadcast_to(np.asarray(lower, dtype=float), v.shape)
    hi = np.broadcast_to(np.asarray(upper, dtype=float), v.shape)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(lo <= hi)):
        raise ValueError(f"The 'lower' and 'upper' parameters of {owner} must be finite "
                         f"with lower <= upper. Got lower={lo!r}, upper={hi!r} instead.")
    smin = np.minimum(a * lo, a * hi).sum()
    smax = np.maximum(a * lo, a * hi).sum()
    if not smin - 1e-12 <= beta <= smax + 1e-12:
        raise ValueError(f"The 'beta' parameter of {owner} must lie in [{smin!r}, {smax!r}] "
                         f"(the values a^T x takes on the box), else the set is empty. Got "
                         f"{beta!r} instead.")
    nz = a != 0
    if not np.any(nz):
        return np.clip(v, lo, hi)
    # s(tau) = a^T clip(v - tau a, lo, hi) is piecewise linear and non-increasing, with
    # breakpoints where a coordinate reaches a bound: evaluate it there, then
    # interpolate linearly on the piece where it crosses beta (exact).
    bp = np.unique(np.concatenate([(v[nz] - lo[nz]) / a[nz], (v[nz] - hi[nz]) / a[nz]]))
    s_bp = np.clip(v[None, :] - bp[:, None] * a[None, :], lo, hi) @ a
    k = int(np.searchsorted(-s_bp, -beta))          # first breakpoint with s <= beta
    if k == 0:
        tau = bp[0]
    elif k == len(bp):
        tau = bp[-1]
    else:
        t0, t1, s0, s1 = bp[k - 1], bp[k], s_bp[k - 1], s_bp[k]
        tau = t0 if s0 == s1 else t0 + (s0 - beta) * (t1 - t0) / (s0 - s1)
    return np.clip(v - tau * a, lo, hi)
