"""Curvature from Hessian-vector products: HVPs, CG, Hessian-free Newton, power
iteration, Lanczos, Hutchinson's trace estimator.

None of these forms the Hessian: each needs only ``v -> H v``, which costs about two
gradient evaluations (finite differences, :func:`hvp_fd`) or one double backward pass
(:func:`course_lib.second_order.autograd.hvp_autograd`, Pearlmutter 1994).

References
----------
B. A. Pearlmutter, Fast exact multiplication by the Hessian, *Neural Computation* 6
(1994). J. Martens, Deep learning via Hessian-free optimization, ICML 2010.
Nocedal & Wright, Algorithms 5.2 (CG) and 7.1 (line-search Newton-CG).
G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., 8.2.1 (power method),
10.1 (Lanczos). M. F. Hutchinson, A stochastic estimator of the trace of the influence
matrix..., *Comm. Stat. Simul. Comput.* 18 (1989).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import (check_array, check_callable, check_int, check_random_state,
                           check_scalar)
from ..result import Recorder
from ._steps import armijo_move, finish

__all__ = ["hvp_fd", "hessian_from_hvp", "conjugate_gradient", "CGResult",
           "hessian_free_newton", "power_iteration", "lanczos", "hutchinson",
           "HutchinsonResult"]


def hvp_fd(grad, x, v, eps=None):
    """``H(x) v ~ (grad(x + e v) - grad(x - e v)) / (2 e)`` (central difference).

    Error ``O(e^2 ||v||^3)`` from the third derivative plus rounding ``O(u / e)``; the
    default ``e = u^(1/3) / max(||v||, 1e-300) * max(1, ||x||)`` (``u`` machine epsilon)
    balances the two, about 6e-6 relative error on smooth problems.

    Examples
    --------
    >>> g = lambda x: np.array([2 * x[0] + x[1], x[0] + 4 * x[1]])   # H = [[2,1],[1,4]]
    >>> np.round(hvp_fd(g, np.zeros(2), np.array([1.0, 0.0])), 8)
    array([2., 1.])
    """
    check_callable(grad, "grad", "hvp_fd")
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    nv = float(np.linalg.norm(v))
    if nv == 0:
        return np.zeros_like(x)
    if eps is None:
        eps = np.finfo(float).eps ** (1 / 3) * max(1.0, float(np.linalg.norm(x))) / nv
    eps = check_scalar(eps, "eps", "hvp_fd", low=0.0)
    return (np.asarray(grad(x + eps * v)) - np.asarray(grad(x - eps * v))) / (2 * eps)


def hessian_from_hvp(hvp, n):
    """The ``n x n`` matrix with columns ``hvp(e_i)``, symmetrised ``(M + M^T) / 2``
    (for tests and small examples; costs ``n`` products)."""
    n = check_int(n, "n", "hessian_from_hvp", low=1)
    M = np.column_stack([np.asarray(hvp(e), dtype=float) for e in np.eye(n)])
    return 0.5 * (M + M.T)


class CGResult(NamedTuple):
    """``x`` the solution; ``iterations``; ``residual_norm`` ``||A x - b||``;
    ``negative_curvature``: a direction ``p`` with ``p.A p <= 0`` was met (CG stopped;
    ``x`` is the iterate before it, ``-b`` if it was the first)."""

    x: np.ndarray
    iterations: int
    residual_norm: float
    negative_curvature: bool


def conjugate_gradient(matvec, b, *, tol=1e-10, maxiter=None, stop_on_negative=True):
    """Solve ``A x = b`` for symmetric ``A`` given only ``v -> A v`` (from ``x = 0``).

    ::

        r = b, p = r
        repeat: a = r.r / p.A p ; x += a p ; r_new = r - a A p ;
                p = r_new + (r_new.r_new / r.r) p

    For positive definite ``A`` the error in the ``A``-norm shrinks at least by
    ``2 ((sqrt(k) - 1) / (sqrt(k) + 1))^t`` (``k`` the condition number) and CG is exact
    after ``n`` steps in exact arithmetic. Stops when ``||r|| <= tol ||b||``. With
    ``stop_on_negative`` it stops at a direction with ``p.A p <= 0`` (Newton-CG's test).

    Examples
    --------
    >>> A = np.array([[4.0, 1.0], [1.0, 3.0]])
    >>> res = conjugate_gradient(lambda v: A @ v, np.array([1.0, 2.0]))
    >>> bool(np.allclose(A @ res.x, [1.0, 2.0])), res.iterations
    (True, 2)

    References
    ----------
    Hestenes & Stiefel (1952); Nocedal & Wright Algorithm 5.2, Theorem 5.5 and eq. 5.36.
    """
    owner = "conjugate_gradient"
    check_callable(matvec, "matvec", owner)
    b = check_array(b, "b", owner, ndim=1)
    tol = check_scalar(tol, "tol", owner, low=0.0, closed="left")
    maxiter = check_int(len(b) if maxiter is None else maxiter, "maxiter", owner, low=0)
    x = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    rr = float(r @ r)
    bn = np.sqrt(rr)
    for it in range(maxiter):
        if np.sqrt(rr) <= tol * bn:
            return CGResult(x, it, float(np.sqrt(rr)), False)
        Ap = np.asarray(matvec(p), dtype=float)
        pAp = float(p @ Ap)
        if stop_on_negative and pAp <= 0:
            return CGResult(x if it > 0 else b.copy(), it, float(np.sqrt(rr)), True)
        a = rr / pAp
        x = x + a * p
        r = r - a * Ap
        rr_new = float(r @ r)
        p = r + (rr_new / rr) * p
        rr = rr_new
    return CGResult(x, maxiter, float(np.sqrt(rr)), False)


class _NonFiniteProduct(Exception):
    """A Hessian-vector product came back NaN or infinite (inside CG)."""


def hessian_free_newton(problem, x0, *, hvp=None, gtol=1e-6, maxiter=100, cg_maxiter=50,
                        callback=None, label="Newton-CG"):
    """Hessian-free (truncated) Newton: CG on ``H p = -g`` using only HVPs, then Armijo.

    CG stops at ``||H p + g|| <= min(0.5, sqrt(||g||)) ||g||`` (forcing term giving
    superlinear convergence, N&W eq. 7.3) or at negative curvature; the first CG
    direction is ``-g``, so the step is always a descent direction.

    Parameters
    ----------
    problem : object with ``value``, ``grad``
    x0 : array-like
    hvp : callable ``(x, v) -> H(x) v``, optional (default: :func:`hvp_fd` on
        ``problem.grad``; its gradient calls are counted in ``njev``)
    gtol, maxiter, callback, label : as in :func:`course_lib.second_order.newton.newton`
    cg_maxiter : int >= 1

    Returns
    -------
    OptimizeResult  (extra: ``nhvp`` products used, ``cg_iterations`` per step).
        A non-finite Hessian-vector product ends the run at the last finite iterate with
        ``success=False`` (status ``diverged``); so does a failed line search
        (``line_search_failed``).

    Examples
    --------
    >>> from course_lib.problems import Rosenbrock
    >>> res = hessian_free_newton(Rosenbrock(), [-1.2, 1.0])
    >>> res.success, bool(np.allclose(res.x, 1.0, atol=1e-5))
    (True, True)

    References
    ----------
    Nocedal & Wright Algorithm 7.1; Martens (2010).
    """
    owner = "hessian_free_newton"
    gtol = check_scalar(gtol, "gtol", owner, low=0.0, closed="left")
    maxiter = check_int(maxiter, "maxiter", owner, low=0)
    cg_maxiter = check_int(cg_maxiter, "cg_maxiter", owner, low=1)
    if hvp is not None:
        check_callable(hvp, "hvp", owner)
    rec = Recorder(owner, problem, x0, callback=callback, label=label)
    if hvp is None:
        def hvp(x, v):
            return hvp_fd(rec.grad, x, v)
    x = rec.x0
    fx, g = rec.value(x), rec.grad(x)
    nhvp, cg_its = 0, []
    if rec.start(x, fx, g):
        return rec.result(nhvp=nhvp, cg_iterations=cg_its)
    for _ in range(maxiter):
        gn = float(np.linalg.norm(g))
        if np.max(np.abs(g)) <= gtol:
            rec.stop("converged")
            break
        counter = [0]

        def matvec(v, x=x):
            counter[0] += 1
            hv = np.asarray(hvp(x, v), dtype=float)
            if not np.all(np.isfinite(hv)):
                raise _NonFiniteProduct
            return hv
        try:
            cg = conjugate_gradient(matvec, -g, tol=min(0.5, np.sqrt(gn)), maxiter=cg_maxiter)
        except _NonFiniteProduct:        # a NaN/inf curvature: stop, do not step on it
            nhvp += counter[0]
            rec.stop("diverged")
            break
        nhvp += counter[0]
        cg_its.append(cg.iterations)
        p = cg.x
        moved = armijo_move(rec, x, p, g, fx)
        if moved is None:
            break
        x, fx, g, t = moved
        if rec.step(x, fx, g, lr=t):
            break
    else:
        finish(rec, g, gtol)
    return rec.result(nhvp=nhvp, cg_iterations=cg_its)


def power_iteration(hvp, n, *, iters=100, tol=1e-10, seed=0):
    """Largest-magnitude eigenvalue of ``H`` from products ``v -> H v``.

    ``v <- H v / ||H v||``; the Rayleigh quotient ``v.Hv`` converges to the eigenvalue
    of largest magnitude ``lambda_1`` with error shrinking like ``(lambda_2/lambda_1)^(2t)``
    (Golub & Van Loan 8.2.1). Stops when the quotient changes by ``<= tol |quotient|``.

    Returns
    -------
    (eigenvalue, eigenvector, iterations)

    Examples
    --------
    >>> lam, v, _ = power_iteration(lambda v: np.diag([1.0, 5.0, 2.0]) @ v, 3)
    >>> round(lam, 8)
    5.0
    """
    owner = "power_iteration"
    check_callable(hvp, "hvp", owner)
    n = check_int(n, "n", owner, low=1)
    iters = check_int(iters, "iters", owner, low=1)
    tol = check_scalar(tol, "tol", owner, low=0.0, closed="left")
    rng = check_random_state(seed, "seed", owner)
    v = rng.standard_normal(n)
    v /= np.linalg.norm(v)
    lam = 0.0
    for it in range(1, iters + 1):
        w = np.asarray(hvp(v), dtype=float)
        lam_new = float(v @ w)
        nw = float(np.linalg.norm(w))
        if nw == 0:
            return 0.0, v, it
        v = w / nw
        if abs(lam_new - lam) <= tol * abs(lam_new):
            return lam_new, v, it
        lam = lam_new
    return lam, v, iters


def lanczos(hvp, n, k, *, seed=0):
    """Extreme eigenvalues of symmetric ``H`` from ``k`` Lanczos steps (full
    reorthogonalisation): the eigenvalues (Ritz values) of the tridiagonal
    ``T_k = Q_k^T H Q_k``, ascending. The extreme Ritz values converge first, much faster
    than power iteration (Kaniel-Paige theory, Golub & Van Loan 10.1.5).

    Returns
    -------
    ndarray, shape (k',)  Ritz values, ``k' <= k`` (fewer if the Krylov space closes).

    Examples
    --------
    >>> A = np.diag(np.arange(1.0, 11.0))
    >>> r = lanczos(lambda v: A @ v, 10, 10)
    >>> bool(np.allclose([r[0], r[-1]], [1.0, 10.0]))
    True
    """
    owner = "lanczos"
    check_callable(hvp, "hvp", owner)
    n = check_int(n, "n", owner, low=1)
    k = check_int(k, "k", owner, low=1, high=n)
    rng = check_random_state(seed, "seed", owner)
    q = rng.standard_normal(n)
    Q = [q / np.linalg.norm(q)]
    alphas, betas = [], []
    for j in range(k):
        w = np.asarray(hvp(Q[j]), dtype=float)
        alphas.append(float(Q[j] @ w))
        for qi in Q:                         # full reorthogonalisation (twice is enough)
            w -= float(qi @ w) * qi
        for qi in Q:
            w -= float(qi @ w) * qi
        beta = float(np.linalg.norm(w))
        if j == k - 1 or beta < 1e-12:
            break
        betas.append(beta)
        Q.append(w / beta)
    T = np.diag(alphas) + np.diag(betas[:len(alphas) - 1], 1) + np.diag(betas[:len(alphas) - 1], -1)
    return np.linalg.eigvalsh(T)


class HutchinsonResult(NamedTuple):
    """``estimate`` of the trace (or diagonal); ``samples`` the per-probe values;
    ``std_error`` the standard error of the mean."""

    estimate: object
    samples: np.ndarray
    std_error: object


def hutchinson(hvp, n, *, samples=100, diagonal=False, seed=0):
    """Hutchinson's estimator: ``tr H = E[z.Hz]``, ``diag H = E[z * Hz]``, Rademacher ``z``.

    Each probe's variance (Rademacher) is ``Var z.Hz = 2 (||H||_F^2 - sum_i H_ii^2)``
    (Hutchinson 1989; Avron & Toledo 2011), so the mean of ``samples`` probes has
    standard error ``sqrt(that / samples)``; for the diagonal, entry ``i`` has variance
    ``sum_{j != i} H_ij^2``. Sophia's diagonal-Hessian estimate is this with one probe.

    Examples
    --------
    >>> H = np.diag([1.0, 2.0, 3.0])
    >>> hutchinson(lambda v: H @ v, 3, samples=5).estimate   # diagonal H: exact
    6.0

    References
    ----------
    Hutchinson (1989); H. Avron and S. Toledo, *J. ACM* 58(2), 2011; Bekas, Kokiopoulou
    & Saad, *Appl. Numer. Math.* 57 (2007) (diagonal).
    """
    owner = "hutchinson"
    check_callable(hvp, "hvp", owner)
    n = check_int(n, "n", owner, low=1)
    samples = check_int(samples, "samples", owner, low=1)
    rng = check_random_state(seed, "seed", owner)
    vals = []
    for _ in range(samples):
        z = rng.choice([-1.0, 1.0], size=n)
        hz = np.asarray(hvp(z), dtype=float)
        vals.append(z * hz if diagonal else float(z @ hz))
    vals = np.array(vals)
    est = vals.mean(axis=0)
    se = vals.std(axis=0, ddof=1) / np.sqrt(samples) if samples > 1 else np.full_like(est, np.nan)
    if not diagonal:
        est, se = float(est), float(se)
    return HutchinsonResult(est, vals, se)
