"""Checks of exercise ex01_gradient_descent: ``gradient_descent(grad_fn, x0, lr, n_steps)``.

References are computed here, in the grader: the closed form of gradient descent
on a quadratic ``f(x) = 1/2 x^T A x - b^T x``,
``x_t - x* = (I - lr A)^t (x0 - x*)``, and ``course_lib.optimizers.run(sgd(lr), ...)``
on non-convex problems.
"""
from __future__ import annotations

import numpy as np

from ..compare import as_array, expect_rows_close, fmt
from ..registry import CheckFailed, Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex01_gradient_descent", "Gradient descent from scratch",
    functions=("gradient_descent",), preload=("course_lib.problems",))

FUNC = "gradient_descent"


def _grad(problem, kwargs=None, constructor=None):
    return FunctionSpec(problem, "grad", kwargs, constructor, name="grad_fn")


QUADRATICS = [
    # (spec, x0, lr, n_steps)
    (_grad("Quadratic", {"A": np.array([[3.0, 1.0], [1.0, 2.0]]), "b": np.array([1.0, -1.0])}),
     np.array([2.0, -1.0]), 0.2, 10),
    (_grad("Quadratic", {"kappa": 10.0, "dim": 2, "L": 1.0, "rotation": 0},
           "from_condition_number"), np.array([1.0, -2.0]), 1.5, 8),
    (_grad("Quadratic", {"eigs": np.array([1.0, 4.0, 10.0, 25.0, 50.0]), "rotation": 3,
                         "x_star": np.array([1.0, 0.0, -1.0, 2.0, 0.5])},
           "from_eigenvalues"), np.zeros(5), 0.03, 12),
    # lr > 2/L: the iterates must diverge exactly like the closed form says
    (_grad("Quadratic", {"eigs": np.array([0.5, 2.0])}, "from_eigenvalues"),
     np.array([1.0, 1.0]), 1.2, 6),
]

