"""Named optimizers built from :mod:`course_lib.transforms`.

* :func:`sgd` — gradient descent / SGD with torch.optim.SGD's arguments
  (``lr``, ``momentum``, ``dampening``, ``weight_decay``, ``nesterov``,
  ``maximize``); ``lr`` may be a schedule ``t -> eta_t``.

The loops live in :mod:`course_lib.loop` and are re-exported here, so
``from course_lib.optimizers import run`` keeps working: :func:`run`,
:func:`gradient_descent_armijo` and ``Trajectory`` (the former name of
:class:`course_lib.result.OptimizeResult`).
"""
from __future__ import annotations

import numpy as np  # noqa: F401  (the docstring examples use np)

from . import transforms as tx
from ._validation import check_scalar
from .loop import Trajectory, gradient_descent_armijo, run  # noqa: F401  (re-exported)

__all__ = ["sgd", "gradient_descent", "run", "Trajectory", "gradient_descent_armijo"]


def sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
        maximize=False):
    """Stochastic gradient descent, exactly as ``torch.optim.SGD`` computes it.

    ::

        g_t <- -g_t                       if maximize
        g_t <- g_t + weight_decay * x_t   (L2 / coupled weight decay)
        g_t <- momentum buffer of g_t     if momentum > 0 (see transforms.trace)
        x_{t+1} = x_t - lr_t * g_t

    As a chain: ``[negate] -> add_decayed_weights -> [trace] -> scale_by_learning_rate``.

    Parameters
    ----------
    lr : float > 0 or callable
        Step size, or a schedule ``t -> lr_t`` (``t`` = updates done so far).
    momentum, dampening, nesterov : see :func:`course_lib.transforms.trace`.
    weight_decay : float >= 0
    maximize : bool
        Ascend instead of descend.

    Returns
    -------
    GradientTransformation

    Examples
    --------
    >>> opt = sgd(lr=0.1)
    >>> x = np.array([1.0]); state = opt.init(x)
    >>> u, state = opt.update(2 * x, state, x)   # gradient of x**2
    >>> tx.apply_updates(x, u)
    array([0.8])

    References
    ----------
    torch.optim.SGD (algorithm box in its documentation); Robbins & Monro 1951.
    """
    if not callable(lr):
        check_scalar(lr, "lr", "sgd", low=0.0, closed="neither")
    check_scalar(weight_decay, "weight_decay", "sgd", low=0.0, closed="left")
    parts = []
    if maximize:
        parts.append(tx.negate())
    if weight_decay:
        parts.append(tx.add_decayed_weights(weight_decay))
    if momentum:
        parts.append(tx.trace(momentum, dampening=dampening, nesterov=nesterov))
    elif nesterov:
        raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening.")
    parts.append(tx.scale_by_learning_rate(lr))
    opt = tx.chain(*parts)
    return _Named(opt.init, opt.update, lr)


def gradient_descent(lr):
    """Plain gradient descent ``x_{t+1} = x_t - lr * grad f(x_t)`` (``sgd(lr)``)."""
    return sgd(lr)


class _Named(tx.GradientTransformation):
    """A GradientTransformation that also remembers its learning rate (for logging)."""

    def __new__(cls, init, update, lr):
        self = super().__new__(cls, init, update)
        self._lr = lr
        return self

    def learning_rate(self, count):
        return tx.current_learning_rate(self._lr, count)
