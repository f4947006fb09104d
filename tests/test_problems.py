"""Tests for course_lib.problems, each against an independent oracle: finite differences,
scipy's Rosenbrock, numpy's linear algebra, torch autograd (float64), literature values,
sampling theory (Cochran) and the convergence theorem for gradient descent."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess

from course_lib import problems as P
from course_lib.sampling import minibatch_variance


# --------------------------------------------------------------------------- oracles
def fd_grad(f, x, h=1e-3):
    """Five-point central difference, error O(h^4)."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (-f(x + 2 * e) + 8 * f(x + e) - 8 * f(x - e) + f(x - 2 * e)) / (12 * h)
    return g


def fd_jac(g, x, h=1e-3):
    """Jacobian of a vector function by the same stencil (column i = d g / d x_i)."""
    return np.stack([fd_grad(lambda z, k=k: g(z)[k], x, h) for k in range(x.size)])


def _random_spd(d, seed):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((d, d))
    return M @ M.T + 0.5 * np.eye(d)


PROBLEMS = {
    "quadratic_kappa50": lambda: P.Quadratic.from_condition_number(50.0, dim=2),
    "quadratic_rotated": lambda: P.Quadratic.from_eigenvalues(
        [0.1, 1.0, 3.0, 7.0], rotation=3, x_star=[1.0, -2.0, 0.5, 3.0]),
    "quadratic_general": lambda: P.Quadratic(_random_spd(3, 1), b=[1.0, -1.0, 2.0], c=1.5),
    "rosenbrock": lambda: P.Rosenbrock(),
    "rosenbrock_5d": lambda: P.Rosenbrock(5),
    "rosenbrock_a_b": lambda: P.Rosenbrock(2, a=0.5, b=10.0),
    "beale": lambda: P.Beale(),
    "himmelblau": lambda: P.Himmelblau(),
    "saddle": lambda: P.Saddle(),
    "double_well": lambda: P.TiltedDoubleWell(),
    "linreg": lambda: P.LinearRegression(n_samples=50, n_features=3, seed=1),
    "linreg_ridge": lambda: P.LinearRegression(n_samples=40, n_features=4, l2=0.3, seed=2),
    "logreg": lambda: P.LogisticRegression(n_samples=60, n_features=3, seed=3),
}


def _points(p, k=4, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = np.array(p.bounds).T
    return [rng.uniform(lo, hi) for _ in range(k)]


@pytest.fixture(params=sorted(PROBLEMS), ids=sorted(PROBLEMS))
def problem(request):
    return PROBLEMS[request.param]()


# --------------------------------------------------------------------------- interface
def test_interface(problem):
    p = problem
    assert isinstance(p.name, str) and p.name
    assert isinstance(p.dim, int) and p.dim >= 1
    assert p.x0.shape == (p.dim,)
    assert p.minimizers.ndim == 2 and p.minimizers.shape[1] == p.dim
    assert len(p.bounds) == p.dim and all(lo < hi for lo, hi in p.bounds)
    lo, hi = np.array(p.bounds).T
    assert np.all((lo <= p.x0) & (p.x0 <= hi)), "x0 must lie in the plotting window"
    for m in p.minimizers:
        assert np.all((lo <= m) & (m <= hi)), "minimizers must lie in the plotting window"
    x = p.x0
    assert p(x) == p.value(x) and isinstance(p.value(x), float)
    assert p.grad(x).shape == (p.dim,) and p.hessian(x).shape == (p.dim, p.dim)
    assert type(p).__name__ in repr(p)


def test_x0_is_a_fresh_copy(problem):
    x = problem.x0
    x += 100.0
    assert not np.allclose(problem.x0, x)


def test_gradient_matches_finite_differences(problem):
    for x in _points(problem):
        g = problem.grad(x)
        fd = fd_grad(problem.value, x)
        assert np.linalg.norm(g - fd) <= 1e-6 * max(1.0, np.linalg.norm(fd)), (x, g, fd)


def test_hessian_matches_finite_differences(problem):
    for x in _points(problem, seed=1):
        H = problem.hessian(x)
        fd = fd_jac(problem.grad, x)
        np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-12 * max(1.0, np.abs(H).max()))
        assert np.linalg.norm(H - fd) <= 1e-6 * max(1.0, np.linalg.norm(fd)), (x, H, fd)


