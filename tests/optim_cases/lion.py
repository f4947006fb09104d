"""Lion in the registry: the ``lion-pytorch`` package (pinned in the test extra) is the
oracle, an implementation independent of torch.optim and of ours."""
from optim_cases import ErrorInput, OptimizerCase


def _lion_pytorch():
    from lion_pytorch import Lion
    return Lion


CASE = OptimizerCase(
    name="lion",
    oracle=_lion_pytorch,
    # every entry moves by lr per step: steps like Adam's
    grid=(
        dict(),
        dict(betas=(0.8, 0.95), weight_decay=0.5),
        dict(lr=0.5, weight_decay=0.5, decoupled_weight_decay=True),
    ),
    errors=(
        ErrorInput(dict(lr=-1e-4), ValueError, "lr", oracle_error=AssertionError),
        ErrorInput(dict(lr=0.0), ValueError, "lr", oracle_error=AssertionError),
        ErrorInput(dict(betas=(1.1, 0.99)), ValueError, "betas", oracle_error=AssertionError),
        ErrorInput(dict(betas=(0.9, -0.1)), ValueError, "betas", oracle_error=AssertionError),
    ),
)
