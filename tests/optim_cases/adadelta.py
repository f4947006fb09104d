"""Adadelta in the registry: torch.optim.Adadelta is the oracle."""
from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="adadelta",
    # Adadelta's own units: lr = 1 is Zeiler's algorithm
    lr_scale={"quadratic": 1.0, "rosenbrock": 1.0, "mlp": 1.0},
    grid=(
        dict(),
        dict(rho=0.5, eps=1e-4, foreach=False),
        dict(weight_decay=0.1, maximize=True),
        dict(lr=0.5, rho=0.95, foreach=False),
    ),
    errors=(
        ErrorInput(dict(lr=-0.1), ValueError, "lr"),
        ErrorInput(dict(rho=1.5), ValueError, "rho"),
        ErrorInput(dict(rho=-0.1), ValueError, "rho"),
        ErrorInput(dict(eps=-1e-6), ValueError, "eps"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
        ErrorInput(dict(capturable=True), AssertionError, "capturable", at="step",
                   recipe=False),
    ),
)
