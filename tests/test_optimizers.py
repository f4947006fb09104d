"""Tests of course_lib.optimizers: sgd's update rule and run()'s bookkeeping, against
closed forms (gradient descent on a quadratic, the heavy-ball recurrence)."""
import warnings

import numpy as np
import pytest

from course_lib import problems as P
from course_lib import transforms as tx
from course_lib.optimizers import Trajectory, gradient_descent, run, sgd


@pytest.fixture(scope="module")
def quad():
    return P.Quadratic.from_condition_number(10.0, dim=4, L=2.0, rotation=0,
                                             x_star=np.array([1.0, -1.0, 0.5, 2.0]))


@pytest.fixture(scope="module")
def linreg():
    return P.LinearRegression(n_samples=30, n_features=3, noise=0.5, l2=0.1, seed=1)


# --------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("lr_factor", [0.3, 1.0, 1.9])
def test_gradient_descent_on_quadratic_closed_form(quad, lr_factor):
    # x_t - x* = (I - lr A)^t (x_0 - x*)
    lr = lr_factor / quad.L
    x0 = np.array([3.0, 0.0, -2.0, 1.0])
    steps = 60
    traj = run(gradient_descent(lr), quad, x0, steps)
    M = np.eye(4) - lr * quad.A
    e0 = x0 - quad.x_star
    expected = np.array([quad.x_star + np.linalg.matrix_power(M, t) @ e0
                         for t in range(steps + 1)])
    np.testing.assert_allclose(traj.params, expected, rtol=0, atol=1e-12 * np.linalg.norm(e0))
    # f(x_t) = 1/2 e_t^T A e_t (f_min = 0 for from_eigenvalues quadratics)
    errs = expected - quad.x_star
    np.testing.assert_allclose(traj.losses, 0.5 * np.einsum("ti,ij,tj->t", errs, quad.A, errs),
                               rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(traj.grad_norms, np.linalg.norm(errs @ quad.A, axis=1),
                               rtol=1e-9, atol=1e-14)
    assert not traj.diverged
    # contraction per step is max_i |1 - lr lambda_i| (lr_factor < 2 => converges)
    rho = np.max(np.abs(1 - lr * quad.eigenvalues))
    assert np.linalg.norm(traj.params[-1] - quad.x_star) <= rho ** steps * np.linalg.norm(e0) * (1 + 1e-9)


def test_momentum_is_the_heavy_ball_recurrence(quad):
    # torch-form momentum b_t = m b_{t-1} + g_t, x_{t+1} = x_t - lr b_t equals
    # Polyak's heavy ball x_{t+1} = x_t - lr g_t + m (x_t - x_{t-1}), x_{-1} = x_0
    lr, m = 0.5 / quad.L, 0.8
    x0 = np.array([3.0, 0.0, -2.0, 1.0])
    traj = run(sgd(lr, momentum=m), quad, x0, 100)
    xs = [x0, x0 - lr * quad.grad(x0)]
    for _ in range(99):
        xs.append(xs[-1] - lr * quad.grad(xs[-1]) + m * (xs[-1] - xs[-2]))
    np.testing.assert_allclose(traj.params, np.array(xs), rtol=1e-10, atol=1e-12)


def test_weight_decay_is_gradient_of_l2_term(quad):
    # sgd(lr, weight_decay=wd) on f == gradient descent on f + wd/2 ||x||^2
    lr, wd = 0.4 / quad.L, 0.3
    x0 = np.array([3.0, 0.0, -2.0, 1.0])
    traj = run(sgd(lr, weight_decay=wd), quad, x0, 50)
    ridge = P.Quadratic(np.array(quad.A) + wd * np.eye(4), np.array(quad.b))
    ref = run(gradient_descent(lr), ridge, x0, 50)
    np.testing.assert_allclose(traj.params, ref.params, rtol=1e-12, atol=1e-14)


def test_gradient_descent_is_sgd():
    g = np.array([1.0, -2.0])
    a = gradient_descent(0.1)
    b = sgd(0.1)
    ua, _ = a.update(g, a.init(g), g)
    ub, _ = b.update(g, b.init(g), g)
    np.testing.assert_array_equal(ua, -0.1 * g)
    np.testing.assert_array_equal(ua, ub)


# --------------------------------------------------------------------- bookkeeping
def test_recorded_quantities_are_consistent(linreg):
    traj = run(sgd(0.1, momentum=0.5), linreg, np.zeros(3), 40, label="demo")
    assert traj.params.shape == (41, 3) and traj.steps == 40
    assert traj.losses.shape == traj.grad_norms.shape == (41,)
    np.testing.assert_allclose(traj.losses, [linreg.value(x) for x in traj.params], rtol=1e-14)
    np.testing.assert_allclose(traj.grad_norms,
                               [np.linalg.norm(linreg.grad(x)) for x in traj.params],
                               rtol=1e-14)
    np.testing.assert_array_equal(traj.lrs, np.full(40, 0.1))
    np.testing.assert_array_equal(traj.x, traj.params[-1])
    # one value and one (full) gradient per iterate; counted by a wrapper in test_loop.py
    assert traj.label == "demo" and traj.nfev == traj.njev == 41
    assert "steps=40" in repr(traj)
    assert traj.losses[-1] < traj.losses[0]


def test_run_does_not_mutate_x0(quad):
    x0 = np.array([3.0, 0.0, -2.0, 1.0])
    run(sgd(0.1), quad, x0, 5)
    np.testing.assert_array_equal(x0, [3.0, 0.0, -2.0, 1.0])


def test_zero_steps(quad):
    traj = run(sgd(0.1), quad, [1.0, 1.0, 1.0, 1.0], 0)
    assert traj.params.shape == (1, 4) and traj.lrs.shape == (0,)


def test_divergence_is_detected_and_the_run_stops(quad):
    lr = 10.0 / quad.L            # |1 - lr L| = 9 > 1: the error grows ~9x per step
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        traj = run(gradient_descent(lr), quad, np.ones(4), 10_000)
    assert traj.diverged
    n = len(traj.losses)
    assert n < 1000                       # stopped long before 10_000 steps
    assert np.all(np.isfinite(traj.losses[:-1])) and not np.isfinite(traj.losses[-1])
    assert len(traj.lrs) == n - 1 == traj.steps
    # before overflowing, the loss grew geometrically by ~ 9^2 per step
    mid = traj.losses[n // 2 + 1] / traj.losses[n // 2]
    assert 70 < mid < 90


def test_non_finite_start_is_diverged_immediately():
    class Bad:
        def value(self, x):
            return float("inf")

        def grad(self, x):
            return np.zeros_like(x)
    traj = run(sgd(0.1), Bad(), np.zeros(2), 10)
    assert traj.diverged and traj.steps == 0


def test_callback_sees_each_step_and_can_stop(quad):
    seen = []

    def cb(intermediate_result):          # scipy.optimize's callback signature
        r = intermediate_result
        seen.append((r.nit, r.x.copy(), r.fun))
        if r.nit == 5:
            raise StopIteration

    traj = run(sgd(0.1), quad, np.ones(4), 100, callback=cb)
    assert [s[0] for s in seen] == [1, 2, 3, 4, 5]
    assert traj.steps == 5 and len(traj.lrs) == 5 and traj.status == 99
    for t, x, loss in seen:
        np.testing.assert_array_equal(x, traj.params[t])
        assert loss == traj.losses[t]


def test_progress_bar_does_not_change_results(quad):
    a = run(sgd(0.1), quad, np.ones(4), 20)
    b = run(sgd(0.1), quad, np.ones(4), 20, progress=True)
    np.testing.assert_array_equal(a.params, b.params)


# --------------------------------------------------------------------- minibatches
def test_full_batch_without_replacement_equals_gradient_descent(linreg):
    n = linreg.n_samples
    full = run(sgd(0.2), linreg, np.zeros(3), 50)
    mini = run(sgd(0.2), linreg, np.zeros(3), 50, batch_size=n, replace=False, seed=3)
    # each batch is a permutation of all rows: only the summation order differs
    np.testing.assert_allclose(mini.params, full.params, rtol=1e-12, atol=1e-14)


def test_minibatch_run_is_seeded_and_stochastic(linreg):
    a = run(sgd(0.1), linreg, np.zeros(3), 30, batch_size=5, seed=0)
    b = run(sgd(0.1), linreg, np.zeros(3), 30, batch_size=5, seed=0)
    c = run(sgd(0.1), linreg, np.zeros(3), 30, batch_size=5, seed=1)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.allclose(a.params, c.params)


def test_minibatch_gradient_is_the_mean_over_the_batch(linreg):
    # one step from w0 with batch_size=1 and replace=True moves by -lr * grad f_i(w0)
    from course_lib.sampling import minibatch_stream
    lr, w0 = 0.1, np.array([0.3, -0.2, 0.1])
    traj = run(sgd(lr), linreg, w0, 1, batch_size=1, replace=True, seed=7)
    i = next(minibatch_stream(linreg.n_samples, 1, replace=True, seed=7))[0]
    xi, yi = linreg.X[i], linreg.y[i]
    g_i = (xi @ w0 - yi) * xi + linreg.l2 * w0        # closed-form per-example gradient
    np.testing.assert_allclose(traj.params[1], w0 - lr * g_i, rtol=1e-13)


# --------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(x0=[np.nan, 0, 0, 0]), ValueError, "'x0'.*finite"),
    (dict(x0=np.ones((2, 2))), ValueError, "'x0'.*1-d"),
    (dict(x0="abc"), TypeError, "'x0'"),
    (dict(steps=-1), ValueError, "'steps'.*Got -1"),
    (dict(steps=2.5), TypeError, "'steps'"),
    (dict(opt=lambda g: g), TypeError, "'opt'"),
])
def test_run_bad_inputs(quad, kwargs, exc, pattern):
    args = dict(opt=sgd(0.1), x0=np.ones(4), steps=3)
    args.update(kwargs)
    with pytest.raises(exc, match=pattern):
        run(args["opt"], quad, args["x0"], args["steps"])


