"""The learning-rate range test (Smith's "LR finder"): sweep the lr up, watch the loss.

One run, ``num_steps`` optimizer updates, the learning rate of update ``k`` growing
geometrically from ``lr_min`` to ``lr_max``::

    lr_k = lr_min * (lr_max / lr_min) ** (k / (num_steps - 1)),   k = 0, ..., num_steps - 1

The loss ``L_k`` recorded at step ``k`` is the (minibatch) loss at the iterate the
``k``-th update starts from. It is smoothed by a bias-corrected exponential average
(fastai's ``lr_find`` convention, ``beta = 0.98``)::

    a_k = beta a_{k-1} + (1 - beta) L_k,   a_{-1} = 0,   S_k = a_k / (1 - beta ** (k + 1))

and the sweep counts as diverged at the first ``k`` where ``L_k`` is not finite or
``S_k > diverge_factor * min_{j <= k} S_j`` (fastai: 4). The curve kept is the points
before that one. Two rules choose a learning rate from it (``RULES``):

* ``"steepest"``: the lr where the smoothed loss falls fastest per unit of ``ln lr``,
  ``argmin_k (S_{k+1} - S_k) / (ln lr_{k+1} - ln lr_k)`` over the points up to the
  minimum of ``S`` (fastai's ``steep`` suggestion);
* ``"minimum/10"``: one tenth of the lr at the minimum of ``S`` (fastai's ``minimum``).

:func:`lr_range_test` runs the sweep with any ``step(lr) -> loss`` function and stops at
divergence; :func:`train_range_test` runs it on a torch model through
``course_lib.training.train`` (which runs every step unless the loss becomes non-finite;
the curve is cut at divergence afterwards). :func:`analyze` does the smoothing, the cut
and the rule on a recorded ``(lrs, losses)`` pair.

Why it works on a quadratic: gradient descent on ``f(w) = L w^2 / 2`` multiplies
``f`` by ``(1 - lr L)^2`` per step, so the loss falls while ``lr < 2 / L`` and grows
from the first ``lr_k > 2 / L`` on (``tests/test_lr_finder.py`` checks it).

References
----------
L. N. Smith, Cyclical learning rates for training neural networks, WACV 2017, sec. 3.3
(arXiv:1506.01186, 2015); L. N. Smith, A disciplined approach to neural network
hyper-parameters, 2018 (arXiv:1803.09820), sec. 4.1; fastai documentation,
``Learner.lr_find`` (``fastai/callback/schedule.py``: ``LRFinder``, ``steep``, ``minimum``).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ._validation import check_callable, check_int, check_scalar
from .schedules import exponential
from .stepping import Stepper

__all__ = ["RULES", "RangeTestResult", "sweep_lrs", "sweep_schedule", "smooth", "analyze",
           "lr_range_test", "train_range_test"]

#: The rules :func:`analyze` can use to suggest a learning rate, with their statement.
RULES = {
    "steepest": "the lr where the smoothed loss falls fastest per unit of ln(lr), "
                "before its minimum",
    "minimum/10": "one tenth of the lr at the minimum of the smoothed loss",
}


class RangeTestResult(NamedTuple):
    """The curve of a range test and the learning rate it suggests.

    Attributes
    ----------
    lrs, losses, smoothed : ndarray
        The kept curve: lr of each step, raw loss, smoothed loss (points before divergence).
    all_lrs, all_losses : ndarray
        Every point recorded, including the ones after the cut.
    diverged : bool
        Whether the divergence test fired.
    divergence_lr : float
        The lr of the first point that failed the divergence test (nan if none did).
    min_lr : float
        The lr at the minimum of ``smoothed``.
    suggested_lr : float
    rule : str
        The rule's name (a key of ``RULES``).
    statement : str
        The rule in words, with the numbers of this curve.
    run : object
        The ``OptimizeResult`` of the training run (:func:`train_range_test`), else None.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    all_lrs: np.ndarray
    all_losses: np.ndarray
    diverged: bool
    divergence_lr: float
    min_lr: float
    suggested_lr: float
    rule: str
    statement: str
    run: Any = None


def _check_sweep(owner, lr_min, lr_max, num_steps):
    lr_min = check_scalar(lr_min, "lr_min", owner, low=0.0)
    lr_max = check_scalar(lr_max, "lr_max", owner, low=lr_min)
    num_steps = check_int(num_steps, "num_steps", owner, low=3)
    return lr_min, lr_max, num_steps


