"""Composable gradient transformations, after optax (``optax/_src/base.py``).

A :class:`GradientTransformation` is a pair of pure functions::

    state = init(params)
    updates, state = update(grads, state, params)
    params = apply_updates(params, updates)      # params + updates

Nothing is mutated: every call returns new arrays and a new state. Named
optimizers (``course_lib.optimizers``) are chains of these small blocks, so the
place where, for example, weight decay enters the update is visible in the
order of the chain.

Sign convention (as in optax): ``updates`` are what is *added* to the
parameters, so :func:`scale_by_learning_rate` multiplies by ``-lr``.

Params, grads and updates may be one ndarray or a dict / list of ndarrays
(see :mod:`course_lib.tree`).
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from ._validation import check_scalar
from .tree import tree_map

__all__ = [
    "GradientTransformation",
    "chain",
    "apply_updates",
    "identity",
    "scale",
    "negate",
    "scale_by_learning_rate",
    "current_learning_rate",
    "add_decayed_weights",
    "trace",
    "ScaleByScheduleState",
    "TraceState",
    "EmptyState",
]


class GradientTransformation(NamedTuple):
    """A pair of pure functions ``init(params) -> state`` and
    ``update(grads, state, params) -> (updates, state)``."""

    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], tuple]


class EmptyState(NamedTuple):
    """State of a transform that keeps none."""


class ScaleByScheduleState(NamedTuple):
    """Step counter of :func:`scale_by_learning_rate` (number of updates done)."""

    count: int


class TraceState(NamedTuple):
    """Momentum buffer of :func:`trace`; ``None`` before the first update."""

    trace: Any


def _as_float_tree(tree):
    return tree_map(lambda x: np.asarray(x, dtype=float), tree)


def chain(*transforms):
    """Compose transformations left to right: the output updates of one are the
    input grads of the next.

    ``chain(add_decayed_weights(wd), scale_by_learning_rate(lr))`` is SGD with
    L2 weight decay: ``updates = -lr * (g + wd * params)``.

    Examples
    --------
    >>> opt = chain(scale(2.0), scale_by_learning_rate(0.1))
    >>> state = opt.init(np.zeros(1))
    >>> opt.update(np.ones(1), state, np.zeros(1))[0]
    array([-0.2])
    """
    for i, t in enumerate(transforms):
        if not isinstance(t, GradientTransformation):
            raise TypeError(
                f"The 'transforms' parameter of chain must hold GradientTransformation "
                f"objects. Got {type(t).__name__} at position {i} instead."
            )

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(grads, state, params=None):
        new_state = []
        for t, s in zip(transforms, state):
            grads, s = t.update(grads, s, params)
            new_state.append(s)
        return grads, tuple(new_state)

    return GradientTransformation(init, update)


def apply_updates(params, updates):
    """Return ``params + updates`` leaf by leaf (a new tree; inputs untouched).

    Raises ``ValueError`` if the trees or the shapes of matching leaves differ
    (numpy would otherwise broadcast, e.g. ``(d,) + (1, d) -> (1, d)``).
    """

    def add(p, u):
        p = np.asarray(p, dtype=float)
        if p.shape != np.shape(u):
            raise ValueError(
                f"apply_updates: a parameter of shape {p.shape} got an update of shape "
                f"{np.shape(u)}; params and updates must have the same shapes."
            )
        return p + u

    return tree_map(add, params, updates)


def identity():
    """The transformation that returns the gradients unchanged."""

    def init(params):
        return EmptyState()

    def update(grads, state, params=None):
        return _as_float_tree(grads), state

    return GradientTransformation(init, update)


def scale(factor):
    """Multiply the updates by a constant: ``u = factor * g``."""
    factor = check_scalar(factor, "factor", "scale")

    def init(params):
        return EmptyState()

    def update(grads, state, params=None):
        return tree_map(lambda g: factor * np.asarray(g, dtype=float), grads), state

    return GradientTransformation(init, update)


def negate():
    """``u = -g``: turns a minimizer into a maximizer (torch's ``maximize=True``)."""
    return scale(-1.0)


def scale_by_learning_rate(learning_rate):
    """``u = -eta_t * g`` where ``eta_t`` is a constant or ``schedule(t)``.

    Parameters
    ----------
    learning_rate : float > 0 or callable
        A constant step size, or a schedule ``t -> eta_t`` called with the
        number of updates already done (0 on the first update), as optax does.

    References
    ----------
    optax ``scale_by_learning_rate``; torch.optim's ``lr`` argument.
    """
    if callable(learning_rate):
        schedule = learning_rate
    else:
        lr = check_scalar(learning_rate, "learning_rate", "scale_by_learning_rate",
                          low=0.0, closed="neither")

        def schedule(count):
            return lr

    def init(params):
        return ScaleByScheduleState(count=0)

    def update(grads, state, params=None):
        eta = float(schedule(state.count))
        updates = tree_map(lambda g: -eta * np.asarray(g, dtype=float), grads)
        return updates, ScaleByScheduleState(count=state.count + 1)

    return GradientTransformation(init, update)


def current_learning_rate(learning_rate, count):
    """The step size :func:`scale_by_learning_rate` uses on update number ``count``."""
    return float(learning_rate(count)) if callable(learning_rate) else float(learning_rate)


def add_decayed_weights(weight_decay=0.0):
    """``u = g + weight_decay * params``: the gradient of ``f + wd/2 * ||params||^2``.

    Placed before a preconditioner (Adam) it is L2 regularisation; placed after
    it, and before the learning-rate scaling, it is decoupled weight decay
    (AdamW, Loshchilov & Hutter 2019).
    """
    weight_decay = check_scalar(weight_decay, "weight_decay", "add_decayed_weights",
                                low=0.0, closed="left")

    def init(params):
        return EmptyState()

    def update(grads, state, params=None):
        if weight_decay == 0.0:
            return _as_float_tree(grads), state
        if params is None:
            raise ValueError(
                "add_decayed_weights needs the current params: call "
                "update(grads, state, params)."
            )
        return tree_map(lambda g, p: np.asarray(g, dtype=float) + weight_decay * p,
                        grads, params), state

    return GradientTransformation(init, update)


def trace(momentum, dampening=0.0, nesterov=False):
    """Momentum buffer in torch.optim.SGD's form.

    ::

        b_1 = g_1                                  (first step)
        b_t = momentum * b_{t-1} + (1 - dampening) * g_t
        u_t = g_t + momentum * b_t   if nesterov else   b_t

    Parameters
    ----------
    momentum : float in [0, 1)
    dampening : float in [0, 1]
    nesterov : bool
        Requires ``momentum > 0`` and ``dampening == 0`` (as in torch).

    References
    ----------
    torch.optim.SGD documentation (algorithm box); Sutskever et al. 2013.
    """
    momentum = check_scalar(momentum, "momentum", "trace", low=0.0, high=1.0,
                            closed="left")
    dampening = check_scalar(dampening, "dampening", "trace", low=0.0, high=1.0,
                             closed="both")
    if nesterov and (momentum <= 0.0 or dampening != 0.0):
        raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening.")

    def init(params):
        return TraceState(trace=None)

    def update(grads, state, params=None):
        grads = _as_float_tree(grads)
        if state.trace is None:
            buf = tree_map(np.copy, grads)
        else:
            buf = tree_map(lambda b, g: momentum * b + (1.0 - dampening) * g,
                           state.trace, grads)
        if nesterov:
            out = tree_map(lambda g, b: g + momentum * b, grads, buf)
        else:
            out = tree_map(np.copy, buf)  # never hand out the state buffer itself
        return out, TraceState(trace=buf)

    return GradientTransformation(init, update)

