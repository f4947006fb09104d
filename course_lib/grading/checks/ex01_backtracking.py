"""Checks of exercise ex01_backtracking: ``backtracking(f, grad_fx, x, t0=1.0, c=1e-4,
beta=0.5)``, the Armijo backtracking step for the direction ``d = -grad_fx``.

A table of cases, the reference :func:`course_lib.line_search.backtracking_armijo`,
and the defining properties checked directly on the returned ``t``: it lies on the
grid ``t0 * beta**k``, the Armijo condition ``f(x - t g) <= f(x) - c t ||g||^2``
holds at ``t`` and fails at ``t / beta`` (maximality). The cases reach both edges of
the spec: the first trial step accepted (also at a stationary point, g = 0) and
rejected, by a wide margin or by 2e-12 of ``|f(x)|``.

Function evaluations are counted under the name ``"f"`` in
:attr:`~..runner.CallResult.counts`; for ``few_function_evaluations`` ``f`` is a
:func:`counted_by_grader` spec, evaluated and counted on the grader's side where the
grader supports it (the sandbox's ``FunctionSpec(..., by_grader=True)``).
"""
from __future__ import annotations

import inspect

import numpy as np

from ..compare import as_array, diagnose, fmt, near_miss_hint
from ..factories import Case, Target, counts_calls, matches_reference, satisfies
from ..registry import CheckFailed, Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex01_backtracking", "Backtracking line search (Armijo)",
    functions=("backtracking",), preload=("course_lib.problems",),
    reference_functions=("course_lib.line_search.backtracking_armijo",
                         "course_lib.optimizers.gradient_descent_armijo"))

FUNC = "backtracking"
#: relative tolerance on the returned step: t0 * beta**k by repeated multiplication
#: or by a power differs by ~1e-16; a step computed in float32 by ~1e-8
RTOL = 1e-9
#: slack of the Armijo test at the returned step, relative to |f(x)| (rounding in
#: f(x - t g) and in the bound); the tests pin it with a case violated by 2e-12 |f(x)|
ARMIJO_RTOL = 1e-13
DEFAULTS = {"t0": 1.0, "c": 1e-4, "beta": 0.5}


def _f(problem, kwargs=None, constructor=None):
    return FunctionSpec(problem, "value", kwargs, constructor, name="f")


STEEP_QUADRATIC = _f("Quadratic", {"kappa": 50.0, "dim": 3, "L": 100.0, "rotation": 1},
                     "from_condition_number")
VERY_STEEP_QUADRATIC = _f("Quadratic", {"kappa": 10.0, "dim": 2, "L": 1000.0, "rotation": 2},
                          "from_condition_number")
FLAT_QUADRATIC = _f("Quadratic", {"kappa": 4.0, "dim": 2, "L": 1.0}, "from_condition_number")
#: f(x) = x^2 / 2: from x = 1, the Armijo condition holds exactly for t <= 2 (1 - c)
PARABOLA = _f("Quadratic", {"eigs": np.array([1.0])}, "from_eigenvalues")


def counted_by_grader(spec):
    """The same ``f``, evaluated and counted by the trusted grader rather than in the
    learner's process (so that learner code cannot reset the count), when
    :class:`~..specs.FunctionSpec` offers ``by_grader``; else ``spec`` itself."""
    if "by_grader" not in inspect.signature(FunctionSpec).parameters:
        return spec
    return FunctionSpec(spec.problem, spec.attr, spec.kwargs, spec.constructor, spec.name,
                        by_grader=True)


def grad_at(spec, x):
    """``grad f(x)`` of the trusted problem behind ``spec``."""
    return np.asarray(spec.build().grad(x), dtype=float)


def _params(kw):
    return {**DEFAULTS, **kw}


def reference(spec, x, t0=1.0, c=1e-4, beta=0.5):
    """(step, nfev) from course_lib's backtracking_armijo with d = -grad; at a
    stationary point (g = 0) the condition f(x) <= f(x) holds: (t0, 1)."""
    from course_lib.line_search import backtracking_armijo
    g = grad_at(spec, x)
    if not np.any(g):
        return t0, 1
    res = backtracking_armijo(spec.function, x, -g, g, t0=t0, c=c, beta=beta)
    assert res.success, "grader case without an acceptable step"
    return res.step, res.nfev


