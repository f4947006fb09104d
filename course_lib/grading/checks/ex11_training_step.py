"""Checks of exercise ex11_training_step: ``train_sgd(X, y, w0, epochs, lr, momentum,
gamma)``, the torch loop ``zero_grad; forward; backward; step`` per minibatch and
``scheduler.step()`` per epoch, on a numpy weight vector (least squares).

Reference: the zoo's ``course_lib.optimizers.sgd`` (equal to ``torch.optim.SGD``,
tests/test_optim_registry.py) with the lr ``lr * gamma**epoch`` on the minibatch
gradients ``course_lib.problems.LinearRegression.grad(w, idx)``; tests/test_diagnostics.py
checks it against the loop run by torch itself (``torch.optim.SGD``,
``lr_scheduler.StepLR``, autograd after every ``zero_grad``). No torch optimizer is built
here: the grader stays torch-free (building one writes a cache folder into the temp dir).
The known mistakes are the chapter's broken loops, walked on the same gradients.
"""
from __future__ import annotations

import numpy as np

from ..factories import Case, Mistake, Target, leaves_inputs_unmodified, matches_reference, \
    rejects_bad_input
from ..registry import Exercise

EXERCISE = Exercise(
    "ex11_training_step", "The torch training step and a per-epoch schedule",
    functions=("train_sgd",),
    reference_functions=("course_lib.optimizers.sgd",
                                           "course_lib.problems.LinearRegression.grad"))

FUNC = "train_sgd"


def _problem():
    from course_lib.problems import LinearRegression
    return LinearRegression(n_samples=40, n_features=3, noise=0.5, seed=4)


DATA = _problem()
X, Y = np.array(DATA.X), np.array(DATA.y)


def reference(X, y, w0, epochs, lr, momentum=0.0, gamma=1.0):
    """The rows of the zoo's ``sgd`` (torch.optim.SGD's rule, tested against it) with the
    lr of epoch ``e`` equal to ``lr * gamma**e`` (StepLR(step_size=1) stepped per epoch),
    on the minibatch gradients ``LinearRegression.grad(w, idx)`` of the same data."""
    from course_lib.optimizers import sgd
    p = _problem()
    assert np.array_equal(p.X, X) and np.array_equal(p.y, y)
    batches = [np.asarray(idx) for batches in epochs for idx in batches]
    lrs = [lr * gamma ** e for e, batches in enumerate(epochs) for _ in batches]
    opt = sgd(lambda t: lrs[t], momentum=momentum)
    w = np.array(w0, dtype=float)
    state, rows = opt.init(w), [w.copy()]
    for idx in batches:
        update, state = opt.update(p.grad(w, idx), state, w)
        w = w + update
        rows.append(w.copy())
    return np.array(rows)

def _walk(case, *, accumulate=False, stale=False, per_batch=False, before=False,
          lr_in_buffer=False, reset=False, ema=False):
    """The rows of a loop with one of the chapter's mistakes (for the hints)."""
    _, _, w0, epochs, lr = case.args[:5]
    mom = case.kwargs.get("momentum", 0.0)
    gamma = case.kwargs.get("gamma", 1.0)
    g_fn = DATA.grad
    w = np.array(w0, float)
    rows, buf, acc, prev, lr_t = [w.copy()], None, 0.0, None, lr
    for batches in epochs:
        if before:
            lr_t *= gamma
        if reset:
            buf = None
        for idx in batches:
            g = g_fn(w, np.asarray(idx))
            if accumulate:
                acc = acc + g
                g = acc
            if stale:
                g, prev = prev, g
                if g is None:
                    rows.append(w.copy())
                    continue
            if mom:
                if lr_in_buffer:
                    buf = lr_t * g if buf is None else mom * buf + lr_t * g
                    w = w - buf
                    rows.append(w.copy())
                    continue
                if ema:
                    buf = (1 - mom) * g if buf is None else mom * buf + (1 - mom) * g
                else:
                    buf = g.copy() if buf is None else mom * buf + g
                g = buf
            w = w - lr_t * g
            rows.append(w.copy())
            if per_batch:
                lr_t *= gamma
        if not (before or per_batch):
            lr_t *= gamma
    return np.array(rows)


def _mistake(hint, **how):
    return Mistake(hint, lambda case, ref: _walk(case, **how))


