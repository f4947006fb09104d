"""Interactive explorers (ipywidgets) for the notebooks.

Each explorer is a class that owns its sliders (as attributes), a matplotlib
``Figure`` and an ``ipywidgets.Image`` showing that figure as a PNG. Moving a
slider calls ``update()``, which re-runs the computation with
:mod:`course_lib` and redraws. Because the drawing lives in a plain method that
returns what it drew, an explorer can be tested without a browser: set
``slider.value`` and inspect ``explorer.last`` and ``explorer.fig``.

Explorers:

* :func:`step_explorer` — one gradient-descent step with the learning rate on a slider
  (chapter 00's first widget: it shows that sliders reach the kernel).
* :func:`gd_explorer` / :class:`GDExplorer` — gradient descent on a 2-d quadratic:
  learning rate against the divergence threshold ``2/L``, and the condition number.
* :func:`sgd_explorer` / :class:`SGDExplorer` — minibatch SGD next to gradient descent
  on a 2-d least-squares problem: learning rate and batch size against the noise floor.
"""
from __future__ import annotations

import io
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

from ._validation import check_array, check_int, check_scalar

__all__ = ["GDExplorer", "GDResult", "gd_explorer", "classify_gd",
           "SGDExplorer", "SGDResult", "sgd_explorer"]


def step_explorer(problem, x0, lr=0.5, lr_min=0.1, lr_max=2.5, lr_step=0.1):
    """One gradient-descent step ``x1 = x0 - lr * grad f(x0)``, the learning rate on a slider.

    Each slider move re-runs the step with :func:`course_lib.optimizers.run` and prints
    ``eta``, ``x1`` and whether the loss went down (``f(x1) < f(x0)``). For
    ``f(x) = x^2 / 2`` from ``x0 = 1`` the step lands at ``x1 = 1 - lr``: lower exactly
    when ``0 < lr < 2``.

    Reference: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer
    2006, ch. 3 (the steepest-descent step and its length).

    Parameters
    ----------
    problem : object with ``value(x)`` and ``grad(x)`` (a :mod:`course_lib.problems` object)
    x0 : array-like, shape (dim,)  the starting point
    lr : float in [lr_min, lr_max]  the slider's first value
    lr_min, lr_max, lr_step : float > 0  the slider's range and step

    Returns
    -------
    ipywidgets.interactive
        Display it. ``.lr`` is the slider, ``.result`` the latest ``x1`` (ndarray).

    Examples
    --------
    In a notebook the line ``eta = 2.20:  x1 = -1.20  (loss did not go down)`` appears
    under the slider; outside one it goes to stdout (silenced here).

    >>> import contextlib, io
    >>> from course_lib.problems import Quadratic
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     box = step_explorer(Quadratic([[1.0]]), [1.0])
    ...     box.lr.value = 2.2                 # as a learner dragging the slider
    >>> round(float(box.result[0]), 12)        # x1 = 1 - 2.2
    -1.2
    """
    import ipywidgets as w

    from .optimizers import gradient_descent, run

    owner = "step_explorer"
    x0 = check_array(x0, "x0", owner, ndim=1)
    lr_min = check_scalar(lr_min, "lr_min", owner, low=0.0)
    lr_max = check_scalar(lr_max, "lr_max", owner, low=lr_min)
    lr_step = check_scalar(lr_step, "lr_step", owner, low=0.0, high=lr_max - lr_min,
                           closed="right")
    lr = check_scalar(lr, "lr", owner, low=lr_min, high=lr_max, closed="both")
    f0 = problem.value(x0)

    def one_step(eta):
        x1 = run(gradient_descent(lr=eta), problem, x0=x0, steps=1).x
        shown = ", ".join(f"{v:+.2f}" for v in x1)
        verdict = "loss went down" if problem.value(x1) < f0 else "loss did not go down"
        print(f"eta = {eta:.2f}:  x1 = {shown if x1.size == 1 else f'[{shown}]'}  ({verdict})")
        return x1

    slider = w.FloatSlider(value=lr, min=lr_min, max=lr_max, step=lr_step, description="η")
    box = w.interactive(one_step, eta=slider)
    box.lr = slider
    return box


__all__ += ["step_explorer"]


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


