"""Exercise ex05_l2_coefficient -- when is L2 regularisation weight decay?

Decoupled weight decay shrinks the weights by a factor ``1 - decay`` each step:

    x <- (1 - decay) x - lr * grad f(x)

An L2 penalty ``mu/2 * ||x||^2`` on the loss makes plain SGD (no momentum) step

    x <- x - lr * (grad f(x) + mu x)

Find the ``mu`` for which the two updates are the same for every ``f``.

Function to write
-----------------
l2_coefficient(lr, decay) -> float

* ``lr > 0`` and ``0 <= decay < 1``; otherwise raise ``ValueError`` naming the
  argument (``lr`` or ``decay``).

Hints
-----
* Expand both updates and match the coefficient of ``x``.
* ``torch.optim.SGD(lr=lr, weight_decay=mu)`` adds ``mu * x`` to the gradient: its
  ``weight_decay`` is this ``mu``, not the ``lambda`` of the penalty ``lambda ||x||^2``
  (whose gradient is ``2 lambda x``).

Check your work with ``check("ex05_l2_coefficient")``, or run ``make grade``.
"""


def l2_coefficient(lr, decay):
    """The L2 coefficient ``mu`` that makes SGD with step ``lr`` decay by ``decay``."""
    raise NotImplementedError("l2_coefficient: replace this line with your code")