@pytest.mark.parametrize("problem, kwargs, pattern", [
    (None, {}, "'problem' parameter of run"),
    (lambda x: x, {}, "'problem' parameter of run"),
    ("quad", dict(callback=5), "'callback' parameter of run"),
])
def test_run_bad_problem_and_callback(quad, problem, kwargs, pattern):
    problem = quad if problem == "quad" else problem
    with pytest.raises(TypeError, match=pattern):
        run(sgd(0.1), problem, np.ones(4), 3, **kwargs)


@pytest.mark.parametrize("batch_size, pattern", [(31, r"'batch_size'.*\[1, 30\].*Got 31"),
                                                 (0, "'batch_size'")])
def test_run_bad_batch_size(linreg, batch_size, pattern):
    with pytest.raises(ValueError, match=pattern):
        run(sgd(0.1), linreg, np.zeros(3), 3, batch_size=batch_size)


class _Sphere:
    def __init__(self, grad):
        self._grad = grad

    def value(self, x):
        return float(np.sum(np.asarray(x) ** 2))

    def grad(self, x):
        return self._grad(x)


def test_run_accepts_a_list_gradient():
    # a learner's problem may return a list: same result as with an array
    a = run(sgd(0.1), _Sphere(lambda x: [2 * x[0], 2 * x[1]]), [1.0, -2.0], 5)
    b = run(sgd(0.1), _Sphere(lambda x: 2 * x), [1.0, -2.0], 5)
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_allclose(a.params[-1], 0.8 ** 5 * np.array([1.0, -2.0]), rtol=1e-14)