def test_known_minimizers_are_minimizers(problem):
    p = problem
    if p.f_min is None:
        assert p.minimizers.shape == (0, p.dim)
        return
    assert len(p.minimizers) >= 1
    for m in p.minimizers:
        scale = max(1.0, np.abs(p.hessian(m)).max())
        assert np.linalg.norm(p.grad(m)) <= 1e-9 * scale
        assert np.linalg.eigvalsh(p.hessian(m))[0] > 0
        assert p.value(m) == pytest.approx(p.f_min, abs=1e-12 * max(1.0, abs(p.f_min)))
    # f_min is a lower bound on a cloud of random points in the window
    rng = np.random.default_rng(5)
    lo, hi = np.array(p.bounds).T
    pts = rng.uniform(lo, hi, size=(500, p.dim))
    assert np.min([p.value(x) for x in pts]) >= p.f_min - 1e-12


def test_value_grid_matches_pointwise_values(problem):
    p = problem
    rng = np.random.default_rng(2)
    lo, hi = np.array(p.bounds).T
    coords = [rng.uniform(a, b, size=(3, 4)) for a, b in zip(lo, hi)]
    Z = p.value_grid(*coords)
    assert Z.shape == (3, 4)
    pts = np.stack([c.ravel() for c in coords], axis=1)
    np.testing.assert_allclose(Z.ravel(), [p.value(x) for x in pts], rtol=1e-12, atol=1e-12)


def test_value_grid_on_a_meshgrid_and_bad_grids():
    p = P.Rosenbrock()
    X, Y = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-1, 3, 5))
    np.testing.assert_allclose(p.value_grid(X, Y), (1 - X) ** 2 + 100 * (Y - X**2) ** 2,
                               rtol=1e-14)
    with pytest.raises(ValueError, match="'X' and 'Y'"):
        p.value_grid(X, Y[:, :3])
    with pytest.raises(ValueError, match="2 coordinate"):
        p.value_grid(X)


# --------------------------------------------------------------------------- Rosenbrock
@pytest.mark.parametrize("dim", [2, 3, 5, 10])
def test_rosenbrock_matches_scipy(dim):
    p = P.Rosenbrock(dim)
    rng = np.random.default_rng(dim)
    for _ in range(5):
        x = rng.uniform(-2, 2, size=dim)
        assert p.value(x) == pytest.approx(rosen(x), rel=1e-13)
        np.testing.assert_allclose(p.grad(x), rosen_der(x), rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(p.hessian(x), rosen_hess(x), rtol=1e-12, atol=1e-10)
    np.testing.assert_array_equal(p.minimizers, np.ones((1, dim)))
    assert p.f_min == 0.0 and rosen(p.minimizers[0]) == 0.0


def test_rosenbrock_minimizer_for_other_a():
    # 2-d: f = b (y - x^2)^2 + (a - x)^2 vanishes exactly at (a, a^2)
    p = P.Rosenbrock(2, a=-0.7, b=3.0)
    np.testing.assert_allclose(p.minimizers, [[-0.7, 0.49]], rtol=1e-15)
    assert p.value([-0.7, 0.49]) == pytest.approx(0.0, abs=1e-15)
    # n >= 3 with a outside {0, 1}: no point has f = 0, so nothing is claimed
    q = P.Rosenbrock(3, a=2.0)
    assert q.minimizers.shape == (0, 3) and q.f_min is None
    np.testing.assert_array_equal(P.Rosenbrock(4, a=0.0).minimizers, np.zeros((1, 4)))


# --------------------------------------------------------------------------- literature minima
def test_beale_and_himmelblau_literature_minima():
    assert P.Beale().value([3.0, 0.5]) == 0.0
    np.testing.assert_array_equal(P.Beale().minimizers, [[3.0, 0.5]])
    h = P.Himmelblau()
    # Himmelblau (1972); four-decimal values as quoted in the optimisation literature
    published = np.array([[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186],
                          [3.584428, -1.848127]])
    assert h.minimizers.shape == (4, 2)
    for m, ref in zip(h.minimizers, published):
        np.testing.assert_allclose(m, ref, atol=1e-6)
        x, y = m  # independent evaluation of f and its gradient
        r1, r2 = x**2 + y - 11, x + y**2 - 7
        assert r1**2 + r2**2 < 1e-24
        assert np.hypot(4 * x * r1 + 2 * r2, 2 * r1 + 4 * y * r2) < 1e-11
    assert len({tuple(np.round(m, 3)) for m in h.minimizers}) == 4


# --------------------------------------------------------------------------- quadratics
@pytest.mark.parametrize("rotation", [None, 0, 7])
def test_quadratic_from_eigenvalues_spectrum_and_minimizer(rotation):
    eigs = np.array([5.0, 0.2, 1.0])
    xs = np.array([0.3, -1.0, 2.0])
    q = P.Quadratic.from_eigenvalues(eigs, rotation=rotation, x_star=xs)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.A), np.sort(eigs), rtol=1e-12)
    np.testing.assert_allclose(q.eigenvalues, np.sort(eigs))
    assert (q.L, q.mu) == (5.0, 0.2) and q.kappa == pytest.approx(25.0, rel=1e-14)
    np.testing.assert_allclose(q.x_star, np.linalg.solve(q.A, q.b), rtol=1e-12)
    np.testing.assert_allclose(q.x_star, xs, rtol=1e-12)
    assert q.f_min == 0.0
    off_diag = np.abs(q.A - np.diag(np.diag(q.A))).max()
    if rotation is None:
        assert off_diag == 0.0
    else:
        assert off_diag > 1e-2, "a seeded rotation must actually rotate"


