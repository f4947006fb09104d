"""Exercise ex11_gradient_check -- a numerical gradient to check a backward pass.

Before trusting a hand-written ``backward`` (a custom layer, a new loss), compare it
with finite differences. The CENTRAL difference along each coordinate ``e_i``

    g_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

is exact for quadratics and has error ``eps^2 |f'''| / 6`` in general, while the forward
difference ``(f(x + eps e_i) - f(x)) / eps`` has error ``eps |f''| / 2``: with
``eps = 1e-6`` that is a relative error near 1e-6 instead of 1e-12, too coarse to tell a
small bug from rounding. (``torch.autograd.gradcheck`` uses the central difference too.)

Function to write
-----------------
numerical_gradient(f, x, eps=1e-6) -> ndarray of the shape of x

* ``f(x)`` returns a float; call it exactly ``2 d`` times for ``d = x.size``.
* ``x`` belongs to the caller: do not modify it (work on a float copy; moving
  ``x[i]`` by ``+eps`` and back by ``-eps`` does not always restore it exactly).
* ``eps <= 0`` raises ``ValueError`` naming ``eps``.

Check your work with ``check("ex11_gradient_check")``, or ``make grade``.
"""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of ``f`` at ``x``."""
    raise NotImplementedError("numerical_gradient: replace this line with your code")
