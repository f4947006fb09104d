"""RMSprop in the registry: torch.optim.RMSprop is the oracle."""
from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="rmsprop",
    grid=(
        dict(),
        dict(alpha=0.95, eps=1e-3, foreach=False),
        dict(centered=True, weight_decay=0.1),
        dict(momentum=0.9, maximize=True),
        dict(lr=0.5, momentum=0.5, centered=True, foreach=False),
    ),
    errors=(
        ErrorInput(dict(lr=-0.1), ValueError, "lr"),
        ErrorInput(dict(alpha=-0.1), ValueError, "alpha"),
        ErrorInput(dict(eps=-1e-8), ValueError, "eps"),
        ErrorInput(dict(momentum=-0.1), ValueError, "momentum"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
        ErrorInput(dict(capturable=True), AssertionError, "capturable", at="step",
                   recipe=False),
    ),
)
