"""Interactive explorers (ipywidgets) for the notebooks.

Each explorer is a class that owns its sliders (as attributes), a matplotlib
``Figure`` and an ``ipywidgets.Image`` showing that figure as a PNG. Moving a
slider calls ``update()``, which re-runs the computation with
:mod:`course_lib` and redraws. Because the drawing lives in a plain method that
returns what it drew, an explorer can be tested without a browser: set
``slider.value`` and inspect ``explorer.last`` and ``explorer.fig``.

Explorers:

* :func:`gd_explorer` / :class:`GDExplorer` — gradient descent on a 2-d quadratic:
  learning rate against the divergence threshold ``2/L``, and the condition number.
"""
from __future__ import annotations

import io
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

from ._validation import check_array, check_int, check_scalar

__all__ = ["GDExplorer", "GDResult", "gd_explorer", "classify_gd"]


def classify_gd(lr, eigenvalues, tol=1e-9):
    """What gradient descent with step ``lr`` does on a quadratic with these eigenvalues.

    With ``rho = max_i |1 - lr lambda_i|`` (:func:`course_lib.rates.gd_quadratic_contraction`)
    and ``L = max_i lambda_i``:

    * ``rho > 1``  (``lr > 2/L``): ``"diverges"``;
    * ``rho = 1``  (``lr = 2/L``): ``"oscillates"`` — the top eigen-component flips sign
      with constant size, forever;
    * ``rho < 1`` and ``lr > 1/L``: ``"converges (oscillating)"`` — it flips sign but
      shrinks;
    * ``lr <= 1/L``: ``"converges (monotonically)"``.

    Equalities are taken up to ``tol`` (relative), so that a slider set to
    ``lr * L = 2.00`` reads as the threshold itself.

    Returns
    -------
    (status, rho) : (str, float)

    Examples
    --------
    >>> classify_gd(0.5, [0.1, 1.0])[0]
    'converges (monotonically)'
    >>> classify_gd(2.5, [0.1, 1.0])[0]
    'diverges'
    """
    from .rates import gd_quadratic_contraction

    lam = check_array(eigenvalues, "eigenvalues", "classify_gd", ndim=1)
    lr = check_scalar(lr, "lr", "classify_gd", low=0.0)
    rho = gd_quadratic_contraction(lam, lr)
    L = float(np.max(lam))
    if rho > 1.0 + tol:
        status = "diverges"
    elif rho >= 1.0 - tol:
        status = "oscillates"
    elif lr * L > 1.0 + tol:
        status = "converges (oscillating)"
    else:
        status = "converges (monotonically)"
    return status, rho


class GDResult(NamedTuple):
    """What :meth:`GDExplorer.draw` drew."""

    problem: object        # the Quadratic
    lr: float              # absolute step size
    trajectory: object     # course_lib.result.OptimizeResult of the GD run
    status: str            # see classify_gd
    contraction: float     # max_i |1 - lr lambda_i|


_STATUS_COLORS = {"diverges": "#B2182B", "oscillates": "#D97706"}


