"""The update-to-weight ratio, on numpy arrays or torch tensors (no torch import).

``r = ||w_{t+1} - w_t||_F / ||w_t||_F`` per parameter tensor and for all tensors
together; :mod:`course_lib.diagnostics` re-exports it and judges its history
(``check_update_ratios``), :mod:`course_lib.training_bugs` records it at every step.
Kept out of ``diagnostics`` so that the grader of ``ex11_update_ratio`` needs no torch.

References
----------
CS231n notes, "Neural Networks Part 3: Learning and Evaluation", ratio of weights:updates
(about 1e-3 as a rule of thumb).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["update_ratios"]


def _arrays(named):
    """``{name: float64 ndarray}`` from a module, a dict or ``(name, tensor)`` pairs."""
    if hasattr(named, "named_parameters"):
        named = named.named_parameters()
    items = named.items() if isinstance(named, dict) else named
    out = {}
    for name, t in items:
        if hasattr(t, "detach"):                       # a torch tensor, without importing torch
            t = t.detach().cpu().double().numpy()
        out[name] = np.asarray(t, dtype=np.float64)
    return out


def update_ratios(before, after):
    """Update-to-weight ratio ``||w_{t+1} - w_t||_F / ||w_t||_F`` per tensor and overall.

    ``before`` and ``after`` are the weights before and after one optimizer step: a
    torch module, a ``{name: tensor or array}`` dict or a list of ``(name, tensor)``
    pairs with the same names and shapes. Norms are Frobenius (all entries of a tensor,
    in float64); the overall ratio is ``sqrt(sum ||dw||^2) / sqrt(sum ||w||^2)`` over all
    tensors. A healthy step changes the weights by about 1e-3 of their size (CS231n).

    Returns
    -------
    dict ``{name: ratio, ..., "__all__": overall}`` of floats (``inf`` where
    ``||w_t|| = 0`` and the tensor moved, ``0.0`` where neither).

    Examples
    --------
    >>> r = update_ratios({"w": np.array([3.0, 4.0])}, {"w": np.array([3.0, 4.05])})
    >>> round(r["w"], 6), round(r["__all__"], 6)
    (0.01, 0.01)
    """
    owner = "update_ratios"
    b, a = _arrays(before), _arrays(after)
    if list(b) != list(a):
        raise ValueError(f"The 'before' and 'after' parameters of {owner} must name the "
                         f"same tensors. Got {list(b)} and {list(a)} instead.")
    out, d2, w2 = {}, 0.0, 0.0
    for name in b:
        wb, wa = b[name], a[name]
        if wb.shape != wa.shape:
            raise ValueError(f"The 'before' and 'after' parameters of {owner} must have "
                             f"the same shape for {name!r}. Got {wb.shape} and "
                             f"{wa.shape} instead.")
        dn, wn = float(np.sum((wa - wb) ** 2)), float(np.sum(wb ** 2))
        out[name] = _ratio(dn, wn)
        d2, w2 = d2 + dn, w2 + wn
    out["__all__"] = _ratio(d2, w2)
    return out


def _ratio(d2, w2):
    if w2 == 0.0:
        return 0.0 if d2 == 0.0 else math.inf
    return math.sqrt(d2) / math.sqrt(w2)
