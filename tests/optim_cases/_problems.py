"""The registry's problems, written in torch (the oracle computes its gradients with
autograd) and, for the numpy recipes, as ``course_lib.problems`` objects."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import problems as P


@pytest.fixture(autouse=True)
def float64_one_thread():
    """Autouse where imported: float64 by default (torch's scalar state then float64, as
    the numpy recipes keep it) and one thread (small ops run faster; no 2-core fights)."""
    n, dtype = torch.get_num_threads(), torch.get_default_dtype()
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_num_threads(n)
    torch.set_default_dtype(dtype)


PROBLEMS = ("quadratic", "rosenbrock", "mlp", "matrix", "mlp_matrices", "embedding")
#: the problems that also exist as numpy problems (for the recipes)
NUMPY_PROBLEMS = ("quadratic", "rosenbrock", "matrix", "embedding")


class MatrixLeastSquares:
    """``f(W) = 1/2 ||A W - B||_F^2`` on a 6 x 4 matrix ``W`` (for Muon: 2-D only)."""

    def __init__(self):
        rng = np.random.default_rng(4)
        self.A = rng.standard_normal((8, 6)) / np.sqrt(8)
        self.B = rng.standard_normal((8, 4))
        self.x0 = rng.standard_normal((6, 4)) * 0.5

    def value(self, W):
        return 0.5 * float(np.sum((self.A @ W - self.B) ** 2))

    def grad(self, W):
        return self.A.T @ (self.A @ W - self.B)


class EmbeddingLookups:
    """Sparse gradients: an 8 x 3 table ``E``; step ``k`` looks up the rows ``idx_k`` (a
    cycle of 6 batches of 4 rows from 0..5, with repeats; rows 6 and 7 never) with
    ``f_k(E) = 1/2 sum_j c_j ||E[idx_k[j]] - T[idx_k[j]]||^2``. ``grad`` (numpy) is a
    ``SparseGradient``; the torch loss uses ``F.embedding(..., sparse=True)``."""

    def __init__(self):
        rng = np.random.default_rng(5)
        self.T = rng.standard_normal((8, 3))
        self.x0 = rng.standard_normal((8, 3))
        self.batches = [rng.integers(0, 6, size=4) for _ in range(6)]
        self.c = np.array([1.0, 0.5, 2.0, 1.5])
        self.k = 0

    def next_batch(self):
        idx = self.batches[self.k % len(self.batches)]
        self.k += 1
        return idx

    def grad(self, E):
        from course_lib.zoo.sparse_adam import SparseGradient
        idx = self.next_batch()
        return SparseGradient(idx[None, :], (E[idx] - self.T[idx]) * self.c[:, None], E.shape)


def _quadratic_problem():
    return P.Quadratic.from_condition_number(20.0, dim=5, L=2.0, rotation=1,
                                             x_star=np.arange(5.0))


def numpy_problem(name):
    """(problem object with value/grad, x0) for the flat problems."""
    if name == "quadratic":
        return _quadratic_problem(), np.zeros(5)
    if name == "rosenbrock":
        return P.Rosenbrock(), np.array([-1.2, 1.0])
    if name == "matrix":
        prob = MatrixLeastSquares()
        return prob, prob.x0.copy()
    if name == "embedding":
        prob = EmbeddingLookups()
        return prob, prob.x0.copy()
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
    if name == "mlp_matrices":
        # the same MLP with its biases held fixed: only the two weight matrices learn
        ps, mlp = make("mlp", dtype)
        b1, b2 = ps[1].detach(), ps[3].detach()
        return [ps[0], ps[2]], lambda ws: mlp([ws[0], b1, ws[1], b2])
    if name == "matrix":
        prob = MatrixLeastSquares()
        A, B = (torch.tensor(m, dtype=dtype) for m in (prob.A, prob.B))
        W = torch.tensor(prob.x0, dtype=dtype, requires_grad=True)
        return [W], lambda ps: 0.5 * ((A @ ps[0] - B) ** 2).sum()
    if name == "embedding":
        prob = EmbeddingLookups()
        T = torch.tensor(prob.T, dtype=dtype)
        c = torch.tensor(prob.c, dtype=dtype)[:, None]
        E = torch.tensor(prob.x0, dtype=dtype, requires_grad=True)

        def lookups(ps):
            idx = torch.as_tensor(prob.next_batch())
            rows = torch.nn.functional.embedding(idx, ps[0], sparse=True)
            return 0.5 * (c * (rows - T[idx]) ** 2).sum()
        return [E], lookups
    raise KeyError(name)


def groups(name, params, hp):
    """The parameter groups: the MLP has two (the second layer with half the lr and,
    where the optimizer has weight decay, twice the decay)."""
    if name not in ("mlp", "mlp_matrices"):
        return params
    split = 2 if name == "mlp" else 1
    second = {"params": params[split:], "lr": hp["lr"] * 0.5}
    if hp.get("weight_decay"):
        second["weight_decay"] = 2 * hp["weight_decay"]
    return [{"params": params[:split]}, second]
