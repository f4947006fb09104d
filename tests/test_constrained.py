"""course_lib.constrained against scipy.optimize.minimize (SLSQP / trust-constr), closed
forms and finite differences of the optimal value."""
import numpy as np
import pytest
from scipy.optimize import minimize

from course_lib import constrained as C
from course_lib.projections import project_ball, project_simplex


def circle_problem(level=2.0, a=(1.0, 1.0)):
    """min a^T x  s.t.  ||x||^2 = level (minimum -||a|| sqrt(level), lam = ||a||/(2 sqrt(level)))."""
    a = np.asarray(a, float)
    return C.ConstrainedProblem(lambda x: a @ x, lambda x: a, lambda x: np.zeros((2, 2)),
                                eq=lambda x: np.array([x @ x - level]),
                                eq_jac=lambda x: 2 * x[None, :],
                                eq_hess=lambda x: 2 * np.eye(2)[None], dim=2)


def slsqp(problem, x0):
    cons = []
    if problem.n_eq:
        cons.append({"type": "eq", "fun": problem.eq, "jac": problem.eq_jac})
    if problem.n_ineq:   # scipy: fun >= 0
        cons.append({"type": "ineq", "fun": lambda x: -problem.ineq(x),
                     "jac": lambda x: -problem.ineq_jac(x)})
    r = minimize(problem.value, x0, jac=problem.grad, constraints=cons, method="SLSQP",
                 options={"ftol": 1e-14, "maxiter": 500})
    assert r.success, r.message
    return r


def trust_constr_multipliers(problem, x0):
    from scipy.optimize import NonlinearConstraint
    cons = [NonlinearConstraint(problem.eq, 0, 0, jac=problem.eq_jac)]
    r = minimize(problem.value, x0, jac=problem.grad, hess=lambda x: problem.hess(x),
                 constraints=cons, method="trust-constr",
                 options={"gtol": 1e-12, "xtol": 1e-14, "maxiter": 2000})
    return r


def test_equality_newton_matches_scipy_and_closed_form():
    p = circle_problem()
    r = C.equality_newton(p, [-0.5, -1.5], [1.0])
    ref = slsqp(p, np.array([-0.5, -1.5]))
    assert r.success and r.reason == "converged"
    np.testing.assert_allclose(r.x, ref.x, atol=1e-7)
    np.testing.assert_allclose(r.x, [-1.0, -1.0], atol=1e-12)       # closed form
    assert np.isclose(r.multipliers["eq"][0], 0.5, rtol=1e-10)       # ||a|| / (2 sqrt 2)
    tc = trust_constr_multipliers(p, np.array([-0.5, -1.5]))
    # trust-constr's multiplier v of c(x) = 0 has our sign (Lagrangian f + v^T c)
    assert np.isclose(tc.v[0][0], r.multipliers["eq"][0], rtol=1e-5)


def test_gradients_parallel_at_solution():
    p = circle_problem(3.0, (2.0, -1.0))
    r = C.equality_newton(p, [-1.0, 1.0], [1.0])
    g, n = p.grad(r.x), p.eq_jac(r.x)[0]
    assert abs(g[0] * n[1] - g[1] * n[0]) < 1e-10          # 2-d cross product
    np.testing.assert_allclose(g, -r.multipliers["eq"][0] * n, atol=1e-10)


@pytest.mark.parametrize("level", [0.5, 2.0, 4.0])
def test_multiplier_is_the_shadow_price(level):
    """d f*(b) / d b = -lam for h(x) = ||x||^2 - b, by central differences of f*."""
    def fstar(b):
        return C.equality_newton(circle_problem(b), [-1.0, -0.5], [1.0]).fun
    eps = 1e-5
    fd = (fstar(level + eps) - fstar(level - eps)) / (2 * eps)
    lam = C.equality_newton(circle_problem(level), [-1.0, -0.5], [1.0]).multipliers["eq"][0]
    assert np.isclose(fd, -lam, rtol=1e-6)


def test_linear_equality_qp_one_newton_step():
    rng = np.random.default_rng(1)
    M = rng.normal(size=(4, 4))
    qp = C.quadratic_program(M @ M.T + np.eye(4), rng.normal(size=4),
                             A=rng.normal(size=(2, 4)), b=rng.normal(size=2))
    r = C.equality_newton(qp, np.zeros(4))
    assert r.success and r.nit == 1
    np.testing.assert_allclose(r.x, slsqp(qp, np.zeros(4)).x, atol=1e-7)


