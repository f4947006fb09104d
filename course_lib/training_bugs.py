"""The torch training step with each line switchable, and the common mistakes as runs.

:func:`run` is the loop of :func:`course_lib.training.train` written out line by line
so that each line can be got wrong on purpose::

    for t in range(steps):
        X_b, y_b = next batch          # shuffle=False: the data's own order every epoch
        optimizer.zero_grad()          # zero_grad=False: gradients accumulate
        out = model(X_b)               # model.train() during training
        loss = loss_fn(out, y_b)       # "cross_entropy" or "nll" (expects log-probabilities)
        loss.backward()
        clip_grad_norm_(clip_norm)     # optional
        optimizer.step()
        scheduler.step() every scheduler_every steps   # 1 = per batch
    evaluation under torch.no_grad(), in model.eval() unless eval_mode=False

With every switch at its default it makes exactly the steps of ``train`` (the tests
check the losses agree). :data:`BUGS` lists the mistakes of the seeds (001 §14 and
Q5, 002 "Common Issues") and the issue's checklist; :func:`setup` builds the broken
run of one of them on the digits, or its fix, and :func:`broken_run` runs it.
:func:`mystery` hides the bug of three runs, :func:`playbook` finds it with
:mod:`course_lib.diagnostics` and :func:`is_answer` checks a guess.

References
----------
PyTorch documentation: ``torch.optim`` ("taking an optimization step"; "How to adjust
learning rate": ``scheduler.step()`` after ``optimizer.step()``), ``Module.eval``,
``torch.nn.CrossEntropyLoss`` (expects unnormalised logits), ``torch.nn.NLLLoss``
(expects log-probabilities). A. Karpathy, "A Recipe for Training Neural Networks" (2019).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from . import diagnostics
from ._validation import check_int, check_scalar
from .result import OptimizeResult, status_of

__all__ = ["run", "BUGS", "Setup", "setup", "broken_run", "mystery", "is_answer",
           "playbook", "softmax_floor", "SYMPTOMS", "symptom",
           "STEPS_PER_EPOCH"]

BATCH = 64
#: minibatches of 64 in one epoch of the 1348 training digits (the last partial one dropped)
STEPS_PER_EPOCH = 1348 // BATCH


def _loss_fn(name):
    return {"cross_entropy": F.cross_entropy, "nll": F.nll_loss}[name]


def run(model, data, optimizer, *, steps=150, batch_size=BATCH, seed=0, zero_grad=True,
        shuffle=True, loss="cross_entropy", scheduler=None, scheduler_every=1,
        clip_norm=None, eval_mode=True, eval_every=10, label=""):
    """Train ``model`` on ``data`` with the torch step written out; -> OptimizeResult.

    Parameters
    ----------
    model : torch.nn.Module  (trained in place)
    data : course_lib.training.Digits
    optimizer : callable  ``optimizer(named_parameters) -> torch.optim.Optimizer``
    steps, batch_size, seed : ints  as in :func:`course_lib.training.train` (same batches)
    zero_grad : bool  call ``optimizer.zero_grad()`` at the start of each step
    shuffle : bool  reshuffle every epoch; False: the rows in their stored order
    loss : {"cross_entropy", "nll"}  the loss applied to the model's output
    scheduler : callable or None  ``scheduler(optimizer)``, stepped every
        ``scheduler_every`` optimizer steps
    clip_norm : float or None  ``torch.nn.utils.clip_grad_norm_`` before the step
    eval_mode : bool  evaluate in ``model.eval()`` (and back to ``model.train()``)
    eval_every : int  steps between evaluations of the validation set (and at the end)

    Returns
    -------
    OptimizeResult: ``losses`` (batch loss at each iterate), ``grad_norms`` (norm of
    ``.grad`` used by each step, after accumulation, before clipping), ``lrs``; ``extra``:
    ``update_ratios`` (global), ``update_ratios_per_param`` and ``grad_norms_per_param``
    (dicts of arrays), ``weight_norms_per_param``, ``val_acc``, ``val_loss``,
    ``eval_steps``. ``params`` holds only the first and last weights (flattened).
    Random layers (dropout) draw from ``torch.manual_seed(seed)`` inside
    ``torch.random.fork_rng``: the run is repeatable and the global RNG is left as it was.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return _run(model, data, optimizer, steps=steps, batch_size=batch_size, seed=seed,
                    zero_grad=zero_grad, shuffle=shuffle, loss=loss, scheduler=scheduler,
                    scheduler_every=scheduler_every, clip_norm=clip_norm,
                    eval_mode=eval_mode, eval_every=eval_every, label=label)


