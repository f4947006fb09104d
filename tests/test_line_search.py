"""Tests of course_lib.line_search (backtracking Armijo) and gradient_descent_armijo:
the Armijo condition checked directly, the step-size lower bound for L-smooth
functions, and scipy.optimize.minimize as an oracle for the final point."""
import numpy as np
import pytest
from scipy.optimize import minimize

from course_lib import problems as P
from course_lib.line_search import backtracking_armijo
from course_lib.optimizers import gradient_descent_armijo


def armijo_holds(f, x, d, g, t, c):
    return f(x + t * d) <= f(x) + c * t * float(g @ d)


class Counting:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def _points(dim, n, seed, scale=2.0):
    return np.random.default_rng(seed).uniform(-scale, scale, size=(n, dim))


PROBS = {
    "rosenbrock": P.Rosenbrock(),
    "rosenbrock4": P.Rosenbrock(dim=4),
    "quad_ill": P.Quadratic.from_condition_number(100.0, dim=3, L=5.0, rotation=2),
    "quad_iso": P.Quadratic.from_condition_number(1.0, dim=2, L=0.5),
    "beale": P.Beale(),
}


@pytest.mark.parametrize("c, beta, t0", [(1e-4, 0.5, 1.0), (0.3, 0.8, 2.0), (0.5, 0.1, 10.0)])
@pytest.mark.parametrize("name", list(PROBS))
def test_accepted_step_satisfies_armijo_and_is_maximal(name, c, beta, t0):
    prob = PROBS[name]
    for x in _points(prob.dim, 15, seed=list(PROBS).index(name), scale=1.5):
        g = prob.grad(x)
        if np.linalg.norm(g) < 1e-12:
            continue
        for d in (-g, -g / np.linalg.norm(g) + 0.1 * np.roll(g, 1) / np.linalg.norm(g)):
            if g @ d >= 0:
                continue
            f = Counting(prob.value)
            res = backtracking_armijo(f, x, d, g, t0=t0, c=c, beta=beta)
            assert res.success
            assert armijo_holds(prob.value, x, d, g, res.step, c)
            # the step is of the form t0 * beta**k ...
            k = np.log(res.step / t0) / np.log(beta)
            assert abs(k - round(k)) < 1e-9
            # ... and the previous trial (if any) failed: it is the largest such step
            if res.step < t0:
                assert not armijo_holds(prob.value, x, d, g, res.step / beta, c)
            assert res.fval == prob.value(x + res.step * d)
            # nfev counts every evaluation: f(x) once, then k + 1 trials
            assert res.nfev == f.calls == round(k) + 2


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("c, beta", [(1e-4, 0.5), (0.5, 0.5), (0.9, 0.9), (0.2, 0.3)])
def test_quadratic_step_lower_bound(seed, c, beta):
    # For L-smooth f and d = -grad f: t >= min(t0, 2 beta (1 - c) / L)
    rng = np.random.default_rng(seed)
    L = rng.uniform(0.5, 50.0)
    q = P.Quadratic.from_condition_number(rng.uniform(1.0, 1e3), dim=5, L=L, rotation=seed)
    for t0 in (0.01 / L, 1.0, 100.0):
        bound = min(t0, 2 * beta * (1 - c) / L)
        for x in rng.normal(size=(10, 5)):
            g = q.grad(x)
            # enough backtracks to get from t0 = 100 down to ~1e-3 with beta = 0.9
            res = backtracking_armijo(q.value, x, -g, g, t0=t0, c=c, beta=beta,
                                      max_backtracks=500)
            assert res.success and res.step >= bound * (1 - 1e-12)
    # along the top eigenvector (x* = 0) Armijo holds exactly for t <= 2(1 - c)/L,
    # so the accepted step lies in [2 beta (1 - c)/L, 2 (1 - c)/L]: the bound is tight
    v = np.linalg.eigh(q.A)[1][:, -1]
    g = q.grad(v)
    res = backtracking_armijo(q.value, v, -g, g, t0=1e3, c=c, beta=beta, max_backtracks=500)
    assert 2 * beta * (1 - c) / L * (1 - 1e-9) <= res.step <= 2 * (1 - c) / L * (1 + 1e-9)


