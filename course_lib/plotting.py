"""The course's plots, with one look: contours with trajectories, loss and schedule curves.

Every function draws into a given ``ax`` (or a new figure from :func:`figure`)
and returns the Axes, so plots compose::

    fig, (a, b) = figure(1, 2)
    contour(problem, {"GD": traj}, ax=a)
    loss_curves({"GD": traj}, subtract=problem.f_min, ax=b)

What is accepted as "runs": a :class:`course_lib.result.OptimizeResult` (what
:func:`course_lib.optimizers.run` returns; ``Trajectory`` is its former name), a plain
array, a list of those, or a dict ``{label: run}`` (the dict keys become the
legend). Runs that diverged (non-finite values, or a loss that blew up) are
drawn up to where they leave the plot and marked, instead of crashing the plot
or squashing the other curves.

Only matplotlib is used. The look (font sizes, grid, colour cycle, constrained
layout) is :data:`RC`, applied by :func:`style` inside every function here; call
``style(apply=True)`` once to use it for your own plots too.
"""
from __future__ import annotations

import numbers
from contextlib import contextmanager

import matplotlib as mpl
import numpy as np

from ._validation import check_int, check_scalar

__all__ = [
    "PALETTE",
    "RC",
    "style",
    "figure",
    "color",
    "contour",
    "loss_curves",
    "grad_norm_curves",
    "lr_curves",
    "function_1d",
]

#: Colour cycle: Paul Tol's "bright" scheme, distinguishable with colour-vision
#: deficiencies and in greyscale print (Tol, *Colour schemes*, SRON 2021).
PALETTE = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB",
           "#000000")

#: The rcParams that :func:`style` sets.
RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9.5,
    "legend.framealpha": 0.9,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    "image.cmap": "viridis",
    "mathtext.fontset": "dejavusans",
}

#: Figure sizes in inches for one row / one column of panels (see :func:`figure`).
_SIZES = {
    "wide": (9.5, 3.8),     # a full notebook width; height per row
    "square": (4.8, 4.4),   # per panel
    "medium": (6.4, 4.0),   # one panel of moderate size
    "small": (4.2, 3.0),    # one small panel
}

_CONTOUR_CMAP = "Blues"


def color(i):
    """The ``i``-th colour of :data:`PALETTE` (cycling)."""
    return PALETTE[int(i) % len(PALETTE)]


@contextmanager
def _rc():
    with mpl.rc_context(RC):
        yield


def style(apply=False):
    """The course look: ``with style(): ...`` applies :data:`RC` temporarily.

    ``style(apply=True)`` instead updates ``matplotlib.rcParams`` for the rest of the
    session (and returns ``None``). Every plotting function of this module draws
    inside ``style()``, so calling it yourself is only needed for your own plots.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with style():
    ...     fig, ax = plt.subplots()
    """
    if apply:
        mpl.rcParams.update(RC)
        return None
    return _rc()


def figure(nrows=1, ncols=1, size="wide", **kwargs):
    """New figure and axes with the course's sizes: ``fig, ax = figure()``.

    Parameters
    ----------
    nrows, ncols : int >= 1
    size : {"wide", "square", "medium", "small"} or (width, height) in inches
        ``"wide"``: the full notebook width, 3.8 in per row. ``"square"``: 4.8 x 4.4 in
        per panel (for contour plots). ``"medium"``, ``"small"``: one panel's size
        (the whole figure for a single panel).
    **kwargs
        Passed to ``matplotlib.pyplot.subplots`` (e.g. ``sharex=True``).

    Returns
    -------
    fig, ax  (``ax`` an array of Axes when ``nrows * ncols > 1``, as in ``plt.subplots``)
    """
    import matplotlib.pyplot as plt

    nrows = check_int(nrows, "nrows", "figure", low=1)
    ncols = check_int(ncols, "ncols", "figure", low=1)
    figsize = _figsize(size, nrows, ncols)
    with _rc():
        kwargs.setdefault("layout", "constrained")
        return plt.subplots(nrows, ncols, figsize=figsize, **kwargs)


