"""course_lib.rates: every bound is checked against real runs of course_lib.optimizers.

Oracles: the spectral norm of ``I - lr A`` (numpy), a brute-force minimisation over
``lr`` (scipy), and the runs themselves: a bound is a theorem, so it must hold at
every step of every run whose assumptions hold, and where a rate is exact (GD on a
quadratic from an eigenvector) the measured rate must equal the formula.
"""
import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from course_lib import rates
from course_lib.optimizers import gradient_descent, run, sgd
from course_lib.problems import (LinearRegression, LogisticRegression, Quadratic,
                                 TiltedDoubleWell)

RTOL = 1e-9  # slack for rounding when comparing a run with a bound


def _dist_sq(traj, x_star):
    return np.sum((traj.params - x_star) ** 2, axis=1)


def _worst_direction(A, lr):
    """Unit eigenvector of A whose eigenvalue maximises |1 - lr lambda| (numpy eigh)."""
    lam, V = np.linalg.eigh(A)
    i = int(np.argmax(np.abs(1 - lr * lam)))
    return V[:, i]


# ------------------------------------------------------------------ quadratic, exact
@pytest.mark.parametrize("kappa", [1.0, 10.0, 100.0])
@pytest.mark.parametrize("factor", [0.3, 1.0, 1.5, 1.9, 2.2])
def test_quadratic_contraction_equals_spectral_norm_and_is_tight(kappa, factor):
    q = Quadratic.from_condition_number(kappa, dim=3, L=2.0, rotation=7,
                                        x_star=[0.5, -1.0, 2.0])
    lr = factor / q.L
    rho = rates.gd_quadratic_contraction(q.eigenvalues, lr)
    # independent oracle: the operator norm of the iteration matrix
    oracle = np.linalg.norm(np.eye(3) - lr * q.A, 2)
    assert rho == pytest.approx(oracle, rel=1e-12)
    # worst-case start: the measured rate must MATCH rho (tightness)
    x0 = q.x_star + 1.5 * _worst_direction(q.A, lr)
    traj = run(gradient_descent(lr), q, x0, 30)
    dist = np.sqrt(_dist_sq(traj, q.x_star))
    if rho > 1e-8:
        assert rates.measured_rate(dist, start=0) == pytest.approx(rho, rel=1e-6)
    # ... and from any start it is an upper bound at every step
    x0 = q.x_star + np.array([1.0, -2.0, 0.5])
    traj = run(gradient_descent(lr), q, x0, 30)
    dist = np.sqrt(_dist_sq(traj, q.x_star))
    t = np.arange(31)
    assert np.all(dist <= rho ** t * dist[0] * (1 + RTOL) + 1e-14)


def test_quadratic_contraction_vectorised_over_lr():
    lam = [0.1, 0.5, 1.0]
    lrs = np.linspace(0.1, 3.0, 17)
    got = rates.gd_quadratic_contraction(lam, lrs)
    assert got.shape == (17,)
    for lr, g in zip(lrs, got):
        # independent oracle: the operator norm of I - lr A with A = diag(lam)
        assert g == pytest.approx(np.linalg.norm(np.eye(3) - lr * np.diag(lam), 2),
                                  rel=1e-12)
        assert g == rates.gd_quadratic_contraction(lam, lr)    # same as the scalar path


@pytest.mark.parametrize("mu,L", [(0.1, 1.0), (1.0, 50.0), (2.0, 2.0)])
def test_optimal_lr_and_contraction_minimise_the_worst_case(mu, L):
    lam = np.array([mu, (mu + L) / 2, L])
    res = minimize_scalar(lambda lr: rates.gd_quadratic_contraction(lam, lr),
                          bounds=(1e-6, 2.0 / L), method="bounded",
                          options={"xatol": 1e-12})
    assert rates.optimal_lr_quadratic(mu, L) == pytest.approx(res.x, rel=1e-5)
    assert rates.optimal_contraction(L / mu) == pytest.approx(res.fun, abs=1e-8)
    # and the measured rate at lr* from the slowest direction equals (kappa-1)/(kappa+1)
    if mu < L:
        q = Quadratic.from_eigenvalues(lam, rotation=3)
        lr = rates.optimal_lr_quadratic(mu, L)
        x0 = q.x_star + _worst_direction(q.A, lr)
        dist = np.sqrt(_dist_sq(run(gradient_descent(lr), q, x0, 25), q.x_star))
        assert rates.measured_rate(dist, start=0) == pytest.approx(
            rates.optimal_contraction(L / mu), rel=1e-6)


