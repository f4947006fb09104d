"""``torch.optim.Optimizer`` classes that run ``course_lib``'s numpy update rules.

The update rule of every optimizer here is written once, in
:mod:`course_lib.transforms` / :mod:`course_lib.optimizers`. The classes below
only adapt it to torch's interface: for each parameter that has a gradient,
``step()`` converts the parameter and its gradient to float64 numpy arrays,
calls the :class:`~course_lib.transforms.GradientTransformation`'s
``update(grads, state, params)`` with that parameter's own state, and writes
``params + updates`` back into the tensor in place. So a notebook can swap
``torch.optim.SGD`` for :class:`SGD` and get the same numbers, and a test that
compares the two checks the course's math against torch's.

What is kept from ``torch.optim`` (see ``torch/optim/sgd.py``): the constructor
arguments and their defaults, ``defaults`` and ``param_groups`` (so per-group
hyper-parameters and LR schedulers work), lazily created ``self.state[p]``,
``step(closure)``, and skipping parameters whose ``.grad`` is ``None``.

Hyper-parameters are read from the parameter group at every ``step()``: a
scheduler that changes ``param_group['lr']`` (``StepLR``, ``OneCycleLR``, ...)
changes the next update. ``lr`` reaches the course_lib optimizer as a schedule
``count -> float(group['lr'])``, so ``lr = 0`` (which torch allows) works too.

Adding an optimizer takes a few lines: subclass :class:`TransformOptimizer`
with a factory ``factory(**hyper_parameters) -> GradientTransformation`` (for
example ``course_lib.optimizers.adamw``), as :class:`SGD` does with
:func:`course_lib.optimizers.sgd`.

Limitations: dense gradients only; the computation runs on the CPU in float64
(parameters on another device or in float32 are converted each step); the
optimizer state holds numpy arrays, so ``optimizer.state_dict()`` round-trips
in memory (``load_state_dict``) but ``torch.load(..., weights_only=True)`` will
refuse a saved one.

This is the only ``course_lib`` module that imports torch.
"""
from __future__ import annotations

import numpy as np
import torch

from . import optimizers as _optimizers
from . import transforms as _tx
from ._validation import check_callable, check_scalar

__all__ = ["TransformOptimizer", "SGD"]


class _TransformState:
    """Opaque holder of one parameter's course_lib optimizer state.

    ``torch.optim.Optimizer.load_state_dict`` rebuilds every iterable it finds in
    the state with ``type(value)(generator)``, which breaks NamedTuples and numpy
    arrays; wrapped in this non-iterable object the state is passed through as is.
    Sharing it is safe because course_lib states are never mutated (``update``
    returns a new state).
    """

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"_TransformState({self.value!r})"


def _to_numpy(tensor):
    """A float64 numpy *copy* of ``tensor`` (never a view of torch's memory)."""
    return np.array(tensor.detach().to(device="cpu", dtype=torch.float64).numpy(),
                    copy=True)


def _structure(state):
    """Nesting and types of a state tree, leaves (arrays, numbers, None) erased.

    Two states with the same structure can be passed to the same ``update``.
    """
    if isinstance(state, dict):
        return ("dict", tuple((k, _structure(state[k])) for k in sorted(state)))
    if isinstance(state, (list, tuple)):
        return (type(state).__name__, tuple(_structure(s) for s in state))
    return "leaf"


