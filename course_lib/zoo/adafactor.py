"""Adafactor (Shazeer & Stern 2018) exactly as ``torch.optim.Adafactor`` (2.13) computes it.

For a parameter with two or more dimensions the second moment is *factored*: only its
row means ``row_var`` (shape ``(..., m, 1)``) and column means ``col_var`` (shape
``(..., 1, n)``) are kept, and ``V ~ row_var @ col_var / mean(row_var)``: memory
``m + n`` instead of ``m n``. A vector keeps the full ``variance``. The step size is
*relative*: ``max(eps2, RMS(x)) * min(lr, 1/sqrt(t))``, and the update is clipped to
RMS at most ``d``. There is no first moment.

torch's choices kept here (its source, ``_single_tensor_adafactor``): ``lr`` caps the
relative step and scales the decoupled weight decay; ``eps1`` (default: the machine
epsilon of the parameter's dtype) bounds the denominator of ``V`` and ``sqrt(V)`` from
below instead of being added to ``G^2``; means instead of sums.
"""
from __future__ import annotations

import math

from .. import transforms as tx
from ..transforms import Rule, Slot, from_rule
from .._validation import check_scalar
from ._ops import Fresh
from ._per_param import lerp, lr_now, norm
from ._spec import HParam, OptimizerSpec, flag, implementation_flags, lr, real


class _Adafactor(Rule):
    # torch's state: row and column means for matrices (and batches of them), the
    # full second moment for vectors
    slots = (Slot("step", scalar=True),
             Slot("row_var", shape=lambda s: (*s[:-1], 1) if len(s) > 1 else None),
             Slot("col_var", shape=lambda s: (*s[:-2], 1, s[-1]) if len(s) > 1 else None),
             Slot("variance", shape=lambda s: s if len(s) <= 1 else None))

    def __init__(self, lr, beta2_decay, eps1, eps2, d, weight_decay):
        self.lr, self.beta2_decay = lr, beta2_decay
        self.eps1, self.eps2, self.d, self.weight_decay = eps1, eps2, d, weight_decay

    def apply(self, ops, grads, state, params):
        xp = ops.xp
        steps = ops.increment_(state["step"])
        lr = lr_now(self.lr, steps[0] - 1) if steps else 0.0
        # torch takes eps1 from the first parameter's dtype for the whole group
        eps1 = self.eps1 if self.eps1 is not None else (
            xp.finfo(params[0].dtype).eps if params else 0.0)
        out = []
        for i, (g, p, t) in enumerate(zip(grads, params, steps)):
            # the order of operations is torch's, so that results round alike
            w = t ** self.beta2_decay                          # 1 - beta2_t
            n = math.prod(p.shape)
            rho = min(lr, 1.0 / t ** 0.5)
            alpha = max(self.eps2, norm(p) / n ** 0.5) * rho
            if g.ndim > 1:
                r, c = state["row_var"][i], state["col_var"][i]
                row_mean = xp.linalg.vector_norm(g, axis=-1, keepdims=True) ** 2 / g.shape[-1]
                col_mean = xp.linalg.vector_norm(g, axis=-2, keepdims=True) ** 2 / g.shape[-2]
                r[...] = lerp(r, row_mean, w)
                c[...] = lerp(c, col_mean, w)
                v = (r @ c) / xp.clip(xp.mean(r, axis=-2, keepdims=True), min=eps1)
            else:
                v = state["variance"][i]
                v[...] = lerp(v, g * g, w)
            u = (1.0 / xp.sqrt(xp.clip(v, min=eps1 * eps1))) * g
            clip = max(1.0, norm(u) / (n ** 0.5 * self.d))
            u = u * (-alpha / clip)
            if self.weight_decay != 0:
                u = u - (lr * self.weight_decay) * p           # x <- x (1 - lr wd) + u
            out.append(u)
        return Fresh(out)


