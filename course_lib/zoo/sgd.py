"""SGD with torch.optim.SGD's arguments: momentum, dampening, Nesterov, L2 weight decay.

The momentum buffer is :func:`course_lib.transforms.trace` (shared with other
optimizers), so this module holds only the spec and the recipe.
"""
from __future__ import annotations

from .. import transforms as tx
from ._spec import FUSED_CONSTRAINTS, Constraint, OptimizerSpec, flag, implementation_flags, lr, real


def build(hp):
    """The recipe: ``[negate] -> [add_decayed_weights] -> [trace] -> scale_by_learning_rate``."""
    core = (tx.trace(hp["momentum"], hp["dampening"], hp["nesterov"]) if hp["momentum"]
            else None)
    return tx.with_weight_decay(core, hp)


SPEC = OptimizerSpec(
    name="sgd",
    class_name="SGD",
    torch_counterpart="torch.optim.SGD",
    summary="Stochastic gradient descent, exactly as ``torch.optim.SGD`` computes it.",
    hparams=(
        lr(1e-3, "step size; in the recipe also a schedule t -> lr_t (t = updates done)"),
        real("momentum", 0, doc="momentum factor (torch's form: b <- momentum b + (1 - dampening) g)"),
        real("dampening", 0, low=None, closed="neither", doc="dampening of the gradient in the buffer"),
        real("weight_decay", 0, doc="L2 penalty: g <- g + weight_decay x", tensor_ok=True),
        flag("nesterov", doc="Nesterov momentum (needs momentum > 0, dampening = 0)"),
        flag("maximize", keyword_only=True, doc="ascend instead of descend"),
    ) + implementation_flags("foreach", "differentiable", "fused",
                             keyword_only=("foreach", "differentiable", "fused")),
    constraints=(
        Constraint("nesterov", "momentum > 0 and dampening == 0",
                   lambda hp: not hp["nesterov"] or (hp["momentum"] > 0 and hp["dampening"] == 0),
                   shows=("momentum", "dampening")),
    ) + FUSED_CONSTRAINTS,
    build=build,
    sparse=True,
    formula="""
g <- -g                           if maximize
g <- g + weight_decay * x         (L2 / coupled weight decay)
b <- g  (first step);  b <- momentum * b + (1 - dampening) * g
g <- g + momentum * b  if nesterov  else  b          (when momentum > 0)
x <- x - lr * g
""",
    reference="torch.optim.SGD (algorithm box in its documentation); Robbins & Monro "
              "(1951); Sutskever et al. (2013) for Nesterov momentum.",
    notes="State: ``momentum_buffer`` only (none without momentum), as torch keeps it. "
          "Sparse gradients are accepted, as by torch (they take the array-API loop).",
)
