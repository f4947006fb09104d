"""The declarative spec of an optimizer: one source for its recipe, its torch class and
its tests.

An :class:`OptimizerSpec` holds the optimizer's names (the numpy recipe's, the torch
class's, torch's counterpart), its hyper-parameters as data (:class:`HParam`: default,
allowed range, whether it is keyword-only, whether only the torch class has it), the
cross-argument rules (:class:`Constraint`), the algorithm as a short formula box with
its reference, and ``build(hp) -> [transforms]``, the recipe itself. From it:

* :meth:`OptimizerSpec.recipe` is the numpy function ``course_lib.optimizers.<name>``
  (signature, defaults, validation and docstring generated here);
* ``course_lib.torch_optim.<ClassName>`` is a ``torch.optim.Optimizer`` with torch's
  signature, defaults, validation and a generated docstring;
* the test registry (``tests/optim_cases/``) reads the defaults and ranges from it.

Every message names what the user called (``adam``, ``torch_optim.Adam``), the argument,
the allowed range and the value given, after scikit-learn's parameter validation.
"""
from __future__ import annotations

import inspect
import numbers
from dataclasses import dataclass
from typing import Any, Callable

from .._validation import _fmt_interval, check_int, check_scalar

__all__ = ["HParam", "Constraint", "OptimizerSpec", "make_recipe", "lr", "real", "flag",
           "betas", "implementation_flags", "TENSOR_LR_FOREACH", "FUSED_CONSTRAINTS"]

_NO_DEFAULT = inspect.Parameter.empty


def _is_tensor(x):
    return type(x).__module__.startswith("torch") and hasattr(x, "numel")


def _plain(x):
    """A hyper-parameter as plain Python (a 1-element tensor as its float)."""
    if _is_tensor(x):
        return float(x)
    if isinstance(x, tuple):
        return tuple(_plain(v) for v in x)
    return x


