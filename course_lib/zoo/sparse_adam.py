"""SparseAdam exactly as ``torch.optim.SparseAdam`` (2.13) computes it.

A *sparse* gradient lists only some entries (for ``nn.Embedding(sparse=True)``: the rows
that were looked up). SparseAdam updates the moments and the parameter at those entries
only; every other entry of ``exp_avg``, ``exp_avg_sq`` and of the parameter keeps its
value, so an absent row's moments do not decay (plain Adam would decay them and move
the row). The bias corrections use the parameter's step counter, which counts every
step (as torch's does).

In torch the gradient is a sparse COO tensor (``p.grad.is_sparse``); in numpy it is a
:class:`SparseGradient`. Duplicate indices are summed first (torch's ``coalesce``): the
update is non-linear, so each entry must appear once.
"""
from __future__ import annotations

import math

import array_api_compat
import numpy as np

from .. import transforms as tx
from ..transforms import Rule, Slot, from_rule
from .._validation import check_scalar
from ._ops import Fresh
from ._spec import HParam, OptimizerSpec, betas, flag, real

__all__ = ["SparseGradient", "scale_by_sparse_adam"]


class SparseGradient:
    """A sparse gradient for the numpy recipes, in torch's COO layout.

    Parameters
    ----------
    indices : int array, shape (sparse_dims, nnz)
        Entry ``k`` is at ``param[indices[0, k], ..., indices[sparse_dims - 1, k]]``
        (for an embedding, ``sparse_dims = 1``: the row).
    values : array, shape (nnz, *shape[sparse_dims:])
    shape : tuple, the parameter's shape

    Duplicate index columns are summed (``coalesce``), as torch's ``Tensor.coalesce``
    does; the columns end up sorted.

    Examples
    --------
    >>> g = SparseGradient([[3, 1, 3]], np.ones((3, 2)), shape=(5, 2))
    >>> g.indices, g.values
    (array([[1, 3]]), array([[1., 1.],
           [2., 2.]]))
    """

    def __init__(self, indices, values, shape):
        idx = np.asarray(indices, dtype=np.int64)
        vals = np.asarray(values)
        if not np.issubdtype(vals.dtype, np.floating):
            vals = vals.astype(np.float64)
        shape = tuple(int(s) for s in shape)
        if idx.ndim != 2 or idx.shape[1] != vals.shape[0] or idx.shape[0] > len(shape) or \
                vals.shape[1:] != shape[idx.shape[0]:]:
            raise ValueError(
                f"SparseGradient: indices of shape {idx.shape} (sparse_dims, nnz) and "
                f"values of shape {vals.shape} (nnz, *shape[sparse_dims:]) do not fit a "
                f"parameter of shape {shape}.")
        if idx.size and ((idx < 0).any() or (idx >= np.array(shape[:idx.shape[0]])[:, None]).any()):
            raise ValueError(f"SparseGradient: an index is outside the shape {shape}.")
        uniq, inverse = np.unique(idx, axis=1, return_inverse=True)
        summed = np.zeros((uniq.shape[1],) + vals.shape[1:], dtype=vals.dtype)
        np.add.at(summed, inverse.ravel(), vals)
        self.indices, self.values, self.shape = uniq, summed, shape

    @classmethod
    def from_dense_rows(cls, dense, rows):
        """The rows ``rows`` of the dense gradient ``dense`` (an embedding's gradient)."""
        dense = np.asarray(dense)
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        return cls(rows[None, :], dense[rows], dense.shape)

    def __array_namespace__(self, api_version=None):
        return array_api_compat.array_namespace(self.values)

    def __mul__(self, factor):
        out = object.__new__(SparseGradient)
        out.indices, out.values, out.shape = self.indices, self.values * factor, self.shape
        return out

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def to_dense(self):
        """The dense array (zeros where no entry is listed)."""
        out = np.zeros(self.shape, dtype=self.values.dtype)
        out[tuple(self.indices)] = self.values
        return out

    def __repr__(self):
        return (f"SparseGradient(nnz={self.indices.shape[1]}, shape={self.shape}, "
                f"sparse_dims={self.indices.shape[0]})")


def _entries(g):
    """``(index tuple, values)`` of a coalesced sparse gradient, torch's or ours."""
    if isinstance(g, SparseGradient):
        return tuple(g.indices), g.values
    if getattr(g, "is_sparse", False):              # a torch sparse COO tensor
        g = g.coalesce()
        return tuple(g.indices()), g.values()
    raise RuntimeError(
        "SparseAdam needs sparse gradients (torch: a sparse COO tensor, as "
        "nn.Embedding(sparse=True) gives; numpy: a SparseGradient); got a dense "
        f"{type(g).__name__}. For dense gradients use Adam.")


def _at_entries(g, idx, values, p):
    """The update: ``values`` at the gradient's entries, 0 elsewhere. Sparse like torch's
    gradient (so that a step costs the listed entries only); dense for numpy."""
    xp = array_api_compat.array_namespace(values)
    if not isinstance(g, SparseGradient):
        # the indices are those of a coalesced tensor: valid and unique
        return xp.sparse_coo_tensor(xp.stack(idx), values, tuple(p.shape),
                                    check_invariants=False, is_coalesced=True)
    u = xp.zeros_like(p)
    u[idx] = values
    return u