MISTAKES = [
    _mistake("your gradients add up from step to step: this is a loop without "
             "optimizer.zero_grad(). Use the fresh gradient of each batch.", accumulate=True),
    _mistake("each step uses the PREVIOUS batch's gradient: optimizer.step() ran before "
             "loss.backward(). Compute g for this batch, then step.", stale=True),
    _mistake("the lr decays after every batch: scheduler.step() belongs after the last "
             "batch of each epoch.", per_batch=True),
    _mistake("the lr is already decayed in the first epoch: scheduler.step() goes after "
             "the epoch's optimizer steps, not before them.", before=True),
    _mistake("you put lr inside the buffer (v = momentum v + lr g; w -= v): torch keeps lr "
             "outside, b = momentum b + g; w -= lr b, which differs once lr changes.",
             lr_in_buffer=True),
    _mistake("your momentum buffer restarts every epoch (a new optimizer per epoch?): one "
             "optimizer, one buffer for the whole run.", reset=True),
    _mistake("this is the moving-average form b = momentum b + (1 - momentum) g; torch's "
             "buffer adds the whole gradient.", ema=True),
]
TARGET = Target(FUNC, reference, what="the returned iterates", row_name="iterate",
                rtol=1e-10, atol=1e-12, mistakes=MISTAKES)

_rng = np.random.default_rng(11)
W0 = np.array([0.5, -0.3, 0.2])


def _epochs(n_epochs, sizes):
    out = []
    for _ in range(n_epochs):
        perm = _rng.permutation(40)
        cuts = np.cumsum(sizes)[:-1]
        out.append([b.astype(np.int64) for b in np.split(perm[:sum(sizes)], cuts)])
    return out


def _case(n_epochs, sizes, lr, momentum, gamma):
    return Case(X, Y, W0, _epochs(n_epochs, sizes), lr, momentum=momentum, gamma=gamma,
                label=f"{FUNC}(X (40 x 3), y, w0, {n_epochs} epochs of batches {sizes}, lr={lr}, "
                      f"momentum={momentum}, gamma={gamma})")


PLAIN = [_case(2, [10, 10, 10, 10], 0.5, 0.0, 1.0), _case(3, [8, 16, 16], 1.0, 0.0, 1.0)]
MOMENTUM = [_case(2, [10, 10, 10, 10], 0.2, 0.9, 1.0), _case(3, [20, 20], 0.1, 0.5, 1.0)]
SCHEDULE = [_case(3, [10, 10, 10, 10], 0.5, 0.0, 0.5), _case(3, [10, 10, 20], 0.3, 0.9, 0.1)]

matches_reference(EXERCISE, TARGET, PLAIN, name="plain_sgd", points=2,
                  hint="per batch: g = X_b^T (X_b w - y_b) / n_b at the current w, w = w - lr * g.",
                  description="Without momentum or decay: one SGD step per minibatch with "
                              "that minibatch's fresh gradient.")
matches_reference(EXERCISE, TARGET, MOMENTUM, name="momentum_across_epochs", points=2,
                  hint="b = g on the first step, b = momentum * b + g after; w -= lr * b; "
                       "b carries over to the next epoch.",
                  description="torch's momentum buffer, kept across epochs.")
matches_reference(EXERCISE, TARGET, SCHEDULE, name="step_lr_per_epoch", points=2,
                  hint="lr_t = gamma * lr_t once, after the last batch of each epoch.",
                  description="StepLR(step_size=1, gamma) stepped once per epoch, after "
                              "the optimizer steps, with and without momentum.")
leaves_inputs_unmodified(EXERCISE, TARGET, PLAIN[:1], arguments={2: "w0"},
                         name="leaves_w0_unchanged", points=1,
                         hint="w = np.array(w0, dtype=float): step on a copy.",
                         description="The caller's w0 is unchanged.")
rejects_bad_input(EXERCISE, TARGET, [Case(X, Y, W0, PLAIN[0].args[3], 0.0, label="lr=0"),
                                     Case(X, Y, W0, PLAIN[0].args[3], -0.1, label="lr=-0.1")],
                  control=PLAIN[0], exception="ValueError", mentions=("lr",),
                  name="rejects_bad_lr", points=1,
                  hint="if not lr > 0: raise ValueError('lr must be > 0 ...')",
                  description="lr <= 0 raises ValueError naming lr.")
