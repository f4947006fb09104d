"""The one result type (course_lib.result) and the loops that fill it (course_lib.loop):
its fields and their semantics against scipy.optimize.minimize (which fields exist,
what nit / nfev / njev count, what a callback's StopIteration does, the status texts),
evaluation counts against a counting wrapper, tol against a closed form, and the
Recorder reused by a loop written here."""
import numpy as np
import pytest
from scipy.optimize import minimize

from course_lib import problems as P
from course_lib.loop import Trajectory as LoopTrajectory
from course_lib.optimizers import Trajectory, gradient_descent, gradient_descent_armijo, run, sgd
from course_lib.result import STATUS, OptimizeResult, Recorder, status_of


class Counting:
    """A problem whose value/grad calls are counted (the oracle for nfev/njev)."""

    def __init__(self, problem):
        self.p, self.fcalls, self.gcalls = problem, 0, 0
        self.dim = problem.dim

    def value(self, x):
        self.fcalls += 1
        return self.p.value(x)

    def grad(self, x, idx=None):
        self.gcalls += 1
        return self.p.grad(x) if idx is None else self.p.grad(x, idx)


@pytest.fixture(scope="module")
def rosen():
    return P.Rosenbrock()


@pytest.fixture(scope="module")
def quad():
    return P.Quadratic.from_condition_number(10.0, dim=3, L=2.0, rotation=1)


def _scipy_bfgs(problem, x0, **kw):
    return minimize(problem.value, x0, jac=problem.grad, method="BFGS", **kw)


# ------------------------------------------------------------------ fields and table
def test_has_every_field_scipy_returns(rosen):
    ref = _scipy_bfgs(rosen, rosen.x0)
    ours = gradient_descent_armijo(rosen, rosen.x0, 20)
    scipy_fields = set(ref.keys()) - {"hess_inv"}       # no Hessian estimate in GD
    assert scipy_fields <= set(ours.keys())
    for name in scipy_fields:
        getattr(ours, name)
    np.testing.assert_array_equal(ours.x, ours.params[-1])
    assert ours.fun == rosen.value(ours.x) and ours.nit == ours.steps == 20
    np.testing.assert_allclose(ours.jac, rosen.grad(ours.x), rtol=1e-15)


def test_status_table_is_one_table_with_scipy_texts(rosen):
    codes = [code for code, _, _ in STATUS.values()]
    messages = [msg for _, _, msg in STATUS.values()]
    assert len(set(codes)) == len(codes) and len(set(messages)) == len(messages)
    assert all(isinstance(m, str) and m.endswith(".") for m in messages)
    # the three events scipy also has: same code, success and text as scipy reports them
    done = _scipy_bfgs(rosen, rosen.x0)
    capped = _scipy_bfgs(rosen, rosen.x0, options={"maxiter": 2})

    def stop_now(intermediate_result):
        raise StopIteration

    stopped = _scipy_bfgs(rosen, rosen.x0, callback=stop_now)
    for reason, ref in (("converged", done), ("max_steps", capped), ("callback", stopped)):
        assert status_of(reason) == (ref.status, ref.success, ref.message)
    with pytest.raises(ValueError, match="'reason' parameter of status_of.*Got 'nope'"):
        status_of("nope")


def test_every_result_takes_status_and_message_from_the_table(quad):
    results = {
        "steps_done": run(sgd(0.1), quad, np.ones(3), 5),
        "converged": run(sgd(0.4), quad, np.ones(3), 500, tol=1e-6),
        "max_steps": run(sgd(0.01), quad, np.ones(3), 5, tol=1e-6),
        "diverged": run(gradient_descent(10.0), quad, np.ones(3), 10_000),
        "line_search_failed": gradient_descent_armijo(quad, np.ones(3), 5, t0=100.0,
                                                      max_backtracks=0),
    }
    for reason, res in results.items():
        assert (res.status, res.success, res.message) == STATUS[reason]
        assert res.reason == reason
    assert results["diverged"].diverged and not results["steps_done"].diverged


