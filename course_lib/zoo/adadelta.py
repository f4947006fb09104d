"""Adadelta (Zeiler 2012) with torch.optim.Adadelta's arguments."""
from __future__ import annotations

from .. import transforms as tx
from .._validation import check_scalar
from ..transforms import Rule, Slot, from_rule
from ._spec import OptimizerSpec, flag, implementation_flags, lr, real


class _Adadelta(Rule):
    slots = (Slot("step", scalar=True), Slot("square_avg"), Slot("acc_delta"))

    def __init__(self, rho, eps):
        self.rho, self.eps = rho, eps

    def apply(self, ops, grads, state, params):
        rho, eps = self.rho, self.eps
        ops.increment_(state["step"])
        sq, acc = state["square_avg"], state["acc_delta"]
        ops.mul_(sq, rho)
        ops.addcmul_(sq, grads, grads, 1.0 - rho)           # E[g^2]
        std = ops.add_scalar(sq, eps)
        ops.sqrt_(std)
        delta = ops.add_scalar(acc, eps)
        ops.sqrt_(delta)
        ops.div_(delta, std)
        ops.mul_(delta, grads)                              # d = sqrt(E[dx^2]+eps)/sqrt(E[g^2]+eps) g
        ops.mul_(acc, rho)
        ops.addcmul_(acc, delta, delta, 1.0 - rho)          # E[dx^2]
        return delta


def scale_by_adadelta(rho=0.9, eps=1e-6):
    """Adadelta's direction ``sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g``.

    State (torch's names): ``step``, ``square_avg`` (E[g^2]), ``acc_delta`` (E[dx^2]).

    References
    ----------
    Zeiler, ADADELTA: An Adaptive Learning Rate Method (2012), Algorithm 1;
    torch.optim.Adadelta.
    """
    owner = "scale_by_adadelta"
    return from_rule(_Adadelta(check_scalar(rho, "rho", owner, low=0.0, high=1.0, closed="both"),
                               check_scalar(eps, "eps", owner, low=0.0, closed="left")))


TRANSFORMS = (scale_by_adadelta,)


def build(hp):
    """``[negate] -> [add_decayed_weights] -> scale_by_adadelta -> scale_by_learning_rate``."""
    return tx.with_weight_decay(scale_by_adadelta(hp["rho"], hp["eps"]), hp)


SPEC = OptimizerSpec(
    name="adadelta",
    class_name="Adadelta",
    torch_counterpart="torch.optim.Adadelta",
    summary="Adadelta, exactly as ``torch.optim.Adadelta`` computes it.",
    hparams=(
        lr(1.0, "scales the update (Zeiler's algorithm has lr = 1)"),
        real("rho", 0.9, high=1.0, closed="both", doc="decay of the running averages"),
        real("eps", 1e-6, doc="added inside both square roots"),
        real("weight_decay", 0, doc="L2 penalty"),
    ) + implementation_flags("foreach") + implementation_flags(
        "capturable", keyword_only=("capturable",)) + (flag("maximize", keyword_only=True),)
      + implementation_flags("differentiable", keyword_only=("differentiable",)),
    build=build,
    formula="""
g <- -g                              if maximize
g <- g + weight_decay * x            (L2)
v <- rho v + (1 - rho) g^2
d = sqrt(u + eps) / sqrt(v + eps) * g
u <- rho u + (1 - rho) d^2
x <- x - lr d
""",
    reference="Zeiler, ADADELTA: An Adaptive Learning Rate Method (2012), Algorithm 1; "
              "torch.optim.Adadelta.",
)
