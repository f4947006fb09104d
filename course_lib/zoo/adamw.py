"""AdamW: Adam with decoupled weight decay (``torch.optim.AdamW``, default 0.01)."""
from __future__ import annotations

from ._spec import FUSED_CONSTRAINTS, TENSOR_LR_FOREACH, OptimizerSpec
from .adam import adam_hparams, build_adam

SPEC = OptimizerSpec(
    name="adamw",
    class_name="AdamW",
    torch_counterpart="torch.optim.AdamW",
    summary="AdamW (Loshchilov & Hutter): Adam whose weight decay is applied after the "
            "preconditioner, exactly as ``torch.optim.AdamW`` computes it.",
    hparams=adam_hparams(1e-2, adamw=True),
    constraints=FUSED_CONSTRAINTS + (TENSOR_LR_FOREACH,),
    build=lambda hp: build_adam(hp, decoupled=True),
    formula="""
g <- -g                            if maximize
t <- t + 1
m <- b1 m + (1 - b1) g             v <- b2 v + (1 - b2) g^2
v_max <- max(v_max, v)             if amsgrad (v_max replaces v below)
u <- (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)  +  weight_decay * x
x <- x - lr * u                    (= (1 - lr weight_decay) x - lr m_hat / (sqrt(v_hat) + eps))
""",
    reference="Loshchilov & Hutter, Decoupled Weight Decay Regularization (ICLR 2019), "
              "Algorithm 2; torch.optim.AdamW.",
)