class TransformOptimizer(torch.optim.Optimizer):
    """A ``torch.optim.Optimizer`` whose update is a course_lib GradientTransformation.

    At each ``step()``, for each parameter group, the transformation is built
    from the group's current hyper-parameters, ``factory(**hparams)``, with
    ``hparams['lr']`` replaced by the schedule ``count -> float(group['lr'])``.
    For each parameter ``p`` of the group with ``p.grad`` set::

        x, g = float64 numpy copies of p and p.grad
        updates, state = transform.update(g, state_p, x)    # state_p = init(x) at first
        p <- x + updates                                     (written in place)

    Parameters
    ----------
    params : iterable of tensors or of dicts (parameter groups), as in torch.optim
    defaults : dict
        Default hyper-parameters; its keys are the keyword arguments of ``factory``
        (after :meth:`_transform_kwargs`). Must contain ``'lr'``.
    factory : callable
        ``factory(**hparams) -> GradientTransformation``, for example
        :func:`course_lib.optimizers.sgd`; it must accept a callable ``lr``.

    Notes
    -----
    Subclasses override :meth:`_check_hparams` (validate one group's
    hyper-parameters, with messages naming the argument) and, if torch's names
    differ from the factory's, :meth:`_transform_kwargs`.

    Changing a hyper-parameter other than ``lr`` between steps is allowed when
    the optimizer state keeps its shape (e.g. the momentum value, as
    ``OneCycleLR`` does); a change that needs a different state (momentum from 0
    to 0.9) raises ``RuntimeError``.

    References
    ----------
    torch/optim/optimizer.py and torch/optim/sgd.py (structure of an Optimizer);
    optax's GradientTransformation (Babuschkin et al., 2020).
    """

    def __init__(self, params, defaults, factory):
        owner = type(self).__name__
        self._factory = check_callable(factory, "factory", owner)
        if not isinstance(defaults, dict) or "lr" not in defaults:
            raise ValueError(
                f"The 'defaults' parameter of {owner} must be a dict with an 'lr' "
                f"entry. Got {defaults!r} instead."
            )
        self._check_hparams(dict(defaults))
        # torch may add entries to ``defaults`` (``__setstate__`` adds
        # 'differentiable'); the factory only ever sees these names.
        self._hparam_names = tuple(defaults)
        super().__init__(params, defaults)

    # -- hooks for subclasses -------------------------------------------------
    def _check_hparams(self, hparams):
        """Validate one group's hyper-parameters; raise ValueError/TypeError naming
        the argument. The base class checks ``lr >= 0``."""
        check_scalar(hparams["lr"], "lr", type(self).__name__, low=0.0, closed="left")

    def _transform_kwargs(self, hparams):
        """Map torch-style hyper-parameters to the factory's keyword arguments."""
        return dict(hparams)

    # -- torch.optim.Optimizer interface ---------------------------------------
    def add_param_group(self, param_group):
        """Add a parameter group (as torch does) after validating its hyper-parameters.

        Values missing from the group are taken from ``defaults``; the merged
        values are checked before the group is added.
        """
        if isinstance(param_group, dict):
            merged = {k: param_group.get(k, self.defaults[k]) for k in self._hparam_names}
            self._check_hparams(merged)
        super().add_param_group(param_group)

    def __getstate__(self):
        # torch's Optimizer pickles only defaults, state and param_groups
        state = super().__getstate__()
        state["_factory"] = self._factory
        state["_hparam_names"] = self._hparam_names
        return state

    def _hparams(self, group):
        return {k: group[k] for k in self._hparam_names}

    def _build(self, group):
        hparams = self._hparams(group)
        self._check_hparams(hparams)
        kwargs = self._transform_kwargs(hparams)
        kwargs["lr"] = lambda count, _group=group: float(_group["lr"])
        transform = self._factory(**kwargs)
        if not isinstance(transform, _tx.GradientTransformation):
            raise TypeError(
                f"The 'factory' of {type(self).__name__} must return a "
                f"GradientTransformation. Got {type(transform).__name__} instead."
            )
        others = {k: v for k, v in hparams.items() if k != "lr"}
        return transform, others

    @torch.no_grad()
    def step(self, closure=None):
        """Perform one optimization step; ``closure`` re-evaluates the loss (as in torch).

        Returns the closure's loss, or ``None`` without a closure.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            transform, others = self._build(group)
            for p in params:
                if p.grad.is_sparse:
                    raise RuntimeError(
                        f"{type(self).__name__} does not support sparse gradients."
                    )
                x = _to_numpy(p)
                g = _to_numpy(p.grad)
                state = self.state[p]
                if not state:                     # lazy state, as torch.optim does
                    state["step"] = 0
                    state["transform_state"] = _TransformState(transform.init(x))
                    state["hparams"] = others
                elif state["hparams"] != others:
                    self._check_same_structure(transform, x, state, others)
                updates, new_state = transform.update(
                    g, state["transform_state"].value, x)
                new_x = _tx.apply_updates(x, updates)
                p.copy_(torch.as_tensor(new_x).to(device=p.device, dtype=p.dtype))
                state["transform_state"] = _TransformState(new_state)
                state["step"] += 1
        return loss

    def _check_same_structure(self, transform, x, state, others):
        old = _structure(state["transform_state"].value)
        new = _structure(transform.init(x))
        if old != new:
            changed = sorted(k for k in others if others[k] != state["hparams"].get(k))
            raise RuntimeError(
                f"{type(self).__name__}: changing {changed} from "
                f"{ {k: state['hparams'].get(k) for k in changed} } to "
                f"{ {k: others[k] for k in changed} } between steps changes the "
                "optimizer state's form; create a new optimizer instead."
            )
        state["hparams"] = others


class SGD(TransformOptimizer):
    """Stochastic gradient descent with ``torch.optim.SGD``'s arguments, computed by
    :func:`course_lib.optimizers.sgd`.

    ::

        g <- -g                         if maximize
        g <- g + weight_decay * x
        b <- g (first step);  b <- momentum * b + (1 - dampening) * g
        g <- g + momentum * b  if nesterov  else  b        (when momentum > 0)
        x <- x - lr * g

    Parameters
    ----------
    params : iterable of tensors or parameter-group dicts
    lr : float >= 0, default 1e-3
    momentum : float in [0, 1), default 0
    dampening : float in [0, 1], default 0
    weight_decay : float >= 0, default 0
    nesterov : bool, default False  (needs momentum > 0 and dampening == 0)
    maximize : bool, default False  (keyword only)

    Differences from torch: ``momentum >= 1`` and ``dampening`` outside [0, 1]
    are rejected (torch accepts them); ``lr`` must be a float, not a tensor; no
    ``foreach``/``fused``/``differentiable`` options.

    Examples
    --------
    >>> w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    >>> opt = SGD([w], lr=0.1)
    >>> (w ** 2).sum().backward(); opt.step()
    >>> w.detach().numpy()
    array([0.8])

    References
    ----------
    torch.optim.SGD; Robbins & Monro (1951); Sutskever et al. (2013) for Nesterov.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults, factory=_optimizers.sgd)

    def _check_hparams(self, hparams):
        super()._check_hparams(hparams)
        owner = type(self).__name__
        momentum = check_scalar(hparams["momentum"], "momentum", owner,
                                low=0.0, high=1.0, closed="left")
        dampening = check_scalar(hparams["dampening"], "dampening", owner,
                                 low=0.0, high=1.0, closed="both")
        check_scalar(hparams["weight_decay"], "weight_decay", owner,
                     low=0.0, closed="left")
        for name in ("nesterov", "maximize"):
            if not isinstance(hparams[name], (bool, np.bool_)):
                raise TypeError(
                    f"The {name!r} parameter of {owner} must be a bool. "
                    f"Got {hparams[name]!r} of type {type(hparams[name]).__name__} instead."
                )
        if hparams["nesterov"] and (momentum <= 0.0 or dampening != 0.0):
            raise ValueError(
                f"The 'nesterov' parameter of {owner} requires momentum > 0 and "
                f"dampening == 0. Got nesterov=True with momentum={momentum!r} and "
                f"dampening={dampening!r} instead."
            )

    def _transform_kwargs(self, hparams):
        kwargs = dict(hparams)
        kwargs["nesterov"] = bool(kwargs["nesterov"])
        kwargs["maximize"] = bool(kwargs["maximize"])
        return kwargs
