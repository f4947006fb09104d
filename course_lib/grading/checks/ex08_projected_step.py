"""Checks of exercise ex08_projected_step: ``projected_step(x, grad, lr, radius)``.

The reference is one iteration of ``course_lib.constrained.projected_gradient`` with
``course_lib.projections.project_ball`` (``maxiter=1``, ``tol=0``) on a linear
objective whose gradient is the case's ``grad``: the library's loop, not a copy of
the solution's two lines.
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, leaves_inputs_unmodified, \
    matches_reference, rejects_bad_input
from ..registry import Exercise

EXERCISE = Exercise(
    "ex08_projected_step", "One projected-gradient step onto a ball",
    functions=("projected_step",),
    reference_functions=("course_lib.constrained.projected_gradient",
                         "course_lib.projections.project_ball"))

FUNC = "projected_step"


class _Linear:
    def __init__(self, g):
        self.g, self.dim = np.asarray(g, dtype=float), len(g)

    def value(self, x):
        return float(self.g @ x)

    def grad(self, x):
        return self.g


def reference(x, grad, lr, radius):
    from course_lib.constrained import projected_gradient
    from course_lib.projections import project_ball
    x = np.asarray(x, dtype=float)
    inside = np.linalg.norm(x) <= radius
    # the library's loop projects x0 first; from a point inside the ball that is x0
    assert inside, "cases start inside the ball"
    res = projected_gradient(_Linear(grad), x, lambda v: project_ball(v, radius), lr,
                             maxiter=1, tol=0.0)
    return res.params[1] if res.nit == 1 else res.x


def _a(*v):
    return np.array(v, dtype=float)


CASES = [
    (_a(0.5, 0.0), _a(-1.0, 0.0), 1.0, 1.0),          # lands on the sphere at [1, 0]
    (_a(0.3, -0.2, 0.1), _a(0.5, 0.5, -1.0), 0.1, 1.0),   # stays inside
    (_a(1.0, 1.0), _a(-2.0, 1.0), 0.5, 2.0),           # leaves the ball: pulled back
    (_a(0.0, 0.9, 0.0, 0.1), _a(3.0, -4.0, 0.0, 1.0), 0.25, 1.0),
    (_a(0.6, 0.8), _a(0.0, 0.0), 1.0, 1.0),            # zero gradient on the sphere
]


def _wrong_order(case, ref):
    x, g, lr, r = case.args
    n = np.linalg.norm(x)
    return (x if n <= r else x * r / n) - lr * g


def _sphere(case, ref):
    x, g, lr, r = case.args
    z = x - lr * g
    return z * r / np.linalg.norm(z)


def _box(case, ref):
    x, g, lr, r = case.args
    return np.clip(x - lr * g, -r, r)


MISTAKES = [
    Mistake("project AFTER the step: P(x - lr*grad), not P(x) - lr*grad.", _wrong_order),
    Mistake("a point inside the ball stays where it is: scale by min(1, r/||z||), not by "
            "r/||z||.", _sphere),
    Mistake("clipping each coordinate to [-r, r] projects onto a box; the ball's "
            "projection scales the whole vector by r/||z||.", _box),
]

TARGET = Target(FUNC, reference, what="the new iterate", mistakes=MISTAKES)

matches_reference(
    EXERCISE, TARGET, [Case(*c) for c in CASES], name="matches_reference", points=3,
    hint="z = x - lr * grad; return z if ||z|| <= radius else z * radius / ||z||.",
    description="The step equals one iteration of course_lib's projected gradient on 5 "
                "cases (inside, on and outside the ball, a zero gradient).")

leaves_inputs_unmodified(
    EXERCISE, TARGET, [Case(*CASES[2])], arguments={0: "x", 1: "grad"},
    name="does_not_modify_inputs", points=1,
    hint="build z = x - lr * grad as a new array (not x -= lr * grad).",
    description="x and grad are unchanged (and the step is right).")

rejects_bad_input(
    EXERCISE, TARGET, [Case(*CASES[0][:2], lr, 1.0, label=f"lr={lr}") for lr in (0.0, -1.0)],
    control=Case(*CASES[0]), exception="ValueError", mentions=("lr",),
    name="rejects_nonpositive_lr", points=1,
    hint="if lr <= 0: raise ValueError(f\"lr must be positive, got {lr}\")",
    description="lr <= 0 raises a ValueError naming 'lr'.")

rejects_bad_input(
    EXERCISE, TARGET, [Case(*CASES[0][:3], r, label=f"radius={r}") for r in (0.0, -2.0)],
    control=Case(*CASES[0]), exception="ValueError", mentions=("radius",),
    name="rejects_nonpositive_radius", points=1,
    hint="if radius <= 0: raise ValueError(f\"radius must be positive, got {radius}\")",
    description="radius <= 0 raises a ValueError naming 'radius'.")

matches_reference(
    EXERCISE, TARGET, [Case([1, 1], [-2, 1], 0.5, 2, label="projected_step([1, 1], [-2, 1], "
                                                          "0.5, 2) (lists and ints)")],
    name="accepts_lists", points=1,
    hint="convert first: x = np.asarray(x, dtype=float), grad likewise.",
    description="Works when x and grad are lists of ints and lr, radius are ints.")
