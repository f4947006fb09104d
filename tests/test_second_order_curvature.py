"""HVPs (double backward, finite differences) against explicit Hessians; CG, Newton-CG,
power iteration, Lanczos, Hutchinson against numpy.linalg and closed-form variances;
K-FAC, Shampoo, Sophia against their exact counterparts.
"""
import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from course_lib.problems import LogisticRegression, Rosenbrock
from course_lib.second_order import (conjugate_gradient, exact_fisher_block,
                                     hessian_free_newton, hessian_from_hvp, hutchinson,
                                     hvp_fd, kfac_factors, kfac_precondition, lanczos,
                                     matrix_inverse_root, power_iteration,
                                     shampoo_preconditioner, sophia_step)
from course_lib.second_order.autograd import hvp_autograd, numpy_hvp


def _rosen_torch(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def test_hvp_by_double_backward_and_by_finite_differences_match_the_explicit_hessian():
    p = Rosenbrock(dim=6)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(6); v = rng.standard_normal(6)
    H = p.hessian(x)
    ad = hvp_autograd(_rosen_torch, torch.tensor(x), torch.tensor(v)).numpy()
    np.testing.assert_allclose(ad, H @ v, rtol=1e-12, atol=1e-10)
    fd = hvp_fd(p.grad, x, v)
    np.testing.assert_allclose(fd, H @ v, rtol=1e-5, atol=1e-5 * np.linalg.norm(H @ v))
    # and torch's own Hessian agrees with the problem's formula (a third source)
    Ht = torch.autograd.functional.hessian(_rosen_torch, torch.tensor(x)).numpy()
    np.testing.assert_allclose(Ht, H, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(hessian_from_hvp(numpy_hvp(_rosen_torch, x), 6), H,
                               rtol=1e-12, atol=1e-10)
    assert not np.any(hvp_fd(p.grad, x, np.zeros(6)))


def _spd(n, seed=0, cond=100.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q * np.geomspace(1.0, cond, n)) @ Q.T


def test_conjugate_gradient_solves_spd_systems_in_at_most_n_steps():
    A = _spd(8); b = np.arange(1.0, 9.0)
    res = conjugate_gradient(lambda v: A @ v, b, tol=1e-12, maxiter=50)
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-8)
    assert res.iterations <= 8 + 2 and not res.negative_curvature
    # few distinct eigenvalues: exact after that many steps (N&W Theorem 5.4)
    Q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((20, 20)))
    A3 = (Q * np.repeat([1.0, 5.0, 30.0], [7, 7, 6])) @ Q.T
    res3 = conjugate_gradient(lambda v: A3 @ v, np.ones(20), tol=1e-10)
    assert res3.iterations == 3


def test_conjugate_gradient_stops_on_negative_curvature():
    A = np.diag([1.0, -2.0, 3.0])
    res = conjugate_gradient(lambda v: A @ v, np.array([0.0, 1.0, 0.0]))
    assert res.negative_curvature and res.iterations == 0
    np.testing.assert_allclose(res.x, [0.0, 1.0, 0.0])


def test_hessian_free_newton_reaches_scipys_newton_cg_solution():
    p = LogisticRegression(n_samples=200, n_features=10, l2=1e-2)
    res = hessian_free_newton(p, np.zeros(10), gtol=1e-8)
    ref = minimize(p.value, np.zeros(10), jac=p.grad, method="Newton-CG",
                   options={"xtol": 1e-12})
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)
    assert res.nit <= 15 and res.nhvp > 0
    # with exact HVPs through the problem's Hessian as well
    res2 = hessian_free_newton(p, np.zeros(10), hvp=lambda x, v: p.hessian(x) @ v,
                               gtol=1e-10)
    np.testing.assert_allclose(res2.x, p.x_star, atol=1e-6)
    r = hessian_free_newton(Rosenbrock(dim=10), np.zeros(10), maxiter=500)
    assert r.success and np.allclose(r.x, 1.0, atol=1e-5)


def test_power_iteration_and_lanczos_find_the_extreme_eigenvalues():
    A = _spd(30, cond=50.0)
    eig = np.linalg.eigvalsh(A)
    lam, v, its = power_iteration(lambda u: A @ u, 30, iters=2000, tol=1e-14)
    assert lam == pytest.approx(eig[-1], rel=1e-6)
    np.testing.assert_allclose(abs(v @ np.linalg.eigh(A)[1][:, -1]), 1.0, atol=1e-3)
    ritz = lanczos(lambda u: A @ u, 30, 15)
    assert ritz[-1] == pytest.approx(eig[-1], rel=1e-8)
    assert eig[0] - 1e-12 <= ritz[0] and ritz[-1] <= eig[-1] + 1e-12    # interlacing
    np.testing.assert_allclose(lanczos(lambda u: A @ u, 30, 30), eig, rtol=1e-8)
    # Lanczos with 15 products beats power iteration with 15 products
    lam15, _, _ = power_iteration(lambda u: A @ u, 30, iters=15, tol=0.0)
    assert abs(ritz[-1] - eig[-1]) < abs(lam15 - eig[-1])
    # negative curvature: power iteration finds the largest |lambda|
    lam_neg, _, _ = power_iteration(lambda u: np.diag([1.0, -4.0, 2.0]) @ u, 3, iters=500)
    assert lam_neg == pytest.approx(-4.0, rel=1e-8)


