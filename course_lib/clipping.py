"""Gradient clipping, gradient accumulation and dynamic loss scaling.

The clipping functions are written once for gradient *trees* (one array, or a dict /
list / tuple of them, see :mod:`course_lib.tree`) whose leaves are numpy arrays **or**
torch tensors: they return new trees and never modify their input.

* :func:`clip_by_value` -- ``g <- clip(g, -c, c)`` element-wise
  (``torch.nn.utils.clip_grad_value_``); changes the direction of ``g``.
* :func:`clip_by_norm` -- each tensor on its own: ``g_i <- g_i min(1, c / (||g_i|| + 1e-6))``.
* :func:`global_norm` / :func:`clip_by_global_norm` -- all tensors together, with the
  semantics of ``torch.nn.utils.clip_grad_norm_``: the total norm is the ``p``-norm of
  the per-tensor ``p``-norms (``p = inf``: the largest ``|g|``), every tensor is
  multiplied by ``min(1, c / (total + 1e-6))``, the total norm *before* clipping is
  returned, and ``error_if_nonfinite=True`` raises torch's ``RuntimeError`` on a NaN/inf
  total norm. Keeps the direction of the whole update.
* :func:`clip_grad_norm_` -- the same, in place on ``p.grad`` of torch parameters.
* :func:`accumulate_gradients` -- the gradient of a large batch from ``K`` micro-batches:
  ``g = sum_k (n_k / N) g_k`` where ``g_k`` is the *mean* gradient of micro-batch ``k``
  (``n_k`` examples, ``N = sum n_k``); with equal micro-batches, ``(1/K) sum_k g_k``.
* :class:`DynamicLossScaler` -- float16 loss scaling as ``torch.amp.GradScaler``: skip the
  step and multiply the scale by ``backoff_factor`` when a gradient is inf/NaN, multiply
  it by ``growth_factor`` after ``growth_interval`` good steps in a row.

References
----------
R. Pascanu, T. Mikolov and Y. Bengio, On the difficulty of training recurrent neural
networks, ICML 2013 (norm clipping); PyTorch ``torch/nn/utils/clip_grad.py`` and
``torch/amp/grad_scaler.py``; P. Micikevicius et al., Mixed precision training, ICLR 2018.
"""
from __future__ import annotations

import math

import numpy as np

from ._validation import check_callable, check_int, check_scalar
from .tree import tree_leaves, tree_map

__all__ = ["clip_by_value", "clip_by_norm", "global_norm", "clip_by_global_norm",
           "clip_grad_norm_", "clip_by_global_norm_transform", "accumulate_gradients",
           "DynamicLossScaler",
           "NONFINITE_MESSAGE", "EPS"]

#: torch's ``clip_grad_norm_`` adds this to the norm before dividing.
EPS = 1e-6

#: The message of torch's ``RuntimeError`` for a non-finite total norm.
NONFINITE_MESSAGE = (
    "The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
    "so it cannot be clipped. To disable this error and scale the gradients by the "
    "non-finite norm anyway, set `error_if_nonfinite=False`")


def _is_torch(x):
    return type(x).__module__.startswith("torch")


def _leaf(x):
    """A numpy leaf as a float array; a torch tensor as it is."""
    return x if _is_torch(x) else np.asarray(x, dtype=float)


def _leaf_norm(x, p):
    """``||x||_p`` of one leaf, as a Python float."""
    if _is_torch(x):
        import torch
        return float(torch.linalg.vector_norm(x.detach(), p))
    x = np.asarray(x, dtype=float).ravel()
    if x.size == 0:
        return 0.0
    if p == math.inf:
        return float(np.max(np.abs(x)))
    return float(np.sum(np.abs(x) ** p) ** (1.0 / p))


def _combine(norms, p):
    """The ``p``-norm of the vector of per-tensor norms (torch's total norm)."""
    norms = np.asarray(norms, dtype=float)
    if norms.size == 0:
        return 0.0
    if p == math.inf:
        return float(np.max(norms))
    return float(np.sum(norms ** p) ** (1.0 / p))


def _norm_type(norm_type, owner):
    if norm_type in (math.inf, "inf"):
        return math.inf
    return check_scalar(norm_type, "norm_type", owner, low=0.0)