NONCONVEX = [
    (_grad("Rosenbrock"), np.array([-1.2, 1.0]), 1e-3, 15),
    (_grad("TiltedDoubleWell"), np.array([2.0]), 0.02, 10),
    (_grad("Himmelblau"), np.array([0.0, 0.0]), 0.01, 10),
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


def diagnoses(spec, x0, lr, n_steps, ref):
    """(wrong output, hint) pairs for the usual mistakes; ``ref`` is the right output."""
    longer = library_reference(spec, x0, lr, n_steps + 1)
    return [
        (_walk(spec, x0, lr, n_steps, sign=+1.0),
         "did you update x with +lr*grad (gradient ascent) instead of -lr*grad?"),
        (ref[1:], "row 0 must be x0 itself: return x0 and then one row per step "
                  "(n_steps + 1 rows)."),
        (ref[:-1], "you stopped one step early: n_steps steps give n_steps + 1 rows."),
        (longer, "you made one step too many: n_steps steps give n_steps + 1 rows."),
        (ref.T, "your array is transposed: one row per iterate, shape (n_steps + 1, d)."),
        (np.tile(ref[-1], (len(ref), 1)),
         "every row equals the last iterate: you stored the same array object each "
         "time and changed it in place (x -= ...). Store a copy (x.copy()) or write "
         "x = x - lr * g."),
        (_walk(spec, x0, lr, n_steps, sign=-1.0, frozen=True),
         "you used the gradient at x0 in every step: evaluate grad_fn at the current "
         "iterate."),
    ]


def _trajectory(ctx, spec, x0, lr, n_steps, reference):
    value = ctx.call(FUNC, spec, x0, lr, n_steps)
    expect_rows_close(value, reference, "the returned iterates", "iterate",
                      diagnoses=lambda: diagnoses(spec, x0, lr, n_steps, reference))


@EXERCISE.check(points=1, hint="return np.array of the iterates: row 0 = x0, then one row "
                               "per step.")
def returns_all_iterates(ctx):
    """Returns an array of shape (n_steps + 1, d) whose row 0 is x0."""
    spec, x0, lr, _ = QUADRATICS[0]
    for n_steps in (0, 1, 5):
        with ctx.case(f"{spec.describe()}, x0={fmt(x0)}, lr={lr}, n_steps={n_steps}"):
            value = ctx.call(FUNC, spec, x0, lr, n_steps)
            if not isinstance(value, np.ndarray):
                kind = type(value).__name__
                ctx.fail(f"expected a numpy array, got a {kind}; convert the list of "
                         "iterates with np.array(...) before returning it.")
            arr = as_array(value, "the returned iterates")
            if arr.shape != (n_steps + 1, len(x0)):
                hint = None
                if arr.shape == (n_steps, len(x0)):
                    hint = "row 0 must be x0 itself, then one row per step."
                elif arr.shape == (len(x0), n_steps + 1):
                    hint = "one row per iterate: your array is transposed."
                raise CheckFailed(f"expected shape {(n_steps + 1, len(x0))} (n_steps + 1 "
                                  f"rows of dimension d), got {arr.shape}", hint)
            if not np.array_equal(arr[0], x0):
                ctx.fail(f"row 0 should be x0 = {fmt(x0)}, got {fmt(arr[0])}")


@EXERCISE.check(points=2, hint="x_{t+1} = x_t - lr * grad_fn(x_t); on a quadratic the "
                               "iterates are x* + (I - lr A)^t (x0 - x*).")
def matches_closed_form_on_quadratics(ctx):
    """Iterates equal the closed form x* + (I - lr A)^t (x0 - x*) on quadratics
    (including a learning rate above 2/L, where they diverge)."""
    for spec, x0, lr, n_steps in QUADRATICS:
        with ctx.case(f"{spec.describe()}, x0={fmt(x0)}, lr={lr}, n_steps={n_steps}"):
            _trajectory(ctx, spec, x0, lr, n_steps, closed_form(spec, x0, lr, n_steps))


@EXERCISE.check(points=1, hint="x_{t+1} = x_t - lr * grad_fn(x_t), with the gradient at "
                               "the current iterate.")
def matches_reference_nonconvex(ctx):
    """Iterates equal course_lib's gradient descent on Rosenbrock, the tilted double
    well (1-d) and Himmelblau."""
    for spec, x0, lr, n_steps in NONCONVEX:
        with ctx.case(f"{spec.describe()}, x0={fmt(x0)}, lr={lr}, n_steps={n_steps}"):
            _trajectory(ctx, spec, x0, lr, n_steps,
                        library_reference(spec, x0, lr, n_steps))


@EXERCISE.check(points=1, hint="start from a copy: x = np.array(x0, dtype=float), and "
                               "update with x = x - lr * g rather than x -= lr * g on x0.")
def does_not_modify_x0(ctx):
    """The caller's x0 is unchanged after the call."""
    spec, x0, lr, n_steps = QUADRATICS[0]
    with ctx.case(f"{spec.describe()}, x0={fmt(x0)}, lr={lr}, n_steps={n_steps}"):
        res = ctx.run(FUNC, spec, x0.copy(), lr, n_steps, echo=True)
        after = np.asarray(res.args_after[1], dtype=float)
        if not np.array_equal(after, x0):
            ctx.fail(f"your function changed the caller's x0: it was {fmt(x0)}, after "
                     f"the call it is {fmt(after)}")


@EXERCISE.check(points=1, hint="convert x0 to floats first: np.array(x0, dtype=float).")
def accepts_integer_x0(ctx):
    """Works when x0 is a list or an integer array (the iterates are floats)."""
    spec, _, lr, n_steps = QUADRATICS[0]
    for x0, label in (([2, -1], "a list of ints"),
                      (np.array([2, -1]), "an int64 array")):
        with ctx.case(f"{spec.describe()}, x0={x0!r} ({label}), lr={lr}"):
            ref = closed_form(spec, np.array(x0, dtype=float), lr, n_steps)
            _trajectory(ctx, spec, x0, lr, n_steps, ref)


@EXERCISE.check(points=1, hint="call grad_fn once per step, at the current iterate; no "
                               "gradient is needed at the final iterate.")
def one_gradient_per_step(ctx):
    """grad_fn is called exactly n_steps times."""
    spec, x0, lr, _ = QUADRATICS[1]
    for n_steps in (0, 3, 7):
        with ctx.case(f"{spec.describe()}, lr={lr}, n_steps={n_steps}"):
            res = ctx.run(FUNC, spec, x0, lr, n_steps)
            calls = res.counts.get("grad_fn", 0)
            if calls != n_steps:
                ctx.fail(f"grad_fn was called {calls} time{'s' * (calls != 1)} for "
                         f"n_steps={n_steps}; "
                         f"gradient descent needs exactly {n_steps} gradient evaluations")


@EXERCISE.check(points=1, hint="start with: if lr <= 0: raise ValueError(f\"lr must be "
                               "positive, got lr={lr}\")")
def rejects_nonpositive_lr(ctx):
    """lr <= 0 raises a ValueError whose message names 'lr'."""
    spec, x0, _, n_steps = QUADRATICS[0]
    for lr in (0.0, -0.1):
        with ctx.case(f"lr={lr}"):
            exc = ctx.raises(FUNC, spec, x0, lr, n_steps)
            if exc is None:
                ctx.fail(f"gradient_descent(..., lr={lr}, ...) returned normally; it "
                         "should raise ValueError")
            if not exc.is_a("ValueError"):
                ctx.fail(f"raised {exc.type_name} ({exc.error_message}); raise ValueError "
                         "instead")
            if "lr" not in exc.error_message:
                ctx.fail(f"the ValueError's message {exc.error_message!r} should name the "
                         "parameter 'lr'")
