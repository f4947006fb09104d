"""Exercise ex06_warmup_cosine -- linear warm-up, then cosine decay to a floor.

The learning-rate schedule of most large-model training runs, as a function of the
step ``t`` (the number of optimizer updates already done, 0 on the first update):

    lr_t = peak_lr * t / W                                          0 <= t < W
    lr_t = floor + (peak_lr - floor) * (1 + cos(pi (t - W) / (T - W))) / 2   W <= t <= T
    lr_t = floor                                                    t > T

with ``W = warmup_steps`` and ``T = total_steps``. The warm-up starts at 0, the peak
is reached at ``t = W`` exactly (the first step of the decay), and the decay ends at
``floor`` at ``t = T`` and stays there.

Function to write
-----------------
warmup_cosine_lr(t, peak_lr, warmup_steps, total_steps, floor=0.0) -> float

* ``warmup_steps = 0`` means no warm-up (``lr_0 = peak_lr``).
* Raise ``ValueError`` naming the argument if ``warmup_steps`` is negative or not
  smaller than ``total_steps`` (the warm-up must fit in the run), or if ``floor`` is
  not in ``[0, peak_lr]``.

Hints
-----
* Check the boundary: with ``W = 10``, step 9 is still warming up (0.9 peak) and
  step 10 is the peak.
* The cosine runs over ``T - W`` steps, not over ``T``.
* Test yourself against ``torch.optim.lr_scheduler.SequentialLR`` of ``LinearLR``
  and ``CosineAnnealingLR(T_max=T - W, eta_min=floor)``, or against
  ``course_lib.schedules.warmup_cosine``.

Check your work in a notebook with ``check("ex06_warmup_cosine")``, or run ``make grade``.
"""
import math


def warmup_cosine_lr(t, peak_lr, warmup_steps, total_steps, floor=0.0):
    """The learning rate at step ``t`` of a linear warm-up + cosine decay to ``floor``.

    Parameters
    ----------
    t : int >= 0             step (updates done so far)
    peak_lr : float > 0      learning rate at the end of the warm-up
    warmup_steps : int       0 <= warmup_steps < total_steps
    total_steps : int >= 1   step at which the decay reaches ``floor``
    floor : float            final learning rate, 0 <= floor <= peak_lr

    Returns
    -------
    float
    """
    raise NotImplementedError("warmup_cosine_lr: replace this line with your code")
