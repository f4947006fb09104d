"""Exercise ex01_gradient_descent -- gradient descent from scratch.

Implement plain gradient descent with a constant learning rate ``lr``:

    x_{t+1} = x_t - lr * grad_fn(x_t),        t = 0, 1, ..., n_steps - 1

and return EVERY iterate, starting with ``x0`` itself.

Function to write
-----------------
gradient_descent(grad_fn, x0, lr, n_steps) -> ndarray of shape (n_steps + 1, d)

* ``grad_fn(x)`` returns the gradient at ``x`` (an array of shape (d,)).
* Row 0 of the result is ``x0`` (as floats), row ``t`` is ``x_t``.
* ``x0`` belongs to the caller: do not modify it (work on a copy).
* ``lr <= 0`` raises ``ValueError`` with a message that names ``lr``.

Hints
-----
* ``np.array(x0, dtype=float)`` makes a float copy (``x0`` may be a list of ints).
* ``x = x - lr * g`` builds a new array; ``x -= lr * g`` changes ``x`` in place,
  which also changes every row you stored that *is* ``x``.
* One call of ``grad_fn`` per step is enough; ``n_steps = 0`` returns just ``x0``.
* Test yourself: on ``f(x) = 1/2 x^T A x - b^T x`` the iterates satisfy
  ``x_t - x* = (I - lr A)^t (x0 - x*)`` with ``x* = A^{-1} b``.

Check your work in a notebook with ``check("ex01_gradient_descent")``, or run
``make grade``.
"""
import numpy as np


def gradient_descent(grad_fn, x0, lr, n_steps):
    """Run ``n_steps`` steps of gradient descent from ``x0``.

    Parameters
    ----------
    grad_fn : callable, ``grad_fn(x) -> ndarray of shape (d,)``
    x0 : array-like, shape (d,)   starting point (not modified)
    lr : float > 0                learning rate
    n_steps : int >= 0            number of steps

    Returns
    -------
    ndarray, shape (n_steps + 1, d)
        Row ``t`` is the iterate ``x_t``; row 0 is ``x0``.

    Raises
    ------
    ValueError
        If ``lr <= 0``.
    """
    # BEGIN SOLUTION
    if not lr > 0:
        raise ValueError(f"lr must be a positive float, got lr={lr!r}")
    x = np.array(x0, dtype=float)
    iterates = [x]
    for _ in range(n_steps):
        x = x - lr * np.asarray(grad_fn(x), dtype=float)
        iterates.append(x)
    return np.array(iterates)
    # END SOLUTION
