"""Arguments that cannot cross the process boundary as data: functions and RNGs.

A check cannot send a Python callable to the worker. It sends a *spec* instead:
the name of a trusted objective (a ``course_lib.problems`` class, or one of the
few extra functions below), its constructor arguments and the attribute wanted
(``"value"``, ``"grad"``, ...). The worker rebuilds the object from trusted code
and wraps the function in a call counter; the counts come back with the result.
The grader (parent) builds the very same object from the same spec to compute
the reference values, so both sides agree on the function by construction.
"""
from __future__ import annotations

import warnings

import numpy as np

from .protocol import encode

__all__ = ["FunctionSpec", "RngSpec", "LogBarrier", "build_problem", "to_wire",
           "CountedFunction"]

#: objectives the worker may build: course_lib.problems classes, plus the extras below
PROBLEM_NAMES = ("Quadratic", "Rosenbrock", "Beale", "Himmelblau", "Saddle",
                 "TiltedDoubleWell", "LinearRegression", "LogisticRegression")
CONSTRUCTORS = ("from_condition_number", "from_eigenvalues")
ATTRIBUTES = ("value", "grad", "hessian", "__call__")


class LogBarrier:
    """``f(x) = -sum_i log(1 - x_i^2)`` on the open box ``|x_i| < 1``; NaN or +inf outside.

    Used to check that a line search rejects trial points where ``f`` is not
    finite (``nan <= bound`` is False, but ``nan > bound`` is False too).
    """

    name = "LogBarrier"

    def __init__(self, dim=1):
        self.dim = int(dim)

    def value(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(-np.sum(np.log(1.0 - x * x)))

    __call__ = value

    def grad(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 2.0 * x / (1.0 - x * x)

    def hessian(self, x):
        x = np.asarray(x, dtype=float)
        return np.diag(2.0 * (1.0 + x * x) / (1.0 - x * x) ** 2)


EXTRA_PROBLEMS = {"LogBarrier": LogBarrier}


def build_problem(name, kwargs=None, constructor=None):
    """Build a trusted objective by name (both the grader and the worker call this)."""
    kwargs = dict(kwargs or {})
    if name in EXTRA_PROBLEMS:
        cls = EXTRA_PROBLEMS[name]
    elif name in PROBLEM_NAMES:
        from course_lib import problems
        cls = getattr(problems, name)
    else:
        raise ValueError(f"unknown problem {name!r}")
    if constructor is None:
        return cls(**kwargs)
    if constructor not in CONSTRUCTORS:
        raise ValueError(f"unknown constructor {constructor!r}")
    return getattr(cls, constructor)(**kwargs)


class CountedFunction:
    """``fn`` with a call counter; ``counts[name]`` is incremented on each call.

    Arguments are passed on as float arrays (a learner's list or int array works),
    and results are copied, so a learner who mutates a returned gradient in place
    cannot change the problem. The course's own warnings (numpy's overflow in
    ``problems.py`` at a far-away point) are kept out of what the learner's code
    printed: the trusted function runs with warnings ignored, and returns inf/NaN.
    """

    def __init__(self, fn, name, counts):
        self._fn, self._name, self._counts = fn, name, counts
        counts.setdefault(name, 0)

    def __call__(self, x, *args, **kwargs):
        self._counts[self._name] += 1
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = self._fn(np.array(x, dtype=float), *args, **kwargs)
        return out.copy() if isinstance(out, np.ndarray) else out

    def __repr__(self):
        return f"<function {self._name}>"


class FunctionSpec:
    """A function of a trusted objective, e.g. ``FunctionSpec("Rosenbrock", "grad")``.

    Parameters
    ----------
    problem : str  a name in ``PROBLEM_NAMES`` or ``EXTRA_PROBLEMS``
    attr : str  ``"value"``, ``"grad"``, ``"hessian"`` or ``"__call__"``
    kwargs : dict  constructor arguments (arrays allowed)
    constructor : str or None  e.g. ``"from_condition_number"``
    name : str  the name under which calls are counted (default: ``attr``)
    by_grader : bool  evaluated by the grader over the protocol, not in the worker
        (the default): the worker never learns the coefficients, the grader counts the
        calls, and the worker needs no course_lib objective it could misuse
    """

    def __init__(self, problem, attr="value", kwargs=None, constructor=None, name=None,
                 by_grader=True):
        if attr not in ATTRIBUTES:
            raise ValueError(f"unknown attribute {attr!r}")
        self.problem, self.attr = problem, attr
        self.kwargs = dict(kwargs or {})
        self.constructor = constructor
        self.name = name or attr
        self.by_grader = bool(by_grader)
        self._built = None

    def build(self):
        """The trusted problem object (cached)."""
        if self._built is None:
            self._built = build_problem(self.problem, self.kwargs, self.constructor)
        return self._built

    @property
    def function(self):
        """The trusted function itself (``problem.value``, ``problem.grad``, ...)."""
        p = self.build()
        return p if self.attr == "__call__" else getattr(p, self.attr)

    def describe(self):
        """How the function is built, as shown in a failing case."""
        args = ", ".join(f"{k}={_short(v)}" for k, v in self.kwargs.items())
        ctor = f".{self.constructor}" if self.constructor else ""
        return f"{self.problem}{ctor}({args})"

    def to_wire(self):
        if self.by_grader:
            return {"__cb__": encode({"name": self.name})}
        return {"__fn__": encode({"problem": self.problem, "attr": self.attr,
                                  "kwargs": self.kwargs, "constructor": self.constructor,
                                  "name": self.name})}


class RngSpec:
    """``numpy.random.default_rng(seed)``, built in the worker."""

    def __init__(self, seed):
        self.seed = int(seed)

    def build(self):
        return np.random.default_rng(self.seed)

    def describe(self):
        return f"np.random.default_rng({self.seed})"

    def to_wire(self):
        return {"__rng__": self.seed}


def _short(v):
    if isinstance(v, np.ndarray):
        return np.array2string(v, precision=3, threshold=6, separator=", ",
                               max_line_width=10_000).replace("\n", "")
    return repr(v)


def to_wire(obj):
    """Encode a call argument: specs become tags, the rest goes through ``encode``."""
    if isinstance(obj, (FunctionSpec, RngSpec)):
        return obj.to_wire()
    if isinstance(obj, (list, tuple)):
        return [to_wire(v) for v in obj]
    if isinstance(obj, dict):
        return {"__dict__": {k: to_wire(v) for k, v in obj.items()}}
    return encode(obj)


def worker_tags(counts):
    """Builders for the argument tags, used by the worker when decoding a call."""
    def fn(body):
        spec = FunctionSpec(body["problem"], body["attr"], body.get("kwargs"),
                            body.get("constructor"), body.get("name"))
        return CountedFunction(spec.function, spec.name, counts)

    def rng(seed):
        return np.random.default_rng(int(seed))

    return {"__fn__": fn, "__rng__": rng}
