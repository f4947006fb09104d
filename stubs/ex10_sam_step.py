"""Exercise ex10_sam_step -- one step of sharpness-aware minimisation (SAM).

SAM (Foret et al. 2021) looks for weights whose whole neighbourhood has low loss: it
minimises ``max_{||e|| <= rho} L(w + e)``. To first order the worst perturbation is a
step of length ``rho`` up the gradient, so one SAM step with gradient descent is

    g     = grad(w)
    e     = rho * g / ||g||            (Euclidean norm of the whole gradient)
    w_new = w - lr * grad(w + e)       (the gradient at the perturbed point, applied at w)

It costs two gradients per step. ``course_lib.sam.SAM`` is the torch optimizer.

Function to write
-----------------
sam_step(grad, w, lr, rho) -> ndarray

* ``grad(x)`` returns the gradient at ``x``; call it exactly twice.
* Divide by ``||g|| + 1e-12``, so that a zero gradient gives ``e = 0`` (and
  ``rho = 0`` is gradient descent).
* Return a new array; do not modify ``w``.

Hints
-----
* Reference: Foret, Kleiner, Mobahi, Neyshabur, Sharpness-aware minimization for
  efficiently improving generalization, ICLR 2021, eq. (2) and Algorithm 1.

Check your work with ``check("ex10_sam_step")``.
"""
import numpy as np


def sam_step(grad, w, lr, rho):
    """One SAM step with a gradient-descent base step.

    Parameters
    ----------
    grad : callable, ``grad(x) -> ndarray``
    w : ndarray
    lr, rho : float

    Returns
    -------
    ndarray
    """
    raise NotImplementedError("sam_step: replace this line with your code")
