"""The practical curvature approximations of large-scale training, each small enough to
check against its exact counterpart: K-FAC, Shampoo, Sophia.

References
----------
J. Martens and R. Grosse, Optimizing neural networks with Kronecker-factored approximate
curvature, ICML 2015. V. Gupta, T. Koren and Y. Singer, Shampoo: preconditioned
stochastic tensor optimization, ICML 2018. H. Liu, Z. Li, D. Hall, P. Liang and T. Ma,
Sophia: a scalable stochastic second-order optimizer for language model pre-training,
ICLR 2024.
"""
from __future__ import annotations

import numpy as np

from .._validation import check_array, check_scalar

__all__ = ["exact_fisher_block", "kfac_factors", "kfac_precondition",
           "matrix_inverse_root", "shampoo_preconditioner", "sophia_step"]


def _pair(a, g, owner):
    a = check_array(a, "a", owner, ndim=2)
    g = check_array(g, "g", owner, ndim=2)
    if a.shape[0] != g.shape[0]:
        raise ValueError(f"The 'a' and 'g' parameters of {owner} must have the same number "
                         f"of rows (examples). Got {a.shape[0]} and {g.shape[0]} instead.")
    return a, g


def exact_fisher_block(a, g):
    """``F = mean_i vec(G_i) vec(G_i)^T`` for a linear layer ``y = W a``, where
    ``G_i = g_i a_i^T`` is example ``i``'s weight gradient (``g_i = dL/dy_i``) and
    ``vec`` stacks columns, so ``vec(G_i) = a_i kron g_i``. Size ``(in*out)^2``.

    Examples
    --------
    >>> exact_fisher_block(np.array([[1.0, 2.0]]), np.array([[3.0]]))
    array([[ 9., 18.],
           [18., 36.]])
    """
    a, g = _pair(a, g, "exact_fisher_block")
    V = np.stack([np.kron(ai, gi) for ai, gi in zip(a, g)])
    return V.T @ V / len(a)


def kfac_factors(a, g):
    """K-FAC's factors ``A = mean a a^T`` (in x in) and ``G = mean g g^T`` (out x out):
    ``F ~ A kron G``, exact when ``a`` and ``g`` are independent (Martens & Grosse eq. 2)."""
    a, g = _pair(a, g, "kfac_factors")
    return a.T @ a / len(a), g.T @ g / len(g)


def kfac_precondition(grad_W, A, G, damping=0.0):
    """``(A kron G + ...)^{-1} vec(grad_W)`` computed as
    ``(G + sqrt(d) I)^{-1} grad_W (A + sqrt(d) I)^{-1}`` (the identity
    ``(A kron G)^{-1} vec(V) = vec(G^{-1} V A^{-1})``; damping split between the factors).
    Cost ``O(in^3 + out^3)`` instead of ``O((in out)^3)``."""
    owner = "kfac_precondition"
    grad_W = check_array(grad_W, "grad_W", owner, ndim=2)
    A = check_array(A, "A", owner, shape=(grad_W.shape[1],) * 2)
    G = check_array(G, "G", owner, shape=(grad_W.shape[0],) * 2)
    r = np.sqrt(check_scalar(damping, "damping", owner, low=0.0, closed="left"))
    return np.linalg.solve(G + r * np.eye(len(G)), grad_W) @ np.linalg.inv(A + r * np.eye(len(A)))


def matrix_inverse_root(M, p, eps=0.0):
    """``(M + eps I)^(-1/p)`` of a symmetric PSD matrix by eigendecomposition
    (eigenvalues below 0 by round-off are set to 0 first).

    Examples
    --------
    >>> np.round(matrix_inverse_root(np.diag([16.0, 1.0]), 4), 12)
    array([[0.5, 0. ],
           [0. , 1. ]])
    """
    owner = "matrix_inverse_root"
    M = check_array(M, "M", owner, ndim=2)
    p = check_scalar(p, "p", owner, low=0.0)
    eps = check_scalar(eps, "eps", owner, low=0.0, closed="left")
    w, U = np.linalg.eigh(0.5 * (M + M.T))
    if np.min(w) < -1e-10 * max(np.max(np.abs(w)), 1e-300):
        raise ValueError(f"The 'M' parameter of {owner} must be positive semidefinite. Got "
                         f"smallest eigenvalue {np.min(w):.3g} instead.")
    w = np.maximum(w, 0.0) + eps                 # round-off below 0 is clipped
    if np.min(w) <= 0:
        raise ValueError(f"The 'eps' parameter of {owner} must be > 0 when 'M' is singular. "
                         f"Got {eps!r} instead.")
    return (U * w ** (-1.0 / p)) @ U.T


def shampoo_preconditioner(grads, eps=1e-12):
    """Shampoo's preconditioned direction for a matrix parameter after gradients
    ``G_1..G_t``: ``L = eps I + sum G G^T``, ``R = eps I + sum G^T G``,
    direction ``L^{-1/4} G_t R^{-1/4}`` (Gupta et al. 2018, Algorithm 1).

    Returns
    -------
    (direction, L_root, R_root) with ``L_root = L^{-1/4}``, ``R_root = R^{-1/4}``.

    For one rank-one gradient ``G = u v^T`` the direction is ``u v^T / (|u| |v|)``:
    unit spectral norm, whatever the gradient's scale (a test checks it).
    """
    grads = [check_array(G, "grads", "shampoo_preconditioner", ndim=2) for G in grads]
    if not grads:
        raise ValueError("The 'grads' parameter of shampoo_preconditioner must hold at least "
                         "one gradient matrix. Got an empty sequence instead.")
    m, n = grads[0].shape
    L = sum(G @ G.T for G in grads)
    R = sum(G.T @ G for G in grads)
    Lr = matrix_inverse_root(L, 4, eps)
    Rr = matrix_inverse_root(R, 4, eps)
    return Lr @ grads[-1] @ Rr, Lr, Rr


def sophia_step(m, h, *, lr=1e-4, gamma=0.01, eps=1e-12):
    """Sophia's update ``-lr * clip(m / max(gamma h, eps), -1, 1)`` (Liu et al. 2024,
    Algorithm 1): ``m`` an EMA of gradients, ``h`` an EMA of diagonal-Hessian estimates
    (Hutchinson's ``z * Hz``). Where ``h`` is small or negative the step is clipped to
    ``lr`` per coordinate (sign descent); where curvature is large it is a Newton-like
    ``-lr m / (gamma h)``."""
    owner = "sophia_step"
    m = check_array(m, "m", owner)
    h = check_array(h, "h", owner, shape=m.shape)
    lr = check_scalar(lr, "lr", owner, low=0.0)
    gamma = check_scalar(gamma, "gamma", owner, low=0.0)
    eps = check_scalar(eps, "eps", owner, low=0.0)
    return -lr * np.clip(m / np.maximum(gamma * h, eps), -1.0, 1.0)