def _run(model, data, optimizer, *, steps, batch_size, seed, zero_grad, shuffle, loss,
         scheduler, scheduler_every, clip_norm, eval_mode, eval_every, label):
    owner = "run"
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"The 'model' parameter of {owner} must be a torch.nn.Module. "
                        f"Got {type(model).__name__} instead.")
    steps = check_int(steps, "steps", owner, low=1)
    n = len(data.y_train)
    batch_size = check_int(batch_size, "batch_size", owner, low=1, high=n)
    scheduler_every = check_int(scheduler_every, "scheduler_every", owner, low=1)
    eval_every = check_int(eval_every, "eval_every", owner, low=1)
    clip_norm = check_scalar(clip_norm, "clip_norm", owner, low=0.0, allow_none=True)
    if loss not in ("cross_entropy", "nll"):
        raise ValueError(f"The 'loss' parameter of {owner} must be 'cross_entropy' or "
                         f"'nll'. Got {loss!r} instead.")
    loss_fn = _loss_fn(loss)
    named = [(k, p) for k, p in model.named_parameters() if p.requires_grad]
    names = [k for k, _ in named]
    opt = optimizer(named)
    sched = None if scheduler is None else scheduler(opt)
    X, y, Xv, yv = data
    gen = torch.Generator().manual_seed(int(seed))
    order, pos = None, n
    rec = {k: [] for k in ("losses", "grad_norms", "lrs", "update_ratios", "val_acc",
                           "val_loss", "eval_steps")}
    per = {k: {m: [] for m in names} for k in ("update", "grad", "weight")}
    first = _flat(named)

    def evaluate(t):
        if eval_mode:
            model.eval()
        with torch.no_grad():
            out = model(Xv)
            rec["val_acc"].append(float((out.argmax(1) == yv).double().mean()))
            rec["val_loss"].append(float(loss_fn(out, yv)))
        model.train()
        rec["eval_steps"].append(t)

    model.train()
    diverged = False
    for t in range(steps):
        if pos + batch_size > n:                  # a new epoch
            order = torch.randperm(n, generator=gen) if shuffle else torch.arange(n)
            pos = 0
        idx = order[pos:pos + batch_size]
        pos += batch_size
        if zero_grad:
            opt.zero_grad()
        value = loss_fn(model(X[idx]), y[idx])
        value.backward()
        g = diagnostics.grad_norms(model)
        rec["losses"].append(float(value.detach()))
        rec["grad_norms"].append(math.sqrt(sum(v * v for v in g.values())))
        for m in names:
            per["grad"][m].append(g[m])
        if t % eval_every == 0:
            evaluate(t)
        if not (math.isfinite(rec["losses"][-1]) and math.isfinite(rec["grad_norms"][-1])):
            diverged = True
            break
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([p for _, p in named], clip_norm)
        rec["lrs"].append(float(opt.param_groups[0]["lr"]))
        before = {m: p.detach().clone() for m, p in named}
        opt.step()
        if sched is not None and (t + 1) % scheduler_every == 0:
            sched.step()
        ratios = diagnostics.update_ratios(before, named)
        rec["update_ratios"].append(ratios["__all__"])
        for m, p in named:
            per["update"][m].append(ratios[m])
            per["weight"][m].append(float(torch.linalg.vector_norm(before[m])))
    if not diverged:
        evaluate(steps)
    arr = lambda v: np.array(v, dtype=float)  # noqa: E731
    code, success, message = status_of("diverged" if diverged else "steps_done")
    extra = {k: arr(rec[k]) for k in ("update_ratios", "val_acc", "val_loss")}
    extra["eval_steps"] = np.array(rec["eval_steps"], dtype=int)
    for key, name in (("update", "update_ratios_per_param"),
                      ("grad", "grad_norms_per_param"),
                      ("weight", "weight_norms_per_param")):
        extra[name] = {m: arr(v) for m, v in per[key].items()}
    losses = arr(rec["losses"])
    return OptimizeResult(params=np.stack([first, _flat(named)]), losses=losses,
                          grad_norms=arr(rec["grad_norms"]), lrs=arr(rec["lrs"]),
                          nfev=len(losses), njev=len(losses), diverged=diverged,
                          label=label, extra=extra, status=code, success=success,
                          message=message, nit=len(rec["lrs"]))


