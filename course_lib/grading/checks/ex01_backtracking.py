"""Checks of exercise ex01_backtracking: ``backtracking(f, grad_fx, x, t0=1.0, c=1e-4,
beta=0.5)``, the Armijo backtracking step for the direction ``d = -grad_fx``.

The reference is :func:`course_lib.line_search.backtracking_armijo`; the grader
also checks the defining properties directly on the returned ``t``: the Armijo
condition ``f(x - t g) <= f(x) - c t ||g||^2`` holds at ``t`` and fails at
``t / beta`` (maximality on the grid ``t0 * beta**k``).
"""
from __future__ import annotations

import numpy as np

from ..compare import as_array, diagnose, fmt
from ..registry import CheckFailed, Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex01_backtracking", "Backtracking line search (Armijo)",
    functions=("backtracking",), preload=("course_lib.problems",))

FUNC = "backtracking"
RTOL = 1e-9


def _f(problem, kwargs=None, constructor=None):
    return FunctionSpec(problem, "value", kwargs, constructor, name="f")


STEEP_QUADRATIC = _f("Quadratic", {"kappa": 50.0, "dim": 3, "L": 100.0, "rotation": 1},
                     "from_condition_number")
VERY_STEEP_QUADRATIC = _f("Quadratic", {"kappa": 10.0, "dim": 2, "L": 1000.0, "rotation": 2},
                          "from_condition_number")

# (f spec, point x)
DEFAULT_CASES = [
    (_f("Rosenbrock"), np.array([-1.2, 1.0])),
    (_f("Rosenbrock"), np.array([0.0, 0.0])),
    (_f("Rosenbrock"), np.array([1.5, 2.0])),
    (STEEP_QUADRATIC, np.array([1.0, 1.0, 1.0])),
    (_f("TiltedDoubleWell"), np.array([2.0])),
    (_f("TiltedDoubleWell"), np.array([-0.3])),
    (_f("Himmelblau"), np.array([1.0, 1.0])),
]


def grad_at(spec, x):
    """``grad f(x)`` of the trusted problem behind ``spec``."""
    return np.asarray(spec.build().grad(x), dtype=float)


def reference(spec, x, t0=1.0, c=1e-4, beta=0.5):
    """(step, nfev) from course_lib's backtracking_armijo with d = -grad."""
    from course_lib.line_search import backtracking_armijo
    g = grad_at(spec, x)
    res = backtracking_armijo(spec.function, x, -g, g, t0=t0, c=c, beta=beta)
    assert res.success, "grader case without an acceptable step"
    return res.step, res.nfev


def armijo_holds(spec, x, t, c):
    """Sufficient decrease at step t (finite value required)."""
    f = spec.function
    g = grad_at(spec, x)
    fx = f(x)
    with np.errstate(all="ignore"):
        ft = f(x - t * g)
    return bool(np.isfinite(ft) and ft <= fx - c * t * float(g @ g) + 1e-13 * abs(fx))


def _variant(spec, x, t0, c, beta, power=2):
    """A wrong backtracking (``||g||**power``, or a wrong ``c``), to recognise common
    mistakes; the reference itself comes from :func:`reference`."""
    f = spec.function
    g = grad_at(spec, x)
    fx = f(x)
    gn = float(np.linalg.norm(g)) ** power
    t = t0
    for _ in range(200):
        with np.errstate(all="ignore"):
            ft = f(x - t * g)
        if ft <= fx - c * t * gn:
            return t
        t *= beta
    return None


def step_diagnoses(spec, x, t0, c, beta, t_ref):
    """(wrong step, hint) pairs for the usual mistakes; ``t_ref`` is the right step."""
    return [
        (t_ref / beta, "that is the step BEFORE the accepted one (t / beta), which fails "
                       "the Armijo condition: return t as soon as the condition holds."),
        (t_ref * beta, "you shrank t once more after it was accepted: return t as soon as "
                       "the condition holds."),
        (_variant(spec, x, t0, c, beta, power=1),
         "the decrease term is c * t * ||g||^2 (squared norm, g @ g), not c * t * ||g||."),
        (_variant(spec, x, t0, 0.0, beta),
         "your condition ignores c: it is f(x - t g) <= f(x) - c * t * ||g||^2."),
        (_variant(spec, x, t0, 1.0, beta) if c < 1 else None,
         "your decrease term has no factor c: it is f(x - t g) <= f(x) - c * t * ||g||^2."),
    ]


