"""ASGD in the registry: torch.optim.ASGD is the oracle; the averaged iterate ``ax`` is
compared beside the parameters (a small ``t0`` so that it is an average, not a copy)."""
from optim_cases import GRADIENT_SCALE, ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="asgd",
    lr_scale=GRADIENT_SCALE,
    observed_state=("ax",),
    grid=(
        dict(lr=0.5, t0=20.0),
        dict(lr=0.5, lambd=0.05, alpha=0.5, t0=50.0, foreach=False),
        dict(lr=0.5, weight_decay=0.1, maximize=True, t0=0.0, lambd=0.01),
    ),
    errors=(
        ErrorInput(dict(lr=-0.1), ValueError, "lr"),
        ErrorInput(dict(weight_decay=-1e-3), ValueError, "weight_decay"),
        ErrorInput(dict(lr="0.1"), TypeError, "lr"),
        ErrorInput(dict(capturable=True), AssertionError, "capturable", at="step",
                   recipe=False),
    ),
)
