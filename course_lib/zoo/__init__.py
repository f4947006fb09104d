"""The optimizer zoo: every optimizer declared once, in one file of this package.

Each module ``course_lib/zoo/<name>.py`` holds one optimizer (or a few close forms):

* its update rule(s): :class:`course_lib.transforms.Rule` subclasses written once on
  lists of arrays through ``ops`` (:mod:`course_lib.zoo._ops`), so the same code runs on
  numpy arrays and, inside the torch class, on the tensors themselves;
* the transform factories built on them (``scale_by_adam(...)``), listed in
  ``TRANSFORMS`` so that ``course_lib.transforms.scale_by_adam`` finds them;
* ``SPEC`` (or ``SPECS``, a tuple): an :class:`~course_lib.zoo._spec.OptimizerSpec`
  whose ``build(hp)`` is the recipe, a readable list of transforms.

Nothing else is edited to add an optimizer: modules are discovered here (every module
whose name does not start with ``_``), ``course_lib.optimizers.<spec.name>`` is the
generated numpy recipe and ``course_lib.torch_optim.<spec.class_name>`` the generated
``torch.optim.Optimizer``.

How to add an optimizer (e.g. ``lion``)
---------------------------------------
1. Read torch's source for it (``torch/optim/<name>.py``, ``_single_tensor_<name>``):
   the order of operations, the state names (``self.state[p][...]``), the checks in
   ``__init__`` and their exception types.
2. Write ``course_lib/zoo/lion.py`` after ``adam.py``: a ``Rule`` with ``slots``
   (``Slot("exp_avg")``, ``Slot("step", scalar=True)``, ``Slot("momentum_buffer",
   init=None)`` for a buffer created at the first update) and ``apply(ops, grads,
   state, params)`` using ``ops.lerp_``, ``ops.addcmul_``, ... (or ``ops.map`` with
   array-API functions ``ops.xp.sign`` ... for what has no list operation); a factory
   ``scale_by_lion(...) = from_rule(_Lion(...))``; ``TRANSFORMS = (scale_by_lion,)``;
   ``SPEC = OptimizerSpec(name="lion", class_name="Lion", torch_counterpart=None, ...)``
   with the hyper-parameters in torch's signature order (``keyword_only=True`` after
   the ``*``; ``implementation_flags(...)`` for foreach/fused/capturable/differentiable)
   and ``build(hp)`` returning ``[negate()?, ..., scale_by_lion(...),
   scale_by_learning_rate(hp["lr"])]``. Hyper-parameters that torch does not check get
   no range; the ranges are torch's. The learning-rate block must come last (the torch
   class fuses it into ``p += -lr * u``); a rule that needs lr itself (ASGD) takes
   ``hp["lr"]``, which may be a callable ``t -> lr``, in its constructor.
3. Add ``tests/optim_cases/lion.py`` with ``CASE = OptimizerCase(...)`` (see
   ``tests/optim_cases/__init__.py``): the hyper-parameter grid that makes every flag
   matter, the error inputs, and the oracle (``torch.optim.X``, or another package).
   ``tests/test_optim_registry.py`` runs every property on it; nothing else to edit.

Getting torch's bits
--------------------
Torch's CPU kernels fuse multiply-adds (``lerp_``, ``addcmul_``, ``add_(.., alpha=)``),
so a rule matches ``torch.optim`` to the last bit only if it calls the same ``ops`` in
torch's order (``ops.lerp_`` where torch has ``lerp_``, ``ops.mul_`` then
``ops.addcmul_`` where torch has ``mul_(b).addcmul_(...)``, ``** 0.5`` where torch has
it). Where torch ends with ``p.addcdiv_(num, den, value=-lr * c / d)``, return
``Deferred([(num, c, d)], den)`` (:mod:`course_lib.zoo._ops`): the torch class then
finishes with that very kernel, and a decoupled ``add_decayed_weights`` after it
becomes torch's ``p.mul_(1 - lr * wd)``. Runs that oscillate (chaotic) amplify any
rounding difference: the registry's 1e-10 needs the bits, or a grid in a contracting
regime. State slots of other shapes (Adafactor's row/column statistics) take
``Slot(..., shape=lambda s: s[:-1])``; :func:`state_memory` counts them.

Less common needs
-----------------
* torch checks the parameters themselves in ``__init__`` (Muon: 2-D only; SparseAdam:
  dense): ``OptimizerSpec(check_param=f)``, ``f(p, owner)`` raising torch's exception.
* Sparse gradients only (SparseAdam): ``sparse=True, sparse_only=True``; the rule gets
  torch's sparse tensor (numpy: a :class:`course_lib.zoo.sparse_adam.SparseGradient`).
* A slot some parameters lack: ``shape`` returning ``None`` for them (Adafactor's
  ``variance`` exists for vectors only); a plain Python number (SparseAdam's ``step``):
  ``Slot(..., init=None, tensor=False)``, set by the rule.
* The constructor's lr (lion-pytorch divides its decoupled decay by it):
  ``getattr(hp["lr"], "initial", None)`` in ``build``.
* In the registry case: ``observed_state`` for state the parameters never see (ASGD's
  ``ax``), ``recipe_context`` where torch computes in a dtype numpy lacks (Muon's
  bfloat16), ``lr_changes_run=False`` where lr is only an initial value (Rprop),
  ``ErrorInput(oracle_error=...)`` where the oracle raises another type.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

__all__ = ["modules", "specs", "get", "transforms", "StateMemory", "state_memory"]

_CACHE: dict = {}


def modules():
    """The zoo's optimizer modules, sorted by name (imported on first call)."""
    if "modules" not in _CACHE:
        names = sorted(m.name for m in pkgutil.iter_modules(__path__)
                       if not m.name.startswith("_"))
        _CACHE["modules"] = [importlib.import_module(f"{__name__}.{n}") for n in names]
    return _CACHE["modules"]