def _flat(named):
    return torch.cat([p.detach().reshape(-1) for _, p in named]).double().numpy()


# ------------------------------------------------------------------ the mistakes
#: bug -> (what is wrong, the fix). "none" is the correct run.
BUGS = {
    "none": ("nothing: SGD lr 0.1, momentum 0.9, batches of 64, shuffled",
             "nothing to fix"),
    "lr_too_high": ("lr = 3 (30x the working value)", "lr = 0.1"),
    "lr_too_low": ("lr = 1e-4 (1000x too small)", "lr = 0.1"),
    "no_zero_grad": ("optimizer.zero_grad() never called: gradients add up",
                     "zero_grad() at the start of every step"),
    "scheduler_per_batch": ("StepLR(step_size=3, gamma=0.1) meant per epoch, stepped "
                            "after every batch", f"scheduler.step() once per epoch "
                            f"({STEPS_PER_EPOCH} batches)"),
    "decay_on_norms": ("AdamW weight_decay=0.5 on every parameter, BatchNorm and biases "
                       "included", "no decay on biases and norms "
                       "(course_lib.weight_decay.param_groups)"),
    "no_clipping": ("2% of the training rows scaled by 30 (spiky batches), no clipping",
                    "clip_grad_norm_(parameters, 1.0)"),
    "softmax_twice": ("the model ends with Softmax, then cross_entropy applies "
                      "log_softmax again", "output logits: drop the Softmax"),
    "nll_on_logits": ("nll_loss on logits (it expects log-probabilities)",
                      "cross_entropy on logits (= nll_loss(log_softmax(logits)))"),
    "unshuffled": ("training rows sorted by label, never shuffled",
                   "reshuffle every epoch"),
    "labels_misaligned": ("labels shifted by one row against the inputs",
                          "each label back with its own image"),
    "eval_mode_forgotten": ("a dropout(0.5) model evaluated in train mode",
                            "model.eval() before evaluating"),
}


@dataclass
class Setup:
    """Everything a run needs: ``make_model()``, ``data``, ``optimizer`` (named params ->
    torch optimizer) and the keyword arguments of :func:`run`."""

    make_model: object
    data: object
    optimizer: object
    kwargs: dict = field(default_factory=dict)
    bug: str = "none"
    fixed: bool = False

    model: object = None

    def run(self, steps=150, seed=0, label=None):
        """:func:`run` on a fresh model (kept in ``self.model``); -> OptimizeResult."""
        self.model = self.make_model()
        return run(self.model, self.data, self.optimizer, steps=steps, seed=seed,
                   label=self.bug if label is None else label, **self.kwargs)


def _sgd(lr):
    return lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9)


def _model(kind="relu", seed=0):
    from .training import mlp
    net = mlp((32,), seed=seed, activation="relu")
    if kind == "relu":
        return net
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if kind == "softmax":
            return torch.nn.Sequential(net, torch.nn.Softmax(dim=1))
        if kind == "batchnorm":
            return torch.nn.Sequential(net[0], torch.nn.BatchNorm1d(32), net[1], net[2])
        if kind == "dropout":
            return torch.nn.Sequential(net[0], net[1], torch.nn.Dropout(0.5), net[2])
    raise ValueError(kind)