def scale_by_adafactor(lr=1e-2, beta2_decay=-0.8, eps1=None, eps2=1e-3, d=1.0,
                       weight_decay=0.0):
    """Adafactor's whole update (its step size is relative, so ``lr`` enters here).

    ::

        t <- t + 1;   b = t^beta2_decay  (= 1 - beta2_t);   rho = min(lr, 1/sqrt(t))
        alpha = max(eps2, RMS(x)) * rho
        x is a matrix:  R <- lerp(R, mean_cols(G^2), b);  C <- lerp(C, mean_rows(G^2), b)
                        V = R C / max(mean(R), eps1)
        x is a vector:  V <- lerp(V, G^2, b)
        U = G / max(sqrt(V), eps1);   U <- U / max(1, RMS(U) / d)
        u = -alpha U - lr weight_decay x

    State (torch's names): ``step``, ``row_var`` and ``col_var`` (matrices), ``variance``
    (vectors).

    References
    ----------
    Shazeer & Stern, Adafactor: Adaptive Learning Rates with Sublinear Memory Cost
    (ICML 2018), Algorithms 4 and 5; torch.optim.Adafactor.
    """
    owner = "scale_by_adafactor"
    beta2_decay = check_scalar(beta2_decay, "beta2_decay", owner, high=0.0, closed="right")
    if eps1 is not None:
        eps1 = check_scalar(eps1, "eps1", owner, low=0.0, closed="left")
    eps2 = check_scalar(eps2, "eps2", owner, low=0.0, closed="left")
    d = check_scalar(d, "d", owner, low=1.0, closed="left")
    return from_rule(_Adafactor(lr, beta2_decay, eps1, float(eps2), d, weight_decay))


TRANSFORMS = (scale_by_adafactor,)


def _check_eps(value, name, owner):
    """torch's ``eps``: a pair ``(eps1 or None, eps2)`` of reals >= 0."""
    text = (f"The {name!r} parameter of {owner} must be a pair (eps1, eps2) with eps1 "
            "None or a float in [0.0, inf) and eps2 a float in [0.0, inf)")
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise (ValueError if isinstance(value, (tuple, list)) else TypeError)(
            f"{text}. Got {value!r} instead.")
    out = []
    for i, v in enumerate(value):
        if i == 0 and v is None:
            out.append(None)
            continue
        try:
            out.append(check_scalar(v, name, owner, low=0.0, closed="left"))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{text}. Got {value!r} (entry {i}) instead.") from None
    return tuple(out)


def build(hp):
    """The recipe: ``[negate] -> scale_by_adafactor``."""
    parts = [tx.negate()] if hp["maximize"] else []
    eps1, eps2 = hp["eps"]
    parts.append(scale_by_adafactor(hp["lr"], hp["beta2_decay"], eps1, eps2, hp["d"],
                                    hp["weight_decay"]))
    return parts


SPEC = OptimizerSpec(
    name="adafactor",
    class_name="Adafactor",
    torch_counterpart="torch.optim.Adafactor",
    summary="Adafactor (Shazeer & Stern), exactly as ``torch.optim.Adafactor`` computes it.",
    hparams=(
        lr(1e-2, "cap of the relative step size rho_t = min(lr, 1/sqrt(t)); also scales "
                 "the weight decay"),
        real("beta2_decay", -0.8, low=None, high=0.0, closed="right",
             doc="1 - beta2_t = t^beta2_decay"),
        HParam("eps", (None, 1e-3), "any", check=_check_eps,
               doc="(eps1, eps2): eps1 bounds sqrt(V) from below (None: the dtype's "
                   "machine epsilon); eps2 the parameter RMS in the step size"),
        real("d", 1.0, low=1.0, doc="clipping threshold on the update's RMS"),
        real("weight_decay", 0.0, doc="decoupled weight decay, scaled by lr"),
    ) + implementation_flags("foreach", keyword_only=("foreach",)) + (
        flag("maximize", keyword_only=True, doc="ascend instead of descend"),
    ),
    build=build,
    formula="""
g <- -g                                          if maximize
t <- t + 1;  b = t^beta2_decay;  rho = min(lr, 1/sqrt(t))
alpha = max(eps2, RMS(x)) * rho                  (RMS(x) = ||x|| / sqrt(numel))
matrix: R <- lerp(R, mean over columns of g^2, b);  C <- lerp(C, mean over rows of g^2, b)
        V = R C / max(mean(R), eps1)             (factored second moment)
vector: V <- lerp(V, g^2, b)
U = g / max(sqrt(V), eps1);   U <- U / max(1, RMS(U) / d)
x <- x (1 - lr weight_decay) - alpha U
""",
    reference="Shazeer & Stern, Adafactor: Adaptive Learning Rates with Sublinear Memory "
              "Cost (ICML 2018); torch.optim.Adafactor (torch/optim/_adafactor.py).",
    notes="State: ``step``, and ``row_var``/``col_var`` for parameters with two or more "
          "dimensions (the factored path) or ``variance`` for vectors, as torch keeps "
          "them. As in torch, ``eps1=None`` takes the machine epsilon of the first "
          "parameter's dtype.",
)
