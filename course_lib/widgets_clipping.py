"""The clipping explorer (chapter 07): the threshold of global-norm clipping against a
loss whose gradient spikes.

A noisy least-squares problem (:class:`course_lib.problems.LinearRegression`) is trained
by SGD on minibatches of 10 (so the gradient norm does not vanish at the minimum); at
every ``period``-th step the gradient is multiplied by ``spike``
(a corrupted batch, injected by :func:`course_lib.stability.guarded_run`). The clipped
run is ``chain(clip_by_global_norm_transform(threshold), sgd(lr))``; the unclipped run
is plain SGD. A threshold above every spike changes nothing; one just above the typical
gradient norm cuts the spikes and leaves the other steps alone; one far below it clips
every step, so SGD crawls with steps of length ``lr * threshold``.

Driven without a browser: set ``explorer.threshold.value`` and read ``explorer.last``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_int, check_scalar
from .widgets import _Explorer

__all__ = ["ClippingExplorer", "ClippingResult", "clipping_explorer"]


class ClippingResult(NamedTuple):
    """What :meth:`ClippingExplorer.draw` drew."""

    clipped: object        # OptimizeResult of the clipped run
    unclipped: object      # OptimizeResult of plain SGD
    threshold: float
    clipped_fraction: float   # fraction of steps whose gradient norm exceeded threshold
    final_gap: float          # mean of f(x_t) - f* over the last third, clipped run
    final_gap_unclipped: float  # the same for the unclipped run
    worst_jump: float         # max_t f(x_{t+1}) / f(x_t) of the clipped run


class ClippingExplorer(_Explorer):
    """Global-norm clipping threshold vs a spiky loss.

    Sliders: ``threshold`` (log scale, first: the control to try) and ``spike`` (the
    factor on the gradient at the spiky steps). Left panel: ``f(x_t) - f*`` of both
    runs; right panel: the gradient norm the optimizer received at each step, and the
    threshold.

    Parameters
    ----------
    steps : int >= 10
    lr : float > 0  SGD's learning rate (below 2 / L of the problem)
    period : int >= 2  a spike every ``period`` steps (first at step ``period - 1``)
    threshold, spike : float > 0  initial slider values

    Examples
    --------
    >>> ex = ClippingExplorer(steps=60)
    >>> ex.threshold.value = 1e3            # above every spike: clipping is a no-op
    >>> bool(np.allclose(ex.last.clipped.losses, ex.last.unclipped.losses))
    True
    """

    def __init__(self, steps=150, lr=0.5, period=15, threshold=1.0, spike=30.0):
        import ipywidgets as w

        from .problems import LinearRegression

        owner = "ClippingExplorer"
        self.steps = check_int(steps, "steps", owner, low=10)
        self.lr = check_scalar(lr, "lr", owner, low=0.0)
        self.period = check_int(period, "period", owner, low=2)
        self.problem = LinearRegression(n_samples=200, n_features=5, noise=1.0, seed=0)
        self.x0 = np.zeros(5)
        common = self._slider_style()
        common["layout"] = w.Layout(width="45%")
        self.threshold = w.FloatLogSlider(
            value=check_scalar(threshold, "threshold", owner, low=0.0), base=10, min=-2,
            max=3, step=0.25, description="clip threshold", **common)
        self.spike = w.FloatLogSlider(value=check_scalar(spike, "spike", owner, low=1.0,
                                                         closed="left"),
                                      base=10, min=0, max=3, step=0.25,
                                      description="spike factor", **common)
        self._start((self.threshold, self.spike), (10.0, 3.8))
        self.ax_loss, self.ax_norm = self.axes
        self.update()

    def spikes(self, spike=None):
        """``{step: factor}`` of the spiky steps."""
        spike = self.spike.value if spike is None else spike
        return {t: float(spike) for t in range(self.period - 1, self.steps, self.period)}

    def draw(self, threshold=None, spike=None):
        """Run both and draw them; arguments default to the sliders' values."""
        from . import plotting
        from . import transforms as tx
        from .clipping import clip_by_global_norm_transform
        from .optimizers import sgd
        from .plotting import _rc
        from .stability import guarded_run

        c = self.threshold.value if threshold is None else threshold
        spikes = self.spikes(spike)
        p, f_min = self.problem, self.problem.f_min
        runs = {"unclipped": guarded_run(sgd(lr=self.lr), p, self.x0, self.steps,
                                         spikes=spikes, batch_size=10, seed=1,
                                         label="unclipped"),
                f"clipped at {c:.3g}": guarded_run(
                    tx.chain(clip_by_global_norm_transform(c), sgd(lr=self.lr)), p,
                    self.x0, self.steps, spikes=spikes, batch_size=10, seed=1,
                    label="clipped")}
        plain, clipped = runs.values()
        seen = clipped.spiked_grad_norms
        with np.errstate(divide="ignore"):
            jumps = clipped.losses[1:] / clipped.losses[:-1]
        res = ClippingResult(clipped, plain, float(c), float(np.mean(seen > c)),
                             self._late_gap(clipped), self._late_gap(plain),
                             float(np.max(jumps)))
        with _rc():
            self.ax_loss.clear()
            self.ax_norm.clear()
            plotting.loss_curves(runs, ax=self.ax_loss, subtract=f_min)
            t = np.arange(len(seen))
            self.ax_norm.semilogy(t, plain.spiked_grad_norms, color=plotting.color(0),
                                  lw=1, label="unclipped")
            self.ax_norm.semilogy(t, seen, color=plotting.color(1), lw=1.5,
                                  label="clipped run")
            self.ax_norm.axhline(c, color="0.3", ls="--", lw=1, label="threshold")
            self.ax_norm.set_xlabel("step")
            self.ax_norm.set_ylabel(r"$\|g_t\|$ before clipping")
            self.ax_norm.legend(fontsize=9)
            factor = self.spike.value if spike is None else spike
            self.fig.suptitle(f"SGD lr={self.lr:g}, gradient x{factor:.3g} every "
                              f"{self.period} steps, clip threshold {c:.3g}", fontsize=12.5)
        self.last = res
        return res

    def _late_gap(self, run):
        """Mean of ``f(x_t) - f*`` over the last third of the run."""
        return float(np.mean(run.losses[-(self.steps // 3):]) - self.problem.f_min)

    def _info(self, res):
        return [f"steps clipped {100 * res.clipped_fraction:.0f}%",
                f"late f - f* {res.final_gap:.2e} (unclipped {res.final_gap_unclipped:.2e})",
                f"worst loss jump x{res.worst_jump:.3g}"]


def clipping_explorer(**kwargs):
    """The clipping explorer as a widget box (``box.explorer`` is the explorer)."""
    return ClippingExplorer(**kwargs).widget
