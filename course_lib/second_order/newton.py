"""Newton's method and its safeguards; Gauss-Newton for nonlinear least squares.

Newton's step minimizes the local quadratic model
``m(p) = f + g.p + p.H p / 2``: ``H p = -g``. Near a minimizer with positive
definite, Lipschitz Hessian the error squares at every step (quadratic convergence,
Nocedal & Wright Theorem 3.5), and the iterates are affine invariant. Far from one,
or where ``H`` is indefinite, the pure step can go uphill or to a saddle; the fixes:

* ``newton(..., line_search=True)``: damped Newton, backtracking (Armijo) on ``t``;
* ``newton(..., modify=True)``: ``H + tau I`` with the smallest ``tau = beta * 2^j``
  that makes a Cholesky factorisation succeed (Nocedal & Wright Algorithm 3.3);
* :func:`levenberg_marquardt`: ``(H + mu I) p = -g`` with ``mu`` adapted by the ratio
  of actual to predicted decrease (a trust region in disguise, N&W Section 4.3 / 10.3).

:func:`gauss_newton` replaces ``H`` of ``f = ||r||^2 / 2`` by ``J^T J``.

All return :class:`course_lib.result.OptimizeResult` (via its ``Recorder``);
``nhev`` (Hessian evaluations) is a method-specific field. A singular or (for a damped
step) indefinite Hessian, a failed line search or a non-finite value ends the run with
``success=False`` and a message saying which.

References
----------
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006,
Chapters 3.3-3.4 (Newton, modified Newton), 4 (trust regions), 10.3 (Gauss-Newton,
Levenberg-Marquardt). S. Boyd and L. Vandenberghe, *Convex Optimization*, 9.5.
"""
from __future__ import annotations

import numpy as np

from .._validation import check_callable, check_int, check_scalar
from ..line_search import backtracking_armijo
from ..result import Recorder
from ._steps import armijo_move, finish

__all__ = ["newton_step", "newton", "levenberg_marquardt", "gauss_newton",
           "LeastSquaresProblem"]


def newton_step(H, g):
    """Solve ``H p = -g``; ``None`` if ``H`` is singular (or not finite).

    Examples
    --------
    >>> newton_step(np.diag([2.0, 4.0]), np.array([2.0, 4.0]))
    array([-1., -1.])
    """
    H = np.asarray(H, dtype=float)
    g = np.asarray(g, dtype=float)
    if not (np.all(np.isfinite(H)) and np.all(np.isfinite(g))):
        return None
    try:
        p = np.linalg.solve(H, -g)
    except np.linalg.LinAlgError:
        return None
    # numerically singular: the solve "succeeds" with a huge, meaningless step
    if not np.all(np.isfinite(p)) or np.linalg.cond(H) > 1e14:
        return None
    return p


def _modified(H, beta=1e-3):
    """``(H + tau I, tau)``: smallest ``tau in {0, beta, 2 beta, 4 beta, ...}`` (after
    ``tau_0 = max(0, beta - min diag H)``) with a Cholesky factorisation (N&W Alg. 3.3)."""
    n = len(H)
    tau = 0.0 if np.min(np.diag(H)) > 0 else beta - np.min(np.diag(H))
    for _ in range(100):
        if _is_positive_definite(H + tau * np.eye(n)):
            return H + tau * np.eye(n), tau
        tau = max(2 * tau, beta)
    return None, tau


def _is_positive_definite(H):
    try:
        np.linalg.cholesky(H)
        return True
    except np.linalg.LinAlgError:
        return False


def _hessian(problem, owner):
    hess = getattr(problem, "hessian", None)
    if not callable(hess):
        raise TypeError(f"The 'problem' parameter of {owner} must have a hessian(x) method "
                        f"(e.g. course_lib.problems.Rosenbrock()). Got "
                        f"{type(problem).__name__} instead.")
    return hess