def _data(kind="plain"):
    from .training import Digits, digits
    d = digits()
    if kind == "plain":
        return d
    X, y = d.X_train.clone(), d.y_train.clone()
    if kind == "sorted":
        order = torch.argsort(y, stable=True)
        X, y = X[order], y[order]
    elif kind == "shifted":
        y = torch.roll(y, 1)
    elif kind == "spiky":
        rows = np.random.default_rng(0).choice(len(y), size=len(y) // 50, replace=False)
        X[rows] = 30.0 * X[rows]
    return Digits(X, y, d.X_val, d.y_val)


def setup(bug="none", fixed=False):
    """The run of ``bug`` (a key of :data:`BUGS`) on the digits, or its fix.

    The base run is ``mlp((32,), activation="relu")`` with ``SGD(lr=0.1,
    momentum=0.9)``, batches of 64, shuffled, cross-entropy; each bug changes one thing
    (its model, data, optimizer or one line of the step), each fix changes it back.

    Examples
    --------
    >>> s = setup("lr_too_low")
    >>> s.optimizer([("w", torch.nn.Parameter(torch.zeros(1)))]).param_groups[0]["lr"]
    0.0001
    """
    from .weight_decay import param_groups
    if bug not in BUGS:
        raise ValueError(f"The 'bug' parameter of setup must be one of {sorted(BUGS)}. "
                         f"Got {bug!r} instead.")
    model, data, opt, kw = "relu", "plain", _sgd(0.1), {}
    broken = not fixed and bug != "none"
    if bug == "lr_too_high" and broken:
        opt = _sgd(3.0)
    elif bug == "lr_too_low" and broken:
        opt = _sgd(1e-4)
    elif bug == "no_zero_grad":
        kw["zero_grad"] = not broken
    elif bug == "scheduler_per_batch":
        kw["scheduler"] = lambda o: torch.optim.lr_scheduler.StepLR(o, 3, gamma=0.1)
        kw["scheduler_every"] = 1 if broken else STEPS_PER_EPOCH
    elif bug == "decay_on_norms":
        model = "batchnorm"
        opt = ((lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.5)) if broken else
               (lambda p: torch.optim.AdamW(param_groups(p, 0.5), lr=1e-2)))
    elif bug == "no_clipping":
        data = "spiky"
        kw["clip_norm"] = None if broken else 1.0
    elif bug == "softmax_twice":
        model = "softmax" if broken else "relu"
    elif bug == "nll_on_logits":
        kw["loss"] = "nll" if broken else "cross_entropy"
    elif bug == "unshuffled":
        data, kw["shuffle"] = "sorted", not broken
    elif bug == "labels_misaligned" and broken:
        data = "shifted"
    elif bug == "eval_mode_forgotten":
        model, kw["eval_mode"] = "dropout", not broken
    return Setup(lambda: _model(model), _data(data), opt, kw, bug, fixed)


def broken_run(bug="none", fixed=False, steps=150, seed=0):
    """``setup(bug, fixed).run(steps, seed)``: the run with the bug, or fixed."""
    return setup(bug, fixed).run(steps=steps, seed=seed,
                                 label=f"{bug}{' (fixed)' if fixed else ''}")


#: bug -> (the curve that shows its symptom, y scale): an attribute of the run's result
SYMPTOMS = {
    "none": ("losses", "log"), "lr_too_high": ("losses", "linear"),
    "lr_too_low": ("update_ratios", "log"), "no_zero_grad": ("grad_norms", "log"),
    "scheduler_per_batch": ("lrs", "log"), "decay_on_norms": ("bn_scale_norm", "linear"),
    "no_clipping": ("losses", "linear"), "softmax_twice": ("losses", "linear"),
    "nll_on_logits": ("losses", "symlog"), "unshuffled": ("losses", "linear"),
    "labels_misaligned": ("val_acc", "linear"), "eval_mode_forgotten": ("val_acc", "linear"),
}


def symptom(bug, res):
    """The curve that shows ``bug``'s symptom in a run: ``(name, steps, values, yscale)``.

    ``bn_scale_norm`` is the norm of the BatchNorm scale (parameter ``"1.weight"`` of
    the ``decay_on_norms`` model); ``val_acc`` is drawn at its evaluation steps.

    Examples
    --------
    >>> symptom("lr_too_low", broken_run("lr_too_low", steps=5))[0]
    'update_ratios'
    """
    if bug not in SYMPTOMS:
        raise ValueError(f"The 'bug' parameter of symptom must be one of {sorted(SYMPTOMS)}. "
                         f"Got {bug!r} instead.")
    name, scale = SYMPTOMS[bug]
    if name == "bn_scale_norm":
        y = res.weight_norms_per_param["1.weight"]
    else:
        y = getattr(res, name)
    x = res.eval_steps if name == "val_acc" else np.arange(len(y))
    return name, x, np.asarray(y, dtype=float), scale


# ------------------------------------------------------------------ mysteries
_MYSTERIES = ("softmax_twice", "no_zero_grad", "labels_misaligned")


def mystery(k):
    """Mystery run ``k`` (0, 1 or 2): a :class:`Setup` whose ``bug`` reads ``"?"``."""
    k = check_int(k, "k", "mystery", low=0, high=len(_MYSTERIES) - 1)
    s = setup(_MYSTERIES[k])
    s.bug = "?"
    return s


def is_answer(k, bug):
    """True when ``bug`` is the bug of mystery run ``k``."""
    k = check_int(k, "k", "is_answer", low=0, high=len(_MYSTERIES) - 1)
    return bug == _MYSTERIES[k]


