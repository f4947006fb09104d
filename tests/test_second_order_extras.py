"""second_order.reparam.Affine and second_order.torch_problem. Oracles: finite
differences, the chain rule in closed form, scipy's least_squares, torch.autograd."""
import numpy as np
import pytest
from scipy.optimize import approx_fprime

from course_lib.problems import LogisticRegression, Quadratic
from course_lib.second_order import Affine, newton


def _fd_grad(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


def test_affine_derivatives_match_finite_differences():
    f = LogisticRegression(n_samples=50, n_features=3, l2=1e-2)
    M = np.array([[2.0, 0.3, 0.0], [0.0, 0.5, 0.1], [0.2, 0.0, 3.0]])
    g = Affine(f, M, [0.1, -0.2, 0.3])
    y = np.array([0.3, -0.1, 0.2])
    np.testing.assert_allclose(g.grad(y), _fd_grad(g.value, y), rtol=1e-6, atol=1e-9)
    Hfd = np.column_stack([_fd_grad(lambda z: g.grad(z)[i], y) for i in range(3)])
    np.testing.assert_allclose(g.hessian(y), Hfd, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(g.from_original(g.to_original(y)), y, atol=1e-14)


def test_newton_is_affine_invariant_and_gradient_descent_is_not():
    f = LogisticRegression(n_samples=100, n_features=3, l2=1e-2)
    M = np.array([[2.0, 0.3, 0.0], [0.0, 0.5, 0.1], [0.2, 0.0, 3.0]])
    g = Affine(f, M, [0.1, -0.2, 0.3])
    x0 = np.array([0.5, -0.5, 0.2])
    rx = newton(f, x0, maxiter=4, gtol=0.0)
    ry = newton(g, g.from_original(x0), maxiter=4, gtol=0.0)
    np.testing.assert_allclose(g.to_original(ry.params), rx.params, atol=1e-12)
    y1 = g.from_original(x0) - g.grad(g.from_original(x0))
    assert np.linalg.norm(g.to_original(y1) - (x0 - f.grad(x0))) > 1e-2


def test_affine_bad_input():
    with pytest.raises(ValueError, match="'M' parameter of Affine"):
        Affine(Quadratic(np.eye(2)), [[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(TypeError, match="'problem' parameter of Affine"):
        Affine(object(), np.eye(2))


torch = pytest.importorskip("torch")


def test_torch_least_squares_derivatives_against_finite_differences_and_autograd():
    from course_lib.second_order.torch_problem import tanh_regression

    p = tanh_regression(hidden=3, n_points=15)
    x = p.x0
    np.testing.assert_allclose(p.grad(x), approx_fprime(x, p.value, 1e-7), rtol=1e-4,
                               atol=1e-6)
    Hfd = np.column_stack([(p.grad(x + 1e-6 * e) - p.grad(x - 1e-6 * e)) / 2e-6
                           for e in np.eye(p.dim)])
    H = p.hessian(x)
    np.testing.assert_allclose(H, Hfd, rtol=1e-5, atol=1e-7)
    v = np.random.default_rng(1).standard_normal(p.dim)
    np.testing.assert_allclose(p.hvp(x, v), H @ v, rtol=1e-10, atol=1e-12)
    Jfd = np.column_stack([(p.residual(x + 1e-6 * e) - p.residual(x - 1e-6 * e)) / 2e-6
                           for e in np.eye(p.dim)])
    np.testing.assert_allclose(p.jacobian(x), Jfd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(p.gauss_newton_matrix(x), Jfd.T @ Jfd, rtol=1e-5, atol=1e-7)
    assert np.min(np.linalg.eigvalsh(p.gauss_newton_matrix(x))) > -1e-12


def test_hessian_minus_gauss_newton_is_the_residual_curvature_term():
    """H - J^T J = sum_i r_i hess r_i, the second factor by differences of the Jacobian."""
    from course_lib.second_order.torch_problem import tanh_regression

    p = tanh_regression(hidden=2, n_points=10)
    x, h = p.x0, 1e-6
    r = p.residual(x)
    dJ = [(p.jacobian(x + h * e) - p.jacobian(x - h * e)) / (2 * h) for e in np.eye(p.dim)]
    term = np.stack([r @ d for d in dJ], axis=1)           # sum_i r_i d(J_i)/dtheta_k
    np.testing.assert_allclose(p.hessian(x) - p.gauss_newton_matrix(x), 0.5 * (term + term.T),
                               rtol=1e-5, atol=1e-7)


def test_torch_least_squares_bad_input():
    from course_lib.second_order.torch_problem import TorchLeastSquares, tanh_regression

    with pytest.raises(TypeError, match="'residual' parameter of TorchLeastSquares"):
        TorchLeastSquares(3, 2)
    with pytest.raises(ValueError, match="'hidden' parameter of tanh_regression"):
        tanh_regression(hidden=0)


class _NanAwayFromStart:
    """Finite (f = 1, g = 1, H = I) only at x0 = (1, 1); NaN at every other point."""

    def value(self, x):
        return 1.0 if x[0] == 1.0 else np.nan

    def grad(self, x):
        return np.ones_like(x) if x[0] == 1.0 else np.full_like(x, np.nan)

    def hessian(self, x):
        return np.eye(len(x)) if x[0] == 1.0 else np.full((len(x), len(x)), np.nan)


def test_non_finite_curvature_or_values_away_from_the_start_give_success_false():
    from course_lib.second_order import hessian_free_newton, levenberg_marquardt

    p = _NanAwayFromStart()
    hf = hessian_free_newton(p, [1.0, 1.0])          # its finite-difference HVPs are NaN
    assert not hf.success and hf.reason == "diverged" and "non-finite" in hf.message
    np.testing.assert_array_equal(hf.x, [1.0, 1.0])
    damped = newton(p, [1.0, 1.0], line_search=True)
    assert not damped.success and damped.reason == "line_search_failed"
    assert np.isfinite(damped.fun) and damped.nit == 0
    lm = levenberg_marquardt(p, [1.0, 1.0])
    assert not lm.success and lm.reason == "line_search_failed" and np.isfinite(lm.fun)


def test_gauss_newton_reports_rank_deficiency_and_non_finite_residuals():
    from course_lib.second_order import gauss_newton

    rank1 = gauss_newton(lambda x: np.array([x[0] + x[1] - 1, 2 * (x[0] + x[1]) - 3]),
                         lambda x: np.array([[1.0, 1.0], [2.0, 2.0]]), [0.0, 0.0])
    assert not rank1.success and rank1.reason == "singular_hessian"
    nan = gauss_newton(lambda x: np.array([np.nan, 1.0]), lambda x: np.eye(2), [0.0, 0.0])
    assert not nan.success and nan.reason == "diverged"