def clip_by_value(grads, clip_value):
    """``g <- min(max(g, -c), c)`` element-wise (``torch.nn.utils.clip_grad_value_``).

    Parameters
    ----------
    grads : tree of numpy arrays or torch tensors
    clip_value : float > 0
    """
    c = check_scalar(clip_value, "clip_value", "clip_by_value", low=0.0)
    return tree_map(lambda g: _leaf(g).clip(-c, c), grads)


def clip_by_norm(grads, max_norm, norm_type=2.0):
    """Per tensor: ``g_i <- g_i * min(1, max_norm / (||g_i||_p + 1e-6))``.

    Equal to calling ``torch.nn.utils.clip_grad_norm_`` on each parameter separately. The
    direction of each tensor is kept, that of the whole update is not.
    """
    owner = "clip_by_norm"
    c = check_scalar(max_norm, "max_norm", owner, low=0.0, closed="left")
    p = _norm_type(norm_type, owner)
    return tree_map(lambda g: _leaf(g) * min(1.0, c / (_leaf_norm(g, p) + EPS)), grads)


def global_norm(grads, norm_type=2.0, error_if_nonfinite=False):
    """Total norm of a gradient tree, as ``torch.nn.utils.get_total_norm``:
    ``(sum_i ||g_i||_p^p)^(1/p)``, or ``max_i max |g_i|`` for ``p = inf``.

    Raises ``RuntimeError`` (torch's message) if it is NaN or inf and
    ``error_if_nonfinite`` is true.
    """
    p = _norm_type(norm_type, "global_norm")
    total = _combine([_leaf_norm(g, p) for g in tree_leaves(grads)], p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(NONFINITE_MESSAGE.format(norm_type=float(p)))
    return total


def clip_by_global_norm(grads, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Clip all tensors together: ``g <- g * min(1, max_norm / (total + 1e-6))``.

    ``torch.nn.utils.clip_grad_norm_`` semantics: ``total`` is :func:`global_norm`
    (before clipping); a NaN/inf total makes the result NaN/inf unless
    ``error_if_nonfinite=True``, which raises torch's ``RuntimeError``.

    Returns
    -------
    (clipped, total_norm) : a new tree and the float total norm before clipping

    Examples
    --------
    >>> g, n = clip_by_global_norm({"w": np.array([3.0, 0.0]), "b": np.array([4.0])}, 1.0)
    >>> round(n, 12), np.round(g["w"], 6)
    (5.0, array([0.6, 0. ]))
    """
    owner = "clip_by_global_norm"
    c = check_scalar(max_norm, "max_norm", owner, low=0.0, closed="left")
    total = global_norm(grads, norm_type, error_if_nonfinite)
    coef = c / (total + EPS)
    coef = coef if math.isnan(coef) else min(coef, 1.0)
    with np.errstate(invalid="ignore"):      # inf * 0 = NaN, as in torch
        return tree_map(lambda g: _leaf(g) * coef, grads), total


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """In place on ``p.grad`` of torch parameters: :func:`clip_by_global_norm`.

    A drop-in for ``torch.nn.utils.clip_grad_norm_``; returns the total norm (a 0-d
    tensor, before clipping). Parameters without a gradient are skipped.
    """
    import torch

    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    params = [p for p in parameters if p.grad is not None]
    if not params:
        return torch.tensor(0.0)
    clipped, total = clip_by_global_norm([p.grad for p in params], max_norm, norm_type,
                                         error_if_nonfinite)
    with torch.no_grad():
        for p, g in zip(params, clipped):
            p.grad.copy_(g)
    return torch.tensor(total, dtype=params[0].grad.dtype)


def clip_by_global_norm_transform(max_norm, norm_type=2.0):
    """:func:`clip_by_global_norm` as a :class:`~course_lib.transforms.GradientTransformation`,
    to put in front of an optimizer: ``chain(clip_by_global_norm_transform(1.0), adam(...))``
    is clipping the gradients before every Adam step (``clip_grad_norm_`` then
    ``optimizer.step()`` in torch). Keeps no state."""
    from .transforms import GradientTransformation

    owner = "clip_by_global_norm_transform"
    check_scalar(max_norm, "max_norm", owner, low=0.0, closed="left")
    _norm_type(norm_type, owner)

    def init(params):
        return ()

    def update(grads, state, params=None):
        return clip_by_global_norm(grads, max_norm, norm_type)[0], state

    return GradientTransformation(init, update)


def accumulate_gradients(grad_fn, params, micro_batches, sizes=None):
    """The large-batch mean gradient from micro-batches: ``sum_k (n_k / N) g_k``.

    Parameters
    ----------
    grad_fn : callable ``grad_fn(params, batch) -> tree``
        The *mean* gradient over one micro-batch (what ``loss.mean().backward()`` gives).
    params : tree
    micro_batches : sequence of batches (e.g. index arrays)
    sizes : sequence of ints, optional
        ``n_k``; default ``len(batch)``. With equal sizes the result is
        ``(1/K) sum_k g_k``; summing the ``g_k`` without dividing by ``K`` gives ``K``
        times the gradient (the common mistake; with torch, ``(loss / K).backward()``
        on each micro-batch avoids it).

    Returns
    -------
    tree : equal to the mean gradient over the union of the micro-batches (up to
        rounding) when the loss is a mean over independent examples. Not with
        BatchNorm, whose statistics depend on the micro-batch.
    """
    owner = "accumulate_gradients"
    check_callable(grad_fn, "grad_fn", owner)
    batches = list(micro_batches)
    if not batches:
        raise ValueError(f"The 'micro_batches' parameter of {owner} must hold at least one "
                         "batch. Got none.")
    if sizes is None:
        sizes = [len(b) for b in batches]
    sizes = [check_int(n, "sizes", owner, low=1) for n in sizes]
    if len(sizes) != len(batches):
        raise ValueError(f"The 'sizes' parameter of {owner} must have one entry per "
                         f"micro-batch ({len(batches)}). Got {len(sizes)}.")
    N = float(sum(sizes))
    total = None
    for b, n in zip(batches, sizes):
        g = tree_map(lambda x, w=n / N: _leaf(x) * w, grad_fn(params, b))
        total = g if total is None else tree_map(lambda a, c: a + c, total, g)
    return total


class DynamicLossScaler:
    """Dynamic loss scaling for float16 training, with ``torch.amp.GradScaler``'s rule.

    ::

        backward on  scale * loss          (the gradients come out scaled)
        unscale:     g = g_scaled / scale; found_inf = any g not finite
        step:        skipped if found_inf
        update:      found_inf -> scale *= backoff_factor, good = 0
                     else good += 1; good == growth_interval -> scale *= growth_factor, good = 0

    Parameters
    ----------
    init_scale : float > 0 (default 2**16)
    growth_factor : float > 1 (default 2)
    backoff_factor : float in (0, 1) (default 0.5)
    growth_interval : int >= 1 (default 2000)

    Attributes
    ----------
    scale : float  the current scale
    good_steps : int  finite steps since the last change (torch's growth tracker)
    """

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000):
        owner = "DynamicLossScaler"
        self.scale = check_scalar(init_scale, "init_scale", owner, low=0.0)
        self.growth_factor = check_scalar(growth_factor, "growth_factor", owner, low=1.0)
        self.backoff_factor = check_scalar(backoff_factor, "backoff_factor", owner,
                                           low=0.0, high=1.0)
        self.growth_interval = check_int(growth_interval, "growth_interval", owner, low=1)
        self.good_steps = 0

    def unscale(self, scaled_grads):
        """``(grads / scale as float64, found_inf)`` for a tree of scaled gradients."""
        grads = tree_map(lambda g: np.asarray(g, dtype=float) / self.scale, scaled_grads)
        found_inf = not all(np.all(np.isfinite(g)) for g in tree_leaves(grads))
        return grads, found_inf

    def update(self, found_inf):
        """Adjust the scale after a step; returns the new scale."""
        if found_inf:
            self.scale *= self.backoff_factor
            self.good_steps = 0
        else:
            self.good_steps += 1
            if self.good_steps == self.growth_interval:
                self.scale *= self.growth_factor
                self.good_steps = 0
        return self.scale