def _figsize(size, nrows, ncols):
    if isinstance(size, str):
        if size not in _SIZES:
            raise ValueError(
                f"The 'size' parameter of figure must be one of {sorted(_SIZES)} or a "
                f"(width, height) pair. Got {size!r} instead."
            )
        w, h = _SIZES[size]
        if size == "wide":
            return (w, h * nrows)
        if size == "square":
            return (w * ncols, h * nrows)
        return (w, h)
    try:
        w, h = (float(v) for v in size)
    except (TypeError, ValueError):
        raise TypeError(
            f"The 'size' parameter of figure must be a name or a (width, height) pair. "
            f"Got {size!r} instead."
        ) from None
    return (w, h)


def _grid(ax):
    # explicit values: tick lines are created lazily, often at draw time, when
    # (in a notebook) the style's rc context has already been left
    ax.grid(True, which="major", alpha=RC["grid.alpha"], linewidth=RC["grid.linewidth"])


def _new_axes(size):
    return figure(1, 1, size=size)[1]


# ----------------------------------------------------------------------- run handling
def _is_trajectory(obj):
    """An OptimizeResult, or anything with its history fields ``params`` and ``losses``."""
    from .result import OptimizeResult

    return isinstance(obj, OptimizeResult) or (hasattr(obj, "params") and hasattr(obj, "losses"))


def _items(runs, labels, owner, default_label="run"):
    """Normalise the accepted forms of "runs" into a list of (label, run)."""
    if isinstance(runs, dict):
        items = [(str(k), v) for k, v in runs.items()]
    elif _is_trajectory(runs) or callable(runs):
        items = [(None, runs)]
    elif isinstance(runs, np.ndarray):
        if runs.dtype == object:
            items = [(None, r) for r in runs]
        elif owner == "contour":
            items = [(None, runs)] if runs.ndim == 2 else [(None, r) for r in runs]
        else:
            items = [(None, runs)] if runs.ndim == 1 else [(None, r) for r in runs]
    elif isinstance(runs, (list, tuple)):
        if len(runs) and all(isinstance(v, numbers.Real) for v in runs):
            items = [(None, runs)]          # one curve given as a list of numbers
        else:
            items = [(None, r) for r in runs]
    else:
        raise TypeError(
            f"{owner} takes a result of run(...), an array, a list of them or a dict "
            f"{{label: run}}. Got {type(runs).__name__} instead."
        )
    if labels is not None:
        labels = [labels] if isinstance(labels, str) else list(labels)
        if len(labels) != len(items):
            raise ValueError(
                f"The 'labels' parameter of {owner} must have one label per run "
                f"({len(items)}). Got {len(labels)} instead."
            )
        items = [(str(lab), r) for lab, (_, r) in zip(labels, items)]
    out = []
    for i, (lab, r) in enumerate(items):
        if lab is None:
            lab = getattr(r, "label", "") or (default_label if len(items) == 1
                                               else f"{default_label} {i + 1}")
        out.append((lab, r))
    return out


# ----------------------------------------------------------------------------- curves
def _prepare_curve(y, log):
    """Float copy of ``y`` with values that cannot be drawn turned into nan."""
    y = np.array(y, dtype=float).ravel()
    if log:
        with np.errstate(invalid="ignore"):
            y[~(y > 0)] = np.nan          # zeros/negatives cannot sit on a log axis
    return y


def _diverges(y_raw, traj):
    """A curve diverged if its run says so, it has inf/nan, or it grew 1e3-fold."""
    if traj is not None and getattr(traj, "diverged", False):
        return True
    if not np.all(np.isfinite(y_raw)):
        return True
    finite = y_raw[np.isfinite(y_raw)]
    return bool(finite.size > 1 and abs(finite[-1]) > 1e3 * max(abs(finite[0]), 1e-300))


