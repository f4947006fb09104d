"""Named optimizers built from :mod:`course_lib.transforms`.

* :func:`sgd`, :func:`adam`, :func:`adamw`, ... — every optimizer of
  :mod:`course_lib.zoo`, as a numpy recipe with torch.optim's arguments (generated
  from its spec); ``lr`` may be a schedule ``t -> eta_t``.

The loops live in :mod:`course_lib.loop` and are re-exported here, so
``from course_lib.optimizers import run`` keeps working: :func:`run`,
:func:`gradient_descent_armijo` and ``Trajectory`` (the former name of
:class:`course_lib.result.OptimizeResult`).
"""
from __future__ import annotations

import numpy as np  # noqa: F401  (the docstring examples use np)

from .loop import Trajectory, gradient_descent_armijo, run  # noqa: F401  (re-exported)

__all__ = ["sgd", "gradient_descent", "run", "Trajectory", "gradient_descent_armijo"]


# The named optimizers (sgd, adam, adamw, ...) are generated from their specs in
# course_lib/zoo/ (one file each): see course_lib.zoo for how to add one.
def _zoo_recipes():
    from . import zoo
    return {name: spec.recipe() for name, spec in zoo.specs().items()}


globals().update(_zoo_recipes())
__all__ = __all__ + sorted(n for n in _zoo_recipes() if n not in __all__)


def gradient_descent(lr):
    """Plain gradient descent ``x_{t+1} = x_t - lr * grad f(x_t)`` (``sgd(lr)``)."""
    return sgd(lr)  # noqa: F821 - defined from the zoo above
