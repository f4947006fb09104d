"""Checks of exercise ex01_gradient_descent: ``gradient_descent(grad_fn, x0, lr, n_steps)``.

A table of cases and two references computed here, in the grader: the closed form
of gradient descent on a quadratic ``f(x) = 1/2 x^T A x - b^T x``,
``x_t - x* = (I - lr A)^t (x0 - x*)``, and ``course_lib.optimizers.run(sgd(lr), ...)``
on non-convex problems (the tests check that the two agree on the quadratics).
"""
from __future__ import annotations

import numpy as np

from ..compare import as_array, fmt
from ..factories import (Case, Mistake, Target, counts_calls, leaves_inputs_unmodified,
                         matches_reference, rejects_bad_input, satisfies)
from ..registry import CheckFailed, Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex01_gradient_descent", "Gradient descent from scratch",
    functions=("gradient_descent",), preload=("course_lib.problems",),
    reference_functions=("course_lib.optimizers.run", "course_lib.optimizers.sgd",
                         "course_lib.optimizers.gradient_descent"))

FUNC = "gradient_descent"


def _grad(problem, kwargs=None, constructor=None):
    return FunctionSpec(problem, "grad", kwargs, constructor, name="grad_fn")


SMALL_QUADRATIC = _grad("Quadratic", {"A": np.array([[3.0, 1.0], [1.0, 2.0]]),
                                      "b": np.array([1.0, -1.0])})
QUADRATICS = [
    # (spec, x0, lr, n_steps)
    (SMALL_QUADRATIC, np.array([2.0, -1.0]), 0.2, 10),
    (_grad("Quadratic", {"kappa": 10.0, "dim": 2, "L": 1.0, "rotation": 0},
           "from_condition_number"), np.array([1.0, -2.0]), 1.5, 8),
    (_grad("Quadratic", {"eigs": np.array([1.0, 4.0, 10.0, 25.0, 50.0]), "rotation": 3,
                         "x_star": np.array([1.0, 0.0, -1.0, 2.0, 0.5])},
           "from_eigenvalues"), np.zeros(5), 0.03, 12),
    # lr > 2/L: the iterates must diverge exactly like the closed form says
    (_grad("Quadratic", {"eigs": np.array([0.5, 2.0])}, "from_eigenvalues"),
     np.array([1.0, 1.0]), 1.2, 6),
    # the edge of the spec: x0 = x* (grad = 0): n_steps + 1 copies of x0, no early stop
    (SMALL_QUADRATIC, np.linalg.solve([[3.0, 1.0], [1.0, 2.0]], [1.0, -1.0]), 0.2, 4),
]

NONCONVEX = [
    (_grad("Rosenbrock"), np.array([-1.2, 1.0]), 1e-3, 15),
    (_grad("TiltedDoubleWell"), np.array([2.0]), 0.02, 10),
    (_grad("Himmelblau"), np.array([0.0, 0.0]), 0.01, 10),
    # a stationary start on a non-convex problem: the minimum (1, 1) of Rosenbrock
    (_grad("Rosenbrock"), np.array([1.0, 1.0]), 1e-3, 5),
]


def closed_form(spec, x0, lr, n_steps):
    """``x_t = x* + (I - lr A)^t (x0 - x*)`` for ``t = 0..n_steps`` (rows)."""
    q = spec.build()
    A = np.asarray(q.A)
    x_star = np.linalg.solve(A, np.asarray(q.b))
    M = np.eye(len(x0)) - lr * A
    rows, e = [], np.asarray(x0, dtype=float) - x_star
    for _ in range(n_steps + 1):
        rows.append(x_star + e)
        e = M @ e
    return np.array(rows)


def library_reference(spec, x0, lr, n_steps):
    """Rows ``x_0 .. x_{n_steps}`` of ``course_lib.optimizers.run(sgd(lr), ...)``."""
    from course_lib.optimizers import run, sgd
    return run(sgd(lr), spec.build(), np.asarray(x0, dtype=float), n_steps).params


def _walk(spec, x0, lr, n_steps, sign, frozen=False):
    """A wrong iteration (ascent, or a frozen gradient), to recognise common mistakes."""
    g_fn = spec.function
    x = np.asarray(x0, dtype=float)
    g0 = g_fn(x)
    rows = [x]
    for _ in range(n_steps):
        g = g0 if frozen else g_fn(x)
        x = x + sign * lr * g
        rows.append(x)
    return np.array(rows)


def _walk_case(case, sign, frozen=False):
    spec, x0, lr, n = case.args
    return _walk(spec, x0, lr, n, sign, frozen)


MISTAKES = [
    Mistake("did you update x with +lr*grad (gradient ascent) instead of -lr*grad?",
            lambda case, ref: _walk_case(case, +1.0)),
    Mistake("row 0 must be x0 itself: return x0 and then one row per step "
            "(n_steps + 1 rows).", lambda case, ref: ref[1:]),
    Mistake("you stopped one step early: n_steps steps give n_steps + 1 rows.",
            lambda case, ref: ref[:-1]),
    Mistake("you stopped before n_steps steps, where the gradient is zero: the "
            "exercise asks for exactly n_steps steps (n_steps + 1 rows), whatever the "
            "gradient.", lambda case, ref: ref[:1] if len(ref) > 2 else None),
    Mistake("you made one step too many: n_steps steps give n_steps + 1 rows.",
            lambda case, ref: library_reference(*case.args[:3], case.args[3] + 1)),
    Mistake("your array is transposed: one row per iterate, shape (n_steps + 1, d).",
            lambda case, ref: ref.T),
    Mistake("every row equals the last iterate: you stored the same array object each "
            "time and changed it in place (x -= ...). Store a copy (x.copy()) or write "
            "x = x - lr * g.", lambda case, ref: np.tile(ref[-1], (len(ref), 1))),
    Mistake("you used the gradient at x0 in every step: evaluate grad_fn at the current "
            "iterate.", lambda case, ref: _walk_case(case, -1.0, frozen=True)),
]


