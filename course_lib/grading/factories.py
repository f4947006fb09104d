"""Generic check factories: an exercise is a table of cases, a reference and hints.

After scikit-learn's ``check_estimator``: the same few properties are checked for
every function a learner writes, so each exercise declares *data* -- the function
under test (a :class:`Target`: its trusted reference, how an answer is compared,
the known mistakes and their hints) and tables of :class:`Case` -- and each factory
below registers one named check on the :class:`~.registry.Exercise`::

    GD = Target("gradient_descent", reference=library_gd, row_name="iterate",
                mistakes=[Mistake("did you use +lr*grad?", ascent)])
    CASES = [Case(FunctionSpec("Rosenbrock", "grad"), np.array([-1.2, 1.0]), 1e-3, 15)]
    matches_reference(EXERCISE, GD, CASES, name="matches_reference", points=2,
                      hint="x_{t+1} = x_t - lr * grad_fn(x_t)")

Factories: :func:`matches_reference` (values, shapes, dtypes, finiteness against
the reference over a table), :func:`leaves_inputs_unmodified`,
:func:`rejects_bad_input` (the right exception, naming the argument),
:func:`deterministic` (same seed, same answer), :func:`counts_calls` (how often a
function argument is called, counted by the grader's side), :func:`satisfies`
(properties of each answer), :func:`over_calls` (a verdict on many answers
together) and :func:`uniformly_distributed` (a chi-square test over fixed seeds).

**No points for doing nothing.** Every factory judges the answer itself before the
property it is about: an unmodified input, a call count, a repeatable answer or a
raised exception earn nothing unless the answer on the same call (or on a control
case) is also right. So a function that returns None, a constant or its input, or
always raises, scores 0 on every check (``tests/test_grading.py`` proves it for
every exercise).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compare import DEFAULT_ATOL, DEFAULT_RTOL, expect_close, fmt
from .registry import CheckFailed

__all__ = ["Case", "Mistake", "Target", "call_text", "matches_reference",
           "leaves_inputs_unmodified", "rejects_bad_input", "deterministic",
           "counts_calls", "satisfies", "over_calls", "uniformly_distributed", "Experiment",
           "chi_square"]


@dataclass(init=False)
class Case:
    """One call of the learner's function: ``Case(*args, label=..., **kwargs)``.

    ``reference`` (optional) computes this case's expected answer instead of the
    target's reference; ``label`` replaces the generated description.
    """

    args: tuple
    kwargs: dict
    label: str | None
    reference: object

    def __init__(self, *args, label=None, reference=None, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.label, self.reference = label, reference

    def arg(self, index_or_name, default=None):
        """Positional argument ``i`` or keyword ``name`` of the call."""
        if isinstance(index_or_name, int):
            return self.args[index_or_name] if index_or_name < len(self.args) else default
        return self.kwargs.get(index_or_name, default)


@dataclass
class Mistake:
    """A known wrong way: ``compute(case, expected)`` is the wrong answer it gives
    (or None where it does not apply); a learner's answer equal to it gets ``hint``."""

    hint: str
    compute: object


def _arg_text(value):
    if hasattr(value, "describe"):
        return value.describe()
    if isinstance(value, np.ndarray):
        return fmt(value, precision=4)
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def call_text(func, case):
    """``func(arg, ..., key=value)`` with specs and arrays written briefly."""
    if case.label:
        return case.label
    parts = [_arg_text(a) for a in case.args]
    parts += [f"{k}={_arg_text(v)}" for k, v in case.kwargs.items()]
    return f"{func}({', '.join(parts)})"


