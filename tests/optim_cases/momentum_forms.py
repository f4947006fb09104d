"""The textbook momentum forms in the registry. torch.optim has none of them, so each
oracle below is the textbook's formula written out directly in torch (one loop, no
shared code with ours); tests/test_momentum_forms.py then shows exactly when each form
coincides with torch.optim.SGD and when it does not."""
import torch

from optim_cases import GRADIENT_SCALE, ErrorInput, OptimizerCase


class _Textbook(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0.9):
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            lr, mu = float(group["lr"]), group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("textbook momentum: no sparse gradients")
                self._update(p, p.grad, self.state[p], lr, mu)


class PolyakHeavyBall(_Textbook):
    """v <- mu v - lr g;  x <- x + v   (Polyak 1964)."""

    def _update(self, p, g, state, lr, mu):
        v = state.setdefault("velocity", torch.zeros_like(p))
        state["step"] = state.get("step", torch.tensor(0.0)) + 1
        v.copy_(mu * v - lr * g)
        p.add_(v)


class EMAHeavyBall(_Textbook):
    """m <- beta m + (1 - beta) g;  x <- x - lr m."""

    def _update(self, p, g, state, lr, mu):
        m = state.setdefault("exp_avg", torch.zeros_like(p))
        m.copy_(mu * m + (1 - mu) * g)
        p.sub_(lr * m)


class SutskeverNesterov(_Textbook):
    """v <- mu v - lr grad f(x + mu v);  x <- x + v, with p holding x + mu v (Sutskever
    et al. 2013): keeps the textbook iterate x explicitly."""

    def _update(self, p, g, state, lr, mu):
        v = state.setdefault("velocity", torch.zeros_like(p))
        state["step"] = state.get("step", torch.tensor(0.0)) + 1
        x = p - mu * v                    # the textbook iterate (p = x + mu v)
        v.copy_(mu * v - lr * g)          # g was taken at the look-ahead point p
        x = x + v
        p.copy_(x + mu * v)


def _case(name, oracle):
    return OptimizerCase(
        name=name,
        oracle=lambda: oracle,
        lr_scale=GRADIENT_SCALE,
        grid=(dict(lr=0.5), dict(lr=0.5, momentum=0.5)),
        errors=(
            ErrorInput(dict(lr=-0.1), ValueError, "lr"),
            ErrorInput(dict(momentum=1.0), ValueError, "momentum"),
            ErrorInput(dict(momentum=-0.1), ValueError, "momentum"),
        ),
    )


CASES = (
    _case("heavy_ball", PolyakHeavyBall),
    _case("heavy_ball_ema", EMAHeavyBall),
    _case("nesterov_lookahead", SutskeverNesterov),
)
