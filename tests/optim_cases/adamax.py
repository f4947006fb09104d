"""Adamax in the registry: torch.optim.Adamax is the oracle."""
from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="adamax",
    grid=(
        dict(),
        dict(betas=(0.8, 0.99), eps=1e-3, foreach=False),
        dict(weight_decay=0.1, maximize=True),
    ),
    errors=(
        ErrorInput(dict(lr=-0.1), ValueError, "lr"),
        ErrorInput(dict(eps=-1e-8), ValueError, "eps"),
        ErrorInput(dict(betas=(1.0, 0.999)), ValueError, "betas"),
        ErrorInput(dict(betas=(0.9, 1.5)), ValueError, "betas"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
        ErrorInput(dict(capturable=True), AssertionError, "capturable", at="step",
                   recipe=False),
    ),
)