class Target:
    """The learner's function under test, and how one of its answers is judged.

    Parameters
    ----------
    func : str  the function's name in the learner's file
    reference : callable, optional  ``reference(*case.args, **case.kwargs)``: the
        trusted answer (from ``course_lib`` or a closed form), computed here
    convert : callable, optional  ``convert(value) -> value``: the answer in the form
        compared (e.g. a float step, a list of index arrays); raises ``CheckFailed``
        on the wrong type
    judge : callable, optional  ``judge(value, expected, case)`` replacing the
        default comparison (:func:`~.compare.expect_close`); raises ``CheckFailed``
    what : str  the answer's name in messages (default "the returned value")
    row_name : str, optional  e.g. ``"iterate"``: name the first row that differs
    rtol, atol : tolerance of the default comparison
    mistakes : list of :class:`Mistake`  diagnosed when an answer is wrong
    """

    def __init__(self, func, reference=None, *, convert=None, judge=None, what=None,
                 row_name=None, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, mistakes=()):
        self.func, self.reference = func, reference
        self.convert, self.judge = convert, judge
        self.what = what or "the returned value"
        self.row_name, self.rtol, self.atol = row_name, rtol, atol
        self.mistakes = list(mistakes)

    def expected(self, case):
        """The trusted answer for ``case`` (None when there is no reference)."""
        ref = case.reference or self.reference
        if ref is None:
            return None
        with np.errstate(all="ignore"):
            return ref(*case.args, **case.kwargs)

    def diagnoses(self, case, expected):
        """``[(wrong answer, hint), ...]`` of the known mistakes on ``case``."""
        out = []
        for m in self.mistakes:
            try:
                with np.errstate(all="ignore"):
                    out.append((m.compute(case, expected), m.hint))
            except (ValueError, ArithmeticError, IndexError):
                continue
        return out

    def check_answer(self, value, case):
        """Convert ``value`` and compare it with the reference (if any); return the
        converted value or raise ``CheckFailed`` saying what differs."""
        if self.convert is not None:
            value = self.convert(value)
        expected = self.expected(case)
        if self.judge is not None:
            self.judge(value, expected, case)
        elif expected is not None:
            expect_close(value, expected, self.what, rtol=self.rtol, atol=self.atol,
                         row_name=self.row_name,
                         diagnoses=lambda: self.diagnoses(case, expected))
        return value

    def run(self, ctx, case, *, echo=False):
        """Call the learner's function on ``case``: the :class:`~.runner.CallResult`."""
        return ctx.run(self.func, *case.args, echo=echo, **case.kwargs)

    def answer(self, ctx, case):
        """Call on ``case`` and judge: the converted value (or ``CheckFailed``)."""
        return self.check_answer(ctx.call(self.func, *case.args, **case.kwargs), case)


def _register(exercise, name, points, hint, description, body):
    body.__name__ = name
    body.__doc__ = description
    exercise.check(points=points, hint=hint, name=name)(body)
    return exercise.get_check(name)


def _cases(target, cases):
    """Iterate ``(case, label)``."""
    for case in cases:
        yield case, call_text(target.func, case)


def matches_reference(exercise, target, cases, *, name, points=1, hint=None,
                      description=None):
    """Check: on every case the answer equals the target's reference (values to
    tolerance, shape, float64 dtype, NaN/inf only where expected), with the hint of
    a known mistake when the answer matches one."""
    def body(ctx):
        for case, label in _cases(target, cases):
            with ctx.case(label):
                target.answer(ctx, case)
    return _register(exercise, name, points, hint, description or
                     f"{target.func} returns the reference answer on {len(cases)} cases.",
                     body)


def leaves_inputs_unmodified(exercise, target, cases, *, name, arguments, points=1,
                             hint=None, description=None):
    """Check: the positional arguments ``arguments = {position: name}`` are unchanged
    after the call, and the answer of that call is right."""
    def body(ctx):
        for case, label in _cases(target, cases):
            with ctx.case(label):
                before = {i: np.array(case.args[i], copy=True) for i in arguments}
                res = target.run(ctx, case, echo=True)
                for i, old in before.items():
                    after = np.asarray(res.args_after[i])
                    if after.shape != old.shape or not np.array_equal(after, old,
                                                                      equal_nan=True):
                        ctx.fail(f"your function changed the caller's {arguments[i]}: it "
                                 f"was {fmt(old)}, after the call it is {fmt(after)}")
                target.check_answer(res.value, case)
    return _register(exercise, name, points, hint, description or
                     f"{target.func} leaves its array arguments unchanged.", body)


def rejects_bad_input(exercise, target, bad_cases, *, name, control, exception="ValueError",
                      mentions=(), points=1, hint=None, description=None):
    """Check: each bad case raises ``exception`` whose message contains every string
    of ``mentions``; the ``control`` case (valid input) returns the right answer."""
    def body(ctx):
        with ctx.case(f"a valid call first: {call_text(target.func, control)}"):
            target.answer(ctx, control)
        for case, label in _cases(target, bad_cases):
            with ctx.case(label):
                exc = ctx.raises(target.func, *case.args, **case.kwargs)
                if exc is None:
                    ctx.fail(f"{target.func}(...) returned normally; it should raise {exception}")
                if not exc.is_a(exception):
                    ctx.fail(f"raised {exc.type_name} ({exc.error_message}); raise "
                             f"{exception} instead")
                missing = [m for m in mentions if m not in exc.error_message]
                if missing:
                    ctx.fail(f"the {exception}'s message {exc.error_message!r} should name "
                             f"{', '.join(repr(m) for m in missing)}")
    return _register(exercise, name, points, hint, description or
                     f"{target.func} raises {exception} on invalid input.", body)


def deterministic(exercise, target, cases, *, name, points=1, hint=None,
                  description=None, same=None):
    """Check: calling twice with the same case (e.g. the same seed) gives the same
    answer, and each answer is right (``target.check_answer``). ``same(a, b)``
    compares two converted answers (default: ``np.array_equal``)."""
    same = same or (lambda a, b: np.array_equal(np.asarray(a), np.asarray(b)))

    def body(ctx):
        for case, label in _cases(target, cases):
            with ctx.case(f"{label}, twice"):
                first = target.answer(ctx, case)
                second = target.answer(ctx, case)
                if not same(first, second):
                    ctx.fail(f"the same call gave {fmt(first)} and then {fmt(second)}")
    return _register(exercise, name, points, hint, description or
                     f"{target.func} gives the same answer for the same seed.", body)


