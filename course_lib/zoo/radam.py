"""RAdam (Liu et al. 2020): Adam whose adaptive step is switched on, rectified, once the
variance of the adaptive learning rate is tractable; torch.optim.RAdam's arguments."""
from __future__ import annotations

import math

from .. import transforms as tx
from ..transforms import Rule, Slot, from_rule
from ._spec import OptimizerSpec, betas, lr, real
from .adam import adam_family_tail, check_betas_eps


class _RAdam(Rule):
    slots = (Slot("step", scalar=True), Slot("exp_avg"), Slot("exp_avg_sq"))

    def __init__(self, b1, b2, eps):
        self.b1, self.b2, self.eps = b1, b2, eps

    def apply(self, ops, grads, state, params):
        b1, b2 = self.b1, self.b2
        t = ops.increment_(state["step"])
        m, v = state["exp_avg"], state["exp_avg_sq"]
        ops.lerp_(m, grads, 1.0 - b1)
        ops.mul_(v, b2)
        ops.addcmul_(v, grads, grads, 1.0 - b2)
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        u = ops.copy(m)
        ops.div_(u, [1.0 - b1 ** k for k in t])           # m_hat
        adaptive = []
        for i, k in enumerate(t):
            c2 = 1.0 - b2 ** k
            rho = rho_inf - 2.0 * k * b2 ** k / c2
            if rho > 5.0:
                rect = math.sqrt((rho - 4) * (rho - 2) * rho_inf
                                 / ((rho_inf - 4) * (rho_inf - 2) * rho))
                adaptive.append((i, math.sqrt(c2) * rect))
        if adaptive:
            idx = [i for i, _ in adaptive]
            denom = ops.sqrt([v[i] for i in idx])
            ops.add_scalar_(denom, self.eps)
            sub = [u[i] for i in idx]
            ops.mul_(sub, [c for _, c in adaptive])
            ops.div_(sub, denom)                           # r_t sqrt(1 - b2^t) m_hat / d
        return u


def scale_by_radam(b1=0.9, b2=0.999, eps=1e-8):
    """RAdam's direction: ``m_hat`` while ``rho_t <= 5``, then
    ``r_t m_hat / (sqrt(v_hat) + eps)`` (torch's form: ``eps`` is added to ``sqrt(v)``
    before the bias correction).

    State (torch's names): ``step``, ``exp_avg``, ``exp_avg_sq``.

    References
    ----------
    Liu et al., On the Variance of the Adaptive Learning Rate and Beyond (ICLR 2020),
    Algorithm 2; torch.optim.RAdam.
    """
    return from_rule(_RAdam(*check_betas_eps("scale_by_radam", b1, b2, eps)))


TRANSFORMS = (scale_by_radam,)


def build(hp):
    """As Adam's recipe with ``scale_by_radam`` in place of ``scale_by_adam``."""
    return tx.with_weight_decay(scale_by_radam(*hp["betas"], hp["eps"]), hp,
                                hp["decoupled_weight_decay"])


SPEC = OptimizerSpec(
    name="radam",
    class_name="RAdam",
    torch_counterpart="torch.optim.RAdam",
    summary="RAdam (rectified Adam), exactly as ``torch.optim.RAdam`` computes it.",
    hparams=(
        lr(1e-3),
        betas(),
        real("eps", 1e-8, doc="added to sqrt(v)"),
        real("weight_decay", 0, doc="L2 penalty, or decoupled with decoupled_weight_decay"),
    ) + adam_family_tail(),
    build=build,
    formula="""
g <- -g                              if maximize
g <- g + weight_decay * x            (L2, unless decoupled)
t <- t + 1;  m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  m_hat = m / (1 - b1^t)
rho_inf = 2 / (1 - b2) - 1;  rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
u = r_t sqrt(1 - b2^t) m_hat / (sqrt(v) + eps),
    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                                     if rho_t > 5
u = m_hat                            otherwise
u <- u + weight_decay * x            (decoupled weight decay)
x <- x - lr u
""",
    reference="Liu et al., On the Variance of the Adaptive Learning Rate and Beyond "
              "(ICLR 2020), Algorithm 2; torch.optim.RAdam.",
)
