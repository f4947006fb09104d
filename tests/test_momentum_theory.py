"""course_lib.momentum_theory against independent oracles: numpy's eigenvalues of the
explicit matrix, runs of the zoo's optimizers (torch-form SGD), a brute-force grid
search for the optimal parameters, and Nesterov's theorem checked on runs."""
import numpy as np
import pytest

from course_lib import momentum_theory as mt
from course_lib.loop import run
from course_lib.optimizers import sgd
from course_lib.problems import Quadratic

EIGS = np.array([0.05, 0.3, 1.0, 2.0])


@pytest.mark.parametrize("method", ["heavy_ball", "nesterov"])
@pytest.mark.parametrize("lr,mom", [(0.3, 0.5), (0.9, 0.95), (1.2, 0.1), (0.05, 0.0)])
def test_roots_are_numpy_eigenvalues_of_the_matrix(method, lr, mom):
    roots = mt.characteristic_roots(EIGS, lr, mom, method)
    for lam, r in zip(EIGS, roots):
        ev = np.linalg.eigvals(mt.iteration_matrix(lam, lr, mom, method))
        assert np.allclose(np.sort_complex(ev), np.sort_complex(r), atol=1e-12)
    rho = max(np.abs(np.linalg.eigvals(mt.iteration_matrix(l, lr, mom, method))).max()
              for l in EIGS)
    assert np.isclose(mt.spectral_radius(EIGS, lr, mom, method), rho, rtol=1e-12)


def _quadratic():
    return Quadratic.from_eigenvalues(EIGS, rotation=2, x_star=np.array([1.0, -1, 0.5, 2]))


def _eigen_errors(q, params):
    _, V = np.linalg.eigh(q.A)
    return (params - q.x_star) @ V, V


def test_error_curves_equal_a_torch_form_sgd_run():
    q = _quadratic()
    lr, mom = 0.6, 0.7
    res = run(sgd(lr, momentum=mom), q, q.x0, 60)
    e, V = _eigen_errors(q, res.params)
    lam = np.diag(V.T @ q.A @ V)
    curves = mt.error_curves(lam, lr, mom, e[0], 60)
    assert np.allclose(curves, e, atol=1e-12)


def test_nesterov_curves_equal_torch_nesterov_run():
    """torch's nesterov=True holds the look-ahead points y; x_{t+1} = y_t - lr grad(y_t)."""
    q = _quadratic()
    lr, mom = 0.5, 0.8
    res = run(sgd(lr, momentum=mom, nesterov=True), q, q.x0, 50)
    x = np.array([y - lr * q.grad(y) for y in res.params[:-1]])
    e, V = _eigen_errors(q, np.vstack([q.x0, x]))
    lam = np.diag(V.T @ q.A @ V)
    assert np.allclose(mt.error_curves(lam, lr, mom, e[0], 50, "nesterov"), e, atol=1e-12)


def test_spectral_radius_is_the_measured_rate():
    from course_lib.rates import measured_rate
    q = _quadratic()
    lr, mom = 0.6, 0.7
    res = run(sgd(lr, momentum=mom), q, q.x0, 150)
    err = np.linalg.norm(res.params - q.x_star, axis=1)
    # complex roots: |e_t| oscillates under rho^t; over 75 steps the ratio is within 2 %
    assert np.isclose(measured_rate(err, start=75),
                      mt.spectral_radius(q.eigenvalues, lr, mom), rtol=0.02)


@pytest.mark.parametrize("mu,L", [(1.0, 100.0), (0.1, 2.0), (1.0, 25.0)])
def test_optimal_parameters_beat_a_grid(mu, L):
    lr, mom, rate = mt.optimal_heavy_ball(mu, L)
    lam = np.linspace(mu, L, 41)
    assert np.isclose(mt.spectral_radius(lam, lr, mom), rate, rtol=1e-6)
    best = min(max(np.abs(np.linalg.eigvals(mt.iteration_matrix(l, a, b))).max()
                   for l in (mu, L))
               for a in np.linspace(0.2, 1.8, 41) * lr for b in np.linspace(0.0, 0.99, 41))
    assert rate <= best + 1e-9
    # both ends are double roots
    r = mt.characteristic_roots([mu, L], lr, mom)
    assert np.allclose(r[:, 0], r[:, 1], atol=1e-6)