def test_divergence_threshold_separates_convergence_from_divergence():
    q = Quadratic.from_condition_number(10.0, dim=2, L=4.0, rotation=1)
    lr_c = rates.divergence_threshold(q.L)
    assert lr_c == pytest.approx(0.5)
    x0 = q.x0
    below = run(gradient_descent(0.99 * lr_c), q, x0, 1500)
    above = run(gradient_descent(1.01 * lr_c), q, x0, 1500)
    d_below = np.sqrt(_dist_sq(below, q.x_star))
    d_above = np.sqrt(_dist_sq(above, q.x_star))
    assert d_below[-1] < 1e-5 * d_below[0]
    assert d_above[-1] > 1e3 * d_above[0]
    assert rates.measured_rate(d_above) == pytest.approx(1.01 * 2 - 1, rel=1e-6)
    far_above = run(gradient_descent(2.5 / q.L), q, x0, 3000)
    assert far_above.diverged and not below.diverged
    # exactly at 2/L the top component keeps its size: no convergence, no blow-up
    at = run(gradient_descent(lr_c), q, q.x_star + _worst_direction(q.A, lr_c), 200)
    assert rates.measured_rate(np.sqrt(_dist_sq(at, q.x_star)), start=0) == pytest.approx(
        1.0, abs=1e-9)


# ------------------------------------------------------------------ strongly convex
def _strongly_convex_problems():
    q = Quadratic.from_condition_number(20.0, dim=4, L=3.0, rotation=5,
                                        x_star=[1.0, 0.0, -1.0, 2.0])
    logreg = LogisticRegression(n_samples=80, n_features=3, l2=0.1, seed=1)
    return [(q, q.mu, q.L, q.x_star), (logreg, logreg.mu, logreg.L, logreg.x_star)]


@pytest.mark.parametrize("which", [0, 1])
def test_strongly_convex_bound_holds_at_every_step(which):
    problem, mu, L, x_star = _strongly_convex_problems()[which]
    x0 = x_star + np.linspace(-2.0, 3.0, len(x_star))
    T = 60
    for lr in (0.5 / L, 1.0 / L, 2.0 / (mu + L)):
        traj = run(gradient_descent(lr), problem, x0, T)
        d = _dist_sq(traj, x_star)
        bound = rates.strongly_convex_bound(mu, L, lr, np.arange(T + 1), d[0])
        assert np.all(d <= bound * (1 + RTOL) + 1e-18), lr
        gap = traj.losses - problem.f_min
        if lr <= 1.0 / L:
            vb = rates.strongly_convex_value_bound(mu, L, np.arange(T + 1), gap[0], lr=lr)
            assert np.all(gap <= vb * (1 + RTOL) + 1e-14), lr


def test_strongly_convex_value_bound_default_lr_is_one_over_L():
    q = Quadratic.from_condition_number(8.0, dim=2, L=2.0, rotation=2)
    traj = run(gradient_descent(1.0 / q.L), q, q.x0, 40)
    gap = traj.losses - q.f_min
    vb = rates.strongly_convex_value_bound(q.mu, q.L, np.arange(41), gap[0])
    assert np.allclose(vb, gap[0] * (1 - 1 / 8.0) ** np.arange(41))
    assert np.all(gap <= vb * (1 + RTOL))


