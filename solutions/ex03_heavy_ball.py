"""Exercise ex03_heavy_ball -- heavy-ball momentum in torch's form.

Implement SGD with momentum as ``torch.optim.SGD`` writes it (full gradients here):

    b_{t+1} = momentum * b_t + grad_fn(x_t),      b_0 = 0
    x_{t+1} = x_t - lr * b_{t+1}

and return EVERY iterate, starting with ``x0`` itself.

Function to write
-----------------
heavy_ball(grad_fn, x0, lr, momentum, n_steps) -> ndarray of shape (n_steps + 1, d)

* Row 0 is ``x0`` (as floats); ``x0`` belongs to the caller: do not modify it.
* ``momentum`` outside ``[0, 1)`` raises ``ValueError`` with a message naming ``momentum``.

Hints
-----
* Update the buffer first, then step with the new buffer.
* With ``momentum = 0`` the method is gradient descent (chapter 01's exercise).
* Test yourself: ``course_lib.optimizers.run(sgd(lr, momentum=momentum), problem, x0,
  n_steps).params`` gives the same rows.

Check your work in a notebook with ``check("ex03_heavy_ball")``, or run ``make grade``.
"""
import numpy as np


def heavy_ball(grad_fn, x0, lr, momentum, n_steps):
    """Run ``n_steps`` steps of torch-form heavy ball from ``x0``.

    Parameters
    ----------
    grad_fn : callable, ``grad_fn(x) -> ndarray of shape (d,)``
    x0 : array-like, shape (d,)   starting point (not modified)
    lr : float > 0                learning rate
    momentum : float in [0, 1)    the buffer's decay factor
    n_steps : int >= 0            number of steps

    Returns
    -------
    ndarray, shape (n_steps + 1, d)
    """
    # BEGIN SOLUTION
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must lie in [0, 1), got momentum={momentum!r}")
    x = np.array(x0, dtype=float)
    b = np.zeros_like(x)
    iterates = [x]
    for _ in range(n_steps):
        b = momentum * b + np.asarray(grad_fn(x), dtype=float)
        x = x - lr * b
        iterates.append(x)
    return np.array(iterates)
    # END SOLUTION
