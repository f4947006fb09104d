"""Rprop in the registry: torch.optim.Rprop is the oracle. Its lr is only the initial
step size, so a scheduler changes nothing (as in torch)."""
from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="rprop",
    lr_changes_run=False,
    grid=(
        dict(),
        dict(etas=(0.3, 1.5), step_sizes=(1e-3, 0.05), foreach=False),
        dict(lr=2.0, etas=(0.6, 1.1), maximize=True),
    ),
    errors=(
        ErrorInput(dict(lr=-0.1), ValueError, "lr"),
        ErrorInput(dict(etas=(1.2, 1.5)), ValueError, "etas"),
        ErrorInput(dict(etas=(0.5, 0.9)), ValueError, "etas"),
        ErrorInput(dict(etas=(0.0, 1.2)), ValueError, "etas"),
        ErrorInput(dict(capturable=True), AssertionError, "capturable", at="step",
                   recipe=False),
    ),
)
