"""Adam (and AMSGrad), with torch.optim.Adam's arguments; L2 or decoupled weight decay.

The weight decay's place is visible in the recipe: before ``scale_by_adam`` it is an L2
penalty on the objective (it passes through the preconditioner), after it it is
decoupled weight decay (AdamW).
"""
from __future__ import annotations

from .. import transforms as tx
from ..transforms import Rule, Slot, from_rule
from .._validation import check_scalar
from ._ops import Deferred, bias_correction, sqrt_each
from ._spec import (FUSED_CONSTRAINTS, TENSOR_LR_FOREACH, OptimizerSpec, betas, flag,
                    implementation_flags, lr, real)


class _Adam(Rule):
    def __init__(self, b1, b2, eps, amsgrad):
        self.b1, self.b2, self.eps, self.amsgrad = b1, b2, eps, amsgrad
        self.slots = (Slot("step", scalar=True), Slot("exp_avg"), Slot("exp_avg_sq")) + (
            (Slot("max_exp_avg_sq"),) if amsgrad else ())

    def apply(self, ops, grads, state, params):
        b1, b2 = self.b1, self.b2
        t = ops.increment_(state["step"])
        m, v = state["exp_avg"], state["exp_avg_sq"]
        ops.lerp_(m, grads, 1.0 - b1)                       # m <- b1 m + (1 - b1) g
        ops.mul_(v, b2)
        ops.addcmul_(v, grads, grads, 1.0 - b2)             # v <- b2 v + (1 - b2) g^2
        if self.amsgrad:
            ops.maximum_(state["max_exp_avg_sq"], v)
            v = state["max_exp_avg_sq"]
        # m_hat / (sqrt(v_hat) + eps) = (m / (1 - b1^t)) / (sqrt(v) / sqrt(1 - b2^t) + eps),
        # in torch's order of operations (its last kernel is p.addcdiv_(m, denom, ...))
        denom = ops.sqrt(v)
        ops.div_(denom, sqrt_each(bias_correction(b2, t)))
        ops.add_scalar_(denom, self.eps)
        return Deferred([(m, 1.0, bias_correction(b1, t))], denom)


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, amsgrad=False):
    """Adam's direction ``m_hat / (sqrt(v_hat) + eps)`` (AMSGrad: ``v`` replaced by its
    running maximum).

    ::

        t <- t + 1
        m <- b1 m + (1 - b1) g             v <- b2 v + (1 - b2) g^2
        v_max <- max(v_max, v)             (amsgrad; then v := v_max below)
        u = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

    State (torch's names): ``step``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``.

    References
    ----------
    Kingma & Ba (2015), Algorithm 1; Reddi, Kale & Kumar (2018) for AMSGrad;
    torch.optim.Adam.
    """
    return from_rule(_Adam(*check_betas_eps("scale_by_adam", b1, b2, eps), bool(amsgrad)))


def check_betas_eps(owner, b1, b2, eps):
    """``(b1, b2, eps)`` checked: b1, b2 in [0, 1), eps >= 0 (torch's ranges)."""
    return (check_scalar(b1, "b1", owner, low=0.0, high=1.0, closed="left"),
            check_scalar(b2, "b2", owner, low=0.0, high=1.0, closed="left"),
            check_scalar(eps, "eps", owner, low=0.0, closed="left"))


def adam_family_tail():
    """The arguments after ``weight_decay`` that NAdam and RAdam share with torch:
    ``decoupled_weight_decay, *, foreach, maximize, capturable, differentiable``."""
    return (flag("decoupled_weight_decay",
                 doc="weight decay after the preconditioner (AdamW-style)"),
            ) + implementation_flags("foreach", keyword_only=("foreach",)) + (
        flag("maximize", keyword_only=True),) + implementation_flags(
        "capturable", "differentiable", keyword_only=("capturable", "differentiable"))


TRANSFORMS = (scale_by_adam,)


def build_adam(hp, decoupled):
    """``[negate] -> [add_decayed_weights (L2)] -> scale_by_adam -> [add_decayed_weights
    (decoupled)] -> scale_by_learning_rate``."""
    return tx.with_weight_decay(scale_by_adam(*hp["betas"], hp["eps"], hp["amsgrad"]), hp,
                                decoupled)


ADAM_FORMULA = """
g <- -g                            if maximize
g <- g + weight_decay * x          (L2, unless decoupled)
t <- t + 1
m <- b1 m + (1 - b1) g             v <- b2 v + (1 - b2) g^2
v_max <- max(v_max, v)             if amsgrad (v_max replaces v below)
u <- (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
u <- u + weight_decay * x          (decoupled weight decay, AdamW)
x <- x - lr * u
"""

_COMMON = (
    betas(),
    real("eps", 1e-8, doc="added to the denominator"),
)


def adam_hparams(weight_decay_default, *, adamw):
    head = (lr(1e-3),) + _COMMON + (
        real("weight_decay", weight_decay_default,
             doc="decoupled weight decay" if adamw else
                 "L2 penalty, or decoupled weight decay with decoupled_weight_decay=True"),
        flag("amsgrad", doc="use the running maximum of v (AMSGrad)"),
    )
    if adamw:
        return head + (flag("maximize", keyword_only=True),) + implementation_flags(
            "foreach", "capturable", "differentiable", "fused",
            keyword_only=("foreach", "capturable", "differentiable", "fused"))
    kw = ("foreach", "capturable", "differentiable", "fused")
    return head + implementation_flags("foreach", keyword_only=kw) + (
        flag("maximize", keyword_only=True),) + implementation_flags(
        "capturable", "differentiable", "fused", keyword_only=kw) + (
        flag("decoupled_weight_decay", keyword_only=True,
             doc="weight decay after the preconditioner (AdamW) instead of L2"),)


SPEC = OptimizerSpec(
    name="adam",
    class_name="Adam",
    torch_counterpart="torch.optim.Adam",
    summary="Adam (Kingma & Ba), exactly as ``torch.optim.Adam`` computes it.",
    hparams=adam_hparams(0, adamw=False),
    constraints=FUSED_CONSTRAINTS + (TENSOR_LR_FOREACH,),
    build=lambda hp: build_adam(hp, hp["decoupled_weight_decay"]),
    formula=ADAM_FORMULA,
    reference="Kingma & Ba, Adam: A Method for Stochastic Optimization (ICLR 2015), "
              "Algorithm 1; Reddi et al. (2018) for AMSGrad; torch.optim.Adam.",
)
