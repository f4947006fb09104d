"""The schedule explorer (chapter 06): warm-up length, decay type, restarts and floor on
sliders, the learning-rate curve drawn by :func:`course_lib.plotting.lr_curves`.

Like the explorers of :mod:`course_lib.widgets`, it is driven without a browser: set a
slider's ``value`` and read ``explorer.last`` (the :class:`ScheduleResult` drawn).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_int, check_scalar
from .widgets import _Explorer

__all__ = ["ScheduleExplorer", "ScheduleResult", "schedule_explorer"]


class ScheduleResult(NamedTuple):
    """What :meth:`ScheduleExplorer.draw` drew."""

    schedule: object       # the course_lib.schedules.Schedule
    lrs: np.ndarray        # schedule(t) for t = 0 .. total_steps - 1
    peak_step: int         # first step at the peak learning rate
    final_lr: float        # lrs[-1]
    mean_lr: float         # mean of lrs (the "area" under the schedule / steps)


class ScheduleExplorer(_Explorer):
    """Learning-rate schedules of :func:`course_lib.schedules.schedule_shape`.

    Sliders (attributes): ``warmup`` (steps), ``decay`` (a dropdown of
    :data:`course_lib.schedules.DECAYS`), ``restarts`` (number of restarts) and
    ``floor`` (final lr as a fraction of the peak). Left panel: the schedule on a linear
    axis; right panel: the same on a log axis, where the floor and exponential decay are
    visible.

    Parameters
    ----------
    total_steps : int >= 20
    peak_lr : float > 0
    warmup, restarts : int  initial slider values
    decay : str  initial decay type
    floor : float in [0, 1]  initial floor, as a fraction of ``peak_lr``

    Examples
    --------
    >>> ex = ScheduleExplorer(total_steps=200)
    >>> ex.floor.value = 0.1
    >>> round(ex.last.final_lr / ex.peak_lr, 3)
    0.1
    """

    def __init__(self, total_steps=1000, peak_lr=0.1, warmup=100, decay="cosine",
                 restarts=0, floor=0.0):
        import ipywidgets as w

        from .schedules import DECAYS

        owner = "ScheduleExplorer"
        self.total_steps = check_int(total_steps, "total_steps", owner, low=20)
        self.peak_lr = check_scalar(peak_lr, "peak_lr", owner, low=0.0)
        common = self._slider_style()
        common["layout"] = w.Layout(width="24%")
        self.warmup = w.IntSlider(value=check_int(warmup, "warmup", owner, low=0,
                                                  high=self.total_steps // 2),
                                  min=0, max=self.total_steps // 2,
                                  description="warm-up steps", **common)
        self.decay = w.Dropdown(options=list(DECAYS), value=decay, description="decay",
                                style=common["style"], layout=common["layout"])
        self.restarts = w.IntSlider(value=check_int(restarts, "restarts", owner, low=0,
                                                    high=5),
                                    min=0, max=5, description="restarts", **common)
        self.floor = w.FloatSlider(value=check_scalar(floor, "floor", owner, low=0.0,
                                                      high=1.0, closed="both"),
                                   min=0.0, max=1.0, step=0.01,
                                   description="floor / peak", **common)
        self._start((self.warmup, self.decay, self.restarts, self.floor), (10.0, 3.8))
        self.ax_linear, self.ax_log = self.axes
        self.update()

    def draw(self, warmup=None, decay=None, restarts=None, floor=None):
        """Build the schedule and draw it; arguments default to the sliders' values.
        Returns a :class:`ScheduleResult`."""
        from . import plotting
        from .plotting import _rc
        from .schedules import schedule_shape

        warmup = self.warmup.value if warmup is None else warmup
        decay = self.decay.value if decay is None else decay
        restarts = self.restarts.value if restarts is None else restarts
        floor = self.floor.value if floor is None else floor
        s = schedule_shape(decay, self.total_steps, warmup, restarts,
                           floor * self.peak_lr, self.peak_lr)
        lrs = s.values(self.total_steps)
        res = ScheduleResult(s, lrs, int(np.argmax(lrs)), float(lrs[-1]),
                             float(np.mean(lrs)))
        with _rc():
            for ax, log in ((self.ax_linear, False), (self.ax_log, True)):
                ax.clear()
                plotting.lr_curves({decay: lrs}, ax=ax, log=log, legend=False)
                if floor > 0:
                    ax.axhline(floor * self.peak_lr, color="0.5", ls=":", lw=1)
            self.ax_log.set_title("log scale", fontsize=11)
            self.fig.suptitle(f"{decay}, warm-up {warmup} steps, {restarts} restart"
                              f"{'s' * (restarts != 1)}, floor {floor:.2f} x peak",
                              fontsize=12.5)
        self.last = res
        return res

    def _info(self, res):
        return [f"peak at step {res.peak_step}", f"final lr {res.final_lr:.3g}",
                f"mean lr {res.mean_lr:.3g}"]


def schedule_explorer(**kwargs):
    """The schedule explorer as a widget box (``box.explorer`` is the explorer)."""
    return ScheduleExplorer(**kwargs).widget