def test_quadratic_rotation_is_seeded():
    a = P.Quadratic.from_eigenvalues([1.0, 2.0, 3.0], rotation=4).A
    np.testing.assert_array_equal(a, P.Quadratic.from_eigenvalues([1.0, 2.0, 3.0],
                                                                  rotation=4).A)
    assert not np.allclose(a, P.Quadratic.from_eigenvalues([1.0, 2.0, 3.0], rotation=5).A)


@pytest.mark.parametrize("kappa,dim,L", [(100.0, 2, 1.0), (37.0, 4, 2.5), (1.0, 3, 0.5)])
def test_quadratic_from_condition_number(kappa, dim, L):
    q = P.Quadratic.from_condition_number(kappa, dim=dim, L=L, rotation=1)
    eig = np.linalg.eigvalsh(q.A)
    np.testing.assert_allclose(eig, np.linspace(L / kappa, L, dim), rtol=1e-12)
    assert np.linalg.cond(q.A) == pytest.approx(kappa, rel=1e-10)
    assert q.kappa == pytest.approx(kappa, rel=1e-14)
    assert (q.L, q.mu) == pytest.approx((L, L / kappa), rel=1e-14)


def test_quadratic_one_dimensional_needs_kappa_one():
    q = P.Quadratic.from_condition_number(1.0, dim=1, L=3.0)
    assert q.A.shape == (1, 1) and q.A[0, 0] == 3.0
    assert q.value(2.0) == 0.5 * 3.0 * 4.0
    with pytest.raises(ValueError, match="'kappa'"):
        P.Quadratic.from_condition_number(10.0, dim=1)


def test_quadratic_general_closed_form():
    A, b, c = _random_spd(4, 3), np.array([1.0, 0.0, -2.0, 0.5]), -0.75
    q = P.Quadratic(A, b, c)
    x = np.array([0.1, 0.2, -0.3, 0.4])
    assert q.value(x) == pytest.approx(0.5 * x @ A @ x - b @ x + c, rel=1e-14)
    np.testing.assert_allclose(q.x_star, np.linalg.solve(A, b), rtol=1e-12)
    assert q.f_min == pytest.approx(c - 0.5 * b @ np.linalg.solve(A, b), rel=1e-12)
    assert q.kappa == pytest.approx(np.linalg.cond(A), rel=1e-10)