def _curves(runs, attr, *, ax, log, subtract, xlabel, ylabel, labels, title, owner,
            steps=None, legend=None, size="medium", drawstyle="default", divergence=True):
    items = _items(runs, labels, owner)
    if not items:
        raise ValueError(
            f"The 'runs' parameter of {owner} must hold at least one run (a result of "
            f"run(...), an array, or a dict {{label: run}}). Got an empty "
            f"{type(runs).__name__} instead."
        )
    if subtract is not None:
        subtract = check_scalar(subtract, "subtract", owner)
    curves = []
    for lab, r in items:
        traj = r if _is_trajectory(r) else None
        if traj is not None:
            y = getattr(traj, attr)
        elif callable(r):
            if steps is None:
                raise ValueError(
                    f"The 'steps' parameter of {owner} is needed to draw a schedule "
                    f"(a callable); e.g. {owner}(schedules, steps=100)."
                )
            y = [float(r(t)) for t in range(check_int(steps, "steps", owner, low=1))]
        else:
            y = r
        y = np.array(y, dtype=float).ravel()
        if subtract is not None:
            y = y - subtract
        curves.append((lab, y, divergence and _diverges(y, traj)))

    with _rc():
        if ax is None:
            ax = _new_axes(size)
        # a ceiling so that a blown-up run cannot squash the others
        ref = []
        for _, y, div in curves:
            yy = _prepare_curve(y, log)
            vals = yy[np.isfinite(yy)]
            if vals.size:
                ref.append(vals[0] if div else vals.max())
        any_div = any(div for _, _, div in curves)
        ceiling = None
        if any_div and ref:
            top = max(ref)
            ceiling = top * 30.0 if log else top + 0.5 * abs(top) + 1e-12
        for i, (lab, y, div) in enumerate(curves):
            c = color(i)
            yy = _prepare_curve(y, log)
            t = np.arange(len(yy))
            if div:
                lab = f"{lab} (diverged)"
                bad = ~np.isfinite(np.array(y, dtype=float))
                if ceiling is not None:
                    with np.errstate(invalid="ignore"):
                        bad |= np.nan_to_num(np.array(y, float), nan=np.inf) > ceiling
                k = int(np.argmax(bad)) if bad.any() else len(yy)
                shown = yy[:k + 1].copy() if k < len(yy) else yy
                if k < len(yy) and not np.isfinite(shown[-1]):
                    shown = shown[:-1]
                ax.plot(t[:len(shown)], shown, color=c, label=lab, drawstyle=drawstyle)
                if k < len(yy):
                    ax.plot([k], [ceiling], marker="^", ms=9, color=c, mec="black",
                            mew=0.8, ls="none", clip_on=False, zorder=5,
                            label="_diverged")
            else:
                ax.plot(t, yy, color=c, label=lab, drawstyle=drawstyle)
        if log:
            ax.set_yscale("log")
        if ceiling is not None:
            ax.set_ylim(top=ceiling)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        _grid(ax)
        n = max((len(y) for _, y, _ in curves), default=1)
        ax.set_xlim(-0.02 * max(n - 1, 1), (n - 1) + 0.02 * max(n - 1, 1))
        if title:
            ax.set_title(title)
        if legend or (legend is None and (len(curves) > 1 or any_div
                                          or isinstance(runs, dict))):
            ax.legend(loc="best")
    return ax


def loss_curves(runs, *, ax=None, log=True, subtract=None, xlabel="step", ylabel=None,
                labels=None, title=None, legend=None):
    """Loss per step, ``f(x_t)`` or ``f(x_t) - f*``, on a log scale.

    Parameters
    ----------
    runs : OptimizeResult, 1-d array, list of them, or dict ``{label: run}``
        For a result of :func:`course_lib.optimizers.run` its ``losses`` are drawn.
        At least one run (an empty list or dict raises ValueError).
    log : bool
        Log-scale y axis (default). Non-positive values are left out (the line stops),
        e.g. a gap ``f - f*`` that reached exactly 0.
    subtract : float or None
        Subtracted from every value, typically ``problem.f_min`` (then linear
        convergence is a straight line on the log axis).
    xlabel, ylabel, title : str
    labels : list of str, optional
        Legend labels (override the dict keys / trajectory labels).
    legend : bool or None
        ``None``: a legend when there are several curves, a dict, or a diverged run.

    Diverged runs (non-finite loss, or a loss 1000x above its start) are drawn up to
    where they leave the plot, marked with a triangle at the top edge and
    "(diverged)" in the legend; the y-range is set by the other runs.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = loss_curves({"a": [1.0, 0.1, 0.01], "b": [1.0, 10.0, np.inf]})
    >>> [l.get_label() for l in ax.get_lines()][:2]
    ['a', 'b (diverged)']
    """
    if ylabel is None:
        ylabel = r"$f(x_t)$" if subtract is None else r"$f(x_t) - f^\star$"
    return _curves(runs, "losses", ax=ax, log=log, subtract=subtract, xlabel=xlabel,
                   ylabel=ylabel, labels=labels, title=title, owner="loss_curves",
                   legend=legend)


