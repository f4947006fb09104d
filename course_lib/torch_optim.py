"""``torch.optim.Optimizer`` classes generated from the zoo's specs (:mod:`course_lib.zoo`).

For every spec there is a class here (``SGD``, ``Adam``, ``AdamW``, ...) with torch's
constructor (same arguments, order, defaults and checks, errors naming
``torch_optim.<Class>``) whose ``step()`` runs the *same* update rules as the numpy
recipe in ``course_lib.optimizers``, on the tensors themselves: on their own device and
dtype, in place on the optimizer's state, with no numpy round trip. So a notebook can
swap ``torch.optim.AdamW`` for ``course_lib.torch_optim.AdamW`` and get the same
numbers; the tests check it step by step against torch.

:class:`SpecOptimizer` is the one base class. What it keeps from ``torch.optim``
(``torch/optim/optimizer.py``, ``adam.py``): ``defaults`` and ``param_groups`` (per-group
hyper-parameters; a scheduler that changes ``param_group['lr']`` changes the next step),
lazily created ``self.state[p]`` holding plain tensors under torch's own names
(``step``, ``momentum_buffer``, ``exp_avg``, ...; so ``torch.save(opt.state_dict())``
loads back with ``torch.load(..., weights_only=True)`` and state dicts move between
``torch.optim.Adam`` and ours), ``step(closure)``, skipping parameters without grad,
torch's RuntimeError on sparse gradients. ``lr`` may be a 1-element tensor.

Code paths: ``foreach=None`` (default) or ``True`` runs the rules with
:class:`ForeachOps` (``torch._foreach_*`` kernels, one call per device and dtype);
``foreach=False`` runs the same kernels one tensor at a time (torch's for-loop path
gives the same bits as its foreach path, and so does ours). ``fused`` selects the
foreach path; ``differentiable`` and sparse gradients (SGD) run the rules with
:class:`course_lib.zoo._ops.ArrayOps`, the array-API loop of the numpy recipes (ours
does not record autograd through ``step``); ``capturable`` keeps the counters on the
parameter's device, as torch does.

This and the modules about torch are the only ``course_lib`` modules that import torch.
"""
from __future__ import annotations

import array_api_compat
import torch
from torch.optim.optimizer import _get_scalar_dtype

from . import zoo as _zoo
from .transforms import LearningRate, chain
from .zoo._ops import ArrayOps, Deferred, Fresh
from .zoo._spec import _plain

__all__ = ["SpecOptimizer", "ForeachOps", "make_optimizer_class"]


def _each(s, n):
    return s if isinstance(s, (list, tuple)) else [s] * n


class ForeachOps(ArrayOps):
    """:class:`~course_lib.zoo._ops.ArrayOps` with ``torch._foreach_*`` kernels.

    All tensors of one call share a device and a dtype (the optimizer groups them).
    """

    def __init__(self):
        super().__init__(array_api_compat.array_namespace(torch.zeros(0)))

    def copy(self, xs):
        return Fresh(x.clone() for x in xs)

    def neg(self, xs):
        return Fresh(torch._foreach_neg(xs))

    def mul(self, xs, s):
        return Fresh(torch._foreach_mul(xs, s))

    def add(self, xs, ys, alpha=1.0):
        if isinstance(alpha, (list, tuple)):
            return Fresh(torch._foreach_add(xs, torch._foreach_mul(ys, alpha)))
        return Fresh(torch._foreach_add(xs, ys, alpha=alpha))

    def sqrt(self, xs):
        return Fresh(torch._foreach_sqrt(xs))

    def div(self, xs, ys):
        return Fresh(torch._foreach_div(xs, ys))

    def abs(self, xs):
        return Fresh(torch._foreach_abs(xs))

    def add_scalar(self, xs, s):
        return Fresh(torch._foreach_add(xs, s))

    def sqrt_(self, xs):
        torch._foreach_sqrt_(xs)

    def mul_(self, xs, s):
        torch._foreach_mul_(xs, s)

    def div_(self, xs, s):
        torch._foreach_div_(xs, s)

    def add_(self, xs, ys, alpha=1.0):
        if isinstance(alpha, (list, tuple)):
            torch._foreach_add_(xs, torch._foreach_mul(ys, alpha))
        else:
            torch._foreach_add_(xs, ys, alpha=alpha)

    def add_scalar_(self, xs, s):
        torch._foreach_add_(xs, s)

    def lerp_(self, xs, ys, w):
        if isinstance(w, (list, tuple)):
            for x, y, a in zip(xs, ys, w):
                x.lerp_(y, a)
        else:
            torch._foreach_lerp_(xs, ys, w)

    def addcmul_(self, xs, ys, zs, value=1.0):
        torch._foreach_addcmul_(xs, ys, zs, value)

    def addcdiv_(self, xs, ys, zs, value=1.0):
        torch._foreach_addcdiv_(xs, ys, zs, value)

    def maximum_(self, xs, ys):
        torch._foreach_maximum_(xs, ys)

    def rdiv_(self, xs, nums):
        for x, n in zip(xs, nums):
            torch.div(n, x, out=x)

    def values(self, scalars):
        return [s.item() for s in scalars]

    def increment_(self, scalars, by=1.0):
        torch._foreach_add_(scalars, by)
        return self.values(scalars)


