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
           "diagnose", "near_miss_hint", "first_difference", "describe_difference", "DEFAULT_RTOL",
           "DEFAULT_ATOL"]

#: the default tolerance of every comparison with a float64 reference: a correct
#: float64 answer computed in another order differs by ~1e-15; a float32 one by ~1e-7
#: or more (both pinned by fixtures in tests/fixtures)
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


def diagnose(got, diagnoses, rtol=1e-6, atol=1e-9, expected=None):
    """The hint of the first ``(candidate, hint)`` whose candidate matches ``got``.

    ``diagnoses`` may be a list or a function returning one (computed only when
    needed, i.e. after a mismatch). A candidate that equals ``expected`` (a mistake
    that makes no difference on this case) is skipped."""
    if callable(diagnoses):
        with np.errstate(all="ignore"):
            diagnoses = diagnoses()
    for candidate, hint in diagnoses:
        if candidate is None or (expected is not None and is_close(candidate, expected,
                                                                   rtol, atol)):
            continue
        if is_close(got, candidate, rtol, atol):
            return hint
    return None


#: an answer within this relative distance of the reference, but outside the
#: tolerance, is a near miss: float32 arithmetic or a rounded constant
NEAR_MISS_RTOL = 1e-4


def near_miss_hint(got, expected, rtol):
    """A hint for an answer that agrees with ``expected`` to a few digits only."""
    if rtol < NEAR_MISS_RTOL and is_close(got, expected, NEAR_MISS_RTOL, 0.0):
        return ("a near miss: your values agree with the reference to about 4-8 digits "
                "only, which is what float32 arithmetic gives (np.float32, "
                ".astype(np.float32)); compute in float64.")
    return None


def _number(v):
    """A float at full precision (repr), so that near misses are visible."""
    return repr(float(v)) if np.isfinite(v) else str(float(v))


def first_difference(got, expected, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL):
    """``(index, got, expected)`` of the first entry outside the tolerance, or None.

    The tolerance is numpy's ``|got - expected| <= atol + rtol * |expected|``; a NaN
    or infinity where a finite value is expected is a difference."""
    g = np.asarray(got, dtype=float)
    e = np.asarray(expected, dtype=float)
    with np.errstate(all="ignore"):
        bad = ~np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if g.shape != e.shape or not bad.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    return idx, float(g[idx]), float(e[idx])


def describe_difference(got, expected, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL):
    """"at index i: got ..., expected ... (difference d, allowed a)" for the first entry
    that differs, digits in full: two arrays that print alike still show where they
    differ."""
    found = first_difference(got, expected, rtol, atol)
    if found is None:
        return ""
    idx, g, e = found
    where = "" if not idx else f" at index {idx[0] if len(idx) == 1 else idx}"
    text = f"{where}: got {_number(g)}, expected {_number(e)}"
    if np.isfinite(g) and np.isfinite(e):
        text += (f" (difference {abs(g - e):.3g}, allowed {atol + rtol * abs(e):.3g}: "
                 f"rtol={rtol:g}, atol={atol:g})")
    elif np.isfinite(e):
        text += " (a non-finite value where a finite one is expected)"
    return text


def _check_dtype(got, expected, what):
    """A float answer must be float64: float32 carries ~7 digits, the checks ask ~15."""
    kind = getattr(got, "dtype", None)
    if kind is None or expected.dtype.kind != "f":
        return
    if kind.kind == "f" and kind.itemsize < 8:
        raise CheckFailed(f"{what}: your array has dtype {kind}; expected float64 "
                          f"({kind} keeps about {np.finfo(kind).precision} digits). "
                          "Compute in float64: np.asarray(x, dtype=float).")


def expect_close(got, expected, what, *, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL,
                 diagnoses=(), row_name=None):
    """Fail unless ``got`` equals ``expected`` to tolerance (same shape, float64 when
    ``expected`` is float, NaN only where ``expected`` has NaN).

    ``diagnoses``: ``[(candidate, hint), ...]`` (or a function returning it); the hint
    of a candidate that matches ``got`` is added to the message. ``row_name`` (e.g.
    ``"iterate"``) names the first row that differs in a 2-d answer. The message
    gives the first entry that differs, with its index and every digit of the value
    received and the value expected.
    """
    expected = np.asarray(expected, dtype=float)
    arr = as_array(got, what)
    _check_dtype(got, expected, what)
    if is_close(arr, expected, rtol, atol):
        return arr
    hint = diagnose(arr, diagnoses, expected=expected) or near_miss_hint(arr, expected, rtol)
    if arr.shape != expected.shape:
        msg = f"{what}: expected shape {expected.shape}"
        msg += f" (one {row_name} per row)" if row_name else ""
        msg += f", got shape {arr.shape}"
        if arr.size <= 12:
            msg += f" ({fmt(arr)})"
    elif expected.ndim == 0:
        msg = f"{what}{describe_difference(arr, expected, rtol, atol)}"
    elif row_name and expected.ndim >= 2:
        (t, *_), _, _ = first_difference(arr, expected, rtol, atol)
        msg = (f"{what}: {row_name} {t} differs from the reference"
               f"{describe_difference(arr, expected, rtol, atol)}; {row_name} {t}: got "
               f"{fmt(arr[t])}, expected {fmt(expected[t])}")
    else:
        msg = (f"{what}: got {fmt(arr)}, expected {fmt(expected)}; first difference"
               f"{describe_difference(arr, expected, rtol, atol)}")
    raise CheckFailed(msg, hint)


def expect_rows_close(got, expected, what, row_name="row", *, rtol=DEFAULT_RTOL,
                      atol=DEFAULT_ATOL, diagnoses=()):
    """:func:`expect_close` for a 2-d array, naming the first row that differs."""
    return expect_close(got, expected, what, rtol=rtol, atol=atol, diagnoses=diagnoses,
                        row_name=row_name)
