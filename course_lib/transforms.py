"""Composable gradient transformations, after optax (``optax/_src/base.py``).

A :class:`GradientTransformation` is a pair of pure functions::

    state = init(params)
    updates, state = update(grads, state, params)
    params = apply_updates(params, updates)      # params + updates

Nothing the caller holds is mutated: every call returns new arrays and a new state.
Named optimizers (``course_lib.optimizers``) are chains of these small blocks, so the
place where, for example, weight decay enters the update is visible in the order of
the chain: AdamW is ``chain(scale_by_adam, add_decayed_weights, scale_by_learning_rate)``,
Adam with L2 is ``chain(add_decayed_weights, scale_by_adam, scale_by_learning_rate)``.

Sign convention (as in optax): ``updates`` are what is *added* to the parameters, so
:func:`scale_by_learning_rate` multiplies by ``-lr``.

Params, grads and updates may be one array or a dict / list of arrays
(:mod:`course_lib.tree`), numpy arrays or torch tensors alike.

Written once, for numpy and torch
---------------------------------
Each building block is a :class:`Rule`: its state *slots* under torch.optim's own names
(``momentum_buffer``, ``exp_avg``, ...) and one ``apply(ops, grads, state, params)``
written on lists of arrays with the operations of :mod:`course_lib.zoo._ops` (the array
API standard, or ``torch._foreach_*``). :func:`from_rule` wraps a rule as a pure
GradientTransformation (it copies the state before the rule updates it); the classes of
``course_lib.torch_optim`` run the same ``apply`` in place on the optimizer's own
tensors. The transforms specific to one optimizer (``scale_by_adam``, ...) live beside
its spec in ``course_lib/zoo/<name>.py`` and are importable from here too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import numpy as np

from ._validation import check_scalar
from .tree import tree_leaves, tree_map, tree_unflatten
from .zoo._ops import Deferred, Fresh, as_leaf, ops_for

__all__ = [
    "GradientTransformation",
    "Slot",
    "Rule",
    "from_rule",
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
    "LearningRate",
    "RecipeTransformation",
    "with_weight_decay",
]


class GradientTransformation(NamedTuple):
    """A pair of pure functions ``init(params) -> state`` and
    ``update(grads, state, params) -> (updates, state)``.

    ``rules`` is the tuple of :class:`Rule` objects the transformation is made of, in
    order (what ``course_lib.torch_optim`` runs in place), or ``None`` for a
    transformation given only as functions.
    """

    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], tuple]
    rules: tuple | None = None


# ------------------------------------------------------------------ rules
@dataclass(frozen=True)
class Slot:
    """One entry of an optimizer's per-parameter state.

    name : torch.optim's key in ``optimizer.state[p]`` (``"exp_avg"``, ``"step"``, ...)
    init : initial value; ``None`` means the rule creates it at its first update
        (torch's ``momentum_buffer`` starts as a copy of the first gradient)
    scalar : one number per parameter (a 0-d array, e.g. the step counter) instead of
        an array of the parameter's shape
    shape : optional ``shape(param_shape) -> shape`` for an array of another shape
        (Adafactor's row and column statistics), or ``None`` where a parameter of that
        shape has no such entry (Adafactor: ``variance`` for vectors only); default: the
        parameter's shape
    tensor : False for a plain Python number, as torch keeps SparseAdam's ``step``
        (it takes no tensor memory)
    """

    name: str
    init: float | None = 0.0
    scalar: bool = False
    shape: Callable | None = None
    tensor: bool = True

    def shape_for(self, param_shape):
        """The slot's shape for a parameter of shape ``param_shape`` (None: absent)."""
        if self.scalar:
            return ()
        return tuple(param_shape) if self.shape is None else self.shape(tuple(param_shape))

    def numel(self, param_shape):
        """Numbers this slot holds (in a tensor) for a parameter of shape ``param_shape``."""
        if not self.tensor:
            return 0
        if self.scalar:
            return 1
        shape = self.shape_for(param_shape)
        if shape is None:
            return 0
        shape = tuple(shape)
        n = 1
        for k in shape:
            n *= int(k)
        return n


class Rule:
    """An update rule written once on lists of arrays (see the module docstring).

    Subclasses set ``slots`` (a tuple of :class:`Slot`) and implement
    ``apply(ops, grads, state, params) -> updates`` where ``grads`` and ``params`` are
    lists (one array per parameter), ``state`` maps each slot name to a list, and
    ``ops`` is a :class:`course_lib.zoo._ops.ArrayOps`-like object. ``apply`` may update
    the state lists' arrays in place (and replace entries that are ``None``), must not
    modify ``grads`` unless it is a :class:`~course_lib.zoo._ops.Fresh` list, never
    modifies ``params``, and returns the updates (a Fresh list, or a state list handed
    on unchanged), or a :class:`~course_lib.zoo._ops.Deferred` update (``m / d`` left
    for torch's ``addcdiv_``). A rule receives a Deferred input only if it sets
    ``accepts_deferred = True``; otherwise it is evaluated first.
    """

    slots: tuple = ()
    accepts_deferred = False

    def apply(self, ops, grads, state, params):  # pragma: no cover - interface
        raise NotImplementedError


def _leaf_init(slot, leaf, ops):
    if slot.init is None:
        return None
    if slot.scalar:
        return np.array(float(slot.init))
    if slot.shape is not None:
        shape = slot.shape_for(leaf.shape)
        return None if shape is None else ops.xp.full(tuple(shape), slot.init, dtype=leaf.dtype)
    return ops.xp.full_like(leaf, slot.init)


def _leaves(tree):
    return [as_leaf(x) for x in tree_leaves(tree)]


def _copy_leaf(x, ops):
    return None if x is None else ops.xp.asarray(x, copy=True)


def from_rule(rule):
    """The pure GradientTransformation of a :class:`Rule`.

    ``init(params)`` returns a dict ``{slot name: tree of the params' structure}``;
    ``update`` copies that state, lets the rule update the copy and returns it, so the
    caller's arrays and the old state are never touched.
    """

    def init(params):
        leaves = _leaves(params)
        ops = ops_for(leaves)
        return {s.name: tree_unflatten(params, [_leaf_init(s, x, ops) for x in leaves])
                for s in rule.slots}

    def update(grads, state, params=None):
        if params is not None:
            tree_map(lambda g, p: None, grads, params)       # same structure, or raise
        g = _leaves(grads)
        p = None if params is None else _leaves(params)
        ops = ops_for(g)
        st = {s.name: [_copy_leaf(x, ops) for x in tree_leaves(state[s.name])]
              for s in rule.slots}
        out = ops.evaluate(rule.apply(ops, g, st, p), p)
        held = {id(x) for v in st.values() for x in v}
        out = [ops.xp.asarray(u, copy=True) if id(u) in held or any(u is x for x in g)
               else u for u in out]
        new_state = {name: tree_unflatten(grads, v) for name, v in st.items()}
        return tree_unflatten(grads, out), new_state

    return GradientTransformation(init, update, (rule,))


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
    rules = (None if any(t.rules is None for t in transforms)
             else tuple(r for t in transforms for r in t.rules))
    if rules is not None:
        names = [s.name for r in rules for s in r.slots]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(
                f"chain: the state slots {dup} appear in more than one transformation; "
                "each slot name must belong to one rule."
            )

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(grads, state, params=None):
        new_state = []
        for t, s in zip(transforms, state):
            grads, s = t.update(grads, s, params)
            new_state.append(s)
        return grads, tuple(new_state)

    return GradientTransformation(init, update, rules)


def apply_updates(params, updates):
    """Return ``params + updates`` leaf by leaf (a new tree; inputs untouched).

    Raises ``ValueError`` if the trees or the shapes of matching leaves differ
    (numpy would otherwise broadcast, e.g. ``(d,) + (1, d) -> (1, d)``).
    """

    def add(p, u):
        p, u = as_leaf(p), as_leaf(u)
        if tuple(p.shape) != tuple(u.shape):
            raise ValueError(
                f"apply_updates: a parameter of shape {tuple(p.shape)} got an update of "
                f"shape {tuple(u.shape)}; params and updates must have the same shapes."
            )
        return p + u

    return tree_map(add, params, updates)


# ------------------------------------------------------------------ elementwise blocks
class _Scale(Rule):
    def __init__(self, factor):
        self.factor = factor

    def apply(self, ops, grads, state, params):
        if isinstance(grads, Fresh):
            ops.mul_(grads, self.factor)
            return grads
        return ops.mul(grads, self.factor)


class _Identity(Rule):
    def apply(self, ops, grads, state, params):
        return grads


def identity():
    """The transformation that returns the gradients unchanged."""
    return from_rule(_Identity())


def scale(factor):
    """Multiply the updates by a constant: ``u = factor * g``."""
    return from_rule(_Scale(check_scalar(factor, "factor", "scale")))


def negate():
    """``u = -g``: turns a minimizer into a maximizer (torch's ``maximize=True``)."""
    return scale(-1.0)


class _DecayedWeights(Rule):
    accepts_deferred = True

    def __init__(self, weight_decay):
        self.weight_decay = weight_decay

    def apply(self, ops, grads, state, params):
        if self.weight_decay == 0.0:
            return grads
        if params is None:
            raise ValueError(
                "add_decayed_weights needs the current params: call "
                "update(grads, state, params)."
            )
        if isinstance(grads, Deferred):
            # decoupled decay after a preconditioner: torch multiplies p by (1 - lr wd)
            if grads.decay:
                grads = ops.evaluate(grads, params)
            else:
                return Deferred(grads.terms, grads.den, decay=self.weight_decay)
        if isinstance(grads, Fresh):
            ops.add_(grads, params, alpha=self.weight_decay)
            return grads
        return ops.add(grads, params, alpha=self.weight_decay)


def add_decayed_weights(weight_decay=0.0):
    """``u = g + weight_decay * params``: the gradient of ``f + wd/2 * ||params||^2``.

    Placed before a preconditioner (Adam) it is L2 regularisation; placed after
    it, and before the learning-rate scaling, it is decoupled weight decay
    (AdamW, Loshchilov & Hutter 2019).
    """
    weight_decay = check_scalar(weight_decay, "weight_decay", "add_decayed_weights",
                                low=0.0, closed="left")
    return from_rule(_DecayedWeights(weight_decay))


# ------------------------------------------------------------------ momentum
class _Trace(Rule):
    slots = (Slot("momentum_buffer", init=None),)

    def __init__(self, momentum, dampening, nesterov):
        self.momentum, self.dampening, self.nesterov = momentum, dampening, nesterov

    def apply(self, ops, grads, state, params):
        bufs = state["momentum_buffer"]
        old = [i for i, b in enumerate(bufs) if b is not None]
        if len(old) == len(bufs):
            ops.mul_(bufs, self.momentum)
            ops.add_(bufs, grads, alpha=1.0 - self.dampening)
        else:                                     # b_1 = g_1, as torch.optim.SGD
            if old:
                ob, og = [bufs[i] for i in old], [grads[i] for i in old]
                ops.mul_(ob, self.momentum)
                ops.add_(ob, og, alpha=1.0 - self.dampening)
            for i, b in enumerate(bufs):
                if b is None:
                    bufs[i] = ops.copy([grads[i]])[0]
        if not self.nesterov:
            return bufs
        if isinstance(grads, Fresh):
            ops.add_(grads, bufs, alpha=self.momentum)
            return grads
        return ops.add(grads, bufs, alpha=self.momentum)


def trace(momentum, dampening=0.0, nesterov=False):
    """Momentum buffer in torch.optim.SGD's form.

    ::

        b_1 = g_1                                  (first step)
        b_t = momentum * b_{t-1} + (1 - dampening) * g_t
        u_t = g_t + momentum * b_t   if nesterov else   b_t

    Parameters
    ----------
    momentum : float >= 0
    dampening : float
    nesterov : bool
        Requires ``momentum > 0`` and ``dampening == 0`` (as in torch).

    State: ``{"momentum_buffer": tree}`` (``None`` leaves before the first update).

    References
    ----------
    torch.optim.SGD documentation (algorithm box); Sutskever et al. 2013.
    """
    momentum = check_scalar(momentum, "momentum", "trace", low=0.0, closed="left")
    dampening = check_scalar(dampening, "dampening", "trace")
    if nesterov and (momentum <= 0.0 or dampening != 0.0):
        raise ValueError(
            "The 'nesterov' parameter of trace requires momentum > 0 and dampening == 0. "
            f"Got nesterov=True with momentum={momentum!r} and dampening={dampening!r} "
            "instead.")
    return from_rule(_Trace(momentum, dampening, bool(nesterov)))


# ------------------------------------------------------------------ learning rate
class ScaleByScheduleState(NamedTuple):
    """Step counter of :func:`scale_by_learning_rate` (number of updates done)."""

    count: int


class LearningRate(Rule):
    """The last block of a named optimizer: ``u = -lr_t * g``.

    ``course_lib.torch_optim`` fuses it into the parameter update
    (``p += -lr * u``) with the group's current ``lr``.
    """

    def __init__(self, schedule):
        self.schedule = schedule

    def apply(self, ops, grads, state, params):  # only used outside a recipe's tail
        raise RuntimeError("LearningRate must be the last block of a recipe.")


def _check_lr(learning_rate, name, owner):
    if callable(learning_rate):
        return learning_rate
    return check_scalar(learning_rate, name, owner, low=0.0, closed="left")


def scale_by_learning_rate(learning_rate):
    """``u = -eta_t * g`` where ``eta_t`` is a constant or ``schedule(t)``.

    Parameters
    ----------
    learning_rate : float >= 0 or callable
        A constant step size (0 allowed, as in torch), or a schedule ``t -> eta_t``
        called with the number of updates already done (0 on the first update), as
        optax does.

    References
    ----------
    optax ``scale_by_learning_rate``; torch.optim's ``lr`` argument.
    """
    lr = _check_lr(learning_rate, "learning_rate", "scale_by_learning_rate")
    schedule = lr if callable(lr) else (lambda count: lr)

    def init(params):
        return ScaleByScheduleState(count=0)

    def update(grads, state, params=None):
        eta = float(schedule(state.count))
        g = _leaves(grads)
        updates = ops_for(g).mul(g, -eta)
        return (tree_unflatten(grads, updates),
                ScaleByScheduleState(count=state.count + 1))

    return GradientTransformation(init, update, (LearningRate(schedule),))


def with_weight_decay(core, hp, decoupled=False):
    """The recipe shape most torch optimizers share, as a list of transforms::

        [negate] -> [add_decayed_weights (L2)] -> core -> [add_decayed_weights
        (decoupled)] -> scale_by_learning_rate(hp["lr"])

    ``hp`` holds ``maximize``, ``weight_decay`` and ``lr``; the bracketed blocks appear
    only when they do something (``core=None``: plain SGD).
    """
    wd = hp.get("weight_decay", 0.0)
    parts = [negate()] if hp.get("maximize") else []
    if wd and not decoupled:
        parts.append(add_decayed_weights(wd))
    if core is not None:
        parts.append(core)
    if wd and decoupled:
        parts.append(add_decayed_weights(wd))
    parts.append(scale_by_learning_rate(hp["lr"]))
    return parts


class RecipeTransformation(GradientTransformation):
    """The GradientTransformation of a named optimizer (``course_lib.optimizers.adam``,
    ...): a chain that also answers ``learning_rate(count)`` for logging."""

    def __new__(cls, init, update, rules, learning_rate):
        self = super().__new__(cls, init, update, rules)
        self._lr = learning_rate
        return self

    def learning_rate(self, count):
        """The step size of update number ``count`` (nan without a learning rate)."""
        if self._lr is None:
            return float("nan")
        return current_learning_rate(self._lr, count)


def current_learning_rate(learning_rate, count):
    """The step size :func:`scale_by_learning_rate` uses on update number ``count``."""
    return float(learning_rate(count)) if callable(learning_rate) else float(learning_rate)


def __getattr__(name):
    # transforms that belong to one optimizer live beside its spec (course_lib/zoo/)
    if not name.startswith("_"):
        found = _zoo_transforms().get(name)
        if found is not None:
            return found
    raise AttributeError(f"module 'course_lib.transforms' has no attribute {name!r}")


def _zoo_transforms():
    from . import zoo
    return zoo.transforms()

