"""Exercise ex06_epoch_milestones -- a milestone schedule in epochs, stepped once per epoch.

A training loop of ``steps_per_epoch`` batches per epoch uses
``torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma)`` the documented
way: ``scheduler.step()`` once per epoch, after the epoch's last ``optimizer.step()``.
Update ``t`` (counted over all batches, 0 on the first update) then uses

    lr_t = lr * gamma ** (number of milestones m with m <= t // steps_per_epoch)

Milestones are epochs; they may come in any order, and a milestone given twice
multiplies by ``gamma`` twice (as torch's ``MultiStepLR`` does).

Function to write
-----------------
epoch_multistep_lr(t, lr, milestones, gamma=0.1, steps_per_epoch=1) -> float

* Raise ``ValueError`` naming ``steps_per_epoch`` if it is smaller than 1, and naming
  ``milestones`` if a milestone is smaller than 1.

Hints
-----
* The epoch of update ``t`` is ``t // steps_per_epoch``: with 10 batches an epoch and a
  milestone at epoch 3, update 29 still uses ``lr`` and update 30 uses ``lr * gamma``.
* Stepping the scheduler every batch, or before ``optimizer.step()``, gives other
  sequences: see ``course_lib.stepping.lrs_used``.
* Test yourself against a loop with ``torch.optim.SGD`` and ``MultiStepLR``, or
  ``course_lib.stepping.per_epoch(course_lib.schedules.multistep(...), steps_per_epoch)``.

Check your work in a notebook with ``check("ex06_epoch_milestones")``, or run ``make grade``.
"""


def epoch_multistep_lr(t, lr, milestones, gamma=0.1, steps_per_epoch=1):
    """The learning rate of update ``t`` under a per-epoch ``MultiStepLR``.

    Parameters
    ----------
    t : int >= 0                update index over all batches
    lr : float > 0              the initial learning rate
    milestones : list of int    epochs (>= 1) at which the lr is multiplied by gamma
    gamma : float > 0
    steps_per_epoch : int >= 1  batches per epoch

    Returns
    -------
    float
    """
    raise NotImplementedError("epoch_multistep_lr: replace this line with your code")
