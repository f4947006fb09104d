"""RAdam in the registry: torch.optim.RAdam is the oracle. With b2 = 0.999 the first
five steps take the un-adapted branch (rho_t <= 5), the rest the rectified one."""
from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="radam",
    grid=(
        dict(),
        dict(betas=(0.8, 0.99), eps=1e-3, foreach=False),
        dict(weight_decay=0.1, maximize=True),
        dict(weight_decay=0.1, decoupled_weight_decay=True, foreach=False),
    ),
    errors=(
        ErrorInput(dict(lr=-0.1), ValueError, "lr"),
        ErrorInput(dict(eps=-1e-8), ValueError, "eps"),
        ErrorInput(dict(betas=(0.9, 1.0)), ValueError, "betas"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
        ErrorInput(dict(capturable=True), AssertionError, "capturable", at="step",
                   recipe=False),
    ),
)