def _check_rule(owner, beta, diverge_factor, rule):
    beta = check_scalar(beta, "beta", owner, low=0.0, high=1.0, closed="left")
    diverge_factor = check_scalar(diverge_factor, "diverge_factor", owner, low=1.0)
    if rule not in RULES:
        raise ValueError(f"The 'rule' parameter of {owner} must be one of "
                         f"{tuple(RULES)}. Got {rule!r} instead.")
    return beta, diverge_factor


def sweep_lrs(lr_min, lr_max, num_steps):
    """``lr_k = lr_min (lr_max / lr_min) ** (k / (num_steps - 1))``, ``k < num_steps``.

    Parameters
    ----------
    lr_min : float > 0
    lr_max : float > lr_min
    num_steps : int >= 3

    Returns
    -------
    ndarray, shape (num_steps,): ``lr_0 = lr_min``, ``lr_{n-1} = lr_max``, a constant ratio.

    Examples
    --------
    >>> sweep_lrs(1e-3, 1e-1, 3)
    array([0.001, 0.01 , 0.1  ])
    """
    lr_min, lr_max, n = _check_sweep("sweep_lrs", lr_min, lr_max, num_steps)
    return sweep_schedule(lr_min, lr_max, n).values(n)


def sweep_schedule(lr_min, lr_max, num_steps):
    """The sweep as a :class:`course_lib.schedules.Schedule`: ``exponential(lr_min, gamma)``
    with ``gamma = (lr_max / lr_min) ** (1 / (num_steps - 1))`` (torch's ``ExponentialLR``
    from ``lr = lr_min``)."""
    lr_min, lr_max, n = _check_sweep("sweep_schedule", lr_min, lr_max, num_steps)
    return exponential(lr_min, (lr_max / lr_min) ** (1.0 / (n - 1)))


def smooth(losses, beta=0.98):
    """Bias-corrected exponential moving average ``S_k = a_k / (1 - beta ** (k + 1))``,
    ``a_k = beta a_{k-1} + (1 - beta) L_k`` (fastai's ``LRFinder``; Adam's first-moment
    correction, Kingma & Ba 2015, sec. 3). ``beta = 0`` returns the losses."""
    beta = check_scalar(beta, "beta", "smooth", low=0.0, high=1.0, closed="left")
    losses = np.asarray(losses, dtype=float)
    out, a = np.empty_like(losses), 0.0
    for k, loss in enumerate(losses):
        a = beta * a + (1.0 - beta) * loss
        out[k] = a / (1.0 - beta ** (k + 1))
    return out


def _cut(smoothed, raw, factor):
    """Index of the first point that is non-finite or above ``factor`` x the best so far."""
    best = math.inf
    for k, (s, r) in enumerate(zip(smoothed, raw)):
        if not (math.isfinite(r) and math.isfinite(s)) or (k > 0 and s > factor * best):
            return k
        best = min(best, s)
    return None


def analyze(lrs, losses, *, beta=0.98, diverge_factor=4.0, rule="steepest", run=None):
    """Smooth a recorded sweep, cut it at divergence and suggest a learning rate.

    Parameters
    ----------
    lrs, losses : array_like, same length
        The lr of each step and the loss at the iterate it started from.
    beta : float in [0, 1)
        Smoothing factor (:func:`smooth`).
    diverge_factor : float > 1
        Divergence: the smoothed loss above this multiple of its minimum so far.
    rule : {"steepest", "minimum/10"}
        See ``RULES``.
    run : object, optional
        Stored in the result.

    Returns
    -------
    RangeTestResult

    Raises
    ------
    ValueError
        Fewer than 3 points before divergence (the sweep started too high).
    """
    owner = "analyze"
    beta, factor = _check_rule(owner, beta, diverge_factor, rule)
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    if lrs.shape != losses.shape or lrs.ndim != 1:
        raise ValueError(f"The 'lrs' and 'losses' parameters of {owner} must be 1-d arrays "
                         f"of the same length. Got shapes {lrs.shape} and {losses.shape} "
                         f"instead.")
    with np.errstate(invalid="ignore", over="ignore"):
        smoothed = smooth(np.where(np.isfinite(losses), losses, np.inf), beta)
    stop = _cut(smoothed, losses, factor)
    end = len(lrs) if stop is None else stop
    if end < 3:
        raise ValueError(f"The sweep of {owner} diverged after {end} point(s): start it "
                         f"at a smaller lr_min (lrs[0] = {lrs[0]!r}).")
    s, x = smoothed[:end], np.log(lrs[:end])
    i_min = int(np.argmin(s))
    min_lr = float(lrs[i_min])
    if rule == "steepest":
        last = max(i_min, 1)
        slope = np.diff(s[:last + 1]) / np.diff(x[:last + 1])
        i = int(np.argmin(slope))
        suggested = float(lrs[i])
        words = (f"{RULES[rule]}: slope {slope[i]:.3g} per unit of ln(lr) at "
                 f"lr = {suggested:.3g} (minimum of the smoothed loss at {min_lr:.3g})")
    else:
        suggested = min_lr / 10.0
        words = f"{RULES[rule]}: {min_lr:.3g} / 10 = {suggested:.3g}"
    return RangeTestResult(lrs[:end], losses[:end], s, lrs, losses, stop is not None,
                           math.nan if stop is None else float(lrs[stop]), min_lr,
                           suggested, rule, words, run)


