"""Exercise ex06_one_cycle -- the one-cycle policy (learning rate and momentum).

Smith and Topin's one-cycle schedule, exactly as ``torch.optim.lr_scheduler.OneCycleLR``
(two phases, cosine annealing) computes it at step ``t`` (updates done so far):

    initial = max_lr / div_factor,  min_lr = initial / final_div_factor
    phase 1 ends at step e1 = pct_start * total_steps - 1:  lr from initial up to max_lr,
        momentum from max_momentum down to base_momentum
    phase 2 ends at step e2 = total_steps - 1:  lr from max_lr down to min_lr,
        momentum from base_momentum back up to max_momentum

Within a phase from step ``s`` to step ``e`` (``s = 0`` for phase 1, ``s = e1`` for
phase 2), with ``p = (t - s) / (e - s)``, a value goes from ``a`` to ``b`` as

    cos_anneal(a, b, p) = b + (a - b) * (1 + cos(pi p)) / 2

Phase 1 is used while ``t <= e1``, phase 2 after.

Function to write
-----------------
one_cycle(t, max_lr, total_steps, pct_start=0.3, div_factor=25.0, final_div_factor=1e4,
          base_momentum=0.85, max_momentum=0.95) -> (lr, momentum)

* Raise ``ValueError`` naming ``t`` if ``t > total_steps`` (torch raises too), and
  naming ``pct_start`` if it is not in ``[0, 1]``.

Check your work with ``check("ex06_one_cycle")``, or ``make grade``; compare with
``OneCycleLR``'s ``get_last_lr()`` and ``param_groups[0]['momentum']``.
"""
import math


def _cos_anneal(a, b, p):
    return b + (a - b) * (1.0 + math.cos(math.pi * p)) / 2.0


def one_cycle(t, max_lr, total_steps, pct_start=0.3, div_factor=25.0, final_div_factor=1e4,
              base_momentum=0.85, max_momentum=0.95):
    """Learning rate and momentum of the one-cycle policy at step ``t``.

    Returns
    -------
    (float, float)  ``(lr_t, momentum_t)``
    """
    # BEGIN SOLUTION
    if t > total_steps:
        raise ValueError(f"t={t} is past total_steps={total_steps}")
    if not 0.0 <= pct_start <= 1.0:
        raise ValueError(f"pct_start must be in [0, 1], got pct_start={pct_start}")
    initial = max_lr / div_factor
    min_lr = initial / final_div_factor
    e1 = pct_start * total_steps - 1
    e2 = total_steps - 1
    if t <= e1:
        p = t / e1
        return (_cos_anneal(initial, max_lr, p), _cos_anneal(max_momentum, base_momentum, p))
    p = (t - e1) / (e2 - e1)
    return (_cos_anneal(max_lr, min_lr, p), _cos_anneal(base_momentum, max_momentum, p))
    # END SOLUTION
