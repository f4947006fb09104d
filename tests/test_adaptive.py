"""course_lib.adaptive against torch.optim (float64) and closed forms."""
import numpy as np
import pytest

from course_lib.adaptive import ReddiOnline, online_projected_run, updates_from_gradients
from course_lib.optimizers import adam, rmsprop

torch = pytest.importorskip("torch")


def _torch_updates(cls, grads, **kw):
    from course_lib.adaptive_torch import torch_updates_from_gradients
    return torch_updates_from_gradients(cls, grads, **kw)


def test_updates_equal_torch_adam_and_rmsprop():
    g = np.random.default_rng(0).normal(size=(12, 3)) * np.array([1e-3, 1.0, 30.0])
    u, states = updates_from_gradients(adam(lr=0.01, betas=(0.8, 0.95)), g)
    np.testing.assert_allclose(u, _torch_updates(torch.optim.Adam, g, lr=0.01,
                                                 betas=(0.8, 0.95)), rtol=1e-12, atol=0)
    assert len(states) == 12
    u, _ = updates_from_gradients(rmsprop(lr=0.01), g)
    np.testing.assert_allclose(u, _torch_updates(torch.optim.RMSprop, g, lr=0.01),
                               rtol=1e-12, atol=0)


def test_first_adam_step_is_lr_times_sign():
    # closed form: m_hat = g, v_hat = g^2, so u_1 = -lr g / (|g| + eps)
    g = np.array([[3.0, -1e-4, 0.0]])
    u, _ = updates_from_gradients(adam(lr=0.1, eps=1e-8), g)
    np.testing.assert_allclose(u[0], -0.1 * g[0] / (np.abs(g[0]) + 1e-8), rtol=1e-12)


def test_bad_input():
    with pytest.raises(TypeError, match="'opt' parameter of updates_from_gradients"):
        updates_from_gradients("adam", [[1.0]])
    with pytest.raises(ValueError, match="'grads' parameter of updates_from_gradients"):
        updates_from_gradients(adam(lr=0.1), [1.0, 2.0])
    with pytest.raises(ValueError, match="'x0' parameter of updates_from_gradients"):
        updates_from_gradients(adam(lr=0.1), [[1.0, 2.0]], x0=[0.0])
    with pytest.raises(ValueError, match="'C' parameter of ReddiOnline"):
        ReddiOnline(1.5)
    with pytest.raises(TypeError, match="'opt' parameter of online_projected_run"):
        online_projected_run(None, ReddiOnline(), [0.0], 3)


def _torch_projected(amsgrad, C, steps, alpha):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=alpha, betas=(0.0, 1 / (1 + C ** 2)), amsgrad=amsgrad)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / np.sqrt(t + 1))
    xs = []
    for t in range(1, steps + 1):
        p.grad = torch.tensor([C if t % 3 == 1 else -1.0], dtype=torch.float64)
        opt.step()
        sched.step()
        with torch.no_grad():
            p.clamp_(-1.0, 1.0)
        xs.append(p.item())
    return np.array(xs)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_reddi_run_equals_torch_adam_with_projection(amsgrad):
    C, steps, alpha = 3.0, 300, 0.5
    prob = ReddiOnline(C)
    res = online_projected_run(adam(lr=lambda t: alpha / np.sqrt(t + 1),
                                    betas=(0.0, 1 / (1 + C ** 2)), amsgrad=amsgrad),
                               prob, [0.0], steps)
    np.testing.assert_allclose(res.params[1:, 0], _torch_projected(amsgrad, C, steps, alpha),
                               rtol=1e-12, atol=1e-15)
    # Theorem 1: Adam ends near the worst point +1; AMSGrad near the minimiser -1
    assert (res.params[-1, 0] > 0.9) != amsgrad
    assert (res.params[-1, 0] < -0.9) == amsgrad


def test_regret_closed_form():
    prob = ReddiOnline(4.0)
    # one period at x = +1: C - 1 - 1 = 2 against the best fixed point -1: -2 -> regret 4
    assert prob.regret([1.0, 1.0, 1.0]) == pytest.approx(4.0)
    assert prob.regret([-1.0, -1.0, -1.0]) == pytest.approx(0.0)
    assert prob.value([1.0]) == pytest.approx(2 / 3)
    np.testing.assert_array_equal([prob.grad_at(t)[0] for t in (1, 2, 3, 4)],
                                  [4.0, -1.0, -1.0, 4.0])


def test_newton_schulz_singular_values_against_torch_muon_and_the_svd():
    from torch.optim._muon import _zeropower_via_newtonschulz
    from course_lib.adaptive import newton_schulz_singular_values
    g = torch.randn(96, 48, generator=torch.Generator().manual_seed(3))
    u, s, vt = np.linalg.svd(g.double().numpy(), full_matrices=False)
    for coef, steps in (((1.5, -0.5, 0.0), 30), ((3.4445, -4.775, 2.0315), 5)):
        out = _zeropower_via_newtonschulz(g, coef, steps, 1e-7).double().numpy()
        # torch iterates in bfloat16 (8 bits of mantissa): agreement to a few 1e-3
        np.testing.assert_allclose(np.sort(np.linalg.svd(out, compute_uv=False)),
                                   np.sort(newton_schulz_singular_values(s, coef, steps)),
                                   atol=0.02)
    cubic = _zeropower_via_newtonschulz(g, (1.5, -0.5, 0.0), 30, 1e-7).double().numpy()
    assert np.linalg.norm(cubic - u @ vt, 2) < 0.03             # the polar factor U V^T
    assert np.allclose(newton_schulz_singular_values(s, steps=40), 1.0, atol=1e-12)
    with pytest.raises(ValueError, match="'sigma' parameter of newton_schulz_singular_values"):
        newton_schulz_singular_values([0.0, 0.0])
    with pytest.raises(ValueError, match="'coefficients' parameter"):
        newton_schulz_singular_values([1.0], coefficients=(1.0, 2.0))