def _step(ctx, spec, x, kwargs):
    """Call backtracking; return the step as a float (or fail clearly)."""
    g = grad_at(spec, x)
    res = ctx.run(FUNC, spec, g, x, **kwargs)
    value = res.value
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.size != 1):
        raise CheckFailed(f"backtracking should return the step t (a float), got "
                          f"{fmt(value)}")
    t = float(as_array(value, "the returned step"))
    return t, res


def _expect_step(t, t_ref, spec, x, t0, c, beta):
    if np.isclose(t, t_ref, rtol=RTOL, atol=0.0):
        return
    hint = diagnose(np.array(t), lambda: step_diagnoses(spec, x, t0, c, beta, t_ref),
                    rtol=RTOL)
    raise CheckFailed(f"returned t = {t!r}, expected t = {t_ref!r} "
                      f"(= t0 * beta**{round(np.log(t_ref / t0) / np.log(beta))})", hint)


@EXERCISE.check(points=2, hint="t = t0; while f(x - t g) > f(x) - c t ||g||^2: t *= beta")
def matches_reference(ctx):
    """With the default t0=1, c=1e-4, beta=0.5, returns the same step as course_lib's
    backtracking_armijo on Rosenbrock, a quadratic with L=100, the tilted double well
    and Himmelblau."""
    for spec, x in DEFAULT_CASES:
        with ctx.case(f"f = {spec.describe()}, x = {fmt(x)}, default t0, c, beta"):
            t_ref, _ = reference(spec, x)
            t, _ = _step(ctx, spec, x, {})
            _expect_step(t, t_ref, spec, x, 1.0, 1e-4, 0.5)


CUSTOM = [
    (_f("Rosenbrock"), np.array([-1.2, 1.0]), dict(t0=2.0, c=0.3, beta=0.7)),
    (STEEP_QUADRATIC, np.array([1.0, -1.0, 0.5]), dict(t0=0.1, c=0.5, beta=0.1)),
    (_f("TiltedDoubleWell"), np.array([2.0]), dict(t0=0.5, c=0.45, beta=0.8)),
    (_f("Himmelblau"), np.array([-1.0, 2.0]), dict(t0=1.0, c=0.9, beta=0.5)),
    # a small gradient (||g|| < 1): ||g|| and ||g||^2 differ the other way round
    (_f("TiltedDoubleWell"), np.array([1.3]), dict(t0=1.0, c=0.5, beta=0.5)),
]


@EXERCISE.check(points=1, hint="use the arguments t0, c and beta, not fixed numbers.")
def uses_t0_c_beta(ctx):
    """Honours non-default t0, c and beta (passed as keywords)."""
    for spec, x, kw in CUSTOM:
        with ctx.case(f"f = {spec.describe()}, x = {fmt(x)}, {kw}"):
            t_ref, _ = reference(spec, x, **kw)
            t, _ = _step(ctx, spec, x, kw)
            _expect_step(t, t_ref, spec, x, kw["t0"], kw["c"], kw["beta"])


PROPERTY_CASES = [(spec, x, {}) for spec, x in DEFAULT_CASES[:4]] + CUSTOM


@EXERCISE.check(points=1, hint="accept t only when f(x - t g) <= f(x) - c t ||g||^2 holds "
                               "(with the c you were given).")
def armijo_holds_at_result(ctx):
    """The sufficient-decrease condition f(x - t g) <= f(x) - c t ||g||^2 holds at the
    returned t."""
    for spec, x, kw in PROPERTY_CASES:
        with ctx.case(f"f = {spec.describe()}, x = {fmt(x)}, {kw or 'defaults'}"):
            t, _ = _step(ctx, spec, x, kw)
            c = kw.get("c", 1e-4)
            if not t > 0:
                ctx.fail(f"returned t = {t!r}; the step must be positive")
            if not armijo_holds(spec, x, t, c):
                f, g = spec.function, grad_at(spec, x)
                with np.errstate(all="ignore"):
                    ft = f(x - t * g)
                ctx.fail(f"at the returned t = {t!r}: f(x - t g) = {ft!r} > f(x) - c t "
                         f"||g||^2 = {f(x) - c * t * float(g @ g)!r}: the Armijo condition "
                         "fails")


@EXERCISE.check(points=1, hint="start at t0 and shrink by beta only while the condition "
                               "fails: the first t that passes is the largest one.")