def newton(problem, x0, *, line_search=False, modify=False, gtol=1e-8, maxiter=100,
           c=1e-4, callback=None, label=""):
    """Newton's method: pure, damped (Armijo line search), or with a modified Hessian.

    ``x_{k+1} = x_k + t_k p_k``, ``H(x_k) p_k = -g_k``; ``t_k = 1`` (pure) or the
    Armijo backtracking step from 1 (``line_search=True``); with ``modify=True``,
    ``H`` is replaced by ``H + tau I`` (positive definite, N&W Algorithm 3.3).

    Parameters
    ----------
    problem : object with ``value``, ``grad`` and ``hessian``
    x0 : array-like, shape (n,)
    line_search : bool
    modify : bool
    gtol : float >= 0   stop when ``max|g| <= gtol``
    maxiter : int >= 0
    c : float in (0, 1)   Armijo constant
    callback, label : as in :func:`course_lib.loop.run`

    Returns
    -------
    OptimizeResult
        extra fields ``nhev`` and ``taus`` (the shifts used, 0 when none).
        ``success=False`` (status ``singular_hessian``) if ``H`` is singular, or if a
        damped step meets an indefinite ``H`` without ``modify`` (then ``p`` need not be
        a descent direction); ``line_search_failed``; ``diverged``.

    Examples
    --------
    >>> from course_lib.problems import Rosenbrock
    >>> res = newton(Rosenbrock(), [-1.2, 1.0], line_search=True)
    >>> res.success, bool(np.allclose(res.x, [1.0, 1.0]))
    (True, True)

    References
    ----------
    Nocedal & Wright, Sections 3.3-3.4; Boyd & Vandenberghe, Algorithm 9.5.
    """
    owner = "newton"
    hess = _hessian(problem, owner)
    gtol = check_scalar(gtol, "gtol", owner, low=0.0, closed="left")
    maxiter = check_int(maxiter, "maxiter", owner, low=0)
    c = check_scalar(c, "c", owner, low=0.0, high=1.0)
    rec = Recorder(owner, problem, x0, callback=callback,
                   label=label or ("damped Newton" if line_search else "Newton"))
    x = rec.x0
    fx, g = rec.value(x), rec.grad(x)
    nhev, taus = 0, []
    if rec.start(x, fx, g):
        return rec.result(nhev=nhev, taus=taus)
    for _ in range(maxiter):
        if np.max(np.abs(g)) <= gtol:
            rec.stop("converged")
            break
        H = np.asarray(hess(x), dtype=float); nhev += 1
        tau = 0.0
        if modify:
            H, tau = _modified(H)
        p = None if H is None else newton_step(H, g)
        if p is None:
            rec.stop("singular_hessian")
            break
        taus.append(tau)
        t = 1.0
        if line_search:
            if not (_is_positive_definite(H) and float(g @ p) < 0):
                rec.stop("singular_hessian")   # no descent guarantee: damping cannot help
                break
            ls = backtracking_armijo(rec.value, x, p, g, fx=fx, c=c)
            if not ls.success or np.array_equal(x + ls.step * p, x):   # no step, or lost
                rec.stop("line_search_failed")                          # to rounding
                break
            t, x, fx = ls.step, x + ls.step * p, ls.fval
        else:
            x = x + p
            with np.errstate(all="ignore"):
                fx = rec.value(x)
        with np.errstate(all="ignore"):
            g = rec.grad(x)
        if not np.all(np.isfinite(g)):
            fx = np.nan
        if rec.step(x, fx, g, lr=t):
            break
    else:
        finish(rec, g, gtol)
    return rec.result(nhev=nhev, taus=taus)


def levenberg_marquardt(problem, x0, *, mu0=1e-3, gtol=1e-8, maxiter=200, callback=None,
                        label="Levenberg-Marquardt"):
    """Newton with an adaptive shift: ``(H + mu I) p = -g``.

    ``rho = (f(x) - f(x + p)) / (m(0) - m(p))`` with ``m(p) = f + g.p + p.H p / 2``;
    accept the step if ``rho > 1e-4``; ``mu <- mu / 3`` if ``rho > 0.75``, ``mu <- 2 mu``
    if ``rho < 0.25`` (also after a rejected step). Large ``mu`` gives short gradient
    steps ``-g / mu``, small ``mu`` Newton steps: a trust-region method whose radius is
    set through ``mu`` (N&W Theorem 4.1). A shift that leaves ``H + mu I`` indefinite
    is doubled until it is positive definite, so the step is always a descent direction.

    Parameters
    ----------
    problem : object with ``value``, ``grad``, ``hessian``
    x0 : array-like
    mu0 : float > 0
    gtol, maxiter, callback, label : as in :func:`newton`

    Returns
    -------
    OptimizeResult  (extra: ``nhev``, ``mus`` the shift of every accepted step)

    Examples
    --------
    >>> from course_lib.problems import Himmelblau
    >>> res = levenberg_marquardt(Himmelblau(), [0.0, 0.0])
    >>> res.success
    True

    References
    ----------
    K. Levenberg (1944); D. Marquardt (1963); Nocedal & Wright Sections 4.1-4.3.
    """
    owner = "levenberg_marquardt"
    hess = _hessian(problem, owner)
    mu = check_scalar(mu0, "mu0", owner, low=0.0)
    gtol = check_scalar(gtol, "gtol", owner, low=0.0, closed="left")
    maxiter = check_int(maxiter, "maxiter", owner, low=0)
    rec = Recorder(owner, problem, x0, callback=callback, label=label)
    x = rec.x0
    fx, g = rec.value(x), rec.grad(x)
    nhev, mus = 0, []
    if rec.start(x, fx, g):
        return rec.result(nhev=nhev, mus=mus)
    n = len(x)
    H = None
    for _ in range(maxiter):
        if np.max(np.abs(g)) <= gtol:
            rec.stop("converged")
            break
        if H is None:
            H = np.asarray(hess(x), dtype=float); nhev += 1
        if not np.all(np.isfinite(H)):
            rec.stop("diverged")
            break
        while not _is_positive_definite(H + mu * np.eye(n)):   # H finite: terminates
            mu *= 2.0
        p = np.linalg.solve(H + mu * np.eye(n), -g)
        predicted = -(float(g @ p) + 0.5 * float(p @ H @ p))
        with np.errstate(all="ignore"):
            f_new = rec.value(x + p)
        rho = (fx - f_new) / predicted if predicted > 0 else -np.inf
        if np.isfinite(f_new) and rho > 1e-4:
            x, fx = x + p, f_new
            g = rec.grad(x)
            H = None
            mus.append(mu)
            if rho > 0.75:
                mu /= 3.0
            elif rho < 0.25:
                mu *= 2.0
            if rec.step(x, fx, g, lr=1.0):
                break
        else:
            mu *= 2.0
            if mu > 1e16:
                rec.stop("line_search_failed")
                break
    else:
        finish(rec, g, gtol)
    return rec.result(nhev=nhev, mus=mus)