def test_docstring_example_and_fx_saves_an_evaluation():
    f = Counting(lambda x: float(x @ x))
    x = np.array([1.0])
    g = 2 * x
    res = backtracking_armijo(f, x, -g, g)
    assert res.step == 0.5 and res.fval == 0.0 and res.nfev == 3 == f.calls
    f2 = Counting(lambda x: float(x @ x))
    res2 = backtracking_armijo(f2, x, -g, g, fx=1.0)
    assert res2.step == 0.5 and res2.nfev == 2 == f2.calls


def test_non_finite_trial_values_are_rejected():
    # f is +inf outside |x| < 1: the first trials land there and must be refused
    def f(x):
        return float(x @ x) if np.all(np.abs(x) < 1) else float("inf")
    x = np.array([0.5])
    g = 2 * x
    res = backtracking_armijo(f, x, -g, g, t0=8.0)
    assert res.success and np.isfinite(res.fval)
    assert res.step <= 1.0


def test_failure_is_reported():
    # c close to 1 and a curved f: with no backtracking allowed, t0 fails
    f = lambda x: float(x @ x)          # noqa: E731
    x = np.array([1.0, 0.0])
    g = 2 * x
    res = backtracking_armijo(f, x, -g, g, t0=10.0, max_backtracks=0)
    assert not res.success and res.step == 10.0 and res.nfev == 2
    res = backtracking_armijo(f, x, -g, g, t0=10.0, max_backtracks=3)
    assert not res.success and res.step == pytest.approx(10.0 * 0.5 ** 3)


@pytest.mark.parametrize("direction", [[1.0, 0.0], [0.0, 1.0], [2.0, 5.0]])
def test_non_descent_direction_raises(direction):
    f = lambda x: float(x @ x)          # noqa: E731
    x = np.array([1.0, 0.0])
    with pytest.raises(ValueError, match=r"'direction' parameter of backtracking_armijo "
                                         r"must be a descent direction"):
        backtracking_armijo(f, x, np.array(direction), 2 * x)


@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(t0=0.0), ValueError, "'t0'"),
    (dict(t0=-1.0), ValueError, "'t0'"),
    (dict(c=0.0), ValueError, "'c'"),
    (dict(c=1.0), ValueError, "'c'"),
    (dict(beta=1.0), ValueError, "'beta'"),
    (dict(beta=0.0), ValueError, "'beta'"),
    (dict(max_backtracks=-1), ValueError, "'max_backtracks'"),
    (dict(max_backtracks=2.0), TypeError, "'max_backtracks'"),
    (dict(direction=np.array([-1.0])), ValueError, "'direction'.*shape"),
    (dict(grad=np.array([1.0, 0.0, 0.0])), ValueError, "'grad'.*shape"),
    (dict(x=np.array([[1.0, 0.0]])), ValueError, "'x'.*1-d"),
    (dict(f=3.0), TypeError, "'f'"),
])
def test_bad_inputs(kwargs, exc, pattern):
    args = dict(f=lambda x: float(x @ x), x=np.array([1.0, 0.0]),
                direction=np.array([-1.0, 0.0]), grad=np.array([2.0, 0.0]))
    args.update(kwargs)
    f, x, d, g = (args.pop(k) for k in ("f", "x", "direction", "grad"))
    with pytest.raises(exc, match=pattern):
        backtracking_armijo(f, x, d, g, **args)


