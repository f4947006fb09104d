"""Checks of exercise ex07_global_norm_clip: ``clip_by_global_norm(grads, max_norm,
norm_type)`` returns ``(clipped, total_norm)`` with ``torch.nn.utils.clip_grad_norm_``
semantics.

Reference: ``course_lib.clipping.clip_by_global_norm`` (equal to torch's in
tests/test_clipping.py).
"""
from __future__ import annotations

import math

import numpy as np

from ..compare import as_array, expect_close
from ..factories import Case, Target, matches_reference, rejects_bad_input
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex07_global_norm_clip", "Clipping by the global norm (torch's clip_grad_norm_)",
    functions=("clip_by_global_norm",),
    reference_functions=("course_lib.clipping.clip_by_global_norm",
                         "course_lib.clipping.global_norm",
                         "course_lib.clipping.clip_grad_norm_"))

FUNC = "clip_by_global_norm"
RTOL = 1e-10


def reference(grads, max_norm, norm_type=2.0):
    from course_lib.clipping import clip_by_global_norm
    return clip_by_global_norm(list(grads), max_norm, norm_type)


def _per_tensor(grads, max_norm, norm_type=2.0):
    from course_lib.clipping import clip_by_norm, global_norm
    return clip_by_norm(list(grads), max_norm, norm_type), global_norm(grads, norm_type)


def _judge(value, expected, case):
    if not (isinstance(value, (list, tuple)) and len(value) == 2):
        raise CheckFailed(f"expected a pair (clipped, total_norm), got {value!r}")
    clipped, total = value
    want, want_total = expected
    if isinstance(total, bool) or not isinstance(total, (int, float)):
        raise CheckFailed(f"total_norm should be a float, got {total!r}")
    if not isinstance(clipped, (list, tuple)) or len(clipped) != len(want):
        raise CheckFailed(f"clipped should be a list of {len(want)} arrays, got {clipped!r}")
    grads, max_norm = case.args[0], case.args[1]
    p = case.arg(2, case.kwargs.get("norm_type", 2.0))
    hint = None
    if not math.isclose(total, want_total, rel_tol=RTOL, abs_tol=1e-300):
        from course_lib.clipping import global_norm
        after = global_norm([np.asarray(c, float) for c in clipped], p)
        if math.isclose(total, after, rel_tol=1e-9) and want_total > max_norm:
            hint = "return the total norm BEFORE clipping (torch does)."
        elif p != 2.0 and math.isclose(total, global_norm(grads, 2.0), rel_tol=1e-9):
            hint = "use norm_type for the per-tensor norms and for combining them."
        elif math.isclose(total, sum(float(np.linalg.norm(np.ravel(g), ord=p))
                                     for g in grads), rel_tol=1e-9):
            hint = ("the total is the p-norm of the per-tensor norms, "
                    "(sum_i ||g_i||^p)^(1/p), not their sum.")
        raise CheckFailed(f"total_norm: got {total!r}, expected {want_total!r}", hint)
    per, _ = _per_tensor(grads, max_norm, p)
    for i, (c, w) in enumerate(zip(clipped, want)):
        c = as_array(c, f"clipped[{i}]")
        per_hint = ("you clipped each tensor by its own norm: use ONE factor, "
                    "min(1, max_norm / (total + 1e-6)), for all of them.")
        expect_close(c, w, f"clipped[{i}]", rtol=RTOL, atol=1e-300,
                     diagnoses=lambda i=i, w=w: [
                         (per[i], per_hint),
                         (np.asarray(grads[i], float) * max_norm / (want_total + 1e-6),
                          "scale only when the norm is too large: coef = min(1, ...)."),
                         (np.asarray(grads[i], float) * min(1.0, max_norm / want_total)
                          if want_total else w,
                          "torch divides by total + 1e-6: keep the 1e-6.")])


TARGET = Target(FUNC, reference, judge=_judge, what="(clipped, total_norm)")


def _g(seed, shapes, scale=1.0):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(s) for s in shapes]


SHAPES = [(4, 3), (3,), (3, 2), (2,)]
BIG = [Case(_g(0, SHAPES, 3.0), 1.0, label="four tensors, total norm ~ 10, max_norm=1"),
       Case(_g(1, [(5,), (5, 5)], 10.0), 2.5, label="two tensors, total norm ~ 50, "
                                                    "max_norm=2.5"),
       Case([np.array([3.0, 0.0]), np.array([[4.0]])], 1.0,
            label="[3, 0] and [[4]]: total norm 5, max_norm=1")]
SMALL = [Case(_g(2, SHAPES, 0.01), 1.0, label="total norm ~ 0.04 < max_norm=1"),
         Case([np.array([0.3, 0.4])], 5.0, label="one tensor of norm 0.5, max_norm=5")]
PNORMS = [Case(_g(3, SHAPES, 2.0), 1.0, math.inf, label="norm_type=inf, max_norm=1"),
          Case(_g(4, SHAPES, 2.0), 1.5, 1.0, label="norm_type=1, max_norm=1.5"),
          Case(_g(5, SHAPES, 2.0), 0.5, 3.0, label="norm_type=3, max_norm=0.5")]

matches_reference(EXERCISE, TARGET, BIG, name="clips_large_gradients", points=2,
                  hint="coef = min(1, max_norm / (total + 1e-6)), the same for every tensor.",
                  description="Large gradients are scaled by one common factor, and the "
                              "total norm before clipping is returned.")
matches_reference(EXERCISE, TARGET, SMALL, name="leaves_small_gradients", points=1,
                  hint="when total < max_norm the factor is 1 (never scale up).",
                  description="Gradients below max_norm come back unchanged (factor 1).")
matches_reference(EXERCISE, TARGET, PNORMS, name="any_norm_type", points=2,
                  hint="per-tensor p-norms, then the p-norm of those (max for p = inf).",
                  description="norm_type = inf, 1 and 3, as torch computes them.")


@EXERCISE.check(points=1, hint="build new arrays: g * coef, not g *= coef.",
                name="does_not_modify_grads")
def does_not_modify_grads(ctx):
    """The caller's gradient arrays are unchanged (and the answer is right)."""
    case = BIG[0]
    with ctx.case(case.label):
        res = TARGET.run(ctx, case, echo=True)
        for i, (old, new) in enumerate(zip(case.args[0], res.args_after[0])):
            if not np.array_equal(np.asarray(new), old):
                ctx.fail(f"your function changed the caller's grads[{i}]")
        TARGET.check_answer(res.value, case)

rejects_bad_input(EXERCISE, TARGET, [Case(_g(0, SHAPES), -1.0, label="max_norm=-1")],
                  control=BIG[0], exception="ValueError", mentions=("max_norm",),
                  name="rejects_negative_max_norm", points=1,
                  hint="if max_norm < 0: raise ValueError(f'max_norm ...')",
                  description="A negative max_norm raises ValueError naming max_norm.")