def counts_calls(exercise, target, cases, *, name, counter, allowed, points=1, hint=None,
                 description=None, unit="calls"):
    """Check: the function argument counted as ``counter`` is called a number of
    times in ``allowed(case) -> (low, high)``, and the answer of that call is right.

    The counts are those of :attr:`~.runner.CallResult.counts` (the grader's side)."""
    def body(ctx):
        for case, label in _cases(target, cases):
            with ctx.case(label):
                res = target.run(ctx, case)
                value = target.check_answer(res.value, case)
                low, high = allowed(case)
                calls = res.counts.get(counter, 0)
                if not low <= calls <= high:
                    want = f"exactly {low}" if low == high else f"at most {high}"
                    ctx.fail(f"{counter} was called {calls} time{'s' * (calls != 1)} to "
                             f"return {fmt(value)}; {want} {unit} are needed")
    return _register(exercise, name, points, hint, description or
                     f"{target.func} calls {counter} no more often than needed.", body)


def satisfies(exercise, target, cases, properties, *, name, points=1, hint=None,
              description=None):
    """Check: each answer (converted, and compared with the reference if the target
    has one) passes every ``prop(value, case)`` of ``properties`` in order (each
    raises ``CheckFailed``); list the cheap validity properties first."""
    def body(ctx):
        for case, label in _cases(target, cases):
            with ctx.case(label):
                value = target.answer(ctx, case)
                for prop in properties:
                    prop(value, case)
    return _register(exercise, name, points, hint, description or
                     f"{target.func}'s answers have the required properties.", body)


def over_calls(exercise, target, cases, verdict, *, name, label, points=1, hint=None,
               description=None):
    """Check: ``verdict(values, cases)`` on the answers of all ``cases`` together
    (each answer first judged by the target) raises ``CheckFailed`` or returns."""
    def body(ctx):
        with ctx.case(label):
            values = [target.check_answer(v, c) for v, c in
                      zip(ctx.map(target.func, [(c.args, c.kwargs) for c in cases]), cases)]
            verdict(values, cases)
    return _register(exercise, name, points, hint, description or
                     f"{target.func}'s answers, taken together, pass a test.", body)


def chi_square(counts, expected):
    """Pearson's statistic ``sum (n_k - e)^2 / e`` of counts against ``e`` each."""
    counts = np.asarray(counts, dtype=float)
    return float(np.sum((counts - expected) ** 2 / expected))


@dataclass
class Experiment:
    """Calls whose outcomes should be uniform over ``support`` (chi-square below
    ``threshold``: the quantile of the chi-square law with ``len(support) - 1``
    degrees of freedom at the chosen false-alarm probability)."""

    label: str
    cases: list
    outcome: object          # outcome(converted value) -> hashable in support
    support: list
    threshold: float
    explain: object = None   # explain(counts) -> hint or None


def uniformly_distributed(exercise, target, experiments, *, name, points=1, hint=None,
                          description=None):
    """Check: for each :class:`Experiment`, the outcomes over its fixed seeds are
    uniform on the support (Pearson chi-square below the threshold). With fixed
    seeds the verdict is deterministic; a correct sampler fails with probability
    about the threshold's tail probability at most. Every experiment is run, and the
    message lists each one that fails."""
    def body(ctx):
        failures, hints = [], []
        for ex in experiments:
            with ctx.case(ex.label):
                values = ctx.map(target.func, [(c.args, c.kwargs) for c in ex.cases])
                counts = dict.fromkeys(ex.support, 0)
                for value, case in zip(values, ex.cases):
                    outcome = ex.outcome(target.check_answer(value, case))
                    if outcome not in counts:
                        ctx.fail(f"outcome {outcome} is not one of the "
                                 f"{len(ex.support)} possible ones")
                    counts[outcome] += 1
            stat = chi_square(list(counts.values()), len(ex.cases) / len(ex.support))
            if stat > ex.threshold:
                lo, hi = min(counts, key=counts.get), max(counts, key=counts.get)
                failures.append(
                    f"{ex.label}: not uniformly random: each of the {len(ex.support)} "
                    f"outcomes should appear about {len(ex.cases) // len(ex.support)} "
                    f"times; counts range from {counts[lo]} ({lo}) to {counts[hi]} ({hi}) "
                    f"(chi-square {stat:.1f}, threshold {ex.threshold:.1f})")
                hints.append(ex.explain(counts) if ex.explain else None)
        if failures:
            raise CheckFailed("\n".join(failures), next((h for h in hints if h), None))
    return _register(exercise, name, points, hint, description or
                     f"{target.func}'s random answers are uniformly distributed.", body)
