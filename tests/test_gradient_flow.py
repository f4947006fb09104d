"""course_lib.gradient_flow against torch autograd (float64) and the closed forms of a
scaled orthogonal linear chain."""
import numpy as np
import pytest
import torch

from course_lib.gradient_flow import (backprop_chain, layer_gradient_norms, random_chain,
                                      rnn_gradients)

ACT = {"linear": lambda z: z, "tanh": torch.tanh, "relu": torch.relu}


def _torch_chain(Ws, h0, c, act, drives=None):
    Wt = [torch.tensor(W, requires_grad=True) for W in Ws]
    hs = [torch.tensor(h0, requires_grad=True)]
    for i, W in enumerate(Wt):
        z = W @ hs[-1] + (0 if drives is None else torch.tensor(drives[i]))
        h = ACT[act](z)
        h.retain_grad()
        hs.append(h)
    loss = torch.tensor(c) @ hs[-1]
    loss.backward()
    return loss.item(), [h.grad.numpy() for h in hs], [W.grad.numpy() for W in Wt]


@pytest.mark.parametrize("act", ["linear", "tanh", "relu"])
def test_chain_equals_torch_autograd(act):
    rng = np.random.default_rng(1)
    Ws = [rng.standard_normal((5, 4)), rng.standard_normal((3, 5)), rng.standard_normal((3, 3))]
    h0, c = rng.standard_normal(4), rng.standard_normal(3)
    drives = [rng.standard_normal(5), rng.standard_normal(3), rng.standard_normal(3)]
    for d in (None, drives):
        g = backprop_chain(Ws, h0, c, act, drives=d)
        loss, gh, gW = _torch_chain(Ws, h0, c, act, d)
        assert np.isclose(g.loss, loss, rtol=1e-12)
        for a, b in zip(g.grad_h, gh):
            assert np.allclose(a, b, rtol=1e-12, atol=1e-14)
        for a, b in zip(g.grad_W, gW):
            assert np.allclose(a, b, rtol=1e-12, atol=1e-14)


def test_chain_finite_differences():
    rng = np.random.default_rng(2)
    Ws = random_chain(4, 3, 1.3, seed=2)
    h0, c = rng.standard_normal(3), rng.standard_normal(3)
    g = backprop_chain(Ws, h0, c, "tanh")
    eps = 1e-6
    for l in range(4):
        E = np.zeros((3, 3))
        E[1, 2] = eps
        up = [W + E * (i == l) for i, W in enumerate(Ws)]
        dn = [W - E * (i == l) for i, W in enumerate(Ws)]
        f = lambda Ws: backprop_chain(Ws, h0, c, "tanh").loss  # noqa: E731
        fd = (f(up) - f(dn)) / (2 * eps)
        assert np.isclose(fd, g.grad_W[l][1, 2], rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("s", [0.5, 1.0, 1.7])
def test_orthogonal_linear_chain_closed_form(s):
    L = 12
    gW, gh = layer_gradient_norms(L, 8, s, "linear", seed=3, orthogonal=True)
    l = np.arange(1, L + 1)
    assert np.allclose(gh, s ** (L - l + 1), rtol=1e-10)      # ||dL/dh_{l-1}|| = s^(L-l+1)
    assert np.allclose(gW, s ** (L - 1), rtol=1e-10)          # unit h0 and c


def test_gaussian_chain_grows_like_scale_to_depth():
    # E ||W^T v||^2 = s^2 ||v||^2 for W = s G / sqrt(n): the log-norm's slope is log s on
    # average; with width 200 the per-layer fluctuation is about 1/sqrt(200)
    for s in (0.7, 1.4):
        _, gh = layer_gradient_norms(30, 200, s, "linear", seed=4)
        slope = np.polyfit(np.arange(30), np.log(gh[::-1]), 1)[0]
        assert abs(slope - np.log(s)) < 0.03


def test_rnn_equals_torch_bptt():
    rng = np.random.default_rng(5)
    n, m, T = 4, 2, 9
    W, U = rng.standard_normal((n, n)) * 0.8, rng.standard_normal((n, m))
    xs, c = rng.standard_normal((T, m)), rng.standard_normal(n)
    r = rnn_gradients(W, U, xs, c, "tanh")
    Wt, Ut = torch.tensor(W, requires_grad=True), torch.tensor(U, requires_grad=True)
    h = torch.zeros(n, dtype=torch.float64)
    hs = [h]
    for x in torch.tensor(xs):
        h = torch.tanh(Wt @ h + Ut @ x)
        h.retain_grad()
        hs.append(h)
    (torch.tensor(c) @ h).backward()
    assert np.allclose(r.grad_W, Wt.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert np.allclose(r.grad_U, Ut.grad.numpy(), rtol=1e-12, atol=1e-14)
    for t in range(1, T + 1):
        assert np.allclose(r.grad_h[t], hs[t].grad.numpy(), rtol=1e-12, atol=1e-14)


def test_linear_rnn_closed_form():
    Q = random_chain(1, 6, 1.0, seed=6, orthogonal=True)[0]
    T = 20
    for s in (0.8, 1.25):
        r = rnn_gradients(s * Q, np.ones((6, 1)), np.ones((T, 1)), np.eye(6)[0], "linear")
        norms = np.linalg.norm(r.grad_h, axis=1)
        assert np.allclose(norms, s ** (T - np.arange(T + 1)), rtol=1e-10)


def test_bad_input():
    with pytest.raises(ValueError, match="'activation' parameter of backprop_chain"):
        backprop_chain([np.eye(2)], np.ones(2), np.ones(2), "sigmoid")
    with pytest.raises(ValueError, match="'weights' parameter of backprop_chain"):
        backprop_chain([np.eye(2), np.ones((2, 3))], np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="'c' parameter of backprop_chain"):
        backprop_chain([np.eye(2)], np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="'scale' parameter of random_chain"):
        random_chain(3, 2, -1.0)
    with pytest.raises(ValueError, match="rnn_gradients"):
        rnn_gradients(np.eye(2), np.ones((3, 1)), np.ones((4, 1)), np.ones(2))