def test_strongly_convex_bound_validity_range_is_needed():
    """Outside (0, 2/(mu+L)] the formula can fail, so the function refuses such lr."""
    q = Quadratic.from_condition_number(10.0, dim=2, L=1.0, rotation=4)
    lr = 1.99 / q.L
    with pytest.raises(ValueError, match="'lr'"):
        rates.strongly_convex_bound(q.mu, q.L, lr, 5, 1.0)
    x0 = q.x_star + _worst_direction(q.A, lr)
    d = _dist_sq(run(gradient_descent(lr), q, x0, 10), q.x_star)
    naive = (1 - lr * q.mu) ** np.arange(11) * d[0]
    assert np.any(d > naive * 1.5)  # the formula would have been wrong here


@pytest.mark.parametrize("func,args", [
    (rates.strongly_convex_bound, dict(mu=0.1, L=1.0, T=3, dist0_sq=1.0)),
    (rates.strongly_convex_value_bound, dict(mu=0.1, L=1.0, T=3, gap0=1.0)),
    (rates.convex_bound, dict(L=1.0, T=3, dist0_sq=1.0)),
    (rates.nonconvex_bound, dict(L=1.0, T=3, f0_minus_finf=1.0)),
    (rates.sgd_bound_constant_step, dict(mu=0.1, L_es=1.0, T=3, dist0_sq=1.0,
                                         sigma_star_sq=1.0)),
])
@pytest.mark.parametrize("lr", [-0.1, 0.0, 2.5, float("nan")])
def test_bounds_reject_lr_outside_their_range(func, args, lr):
    with pytest.raises(ValueError, match="'lr' parameter of .* range"):
        func(lr=lr, **args)


def test_mu_above_L_is_rejected():
    with pytest.raises(ValueError, match="'mu'"):
        rates.strongly_convex_bound(2.0, 1.0, 0.1, 3, 1.0)


# ------------------------------------------------------------------------ convex
def _convex_problems():
    flat = Quadratic.from_eigenvalues([0.0, 0.05, 1.0], rotation=1, x_star=[1.0, 1.0, 1.0])
    wide = LinearRegression(n_samples=6, n_features=10, noise=0.0, seed=3)  # rank 6 < 10
    return [(flat, flat.L, flat.minimizers[0]), (wide, wide.L, wide.x_star)]


@pytest.mark.parametrize("which", [0, 1])
def test_convex_bound_holds_at_every_step(which):
    problem, L, x_star = _convex_problems()[which]
    assert problem.mu == 0.0  # convex, not strongly convex
    x0 = problem.x0 + 1.0
    T = 300
    for lr in (1.0 / L, 0.3 / L):
        traj = run(gradient_descent(lr), problem, x0, T)
        gap = traj.losses - problem.f_min
        d0 = float(np.sum((x0 - x_star) ** 2))
        bound = rates.convex_bound(L, np.arange(T + 1), d0, lr=lr)
        assert np.isinf(bound[0])
        assert np.all(gap[1:] <= bound[1:] * (1 + RTOL) + 1e-14), lr
    assert rates.convex_bound(L, 10, 2.0) == pytest.approx(L * 2.0 / 20)


def test_convex_bound_depends_on_lr():
    """L ||x0 - x*||^2 / (2T) holds at lr = 1/L only: with a smaller lr it can fail."""
    q = Quadratic.from_eigenvalues([1e-3, 1.0], x_star=[0.0, 0.0])
    x0 = np.array([1.0, 0.0])
    lr = 0.1 / q.L
    T = 10_000
    traj = run(gradient_descent(lr), q, x0, T)
    gap = traj.losses[-1] - q.f_min
    assert gap > q.L * 1.0 / (2 * T)                      # the lr-free formula fails
    assert gap <= rates.convex_bound(q.L, T, 1.0, lr=lr)  # the lr form holds