# ------------------------------------------------------------------ counts vs scipy
def test_nfev_njev_count_every_call_as_scipy_does(rosen):
    # scipy's convention, shown on scipy itself: nfev/njev = calls of fun/jac
    c = Counting(rosen)
    ref = _scipy_bfgs(c, rosen.x0)
    assert (ref.nfev, ref.njev) == (c.fcalls, c.gcalls)
    # ours, same convention: the line search's trials and f(x0) included
    c = Counting(rosen)
    res = gradient_descent_armijo(c, rosen.x0, 50)
    assert (res.nfev, res.njev) == (c.fcalls, c.gcalls)
    assert res.njev == res.nit + 1 and res.nfev > res.nit + 1      # backtracking happened


@pytest.mark.parametrize("batch_size", [None, 4])
def test_run_counts_full_and_minibatch_gradients(batch_size):
    linreg = P.LinearRegression(n_samples=20, n_features=3, noise=0.5, l2=0.1, seed=0)
    c = Counting(linreg)
    c.n_samples = linreg.n_samples
    res = run(sgd(0.05), c, np.zeros(3), 30, batch_size=batch_size, seed=0)
    assert (res.nfev, res.njev) == (c.fcalls, c.gcalls)
    # full batch: the gradient recorded at x_t is the one the next step uses
    assert res.njev == 31 + (0 if batch_size is None else 30) and res.nfev == 31


def test_nit_counts_the_callbacks_as_in_scipy(rosen):
    seen = []
    ref = _scipy_bfgs(rosen, rosen.x0, callback=lambda intermediate_result: seen.append(1))
    assert ref.nit == len(seen)
    for loop in (lambda cb: run(sgd(1e-3), rosen, rosen.x0, 25, callback=cb),
                 lambda cb: gradient_descent_armijo(rosen, rosen.x0, 25, callback=cb)):
        seen = []
        res = loop(lambda r: seen.append(r.nit))
        assert seen == list(range(1, 26)) and res.nit == 25 == len(res.params) - 1


@pytest.mark.parametrize("k", [1, 3, 7])
def test_callback_stopiteration_stops_as_in_scipy(rosen, k):
    def stopper(log):
        def cb(intermediate_result):
            log.append(np.array(intermediate_result.x))
            if len(log) == k:
                raise StopIteration
        return cb

    scipy_seen = []
    ref = _scipy_bfgs(rosen, rosen.x0, callback=stopper(scipy_seen))
    for loop in (lambda cb: run(sgd(1e-3), rosen, rosen.x0, 50, callback=cb),
                 lambda cb: gradient_descent_armijo(rosen, rosen.x0, 50, callback=cb)):
        seen = []
        res = loop(stopper(seen))
        # scipy: nit = calls made, x = the x the last call saw, status 99
        assert ref.nit == len(scipy_seen) == k and np.allclose(ref.x, scipy_seen[-1])
        assert res.nit == len(seen) == k
        np.testing.assert_array_equal(res.x, seen[-1])
        assert (res.status, res.success, res.message) == (ref.status, ref.success, ref.message)
        assert len(res.lrs) == k and res.params.shape == (k + 1, 2)


def test_intermediate_result_has_scipys_x_and_fun(quad):
    got = []
    res = run(sgd(0.1), quad, np.ones(3), 3, callback=lambda r: got.append(r))
    for r in got:
        assert r.fun == quad.value(r.x) and r.grad_norm == np.linalg.norm(quad.grad(r.x))
        assert r.lr == 0.1
    got[0].x[:] = 99.0                        # a copy: the history is not changed
    assert not np.any(res.params == 99.0)


def test_keyword_only_intermediate_result_as_in_scipy(quad):
    seen = []

    def cb(*, intermediate_result):          # scipy passes it by this keyword
        seen.append(intermediate_result.nit)

    run(sgd(0.1), quad, np.ones(3), 4, callback=cb)
    assert seen == [1, 2, 3, 4]


def test_old_three_argument_callback_is_refused_with_the_new_signature(quad):
    with pytest.raises(TypeError, match=r"'callback' parameter of run must take one "
                                        r"argument, callback\(intermediate_result\)"):
        run(sgd(0.1), quad, np.ones(3), 3, callback=lambda t, x, loss: None)
    with pytest.raises(TypeError, match="'callback' parameter of gradient_descent_armijo"):
        gradient_descent_armijo(quad, np.ones(3), 3, callback=5)


