"""SparseAdam in the registry: torch.optim.SparseAdam is the oracle, on an embedding
table whose gradients are sparse (``F.embedding(..., sparse=True)``: each step looks up
a few rows, with repeats; two rows never)."""
from optim_cases import ADAPTIVE_SCALE, ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="sparse_adam",
    problems=("embedding",),
    sparse=True,
    lr_scale={**ADAPTIVE_SCALE, "embedding": 0.05},
    grid=(
        dict(),
        dict(betas=(0.5, 0.9), eps=1e-2),
        dict(lr=2.0, maximize=True),
    ),
    errors=(
        ErrorInput(dict(lr=0.0), ValueError, "lr"),
        ErrorInput(dict(lr=-1e-3), ValueError, "lr"),
        ErrorInput(dict(eps=0.0), ValueError, "eps"),
        ErrorInput(dict(betas=(1.0, 0.999)), ValueError, "betas"),
        ErrorInput(dict(betas=(0.9, 1.0)), ValueError, "betas"),
        # _raise_at's gradients are dense: torch's RuntimeError at the step
        ErrorInput(dict(), RuntimeError, "params", at="step", recipe=False),
    ),
)
