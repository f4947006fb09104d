"""Checks of exercise ex06_warmup_cosine: ``warmup_cosine_lr(t, peak_lr, warmup_steps,
total_steps, floor)``.

The reference is ``course_lib.schedules.warmup_cosine`` (which tests/test_schedules.py
proves equal to torch's ``SequentialLR(LinearLR, CosineAnnealingLR)``). The cases sit on
the boundaries where the usual mistakes show: the last warm-up step, the peak, the end of
the decay and after it.
"""
from __future__ import annotations

import math

import numpy as np

from ..factories import Case, Mistake, Target, matches_reference, rejects_bad_input
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex06_warmup_cosine", "Warm-up + cosine decay as a function of the step",
    functions=("warmup_cosine_lr",),
    reference_functions=("course_lib.schedules.warmup_cosine",
                         "course_lib.schedules.sequential",
                         "course_lib.schedules.cosine_annealing"))

FUNC = "warmup_cosine_lr"
RTOL = 1e-12
CONFIGS = [(0.1, 10, 100, 0.001), (3e-4, 200, 1000, 3e-5), (1.0, 1, 7, 0.25)]


def reference(t, peak_lr, warmup_steps, total_steps, floor=0.0):
    from course_lib.schedules import warmup_cosine
    return warmup_cosine(peak_lr, warmup_steps, total_steps, floor=floor)(t)


def _as_float(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise CheckFailed(f"expected a float learning rate, got {value!r}")
    return float(value)


def _args(case):
    a = list(case.args) + [case.kwargs.get("floor", 0.0)] * (5 - len(case.args))
    return a[:5]


def _cos(case, lo, progress):
    t, peak, W, T, floor = _args(case)
    return lo + (peak - lo) * (1 + math.cos(math.pi * progress)) / 2


MISTAKES = [
    Mistake("off by one at the warm-up boundary: step t of the warm-up is peak * t / W "
            "(0 at t = 0, the peak at t = W), not peak * (t + 1) / W.",
            lambda c, ref: (_args(c)[1] * (_args(c)[0] + 1) / _args(c)[2]
                            if _args(c)[0] < _args(c)[2] else None)),
    Mistake("the cosine goes to zero: decay to the floor, "
            "floor + (peak - floor) (1 + cos(...)) / 2.",
            lambda c, ref: (_cos(c, 0.0, (_args(c)[0] - _args(c)[2]) /
                                 (_args(c)[3] - _args(c)[2]))
                            if _args(c)[2] <= _args(c)[0] <= _args(c)[3] else None)),
    Mistake("the cosine's progress is (t - W) / (T - W): it starts after the warm-up.",
            lambda c, ref: (_cos(c, _args(c)[4], _args(c)[0] / _args(c)[3])
                            if _args(c)[2] <= _args(c)[0] <= _args(c)[3] else None)),
    Mistake("after total_steps the learning rate stays at the floor; the cosine must not "
            "climb back.",
            lambda c, ref: (_cos(c, _args(c)[4], (_args(c)[0] - _args(c)[2]) /
                                 (_args(c)[3] - _args(c)[2]))
                            if _args(c)[0] > _args(c)[3] else None)),
]

TARGET = Target(FUNC, reference, convert=_as_float, what="the learning rate",
                rtol=RTOL, atol=0.0, mistakes=MISTAKES)


def _cases(ts_of):
    out = []
    for peak, W, T, floor in CONFIGS:
        for t in ts_of(W, T):
            out.append(Case(t, peak, W, T, floor,
                            label=f"{FUNC}(t={t}, peak_lr={peak}, warmup_steps={W}, "
                                  f"total_steps={T}, floor={floor})"))
    return out


matches_reference(
    EXERCISE, TARGET, _cases(lambda W, T: sorted({0, W // 2, W - 1})),
    name="warmup_phase", points=1,
    hint="during the warm-up lr_t = peak_lr * t / warmup_steps (0 at t = 0).",
    description="The warm-up: 0 at step 0, linear, peak * (W - 1) / W on its last step.")

matches_reference(
    EXERCISE, TARGET, _cases(lambda W, T: [W, W + 1]), name="peak_at_end_of_warmup",
    points=1,
    hint="at t = warmup_steps the schedule is exactly at peak_lr (the cosine's start).",
    description="lr_W = peak_lr exactly, and the decay starts right after.")

matches_reference(
    EXERCISE, TARGET, _cases(lambda W, T: sorted({W + 1, (W + T) // 2, T - 1, T})),
    name="cosine_decay_to_floor", points=2,
    hint="floor + (peak_lr - floor) * (1 + cos(pi * (t - W) / (T - W))) / 2",
    description="The decay: cosine from the peak at W to the floor at T.")

matches_reference(
    EXERCISE, TARGET, _cases(lambda W, T: [T - 1, T + 1, 2 * T - W, 3 * T]),
    name="floor_after_the_end", points=1,
    hint="for t > total_steps return floor.",
    description="Just before total_steps the decay is still above the floor; after "
                "total_steps the learning rate stays at the floor.")

matches_reference(
    EXERCISE, TARGET,
    [Case(t, 0.5, 0, 40, 0.05, label=f"{FUNC}(t={t}, peak_lr=0.5, warmup_steps=0, "
                                     "total_steps=40, floor=0.05)") for t in (0, 1, 20, 40)],
    name="no_warmup", points=1,
    hint="warmup_steps = 0: no warm-up, the cosine starts at t = 0 (do not divide by 0).",
    description="warmup_steps = 0 is a plain cosine decay to the floor.")

rejects_bad_input(
    EXERCISE, TARGET,
    [Case(5, 0.1, 100, 100, 0.0, label="warmup_steps = total_steps = 100"),
     Case(5, 0.1, 150, 100, 0.0, label="warmup_steps = 150 > total_steps = 100"),
     Case(5, 0.1, -1, 100, 0.0, label="warmup_steps = -1")],
    control=Case(5, 0.1, 10, 100, 0.001), exception="ValueError",
    mentions=("warmup_steps",), name="rejects_a_warmup_that_does_not_fit", points=1,
    hint="if not 0 <= warmup_steps < total_steps: raise ValueError(f'warmup_steps ...')",
    description="A warm-up that does not fit in the run raises ValueError naming "
                "warmup_steps.")

rejects_bad_input(
    EXERCISE, TARGET,
    [Case(5, 0.1, 10, 100, 0.2, label="floor = 0.2 > peak_lr = 0.1"),
     Case(5, 0.1, 10, 100, -0.01, label="floor = -0.01")],
    control=Case(50, 0.1, 10, 100, 0.001), exception="ValueError", mentions=("floor",),
    name="rejects_a_bad_floor", points=1,
    hint="if not 0 <= floor <= peak_lr: raise ValueError(f'floor ...')",
    description="A floor outside [0, peak_lr] raises ValueError naming floor.")
