"""The few list-of-arrays operations the optimizers' update rules are written in.

An update rule (``Rule.apply`` in :mod:`course_lib.transforms`) works on *lists* of
arrays, one entry per parameter, like torch.optim's ``_multi_tensor_*`` functions, and
through an ``ops`` object only. Two implementations of ``ops`` exist:

* :class:`ArrayOps` (here): a loop over the arrays with the operators of the Python
  array API standard (``x *= a``, ``x += a * y``, ``xp.sqrt``, ``xp.maximum``, where
  ``xp = array_api_compat.array_namespace(x)``). It runs numpy arrays in the notebooks
  and torch tensors on their own device and dtype (``torch_optim``'s ``foreach=False``
  path), with no conversion between the two.
* ``course_lib.torch_optim.ForeachOps``: the same methods with ``torch._foreach_*``
  kernels (one call for all parameters of a device and dtype), the ``foreach=True`` path.

So every rule is written once. Names ending in ``_`` update their first argument in
place; the others return a new :class:`Fresh` list. A *scalar* may be one number for
all arrays or a list with one number per array (per-parameter bias corrections).
"""
from __future__ import annotations

import array_api_compat
import numpy as np

__all__ = ["Fresh", "Deferred", "ArrayOps", "ops_for", "as_leaf"]


class Fresh(list):
    """A list of arrays that no caller and no optimizer state holds.

    A rule may update a ``Fresh`` input in place instead of allocating a new list
    (``add_decayed_weights`` after Adam does); a plain ``list`` (a caller's gradients,
    or a state buffer handed on) must be left alone.
    """


class Deferred:
    """An update left unevaluated, so that the torch class can finish it with torch's
    own last kernels (and so get torch's bits)::

        u = sum_k (mult_k * num_k / den) / div_k  +  decay * params

    ``course_lib.torch_optim`` applies it as ``p *= 1 - lr * decay`` (decoupled weight
    decay, as torch) and then, per term, ``p.addcdiv_(num_k, den, value=(-lr * mult_k) /
    div_k)`` (``p.add_(num_k, alpha=...)`` without ``den``). Everywhere else
    :meth:`ArrayOps.evaluate` turns it into arrays. ``mult`` and ``div`` are numbers or
    per-array lists; ``den`` may be None.
    """

    __slots__ = ("terms", "den", "decay")

    def __init__(self, terms, den=None, decay=0.0):
        self.terms, self.den, self.decay = list(terms), den, decay


def _each(s, n):
    return s if isinstance(s, (list, tuple)) else [s] * n


def as_leaf(x):
    """``x`` as an array-API array: torch tensors and other array-API arrays unchanged,
    anything else as a numpy array (float64 unless it is already floating point)."""
    if not isinstance(x, (np.ndarray, np.generic)) and array_api_compat.is_array_api_obj(x):
        return x
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