@dataclass(frozen=True)
class HParam:
    """One hyper-parameter.

    kind : "real" (a float in [low, high] per ``closed``), "int", "bool",
        "optional_bool" (None or bool: torch's ``foreach``/``fused``), "pair" (a tuple of
        two reals, each in its interval; ``low``/``high``/``closed`` may be pairs), "lr"
        (a real >= 0; a schedule ``t -> lr_t`` in the recipe; a 1-element tensor in the
        torch class), "any" (checked by ``check`` only)
    keyword_only : after the ``*`` in torch's signature
    implementation : only the torch class has it (``foreach``, ``fused``, ...)
    tensor_ok : the torch class also accepts a 1-element tensor (as torch does)
    check : optional ``check(value, name, owner) -> value`` run after the kind's check
    """

    name: str
    default: Any
    kind: str = "real"
    low: Any = None
    high: Any = None
    closed: Any = "left"
    doc: str = ""
    keyword_only: bool = False
    implementation: bool = False
    tensor_ok: bool = False
    check: Callable | None = None

    def range_text(self):
        if self.kind in ("real", "lr"):
            return _fmt_interval(self.low, self.high, self.closed)
        if self.kind == "int":
            return _fmt_interval(self.low, self.high, "both")
        if self.kind == "pair":
            lows, highs, closed = self._pairs()
            parts = [_fmt_interval(lows[i], highs[i], closed[i]) for i in range(2)]
            return parts[0] if parts[0] == parts[1] else f"{parts[0]} x {parts[1]}"
        if self.kind == "bool":
            return "{True, False}"
        if self.kind == "optional_bool":
            return "{None, True, False}"
        return ""

    def _pairs(self):
        def two(v):
            return tuple(v) if isinstance(v, (tuple, list)) else (v, v)
        return two(self.low), two(self.high), two(self.closed)

    def validate(self, value, owner, *, torch):
        """``value`` checked (TypeError / ValueError naming this argument and
        ``owner``); returns it (tensors and schedules unchanged)."""
        name, kind = self.name, self.kind
        if kind == "lr" and callable(value) and not torch:
            out = value
        elif kind in ("real", "lr"):
            out = self._real(value, owner, torch)
        elif kind == "int":
            out = check_int(value, name, owner, low=self.low, high=self.high)
        elif kind in ("bool", "optional_bool"):
            if not (isinstance(value, bool) or type(value).__name__ == "bool_"
                    or (value is None and kind == "optional_bool")):
                allowed = "None or a bool" if kind == "optional_bool" else "a bool"
                raise TypeError(
                    f"The {name!r} parameter of {owner} must be {allowed}. "
                    f"Got {value!r} of type {type(value).__name__} instead.")
            out = value if value is None else bool(value)
        elif kind == "pair":
            out = self._pair(value, owner)
        else:
            out = value
        if self.check is not None:
            out = self.check(out, name, owner)
        return out

    def _real(self, value, owner, torch):
        if _is_tensor(value):
            if not (torch and (self.tensor_ok or self.kind == "lr")):
                raise TypeError(
                    f"The {self.name!r} parameter of {owner} must be a float in the range "
                    f"{self.range_text()}, not a tensor. Got {value!r} instead.")
            if value.numel() != 1:
                raise ValueError(
                    f"The {self.name!r} parameter of {owner} must be a float or a "
                    f"1-element tensor. Got a tensor of shape {tuple(value.shape)} instead.")
            check_scalar(float(value), self.name, owner, low=self.low, high=self.high,
                         closed=self.closed)
            return value
        return check_scalar(value, self.name, owner, low=self.low, high=self.high,
                            closed=self.closed)

    def _pair(self, value, owner):
        lows, highs, closed = self._pairs()
        text = (f"The {self.name!r} parameter of {owner} must be a pair of floats in "
                f"{self.range_text()}")
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise (ValueError if isinstance(value, (tuple, list)) else TypeError)(
                f"{text}. Got {value!r} instead.")
        out = []
        for i, v in enumerate(value):
            x = float(v) if _is_tensor(v) and v.numel() == 1 else v
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                raise TypeError(f"{text}. Got {value!r} (entry {i} is a "
                                f"{type(v).__name__}) instead.")
            try:
                check_scalar(x, self.name, owner, low=lows[i], high=highs[i],
                             closed=closed[i])
            except ValueError:
                raise ValueError(f"{text}. Got {value!r} (entry {i} is out of range) "
                                 "instead.") from None
            out.append(v)
        return tuple(out)

    def doc_line(self, torch=True):
        default = "required" if self.default is _NO_DEFAULT else f"default {self.default!r}"
        rng = self.range_text()
        lr_kind = ("float >= 0 or 1-element tensor" if torch
                   else "float >= 0 or callable t -> lr_t")
        kind = {"lr": lr_kind, "bool": "bool",
                "optional_bool": "bool or None", "pair": "(float, float)",
                "int": "int", "real": "float"}.get(self.kind, "object")
        rng = f" in {rng}" if rng and self.kind not in ("bool", "optional_bool", "lr") else ""
        return f"{self.name} : {kind}{rng}, {default}\n    {self.doc}".rstrip()