def test_quadratic_singular():
    # PSD with b in the range of A: a line of minimizers, all at the same value
    A = np.diag([2.0, 0.0])
    q = P.Quadratic(A, b=[2.0, 0.0], c=1.0)
    assert q.mu == 0.0 and q.kappa == np.inf and q.x_star is None
    m = q.minimizers[0]
    assert q.f_min == pytest.approx(0.0, abs=1e-15)  # 1/2*2*1 - 2*1 + 1
    assert q.value(m + [0.0, 5.0]) == pytest.approx(q.f_min, abs=1e-15)
    # b outside the range of A: f is unbounded below, nothing claimed
    r = P.Quadratic(A, b=[0.0, 1.0])
    assert r.minimizers.shape == (0, 2) and r.f_min is None
    assert r.value([0.0, 1e6]) < -1e5
    # from_eigenvalues with a zero eigenvalue: the requested point is a minimizer, f_min 0
    s = P.Quadratic.from_eigenvalues([0.0, 1.0], rotation=2, x_star=[1.0, 1.0])
    assert s.x_star is None and s.f_min == 0.0 and s.kappa == np.inf
    assert np.linalg.norm(s.grad(s.minimizers[0])) < 1e-14


def test_quadratic_indefinite_needs_the_flag():
    A = np.diag([1.0, -2.0])
    with pytest.raises(ValueError, match="'A'.*positive semi-definite"):
        P.Quadratic(A)
    q = P.Quadratic(A, allow_indefinite=True)
    assert q.mu == -2.0 and q.f_min is None and q.minimizers.shape == (0, 2)


def test_gradient_descent_obeys_the_linear_rate_on_a_quadratic():
    """Theorem: GD with step 1/L on a mu-strongly convex quadratic contracts the error by
    at least (1 - 1/kappa) per step (Nocedal & Wright, Thm 3.3 / eq. 3.29)."""
    from course_lib.optimizers import gradient_descent, run

    q = P.Quadratic.from_condition_number(20.0, dim=3, rotation=0, x_star=[1.0, 2.0, 3.0])
    traj = run(gradient_descent(lr=1.0 / q.L), q, q.x0, 60)
    err = np.linalg.norm(traj.params - q.x_star, axis=1)
    bound = (1 - 1 / q.kappa) ** np.arange(61) * err[0]
    assert np.all(err <= bound * (1 + 1e-12))
    assert err[-1] < 0.1 * err[0]


def test_divergent_run_is_flagged_not_raised():
    from course_lib.optimizers import gradient_descent, run

    q = P.Quadratic.from_condition_number(10.0)
    traj = run(gradient_descent(lr=3.0 / q.L), q, q.x0, 2000)  # |1 - 3| = 2 per step
    assert traj.diverged
    # an overflowing step makes x itself infinite: value must report it, not raise
    with np.errstate(invalid="ignore", over="ignore"):  # the update -lr * g overflows
        traj = run(gradient_descent(lr=1e308),
                   P.Quadratic.from_condition_number(10.0, L=100.0), np.ones(2), 5)
        assert traj.diverged and not np.all(np.isfinite(traj.params[-1]))
        assert not np.isfinite(P.Rosenbrock().value([np.inf, 0.0]))
        assert not np.all(np.isfinite(P.LinearRegression().grad(np.full(5, np.nan))))


# --------------------------------------------------------------------------- saddle, double well
def test_saddle():
    s = P.Saddle()
    np.testing.assert_array_equal(s.grad([0.0, 0.0]), [0.0, 0.0])
    np.testing.assert_array_equal(np.linalg.eigvalsh(s.hessian([0.3, 0.1])), [-1.0, 1.0])
    assert s.minimizers.shape == (0, 2) and s.f_min is None
    assert s.value([0.0, 100.0]) == -5000.0  # unbounded below along y
    assert s.value([3.0, 1.0]) == (9.0 - 1.0) / 2


