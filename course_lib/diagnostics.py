"""Diagnostics for a torch training run whose loss does not go down (imports torch).

Each function answers one question of the debugging playbook and returns a
:class:`Diagnosis`: ``ok`` (True when nothing is wrong), a plain-language ``verdict``
and the numbers behind it in ``data`` (also readable as attributes)::

    overfit_one_batch      can the model drive the loss on ONE small batch to ~0?
    grad_norms             ||grad|| per parameter tensor, after backward
    update_ratios          ||w_{t+1} - w_t|| / ||w_t|| per tensor (course_lib.monitors)
    check_update_ratios    a verdict on a history of ratios (too small / too large)
    check_grad_norms       a verdict on a history of gradient norms (NaN, vanishing,
                           growing, spiky)
    dead_relu_fraction     fraction of ReLU units that output 0 on every example
    gradcheck              autograd against central finite differences, float64
    lr_sweep               a short run per learning rate: where does the loss decrease?
    first_nonfinite        the first step, layer and phase (forward / gradient / weight)
                           where a NaN or inf appears (forward hooks)
    eval_determinism       does evaluation give the same output twice (eval mode on)?

References
----------
A. Karpathy, "A Recipe for Training Neural Networks" (2019): overfit one batch, verify
the loss at init, visualise the update ratios. CS231n notes, "Neural Networks Part 3"
(ratio of updates to weights around 1e-3; gradient checks with centred differences and
the relative error). PyTorch documentation: ``torch.autograd.gradcheck``,
``Module.register_forward_hook``, ``Module.eval``.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ._validation import check_callable, check_int, check_scalar
from .monitors import update_ratios

__all__ = ["Diagnosis", "overfit_one_batch", "grad_norms", "update_ratios",
           "check_update_ratios", "check_grad_norms", "dead_relu_fraction", "gradcheck", "lr_sweep",
           "first_nonfinite", "eval_determinism"]


@dataclass
class Diagnosis:
    """The answer of one diagnostic: ``ok``, a plain-language ``verdict``, and ``data``
    (a dict whose keys also read as attributes: ``d.final_loss``)."""

    name: str
    ok: bool
    verdict: str
    data: dict = field(default_factory=dict)

    def __getattr__(self, key):
        data = self.__dict__.get("data", {})
        if key in data:
            return data[key]
        raise AttributeError(f"'Diagnosis' object has no attribute {key!r}")

    def __str__(self):
        return f"[{'ok' if self.ok else 'PROBLEM'}] {self.name}: {self.verdict}"


def _check_module(model, owner, name="model"):
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"The {name!r} parameter of {owner} must be a torch.nn.Module. "
                        f"Got {type(model).__name__} instead.")
    return model


# ------------------------------------------------------------------ overfit one batch
def overfit_one_batch(model, optimizer, X, y, *, steps=200, tol=0.05):
    """Train a copy of ``model`` on one small batch with cross-entropy and report
    whether the loss falls below ``tol``.

    A correct model, loss and optimizer can memorise a handful of examples: the
    mean cross-entropy ``-(1/B) sum_i log softmax(f(x_i))_{y_i}`` goes to ~0 in a few
    hundred full-batch steps. If it does not, the bug is in the model, the loss or the
    step, not in the data's difficulty (Karpathy 2019, "overfit one batch"). The
    run is :func:`course_lib.training.train` with the batch as the whole training set.

    Parameters
    ----------
    model : torch.nn.Module  returns logits ``(B, C)``; a deep copy is trained
    optimizer : callable  ``optimizer(named_parameters) -> torch.optim.Optimizer``
    X, y : tensors ``(B, d)`` and ``(B,)`` (int64 labels)
    steps : int >= 1
    tol : float > 0  the loss a fit must reach

    Returns
    -------
    Diagnosis with ``losses`` (every iterate), ``initial_loss``, ``final_loss``,
    ``chance_loss = log C`` (the loss of uniform predictions over C classes) and
    ``accuracy`` (on the batch, at the end).

    Examples
    --------
    >>> from course_lib.training import digits, mlp
    >>> d = digits()
    >>> diag = overfit_one_batch(mlp(), lambda p: torch.optim.Adam(p, lr=1e-2),
    ...                          d.X_train[:10], d.y_train[:10], steps=100)
    >>> diag.ok
    True
    """
    from .training import Digits, train
    owner = "overfit_one_batch"
    _check_module(model, owner)
    check_callable(optimizer, "optimizer", owner)
    steps = check_int(steps, "steps", owner, low=1)
    tol = check_scalar(tol, "tol", owner, low=0.0)
    if not (isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor)
            and X.dim() == 2 and y.shape == (X.shape[0],)):
        raise ValueError(f"The 'X' and 'y' parameters of {owner} must be tensors of shapes "
                         f"(B, d) and (B,). Got {tuple(getattr(X, 'shape', ()))} and "
                         f"{tuple(getattr(y, 'shape', ()))} instead.")
    net = copy.deepcopy(model)
    res = train(net, optimizer, Digits(X, y, X, y), steps=steps, progress=False)
    with torch.no_grad():
        n_classes = net(X).shape[-1]
    losses = res.losses
    final = float(losses[-1])
    data = dict(losses=losses, initial_loss=float(losses[0]), final_loss=final,
                chance_loss=math.log(n_classes), accuracy=float(res.train_acc[-1]),
                steps=steps, batch_size=len(y))
    ok = bool(np.isfinite(final) and final < tol)
    if ok:
        verdict = (f"the loss fell from {losses[0]:.3g} to {final:.3g} < {tol:g} in {steps} "
                   f"steps on {len(y)} examples: model, loss and step can fit a batch.")
    else:
        verdict = (f"the loss went from {losses[0]:.3g} to {final:.3g} (>= {tol:g}) in "
                   f"{steps} steps on only {len(y)} examples: the model, the loss or the "
                   f"update is broken (softmax before the loss? lr? zero_grad?).")
    return Diagnosis(owner, ok, verdict, data)


# ---------------------------------------------------------- gradient and update norms
def grad_norms(model):
    """``{name: ||p.grad||_2}`` for every parameter of ``model`` (call after backward).

    The Frobenius norm ``sqrt(sum_ij g_ij^2)`` of each tensor's gradient (0.0 for a
    parameter without a gradient). Per-layer norms show where gradients vanish (a layer
    with 0) or explode, which the global norm averages away.

    Examples
    --------
    >>> lin = torch.nn.Linear(2, 1)
    >>> lin(torch.ones(1, 2)).sum().backward()
    >>> grad_norms(lin)["bias"]
    1.0
    """
    _check_module(model, "grad_norms")
    return {n: (0.0 if p.grad is None else float(torch.linalg.vector_norm(p.grad)))
            for n, p in model.named_parameters()}


def check_update_ratios(ratios, *, low=1e-4, high=5e-2):
    """Verdict on a history of update-to-weight ratios: is the step size sane?

    The median of ``ratios`` (a sequence, or a dict name -> sequence, judged per
    tensor) is compared with the band ``[low, high]`` around the rule of thumb 1e-3
    (on chapter 11's digits MLP, working SGD runs sit near 1e-2, hence ``high=5e-2``):
    below ``low`` the weights barely move (lr too small, or the gradient vanished),
    above ``high`` a step rewrites a percent or more of the weights (lr too large, or
    gradients accumulating without ``zero_grad``).

    Returns
    -------
    Diagnosis with ``medians`` (dict) and ``too_small`` / ``too_large`` (lists of names).
    """
    owner = "check_update_ratios"
    low = check_scalar(low, "low", owner, low=0.0)
    high = check_scalar(high, "high", owner, low=low)
    named = ratios if isinstance(ratios, dict) else {"all": ratios}
    med = {}
    for k, v in named.items():
        v = np.asarray(v, dtype=float)
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"The 'ratios' parameter of {owner} must hold non-empty 1-d "
                             f"sequences. Got shape {v.shape} for {k!r} instead.")
        med[k] = float(np.median(v))
    small = [k for k, m in med.items() if m < low]
    large = [k for k, m in med.items() if not m <= high]
    parts = []
    if small:
        parts.append(f"median ratio below {low:g} for {small}: the weights barely move "
                     f"(raise the lr, or look for vanishing gradients)")
    if large:
        parts.append(f"median ratio above {high:g} for {large}: each step rewrites too "
                     f"much of the weights (lower the lr; is zero_grad called?)")
    ok = not parts
    verdict = ("median update ratios " + ", ".join(f"{k}: {m:.2g}" for k, m in med.items())
               + f" lie in [{low:g}, {high:g}]") if ok else "; ".join(parts)
    return Diagnosis(owner, ok, verdict, dict(medians=med, too_small=small,
                                              too_large=large))


def check_grad_norms(grad_norms, *, spike=5.0, growth=10.0, vanish=1e-7):
    """Verdict on a history of gradient norms ``||g_t||``: finite, steady, not vanishing?

    In order: a non-finite norm (the run diverged); a *vanishing* median below
    ``vanish`` (seed 002's threshold, 1e-7); *growth*, the median of the last quarter
    above ``growth`` times the median of the first 5% of steps (gradients accumulating
    without ``zero_grad``, or a divergence building up); *spikes*, a maximum above
    ``spike`` times the median (single bad batches: clip the norm).

    Returns
    -------
    Diagnosis with ``median``, ``max_over_median``, ``growth_ratio`` and ``problem``
    (None, "nonfinite", "vanishing", "growing" or "spiky").
    """
    owner = "check_grad_norms"
    g = np.asarray(grad_norms, dtype=float)
    if g.ndim != 1 or g.size < 4:
        raise ValueError(f"The 'grad_norms' parameter of {owner} must be a 1-d sequence of "
                         f"at least 4 norms. Got shape {g.shape} instead.")
    spike = check_scalar(spike, "spike", owner, low=1.0)
    growth = check_scalar(growth, "growth", owner, low=1.0)
    vanish = check_scalar(vanish, "vanish", owner, low=0.0)
    q, e = max(1, g.size // 4), max(1, g.size // 20)
    finite = bool(np.isfinite(g).all())
    med = float(np.median(g)) if finite else math.nan
    peak = float(g.max() / med) if finite and med > 0 else math.inf
    grow = (float(np.median(g[-q:]) / np.median(g[:e]))
            if finite and np.median(g[:e]) > 0 else math.inf)
    if not finite:
        problem, text = "nonfinite", (f"a non-finite gradient norm at step "
                                      f"{int(np.argmin(np.isfinite(g)))}: the run diverged")
    elif med < vanish:
        problem, text = "vanishing", f"median gradient norm {med:.2g} < {vanish:g}: vanishing"
    elif grow > growth:
        problem, text = "growing", (f"the gradient norm grew {grow:.3g}x from the first "
                                    f"steps to the last quarter of the run: gradients accumulate "
                                    f"(zero_grad?) or the run is diverging")
    elif peak > spike:
        problem, text = "spiky", (f"the largest gradient norm is {peak:.3g}x the median: "
                                  f"spikes from single batches; clip the norm")
    else:
        problem, text = None, (f"median {med:.3g}, max {peak:.3g}x the median, growth "
                               f"{grow:.3g}x: steady")
    return Diagnosis(owner, problem is None, text, dict(median=med, max_over_median=peak,
                                                        growth_ratio=grow, problem=problem))


# ------------------------------------------------------------------------ dead ReLUs
def dead_relu_fraction(model, X, *, threshold=0.5):
    """Fraction of the units after each ``torch.nn.ReLU`` that are 0 on every row of ``X``.

    A unit ``j`` is dead on ``X`` when ``max_i relu(z_ij) = 0``: it passes no gradient
    for any of these inputs, so (without weight decay) it never recovers. Measured with
    forward hooks in eval mode, without gradients.

    Returns
    -------
    Diagnosis with ``fractions`` ({ReLU module name: fraction}) and ``overall``;
    ``ok`` when every layer's fraction is below ``threshold``.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = net[0].bias.fill_(-100.0)
    >>> dead_relu_fraction(net, torch.randn(8, 2)).overall
    1.0
    """
    owner = "dead_relu_fraction"
    _check_module(model, owner)
    threshold = check_scalar(threshold, "threshold", owner, low=0.0, high=1.0,
                             closed="right")
    outs, hooks = {}, []
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.ReLU):
            hooks.append(mod.register_forward_hook(
                lambda m, i, o, name=name: outs.__setitem__(name, o.detach())))
    if not hooks:
        raise ValueError(f"The 'model' parameter of {owner} must contain a torch.nn.ReLU "
                         f"module. Got none in {type(model).__name__}.")
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(X)
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    fractions, dead, total = {}, 0, 0
    for name, o in outs.items():
        alive = (o.reshape(o.shape[0], -1) > 0).any(0)
        fractions[name] = float(1.0 - alive.double().mean())
        dead, total = dead + int((~alive).sum()), total + alive.numel()
    overall = dead / total
    bad = [n for n, f in fractions.items() if f >= threshold]
    verdict = (", ".join(f"layer {n}: {f:.0%} dead" for n, f in fractions.items())
               + ("" if not bad else f"; {bad} at or above {threshold:.0%}: lower the lr, "
                  "check the initialisation, or use a leaky ReLU"))
    return Diagnosis(owner, not bad, verdict, dict(fractions=fractions, overall=overall))


# ------------------------------------------------------------------------ gradcheck
def gradcheck(fn, inputs, *, eps=1e-6, rtol=1e-5, atol=1e-8):
    """Compare autograd's gradient of a scalar ``fn(*inputs)`` with central differences.

    Each input entry is moved by ``+-eps`` (in float64 copies) and
    ``(fn(x + eps e_k) - fn(x - eps e_k)) / (2 eps)`` is compared with the gradient that
    ``backward`` gives, entry by entry; the error of the centred difference is
    ``O(eps^2)``. The verdict uses the relative error
    ``|a - n| / max(|a|, |n|, atol / rtol)``. A custom ``torch.autograd.Function`` with a
    wrong ``backward`` fails here; ``torch.autograd.gradcheck`` is the same test on the
    full Jacobian (the tests compare the two).

    Parameters
    ----------
    fn : callable  ``fn(*tensors) -> scalar tensor``
    inputs : sequence of tensors (converted to float64 copies)
    eps, rtol, atol : floats > 0

    Returns
    -------
    Diagnosis with ``analytic`` and ``numeric`` (lists of arrays, one per input),
    ``max_rel_error`` and ``worst`` ((input index, flat entry index)).

    Examples
    --------
    >>> gradcheck(lambda x: (x ** 3).sum(), [torch.tensor([1.0, 2.0])]).ok
    True
    """
    owner = "gradcheck"
    check_callable(fn, "fn", owner)
    eps = check_scalar(eps, "eps", owner, low=0.0)
    rtol = check_scalar(rtol, "rtol", owner, low=0.0)
    atol = check_scalar(atol, "atol", owner, low=0.0)
    xs = [torch.as_tensor(x).detach().to(torch.float64).clone() for x in inputs]
    if not xs:
        raise ValueError(f"The 'inputs' parameter of {owner} must hold at least one tensor. "
                         f"Got [] instead.")
    leaves = [x.clone().requires_grad_(True) for x in xs]
    out = fn(*leaves)
    if not (isinstance(out, torch.Tensor) and out.numel() == 1):
        raise ValueError(f"The 'fn' parameter of {owner} must return a scalar tensor. Got "
                         f"{type(out).__name__} {tuple(getattr(out, 'shape', ()))} instead.")
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    analytic = [np.zeros(x.shape) if g is None else g.detach().numpy().copy()
                for g, x in zip(grads, xs)]
    numeric = []
    with torch.no_grad():
        for i, x in enumerate(xs):
            num = np.zeros(x.numel())
            flat = x.reshape(-1)
            for k in range(flat.numel()):
                old = float(flat[k])
                flat[k] = old + eps
                up = float(fn(*xs))
                flat[k] = old - eps
                down = float(fn(*xs))
                flat[k] = old
                num[k] = (up - down) / (2 * eps)
            numeric.append(num.reshape(tuple(x.shape)))
    worst, max_rel = None, 0.0
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), atol / rtol)
        rel = np.abs(a - n) / scale
        if rel.size and float(rel.max()) >= max_rel:
            max_rel, worst = float(rel.max()), (i, int(rel.argmax()))
    ok = max_rel <= rtol
    verdict = (f"largest relative error between backward and central differences "
               f"{max_rel:.2g} {'<=' if ok else '>'} {rtol:g}"
               + ("" if ok else f" at input {worst[0]}, entry {worst[1]}: the backward "
                  "formula is wrong"))
    return Diagnosis(owner, ok, verdict, dict(analytic=analytic, numeric=numeric,
                                              max_rel_error=max_rel, worst=worst))


# ------------------------------------------------------------------------- lr sweep
def lr_sweep(make_model, make_optimizer, data, lrs, *, steps=50, batch_size=None,
             seed=0, min_drop=0.1, run=None):
    """A short run per learning rate: which learning rates make the loss decrease?

    For each ``lr`` a fresh ``make_model()`` is trained for ``steps`` steps with
    ``make_optimizer(named_parameters, lr)`` by ``run(model, optimizer, data, steps=,
    batch_size=, seed=)`` (default :func:`course_lib.training.train`; pass the loop under
    suspicion to sweep it: if no lr works there, the step itself is broken). A
    learning rate *works* when the final training loss is finite and below
    ``(1 - min_drop)`` times the initial loss; the sweep is sane when some do (seed 001,
    Q5: "the loss should decrease for at least some range").

    Returns
    -------
    Diagnosis with ``lrs``, ``initial`` and ``final`` losses (arrays), ``works``
    (bool array), ``best_lr`` (lowest final loss) and ``runs`` (the OptimizeResults).
    """
    from .training import train
    owner = "lr_sweep"
    run = train if run is None else check_callable(run, "run", owner)
    check_callable(make_model, "make_model", owner)
    check_callable(make_optimizer, "make_optimizer", owner)
    steps = check_int(steps, "steps", owner, low=1)
    min_drop = check_scalar(min_drop, "min_drop", owner, low=0.0, high=1.0, closed="left")
    lrs = np.asarray([check_scalar(lr, "lrs", owner, low=0.0) for lr in lrs])
    if lrs.size == 0:
        raise ValueError(f"The 'lrs' parameter of {owner} must hold at least one learning "
                         f"rate. Got [] instead.")
    kw = dict(progress=False) if run is train else {}
    runs = [run(make_model(), lambda p, lr=lr: make_optimizer(p, lr), data, steps=steps,
                batch_size=batch_size, seed=seed, **kw) for lr in lrs]
    init = np.array([r.losses[0] for r in runs])
    final = np.array([r.losses[-1] if r.success else np.inf for r in runs])
    works = np.isfinite(final) & (final < (1 - min_drop) * init)
    best = float(lrs[int(np.argmin(final))])
    if works.any():
        verdict = (f"the loss decreases by more than {min_drop:.0%} in {steps} steps for "
                   f"lr in [{lrs[works].min():g}, {lrs[works].max():g}]; lowest final "
                   f"loss at lr = {best:g}")
    else:
        verdict = (f"no learning rate in [{lrs.min():g}, {lrs.max():g}] lowers the loss by "
                   f"{min_drop:.0%} in {steps} steps: look for a bug before tuning")
    return Diagnosis(owner, bool(works.any()), verdict,
                     dict(lrs=lrs, initial=init, final=final, works=works, best_lr=best,
                          runs=runs))


# ---------------------------------------------------------------- first non-finite
def first_nonfinite(model, step_fn, *, steps=100):
    """The first step and place where a NaN or inf appears during training.

    ``step_fn(t)`` runs training step ``t`` on ``model`` (forward, loss, backward,
    step) and returns the loss. Forward hooks on every module record the first module
    whose output is non-finite; after the step the gradients and then the weights are
    scanned in ``named_parameters`` order. The first event wins, in the order
    forward -> gradient -> weight within a step, and modules in the order they ran.

    Returns
    -------
    Diagnosis with ``step`` (None if none), ``phase`` ("forward", "loss",
    "gradient" or "weight"), ``where`` (module or parameter name) and ``losses``.
    """
    owner = "first_nonfinite"
    _check_module(model, owner)
    check_callable(step_fn, "step_fn", owner)
    steps = check_int(steps, "steps", owner, low=1)
    seen = []

    def hook(mod, inputs, output, name):
        if not seen and isinstance(output, torch.Tensor) and not torch.isfinite(
                output.detach()).all():
            seen.append(name)

    hooks = [m.register_forward_hook(lambda mod, i, o, name=n: hook(mod, i, o, name))
             for n, m in model.named_modules() if n and not list(m.children())]
    losses, found = [], None
    try:
        for t in range(steps):
            seen.clear()
            loss = float(step_fn(t))
            losses.append(loss)
            if seen:
                found = (t, "forward", seen[0])
            elif not math.isfinite(loss):
                found = (t, "loss", "loss")
            else:
                for phase, get in (("gradient", lambda p: p.grad), ("weight", lambda p: p)):
                    bad = [n for n, p in model.named_parameters() if get(p) is not None
                           and not torch.isfinite(get(p).detach()).all()]
                    if bad:
                        found = (t, phase, bad[0])
                        break
            if found:
                break
    finally:
        for h in hooks:
            h.remove()
    if found is None:
        return Diagnosis(owner, True, f"no NaN or inf in {steps} steps", dict(
            step=None, phase=None, where=None, losses=np.array(losses)))
    t, phase, where = found
    text = {"forward": f"the output of module {where!r} in the forward pass",
            "loss": "the loss (every module's output was finite)",
            "gradient": f"the gradient of {where!r} after backward",
            "weight": f"the weight {where!r} after the step"}[phase]
    return Diagnosis(owner, False, f"first NaN/inf at step {t}: {text}",
                     dict(step=t, phase=phase, where=where, losses=np.array(losses)))


# ---------------------------------------------------------------- eval determinism
def eval_determinism(model, X):
    """Does evaluating ``model`` on ``X`` twice give the same output, as it does in eval
    mode? In train mode dropout draws new masks and BatchNorm uses the batch's own
    statistics, so two passes (or one pass on a different batch) disagree.

    The model's mode is left as it was; the passes run without gradients.

    Returns
    -------
    Diagnosis with ``max_abs_diff`` between two passes and ``training`` (the mode found).
    """
    owner = "eval_determinism"
    _check_module(model, owner)
    with torch.no_grad():
        state = torch.random.get_rng_state()
        a, b = model(X), model(X)
        torch.random.set_rng_state(state)
    diff = float((a - b).abs().max())
    ok = diff == 0.0
    verdict = ("two evaluations agree exactly" if ok else
               f"two evaluations of the same inputs differ by up to {diff:.3g}: the model "
               f"is in train mode (training={model.training}); call model.eval() before "
               f"evaluating")
    return Diagnosis(owner, ok, verdict, dict(max_abs_diff=diff, training=model.training))

