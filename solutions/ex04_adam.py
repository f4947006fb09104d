"""Exercise ex04_adam -- Adam with bias correction.

For a fixed sequence of gradients g_1, ..., g_T (the rows of ``grads``), return the
updates u_t = x_t - x_{t-1} that torch.optim.Adam makes:

    m_t = b1 m_{t-1} + (1 - b1) g_t          v_t = b2 v_{t-1} + (1 - b2) g_t^2
    m_hat = m_t / (1 - b1^t)                 v_hat = v_t / (1 - b2^t)
    u_t = -lr * m_hat / (sqrt(v_hat) + eps)

with m_0 = v_0 = 0 and the step counter t = 1 on the first update.

Function to write
-----------------
adam_updates(grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8) -> ndarray, shape (T, d)

* ``grads`` has shape (T, d); do not modify it.
* ``b1`` or ``b2`` outside [0, 1) raises ``ValueError`` naming the argument.

Hints
-----
* Test yourself: the first update is -lr * g_1 / (|g_1| + eps), about -lr * sign(g_1).
* eps is added to sqrt(v_hat), outside the root.

Check your work with ``check("ex04_adam")``.
"""
import numpy as np


def adam_updates(grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Adam's updates for the gradient rows of ``grads`` (one row per step).

    Returns
    -------
    ndarray, shape (T, d)   row ``t - 1`` is ``u_t``
    """
    # BEGIN SOLUTION
    for name, b in (("b1", b1), ("b2", b2)):
        if not 0.0 <= b < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {name}={b!r}")
    grads = np.asarray(grads, dtype=float)
    m = np.zeros(grads.shape[1])
    v = np.zeros(grads.shape[1])
    out = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        out.append(-lr * m_hat / (np.sqrt(v_hat) + eps))
    return np.array(out).reshape(grads.shape)
    # END SOLUTION
