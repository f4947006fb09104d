"""The wire format between the trusted grader and the worker that runs learner code.

One JSON object per line (JSON lines), strict JSON (``allow_nan=False``), never
pickle: a learner's object can only come back as plain data.

Values are encoded as follows::

    None, bool, int, str          as themselves
    float                         as itself; NaN and +-inf as {"__float__": "nan" | "inf" | "-inf"}
    list, tuple                   as a JSON list (tuples come back as lists)
    dict with str keys            as {"__dict__": {key: value, ...}}
    numpy array (bool/int/float)  as {"__ndarray__": {"dtype": "float64", "shape": [2, 3],
                                       "data": [flat values, NaN/inf as "nan"/"inf"/"-inf"]}}
    numpy scalar                  as the matching Python scalar
    anything else                 as {"__opaque__": {"type": "Foo", "repr": "<Foo ...>"}}

Argument-only tags, built into objects by the worker (see :mod:`.specs`)::

    {"__fn__": {"problem": "Rosenbrock", "kwargs": {...}, "attr": "grad", "name": "grad_fn"}}
        a function of a course_lib problem, wrapped in a call counter
    {"__rng__": {"seed": 3}}      numpy.random.default_rng(3)

The encoder is shared by both sides; the decoder turns tags back into plain
objects (arrays, floats, :class:`Opaque`) and never runs code.
"""
from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["encode", "decode", "dumps", "loads", "Opaque", "MAX_ELEMENTS", "ProtocolError"]

#: Arrays larger than this (elements) are sent back as opaque, not as data.
MAX_ELEMENTS = 2_000_000
_MAX_DEPTH = 20
_OK_KINDS = "biuf"   # bool, int, unsigned, float


class ProtocolError(ValueError):
    """A message that does not follow the wire format."""


class Opaque:
    """A value that could not be sent as data: only its type name and a short repr."""

    def __init__(self, type_name, text):
        self.type_name = str(type_name)
        self.text = str(text)

    def __repr__(self):
        return f"<{self.type_name} object: {self.text}>"

    def __eq__(self, other):
        return (isinstance(other, Opaque) and other.type_name == self.type_name
                and other.text == self.text)

    __hash__ = None


def _float_out(x):
    x = float(x)
    if math.isfinite(x):
        return x
    return {"__float__": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def _opaque(obj, why=""):
    try:
        text = repr(obj)
    except BaseException:   # a learner's __repr__ may raise anything
        text = "<repr failed>"
    if len(text) > 200:
        text = text[:200] + "..."
    if why:
        text = f"{text} ({why})"
    return {"__opaque__": {"type": type(obj).__name__, "repr": text}}


def _encode_array(a):
    if a.dtype.kind not in _OK_KINDS:
        if a.dtype.kind == "O":
            try:    # e.g. np.array([np.array([1, 2]), ...], dtype=object) of numbers
                b = np.asarray(a.tolist(), dtype=float)
                if b.shape == a.shape:
                    return _encode_array(b)
            except Exception:
                pass
        return _opaque(a, f"dtype {a.dtype} cannot be sent")
    if a.size > MAX_ELEMENTS:
        return _opaque(a, f"array too large: {a.size} elements")
    flat = a.ravel()
    if a.dtype.kind == "f" and not np.all(np.isfinite(flat)):
        data = [v if math.isfinite(v) else _float_out(v)["__float__"] for v in flat.tolist()]
    else:
        data = flat.tolist()
    return {"__ndarray__": {"dtype": a.dtype.str.lstrip("<>=|"), "shape": list(a.shape),
                            "data": data}}


def encode(obj, _depth=0):
    """Turn ``obj`` into JSON-able data (see the module docstring). Never raises."""
    if _depth > _MAX_DEPTH:
        return _opaque(obj, "nested too deeply")
    try:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj if abs(obj) < 2**63 else _opaque(obj, "integer too large")
        if isinstance(obj, float):
            return _float_out(obj)
        if isinstance(obj, np.ndarray):
            return _encode_array(obj)
        if isinstance(obj, np.generic):
            if obj.dtype.kind == "b":
                return bool(obj)
            if obj.dtype.kind in "iu":
                return int(obj)
            if obj.dtype.kind == "f":
                return _float_out(obj)
            return _opaque(obj)
        if isinstance(obj, (list, tuple)):
            if len(obj) > MAX_ELEMENTS:
                return _opaque(obj, "too long")
            return [encode(v, _depth + 1) for v in obj]
        if isinstance(obj, dict):
            if all(isinstance(k, str) for k in obj):
                return {"__dict__": {k: encode(v, _depth + 1) for k, v in obj.items()}}
            return _opaque(obj, "dict keys must be strings")
    except BaseException:
        pass
    return _opaque(obj)


def _decode_float(tag):
    if tag not in ("nan", "inf", "-inf"):
        raise ProtocolError(f"bad float tag {tag!r}")
    return float(tag)


def _decode_array(spec):
    try:
        dtype = np.dtype(spec["dtype"])
        shape = tuple(int(s) for s in spec["shape"])
        data = spec["data"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"bad array: {exc}") from None
    if dtype.kind not in _OK_KINDS or not isinstance(data, list):
        raise ProtocolError(f"bad array dtype {dtype}")
    if any(isinstance(v, str) for v in data):
        data = [_decode_float(v) if isinstance(v, str) else v for v in data]
    n = math.prod(shape)
    if n != len(data):
        raise ProtocolError(f"array of shape {shape} with {len(data)} values")
    return np.array(data, dtype=dtype).reshape(shape)


def decode(obj, tags=None, _depth=0):
    """Inverse of :func:`encode`. ``tags`` maps extra tag names (``"__fn__"``,
    ``"__rng__"``) to builders; used by the worker for arguments. Data nested more
    than ``2 * _MAX_DEPTH + 4`` levels (more than :func:`encode` ever writes) is
    refused with :class:`ProtocolError`."""
    if _depth > 2 * _MAX_DEPTH + 4:
        raise ProtocolError("data nested too deeply")
    _depth += 1
    if isinstance(obj, list):
        return [decode(v, tags, _depth) for v in obj]
    if isinstance(obj, dict):
        if len(obj) != 1:
            raise ProtocolError(f"untagged object with keys {sorted(obj)[:5]}")
        (tag, body), = obj.items()
        if tag == "__float__":
            return _decode_float(body)
        if tag == "__ndarray__":
            return _decode_array(body)
        if tag == "__dict__":
            if not isinstance(body, dict):
                raise ProtocolError("bad dict")
            return {str(k): decode(v, tags, _depth) for k, v in body.items()}
        if tag == "__opaque__":
            return Opaque(body.get("type", "?"), body.get("repr", ""))
        if tags and tag in tags:
            return tags[tag](decode(body, tags, _depth))
        raise ProtocolError(f"unknown tag {tag!r}")
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise ProtocolError(f"unexpected {type(obj).__name__}")


def dumps(message):
    """One protocol line (bytes, newline-terminated) for an already encoded message."""
    return (json.dumps(message, allow_nan=False, separators=(",", ":")) + "\n").encode()


def loads(line):
    """Parse one protocol line (no decoding of tags)."""
    try:
        msg = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProtocolError(f"not JSON: {type(exc).__name__}") from None
    if not isinstance(msg, dict):
        raise ProtocolError("a message must be a JSON object")
    return msg
