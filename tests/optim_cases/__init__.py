"""The optimizer test registry, in the spirit of torch's ``OptimizerInfo``.

One file per optimizer (``tests/optim_cases/<name>.py``) defines ``CASE`` (or ``CASES``,
a tuple) as an :class:`OptimizerCase`; ``tests/test_optim_registry.py`` runs every
property on every case. Files whose name starts with ``_`` are helpers, not cases.

A case holds
* ``grid``: hyper-parameter sets, each run on every problem. Together they must set
  every hyper-parameter of the spec to a non-default value somewhere, with values that
  make it matter within the run (``test_each_hyperparameter_matters`` checks that
  putting it back to its default changes the trajectory). ``lr`` is a *multiple* of
  the problem's base step (``lr_scale``).
* ``errors``: :class:`ErrorInput` - what torch rejects, with torch's exception type and
  the argument our message must name.
* ``oracle``: the independent implementation (default ``torch.optim.<class_name>``).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

#: base step sizes per problem for optimizers whose step is lr * gradient (SGD)
GRADIENT_SCALE = {"quadratic": 0.4, "rosenbrock": 5e-4, "mlp": 0.1}
#: for optimizers whose step is lr * a normalised direction (Adam, RMSprop, ...)
ADAPTIVE_SCALE = {"quadratic": 0.01, "rosenbrock": 0.005, "mlp": 0.003}


@dataclass(frozen=True)
class ErrorInput:
    """Constructor keyword arguments that torch rejects.

    error : the exception type torch raises (ours must raise the same)
    arg : the argument our message names (``'arg'`` appears in it)
    at : ``"init"`` (the constructor raises) or ``"step"`` (the first step raises)
    recipe : the numpy recipe must reject it too (False for implementation flags)
    oracle_error : what the oracle raises where it differs (lion-pytorch checks with
        ``assert``: AssertionError; ours raises ``error``)
    """

    kwargs: dict
    error: type
    arg: str
    at: str = "init"
    recipe: bool = True
    oracle_error: type | None = None


@dataclass(frozen=True)
class OptimizerCase:
    """One optimizer's entry in the registry (see the module docstring).

    name : the zoo spec's name (``"adam"``)
    rtol : trajectory tolerance against the oracle in float64 (1e-10 unless a
        reason is given in ``rtol_reason``)
    f32_rtol : float32 tolerance over 50 steps
    problems : which of ``quadratic``, ``rosenbrock``, ``mlp`` (two param groups) to run
    oracle : ``() -> optimizer class`` taking the same keyword arguments
    torch_default_dtype : the float64 runs set torch's default dtype to float64, so
        that scalar state torch keeps in the default dtype (``step``, NAdam's
        ``mu_product``) is float64 in both implementations
    observed_state : state entries compared beside the parameters, for state the
        parameters never see (ASGD's averaged iterate ``ax``); 0 before the first step
    recipe_context : ``() -> context manager`` under which the torch class runs when
        it is compared with the numpy recipe, where torch computes in a dtype numpy does
        not have (Muon's bfloat16 Newton–Schulz: the context switches it to float64)
    lr_changes_run : a scheduler's new lr changes the run (False for Rprop, whose lr
        is only the initial step size, as in torch)
    """

    name: str
    grid: tuple
    errors: tuple = ()
    lr_scale: dict = field(default_factory=lambda: dict(ADAPTIVE_SCALE))
    problems: tuple = ("quadratic", "rosenbrock", "mlp")
    rtol: float = 1e-10
    rtol_reason: str = ""
    f32_rtol: float = 1e-5
    steps: int = 200
    oracle: Callable | None = None
    sparse: bool = False
    observed_state: tuple = ()
    recipe_context: Callable | None = None
    lr_changes_run: bool = True

    def oracle_class(self):
        import torch

        from course_lib import zoo
        if self.oracle is not None:
            return self.oracle()
        return getattr(torch.optim, zoo.get(self.name).class_name)

    @property
    def spec(self):
        from course_lib import zoo
        return zoo.get(self.name)


def cases():
    """Every case of every file in this package, sorted by file name."""
    out = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        found = getattr(mod, "CASES", None) or ((mod.CASE,) if hasattr(mod, "CASE") else ())
        out.extend(found)
    return out