def test_vanishing_constraint_gradient_fails_with_reason():
    # min x1 s.t. x1^2 + x2^2 = 0: the optimum (0, 0) has grad h = 0, no multiplier
    p = C.ConstrainedProblem(lambda x: x[0], lambda x: np.array([1.0, 0.0]),
                             lambda x: np.zeros((2, 2)), eq=lambda x: np.array([x @ x]),
                             eq_jac=lambda x: 2 * x[None, :],
                             eq_hess=lambda x: 2 * np.eye(2)[None], dim=2)
    r = C.equality_newton(p, [1.0, 0.5], [1.0])
    assert not r.success and r.reason == "singular_kkt"
    assert "LICQ" in r.detail and np.all(np.isfinite(r.x))
    assert np.linalg.norm(r.x) < 1e-3 and abs(r.multipliers["eq"][0]) > 1e2


def test_inconsistent_linear_equalities_fail_with_reason():
    qp = C.quadratic_program(np.eye(2), np.zeros(2), A=[[1.0, 1.0], [1.0, 1.0]], b=[0.0, 1.0])
    r = C.equality_newton(qp, np.zeros(2))
    assert not r.success and r.reason == "singular_kkt" and "LICQ" in r.detail


def test_singular_hessian_on_tangent_space():
    # min x1^2 - x2^2 ... Hessian 0 on the tangent space: f = x1, h = x1 - 1 (x2 free)
    p = C.ConstrainedProblem(lambda x: x[0], lambda x: np.array([1.0, 0.0]),
                             lambda x: np.zeros((2, 2)), eq=lambda x: np.array([x[0] - 1]),
                             eq_jac=lambda x: np.array([[1.0, 0.0]]), dim=2)
    r = C.equality_newton(p, [0.0, 0.0])
    assert not r.success and "KKT matrix is singular" in r.detail


QP = C.quadratic_program(np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([-1.0, -1.0]),
                         G=[[1.0, 1.0], [-1.0, 0.0], [0.0, -1.0]], h=[0.5, 0.0, 0.0])


def test_kkt_residuals_zero_at_scipy_solution_and_active_set():
    ref = slsqp(QP, np.zeros(2))
    dual = C.solve_qp_dual(QP)
    rep = C.kkt_residuals(QP, dual.x, mu=dual.multipliers["ineq"])
    assert rep.max < 1e-8 and rep.active == (0,)
    np.testing.assert_allclose(dual.x, ref.x, atol=1e-7)
    # a wrong candidate: the unconstrained minimum violates x1 + x2 <= 0.5
    bad = C.kkt_residuals(QP, np.linalg.solve(QP.Q, -QP.c))
    assert bad.primal > 0.1 and bad.stationarity < 1e-12
    neg = C.kkt_residuals(QP, dual.x, mu=-dual.multipliers["ineq"])
    assert neg.dual > 0.1 and neg.stationarity > 0.1


def test_violated_constraint_is_not_active():
    # x = (1, 0): g_0 = x1 + x2 - 0.5 = 0.5 > 0 (violated), g_1 = -x1 = -1 (inactive),
    # g_2 = -x2 = 0 (active): the three index sets are disjoint
    rep = C.kkt_residuals(QP, [1.0, 0.0])
    assert rep.active == (2,) and rep.violated == (0,) and rep.primal == 0.5
    # within active_tol on either side of the boundary counts as active, beyond it not
    rep = C.kkt_residuals(QP, [0.25 + 5e-9, 0.25], active_tol=1e-8)
    assert rep.active == (0,) and rep.violated == ()
    rep = C.kkt_residuals(QP, [0.25 + 5e-8, 0.25], active_tol=1e-8)
    assert rep.active == () and rep.violated == (0,)


def test_penalty_method_uses_each_rho_once_and_matches_the_penalty_minimizer():
    # min x1 + x2 on x1^2 + x2^2 = 2: by symmetry the minimizer of the penalty function is
    # x = (t, t) with 1 + rho (2 t^2 - 2) 2 t = 0, i.e. 4 rho t^3 - 4 rho t + 1 = 0,
    # the root near -1 (an independent closed form per rho, from the cubic's roots)
    p = circle_problem(2.0, (1.0, 1.0))
    r = C.penalty_method(p, np.array([-0.5, -1.0]), rho=1.0, growth=10.0)
    assert r.success
    np.testing.assert_allclose(r.rhos, 10.0 ** np.arange(len(r.rhos)), rtol=1e-15)
    t = [np.roots([4 * rho, 0.0, -4 * rho, 1.0]) for rho in r.rhos]
    t = [min(z.real for z in roots if abs(z.imag) < 1e-12) for roots in t]
    lam_pen = [rho * (2 * ti ** 2 - 2) for rho, ti in zip(r.rhos, t)]
    np.testing.assert_allclose(r.multiplier_history[:, 0], lam_pen, rtol=1e-6)
    np.testing.assert_allclose(r.x, [t[-1], t[-1]], atol=1e-8)


