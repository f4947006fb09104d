"""Sharpness-aware minimisation (SAM) as a ``torch.optim.Optimizer``.

SAM (Foret et al. 2021) minimises ``max_{||e|| <= rho} L(w + e)``. With the first-order
approximation of the inner maximum, ``e(w) = rho g / ||g||`` (``g = grad L(w)``, the
global Euclidean norm over all parameters), one SAM step is::

    g   = grad L(w)                    (already in p.grad when step is called)
    e   = rho * g / ||g||
    g'  = grad L(w + e)                (the closure, evaluated at the perturbed weights)
    w  <- base_step(w, g')             (SGD, momentum, Adam, ... on g')

so it costs two forward-backward passes per step. In :func:`course_lib.training.train`
pass ``closure=True``: the loop computes ``g`` at ``w``, then calls ``step(closure)``
with a closure that recomputes the loss and gradient on the *same* minibatch, as torch's
LBFGS needs too. Imports torch.

References
----------
P. Foret, A. Kleiner, H. Mobahi, B. Neyshabur, Sharpness-aware minimization for
efficiently improving generalization, ICLR 2021 (eq. 2 and Algorithm 1).
PyTorch documentation, "torch.optim: optimizer.step(closure)".
"""
from __future__ import annotations

import torch

from ._validation import check_scalar

__all__ = ["SAM"]


class SAM(torch.optim.Optimizer):
    """SAM around a base optimizer: ``SAM(params, base=torch.optim.SGD, rho=0.05, **kw)``.

    Parameters
    ----------
    params : iterable of tensors, ``(name, tensor)`` pairs or parameter groups
    base : class of torch.optim.Optimizer
        The optimizer that takes the step with the perturbed gradient; it is built on
        the same parameter groups (a scheduler that changes ``param_groups[i]['lr']``
        changes the base step).
    rho : float >= 0
        Radius of the perturbation (``rho = 0`` is the base optimizer, at twice the
        cost).
    **base_kwargs
        Hyper-parameters of ``base`` (``lr``, ``momentum``, ...).

    Examples
    --------
    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = SAM([w], lr=0.1, rho=0.5)
    >>> def closure():
    ...     opt.zero_grad(); loss = (w ** 2).sum(); loss.backward(); return loss
    >>> _ = opt.step(closure)    # g = 2w, e = 0.5 w/||w||, w <- w - 0.1 * 2 (w + e)
    >>> [round(float(x), 6) for x in w.detach()]
    [0.755279, 1.510557]
    """

    def __init__(self, params, base=torch.optim.SGD, rho=0.05, **base_kwargs):
        rho = check_scalar(rho, "rho", "SAM", low=0.0, closed="left")
        if not (isinstance(base, type) and issubclass(base, torch.optim.Optimizer)):
            raise TypeError(f"The 'base' parameter of SAM must be a torch.optim.Optimizer "
                            f"class, e.g. torch.optim.SGD. Got {base!r} instead.")
        if "lr" not in base_kwargs and base is torch.optim.SGD:
            base_kwargs["lr"] = 1e-3
        super().__init__(params, dict(rho=rho, **base_kwargs))
        self.base = base(self.param_groups, **base_kwargs)
        self.param_groups = self.base.param_groups       # one set of groups, shared
        self.defaults.update(self.base.defaults)

    def _grad_norm(self):
        sq = [p.grad.detach().pow(2).sum() for g in self.param_groups for p in g["params"]
              if p.grad is not None]
        return torch.sqrt(torch.stack(sq).sum()) if sq else None

    @torch.no_grad()
    def step(self, closure=None):
        """One SAM step; ``closure`` re-evaluates the loss (with ``zero_grad`` and
        ``backward``) at the current weights and returns it. Returns the loss at the
        perturbed weights ``w + e``. If no gradient is present yet, the closure is called
        once first to get ``g``."""
        if closure is None:
            raise RuntimeError("SAM.step needs a closure that recomputes the loss and its "
                               "gradient (in course_lib.training.train pass closure=True).")
        if self._grad_norm() is None:
            with torch.enable_grad():
                closure()
        norm = self._grad_norm()
        if norm is None:
            raise RuntimeError("SAM.step: the closure left no gradient on any parameter.")
        perturbations = []
        for group in self.param_groups:
            scale = group["rho"] / (norm + 1e-12)
            for p in group["params"]:
                if p.grad is None:
                    continue
                e = p.grad * scale
                p.add_(e)
                perturbations.append((p, e))
        with torch.enable_grad():
            loss = closure()
        for p, e in perturbations:
            p.sub_(e)
        self.base.step()
        return loss