def test_tilted_double_well_critical_points():
    t = P.TiltedDoubleWell()
    c = t.critical_points
    assert c.shape == (3,) and np.all(np.diff(c) > 0.1)
    assert np.all(np.abs(4 * c**3 - 8 * c + 1) < 1e-12)
    kinds = ["local min" if 12 * x**2 - 8 > 0 else "local max" for x in c]
    assert list(t.critical_point_kinds) == kinds
    assert kinds.count("local max") == 1 and kinds.count("local min") == 2
    f = lambda x: x**4 - 4 * x**2 + x  # noqa: E731
    mins = [x for x, k in zip(c, kinds) if k == "local min"]
    glob, other = sorted(mins, key=f)
    assert f(glob) < f(other)
    np.testing.assert_allclose(t.minimizers, [[glob]], rtol=1e-14)
    # the global minimum agrees with a dense grid search
    grid = np.linspace(-3, 3, 600_001)
    assert t.f_min <= f(grid).min() + 1e-15
    assert t.f_min == pytest.approx(f(grid).min(), abs=1e-9)
    assert t.value(2.0) == t.value([2.0]) == 2.0
    np.testing.assert_array_equal(t.grad(2.0), [4 * 8 - 16 + 1])


def test_tilted_double_well_is_not_convex():
    """Convexity would need f((a+b)/2) <= (f(a)+f(b))/2 for every chord; the chord
    between the two local minima violates it (the seed calls f 'convex')."""
    t = P.TiltedDoubleWell()
    a, _, b = t.critical_points
    mid = t.value((a + b) / 2)
    assert mid > (t.value(a) + t.value(b)) / 2 + 1.0
    assert t.hessian([0.0])[0, 0] < 0  # f'' = -8 at 0


# --------------------------------------------------------------------------- linear regression
def test_linear_regression_data_and_value():
    p = P.LinearRegression(n_samples=30, n_features=4, noise=0.5, l2=0.2, seed=3)
    q = P.LinearRegression(n_samples=30, n_features=4, noise=0.5, l2=0.2, seed=3)
    np.testing.assert_array_equal(p.X, q.X)
    np.testing.assert_array_equal(p.y, q.y)
    assert not np.allclose(p.X, P.LinearRegression(30, 4, seed=4).X)
    assert p.X.shape == (30, 4) and p.y.shape == (30,) and p.n_samples == 30
    assert p.true_w.shape == (4,)
    w = np.array([0.5, -1.0, 2.0, 0.0])
    expected = np.sum((p.X @ w - p.y) ** 2) / (2 * 30) + 0.1 * w @ w
    assert p.value(w) == pytest.approx(expected, rel=1e-14)


def test_linear_regression_x_star_least_squares():
    p = P.LinearRegression(n_samples=80, n_features=6, noise=0.3, seed=5)
    ref = np.linalg.lstsq(p.X, p.y, rcond=None)[0]
    np.testing.assert_allclose(p.x_star, ref, rtol=1e-10)
    np.testing.assert_allclose(p.minimizers, [ref], rtol=1e-10)
    assert p.f_min == pytest.approx(np.sum((p.X @ ref - p.y) ** 2) / 160, rel=1e-10)
    s = np.linalg.svd(p.X, compute_uv=False)
    assert (p.L, p.mu) == pytest.approx((s[0] ** 2 / 80, s[-1] ** 2 / 80), rel=1e-10)


def test_linear_regression_x_star_ridge():
    n, d, l2 = 40, 5, 0.7
    p = P.LinearRegression(n_samples=n, n_features=d, l2=l2, seed=6)
    # ridge as an augmented least-squares problem: [X; sqrt(n l2) I] w ~ [y; 0]
    Xa = np.vstack([p.X, np.sqrt(n * l2) * np.eye(d)])
    ya = np.concatenate([p.y, np.zeros(d)])
    np.testing.assert_allclose(p.x_star, np.linalg.lstsq(Xa, ya, rcond=None)[0], rtol=1e-10)
    s = np.linalg.svd(p.X, compute_uv=False)
    assert (p.L, p.mu) == pytest.approx((s[0] ** 2 / n + l2, s[-1] ** 2 / n + l2), rel=1e-10)


