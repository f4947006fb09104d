"""Checks of exercise ex06_one_cycle: ``one_cycle(t, max_lr, total_steps, ...)`` returns
``(lr, momentum)``.

References: ``course_lib.schedules.one_cycle`` and ``one_cycle_momentum`` (equal to
torch's ``OneCycleLR``, lr and momentum, in tests/test_schedules.py).
"""
from __future__ import annotations

import numpy as np

from ..compare import as_array
from ..factories import Case, Mistake, Target, matches_reference, rejects_bad_input
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex06_one_cycle", "The one-cycle policy: learning rate and momentum",
    functions=("one_cycle",),
    reference_functions=("course_lib.schedules.one_cycle",
                         "course_lib.schedules.one_cycle_momentum"))

FUNC = "one_cycle"
KEYS = ("pct_start", "div_factor", "final_div_factor", "base_momentum", "max_momentum")
DEFAULTS = dict(zip(KEYS, (0.3, 25.0, 1e4, 0.85, 0.95)))


def _kw(case):
    return {**DEFAULTS, **case.kwargs}


def reference(t, max_lr, total_steps, **kwargs):
    from course_lib.schedules import one_cycle, one_cycle_momentum
    k = {**DEFAULTS, **kwargs}
    lr = one_cycle(max_lr, total_steps, k["pct_start"], "cos", k["div_factor"],
                   k["final_div_factor"])(t)
    m = one_cycle_momentum(total_steps, k["pct_start"], "cos", k["base_momentum"],
                           k["max_momentum"])(t)
    return np.array([lr, m])


def _pair(value):
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return as_array(value, "(lr, momentum)")
    raise CheckFailed(f"expected a pair (lr, momentum), got {value!r}")


def _variant(case, *, e1_shift=0.0, e2_shift=0.0, min_div=True, momentum_sign=1,
             linear=False):
    t, max_lr, T = case.args
    k = _kw(case)
    initial = max_lr / k["div_factor"]
    low = initial / k["final_div_factor"] if min_div else initial
    e1, e2 = k["pct_start"] * T - 1 + e1_shift, T - 1 + e2_shift

    def ann(a, b, p):
        return a + (b - a) * p if linear else b + (a - b) * (1 + np.cos(np.pi * p)) / 2

    mom = (k["max_momentum"], k["base_momentum"])
    if momentum_sign < 0:
        mom = mom[::-1]
    if t <= e1:
        p = t / e1
        return np.array([ann(initial, max_lr, p), ann(mom[0], mom[1], p)])
    p = (t - e1) / (e2 - e1)
    return np.array([ann(max_lr, low, p), ann(mom[1], mom[0], p)])


MISTAKES = [
    Mistake("phase 1 ends at step pct_start * total_steps - 1 (torch's OneCycleLR), not at "
            "pct_start * total_steps.", lambda c, ref: _variant(c, e1_shift=1.0)),
    Mistake("the last phase ends at step total_steps - 1, the last step of the run.",
            lambda c, ref: _variant(c, e2_shift=1.0)),
    Mistake("the final lr is initial / final_div_factor = max_lr / (div_factor * "
            "final_div_factor), not initial.", lambda c, ref: _variant(c, min_div=False)),
    Mistake("the momentum moves against the lr: down from max_momentum while the lr rises.",
            lambda c, ref: _variant(c, momentum_sign=-1)),
    Mistake("use cosine annealing, b + (a - b) (1 + cos(pi p)) / 2, not a straight line.",
            lambda c, ref: _variant(c, linear=True)),
]

TARGET = Target(FUNC, reference, convert=_pair, what="(lr, momentum)", rtol=1e-12,
                atol=1e-15, mistakes=MISTAKES)


def _case(t, max_lr, T, **kw):
    extra = "".join(f", {k}={v}" for k, v in kw.items())
    return Case(t, max_lr, T, label=f"{FUNC}(t={t}, max_lr={max_lr}, total_steps={T}{extra})",
                **kw)


T1, T2 = 100, 640
matches_reference(
    EXERCISE, TARGET, [_case(t, 0.1, T1) for t in (0, 10, 20, 28)]
    + [_case(t, 2.0, T2, pct_start=0.25, div_factor=10.0) for t in (0, 100, 158)],
    name="warmup_phase", points=2,
    hint="phase 1: lr from max_lr / div_factor up to max_lr, momentum from max_momentum "
         "down to base_momentum, over steps 0 .. pct_start * total_steps - 1.",
    description="Phase 1: the lr rises and the momentum falls, cosine-annealed.")

matches_reference(
    EXERCISE, TARGET, [_case(t, 0.1, T1) for t in (29, 30, 60, 98, 99)]
    + [_case(t, 2.0, T2, pct_start=0.25, div_factor=10.0, final_div_factor=100.0)
       for t in (159, 160, 400, 639)],
    name="annealing_phase", points=2,
    hint="phase 2: lr from max_lr down to max_lr / div_factor / final_div_factor at step "
         "total_steps - 1, momentum back up to max_momentum.",
    description="Phase 2: the lr falls to its minimum at the last step, the momentum rises.")

matches_reference(
    EXERCISE, TARGET, [_case(t, 0.5, 200, base_momentum=0.8, max_momentum=0.99)
                       for t in (0, 30, 59, 150)],
    name="momentum_range", points=1,
    hint="the momentum uses base_momentum and max_momentum as given.",
    description="Custom base_momentum and max_momentum.")

rejects_bad_input(
    EXERCISE, TARGET, [Case(101, 0.1, 100, label="t = 101 > total_steps = 100")],
    control=_case(50, 0.1, 100), exception="ValueError", mentions=("t",),
    name="rejects_steps_past_the_end", points=1,
    hint="if t > total_steps: raise ValueError(f't={t} is past total_steps')",
    description="A step past total_steps raises ValueError (as torch's OneCycleLR does).")

rejects_bad_input(
    EXERCISE, TARGET, [_case(5, 0.1, 100, pct_start=1.5), _case(5, 0.1, 100, pct_start=-0.1)],
    control=_case(5, 0.1, 100, pct_start=0.4), exception="ValueError",
    mentions=("pct_start",), name="rejects_a_bad_pct_start", points=1,
    hint="if not 0 <= pct_start <= 1: raise ValueError(f'pct_start ...')",
    description="pct_start outside [0, 1] raises ValueError naming pct_start.")
