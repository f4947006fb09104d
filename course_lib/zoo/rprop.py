"""Rprop, resilient backpropagation, exactly as ``torch.optim.Rprop`` (2.13) computes it.

Rprop uses only the *sign* of each gradient entry. Each entry has its own step size: it
grows by ``etaplus`` while the sign stays the same, shrinks by ``etaminus`` when it
flips (and that entry then does not move for one step), and stays within
``step_sizes``. ``lr`` is only the initial step size: later changes of ``lr`` (a
scheduler) do nothing, as in torch. Meant for full-batch gradients.
"""
from __future__ import annotations

from .. import transforms as tx
from ..transforms import Rule, Slot, from_rule
from .._validation import check_scalar
from ._ops import Fresh
from ._per_param import lr_now
from ._spec import HParam, OptimizerSpec, flag, implementation_flags, lr


class _Rprop(Rule):
    slots = (Slot("step", scalar=True), Slot("prev"), Slot("step_size", init=None))

    def __init__(self, lr, etaminus, etaplus, step_size_min, step_size_max):
        self.lr, self.etaminus, self.etaplus = lr, etaminus, etaplus
        self.lo, self.hi = step_size_min, step_size_max

    def apply(self, ops, grads, state, params):
        xp = ops.xp
        ops.increment_(state["step"])
        out = Fresh()
        for i, (g, p) in enumerate(zip(grads, params)):
            prev, size = state["prev"][i], state["step_size"][i]
            if size is None:                           # torch: lr at the start
                size = state["step_size"][i] = xp.full_like(p, lr_now(self.lr, 0))
            s = g * prev
            one = xp.ones_like(s)                      # factors in the parameter's dtype
            factor = xp.where(s > 0, self.etaplus * one,
                              xp.where(s < 0, self.etaminus * one, one))
            size[...] = xp.clip(size * factor, min=self.lo, max=self.hi)
            g = xp.where(s < 0, xp.zeros_like(g), g)   # a flipped sign: no move this step
            prev[...] = g
            out.append(-(xp.sign(g) * size))
        return out


def scale_by_rprop(lr=1e-2, etaminus=0.5, etaplus=1.2, step_size_min=1e-6,
                   step_size_max=50.0):
    """Rprop's whole update (each entry's step size is state).

    ::

        s = g * prev
        step_size <- clip(step_size * (etaplus if s > 0, etaminus if s < 0, 1 if s = 0),
                          step_size_min, step_size_max)
        g <- 0 where s < 0
        u = -sign(g) * step_size;    prev <- g

    State (torch's names): ``step``, ``prev``, ``step_size`` (``lr`` everywhere at first).

    References
    ----------
    Riedmiller & Braun, A direct adaptive method for faster backpropagation learning:
    the RPROP algorithm (ICNN 1993); torch.optim.Rprop.
    """
    owner = "scale_by_rprop"
    etaminus = check_scalar(etaminus, "etaminus", owner, low=0.0, high=1.0)
    etaplus = check_scalar(etaplus, "etaplus", owner, low=1.0)
    return from_rule(_Rprop(lr, etaminus, etaplus, check_scalar(step_size_min, "step_size_min", owner),
                            check_scalar(step_size_max, "step_size_max", owner)))


TRANSFORMS = (scale_by_rprop,)


def build(hp):
    """The recipe: ``[negate] -> scale_by_rprop``."""
    parts = [tx.negate()] if hp["maximize"] else []
    parts.append(scale_by_rprop(hp["lr"], *hp["etas"], *hp["step_sizes"]))
    return parts


SPEC = OptimizerSpec(
    name="rprop",
    class_name="Rprop",
    torch_counterpart="torch.optim.Rprop",
    summary="Rprop (Riedmiller & Braun), exactly as ``torch.optim.Rprop`` computes it.",
    hparams=(
        lr(1e-2, "the initial step size of every entry (later changes do nothing)"),
        HParam("etas", (0.5, 1.2), "pair", low=(0.0, 1.0), high=(1.0, None),
               closed=("neither", "neither"),
               doc="(etaminus, etaplus): 0 < etaminus < 1 < etaplus"),
        HParam("step_sizes", (1e-6, 50), "pair", low=None, closed="neither",
               doc="(min, max) allowed step sizes"),
    ) + implementation_flags("capturable", "foreach", keyword_only=("capturable", "foreach")) + (
        flag("maximize", keyword_only=True, doc="ascend instead of descend"),
    ) + implementation_flags("differentiable", keyword_only=("differentiable",)),
    build=build,
    formula="""
g <- -g                                                 if maximize
s = g * prev                                            (per entry)
step_size <- clip(step_size * {etaplus if s > 0; etaminus if s < 0; 1 if s = 0},
                  step_size_min, step_size_max)         (step_size = lr at first)
g <- 0 where s < 0
x <- x - sign(g) * step_size;   prev <- g
""",
    reference="Riedmiller & Braun, A direct adaptive method for faster backpropagation "
              "learning: the RPROP algorithm (ICNN 1993); torch.optim.Rprop.",
    notes="State: ``step``, ``prev``, ``step_size`` as torch keeps them. ``lr`` sets the "
          "initial step sizes only, as in torch.",
)
