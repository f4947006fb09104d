"""ASGD, averaged stochastic gradient descent, exactly as ``torch.optim.ASGD`` (2.13)
computes it.

The parameters follow SGD with a decaying step ``eta_t`` and a decay of the weights by
``lambd``; beside them the optimizer keeps ``ax``, the running average of the iterates
since step ``t0`` (Polyak & Juditsky 1992): the point ASGD's theory is about, which the
parameters themselves never see. Read it from ``optimizer.state[p]["ax"]``.

torch's details kept here (``_single_tensor_asgd``): ``eta`` and ``mu`` are state
scalars in torch's scalar dtype, computed at the end of each step from the group's
*current* ``lr``; the first step uses ``eta = lr``; ``ax`` is a copy of the parameter
while ``mu = 1`` (steps up to ``t0 + 1``).
"""
from __future__ import annotations

from .. import transforms as tx
from ..transforms import Rule, Slot, from_rule
from .._validation import check_scalar
from ._ops import Fresh
from ._per_param import lr_now, set_scalar
from ._spec import flag, implementation_flags, lr, real, OptimizerSpec


class _ASGD(Rule):
    slots = (Slot("step", scalar=True), Slot("eta", init=None, scalar=True),
             Slot("mu", init=1.0, scalar=True), Slot("ax"))

    def __init__(self, lr, lambd, alpha, t0):
        self.lr, self.lambd, self.alpha, self.t0 = lr, lambd, alpha, t0

    def apply(self, ops, grads, state, params):
        xp = ops.xp
        out = Fresh()
        for i, (g, p) in enumerate(zip(grads, params)):
            step, mu, ax = state["step"][i], state["mu"][i], state["ax"][i]
            if state["eta"][i] is None:                    # torch: eta = lr at the start
                state["eta"][i] = xp.asarray(step, copy=True)
                set_scalar(state["eta"][i], lr_now(self.lr, 0))
            t = ops.increment_([step])[0]
            eta = float(state["eta"][i])
            u = (g + self.lambd * p) * -eta                # x <- x (1 - lambd eta) - eta g
            x_new = p + u                                  # what the optimizer will store
            if float(mu) != 1:
                ax += (x_new - ax) * float(mu)
            else:
                ax[...] = x_new
            lr_t = lr_now(self.lr, t - 1)
            set_scalar(state["eta"][i], lr_t / (1 + self.lambd * lr_t * t) ** self.alpha)
            set_scalar(mu, 1 / max(1, t - self.t0))
            out.append(u)
        return out


def scale_by_asgd(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6):
    """ASGD's whole update (its step ``eta_t`` is state), and the averaged iterate.

    ::

        t <- t + 1
        u = -eta (g + lambd x)                  (so x <- x (1 - lambd eta) - eta g)
        ax <- x + u  if mu = 1,  else  ax + mu (x + u - ax)
        eta <- lr / (1 + lambd lr t)^alpha;    mu <- 1 / max(1, t - t0)

    State (torch's names): ``step``, ``eta`` (``lr`` before the first step), ``mu``,
    ``ax``.

    References
    ----------
    Polyak & Juditsky, Acceleration of stochastic approximation by averaging (1992);
    Bottou, Stochastic gradient descent tricks (2012), section 5.3; torch.optim.ASGD.
    """
    owner = "scale_by_asgd"
    return from_rule(_ASGD(lr, check_scalar(lambd, "lambd", owner),
                           check_scalar(alpha, "alpha", owner), check_scalar(t0, "t0", owner)))


TRANSFORMS = (scale_by_asgd,)


def build(hp):
    """The recipe: ``[negate] -> [add_decayed_weights] -> scale_by_asgd``."""
    parts = [tx.negate()] if hp["maximize"] else []
    if hp["weight_decay"]:
        parts.append(tx.add_decayed_weights(hp["weight_decay"]))
    parts.append(scale_by_asgd(hp["lr"], hp["lambd"], hp["alpha"], hp["t0"]))
    return parts


SPEC = OptimizerSpec(
    name="asgd",
    class_name="ASGD",
    torch_counterpart="torch.optim.ASGD",
    summary="Averaged SGD (Polyak & Juditsky), exactly as ``torch.optim.ASGD`` computes it.",
    hparams=(
        lr(1e-2, "initial step size eta_1; eta_t = lr / (1 + lambd lr t)^alpha"),
        real("lambd", 1e-4, low=None, closed="neither", doc="decay term (weights and step)"),
        real("alpha", 0.75, low=None, closed="neither", doc="power of the step's decay"),
        real("t0", 1e6, low=None, closed="neither", doc="the step from which ax averages"),
        real("weight_decay", 0, doc="L2 penalty: g <- g + weight_decay x"),
    ) + implementation_flags("foreach") + (flag("maximize", doc="ascend instead of descend"),) +
    implementation_flags("differentiable", "capturable"),
    build=build,
    formula="""
g <- -g                                          if maximize
g <- g + weight_decay * x                        (L2)
t <- t + 1
x <- x (1 - lambd eta) - eta g                   (eta = lr at the first step)
ax <- x  if mu = 1,  else  ax + mu (x - ax)      (the average of the iterates since t0)
eta <- lr / (1 + lambd lr t)^alpha;   mu <- 1 / max(1, t - t0)
""",
    reference="Polyak & Juditsky, Acceleration of stochastic approximation by averaging "
              "(SIAM J. Control Optim. 1992); Bottou (2012); torch.optim.ASGD.",
    notes="State: ``step``, ``eta``, ``mu``, ``ax`` as torch keeps them (the scalars in "
          "torch's scalar dtype). The averaged iterate is ``state[p]['ax']``.",
)
