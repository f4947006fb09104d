"""Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of
an interpolation between the momentum and the gradient, as the ``lion-pytorch``
package (0.2.5, our test oracle) computes it. torch.optim has no Lion.

Every entry moves by exactly ``lr`` per step (before weight decay), so Lion wants a
learning rate 3-10 times smaller than AdamW's. The interpolation that gives the sign
(``beta1``) is not the moving average that is kept (``beta2``).
"""
from __future__ import annotations

from ..transforms import Rule, Slot, from_rule
from .._validation import check_scalar
from ._ops import Deferred, Fresh
from ._per_param import lr_now
from ._spec import HParam, OptimizerSpec, flag, real


class _Lion(Rule):
    slots = (Slot("exp_avg"),)

    def __init__(self, b1, b2, weight_decay):
        self.b1, self.b2, self.weight_decay = b1, b2, weight_decay

    def apply(self, ops, grads, state, params):
        xp, m = ops.xp, state["exp_avg"]
        c = ops.mul(m, self.b1)
        ops.add_(c, grads, alpha=1.0 - self.b1)               # c = b1 m + (1 - b1) g
        u = Fresh(xp.sign(x) for x in c)
        ops.mul_(m, self.b2)
        ops.add_(m, grads, alpha=1.0 - self.b2)              # m <- b2 m + (1 - b2) g
        # u = sign(c) + wd x, left for the torch class to finish as lion-pytorch does:
        # x <- x (1 - lr wd), then x <- x - lr sign(c)
        return Deferred([(u, 1.0, 1.0)], decay=self.weight_decay)


def scale_by_lion(b1=0.9, b2=0.99, weight_decay=0.0):
    """Lion's direction (to be scaled by ``-lr``), with its weight decay.

    ::

        u = sign(b1 m + (1 - b1) g) + weight_decay x
        m <- b2 m + (1 - b2) g

    State: ``exp_avg`` (lion-pytorch's name).

    References
    ----------
    Chen et al., Symbolic Discovery of Optimization Algorithms (NeurIPS 2023),
    Algorithm 2; lion-pytorch (lion_pytorch/lion_pytorch.py, ``update_fn``).
    """
    owner = "scale_by_lion"
    b1 = check_scalar(b1, "b1", owner, low=0.0, high=1.0, closed="both")
    b2 = check_scalar(b2, "b2", owner, low=0.0, high=1.0, closed="both")
    return from_rule(_Lion(b1, b2, check_scalar(weight_decay, "weight_decay", owner)))


TRANSFORMS = (scale_by_lion,)


def build(hp):
    """The recipe: ``scale_by_lion -> scale_by_learning_rate``; with
    ``decoupled_weight_decay`` the decay is divided by the initial learning rate (as
    lion-pytorch does), so that ``x <- x (1 - (lr_t / lr_0) weight_decay)``."""
    from .. import transforms as tx
    wd = hp["weight_decay"]
    if hp["decoupled_weight_decay"] and wd:
        lr0 = getattr(hp["lr"], "initial", None)          # the torch class's constructor lr
        wd = wd / (lr_now(hp["lr"], 0) if lr0 is None else float(lr0))
    return [scale_by_lion(*hp["betas"], wd), tx.scale_by_learning_rate(hp["lr"])]


SPEC = OptimizerSpec(
    name="lion",
    class_name="Lion",
    torch_counterpart="lion_pytorch.Lion",
    summary="Lion (Chen et al. 2023), exactly as the ``lion-pytorch`` package computes it.",
    hparams=(
        HParam("lr", 1e-4, "lr", low=0.0, closed="neither",
               doc="learning rate: every entry moves by lr per step (> 0)"),
        HParam("betas", (0.9, 0.99), "pair", low=0.0, high=1.0, closed="both",
               doc="(beta1, beta2): the interpolation whose sign is the step, and the "
                   "moving average kept"),
        real("weight_decay", 0.0, low=None, closed="neither",
             doc="x <- x (1 - lr weight_decay) each step (lion-pytorch's form)"),
        HParam("use_triton", False, "bool", implementation=True,
               doc="accepted as lion-pytorch does; selects nothing here (no triton kernel)"),
        flag("decoupled_weight_decay", doc="divide weight_decay by the initial lr (so "
                                           "the decay does not scale with lr)"),
    ),
    build=build,
    formula="""
c = beta1 m + (1 - beta1) g
x <- x (1 - lr wd) - lr sign(c)           (wd = weight_decay, or weight_decay / lr_0
                                           with decoupled_weight_decay)
m <- beta2 m + (1 - beta2) g
""",
    reference="Chen et al., Symbolic Discovery of Optimization Algorithms (NeurIPS 2023), "
              "Algorithm 2; the lion-pytorch package (P. Wang), version 0.2.5.",
    notes="State: ``exp_avg``, as lion-pytorch keeps it. lion-pytorch checks its "
          "arguments with ``assert``; ours raise ValueError/TypeError naming the argument.",
)
