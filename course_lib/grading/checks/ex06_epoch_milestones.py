"""Checks of exercise ex06_epoch_milestones: ``epoch_multistep_lr(t, lr, milestones,
gamma, steps_per_epoch)``, the lr of update ``t`` under ``MultiStepLR`` stepped once per
epoch after the epoch's last ``optimizer.step()``.

The reference is ``course_lib.stepping.per_epoch(course_lib.schedules.multistep(...))``,
which tests/test_stepping.py proves equal to a recorded torch loop. The cases sit where
the stepping mistakes show: the last batch of an epoch before a milestone and the first
batch after it, repeated and unsorted milestones.
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, matches_reference, rejects_bad_input
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex06_epoch_milestones", "A milestone schedule in epochs, stepped once per epoch",
    functions=("epoch_multistep_lr",),
    reference_functions=("course_lib.stepping.per_epoch", "course_lib.schedules.multistep",
                         "course_lib.stepping.lrs_used"))

FUNC = "epoch_multistep_lr"


def reference(t, lr, milestones, gamma=0.1, steps_per_epoch=1):
    from course_lib.schedules import multistep
    from course_lib.stepping import per_epoch
    return per_epoch(multistep(lr, milestones, gamma), steps_per_epoch)(t)


def _as_float(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise CheckFailed(f"expected a float learning rate, got {value!r}")
    return float(value)


def _variant(case, epoch_of=lambda t, B: t // B, count=lambda ms, e: sum(m <= e for m in ms)):
    t, lr, ms, gamma, B = case.args
    return lr * gamma ** count(ms, epoch_of(t, B))


MISTAKES = [
    Mistake("the scheduler is stepped once per epoch, not every batch: the epoch of update "
            "t is t // steps_per_epoch.", lambda c, ref: _variant(c, epoch_of=lambda t, B: t)),
    Mistake("a milestone m applies from epoch m on (m <= epoch), not after it (m < epoch).",
            lambda c, ref: _variant(c, count=lambda ms, e: sum(m < e for m in ms))),
    Mistake("the scheduler steps after the epoch's last optimizer.step(); stepping it before "
            "the first one shifts every epoch by one (epoch + 1).",
            lambda c, ref: _variant(c, epoch_of=lambda t, B: t // B + 1)),
    Mistake("the epoch of update t is t // steps_per_epoch, not (t + 1) // steps_per_epoch.",
            lambda c, ref: _variant(c, epoch_of=lambda t, B: (t + 1) // B)),
    Mistake("a milestone given twice multiplies by gamma twice (torch counts repeats).",
            lambda c, ref: _variant(c, count=lambda ms, e: sum(m <= e for m in set(ms)))),
    Mistake("every milestone passed multiplies by gamma again: gamma ** (number passed).",
            lambda c, ref: _variant(c, count=lambda ms, e: min(1, sum(m <= e for m in ms)))),
]

TARGET = Target(FUNC, reference, convert=_as_float, what="the learning rate", rtol=1e-12,
                atol=0.0, mistakes=MISTAKES)


def _case(t, lr, ms, gamma, B):
    return Case(t, lr, ms, gamma, B, label=f"{FUNC}(t={t}, lr={lr}, milestones={ms}, "
                                           f"gamma={gamma}, steps_per_epoch={B})")


matches_reference(
    EXERCISE, TARGET, [_case(t, 0.1, [3, 6], 0.1, 10) for t in (0, 5, 9, 10, 29, 45)]
    + [_case(t, 2.0, [1], 0.5, 7) for t in (0, 6, 10)],
    name="within_the_first_epochs", points=1,
    hint="before the first milestone epoch every batch uses lr: the epoch of update t is "
         "t // steps_per_epoch.",
    description="Every batch of the epochs before the first milestone uses lr, a batch in "
                "the middle of the next epoch lr * gamma.")

matches_reference(
    EXERCISE, TARGET, [_case(t, 0.1, [3, 6], 0.1, 10) for t in (29, 30, 31, 59, 60)]
    + [_case(t, 2.0, [1, 4], 0.5, 7) for t in (6, 7, 27, 28)],
    name="milestone_boundary", points=2,
    hint="the last batch of epoch m - 1 still uses the old lr; the first batch of epoch m "
         "(update m * steps_per_epoch) uses lr * gamma.",
    description="The change happens exactly at update milestone * steps_per_epoch.")

matches_reference(
    EXERCISE, TARGET, [_case(t, 0.1, [3, 6], 0.1, 10) for t in (61, 200, 1000)],
    name="after_the_last_milestone", points=1,
    hint="after every milestone the lr is lr * gamma ** len(milestones).",
    description="After the last milestone the lr stays at lr * gamma ** (milestones).")

matches_reference(
    EXERCISE, TARGET, [_case(t, 1.0, [4, 2, 2], 0.5, 3) for t in (5, 6, 11, 12, 30)],
    name="unsorted_and_repeated_milestones", points=1,
    hint="milestones may be unsorted; a repeated one counts twice (torch's MultiStepLR "
         "keeps a Counter).",
    description="Milestones [4, 2, 2]: x 0.25 from epoch 2, x 0.125 from epoch 4.")

matches_reference(
    EXERCISE, TARGET, [_case(t, 0.3, [2, 5], 0.2, 1) for t in (0, 1, 2, 4, 5, 9)],
    name="one_step_per_epoch", points=1,
    hint="with steps_per_epoch = 1 the epoch is the update index: plain MultiStepLR.",
    description="steps_per_epoch = 1 is MultiStepLR stepped after every update.")

rejects_bad_input(
    EXERCISE, TARGET,
    [_case(3, 0.1, [2], 0.1, 0), _case(3, 0.1, [2], 0.1, -4)],
    control=_case(3, 0.1, [2], 0.1, 2), exception="ValueError",
    mentions=("steps_per_epoch",), name="rejects_bad_steps_per_epoch", points=1,
    hint="if steps_per_epoch < 1: raise ValueError(f'steps_per_epoch ...')",
    description="steps_per_epoch < 1 raises ValueError naming steps_per_epoch.")

rejects_bad_input(
    EXERCISE, TARGET, [_case(3, 0.1, [0, 2], 0.1, 2), _case(3, 0.1, [2, -1], 0.1, 2)],
    control=_case(4, 0.1, [2], 0.1, 2), exception="ValueError", mentions=("milestones",),
    name="rejects_bad_milestones", points=1,
    hint="if any(m < 1 for m in milestones): raise ValueError(f'milestones ...')",
    description="A milestone < 1 raises ValueError naming milestones.")
