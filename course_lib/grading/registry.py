"""The registry of exercises and their named checks (after scikit-learn's ``check_estimator``).

An exercise module in :mod:`course_lib.grading.checks` declares::

    EXERCISE = Exercise("ex01_minibatch", "Minibatches", functions=("epoch_batches",))

    @EXERCISE.check(points=2, hint="every index exactly once: cut a permutation")
    def partition_of_range(ctx):
        '''The batches of one epoch are a partition of range(n).'''
        for n, b in [(10, 3), (7, 7)]:
            with ctx.case(f"n={n}, batch_size={b}"):
                batches = ctx.call("epoch_batches", n, b, RngSpec(0))
                ...   # compare with trusted values; ctx.fail("...") on a mismatch

A check receives a :class:`CheckContext`, calls the learner's functions only
through it (they run in the worker process), computes every reference value
itself, and either returns (pass: full points) or raises :class:`CheckFailed`
(0 points). The same registry serves ``make grade``, ``check(name)`` in a
notebook, and the tests.
"""
from __future__ import annotations

import contextlib
import importlib
import pkgutil
from dataclasses import dataclass

__all__ = ["Exercise", "Check", "CheckFailed", "CheckContext", "get_exercise",
           "all_exercises", "exercise_names"]

_REGISTRY = {}
_LOADED = False


class CheckFailed(Exception):
    """Raised by a check when the learner's answer is wrong; ``message`` says how."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.case = None


@dataclass
class Check:
    """One named check: ``func(ctx)`` passes by returning, fails by raising."""

    exercise: str
    name: str
    points: float
    func: object
    hint: str | None = None
    description: str = ""


class Exercise:
    """An exercise: the learner's file ``<name>.py``, the functions it must define,
    and an ordered list of checks.

    Parameters
    ----------
    name : str  e.g. ``"ex01_minibatch"`` (also the file name, without ``.py``)
    title : str  shown in reports
    functions : tuple of str  functions the learner implements
    preload : tuple of str  trusted modules the worker imports before the learner's
        file (e.g. ``"course_lib.problems"`` when checks pass problem specs)
    reference_functions : tuple of str  dotted names of the ``course_lib`` functions
        that compute the answer (``"course_lib.line_search.backtracking_armijo"``):
        data for the sandbox, where a submission that calls one of them scores 0
    """

    def __init__(self, name, title, functions, preload=(), reference_functions=()):
        if name in _REGISTRY:
            raise ValueError(f"exercise {name!r} is registered twice")
        self.name, self.title = name, title
        self.functions = tuple(functions)
        self.preload = tuple(preload)
        self.reference_functions = tuple(reference_functions)
        self.checks = []
        _REGISTRY[name] = self

    def check(self, points=1, hint=None, name=None):
        """Decorator registering ``func(ctx)`` as a check worth ``points``.

        ``hint`` is shown whenever the check fails; the first paragraph of the
        docstring describes what the check verifies.
        """
        def deco(func):
            check_name = name or func.__name__
            if any(c.name == check_name for c in self.checks):
                raise ValueError(f"{self.name}: check {check_name!r} registered twice")
            paragraph = (func.__doc__ or "").strip().split("\n\n")[0]
            description = " ".join(line.strip() for line in paragraph.splitlines())
            self.checks.append(Check(self.name, check_name, float(points), func, hint,
                                     description))
            return func
        return deco

    @property
    def max_score(self):
        """Sum of the points of all checks."""
        return sum(c.points for c in self.checks)

    def get_check(self, name):
        """The check called ``name`` (``KeyError`` listing the known names otherwise)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no check {name!r}; "
                       f"known: {[c.name for c in self.checks]}")

    def __repr__(self):
        return (f"Exercise({self.name!r}, {len(self.checks)} checks, "
                f"{self.max_score:g} points)")


def _load_all():
    global _LOADED
    if _LOADED:
        return
    from . import checks
    for info in sorted(pkgutil.iter_modules(checks.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{checks.__name__}.{info.name}")
    _LOADED = True


def all_exercises():
    """Every registered exercise, ordered by name."""
    _load_all()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def exercise_names():
    """Names of every registered exercise, sorted."""
    return [e.name for e in all_exercises()]


def get_exercise(name):
    """The exercise called ``name`` (``"ex01_minibatch"``; a ``.py`` suffix is ignored)."""
    _load_all()
    name = str(name)
    if name.endswith(".py"):
        name = name[:-3]
    if name not in _REGISTRY:
        raise KeyError(f"no exercise named {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


class CheckContext:
    """What a check uses to reach the learner's code, and to fail with a message.

    ``call``/``run``/``map``/``raises`` forward to the worker
    (:class:`~.runner.LearnerModule`); ``case(description)`` labels the case being
    run so that any failure inside it says which case it was.
    """

    def __init__(self, learner, exercise):
        self.learner = learner
        self.exercise = exercise

    def call(self, func, *args, **kwargs):
        """The learner's ``func(*args, **kwargs)``: its return value (decoded)."""
        return self.learner.call(func, *args, **kwargs)

    def run(self, func, *args, echo=False, **kwargs):
        """Like :meth:`call`, but the full record (value, call counts, arguments after
        the call with ``echo=True``)."""
        return self.learner.run(func, *args, echo=echo, **kwargs)

    def map(self, func, calls):
        """Many calls ``[(args, kwargs), ...]`` in one round trip; their values."""
        return self.learner.map(func, calls)

    def raises(self, func, *args, **kwargs):
        """Call ``func``; return the :class:`~.runner.LearnerRaised` it raised, or None."""
        from .runner import LearnerRaised, NotImplementedYet
        try:
            self.learner.call(func, *args, **kwargs)
        except NotImplementedYet:
            raise
        except LearnerRaised as exc:
            return exc
        return None

    @staticmethod
    def fail(message, hint=None):
        """Fail the check with ``message`` (and an optional ``hint``)."""
        raise CheckFailed(message, hint)

    @contextlib.contextmanager
    def case(self, description):
        """Label failures raised inside the block with ``description``."""
        try:
            yield
        except Exception as exc:
            if getattr(exc, "case", None) is None:
                try:
                    exc.case = description
                except AttributeError:
                    pass
            raise
