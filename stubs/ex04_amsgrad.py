"""Exercise ex04_amsgrad -- AMSGrad's maximum.

AMSGrad (Reddi, Kale & Kumar 2018) is Adam with the second moment replaced by its
running maximum. Return the updates torch.optim.Adam(amsgrad=True) makes for a fixed
sequence of gradients (the rows of ``grads``):

    m_t = b1 m_{t-1} + (1 - b1) g_t          v_t = b2 v_{t-1} + (1 - b2) g_t^2
    vmax_t = max(vmax_{t-1}, v_t)            (elementwise, vmax_0 = 0)
    u_t = -lr * (m_t / (1 - b1^t)) / (sqrt(vmax_t / (1 - b2^t)) + eps)

Function to write
-----------------
amsgrad_updates(grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8) -> ndarray, shape (T, d)

* ``grads`` has shape (T, d); do not modify it.
* ``b1`` or ``b2`` outside [0, 1) raises ``ValueError`` naming the argument.

Hints
-----
* torch takes the maximum of the raw v, then bias-corrects it with the current t.
* With shrinking gradients Adam's steps grow back; AMSGrad's stay small.

Check your work with ``check("ex04_amsgrad")``.
"""
import numpy as np


def amsgrad_updates(grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """AMSGrad's updates for the gradient rows of ``grads`` (one row per step).

    Returns
    -------
    ndarray, shape (T, d)   row ``t - 1`` is ``u_t``
    """
    raise NotImplementedError("amsgrad_updates: replace this line with your code")
