"""Behaviour that a mutation audit found checked only by the notebooks, or by nothing
(issue 7, item 8), and the tolerances and thresholds the library relies on, pinned.

Each test below names the mutation it catches; each was seen failing with that mutation
applied by hand. The oracles are independent of the code under test: enumeration,
finite differences, closed forms, the iterated one-step lemma of a theorem.
"""
import math

import numpy as np
import pytest

from course_lib import plotting, rates
from course_lib import problems as P
from course_lib.line_search import backtracking_armijo
from course_lib.optimizers import gradient_descent_armijo
from course_lib.sampling import minibatch_stream
from course_lib.widgets import classify_gd


# --------------------------------------------------------------------- sampling
def test_minibatch_stream_reshuffles_every_epoch():
    # mutation: one permutation reused for every epoch. Each epoch must be a fresh
    # uniform permutation: 300 epochs of 10! orders all differ (a repeat has probability
    # < 300^2 / 2 / 10! = 0.012), and the position of each index is uniform over epochs.
    n, b, epochs = 10, 4, 300
    stream = minibatch_stream(n, b, replace=False, seed=0)
    orders = [np.concatenate([next(stream) for _ in range(3)]) for _ in range(epochs)]
    assert len({tuple(o) for o in orders}) == epochs
    position = np.array([np.argsort(o) for o in orders])        # (epochs, n)
    first = np.bincount(position[:, 0], minlength=n) / epochs   # where index 0 lands
    se = math.sqrt(0.1 * 0.9 / epochs)
    assert np.all(np.abs(first - 0.1) < 5 * se)


# --------------------------------------------------------------------- rates
def test_sgd_noise_ball_is_the_iterated_one_step_lemma():
    # mutation: the noise-ball term 2 lr sigma*^2 / mu halved. Gower et al. (2019),
    # Thm 3.1, rests on the one-step inequality
    #     E r_{t+1} <= (1 - lr mu) E r_t + 2 lr^2 sigma*^2,   r_t = ||x_t - x*||^2.
    # (1) check that inequality exactly (expectation by enumerating all n examples)
    # on least squares; (2) iterate it numerically: the closed-form bound must lie above
    # the iterate for every T, by exactly 2 lr sigma*^2 / mu (1 - lr mu)^T.
    p = P.LinearRegression(n_samples=12, n_features=2, noise=0.5, l2=0.0, seed=4)
    L_max = float(np.max(np.sum(p.X ** 2, axis=1)))
    L_es = rates.expected_smoothness(p.L, L_max, 1)
    s2 = rates.gradient_noise_at_optimum(p.per_example_grads(p.x_star), 1)
    lr = 1 / (2 * L_es)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = p.x_star + rng.normal(size=2) * rng.uniform(0.01, 3)
        nxt = x - lr * p.per_example_grads(x)                    # all n possible steps
        lhs = np.mean(np.sum((nxt - p.x_star) ** 2, axis=1))
        r = float(np.sum((x - p.x_star) ** 2))
        assert lhs <= (1 - lr * p.mu) * r + 2 * lr ** 2 * s2 + 1e-12
    T = np.arange(400)
    r0 = 2.0
    it = [r0]
    for _ in T[1:]:
        it.append((1 - lr * p.mu) * it[-1] + 2 * lr ** 2 * s2)
    bound = rates.sgd_bound_constant_step(p.mu, L_es, lr, T, r0, s2)
    assert np.all(bound >= np.array(it) * (1 - 1e-12))
    np.testing.assert_allclose(bound - it, 2 * lr * s2 / p.mu * (1 - lr * p.mu) ** T,
                               rtol=1e-9, atol=1e-15)