def specs():
    """``{recipe name: OptimizerSpec}`` of every optimizer in the zoo."""
    if "specs" not in _CACHE:
        out = {}
        for mod in modules():
            found = getattr(mod, "SPECS", None) or (
                (mod.SPEC,) if hasattr(mod, "SPEC") else ())
            for spec in found:
                if spec.name in out:
                    raise RuntimeError(f"two zoo specs are named {spec.name!r}")
                out[spec.name] = spec
        names = [s.class_name for s in out.values()]
        if len(set(names)) != len(names):
            raise RuntimeError(f"two zoo specs share a class name: {sorted(names)}")
        _CACHE["specs"] = out
    return _CACHE["specs"]


def get(name):
    """The spec of recipe ``name`` (``"adam"``) or torch class ``name`` (``"Adam"``)."""
    for spec in specs().values():
        if name in (spec.name, spec.class_name):
            return spec
    raise KeyError(f"no optimizer {name!r} in course_lib.zoo; known: {sorted(specs())}")


def transforms():
    """``{name: factory}`` of the optimizer-specific transforms (``scale_by_adam``)."""
    if "transforms" not in _CACHE:
        _CACHE["transforms"] = {t.__name__: t for mod in modules()
                                for t in getattr(mod, "TRANSFORMS", ())}
    return _CACHE["transforms"]


@dataclass(frozen=True)
class StateMemory:
    """What an optimizer keeps per parameter tensor: its state slots (torch's names).

    ``slots`` are :class:`course_lib.transforms.Slot` objects: an array slot holds
    numbers in the parameter's dtype (``Slot.numel(shape)`` of them), a scalar slot one
    number in torch's scalar dtype (float32 unless the default dtype is float64).
    """

    optimizer: str
    slots: tuple

    @property
    def names(self):
        return tuple(s.name for s in self.slots)

    def bytes(self, shapes, itemsize=4, scalar_itemsize=4):
        """State bytes for parameters of the given shapes."""
        return sum(s.numel(shape) * (scalar_itemsize if s.scalar else itemsize)
                   for shape in shapes for s in self.slots)

    def bytes_per_parameter(self, shapes=None, itemsize=4, scalar_itemsize=4):
        """State bytes per parameter entry: for ``shapes`` (counters included), or, with
        ``shapes=None``, the large-tensor limit (array slots only)."""
        if shapes is None:
            return sum(itemsize for s in self.slots
                       if s.tensor and not s.scalar and s.shape is None)
        n = sum(_numel(shape) for shape in shapes)
        return self.bytes(shapes, itemsize, scalar_itemsize) / n


def _numel(shape):
    n = 1
    for k in shape:
        n *= int(k)
    return n


def state_memory(name, **hyper_parameters):
    """The state an optimizer keeps, from its spec: :class:`StateMemory`.

    ``hyper_parameters`` are the recipe's (``amsgrad=True``, ``momentum=0.9``, ...);
    the others take their defaults. SGD without momentum keeps nothing; Adam keeps
    ``exp_avg`` and ``exp_avg_sq`` (8 bytes per float32 parameter) and a ``step``
    counter per tensor; AMSGrad adds ``max_exp_avg_sq``.

    Examples
    --------
    >>> state_memory("adam").bytes_per_parameter()
    8
    >>> state_memory("sgd", momentum=0.9).bytes([(10, 10)], itemsize=8)
    800
    """
    from ..transforms import chain
    spec = get(name)
    hp = {h.name: h.default for h in spec.hparams if not h.implementation}
    hp.update(hyper_parameters)
    hp = spec.validate(hp)
    rules = chain(*spec.build(hp)).rules or ()
    return StateMemory(spec.name, tuple(s for r in rules for s in r.slots))
