"""The registry's problems, written in torch (the oracle computes its gradients with
autograd) and, for the numpy recipes, as ``course_lib.problems`` objects."""
from __future__ import annotations

import numpy as np
import torch

from course_lib import problems as P

PROBLEMS = ("quadratic", "rosenbrock", "mlp")


def _quadratic_problem():
    return P.Quadratic.from_condition_number(20.0, dim=5, L=2.0, rotation=1,
                                             x_star=np.arange(5.0))


def numpy_problem(name):
    """(problem object with value/grad, x0) for the flat problems."""
    if name == "quadratic":
        return _quadratic_problem(), np.zeros(5)
    if name == "rosenbrock":
        return P.Rosenbrock(), np.array([-1.2, 1.0])
    raise KeyError(name)


def make(name, dtype=torch.float64):
    """``(params, loss_fn)``: fresh leaf tensors and ``loss_fn(params) -> scalar``."""
    if name == "quadratic":
        q = _quadratic_problem()
        A = torch.tensor(np.array(q.A), dtype=dtype)
        b = torch.tensor(np.array(q.b), dtype=dtype)
        x = torch.zeros(5, dtype=dtype, requires_grad=True)
        return [x], lambda ps: 0.5 * ps[0] @ A @ ps[0] - b @ ps[0]
    if name == "rosenbrock":
        x = torch.tensor([-1.2, 1.0], dtype=dtype, requires_grad=True)

        def rosen(ps):
            v = ps[0]
            return 100.0 * (v[1] - v[0] ** 2) ** 2 + (1.0 - v[0]) ** 2
        return [x], rosen
    if name == "mlp":
        gen = torch.Generator().manual_seed(2)
        X = torch.randn(32, 4, generator=gen, dtype=torch.float64).to(dtype)
        y = torch.sin(X.sum(dim=1, keepdim=True))
        gen = torch.Generator().manual_seed(3)
        ps = [torch.randn(8, 4, generator=gen, dtype=torch.float64) * 0.5,
              torch.randn(8, generator=gen, dtype=torch.float64) * 0.1,
              torch.randn(1, 8, generator=gen, dtype=torch.float64) * 0.5,
              torch.randn(1, generator=gen, dtype=torch.float64) * 0.1]
        ps = [p.to(dtype).requires_grad_(True) for p in ps]
        F = torch.nn.functional

        def mlp(ps):
            w1, b1, w2, b2 = ps
            return F.mse_loss(F.linear(torch.tanh(F.linear(X, w1, b1)), w2, b2), y)
        return ps, mlp
    raise KeyError(name)


def groups(name, params, hp):
    """The parameter groups: the MLP has two (the second layer with half the lr and,
    where the optimizer has weight decay, twice the decay)."""
    if name != "mlp":
        return params
    second = {"params": params[2:], "lr": hp["lr"] * 0.5}
    if hp.get("weight_decay"):
        second["weight_decay"] = 2 * hp["weight_decay"]
    return [{"params": params[:2]}, second]
