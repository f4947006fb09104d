"""NAdam in the registry: torch.optim.NAdam is the oracle."""
from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="nadam",
    grid=(
        dict(),
        dict(momentum_decay=0.1, betas=(0.8, 0.99), foreach=False),
        dict(weight_decay=0.1, eps=1e-3),
        dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True, foreach=False),
    ),
    errors=(
        ErrorInput(dict(lr=-0.1), ValueError, "lr"),
        ErrorInput(dict(eps=-1e-8), ValueError, "eps"),
        ErrorInput(dict(betas=(-0.1, 0.999)), ValueError, "betas"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
        ErrorInput(dict(momentum_decay=-0.1), ValueError, "momentum_decay"),
        ErrorInput(dict(capturable=True), AssertionError, "capturable", at="step",
                   recipe=False),
    ),
)