def playbook(s, *, steps=150, seed=0):
    """The debugging playbook as a decision procedure, on a :class:`Setup`.

    1. **Loss at initialisation**: a C-class cross-entropy at a random init should be
       close to ``log C``; a value off by more than 50% (e.g. ~0 or negative) says the
       loss is not cross-entropy on logits -> ``"nll_on_logits"``.
    2. **Overfit one batch** of 16 examples (Adam, lr 1e-2, 200 steps, the correct
       step): if the loss cannot go below 0.05 the model or the loss is broken; a loss
       that stays above the floor ``log(1 + (C - 1)/e)`` of cross-entropy fed with
       probabilities -> ``"softmax_twice"`` (else ``"model"``).
    3. **A short run with the setup's own step**: gradient norms (
       :func:`~course_lib.diagnostics.check_grad_norms`) growing -> ``"no_zero_grad"``;
       non-finite or spiky -> ``"no_clipping"``.
    4. **Dead ReLUs** after the run (>= 50%) -> ``"lr_too_high"``.
    5. **Update-to-weight ratios** below 1e-4 -> ``"scheduler_per_batch"`` when the
       recorded lr fell 100-fold, else ``"lr_too_low"``.
    6. **Validation accuracy at chance** (< 2/C) although one batch can be fit -> the
       labels do not belong to the inputs: ``"labels_misaligned"``.

    Returns ``(bug, diagnoses)``: the name found (``"none"`` if every check passes) and
    the list of :class:`~course_lib.diagnostics.Diagnosis` in the order they ran.
    """
    diags = []
    d = s.data
    model = s.make_model()
    with torch.no_grad():
        out = model(d.X_train[:256])
        init = float(_loss_fn(s.kwargs.get("loss", "cross_entropy"))(out, d.y_train[:256]))
    C = out.shape[1]
    ok = abs(init - math.log(C)) < 0.5 * math.log(C)
    diags.append(diagnostics.Diagnosis(
        "initial_loss", ok, f"loss at init {init:.3f}, log C = {math.log(C):.3f}",
        dict(initial_loss=init, expected=math.log(C))))
    if not ok:
        return "nll_on_logits", diags
    fit = diagnostics.overfit_one_batch(model, lambda p: torch.optim.Adam(p, lr=1e-2),
                                        d.X_train[:16], d.y_train[:16], steps=200)
    diags.append(fit)
    if not fit.ok:
        return ("softmax_twice" if fit.final_loss >= softmax_floor(C) else "model"), diags
    res = s.run(steps=steps, seed=seed)
    gn = diagnostics.check_grad_norms(res.grad_norms)
    diags.append(gn)
    if gn.problem == "growing":
        return "no_zero_grad", diags
    if gn.problem in ("nonfinite", "spiky") and not _has_dead(s, diags):
        return "no_clipping", diags
    if _has_dead(s, diags):
        return "lr_too_high", diags
    ratios = diagnostics.check_update_ratios(res.update_ratios)
    diags.append(ratios)
    if ratios.too_small:
        return ("scheduler_per_batch" if res.lrs[-1] < 1e-2 * res.lrs[0] else
                "lr_too_low"), diags
    acc = float(res.val_acc[-1])
    chance = diagnostics.Diagnosis("validation_accuracy", acc >= 2 / C,
                                   f"validation accuracy {acc:.1%} (chance {1 / C:.0%})",
                                   dict(val_acc=acc))
    diags.append(chance)
    if not chance.ok:
        return "labels_misaligned", diags
    return "none", diags


def _has_dead(s, diags):
    if not any(isinstance(m, torch.nn.ReLU) for m in s.model.modules()):
        return False
    if diags[-1].name != "dead_relu_fraction":
        diags.append(diagnostics.dead_relu_fraction(s.model, s.data.X_train))
    return not diags[-1].ok


def softmax_floor(n_classes):
    """The least mean cross-entropy of a model whose outputs are probabilities.

    ``cross_entropy(p, y) = -p_y + log sum_j exp(p_j)`` with ``p`` in the simplex is
    smallest at ``p = e_y``: ``log(e + C - 1) - 1 = log(1 + (C - 1)/e)`` (1.4612 for
    C = 10), so a model that applies softmax before ``cross_entropy`` can never fit.
    """
    n_classes = check_int(n_classes, "n_classes", "softmax_floor", low=2)
    return math.log(1 + (n_classes - 1) / math.e)
