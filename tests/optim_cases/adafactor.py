"""Adafactor in the registry: torch.optim.Adafactor is the oracle; the MLP's weight
matrices run its factored path (``row_var``/``col_var``), its biases and the flat
problems the unfactored one.

The learning rates are small enough that no gradient entry falls to rounding level
within the 200 steps: there ``U = g / max(sqrt(V), eps1)`` is the sign of rounding
noise times the full step (measured: lr 0.01 with beta2_decay=-0.5 on the MLP, a 1e-16
difference became 3e-4 within 30 steps), which would test the problem's sensitivity,
not the implementation."""
from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="adafactor",
    lr_scale={"quadratic": 0.01, "rosenbrock": 0.005, "mlp": 0.005},
    grid=(
        dict(),
        dict(beta2_decay=-0.5, eps=(1e-3, 0.1), d=1.5, foreach=False),
        dict(weight_decay=0.5, maximize=True, lr=2.0),
    ),
    errors=(
        ErrorInput(dict(lr=-1e-2), ValueError, "lr"),
        ErrorInput(dict(beta2_decay=0.1), ValueError, "beta2_decay"),
        ErrorInput(dict(eps=(-1.0, 1e-3)), ValueError, "eps"),
        ErrorInput(dict(eps=(None, -1e-3)), ValueError, "eps"),
        ErrorInput(dict(d=0.5), ValueError, "d"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
    ),
)
