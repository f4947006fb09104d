"""Learning-rate schedules as pure functions of the step (and a plateau rule).

Every schedule here is a :class:`Schedule`: a callable ``t -> lr_t`` where ``t`` is
the number of optimizer updates already done (0 on the first update). So it can be
passed as ``lr=`` to the numpy optimizers (``course_lib.optimizers.sgd(lr=s)``), and
``s(t)`` equals what ``scheduler.get_last_lr()`` of the matching
``torch.optim.lr_scheduler`` class returns after ``t`` calls of ``scheduler.step()``
(tests/test_schedules.py proves it over 600+ steps to relative 1e-12).

Schedules and their torch counterparts (``lr_t`` in each function's docstring):

* :func:`constant` -- ``lr`` (no scheduler)
* :func:`step_decay` -- ``lr * gamma ** (t // step_size)``: ``StepLR``
* :func:`multistep` -- ``lr * gamma ** #{milestones <= t}``: ``MultiStepLR``
* :func:`exponential` -- ``lr * gamma ** t``: ``ExponentialLR``
* :func:`polynomial` -- ``lr * (1 - min(t, T) / T) ** power``: ``PolynomialLR``
* :func:`cosine_annealing` -- ``eta_min + (lr - eta_min)(1 + cos(pi t / T)) / 2``:
  ``CosineAnnealingLR``
* :func:`linear_warmup` -- ``lr * (s + (e - s) min(t, W) / W)``: ``LinearLR``
* :func:`warmup_cosine` -- linear warm-up, cosine to a floor, then the floor:
  ``SequentialLR([LinearLR, CosineAnnealingLR])``
* :func:`warm_restarts` -- cosine restarted after ``T_0 * T_mult ** i`` steps:
  ``CosineAnnealingWarmRestarts``
* :func:`cyclic` -- triangles between ``base_lr`` and ``max_lr``: ``CyclicLR``
* :func:`one_cycle`, :func:`one_cycle_momentum` -- up then down, momentum the other
  way: ``OneCycleLR``
* :func:`sequential` -- one schedule after another, each restarted: ``SequentialLR``
* :func:`chained` -- the product of the schedules' factors: ``ChainedScheduler``
* :class:`ReduceOnPlateau`, :func:`plateau_lrs` -- ``lr * factor`` after ``patience``
  epochs without improvement: ``ReduceLROnPlateau``
* :func:`schedule_shape` -- the schedule explorer's family (warm-up, decay, restarts,
  floor)

With torch: :func:`set_lr` writes ``s(t)`` into every ``param_group['lr']``
(and a momentum schedule into ``momentum`` or ``betas[0]``); :func:`lambda_factor`
gives the ``lr_lambda`` for ``torch.optim.lr_scheduler.LambdaLR``. Neither imports torch.

Bad input raises ``ValueError`` naming the argument. torch checks few of these
arguments: ``CosineAnnealingLR(T_max=0)`` is accepted and divides by zero at the
first step, ``StepLR(step_size=0)`` too, ``ExponentialLR`` takes a negative
``gamma``, and no scheduler checks that a warm-up fits in the run (see
``tests/test_schedules.py::test_torch_does_not_check``, which records which ones torch
accepts).

References
----------
PyTorch documentation, ``torch.optim.lr_scheduler`` (and its source, ``lr_scheduler.py``);
I. Loshchilov and F. Hutter, SGDR: stochastic gradient descent with warm restarts,
ICLR 2017; L. N. Smith, Cyclical learning rates for training neural networks, WACV 2017;
L. N. Smith and N. Topin, Super-convergence, 2018 (one-cycle); P. Goyal et al.,
Accurate, large minibatch SGD: training ImageNet in 1 hour, 2017 (linear warm-up).
"""
from __future__ import annotations

import math
import numbers
from bisect import bisect_right

import numpy as np

from ._validation import check_int, check_scalar

__all__ = ["Schedule", "constant", "step_decay", "multistep", "exponential", "polynomial",
           "cosine_annealing", "linear_warmup", "warmup_cosine", "warm_restarts", "cyclic",
           "one_cycle", "one_cycle_momentum", "sequential", "chained", "ReduceOnPlateau",
           "plateau_lrs", "set_lr", "lambda_factor", "DECAYS", "schedule_shape"]