# ------------------------------------------------------------------ tol
def test_tol_stops_at_the_step_the_closed_form_gives():
    # GD with lr on a diagonal quadratic: grad at x_t = A (1 - lr a)^t e0, exactly
    a = np.array([0.5, 1.0, 2.0])
    q = P.Quadratic(np.diag(a), np.zeros(3))
    lr, tol, e0 = 0.5, 1e-6, np.array([1.0, -1.0, 1.0])
    norms = [np.linalg.norm(a * (1 - lr * a) ** t * e0) for t in range(200)]
    t_star = next(t for t, n in enumerate(norms) if n <= tol)
    res = run(gradient_descent(lr), q, e0, 200, tol=tol)
    assert res.nit == t_star and res.status == 0 and res.success
    assert res.grad_norms[-1] <= tol < res.grad_norms[-2]
    short = run(gradient_descent(lr), q, e0, t_star - 1, tol=tol)
    assert short.reason == "max_steps" and not short.success
    exact = run(gradient_descent(lr), q, e0, t_star, tol=tol)   # reached on the last step
    assert exact.reason == "converged"
    with pytest.raises(ValueError, match="'tol' parameter of run"):
        run(gradient_descent(lr), q, e0, 5, tol=-1.0)


# ------------------------------------------------------------------ the type itself
def test_trajectory_is_the_same_type_and_keeps_its_constructor():
    assert Trajectory is OptimizeResult is LoopTrajectory
    t = Trajectory(np.array([[1.0], [0.5]]), np.array([1.0, 0.25]), np.array([2.0, 1.0]),
                   np.array([0.25]), label="x")
    assert (t.steps, t.nit, t.fun, t.status, t.success) == (1, 1, 0.25, 4, True)
    np.testing.assert_array_equal(t.x, [0.5])
    d = Trajectory(np.zeros((1, 1)), np.array([np.inf]), np.zeros(1), np.zeros(0),
                   diverged=True)
    assert d.reason == "diverged" and not d.success
    assert "steps=1" in repr(t) and "label='x'" in repr(t)
    with pytest.raises(ValueError, match="'status' parameter of OptimizeResult.*Got 7"):
        Trajectory(np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.zeros(0), status=7)


def test_method_specific_fields_read_as_attributes(quad):
    res = gradient_descent_armijo(quad, np.ones(3), 3)
    assert res.line_search_failed is False is res.extra["line_search_failed"]
    assert "line_search_failed" in res.keys()
    with pytest.raises(AttributeError, match="no attribute 'multipliers'"):
        res.multipliers


def test_recorder_serves_a_loop_written_here(quad):
    # a plain gradient-descent loop on the Recorder's documented API equals run()
    lr, x0 = 0.3, np.array([1.0, 2.0, -1.0])
    rec = Recorder("my_gd", quad, x0, label="mine")
    x = rec.x0
    g = rec.grad(x)
    assert not rec.start(x, rec.value(x), g)
    for _ in range(20):
        x = x - lr * g
        g = rec.grad(x)
        if rec.step(x, rec.value(x), g, lr=lr):
            break
    mine = rec.result(multipliers=np.array([0.0]))
    ref = run(gradient_descent(lr), quad, x0, 20)
    np.testing.assert_array_equal(mine.params, ref.params)
    np.testing.assert_array_equal(mine.grad_norms, ref.grad_norms)
    assert (mine.nit, mine.nfev, mine.njev, mine.status) == (ref.nit, ref.nfev, ref.njev, 4)
    np.testing.assert_array_equal(mine.multipliers, [0.0])
    assert mine.label == "mine"
    with pytest.raises(RuntimeError, match=r"my_gd: Recorder.result\(\) before Recorder.start"):
        Recorder("my_gd", quad, x0).result()
    with pytest.raises(ValueError, match="my_gd: problem.grad"):
        Recorder("my_gd", type("Bad", (), {"value": lambda s, x: 0.0,
                                          "grad": lambda s, x: x[:1]})(), x0).grad(x0)


# ------------------------------------------------------------------ bad x0 names x0
@pytest.mark.parametrize("call, owner", [
    (lambda q, x0: run(sgd(0.1), q, x0, 3), "run"),
    (lambda q, x0: gradient_descent_armijo(q, x0, 3), "gradient_descent_armijo"),
])
def test_x0_of_the_wrong_dimension_names_the_function_called(quad, call, owner):
    with pytest.raises(ValueError, match=rf"The 'x0' parameter of {owner} must have shape "
                                         rf"\(3,\).*Got shape \(2,\) instead"):
        call(quad, np.ones(2))
