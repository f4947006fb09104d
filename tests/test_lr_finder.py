"""course_lib.lr_finder against closed forms: the geometric sweep, the smoothing as a
weighted average, and gradient descent on quadratics whose divergence starts at 2 / L."""
import math

import numpy as np
import pytest

from course_lib import lr_finder as lf


def quadratic_step(L, w0=1.0):
    """GD on f(w) = L w^2 / 2; counts its calls."""
    state = {"w": w0, "calls": 0}

    def step(lr):
        state["calls"] += 1
        loss = 0.5 * L * state["w"] ** 2
        state["w"] -= lr * L * state["w"]
        return loss
    return step, state


def test_sweep_is_geometric():
    for lo, hi, n in [(1e-6, 10.0, 100), (0.01, 0.02, 3), (1e-3, 1e3, 257)]:
        np.testing.assert_allclose(lf.sweep_lrs(lo, hi, n), np.geomspace(lo, hi, n),
                                   rtol=1e-12)
        s = lf.sweep_schedule(lo, hi, n)
        assert s(0) == lo and math.isclose(s(n - 1), hi, rel_tol=1e-12)


def test_smooth_is_a_normalised_weighted_average():
    rng = np.random.default_rng(0)
    L = rng.uniform(1, 3, 50)
    for beta in (0.0, 0.5, 0.98):
        w = [(1 - beta) * beta ** np.arange(k, -1, -1) for k in range(len(L))]
        expected = [wk @ L[:k + 1] / wk.sum() for k, wk in enumerate(w)]
        np.testing.assert_allclose(lf.smooth(L, beta), expected, rtol=1e-12)
    np.testing.assert_allclose(lf.smooth(np.full(30, 2.5), 0.98), 2.5, rtol=1e-12)


def test_quadratic_loss_turns_up_at_two_over_L():
    L = 4.0
    step, state = quadratic_step(L)
    res = lf.lr_range_test(step, 1e-3, 10.0, 200, beta=0.0, diverge_factor=4.0)
    lrs = np.geomspace(1e-3, 10.0, 200)
    first_above = int(np.argmax(lrs > 2 / L))
    # closed form: f_k = f_0 prod_{j<k} (1 - lr_j L)^2, the minimum at the first lr_j > 2/L
    f = 0.5 * L * np.concatenate([[1.0], np.cumprod((1 - lrs * L) ** 2)])
    assert res.min_lr == pytest.approx(lrs[first_above], rel=1e-12)
    assert lrs[first_above - 1] <= 2 / L < res.min_lr
    k_stop = next(k for k in range(1, 200) if f[k] > 4 * f[:k].min())
    assert res.diverged and state["calls"] == k_stop + 1 == len(res.all_lrs)
    assert res.divergence_lr == pytest.approx(lrs[k_stop], rel=1e-12)
    assert len(res.lrs) == k_stop
    np.testing.assert_allclose(res.all_losses, f[:k_stop + 1], rtol=1e-9)


def test_linear_regression_diverges_only_above_two_over_L():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 5)) * np.array([3.0, 1.0, 1.0, 0.5, 0.2])
    y = X @ rng.normal(size=5) + 0.1 * rng.normal(size=200)
    L = np.linalg.eigvalsh(X.T @ X / 200).max()
    w = rng.normal(size=5)

    def step(lr):
        nonlocal w
        r = X @ w - y
        w = w - lr * X.T @ r / 200
        return 0.5 * r @ r / 200
    for rule in lf.RULES:
        w = rng.normal(size=5)
        res = lf.lr_range_test(step, 1e-4, 10.0, 150, rule=rule)
        assert res.diverged and res.divergence_lr > 2 / L
        assert res.suggested_lr < 2 / L
        assert res.rule == rule and res.statement.startswith(lf.RULES[rule])


def test_no_divergence_keeps_the_whole_curve():
    step, state = quadratic_step(1.0)
    res = lf.lr_range_test(step, 1e-4, 0.5, 50, rule="minimum/10")
    assert not res.diverged and math.isnan(res.divergence_lr)
    assert state["calls"] == 50 == len(res.lrs)
    assert res.min_lr == res.lrs[-1]           # GD with lr < 2/L only ever decreases f
    assert res.suggested_lr == pytest.approx(res.min_lr / 10, rel=1e-12)


def test_nan_loss_stops_the_sweep():
    calls = []

    def step(lr):
        calls.append(lr)
        return 1.0 if len(calls) < 6 else math.nan
    res = lf.lr_range_test(step, 1e-3, 1.0, 40)
    assert res.diverged and len(calls) == 6 and len(res.lrs) == 5
    assert res.divergence_lr == pytest.approx(np.geomspace(1e-3, 1.0, 40)[5], rel=1e-12)


def test_immediate_divergence_is_an_error():
    with pytest.raises(ValueError, match="lr_min"):
        lf.analyze([1e-3, 1e-2, 1e-1, 1.0], [1.0, 5.0, 30.0, 100.0], beta=0.0)


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr_min=0.0), "lr_min"), (dict(lr_min=-1.0), "lr_min"),
    (dict(lr_max=1e-7), "lr_max"), (dict(num_steps=2), "num_steps"),
    (dict(num_steps=10.0), "num_steps"), (dict(beta=1.0), "beta"),
    (dict(diverge_factor=1.0), "diverge_factor"), (dict(rule="valley"), "rule")])
def test_bad_arguments_name_the_argument(kwargs, name):
    step, _ = quadratic_step(1.0)
    with pytest.raises((ValueError, TypeError), match=f"'{name}' parameter of lr_range_test"):
        lf.lr_range_test(step, **kwargs)


def test_step_must_be_callable():
    with pytest.raises(TypeError, match="'step' parameter of lr_range_test"):
        lf.lr_range_test(3.0)


def test_analyze_checks_shapes():
    with pytest.raises(ValueError, match="'lrs' and 'losses' parameters of analyze"):
        lf.analyze([1.0, 2.0, 3.0], [1.0, 2.0])


def test_train_range_test_uses_the_sweep_on_digits():
    torch = pytest.importorskip("torch")
    from course_lib import training
    torch.set_num_threads(1)
    data = training.digits()
    res = lf.train_range_test(training.mlp(seed=0),
                              lambda p: torch.optim.SGD(p, lr=123.0, momentum=0.9), data,
                              1e-3, 10.0, 150, batch_size=64, seed=0)
    n = len(res.run.lrs)
    # the rates the optimizer really used are the geometric sweep, not the 123 it was built with
    np.testing.assert_allclose(res.run.lrs, np.geomspace(1e-3, 10.0, 150)[:n], rtol=1e-12)
    assert res.diverged and res.suggested_lr < res.min_lr < res.divergence_lr
    # the loss at the minimum is well below the starting loss (ln 10 = 2.30 for 10 classes)
    assert res.smoothed.min() < 0.5 * res.smoothed[0]
    with pytest.raises(ValueError, match="'lr_max' parameter of train_range_test"):
        lf.train_range_test(training.mlp(), lambda p: torch.optim.SGD(p, lr=0.1), data,
                            1.0, 0.5)
