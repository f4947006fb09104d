"""Where textbook and torch forms of weight decay coincide, and where they do not.

Oracles: closed forms of the first update, torch.optim's own classes, and the
algorithm boxes of Loshchilov & Hutter (2019, Algorithm 2) written as chains of
course_lib transforms in a different order.
"""
import numpy as np
import pytest

from course_lib import optimizers as O
from course_lib import problems as P
from course_lib import transforms as tx

torch = pytest.importorskip("torch")
from course_lib import torch_optim  # noqa: E402

STEPS = 200


def _run(opt, problem, x0, steps=STEPS):
    x, state, xs = np.array(x0, dtype=float), opt.init(x0), [np.array(x0, dtype=float)]
    for _ in range(steps):
        u, state = opt.update(problem.grad(x), state, x)
        x = tx.apply_updates(x, u)
        xs.append(x)
    return np.array(xs)


@pytest.fixture(scope="module")
def quad():
    return P.Quadratic.from_condition_number(10.0, dim=4, L=2.0, rotation=3,
                                             x_star=np.array([1.0, -2.0, 0.5, 3.0]))


X0 = np.array([0.5, 0.5, -1.0, 1.0])


# ------------------------------------------------------------------ SGD
def test_sgd_l2_is_decoupled_decay_without_momentum(quad):
    # x - lr (g + wd x) = (1 - lr wd) x - lr g: L2 and decoupled decay are one update
    lr, wd = 0.1, 0.3
    l2 = _run(O.sgd(lr, weight_decay=wd), quad, X0)
    decoupled = _run(tx.chain(tx.add_decayed_weights(wd), tx.scale_by_learning_rate(lr)),
                     quad, X0)
    np.testing.assert_allclose(l2, decoupled, rtol=1e-12, atol=1e-14)
    x, g = X0, quad.grad(X0)
    np.testing.assert_allclose(l2[1], (1 - lr * wd) * x - lr * g, rtol=1e-14)


def test_sgd_l2_and_decoupled_decay_differ_with_momentum(quad):
    # with momentum, L2 decay enters the buffer (torch.optim.SGD); decoupled decay
    # (SGDW: trace, then decay, then lr) does not: they agree at step 1 only
    lr, wd, m = 0.1, 0.3, 0.9
    l2 = _run(O.sgd(lr, momentum=m, weight_decay=wd), quad, X0)
    sgdw = _run(tx.chain(tx.trace(m), tx.add_decayed_weights(wd),
                         tx.scale_by_learning_rate(lr)), quad, X0)
    np.testing.assert_allclose(l2[1], sgdw[1], rtol=1e-14)
    assert np.abs(l2[2] - sgdw[2]).max() > 1e-3
    # the difference at step 2 is exactly lr * m * wd * x_0 (the decay in the buffer)
    np.testing.assert_allclose(sgdw[2] - l2[2], lr * m * wd * X0, rtol=1e-10)


# ------------------------------------------------------------------ Adam and AdamW
def test_adam_with_decoupled_flag_is_adamw_bit_for_bit():
    torch.manual_seed(0)
    w0 = torch.randn(6, 3, dtype=torch.float64)
    X = torch.randn(20, 6, dtype=torch.float64)
    runs = []
    for cls, kw in ((torch_optim.Adam, dict(decoupled_weight_decay=True)),
                    (torch_optim.AdamW, {}), (torch.optim.AdamW, {})):
        w = w0.clone().requires_grad_(True)
        opt = cls([w], lr=0.01, weight_decay=0.1, **kw)
        for _ in range(STEPS):
            opt.zero_grad()
            (torch.tanh(X @ w) ** 2).sum().backward()
            opt.step()
        runs.append(w.detach().clone())
    assert torch.equal(runs[0], runs[1])
    torch.testing.assert_close(runs[1], runs[2], rtol=1e-12, atol=0)


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_adam_l2_and_adamw_coincide_only_without_decay(quad, wd):
    lr, eps = 0.01, 1e-8
    l2 = _run(O.adam(lr, eps=eps, weight_decay=wd), quad, X0)
    w = _run(O.adamw(lr, eps=eps, weight_decay=wd), quad, X0)
    # first step in closed form: m_hat / sqrt(v_hat) = g / |g| coordinate-wise
    g = quad.grad(X0)
    g_l2 = g + wd * X0
    np.testing.assert_allclose(l2[1], X0 - lr * g_l2 / (np.abs(g_l2) + eps), rtol=1e-12)
    np.testing.assert_allclose(w[1], X0 - lr * (g / (np.abs(g) + eps) + wd * X0), rtol=1e-12)
    if wd == 0.0:
        np.testing.assert_array_equal(l2, w)
    else:
        assert np.abs(l2[1] - w[1]).max() > 1e-4
        assert np.abs(l2[-1] - w[-1]).max() > 1e-3


def test_l2_adam_decays_large_gradient_weights_less(quad):
    # the reason for AdamW: with L2, the decay wd * x is divided by sqrt(v) like the
    # gradient, so coordinates with large gradients are decayed less. On f = 0 the
    # two forms differ most: L2 Adam moves every coordinate by ~lr (sign of x), AdamW
    # by lr * (sign(x) + wd x) ... and with a zero gradient AdamW is pure decay.
    zero = P.Quadratic(np.zeros((4, 4)), np.zeros(4))
    lr, wd = 0.01, 0.5
    l2 = _run(O.adam(lr, weight_decay=wd), zero, X0, steps=1)
    w = _run(O.adamw(lr, weight_decay=wd), zero, X0, steps=1)
    np.testing.assert_allclose(l2[1], X0 - lr * np.sign(X0), rtol=1e-6)
    np.testing.assert_allclose(w[1], (1 - lr * wd) * X0, rtol=1e-12)


@pytest.mark.parametrize("rescale, equal", [(True, True), (False, False)])
def test_torch_adamw_is_the_papers_with_decay_times_lr(quad, rescale, equal):
    # Loshchilov & Hutter, Algorithm 2 (schedule multiplier 1):
    #     x <- x - (alpha * m_hat / (sqrt(v_hat) + eps) + lambda * x)
    # torch.optim.AdamW: x <- x - lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * x)
    # they coincide exactly when lambda = lr * weight_decay
    alpha, lam = 0.01, 0.002
    paper = tx.chain(O.adam(1.0, eps=1e-8), tx.scale(-alpha),
                     tx.add_decayed_weights(lam), tx.scale(-1.0))
    ours = O.adamw(alpha, weight_decay=lam / alpha if rescale else lam)
    a, b = _run(paper, quad, X0), _run(ours, quad, X0)
    if equal:
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    else:
        assert np.abs(a[-1] - b[-1]).max() > 1e-3
