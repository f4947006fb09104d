"""Exercise ex10_straight_barrier -- the loss barrier between two solutions.

Two networks trained from different seeds reach different weights ``theta_a``,
``theta_b`` with about the same loss. Is the straight segment between them also low?
Evaluate the loss at ``theta(t) = (1 - t) theta_a + t theta_b`` and compare it with the
chord between the two end values; the **barrier** is the largest excess

    B = max_t [ L(theta(t)) - ((1 - t) L(theta_a) + t L(theta_b)) ]

(Entezari et al. 2022, definition 1). For a convex loss the path is never above the
chord, so ``B = 0`` (attained at the ends); ``B > 0`` proves the loss is not convex
along the segment.

Function to write
-----------------
straight_barrier(loss, theta_a, theta_b, n_points=101) -> float

* ``loss(theta)`` returns a float for an array ``theta``.
* Use the ``n_points`` values ``t = np.linspace(0, 1, n_points)`` (both ends included)
  and call ``loss`` exactly once at each.

Hints
-----
* Keep the losses in an array ``L``; the chord is ``(1 - t) * L[0] + t * L[-1]``.
* Reference: Entezari, Sedghi, Saukh, Neyshabur, The role of permutation invariance in
  linear mode connectivity of neural networks, ICLR 2022.

Check your work with ``check("ex10_straight_barrier")``.
"""
import numpy as np


def straight_barrier(loss, theta_a, theta_b, n_points=101):
    """Largest excess of the loss over the chord on the segment from theta_a to theta_b.

    Parameters
    ----------
    loss : callable, ``loss(theta) -> float``
    theta_a, theta_b : arrays of the same shape
    n_points : int >= 2

    Returns
    -------
    float
    """
    raise NotImplementedError("straight_barrier: replace this line with your code")
