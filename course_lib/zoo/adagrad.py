"""Adagrad (Duchi, Hazan & Singer 2011) with torch.optim.Adagrad's arguments."""
from __future__ import annotations

from .. import transforms as tx
from .._validation import check_scalar
from ..transforms import Rule, Slot, from_rule
from ._ops import Deferred
from ._spec import FUSED_CONSTRAINTS, OptimizerSpec, flag, implementation_flags, lr, real


class _Adagrad(Rule):
    def __init__(self, lr_decay, initial_accumulator_value, eps):
        self.lr_decay, self.eps = lr_decay, eps
        self.slots = (Slot("step", scalar=True), Slot("sum", init=initial_accumulator_value))

    def apply(self, ops, grads, state, params):
        t = ops.increment_(state["step"])
        s = state["sum"]
        ops.addcmul_(s, grads, grads, 1.0)                  # s <- s + g^2
        std = ops.sqrt(s)
        ops.add_scalar_(std, self.eps)                      # u = g / (sqrt(s) + eps) / c_t
        return Deferred([(grads, 1.0, [1 + (k - 1) * self.lr_decay for k in t])], std)


def scale_by_adagrad(lr_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    """Adagrad's direction ``g / (sqrt(sum of g^2) + eps) / (1 + (t - 1) lr_decay)``.

    State (torch's names): ``step``, ``sum`` (starts at ``initial_accumulator_value``).

    References
    ----------
    Duchi, Hazan & Singer (2011), JMLR 12; torch.optim.Adagrad.
    """
    owner = "scale_by_adagrad"
    return from_rule(_Adagrad(
        check_scalar(lr_decay, "lr_decay", owner, low=0.0, closed="left"),
        check_scalar(initial_accumulator_value, "initial_accumulator_value", owner, low=0.0, closed="left"),
        check_scalar(eps, "eps", owner, low=0.0, closed="left")))


TRANSFORMS = (scale_by_adagrad,)


def build(hp):
    """``[negate] -> [add_decayed_weights] -> scale_by_adagrad -> scale_by_learning_rate``."""
    return tx.with_weight_decay(
        scale_by_adagrad(hp["lr_decay"], hp["initial_accumulator_value"], hp["eps"]), hp)


SPEC = OptimizerSpec(
    name="adagrad",
    class_name="Adagrad",
    torch_counterpart="torch.optim.Adagrad",
    summary="Adagrad: per-coordinate steps shrinking with the accumulated squared "
            "gradients, exactly as ``torch.optim.Adagrad`` computes it.",
    hparams=(
        lr(1e-2),
        real("lr_decay", 0, doc="lr_t = lr / (1 + (t - 1) lr_decay)"),
        real("weight_decay", 0, doc="L2 penalty"),
        real("initial_accumulator_value", 0, doc="starting value of the sum of squares"),
        real("eps", 1e-10, doc="added to the denominator"),
    ) + implementation_flags("foreach") + (
        flag("maximize", keyword_only=True),
    ) + implementation_flags("differentiable", "fused", keyword_only=("differentiable", "fused")),
    constraints=FUSED_CONSTRAINTS,
    build=build,
    sparse="dense",
    formula="""
g <- -g                             if maximize
g <- g + weight_decay * x           (L2)
t <- t + 1;   s <- s + g^2          (s starts at initial_accumulator_value)
x <- x - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)
""",
    reference="Duchi, Hazan & Singer, Adaptive Subgradient Methods for Online Learning "
              "and Stochastic Optimization, JMLR 12 (2011); torch.optim.Adagrad.",
    notes="Sparse gradients are accepted as by torch (made dense: rows without gradient "
          "get an exactly zero update, as in torch's sparse path). torch creates the "
          "state in the constructor; ours at the first step (state dicts load both ways).",
)