def armijo_margin(spec, x, t, c):
    """``f(x - t g) - (f(x) - c t ||g||^2)``: <= 0 where the condition holds (+inf
    where f is not finite), and the slack allowed for rounding."""
    f, g = spec.function, grad_at(spec, x)
    fx = f(x)
    with np.errstate(all="ignore"):
        ft = f(x - t * g)
    margin = ft - (fx - c * t * float(g @ g)) if np.isfinite(ft) else np.inf
    return margin, ARMIJO_RTOL * max(abs(fx), 1e-300)


def armijo_holds(spec, x, t, c):
    """Sufficient decrease at step t, to rounding (finite value required)."""
    margin, slack = armijo_margin(spec, x, t, c)
    return bool(margin <= slack)


def _variant(spec, x, t0, c, beta, power=2, sign=-1.0, shrink_first=False):
    """A wrong backtracking (``||g||**power``, a wrong ``c``, a wrong sign, shrinking
    before the first test), to recognise common mistakes."""
    f = spec.function
    g = grad_at(spec, x)
    fx = f(x)
    gn = float(np.linalg.norm(g)) ** power
    t = t0 * beta if shrink_first else t0
    for _ in range(200):
        with np.errstate(all="ignore"):
            ft = f(x - t * g)
        if ft <= fx + sign * c * t * gn:
            return t
        t *= beta
    return None


def step_diagnoses(spec, x, t0, c, beta, t_ref):
    """(wrong step, hint) pairs for the usual mistakes; ``t_ref`` is the right step."""
    return [
        (t_ref / beta, "that is the step BEFORE the accepted one (t / beta), which fails "
                       "the Armijo condition: return t as soon as the condition holds."),
        (t_ref * beta if t_ref < t0 else None,
         "you shrank t once more after it was accepted: return t as soon as the "
         "condition holds."),
        (_variant(spec, x, t0, c, beta, shrink_first=True),
         "you shrank t before the first test: t0 itself is the first trial step."),
        (_variant(spec, x, t0, c, beta, power=1),
         "the decrease term is c * t * ||g||^2 (squared norm, g @ g), not c * t * ||g||."),
        (_variant(spec, x, t0, c, beta, sign=+1.0),
         "wrong sign: the bound is f(x) MINUS c * t * ||g||^2 (a decrease)."),
        (_variant(spec, x, t0, 0.0, beta),
         "your condition ignores c: it is f(x - t g) <= f(x) - c * t * ||g||^2."),
        (_variant(spec, x, t0, 1.0, beta) if c < 1 else None,
         "your decrease term has no factor c: it is f(x - t g) <= f(x) - c * t * ||g||^2."),
    ]


def _as_step(value):
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.size != 1):
        raise CheckFailed(f"backtracking should return the step t (a float), got "
                          f"{fmt(value)}")
    return float(as_array(value, "the returned step"))


def _spec_x_params(case):
    spec, _, x = case.args
    return spec, x, _params(case.kwargs)


def _expect_step(t, expected, case):
    t_ref, _ = expected
    if np.isclose(t, t_ref, rtol=RTOL, atol=0.0):
        return
    spec, x, p = _spec_x_params(case)
    hint = diagnose(np.array(t), lambda: step_diagnoses(spec, x, p["t0"], p["c"], p["beta"],
                                                        t_ref), rtol=RTOL, atol=0.0,
                    expected=t_ref) or near_miss_hint(t, t_ref, RTOL)
    k = round(np.log(t_ref / p["t0"]) / np.log(p["beta"]))
    with np.errstate(all="ignore"):
        ft = spec.function(x - t * grad_at(spec, x))
    where = f" where f(x - t g) = {ft!r}" if not np.isfinite(ft) else ""
    raise CheckFailed(f"returned t = {t!r}{where}, expected t = {t_ref!r} "
                      f"(= t0 * beta**{k})", hint)


STEP = Target(FUNC, lambda spec, g, x, **kw: reference(spec, x, **kw), convert=_as_step,
              judge=_expect_step, what="the returned step")
STEP_ONLY = Target(FUNC, convert=_as_step, what="the returned step")   # properties only