# --------------------------------------------------------------------- non-convex
@pytest.mark.parametrize("x0,factor", [(2.0, 1.0), (2.0, 1.6), (-2.2, 0.8), (0.3, 0.5)])
def test_nonconvex_bound_on_the_tilted_double_well(x0, factor):
    """f = x^4 - 4x^2 + x is not convex and not globally smooth. The descent lemma only
    needs L on the segments between iterates, so we take L = max |f''| on the hull of
    the iterates and check afterwards that the step was small enough there."""
    w = TiltedDoubleWell()

    def L_on(lo, hi):
        cand = [abs(12 * lo**2 - 8), abs(12 * hi**2 - 8)] + ([8.0] if lo <= 0 <= hi else [])
        return max(cand)

    lr = factor / L_on(-abs(x0), abs(x0))
    T = 80
    traj = run(gradient_descent(lr), w, [x0], T)
    xs = traj.params[:, 0]
    L = L_on(xs.min(), xs.max())
    assert lr < 2.0 / L  # the theorem's assumption holds on the iterates' hull
    g2 = traj.grad_norms[:-1] ** 2                     # ||grad f(x_t)||^2, t < T
    running_min = np.minimum.accumulate(g2)            # min_{t < T'} for T' = 1..T
    bound = rates.nonconvex_bound(L, lr, np.arange(1, T + 1), traj.losses[0] - w.f_min)
    assert np.all(running_min <= bound * (1 + RTOL))
    if lr <= 1.0 / L:  # the simpler 2 (f0 - f_inf) / (lr T) form
        assert np.all(bound <= 2 * (traj.losses[0] - w.f_min) / (lr * np.arange(1, T + 1))
                      * (1 + 1e-12))


def test_nonconvex_bound_is_order_one_over_T():
    b = rates.nonconvex_bound(2.0, 0.25, np.array([100, 400]), 3.0)
    assert b[0] / b[1] == pytest.approx(4.0)  # O(1/T) for the squared norm, not 1/sqrt(T)


# --------------------------------------------------------------------------- SGD
def _sgd_setup(batch_size):
    p = LinearRegression(n_samples=50, n_features=2, noise=0.5, seed=0)
    # f_i(w) = (x_i.w - y_i)^2 / 2 is ||x_i||^2-smooth and convex
    L_max = float(np.max(np.sum(p.X ** 2, axis=1)))
    L_es = rates.expected_smoothness(p.L, L_max, batch_size)
    s2 = rates.gradient_noise_at_optimum(p.per_example_grads(p.x_star), batch_size)
    return p, L_es, s2


def test_gradient_noise_at_optimum_matches_sampled_minibatches():
    p, _, s2 = _sgd_setup(4)
    rng = np.random.default_rng(0)
    draws = [p.grad(p.x_star, rng.integers(0, p.n_samples, 4)) for _ in range(20000)]
    emp = np.mean(np.sum(np.square(draws), axis=1))
    assert emp == pytest.approx(s2, rel=0.05)


def test_expected_smoothness_holds_for_iid_minibatches():
    """E||g_B(x) - g_B(x*)||^2 <= 2 L_b (f(x) - f*), computed exactly over all pairs."""
    p, L_es, _ = _sgd_setup(2)
    rng = np.random.default_rng(1)
    n = p.n_samples
    for _ in range(5):
        x = p.x_star + rng.standard_normal(2) * 3
        D = p.per_example_grads(x) - p.per_example_grads(p.x_star)  # (n, d)
        # b = 2, i.i.d.: average over all n^2 ordered pairs (i, j)
        pair_means = (D[:, None, :] + D[None, :, :]) / 2
        lhs = np.mean(np.sum(pair_means ** 2, axis=2))
        assert lhs <= 2 * L_es * (p.value(x) - p.f_min) * (1 + 1e-12)
    assert rates.expected_smoothness(1.0, 5.0, 1) == 5.0


def _mc(p, opt, x0, T, batch_size, seeds):
    return np.array([_dist_sq(run(opt, p, x0, T, batch_size=batch_size, replace=True,
                                  seed=s), p.x_star) for s in seeds])


