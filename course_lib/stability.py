"""Bad steps in training: injected gradient spikes and NaNs, detecting them, recovering
(skip the step, reduce the learning rate, restore a checkpoint), and float16 loss scaling.

* :func:`guarded_run` -- :func:`course_lib.loop.run`'s loop (full gradients) with a
  guard: at step ``t`` the gradient may be multiplied by ``spikes[t]`` (a corrupted batch:
  ``1e3``, ``inf`` or ``nan``); a step is *bad* when the gradient is not finite, its norm
  exceeds ``max_grad_norm``, or the loss after the step is not finite or more than
  ``max_loss_ratio`` times the loss before. A bad step is then

  - ``"none"``:   applied anyway (what a loop without a guard does);
  - ``"skip"``:   discarded, parameters and optimizer state unchanged (``GradScaler``
    skips a step with inf/NaN gradients this way);
  - ``"reduce_lr"``: discarded, and every later update multiplied by ``lr_factor`` (for
    SGD and Adam alike, scaling the update is scaling the learning rate);
  - ``"restore"``: parameters and optimizer state reset to the last checkpoint, saved
    every ``checkpoint_every`` accepted steps.

* :func:`fp16_gradient` -- what a float16 backward pass of ``scale * loss`` leaves of a
  gradient: ``fl16(scale * g) / scale`` (entries below float16's smallest subnormal,
  ``2^-24 ~ 6e-8``, flush to zero; above ``65504`` they overflow to inf).
* :func:`loss_scaled_run` -- a run whose gradients go through :func:`fp16_gradient`
  with the scale of a :class:`course_lib.clipping.DynamicLossScaler` (or a fixed one):
  a step with inf/NaN gradients is skipped and the scale backs off.

The float16 model is an emulation: only the gradient is rounded (the forward pass and the
parameters stay float64), which isolates the effect loss scaling exists for, the range of
the gradient.

References
----------
P. Micikevicius et al., Mixed precision training, ICLR 2018, section 3.2 (loss scaling);
PyTorch ``torch/amp/grad_scaler.py`` (skip on inf, backoff, growth); IEEE 754 binary16;
A. Chowdhery et al., PaLM, JMLR 2023, section 5.1 (restart from a checkpoint before a loss
spike and skip the batches that caused it).
"""
from __future__ import annotations

import copy

import numpy as np

from . import transforms as tx
from ._validation import check_int, check_scalar
from .result import Recorder
from .tree import tree_map

__all__ = ["POLICIES", "guarded_run", "fp16_gradient", "loss_scaled_run"]

#: What :func:`guarded_run` can do with a bad step.
POLICIES = ("none", "skip", "reduce_lr", "restore")


def _check_opt(opt, owner):
    if not isinstance(opt, tx.GradientTransformation):
        raise TypeError(f"The 'opt' parameter of {owner} must be a GradientTransformation "
                        f"(e.g. course_lib.optimizers.sgd(lr=0.1)). Got "
                        f"{type(opt).__name__} instead.")


