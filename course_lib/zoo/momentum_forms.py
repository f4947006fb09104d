"""Textbook forms of momentum that torch.optim does not have, beside its SGD's form.

torch.optim.SGD keeps ``b <- momentum b + g`` and steps ``x <- x - lr b``: the learning
rate multiplies the whole buffer at every step. The textbooks write momentum three
other ways, each here as an optimizer of its own:

* ``heavy_ball``, Polyak's classical form: ``v <- momentum v - lr g;  x <- x + v``. The
  learning rate is *inside* the velocity: each gradient keeps the lr of the step it was
  taken at. With a constant lr, ``v = -lr b`` and the two forms give the same iterates;
  once lr changes (a scheduler) they differ.
* ``heavy_ball_ema``, the moving-average form: ``m <- beta m + (1 - beta) g;  x <- x -
  lr m``. Since ``m = (1 - beta) b``, it is torch's SGD with ``momentum=beta`` and lr
  scaled by ``1 - beta``, for every lr schedule. It is *not* torch's
  ``SGD(momentum=beta, dampening=beta)``: torch's first buffer is ``g_1`` undamped, so
  its buffer exceeds ``m_t`` by ``beta^t g_1``.
* ``nesterov_lookahead``, Sutskever et al.'s form of Nesterov's method: ``v <- momentum
  v - lr grad f(x + momentum v);  x <- x + v``. The gradient is taken at the look-ahead
  point ``y = x + momentum v``, so the parameters held (where the loop evaluates the
  gradient) are ``y``; ``x = y - momentum v`` is recovered from the state. In ``y`` the
  update is ``y <- y - lr g + momentum v_new``, torch's ``nesterov=True`` with a
  constant lr; with a changing lr the two differ.
"""
from __future__ import annotations

from .. import transforms as tx
from ..transforms import Rule, Slot, from_rule
from .._validation import check_scalar
from ._per_param import lr_now
from ._spec import OptimizerSpec, lr, real


class _HeavyBall(Rule):
    slots = (Slot("step", scalar=True), Slot("velocity"))

    def __init__(self, lr, momentum, lookahead):
        self.lr, self.momentum, self.lookahead = lr, momentum, lookahead

    def apply(self, ops, grads, state, params):
        t = ops.increment_(state["step"])
        lr = lr_now(self.lr, t[0] - 1) if t else 0.0
        v, mu = state["velocity"], self.momentum
        old = ops.copy(v) if self.lookahead else None
        ops.mul_(v, mu)
        ops.add_(v, grads, alpha=-lr)                      # v <- mu v - lr g
        if not self.lookahead:
            return v                                       # x <- x + v
        # y = x + mu v  ->  y_new - y = v_new + mu (v_new - v)
        u = ops.mul(v, 1.0 + mu)
        ops.add_(u, old, alpha=-mu)
        return u


def heavy_ball_velocity(lr, momentum=0.9):
    """Polyak's velocity ``v <- momentum v - lr g``; the update is ``v`` itself.

    State: ``step``, ``velocity``. References: Polyak, Some methods of speeding up the
    convergence of iteration methods (1964).
    """
    momentum = check_scalar(momentum, "momentum", "heavy_ball_velocity", low=0.0,
                            high=1.0, closed="left")
    return from_rule(_HeavyBall(lr, momentum, lookahead=False))


def nesterov_lookahead_velocity(lr, momentum=0.9):
    """Sutskever et al.'s Nesterov velocity, for parameters held at the look-ahead point
    ``y = x + momentum v``: ``v_new = momentum v - lr g(y)``, update ``v_new + momentum
    (v_new - v)``. State: ``step``, ``velocity``.

    References: Sutskever, Martens, Dahl & Hinton, On the importance of initialization
    and momentum in deep learning (ICML 2013), eq. (3)-(4).
    """
    momentum = check_scalar(momentum, "momentum", "nesterov_lookahead_velocity", low=0.0,
                            high=1.0, closed="left")
    return from_rule(_HeavyBall(lr, momentum, lookahead=True))