def test_power_iteration_with_autograd_hvps_on_a_network_loss():
    x = np.random.default_rng(0).standard_normal(4)
    H = torch.autograd.functional.hessian(_rosen_torch, torch.tensor(x)).numpy()
    lam, _, _ = power_iteration(numpy_hvp(_rosen_torch, x), 4, iters=3000, tol=1e-15)
    assert lam == pytest.approx(np.linalg.eigvalsh(H)[np.argmax(abs(np.linalg.eigvalsh(H)))],
                                rel=1e-6)


def test_hutchinson_is_unbiased_with_the_predicted_variance():
    A = _spd(10, seed=3, cond=10.0)
    res = hutchinson(lambda v: A @ v, 10, samples=4000, seed=0)
    var = 2 * (np.sum(A ** 2) - np.sum(np.diag(A) ** 2))       # Rademacher probes
    assert np.var(res.samples, ddof=1) == pytest.approx(var, rel=0.1)
    assert abs(res.estimate - np.trace(A)) < 4 * np.sqrt(var / 4000)
    assert res.std_error == pytest.approx(np.sqrt(var / 4000), rel=0.1)
    d = hutchinson(lambda v: A @ v, 10, samples=4000, diagonal=True, seed=1)
    var_d = np.sum(A ** 2, axis=1) - np.diag(A) ** 2
    assert np.all(np.abs(d.estimate - np.diag(A)) < 4 * np.sqrt(var_d / 4000))


def test_kfac_is_exact_for_independent_factors_and_an_approximation_otherwise():
    rng = np.random.default_rng(0)
    # exact case: every example has the same g (a point mass): F = A kron G exactly
    a = rng.standard_normal((50, 3)); g = np.tile(rng.standard_normal((1, 2)), (50, 1))
    A, G = kfac_factors(a, g)
    np.testing.assert_allclose(np.kron(A, G), exact_fisher_block(a, g), rtol=1e-12)
    # correlated a and g: the Kronecker product is only an approximation
    g2 = a[:, :2] * a[:, [2]]
    A2, G2 = kfac_factors(a, g2)
    err = np.linalg.norm(np.kron(A2, G2) - exact_fisher_block(a, g2)) / np.linalg.norm(
        exact_fisher_block(a, g2))
    assert err > 0.05
    # the preconditioning identity (A kron G)^{-1} vec(V) = vec(G^{-1} V A^{-1})
    V = rng.standard_normal((2, 3))
    lhs = np.linalg.solve(np.kron(A2, G2), V.reshape(-1, order="F"))
    np.testing.assert_allclose(kfac_precondition(V, A2, G2).reshape(-1, order="F"), lhs,
                               rtol=1e-9)


def test_shampoo_root_and_scale_invariance():
    rng = np.random.default_rng(0)
    M = _spd(4, cond=20.0)
    R = matrix_inverse_root(M, 4)
    np.testing.assert_allclose(np.linalg.matrix_power(R, 4) @ M, np.eye(4), atol=1e-10)
    u, v = rng.standard_normal(3), rng.standard_normal(5)
    for scale in (1e-3, 1.0, 1e3):
        d, _, _ = shampoo_preconditioner([scale * np.outer(u, v)], eps=1e-12)
        np.testing.assert_allclose(d, np.outer(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)),
                                   rtol=1e-5, atol=1e-8)
    with pytest.raises(ValueError, match="'M' parameter of matrix_inverse_root must be positive semidefinite"):
        matrix_inverse_root(np.diag([1.0, -1.0]), 4)


def test_sophia_is_newton_where_curvature_is_large_and_clipped_elsewhere():
    m = np.array([1.0, 1.0, 1.0]); h = np.array([1000.0, 1e-6, -5.0])
    step = sophia_step(m, h, lr=0.1, gamma=1.0)
    assert step[0] == pytest.approx(-0.1 * 1.0 / 1000.0)         # -lr m / (gamma h)
    np.testing.assert_allclose(step[1:], [-0.1, -0.1])           # clipped to lr
    # with Hutchinson's diagonal estimate of a diagonal Hessian (exact), one probe
    H = np.diag([4.0, 0.5]); g = np.array([2.0, 3.0])
    hd = hutchinson(lambda z: H @ z, 2, samples=1, diagonal=True).estimate
    np.testing.assert_allclose(hd, np.diag(H))
    np.testing.assert_allclose(sophia_step(g, hd, lr=1.0, gamma=1.0), [-0.5, -1.0])
