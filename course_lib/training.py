"""Small, seeded torch training on real data that ships offline (scikit-learn's digits).

One loop, the torch training step as practitioners write it::

    logits = model(X_batch); loss = cross_entropy(logits, y_batch)   # forward, loss
    optimizer.zero_grad(); loss.backward()                            # gradients
    clip(parameters)                                                  # optional hook
    optimizer.step()          # or optimizer.step(closure) (LBFGS, SAM)
    scheduler.step()                                                  # optional hook

with a tqdm progress bar and a history of the training loss, the accuracies, the
gradient norm, the weight norm and the update-to-weight ratio
``||w_{t+1} - w_t|| / ||w_t||`` (global and per parameter tensor). The result is the
course's one result type, :class:`course_lib.result.OptimizeResult`: ``params`` holds
the flattened weights after every step, ``losses`` / ``grad_norms`` the training loss and
gradient norm at every iterate; the rest is in ``extra`` (attributes ``res.val_acc`` ...).

:func:`train_seeds` runs the same recipe for several seeds at once: the models'
parameters are stacked (``torch.func.stack_module_state``) and the forward pass is
``torch.func.vmap`` of ``torch.func.functional_call``. The summed loss
``sum_s L_s(theta_s)`` has gradient ``grad L_s`` in slice ``s``, so any optimizer that
acts element by element (SGD, momentum, Adam, AdamW, RMSprop, ... with param groups and
schedules) makes exactly the per-seed steps; the tests check it against sequential runs.
Optimizers that mix coordinates (LBFGS, Muon, Adafactor) must use :func:`train`.

Functions
---------
digits      the 8x8 digits data set, split into train and validation (float tensors)
mlp         a small seeded multilayer perceptron for it
train       one seeded run -> OptimizeResult
train_seeds several seeds vectorised -> list of OptimizeResult (one per seed)

References
----------
PyTorch documentation, "torch.optim: taking an optimization step" (``step(closure)``),
and "Model ensembling" (``torch.func.stack_module_state``, ``vmap``, ``functional_call``).
Alpaydin & Kaynak (1998), Optical Recognition of Handwritten Digits, UCI (the data set
shipped by ``sklearn.datasets.load_digits``).
"""
from __future__ import annotations

import gzip
import importlib.util
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch.nn import functional as F

from ._validation import check_callable, check_int, check_scalar
from .result import OptimizeResult, status_of

__all__ = ["Digits", "digits", "mlp", "train", "train_seeds"]