class _SparseAdam(Rule):
    # torch keeps ``step`` as a Python int here (not a tensor): so do we
    slots = (Slot("step", init=None, tensor=False), Slot("exp_avg"), Slot("exp_avg_sq"))

    def __init__(self, b1, b2, eps):
        self.b1, self.b2, self.eps = b1, b2, eps

    def apply(self, ops, grads, state, params):
        xp, b1, b2 = ops.xp, self.b1, self.b2
        out = Fresh()
        for i, (g, p) in enumerate(zip(grads, params)):
            t = state["step"][i] = (0 if state["step"][i] is None else int(state["step"][i])) + 1
            idx, vals = _entries(g)
            if vals.shape[0] == 0:
                out.append(xp.zeros_like(p))
                continue
            m, v = state["exp_avg"][i], state["exp_avg_sq"][i]
            m_old, v_old = m[idx], v[idx]
            m_new = m_old + (vals - m_old) * (1 - b1)       # the listed entries only
            v_new = v_old + (vals * vals - v_old) * (1 - b2)
            m[idx], v[idx] = m_new, v_new
            c = math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            out.append(_at_entries(g, idx, c * (m_new / (xp.sqrt(v_new) + self.eps)), p))
        return out


def scale_by_sparse_adam(b1=0.9, b2=0.999, eps=1e-8):
    """Adam's direction at the entries a sparse gradient lists; zero elsewhere.

    ::

        t <- t + 1                                    (every step)
        at the listed entries i only:
            m_i <- b1 m_i + (1 - b1) g_i     v_i <- b2 v_i + (1 - b2) g_i^2
            u_i = sqrt(1 - b2^t) / (1 - b1^t) * m_i / (sqrt(v_i) + eps)
        u_j = 0, m_j and v_j unchanged at the other entries

    State (torch's names): ``step`` (a Python int), ``exp_avg``, ``exp_avg_sq``.

    References
    ----------
    torch.optim.SparseAdam (torch/optim/_functional.py, ``sparse_adam``).
    """
    owner = "scale_by_sparse_adam"
    b1 = check_scalar(b1, "b1", owner, low=0.0, high=1.0, closed="left")
    b2 = check_scalar(b2, "b2", owner, low=0.0, high=1.0, closed="left")
    eps = check_scalar(eps, "eps", owner, low=0.0, closed="neither")
    return from_rule(_SparseAdam(b1, b2, eps))


TRANSFORMS = (scale_by_sparse_adam,)


def build(hp):
    """The recipe: ``[negate] -> scale_by_sparse_adam -> scale_by_learning_rate``."""
    parts = [tx.negate()] if hp["maximize"] else []
    parts += [scale_by_sparse_adam(*hp["betas"], hp["eps"]),
              tx.scale_by_learning_rate(hp["lr"])]
    return parts


def _example(torch):
    if torch:
        return """
>>> import torch
>>> from course_lib.torch_optim import SparseAdam
>>> emb = torch.nn.Embedding(4, 2, sparse=True)
>>> opt = SparseAdam(emb.parameters(), lr=0.1)
>>> before = emb.weight.detach().clone()
>>> emb(torch.tensor([0, 2])).sum().backward()       # a sparse gradient: rows 0 and 2
>>> opt.step()
>>> (emb.weight.detach() != before).all(dim=1).tolist()
[True, False, True, False]
"""
    return """
>>> import numpy as np
>>> from course_lib.optimizers import sparse_adam
>>> from course_lib.zoo.sparse_adam import SparseGradient
>>> opt = sparse_adam(lr=0.1)
>>> x = np.zeros((3, 2)); state = opt.init(x)
>>> g = SparseGradient([[1]], [[1.0, -1.0]], shape=(3, 2))      # row 1 only
>>> u, state = opt.update(g, state, x)
>>> bool(np.all(u[[0, 2]] == 0)), bool(np.all(u[1] != 0))
(True, True)
"""


def _check_param(p, owner):
    if getattr(p, "is_sparse", False) or getattr(p, "is_complex", lambda: False)():
        raise ValueError(
            f"The 'params' parameter of {owner} must hold dense real tensors (SparseAdam "
            f"needs dense parameters with sparse gradients). Got a "
            f"{'sparse' if p.is_sparse else 'complex'} tensor of shape {tuple(p.shape)}.")


SPEC = OptimizerSpec(
    name="sparse_adam",
    class_name="SparseAdam",
    torch_counterpart="torch.optim.SparseAdam",
    summary="SparseAdam: Adam on the entries a sparse gradient lists, exactly as "
            "``torch.optim.SparseAdam`` computes it.",
    hparams=(
        HParam("lr", 1e-3, "lr", low=0.0, closed="neither", doc="learning rate (> 0, as "
               "torch requires here)"),
        betas(),
        real("eps", 1e-8, closed="neither", doc="added to the denominator"),
        flag("maximize", doc="ascend instead of descend"),
    ),
    build=build,
    sparse=True,
    sparse_only=True,
    check_param=_check_param,
    example=_example,
    formula="""
g <- -g                                           if maximize
t <- t + 1                                        (every step)
at the entries i the sparse gradient lists (duplicates summed):
    m_i <- b1 m_i + (1 - b1) g_i        v_i <- b2 v_i + (1 - b2) g_i^2
    x_i <- x_i - lr sqrt(1 - b2^t) / (1 - b1^t) * m_i / (sqrt(v_i) + eps)
every other entry of x, m, v keeps its value
""",
    reference="torch.optim.SparseAdam (torch/optim/sparse_adam.py, "
              "torch/optim/_functional.py); Kingma & Ba (2015) for Adam.",
    notes="Gradients must be sparse (``nn.Embedding(sparse=True)``); a dense one raises "
          "RuntimeError, as in torch. State: ``step`` (a Python int, as torch keeps it), "
          "``exp_avg``, ``exp_avg_sq``.",
)
