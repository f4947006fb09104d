"""Adam in the registry: torch.optim.Adam is the oracle."""
import torch

from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="adam",
    grid=(
        dict(),
        dict(betas=(0.8, 0.99), eps=1e-3, foreach=False),
        dict(weight_decay=0.1, amsgrad=True),
        dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
        dict(lr=2.0, amsgrad=True, foreach=False, maximize=True),
        dict(weight_decay=0.05, fused=True),
    ),
    errors=(
        ErrorInput(dict(lr=-1e-3), ValueError, "lr"),
        ErrorInput(dict(lr=torch.tensor(1e-3), foreach=True), ValueError, "lr", recipe=False),
        ErrorInput(dict(lr=torch.tensor([1e-3, 1e-3])), ValueError, "lr", recipe=False),
        ErrorInput(dict(eps=-1e-8), ValueError, "eps"),
        ErrorInput(dict(betas=(1.0, 0.999)), ValueError, "betas"),
        ErrorInput(dict(betas=(0.9, -0.1)), ValueError, "betas"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
        ErrorInput(dict(lr="x"), TypeError, "lr"),
        ErrorInput(dict(fused=True, differentiable=True), RuntimeError, "fused", recipe=False),
        ErrorInput(dict(fused=True, foreach=True), RuntimeError, "fused", recipe=False),
        ErrorInput(dict(capturable=True), AssertionError, "capturable", at="step",
                   recipe=False),
    ),
)