def test_double_root_closed_form_matches_recurrence():
    lr, mom, rate = mt.optimal_heavy_ball(0.01, 1.0)
    for lam in (0.01, 1.0):
        closed = mt.double_root_error(lam, lr, mom, 1.0, 80)
        assert np.allclose(closed, mt.error_curves([lam], lr, mom, [1.0], 80)[:, 0],
                           atol=1e-10)
    with pytest.raises(ValueError, match="not double"):
        mt.double_root_error(0.5, lr, mom, 1.0, 5)


def test_classify_matches_runs():
    q = Quadratic.from_eigenvalues([0.5, 2.0])
    for lr, mom, want in [(0.1, 0.0, "converges (monotonically)"), (0.4, 0.9, "converges (oscillating)"),
                          (1.6, 0.5, "diverges"), (0.5, 1.0, "oscillates")]:
        verdict, rho = mt.classify(q.eigenvalues, lr, mom)
        assert verdict == want
        err = np.linalg.norm(run(sgd(lr, momentum=mom), q, q.x0, 200).params - q.x_star,
                             axis=1)
        if want == "diverges":
            assert err[-1] > 1e3 * err[0]
        elif want == "oscillates":
            assert 0.01 * err[0] < err[-1] < 100 * err[0]
        else:
            assert err[-1] < 1e-3 * err[0]


def test_nesterov_strongly_convex_bound_respected():
    q = Quadratic.from_condition_number(100.0, dim=5, rotation=1)
    sk = np.sqrt(q.L / q.mu)
    lr, mom = 1 / q.L, (sk - 1) / (sk + 1)
    res = run(sgd(lr, momentum=mom, nesterov=True), q, q.x0, 300)
    x = np.array([y - lr * q.grad(y) for y in res.params[:-1]])
    gaps = np.array([q.value(xi) - q.f_min for xi in x])
    d0 = np.sum((q.x0 - q.x_star) ** 2)
    bound = mt.nesterov_strongly_convex_bound(q.mu, q.L, np.arange(1, 301),
                                              q.value(q.x0) - q.f_min, d0)
    assert np.all(gaps <= bound * (1 + 1e-9))


def test_lessard_counterexample_cycles():
    p = mt.LessardCounterexample()
    lr, mom, rate = mt.optimal_heavy_ball(p.mu, p.L)
    assert np.isclose(lr, 1 / 9) and np.isclose(mom, 4 / 9)
    xs = run(sgd(lr, momentum=mom), p, p.x0, 300).params[:, 0]
    assert np.allclose(xs[-3:], xs[-6:-3], atol=1e-9) and abs(xs[-1]) > 0.5
    # the gradient is continuous and (1..25)-Lipschitz-monotone: check by differences
    g = np.array([p.grad([x])[0] for x in np.linspace(-3, 4, 701)])
    slopes = np.diff(g) / 0.01
    assert slopes.min() >= 1 - 1e-6 and slopes.max() <= 25 + 1e-6
    h = 1e-6
    for x in (-1.0, 0.5, 1.5, 2.5):
        fd = (p.value([x + h]) - p.value([x - h])) / (2 * h)
        assert np.isclose(fd, p.grad([x])[0], rtol=1e-6)


def test_bad_input_names_function_and_argument():
    with pytest.raises(ValueError, match="'momentum' parameter of spectral_radius.*Got 1.5"):
        mt.spectral_radius(EIGS, 0.1, 1.5)
    with pytest.raises(ValueError, match="'lr' parameter of iteration_matrix"):
        mt.iteration_matrix(1.0, -1.0, 0.5)
    with pytest.raises(ValueError, match="method"):
        mt.error_curves(EIGS, 0.1, 0.5, EIGS, 3, method="adam")
    with pytest.raises(ValueError, match="optimal_heavy_ball"):
        mt.optimal_heavy_ball(2.0, 1.0)


