"""Cases shared by the chapter-03 exercises on momentum iterates (ex03_heavy_ball,
ex03_nesterov): objectives as grader-side specs, and the loop that the wrong-answer
diagnoses reuse."""
from __future__ import annotations

import numpy as np

from ..factories import Case
from ..specs import FunctionSpec


def grad(problem, kwargs=None, constructor=None):
    return FunctionSpec(problem, "grad", kwargs, constructor, name="grad_fn")


QUADRATIC = grad("Quadratic", {"kappa": 20.0, "dim": 2, "L": 1.0, "rotation": 1},
                 "from_condition_number")
CASES = [
    # (spec, x0, lr, momentum, n_steps)
    (QUADRATIC, np.array([1.0, -2.0]), 0.5, 0.9, 25),
    (grad("Quadratic", {"eigs": np.array([0.2, 1.0, 3.0]), "rotation": 2,
                        "x_star": np.array([1.0, 0.0, -1.0])}, "from_eigenvalues"),
     np.zeros(3), 0.3, 0.6, 15),
    (grad("Rosenbrock"), np.array([-1.2, 1.0]), 1e-4, 0.9, 20),
    (grad("TiltedDoubleWell"), np.array([2.0]), 0.01, 0.5, 12),
    (QUADRATIC, np.array([1.0, -2.0]), 0.5, 0.0, 6),          # momentum 0: gradient descent
]


def walk(spec, x0, n_steps, step):
    """Rows ``x_0..x_n`` of ``x, state = step(x, grad_fn, state)`` from ``state = None``."""
    g = spec.function
    x = np.asarray(x0, dtype=float)
    rows, state = [x], None
    for _ in range(n_steps):
        x, state = step(x, g, state)
        rows.append(x)
    return np.array(rows)


def case(spec, x0, lr, mom, n):
    """One call ``f(grad_fn, x0, lr, momentum, n_steps)`` with a readable label."""
    return Case(spec, x0, lr, mom, n, label=f"{spec.describe()}, x0={np.asarray(x0).tolist()}, "
                                             f"lr={lr}, momentum={mom}, n_steps={n}")