# --------------------------------------------------------------------- GD + Armijo
def test_gradient_descent_armijo_on_rosenbrock_vs_scipy():
    prob = P.Rosenbrock()
    x0 = np.array([-1.2, 1.0])
    traj = gradient_descent_armijo(prob, x0, 2000)
    ref = minimize(prob.value, x0, jac=prob.grad, method="BFGS", options={"gtol": 1e-10})
    assert ref.success and np.allclose(ref.x, [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(traj.x, ref.x, atol=0.05)     # GD crawls: loose tolerance
    assert traj.losses[-1] < 1e-3
    # Armijo makes the loss decrease monotonically, by at least c t ||g||^2 per step
    c = 1e-4
    dec = traj.losses[:-1] - traj.losses[1:]
    assert np.all(dec >= c * traj.lrs * traj.grad_norms[:-1] ** 2 * (1 - 1e-9))
    np.testing.assert_allclose(traj.losses, [prob.value(x) for x in traj.params], rtol=1e-12)
    assert traj.nfev >= traj.steps                               # at least one per step
    # every accepted step is t0 * beta**k
    k = np.log2(1.0 / traj.lrs)
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)


def test_gradient_descent_armijo_quadratic_steps_and_tol():
    q = P.Quadratic.from_condition_number(20.0, dim=3, L=4.0, rotation=1)
    traj = gradient_descent_armijo(q, np.ones(3), 500, t0=1.0, c=0.5, beta=0.5, tol=1e-8)
    assert traj.grad_norms[-1] <= 1e-8 and traj.steps < 500         # stopped by tol
    assert np.all(traj.grad_norms[:-1] > 1e-8)
    assert np.all(traj.lrs >= min(1.0, 2 * 0.5 * 0.5 / q.L) * (1 - 1e-12))
    np.testing.assert_allclose(traj.x, np.zeros(3), atol=1e-7)


def test_gradient_descent_armijo_does_not_take_a_rejected_step():
    # t0 = 100 fails Armijo on this quadratic and no backtracking is allowed: the
    # iterate must stay where it is (it used to jump to the rejected point, f 0.55 -> 4904)
    q = P.Quadratic.from_condition_number(10.0, dim=2, L=1.0)
    traj = gradient_descent_armijo(q, np.ones(2), 5, t0=100.0, max_backtracks=0)
    assert traj.steps == 0 and traj.extra["line_search_failed"]
    np.testing.assert_array_equal(traj.x, np.ones(2))
    assert traj.nfev == 2                       # f(x0), then the one rejected trial
    assert not traj.success and traj.status == 3
    ok = gradient_descent_armijo(q, np.ones(2), 5)
    assert ok.steps == 5 and not ok.extra["line_search_failed"]
    assert np.all(np.diff(ok.losses) < 0)


@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(x0=[np.nan, 1.0]), ValueError, "'x0'"),
    (dict(x0=[[1.0, 1.0]]), ValueError, "'x0'"),
    (dict(steps=-2), ValueError, "'steps'"),
    (dict(tol=-1.0), ValueError, "'tol'"),
    (dict(c=2.0), ValueError, "'c'"),
    (dict(steps=0, c=2.0), ValueError, "'c' parameter of gradient_descent_armijo"),
    (dict(steps=0, beta=1.0), ValueError, "'beta' parameter of gradient_descent_armijo"),
    (dict(steps=0, t0=0.0), ValueError, "'t0' parameter of gradient_descent_armijo"),
])
def test_gradient_descent_armijo_bad_inputs(kwargs, exc, pattern):
    args = dict(x0=[-1.2, 1.0], steps=3)
    args.update(kwargs)
    with pytest.raises(exc, match=pattern):
        gradient_descent_armijo(P.Rosenbrock(), args.pop("x0"), args.pop("steps"), **args)


def test_gradient_descent_armijo_needs_a_problem():
    with pytest.raises(TypeError, match="'problem' parameter of gradient_descent_armijo"):
        gradient_descent_armijo(lambda x: float(x @ x), [1.0, 1.0], 3)