_FOREACH = ForeachOps()
_LOOP = ArrayOps(array_api_compat.array_namespace(torch.zeros(0)))
_CAPTURABLE_DEVICES = ("cuda", "xpu", "hpu", torch._C._get_privateuse1_backend_name())


class _GroupLR:
    """``t -> float(group['lr'])``: the group's current learning rate, for rules that
    need lr itself (a scheduler's change is seen at the next step). ``initial`` is the
    optimizer's constructor ``lr`` (lion-pytorch's decoupled weight decay divides by it)."""

    def __init__(self, group, initial=None):
        self.group, self.initial = group, initial

    def __call__(self, count=None):
        return float(self.group["lr"])


class SpecOptimizer(torch.optim.Optimizer):
    """A ``torch.optim.Optimizer`` whose update is a zoo spec's recipe, run in place.

    Subclasses are made by :func:`make_optimizer_class` (one per spec); they set the
    class attribute ``spec``. At each ``step()``, for each parameter group, the rules
    of ``spec.build(hp)`` (cached while the group's hyper-parameters other than ``lr``
    stay the same) run on the lists of the group's parameters that have a gradient,
    their gradients and their state tensors; the final learning-rate block becomes
    ``p += -lr * u`` with the group's current ``lr``.

    References
    ----------
    torch/optim/optimizer.py, torch/optim/adam.py (``_multi_tensor_adam``);
    optax's GradientTransformation (Babuschkin et al., 2020).
    """

    spec = None

    def __init__(self, params, hparams):
        hp = self.spec.validate(hparams, torch=True)
        super().__init__(params, hp)

    # ------------------------------------------------------------- groups
    def __setstate__(self, state):
        # a state dict saved by another implementation (lion-pytorch keeps
        # decoupled_weight_decay outside its groups) may lack some of our
        # hyper-parameters: they take this optimizer's constructor values
        super().__setstate__(state)
        for group in self.param_groups:
            for k, v in self.defaults.items():
                group.setdefault(k, v)

    def add_param_group(self, param_group):
        """Add a parameter group (as torch does) after validating its hyper-parameters
        (values missing from the group are taken from ``defaults``)."""
        if isinstance(param_group, dict):
            merged = {k: param_group.get(k, self.defaults[k]) for k in self.spec.defaults
                      if k in self.defaults}
            self.spec.validate(merged, torch=True)
        super().add_param_group(param_group)
        if self.spec.check_param is not None:
            for p in self.param_groups[-1]["params"]:
                self.spec.check_param(p, self.spec.owner_class)

    def _rules(self, index, group):
        cache = self.__dict__.setdefault("_rules_cache", {})
        key = tuple(_plain(group[k]) for k in self.spec.recipe_names if k != "lr")
        hit = cache.get(index)
        if hit is not None and hit[0] == key and hit[1] is group:
            return hit[2]
        hp = {k: group[k] for k in self.spec.recipe_names}
        hp = {k: _plain(v) for k, v in self.spec.validate(hp, torch=True).items()}
        hp["lr"] = _GroupLR(group, float(self.defaults["lr"]))
        rules = chain(*self.spec.build(hp)).rules
        if rules is None or any(isinstance(r, LearningRate) for r in rules[:-1]):
            raise TypeError(
                f"{self.spec.owner_class}: the recipe must be made of Rule-based "
                "transforms, with scale_by_learning_rate last.")
        cache[index] = (key, group, rules)
        return rules

    # ------------------------------------------------------------- state
    def _new_slot(self, slot, p, group):
        if slot.init is None:
            return None
        if slot.scalar:
            if group.get("capturable") or group.get("fused"):
                return torch.full((), float(slot.init), device=p.device,
                                  dtype=_get_scalar_dtype(is_fused=group.get("fused")))
            return torch.tensor(float(slot.init), dtype=_get_scalar_dtype())
        if slot.shape is not None:
            shape = slot.shape_for(p.shape)
            return None if shape is None else torch.full(
                tuple(shape), float(slot.init), dtype=p.dtype, device=p.device)
        return torch.full_like(p, slot.init, memory_format=torch.preserve_format)

    def _check_param(self, p, group):
        if self.spec.sparse_only and not p.grad.is_sparse:
            raise RuntimeError(
                f"The gradients of {self.spec.owner_class}'s 'params' must be sparse (as "
                f"{self.spec.torch_counterpart} requires; nn.Embedding(sparse=True) gives "
                f"them). Got a dense gradient for a parameter of shape "
                f"{tuple(p.shape)}; for dense gradients use torch_optim.Adam.")
        if p.grad.is_sparse and self.spec.sparse and group.get("weight_decay"):
            raise RuntimeError(
                f"The 'weight_decay' parameter of {self.spec.owner_class} must be 0 with "
                "sparse gradients (as torch: weight_decay option is not compatible with "
                f"sparse gradients). Got weight_decay={group['weight_decay']!r} instead.")
        if p.grad.is_sparse and not self.spec.sparse:
            raise RuntimeError(
                f"{self.spec.owner_class} does not support sparse gradients (as "
                f"{self.spec.torch_counterpart or 'torch.optim'}); use dense gradients"
                + (", or torch_optim.SparseAdam" if "Adam" in self.spec.class_name else "")
                + ".")
        if group.get("capturable") and p.device.type not in _CAPTURABLE_DEVICES:
            # torch raises this AssertionError at step time for CPU parameters
            raise AssertionError(
                f"The 'capturable' parameter of {self.spec.owner_class} requires "
                f"parameters on one of the devices {list(_CAPTURABLE_DEVICES)} (as "
                f"torch: params and state_steps must be on supported devices). Got a "
                f"parameter on {p.device.type} instead.")

    # ------------------------------------------------------------- step
    @torch.no_grad()
    def step(self, closure=None):
        """Perform one optimization step; ``closure`` re-evaluates the loss (as in torch).

        Returns the closure's loss, or ``None`` without a closure.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for index, group in enumerate(self.param_groups):
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            for p in params:
                self._check_param(p, group)
            rules = self._rules(index, group)
            if group.get("differentiable") or (
                    self.spec.sparse is True and any(p.grad.is_sparse for p in params)):
                self._step_bucket(_LOOP, params, group, rules)     # the array-API loop
            elif group.get("foreach") is False:
                for p in params:                                   # one tensor at a time
                    self._step_bucket(_FOREACH, [p], group, rules)
            else:
                buckets = {}
                for p in params:
                    buckets.setdefault((p.device, p.dtype), []).append(p)
                for ps in buckets.values():
                    self._step_bucket(_FOREACH, ps, group, rules)
        return loss

    def _step_bucket(self, ops, ps, group, rules):
        states = [self.state[p] for p in ps]
        # sparse gradients reach the rules as they are only where the spec needs them
        # sparse (SparseAdam); elsewhere (SGD, Adagrad) as their dense equivalents
        u = [p.grad.to_dense() if p.grad.is_sparse and not self.spec.sparse_only else p.grad
             for p in ps]
        for rule in rules:
            if isinstance(rule, LearningRate):
                self._finish(ops, ps, u, float(group["lr"]))
                return
            if isinstance(u, Deferred) and not rule.accepts_deferred:
                u = ops.evaluate(u, ps)
            st = {}
            for slot in rule.slots:
                st[slot.name] = [s[slot.name] if slot.name in s else self._new_slot(slot, p, group)
                                 for s, p in zip(states, ps)]
            u = rule.apply(ops, u, st, ps)
            for name, values in st.items():
                for s, v in zip(states, values):
                    if v is not None:
                        s[name] = v
        ops.add_(ps, ops.evaluate(u, ps))

    @staticmethod
    def _finish(ops, ps, u, lr):
        """``p += -lr * u``, with torch's last kernels for a Deferred ``u``."""
        if not isinstance(u, Deferred):
            ops.add_(ps, u, alpha=-lr)
            return
        if u.decay:
            ops.mul_(ps, 1.0 - lr * u.decay)
        for num, mult, div in u.terms:
            if isinstance(mult, (list, tuple)) or isinstance(div, (list, tuple)):
                n = len(ps)
                value = [(-lr * m) / d for m, d in zip(_each(mult, n), _each(div, n))]
            else:
                value = (-lr * mult) / div
            if u.den is None:
                ops.add_(ps, num, alpha=value)
            else:
                ops.addcdiv_(ps, num, u.den, value)


def make_optimizer_class(spec):
    """The ``torch.optim.Optimizer`` subclass of ``spec``: torch's signature and
    defaults (``inspect.signature`` shows them), the spec's checks, a docstring made
    from the spec's formula box and hyper-parameters."""
    sig = spec.signature(torch=True)

    def __init__(self, *args, **kwargs):
        hp = spec.bind(sig, spec.owner_class, (self, *args), kwargs)
        hp.pop("self")
        params = hp.pop("params")
        SpecOptimizer.__init__(self, params, hp)

    __init__.__signature__ = sig
    __init__.__qualname__ = f"{spec.class_name}.__init__"
    return type(spec.class_name, (SpecOptimizer,), {
        "__init__": __init__, "spec": spec, "__module__": __name__,
        "__qualname__": spec.class_name, "__doc__": spec.class_doc(),
    })


def _make_all():
    made = {}
    for spec in _zoo.specs().values():
        made[spec.class_name] = make_optimizer_class(spec)
    return made


_CLASSES = _make_all()
globals().update(_CLASSES)
__all__ += sorted(_CLASSES)
