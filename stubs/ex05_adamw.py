"""Exercise ex05_adamw -- AdamW, the decoupled form of weight decay.

Implement ``torch.optim.AdamW``'s update with a constant learning rate ``lr``:

    t <- t + 1
    x <- (1 - lr * weight_decay) * x           # decoupled decay: NOT added to g
    m <- b1 m + (1 - b1) g                     v <- b2 v + (1 - b2) g^2
    x <- x - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

with ``g = grad_fn(x_t)`` the gradient at the iterate before the step, ``m = v = 0``
and ``t = 0`` at the start, and return EVERY iterate, starting with ``x0``.

Function to write
-----------------
adamw(grad_fn, x0, lr, n_steps, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01)
    -> ndarray of shape (n_steps + 1, d)

* Row 0 is ``x0`` (as floats); ``x0`` belongs to the caller: do not modify it.
* ``weight_decay < 0`` raises ``ValueError`` with a message that names ``weight_decay``.

Hints
-----
* The decay uses the weights *before* the Adam step, and is multiplied by ``lr``
  (torch's convention; the paper's lambda is ``lr * weight_decay``).
* Adam with L2 would add ``weight_decay * x`` to ``g`` before the moments: that is the
  other optimizer, the one this chapter tells apart.
* ``eps`` is added after the square root; the bias corrections use ``t = 1`` on the
  first step.

Check your work in a notebook with ``check("ex05_adamw")``, or run ``make grade``.
"""
import numpy as np


def adamw(grad_fn, x0, lr, n_steps, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01):
    """Run ``n_steps`` steps of AdamW from ``x0``; return all iterates (rows)."""
    raise NotImplementedError("adamw: replace this line with your code")