class Schedule:
    """A learning-rate schedule: ``schedule(t) -> lr_t`` for integer steps ``t >= 0``.

    Attributes
    ----------
    name : str  the function that built it (e.g. ``"cosine_annealing"``)
    params : dict  its arguments
    base_lr : float  the reference rate the schedule scales (torch's ``initial_lr``)
    """

    def __init__(self, fn, name, reference_lr, **params):
        self._fn, self.name, self.params = fn, name, params
        self.base_lr = float(reference_lr)

    def __call__(self, t):
        if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 0:
            raise ValueError(f"The 't' parameter of the {self.name} schedule must be an "
                             f"int in the range [0, inf). Got {t!r} instead.")
        return float(self._fn(int(t)))

    def values(self, steps):
        """``[s(0), ..., s(steps - 1)]`` as a float array."""
        steps = check_int(steps, "steps", f"{self.name}.values", low=0)
        return np.array([self(t) for t in range(steps)], dtype=float)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def _lr(value, owner, name="lr", positive=False):
    return check_scalar(value, name, owner, low=0.0, closed="right" if positive else "both")


def _steps(value, owner, name, low=1):
    return check_int(value, name, owner, low=low)


def _cos_from_to(start, end, frac):
    """``end + (start - end) (1 + cos(pi frac)) / 2``: cosine from ``start`` (frac 0) to
    ``end`` (frac 1)."""
    return end + (start - end) * (1.0 + math.cos(math.pi * frac)) / 2.0


def constant(lr):
    """``lr_t = lr`` for every ``t``."""
    lr = _lr(lr, "constant")
    return Schedule(lambda t: lr, "constant", lr, lr=lr)


