"""Checks of exercise ex11_gradient_check: ``numerical_gradient(f, x, eps)``, the
central-difference gradient that checks a backward pass.

Reference: the problems' closed-form gradients (``course_lib.problems``), an oracle
independent of any finite difference; ``course_lib.diagnostics.gradcheck`` computes the
same central differences against autograd. Tolerance ``rtol = atol = 1e-7``: the central
difference is exact on quadratics up to rounding (``~1e-16 |f| / eps``, below 1e-8 here)
and within ``eps^2 |f'''| / 6 < 1e-7`` on the other cases, while a forward difference is
off by ``eps |f''| / 2``, more than ten times the tolerance on every case
(tests/test_diagnostics.py pins both).
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, counts_calls, leaves_inputs_unmodified, \
    matches_reference, rejects_bad_input
from ..registry import Exercise
from ..specs import FunctionSpec

EXERCISE = Exercise(
    "ex11_gradient_check", "A central-difference gradient check",
    functions=("numerical_gradient",),
    reference_functions=("course_lib.diagnostics.gradcheck",))

FUNC = "numerical_gradient"
RTOL = ATOL = 1e-7


def _f(problem, kwargs=None, constructor=None):
    return FunctionSpec(problem, "value", kwargs, constructor, name="f")


def reference(f, x, eps=1e-6):
    return np.asarray(f.build().grad(np.asarray(x, float)), dtype=float)


def _fd(case, kind):
    f, x = case.args[:2]
    eps = case.kwargs.get("eps", 1e-6)
    fn, x = f.function, np.asarray(x, float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        g.flat[i] = {"forward": (fn(x + e) - fn(x)) / eps,
                     "no_half": (fn(x + e) - fn(x - e)) / eps}[kind]
    return g


def _all_at_once(case, ref):
    f, x = case.args[:2]
    eps = case.kwargs.get("eps", 1e-6)
    x = np.asarray(x, float)
    return np.full(x.shape, (f.function(x + eps) - f.function(x - eps)) / (2 * eps))


MISTAKES = [
    Mistake("that is the forward difference (f(x + eps e_i) - f(x)) / eps, error "
            "~eps |f''| / 2: use (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).",
            lambda c, ref: _fd(c, "forward")),
    Mistake("the two points are 2 eps apart: divide by 2 eps.",
            lambda c, ref: _fd(c, "no_half")),
    Mistake("you moved every coordinate at once (a directional derivative): perturb one "
            "coordinate e_i at a time.", _all_at_once),
]
TARGET = Target(FUNC, reference, what="the numerical gradient", rtol=RTOL, atol=ATOL,
                mistakes=MISTAKES)

QUAD = _f("Quadratic", {"kappa": 10.0, "dim": 3, "L": 10.0, "rotation": 1},
          "from_condition_number")
CONVEX = [Case(QUAD, np.array([0.1, -0.2, 0.05]), label="numerical_gradient(a 3-d quadratic, "
                                                          "L = 10, x = [0.1, -0.2, 0.05])"),
          Case(_f("Quadratic", {"eigs": np.array([2.0, 20.0])}, "from_eigenvalues"),
               np.array([0.3, 0.7]), eps=1e-5,
               label="numerical_gradient(diag(2, 20), x = [0.3, 0.7], eps=1e-5)")]
NONCONVEX = [Case(_f("Rosenbrock"), np.array([-1.2, 1.0]),
                  label="numerical_gradient(Rosenbrock, x = [-1.2, 1])"),
             Case(_f("Himmelblau"), np.array([1.0, 2.0]), eps=1e-5,
                  label="numerical_gradient(Himmelblau, x = [1, 2], eps=1e-5)"),
             Case(_f("TiltedDoubleWell"), np.array([2.0]),
                  label="numerical_gradient(x^4 - 4x^2 + x, x = 2)")]

matches_reference(EXERCISE, TARGET, CONVEX, name="exact_on_quadratics", points=2,
                  hint="g_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).",
                  description="Equals the closed-form gradient of two quadratics to 1e-7 "
                              "(the central difference is exact there).")
matches_reference(EXERCISE, TARGET, NONCONVEX, name="accurate_on_nonconvex", points=2,
                  hint="central differences: the error is O(eps^2), not O(eps).",
                  description="Within 1e-7 of the gradient of Rosenbrock, Himmelblau and "
                              "the tilted double well.")
counts_calls(EXERCISE, TARGET, [CONVEX[0], NONCONVEX[0]], counter="f",
             allowed=lambda case: (2 * np.size(case.args[1]), 2 * np.size(case.args[1])),
             unit="calls (two per coordinate)", name="two_calls_per_coordinate", points=1,
             hint="f(x + eps e_i) and f(x - eps e_i) for each i; f(x) itself is not needed.",
             description="Calls f exactly 2 d times.")
leaves_inputs_unmodified(EXERCISE, TARGET, [NONCONVEX[0], CONVEX[1]], arguments={1: "x"},
                         name="leaves_x_unchanged", points=1,
                         hint="perturb a copy: x = np.array(x, dtype=float), and restore "
                              "x[i] = old after each coordinate.",
                         description="The caller's x is unchanged, bit for bit.")
rejects_bad_input(EXERCISE, TARGET, [Case(QUAD, np.ones(3), eps=0.0, label="eps=0"),
                                     Case(QUAD, np.ones(3), eps=-1e-6, label="eps=-1e-6")],
                  control=CONVEX[0], exception="ValueError", mentions=("eps",),
                  name="rejects_bad_eps", points=1,
                  hint="if not eps > 0: raise ValueError('eps must be > 0 ...')",
                  description="eps <= 0 raises ValueError naming eps.")