class GDExplorer:
    """Gradient descent on ``Quadratic.from_condition_number(kappa, dim=2, L=L, rotation=rotation)``.

    Sliders (attributes, ``ipywidgets`` objects):

    * ``lr_factor`` — the step as a multiple of ``1/L``: ``lr = lr_factor / L``
      (the absolute ``lr`` is printed next to it and in the title);
    * ``kappa`` — condition number ``L / mu`` (log slider, 1 to 1000);
    * ``steps`` — number of GD steps.

    The run starts at the problem's default ``x0`` (``x* + (1, 1)``). Left panel:
    contours and the trajectory; right panel: ``f(x_t) - f*`` on a log scale with
    the exact worst-case envelope ``rho^(2t) (f(x_0) - f*)``, where
    ``rho = max_i |1 - lr lambda_i|`` (on a quadratic,
    ``f(x_t) - f* = 1/2 sum_i lambda_i (1 - lr lambda_i)^(2t) e_i^2 <= rho^(2t) (f(x_0) - f*)``).
    The figure title says whether the run converges, oscillates or diverges.

    Parameters
    ----------
    L : float > 0  largest eigenvalue (so ``2/L`` is the divergence threshold)
    kappa : float >= 1  initial condition number
    lr_factor : float > 0  initial ``lr * L``
    steps : int >= 1  initial number of steps
    rotation : None or int  passed to ``Quadratic.from_condition_number``

    Attributes
    ----------
    lr_factor, kappa, steps : sliders
    info : ipywidgets.HTML  the numbers (absolute lr, 2/L, best lr, rho)
    image : ipywidgets.Image  the rendered figure
    fig : matplotlib Figure; ``ax_contour``, ``ax_loss`` its two Axes
    widget : ipywidgets.VBox  what to display
    last : GDResult  of the latest draw

    Rendering the PNG takes a few tenths of a second, so the sliders update on
    release (``continuous_update=False``); :meth:`hold` sets several at once.

    Examples
    --------
    >>> ex = GDExplorer()
    >>> ex.lr_factor.value = 2.2          # as a learner dragging the slider
    >>> ex.last.status
    'diverges'
    """

    def __init__(self, L=4.0, kappa=10.0, lr_factor=0.9, steps=40, rotation=None):
        import ipywidgets as w
        from matplotlib.figure import Figure

        from .plotting import _rc

        owner = "GDExplorer"
        self.L = check_scalar(L, "L", owner, low=0.0)
        kappa = check_scalar(kappa, "kappa", owner, low=1.0, high=1000.0, closed="both")
        lr_factor = check_scalar(lr_factor, "lr_factor", owner, low=0.0, high=3.0,
                                 closed="right")
        steps = check_int(steps, "steps", owner, low=1, high=500)
        self.rotation = rotation

        common = dict(continuous_update=False, style={"description_width": "initial"},
                      layout=w.Layout(width="32%"))
        self.lr_factor = w.FloatSlider(value=lr_factor, min=0.05, max=3.0, step=0.01,
                                       readout_format=".2f", description="lr × L", **common)
        self.kappa = w.FloatLogSlider(value=kappa, base=10, min=0.0, max=3.0, step=0.05,
                                      readout_format=".3g", description="κ = L/μ", **common)
        self.steps = w.IntSlider(value=steps, min=1, max=500, description="steps", **common)
        self.info = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        with _rc():
            self.fig = Figure(figsize=(10.0, 4.2), dpi=100, layout="constrained")
            self.ax_contour, self.ax_loss = self.fig.subplots(1, 2)
        self.widget = w.VBox([w.HBox([self.lr_factor, self.kappa, self.steps]),
                              self.info, self.image])
        self.widget.explorer = self
        self.last = None
        self._held = False
        for s in (self.lr_factor, self.kappa, self.steps):
            s.observe(self.update, names="value")
        self.update()

    def problem(self, kappa):
        """The quadratic for a given condition number (what the sliders explore)."""
        from .problems import Quadratic

        return Quadratic.from_condition_number(kappa, dim=2, L=self.L, rotation=self.rotation)

    def draw(self, lr=None, kappa=None, steps=None):
        """Run GD and draw it into ``self.fig``; arguments default to the sliders' values.

        Parameters
        ----------
        lr : float, absolute step size (default ``lr_factor.value / L``)
        kappa : float (default ``kappa.value``)
        steps : int (default ``steps.value``)

        Returns
        -------
        GDResult
        """
        from . import plotting
        from .loop import run
        from .optimizers import gradient_descent
        from .plotting import _rc
        from .rates import divergence_threshold

        owner = "GDExplorer.draw"
        lr = self.lr_factor.value / self.L if lr is None else lr
        lr = check_scalar(lr, "lr", owner, low=0.0)
        kappa = check_scalar(self.kappa.value if kappa is None else kappa, "kappa", owner,
                             low=1.0, closed="left")
        steps = check_int(self.steps.value if steps is None else steps, "steps", owner,
                          low=1)
        q = self.problem(kappa)
        traj = run(gradient_descent(lr), q, q.x0, steps, label="GD")
        status, rho = classify_gd(lr, q.eigenvalues)

        with _rc():
            self.ax_contour.clear()
            self.ax_loss.clear()
            plotting.contour(q, {"GD": traj}, ax=self.ax_contour, title="")
            plotting.loss_curves({"GD": traj}, subtract=q.f_min, ax=self.ax_loss)
            gap0 = traj.losses[0] - q.f_min
            t = np.arange(steps + 1)
            with np.errstate(over="ignore"):
                env = gap0 * rho ** (2.0 * t)
            ylim = self.ax_loss.get_ylim()     # the envelope must not rescale the plot
            env = np.where(env <= ylim[1] * 10, env, np.nan)
            self.ax_loss.plot(t, env, ls="--", lw=1.3, color="#555555", zorder=1,
                              label=r"bound $\rho^{2t}\,(f(x_0) - f^\star)$")
            self.ax_loss.set_ylim(ylim)
            self.ax_loss.legend(loc="best")
            self.ax_loss.set_title("loss gap", fontsize=11)
            self.ax_contour.set_title(f"κ = {kappa:.3g}, L = {self.L:g}, μ = {q.mu:.3g}",
                                      fontsize=11)
            self.fig.suptitle(
                f"lr = {lr:.4g} = {lr * self.L:.2f}/L (2/L = "
                f"{divergence_threshold(self.L):.4g}): {status}, ρ = max|1 − lr λ| = {rho:.4f}",
                color=_STATUS_COLORS.get(status, "#1B7837"), fontsize=12.5)
        self.last = GDResult(q, lr, traj, status, rho)
        return self.last

    @contextmanager
    def hold(self):
        """Set several sliders with one redraw: ``with ex.hold(): ex.kappa.value = 100; ...``."""
        self._held = True
        try:
            yield self
        finally:
            self._held = False
            self.update()

    def update(self, change=None):
        """Redraw from the sliders and refresh the image (the sliders' observer).

        Returns the :class:`GDResult`, or ``None`` inside :meth:`hold`.
        """
        from .plotting import _rc
        from .rates import divergence_threshold, optimal_lr_quadratic

        if self._held:
            return None
        res = self.draw()
        q = res.problem
        self.info.value = (
            f"<span style='font-family:monospace'>lr = {res.lr:.4g} &nbsp;·&nbsp; "
            f"1/L = {1 / self.L:.4g} &nbsp;·&nbsp; divergence threshold 2/L = "
            f"{divergence_threshold(self.L):.4g} &nbsp;·&nbsp; best lr 2/(μ+L) = "
            f"{optimal_lr_quadratic(q.mu, q.L):.4g}"
            f" &nbsp;·&nbsp; ρ = {res.contraction:.4f} &nbsp;·&nbsp; <b>{res.status}</b>"
            f"</span>")

        buf = io.BytesIO()
        with _rc():
            self.fig.savefig(buf, format="png", dpi=90)
        self.image.value = buf.getvalue()
        return res


def gd_explorer(**kwargs):
    """The gradient-descent explorer as a widget box; display it in a notebook.

    ``gd_explorer()`` returns ``GDExplorer(**kwargs).widget``; the explorer object is
    ``box.explorer``. See :class:`GDExplorer` for what it shows.
    """
    return GDExplorer(**kwargs).widget