def grad_norm_curves(runs, *, ax=None, log=True, xlabel="step",
                     ylabel=r"$\|\nabla f(x_t)\|$", labels=None, title=None, legend=None):
    """Gradient norm ``||grad f(x_t)||`` per step (a result's ``grad_norms``).

    Same inputs and divergence handling as :func:`loss_curves`.
    """
    return _curves(runs, "grad_norms", ax=ax, log=log, subtract=None, xlabel=xlabel,
                   ylabel=ylabel, labels=labels, title=title, owner="grad_norm_curves",
                   legend=legend)


def lr_curves(runs, *, steps=None, ax=None, log=False, xlabel="step",
              ylabel="learning rate", labels=None, title=None, legend=None):
    """Learning rate per step: a result's ``lrs``, an array, or a schedule ``t -> lr_t``.

    Parameters
    ----------
    runs : OptimizeResult, array, callable, a list of them, or dict ``{label: ...}``
    steps : int, needed for callables: draws ``lr_t`` for ``t = 0 .. steps - 1``
    log : bool  log-scale y axis (off by default)

    Drawn as a staircase (``lr_t`` holds for the whole step ``t -> t + 1``). A schedule
    is never marked "diverged" (a warm-up from 0 grows without bound relative to its
    start); on a log axis zeros are left out.

    Examples
    --------
    >>> ax = lr_curves({"halving": lambda t: 0.1 * 0.5 ** (t // 10)}, steps=40)
    """
    return _curves(runs, "lrs", ax=ax, log=log, subtract=None, xlabel=xlabel,
                   ylabel=ylabel, labels=labels, title=title, owner="lr_curves",
                   steps=steps, legend=legend, drawstyle="steps-post", divergence=False)


# ---------------------------------------------------------------------------- contour
def _check_bounds(bounds, owner):
    try:
        b = np.array(bounds, dtype=float)
    except (TypeError, ValueError):
        b = None
    if b is None or b.shape != (2, 2) or not np.all(np.isfinite(b)) or np.any(b[:, 0] >= b[:, 1]):
        raise ValueError(
            f"The 'bounds' parameter of {owner} must be ((xlo, xhi), (ylo, yhi)) with "
            f"lo < hi. Got {bounds!r} instead."
        )
    return b


def _grid_values(problem, X, Y):
    if hasattr(problem, "value_grid"):
        return np.asarray(problem.value_grid(X, Y), dtype=float)
    f = problem.value if hasattr(problem, "value") else problem
    flat = [float(f(np.array([x, y]))) for x, y in zip(X.ravel(), Y.ravel())]
    return np.array(flat).reshape(X.shape)


def _levels(Z, f_min, n, log):
    finite = Z[np.isfinite(Z)]
    zmin = float(finite.min())
    hi_q = float(np.quantile(finite, 0.99))
    if not log:
        return np.linspace(zmin, hi_q, n)
    shift = zmin if f_min is None else min(float(f_min), zmin)
    G = finite - shift
    hi = float(np.quantile(G, 0.99))
    if not hi > 0:
        return np.linspace(zmin, zmin + 1.0, n)
    pos = G[G > 0]
    lo = max(float(pos.min()) if pos.size else hi * 1e-6, hi * 1e-6)
    if lo >= hi:
        lo = hi * 1e-3
    return shift + np.geomspace(lo, hi, n)


def _traj_points(r, owner):
    P = np.asarray(r.params if _is_trajectory(r) else r, dtype=float)
    if P.ndim != 2 or P.shape[1] != 2:
        raise ValueError(
            f"Each trajectory passed to {owner} must be a result of run(...) on a 2-d problem or "
            f"an array of shape (T, 2). Got shape {P.shape} instead."
        )
    P = P.copy()
    P[~np.all(np.isfinite(P), axis=1)] = np.nan
    return P


