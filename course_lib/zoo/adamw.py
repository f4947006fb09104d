"""AdamW: Adam with decoupled weight decay (``torch.optim.AdamW``, default 0.01)."""
from __future__ import annotations

from ._spec import FUSED_CONSTRAINTS, TENSOR_LR_FOREACH, OptimizerSpec
from .adam import ADAM_FORMULA, adam_hparams, build_adam

SPEC = OptimizerSpec(
    name="adamw",
    class_name="AdamW",
    torch_counterpart="torch.optim.AdamW",
    summary="AdamW (Loshchilov & Hutter): Adam whose weight decay is applied after the "
            "preconditioner, exactly as ``torch.optim.AdamW`` computes it.",
    hparams=adam_hparams(1e-2, adamw=True),
    constraints=FUSED_CONSTRAINTS + (TENSOR_LR_FOREACH,),
    build=lambda hp: build_adam(hp, decoupled=True),
    formula=ADAM_FORMULA.replace("(L2, unless decoupled)", "(never: decay is decoupled)")
                        .replace("(decoupled weight decay, AdamW)", "(always)"),
    reference="Loshchilov & Hutter, Decoupled Weight Decay Regularization (ICLR 2019), "
              "Algorithm 2; torch.optim.AdamW.",
)
