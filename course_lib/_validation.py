"""Input checks shared by every public entry point of ``course_lib``.

One message template, after scikit-learn's parameter validation:
``"The 'lr' parameter of sgd must be a float in the range (0, inf). Got -1 instead."``
Every check names the argument, the allowed range and the value that was given,
so a learner can fix the call without reading our source.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "check_scalar",
    "check_int",
    "check_array",
    "check_same_shape",
    "check_callable",
    "check_indices",
    "check_random_state",
]


def _fmt_interval(low, high, closed):
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") else ")"
    lo = "-inf" if low is None else repr(low)
    hi = "inf" if high is None else repr(high)
    return f"{left}{lo}, {hi}{right}"


def check_scalar(value, name, owner, *, low=None, high=None, closed="neither",
                 allow_none=False):
    """Return ``value`` as a float after checking it is a finite real in an interval.

    Parameters
    ----------
    value : object
        The value to check.
    name, owner : str
        Argument name and the function or class it belongs to (used in the message).
    low, high : float or None
        Interval ends; ``None`` means unbounded.
    closed : {"neither", "left", "right", "both"}
        Which ends belong to the interval.
    allow_none : bool
        Accept ``None`` and return it unchanged.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (bools are rejected too).
    ValueError
        If ``value`` is not finite or lies outside the interval.

    Examples
    --------
    >>> check_scalar(0.1, "lr", "sgd", low=0.0)
    0.1
    """
    interval = _fmt_interval(low, high, closed)
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be a float in the range "
            f"{interval}. Got {value!r} of type {type(value).__name__} instead."
        )
    value = float(value)
    bad = not math.isfinite(value)
    if not bad and low is not None:
        bad = value < low or (value == low and closed in ("neither", "right"))
    if not bad and high is not None:
        bad = value > high or (value == high and closed in ("neither", "left"))
    if bad:
        raise ValueError(
            f"The {name!r} parameter of {owner} must be a float in the range "
            f"{interval}. Got {value!r} instead."
        )
    return value


def check_int(value, name, owner, *, low=None, high=None):
    """Return ``value`` as an int after checking ``low <= value <= high``.

    Raises ``TypeError`` for non-integers (bools and floats included) and
    ``ValueError`` outside the closed interval.
    """
    interval = _fmt_interval(low, high, "both")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be an int in the range "
            f"{interval}. Got {value!r} of type {type(value).__name__} instead."
        )
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(
            f"The {name!r} parameter of {owner} must be an int in the range "
            f"{interval}. Got {value!r} instead."
        )
    return value


def check_array(value, name, owner, *, ndim=None, shape=None, finite=True,
                dtype=np.float64):
    """Return ``value`` as a new float ndarray after checking dimension, shape, finiteness.

    The result is always a copy, so callers may update it in place without
    touching the caller's array.
    """
    try:
        arr = np.array(value, dtype=dtype, copy=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"The {name!r} parameter of {owner} must be array-like of numbers. "
            f"Got {type(value).__name__} instead ({exc})."
        ) from None
    if ndim is not None and arr.ndim != ndim:
        hint = " Reshape it, e.g. with np.ravel(x)." if ndim == 1 else ""
        raise ValueError(
            f"The {name!r} parameter of {owner} must be a {ndim}-d array. "
            f"Got an array of shape {arr.shape} instead.{hint}"
        )
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(
            f"The {name!r} parameter of {owner} must have shape {tuple(shape)}. "
            f"Got shape {arr.shape} instead."
        )
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(
            f"The {name!r} parameter of {owner} must contain only finite values. "
            f"Got {int(np.size(arr) - np.isfinite(arr).sum())} non-finite entries."
        )
    return arr


def check_same_shape(a, b, name_a, name_b, owner):
    """Raise ``ValueError`` unless ``np.shape(a) == np.shape(b)``."""
    if np.shape(a) != np.shape(b):
        raise ValueError(
            f"The {name_a!r} and {name_b!r} parameters of {owner} must have the same "
            f"shape. Got {np.shape(a)} and {np.shape(b)} instead."
        )


def check_callable(value, name, owner):
    """Raise ``TypeError`` unless ``value`` is callable; return it."""
    if not callable(value):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be callable. "
            f"Got {type(value).__name__} instead."
        )
    return value


def check_indices(idx, n, owner, name="idx"):
    """Validate minibatch indices: a non-empty 1-d integer array with values in ``[0, n)``.

    Repeats are allowed (sampling with replacement). Raises ``TypeError`` for a
    non-integer dtype and ``ValueError`` for an empty, non-1-d or out-of-range
    ``idx``; the message names ``name`` and ``owner``. Returns the index array.
    """
    arr = np.asarray(idx)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"The {name!r} parameter of {owner} must be a non-empty 1-d array of "
            f"indices. Got shape {arr.shape} instead."
        )
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be an array of integer example "
            f"indices. Got dtype {arr.dtype} instead."
        )
    if arr.min() < 0 or arr.max() >= n:
        raise ValueError(
            f"The {name!r} parameter of {owner} must hold indices in the range "
            f"[0, {n - 1}]. Got values from {arr.min()} to {arr.max()}."
        )
    return arr


def check_random_state(seed, name, owner):
    """A numpy ``Generator`` from ``None`` (fresh entropy), an int seed >= 0 or a Generator.

    A Generator is returned unchanged (``numpy.random.default_rng`` semantics), so
    successive calls that share one continue a single stream. Anything else raises
    ``TypeError`` naming ``name`` and ``owner``.
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be None, an int seed or a "
            f"numpy.random.Generator. Got {seed!r} of type {type(seed).__name__} instead."
        )
    if seed < 0:
        raise ValueError(
            f"The {name!r} parameter of {owner} must be a seed in the range [0, inf). "
            f"Got {seed!r} instead."
        )
    return np.random.default_rng(int(seed))
