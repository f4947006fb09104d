"""Constrained optimization: Lagrange multipliers, KKT conditions, duality, and the methods.

The problem is ``min f(x)`` subject to ``h(x) = 0`` (``m`` equalities) and ``g(x) <= 0``
(``p`` inequalities). The sign convention is the one every formula here uses:

    L(x, lam, mu) = f(x) + lam^T h(x) + mu^T g(x),     mu >= 0,

so that with constraints written ``g(x) <= 0`` the multipliers of inequalities are
non-negative (a constraint written ``g(x) >= 0`` needs ``f - mu^T g``). The KKT
conditions are stationarity ``grad f + J_h^T lam + J_g^T mu = 0``, primal feasibility,
dual feasibility ``mu >= 0`` and complementary slackness ``mu_i g_i(x) = 0``.

Every method returns the course's one :class:`~course_lib.result.OptimizeResult`, with
the multipliers as the method-specific field ``multipliers`` (a dict ``{"eq": lam,
"ineq": mu}``). A failure (inconsistent constraints, vanishing constraint gradients,
a singular KKT system) gives ``success=False`` and a message saying why, never NaN.

References
----------
Nocedal and Wright (2006), Numerical Optimization, 2nd ed.: Thm. 12.1 (KKT),
Sec. 12.2 (LICQ, and an optimum without multipliers), Sec. 16.1 (equality-constrained
QP and the KKT matrix), Ch. 17 (penalty and augmented-Lagrangian methods).
Boyd and Vandenberghe (2004), Convex Optimization: Sec. 5.1-5.2 (dual function, weak
duality, Slater), Sec. 5.6 (multipliers as sensitivities).
Cortes and Vapnik (1995), "Support-vector networks" (the SVM dual).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_array, check_callable, check_int, check_scalar
from .result import Recorder

__all__ = ["ConstrainedProblem", "quadratic_program", "KKTReport", "kkt_residuals",
           "equality_newton", "qp_dual_function", "solve_qp_dual", "dual_on_grid",
           "svm_dual", "projected_gradient", "penalty_method", "augmented_lagrangian"]


def _empty(n):
    return lambda x: np.zeros(0), lambda x: np.zeros((0, n)), lambda x: np.zeros((0, n, n))


class ConstrainedProblem:
    """``min f(x)`` s.t. ``h(x) = 0``, ``g(x) <= 0``, with derivatives.

    Parameters
    ----------
    value, grad : callables ``f(x) -> float``, ``grad f(x) -> (n,)``
    hess : callable ``(n, n)``, optional (needed by :func:`equality_newton`)
    eq, eq_jac, eq_hess : callables ``h(x) -> (m,)``, ``J_h(x) -> (m, n)``,
        ``(m, n, n)`` (the Hessian of each ``h_i``), optional
    ineq, ineq_jac, ineq_hess : the same for ``g(x) <= 0``, optional
    dim : int, the dimension ``n``
    name : str
    """

    def __init__(self, value, grad, hess=None, *, eq=None, eq_jac=None, eq_hess=None,
                 ineq=None, ineq_jac=None, ineq_hess=None, dim, name="constrained"):
        owner = "ConstrainedProblem"
        self.dim = check_int(dim, "dim", owner, low=1)
        self._f = check_callable(value, "value", owner)
        self._g = check_callable(grad, "grad", owner)
        self._H = hess
        e0, j0, h0 = _empty(self.dim)
        for nm, fun, jac in (("eq", eq, eq_jac), ("ineq", ineq, ineq_jac)):
            if (fun is None) != (jac is None):
                raise ValueError(f"The '{nm}' and '{nm}_jac' parameters of {owner} must be "
                                 f"given together. Got only one of them.")
        self._h, self._Jh, self._Hh = eq or e0, eq_jac or j0, eq_hess or h0
        self._c, self._Jc, self._Hc = ineq or e0, ineq_jac or j0, ineq_hess or h0
        self.name = name

    # objective
    def value(self, x):
        return float(self._f(x))

    def grad(self, x):
        return np.asarray(self._g(x), dtype=float)

    def hess(self, x):
        if self._H is None:
            raise ValueError(f"The problem {self.name!r} has no Hessian: pass hess=... to "
                             f"ConstrainedProblem.")
        return np.asarray(self._H(x), dtype=float)

    # constraints
    def eq(self, x):
        return np.atleast_1d(np.asarray(self._h(x), dtype=float))

    def eq_jac(self, x):
        return np.asarray(self._Jh(x), dtype=float).reshape(-1, self.dim)

    def eq_hess(self, x):
        return np.asarray(self._Hh(x), dtype=float).reshape(-1, self.dim, self.dim)

    def ineq(self, x):
        return np.atleast_1d(np.asarray(self._c(x), dtype=float))

    def ineq_jac(self, x):
        return np.asarray(self._Jc(x), dtype=float).reshape(-1, self.dim)

    def ineq_hess(self, x):
        return np.asarray(self._Hc(x), dtype=float).reshape(-1, self.dim, self.dim)

    @property
    def n_eq(self):
        return len(self.eq(np.zeros(self.dim)))

    @property
    def n_ineq(self):
        return len(self.ineq(np.zeros(self.dim)))

    def violation(self, x):
        """``max(max_i |h_i(x)|, max_j max(g_j(x), 0))`` (0 when feasible)."""
        return float(max(np.max(np.abs(self.eq(x)), initial=0.0),
                         np.max(np.maximum(self.ineq(x), 0.0), initial=0.0)))

    def lagrangian_grad(self, x, lam=None, mu=None):
        """``grad f(x) + J_h(x)^T lam + J_g(x)^T mu``."""
        out = self.grad(x)
        if lam is not None and len(lam):
            out = out + self.eq_jac(x).T @ lam
        if mu is not None and len(mu):
            out = out + self.ineq_jac(x).T @ mu
        return out

    def __repr__(self):
        return f"ConstrainedProblem({self.name!r}, dim={self.dim})"


def quadratic_program(Q, c, A=None, b=None, G=None, h=None, name="QP"):
    """The QP ``min 1/2 x^T Q x + c^T x`` s.t. ``A x = b``, ``G x <= h``.

    Examples
    --------
    >>> qp = quadratic_program(np.eye(2), np.zeros(2), A=[[1.0, 1.0]], b=[1.0])
    >>> qp.eq(np.array([0.5, 0.5]))
    array([0.])
    """
    owner = "quadratic_program"
    Q = check_array(Q, "Q", owner, ndim=2)
    n = Q.shape[0]
    if Q.shape != (n, n) or not np.allclose(Q, Q.T):
        raise ValueError(f"The 'Q' parameter of {owner} must be a symmetric square matrix. "
                         f"Got shape {Q.shape} instead.")
    c = check_array(c, "c", owner, shape=(n,))
    kw = {}
    for nm, M, v, key in (("A", A, b, "eq"), ("G", G, h, "ineq")):
        if M is None:
            continue
        M = np.atleast_2d(check_array(M, nm, owner))
        v = np.atleast_1d(check_array(v, "b" if nm == "A" else "h", owner))
        if M.shape[1] != n or v.shape != (M.shape[0],):
            raise ValueError(f"The '{nm}' parameter of {owner} must have shape (k, {n}) with "
                             f"a right-hand side of shape (k,). Got {M.shape} and "
                             f"{v.shape} instead.")
        kw[key] = (lambda x, M=M, v=v: M @ x - v)
        kw[key + "_jac"] = (lambda x, M=M: M)
        kw[key + "_hess"] = (lambda x, k=M.shape[0]: np.zeros((k, n, n)))
    prob = ConstrainedProblem(lambda x: 0.5 * x @ Q @ x + c @ x, lambda x: Q @ x + c,
                              lambda x: Q, dim=n, name=name, **kw)
    prob.Q, prob.c = Q, c
    prob.A = None if A is None else np.atleast_2d(np.asarray(A, dtype=float))
    prob.b = None if b is None else np.atleast_1d(np.asarray(b, dtype=float))
    prob.G = None if G is None else np.atleast_2d(np.asarray(G, dtype=float))
    prob.h = None if h is None else np.atleast_1d(np.asarray(h, dtype=float))
    return prob


def _check_problem(problem, owner):
    if not isinstance(problem, ConstrainedProblem):
        raise TypeError(f"The 'problem' parameter of {owner} must be a "
                        f"course_lib.constrained.ConstrainedProblem (e.g. from "
                        f"quadratic_program). Got {type(problem).__name__} instead.")
    return problem


class KKTReport(NamedTuple):
    """The four KKT residuals of a candidate ``(x, lam, mu)``, its active set and the
    inequalities it violates."""

    stationarity: float      # ||grad f + J_h^T lam + J_g^T mu||_2
    primal: float            # max(|h_i|, g_j^+)
    dual: float              # max(-mu_j, 0)
    complementarity: float   # max |mu_j g_j|
    active: tuple            # indices j with |g_j(x)| <= active_tol
    violated: tuple = ()     # indices j with g_j(x) > active_tol

    @property
    def max(self):
        return max(self.stationarity, self.primal, self.dual, self.complementarity)


def kkt_residuals(problem, x, lam=None, mu=None, *, active_tol=1e-8):
    """The KKT residuals of ``(x, lam, mu)`` for ``min f`` s.t. ``h = 0``, ``g <= 0``.

    ``stationarity = ||grad f(x) + J_h(x)^T lam + J_g(x)^T mu||_2``,
    ``primal = max(max_i |h_i(x)|, max_j max(g_j(x), 0))``,
    ``dual = max_j max(-mu_j, 0)``, ``complementarity = max_j |mu_j g_j(x)|``;
    ``active`` lists the inequalities that hold with equality, ``|g_j(x)| <= active_tol``;
    ``violated`` lists those with ``g_j(x) > active_tol`` (a violated constraint is not
    active: it is reported by ``primal`` and ``violated``). All four residuals are 0
    exactly at a KKT point.

    Examples
    --------
    >>> qp = quadratic_program(np.eye(1), [-2.0], G=[[1.0]], h=[1.0])   # x <= 1
    >>> rep = kkt_residuals(qp, [1.0], mu=[1.0])
    >>> rep.max, rep.active, rep.violated
    (0.0, (0,), ())
    >>> rep = kkt_residuals(qp, [2.0])          # x = 2 violates x <= 1: not active
    >>> rep.primal, rep.active, rep.violated
    (1.0, (), (0,))

    References
    ----------
    Nocedal and Wright (2006), Thm. 12.1 (12.34).
    """
    owner = "kkt_residuals"
    problem = _check_problem(problem, owner)
    x = check_array(x, "x", owner, shape=(problem.dim,))
    hx, gx = problem.eq(x), problem.ineq(x)
    lam = np.zeros(len(hx)) if lam is None else check_array(lam, "lam", owner,
                                                            shape=(len(hx),))
    mu = np.zeros(len(gx)) if mu is None else check_array(mu, "mu", owner, shape=(len(gx),))
    stat = float(np.linalg.norm(problem.lagrangian_grad(x, lam, mu)))
    return KKTReport(stat, problem.violation(x),
                     float(np.max(np.maximum(-mu, 0.0), initial=0.0)),
                     float(np.max(np.abs(mu * gx), initial=0.0)),
                     tuple(int(j) for j in np.nonzero(np.abs(gx) <= active_tol)[0]),
                     tuple(int(j) for j in np.nonzero(gx > active_tol)[0]))


# ----------------------------------------------------------------- equality: KKT Newton
def equality_newton(problem, x0, lam0=None, *, tol=1e-10, maxiter=50, licq_tol=1e-8,
                    callback=None):
    """Newton's method on the Lagrange system ``grad_x L = 0``, ``h(x) = 0``.

    Each step solves the KKT system

        [ H_L   J^T ] [dx  ]     [ grad f + J^T lam ]
        [ J     0   ] [dlam] = - [ h(x)             ],   H_L = hess f + sum_i lam_i hess h_i

    and sets ``x += dx``, ``lam += dlam``; it stops when the residual's norm is
    ``<= tol``. ``lam`` is then the multiplier of ``h(x) = 0``; for a constraint
    ``h(x) = c - b`` with level ``b``, ``d f*(b) / d b = -lam`` (the shadow price).
    Inequalities of the problem are ignored (use :func:`augmented_lagrangian`).

    Fails with ``success=False`` (status ``"singular_kkt"``) when the constraint
    Jacobian loses rank (smallest singular value below ``licq_tol`` times
    ``max(1, ||grad f||)``: the gradients vanish or are dependent, so multipliers may
    not exist) or the KKT matrix is singular; ``detail`` says which, and where.

    Returns
    -------
    OptimizeResult with ``multipliers = {"eq": lam, "ineq": empty}``, ``detail`` (a
    sentence), ``kkt_residual`` (history of the residual norm).

    References
    ----------
    Nocedal and Wright (2006), Sec. 16.1 (KKT matrix), Sec. 18.1 (Newton on the
    Lagrange system), Lemma 16.1 (nonsingularity: LICQ + second-order sufficiency).
    """
    owner = "equality_newton"
    problem = _check_problem(problem, owner)
    tol = check_scalar(tol, "tol", owner, low=0.0)
    maxiter = check_int(maxiter, "maxiter", owner, low=0)
    licq_tol = check_scalar(licq_tol, "licq_tol", owner, low=0.0)
    rec = Recorder(owner, problem, x0, callback=callback)
    x = rec.x0
    m = len(problem.eq(x))
    if m == 0:
        raise ValueError(f"The 'problem' parameter of {owner} must have equality "
                         f"constraints (eq=...). Got {problem!r} without any.")
    lam = np.zeros(m) if lam0 is None else check_array(lam0, "lam0", owner, shape=(m,))
    n = problem.dim
    detail = "converged: the Lagrange system's residual is below tol."
    history = []
    fx, gx = rec.value(x), rec.grad(x)
    if rec.start(x, fx, gx):
        return rec.result(multipliers={"eq": lam, "ineq": np.zeros(0)},
                          detail="x0 is not finite.", kkt_residual=np.array(history))
    for k in range(maxiter + 1):
        J, hx = problem.eq_jac(x), problem.eq(x)
        r = np.concatenate([gx + J.T @ lam, hx])
        history.append(float(np.linalg.norm(r)))
        sv = np.linalg.svd(J, compute_uv=False)
        if sv.min() <= licq_tol * max(1.0, np.linalg.norm(gx)):
            rec.stop("singular_kkt")
            detail = (f"LICQ fails at iterate {k}: the constraint Jacobian has smallest "
                      f"singular value {sv.min():.3g} (the constraint gradients vanish or "
                      f"are linearly dependent), so no multiplier, or no unique one, "
                      f"satisfies grad f + J^T lam = 0 there.")
            break
        if history[-1] <= tol:
            rec.stop("converged")
            break
        if k == maxiter:
            rec.stop("max_steps")
            detail = f"stopped after maxiter={maxiter} Newton steps, residual {history[-1]:.3g}."
            break
        H = problem.hess(x) + np.einsum("i,ijk->jk", lam, problem.eq_hess(x))
        K = np.block([[H, J.T], [J, np.zeros((m, m))]])
        if np.linalg.cond(K) > 1e14:
            rec.stop("singular_kkt")
            if sv.min() <= 1e-3 * max(1.0, np.linalg.norm(gx)):
                detail = (f"LICQ fails (numerically) at iterate {k}: the KKT matrix is "
                          f"singular (condition number {np.linalg.cond(K):.3g}) because the "
                          f"constraint gradients nearly vanish (smallest singular value "
                          f"{sv.min():.3g}) while the multiplier grows to {lam!r}: no "
                          f"multiplier exists at the limit point.")
            else:
                detail = (f"the KKT matrix is singular at iterate {k} (condition number "
                          f"{np.linalg.cond(K):.3g}): the Hessian of the Lagrangian is "
                          f"singular on the constraints' tangent space.")
            break
        step = np.linalg.solve(K, -r)
        x, lam = x + step[:n], lam + step[n:]
        fx, gx = rec.value(x), rec.grad(x)
        if rec.step(x, fx, gx, lr=1.0):
            detail = "the iterate became non-finite or the callback stopped the run."
            break
    return rec.result(multipliers={"eq": lam, "ineq": np.zeros(0)}, detail=detail,
                      kkt_residual=np.array(history))


# ------------------------------------------------------------------------------ duality
def _qp_parts(problem, owner):
    problem = _check_problem(problem, owner)
    if not hasattr(problem, "Q"):
        raise TypeError(f"The 'problem' parameter of {owner} must come from "
                        f"quadratic_program(...). Got {problem!r} instead.")
    n = problem.dim
    Ms, ds = [], []
    for M, d in ((problem.G, problem.h), (problem.A, problem.b)):
        Ms.append(np.zeros((0, n)) if M is None else M)
        ds.append(np.zeros(0) if d is None else d)
    p = Ms[0].shape[0]
    return problem, np.vstack(Ms), np.concatenate(ds), p


def qp_dual_function(problem, mu=None, lam=None):
    """The dual function of a QP: ``d(mu, lam) = inf_x L(x, mu, lam)``.

    For ``Q`` positive definite the infimum is attained at
    ``x(mu, lam) = -Q^{-1}(c + G^T mu + A^T lam)`` and
    ``d = -1/2 (c + M^T nu)^T Q^{-1} (c + M^T nu) - h^T mu - b^T lam``
    (``M = [G; A]``, ``nu = (mu, lam)``). If ``Q`` has a negative eigenvalue, or is
    singular and ``c + M^T nu`` leaves its range, the infimum is ``-inf``
    (returned as ``-inf``, with ``x = None``).

    Returns
    -------
    (value, x) : float, ndarray or None

    References
    ----------
    Boyd and Vandenberghe (2004), Sec. 5.1.3 and Example 5.3 (5.2.4).
    """
    owner = "qp_dual_function"
    problem, M, d, p = _qp_parts(problem, owner)
    mu = np.zeros(p) if mu is None else check_array(mu, "mu", owner, shape=(p,))
    q = len(d) - p
    lam = np.zeros(q) if lam is None else check_array(lam, "lam", owner, shape=(q,))
    nu = np.concatenate([mu, lam])
    v = problem.c + M.T @ nu
    w, V = np.linalg.eigh(problem.Q)
    scale = max(1.0, np.max(np.abs(w)))
    if w.min() < -1e-12 * scale:
        return -np.inf, None
    coef = V.T @ v
    null = w <= 1e-12 * scale
    if np.any(np.abs(coef[null]) > 1e-10 * max(1.0, np.linalg.norm(v))):
        return -np.inf, None
    x = -V[:, ~null] @ (coef[~null] / w[~null])
    return float(0.5 * x @ problem.Q @ x + v @ x - d @ nu), x


class _DualObjective:
    """Minus the QP dual in ``nu = (mu, lam)``, as a problem with value/grad."""

    def __init__(self, problem, M, d):
        self.problem, self.M, self.d = problem, M, d
        self.Qinv = np.linalg.inv(problem.Q)
        self.dim = M.shape[0]

    def x_of(self, nu):
        return -self.Qinv @ (self.problem.c + self.M.T @ nu)

    def value(self, nu):
        x = self.x_of(nu)
        return -float(0.5 * x @ self.problem.Q @ x + (self.problem.c + self.M.T @ nu) @ x
                      - self.d @ nu)

    def grad(self, nu):
        return -(self.M @ self.x_of(nu) - self.d)


def _fista(owner, objective, z0, project, L, *, tol, maxiter, blowup=1e7, callback=None,
           converged=None, restart=True, exhausted="max_steps"):
    """Accelerated projected gradient (FISTA, with gradient restart unless ``restart`` is
    False) on ``objective``: a Recorder, stopping on the gradient mapping
    ``||z - P(z - g/L)|| L <= tol`` (or on ``converged(z)`` when given)."""
    rec = Recorder(owner, objective, z0, callback=callback)
    z = project(rec.x0)
    y, t = z.copy(), 1.0
    f, g = rec.value(z), rec.grad(z)
    if not rec.start(z, f, g):
        for _ in range(maxiter):
            gy = rec.grad(y)
            z_new = project(y - gy / L)
            t_new = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
            if restart and (y - z_new) @ (z_new - z) > 0:   # O'Donoghue-Candes restart
                y, t = z_new.copy(), 1.0
            else:
                y, t = z_new + ((t - 1) / t_new) * (z_new - z), t_new
            z = z_new
            f, g = rec.value(z), rec.grad(z)
            if rec.step(z, f, g, lr=1.0 / L):
                break
            if np.linalg.norm(z) > blowup:
                rec.stop("infeasible")
                break
            if (converged(z) if converged is not None
                    else np.linalg.norm(z - project(z - g / L)) * L <= tol):
                rec.stop("converged")
                break
        else:
            rec.stop(exhausted)
    return rec


def solve_qp_dual(problem, *, tol=1e-10, maxiter=20000, callback=None):
    """Maximize the dual of a strictly convex QP over ``mu >= 0``, ``lam`` free.

    Accelerated projected gradient ascent on the concave quadratic ``d(mu, lam)`` of
    :func:`qp_dual_function` (step ``1/L``, ``L = ||M Q^{-1} M^T||_2``); the primal
    point is recovered as ``x(mu*, lam*) = -Q^{-1}(c + M^T nu*)``. Weak duality
    ``d(nu) <= f(x)`` holds for every ``nu`` with ``mu >= 0`` and feasible ``x``; with
    linear constraints and a feasible QP the gap is zero (Slater's condition holds in
    its refined form for affine constraints). If the primal is infeasible the dual is
    unbounded: the multipliers grow without bound and the result has
    ``success=False``, status ``"infeasible"``.

    Returns
    -------
    OptimizeResult: ``x`` the recovered primal point, ``fun = f(x)``,
    ``multipliers = {"ineq": mu, "eq": lam}``, ``dual_value = d(mu, lam)``,
    ``gap = f(x) - d``, ``violation`` of ``x``. The history is that of the dual
    variables (``params``) and of minus the dual function (``losses``).

    References
    ----------
    Boyd and Vandenberghe (2004), Sec. 5.2.3 (Slater), 5.5.5 (recovering x from the
    dual); Beck and Teboulle (2009), FISTA.
    """
    owner = "solve_qp_dual"
    problem, M, d, p = _qp_parts(problem, owner)
    if np.linalg.eigvalsh(problem.Q).min() <= 0:
        raise ValueError(f"The 'problem' parameter of {owner} must have a positive definite "
                         f"Q (a strictly convex QP). Got eigenvalues "
                         f"{np.linalg.eigvalsh(problem.Q)!r} instead.")
    if M.shape[0] == 0:
        raise ValueError(f"The 'problem' parameter of {owner} must have constraints. Got "
                         f"{problem!r} without any.")
    obj = _DualObjective(problem, M, d)
    L = float(np.linalg.norm(M @ obj.Qinv @ M.T, 2)) or 1.0

    def project(nu):
        out = np.array(nu, dtype=float)
        out[:p] = np.maximum(out[:p], 0.0)
        return out

    rec = _fista(owner, obj, np.zeros(M.shape[0]), project, L, tol=tol, maxiter=maxiter,
                 callback=callback)
    nu = rec.params[-1]
    x = obj.x_of(nu)
    res = rec.result(multipliers={"ineq": nu[:p], "eq": nu[p:]}, dual_value=-obj.value(nu))
    res.extra.update(dual_variables=nu, gap=problem.value(x) + obj.value(nu),
                     violation=problem.violation(x))
    res.x, res.fun, res.jac = x, problem.value(x), problem.grad(x)
    return res


def dual_on_grid(problem, mus, grid, lams=None):
    """The dual function ``d(mu, lam) = inf_x L(x, mu, lam)`` with the infimum over
    the rows of ``grid`` (a fine grid of a bounded region containing the minimizers of
    every Lagrangian asked for): for a non-convex problem of low dimension.

    Parameters
    ----------
    problem : ConstrainedProblem
    mus : array-like, shape (k, p)   one row of inequality multipliers per evaluation
    grid : array-like, shape (N, n)
    lams : array-like, shape (k, m), optional

    Returns
    -------
    ndarray, shape (k,): ``min_j L(grid_j, mu_i, lam_i)``, an upper bound on the true
    ``d`` (equal to it when the grid contains the infimum).

    References
    ----------
    Boyd and Vandenberghe (2004), Sec. 5.1.2 (the dual function).
    """
    owner = "dual_on_grid"
    problem = _check_problem(problem, owner)
    grid = check_array(grid, "grid", owner, ndim=2)
    if grid.shape[1] != problem.dim:
        raise ValueError(f"The 'grid' parameter of {owner} must have shape (N, "
                         f"{problem.dim}). Got {grid.shape} instead.")
    f = np.array([problem.value(x) for x in grid])
    H = np.array([problem.eq(x) for x in grid]).reshape(len(grid), -1)
    G = np.array([problem.ineq(x) for x in grid]).reshape(len(grid), -1)
    mus = check_array(mus, "mus", owner, ndim=2)
    if mus.shape[1] != G.shape[1] or np.any(mus < 0):
        raise ValueError(f"The 'mus' parameter of {owner} must have shape (k, {G.shape[1]}) "
                         f"and non-negative entries. Got shape {mus.shape} instead.")
    lams = np.zeros((len(mus), H.shape[1])) if lams is None else check_array(
        lams, "lams", owner, shape=(len(mus), H.shape[1]))
    return (f[None, :] + mus @ G.T + lams @ H.T).min(axis=1)


# ---------------------------------------------------------------------------------- SVM
class _SVMDual:
    def __init__(self, P):
        self.P, self.dim = P, len(P)

    def value(self, a):
        return float(0.5 * a @ self.P @ a - a.sum())

    def grad(self, a):
        return self.P @ a - 1.0


def svm_dual(X, y, C=1.0, *, tol=1e-10, maxiter=50000, sv_tol=1e-6):
    """The soft-margin (hinge-loss) linear SVM through its dual.

    Primal: ``min_{w,b} 1/2 ||w||^2 + C sum_i max(0, 1 - y_i (w^T x_i + b))``. Dual:

        min_alpha 1/2 alpha^T P alpha - 1^T alpha,   P_ij = y_i y_j x_i^T x_j,
        s.t. 0 <= alpha_i <= C,  y^T alpha = 0,

    solved by accelerated projected gradient (projection
    :func:`~course_lib.projections.project_box_hyperplane`), stopped when the duality
    gap ``primal(w, b) - dual(alpha) <= tol max(1, primal)``. Then
    ``w = sum_i alpha_i y_i x_i``; the support vectors are the ``i`` with
    ``alpha_i > sv_tol C`` (complementary slackness: ``alpha_i > 0`` only where
    ``y_i f(x_i) <= 1``), and ``b`` is the mean of ``y_i - w^T x_i`` over the margin
    support vectors (``sv_tol C < alpha_i < (1 - sv_tol) C``).

    Returns
    -------
    OptimizeResult: ``x = alpha``, ``fun`` the dual objective (minimization form),
    ``w``, ``b``, ``support`` (indices), ``margin_support`` (indices),
    ``multipliers = {"ineq": alpha}`` (the multipliers of the margin constraints).

    References
    ----------
    Cortes and Vapnik (1995); Boyd and Vandenberghe (2004), Sec. 8.6.1;
    Scholkopf and Smola (2002), Learning with Kernels, Sec. 7.5.
    """
    from .projections import project_box_hyperplane
    owner = "svm_dual"
    X = check_array(X, "X", owner, ndim=2)
    y = check_array(y, "y", owner, shape=(X.shape[0],))
    if not np.all(np.isin(y, (-1.0, 1.0))) or len(np.unique(y)) < 2:
        raise ValueError(f"The 'y' parameter of {owner} must hold labels -1 and +1, both "
                         f"present. Got values {np.unique(y)!r} instead.")
    C = check_scalar(C, "C", owner, low=0.0)
    Z = y[:, None] * X
    P = Z @ Z.T
    L = float(np.linalg.norm(P, 2)) or 1.0

    def primal_of(alpha):
        w = Z.T @ alpha
        sv = np.nonzero(alpha > sv_tol * C)[0]
        margin = np.nonzero((alpha > sv_tol * C) & (alpha < (1 - sv_tol) * C))[0]
        idx = margin if len(margin) else sv
        b = float(np.mean(y[idx] - X[idx] @ w)) if len(idx) else 0.0
        primal = 0.5 * w @ w + C * np.maximum(0.0, 1.0 - y * (X @ w + b)).sum()
        return w, b, sv, margin, primal

    def small_gap(alpha):        # primal(w(alpha), b(alpha)) - dual(alpha) >= 0
        primal = primal_of(alpha)[-1]
        dual = alpha.sum() - 0.5 * alpha @ P @ alpha
        return primal - dual <= tol * max(1.0, abs(primal))

    rec = _fista(owner, _SVMDual(P), np.zeros(len(y)),
                 lambda a: project_box_hyperplane(a, y, 0.0, 0.0, C), L,
                 tol=tol, maxiter=check_int(maxiter, "maxiter", owner, low=1),
                 converged=small_gap)
    alpha = rec.params[-1]
    w, b, sv, margin, primal = primal_of(alpha)
    gap = primal - (alpha.sum() - 0.5 * alpha @ P @ alpha)
    return rec.result(w=w, b=b, support=sv, margin_support=margin, gap=float(gap),
                      multipliers={"ineq": alpha, "eq": np.zeros(0)})


# ------------------------------------------------------------------- projected gradient
def projected_gradient(problem, x0, project, lr, *, maxiter=1000, tol=1e-8, callback=None):
    """Projected gradient descent ``x_{k+1} = P_C(x_k - lr grad f(x_k))``.

    Stops when the gradient mapping ``||x_k - P_C(x_k - lr grad f(x_k))|| / lr`` is
    ``<= tol`` (it is 0 exactly at a minimizer of a convex ``f`` over ``C``). For an
    ``L``-smooth convex ``f`` and ``lr <= 1/L`` the objective gap is ``O(1/k)``.

    Parameters
    ----------
    problem : object with ``value(x)`` and ``grad(x)``
    x0 : array-like, shape (n,)
    project : callable ``v -> P_C(v)`` (e.g. from :mod:`course_lib.projections`)
    lr : float > 0

    Returns
    -------
    OptimizeResult with ``gradient_mapping`` (its norm at each iterate).

    References
    ----------
    Beck (2017), First-Order Methods in Optimization, Sec. 10.2 and Thm. 10.21;
    Nocedal and Wright (2006), Sec. 16.7.
    """
    owner = "projected_gradient"
    check_callable(project, "project", owner)
    lr = check_scalar(lr, "lr", owner, low=0.0)
    maxiter = check_int(maxiter, "maxiter", owner, low=0)
    tol = check_scalar(tol, "tol", owner, low=0.0, closed="left")
    rec = Recorder(owner, problem, x0, callback=callback)

    def proj(v):
        out = np.asarray(project(v), dtype=float)
        if out.shape != v.shape:
            raise ValueError(f"{owner}: project(v) must return an array of v's shape "
                             f"{v.shape}. Got shape {out.shape}.")
        return out

    x = proj(rec.x0)
    f, g = rec.value(x), rec.grad(x)
    gm = [float(np.linalg.norm(x - proj(x - lr * g)) / lr)]
    if not rec.start(x, f, g):
        for _ in range(maxiter):
            if gm[-1] <= tol:
                rec.stop("converged")
                break
            x = proj(x - lr * g)
            f, g = rec.value(x), rec.grad(x)
            if rec.step(x, f, g, lr=lr):
                break
            gm.append(float(np.linalg.norm(x - proj(x - lr * g)) / lr))
        else:
            if gm[-1] <= tol:
                rec.stop("converged")
            else:
                rec.stop("max_steps")
    return rec.result(gradient_mapping=np.array(gm))


# ------------------------------------------------------- penalty and augmented Lagrangian
def _inner_minimize(fun, grad, x, gtol):
    from scipy.optimize import minimize
    r = minimize(fun, x, jac=grad, method="BFGS", options={"gtol": gtol, "maxiter": 2000})
    return r.x, r.nfev, r.njev


def _outer_loop(owner, problem, x0, rho, growth, n_outer, tol, inner_tol, update,
                callback, always_grow=False):
    problem = _check_problem(problem, owner)
    rho = check_scalar(rho, "rho", owner, low=0.0)
    growth = check_scalar(growth, "growth", owner, low=1.0, closed="left")
    n_outer = check_int(n_outer, "n_outer", owner, low=1)
    tol = check_scalar(tol, "tol", owner, low=0.0)
    rec = Recorder(owner, problem, x0, callback=callback)
    x = rec.x0
    lam, mu = np.zeros(len(problem.eq(x))), np.zeros(len(problem.ineq(x)))
    if rec.start(x, rec.value(x), rec.grad(x)):
        return rec.result(multipliers={"eq": lam, "ineq": mu})
    viol, mult_hist, rhos = [problem.violation(x)], [], []
    for k in range(n_outer):
        x, lam_new, mu_new, fun, grad = update(x, lam, mu, rho)
        x, nfev, njev = _inner_minimize(fun, grad, x, inner_tol)
        rec.nfev += nfev
        rec.njev += njev
        lam, mu = lam_new(x), mu_new(x)
        mult_hist.append(np.concatenate([lam, mu]))
        rhos.append(rho)
        viol.append(problem.violation(x))
        if rec.step(x, rec.value(x), rec.grad(x), lr=rho):
            break
        if viol[-1] <= tol:
            rec.stop("converged")
            break
        # no progress on feasibility over three outer steps while rho grew: inconsistent
        if k >= 3 and viol[-1] > 0.5 * viol[-4] and rho >= 1e6:
            rec.stop("infeasible")
            break
        # the penalty minimizer depends on rho alone: an outer step at the same rho would
        # repeat the last one, so the penalty method grows rho every step
        if always_grow or viol[-1] > 0.25 * viol[-2]:
            rho *= growth
    else:
        rec.stop("max_steps")
    return rec.result(multipliers={"eq": lam, "ineq": mu}, violation=np.array(viol),
                      multiplier_history=np.array(mult_hist), rhos=np.array(rhos))


def penalty_method(problem, x0, *, rho=1.0, growth=10.0, n_outer=12, tol=1e-6,
                   inner_tol=1e-10, callback=None):
    """The quadratic penalty method: minimize
    ``Q_rho(x) = f(x) + rho/2 (||h(x)||^2 + ||max(g(x), 0)||^2)`` for growing ``rho``.

    The minimizer ``x_rho`` is infeasible by ``O(1/rho)``, and ``rho h(x_rho)``,
    ``rho max(g(x_rho), 0)`` estimate the multipliers (they converge to them as
    ``rho -> inf``, Nocedal and Wright Thm. 17.2). Each inner minimization is
    scipy's BFGS from the previous ``x``; ``rho`` is multiplied by ``growth`` after
    every outer step (the minimizer of ``Q_rho`` depends on ``rho`` alone, so a step at an
    unchanged ``rho`` would repeat the previous one). Stops with ``"converged"``
    once the violation is ``<= tol``, ``"infeasible"`` when it stalls while
    ``rho >= 1e6``.

    Returns
    -------
    OptimizeResult: ``multipliers``, ``multiplier_history`` (rows ``(lam, mu)`` per outer
    step), ``violation`` (per outer step, from x0), ``rhos``.

    References
    ----------
    Nocedal and Wright (2006), Sec. 17.1, Framework 17.1, Thm. 17.2.
    """
    def update(x, lam, mu, rho):
        def fun(z):
            return (problem.value(z) + 0.5 * rho * (np.sum(problem.eq(z) ** 2)
                    + np.sum(np.maximum(problem.ineq(z), 0.0) ** 2)))

        def grad(z):
            return (problem.grad(z) + rho * problem.eq_jac(z).T @ problem.eq(z)
                    + rho * problem.ineq_jac(z).T @ np.maximum(problem.ineq(z), 0.0))
        return (x, lambda z: rho * problem.eq(z),
                lambda z: rho * np.maximum(problem.ineq(z), 0.0), fun, grad)

    return _outer_loop("penalty_method", problem, x0, rho, growth, n_outer, tol, inner_tol,
                       update, callback, always_grow=True)


def augmented_lagrangian(problem, x0, *, rho=10.0, growth=10.0, n_outer=30, tol=1e-8,
                         inner_tol=1e-10, callback=None):
    """The augmented-Lagrangian (method of multipliers) for ``h = 0``, ``g <= 0``.

    Minimize ``L_A(x) = f + lam^T h + rho/2 ||h||^2
    + 1/(2 rho) sum_j (max(0, mu_j + rho g_j)^2 - mu_j^2)`` over ``x`` (scipy BFGS),
    then update ``lam <- lam + rho h(x)``, ``mu <- max(0, mu + rho g(x))``. Unlike
    the penalty method the multipliers converge for a *finite* ``rho``; ``rho`` grows
    by ``growth`` only when an outer step does not cut the violation by 4.

    Returns
    -------
    OptimizeResult: as :func:`penalty_method`.

    References
    ----------
    Nocedal and Wright (2006), Sec. 17.3 (Framework 17.3) and 17.4 (17.65, inequality
    form); Bertsekas (1982), Constrained Optimization and Lagrange Multiplier Methods.
    """
    def update(x, lam, mu, rho):
        def fun(z):
            h, g = problem.eq(z), problem.ineq(z)
            return (problem.value(z) + lam @ h + 0.5 * rho * h @ h
                    + (np.sum(np.maximum(0.0, mu + rho * g) ** 2) - mu @ mu) / (2 * rho))

        def grad(z):
            h, g = problem.eq(z), problem.ineq(z)
            return (problem.grad(z) + problem.eq_jac(z).T @ (lam + rho * h)
                    + problem.ineq_jac(z).T @ np.maximum(0.0, mu + rho * g))
        return (x, lambda z: lam + rho * problem.eq(z),
                lambda z: np.maximum(0.0, mu + rho * problem.ineq(z)), fun, grad)

    return _outer_loop("augmented_lagrangian", problem, x0, rho, growth, n_outer, tol,
                       inner_tol, update, callback)