class _Explorer:
    """What every explorer shares: a figure rendered to an ``ipywidgets.Image``,
    sliders that redraw on release, and :meth:`hold` for several moves at once.

    A subclass sets ``self.sliders`` (observed), builds ``self.widget`` and defines
    ``draw()`` (returns what it drew) and ``_info(result)`` (the HTML line).
    """

    def _start(self, sliders, figsize, extra=()):
        import ipywidgets as w
        from matplotlib.figure import Figure

        from .plotting import _rc

        self.info = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        with _rc():
            self.fig = Figure(figsize=figsize, dpi=100, layout="constrained")
            self.axes = self.fig.subplots(1, 2)
        self.widget = w.VBox([w.HBox(list(sliders)), *extra, self.info, self.image])
        self.widget.explorer = self
        self.last = None
        self._held = False
        for s in sliders:
            s.observe(self.update, names="value")

    @staticmethod
    def _slider_style():
        import ipywidgets as w

        return dict(continuous_update=False, style={"description_width": "initial"},
                    layout=w.Layout(width="32%"))

    @contextmanager
    def hold(self):
        """Set several sliders with one redraw: ``with ex.hold(): ex.<slider>.value = ...``."""
        self._held = True
        try:
            yield self
        finally:
            self._held = False
            self.update()

    def update(self, change=None):
        """Redraw from the sliders and refresh the info line and the image (the sliders'
        observer). Returns what :meth:`draw` returned, or ``None`` inside :meth:`hold`."""
        from .plotting import _rc

        if self._held:
            return None
        res = self.draw()
        self.info.value = ("<span style='font-family:monospace'>"
                           + " &nbsp;·&nbsp; ".join(self._info(res)) + "</span>")
        buf = io.BytesIO()
        with _rc():
            self.fig.savefig(buf, format="png", dpi=90)
        self.image.value = buf.getvalue()
        return res


class GDResult(NamedTuple):
    """What :meth:`GDExplorer.draw` drew."""

    problem: object        # the Quadratic
    lr: float              # absolute step size
    trajectory: object     # course_lib.result.OptimizeResult of the GD run
    status: str            # see classify_gd
    contraction: float     # max_i |1 - lr lambda_i|


_STATUS_COLORS = {"diverges": "#B2182B", "oscillates": "#D97706"}


class GDExplorer(_Explorer):
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

        owner = "GDExplorer"
        self.L = check_scalar(L, "L", owner, low=0.0)
        kappa = check_scalar(kappa, "kappa", owner, low=1.0, high=1000.0, closed="both")
        lr_factor = check_scalar(lr_factor, "lr_factor", owner, low=0.0, high=3.0,
                                 closed="right")
        steps = check_int(steps, "steps", owner, low=1, high=500)
        self.rotation = rotation

        common = self._slider_style()
        self.lr_factor = w.FloatSlider(value=lr_factor, min=0.05, max=3.0, step=0.01,
                                       readout_format=".2f", description="lr × L", **common)
        self.kappa = w.FloatLogSlider(value=kappa, base=10, min=0.0, max=3.0, step=0.05,
                                      readout_format=".3g", description="κ = L/μ", **common)
        self.steps = w.IntSlider(value=steps, min=1, max=500, description="steps", **common)
        self._start((self.lr_factor, self.kappa, self.steps), (10.0, 4.2))
        self.ax_contour, self.ax_loss = self.axes
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

    def _info(self, res):
        from .rates import divergence_threshold, optimal_lr_quadratic

        q = res.problem
        return [f"lr = {res.lr:.4g}", f"1/L = {1 / self.L:.4g}",
                f"divergence threshold 2/L = {divergence_threshold(self.L):.4g}",
                f"best lr 2/(μ+L) = {optimal_lr_quadratic(q.mu, q.L):.4g}",
                f"ρ = {res.contraction:.4f}", f"<b>{res.status}</b>"]


def gd_explorer(**kwargs):
    """The gradient-descent explorer as a widget box; display it in a notebook.

    ``gd_explorer()`` returns ``GDExplorer(**kwargs).widget``; the explorer object is
    ``box.explorer``. See :class:`GDExplorer` for what it shows.
    """
    return GDExplorer(**kwargs).widget


class SGDResult(NamedTuple):
    """What :meth:`SGDExplorer.draw` drew."""

    problem: object        # the LinearRegression
    lr: float
    batch_size: int
    gd: object             # the full-gradient run (Trajectory)
    sgd: object            # the minibatch run (Trajectory), same lr, start and steps
    sgd_floor: float       # mean of f(x_t) - f* over the second half of the SGD run
    gd_gap: float          # f(x_T) - f* of the GD run


