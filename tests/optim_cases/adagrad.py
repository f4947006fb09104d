"""Adagrad in the registry: torch.optim.Adagrad is the oracle."""
from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="adagrad",
    sparse=True,          # torch accepts sparse gradients (not with weight decay)
    grid=(
        dict(),
        dict(lr_decay=0.05, foreach=False),
        dict(initial_accumulator_value=0.5, weight_decay=0.1),
        dict(lr=2.0, eps=1e-2, maximize=True, foreach=False),
        dict(lr_decay=0.01, fused=True),
    ),
    errors=(
        ErrorInput(dict(lr=-0.1), ValueError, "lr"),
        ErrorInput(dict(lr_decay=-0.1), ValueError, "lr_decay"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
        ErrorInput(dict(initial_accumulator_value=-0.1), ValueError,
                   "initial_accumulator_value"),
        ErrorInput(dict(eps=-1e-10), ValueError, "eps"),
        ErrorInput(dict(fused=True, differentiable=True), RuntimeError, "fused", recipe=False),
        ErrorInput(dict(fused=True, foreach=True), RuntimeError, "fused", recipe=False),
    ),
)
