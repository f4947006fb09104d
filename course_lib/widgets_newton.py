"""The Newton / GD / BFGS explorer of chapter 09 (re-exported by :mod:`course_lib.widgets`).

:class:`NewtonExplorer` starts three methods at the point set by two sliders on
Himmelblau's function (four minima, four saddles, one maximum) and draws their paths:
pure Newton (:func:`course_lib.second_order.newton`), gradient descent with a fixed step
(:func:`course_lib.optimizers.run`) and BFGS with a strong-Wolfe line search
(:func:`course_lib.second_order.bfgs`). Each endpoint is classified by the eigenvalues
of the Hessian there: pure Newton solves ``grad f = 0`` and lands on whichever critical
point is near, a saddle or the maximum included; the two descent methods only go down.

References: Nocedal & Wright, *Numerical Optimization*, 2nd ed., Sections 3.3 and 6.1;
D. M. Himmelblau, *Applied Nonlinear Programming*, 1972.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_int, check_scalar
from .widgets import _Explorer

__all__ = ["NewtonResult", "NewtonExplorer", "newton_explorer", "classify_point", "paths"]

METHODS = ("Newton", "GD", "BFGS")


def classify_point(problem, x, gtol=1e-6):
    """``"minimum"``, ``"maximum"``, ``"saddle"`` (gradient below ``gtol`` and the signs
    of the Hessian's eigenvalues), or ``"not critical"``."""
    if not np.all(np.isfinite(x)) or np.max(np.abs(problem.grad(x))) > gtol:
        return "not critical"
    ev = np.linalg.eigvalsh(problem.hessian(x))
    if np.all(ev > 0):
        return "minimum"
    if np.all(ev < 0):
        return "maximum"
    return "saddle"


def paths(problem, x0, *, lr=0.01, steps=200, newton_steps=30):
    """The three runs from ``x0``: ``{"Newton": ..., "GD": ..., "BFGS": ...}``
    (``OptimizeResult`` each)."""
    from .optimizers import gradient_descent, run
    from .second_order import bfgs, newton

    x0 = np.asarray(x0, dtype=float)
    with np.errstate(all="ignore"):
        return {"Newton": newton(problem, x0, maxiter=newton_steps, gtol=1e-10),
                "GD": run(gradient_descent(lr), problem, x0, steps, label="GD"),
                "BFGS": bfgs(problem, x0, gtol=1e-8)}


class NewtonResult(NamedTuple):
    """What :meth:`NewtonExplorer.draw` drew."""

    x0: np.ndarray
    runs: dict              # method -> OptimizeResult
    ends: dict              # method -> endpoint
    kinds: dict             # method -> classify_point of the endpoint


class NewtonExplorer(_Explorer):
    """Move the start ``(x0, y0)`` and compare pure Newton, GD and BFGS on Himmelblau.

    Sliders ``x0`` and ``y0`` (from -5 to 5, step 0.1). Left panel: the level sets, the
    three paths and the four minima; right panel: ``f`` along each path (log scale;
    ``f = 0`` at the minima). The info line names the critical point each reached.

    Parameters
    ----------
    x0, y0 : float in [-5, 5]  the first start
    lr : float > 0  gradient descent's step
    steps : int >= 1  gradient descent's steps

    Examples
    --------
    >>> ex = NewtonExplorer(x0=1.0, y0=1.0)
    >>> with ex.hold():
    ...     ex.x0.value, ex.y0.value = 0.0, 0.0
    >>> ex.last.kinds["Newton"], ex.last.kinds["BFGS"]
    ('maximum', 'minimum')
    """

    def __init__(self, x0=1.0, y0=1.0, lr=0.01, steps=200):
        import ipywidgets as w

        from .problems import Himmelblau

        owner = "NewtonExplorer"
        x0 = check_scalar(x0, "x0", owner, low=-5.0, high=5.0, closed="both")
        y0 = check_scalar(y0, "y0", owner, low=-5.0, high=5.0, closed="both")
        self.lr = check_scalar(lr, "lr", owner, low=0.0)
        self.steps = check_int(steps, "steps", owner, low=1)
        self.problem = Himmelblau()
        style = self._slider_style()
        self.x0 = w.FloatSlider(value=x0, min=-5.0, max=5.0, step=0.1, readout_format=".1f",
                                description="start x0", **style)
        self.y0 = w.FloatSlider(value=y0, min=-5.0, max=5.0, step=0.1, readout_format=".1f",
                                description="start y0", **style)
        self._start((self.x0, self.y0), (10.0, 4.4))
        self.ax_plane, self.ax_loss = self.axes
        self.update()

    def draw(self, start=None):
        """Run the three methods from ``start`` (default: the sliders) and draw."""
        from . import plotting
        from .plotting import _rc

        start = np.array([self.x0.value, self.y0.value] if start is None else start, float)
        runs = paths(self.problem, start, lr=self.lr, steps=self.steps)
        ends = {m: r.x for m, r in runs.items()}
        kinds = {m: classify_point(self.problem, x) for m, x in ends.items()}
        with _rc():
            ax, al = self.ax_plane, self.ax_loss
            ax.clear()
            al.clear()
            plotting.contour(self.problem, [runs[m].params for m in METHODS], ax=ax,
                             labels=[f"{m}: {kinds[m]}" for m in METHODS], resolution=80,
                             levels=25, title="")
            ax.set_xlim(-5, 5)
            ax.set_ylim(-5, 5)
            ax.legend(loc="lower left", fontsize=8)
            for i, m in enumerate(METHODS):
                f = np.asarray(runs[m].losses, dtype=float)
                al.semilogy(np.arange(len(f)), np.maximum(f, 1e-16), color=plotting.color(i),
                            label=m)
            al.set_xscale("symlog", linthresh=10)
            al.set_xlabel("iteration")
            al.set_ylabel("f (0 at the minima)")
            al.legend(loc="best", fontsize=8)
            self.fig.suptitle(f"start ({start[0]:.1f}, {start[1]:.1f}): Newton → "
                              f"{kinds['Newton']}, GD → {kinds['GD']}, BFGS → {kinds['BFGS']}",
                              fontsize=11)
        self.last = NewtonResult(start, runs, ends, kinds)
        return self.last

    def _info(self, res):
        return [f"{m}: ({res.ends[m][0]:.3f}, {res.ends[m][1]:.3f}) {res.kinds[m]}, "
                f"{res.runs[m].nit} steps" for m in METHODS]


def newton_explorer(**kwargs):
    """The explorer as a widget box (``box.explorer`` is the object)."""
    return NewtonExplorer(**kwargs).widget
