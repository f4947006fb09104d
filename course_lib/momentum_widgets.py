"""The momentum explorer (chapter 03), in the spirit of Goh's *Why Momentum Really Works*
(Distill 2017): heavy ball on a 2-D quadratic with sliders for lr and momentum.

Left: contours and the trajectory of ``sgd(lr, momentum)`` (torch's form); right: the
error along each eigenvector, ``|e_t|`` from the 2x2 recurrence of
:mod:`course_lib.momentum_theory`, with ``rho^t``. The title gives the verdict computed
from the spectrum (:func:`course_lib.momentum_theory.classify`); ``last.run_ratio`` is
what the run itself did, so the two can be compared.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_int, check_scalar
from .widgets import _STATUS_COLORS, _Explorer

__all__ = ["MomentumExplorer", "MomentumResult", "momentum_explorer"]


class MomentumResult(NamedTuple):
    """What :meth:`MomentumExplorer.draw` drew."""

    problem: object        # the Quadratic
    lr: float
    momentum: float
    trajectory: object     # OptimizeResult of the heavy-ball run
    curves: np.ndarray     # (steps + 1, 2) per-eigenvalue errors from the recurrence
    status: str            # momentum_theory.classify's verdict
    rho: float             # spectral radius of the iteration
    run_ratio: float       # ||x_T - x*|| / ||x_0 - x*|| of the run (inf if it diverged)


class MomentumExplorer(_Explorer):
    """Heavy ball on ``Quadratic.from_condition_number(kappa, dim=2, L=L, rotation=rotation)``.

    Sliders: ``lr_factor`` (``lr = lr_factor / L``, 0.05 to 4), ``momentum`` (0 to 1)
    and ``steps``. See the module docstring for the panels.

    Examples
    --------
    >>> ex = MomentumExplorer()
    >>> ex.momentum.value = 1.0          # no friction
    >>> ex.last.status
    'oscillates'
    """

    def __init__(self, L=1.0, kappa=50.0, lr_factor=1.0, momentum=0.5, steps=80,
                 rotation=0):
        import ipywidgets as w

        from .problems import Quadratic

        owner = "MomentumExplorer"
        self.L = check_scalar(L, "L", owner, low=0.0)
        kappa = check_scalar(kappa, "kappa", owner, low=1.0, closed="left")
        lr_factor = check_scalar(lr_factor, "lr_factor", owner, low=0.0, high=4.0,
                                 closed="right")
        momentum = check_scalar(momentum, "momentum", owner, low=0.0, high=1.0,
                                closed="both")
        steps = check_int(steps, "steps", owner, low=1, high=1000)
        self.q = Quadratic.from_condition_number(kappa, dim=2, L=self.L, rotation=rotation)
        common = self._slider_style()
        self.lr_factor = w.FloatSlider(value=lr_factor, min=0.05, max=4.0, step=0.01,
                                       readout_format=".2f", description="lr × L", **common)
        self.momentum = w.FloatSlider(value=momentum, min=0.0, max=1.0, step=0.01,
                                      readout_format=".2f", description="momentum", **common)
        self.steps = w.IntSlider(value=steps, min=1, max=1000, description="steps", **common)
        self._start((self.lr_factor, self.momentum, self.steps), (10.0, 4.2))
        self.ax_contour, self.ax_err = self.axes
        self.update()

    def draw(self, lr=None, momentum=None, steps=None):
        """Run heavy ball, draw both panels, return a :class:`MomentumResult`."""
        from . import momentum_theory as mt
        from . import plotting
        from .loop import run
        from .optimizers import sgd
        from .plotting import _rc

        owner = "MomentumExplorer.draw"
        q = self.q
        lr = check_scalar(self.lr_factor.value / self.L if lr is None else lr, "lr", owner,
                          low=0.0)
        mom = check_scalar(self.momentum.value if momentum is None else momentum,
                           "momentum", owner, low=0.0, high=1.0, closed="both")
        steps = check_int(self.steps.value if steps is None else steps, "steps", owner,
                          low=1)
        traj = run(sgd(lr, momentum=mom), q, q.x0, steps, label="heavy ball")
        lam, V = np.linalg.eigh(q.A)
        e0 = V.T @ (q.x0 - q.x_star)
        curves = mt.error_curves(lam, lr, mom, e0, steps)
        status, rho = mt.classify(lam, lr, mom)
        err = np.linalg.norm(traj.params - q.x_star, axis=1)
        ratio = float(err[-1] / err[0]) if not traj.diverged else float("inf")
        with _rc():
            self.ax_contour.clear()
            self.ax_err.clear()
            plotting.contour(q, {"heavy ball": traj}, ax=self.ax_contour, title="")
            t = np.arange(steps + 1)
            with np.errstate(over="ignore", divide="ignore"):
                for i, name in enumerate(("μ (flat)", "L (steep)")):
                    self.ax_err.semilogy(t, np.abs(curves[:, i]), color=plotting.color(i),
                                         label=f"|error| along λ = {lam[i]:.3g} ({name})")
                self.ax_err.semilogy(t, np.max(np.abs(e0)) * rho ** t, ls="--",
                                     color="#555555", label=r"$\rho^t$")
            self.ax_err.set_ylim(1e-12, 1e6)
            self.ax_err.set_xlabel("step")
            self.ax_err.legend(loc="best", fontsize=8)
            self.ax_contour.set_title(f"κ = {q.kappa:.3g}", fontsize=11)
            self.fig.suptitle(f"lr = {lr:.3g}, momentum = {mom:.2f}: {status}, "
                              f"ρ = {rho:.4f}",
                              color=_STATUS_COLORS.get(status, "#1B7837"), fontsize=12.5)
        self.last = MomentumResult(q, lr, mom, traj, curves, status, rho, ratio)
        return self.last

    def _info(self, res):
        from . import momentum_theory as mt

        lr_opt, m_opt, r_opt = mt.optimal_heavy_ball(res.problem.mu, res.problem.L)
        return [f"lr = {res.lr:.4g}", f"momentum = {res.momentum:.2f}", f"ρ = {res.rho:.4f}",
                f"optimum: lr = {lr_opt:.4g}, momentum = {m_opt:.3f}, ρ = {r_opt:.4f}",
                f"run: ‖x_T − x*‖/‖x_0 − x*‖ = {res.run_ratio:.3g}", f"<b>{res.status}</b>"]


def momentum_explorer(**kwargs):
    """The momentum explorer as a widget box (``box.explorer`` is the object)."""
    return MomentumExplorer(**kwargs).widget