def test_explorer_verdict_agrees_with_its_run():
    pytest.importorskip("ipywidgets")
    from course_lib.widgets import momentum_explorer
    ex = momentum_explorer().explorer
    for lr_f, mom, want in [(1.0, 0.5, "converges"), (1.0, 1.0, "oscillates"),
                            (3.9, 0.9, "diverges")]:
        with ex.hold():
            ex.lr_factor.value, ex.momentum.value = lr_f, mom
        assert ex.last.status.startswith(want)
        if want == "converges":
            assert ex.last.run_ratio < 0.1
        elif want == "diverges":
            assert ex.last.run_ratio > 1e3
        else:
            assert 0.05 < ex.last.run_ratio < 20
    with pytest.raises(ValueError, match="momentum.*MomentumExplorer"):
        momentum_explorer(momentum=1.5)


def _worst_convex(n=31):
    """Nesterov's (2018, eq. 2.1.11) worst smooth convex quadratic, L = 1 (A <= I)."""
    A = (2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)) / 4
    return Quadratic(A, np.eye(n)[0] / 4, x0=np.zeros(n))


def test_nesterov_accelerated_is_the_written_out_recurrence():
    # oracle: Nesterov's scheme with the t_k sequence, written out here
    q, T = _worst_convex(), 40
    x_prev = x = q.x0.copy()
    y, t, xs = q.x0.copy(), 1.0, [q.x0.copy()]
    for _ in range(T):
        x = y - q.grad(y) / 1.0
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        y, x_prev, t = x + (t - 1) / t_new * (x - x_prev), x, t_new
        xs.append(x)
    r = mt.nesterov_accelerated(q, q.x0, 1.0, T)
    assert r.success and r.nit == T
    np.testing.assert_allclose(r.params, np.array(xs), rtol=0, atol=1e-14)
    beta = mt.nesterov_momentum_schedule(2000)
    assert beta[0] == 0.0 and np.all(np.diff(beta) > 0) and beta[-1] < 1
    k = np.arange(1, 2001)
    assert np.abs(beta - (k - 1) / (k + 2)).max() < 0.05          # ~ (k - 1)/(k + 2)
    assert np.abs(beta - (k - 1) / (k + 2))[-1] < 1e-3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nesterov_accelerated_respects_the_convex_bound(seed):
    # random singular PSD quadratics (convex, not strongly) and the worst function
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(8, 12))
    A = B.T @ B
    A /= np.linalg.eigvalsh(A).max()                              # L = 1, rank 8 < 12
    q = Quadratic(A, -A @ rng.normal(size=12), x0=rng.normal(size=12))
    # a minimizer from the pseudo-inverse (grad = 0 there), then the one nearest x0
    x_p = np.linalg.lstsq(A, A @ np.linalg.pinv(A) @ -q.grad(np.zeros(12)), rcond=None)[0]
    assert np.linalg.norm(q.grad(x_p)) < 1e-10
    x_near = q.x0 - np.linalg.pinv(A) @ A @ (q.x0 - x_p)
    w = _worst_convex()
    for prob, x_star in ((q, x_near), (w, w.x_star)):
        r = mt.nesterov_accelerated(prob, prob.x0, 1.0, 200)
        gaps = np.array(r.losses) - prob.value(x_star)
        bound = mt.nesterov_convex_bound(1.0, np.arange(201), np.sum((prob.x0 - x_star) ** 2))
        assert np.all(gaps >= -1e-12) and np.all(gaps <= bound + 1e-12)


def test_nesterov_accelerated_bad_input():
    with pytest.raises(ValueError, match="'L' parameter of nesterov_accelerated"):
        mt.nesterov_accelerated(_worst_convex(), np.zeros(31), -1.0, 10)
    with pytest.raises(ValueError, match="'n_steps' parameter of nesterov_accelerated"):
        mt.nesterov_accelerated(_worst_convex(), np.zeros(31), 1.0, 0)
