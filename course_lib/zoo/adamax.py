"""Adamax (Kingma & Ba 2015, section 7.1) with torch.optim.Adamax's arguments."""
from __future__ import annotations

from .. import transforms as tx
from .._validation import check_scalar
from ..transforms import Rule, Slot, from_rule
from ._ops import Deferred, bias_correction
from ._spec import OptimizerSpec, betas, flag, implementation_flags, lr, real


class _Adamax(Rule):
    slots = (Slot("step", scalar=True), Slot("exp_avg"), Slot("exp_inf"))

    def __init__(self, b1, b2, eps):
        self.b1, self.b2, self.eps = b1, b2, eps

    def apply(self, ops, grads, state, params):
        t = ops.increment_(state["step"])
        m, u = state["exp_avg"], state["exp_inf"]
        ops.lerp_(m, grads, 1.0 - self.b1)                  # m <- b1 m + (1 - b1) g
        ops.mul_(u, self.b2)
        a = ops.abs(grads)
        ops.add_scalar_(a, self.eps)
        ops.maximum_(u, a)                                  # u <- max(b2 u, |g| + eps)
        return Deferred([(m, 1.0, bias_correction(self.b1, t))], u)


def scale_by_adamax(b1=0.9, b2=0.999, eps=1e-8):
    """Adamax's direction ``m / (1 - b1^t) / u`` with ``u`` the decayed infinity norm
    ``u <- max(b2 u, |g| + eps)``.

    State (torch's names): ``step``, ``exp_avg``, ``exp_inf``.

    References
    ----------
    Kingma & Ba (2015), section 7.1, Algorithm 2; torch.optim.Adamax.
    """
    owner = "scale_by_adamax"
    return from_rule(_Adamax(check_scalar(b1, "b1", owner, low=0.0, high=1.0, closed="left"),
                             check_scalar(b2, "b2", owner, low=0.0, high=1.0, closed="left"),
                             check_scalar(eps, "eps", owner, low=0.0, closed="left")))


TRANSFORMS = (scale_by_adamax,)


def build(hp):
    """``[negate] -> [add_decayed_weights] -> scale_by_adamax -> scale_by_learning_rate``."""
    parts = [tx.negate()] if hp["maximize"] else []
    if hp["weight_decay"]:
        parts.append(tx.add_decayed_weights(hp["weight_decay"]))
    parts.append(scale_by_adamax(*hp["betas"], hp["eps"]))
    parts.append(tx.scale_by_learning_rate(hp["lr"]))
    return parts


SPEC = OptimizerSpec(
    name="adamax",
    class_name="Adamax",
    torch_counterpart="torch.optim.Adamax",
    summary="Adamax (Adam with the infinity norm), exactly as ``torch.optim.Adamax`` "
            "computes it.",
    hparams=(
        lr(2e-3),
        betas(doc="coefficients of the running average of g and of the decay of u"),
        real("eps", 1e-8, doc="added to |g| (keeps u > 0)"),
        real("weight_decay", 0, doc="L2 penalty"),
    ) + implementation_flags("foreach") + (flag("maximize", keyword_only=True),)
      + implementation_flags("differentiable", "capturable",
                             keyword_only=("differentiable", "capturable")),
    build=build,
    formula="""
g <- -g                              if maximize
g <- g + weight_decay * x            (L2)
t <- t + 1
m <- b1 m + (1 - b1) g
u <- max(b2 u, |g| + eps)
x <- x - lr / (1 - b1^t) * m / u
""",
    reference="Kingma & Ba, Adam: A Method for Stochastic Optimization (ICLR 2015), "
              "section 7.1 and Algorithm 2; torch.optim.Adamax.",
)