def lr_range_test(step, lr_min=1e-6, lr_max=10.0, num_steps=100, *, beta=0.98,
                  diverge_factor=4.0, rule="steepest"):
    """Run a range test with ``step(lr) -> loss``, stopping at divergence.

    ``step(lr)`` makes one update with learning rate ``lr`` and returns the loss at the
    iterate the update started from. It is called with ``sweep_lrs(lr_min, lr_max,
    num_steps)`` in order until the divergence test of :func:`analyze` fires (that point
    is the last call) or the sweep ends.

    Parameters
    ----------
    step : callable
    lr_min, lr_max, num_steps : the sweep (:func:`sweep_lrs`)
    beta, diverge_factor, rule : as in :func:`analyze`

    Returns
    -------
    RangeTestResult (``all_lrs`` / ``all_losses``: the calls made)

    Examples
    --------
    Gradient descent on ``f(w) = 2 w^2`` (``L = 4``, divergence from ``lr = 2 / L = 0.5``):

    >>> w = [1.0]
    >>> def step(lr):
    ...     loss = 2 * w[0] ** 2
    ...     w[0] -= lr * 4 * w[0]
    ...     return loss
    >>> res = lr_range_test(step, 1e-3, 10.0, 200, beta=0.0)
    >>> bool(res.diverged and 0.5 < res.divergence_lr < 1.0)
    True
    """
    owner = "lr_range_test"
    check_callable(step, "step", owner)
    lrs = sweep_schedule(*_check_sweep(owner, lr_min, lr_max, num_steps))
    beta, factor = _check_rule(owner, beta, diverge_factor, rule)
    done_lrs, losses = [], []
    for k in range(num_steps):
        done_lrs.append(lrs(k))
        losses.append(float(step(done_lrs[-1])))
        with np.errstate(invalid="ignore", over="ignore"):
            sm = smooth(np.where(np.isfinite(losses), losses, np.inf), beta)
        if _cut(sm, losses, factor) is not None:
            break
    return analyze(done_lrs, losses, beta=beta, diverge_factor=factor, rule=rule)


def train_range_test(model, optimizer, data, lr_min=1e-4, lr_max=10.0, num_steps=100, *,
                     batch_size=None, seed=0, beta=0.98, diverge_factor=4.0,
                     rule="steepest"):
    """A range test on a torch model through ``course_lib.training.train``.

    The run is ``train(model, optimizer, data, steps=num_steps, batch_size=batch_size,
    seed=seed)`` with the lr of every parameter group set to ``lr_k`` before update ``k``
    (whatever lr ``optimizer`` was built with); ``losses[k]`` is the training loss of
    update ``k``'s batch at the iterate it starts from. The run goes on until the sweep
    ends or the loss is not finite; :func:`analyze` then cuts the curve at divergence.

    Parameters
    ----------
    model : torch.nn.Module  (e.g. ``course_lib.training.mlp()``), trained in place
    optimizer : callable  ``named_parameters -> torch.optim.Optimizer``
    data : Digits  (``course_lib.training.digits()``)
    lr_min, lr_max, num_steps : the sweep (:func:`sweep_lrs`)
    batch_size, seed : as in ``train``
    beta, diverge_factor, rule : as in :func:`analyze`

    Returns
    -------
    RangeTestResult with ``run`` the run's ``OptimizeResult`` (its ``lrs`` are the rates
    the optimizer really used).
    """
    from .training import train  # imports torch
    owner = "train_range_test"
    schedule = sweep_schedule(*_check_sweep(owner, lr_min, lr_max, num_steps))
    _check_rule(owner, beta, diverge_factor, rule)
    run = train(model, optimizer, data, steps=num_steps, batch_size=batch_size, seed=seed,
                scheduler=lambda opt: Stepper(opt, schedule), eval_every=num_steps,
                progress=False, label=owner)
    n = len(run.lrs)
    return analyze(run.lrs, run.losses[:n], beta=beta, diverge_factor=diverge_factor,
                   rule=rule, run=run)