# --------------------------------------------------------------------- problems
@pytest.mark.parametrize("make", [
    lambda: P.LinearRegression(n_samples=15, n_features=3, noise=0.3, l2=0.7, seed=2),
    lambda: P.LogisticRegression(n_samples=15, n_features=3, l2=0.7, seed=2),
])
def test_per_example_grads_include_the_l2_term(make):
    # mutation: "+ l2 w" dropped from per_example_grads. Oracle: central differences of
    # the per-example objective value(w, idx=[i]) = loss_i(w) + l2/2 ||w||^2.
    p = make()
    w = np.array([0.4, -0.3, 0.8])
    G = p.per_example_grads(w)
    h = 1e-6
    for i in range(p.n_samples):
        fd = [(p.value(w + h * e, idx=[i]) - p.value(w - h * e, idx=[i])) / (2 * h)
              for e in np.eye(3)]
        np.testing.assert_allclose(G[i], fd, rtol=1e-6, atol=1e-8)
    # and the rows average to the full gradient, itself checked against value()
    fd_full = [(p.value(w + h * e) - p.value(w - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(G.mean(axis=0), fd_full, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------- line search
@pytest.mark.parametrize("c", [1e-4, 0.1, 0.5, 0.9])
def test_armijo_constant_is_where_the_quadratic_boundary_says(c):
    # mutation: Armijo's constant c halved (in the condition or the default). On
    # f = L/2 ||x||^2 along d = -grad f, f(x + t d) <= f(x) - c t ||g||^2 holds iff
    # t <= 2 (1 - c) / L exactly: a first trial just above must fail, just below pass.
    L = 3.0
    q = P.Quadratic(L * np.eye(2), np.zeros(2))
    x = np.array([1.0, -2.0])
    g = q.grad(x)
    edge = 2 * (1 - c) / L
    above = backtracking_armijo(q.value, x, -g, g, t0=edge * (1 + 1e-7), c=c,
                                max_backtracks=0)
    below = backtracking_armijo(q.value, x, -g, g, t0=edge * (1 - 1e-7), c=c,
                                max_backtracks=0)
    assert not above.success and below.success


def test_armijo_default_constant_is_nocedal_wrights_1e_4():
    # Nocedal & Wright (2006), Section 3.1: "c1 is chosen to be quite small, say
    # c1 = 1e-4". The same boundary test, with the defaults of both entry points.
    L = 3.0
    q = P.Quadratic(L * np.eye(2), np.zeros(2))
    x = np.array([1.0, -2.0])
    g = q.grad(x)
    edge = 2 * (1 - 1e-4) / L
    for t0, ok in ((edge * (1 + 1e-7), False), (edge * (1 - 1e-7), True)):
        assert backtracking_armijo(q.value, x, -g, g, t0=t0, max_backtracks=0).success is ok
        res = gradient_descent_armijo(q, x, 1, t0=t0, max_backtracks=0)
        assert res.line_search_failed is (not ok)


@pytest.mark.parametrize("max_backtracks", [0, 1, 4])
def test_failed_line_search_reports_its_last_trial(max_backtracks):
    # mutation: a failed search returning one shrink too far (a step never tried).
    # The reported step is the last trial t0 beta^max_backtracks, and fval is f there.
    f = lambda x: float(x @ x)          # noqa: E731
    x = np.array([1.0, 0.0])
    g = 2 * x
    res = backtracking_armijo(f, x, -g, g, t0=64.0, beta=0.5, max_backtracks=max_backtracks)
    assert not res.success
    assert res.step == 64.0 * 0.5 ** max_backtracks
    assert res.fval == f(x - res.step * g)


def test_failed_line_search_mid_run_keeps_the_previous_iterate():
    # mutation: gradient_descent_armijo moving by the rejected trial step when the line
    # search fails. From (0, 0) on Rosenbrock with 8 backtracks the run takes many
    # accepted steps, then a search fails: every recorded step must satisfy Armijo, and
    # the run must end where the search failed (a fresh search from there fails too).
    prob = P.Rosenbrock()
    res = gradient_descent_armijo(prob, [0.0, 0.0], 500, max_backtracks=8)
    assert res.reason == "line_search_failed" and res.nit >= 10
    c = 1e-4
    dec = res.losses[:-1] - res.losses[1:]
    assert np.all(dec >= c * res.lrs * res.grad_norms[:-1] ** 2 * (1 - 1e-12))
    np.testing.assert_allclose(res.losses, [prob.value(x) for x in res.params], rtol=1e-14)
    assert res.fun == prob.value(res.x)
    g = prob.grad(res.x)
    assert not backtracking_armijo(prob.value, res.x, -g, g, max_backtracks=8).success
    assert backtracking_armijo(prob.value, res.x, -g, g, max_backtracks=60).success


# --------------------------------------------------------------------- pinned thresholds
def test_classify_gd_threshold_tolerance_is_1e_9():
    lam = [0.5, 2.0]                     # L = 2: threshold lr = 1, monotone up to 0.5
    assert classify_gd(1.0 * (1 + 1e-10), lam)[0] == "oscillates"
    assert classify_gd(1.0 * (1 + 1e-8), lam)[0] == "diverges"
    assert classify_gd(1.0 * (1 - 1e-8), lam)[0] == "converges (oscillating)"
    assert classify_gd(0.5 * (1 + 1e-10), lam)[0] == "converges (monotonically)"
    assert classify_gd(0.5 * (1 + 1e-8), lam)[0] == "converges (oscillating)"


def test_plotting_calls_a_curve_diverged_past_a_1000_fold_growth():
    import matplotlib
    matplotlib.use("Agg")
    for factor, diverged in ((999.0, False), (1001.0, True)):
        ax = plotting.loss_curves(np.array([1.0, 2.0, factor]))
        labels = [ln.get_label() for ln in ax.get_lines()]
        assert any("(diverged)" in lab for lab in labels) is diverged


def test_quadratic_symmetry_tolerance_is_1e_10_relative():
    A = np.array([[4.0, 1.0], [1.0, 2.0]])
    for eps, ok in ((0.5e-10, True), (2e-10, False)):
        B = A.copy()
        B[0, 1] += eps * 4.0             # scale = max|A| = 4
        if ok:
            P.Quadratic(B)
        else:
            with pytest.raises(ValueError, match="must be symmetric"):
                P.Quadratic(B)


def test_quadratic_snaps_eigenvalues_below_100_d_eps_to_zero():
    d, eps = 2, np.finfo(float).eps
    small = P.Quadratic(np.diag([1.0, 50 * d * eps]))
    kept = P.Quadratic(np.diag([1.0, 200 * d * eps]))
    assert small.mu == 0.0 and small.kappa == math.inf
    assert kept.mu == 200 * d * eps


def test_singular_quadratic_has_a_minimizer_iff_b_is_in_the_range_to_1e_10():
    A = np.diag([2.0, 0.0])
    inside = P.Quadratic(A, np.array([1.0, 1e-12]))   # residual 1e-12 <= 1e-10 * 1
    outside = P.Quadratic(A, np.array([1.0, 1e-8]))
    assert inside.f_min == pytest.approx(-0.25) and len(inside.minimizers) == 1
    assert outside.f_min is None and len(outside.minimizers) == 0


def test_logistic_regression_minimizer_meets_the_1e_9_gradient_check():
    p = P.LogisticRegression(n_samples=40, n_features=3, l2=1e-2, seed=0)
    assert np.linalg.norm(p.grad(p.x_star)) <= 1e-9


def test_closed_form_critical_points_are_exact():
    w = P.TiltedDoubleWell()
    cp = np.asarray(w.critical_points)
    assert len(cp) == 3
    np.testing.assert_allclose(4 * cp ** 3 - 8 * cp + 1, 0.0, atol=1e-12)
    h = P.Himmelblau()
    for m in h.minimizers:
        assert np.linalg.norm(h.grad(m)) <= 1e-12
