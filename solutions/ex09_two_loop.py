"""Exercise ex09_two_loop -- the L-BFGS two-loop recursion.

L-BFGS never stores the inverse-Hessian approximation ``H``: it keeps the last ``m``
pairs ``s_i = x_{i+1} - x_i``, ``y_i = g_{i+1} - g_i`` and applies ``H`` to a vector
with two loops over them. With ``rho_i = 1 / (y_i . s_i)``:

    q = grad
    for i = newest, ..., oldest:   a_i = rho_i s_i . q ;   q = q - a_i y_i
    r = gamma q,    gamma = (s . y) / (y . y) of the newest pair
    for i = oldest, ..., newest:   b = rho_i y_i . r ;     r = r + (a_i - b) s_i
    direction = -r

Function to write
-----------------
lbfgs_direction(grad, s_list, y_list) -> ndarray of shape (n,)

* ``s_list`` and ``y_list`` are lists of arrays, OLDEST FIRST; they may be empty (then
  ``H_0 = I`` and the direction is ``-grad``).
* Return ``-H grad``; do not modify ``grad`` or the lists.

Hints
-----
* Keep the ``a_i`` of the first loop: the second loop needs them.
* Test yourself: build ``H`` explicitly from ``gamma I`` with the BFGS update
  ``H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T`` over the pairs (oldest first)
  and compare ``-H @ grad``.
* Reference: Nocedal & Wright, *Numerical Optimization*, Algorithm 7.4.

Check your work with ``check("ex09_two_loop")``.
"""
import numpy as np


def lbfgs_direction(grad, s_list, y_list):
    """The L-BFGS search direction ``-H grad``.

    Parameters
    ----------
    grad : ndarray, shape (n,)
    s_list, y_list : lists of ndarrays of shape (n,), oldest first

    Returns
    -------
    ndarray, shape (n,)
    """
    # BEGIN SOLUTION
    q = np.array(grad, dtype=float)
    m = len(s_list)
    if m == 0:
        return -q
    rho = [1.0 / float(np.dot(y, s)) for s, y in zip(s_list, y_list)]
    alpha = [0.0] * m
    for i in range(m - 1, -1, -1):
        alpha[i] = rho[i] * float(np.dot(s_list[i], q))
        q = q - alpha[i] * y_list[i]
    gamma = float(np.dot(s_list[-1], y_list[-1])) / float(np.dot(y_list[-1], y_list[-1]))
    r = gamma * q
    for i in range(m):
        beta = rho[i] * float(np.dot(y_list[i], r))
        r = r + (alpha[i] - beta) * s_list[i]
    return -r
    # END SOLUTION
