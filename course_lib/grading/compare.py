"""Comparisons for checks, with messages that say what differs and guess why.

Every helper raises :class:`~.registry.CheckFailed` with a message a learner can
act on: the shape or the first entry that differs, the value received and the
value expected, and -- when the wrong answer matches a known mistake (a
*diagnosis*: a candidate value computed the wrong way, with a hint) -- what the
mistake probably was.
"""
from __future__ import annotations

import numpy as np

from .protocol import Opaque
from .registry import CheckFailed

__all__ = ["fmt", "as_array", "is_close", "expect_close", "expect_rows_close",
           "diagnose", "DEFAULT_RTOL", "DEFAULT_ATOL"]

DEFAULT_RTOL = 1e-7
DEFAULT_ATOL = 1e-10


def fmt(value, precision=6):
    """A short, readable rendering of a value for a message."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=precision, threshold=12, edgeitems=3,
                               separator=", ", suppress_small=False,
                               max_line_width=1000).replace("\n", "")
    if isinstance(value, float):
        return f"{value:.{precision + 1}g}"
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return "[" + ", ".join(fmt(v) for v in value[:4]) + f", ... ({len(value)} items)]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return repr(value)


def _type_name(value):
    return value.type_name if isinstance(value, Opaque) else type(value).__name__


def as_array(value, what, ndim=None, dtype=float):
    """``value`` as a numpy array (lists of numbers accepted), or a clear failure."""
    if value is None:
        raise CheckFailed(f"{what}: your function returned None; did you forget a "
                          "`return` statement?")
    if isinstance(value, Opaque):
        raise CheckFailed(f"{what}: expected an array of numbers, got a {value.type_name} "
                          f"({value.text})")
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what}: expected an array of numbers, got {_type_name(value)} "
                          f"{fmt(value)}") from None
    if ndim is not None and arr.ndim != ndim:
        raise CheckFailed(f"{what}: expected a {ndim}-d array, got shape {arr.shape}")
    return arr


def is_close(got, expected, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL):
    """Same shape and ``allclose`` (NaN equal to NaN); never raises."""
    try:
        g = np.asarray(got, dtype=float)
        e = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    return g.shape == e.shape and bool(np.allclose(g, e, rtol=rtol, atol=atol,
                                                   equal_nan=True))


def diagnose(got, diagnoses, rtol=1e-6, atol=1e-9):
    """The hint of the first ``(candidate, hint)`` whose candidate matches ``got``.

    ``diagnoses`` may be a list or a function returning one (computed only when
    needed, i.e. after a mismatch)."""
    if callable(diagnoses):
        with np.errstate(all="ignore"):
            diagnoses = diagnoses()
    for candidate, hint in diagnoses:
        if candidate is not None and is_close(got, candidate, rtol, atol):
            return hint
    return None


def expect_close(got, expected, what, *, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL,
                 diagnoses=()):
    """Fail unless ``got`` equals ``expected`` to tolerance (same shape).

    ``diagnoses``: ``[(candidate, hint), ...]`` (or a function returning it); the hint of a candidate that
    matches ``got`` is added to the message.
    """
    expected = np.asarray(expected, dtype=float)
    arr = as_array(got, what)
    if is_close(arr, expected, rtol, atol):
        return arr
    hint = diagnose(arr, diagnoses)
    if arr.shape != expected.shape:
        msg = f"{what}: expected shape {expected.shape}, got shape {arr.shape}"
        if arr.size <= 12:
            msg += f" ({fmt(arr)})"
    elif expected.ndim == 0:
        msg = f"{what}: got {fmt(float(arr))}, expected {fmt(float(expected))}"
    else:
        bad = ~np.isclose(arr, expected, rtol=rtol, atol=atol, equal_nan=True)
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        msg = (f"{what}: got {fmt(arr)}, expected {fmt(expected)} "
               f"(first difference at index {idx[0] if len(idx) == 1 else idx})")
    raise CheckFailed(msg, hint)


def expect_rows_close(got, expected, what, row_name="row", *, rtol=DEFAULT_RTOL,
                      atol=DEFAULT_ATOL, diagnoses=()):
    """Like :func:`expect_close` for a 2-d array, naming the first row that differs."""
    expected = np.asarray(expected, dtype=float)
    arr = as_array(got, what)
    if is_close(arr, expected, rtol, atol):
        return arr
    hint = diagnose(arr, diagnoses)
    if arr.shape != expected.shape:
        raise CheckFailed(f"{what}: expected shape {expected.shape} "
                          f"(one {row_name} per row), got shape {arr.shape}", hint)
    bad = ~np.all(np.isclose(arr, expected, rtol=rtol, atol=atol, equal_nan=True),
                  axis=tuple(range(1, arr.ndim)))
    t = int(np.argmax(bad))
    raise CheckFailed(f"{what}: {row_name} {t} differs from the reference: got "
                      f"{fmt(arr[t])}, expected {fmt(expected[t])}", hint)
