"""When the textbook momentum forms coincide with torch.optim.SGD, and when they do not.

torch's SGD keeps ``b <- mu b + g`` and steps ``x <- x - lr_t b``. Each claim below is
checked against torch.optim.SGD itself (the independent oracle), on the registry's
quadratic, over 200 steps in float64, with a closed form where the two differ:

* heavy ball, classical (``v <- mu v - lr g; x <- x + v``): equal to SGD(lr, mu) while lr
  is constant (``v = -lr b``); when lr changes from lr_old to lr_new, the first step
  after the change differs by exactly ``mu (lr_new - lr_old) b``;
* heavy ball, EMA (``m <- beta m + (1 - beta) g; x <- x - lr m``): equal to
  SGD(lr (1 - beta), beta) for every lr schedule (``m = (1 - beta) b``), but not to
  SGD(lr, beta, dampening=beta), whose buffer exceeds ``m_t`` by ``beta^t g_1``;
* Nesterov, look-ahead form: its parameters (the look-ahead points) equal
  SGD(lr, mu, nesterov=True)'s while lr is constant; the first step after a change
  differs by ``mu^2 (lr_new - lr_old) b``.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from course_lib import torch_optim  # noqa: E402

from optim_cases._problems import make  # noqa: E402
from optim_cases._problems import float64_one_thread  # noqa: E402,F401 (autouse)

MU, LR, STEPS, CHANGE = 0.9, 0.1, 200, 60




def _lockstep(ours, theirs, lr_at=lambda t: LR, scale=1.0):
    """Run ``ours(params, lr)`` and ``theirs(params, lr)`` on the quadratic, each at lr
    ``lr_at(t)`` (``theirs`` at ``scale * lr_at(t)``); return both optimizers and their
    iterates, shape (STEPS + 1, 5)."""
    out = []
    for make_opt, s in ((ours, 1.0), (theirs, scale)):
        params, loss_fn = make("quadratic")
        opt = make_opt(params, s * lr_at(0))
        rows = [params[0].detach().clone().numpy()]
        for t in range(STEPS):
            opt.param_groups[0]["lr"] = s * lr_at(t)
            opt.zero_grad()
            loss_fn(params).backward()
            opt.step()
            rows.append(params[0].detach().clone().numpy())
        out += [opt, np.array(rows)]
    return out


def _step_lr(t):
    return LR if t < CHANGE else LR / 4


def _rel(a, b):
    """The largest gap between two runs, relative to how far run ``b`` went."""
    return np.abs(a - b).max() / np.abs(b - b[0]).max()


def _sgd(**kw):
    return lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=MU, **kw)


def test_heavy_ball_equals_sgd_while_lr_is_constant():
    ours, a, sgd, b = _lockstep(lambda ps, lr: torch_optim.HeavyBall(ps, lr=lr, momentum=MU),
                                _sgd())
    assert _rel(a, b) < 1e-10
    p = ours.param_groups[0]["params"][0]
    q = sgd.param_groups[0]["params"][0]
    np.testing.assert_allclose(ours.state[p]["velocity"].numpy(),
                               -LR * sgd.state[q]["momentum_buffer"].numpy(),
                               rtol=1e-9, atol=1e-14)


def test_heavy_ball_differs_from_sgd_once_lr_changes_by_the_closed_form():
    _, a, _, b = _lockstep(lambda ps, lr: torch_optim.HeavyBall(ps, lr=lr, momentum=MU),
                           _sgd(), lr_at=_step_lr)
    assert _rel(a[:CHANGE + 1], b[:CHANGE + 1]) < 1e-10
    assert _rel(a, b) > 1e-3
    # the first step at lr_new: heavy ball - SGD = mu (lr_new - lr_old) b_CHANGE, where
    # SGD's buffer after CHANGE steps at lr_old is b = (x_{CHANGE-1} - x_CHANGE) / lr_old
    b_old = (b[CHANGE - 1] - b[CHANGE]) / LR
    gap = (a[CHANGE + 1] - a[CHANGE]) - (b[CHANGE + 1] - b[CHANGE])
    np.testing.assert_allclose(gap, MU * (LR / 4 - LR) * b_old, rtol=1e-8, atol=1e-13)


@pytest.mark.parametrize("lr_at", [lambda t: LR, _step_lr], ids=["constant", "StepLR"])
def test_ema_form_equals_sgd_with_lr_times_one_minus_beta_for_every_schedule(lr_at):
    _, a, _, b = _lockstep(lambda ps, lr: torch_optim.HeavyBallEMA(ps, lr=lr, momentum=MU),
                           _sgd(), lr_at=lr_at, scale=1 - MU)
    assert _rel(a, b) < 1e-10


def test_ema_form_is_not_sgd_with_dampening_its_buffer_exceeds_by_beta_t_g1():
    # the same gradient sequence for both, so that the buffers can be compared
    gen = torch.Generator().manual_seed(0)
    grads = [torch.randn(5, generator=gen) for _ in range(30)]
    x1, x2 = torch.zeros(5, requires_grad=True), torch.zeros(5, requires_grad=True)
    ours = torch_optim.HeavyBallEMA([x1], lr=LR, momentum=MU)
    damp = torch.optim.SGD([x2], lr=LR, momentum=MU, dampening=MU)
    for t, g in enumerate(grads, start=1):
        x1.grad, x2.grad = g.clone(), g.clone()
        ours.step()
        damp.step()
        excess = damp.state[x2]["momentum_buffer"] - ours.state[x1]["exp_avg"]
        np.testing.assert_allclose(excess.numpy(), (MU ** t * grads[0]).numpy(),
                                   rtol=1e-9, atol=1e-14)
    assert (x1 - x2).abs().max() > 1e-3 * x2.abs().max()


def test_nesterov_lookahead_equals_sgd_nesterov_while_lr_is_constant():
    ours, a, _, b = _lockstep(
        lambda ps, lr: torch_optim.NesterovLookahead(ps, lr=lr, momentum=MU),
        _sgd(nesterov=True))
    assert _rel(a, b) < 1e-10
    # the textbook iterate x = y - mu v is the one that has no look-ahead in it
    p = ours.param_groups[0]["params"][0]
    x = p.detach() - MU * ours.state[p]["velocity"]
    assert not torch.allclose(x, p.detach())


def test_nesterov_lookahead_differs_from_sgd_nesterov_once_lr_changes():
    _, a, _, b = _lockstep(
        lambda ps, lr: torch_optim.NesterovLookahead(ps, lr=lr, momentum=MU),
        _sgd(nesterov=True), lr_at=_step_lr)
    assert _rel(a[:CHANGE + 1], b[:CHANGE + 1]) < 1e-10
    assert _rel(a, b) > 1e-3
    # the first step at lr_new: look-ahead - SGD = mu^2 (lr_new - lr_old) b_CHANGE, with
    # SGD's buffer b_CHANGE read from SGD itself after CHANGE steps
    params, loss_fn = make("quadratic")
    sgd = torch.optim.SGD(params, lr=LR, momentum=MU, nesterov=True)
    for _ in range(CHANGE):
        sgd.zero_grad()
        loss_fn(params).backward()
        sgd.step()
    b_old = sgd.state[params[0]]["momentum_buffer"].numpy()
    gap = (a[CHANGE + 1] - a[CHANGE]) - (b[CHANGE + 1] - b[CHANGE])
    np.testing.assert_allclose(gap, MU ** 2 * (LR / 4 - LR) * b_old, rtol=1e-8, atol=1e-13)
