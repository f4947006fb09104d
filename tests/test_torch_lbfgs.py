"""course_lib's LBFGS against torch.optim.LBFGS: same iterates to relative 1e-10 in
float64, with and without the strong-Wolfe line search, small and large history.

The problem is convex (L2-regularised logistic regression, a linear model): on a
non-convex network, torch's own L-BFGS amplifies a 1e-15 change of the start to 1e-2
within 6 steps of 20 iterations (measured), so no reimplementation can agree there to
1e-10 beyond the first iterations; a test below checks that on the first step.
"""
import numpy as np
import pytest
import torch

from course_lib.torch_optim import LBFGS


def _model(seed=0, hidden=None):
    torch.manual_seed(seed)
    if hidden:
        net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.Tanh(),
                                  torch.nn.Linear(hidden, 1))
    else:
        net = torch.nn.Linear(3, 1)
    return net.double()


def _data(seed=1):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(40, 3, generator=g, dtype=torch.float64)
    y = (X @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64)
         + torch.randn(40, 1, generator=g, dtype=torch.float64) > 0).double()
    return X, y


def _loss(net, X, y):
    l2 = sum((p ** 2).sum() for p in net.parameters())
    return torch.nn.functional.binary_cross_entropy_with_logits(net(X), y) + 1e-2 * l2


def _run(opt_cls, steps, hidden=None, **kw):
    net = _model(hidden=hidden)
    X, y = _data()
    opt = opt_cls(net.parameters(), **kw)
    traj, losses = [], []

    def closure():
        opt.zero_grad()
        loss = _loss(net, X, y)
        loss.backward()
        return loss
    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
        traj.append(torch.cat([p.detach().reshape(-1) for p in net.parameters()]).numpy().copy())
    return np.array(traj), np.array(losses)


@pytest.mark.parametrize("kw", [
    dict(line_search_fn=None, lr=0.5),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=3, max_iter=7),
    dict(line_search_fn=None, lr=0.2, history_size=2, max_iter=5),
])
def test_lbfgs_reproduces_torch(kw):
    ours, l_ours = _run(LBFGS, 4, **kw)
    ref, l_ref = _run(torch.optim.LBFGS, 4, **kw)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(l_ours, l_ref, rtol=1e-10)
    assert l_ref[-1] < l_ref[0]


@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
def test_lbfgs_reproduces_torch_on_a_small_network_first_step(ls):
    ours, _ = _run(LBFGS, 1, hidden=4, line_search_fn=ls, lr=0.5 if ls is None else 1.0)
    ref, _ = _run(torch.optim.LBFGS, 1, hidden=4, line_search_fn=ls,
                  lr=0.5 if ls is None else 1.0)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_lbfgs_state_counts_match_torch():
    net1, net2 = _model(), _model()
    X, y = _data()
    o1 = LBFGS(net1.parameters(), line_search_fn="strong_wolfe")
    o2 = torch.optim.LBFGS(net2.parameters(), line_search_fn="strong_wolfe")
    for net, opt in ((net1, o1), (net2, o2)):
        def closure(net=net, opt=opt):
            opt.zero_grad(); loss = _loss(net, X, y); loss.backward(); return loss
        opt.step(closure); opt.step(closure)
    s1 = o1.state[next(net1.parameters())]; s2 = o2.state[next(net2.parameters())]
    assert (s1["func_evals"], s1["n_iter"]) == (s2["func_evals"], s2["n_iter"])


@pytest.mark.parametrize("kw,match", [
    (dict(lr=-1.0), "'lr' parameter of torch_optim.LBFGS"),
    (dict(history_size=0), "'history_size' parameter of torch_optim.LBFGS"),
    (dict(line_search_fn="armijo"), "'line_search_fn' parameter of torch_optim.LBFGS"),
    (dict(max_iter=0), "'max_iter' parameter of torch_optim.LBFGS"),
])
def test_lbfgs_bad_arguments(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        LBFGS([torch.zeros(2, requires_grad=True)], **kw)
