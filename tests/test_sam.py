"""course_lib.sam.SAM against a closed form on a quadratic, a two-step hand computation
with torch autograd, torch.optim.SGD (rho = 0), and one step inside training.train."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from course_lib.sam import SAM
from course_lib.training import digits, mlp, train

A = np.array([[3.0, 1.0], [1.0, 2.0]])


def _quadratic_sam(w, lr, rho, steps):
    # closed form: grad = A w, e = rho A w / ||A w||, w <- w - lr A (w + e)
    for _ in range(steps):
        g = A @ w
        w = w - lr * A @ (w + rho * g / np.linalg.norm(g))
    return w


def _run_torch(opt_factory, w0, steps):
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    At = torch.as_tensor(A)
    opt = opt_factory([w])

    def closure():
        opt.zero_grad()
        loss = 0.5 * w @ At @ w
        loss.backward()
        return loss
    for _ in range(steps):
        closure()                      # as the training loop does: g at w first
        opt.step(closure)
    return w.detach().numpy()


def test_sam_on_a_quadratic_matches_the_closed_form():
    w0 = np.array([1.0, -2.0])
    got = _run_torch(lambda p: SAM(p, lr=0.1, rho=0.3), w0, 5)
    assert np.allclose(got, _quadratic_sam(w0, 0.1, 0.3, 5), rtol=1e-13)


def test_rho_zero_is_the_base_optimizer():
    w0 = np.array([1.0, -2.0])
    got = _run_torch(lambda p: SAM(p, lr=0.1, momentum=0.9, rho=0.0), w0, 6)
    ref = _run_torch(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), w0, 6)
    assert np.allclose(got, ref, rtol=1e-14)


def test_sam_with_momentum_two_steps_by_hand():
    """Two steps of SAM(SGD, momentum 0.5) on a small net, recomputed with
    torch.autograd.grad on copies of the weights (the global norm over both tensors)."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(20, 3, generator=g, dtype=torch.float64)
    y = torch.randint(0, 2, (20,), generator=g)
    W = torch.randn(2, 3, generator=g, dtype=torch.float64)
    b = torch.randn(2, generator=g, dtype=torch.float64)

    def loss_of(W_, b_):
        return F.cross_entropy(X @ W_.T + b_, y)
    lr, mom, rho = 0.2, 0.5, 0.1
    # by hand
    w, c = W.clone(), b.clone()
    buf = None
    for _ in range(2):
        w_, c_ = w.clone().requires_grad_(True), c.clone().requires_grad_(True)
        gw, gc = torch.autograd.grad(loss_of(w_, c_), (w_, c_))
        norm = torch.sqrt((gw ** 2).sum() + (gc ** 2).sum())
        p_w, p_c = (w + rho * gw / norm).requires_grad_(True), (c + rho * gc / norm).requires_grad_(True)
        hw, hc = torch.autograd.grad(loss_of(p_w, p_c), (p_w, p_c))
        buf = (hw, hc) if buf is None else (mom * buf[0] + hw, mom * buf[1] + hc)
        w, c = w - lr * buf[0], c - lr * buf[1]
    # the optimizer
    Wp, bp = W.clone().requires_grad_(True), b.clone().requires_grad_(True)
    opt = SAM([Wp, bp], lr=lr, momentum=mom, rho=rho)

    def closure():
        opt.zero_grad()
        loss = loss_of(Wp, bp)
        loss.backward()
        return loss
    for _ in range(2):
        opt.step(closure)              # no gradient yet: SAM calls the closure first
        opt.zero_grad()
    assert torch.allclose(Wp.detach(), w, rtol=1e-13) and torch.allclose(bp.detach(), c, rtol=1e-13)


def test_sam_in_the_training_loop_takes_the_hand_computed_step():
    d = digits(dtype=torch.float64)
    model = mlp((5,), seed=0, dtype=torch.float64)
    ref = mlp((5,), seed=0, dtype=torch.float64)
    res = train(model, lambda p: SAM(p, lr=0.3, rho=0.05), d, steps=1, batch_size=64,
                seed=3, closure=True, progress=False)
    idx = torch.randperm(len(d.y_train), generator=torch.Generator().manual_seed(3))[:64]
    params = list(ref.parameters())
    loss = F.cross_entropy(ref(d.X_train[idx]), d.y_train[idx])
    grads = torch.autograd.grad(loss, params)
    norm = torch.sqrt(sum((gr ** 2).sum() for gr in grads))
    with torch.no_grad():
        for p, gr in zip(params, grads):
            p.add_(0.05 * gr / norm)
    loss2 = F.cross_entropy(ref(d.X_train[idx]), d.y_train[idx])
    grads2 = torch.autograd.grad(loss2, params)
    with torch.no_grad():
        new = [p - 0.05 * gr / norm - 0.3 * g2 for p, gr, g2 in zip(params, grads, grads2)]
    flat = torch.cat([t.reshape(-1) for t in new]).numpy()
    assert np.allclose(res.params[-1], flat, rtol=1e-12, atol=1e-14)
    assert res.nfev == 3                         # g at w, g at w + e, the final loss


def test_sam_errors():
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="'rho' parameter of SAM"):
        SAM([w], lr=0.1, rho=-1.0)
    with pytest.raises(TypeError, match="'base' parameter of SAM"):
        SAM([w], base="sgd", lr=0.1)
    with pytest.raises(RuntimeError, match="closure=True"):
        SAM([w], lr=0.1).step()


def test_the_graders_closed_form_is_what_sam_computes():
    """ex10_sam_step grades against the closed form (no torch in the grader): it must be
    the step SAM takes, here on Rosenbrock's gradient."""
    from course_lib.grading.checks.ex10_sam_step import reference
    from course_lib.grading.specs import FunctionSpec
    from course_lib.problems import Rosenbrock
    spec = FunctionSpec("Rosenbrock", "grad")
    w0, lr, rho = np.array([-1.2, 1.0]), 1e-3, 0.05
    w = torch.tensor(w0, requires_grad=True)
    opt = SAM([w], lr=lr, rho=rho)

    def closure():
        w.grad = torch.as_tensor(Rosenbrock().grad(w.detach().numpy().copy()))
        return torch.zeros(())
    opt.step(closure)
    assert np.allclose(reference(spec, w0, lr, rho), w.detach().numpy(), rtol=1e-13)
