"""Where ``scheduler.step()`` goes, and the learning rates a training loop really uses.

A schedule ``s`` (a :class:`course_lib.schedules.Schedule`, equal to a torch
scheduler after ``t`` calls of ``scheduler.step()``) is a function of the number of
*scheduler* steps. The lr of update ``t`` (counted over all batches, from 0) then
depends on how often and where the loop calls ``scheduler.step()``; with ``B`` batches
per epoch:

================  ==========================================  ===================
``every``         ``order="after"`` (after ``optimizer.step``)  ``order="before"``
================  ==========================================  ===================
``"batch"``       ``s(t)``                                      ``s(t + 1)``
``"epoch"``       ``s(t // B)``                                 ``s(t // B + 1)``
================  ==========================================  ===================

"after" is what torch documents (since 1.1.0: "call ``optimizer.step()`` before
``lr_scheduler.step()``"); "before" skips the schedule's first value (torch warns
"Detected call of ``lr_scheduler.step()`` before ``optimizer.step()``"). A schedule
written in epochs (``StepLR(step_size=30)``) but stepped every batch runs ``B`` times
too fast.

:class:`Stepper` is the scheduler object ``course_lib.training`` expects
(``scheduler=lambda opt: Stepper(opt, schedule)``): any course schedule, stepped after
every update. :func:`lrs_used` gives the sequence from the table; :func:`torch_lrs_used` runs a torch
optimizer and scheduler in such a loop and records ``param_groups[0]['lr']`` at every
``optimizer.step()`` (the oracle of tests/test_stepping.py).

References
----------
PyTorch documentation, "How to adjust learning rate" (``torch.optim``) and the warning in
``torch/optim/lr_scheduler.py`` (``LRScheduler.step``).
"""
from __future__ import annotations

import warnings

import numpy as np

from ._validation import check_callable, check_int
from .schedules import Schedule, set_lr

__all__ = ["EVERY", "ORDERS", "per_epoch", "lrs_used", "torch_lrs_used", "Stepper"]

EVERY = ("batch", "epoch")
ORDERS = ("after", "before")


def _choice(value, name, owner, allowed):
    if value not in allowed:
        raise ValueError(f"The {name!r} parameter of {owner} must be one of {allowed}. "
                         f"Got {value!r} instead.")
    return value


def per_epoch(schedule, steps_per_epoch, shift=0):
    """``t -> schedule(t // steps_per_epoch + shift)``: a schedule in epochs, stepped once
    per epoch after the epoch's last ``optimizer.step()`` (``shift = 1``: before its first).

    Parameters
    ----------
    schedule : Schedule
    steps_per_epoch : int >= 1
    shift : int >= 0

    Returns
    -------
    Schedule of the update index ``t``.

    Examples
    --------
    >>> from course_lib.schedules import multistep
    >>> s = per_epoch(multistep(0.1, [2], gamma=0.5), steps_per_epoch=3)
    >>> [s(t) for t in range(8)]
    [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05]
    """
    owner = "per_epoch"
    if not isinstance(schedule, Schedule):
        raise TypeError(f"The 'schedule' parameter of {owner} must be a "
                        f"course_lib.schedules.Schedule. Got {type(schedule).__name__} "
                        f"instead.")
    B = check_int(steps_per_epoch, "steps_per_epoch", owner, low=1)
    k = check_int(shift, "shift", owner, low=0)
    return Schedule(lambda t: schedule(t // B + k), owner, schedule.base_lr,
                    schedule=schedule, steps_per_epoch=B, shift=k)


def lrs_used(schedule, epochs, steps_per_epoch, *, every="batch", order="after"):
    """The lr of each of the ``epochs * steps_per_epoch`` updates (the module's table).

    Parameters
    ----------
    schedule : Schedule
    epochs, steps_per_epoch : int >= 1
    every : {"batch", "epoch"}   how often the loop calls ``scheduler.step()``
    order : {"after", "before"}  after or before ``optimizer.step()`` (per batch), or
        after the epoch's last / before its first batch (per epoch)

    Returns
    -------
    ndarray, shape (epochs * steps_per_epoch,)
    """
    owner = "lrs_used"
    E = check_int(epochs, "epochs", owner, low=1)
    B = check_int(steps_per_epoch, "steps_per_epoch", owner, low=1)
    every = _choice(every, "every", owner, EVERY)
    shift = int(_choice(order, "order", owner, ORDERS) == "before")
    s = per_epoch(schedule, B if every == "epoch" else 1, shift)
    return s.values(E * B)


def torch_lrs_used(make_scheduler, epochs, steps_per_epoch, *, every="batch",
                   order="after", lr=1.0):
    """Run ``torch.optim.SGD([w], lr)`` with ``make_scheduler(optimizer)`` in a loop of
    ``epochs`` x ``steps_per_epoch`` updates, ``scheduler.step()`` placed as ``every`` /
    ``order`` say, and record ``param_groups[0]['lr']`` at every ``optimizer.step()``.

    torch's warning about calling ``scheduler.step()`` before ``optimizer.step()`` is
    silenced here (the "before" order is the point of the demonstration). Imports torch.
    """
    import torch
    owner = "torch_lrs_used"
    check_callable(make_scheduler, "make_scheduler", owner)
    E = check_int(epochs, "epochs", owner, low=1)
    B = check_int(steps_per_epoch, "steps_per_epoch", owner, low=1)
    every = _choice(every, "every", owner, EVERY)
    before = _choice(order, "order", owner, ORDERS) == "before"
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr)
    sched = make_scheduler(opt)
    used = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*lr_scheduler.step.*")
        for _ in range(E):
            if every == "epoch" and before:
                sched.step()
            for _ in range(B):
                if every == "batch" and before:
                    sched.step()
                w.grad = torch.zeros_like(w)
                used.append(opt.param_groups[0]["lr"])
                opt.step()
                if every == "batch" and not before:
                    sched.step()
            if every == "epoch" and not before:
                sched.step()
    return np.array(used, dtype=float)


class Stepper:
    """A scheduler made from a course schedule: ``Stepper(optimizer, schedule)`` writes
    ``schedule(0)`` into every param group (``course_lib.schedules.set_lr``; ``momentum``,
    a schedule too, into ``momentum`` or ``betas[0]``), and ``schedule(t)`` at the
    ``t``-th ``step()``. So ``train(..., scheduler=lambda opt: Stepper(opt, s))`` makes
    update ``t`` use ``s(t)``, whatever lr the optimizer was built with.

    Examples
    --------
    >>> from course_lib.schedules import step_decay
    >>> class Opt:                       # anything with torch's param_groups
    ...     param_groups = [{"lr": 1.0}]
    >>> st = Stepper(Opt(), step_decay(0.5, 2, gamma=0.1))
    >>> [st.step() for _ in range(3)]
    [0.5, 0.05, 0.05]
    """

    def __init__(self, optimizer, schedule, momentum=None):
        for name, s in (("schedule", schedule), ("momentum", momentum)):
            if not (isinstance(s, Schedule) or (name == "momentum" and s is None)):
                raise TypeError(f"The {name!r} parameter of Stepper must be a "
                                f"course_lib.schedules.Schedule. Got {type(s).__name__} "
                                f"instead.")
        self.optimizer, self.schedule, self.momentum, self.t = optimizer, schedule, momentum, 0
        set_lr(optimizer, schedule, 0, momentum)

    def step(self):
        """Advance one update; returns the new lr."""
        self.t += 1
        return set_lr(self.optimizer, self.schedule, self.t, self.momentum)