def bt_case(spec, x, **kw):
    """The call ``backtracking(f, grad f(x), x, **kw)``."""
    x = np.asarray(x, dtype=float)
    label = f"f = {spec.describe()}, x = {fmt(x)}, {kw or 'default t0, c, beta'}"
    return Case(spec, grad_at(spec, x), x, label=label, **kw)


# (f spec, point x): default t0, c, beta; t0 = 1 rejected (several shrink counts) and,
# in the last two, accepted at once
DEFAULT_CASES = [
    (_f("Rosenbrock"), np.array([-1.2, 1.0])),
    (_f("Rosenbrock"), np.array([0.0, 0.0])),
    (_f("Rosenbrock"), np.array([1.5, 2.0])),
    (STEEP_QUADRATIC, np.array([1.0, 1.0, 1.0])),
    (_f("TiltedDoubleWell"), np.array([2.0])),
    (_f("TiltedDoubleWell"), np.array([-0.3])),
    (_f("Himmelblau"), np.array([1.0, 1.0])),
    (FLAT_QUADRATIC, np.array([1.0, -2.0])),
    (PARABOLA, np.array([1.5])),
]

CUSTOM = [
    (_f("Rosenbrock"), np.array([-1.2, 1.0]), dict(t0=2.0, c=0.3, beta=0.7)),
    (STEEP_QUADRATIC, np.array([1.0, -1.0, 0.5]), dict(t0=0.1, c=0.5, beta=0.1)),
    (_f("TiltedDoubleWell"), np.array([2.0]), dict(t0=0.5, c=0.45, beta=0.8)),
    (_f("Himmelblau"), np.array([-1.0, 2.0]), dict(t0=1.0, c=0.9, beta=0.5)),
    # a small gradient (||g|| < 1): ||g|| and ||g||^2 differ the other way round
    (_f("TiltedDoubleWell"), np.array([1.3]), dict(t0=1.0, c=0.5, beta=0.5)),
    # t0 accepted at once, with a large c (a wrong sign or a missing square shows)
    (FLAT_QUADRATIC, np.array([1.0, 2.0]), dict(t0=0.5, c=0.6, beta=0.7)),
    # the edge: the condition holds for t <= 1 exactly; t0 exceeds it by 2e-12, so
    # t0 fails by 2e-12 |f(x)| (20 times ARMIJO_RTOL) and t0 * beta is the answer
    (PARABOLA, np.array([1.0]), dict(t0=1.0 + 2e-12, c=0.5, beta=0.5)),
]

PROPERTY_CASES = [(spec, x, {}) for spec, x in DEFAULT_CASES[:4] + DEFAULT_CASES[-2:]] \
    + CUSTOM


def _on_grid(t, case):
    spec, x, p = _spec_x_params(case)
    if not 0 < t <= p["t0"] * (1 + RTOL):
        raise CheckFailed(f"returned t = {t!r}, outside (0, t0 = {p['t0']}]")
    k = np.log(t / p["t0"]) / np.log(p["beta"])
    if abs(k - round(k)) > 1e-6:
        raise CheckFailed(f"returned t = {t!r} is not of the form t0 * beta**k "
                          f"(t0 = {p['t0']}, beta = {p['beta']})")


def _armijo_at_t(t, case):
    spec, x, p = _spec_x_params(case)
    margin, slack = armijo_margin(spec, x, t, p["c"])
    if not margin <= slack:
        f, g = spec.function, grad_at(spec, x)
        with np.errstate(all="ignore"):
            ft = f(x - t * g)
        raise CheckFailed(f"at the returned t = {t!r}: f(x - t g) = {ft!r} > f(x) - c t "
                          f"||g||^2 = {f(x) - p['c'] * t * float(g @ g)!r}: the Armijo "
                          "condition fails")


def _maximal(t, case):
    spec, x, p = _spec_x_params(case)
    if t < p["t0"] * (1 - RTOL):
        margin, slack = armijo_margin(spec, x, t / p["beta"], p["c"])
        if margin < -slack:
            raise CheckFailed(f"t / beta = {t / p['beta']!r} also satisfies the Armijo "
                              f"condition, so t = {t!r} is not the largest acceptable step")


matches_reference(
    EXERCISE, STEP, [bt_case(s, x) for s, x in DEFAULT_CASES], name="matches_reference",
    points=2, hint="t = t0; while f(x - t g) > f(x) - c t ||g||^2: t *= beta",
    description="With the default t0=1, c=1e-4, beta=0.5, returns the same step as "
                "course_lib's backtracking_armijo on Rosenbrock, quadratics, the tilted "
                "double well and Himmelblau (t0 rejected, and t0 accepted at once).")