class Digits(NamedTuple):
    """A train/validation split: features scaled to [0, 1], integer labels 0..9."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor


def _digits_file():
    # locate the csv that scikit-learn ships without importing sklearn (~3 s)
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("course_lib.training.digits needs scikit-learn (the data set "
                          "ships inside it): pip install -c constraints.txt scikit-learn")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"


def digits(val_fraction=0.25, seed=0, dtype=torch.float32):
    """The 1797 8x8 handwritten digits, split at random into train and validation.

    Features are the 64 pixel intensities divided by 16 (so in [0, 1]; no statistics of
    the validation set are used); labels are ``int64`` in 0..9. The rows are those of
    ``sklearn.datasets.load_digits()`` (read from the same file, without importing
    scikit-learn); the split is ``numpy.random.default_rng(seed).permutation``, the first
    ``round(val_fraction * 1797)`` rows going to validation.

    Parameters
    ----------
    val_fraction : float in (0, 1)
    seed : int >= 0
        Seed of the split.
    dtype : torch.float32 or torch.float64

    Returns
    -------
    Digits
        ``(X_train, y_train, X_val, y_val)``.

    Examples
    --------
    >>> d = digits()
    >>> tuple(d.X_train.shape), tuple(d.X_val.shape)
    ((1348, 64), (449, 64))
    """
    owner = "digits"
    val_fraction = check_scalar(val_fraction, "val_fraction", owner, low=0.0, high=1.0)
    seed = check_int(seed, "seed", owner, low=0)
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"The 'dtype' parameter of {owner} must be torch.float32 or "
                         f"torch.float64. Got {dtype!r} instead.")
    with gzip.open(_digits_file(), "rt") as fh:
        raw = np.loadtxt(fh, delimiter=",")
    X, y = raw[:, :-1] / 16.0, raw[:, -1].astype(np.int64)
    n_val = round(val_fraction * len(y))
    if not 0 < n_val < len(y):
        raise ValueError(f"The 'val_fraction' parameter of {owner} must leave at least one "
                         f"row on each side of the split. Got {val_fraction!r} instead.")
    perm = np.random.default_rng(seed).permutation(len(y))
    val, tr = perm[:n_val], perm[n_val:]
    t = lambda a, dt=dtype: torch.as_tensor(a, dtype=dt)  # noqa: E731
    return Digits(t(X[tr]), t(y[tr], torch.int64), t(X[val]), t(y[val], torch.int64))


def mlp(hidden=(32,), seed=0, activation="tanh", dtype=torch.float32, n_in=64, n_out=10):
    """A multilayer perceptron ``Linear -> act -> ... -> Linear``, initialised from ``seed``.

    torch's default ``nn.Linear`` initialisation (Kaiming-uniform, He et al. 2015), drawn
    inside ``torch.random.fork_rng`` so the global RNG is left as it was.
    ``hidden=()`` gives multinomial logistic regression (one ``Linear``).

    Parameters
    ----------
    hidden : tuple of int
        Widths of the hidden layers.
    seed : int >= 0
    activation : {"tanh", "relu"}
    dtype : torch dtype
    n_in, n_out : int
        Input features and classes (64 and 10 for :func:`digits`).

    Examples
    --------
    >>> m = mlp((32,), seed=0)
    >>> [tuple(p.shape) for p in m.parameters()]
    [(32, 64), (32,), (10, 32), (10,)]
    """
    owner = "mlp"
    seed = check_int(seed, "seed", owner, low=0)
    hidden = tuple(hidden)
    for h in hidden:
        check_int(h, "hidden", owner, low=1)
    acts = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    if activation not in acts:
        raise ValueError(f"The 'activation' parameter of {owner} must be one of "
                         f"{sorted(acts)}. Got {activation!r} instead.")
    widths = (check_int(n_in, "n_in", owner, low=1), *hidden,
              check_int(n_out, "n_out", owner, low=1))
    layers = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(torch.nn.Linear(a, b, dtype=dtype))
            if i < len(widths) - 2:
                layers.append(acts[activation]())
    return torch.nn.Sequential(*layers)


# ---------------------------------------------------------------------------- the loop
def _sq(t, s):
    """Per-seed sum of squares of ``t`` (leading seed axis when ``s``), shape (S,)."""
    t = t.detach()
    return (t * t).reshape(t.shape[0], -1).sum(1) if s else (t * t).sum().reshape(1)


class _History:
    """Per-seed lists of the quantities a run records (S = number of seeds)."""

    def __init__(self, names, n_seeds):
        self.S = n_seeds
        self.names = names
        self.rows = {k: [[] for _ in range(n_seeds)] for k in (
            "params", "losses", "grad_norms", "lrs", "weight_norms", "update_ratios",
            "clipped_grad_norms", "train_acc", "val_loss", "val_acc", "eval_steps")}
        self.per_param = [{n: [] for n in names} for _ in range(n_seeds)]

    def add(self, key, values):
        for s in range(self.S):
            self.rows[key][s].append(float(values[s]))


def _flat(params, stacked, s):
    return torch.cat([(p[s] if stacked else p).detach().reshape(-1) for p in params]).double()


def _loop(owner, forward, named, optimizer, data, *, steps, batch_size, seeds, scheduler,
          clip, clip_norm, closure, eval_every, progress, label, stacked):
    names = [n for n, _ in named]
    params = [p for _, p in named]
    S = len(seeds)
    opt = optimizer(named)
    if not isinstance(opt, torch.optim.Optimizer):
        raise TypeError(f"The 'optimizer' parameter of {owner} must be a callable that "
                        f"returns a torch.optim.Optimizer, e.g. lambda params: "
                        f"torch.optim.SGD(params, lr=0.1). It returned "
                        f"{type(opt).__name__} instead.")
    if closure is None:
        closure = isinstance(opt, torch.optim.LBFGS)
    sched = None if scheduler is None else scheduler(opt)
    X, y, Xv, yv = data
    n = len(y)
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    orders, pos = [None] * S, [n] * S
    hist = _History(names, S)
    reason, nfev = None, 0

    def batch():
        if batch_size is None:
            return None
        idx = []
        for s in range(S):
            if pos[s] + batch_size > n:          # a new epoch: reshuffle this seed's order
                orders[s], pos[s] = torch.randperm(n, generator=gens[s]), 0
            idx.append(orders[s][pos[s]:pos[s] + batch_size])
            pos[s] += batch_size
        return torch.stack(idx)

    def loss_on(idx):
        Xb = X if idx is None else X[idx]                  # (N, d) or (S, B, d)
        yb = y if idx is None else y[idx]
        logits = forward(Xb)                                # (S, B, C)
        yb = yb.expand(S, -1) if idx is None else yb
        per_seed = F.cross_entropy(logits.transpose(1, 2), yb, reduction="none").mean(1)
        return per_seed, logits

    @torch.no_grad()
    def evaluate(t, idx, logits):
        # full batch: the step's own forward pass gave the training logits at w_t
        tr = (forward(X) if idx is not None else logits.detach()).argmax(-1) == y
        lv = forward(Xv)
        hist.add("train_acc", tr.double().mean(1))
        hist.add("val_acc", (lv.argmax(-1) == yv).double().mean(1))
        hist.add("val_loss", F.cross_entropy(lv.transpose(1, 2), yv.expand(S, -1),
                                             reduction="none").mean(1))
        hist.add("eval_steps", [t] * S)

    def gradient(idx):
        nonlocal nfev
        opt.zero_grad()
        per_seed, logits = loss_on(idx)
        per_seed.sum().backward()
        nfev += 1
        g2 = sum(_sq(p.grad, stacked) if p.grad is not None else 0 for p in params)
        return per_seed.detach(), torch.sqrt(torch.as_tensor(g2)).reshape(S), logits

    def record_iterate(loss, gnorm):
        w2 = sum(_sq(p, stacked) for p in params)
        hist.add("losses", loss)
        hist.add("grad_norms", gnorm)
        hist.add("weight_norms", torch.sqrt(w2))
        for s in range(S):
            hist.rows["params"][s].append(_flat(params, stacked, s).numpy())

    bar = _tqdm(steps, progress, label or owner)
    try:
        for t in range(steps):
            idx = batch()
            loss, gnorm, logits = gradient(idx)
            record_iterate(loss, gnorm)
            if t % eval_every == 0:
                evaluate(t, idx, logits)
            if not (torch.isfinite(loss).all() and torch.isfinite(gnorm).all()):
                reason = "diverged"
                break
            if clip_norm is not None:
                for s in range(S):     # per seed: torch.nn.utils.clip_grad_norm_ per model
                    c = min(1.0, clip_norm / (float(gnorm[s]) + 1e-6))
                    for p in params:
                        if p.grad is not None:
                            (p.grad[s] if stacked else p.grad).mul_(c)
            if clip is not None:
                clip(params)
            if clip_norm is not None or clip is not None:
                g2 = sum(_sq(p.grad, stacked) for p in params if p.grad is not None)
                hist.add("clipped_grad_norms", torch.sqrt(torch.as_tensor(g2)).reshape(S))
            hist.add("lrs", [opt.param_groups[0].get("lr", math.nan)] * S)
            before = [p.detach().clone() for p in params]
            if closure:
                def _closure():
                    nonlocal nfev
                    with torch.enable_grad():
                        opt.zero_grad()
                        out = loss_on(idx)[0].sum()
                        out.backward()
                    nfev += 1
                    return out
                opt.step(_closure)
            else:
                opt.step()
            if sched is not None:
                sched.step()
            d2 = [_sq(p.detach() - b, stacked) for p, b in zip(params, before)]
            w2 = [_sq(b, stacked) for b in before]
            hist.add("update_ratios", torch.sqrt(sum(d2)) / torch.sqrt(sum(w2)))
            for s in range(S):
                for name, d, w in zip(names, d2, w2):
                    hist.per_param[s][name].append(float(torch.sqrt(d[s] / w[s])))
            bar.update(1)
            if t % 10 == 0:
                bar.set_postfix(loss=f"{float(loss.mean()):.4f}", refresh=False)
        else:
            idx = batch()
            loss, gnorm, logits = gradient(idx)
            record_iterate(loss, gnorm)
            evaluate(steps, idx, logits)
            if not (torch.isfinite(loss).all() and torch.isfinite(gnorm).all()):
                reason = "diverged"
    finally:
        bar.close()
        opt.zero_grad()
    return [_result(hist, s, reason, nfev, label) for s in range(S)]


def _result(hist, s, reason, nfev, label):
    r = {k: v[s] for k, v in hist.rows.items()}
    diverged = reason == "diverged" or not all(map(math.isfinite, r["losses"]))
    code, success, message = status_of("diverged" if diverged else "steps_done")
    arr = lambda k: np.array(r[k], dtype=float)  # noqa: E731
    extra = {k: arr(k) for k in ("weight_norms", "update_ratios", "clipped_grad_norms",
                                 "train_acc", "val_loss", "val_acc")}
    extra["eval_steps"] = arr("eval_steps").astype(int)
    extra["update_ratios_per_param"] = {k: np.array(v) for k, v in hist.per_param[s].items()}
    return OptimizeResult(params=np.stack(r["params"]), losses=arr("losses"),
                          grad_norms=arr("grad_norms"), lrs=arr("lrs"), nfev=nfev, njev=nfev,
                          diverged=diverged, label=label, extra=extra, status=code,
                          success=success, message=message)


def _tqdm(total, progress, desc):
    from tqdm import tqdm
    return tqdm(total=total, disable=not progress, leave=False, desc=desc, mininterval=0.5)


def _check_common(owner, data, steps, batch_size, scheduler, clip_norm, eval_every):
    if not (isinstance(data, tuple) and len(data) == 4
            and all(isinstance(a, torch.Tensor) for a in data)):
        raise TypeError(f"The 'data' parameter of {owner} must be a Digits tuple "
                        f"(X_train, y_train, X_val, y_val) of tensors, e.g. "
                        f"course_lib.training.digits(). Got {type(data).__name__} instead.")
    steps = check_int(steps, "steps", owner, low=1)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", owner, low=1, high=len(data[1]))
    if scheduler is not None:
        check_callable(scheduler, "scheduler", owner)
    clip_norm = check_scalar(clip_norm, "clip_norm", owner, low=0.0, allow_none=True)
    eval_every = check_int(eval_every, "eval_every", owner, low=1)
    return steps, batch_size, clip_norm, eval_every


def train(model, optimizer, data, *, steps=100, batch_size=None, seed=0, scheduler=None,
          clip=None, clip_norm=None, closure=None, eval_every=1, progress=True, label=""):
    """Train ``model`` on ``data`` with cross-entropy; one seeded run -> OptimizeResult.

    Each step: ``zero_grad``; forward on the batch; ``loss = mean cross-entropy``;
    ``backward``; then ``clip_norm`` (``torch.nn.utils.clip_grad_norm_``) and ``clip``
    (any hook on the gradients); ``optimizer.step()`` (``optimizer.step(closure)`` when
    ``closure``: the closure re-evaluates the loss and gradient on the same batch, as
    LBFGS and SAM need); ``scheduler.step()``. Recorded at every iterate ``w_t``:
    the batch loss, the gradient norm ``||g_t||`` (before clipping), ``||w_t||``; at every
    step the update-to-weight ratio ``||w_{t+1} - w_t|| / ||w_t||`` (global and per
    parameter) and the lr of group 0; every ``eval_every`` steps and at the end the train
    and validation accuracy and the validation loss (full sets).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 64)`` to ``(N, 10)`` logits (e.g. :func:`mlp`); trained in place.
    optimizer : callable
        ``optimizer(named_parameters) -> torch.optim.Optimizer``; it receives
        ``list(model.named_parameters())`` (torch optimizers accept those pairs, and
        parameter groups can be built from the names).
    data : Digits
        From :func:`digits`.
    steps : int >= 1
        Optimizer steps.
    batch_size : int or None
        None: full batch. Otherwise minibatches from a per-epoch shuffle drawn from
        ``torch.Generator().manual_seed(seed)`` (a final partial batch is dropped).
    seed : int
        Seed of the minibatch order (the model's initialisation is the model's own).
    scheduler : callable or None
        ``scheduler(optimizer) -> object with .step()``, stepped after every step.
    clip : callable or None
        ``clip(list_of_parameters)`` after ``backward``, before ``step``.
    clip_norm : float or None
        Clip the global gradient norm to this value first (``clip_grad_norm_``).
    closure : bool or None
        Call ``optimizer.step(closure)``; None: only for ``torch.optim.LBFGS``.
    eval_every : int >= 1
    progress : bool
        Show a tqdm progress bar.
    label : str

    Returns
    -------
    OptimizeResult
        ``params`` (flattened weights, float64, one row per iterate), ``losses``,
        ``grad_norms``, ``lrs``, ``nfev`` (forward-backward passes), and in ``extra``:
        ``weight_norms``, ``update_ratios``, ``update_ratios_per_param`` (dict by name),
        ``clipped_grad_norms`` (when clipping), ``train_acc``, ``val_acc``, ``val_loss``,
        ``eval_steps``. A non-finite loss stops the run: ``success=False``, status
        ``"diverged"``.

    Examples
    --------
    >>> d = digits()
    >>> res = train(mlp(), lambda p: torch.optim.Adam(p, lr=1e-2), d, steps=50,
    ...             progress=False)
    >>> res.nit, bool(res.val_acc[-1] > 0.8)
    (50, True)
    """
    owner = "train"
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"The 'model' parameter of {owner} must be a torch.nn.Module "
                        f"(e.g. course_lib.training.mlp()). Got {type(model).__name__} "
                        f"instead.")
    check_callable(optimizer, "optimizer", owner)
    steps, batch_size, clip_norm, eval_every = _check_common(
        owner, data, steps, batch_size, scheduler, clip_norm, eval_every)
    seed = check_int(seed, "seed", owner, low=0)
    if clip is not None:
        check_callable(clip, "clip", owner)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]

    def forward(Xb):                       # (N, d) -> (1, N, C); (1, B, d) -> (1, B, C)
        return model(Xb) if Xb.dim() == 3 else model(Xb).unsqueeze(0)

    model.train()
    return _loop(owner, forward, named, optimizer, data, steps=steps,
                 batch_size=batch_size, seeds=[seed], scheduler=scheduler, clip=clip,
                 clip_norm=clip_norm, closure=closure, eval_every=eval_every,
                 progress=progress, label=label, stacked=False)[0]


def train_seeds(make_model, optimizer, data, seeds, *, steps=100, batch_size=None,
                scheduler=None, clip_norm=None, eval_every=1, progress=True, label=""):
    """:func:`train` for several seeds at once, vectorised with ``torch.func.vmap``.

    Seed ``s`` trains ``make_model(s)`` with its own minibatch order
    (``torch.Generator().manual_seed(s)``), as ``train(make_model(s), ..., seed=s)``
    would. The parameters of all models are stacked along a new first axis and the
    forward pass is ``vmap(functional_call)``; one optimizer steps the stacked tensors.
    Exact for optimizers that act element by element (SGD and momentum, Adam, AdamW,
    RMSprop, Adagrad, ...), with parameter groups and lr schedules; not for optimizers
    that mix coordinates (LBFGS, Muon, Adafactor), which need :func:`train`.

    Parameters
    ----------
    make_model : callable
        ``make_model(seed) -> torch.nn.Module`` (e.g. ``lambda s: mlp(seed=s)``); all
        models must have the same parameter shapes.
    optimizer : callable
        ``optimizer(named_parameters)`` as in :func:`train`; each tensor here has a
        leading seed axis (a parameter of shape ``(32, 64)`` is ``(len(seeds), 32, 64)``),
        so build parameter groups from the names, not from ``p.ndim``.
    data, steps, batch_size, scheduler, clip_norm, eval_every, progress, label :
        As in :func:`train` (``clip_norm`` clips each seed's own global norm).
    seeds : sequence of int >= 0

    Returns
    -------
    list of OptimizeResult, one per seed, in the order of ``seeds``.

    Examples
    --------
    >>> d = digits()
    >>> runs = train_seeds(lambda s: mlp(seed=s), lambda p: torch.optim.SGD(p, lr=0.5),
    ...                    d, seeds=[0, 1, 2], steps=30, progress=False)
    >>> len(runs), runs[0].nit
    (3, 30)
    """
    owner = "train_seeds"
    check_callable(make_model, "make_model", owner)
    check_callable(optimizer, "optimizer", owner)
    steps, batch_size, clip_norm, eval_every = _check_common(
        owner, data, steps, batch_size, scheduler, clip_norm, eval_every)
    seeds = [check_int(s, "seeds", owner, low=0) for s in seeds]
    if not seeds:
        raise ValueError(f"The 'seeds' parameter of {owner} must hold at least one seed. "
                         f"Got [] instead.")
    models = [make_model(s) for s in seeds]
    shapes = {tuple((n, tuple(p.shape)) for n, p in m.named_parameters()) for m in models}
    if len(shapes) != 1:
        raise ValueError(f"The 'make_model' parameter of {owner} must build models with "
                         f"the same parameter shapes for every seed. Got {len(shapes)} "
                         f"different shapes instead.")
    stacked, buffers = torch.func.stack_module_state(models)
    base = models[0]
    named = [(n, stacked[n]) for n, _ in base.named_parameters()]

    def one(p, b, Xb):
        return torch.func.functional_call(base, (p, b), (Xb,))

    def forward(Xb):
        p = {n: t for n, t in named}
        if Xb.dim() == 2:
            return torch.func.vmap(one, in_dims=(0, 0, None))(p, buffers, Xb)
        return torch.func.vmap(one, in_dims=(0, 0, 0))(p, buffers, Xb)

    return _loop(owner, forward, named, optimizer, data, steps=steps,
                 batch_size=batch_size, seeds=seeds, scheduler=scheduler, clip=None,
                 clip_norm=clip_norm, closure=False, eval_every=eval_every,
                 progress=progress, label=label, stacked=True)