def _describe(spec, x0, lr, n_steps):
    return f"{spec.describe()}, x0={fmt(x0)}, lr={lr}, n_steps={n_steps}"


def _case(spec, x0, lr, n_steps, label=None):
    return Case(spec, x0, lr, n_steps, label=label or _describe(spec, x0, lr, n_steps))


def _target(reference):
    return Target(FUNC, reference, what="the returned iterates", row_name="iterate",
                  mistakes=MISTAKES)


CLOSED_FORM = _target(closed_form)
LIBRARY = _target(library_reference)
STRUCTURE = Target(FUNC, what="the returned iterates")      # no reference: shape only


def _is_iterate_array(value, case):
    _, x0, _, n_steps = case.args
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"expected a numpy array, got a {type(value).__name__}; convert "
                          "the list of iterates with np.array(...) before returning it.")
    arr = as_array(value, "the returned iterates")
    if arr.shape != (n_steps + 1, len(x0)):
        hint = None
        if arr.shape == (n_steps, len(x0)):
            hint = "row 0 must be x0 itself, then one row per step."
        elif arr.shape == (len(x0), n_steps + 1):
            hint = "one row per iterate: your array is transposed."
        raise CheckFailed(f"expected shape {(n_steps + 1, len(x0))} (n_steps + 1 rows of "
                          f"dimension d), got {arr.shape}", hint)
    if not np.array_equal(arr[0], x0):
        raise CheckFailed(f"row 0 should be x0 = {fmt(x0)}, got {fmt(arr[0])}")


spec0, x00, lr0, _ = QUADRATICS[0]

satisfies(EXERCISE, STRUCTURE, [_case(spec0, x00, lr0, n) for n in (0, 1, 5)],
          [_is_iterate_array], name="returns_all_iterates", points=1,
          hint="return np.array of the iterates: row 0 = x0, then one row per step.",
          description="Returns an array of shape (n_steps + 1, d) whose row 0 is x0.")

matches_reference(
    EXERCISE, CLOSED_FORM, [_case(*q) for q in QUADRATICS],
    name="matches_closed_form_on_quadratics", points=2,
    hint="x_{t+1} = x_t - lr * grad_fn(x_t); on a quadratic the iterates are "
         "x* + (I - lr A)^t (x0 - x*).",
    description="Iterates equal the closed form x* + (I - lr A)^t (x0 - x*) on quadratics "
                "(including a learning rate above 2/L, where they diverge, and a start at "
                "the minimum, where the gradient is zero).")

matches_reference(
    EXERCISE, LIBRARY, [_case(*q) for q in NONCONVEX],
    name="matches_reference_nonconvex", points=1,
    hint="x_{t+1} = x_t - lr * grad_fn(x_t), with the gradient at the current iterate.",
    description="Iterates equal course_lib's gradient descent on Rosenbrock (also from "
                "its minimum), the tilted double well (1-d) and Himmelblau.")

leaves_inputs_unmodified(
    EXERCISE, CLOSED_FORM, [_case(*QUADRATICS[0])], arguments={1: "x0"},
    name="does_not_modify_x0", points=1,
    hint="start from a copy: x = np.array(x0, dtype=float), and update with "
         "x = x - lr * g rather than x -= lr * g on x0.",
    description="The caller's x0 is unchanged after the call (and the iterates are right).")

matches_reference(
    EXERCISE, CLOSED_FORM,
    [_case(spec0, [2, -1], lr0, 10, label=f"{spec0.describe()}, x0=[2, -1] (a list of "
                                          f"ints), lr={lr0}"),
     _case(spec0, np.array([2, -1]), lr0, 10,
           label=f"{spec0.describe()}, x0=np.array([2, -1]) (an int64 array), lr={lr0}")],
    name="accepts_integer_x0", points=1,
    hint="convert x0 to floats first: np.array(x0, dtype=float).",
    description="Works when x0 is a list or an integer array (the iterates are floats).")

spec1, x01, lr1, _ = QUADRATICS[1]
counts_calls(
    EXERCISE, CLOSED_FORM, [_case(spec1, x01, lr1, n) for n in (0, 3, 7)],
    counter="grad_fn", allowed=lambda case: (case.args[3], case.args[3]),
    unit="gradient evaluations", name="one_gradient_per_step", points=1,
    hint="call grad_fn once per step, at the current iterate; no gradient is needed at "
         "the final iterate.",
    description="grad_fn is called exactly n_steps times (and the iterates are right).")

rejects_bad_input(
    EXERCISE, CLOSED_FORM, [Case(spec0, x00, lr, 10, label=f"lr={lr}") for lr in (0.0, -0.1)],
    control=_case(*QUADRATICS[0]), exception="ValueError", mentions=("lr",),
    name="rejects_nonpositive_lr", points=1,
    hint="start with: if lr <= 0: raise ValueError(f\"lr must be positive, got lr={lr}\")",
    description="lr <= 0 raises a ValueError whose message names 'lr' (and a valid lr "
                "gives the right iterates).")