def step_is_maximal(ctx):
    """The returned t is on the grid t0 * beta**k and t / beta fails the Armijo
    condition (no larger grid step would do)."""
    for spec, x, kw in PROPERTY_CASES:
        with ctx.case(f"f = {spec.describe()}, x = {fmt(x)}, {kw or 'defaults'}"):
            t, _ = _step(ctx, spec, x, kw)
            t0, c, beta = kw.get("t0", 1.0), kw.get("c", 1e-4), kw.get("beta", 0.5)
            if not 0 < t <= t0 * (1 + RTOL):
                ctx.fail(f"returned t = {t!r}, outside (0, t0 = {t0}]")
            k = np.log(t / t0) / np.log(beta)
            if abs(k - round(k)) > 1e-6:
                ctx.fail(f"returned t = {t!r} is not of the form t0 * beta**k "
                         f"(t0 = {t0}, beta = {beta})")
            if t < t0 * (1 - RTOL) and armijo_holds(spec, x, t / beta, c):
                ctx.fail(f"t / beta = {t / beta!r} also satisfies the Armijo condition, so "
                         f"t = {t!r} is not the largest acceptable step")


@EXERCISE.check(points=1, hint="NaN compares False with everything: test "
                               "`if f(x - t*g) <= bound: return t` (NaN fails it) rather "
                               "than `while f(x - t*g) > bound` (NaN stops the loop).")
def rejects_nonfinite_trials(ctx):
    """A trial where f is NaN or inf (outside f's domain) is rejected, not accepted."""
    for spec, x in ((_f("LogBarrier", {"dim": 1}), np.array([0.9])),
                    (_f("LogBarrier", {"dim": 2}), np.array([0.9, -0.5]))):
        with ctx.case(f"f(x) = -sum(log(1 - x_i^2)) (NaN for |x_i| > 1), x = {fmt(x)}"):
            t_ref, _ = reference(spec, x)
            t, _ = _step(ctx, spec, x, {})
            if not np.isclose(t, t_ref, rtol=RTOL, atol=0.0):
                f, g = spec.function, grad_at(spec, x)
                with np.errstate(all="ignore"):
                    ft = f(x - t * g)
                raise CheckFailed(f"returned t = {t!r} where f(x - t g) = {ft!r}; expected "
                                  f"t = {t_ref!r}, the largest step with a finite value "
                                  "that satisfies the Armijo condition")


@EXERCISE.check(points=1, hint="evaluate f(x) once, before the loop; each trial step then "
                               "costs one evaluation f(x - t g).")
def few_function_evaluations(ctx):
    """Calls f at most once per trial step plus once for f(x) (plus one spare)."""
    cases = [(VERY_STEEP_QUADRATIC, np.array([1.0, 1.0])),
             (STEEP_QUADRATIC, np.array([1.0, 1.0, 1.0])),
             (_f("Rosenbrock"), np.array([-1.2, 1.0]))]
    for spec, x in cases:
        with ctx.case(f"f = {spec.describe()}, x = {fmt(x)}"):
            t_ref, nfev = reference(spec, x)
            t, res = _step(ctx, spec, x, {})
            calls = res.counts.get("f", 0)
            if calls > nfev + 1:
                ctx.fail(f"f was called {calls} times to find t = {t!r}; {nfev} calls are "
                         f"enough ({nfev - 1} trial steps and f(x) once)")


@EXERCISE.check(points=1, hint="at a stationary point (g = 0) the condition f(x) <= f(x) "
                               "holds with equality: use <=, and t0 is accepted.")
def returns_t0_when_acceptable(ctx):
    """Returns t0 itself when t0 already satisfies the condition, including at a
    stationary point where g = 0."""
    cases = [(_f("Quadratic", {"kappa": 4.0, "dim": 2, "L": 1.0}, "from_condition_number"),
              np.array([1.0, 2.0]), dict(t0=0.5)),
             (_f("Quadratic", {"kappa": 4.0, "dim": 2, "L": 1.0}, "from_condition_number"),
              np.array([-3.0, 1.0]), dict(t0=1.5, beta=0.9)),
             (_f("Rosenbrock"), np.array([1.0, 1.0]), dict(t0=0.75))]
    for spec, x, kw in cases:
        with ctx.case(f"f = {spec.describe()}, x = {fmt(x)}, {kw}"):
            t_ref, _ = reference(spec, x, **kw) if np.any(grad_at(spec, x)) else (kw["t0"], 0)
            t, _ = _step(ctx, spec, x, kw)
            if t != t_ref:
                ctx.fail(f"returned t = {t!r}, expected t0 = {t_ref!r}, which already "
                         "satisfies the Armijo condition")
