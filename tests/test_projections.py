"""Projections against a generic QP solve (scipy SLSQP on min ||x - v||^2 over the set)."""
import numpy as np
import pytest
from scipy.optimize import minimize

from course_lib.projections import (project_ball, project_box, project_box_hyperplane,
                                    project_l1_ball, project_simplex)


def qp_projection(v, constraints, bounds=None, x0=None):
    r = minimize(lambda x: 0.5 * np.sum((x - v) ** 2), np.zeros_like(v) if x0 is None else x0,
                 jac=lambda x: x - v, constraints=constraints, bounds=bounds,
                 method="SLSQP", options={"ftol": 1e-10, "maxiter": 500})
    assert r.success, r.message
    return r.x


VECTORS = [np.random.default_rng(k).normal(scale=2.0, size=6) for k in range(5)]


@pytest.mark.parametrize("v", VECTORS)
def test_ball(v):
    c = np.linspace(-0.5, 0.5, 6)
    got = project_ball(v, 1.3, c)
    ref = qp_projection(v, [{"type": "ineq", "fun": lambda x: 1.3 ** 2 - np.sum((x - c) ** 2),
                             "jac": lambda x: -2 * (x - c)}], x0=c)
    np.testing.assert_allclose(got, ref, atol=1e-5)


@pytest.mark.parametrize("v", VECTORS)
def test_box(v):
    lo, hi = -np.ones(6), np.array([0.5, 1, 2, 0.1, 3, 1.0])
    np.testing.assert_allclose(project_box(v, lo, hi),
                               qp_projection(v, [], bounds=list(zip(lo, hi))), atol=1e-7)


@pytest.mark.parametrize("v", VECTORS)
@pytest.mark.parametrize("s", [1.0, 2.5])
def test_simplex(v, s):
    ref = qp_projection(v, [{"type": "eq", "fun": lambda x: x.sum() - s,
                             "jac": lambda x: np.ones_like(x)}], bounds=[(0, None)] * 6)
    np.testing.assert_allclose(project_simplex(v, s), ref, atol=1e-7)


@pytest.mark.parametrize("v", VECTORS + [np.array([0.1, -0.2, 0.05, 0, 0, 0.3])])
def test_l1_ball(v):
    # l1 ball as a QP in (x, t): |x_i| <= t_i, sum t <= r
    n = len(v)

    def f(z):
        return 0.5 * np.sum((z[:n] - v) ** 2)
    cons = [{"type": "ineq", "fun": lambda z: z[n:] - z[:n]},
            {"type": "ineq", "fun": lambda z: z[n:] + z[:n]},
            {"type": "ineq", "fun": lambda z: 1.0 - z[n:].sum()}]
    r = minimize(f, np.zeros(2 * n), constraints=cons, method="SLSQP",
                 options={"ftol": 1e-14, "maxiter": 500})
    np.testing.assert_allclose(project_l1_ball(v, 1.0), r.x[:n], atol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_box_hyperplane(seed):
    rng = np.random.default_rng(seed)
    v, a = rng.normal(size=7), rng.choice([-1.0, 1.0], size=7)
    ref = qp_projection(v, [{"type": "eq", "fun": lambda x: a @ x, "jac": lambda x: a}],
                        bounds=[(0, 0.7)] * 7)
    np.testing.assert_allclose(project_box_hyperplane(v, a, 0.0, 0.0, 0.7), ref, atol=1e-7)


def test_inside_points_are_fixed_and_projection_is_idempotent():
    v = np.array([0.2, 0.3, 0.5])
    assert np.array_equal(project_simplex(v), v) or np.allclose(project_simplex(v), v,
                                                                rtol=1e-15)
    w = project_l1_ball(np.array([3.0, -2.0, 1.0]), 2.0)
    np.testing.assert_allclose(project_l1_ball(w, 2.0), w, rtol=1e-12)
    assert np.isclose(np.abs(w).sum(), 2.0, rtol=1e-12)


@pytest.mark.parametrize("call, words", [
    (lambda: project_box([1.0, 2.0], [0.0, 3.0], [1.0, 2.0]), ["lower", "project_box"]),
    (lambda: project_ball([1.0], -1.0), ["radius", "project_ball"]),
    (lambda: project_simplex([1.0, 2.0], 0.0), ["'s'", "project_simplex"]),
    (lambda: project_l1_ball([np.nan]), ["'v'", "project_l1_ball"]),
    (lambda: project_box_hyperplane([1.0, 2.0], [1.0, 1.0], 5.0, 0.0, 1.0),
     ["beta", "empty"]),
])
def test_bad_input(call, words):
    with pytest.raises(ValueError) as e:
        call()
    for w in words:
        assert w in str(e.value)