def guarded_run(opt, problem, x0, steps, *, spikes=None, policy="none",
                max_grad_norm=None, max_loss_ratio=None, lr_factor=0.5,
                checkpoint_every=10, batch_size=None, seed=0, label=""):
    """Run ``opt`` on ``problem`` with injected spikes and a recovery ``policy``.

    Each step ``t = 0 .. steps-1``: ``g = problem.grad(x) * spikes.get(t, 1)`` (a
    minibatch gradient when ``batch_size`` is set); the
    candidate ``u, s' = opt.update(g, state, x)``, ``x' = x + lr_scale * u``; the step is
    bad if ``g`` is not finite, ``||g|| > max_grad_norm``, or ``f(x')`` is not finite or
    ``> max_loss_ratio * f(x)``; then the policy (module docstring) decides. Iterate 0
    is the first checkpoint.

    Parameters
    ----------
    opt : GradientTransformation
    problem : object with ``value(x)``, ``grad(x)``
    x0 : array (dim,)
    steps : int >= 0
    spikes : dict ``{step: factor}``, optional
        Multiply the gradient of that step by ``factor`` (``float('nan')``, ``inf``,
        ``1e3`` ...).
    policy : one of :data:`POLICIES`
    max_grad_norm, max_loss_ratio : float > 0 or None  detection thresholds (non-finite
        gradients and losses are always bad)
    lr_factor : float in (0, 1]  for ``"reduce_lr"``
    checkpoint_every : int >= 1  for ``"restore"``: accepted steps between checkpoints
    batch_size : int or None  minibatches from :func:`course_lib.sampling.minibatch_stream`
        (epochs of a permutation seeded by ``seed``), as in :func:`course_lib.loop.run`;
        the recorded loss and gradient norm are the full ones

    Returns
    -------
    OptimizeResult
        The history of the accepted iterates (a rejected step repeats the current
        iterate, so ``params`` has ``steps + 1`` rows unless the run diverged); in
        ``extra``: ``events`` (list of ``(step, policy)`` for each bad step),
        ``lr_scales`` (the factor on the updates at each step) and ``spiked_grad_norms``
        (``||g||`` as the optimizer saw it). With ``"none"`` a NaN gradient makes the
        iterate NaN and the run stops, ``success=False``, status ``"diverged"``.

    Examples
    --------
    >>> from course_lib.optimizers import sgd
    >>> from course_lib.problems import Quadratic
    >>> q = Quadratic(np.diag([1.0, 2.0]))
    >>> bad = guarded_run(sgd(lr=0.1), q, [1.0, 1.0], 20, spikes={5: np.nan})
    >>> bad.success, bad.nit
    (False, 6)
    >>> ok = guarded_run(sgd(lr=0.1), q, [1.0, 1.0], 20, spikes={5: np.nan}, policy="skip")
    >>> ok.success, ok.events
    (True, [(5, 'skip')])
    """
    owner = "guarded_run"
    _check_opt(opt, owner)
    rec = Recorder(owner, problem, x0, label=label)
    steps = check_int(steps, "steps", owner, low=0)
    if policy not in POLICIES:
        raise ValueError(f"The 'policy' parameter of {owner} must be one of {POLICIES}. "
                         f"Got {policy!r} instead.")
    max_grad_norm = check_scalar(max_grad_norm, "max_grad_norm", owner, low=0.0,
                                 allow_none=True)
    max_loss_ratio = check_scalar(max_loss_ratio, "max_loss_ratio", owner, low=0.0,
                                  allow_none=True)
    lr_factor = check_scalar(lr_factor, "lr_factor", owner, low=0.0, high=1.0,
                             closed="right")
    checkpoint_every = check_int(checkpoint_every, "checkpoint_every", owner, low=1)
    spikes = {} if spikes is None else {check_int(k, "spikes", owner, low=0): float(v)
                                        for k, v in dict(spikes).items()}
    stream = None
    if batch_size is not None:
        from .sampling import minibatch_stream
        n = getattr(problem, "n_samples", None)
        if n is None:
            raise ValueError(f"The 'batch_size' parameter of {owner} needs a problem with "
                             f"n_samples; {type(problem).__name__} has none.")
        batch_size = check_int(batch_size, "batch_size", owner, low=1, high=n)
        stream = minibatch_stream(n, batch_size, seed=seed)
    x = rec.x0
    state = opt.init(x)
    f = rec.value(x)
    stop = rec.start(x, f, rec.grad(x))
    checkpoint = (x.copy(), copy.deepcopy(state), f)
    lr_scale, accepted = 1.0, 0
    events, lr_scales, seen = [], [], []
    for t in range(steps):
        if stop:
            break
        with np.errstate(over="ignore", invalid="ignore"):
            g = rec.jac if stream is None else rec.grad(x, next(stream))
            g = g * spikes[t] if t in spikes else g
            gnorm = float(np.linalg.norm(g))
            u, new_state = opt.update(g, state, x)
            cand = tx.apply_updates(x, tree_map(lambda a: lr_scale * a, u)
                                    if lr_scale != 1.0 else u)
            f_new = rec.value(cand) if np.all(np.isfinite(cand)) else np.nan
        seen.append(gnorm)
        lr_scales.append(lr_scale)
        bad = (not np.isfinite(gnorm) or not np.isfinite(f_new)
               or (max_grad_norm is not None and gnorm > max_grad_norm)
               or (max_loss_ratio is not None and f_new > max_loss_ratio * f))
        if bad and policy != "none":
            events.append((t, policy))
            if policy == "reduce_lr":
                lr_scale *= lr_factor
            elif policy == "restore":
                x, state, f = checkpoint[0].copy(), copy.deepcopy(checkpoint[1]), checkpoint[2]
        else:
            x, state, f = cand, new_state, f_new
            accepted += 1
            if accepted % checkpoint_every == 0 and np.isfinite(f):
                checkpoint = (np.array(x, dtype=float), copy.deepcopy(state), f)
        with np.errstate(over="ignore", invalid="ignore"):
            stop = rec.step(x, f, rec.grad(x), lr=lr_scale)
    return rec.result(events=events, lr_scales=np.array(lr_scales),
                      spiked_grad_norms=np.array(seen))


