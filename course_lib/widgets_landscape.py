"""The explorer of chapter 10: a 2-D slice of a trained network's loss landscape.

``L(theta + a d1 + b d2)`` on a grid ``|a|, |b| <= scale``, with the two random
directions drawn from a seed and either filter-normalised (Li et al. 2018) or raw.
Everything is computed by :mod:`course_lib.landscape`; imports torch (through it).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_int, check_scalar
from .widgets import _Explorer

__all__ = ["SliceExplorer", "slice_explorer", "SliceResult"]


class SliceResult(NamedTuple):
    """What :meth:`SliceExplorer.draw` drew."""

    scale: float
    seed: int
    normalised: bool
    grid: np.ndarray        # the a (= b) values
    loss: np.ndarray        # (len(grid), len(grid)), rows: b
    centre: float           # L(theta)
    corner_max: float       # the largest loss at the four corners


class SliceExplorer(_Explorer):
    """A 2-D slice around ``theta`` of a :class:`course_lib.landscape.Landscape`.

    Left panel: filled contours of the loss on the grid, the centre marked. Right panel:
    the two 1-D cuts ``L(theta + a d1)`` and ``L(theta + b d2)``.

    Sliders (attributes): ``scale`` (half-width of the grid, in units of the
    directions: 1 = one filter norm when normalised), ``seed`` (the pair of directions,
    drawn with seeds ``2 seed`` and ``2 seed + 1``), ``normalise`` (a toggle:
    filter-normalised or raw standard normal directions).

    Parameters
    ----------
    land : Landscape
    theta : array (n,)  the centre (a trained network's weights)
    scale : float in [0.05, 3]
    seed : int in [0, 9]
    normalise : bool
    points : int in [5, 41]  grid points per axis

    Examples
    --------
    >>> from course_lib.training import digits, mlp
    >>> from course_lib.landscape import Landscape
    >>> d = digits(); land = Landscape(mlp((8,)), d.X_train[:300], d.y_train[:300])
    >>> ex = SliceExplorer(land, land.theta0, points=5)
    >>> ex.scale.value = 0.1
    >>> bool(np.isclose(ex.last.centre, land.loss(land.theta0)))
    True
    """

    def __init__(self, land, theta, *, scale=1.0, seed=0, normalise=True, points=15):
        import ipywidgets as w

        from .landscape import Landscape

        owner = "SliceExplorer"
        if not isinstance(land, Landscape):
            raise TypeError(f"The 'land' parameter of {owner} must be a "
                            f"course_lib.landscape.Landscape. Got {type(land).__name__} "
                            f"instead.")
        self.land = land
        self.theta = land._theta(theta, "theta", owner)
        self.points = check_int(points, "points", owner, low=5, high=41)
        common = self._slider_style()
        self.scale = w.FloatSlider(value=check_scalar(scale, "scale", owner, low=0.05,
                                                      high=3.0, closed="both"),
                                   min=0.05, max=3.0, step=0.05, description="scale",
                                   **common)
        self.seed = w.IntSlider(value=check_int(seed, "seed", owner, low=0, high=9), min=0,
                                max=9, description="directions (seed)", **common)
        self.normalise = w.ToggleButton(value=bool(normalise),
                                        description="filter-normalised")
        self._start((self.scale, self.seed, self.normalise), (10.0, 4.2))
        self.ax_slice, self.ax_cut = self.axes
        self.update()

    def directions(self, seed=None, normalise=None):
        """The two directions (flat arrays) for ``seed`` (default: the slider's)."""
        from .landscape import filter_normalize, random_direction

        seed = self.seed.value if seed is None else seed
        normalise = self.normalise.value if normalise is None else normalise
        out = []
        for k in (2 * seed, 2 * seed + 1):
            d = random_direction(self.land, seed=k)
            if normalise:
                d = self.land.join(filter_normalize(self.land.split(d),
                                                    self.land.split(self.theta)))
            out.append(d)
        return out

    def draw(self):
        """Compute the slice for the sliders' values and draw it; a :class:`SliceResult`."""
        from . import plotting
        from .landscape import slice_2d
        from .plotting import _rc

        scale, seed, normalise = self.scale.value, self.seed.value, self.normalise.value
        d1, d2 = self.directions(seed, normalise)
        g = np.linspace(-scale, scale, self.points)
        loss, _ = slice_2d(self.land, self.theta, d1, d2, g, g)
        mid = self.points // 2
        centre = float(loss[mid, mid])
        with _rc():
            self.ax_slice.clear()
            self.ax_cut.clear()
            levels = np.linspace(loss.min(), min(loss.max(), centre + 5.0), 15)
            self.ax_slice.contourf(g, g, loss, levels=levels, cmap="Blues_r", extend="max")
            self.ax_slice.contour(g, g, loss, levels=levels, colors="k", linewidths=0.4)
            self.ax_slice.plot(0, 0, marker="*", ms=12, color="k")
            self.ax_slice.set_xlabel(r"$a$ (along $d_1$)")
            self.ax_slice.set_ylabel(r"$b$ (along $d_2$)")
            kind = "filter-normalised" if normalise else "raw"
            self.ax_slice.set_title(f"loss on a {kind} slice", fontsize=11)
            self.ax_cut.plot(g, loss[mid, :], color=plotting.color(0), label=r"$d_1$")
            self.ax_cut.plot(g, loss[:, mid], color=plotting.color(1), label=r"$d_2$")
            self.ax_cut.set_xlabel("step along the direction")
            self.ax_cut.set_ylabel("training loss")
            self.ax_cut.legend(fontsize=9)
        corners = float(max(loss[0, 0], loss[0, -1], loss[-1, 0], loss[-1, -1]))
        self.last = SliceResult(scale, seed, normalise, g, loss, centre, corners)
        return self.last

    def _info(self, res):
        return [f"scale = {res.scale:.2f}", f"seed = {res.seed}",
                "filter-normalised" if res.normalised else "raw directions",
                f"L(centre) = {res.centre:.3f}", f"largest corner loss = {res.corner_max:.3f}"]


def slice_explorer(land, theta, **kwargs):
    """The explorer as a widget box (``box.explorer`` is the :class:`SliceExplorer`)."""
    return SliceExplorer(land, theta, **kwargs).widget
