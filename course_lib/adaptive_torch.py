"""The torch side of :func:`course_lib.adaptive.updates_from_gradients` and of
:func:`course_lib.loop.run` (imports torch).

Chapters 04 and 05 check the zoo's recipes against ``torch.optim`` by feeding both the
same fixed gradient sequence, or by running both on the same course problem; this
module is the torch half of those comparisons.
"""
from __future__ import annotations

import numpy as np
import torch

from ._validation import check_array, check_int
from .adaptive import _gradients_and_start

__all__ = ["torch_updates_from_gradients", "torch_trajectory"]


def _check_optimizer_class(optimizer_class, owner):
    if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, torch.optim.Optimizer)):
        raise TypeError(f"The 'optimizer_class' parameter of {owner} must be a "
                        f"torch.optim.Optimizer subclass (e.g. torch.optim.Adam). "
                        f"Got {optimizer_class!r} instead.")


def torch_updates_from_gradients(optimizer_class, grads, x0=None, **hyper):
    """The updates ``u_1, ..., u_T`` of a ``torch.optim.Optimizer`` for a fixed gradient
    sequence, in float64.

    For ``t = 1..T``: ``p.grad = g_t``, ``opt.step()``, ``u_t = x_t - x_{t-1}``, with one
    float64 parameter vector ``p`` starting at ``x0`` (zeros by default). The same
    protocol as :func:`course_lib.adaptive.updates_from_gradients`, so the two results
    can be compared entry by entry.

    Parameters
    ----------
    optimizer_class : a ``torch.optim.Optimizer`` subclass, e.g. ``torch.optim.Adam``
    grads : array-like, shape (T, d)  the gradient of step ``t`` in row ``t - 1``
    x0 : array-like, shape (d,), optional
    **hyper : passed to the constructor (``lr=1e-3, betas=(0.9, 0.999)``, ...)

    Returns
    -------
    updates : ndarray, shape (T, d)

    Examples
    --------
    >>> import torch
    >>> u = torch_updates_from_gradients(torch.optim.SGD, [[2.0, -0.5]], lr=0.1)
    >>> np.round(u, 6)           # SGD: u = -lr g
    array([[-0.2 ,  0.05]])

    References
    ----------
    ``torch.optim.Optimizer.step`` (PyTorch 2.13 documentation).
    """
    owner = "torch_updates_from_gradients"
    _check_optimizer_class(optimizer_class, owner)
    g, x = _gradients_and_start(grads, x0, owner)
    p = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    opt = optimizer_class([p], **hyper)
    out = []
    for row in g:
        before = p.detach().clone()
        p.grad = torch.tensor(row, dtype=torch.float64)
        opt.step()
        out.append((p.detach() - before).numpy())
    return np.array(out).reshape(g.shape)


def torch_trajectory(optimizer_class, problem, x0, steps, **hyper):
    """The iterates of a ``torch.optim.Optimizer`` on a course problem, in float64.

    For ``t = 1..steps``: ``p.grad = problem.grad(x_{t-1})`` (full gradient),
    ``opt.step()``. The torch counterpart of ``course_lib.loop.run(...).params``, so a
    torch optimizer and a ``course_lib`` recipe can be compared on the same problem.

    Parameters
    ----------
    optimizer_class : a ``torch.optim.Optimizer`` subclass, e.g. ``torch.optim.SGD``
    problem : object with ``grad(x) -> ndarray`` (``course_lib.problems``)
    x0 : array-like, shape (d,)
    steps : int >= 0
    **hyper : passed to the constructor

    Returns
    -------
    params : ndarray, shape (steps + 1, d)  ``x_0, ..., x_steps``

    Examples
    --------
    >>> import torch
    >>> from course_lib.problems import Quadratic
    >>> q = Quadratic(np.diag([1.0, 4.0]))
    >>> torch_trajectory(torch.optim.SGD, q, [1.0, 1.0], 2, lr=0.1)[-1]   # (1 - 0.1 a)^2
    array([0.81, 0.36])

    References
    ----------
    ``torch.optim.Optimizer.step`` (PyTorch 2.13 documentation).
    """
    owner = "torch_trajectory"
    _check_optimizer_class(optimizer_class, owner)
    if not callable(getattr(problem, "grad", None)):
        raise TypeError(f"The 'problem' parameter of {owner} must have a grad(x) method "
                        f"(a course_lib.problems problem). Got {type(problem).__name__} instead.")
    x = check_array(x0, "x0", owner, ndim=1)
    steps = check_int(steps, "steps", owner, low=0)
    p = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    opt = optimizer_class([p], **hyper)
    out = [x.copy()]
    for _ in range(steps):
        p.grad = torch.as_tensor(np.asarray(problem.grad(p.detach().numpy()), dtype=float))
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)