def step_decay(lr, step_size, gamma=0.1):
    """``lr_t = lr * gamma ** floor(t / step_size)`` (``torch.optim.lr_scheduler.StepLR``).

    torch accepts ``step_size = 0`` (and then divides by zero); here it must be >= 1.
    """
    owner = "step_decay"
    lr, step_size = _lr(lr, owner), _steps(step_size, owner, "step_size")
    gamma = check_scalar(gamma, "gamma", owner, low=0.0, closed="left")
    return Schedule(lambda t: lr * gamma ** (t // step_size), owner, lr, lr=lr,
                    step_size=step_size, gamma=gamma)


def multistep(lr, milestones, gamma=0.1):
    """``lr_t = lr * gamma ** (number of milestones m <= t)`` (``MultiStepLR``).

    Milestones are ints >= 1 (a repeated milestone multiplies by ``gamma`` twice, as in
    torch).
    """
    owner = "multistep"
    lr = _lr(lr, owner)
    gamma = check_scalar(gamma, "gamma", owner, low=0.0, closed="left")
    ms = sorted(check_int(m, "milestones", owner, low=1) for m in milestones)
    return Schedule(lambda t: lr * gamma ** bisect_right(ms, t), owner, lr, lr=lr,
                    milestones=ms, gamma=gamma)


def exponential(lr, gamma):
    """``lr_t = lr * gamma ** t`` (``ExponentialLR``; torch does not check ``gamma``)."""
    owner = "exponential"
    lr = _lr(lr, owner)
    gamma = check_scalar(gamma, "gamma", owner, low=0.0, closed="left")
    return Schedule(lambda t: lr * gamma ** t, owner, lr, lr=lr, gamma=gamma)


def polynomial(lr, total_steps, power=1.0):
    """``lr_t = lr * (1 - min(t, T) / T) ** power`` with ``T = total_steps`` (``PolynomialLR``;
    0 from step ``T`` on)."""
    owner = "polynomial"
    lr, T = _lr(lr, owner), _steps(total_steps, owner, "total_steps")
    power = check_scalar(power, "power", owner, low=0.0, closed="left")
    return Schedule(lambda t: lr * (1.0 - min(t, T) / T) ** power, owner, lr, lr=lr,
                    total_steps=T, power=power)


def cosine_annealing(lr, T_max, eta_min=0.0):
    """``lr_t = eta_min + (lr - eta_min) (1 + cos(pi t / T_max)) / 2`` (``CosineAnnealingLR``).

    As torch's, the curve is periodic: after ``T_max`` it climbs back to ``lr`` at
    ``2 T_max``. For a decay that stays at its floor use :func:`warmup_cosine`
    (``warmup_steps=0``). torch accepts ``T_max = 0`` (then divides by zero).
    """
    owner = "cosine_annealing"
    lr, T = _lr(lr, owner), _steps(T_max, owner, "T_max")
    eta_min = check_scalar(eta_min, "eta_min", owner, low=0.0, high=lr, closed="both")
    return Schedule(lambda t: _cos_from_to(lr, eta_min, t / T), owner, lr, lr=lr, T_max=T,
                    eta_min=eta_min)


def linear_warmup(lr, warmup_steps, start_factor=1.0 / 3.0, end_factor=1.0):
    """``lr_t = lr * (s + (e - s) min(t, W) / W)``: linear from ``s lr`` to ``e lr`` over
    ``W = warmup_steps`` steps, then constant (``LinearLR(start_factor=s, end_factor=e,
    total_iters=W)``).

    ``start_factor`` may be 0 here (a warm-up from zero); torch's LinearLR requires > 0.
    """
    owner = "linear_warmup"
    lr, W = _lr(lr, owner), _steps(warmup_steps, owner, "warmup_steps")
    s = check_scalar(start_factor, "start_factor", owner, low=0.0, high=1.0, closed="both")
    e = check_scalar(end_factor, "end_factor", owner, low=0.0, high=1.0, closed="both")
    return Schedule(lambda t: lr * (s + (e - s) * min(t, W) / W), owner, lr, lr=lr,
                    warmup_steps=W, start_factor=s, end_factor=e)


def warmup_cosine(peak_lr, warmup_steps, total_steps, floor=0.0, start_lr=0.0):
    """Linear warm-up, cosine decay to a floor, then the floor (the usual LLM schedule).

    ::

        lr_t = start_lr + (peak_lr - start_lr) t / W                  0 <= t < W
        lr_t = floor + (peak_lr - floor) (1 + cos(pi (t - W) / (T - W))) / 2   W <= t <= T
        lr_t = floor                                                  t > T

    with ``W = warmup_steps`` and ``T = total_steps``. The peak is reached at ``t = W``
    (the first step of the decay), the floor at ``t = T``. For ``t <= T`` this is
    ``SequentialLR([LinearLR(start_factor=start_lr/peak_lr, total_iters=W),
    CosineAnnealingLR(T_max=T - W, eta_min=floor)], milestones=[W])``; after ``T``
    torch's cosine would climb again, this one stays at ``floor``.

    Parameters
    ----------
    peak_lr : float > 0
    warmup_steps : int, 0 <= W < total_steps  (torch does not check that W fits)
    total_steps : int >= 1
    floor : float in [0, peak_lr]  final learning rate
    start_lr : float in [0, peak_lr]  learning rate of step 0
    """
    owner = "warmup_cosine"
    peak = _lr(peak_lr, owner, "peak_lr", positive=True)
    T = _steps(total_steps, owner, "total_steps")
    W = check_int(warmup_steps, "warmup_steps", owner, low=0, high=T - 1)
    floor = check_scalar(floor, "floor", owner, low=0.0, high=peak, closed="both")
    start = check_scalar(start_lr, "start_lr", owner, low=0.0, high=peak, closed="both")

    def fn(t):
        if t < W:
            return start + (peak - start) * t / W
        if t <= T:
            return _cos_from_to(peak, floor, (t - W) / (T - W))
        return floor

    return Schedule(fn, owner, peak, peak_lr=peak, warmup_steps=W, total_steps=T,
                    floor=floor, start_lr=start)


def warm_restarts(lr, T_0, T_mult=1, eta_min=0.0):
    """SGDR: cosine from ``lr`` to ``eta_min`` over ``T_i`` steps, then restart, with
    ``T_i = T_0 * T_mult ** i`` (``CosineAnnealingWarmRestarts``).

    ``lr_t = eta_min + (lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2`` where ``T_cur`` is
    the number of steps since the last restart (Loshchilov and Hutter 2017, eq. 5).
    """
    owner = "warm_restarts"
    lr, T_0 = _lr(lr, owner), _steps(T_0, owner, "T_0")
    T_mult = _steps(T_mult, owner, "T_mult")
    eta_min = check_scalar(eta_min, "eta_min", owner, low=0.0, high=lr, closed="both")

    def fn(t):
        T_i, t_cur = T_0, t
        while t_cur >= T_i:
            t_cur -= T_i
            T_i *= T_mult
        return _cos_from_to(lr, eta_min, t_cur / T_i)

    return Schedule(fn, owner, lr, lr=lr, T_0=T_0, T_mult=T_mult, eta_min=eta_min)


def _cyclic_position(t, up, down):
    """(cycle number from 1, fraction of the way up to the peak) as in torch's CyclicLR."""
    total = up + down
    cycle = math.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    ratio = up / total
    height = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    return cycle, height


def cyclic(base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
           gamma=1.0):
    """Cyclical learning rate (Smith 2017; ``CyclicLR`` with ``cycle_momentum=False``).

    ``lr_t = base_lr + (max_lr - base_lr) * h_t * scale``, where ``h_t`` rises linearly
    from 0 to 1 over ``step_size_up`` steps and falls back over ``step_size_down``, and
    ``scale`` is 1 (``"triangular"``), ``1 / 2 ** (cycle - 1)`` (``"triangular2"``: the
    amplitude halves each cycle) or ``gamma ** t`` (``"exp_range"``).
    """
    owner = "cyclic"
    base = _lr(base_lr, owner, "base_lr")
    peak = check_scalar(max_lr, "max_lr", owner, low=base, closed="both")
    up = _steps(step_size_up, owner, "step_size_up")
    down = up if step_size_down is None else _steps(step_size_down, owner, "step_size_down")
    if mode not in ("triangular", "triangular2", "exp_range"):
        raise ValueError(f"The 'mode' parameter of cyclic must be one of 'triangular', "
                         f"'triangular2', 'exp_range'. Got {mode!r} instead.")
    gamma = check_scalar(gamma, "gamma", owner, low=0.0, high=1.0, closed="right")

    def fn(t):
        cycle, h = _cyclic_position(t, float(up), float(down))
        scale = {"triangular": 1.0, "triangular2": 1.0 / 2.0 ** (cycle - 1),
                 "exp_range": gamma ** t}[mode]
        return base + (peak - base) * h * scale

    return Schedule(fn, owner, base, base_lr=base, max_lr=peak, step_size_up=up,
                    step_size_down=down, mode=mode, gamma=gamma)


def _one_cycle_phases(total_steps, pct_start, three_phase):
    """[(end_step, start_key, end_key, momentum start_key, momentum end_key)] (torch's)."""
    T = float(total_steps)
    if three_phase:
        return [(pct_start * T - 1, "initial", "max", "max_m", "base_m"),
                (2 * pct_start * T - 2, "max", "initial", "base_m", "max_m"),
                (T - 1, "initial", "min", "max_m", "max_m")]
    return [(pct_start * T - 1, "initial", "max", "max_m", "base_m"),
            (T - 1, "max", "min", "base_m", "max_m")]


def _one_cycle(owner, total_steps, pct_start, anneal_strategy, three_phase, values, pick):
    T = _steps(total_steps, owner, "total_steps")
    pct = check_scalar(pct_start, "pct_start", owner, low=0.0, high=1.0, closed="both")
    if anneal_strategy not in ("cos", "linear"):
        raise ValueError(f"The 'anneal_strategy' parameter of {owner} must be 'cos' or "
                         f"'linear'. Got {anneal_strategy!r} instead.")
    phases = _one_cycle_phases(T, pct, three_phase)

    def anneal(a, b, frac):
        return _cos_from_to(a, b, frac) if anneal_strategy == "cos" else a + (b - a) * frac

    def fn(t):
        if t > T:
            raise ValueError(f"{owner}: step t = {t} is past total_steps = {T} "
                             "(torch's OneCycleLR raises too).")
        start = 0.0
        for i, phase in enumerate(phases):
            end = phase[0]
            if t <= end or i == len(phases) - 1:
                a, b = pick(phase)
                return anneal(values[a], values[b], (t - start) / (end - start))
            start = end

    return T, pct, fn


def one_cycle(max_lr, total_steps, pct_start=0.3, anneal_strategy="cos", div_factor=25.0,
              final_div_factor=1e4, three_phase=False):
    """One-cycle learning rate (Smith and Topin 2018; ``OneCycleLR``).

    From ``initial = max_lr / div_factor`` up to ``max_lr`` over the first
    ``pct_start * total_steps - 1`` steps, then down to ``initial / final_div_factor``
    at step ``total_steps - 1`` (cosine or linear interpolation). With
    ``three_phase=True``: up, back down to ``initial`` symmetrically, then to the minimum.
    The momentum moves the other way: :func:`one_cycle_momentum`. Steps past
    ``total_steps`` raise ``ValueError``, as in torch.
    """
    owner = "one_cycle"
    peak = _lr(max_lr, owner, "max_lr", positive=True)
    div = check_scalar(div_factor, "div_factor", owner, low=1.0, closed="both")
    final = check_scalar(final_div_factor, "final_div_factor", owner, low=1.0, closed="both")
    values = {"initial": peak / div, "max": peak, "min": peak / div / final}
    T, pct, fn = _one_cycle(owner, total_steps, pct_start, anneal_strategy, three_phase,
                            values, lambda ph: ph[1:3])
    return Schedule(fn, owner, peak / div, max_lr=peak, total_steps=T, pct_start=pct,
                    anneal_strategy=anneal_strategy, div_factor=div,
                    final_div_factor=final, three_phase=three_phase)


def one_cycle_momentum(total_steps, pct_start=0.3, anneal_strategy="cos",
                       base_momentum=0.85, max_momentum=0.95, three_phase=False):
    """The momentum (or Adam's ``beta1``) that ``OneCycleLR`` cycles against the lr:
    from ``max_momentum`` down to ``base_momentum`` while the lr rises, and back up
    while it falls. Same phases as :func:`one_cycle`."""
    owner = "one_cycle_momentum"
    mx = check_scalar(max_momentum, "max_momentum", owner, low=0.0, high=1.0, closed="left")
    base = check_scalar(base_momentum, "base_momentum", owner, low=0.0, high=mx,
                        closed="both")
    values = {"base_m": base, "max_m": mx}
    T, pct, fn = _one_cycle(owner, total_steps, pct_start, anneal_strategy, three_phase,
                            values, lambda ph: ph[3:5])
    return Schedule(fn, owner, mx, total_steps=T, pct_start=pct,
                    anneal_strategy=anneal_strategy, base_momentum=base,
                    max_momentum=mx, three_phase=three_phase)


def _schedules(schedules, owner):
    out = list(schedules)
    if not out:
        raise ValueError(f"The 'schedules' parameter of {owner} must hold at least one "
                         "Schedule. Got none.")
    for i, s in enumerate(out):
        if not isinstance(s, Schedule):
            raise TypeError(f"The 'schedules' parameter of {owner} must hold Schedule "
                            f"objects. Got {type(s).__name__} at position {i} instead.")
    return out


def sequential(schedules, milestones):
    """One schedule after another, each restarted at its milestone (``SequentialLR``).

    ``lr_t = schedules[k](t - milestones[k - 1])`` for ``milestones[k-1] <= t <
    milestones[k]``. Milestones are strictly increasing ints >= 1, one fewer than the
    schedules.
    """
    owner = "sequential"
    scheds = _schedules(schedules, owner)
    ms = [check_int(m, "milestones", owner, low=1) for m in milestones]
    if len(ms) != len(scheds) - 1:
        raise ValueError(f"The 'milestones' parameter of sequential must hold "
                         f"len(schedules) - 1 = {len(scheds) - 1} ints. Got {len(ms)}.")
    if any(b <= a for a, b in zip(ms, ms[1:])):
        raise ValueError(f"The 'milestones' parameter of sequential must be strictly "
                         f"increasing. Got {ms} instead.")
    starts = [0] + ms

    def fn(t):
        k = bisect_right(ms, t)
        return scheds[k](t - starts[k])

    return Schedule(fn, owner, scheds[0].base_lr, schedules=scheds, milestones=ms)


def chained(*schedules):
    """Several schedules at once: ``lr_t = base_lr * prod_i schedules[i](t) / base_lr``
    (``ChainedScheduler``).

    All schedules must share their ``base_lr`` (in torch they act on one optimizer).
    torch applies each scheduler's recursive update to the lr the previous one left,
    which equals this product for the multiplicative schedulers (step, multistep,
    exponential, polynomial, linear warm-up, and cosine with ``eta_min = 0`` before its
    ``T_max``: past it torch's cosine update is additive, not a factor).
    """
    owner = "chained"
    scheds = _schedules(schedules, owner)
    base = scheds[0].base_lr
    if base <= 0 or any(not math.isclose(s.base_lr, base, rel_tol=1e-15) for s in scheds):
        raise ValueError(f"The 'schedules' of chained must share one base_lr > 0. Got "
                         f"{[s.base_lr for s in scheds]} instead.")
    return Schedule(lambda t: base * math.prod(s(t) / base for s in scheds), owner, base,
                    schedules=scheds)


class ReduceOnPlateau:
    """Reduce the lr by ``factor`` when a metric has stopped improving
    (``torch.optim.lr_scheduler.ReduceLROnPlateau``, same arguments and rule).

    ::

        better(a, best) = a < best (1 - threshold)   (mode "min", threshold_mode "rel")
                          a < best - threshold       ("min", "abs"); mirrored for "max"
        each step(metric): bad = 0 if better else bad + 1
                           in cooldown: cooldown_left -= 1, bad = 0
                           if bad > patience: lr = max(lr * factor, min_lr) (only if it
                               drops by more than eps), cooldown_left = cooldown, bad = 0

    Not a function of the step alone (it depends on the metrics): :meth:`step` returns
    the lr for the next epoch; :func:`plateau_lrs` gives the whole sequence.
    """

    def __init__(self, lr, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        owner = "ReduceOnPlateau"
        self.lr = _lr(lr, owner, positive=True)
        if mode not in ("min", "max"):
            raise ValueError(f"The 'mode' parameter of {owner} must be 'min' or 'max'. "
                             f"Got {mode!r} instead.")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"The 'threshold_mode' parameter of {owner} must be 'rel' or "
                             f"'abs'. Got {threshold_mode!r} instead.")
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor = check_scalar(factor, "factor", owner, low=0.0, high=1.0)
        self.patience = check_int(patience, "patience", owner, low=0)
        self.threshold = check_scalar(threshold, "threshold", owner, low=0.0, closed="left")
        self.cooldown = check_int(cooldown, "cooldown", owner, low=0)
        self.min_lr = check_scalar(min_lr, "min_lr", owner, low=0.0, closed="left")
        self.eps = check_scalar(eps, "eps", owner, low=0.0, closed="left")
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def is_better(self, a):
        """Whether metric ``a`` improves on the best so far, by the threshold."""
        t, best = self.threshold, self.best
        if self.mode == "min":
            return a < (best * (1.0 - t) if self.threshold_mode == "rel" else best - t)
        return a > (best * (1.0 + t) if self.threshold_mode == "rel" else best + t)

    def step(self, metric):
        """Record one epoch's metric; return the learning rate to use next."""
        metric = check_scalar(metric, "metric", "ReduceOnPlateau.step")
        if self.is_better(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new = max(self.lr * self.factor, self.min_lr)
            if self.lr - new > self.eps:
                self.lr = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return self.lr


def plateau_lrs(metrics, lr, **kwargs):
    """``[lr_0, lr_1, ..., lr_n]``: the lr before any metric, then after each of the ``n``
    metrics, of a :class:`ReduceOnPlateau` (``kwargs``: its arguments)."""
    rule = ReduceOnPlateau(lr, **kwargs)
    return np.array([rule.lr] + [rule.step(m) for m in metrics], dtype=float)


#: Decay shapes of :func:`schedule_shape`.
DECAYS = ("cosine", "linear", "exponential", "step", "constant")


def schedule_shape(decay="cosine", total_steps=1000, warmup_steps=100, restarts=0,
                   floor=0.0, peak_lr=0.1):
    """A warm-up from 0, then ``restarts + 1`` equal decay cycles from ``peak_lr`` to
    ``floor`` (the schedule explorer's family), built with :func:`sequential`.

    ``decay``: ``"cosine"`` (:func:`warmup_cosine` without warm-up), ``"linear"``
    (:func:`linear_warmup` from factor 1 down to ``floor / peak_lr``), ``"exponential"``
    (``gamma = (floor / peak_lr) ** (1 / cycle)``, or ``1e-3 ** (1 / cycle)`` for a zero
    floor), ``"step"`` (halves every third of a cycle, not below ``floor``) or
    ``"constant"``. Each cycle is ``(total_steps - warmup_steps) // (restarts + 1)`` steps.
    """
    owner = "schedule_shape"
    if decay not in DECAYS:
        raise ValueError(f"The 'decay' parameter of {owner} must be one of {DECAYS}. "
                         f"Got {decay!r} instead.")
    peak = _lr(peak_lr, owner, "peak_lr", positive=True)
    T = _steps(total_steps, owner, "total_steps", low=2)
    W = check_int(warmup_steps, "warmup_steps", owner, low=0, high=T - 1)
    R = check_int(restarts, "restarts", owner, low=0, high=max(0, (T - W) // 2 - 1))
    floor = check_scalar(floor, "floor", owner, low=0.0, high=peak, closed="both")
    cycle = (T - W) // (R + 1)

    def one():
        if decay == "cosine":
            return warmup_cosine(peak, 0, cycle, floor=floor)
        if decay == "linear":
            return linear_warmup(peak, cycle, start_factor=1.0, end_factor=floor / peak)
        if decay == "exponential":
            return exponential(peak, (max(floor / peak, 1e-3)) ** (1.0 / cycle))
        if decay == "step":
            s = step_decay(peak, max(1, cycle // 3), 0.5)
            return Schedule(lambda t: max(s(t), floor), "step_to_floor", peak)
        return constant(peak)

    parts = ([linear_warmup(peak, W, start_factor=0.0)] if W else []) + \
        [one() for _ in range(R + 1)]
    starts = ([W] if W else []) + [W + (k + 1) * cycle for k in range(R)]
    return Schedule(sequential(parts, starts), owner, peak, decay=decay, total_steps=T,
                    warmup_steps=W, restarts=R, floor=floor, peak_lr=peak)


def set_lr(optimizer, schedule, t, momentum=None):
    """Write ``schedule(t)`` into every ``param_group['lr']`` of a torch optimizer (and
    ``momentum(t)`` into ``'momentum'``, or into ``betas[0]`` for Adam-like ones).

    Call it before ``optimizer.step()`` with ``t`` = updates done so far. Returns the lr.
    """
    lr = schedule(t)
    m = None if momentum is None else momentum(t)
    for group in optimizer.param_groups:
        group["lr"] = lr
        if m is not None:
            if "betas" in group:
                group["betas"] = (m, *group["betas"][1:])
            else:
                group["momentum"] = m
    return lr


def lambda_factor(schedule):
    """``t -> schedule(t) / schedule.base_lr``: the ``lr_lambda`` of
    ``torch.optim.lr_scheduler.LambdaLR`` for an optimizer built with
    ``lr=schedule.base_lr``."""
    if not isinstance(schedule, Schedule) or schedule.base_lr <= 0:
        raise ValueError("The 'schedule' parameter of lambda_factor must be a Schedule with "
                         f"base_lr > 0. Got {schedule!r} instead.")
    return lambda t: schedule(t) / schedule.base_lr
