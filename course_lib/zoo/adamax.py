"""Adamax (Kingma & Ba 2015, section 7.1) with torch.optim.Adamax's arguments."""
from __future__ import annotations

from .. import transforms as tx
from ..transforms import Rule, Slot, from_rule
from ._ops import Deferred, bias_correction
from ._spec import OptimizerSpec, betas, flag, implementation_flags, lr, real
from .adam import check_betas_eps


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
    return from_rule(_Adamax(*check_betas_eps("scale_by_adamax", b1, b2, eps)))


TRANSFORMS = (scale_by_adamax,)


def build(hp):
    """``[negate] -> [add_decayed_weights] -> scale_by_adamax -> scale_by_learning_rate``."""
    return tx.with_weight_decay(scale_by_adamax(*hp["betas"], hp["eps"]), hp)


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
