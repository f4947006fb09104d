"""Hessian-vector products by double backward (Pearlmutter's trick) in torch.

``H v = grad_x (grad_x f(x) . v)``: one backward pass through the graph of the gradient,
about the cost of two gradient evaluations, without forming ``H``. Imports torch.

References
----------
B. A. Pearlmutter, Fast exact multiplication by the Hessian, *Neural Computation* 6
(1994); ``torch.autograd.grad`` with ``create_graph=True`` (torch documentation).
"""
from __future__ import annotations

import numpy as np
import torch

from .._validation import check_callable

__all__ = ["hvp_autograd", "numpy_hvp"]


def hvp_autograd(f, x, v):
    """``H(x) v`` for a scalar torch function ``f`` by double backward.

    Parameters
    ----------
    f : callable  torch tensor (n,) -> scalar tensor
    x, v : torch tensors of shape (n,)

    Returns
    -------
    torch.Tensor, shape (n,) (detached)

    Examples
    --------
    >>> f = lambda x: (x ** 3).sum()
    >>> hvp_autograd(f, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))
    tensor([ 6., 12.])
    """
    check_callable(f, "f", "hvp_autograd")
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (hv,) = torch.autograd.grad(g, x, grad_outputs=v.to(g.dtype), allow_unused=True)
    return torch.zeros_like(x).detach() if hv is None else hv.detach()


def numpy_hvp(f, x):
    """``v -> H(x) v`` on float64 numpy arrays, for the numpy routines of
    :mod:`course_lib.second_order.curvature` (power iteration, Lanczos, Hutchinson, CG)."""
    xt = torch.as_tensor(np.asarray(x, dtype=float), dtype=torch.float64)

    def hvp(v):
        return hvp_autograd(f, xt, torch.as_tensor(np.asarray(v, dtype=float))).numpy()
    return hvp