class ArrayOps:
    """List operations through the array API standard (see the module docstring)."""

    def __init__(self, xp):
        self.xp = xp

    # ---------------------------------------------------------------- new lists
    def copy(self, xs):
        return Fresh(self.xp.asarray(x, copy=True) for x in xs)

    def full_like(self, xs, value):
        return Fresh(self.xp.full_like(x, value) for x in xs)

    def neg(self, xs):
        return Fresh(-x for x in xs)

    def mul(self, xs, s):
        return Fresh(x * a for x, a in zip(xs, _each(s, len(xs))))

    def add(self, xs, ys, alpha=1.0):
        return Fresh(x + y if a == 1 else x + a * y
                     for x, y, a in zip(xs, ys, _each(alpha, len(xs))))

    def sqrt(self, xs):
        return Fresh(self.xp.sqrt(x) for x in xs)

    def abs(self, xs):
        return Fresh(self.xp.abs(x) for x in xs)

    def add_scalar(self, xs, s):
        return Fresh(x + a for x, a in zip(xs, _each(s, len(xs))))

    def div(self, xs, ys):
        return Fresh(x / y for x, y in zip(xs, ys))

    def map(self, fn, *lists):
        """``[fn(x, y, ...) for x, y, ... in zip(*lists)]``: the per-array escape hatch
        (write ``fn`` with array-API functions, ``xp = ops.xp``)."""
        return Fresh(fn(*args) for args in zip(*lists))

    # ---------------------------------------------------------------- in place
    def mul_(self, xs, s):
        """``x <- x * s`` (``s``: a number, a list of numbers or a list of arrays)."""
        for x, a in zip(xs, _each(s, len(xs))):
            x *= a

    def sqrt_(self, xs):
        for x in xs:
            x[...] = self.xp.sqrt(x)

    def div_(self, xs, s):
        """``x <- x / s`` (``s``: a number, a list of numbers or a list of arrays)."""
        for x, a in zip(xs, _each(s, len(xs))):
            x /= a

    def add_(self, xs, ys, alpha=1.0):
        for x, y, a in zip(xs, ys, _each(alpha, len(xs))):
            if a == 1:
                x += y
            else:
                x += a * y

    def add_scalar_(self, xs, s):
        for x, a in zip(xs, _each(s, len(xs))):
            x += a

    def lerp_(self, xs, ys, w):
        """``x <- x + w (y - x)`` (an exponential moving average of ``y``)."""
        for x, y, a in zip(xs, ys, _each(w, len(xs))):
            x += a * (y - x)

    def addcmul_(self, xs, ys, zs, value=1.0):
        """``x <- x + value * y * z``."""
        for x, y, z, a in zip(xs, ys, zs, _each(value, len(xs))):
            x += a * y * z

    def addcdiv_(self, xs, ys, zs, value=1.0):
        """``x <- x + value * y / z``."""
        for x, y, z, a in zip(xs, ys, zs, _each(value, len(xs))):
            x += a * y / z

    def maximum_(self, xs, ys):
        for x, y in zip(xs, ys):
            x[...] = self.xp.maximum(x, y)

    def rdiv_(self, xs, nums):
        """``x <- num / x`` (divide into the denominators' memory)."""
        for x, n in zip(xs, nums):
            x[...] = n / x

    def evaluate(self, u, params=None):
        """The arrays of a :class:`Deferred` update (``u`` itself if it is not one)."""
        if not isinstance(u, Deferred):
            return u
        out = None
        for num, mult, div in u.terms:
            t = self.mul(num, mult)
            if u.den is not None:
                self.div_(t, u.den)
            self.div_(t, div)
            if out is None:
                out = t
            else:
                self.add_(out, t)
        if u.decay:
            self.add_(out, params, alpha=u.decay)
        return out

    # ---------------------------------------------------------------- scalars
    def values(self, scalars):
        """Python floats of a list of 0-d arrays (per-parameter counters)."""
        return [float(s) for s in scalars]

    def increment_(self, scalars, by=1.0):
        """Add ``by`` to each 0-d counter in place; return the new values as floats."""
        for s in scalars:
            s += by
        return self.values(scalars)

    def zero_scalar(self, like, value=0.0):
        """A 0-d float64 counter beside the array ``like`` (the numpy recipes' form)."""
        return np.array(float(value))


def ops_for(leaves):
    """The :class:`ArrayOps` for the array library of ``leaves`` (numpy if empty)."""
    xp = array_api_compat.array_namespace(*leaves) if leaves else array_api_compat.array_namespace(np.zeros(0))
    return ArrayOps(xp)


def bias_correction(beta, steps):
    """``[1 - beta**t for t in steps]``."""
    return [1.0 - beta ** t for t in steps]


def sqrt_each(values):
    """``[v ** 0.5 for v in values]`` (torch's form: ``** 0.5``, not ``math.sqrt``)."""
    return [v ** 0.5 for v in values]