def test_linear_regression_underdetermined():
    p = P.LinearRegression(n_samples=3, n_features=5, noise=1.0, seed=0)
    assert p.mu == 0.0 and p.kappa == np.inf
    assert p.f_min == pytest.approx(0.0, abs=1e-20)  # 3 equations, 5 unknowns: exact fit
    np.testing.assert_allclose(p.x_star, np.linalg.pinv(p.X) @ p.y, rtol=1e-10)


FINITE_SUMS = {
    "linreg": lambda: P.LinearRegression(n_samples=40, n_features=3, l2=0.1, seed=7),
    "logreg": lambda: P.LogisticRegression(n_samples=40, n_features=3, seed=8),
}


@pytest.fixture(params=sorted(FINITE_SUMS), ids=sorted(FINITE_SUMS))
def finite_sum(request):
    return FINITE_SUMS[request.param]()


def _loss_rows(p, w, idx):
    """Independent restatement of the objective restricted to rows idx."""
    z = p.X[idx] @ w
    y = p.y[idx]
    if isinstance(p, P.LinearRegression):
        per = 0.5 * (z - y) ** 2
    else:
        per = np.log1p(np.exp(z)) - y * z
    return np.mean(per) + 0.5 * p.l2 * w @ w


def test_per_example_grads_average_to_grad(finite_sum):
    p = finite_sum
    w = np.random.default_rng(0).standard_normal(p.dim)
    G = p.per_example_grads(w)
    assert G.shape == (p.n_samples, p.dim)
    np.testing.assert_allclose(G.mean(axis=0), p.grad(w), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(G[4], fd_grad(lambda v: _loss_rows(p, v, [4]), w), rtol=1e-7)


def test_minibatch_grad_with_idx_is_gradient_of_restricted_loss(finite_sum):
    p = finite_sum
    rng = np.random.default_rng(1)
    w = rng.standard_normal(p.dim)
    idx = np.array([3, 3, 17, 0, 39, 17, 17])  # repeats count with multiplicity
    fd = fd_grad(lambda v: _loss_rows(p, v, idx), w)
    np.testing.assert_allclose(p.grad(w, idx), fd, rtol=1e-8, atol=1e-10)
    assert p.value(w, idx) == pytest.approx(_loss_rows(p, w, idx), rel=1e-13)
    assert p.value(w) == pytest.approx(_loss_rows(p, w, np.arange(p.n_samples)), rel=1e-13)


@pytest.mark.parametrize("replace", [False, True])
def test_minibatch_grad_is_unbiased(finite_sum, replace):
    """Average of M minibatch gradients: each coordinate is within 5 standard errors of
    the full gradient, the variance taken from sampling theory (sigma^2/b, times the
    finite-population correction (n-b)/(n-1) without replacement; Cochran, Thm 2.2)."""
    p, b, M = finite_sum, 8, 1500
    w = np.random.default_rng(2).standard_normal(p.dim)
    g = p.grad(w)
    G = p.per_example_grads(w)
    n = p.n_samples
    var_b = G.var(axis=0) / b * (1.0 if replace else (n - b) / (n - 1))
    rng = np.random.default_rng(3)
    avg = np.mean([p.minibatch_grad(w, b, replace=replace, rng=rng) for _ in range(M)],
                  axis=0)
    assert np.all(np.abs(avg - g) <= 5 * np.sqrt(var_b / M)), (avg - g, np.sqrt(var_b / M))


@pytest.mark.parametrize("replace", [False, True])
def test_minibatch_variance_matches_formula(replace):
    p, b, M = P.LinearRegression(n_samples=40, n_features=3, seed=9), 20, 1500
    w = np.zeros(3)
    g = p.grad(w)
    rng = np.random.default_rng(4)
    sq = np.array([np.sum((p.minibatch_grad(w, b, replace=replace, rng=rng) - g) ** 2)
                   for _ in range(M)])
    expected = minibatch_variance(p.per_example_grads(w), b, replace=replace)
    assert abs(sq.mean() - expected) <= 5 * sq.std() / np.sqrt(M)
    # with and without replacement differ by the factor (n-b)/(n-1) = 20/39 here
    other = minibatch_variance(p.per_example_grads(w), b, replace=not replace)
    assert abs(sq.mean() - other) > 10 * sq.std() / np.sqrt(M)


def test_minibatch_grad_edge_cases():
    p = P.LinearRegression(n_samples=25, n_features=2, seed=1)
    w = np.array([0.3, -0.2])
    # a batch of all n examples drawn without replacement is the full gradient
    np.testing.assert_allclose(p.minibatch_grad(w, 25, rng=0), p.grad(w), rtol=1e-13)
    np.testing.assert_array_equal(p.minibatch_grad(w, 5, rng=11), p.minibatch_grad(w, 5, rng=11))
    assert p.minibatch_grad(w, 100, replace=True, rng=0).shape == (2,)


def test_sgd_run_uses_minibatches():
    from course_lib.optimizers import gradient_descent, run

    p = P.LinearRegression(n_samples=100, n_features=3, noise=0.0, seed=2)
    traj = run(gradient_descent(lr=0.5 / p.L), p, p.x0, 300, batch_size=10, seed=0)
    # noise = 0: every f_i is minimised at true_w, so SGD converges to it
    assert np.linalg.norm(traj.x - p.true_w) < 1e-3 * np.linalg.norm(p.true_w)


# --------------------------------------------------------------------------- logistic regression
def test_logistic_regression_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    p = P.LogisticRegression(n_samples=70, n_features=4, l2=0.05, seed=1)
    assert set(np.unique(p.y)) == {0.0, 1.0}
    X = torch.tensor(p.X, dtype=torch.float64)
    y = torch.tensor(p.y, dtype=torch.float64)
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def f(w):
        return bce(X @ w, y) + 0.5 * p.l2 * (w @ w)

    rng = np.random.default_rng(0)
    for scale in (0.1, 1.0, 30.0):  # 30: large margins, checks the stable formulas
        w0 = scale * rng.standard_normal(4)
        w = torch.tensor(w0, requires_grad=True)
        val = f(w)
        (g,) = torch.autograd.grad(val, w)
        H = torch.autograd.functional.hessian(f, torch.tensor(w0))
        assert p.value(w0) == pytest.approx(val.item(), rel=1e-12)
        np.testing.assert_allclose(p.grad(w0), g.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(p.hessian(w0), H.numpy(), rtol=1e-10, atol=1e-14)
    idx = np.array([1, 5, 5, 60])
    w0 = rng.standard_normal(4)
    w = torch.tensor(w0, requires_grad=True)
    (g,) = torch.autograd.grad(bce(X[idx] @ w, y[idx]) + 0.5 * p.l2 * (w @ w), w)
    np.testing.assert_allclose(p.grad(w0, idx), g.numpy(), rtol=1e-10)


def test_logistic_regression_x_star_and_constants():
    p = P.LogisticRegression()
    assert np.linalg.norm(p.grad(p.x_star)) < 1e-8
    assert np.linalg.eigvalsh(p.hessian(p.x_star))[0] > 0
    assert p.f_min == p.value(p.x_star)
    n = p.n_samples
    assert p.L == pytest.approx(np.linalg.eigvalsh(p.X.T @ p.X)[-1] / (4 * n) + p.l2,
                                rel=1e-12)
    assert p.mu == p.l2
    # L and mu bound the Hessian's spectrum everywhere (s(1-s) <= 1/4)
    rng = np.random.default_rng(1)
    for _ in range(20):
        eig = np.linalg.eigvalsh(p.hessian(3 * rng.standard_normal(p.dim)))
        assert p.mu <= eig[0] + 1e-14 and eig[-1] <= p.L + 1e-14


def test_logistic_regression_x_star_is_lazy(monkeypatch):
    import scipy.optimize

    def boom(*args, **kwargs):
        raise RuntimeError("solver called")

    monkeypatch.setattr(scipy.optimize, "minimize", boom)
    p = P.LogisticRegression(n_samples=30, n_features=2, seed=4)
    p.value(p.x0), p.grad(p.x0), repr(p)
    with pytest.raises(RuntimeError, match="solver called"):
        p.x_star
    monkeypatch.undo()
    assert np.linalg.norm(p.grad(p.x_star)) < 1e-8


# --------------------------------------------------------------------------- bad input
BAD_INPUTS = [
    (lambda: P.Quadratic.from_condition_number(0.5), ValueError, "'kappa'"),
    (lambda: P.Quadratic.from_condition_number(float("inf")), ValueError, "'kappa'"),
    (lambda: P.Quadratic.from_condition_number(10.0, dim=0), ValueError, "'dim'"),
    (lambda: P.Quadratic.from_condition_number(10.0, L=-1.0), ValueError, "'L'"),
    (lambda: P.Quadratic.from_eigenvalues([1.0, -1.0]), ValueError, "'eigs'"),
    (lambda: P.Quadratic.from_eigenvalues([0.0, 0.0]), ValueError, "'eigs'"),
    (lambda: P.Quadratic.from_eigenvalues([1.0, 2.0], x_star=[1, 2, 3]), ValueError,
     r"'x_star'.*\(2,\)"),
    (lambda: P.Quadratic.from_eigenvalues([1.0, 2.0], rotation=1.5), TypeError, "'rotation'"),
    (lambda: P.Quadratic([[1.0, 2.0], [0.0, 1.0]]), ValueError, "'A'.*symmetric"),
    (lambda: P.Quadratic(np.ones((2, 3))), ValueError, "'A'"),
    (lambda: P.Quadratic(np.eye(2), b=[1.0, 2.0, 3.0]), ValueError, "'b'"),
    (lambda: P.Rosenbrock(dim=1), ValueError, "'dim'"),
    (lambda: P.Rosenbrock(dim=2.0), TypeError, "'dim'"),
    (lambda: P.Rosenbrock(b=0.0), ValueError, "'b'"),
    (lambda: P.LinearRegression(n_samples=0), ValueError, "'n_samples'"),
    (lambda: P.LinearRegression(n_features=0), ValueError, "'n_features'"),
    (lambda: P.LinearRegression(noise=-1.0), ValueError, "'noise'"),
    (lambda: P.LinearRegression(l2=-0.1), ValueError, "'l2'"),
    (lambda: P.LogisticRegression(n_samples=0), ValueError, "'n_samples'"),
    (lambda: P.LogisticRegression(l2=-1.0), ValueError, "'l2'"),
    (lambda: P.Rosenbrock().value(np.zeros(3)), ValueError, r"'x'.*\(2,\)"),
    (lambda: P.Beale().grad([[1.0, 2.0]]), ValueError, r"'x'.*\(2,\)"),
    (lambda: P.TiltedDoubleWell().value([1.0, 2.0]), ValueError, r"'x'.*\(1,\)"),
    (lambda: P.Quadratic(np.eye(3)).hessian(np.zeros(2)), ValueError, r"'x'.*\(3,\)"),
    (lambda: P.LinearRegression().grad(np.zeros(4)), ValueError, r"'w'.*\(5,\)"),
    (lambda: P.LinearRegression().grad(np.zeros(5), idx=[0, 200]), ValueError, "'idx'"),
    (lambda: P.LinearRegression().grad(np.zeros(5), idx=[0.5]), TypeError, "'idx'"),
    (lambda: P.LinearRegression().grad(np.zeros(5), idx=[]), ValueError, "'idx'"),
    (lambda: P.LinearRegression().minibatch_grad(np.zeros(5), 0), ValueError,
     "'batch_size'"),
    (lambda: P.LinearRegression().minibatch_grad(np.zeros(5), 201), ValueError,
     "'batch_size'"),
    (lambda: P.LogisticRegression().per_example_grads(np.zeros(2)), ValueError, "'w'"),
]


@pytest.mark.parametrize("call,exc,match", BAD_INPUTS, ids=[m for _, _, m in BAD_INPUTS])
def test_bad_input_names_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
