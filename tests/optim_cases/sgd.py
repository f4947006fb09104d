"""SGD in the registry: torch.optim.SGD is the oracle."""
from optim_cases import GRADIENT_SCALE, ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="sgd",
    lr_scale=GRADIENT_SCALE,
    sparse=True,
    grid=(
        dict(lr=1.0),
        dict(lr=1.0, weight_decay=0.1, foreach=False),
        dict(lr=0.5, weight_decay=0.05, maximize=True),
        dict(lr=0.5, momentum=0.9),
        dict(lr=0.5, momentum=0.9, nesterov=True, weight_decay=0.01),
        dict(lr=0.5, momentum=0.7, dampening=0.2, maximize=True, foreach=False),
        dict(lr=0.5, momentum=0.5, dampening=-0.5, fused=True),
    ),
    errors=(
        ErrorInput(dict(lr=-0.1), ValueError, "lr"),
        ErrorInput(dict(lr="0.1"), TypeError, "lr"),
        ErrorInput(dict(lr=0.1, momentum=-0.5), ValueError, "momentum"),
        ErrorInput(dict(lr=0.1, weight_decay=-1e-4), ValueError, "weight_decay"),
        ErrorInput(dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
                   "nesterov"),
        ErrorInput(dict(lr=0.1, nesterov=True), ValueError, "nesterov"),
        ErrorInput(dict(lr=0.1, fused=True, differentiable=True), RuntimeError, "fused",
                   recipe=False),
        ErrorInput(dict(lr=0.1, fused=True, foreach=True), RuntimeError, "fused",
                   recipe=False),
    ),
)