def fp16_gradient(grad, scale=1.0):
    """``fl16(scale * g) / scale`` in float64, and what the rounding did.

    Parameters
    ----------
    grad : array-like  the exact (float64) gradient
    scale : float > 0  the loss scale (``1`` = no loss scaling)

    Returns
    -------
    (g16, found_inf, underflow) :
        the unscaled float16 gradient (float64 array), whether an entry is inf/NaN
        (overflow: ``|scale g| > 65504``), and the fraction of the nonzero entries of
        ``grad`` that became exactly zero.

    Examples
    --------
    >>> g = np.array([1e-3, 1e-8])
    >>> fp16_gradient(g)[2], fp16_gradient(g, 2.0 ** 16)[2]     # 1e-8 < 2^-24 flushes
    (0.5, 0.0)
    """
    owner = "fp16_gradient"
    scale = check_scalar(scale, "scale", owner, low=0.0)
    g = np.asarray(grad, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        g16 = (scale * g).astype(np.float16).astype(float) / scale
    found_inf = not bool(np.all(np.isfinite(g16)))
    nz = g != 0
    underflow = float(np.mean(g16[nz] == 0)) if nz.any() else 0.0
    return g16, found_inf, underflow


def loss_scaled_run(opt, problem, x0, steps, *, scaler=None, scale=1.0, label=""):
    """Train with float16 gradients: ``g16 = fp16_gradient(grad(x), scale)``.

    With a :class:`course_lib.clipping.DynamicLossScaler` the scale is the scaler's: a
    step whose ``g16`` has an inf/NaN is skipped (parameters and optimizer state kept)
    and ``scaler.update(found_inf)`` backs off or grows the scale, as
    ``scaler.step(optimizer); scaler.update()`` in torch. Without one the scale is the
    fixed ``scale`` and an overflow is applied (the run then diverges).

    Returns
    -------
    OptimizeResult
        with ``extra``: ``scales`` (the scale used at each step), ``skipped`` (bool per
        step), ``underflow`` (fraction of gradient entries flushed to zero, per step).
    """
    owner = "loss_scaled_run"
    _check_opt(opt, owner)
    rec = Recorder(owner, problem, x0, label=label)
    steps = check_int(steps, "steps", owner, low=0)
    scale = check_scalar(scale, "scale", owner, low=0.0)
    x = rec.x0
    state = opt.init(x)
    stop = rec.start(x, rec.value(x), rec.grad(x))
    scales, skipped, under = [], [], []
    for _ in range(steps):
        if stop:
            break
        s = scaler.scale if scaler is not None else scale
        g16, found_inf, uf = fp16_gradient(rec.jac, s)
        scales.append(s)
        under.append(uf)
        skip = found_inf and scaler is not None
        skipped.append(skip)
        if not skip:
            with np.errstate(over="ignore", invalid="ignore"):
                u, state = opt.update(g16, state, x)
                x = tx.apply_updates(x, u)
        if scaler is not None:
            scaler.update(found_inf)
        with np.errstate(over="ignore", invalid="ignore"):
            stop = rec.step(x, rec.value(x), rec.grad(x))
    return rec.result(scales=np.array(scales), skipped=np.array(skipped, dtype=bool),
                      underflow=np.array(under))
