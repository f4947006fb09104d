"""An explorer for chapter 05: Adam with L2 against AdamW on a 2-d quadratic whose two
coordinates have very different curvatures (so very different gradient sizes).

Adam with L2 minimizes ``f + wd/2 ||x||^2``; with a small enough lr it settles near that
function's minimizer, in closed form ``x_i = lambda_i x*_i / (lambda_i + wd)`` for
``f = 1/2 sum_i lambda_i (x_i - x*_i)^2``: the flat coordinate (small ``lambda_i``) is
pulled to 0, the steep one barely moves. AdamW's decay does not pass through the
preconditioner, so it shrinks both coordinates alike, by ``lr * wd * x_i`` per step.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_int, check_scalar
from .widgets import _Explorer

__all__ = ["DecayExplorer", "decay_explorer", "ridge_minimizer"]


def ridge_minimizer(eigs, x_star, weight_decay):
    """``argmin 1/2 sum_i eigs_i (x_i - x*_i)^2 + wd/2 ||x||^2`` = ``eigs x* / (eigs + wd)``.

    Examples
    --------
    >>> ridge_minimizer(np.array([1.0, 3.0]), np.array([1.0, 1.0]), 1.0)
    array([0.5 , 0.75])
    """
    eigs, x_star = np.asarray(eigs, dtype=float), np.asarray(x_star, dtype=float)
    wd = check_scalar(weight_decay, "weight_decay", "ridge_minimizer", low=0.0, closed="left")
    return eigs * x_star / (eigs + wd)


class DecayExplorer(_Explorer):
    """Adam+L2 and AdamW from the same start on ``f = 1/2 (l1 (x1 - 1)^2 + l2 (x2 - 1)^2)``.

    Left panel: contours of ``f``, both paths, the minimizer ``x* = (1, 1)`` and the L2
    (ridge) minimizer of ``f + wd/2 ||x||^2``. Right panel: each run's distance to the
    ridge minimizer per step. Runs are ``course_lib.optimizers.adam(lr,
    weight_decay=wd)`` and ``adamw(lr, weight_decay=wd)`` (torch's forms).

    Sliders (attributes): ``weight_decay``, ``lr`` (log scales), ``steps``.

    Parameters
    ----------
    eigs : pair of floats > 0
        Curvatures ``(l1, l2)``; default ``(10, 0.1)``.
    weight_decay, lr : float > 0
    steps : int in [10, 3000]

    Examples
    --------
    >>> ex = DecayExplorer()
    >>> ex.weight_decay.value = 0.5
    >>> bool(ex.last.l2_gap < 0.05)
    True
    """

    def __init__(self, eigs=(10.0, 0.1), weight_decay=0.5, lr=0.01, steps=1500):
        import ipywidgets as w

        from .problems import Quadratic

        owner = "DecayExplorer"
        self.eigs = np.array([check_scalar(e, "eigs", owner, low=0.0) for e in eigs])
        if self.eigs.shape != (2,):
            raise ValueError(f"The 'eigs' parameter of {owner} must hold 2 curvatures. "
                             f"Got {len(self.eigs)} instead.")
        self.x_star = np.ones(2)
        self.problem = Quadratic.from_eigenvalues(self.eigs, x_star=self.x_star)
        self.x0 = np.array([-1.0, -1.0])
        common = self._slider_style()
        self.weight_decay = w.FloatLogSlider(
            value=check_scalar(weight_decay, "weight_decay", owner, low=0.0), base=10,
            min=-3, max=1, step=0.1, readout_format=".3g", description="weight decay",
            **common)
        self.lr = w.FloatLogSlider(value=check_scalar(lr, "lr", owner, low=0.0), base=10,
                                   min=-3, max=-1, step=0.1, readout_format=".3g",
                                   description="lr", **common)
        self.steps = w.IntSlider(value=check_int(steps, "steps", owner, low=10, high=3000),
                                 min=10, max=3000, step=10, description="steps", **common)
        self._start((self.weight_decay, self.lr, self.steps), (10.0, 4.2))
        self.ax_contour, self.ax_gap = self.axes
        self.update()

    def draw(self, weight_decay=None, lr=None, steps=None):
        """Run both optimizers and draw them; returns a :class:`DecayResult`."""
        from . import plotting
        from .optimizers import adam, adamw, run
        from .plotting import _rc

        owner = "DecayExplorer.draw"
        wd = check_scalar(self.weight_decay.value if weight_decay is None else weight_decay,
                          "weight_decay", owner, low=0.0)
        lr = check_scalar(self.lr.value if lr is None else lr, "lr", owner, low=0.0)
        steps = check_int(self.steps.value if steps is None else steps, "steps", owner,
                          low=2)
        target = ridge_minimizer(self.eigs, self.x_star, wd)
        runs = {"Adam + L2": run(adam(lr, weight_decay=wd), self.problem, self.x0, steps,
                                 label="Adam + L2"),
                "AdamW": run(adamw(lr, weight_decay=wd), self.problem, self.x0, steps,
                             label="AdamW")}
        gaps = {k: np.linalg.norm(r.params - target, axis=1) for k, r in runs.items()}
        with _rc():
            self.ax_contour.clear()
            self.ax_gap.clear()
            plotting.contour(self.problem, runs, ax=self.ax_contour, title="",
                             bounds=((-1.5, 1.5), (-1.5, 1.5)))
            self.ax_contour.plot(*target, marker="*", ms=14, color="k", ls="none",
                                 label="L2 minimizer")
            self.ax_contour.legend(loc="lower right", fontsize=9)
            for i, (k, g) in enumerate(gaps.items()):
                self.ax_gap.semilogy(g, color=plotting.color(i), label=k)
            self.ax_gap.set_xlabel("step")
            self.ax_gap.set_title("distance to the L2 minimizer", fontsize=11)
            self.ax_gap.legend(fontsize=9)
        a, b = runs.values()
        self.last = DecayResult(wd, lr, target, a.x, b.x, float(gaps["Adam + L2"][-1]),
                                float(gaps["AdamW"][-1]))
        return self.last

    def _info(self, res):
        return [f"wd = {res.weight_decay:.3g}", f"lr = {res.lr:.3g}",
                f"L2 minimizer {np.round(res.target, 3)}",
                f"Adam+L2 ends at {np.round(res.x_l2, 3)}",
                f"AdamW ends at {np.round(res.x_w, 3)}"]


class DecayResult(NamedTuple):
    """What :meth:`DecayExplorer.draw` drew."""

    weight_decay: float
    lr: float
    target: np.ndarray     # the L2 (ridge) minimizer
    x_l2: np.ndarray       # Adam + L2's last iterate
    x_w: np.ndarray        # AdamW's last iterate
    l2_gap: float          # ||x_l2 - target||
    w_gap: float           # ||x_w - target||


def decay_explorer(**kwargs):
    """The explorer as a widget box (``box.explorer`` is the :class:`DecayExplorer`)."""
    return DecayExplorer(**kwargs).widget