class LeastSquaresProblem:
    """``f(x) = ||r(x)||^2 / 2`` from a residual ``r`` and its Jacobian ``J``:
    ``grad f = J^T r``; Gauss-Newton Hessian ``J^T J`` (the full one adds
    ``sum_i r_i hess r_i``). A problem object for :class:`~course_lib.result.Recorder`.

    Examples
    --------
    >>> p = LeastSquaresProblem(lambda x: x - 1.0, lambda x: np.eye(len(x)))
    >>> p.value(np.array([3.0])), p.grad(np.array([3.0]))
    (2.0, array([2.]))
    """

    def __init__(self, residual, jacobian, name="least squares"):
        check_callable(residual, "residual", "LeastSquaresProblem")
        check_callable(jacobian, "jacobian", "LeastSquaresProblem")
        self.residual, self.jacobian, self.name = residual, jacobian, name

    def value(self, x):
        r = np.asarray(self.residual(x), dtype=float)
        return 0.5 * float(r @ r)

    def grad(self, x):
        return np.asarray(self.jacobian(x), dtype=float).T @ np.asarray(self.residual(x),
                                                                        dtype=float)

    def gauss_newton_matrix(self, x):
        J = np.asarray(self.jacobian(x), dtype=float)
        return J.T @ J


def gauss_newton(residual, jacobian, x0, *, gtol=1e-10, maxiter=100, callback=None,
                 label="Gauss-Newton"):
    """Gauss-Newton with Armijo backtracking for ``min ||r(x)||^2 / 2``.

    ``(J^T J) p = -J^T r`` (solved as the least-squares problem ``J p ~ -r``), then a
    backtracking step from ``t = 1``. ``J^T J`` is positive semidefinite, so ``p`` is a
    descent direction whenever ``J`` has full column rank; a rank-deficient ``J`` ends
    the run with status ``singular_hessian``.

    Parameters
    ----------
    residual : callable ``x -> r(x)``, shape (m,)
    jacobian : callable ``x -> J(x)``, shape (m, n)
    x0 : array-like, shape (n,)
    gtol, maxiter, callback, label : as in :func:`newton`

    Returns
    -------
    OptimizeResult  (extra: ``njac`` Jacobians computed for steps; ``njev`` counts the gradients ``J^T r``)

    Examples
    --------
    >>> t = np.linspace(0, 1, 20); y = 2.0 * np.exp(-1.5 * t)
    >>> r = lambda x: x[0] * np.exp(-x[1] * t) - y
    >>> J = lambda x: np.stack([np.exp(-x[1] * t), -x[0] * t * np.exp(-x[1] * t)], 1)
    >>> np.round(gauss_newton(r, J, [1.0, 1.0]).x, 6)
    array([2. , 1.5])

    References
    ----------
    Nocedal & Wright Section 10.3 (eq. 10.23); Gauss (1809).
    """
    owner = "gauss_newton"
    problem = LeastSquaresProblem(residual, jacobian)
    gtol = check_scalar(gtol, "gtol", owner, low=0.0, closed="left")
    maxiter = check_int(maxiter, "maxiter", owner, low=0)
    rec = Recorder(owner, problem, x0, callback=callback, label=label)
    x = rec.x0
    fx, g = rec.value(x), rec.grad(x)
    njac = 0
    if rec.start(x, fx, g):
        return rec.result(njac=njac)
    for _ in range(maxiter):
        if np.max(np.abs(g)) <= gtol:
            rec.stop("converged")
            break
        J = np.asarray(jacobian(x), dtype=float); njac += 1
        r = np.asarray(residual(x), dtype=float)
        if not (np.all(np.isfinite(J)) and np.all(np.isfinite(r))):
            rec.stop("diverged")
            break
        p, _, rank, _ = np.linalg.lstsq(J, -r, rcond=None)
        if rank < J.shape[1] or not float(g @ p) < 0:
            rec.stop("singular_hessian")
            break
        moved = armijo_move(rec, x, p, g, fx)
        if moved is None:
            break
        x, fx, g, t = moved
        if rec.step(x, fx, g, lr=t):
            break
    else:
        finish(rec, g, gtol)
    return rec.result(njac=njac)
