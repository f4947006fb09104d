"""``torch.optim.LBFGS`` on the course's own L-BFGS pieces (imports torch).

The class keeps torch's interface and its outer loop (closure, ``max_iter`` inner
iterations per ``step``, ``max_eval``, ``tolerance_grad``, ``tolerance_change``,
``history_size``, ``line_search_fn=None`` or ``"strong_wolfe"``), and computes the
direction with :func:`course_lib.second_order.two_loop` and the step with
:func:`course_lib.second_order.strong_wolfe`, in float64 numpy. Exposed as
:class:`course_lib.torch_optim.LBFGS`.

References
----------
``torch/optim/lbfgs.py`` (torch 2.13); Nocedal & Wright Algorithm 7.5; M. Schmidt,
minFunc (2005).
"""
from __future__ import annotations

import numpy as np
import torch

from .._validation import check_int
from ..zoo._spec import HParam
from .quasi_newton import two_loop
from .wolfe import strong_wolfe

__all__ = ["LBFGS", "HPARAMS"]


def _max_eval(value, name, owner):
    return None if value is None else check_int(value, name, owner, low=1)


def _line_search(value, name, owner):
    if value not in (None, "strong_wolfe"):
        raise ValueError(f"The {name!r} parameter of {owner} must be None or "
                         f"'strong_wolfe'. Got {value!r} instead.")
    return value


#: torch.optim.LBFGS's hyper-parameters in its signature order, declared as the zoo
#: declares its optimizers' (a closure-based optimizer has no transform recipe, so it
#: is not a zoo spec; these declarations check the arguments).
HPARAMS = (
    HParam("lr", 1, "lr", low=0.0, closed="left", doc="step length (fixed step, or the "
           "line search's first trial)"),
    HParam("max_iter", 20, "int", low=1, doc="iterations per step()"),
    HParam("max_eval", None, "any", check=_max_eval,
           doc="evaluations per step() (default max_iter * 5 // 4)"),
    HParam("tolerance_grad", 1e-7, low=0.0, closed="left", doc="stop at max|g| <= this"),
    HParam("tolerance_change", 1e-9, low=0.0, closed="left",
           doc="stop when a step or the loss change is below this"),
    HParam("history_size", 100, "int", low=1, doc="curvature pairs kept"),
    HParam("line_search_fn", None, "any", check=_line_search, doc="None or 'strong_wolfe'"),
)


class LBFGS(torch.optim.Optimizer):
    """L-BFGS with ``torch.optim.LBFGS``'s arguments and closure API.

    One ``step(closure)`` runs up to ``max_iter`` iterations::

        d = -g (first iteration ever), else two_loop(g, last history_size pairs)
            (a pair (s, y) is stored only if y.s > 1e-10; gamma = s.y / y.y)
        t = min(1, 1 / ||g||_1) * lr on the first iteration ever, else lr
        line_search_fn="strong_wolfe": t from strong_wolfe (c1=1e-4, c2=0.9,
            at most max_eval - evaluations so far); None: x <- x + t d, fixed step
        stop when max|g| <= tolerance_grad, max|t d| <= tolerance_change,
            |f - f_prev| < tolerance_change, g.d > -tolerance_change, or the
            iteration / evaluation budget is used.

    Parameters
    ----------
    params : iterable of tensors (one group only, as in torch)
    lr : float >= 0, default 1
    max_iter : int >= 1, default 20
    max_eval : int >= 1, default ``max_iter * 5 // 4``
    tolerance_grad : float >= 0, default 1e-7
    tolerance_change : float >= 0, default 1e-9
    history_size : int >= 1, default 100
    line_search_fn : None or "strong_wolfe"

    Differences from torch: the math runs in float64 (a float32 model gets float64
    steps rounded into its parameters); dense real parameters only; the state holds
    numpy arrays.

    Examples
    --------
    >>> w = torch.tensor([3.0, -1.0], dtype=torch.float64, requires_grad=True)
    >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad(); loss = ((w - 1.0) ** 2).sum(); loss.backward(); return loss
    >>> _ = opt.step(closure)
    >>> np.allclose(w.detach().numpy(), 1.0)
    True
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        owner = "torch_optim.LBFGS"
        given = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                     tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                     history_size=history_size, line_search_fn=line_search_fn)
        hp = {h.name: h.validate(given[h.name], owner, torch=True) for h in HPARAMS}
        if hp["max_eval"] is None:
            hp["max_eval"] = hp["max_iter"] * 5 // 4
        super().__init__(params, hp)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter "
                             "groups): pass one iterable of tensors.")
        self._params = self.param_groups[0]["params"]

    # ----------------------------------------------------------- flat views (float64)
    def _flat_grad(self):
        return np.concatenate([
            np.zeros(p.numel()) if p.grad is None
            else p.grad.detach().to("cpu", torch.float64).reshape(-1).numpy()
            for p in self._params])

    def _flat_params(self):
        return np.concatenate([p.detach().to("cpu", torch.float64).reshape(-1).numpy()
                               for p in self._params])

    def _set_flat(self, flat):
        offset = 0
        for p in self._params:
            n = p.numel()
            p.copy_(torch.as_tensor(flat[offset:offset + n]).view_as(p))
            offset += n

    def _evaluate(self, closure):
        with torch.enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    @torch.no_grad()
    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` clears the gradients,
        computes the loss, calls ``backward()`` and returns the loss. Returns the loss
        at the start of the step (as torch does)."""
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss, g = self._evaluate(closure)
        evals = 1
        state["func_evals"] += 1
        if np.max(np.abs(g)) <= tol_grad:
            return orig_loss
        S, Y = state.get("old_stps", []), state.get("old_dirs", [])
        d, t = state.get("d"), state.get("t")
        prev_g, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                S, Y = [], []
            else:
                y, s = g - prev_g, d * t
                if float(y @ s) > 1e-10:
                    if len(S) == history_size:
                        S.pop(0); Y.pop(0)
                    S.append(s); Y.append(y)
                d = two_loop(g, S, Y)
            prev_g, prev_loss = g.copy(), loss
            t = (min(1.0, 1.0 / float(np.sum(np.abs(g)))) * lr if state["n_iter"] == 1
                 else lr)
            gtd = float(g @ d)
            if gtd > -tol_change:
                break
            ls_evals = 0
            x = self._flat_params()
            if group["line_search_fn"] == "strong_wolfe":
                def obj(step, x=x, d=d):
                    self._set_flat(x + step * d)
                    _, f_t, g_t = self._evaluate(closure)
                    self._set_flat(x)
                    return f_t, g_t
                ls = strong_wolfe(obj, d, loss, g, t, max_ls=max(max_eval - evals, 1))
                loss, g, t, ls_evals = ls.fval, ls.grad, ls.step, ls.nfev
                self._set_flat(x + t * d)
                opt_cond = np.max(np.abs(g)) <= tol_grad
            else:
                self._set_flat(x + t * d)
                opt_cond = False
                if n_iter != max_iter:
                    _, loss, g = self._evaluate(closure)
                    opt_cond = np.max(np.abs(g)) <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if (n_iter == max_iter or evals >= max_eval or opt_cond
                    or np.max(np.abs(d * t)) <= tol_change
                    or abs(loss - prev_loss) < tol_change):
                break
        state.update(d=d, t=t, old_stps=S, old_dirs=Y, prev_flat_grad=prev_g,
                     prev_loss=prev_loss)
        return orig_loss