class SGDExplorer(_Explorer):
    """Minibatch SGD next to gradient descent on a 2-d least-squares problem.

    The problem is ``LinearRegression(n_samples, n_features=2, noise, seed=problem_seed)``,
    ``f(w) = 1/(2n) ||X w - y||^2``. Both runs start at ``x0 = 0`` and take ``steps`` steps
    of the same ``lr``: gradient descent with the full gradient, SGD with minibatches of
    ``batch_size`` drawn as shuffled epochs (without replacement, what data loaders do;
    :func:`course_lib.optimizers.run` with ``batch_size``, ``seed``). At
    ``batch_size = n_samples`` every minibatch is the whole data set and the two paths
    coincide. Left panel: contours and both paths; right panel: ``f(x_t) - f*`` on a log
    scale. The title gives SGD's mean gap over the second half of the run (its noise
    floor, which for small ``lr`` is roughly proportional to ``lr / batch_size``; see
    :func:`course_lib.rates.sgd_bound_constant_step`) and GD's final gap.

    Sliders (attributes): ``lr`` (log scale), ``batch_size``, ``steps``.

    Parameters
    ----------
    lr : float in (0, 2/L)  initial learning rate (the slider spans 1e-3 to 2/L)
    batch_size : int in [1, n_samples]
    steps : int in [10, 1000]
    n_samples : int >= 2, noise : float >= 0, problem_seed : int >= 0  the data
    seed : int >= 0  seed of the minibatch sampler

    Attributes
    ----------
    lr, batch_size, steps : sliders
    info, image, fig, ax_contour, ax_loss, widget : as in :class:`GDExplorer`
    last : SGDResult  of the latest draw

    References
    ----------
    L. Bottou, F. E. Curtis and J. Nocedal, Optimization methods for large-scale machine
    learning, *SIAM Review* 60(2), 2018, Sec. 4 (SGD with a fixed step converges to a
    neighbourhood whose size grows with the step and shrinks with the batch size).

    Examples
    --------
    >>> ex = SGDExplorer()
    >>> ex.batch_size.value = ex.problem.n_samples     # the whole data set in every batch
    >>> bool(abs(ex.last.sgd_floor - ex.last.gd_gap) < 1e-9)
    True
    """

    def __init__(self, lr=0.1, batch_size=1, steps=200, n_samples=64, noise=1.0,
                 problem_seed=3, seed=0):
        import ipywidgets as w

        from .problems import LinearRegression
        from .rates import divergence_threshold

        owner = "SGDExplorer"
        n = check_int(n_samples, "n_samples", owner, low=2)
        self.problem = LinearRegression(n_samples=n, n_features=2,
                                        noise=check_scalar(noise, "noise", owner, low=0.0,
                                                           closed="left"),
                                        seed=check_int(problem_seed, "problem_seed", owner,
                                                       low=0))
        self.lr_max = float(divergence_threshold(self.problem.L))
        lr = check_scalar(lr, "lr", owner, low=0.0, high=self.lr_max)
        batch_size = check_int(batch_size, "batch_size", owner, low=1, high=n)
        steps = check_int(steps, "steps", owner, low=10, high=1000)
        self.seed = check_int(seed, "seed", owner, low=0)

        common = self._slider_style()
        self.lr = w.FloatLogSlider(value=lr, base=10, min=-3.0,
                                   max=float(np.log10(self.lr_max)), step=0.05,
                                   readout_format=".3g", description="lr", **common)
        self.batch_size = w.IntSlider(value=batch_size, min=1, max=n,
                                      description="batch size b", **common)
        self.steps = w.IntSlider(value=steps, min=10, max=1000, step=10,
                                 description="steps", **common)
        self._start((self.lr, self.batch_size, self.steps), (10.0, 4.2))
        self.ax_contour, self.ax_loss = self.axes
        self.update()

    def draw(self, lr=None, batch_size=None, steps=None):
        """Run GD and SGD and draw both into ``self.fig``; arguments default to the
        sliders' values. Returns an :class:`SGDResult`."""
        from . import plotting
        from .optimizers import gradient_descent, run, sgd
        from .plotting import _rc

        owner = "SGDExplorer.draw"
        p = self.problem
        lr = check_scalar(self.lr.value if lr is None else lr, "lr", owner, low=0.0)
        b = check_int(self.batch_size.value if batch_size is None else batch_size,
                      "batch_size", owner, low=1, high=p.n_samples)
        steps = check_int(self.steps.value if steps is None else steps, "steps", owner,
                          low=2)
        runs = {"GD": run(gradient_descent(lr), p, p.x0, steps, label="GD"),
                f"SGD, b = {b}": run(sgd(lr), p, p.x0, steps, batch_size=b, seed=self.seed,
                                     label=f"SGD, b = {b}")}
        gd, sg = runs.values()
        floor = float(np.mean(sg.losses[steps // 2:] - p.f_min))
        gd_gap = float(gd.losses[-1] - p.f_min)
        with _rc():
            self.ax_contour.clear()
            self.ax_loss.clear()
            plotting.contour(p, runs, ax=self.ax_contour, title="")
            plotting.loss_curves(runs, subtract=p.f_min, ax=self.ax_loss)
            self.ax_loss.set_title("loss gap $f(x_t) - f^\\star$", fontsize=11)
            self.fig.suptitle(f"lr = {lr:.3g}, b = {b}: SGD's mean gap over the second "
                              f"half {floor:.2e}, GD's final gap {gd_gap:.2e}",
                              fontsize=12.5)
        self.last = SGDResult(p, lr, b, gd, sg, floor, gd_gap)
        return self.last

    def _info(self, res):
        n = res.problem.n_samples
        return [f"lr = {res.lr:.4g}", f"b = {res.batch_size} of n = {n}",
                f"lr / b = {res.lr / res.batch_size:.3g}",
                f"SGD noise floor ≈ {res.sgd_floor:.3g}", f"GD gap {res.gd_gap:.3g}"]


def sgd_explorer(**kwargs):
    """The SGD explorer as a widget box (``box.explorer`` is the :class:`SGDExplorer`)."""
    return SGDExplorer(**kwargs).widget


# The later chapters' explorers live in modules of their own (each builds on _Explorer
# above); they are served from here, lazily, so that a chapter builds every explorer from
# course_lib.widgets and importing this module imports none of them.
_CHAPTER_EXPLORERS = {
    "saddle_explorer": ("saddle_widgets", "saddle_explorer"),             # chapter 02
    "MomentumExplorer": ("momentum_widgets", "MomentumExplorer"),         # chapter 03
    "momentum_explorer": ("momentum_widgets", "momentum_explorer"),
    "AdaptiveExplorer": ("widgets_adaptive", "AdaptiveExplorer"),         # chapter 04
    "adaptive_explorer": ("widgets_adaptive", "AdaptiveExplorer"),        # (the object)
    "DecayExplorer": ("widgets_decay", "DecayExplorer"),                  # chapter 05
    "decay_explorer": ("widgets_decay", "decay_explorer"),
    "ScheduleExplorer": ("widgets_schedules", "ScheduleExplorer"),        # chapters 06-07
    "schedule_explorer": ("widgets_schedules", "schedule_explorer"),
    "ClippingExplorer": ("widgets_clipping", "ClippingExplorer"),         # chapter 07
    "clipping_explorer": ("widgets_clipping", "clipping_explorer"),
    "LagrangeExplorer": ("widgets_lagrange", "LagrangeExplorer"),         # chapter 08
    "lagrange_explorer": ("widgets_lagrange", "lagrange_explorer"),
    "NewtonExplorer": ("widgets_newton", "NewtonExplorer"),               # chapter 09
    "newton_explorer": ("widgets_newton", "newton_explorer"),
    "TopicExplorer": ("widgets_review", "TopicExplorer"),                 # chapter 12
    "topic_explorer": ("widgets_review", "topic_explorer"),
    "BugExplorer": ("widgets_training", "BugExplorer"),                   # chapter 11
    "bug_explorer": ("widgets_training", "bug_explorer"),
    "SliceExplorer": ("widgets_landscape", "SliceExplorer"),              # chapter 10
    "slice_explorer": ("widgets_landscape", "slice_explorer"),
}
__all__ += list(_CHAPTER_EXPLORERS)


def __getattr__(name):
    if name in _CHAPTER_EXPLORERS:
        from importlib import import_module
        module, attr = _CHAPTER_EXPLORERS[name]
        return getattr(import_module(f"{__package__}.{module}"), attr)
    raise AttributeError(f"module 'course_lib.widgets' has no attribute {name!r}")