class _EMA(Rule):
    slots = (Slot("exp_avg"),)

    def __init__(self, beta):
        self.beta = beta

    def apply(self, ops, grads, state, params):
        m = state["exp_avg"]
        ops.mul_(m, self.beta)
        ops.add_(m, grads, alpha=1.0 - self.beta)          # m <- beta m + (1 - beta) g
        return m


def ema_of_gradients(beta=0.9):
    """``m <- beta m + (1 - beta) g`` (starting from 0); the update is ``m``.

    State: ``exp_avg``.
    """
    beta = check_scalar(beta, "beta", "ema_of_gradients", low=0.0, high=1.0, closed="left")
    return from_rule(_EMA(beta))


TRANSFORMS = (heavy_ball_velocity, nesterov_lookahead_velocity, ema_of_gradients)

def _spec(name, class_name, summary, momentum_doc, build, formula, reference, state):
    """One textbook form: ``lr`` and ``momentum`` are its only hyper-parameters."""
    return OptimizerSpec(
        name=name, class_name=class_name, torch_counterpart=None, summary=summary,
        hparams=(lr(1e-3), real("momentum", 0.9, high=1.0, doc=momentum_doc)),
        build=build, formula=formula, reference=reference,
        notes=f"State: {state}. No torch counterpart; tests/test_momentum_forms.py "
              "compares it with torch.optim.SGD where the two coincide.")


SPECS = (
    _spec("heavy_ball", "HeavyBall",
          "Polyak's heavy ball in the classical form: the learning rate inside the velocity.",
          "the velocity's decay factor mu",
          lambda hp: [heavy_ball_velocity(hp["lr"], hp["momentum"])],
          """
v <- momentum v - lr g          (v = 0 at the start)
x <- x + v
= torch.optim.SGD(lr, momentum) while lr is constant (then v = -lr b); not once lr changes
""",
          "Polyak, Some methods of speeding up the convergence of iteration methods (USSR "
          "Comput. Math. Math. Phys. 1964); Goh, Why Momentum Really Works (Distill 2017).",
          "``step``, ``velocity``"),
    _spec("heavy_ball_ema", "HeavyBallEMA",
          "Heavy ball in the moving-average form: x <- x - lr m, m the EMA of the gradients.",
          "the EMA factor beta",
          lambda hp: [ema_of_gradients(hp["momentum"]), tx.scale_by_learning_rate(hp["lr"])],
          """
m <- momentum m + (1 - momentum) g      (m = 0 at the start)
x <- x - lr m
= torch.optim.SGD(lr (1 - momentum), momentum) for every lr schedule
""",
          "Goh, Why Momentum Really Works (Distill 2017); Kingma & Ba (2015) for the moving "
          "average (Adam's first moment without bias correction).",
          "``exp_avg``"),
    _spec("nesterov_lookahead", "NesterovLookahead",
          "Nesterov momentum in the look-ahead form (Sutskever et al. 2013); the parameters "
          "are the look-ahead points.",
          "the velocity's decay factor mu",
          lambda hp: [nesterov_lookahead_velocity(hp["lr"], hp["momentum"])],
          """
v <- momentum v - lr grad f(x + momentum v);   x <- x + v      (v = 0 at the start)
held parameters y = x + momentum v (where the gradient is taken):
y <- y - lr g(y) + momentum v_new;   x = y - momentum v
= torch.optim.SGD(lr, momentum, nesterov=True) while lr is constant; not once lr changes
""",
          "Nesterov (1983); Sutskever, Martens, Dahl & Hinton, On the importance of "
          "initialization and momentum in deep learning (ICML 2013), eq. 3-4.",
          "``step``, ``velocity`` (the textbook iterate is ``p - momentum * "
          "state[p]['velocity']``)"),
)
