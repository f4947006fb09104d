"""course_lib.steepest against independent oracles: scipy's LP solver (l1, l_inf balls),
scipy's SLSQP (general p) and Hoelder's inequality (the optimal value -eps ||g||_q)."""
import numpy as np
import pytest
from scipy.optimize import linprog, minimize

from course_lib.steepest import (
    brute_force_steepest,
    dual_norm_exponent,
    sphere_points,
    steepest_descent_direction,
)

GRADS = [
    np.array([3.0, -1.0]),
    np.array([0.2, 0.5, -0.4]),
    np.array([-1e-3, 2e-3, 5e-4, 0.0]),
    np.random.default_rng(1).standard_normal(6),
]


def _lp_oracle(g, eps, p):
    """min g.d over the l1 or l_inf ball of radius eps, as a linear programme.

    Variables z = (d, s) with |d_i| <= s_i. l_inf: s_i <= eps. l1: sum s_i <= eps.
    """
    n = g.size
    c = np.concatenate([g, np.zeros(n)])
    eye = np.eye(n)
    A = [np.hstack([eye, -eye]), np.hstack([-eye, -eye])]
    b = [np.zeros(n), np.zeros(n)]
    if p == 1:
        A.append(np.concatenate([np.zeros(n), np.ones(n)])[None, :])
        b.append(np.array([eps]))
        bounds = [(None, None)] * n + [(0, None)] * n
    else:
        bounds = [(None, None)] * n + [(0, eps)] * n
    res = linprog(c, A_ub=np.vstack(A), b_ub=np.concatenate(b), bounds=bounds,
                  method="highs")
    assert res.status == 0
    return res.fun


@pytest.mark.parametrize("g", GRADS)
@pytest.mark.parametrize("p", [1, np.inf])
@pytest.mark.parametrize("eps", [0.3, 2.0])
def test_polyhedral_norms_match_linear_programme(g, p, eps):
    d = steepest_descent_direction(g, eps, p)
    assert np.linalg.norm(d, ord=p) == pytest.approx(eps if np.any(g) else 0.0)
    assert g @ d == pytest.approx(_lp_oracle(g, eps, p), abs=1e-9)


@pytest.mark.parametrize("g", GRADS)
@pytest.mark.parametrize("p", [1, 1.5, 2, 3, np.inf])
def test_optimal_value_is_minus_eps_dual_norm(g, p):
    eps = 0.7
    d = steepest_descent_direction(g, eps, p)
    q = dual_norm_exponent(p)
    assert g @ d == pytest.approx(-eps * np.linalg.norm(g, ord=q), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("p", [1.5, 2, 3, 4])
def test_smooth_norms_match_slsqp(p):
    g = np.array([0.2, 0.5, -0.4])
    cons = {"type": "ineq", "fun": lambda d: 1.0 - np.sum(np.abs(d) ** p)}
    res = minimize(lambda d: g @ d, x0=np.zeros(3) + 0.01, constraints=[cons],
                   method="SLSQP", options={"ftol": 1e-12, "maxiter": 500})
    d = steepest_descent_direction(g, 1.0, p)
    np.testing.assert_allclose(d, res.x, atol=1e-4)


def test_euclidean_is_normalised_negative_gradient_and_eta_g_for_eps_eta_norm():
    g = np.array([3.0, -4.0])
    np.testing.assert_allclose(steepest_descent_direction(g, 2.0, 2), [-1.2, 1.6])
    eta = 0.1
    np.testing.assert_allclose(
        steepest_descent_direction(g, eta * np.linalg.norm(g), 2), -eta * g)


def test_zero_gradient_gives_zero_step_and_ties_are_valid():
    np.testing.assert_array_equal(steepest_descent_direction(np.zeros(3), 1.0, 2), 0.0)
    d = steepest_descent_direction(np.array([1.0, -1.0]), 1.0, 1)
    assert np.array([1.0, -1.0]) @ d == pytest.approx(-1.0)
    np.testing.assert_array_equal(
        steepest_descent_direction(np.array([2.0, 0.0]), 1.0, np.inf), [-1.0, 0.0])


def test_huge_gradient_does_not_overflow():
    d = steepest_descent_direction(np.array([1e300, -1e300, 1.0]), 1.0, 3)
    assert np.all(np.isfinite(d))
    assert np.linalg.norm(d, ord=3) == pytest.approx(1.0)


@pytest.mark.parametrize("p", [1, 2, np.inf])
def test_brute_force_approaches_closed_form(p):
    g = np.array([0.8, -0.3])
    r = brute_force_steepest(g, 1.0, p, n_points=4000)
    d = steepest_descent_direction(g, 1.0, p)
    assert r.value >= g @ d - 1e-12          # never better than the true minimum
    assert r.value == pytest.approx(g @ d, abs=1e-5)
    np.testing.assert_allclose(r.direction, d, atol=5e-3)
    # and every point tried lies on the sphere
    np.testing.assert_allclose(np.linalg.norm(r.points, ord=p, axis=1), 1.0)


def test_brute_force_in_higher_dimension_hits_vertices():
    g = np.array([0.2, 0.5, -0.4, 0.1])
    for p in (1, np.inf):
        r = brute_force_steepest(g, 1.0, p, n_points=2000, seed=3)
        np.testing.assert_allclose(r.direction, steepest_descent_direction(g, 1.0, p))


def test_sphere_points_shapes():
    assert sphere_points(2, 16).shape == (16, 2)
    assert sphere_points(3, 5, p=1).shape == (5 + 6 + 8, 3)


@pytest.mark.parametrize("bad, exc", [
    (dict(g=[[1.0]]), ValueError),
    (dict(g=[1.0], eps=0.0), ValueError),
    (dict(g=[1.0], p=0.5), ValueError),
    (dict(g=[1.0], p="two"), TypeError),
    (dict(g=[np.nan]), ValueError),
])
def test_bad_input_is_rejected_with_a_named_message(bad, exc):
    kw = dict(eps=1.0, p=2) | bad
    with pytest.raises(exc) as info:
        steepest_descent_direction(**kw)
    assert any(name in str(info.value) for name in ("'g'", "'eps'", "'p'"))


def test_dual_exponents():
    assert dual_norm_exponent(2) == 2.0
    assert dual_norm_exponent(1) == np.inf
    assert dual_norm_exponent(np.inf) == 1.0
    assert dual_norm_exponent(3) == pytest.approx(1.5)
