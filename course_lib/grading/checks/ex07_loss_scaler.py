"""Checks of exercise ex07_loss_scaler: ``loss_scales(found_infs, init_scale,
growth_factor, backoff_factor, growth_interval)``, the scale sequence of
``torch.amp.GradScaler``.

Reference: ``course_lib.clipping.DynamicLossScaler`` (its scale sequence equals
``torch.amp.GradScaler``'s on forced float16 overflows in tests/test_clipping.py).
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, matches_reference, rejects_bad_input
from ..registry import Exercise

EXERCISE = Exercise(
    "ex07_loss_scaler", "The dynamic loss scale (torch.amp.GradScaler's update rule)",
    functions=("loss_scales",),
    reference_functions=("course_lib.clipping.DynamicLossScaler",))

FUNC = "loss_scales"
DEFAULTS = dict(init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5,
                growth_interval=2000)


def _kw(args, kwargs):
    names = list(DEFAULTS)
    kw = dict(DEFAULTS)
    kw.update(zip(names, args[1:]))
    kw.update(kwargs)
    return kw


def reference(found_infs, *args, **kwargs):
    from course_lib.clipping import DynamicLossScaler
    s = DynamicLossScaler(**_kw((found_infs,) + args, kwargs))
    return np.array([s.scale] + [s.update(bool(f)) for f in found_infs])


def _variant(case, *, reset_on_inf=True, late=0, reset_on_growth=True, backoff=None):
    """A wrong rule, written once for the mistakes' diagnoses."""
    kw = _kw(case.args, case.kwargs)
    scale, good = kw["init_scale"], 0
    out = [scale]
    for f in case.args[0]:
        if f:
            scale *= kw["backoff_factor"] if backoff is None else backoff(kw)
            good = 0 if reset_on_inf else good
        else:
            good += 1
            if good == kw["growth_interval"] + late or (not reset_on_growth and
                                                        good > kw["growth_interval"]):
                scale *= kw["growth_factor"]
                good = 0 if reset_on_growth else good
        out.append(scale)
    return np.array(out)


MISTAKES = [
    Mistake("an inf/NaN step resets the count of good steps to 0: growth needs "
            "growth_interval finite steps IN A ROW.",
            lambda c, ref: _variant(c, reset_on_inf=False)),
    Mistake("grow when the count reaches growth_interval (good == growth_interval), "
            "not one step later.", lambda c, ref: _variant(c, late=1)),
    Mistake("after growing, reset the count to 0: the scale grows once per "
            "growth_interval good steps, not at every step after the first growth.",
            lambda c, ref: _variant(c, reset_on_growth=False)),
    Mistake("on an overflow multiply by backoff_factor (< 1): the scale must shrink.",
            lambda c, ref: _variant(c, backoff=lambda kw: 1 / kw["backoff_factor"])),
    Mistake("entry 0 is init_scale and entry t + 1 the scale AFTER step t's update.",
            lambda c, ref: ref[1:]),
]

TARGET = Target(FUNC, reference, what="the scales", row_name="entry", rtol=1e-12,
                atol=0.0, mistakes=MISTAKES)

F, T = False, True
BACKOFF = [Case([T, T, F, T], label="loss_scales([True, True, False, True])"),
           Case([F, T, F, F, T, T, T], 1024.0, label="loss_scales(7 steps with 4 "
                                                     "overflows, init_scale=1024)"),
           Case([T] * 5, 2.0 ** 20, backoff_factor=0.25,
                label="five overflows in a row, backoff_factor=0.25")]
GROWTH = [Case([F] * 10, 1.0, growth_interval=3,
               label="10 finite steps, init_scale=1, growth_interval=3"),
          Case([F] * 12, 8.0, 4.0, growth_interval=5,
               label="12 finite steps, growth_factor=4, growth_interval=5"),
          Case([F] * 4, growth_interval=1, label="growth_interval=1: grows every step")]
MIXED = [Case([F, F, T, F, F, F, F, T, F, F, F, F, F], 256.0, growth_interval=4,
              label="overflows at steps 2 and 7, growth_interval=4"),
         Case([F, F, F, T, F, F, F, F, F, F, F], 4.0, 2.0, 0.5, 4,
              label="an overflow at step 3, one step before a growth, growth_interval=4")]
rng = np.random.default_rng(7)
LONG = [Case(list(rng.random(5000) < 0.0008), label="5000 steps, torch's defaults, "
                                                    "a few random overflows"),
        Case([F] * 4001, label="4001 finite steps, torch's defaults")]

matches_reference(EXERCISE, TARGET, BACKOFF, name="backs_off_on_overflow", points=2,
                  hint="found_inf: scale *= backoff_factor; good = 0.",
                  description="Each overflow multiplies the scale by backoff_factor.")
matches_reference(EXERCISE, TARGET, GROWTH, name="grows_after_interval", points=2,
                  hint="good += 1; if good == growth_interval: scale *= growth_factor; "
                       "good = 0.",
                  description="After growth_interval finite steps the scale grows by "
                              "growth_factor, then the count starts again.")
matches_reference(EXERCISE, TARGET, MIXED, name="overflow_resets_the_count", points=2,
                  hint="an overflow sets good = 0, so growth waits growth_interval more "
                       "finite steps.",
                  description="Overflows between finite steps: the count of good steps "
                              "is of consecutive finite steps.")
matches_reference(EXERCISE, TARGET, LONG, name="torch_defaults", points=1,
                  hint="the defaults are torch's: init_scale=2**16, growth_factor=2, "
                       "backoff_factor=0.5, growth_interval=2000.",
                  description="Thousands of steps with torch.amp.GradScaler's defaults.")
rejects_bad_input(EXERCISE, TARGET, [Case([F, T], growth_interval=0, label="growth_interval=0")],
                  control=MIXED[0], exception="ValueError", mentions=("growth_interval",),
                  name="rejects_bad_interval", points=1,
                  hint="if growth_interval < 1: raise ValueError naming growth_interval.",
                  description="growth_interval=0 raises ValueError naming it.")
rejects_bad_input(EXERCISE, TARGET, [Case([F, T], backoff_factor=1.5, label="backoff_factor=1.5"),
                                     Case([F, T], backoff_factor=0.0, label="backoff_factor=0")],
                  control=MIXED[1], exception="ValueError", mentions=("backoff_factor",),
                  name="rejects_bad_backoff", points=1,
                  hint="if not 0 < backoff_factor < 1: raise ValueError naming "
                       "backoff_factor (a factor >= 1 would never shrink the scale).",
                  description="backoff_factor = 1.5 or 0 raises ValueError naming it.")