@pytest.mark.parametrize("bad", [lambda x: (2 * x)[None, :], lambda x: 2 * x[:1],
                                 lambda x: [2 * x]])
def test_run_rejects_a_wrongly_shaped_gradient(bad):
    with pytest.raises(ValueError, match=r"problem\.grad\(x\) must return an array of "
                                         r"the shape of x \(2,\)"):
        run(sgd(0.1), _Sphere(bad), [1.0, -2.0], 5)


def test_run_batch_size_needs_a_finite_sum(quad):
    with pytest.raises(ValueError, match="'batch_size'.*n_samples"):
        run(sgd(0.1), quad, np.ones(4), 3, batch_size=2)


@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(lr=-1e-9), ValueError, r"'lr' parameter of sgd .*\[0\.0, inf\)"),
    (dict(lr=-0.1), ValueError, "'lr'.*Got -0.1"),
    (dict(lr=float("inf")), ValueError, "'lr'"),
    (dict(lr="fast"), TypeError, "'lr'"),
    (dict(lr=0.1, weight_decay=-1.0), ValueError, "'weight_decay'"),
    (dict(lr=0.1, momentum=-0.5), ValueError, "'momentum'"),
    (dict(lr=0.1, momentum=float("inf")), ValueError, "'momentum'"),
    (dict(lr=0.1, momentum=0.9, dampening="half"), TypeError, "'dampening'"),
    (dict(lr=0.1, nesterov="yes"), TypeError, "'nesterov' parameter of sgd"),
    (dict(lr=0.1, foreach=True), TypeError, "sgd.*foreach"),
    (dict(lr=0.1, nesterov=True), ValueError, "[Nn]esterov"),
    (dict(lr=0.1, momentum=0.9, dampening=0.5, nesterov=True), ValueError, "[Nn]esterov"),
])
def test_sgd_bad_hyperparameters(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        sgd(**kwargs)


@pytest.mark.parametrize("kwargs", [dict(lr=0.0), dict(lr=0.1, momentum=1.5),
                                    dict(lr=0.1, momentum=0.9, dampening=2.0)])
def test_sgd_accepts_what_torch_accepts(kwargs):
    torch = pytest.importorskip("torch")
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], **kwargs)
    g = np.array([1.0, 2.0])
    opt = sgd(**kwargs)
    u, _ = opt.update(g, opt.init(g), g)
    assert np.all(np.isfinite(u))


def test_sgd_returns_a_gradient_transformation_with_learning_rate():
    opt = sgd(lambda t: 0.5 ** t)
    assert isinstance(opt, tx.GradientTransformation)
    assert opt.learning_rate(3) == 0.125
    assert isinstance(Trajectory(np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.zeros(0)).extra,
                      dict)
