"""RMSprop (Hinton's lecture 6e; Graves 2013 for the centered form) with
torch.optim.RMSprop's arguments."""
from __future__ import annotations

from .. import transforms as tx
from .._validation import check_scalar
from ..transforms import Rule, Slot, from_rule
from ._ops import Deferred
from ._spec import OptimizerSpec, flag, implementation_flags, lr, real


class _RMSprop(Rule):
    def __init__(self, alpha, eps, momentum, centered):
        self.alpha, self.eps, self.momentum, self.centered = alpha, eps, momentum, centered
        self.slots = ((Slot("step", scalar=True), Slot("square_avg"))
                      + ((Slot("momentum_buffer"),) if momentum > 0 else ())
                      + ((Slot("grad_avg"),) if centered else ()))

    def apply(self, ops, grads, state, params):
        a = self.alpha
        ops.increment_(state["step"])
        sq = state["square_avg"]
        ops.mul_(sq, a)
        ops.addcmul_(sq, grads, grads, 1.0 - a)             # v <- a v + (1 - a) g^2
        if self.centered:
            ga = state["grad_avg"]
            ops.lerp_(ga, grads, 1.0 - a)                   # gbar <- a gbar + (1 - a) g
            avg = ops.copy(sq)
            ops.addcmul_(avg, ga, ga, -1.0)
            ops.sqrt_(avg)                                  # sqrt(v - gbar^2)
        else:
            avg = ops.sqrt(sq)
        ops.add_scalar_(avg, self.eps)
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            ops.mul_(buf, self.momentum)
            ops.addcdiv_(buf, grads, avg, 1.0)              # b <- mu b + g / avg
            return buf
        return Deferred([(grads, 1.0, 1.0)], avg)            # g / avg


def scale_by_rms(alpha=0.99, eps=1e-8, momentum=0.0, centered=False):
    """RMSprop's direction ``g / (sqrt(v) + eps)`` with ``v`` the running mean of
    ``g^2`` (centered: of ``g^2`` minus the squared running mean of ``g``), optionally
    through a momentum buffer ``b <- momentum b + g / (sqrt(v) + eps)``.

    State (torch's names): ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0),
    ``grad_avg`` (centered).

    References
    ----------
    Tieleman & Hinton (2012), lecture 6.5; Graves (2013), eq. 38-45; torch.optim.RMSprop.
    """
    owner = "scale_by_rms"
    return from_rule(_RMSprop(check_scalar(alpha, "alpha", owner, low=0.0, closed="left"),
                              check_scalar(eps, "eps", owner, low=0.0, closed="left"),
                              check_scalar(momentum, "momentum", owner, low=0.0, closed="left"),
                              bool(centered)))


TRANSFORMS = (scale_by_rms,)


def build(hp):
    """``[negate] -> [add_decayed_weights] -> scale_by_rms -> scale_by_learning_rate``."""
    return tx.with_weight_decay(
        scale_by_rms(hp["alpha"], hp["eps"], hp["momentum"], hp["centered"]), hp)


SPEC = OptimizerSpec(
    name="rmsprop",
    class_name="RMSprop",
    torch_counterpart="torch.optim.RMSprop",
    summary="RMSprop, exactly as ``torch.optim.RMSprop`` computes it.",
    hparams=(
        lr(1e-2),
        real("alpha", 0.99, doc="smoothing constant of the running mean of g^2"),
        real("eps", 1e-8, doc="added to the denominator"),
        real("weight_decay", 0, doc="L2 penalty"),
        real("momentum", 0, doc="momentum factor of the buffer of normalised steps"),
        flag("centered", doc="divide by the estimated standard deviation of g"),
    ) + implementation_flags("capturable", "foreach") + (flag("maximize"),)
      + implementation_flags("differentiable"),
    build=build,
    formula="""
g <- -g                              if maximize
g <- g + weight_decay * x            (L2)
v <- alpha v + (1 - alpha) g^2
gbar <- alpha gbar + (1 - alpha) g;  d = sqrt(v - gbar^2) + eps     if centered
d = sqrt(v) + eps                                                   otherwise
b <- momentum b + g / d;  x <- x - lr b                             if momentum > 0
x <- x - lr g / d                                                   otherwise
""",
    reference="Tieleman & Hinton, Lecture 6.5 - RMSProp, COURSERA: Neural Networks for "
              "Machine Learning (2012); Graves, Generating Sequences With Recurrent Neural "
              "Networks (2013), for the centered form; torch.optim.RMSprop.",
)