matches_reference(
    EXERCISE, STEP, [bt_case(s, x, **kw) for s, x, kw in CUSTOM], name="uses_t0_c_beta",
    points=1, hint="use the arguments t0, c and beta, not fixed numbers.",
    description="Honours non-default t0, c and beta (passed as keywords), including a "
                "t0 that misses the Armijo condition by 2e-12 of |f(x)|.")

satisfies(
    EXERCISE, STEP_ONLY, [bt_case(s, x, **kw) for s, x, kw in PROPERTY_CASES],
    [_on_grid, _armijo_at_t], name="armijo_holds_at_result", points=1,
    hint="accept t only when f(x - t g) <= f(x) - c t ||g||^2 holds (with the c you "
         "were given).",
    description="The returned t is on the grid t0 * beta**k and the sufficient-decrease "
                "condition f(x - t g) <= f(x) - c t ||g||^2 holds there (to 1e-13 of "
                "|f(x)|).")

satisfies(
    EXERCISE, STEP_ONLY, [bt_case(s, x, **kw) for s, x, kw in PROPERTY_CASES],
    [_on_grid, _armijo_at_t, _maximal], name="step_is_maximal", points=1,
    hint="start at t0 and shrink by beta only while the condition fails: the first t "
         "that passes is the largest one.",
    description="The returned t is an acceptable grid step t0 * beta**k and t / beta "
                "fails the Armijo condition (no larger grid step would do).")

matches_reference(
    EXERCISE, STEP,
    [Case(s, grad_at(s, x), x, label=f"f(x) = -sum(log(1 - x_i^2)) (NaN for |x_i| > 1), "
                                     f"x = {fmt(x)}, {kw or 'default t0, c, beta'}", **kw)
     for s, x, kw in ((_f("LogBarrier", {"dim": 1}), np.array([0.9]), {}),
                      (_f("LogBarrier", {"dim": 2}), np.array([0.9, -0.5]), {}),
                      (_f("LogBarrier", {"dim": 1}), np.array([-0.6]), dict(t0=3.0,
                                                                            beta=0.6)))],
    name="rejects_nonfinite_trials", points=1,
    hint="NaN compares False with everything: test `if f(x - t*g) <= bound: return t` "
         "(NaN fails it) rather than `while f(x - t*g) > bound` (NaN stops the loop).",
    description="A trial where f is NaN or inf (outside f's domain) is rejected, not "
                "accepted.")

counts_calls(
    EXERCISE, STEP, [bt_case(counted_by_grader(s), x)
                     for s, x in ((VERY_STEEP_QUADRATIC, [1.0, 1.0]),
                                  (STEEP_QUADRATIC, [1.0, 1.0, 1.0]),
                                  (_f("Rosenbrock"), [-1.2, 1.0]))],
    counter="f", allowed=lambda case: (0, reference(case.args[0], case.args[2])[1] + 1),
    unit="calls (one per trial step, f(x) once, one spare)",
    name="few_function_evaluations", points=1,
    hint="evaluate f(x) once, before the loop; each trial step then costs one "
         "evaluation f(x - t g).",
    description="Returns the right step and calls f at most once per trial step plus "
                "once for f(x) (plus one spare).")

matches_reference(
    EXERCISE, STEP,
    [bt_case(FLAT_QUADRATIC, [1.0, 2.0], t0=0.5),
     bt_case(FLAT_QUADRATIC, [-3.0, 1.0], t0=1.5, beta=0.9),
     bt_case(_f("Rosenbrock"), [1.0, 1.0], t0=0.75),          # g = 0: f(x) <= f(x)
     bt_case(FLAT_QUADRATIC, [1.0, 2.0], t0=3.0, beta=0.6)],  # control: t0 rejected
    name="returns_t0_when_acceptable", points=1,
    hint="at a stationary point (g = 0) the condition f(x) <= f(x) holds with equality: "
         "use <=, and t0 is accepted.",
    description="Returns t0 itself when t0 already satisfies the condition, including at "
                "a stationary point where g = 0 (and a smaller step when it does not).")
