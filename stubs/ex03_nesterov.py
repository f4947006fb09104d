"""Exercise ex03_nesterov -- Nesterov momentum in the look-ahead form.

Implement Nesterov's accelerated gradient as Sutskever et al. (2013) write it:

    v_{t+1} = momentum * v_t - lr * grad_fn(x_t + momentum * v_t),     v_0 = 0
    x_{t+1} = x_t + v_{t+1}

and return EVERY iterate ``x_t`` (not the look-ahead points), starting with ``x0``.

Function to write
-----------------
nesterov(grad_fn, x0, lr, momentum, n_steps) -> ndarray of shape (n_steps + 1, d)

* Row 0 is ``x0`` (as floats); do not modify ``x0``.
* ``lr <= 0`` raises ``ValueError`` with a message naming ``lr``.

Hints
-----
* One gradient per step, at the look-ahead point ``x + momentum * v``.
* torch's ``SGD(nesterov=True)`` holds the look-ahead points ``y_t`` instead; its
  iterates satisfy ``x_{t+1} = y_t - lr * grad(y_t)`` (the chapter shows it).

Check your work in a notebook with ``check("ex03_nesterov")``, or run ``make grade``.
"""
import numpy as np


def nesterov(grad_fn, x0, lr, momentum, n_steps):
    """Run ``n_steps`` steps of look-ahead Nesterov momentum from ``x0``.

    Parameters
    ----------
    grad_fn : callable, ``grad_fn(x) -> ndarray of shape (d,)``
    x0 : array-like, shape (d,)   starting point (not modified)
    lr : float > 0                learning rate
    momentum : float in [0, 1)    the velocity's decay factor
    n_steps : int >= 0            number of steps

    Returns
    -------
    ndarray, shape (n_steps + 1, d)
    """
    raise NotImplementedError("nesterov: replace this line with your code")