def contour(problem, trajectories=(), *, ax=None, levels=20, log_levels=True, bounds=None,
            labels=None, mark_minimizers=True, filled=True, cmap=None, resolution=200,
            title=None, aspect="equal", colorbar=False, legend=None):
    """Contours of a 2-d objective, with optimizer trajectories drawn on top.

    Parameters
    ----------
    problem : 2-d problem (``value_grid``, ``bounds``, ``minimizers``, ``f_min``, ``name``)
        or any callable ``f(x)`` of a 2-vector (then ``bounds`` is required).
    trajectories : OptimizeResult, array (T, 2), a list of them, or dict ``{label: run}``
    levels : int or sequence of float
        Number of contour levels, or the levels themselves (values of ``f``).
    log_levels : bool
        Space the levels geometrically in ``f - f_min`` (default): Rosenbrock and
        ill-conditioned quadratics span many decades, and linear levels would put
        all of them far from the minimum. Use ``False`` for functions unbounded
        below, such as the saddle.
    bounds : ((xlo, xhi), (ylo, yhi)), default ``problem.bounds``
    labels : list of str, optional  legend labels for the trajectories
    mark_minimizers : bool  draw ``problem.minimizers`` as stars
    filled : bool  filled bands under thin contour lines
    cmap : str or Colormap, default a light blue map (dark = low)
    resolution : int  grid points per axis
    title : str or None  default ``problem.name``; ``""`` for none
    aspect : "equal" or "auto"  equal keeps angles true (GD steps are orthogonal
        to the contour lines only on an equal-aspect plot)
    colorbar : bool
    legend : bool or None  default: when something is labelled

    Each trajectory is a line through its iterates, a hollow circle at the start and
    a filled square at the end; non-finite iterates are left out and a diverged run
    is labelled "(diverged)" (it usually leaves the window, which stays at ``bounds``).
    The trajectory lines carry their legend label (``line.get_label()``) and
    ``gid = "trajectory"``, so tests can find them.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.colors as mcolors
    from matplotlib import patheffects
    from matplotlib.lines import Line2D

    owner = "contour"
    if getattr(problem, "dim", 2) != 2:
        hint = ("use function_1d for a 1-d problem" if problem.dim == 1 else
                "for more dimensions plot the run's loss_curves / grad_norm_curves, or "
                "pass a 2-d slice: a callable f(xy) of a 2-vector, with bounds=")
        raise ValueError(
            f"The 'problem' parameter of {owner} must be a 2-d problem. Got "
            f"{getattr(problem, 'name', type(problem).__name__)!r} with dim={problem.dim}; "
            f"{hint}."
        )
    if bounds is None:
        bounds = getattr(problem, "bounds", None)
        if bounds is None:
            raise ValueError(f"The 'bounds' parameter of {owner} is required: "
                             f"{type(problem).__name__} has no bounds.")
    b = _check_bounds(bounds, owner)
    resolution = check_int(resolution, "resolution", owner, low=10, high=2000)
    runs = _items(trajectories, labels, owner) if _nonempty(trajectories) else []

    xs = np.linspace(b[0, 0], b[0, 1], resolution)
    ys = np.linspace(b[1, 0], b[1, 1], resolution)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = _grid_values(problem, X, Y)
    if not np.any(np.isfinite(Z)):
        raise ValueError(f"{owner}: the objective is not finite anywhere in the window.")
    if isinstance(levels, numbers.Integral) and not isinstance(levels, bool):
        n = check_int(levels, "levels", owner, low=2)
        lv = _levels(Z, getattr(problem, "f_min", None), n, bool(log_levels))
    else:
        lv = np.unique(np.asarray(levels, dtype=float))
        if lv.size < 2:
            raise ValueError(f"The 'levels' parameter of {owner} needs at least 2 "
                             f"distinct values. Got {levels!r} instead.")

    with _rc():
        if ax is None:
            ax = _new_axes("square")
        cm = mpl.colormaps[cmap or _CONTOUR_CMAP]
        if cmap is None:
            cm = cm.reversed()             # dark in the valley, light far away
            cm = mcolors.ListedColormap(cm(np.linspace(0.25, 1.0, 256)))
        if filled:
            norm = mcolors.BoundaryNorm(lv, cm.N, extend="both")
            cf = ax.contourf(X, Y, Z, levels=lv, cmap=cm, norm=norm, extend="both")
        ax.contour(X, Y, Z, levels=lv, colors="#33415c", linewidths=0.6, alpha=0.55)
        if filled and colorbar:
            ax.figure.colorbar(cf, ax=ax, label=r"$f(x)$", format="%.3g")
        ax.grid(False)

        handles, any_end = [], False
        stroke = [patheffects.Stroke(linewidth=3.6, foreground="white"), patheffects.Normal()]
        for i, (lab, r) in enumerate(runs):
            c = color(i)
            P = _traj_points(r, owner)
            div = (_is_trajectory(r) and getattr(r, "diverged", False)) or bool(
                np.isnan(P).any())
            outside = np.any((P[:, 0] < b[0, 0]) | (P[:, 0] > b[0, 1])
                             | (P[:, 1] < b[1, 0]) | (P[:, 1] > b[1, 1]))
            if not div and _is_trajectory(r):
                div = bool(outside and _diverges(np.asarray(r.losses, float), r))
            shown = f"{lab} (diverged)" if div else lab
            marker = "o" if len(P) <= 80 else None
            (line,) = ax.plot(P[:, 0], P[:, 1], color=c, lw=1.6, marker=marker, ms=3.2,
                              label=shown, zorder=4, path_effects=stroke)
            line.set_gid("trajectory")
            handles.append(line)
            ax.plot(*P[0], marker="o", ms=9, mfc="white", mec=c, mew=2.2, ls="none",
                    zorder=6, label="_start")
            last = P[np.all(np.isfinite(P), axis=1)]
            if len(last) and not div:
                ax.plot(*last[-1], marker="s", ms=8, color=c, mec="black", mew=0.9,
                        ls="none", zorder=6, label="_end")
                any_end = True
        mins = np.empty((0, 2))
        if mark_minimizers and hasattr(problem, "minimizers"):
            mins = np.asarray(problem.minimizers, dtype=float).reshape(-1, 2)
            if len(mins):
                ax.plot(mins[:, 0], mins[:, 1], marker="*", ms=15, color="#FFD54A",
                        mec="black", mew=1.0, ls="none", zorder=7, label="_minimizer")

        ax.set_xlim(b[0])
        ax.set_ylim(b[1])
        ax.set_aspect(aspect)
        ax.set_xlabel(r"$x_1$")
        ax.set_ylabel(r"$x_2$")
        if title is None:
            title = getattr(problem, "name", "")
        if title:
            ax.set_title(title)
        if runs:
            handles.append(Line2D([], [], marker="o", ms=8, mfc="white", mec="#555555",
                                  mew=2, ls="none", label="start"))
        if any_end:
            handles.append(Line2D([], [], marker="s", ms=7, color="#555555", mec="black",
                                  ls="none", label="end"))
        if len(mins):
            handles.append(Line2D([], [], marker="*", ms=13, color="#FFD54A", mec="black",
                                  ls="none", label="minimizer" if len(mins) == 1
                                  else "minimizers"))
        if legend or (legend is None and runs):
            ax.legend(handles=handles, loc="best")
    return ax


def _nonempty(trajectories):
    if trajectories is None:
        return False
    if isinstance(trajectories, (list, tuple, dict)):
        return len(trajectories) > 0
    return True


# --------------------------------------------------------------------------------- 1-d
def _eval_1d(f, xs):
    if hasattr(f, "value_grid") and getattr(f, "dim", 1) == 1:
        return np.asarray(f.value_grid(xs), dtype=float)
    if hasattr(f, "value"):
        return np.array([float(f.value(np.array([x]))) for x in xs])
    try:
        y = np.asarray(f(xs), dtype=float)
        if y.shape == xs.shape:
            return y
    except Exception:  # noqa: BLE001 - fall back to one call per point
        pass
    return np.array([float(f(x)) for x in xs])


def function_1d(f, xs=None, *, ax=None, mark=None, label=None, xlabel=r"$x$",
                ylabel=r"$f(x)$", title=None, legend=None):
    """Plot a 1-d objective and mark points on it.

    Parameters
    ----------
    f : 1-d problem (e.g. ``TiltedDoubleWell()``) or a callable ``f(x)``
    xs : array of x, a ``(lo, hi)`` pair (400 points), or None for ``f.bounds``
    mark : optional
        * array of x values: dots at ``(x, f(x))``;
        * ``"critical_points"``: ``f.critical_points``, labelled by
          ``f.critical_point_kinds`` when present;
        * a result of run(...) on a 1-d problem: its iterates joined by a thin line (the
          back-and-forth of a too-large step is visible), start and end marked;
        * a dict ``{label: one of the above}``.
    label : legend label of the curve (default ``f.name``)

    Returns
    -------
    matplotlib Axes
    """
    owner = "function_1d"
    if xs is None:
        bnd = getattr(f, "bounds", None)
        if bnd is None:
            raise ValueError(f"The 'xs' parameter of {owner} is required for a plain "
                             f"callable (e.g. xs=(-2, 2)).")
        xs = np.asarray(bnd, dtype=float).ravel()[:2]
    xs = np.asarray(xs, dtype=float).ravel()
    if xs.size == 2:
        xs = np.linspace(xs[0], xs[1], 400)
    if xs.size < 2 or not np.all(np.isfinite(xs)):
        raise ValueError(f"The 'xs' parameter of {owner} must hold finite x values or "
                         f"a (lo, hi) pair. Got {xs.size} values instead.")
    ys = _eval_1d(f, xs)
    if label is None:
        label = getattr(f, "name", None) or r"$f$"

    if mark is None:
        marks = []
    elif isinstance(mark, dict):
        marks = list(mark.items())
    else:
        marks = [(None, mark)]

    with _rc():
        if ax is None:
            ax = _new_axes("medium")
        ax.plot(xs, ys, color="#333333", lw=2.0, label=label, zorder=2)
        for i, (lab, m) in enumerate(marks):
            c = color(i)
            if isinstance(m, str):
                if m != "critical_points" or not hasattr(f, "critical_points"):
                    raise ValueError(f"The 'mark' parameter of {owner} accepts the string "
                                     f"'critical_points' only for problems that have them.")
                pts = np.asarray(f.critical_points, dtype=float).ravel()
                kinds = getattr(f, "critical_point_kinds", None)
                vals = _eval_1d(f, pts)
                if kinds is not None and lab is None:
                    for j, kind in enumerate(dict.fromkeys(kinds)):
                        sel = np.array([k == kind for k in kinds])
                        ax.plot(pts[sel], vals[sel], ls="none", marker="o", ms=8,
                                color=color(i + j), mec="black", zorder=4, label=kind)
                    continue
                ax.plot(pts, vals, ls="none", marker="o", ms=8, color=c, mec="black",
                        zorder=4, label=lab or "critical points")
            elif _is_trajectory(m):
                P = np.asarray(m.params, dtype=float).reshape(len(m.params), -1)[:, 0]
                ok = np.isfinite(P)
                P = P[ok]
                vals = _eval_1d(f, P) if P.size else P
                shown = lab or getattr(m, "label", "") or "iterates"
                ax.plot(P, vals, color=c, lw=0.9, alpha=0.8, marker="o", ms=4, zorder=3,
                        label=shown)
                if P.size:
                    ax.plot(P[0], vals[0], marker="o", ms=9, mfc="white", mec=c, mew=2,
                            ls="none", zorder=5, label="_start")
                    ax.plot(P[-1], vals[-1], marker="s", ms=8, color=c, mec="black",
                            ls="none", zorder=5, label="_end")
            else:
                pts = np.asarray(m, dtype=float).ravel()
                ax.plot(pts, _eval_1d(f, pts), ls="none", marker="o", ms=8, color=c,
                        mec="black", zorder=4, label=lab or "_points")
        lo, hi = float(np.nanmin(ys)), float(np.nanmax(ys))
        pad = 0.06 * (hi - lo if hi > lo else 1.0)
        _grid(ax)
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        if legend or (legend is None and marks):
            ax.legend(loc="best")
    return ax
