"""Checks of exercise ex05_l2_coefficient: ``l2_coefficient(lr, decay)``, the ``mu``
for which SGD on ``f + mu/2 ||x||^2`` equals decoupled decay by ``1 - decay``.

Two oracles: the closed form :func:`course_lib.weight_decay.l2_coefficient_for_decay`,
and a property checked by running both updates: ``course_lib.optimizers.sgd(lr,
weight_decay=mu)`` (torch.optim.SGD's L2 form) against the chain
``add_decayed_weights(decay / lr) -> scale_by_learning_rate(lr)`` written as
``x <- (1 - decay) x - lr g`` on a quadratic, 30 steps, to 1e-12.
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, matches_reference, rejects_bad_input, \
    satisfies
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex05_l2_coefficient", "When L2 regularisation is weight decay",
    functions=("l2_coefficient",),
    reference_functions=("course_lib.weight_decay.l2_coefficient_for_decay",))

FUNC = "l2_coefficient"
CASES = [(0.1, 0.01), (0.5, 0.2), (1e-3, 1e-4), (2.0, 0.5)]
#: decay 0 next to a small decay at the same lr: 0 and 0.1
NO_DECAY = [(0.3, 0.0), (0.3, 0.03)]


def reference(lr, decay):
    from course_lib.weight_decay import l2_coefficient_for_decay
    return l2_coefficient_for_decay(lr, decay)


MISTAKES = [
    Mistake("you returned decay itself: SGD multiplies mu by lr, so mu = decay / lr.",
            lambda case, ref: case.args[1]),
    Mistake("you returned lr * decay: torch's AdamW multiplies weight_decay by lr, but "
            "here the L2 coefficient must undo that: mu = decay / lr.",
            lambda case, ref: case.args[0] * case.args[1]),
    Mistake("you returned 2 decay / lr: that is the penalty lambda ||x||^2 confused with "
            "mu/2 ||x||^2 (whose gradient is mu x).", lambda case, ref: 2 * ref),
    Mistake("you returned decay / (2 lr): the gradient of mu/2 ||x||^2 is mu x, no 1/2.",
            lambda case, ref: ref / 2),
    Mistake("you returned lr / decay: the fraction is upside down, mu = decay / lr.",
            lambda case, ref: case.args[0] / case.args[1]),
]

TARGET = Target(FUNC, reference, what="mu", mistakes=MISTAKES)


def _same_trajectory(mu, case):
    from course_lib import optimizers as O
    from course_lib import problems as P
    lr, decay = case.args
    q = P.Quadratic.from_eigenvalues(np.array([0.2, 1.0, 3.0]), rotation=1,
                                     x_star=np.array([1.0, -1.0, 2.0]))
    x0 = np.array([3.0, 2.0, -1.0])
    l2 = O.run(O.sgd(lr, weight_decay=float(mu)), q, x0, 30).params
    x, rows = x0.copy(), [x0.copy()]
    for _ in range(30):                          # decoupled decay, by hand
        x = (1 - decay) * x - lr * q.grad(x)
        rows.append(x)
    gap = float(np.max(np.abs(l2 - np.array(rows)) / (1 + np.abs(rows))))
    if not gap <= 1e-12:
        raise CheckFailed(f"SGD with weight_decay=mu={mu!r} leaves the decoupled-decay "
                          f"trajectory by {gap:.3g} (relative) within 30 steps on a "
                          f"quadratic; they must agree to 1e-12")


matches_reference(
    EXERCISE, TARGET, [Case(*c, label=f"lr={c[0]}, decay={c[1]}") for c in CASES],
    name="matches_closed_form", points=2,
    hint="x - lr (g + mu x) = (1 - lr mu) x - lr g: match 1 - lr mu with 1 - decay.",
    description="mu equals the closed form on four (lr, decay) pairs.")

matches_reference(
    EXERCISE, TARGET, [Case(*c, label=f"lr={c[0]}, decay={c[1]}") for c in NO_DECAY],
    name="no_decay_no_penalty", points=1,
    hint="decay = 0 (no shrinking) needs no penalty: mu = 0, without dividing by decay.",
    description="decay = 0 gives mu = 0 (and decay = 0.03 at the same lr gives 0.1).")

satisfies(
    EXERCISE, Target(FUNC, what="mu"), [Case(*c, label=f"lr={c[0]}, decay={c[1]}")
                                        for c in CASES[:4]],
    [_same_trajectory], name="sgd_trajectories_coincide", points=1,
    hint="run both updates for a few steps on a quadratic and compare.",
    description="SGD with L2 coefficient mu follows the decoupled-decay trajectory to 1e-12 "
                "for 30 steps.")

rejects_bad_input(
    EXERCISE, TARGET, [Case(0.0, 0.1, label="lr=0"), Case(-0.1, 0.1, label="lr=-0.1")],
    control=Case(0.1, 0.01, label="lr=0.1, decay=0.01"), exception="ValueError",
    mentions=("lr",), name="rejects_nonpositive_lr", points=1,
    hint="if lr <= 0: raise ValueError(f\"lr must be > 0, got {lr}\")")

rejects_bad_input(
    EXERCISE, TARGET, [Case(0.1, 1.0, label="decay=1.0"), Case(0.1, -0.1, label="decay=-0.1")],
    control=Case(0.1, 0.01, label="lr=0.1, decay=0.01"), exception="ValueError",
    mentions=("decay",), name="rejects_decay_outside_0_1", points=1,
    hint="a shrink factor 1 - decay must lie in (0, 1]: raise ValueError for decay outside "
         "[0, 1).")
