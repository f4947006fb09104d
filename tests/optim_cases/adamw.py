"""AdamW in the registry: torch.optim.AdamW is the oracle."""
import torch

from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="adamw",
    grid=(
        dict(),
        dict(weight_decay=0.0, betas=(0.8, 0.99), eps=1e-3, foreach=False),
        dict(weight_decay=0.1, amsgrad=True, maximize=True),
        dict(lr=2.0, weight_decay=0.3, foreach=False),
    ),
    errors=(
        ErrorInput(dict(lr=-1e-3), ValueError, "lr"),
        ErrorInput(dict(lr=torch.tensor(1e-3), foreach=True), ValueError, "lr", recipe=False),
        ErrorInput(dict(lr=torch.tensor([1e-3, 1e-3])), ValueError, "lr", recipe=False),
        ErrorInput(dict(betas=(0.9, 1.0)), ValueError, "betas"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
        ErrorInput(dict(eps=-1.0), ValueError, "eps"),
    ),
)
