"""Exercise ex08_projected_step -- one step of projected gradient descent on a ball.

A max-norm weight constraint ``||w||_2 <= r`` (or a trust region of radius ``r``
around 0) is kept by projecting after each gradient step:

    x_new = P(x - lr * grad),     P(z) = z * min(1, r / ||z||_2)

(``P`` leaves a point inside the ball where it is and pulls a point outside back
radially onto the sphere).

Function to write
-----------------
projected_step(x, grad, lr, radius) -> ndarray of shape (n,)

* ``x``, ``grad``: arrays of shape (n,); do not modify them.
* ``lr > 0`` and ``radius > 0``; otherwise raise ``ValueError`` naming the argument.

Hints
-----
* Step first, then project: the projection acts on ``z = x - lr * grad``.
* A point with ``||z|| <= radius`` is returned as it is (not pushed onto the sphere).
* Test yourself: ``projected_step([0.5, 0], [-1, 0], 1.0, 1.0)`` is ``[1, 0]``.

Check your work in a notebook with ``check("ex08_projected_step")``.
"""
import numpy as np


def projected_step(x, grad, lr, radius):
    """``P_ball(x - lr * grad)`` for the ball of radius ``radius`` around 0.

    Parameters
    ----------
    x, grad : array-like, shape (n,)
    lr, radius : float > 0

    Returns
    -------
    ndarray, shape (n,)
    """
    # BEGIN SOLUTION
    if not lr > 0:
        raise ValueError(f"lr must be positive, got lr={lr!r}")
    if not radius > 0:
        raise ValueError(f"radius must be positive, got radius={radius!r}")
    z = np.asarray(x, dtype=float) - lr * np.asarray(grad, dtype=float)
    norm = np.linalg.norm(z)
    return z if norm <= radius else z * (radius / norm)
    # END SOLUTION
