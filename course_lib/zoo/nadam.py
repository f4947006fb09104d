"""NAdam (Dozat 2016): Adam with Nesterov momentum, with torch.optim.NAdam's arguments
(momentum schedule ``mu_t = b1 (1 - 0.5 * 0.96^(t * momentum_decay))``)."""
from __future__ import annotations

from .. import transforms as tx
from .._validation import check_scalar
from ..transforms import Rule, Slot, from_rule
from ._ops import Deferred, bias_correction
from ._spec import OptimizerSpec, betas, lr, real
from .adam import adam_family_tail, check_betas_eps


class _NAdam(Rule):
    slots = (Slot("step", scalar=True), Slot("mu_product", init=1.0, scalar=True),
             Slot("exp_avg"), Slot("exp_avg_sq"))

    def __init__(self, b1, b2, eps, momentum_decay):
        self.b1, self.b2, self.eps, self.psi = b1, b2, eps, momentum_decay

    def mu(self, t):
        return self.b1 * (1.0 - 0.5 * 0.96 ** (t * self.psi))

    def apply(self, ops, grads, state, params):
        t = ops.increment_(state["step"])
        mu, mu_next = [self.mu(k) for k in t], [self.mu(k + 1.0) for k in t]
        prods = state["mu_product"]
        for p, a in zip(prods, mu):
            p *= a                                  # prod_{i <= t} mu_i, in torch's dtype
        prod = ops.values(prods)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        ops.lerp_(m, grads, 1.0 - self.b1)
        ops.mul_(v, self.b2)
        ops.addcmul_(v, grads, grads, 1.0 - self.b2)
        denom = ops.copy(v)
        ops.div_(denom, bias_correction(self.b2, t))
        ops.sqrt_(denom)
        ops.add_scalar_(denom, self.eps)                    # d = sqrt(v / (1 - b2^t)) + eps
        # u = (1 - mu_t) / (1 - prod_t) g / d + mu_{t+1} / (1 - prod_t mu_{t+1}) m / d
        return Deferred([(grads, [1.0 - a for a in mu], [1.0 - p for p in prod]),
                         (m, mu_next, [1.0 - p * b for p, b in zip(prod, mu_next)])], denom)


def scale_by_nadam(b1=0.9, b2=0.999, eps=1e-8, momentum_decay=4e-3):
    """NAdam's direction (see the formula box of :func:`course_lib.optimizers.nadam`).

    State (torch's names): ``step``, ``mu_product``, ``exp_avg``, ``exp_avg_sq``.

    References
    ----------
    Dozat, Incorporating Nesterov Momentum into Adam (ICLR workshop 2016);
    torch.optim.NAdam.
    """
    owner = "scale_by_nadam"
    return from_rule(_NAdam(*check_betas_eps(owner, b1, b2, eps),
                            check_scalar(momentum_decay, "momentum_decay", owner, low=0.0,
                                         closed="left")))


TRANSFORMS = (scale_by_nadam,)


def build(hp):
    """As Adam's recipe with ``scale_by_nadam`` in place of ``scale_by_adam``."""
    return tx.with_weight_decay(
        scale_by_nadam(*hp["betas"], hp["eps"], hp["momentum_decay"]), hp,
        hp["decoupled_weight_decay"])


SPEC = OptimizerSpec(
    name="nadam",
    class_name="NAdam",
    torch_counterpart="torch.optim.NAdam",
    summary="NAdam (Adam with Nesterov momentum), exactly as ``torch.optim.NAdam`` "
            "computes it.",
    hparams=(
        lr(2e-3),
        betas(),
        real("eps", 1e-8, doc="added to the denominator"),
        real("weight_decay", 0, doc="L2 penalty, or decoupled with decoupled_weight_decay"),
        real("momentum_decay", 4e-3, doc="psi in mu_t = b1 (1 - 0.5 * 0.96^(t psi))"),
    ) + adam_family_tail(),
    build=build,
    formula="""
g <- -g                              if maximize
g <- g + weight_decay * x            (L2, unless decoupled)
t <- t + 1;  mu_t = b1 (1 - 0.5 * 0.96^(t psi));  P_t = mu_1 ... mu_t
m <- b1 m + (1 - b1) g               v <- b2 v + (1 - b2) g^2
d = sqrt(v / (1 - b2^t)) + eps
u = (1 - mu_t) / (1 - P_t) g / d + mu_{t+1} / (1 - P_t mu_{t+1}) m / d
u <- u + weight_decay * x            (decoupled weight decay)
x <- x - lr u
""",
    reference="Dozat, Incorporating Nesterov Momentum into Adam (ICLR 2016 workshop); "
              "torch.optim.NAdam.",
)