def test_weak_and_strong_duality_for_qp():
    res = C.solve_qp_dual(QP)
    assert res.success and abs(res.gap) < 1e-9
    assert np.isclose(res.dual_value, slsqp(QP, np.zeros(2)).fun, atol=1e-9)
    rng = np.random.default_rng(0)
    pstar = res.fun
    for _ in range(200):   # weak duality: every mu >= 0 bounds p* from below
        assert C.qp_dual_function(QP, mu=rng.exponential(size=3))[0] <= pstar + 1e-12


def test_qp_dual_with_equality_matches_scipy():
    qp = C.quadratic_program(np.diag([1.0, 2.0, 3.0]), np.array([1.0, -2.0, 0.5]),
                             A=[[1.0, 1.0, 1.0]], b=[1.0], G=[[1.0, 0.0, 0.0]], h=[0.0])
    res = C.solve_qp_dual(qp)
    np.testing.assert_allclose(res.x, slsqp(qp, np.zeros(3)).x, atol=1e-7)
    assert C.kkt_residuals(qp, res.x, res.multipliers["eq"], res.multipliers["ineq"]).max < 1e-7


def test_infeasible_qp_dual_unbounded():
    qp = C.quadratic_program(np.eye(2), np.zeros(2), G=[[1.0, 0.0], [-1.0, 0.0]],
                             h=[-1.0, -1.0])
    res = C.solve_qp_dual(qp)
    assert not res.success and res.reason == "infeasible" and res.violation > 0.5
    assert np.all(np.isfinite(res.x))


def test_nonconvex_qp_dual_is_minus_infinity():
    qp = C.quadratic_program(np.diag([1.0, -1.0]), np.zeros(2), G=[[1.0, 0.0]], h=[1.0])
    assert C.qp_dual_function(qp, mu=np.array([1.0]))[0] == -np.inf


def test_nonconvex_duality_gap_on_grid():
    """Tilted double well f = (x^2 - 1)^2 + 0.3 x on x >= 0: p* is the right well, the
    dual only sees the left well through the Lagrangian: a positive gap."""
    p = C.ConstrainedProblem(lambda x: (x[0] ** 2 - 1) ** 2 + 0.3 * x[0],
                             lambda x: np.array([4 * x[0] * (x[0] ** 2 - 1) + 0.3]),
                             ineq=lambda x: np.array([-x[0]]),
                             ineq_jac=lambda x: np.array([[-1.0]]), dim=1)
    ref = slsqp(p, np.array([1.0]))
    grid = np.linspace(-3, 3, 6001)[:, None]
    mus = np.linspace(0, 3, 601)[:, None]
    d = C.dual_on_grid(p, mus, grid)
    assert np.all(d <= ref.fun + 1e-12)           # weak duality
    assert ref.fun - d.max() > 0.2                # a gap
    # the grid's d equals the true inf (scipy from the grid's argmin) to 1e-6
    k = int(np.argmax(d))
    r = minimize(lambda x: p.value(x) + mus[k] @ p.ineq(x), grid[np.argmin(
        [p.value(x) + mus[k] @ p.ineq(x) for x in grid])])
    assert np.isclose(r.fun, d[k], atol=1e-6)


def svm_primal(X, y, Cc):
    n, dim = X.shape

    def f(z):
        return 0.5 * z[:dim] @ z[:dim] + Cc * z[dim + 1:].sum()
    cons = [{"type": "ineq", "fun": lambda z: y * (X @ z[:dim] + z[dim]) - 1 + z[dim + 1:]}]
    r = minimize(f, np.zeros(dim + 1 + n), constraints=cons,
                 bounds=[(None, None)] * (dim + 1) + [(0, None)] * n, method="SLSQP",
                 options={"ftol": 1e-12, "maxiter": 1000})
    assert r.success, r.message
    return r.x[:dim], r.x[dim], r.fun


@pytest.mark.parametrize("Cc, shift", [(1.0, 1.5), (0.3, 1.0), (10.0, 2.0)])
def test_svm_dual_matches_primal(Cc, shift):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(15, 2)) + shift, rng.normal(size=(15, 2)) - shift])
    y = np.r_[np.ones(15), -np.ones(15)]
    res = C.svm_dual(X, y, Cc)
    w, b, pstar = svm_primal(X, y, Cc)
    assert res.success
    np.testing.assert_allclose(res.w, w, atol=1e-4)
    assert abs(res.b - b) < 1e-4
    assert np.isclose(-res.fun, pstar, rtol=1e-6)          # strong duality
    margins = y * (X @ w + b)
    # support vectors are exactly the points on or inside the margin (primal side)
    assert set(res.support) == set(np.nonzero(margins < 1 + 1e-4)[0])


