"""Muon (Jordan et al. 2024) exactly as ``torch.optim.Muon`` (2.13) computes it.

Muon takes SGD's momentum direction and replaces it by the nearest (semi-)orthogonal
matrix, ``U V^T`` for ``B = U S V^T``, approximated by a few Newton–Schulz iterations:
every singular direction of the update gets about the same size. Only for 2-D
parameters (the weight matrices of hidden layers).

What torch 2.13's source does, whatever its docstring's formula suggests
(``torch/optim/_muon.py``):

* the momentum buffer is an exponential moving average, ``B <- lerp(B, g, 1 -
  momentum)`` (not ``B <- momentum B + g``), and Nesterov's direction is
  ``lerp(g, B, momentum)``;
* Newton–Schulz runs in **bfloat16** (8 significant bits), after dividing by the
  Frobenius norm (at least ``eps``), on the transposed matrix when it is tall; each
  iteration is ``A = X X^T;  X <- a X + (b A + c A A) X`` with torch's fused
  ``addmm`` (one rounding per iteration step);
* decoupled weight decay ``x <- x (1 - lr weight_decay)``, then the step
  ``lr * adjust`` with ``adjust = sqrt(max(1, rows/cols))`` ("original") or
  ``0.2 sqrt(max(rows, cols))`` ("match_rms_adamw").

Where the array library has bfloat16 and ``addmm`` (torch) the iteration here is
torch's, operation for operation. numpy has neither: there it runs in the update's own
dtype (float64), i.e. the exact-arithmetic Muon. ``NS_DTYPE`` names the dtype used on
torch tensors (:func:`newton_schulz_dtype` changes it within a block).
"""
from __future__ import annotations

import contextlib
import math

from ..transforms import Rule, Slot, from_rule
from .._validation import check_int, check_scalar
from ._ops import Fresh
from ._per_param import lerp
from ._spec import HParam, OptimizerSpec, flag, lr, real

#: the dtype of the Newton–Schulz iteration where the array library has it (torch's)
NS_DTYPE = "bfloat16"
#: Keller Jordan's quintic coefficients and torch's defaults
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


@contextlib.contextmanager
def newton_schulz_dtype(name):
    """Within the block, Muon's Newton–Schulz runs on torch tensors in dtype ``name``
    (``"float64"``, ``"float32"``; torch's choice and the default is ``"bfloat16"``).

    For comparisons: in float64 the torch class computes what the numpy recipe does,
    and the difference to the default shows what bfloat16 costs.

    Examples
    --------
    >>> with newton_schulz_dtype("float64"):
    ...     pass                       # opt.step() here runs Newton–Schulz in float64
    """
    global NS_DTYPE
    if name not in ("bfloat16", "float16", "float32", "float64"):
        raise ValueError("The 'name' parameter of newton_schulz_dtype must be one of "
                         f"'bfloat16', 'float16', 'float32', 'float64'. Got {name!r} instead.")
    old, NS_DTYPE = NS_DTYPE, name
    try:
        yield
    finally:
        NS_DTYPE = old


def _addmm(xp, c, a, b, beta, alpha=1.0):
    """``beta c + alpha (a @ b)``, fused (rounded once) where ``xp`` has ``addmm``."""
    fused = getattr(xp, "addmm", None)
    if fused is not None:
        return fused(c, a, b, beta=beta, alpha=alpha)
    return beta * c + alpha * (a @ b)


