"""Muon in the registry: torch.optim.Muon is the oracle, on 2-D parameters only (a
matrix least-squares problem, and the MLP's two weight matrices as two groups).

Ours runs torch's Newton–Schulz operation for operation in bfloat16 (``addmm``), so
against torch the float64 tolerance is the usual 1e-10. numpy has no bfloat16: its
recipe runs Newton–Schulz in float64, and is compared with our torch class doing the
same (``recipe_context``). What bfloat16 changes is measured in tests/test_muon.py."""
from course_lib.zoo.muon import newton_schulz_dtype
from optim_cases import ErrorInput, OptimizerCase

CASE = OptimizerCase(
    name="muon",
    problems=("mlp_matrices", "matrix"),
    # Muon's step has the same size whatever the gradient's: near a minimum it is the
    # orthogonalised direction of rounding noise. These lrs keep the 200 steps away
    # from there (measured: lr 0.02 on "matrix" amplified 1e-16 to 4e-3 by step 200).
    lr_scale={"mlp_matrices": 0.02, "matrix": 0.01, "mlp": 0.02},
    grid=(
        dict(),
        dict(momentum=0.8, nesterov=False, weight_decay=0.0, adjust_lr_fn="match_rms_adamw"),
        dict(ns_coefficients=(1.875, -1.25, 0.375), ns_steps=3, eps=5.0, lr=2.0),
    ),
    recipe_context=lambda: newton_schulz_dtype("float64"),
    errors=(
        ErrorInput(dict(lr=-1e-3), ValueError, "lr"),
        ErrorInput(dict(momentum=-0.5), ValueError, "momentum"),
        ErrorInput(dict(weight_decay=-0.1), ValueError, "weight_decay"),
        ErrorInput(dict(adjust_lr_fn="spectral"), ValueError, "adjust_lr_fn"),
        # torch raises these at the first step; ours already in the constructor
        ErrorInput(dict(ns_steps=100), ValueError, "ns_steps", at="step"),
        ErrorInput(dict(ns_coefficients=(3.4, -4.7)), ValueError, "ns_coefficients",
                   at="step"),
        # the parameters of _raise_at are vectors: torch's own check (2-D only)
        ErrorInput(dict(), ValueError, "params", recipe=False),
    ),
)