def test_sgd_constant_step_bound_and_noise_ball():
    p, L_es, s2 = _sgd_setup(1)
    lr = 1.0 / (2 * L_es)
    x0 = p.x_star + np.array([1.0, -1.0])
    T, seeds = 100, range(60)
    D = _mc(p, sgd(lr), x0, T, 1, seeds)
    mean, se = D.mean(axis=0), D.std(axis=0, ddof=1) / np.sqrt(len(D))
    bound = rates.sgd_bound_constant_step(p.mu, L_es, lr, np.arange(T + 1), 2.0, s2)
    assert np.all(mean <= bound)
    assert np.all((mean + 3 * se)[1:] <= bound[1:])  # with Monte-Carlo margin
    # the noise ball is real: the deterministic rate alone would be violated
    no_noise = (1 - lr * p.mu) ** T * 2.0
    assert mean[-20:].mean() > 3 * no_noise
    with pytest.raises(ValueError, match="'lr'"):
        rates.sgd_bound_constant_step(p.mu, L_es, 1.01 / (2 * L_es), T, 2.0, s2)


def test_sgd_decreasing_step_bound():
    p, L_es, s2 = _sgd_setup(4)
    sched = rates.sgd_switching_schedule(p.mu, L_es)
    assert sched.t0 == 4 * math.ceil(L_es / p.mu)
    assert sched(0) == pytest.approx(1 / (2 * L_es))
    assert sched(sched.t0) == pytest.approx((2 * sched.t0 + 1) / ((sched.t0 + 1) ** 2 * p.mu))
    assert all(sched(t) <= 1 / (2 * L_es) for t in range(4 * sched.t0))
    x0 = p.x_star + np.array([2.0, -1.0])
    T, seeds = 6 * sched.t0, range(60)
    D = _mc(p, sgd(sched), x0, T, 4, seeds)
    mean, se = D.mean(axis=0), D.std(axis=0, ddof=1) / np.sqrt(len(D))
    bound = rates.sgd_bound_decreasing_step(p.mu, L_es, np.arange(T + 1), 5.0, s2)
    assert np.all(mean <= bound)
    assert np.all((mean + 3 * se)[1:] <= bound[1:])
    # past t0 the bound decays like 1/T, below the constant-step noise floor
    assert bound[-1] < 2 * (1 / (2 * L_es)) * s2 / p.mu


# ------------------------------------------------------------------ measured_rate
def test_measured_rate_geometric_and_robust():
    v = 3.0 * 0.7 ** np.arange(50)
    assert rates.measured_rate(v) == pytest.approx(0.7, rel=1e-12)
    assert rates.measured_rate(v, start=0, stop=10) == pytest.approx(0.7, rel=1e-12)
    w = v.copy()
    w[40:] = 0.0                         # an exactly converged run
    assert rates.measured_rate(w) == pytest.approx(0.7, rel=1e-12)
    w[45:] = np.nan
    assert rates.measured_rate(w) == pytest.approx(0.7, rel=1e-12)
    g = 1.5 ** np.arange(20.0)
    g = np.append(g, [np.inf, np.nan])   # a diverged run
    assert rates.measured_rate(g, start=0) == pytest.approx(1.5, rel=1e-12)
    alt = (-0.5) ** np.arange(30.0)      # oscillating sign: rate of |v|
    assert rates.measured_rate(alt) == pytest.approx(0.5, rel=1e-12)
    floor = 1e-3 * 0.5 ** np.arange(40.0) + 1e-15   # hits a precision floor
    assert rates.measured_rate(floor, start=0, floor=1e-12) == pytest.approx(0.5, rel=1e-3)
    assert math.isnan(rates.measured_rate([1.0, np.nan, 0.0]))


def test_steps_argument_validation():
    with pytest.raises(ValueError, match="'T'"):
        rates.convex_bound(1.0, -1, 1.0)
    with pytest.raises(TypeError, match="'T'"):
        rates.convex_bound(1.0, np.array([0.5, 1.0]), 1.0)
    with pytest.raises(ValueError, match="'T'"):
        rates.nonconvex_bound(1.0, 0.5, 0, 1.0)
    assert isinstance(rates.convex_bound(1.0, 3, 1.0), float)
    assert rates.convex_bound(1.0, [1, 2], 1.0).shape == (2,)