def newton_schulz(g, coefficients=NS_COEFFICIENTS, steps=5, eps=1e-7, dtype=None):
    """An approximately orthogonal matrix with ``g``'s singular vectors: the quintic
    Newton–Schulz iteration of Muon.

    ::

        X = g / max(||g||_F, eps)          (transposed if g is tall; in ``dtype``)
        repeat ``steps`` times:  A = X X^T;  X <- a X + (b A + c A^2) X

    Each step maps every singular value ``s`` of ``X`` to ``a s + b s^3 + c s^5`` and keeps
    the singular vectors. The default coefficients push the singular values towards 1
    without converging exactly: those of Gaussian 6x4, 8x32 and 16x8 matrices end in
    [0.6, 1.2] after 5 steps (tests/test_muon.py); a much smaller one (a square matrix's
    smallest) grows by at most ``a^5 ~ 485`` and can stay well below 1.

    Parameters
    ----------
    g : 2-D array (numpy or torch)
    dtype : dtype of the iteration; ``None``: ``g``'s own. The result has that dtype.

    References
    ----------
    Jordan et al., Muon: An optimizer for hidden layers in neural networks (2024),
    https://kellerjordan.github.io/posts/muon/ ; torch.optim._muon.
    """
    import array_api_compat
    xp = array_api_compat.array_namespace(g)
    a, b, c = coefficients
    x = g if dtype is None else xp.astype(g, dtype)
    tall = g.shape[0] > g.shape[1]
    if tall:
        x = x.T
    x = x / xp.clip(xp.linalg.vector_norm(x), min=eps)
    for _ in range(steps):
        gram = x @ x.T
        x = _addmm(xp, x, _addmm(xp, gram, gram, gram, beta=b, alpha=c), x, beta=a)
    return x.T if tall else x