@dataclass(frozen=True)
class Constraint:
    """A rule between arguments: ``ok(hp)`` must be true, else ``error`` naming ``arg``.

    ``shows`` are the arguments whose values the message quotes; ``torch_only`` marks
    rules about the torch class's implementation flags (``fused`` with ``foreach``).
    """

    arg: str
    requires: str
    ok: Callable[[dict], bool]
    shows: tuple = ()
    error: type = ValueError
    torch_only: bool = False

    def check(self, hp, owner):
        if not self.ok(hp):
            got = ", ".join(f"{k}={hp[k]!r}" for k in (self.arg, *self.shows))
            raise self.error(
                f"The {self.arg!r} parameter of {owner} requires {self.requires}. "
                f"Got {got} instead.")


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer, declared once (see the module docstring).

    name : the numpy recipe, ``course_lib.optimizers.<name>`` (errors say ``name``)
    class_name : the torch class, ``course_lib.torch_optim.<class_name>``
    torch_counterpart : e.g. ``"torch.optim.Adam"``; None for textbook forms
    hparams : torch's constructor arguments after ``params``, in torch's order
    build : ``build(hp) -> list of GradientTransformation``; ``hp`` holds every
        non-implementation hyper-parameter, validated, ``hp["lr"]`` possibly a
        schedule; the list ends with ``scale_by_learning_rate(hp["lr"])`` when the
        optimizer has a learning rate
    formula, reference, summary : documentation (the formula box is plain text)
    constraints : tuple of :class:`Constraint`
    sparse : True: sparse gradients go to the rules as they are (SGD, SparseAdam);
        ``"dense"``: they are made dense first, which gives torch's sparse path's numbers
        when a zero gradient leaves a row unchanged (Adagrad); False: torch's
        RuntimeError
    sparse_only : dense gradients raise torch's RuntimeError (SparseAdam)
    check_param : optional ``check_param(p, owner)`` run on every parameter when the
        torch class is made or given a parameter group (torch's own checks in
        ``__init__``: Muon's 2-D parameters, SparseAdam's dense parameters)
    notes : differences from torch worth knowing, for the class docstring
    example : optional ``example(torch: bool) -> doctest text`` replacing the generated
        one (which steps a 3-vector, and ``[1, -2]`` in the recipe)
    """

    name: str
    class_name: str
    torch_counterpart: str | None
    hparams: tuple
    build: Callable[[dict], list]
    formula: str
    reference: str
    summary: str
    constraints: tuple = ()
    sparse: bool = False
    sparse_only: bool = False
    check_param: Callable | None = None
    notes: str = ""
    example: Callable | None = None

    # ----------------------------------------------------------- names
    @property
    def owner_recipe(self):
        return self.name

    @property
    def owner_class(self):
        return f"torch_optim.{self.class_name}"

    def hparam(self, name):
        for h in self.hparams:
            if h.name == name:
                return h
        raise KeyError(name)

    @property
    def recipe_names(self):
        return tuple(h.name for h in self.hparams if not h.implementation)

    @property
    def defaults(self):
        return {h.name: h.default for h in self.hparams}

    # ----------------------------------------------------------- validation
    def validate(self, hp, *, torch=False):
        """Check every hyper-parameter in ``hp`` and the constraints; return ``hp``
        with values normalised (floats, bools). Errors name the recipe, or the torch
        class when ``torch`` is true."""
        owner = self.owner_class if torch else self.owner_recipe
        out = {}
        for h in self.hparams:
            if h.name in hp:
                out[h.name] = h.validate(hp[h.name], owner, torch=torch)
        plain = {k: _plain(v) for k, v in out.items()}
        plain["_lr_is_tensor"] = _is_tensor(out.get("lr"))
        for c in self.constraints:
            if (torch or not c.torch_only) and all(k in plain for k in (c.arg, *c.shows)):
                c.check(plain, owner)
        return out

    # ----------------------------------------------------------- signatures
    def signature(self, *, torch):
        P = inspect.Parameter
        params = []
        if torch:
            params = [P("self", P.POSITIONAL_OR_KEYWORD), P("params", P.POSITIONAL_OR_KEYWORD)]
        for h in self.hparams:
            if h.implementation and not torch:
                continue
            kind = P.KEYWORD_ONLY if h.keyword_only else P.POSITIONAL_OR_KEYWORD
            params.append(P(h.name, kind, default=h.default))
        return inspect.Signature(params)

    def bind(self, sig, owner, args, kwargs):
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{owner}(): {exc}") from None
        bound.apply_defaults()
        return dict(bound.arguments)

    # ----------------------------------------------------------- docstrings
    def _doc(self, *, torch):
        lines = [self.summary, ""]
        lines += ["::", ""] + ["    " + ln for ln in self.formula.strip("\n").splitlines()] + [""]
        lines += ["Parameters", "----------"]
        if torch:
            lines += ["params : iterable of tensors or of dicts (parameter groups)"]
        for h in self.hparams:
            if h.implementation and not torch:
                continue
            lines += [h.doc_line(torch)]
        if torch:
            if self.notes:
                lines += ["", "Notes", "-----", self.notes.strip()]
        else:
            lines += ["", "Returns", "-------",
                      "GradientTransformation (a ``chain``; ``.learning_rate(t)`` gives lr_t)"]
        lines += ["", "Examples", "--------"]
        if self.example is not None:
            lines += self.example(torch).strip("\n").splitlines()
        elif torch:
            lines += [">>> import torch",
                      f">>> from course_lib.torch_optim import {self.class_name}",
                      ">>> w = torch.zeros(3, requires_grad=True)",
                      f">>> opt = {self.class_name}([w])",
                      ">>> (w - 1).square().sum().backward()",
                      ">>> opt.step()",
                      ">>> bool((w != 0).all())                      # it moved",
                      "True"]
        else:
            lines += [">>> import numpy as np",
                      f">>> from course_lib.optimizers import {self.name}",
                      f">>> opt = {self.name}()",
                      ">>> x = np.array([1.0, -2.0]); state = opt.init(x)",
                      ">>> u, state = opt.update(2 * x, state, x)   # gradient of ||x||^2",
                      ">>> bool(np.all(np.abs(x + u) < np.abs(x)))   # towards the minimum",
                      "True"]
        lines += ["", "References", "----------", self.reference.strip()]
        return "\n".join(lines)

    def class_doc(self):
        return self._doc(torch=True)

    # ----------------------------------------------------------- the recipe
    def recipe(self):
        """The numpy recipe as a function with torch's arguments (no implementation
        flags), generated from this spec; cached."""
        cache = _RECIPES.get(id(self))
        if cache is not None:
            return cache
        sig = self.signature(torch=False)
        spec = self

        def recipe(*args, **kwargs):
            hp = spec.validate(spec.bind(sig, spec.name, args, kwargs))
            return make_recipe(spec.build(hp), hp.get("lr"))

        recipe.__name__ = recipe.__qualname__ = self.name
        recipe.__module__ = "course_lib.optimizers"
        recipe.__signature__ = sig
        recipe.__doc__ = self._doc(torch=False)
        _RECIPES[id(self)] = recipe
        return recipe


_RECIPES: dict = {}


def make_recipe(transforms, learning_rate):
    """``chain(*transforms)`` that also answers ``learning_rate(t)`` (for ``run``'s log)."""
    from ..transforms import RecipeTransformation, chain

    opt = chain(*transforms)
    return RecipeTransformation(opt.init, opt.update, opt.rules, learning_rate)


# --------------------------------------------------------------- common arguments
def lr(default, doc="learning rate (step size)"):
    """torch's ``lr``: >= 0, a tensor in the torch class, a schedule in the recipe."""
    return HParam("lr", default, "lr", low=0.0, closed="left", doc=doc)


def real(name, default, low=0.0, high=None, closed="left", doc="", **kw):
    return HParam(name, default, "real", low=low, high=high, closed=closed, doc=doc, **kw)


def flag(name, default=False, doc="", **kw):
    return HParam(name, default, "bool", doc=doc or _IMPL_DOCS.get(name, ""), **kw)


def betas(default=(0.9, 0.999), doc="coefficients of the running averages "
                                     "of the gradient and of its square", **kw):
    return HParam("betas", default, "pair", low=0.0, high=1.0, closed="left", doc=doc, **kw)


_IMPL_DOCS = {
    "foreach": "True or None (default): torch._foreach_* kernels over all parameters of a "
               "device and dtype; False: the same kernels one tensor at a time",
    "fused": "accepted as in torch; selects the foreach path",
    "capturable": "state counters on the parameter's device, as torch stores them",
    "differentiable": "accepted as in torch; selects the array-API loop (no autograd "
                      "through step)",
    "maximize": "maximize the objective (ascend) instead of minimizing",
}


def implementation_flags(*names, keyword_only=(), docs=None):
    """HParams for torch's implementation flags, in the given order."""
    out = []
    for n in names:
        default = None if n in ("foreach", "fused") else False
        out.append(HParam(n, default, "optional_bool" if default is None else "bool",
                          doc=(docs or {}).get(n, _IMPL_DOCS[n]),
                          keyword_only=n in keyword_only, implementation=True))
    return tuple(out)


FUSED_CONSTRAINTS = (
    Constraint("fused", "differentiable=False (torch: `fused` does not support "
               "`differentiable`)", lambda hp: not (hp["fused"] and hp["differentiable"]),
               shows=("differentiable",), error=RuntimeError, torch_only=True),
    Constraint("fused", "foreach to be False or None (torch: `fused` and `foreach` cannot "
               "be `True` together)", lambda hp: not (hp["fused"] and hp["foreach"]),
               shows=("foreach",), error=RuntimeError, torch_only=True),
)


def _tensor_lr_ok(hp):
    return not (hp.get("_lr_is_tensor") and hp["foreach"] and not hp["capturable"])


TENSOR_LR_FOREACH = Constraint(
    "lr", "a float when foreach=True and capturable=False (torch: lr as a Tensor is not "
    "supported for capturable=False and foreach=True)", _tensor_lr_ok,
    shows=("foreach", "capturable"), error=ValueError, torch_only=True)
