"""Chapter 04's explorer: Adam, RMSprop and SGD with momentum side by side on a 2-d problem.

Each run uses the course's own recipes (``course_lib.optimizers.adam``, ``rmsprop``,
``sgd``) through ``course_lib.loop.run``; the widget only sets their hyper-parameters from
the sliders and draws the result with ``course_lib.plotting``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_int, check_scalar
from .widgets import _Explorer

__all__ = ["AdaptiveExplorer", "AdaptiveResult", "default_problem"]


def default_problem():
    """``Quadratic`` with eigenvalues 0.01 and 1 rotated by 30 degrees (kappa = 100), started
    at ``(1.5, 1.0)``: ill-conditioned and not aligned with the coordinates."""
    from .problems import Quadratic

    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    R = np.array([[c, -s], [s, c]])
    return Quadratic(R @ np.diag([0.01, 1.0]) @ R.T)


class AdaptiveResult(NamedTuple):
    """What :meth:`AdaptiveExplorer.draw` drew."""

    hyper: dict            # lr, beta1, beta2, eps
    runs: dict             # {"Adam": OptimizeResult, "RMSprop": ..., "SGD-momentum": ...}
    final_gaps: dict       # f(x_T) - f* of each run


class AdaptiveExplorer(_Explorer):
    """Adam vs RMSprop vs SGD-momentum on a 2-d problem, with sliders for lr, beta1, beta2
    and eps.

    The three optimizers share the sliders: Adam ``adam(lr, betas=(beta1, beta2), eps)``,
    RMSprop ``rmsprop(lr, alpha=beta2, eps)`` (no first moment, no bias correction), SGD with
    heavy-ball momentum ``sgd(lr, momentum=beta1)`` (ignores beta2 and eps).

    Parameters
    ----------
    problem : 2-d problem, default :func:`default_problem`
    x0 : array-like (2,), default ``(1.5, 1.0)``
    lr, beta1, beta2, eps : initial slider values
    steps : int >= 1  number of steps of each run

    Attributes
    ----------
    lr, beta1, beta2, eps : sliders (``eps`` is a log slider)
    last : AdaptiveResult of the latest draw
    widget : what to display

    Examples
    --------
    >>> ex = AdaptiveExplorer(steps=50)
    >>> ex.beta2.value = 0.9
    >>> sorted(ex.last.runs)
    ['Adam', 'RMSprop', 'SGD-momentum']
    """

    def __init__(self, problem=None, x0=(1.5, 1.0), lr=0.05, beta1=0.9, beta2=0.999,
                 eps=1e-8, steps=200):
        import ipywidgets as w

        owner = "AdaptiveExplorer"
        self.problem = default_problem() if problem is None else problem
        self.x0 = np.asarray(x0, dtype=float)
        self.n_steps = check_int(steps, "steps", owner, low=1, high=5000)
        lr = check_scalar(lr, "lr", owner, low=0.0, high=1.0, closed="right")
        beta1 = check_scalar(beta1, "beta1", owner, low=0.0, high=0.999, closed="both")
        beta2 = check_scalar(beta2, "beta2", owner, low=0.0, high=0.9999, closed="both")
        eps = check_scalar(eps, "eps", owner, low=1e-12, high=1.0, closed="both")
        common = self._slider_style()
        common["layout"] = w.Layout(width="24%")
        self.lr = w.FloatLogSlider(value=lr, base=10, min=-4, max=0, step=0.05,
                                   readout_format=".3g", description="lr", **common)
        self.beta1 = w.FloatSlider(value=beta1, min=0.0, max=0.999, step=0.001,
                                   readout_format=".3f", description="β1", **common)
        self.beta2 = w.FloatSlider(value=beta2, min=0.0, max=0.9999, step=0.0001,
                                   readout_format=".4f", description="β2", **common)
        self.eps = w.FloatLogSlider(value=eps, base=10, min=-12, max=0, step=0.5,
                                    readout_format=".0e", description="ε", **common)
        self._start((self.lr, self.beta1, self.beta2, self.eps), (10.0, 4.2))
        self.ax_contour, self.ax_loss = self.axes
        self.update()

    def optimizers(self, lr, beta1, beta2, eps):
        """The three recipes for given hyper-parameters: ``{name: GradientTransformation}``."""
        from .optimizers import adam, rmsprop, sgd

        return {"Adam": adam(lr=lr, betas=(beta1, beta2), eps=eps),
                "RMSprop": rmsprop(lr=lr, alpha=beta2, eps=eps),
                "SGD-momentum": sgd(lr=lr, momentum=beta1)}

    def draw(self, lr=None, beta1=None, beta2=None, eps=None):
        """Run the three optimizers and draw them; arguments default to the sliders.

        Returns
        -------
        AdaptiveResult
        """
        from . import plotting
        from .loop import run
        from .plotting import _rc

        hyper = {"lr": self.lr.value if lr is None else lr,
                 "beta1": self.beta1.value if beta1 is None else beta1,
                 "beta2": self.beta2.value if beta2 is None else beta2,
                 "eps": self.eps.value if eps is None else eps}
        runs = {name: run(opt, self.problem, self.x0, self.n_steps, label=name)
                for name, opt in self.optimizers(**hyper).items()}
        f_min = float(getattr(self.problem, "f_min", 0.0))
        gaps = {k: float(r.losses[-1] - f_min) for k, r in runs.items()}
        with _rc():
            self.ax_contour.clear()
            self.ax_loss.clear()
            plotting.contour(self.problem, runs, ax=self.ax_contour, title="",
                             bounds=((-2.0, 2.0), (-2.0, 2.0)))
            plotting.loss_curves(runs, subtract=f_min, ax=self.ax_loss)
            self.ax_loss.set_title("loss gap", fontsize=11)
            self.fig.suptitle(", ".join(f"{k} = {v:.3g}" for k, v in hyper.items()),
                              fontsize=12)
        self.last = AdaptiveResult(hyper, runs, gaps)
        return self.last

    def _info(self, res):
        return [f"{k}: f − f* = {v:.3g}" for k, v in res.final_gaps.items()]
