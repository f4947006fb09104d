"""course_lib.stability: recovery policies against clean runs shifted by the steps they
lose (exact in float64 with full gradients), float16 rounding against torch's, and the
loss-scaled run against its own overflow condition computed independently."""
import math

import numpy as np
import pytest
import torch

from course_lib.clipping import DynamicLossScaler
from course_lib.loop import run
from course_lib.optimizers import adam, sgd
from course_lib.problems import LinearRegression, Quadratic
from course_lib.stability import fp16_gradient, guarded_run, loss_scaled_run

P = LinearRegression(n_samples=60, n_features=4, noise=0.3, seed=1)
X0 = np.array([1.0, -2.0, 0.5, 3.0])


def test_no_spike_is_loop_run():
    for opt in (sgd(lr=0.1), adam(lr=0.05)):
        a, b = guarded_run(opt, P, X0, 40, policy="skip"), run(opt, P, X0, 40)
        assert np.allclose(a.params, b.params, rtol=1e-13, atol=1e-15)
        assert a.events == []


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_none_lets_a_nan_through(bad):
    r = guarded_run(adam(lr=0.05), P, X0, 40, spikes={12: bad})
    assert not r.success and r.status == 2 and r.nit == 13
    assert np.all(np.isnan(r.params[-1]))


@pytest.mark.parametrize("opt", [sgd(lr=0.1), adam(lr=0.05)])
def test_skip_is_the_clean_run_one_step_behind(opt):
    clean = run(opt, P, X0, 50)
    r = guarded_run(opt, P, X0, 50, spikes={20: math.nan}, policy="skip")
    assert r.events == [(20, "skip")] and r.success
    assert np.allclose(r.params[21:], clean.params[20:-1], rtol=1e-13, atol=1e-15)


def test_restore_loses_the_steps_since_the_checkpoint():
    clean = run(adam(lr=0.05), P, X0, 60)
    t, k = 23, 10                       # checkpoints after 10, 20 accepted steps
    r = guarded_run(adam(lr=0.05), P, X0, 60, spikes={t: math.inf}, policy="restore",
                    checkpoint_every=k)
    lost = t - (t // k) * k + 1         # steps 20, 21, 22 and the bad one
    assert r.events == [(t, "restore")]
    assert np.allclose(r.params[-1], clean.params[60 - lost], rtol=1e-13, atol=1e-15)


def test_reduce_lr_continues_with_the_smaller_lr():
    clean = run(sgd(lr=0.1), P, X0, 30)
    r = guarded_run(sgd(lr=0.1), P, X0, 30, spikes={10: math.nan}, policy="reduce_lr",
                    lr_factor=0.25)
    after = run(sgd(lr=0.025), P, clean.params[10], 19)
    assert np.allclose(r.params[11:], after.params, rtol=1e-13, atol=1e-15)
    assert np.all(r.lr_scales[:11] == 1.0) and np.all(r.lr_scales[11:] == 0.25)


def test_detection_thresholds():
    # a 1e3 spike: finite, but the loss after the SGD step explodes
    r = guarded_run(sgd(lr=0.1), P, X0, 30, spikes={5: 1e3}, policy="skip",
                    max_loss_ratio=10.0)
    assert r.events == [(5, "skip")]
    g = guarded_run(sgd(lr=0.1), P, X0, 30, spikes={5: 1e3}, policy="skip",
                    max_grad_norm=100.0)
    assert g.events == [(5, "skip")] and g.spiked_grad_norms[5] > 100.0
    n = guarded_run(sgd(lr=0.1), P, X0, 30, spikes={5: 1e3})
    assert n.events == [] and n.losses[6] > 10.0 * n.losses[5]


def test_fp16_gradient_is_torch_rounding():
    rng = np.random.default_rng(0)
    g = 10.0 ** rng.uniform(-11, 0, 500) * rng.choice([-1, 1], 500)
    for s in (1.0, 2.0 ** 10, 2.0 ** 16):
        g16, inf, under = fp16_gradient(g, s)
        ref = torch.tensor(g * s).to(torch.float16).double().numpy() / s
        assert np.array_equal(g16, ref) and not inf
        assert under == np.mean(ref == 0)
    # the float16 range: 2^-24 is the smallest subnormal, 65504 the largest finite
    assert fp16_gradient(np.array([2.0 ** -24, 2.0 ** -26]))[2] == 0.5
    assert fp16_gradient(np.array([65504.0]))[1] is False
    assert fp16_gradient(np.array([1.0]), 2.0 ** 17)[1] is True


def test_loss_scaled_run_skips_exactly_the_overflows():
    q = Quadratic(np.diag(np.logspace(-6, -1, 6)))
    sc = DynamicLossScaler(init_scale=2.0 ** 16, growth_interval=15)
    r = loss_scaled_run(sgd(lr=5.0), q, np.full(6, 3.0), 200, scaler=sc)
    grads = np.array([q.grad(x) for x in r.params[:-1]])
    overflow = np.abs(grads).max(1) * r.scales >= 65520.0       # rounds to inf in binary16
    assert np.array_equal(r.skipped, overflow) and overflow.any()
    for t in np.flatnonzero(r.skipped):
        assert np.array_equal(r.params[t + 1], r.params[t])
        assert r.scales[t + 1] == r.scales[t] / 2
    fixed = loss_scaled_run(sgd(lr=5.0), q, np.full(6, 3.0), 200)
    assert np.all(fixed.scales == 1.0) and not fixed.skipped.any()


def test_bad_input():
    with pytest.raises(ValueError, match="'policy' parameter of guarded_run"):
        guarded_run(sgd(lr=0.1), P, X0, 3, policy="retry")
    with pytest.raises(ValueError, match="'lr_factor' parameter of guarded_run"):
        guarded_run(sgd(lr=0.1), P, X0, 3, lr_factor=0.0)
    with pytest.raises(ValueError, match="'checkpoint_every' parameter of guarded_run"):
        guarded_run(sgd(lr=0.1), P, X0, 3, checkpoint_every=0)
    with pytest.raises(TypeError, match="'opt' parameter of loss_scaled_run"):
        loss_scaled_run("sgd", P, X0, 3)
    with pytest.raises(ValueError, match="'scale' parameter of fp16_gradient"):
        fp16_gradient(np.ones(2), 0.0)


def test_minibatches_are_loop_runs():
    a = guarded_run(sgd(lr=0.05), P, X0, 40, batch_size=8, seed=3, policy="skip")
    b = run(sgd(lr=0.05), P, X0, 40, batch_size=8, seed=3)
    assert np.allclose(a.params, b.params, rtol=1e-13, atol=1e-15)
