"""course_lib.noisy.PerturbedSum against the wrapped problem, finite differences, the
definition of the per-example variance, and plain gradient descent (full batches)."""
import numpy as np
import pytest

from course_lib.noisy import PerturbedSum
from course_lib.optimizers import gradient_descent, run, sgd
from course_lib.problems import Quadratic, Rosenbrock, TiltedDoubleWell


@pytest.fixture(params=["well", "rosenbrock"])
def pair(request):
    base = TiltedDoubleWell() if request.param == "well" else Rosenbrock()
    return base, PerturbedSum(base, n_samples=37, noise=1.5, seed=4)


def test_full_objective_and_gradient_are_the_wrapped_ones(pair):
    base, F = pair
    for x in (base.x0, base.x0 * 0.3 + 0.1):
        assert F.value(x) == base.value(x)
        assert F(x) == base.value(x)
        np.testing.assert_array_equal(F.grad(x), base.grad(x))
        np.testing.assert_array_equal(F.hessian(x), base.hessian(x))
    assert F.dim == base.dim and F.f_min == base.f_min
    np.testing.assert_array_equal(F.minimizers, base.minimizers)
    assert F.bounds == base.bounds


def test_terms_average_to_the_objective_and_the_gradient(pair):
    base, F = pair
    x = base.x0 * 0.5 + 0.2
    all_idx = np.arange(F.n_samples)
    vals = [F.value(x, np.array([i])) for i in all_idx]
    assert np.mean(vals) == pytest.approx(base.value(x), rel=1e-12, abs=1e-12)
    G = F.per_example_grads(x)
    assert G.shape == (F.n_samples, F.dim)
    np.testing.assert_allclose(G.mean(axis=0), base.grad(x), atol=1e-12)
    np.testing.assert_allclose(F.grad(x, all_idx), base.grad(x), atol=1e-12)


def test_per_example_variance_is_noise_squared_everywhere(pair):
    base, F = pair
    for x in (base.x0, base.x0 - 0.7):
        G = F.per_example_grads(x)
        sigma2 = np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))
        assert sigma2 == pytest.approx(1.5 ** 2, rel=1e-12)


def test_minibatch_gradient_is_the_gradient_of_the_minibatch_value(pair):
    base, F = pair
    x = base.x0 * 0.4 - 0.1
    idx = np.array([0, 3, 3, 10])
    h = 1e-6
    fd = np.array([(F.value(x + h * e, idx) - F.value(x - h * e, idx)) / (2 * h)
                   for e in np.eye(F.dim)])
    np.testing.assert_allclose(F.grad(x, idx), fd, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(F.grad(x, idx), F.per_example_grads(x)[idx].mean(axis=0))


def test_value_grid_matches_pointwise_values():
    q = Quadratic.from_condition_number(10.0, rotation=1)
    F = PerturbedSum(q, n_samples=5, noise=2.0)
    X, Y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(0, 2, 3))
    expected = np.array([[q.value([a, b]) for a, b in zip(r1, r2)] for r1, r2 in zip(X, Y)])
    np.testing.assert_allclose(F.value_grid(X, Y), expected)


def test_full_batch_sgd_is_gradient_descent_and_minibatch_sgd_is_not():
    q = Quadratic.from_condition_number(5.0, rotation=0)
    F = PerturbedSum(q, n_samples=20, noise=3.0, seed=1)
    gd = run(gradient_descent(0.3), q, q.x0, 30)
    full = run(sgd(0.3), F, q.x0, 30, batch_size=20, replace=False, seed=0)
    np.testing.assert_allclose(full.params, gd.params, atol=1e-12)
    mini = run(sgd(0.3), F, q.x0, 30, batch_size=2, replace=True, seed=0)
    assert np.max(np.abs(mini.params - gd.params)) > 1e-3


def test_zero_noise_gives_identical_terms():
    F = PerturbedSum(TiltedDoubleWell(), n_samples=4, noise=0.0)
    np.testing.assert_array_equal(F.z, 0.0)
    np.testing.assert_array_equal(F.per_example_grads([1.0]), np.full((4, 1), F.grad([1.0])))


def test_seed_reproducible_and_different():
    a = PerturbedSum(TiltedDoubleWell(), 10, 1.0, seed=0).z
    np.testing.assert_array_equal(a, PerturbedSum(TiltedDoubleWell(), 10, 1.0, seed=0).z)
    assert not np.array_equal(a, PerturbedSum(TiltedDoubleWell(), 10, 1.0, seed=1).z)


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(problem=object()), TypeError, "problem"),
    (dict(n_samples=1), ValueError, "n_samples"),
    (dict(noise=-1.0), ValueError, "noise"),
    (dict(seed=-3), ValueError, "seed"),
])
def test_bad_arguments_are_named(kwargs, exc, word):
    kw = dict(problem=TiltedDoubleWell(), n_samples=10, noise=1.0, seed=0) | kwargs
    with pytest.raises(exc, match=word):
        PerturbedSum(**kw)


@pytest.mark.parametrize("idx, exc", [
    (np.array([0.5]), TypeError),
    (np.array([], dtype=int), ValueError),
    (np.array([10]), ValueError),
    (np.array([-1]), ValueError),
])
def test_bad_indices_are_rejected(idx, exc):
    F = PerturbedSum(TiltedDoubleWell(), n_samples=10, noise=1.0)
    with pytest.raises(exc, match="idx"):
        F.grad([0.0], idx)