def adjusted_ratio(shape, adjust_lr_fn=None):
    """Muon's factor on ``lr`` for a ``rows x cols`` matrix (torch's ``_adjust_lr``)."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return math.sqrt(max(1, rows / cols))
    return 0.2 * math.sqrt(max(rows, cols))                 # "match_rms_adamw"


class _Muon(Rule):
    slots = (Slot("momentum_buffer"),)

    def __init__(self, momentum, nesterov, coefficients, eps, ns_steps, adjust_lr_fn,
                 weight_decay):
        self.momentum, self.nesterov = momentum, nesterov
        self.coefficients, self.eps, self.ns_steps = coefficients, eps, ns_steps
        self.adjust_lr_fn, self.weight_decay = adjust_lr_fn, weight_decay

    def apply(self, ops, grads, state, params):
        xp, m = ops.xp, self.momentum
        for g in grads:
            if g.ndim != 2:
                raise ValueError(f"Muon updates 2-D parameters only; got a gradient of "
                                 f"shape {tuple(g.shape)}.")
        bufs = state["momentum_buffer"]
        ops.lerp_(bufs, grads, 1.0 - m)                      # B <- lerp(B, g, 1 - momentum)
        dtype = getattr(xp, NS_DTYPE, None)
        out = Fresh()
        for g, b, p in zip(grads, bufs, params):
            d = lerp(g, b, m) if self.nesterov else b
            o = newton_schulz(d, self.coefficients, self.ns_steps, self.eps, dtype)
            u = xp.astype(o, p.dtype) * adjusted_ratio(p.shape, self.adjust_lr_fn)
            if self.weight_decay != 0:
                u = u + self.weight_decay * p                # x <- x (1 - lr wd) - lr ...
            out.append(u)
        return out


def scale_by_muon(momentum=0.95, nesterov=True, ns_coefficients=NS_COEFFICIENTS,
                  eps=1e-7, ns_steps=5, adjust_lr_fn=None, weight_decay=0.0):
    """Muon's direction (to be scaled by ``-lr``), with its decoupled weight decay.

    ::

        B <- lerp(B, g, 1 - momentum)
        D = lerp(g, B, momentum)  if nesterov  else  B
        u = adjust(shape) * NewtonSchulz(D) + weight_decay x

    State (torch's name): ``momentum_buffer``.

    References
    ----------
    Jordan et al. (2024); Liu et al., Muon is Scalable for LLM Training (2025) for
    "match_rms_adamw"; torch.optim.Muon.
    """
    owner = "scale_by_muon"
    momentum = check_scalar(momentum, "momentum", owner, low=0.0, closed="left")
    ns_steps = check_int(ns_steps, "ns_steps", owner, high=99)
    return from_rule(_Muon(momentum, bool(nesterov), tuple(ns_coefficients), eps, ns_steps,
                           adjust_lr_fn, weight_decay))


TRANSFORMS = (scale_by_muon,)


def build(hp):
    """The recipe: ``scale_by_muon -> scale_by_learning_rate``."""
    from .. import transforms as tx
    return [scale_by_muon(hp["momentum"], hp["nesterov"], hp["ns_coefficients"], hp["eps"],
                          hp["ns_steps"], hp["adjust_lr_fn"], hp["weight_decay"]),
            tx.scale_by_learning_rate(hp["lr"])]


def _check_coefficients(value, name, owner):
    text = f"The {name!r} parameter of {owner} must be a tuple of three floats (a, b, c)"
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise (ValueError if isinstance(value, (tuple, list)) else TypeError)(
            f"{text}. Got {value!r} instead.")
    for v in value:
        check_scalar(v, name, owner)
    return tuple(value)


def _check_adjust(value, name, owner):
    if value not in (None, "original", "match_rms_adamw"):
        raise ValueError(f"The {name!r} parameter of {owner} must be None, 'original' or "
                         f"'match_rms_adamw'. Got {value!r} instead.")
    return value


def _example(torch):
    if torch:
        return """
>>> import torch
>>> from course_lib.torch_optim import Muon
>>> w = torch.zeros(3, 2, requires_grad=True)              # 2-D parameters only
>>> opt = Muon([w], lr=0.1)
>>> (w - 1).square().sum().backward()
>>> opt.step()
>>> bool((w != 0).all())                      # it moved
True
"""
    return """
>>> import numpy as np
>>> from course_lib.optimizers import muon
>>> opt = muon(lr=0.1)
>>> x = np.array([[1.0, -2.0], [0.5, 1.0]]); state = opt.init(x)
>>> u, state = opt.update(2 * x, state, x)   # gradient of ||x||^2
>>> bool(np.linalg.norm(x + u) < np.linalg.norm(x))   # towards the minimum
True
"""


def _check_param(p, owner):
    if p.ndim != 2:
        raise ValueError(
            f"The 'params' parameter of {owner} must hold 2-D tensors only (Muon is for "
            f"weight matrices; give biases and embeddings to another optimizer, e.g. "
            f"AdamW). Got a parameter of shape {tuple(p.shape)}.")


SPEC = OptimizerSpec(
    name="muon",
    class_name="Muon",
    torch_counterpart="torch.optim.Muon",
    summary="Muon: momentum orthogonalised by Newton–Schulz, exactly as "
            "``torch.optim.Muon`` computes it (2-D parameters only).",
    hparams=(
        lr(1e-3),
        real("weight_decay", 0.1, doc="decoupled weight decay: x <- x (1 - lr weight_decay)"),
        real("momentum", 0.95, doc="EMA factor of the momentum buffer"),
        flag("nesterov", True, doc="Nesterov's direction lerp(g, B, momentum)"),
        HParam("ns_coefficients", NS_COEFFICIENTS, "any", check=_check_coefficients,
               doc="(a, b, c) of the quintic Newton–Schulz step"),
        real("eps", 1e-7, low=None, closed="neither",
             doc="lower bound of the Frobenius norm the update is divided by"),
        HParam("ns_steps", 5, "int", high=99, doc="Newton–Schulz iterations (< 100)"),
        HParam("adjust_lr_fn", None, "any", check=_check_adjust,
               doc="None or 'original': lr sqrt(max(1, rows/cols)); 'match_rms_adamw': "
                   "0.2 lr sqrt(max(rows, cols))"),
    ),
    build=build,
    check_param=_check_param,
    example=_example,
    formula="""
B <- lerp(B, g, 1 - momentum)                    (= momentum B + (1 - momentum) g)
D = lerp(g, B, momentum)  if nesterov  else  B
O = NewtonSchulz(D): X = D / max(||D||_F, eps); ns_steps times X <- a X + (b A + c A^2) X,
    A = X X^T  (in bfloat16 on torch tensors, as torch; on the transpose if D is tall)
x <- x (1 - lr weight_decay) - lr adjust(rows, cols) O
""",
    reference="Jordan et al., Muon: An optimizer for hidden layers in neural networks "
              "(2024); Liu et al., Muon is Scalable for LLM Training (2025); "
              "torch.optim.Muon (torch/optim/_muon.py).",
    notes="2-D parameters only (others raise ValueError, as in torch). State: "
          "``momentum_buffer``. On torch tensors Newton–Schulz runs in bfloat16 with "
          "torch's operations (``course_lib.zoo.muon.NS_DTYPE``); the numpy recipe runs "
          "it in float64.",
)