def test_projected_gradient_matches_slsqp_on_simplex_and_ball():
    rng = np.random.default_rng(3)
    M = rng.normal(size=(5, 5))
    qp = C.quadratic_program(M @ M.T + 0.1 * np.eye(5), rng.normal(size=5),
                             A=[np.ones(5)], b=[1.0], G=-np.eye(5), h=np.zeros(5))
    L = np.linalg.eigvalsh(qp.Q).max()
    r = C.projected_gradient(qp, np.ones(5) / 5, project_simplex, 1 / L, maxiter=20000,
                             tol=1e-9)
    assert r.success
    np.testing.assert_allclose(r.x, slsqp(qp, np.ones(5) / 5).x, atol=1e-6)
    ball = C.ConstrainedProblem(qp.value, qp.grad, ineq=lambda x: np.array([x @ x - 0.25]),
                                ineq_jac=lambda x: 2 * x[None, :], dim=5)
    r = C.projected_gradient(ball, np.zeros(5), lambda v: project_ball(v, 0.5), 1 / L,
                             maxiter=20000, tol=1e-9)
    np.testing.assert_allclose(r.x, slsqp(ball, np.zeros(5)).x, atol=1e-6)
    assert r.gradient_mapping[-1] <= 1e-9 and len(r.gradient_mapping) == r.nit + 1


def test_projected_gradient_max_steps_and_bad_input():
    r = C.projected_gradient(QP, np.zeros(2), lambda v: project_ball(v, 0.1), 0.01,
                             maxiter=3)
    assert not r.success and r.reason == "max_steps" and r.nit == 3
    with pytest.raises(ValueError, match="'lr' parameter of projected_gradient"):
        C.projected_gradient(QP, np.zeros(2), project_simplex, -1.0)
    with pytest.raises(TypeError, match="'project' parameter of projected_gradient"):
        C.projected_gradient(QP, np.zeros(2), None, 1.0)


@pytest.mark.parametrize("method", [C.penalty_method, C.augmented_lagrangian])
def test_penalty_and_al_match_slsqp_and_multipliers_converge(method):
    p = circle_problem(2.0, (1.0, 2.0))
    r = method(p, np.array([-0.5, -1.0]))
    ref = slsqp(p, np.array([-0.5, -1.0]))
    assert r.success
    np.testing.assert_allclose(r.x, ref.x, atol=1e-5)
    lam_true = C.equality_newton(p, ref.x, [0.5]).multipliers["eq"][0]
    err = np.abs(r.multiplier_history[:, 0] - lam_true)
    assert err[-1] < 1e-4 * lam_true and err[-1] < err[0]
    # inequality QP: both recover the active multiplier of SLSQP's solution
    r = method(QP, np.zeros(2))
    dual = C.solve_qp_dual(QP)
    np.testing.assert_allclose(r.multipliers["ineq"], dual.multipliers["ineq"], atol=1e-4)


def test_al_multipliers_converge_with_bounded_rho():
    p = circle_problem(2.0, (1.0, 2.0))
    al = C.augmented_lagrangian(p, np.array([-0.5, -1.0]), rho=10.0)
    pen = C.penalty_method(p, np.array([-0.5, -1.0]), rho=10.0)
    assert al.rhos.max() < pen.rhos.max()


@pytest.mark.parametrize("method", [C.penalty_method, C.augmented_lagrangian])
def test_infeasible_constraints_fail_with_reason(method):
    qp = C.quadratic_program(np.eye(2), np.zeros(2), G=[[1.0, 0.0], [-1.0, 0.0]],
                             h=[-1.0, -1.0])
    r = method(qp, np.zeros(2))
    assert not r.success and r.reason == "infeasible"
    assert np.all(np.isfinite(r.x)) and r.violation[-1] > 0.5


def test_bad_input_messages():
    with pytest.raises(TypeError, match="'problem' parameter of kkt_residuals"):
        C.kkt_residuals(object(), [0.0])
    with pytest.raises(ValueError, match="'mu' parameter of kkt_residuals"):
        C.kkt_residuals(QP, [0.0, 0.0], mu=[1.0])
    with pytest.raises(ValueError, match="'y' parameter of svm_dual"):
        C.svm_dual(np.ones((3, 2)), np.array([1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="'Q' parameter of quadratic_program"):
        C.quadratic_program([[1.0, 2.0], [0.0, 1.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match="positive definite"):
        C.solve_qp_dual(C.quadratic_program(np.diag([1.0, 0.0]), [0.0, 0.0],
                                            G=[[1.0, 0.0]], h=[1.0]))
