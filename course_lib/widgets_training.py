"""The chapter-11 explorer: pick a training bug (or none) and a fix, watch the curves.

Each choice runs :func:`course_lib.training_bugs.broken_run` (an MLP on the digits, about
0.1 s) and draws the batch loss with the validation accuracy (left) and the gradient
norm with the update-to-weight ratio (right), the monitors of seed 002's "Monitoring
Training" plus the ratio. The first control is the selector of the bug.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_int
from .widgets import _Explorer

__all__ = ["BugExplorer", "bug_explorer"]


class BugResult(NamedTuple):
    """What :meth:`BugExplorer.draw` drew."""

    bug: str
    fixed: bool
    final_loss: float      # mean batch loss over the last 10 steps
    val_acc: float         # validation accuracy at the end
    median_ratio: float    # median update-to-weight ratio
    diverged: bool


class BugExplorer(_Explorer):
    """A broken run of the digits MLP and its fix, with the monitoring curves.

    Controls (attributes): ``bug`` (a Dropdown over
    :data:`course_lib.training_bugs.BUGS`, first), ``fixed`` (ToggleButtons
    "broken" / "fixed") and ``steps`` (an IntSlider).

    Examples
    --------
    >>> ex = BugExplorer(steps=60)
    >>> ex.bug.value = "lr_too_low"
    >>> ex.last.val_acc < 0.2
    True
    """

    def __init__(self, bug="none", fixed=False, steps=150):
        import ipywidgets as w

        from .training_bugs import BUGS
        owner = "BugExplorer"
        if bug not in BUGS:
            raise ValueError(f"The 'bug' parameter of {owner} must be one of {sorted(BUGS)}. "
                             f"Got {bug!r} instead.")
        common = self._slider_style()
        self.bug = w.Dropdown(options=list(BUGS), value=bug, description="bug",
                              style=common["style"], layout=w.Layout(width="32%"))
        self.fixed = w.ToggleButtons(options=[("broken", False), ("fixed", True)],
                                     value=bool(fixed), description="run",
                                     style={"description_width": "initial"})
        self.steps = w.IntSlider(value=check_int(steps, "steps", owner, low=20, high=400),
                                 min=20, max=400, step=10, description="steps", **common)
        self.describe = w.HTML()
        self._start((self.bug, self.fixed, self.steps), (10.0, 3.8), extra=(self.describe,))
        self.ax_loss, self.ax_grad = self.axes
        self.update()

    def draw(self, bug=None, fixed=None, steps=None):
        """Run the chosen bug (or its fix) and draw it; returns a :class:`BugResult`."""
        from . import plotting
        from .plotting import _rc
        from .training_bugs import BUGS, broken_run

        bug = self.bug.value if bug is None else bug
        fixed = self.fixed.value if fixed is None else fixed
        steps = check_int(self.steps.value if steps is None else steps, "steps",
                          "BugExplorer.draw", low=2)
        res = broken_run(bug, fixed=fixed, steps=steps)
        what, fix = BUGS[bug]
        self.describe.value = f"<b>bug:</b> {what} &nbsp; <b>fix:</b> {fix}"
        with _rc():
            for ax in self.axes:
                ax.clear()
            loss = np.where(np.isfinite(res.losses), res.losses, np.nan)
            self.ax_loss.plot(loss, color=plotting.color(0), label="batch loss")
            self.ax_loss.set_xlabel("step")
            self.ax_loss.set_ylabel("loss")
            acc = self.ax_loss.twinx()
            acc.plot(res.eval_steps, res.val_acc, color=plotting.color(1), marker="o",
                     ms=3, label="val accuracy")
            acc.set_ylim(0, 1)
            acc.set_ylabel("validation accuracy")
            self.ax_loss.set_title(f"{bug} ({'fixed' if fixed else 'broken'})", fontsize=11)
            self.ax_grad.semilogy(res.grad_norms, color=plotting.color(2), label="||grad||")
            self.ax_grad.semilogy(np.maximum(res.update_ratios, 1e-12),
                                  color=plotting.color(3), label="update ratio")
            self.ax_grad.axhline(1e-3, color="0.6", ls=":", label="1e-3")
            self.ax_grad.set_xlabel("step")
            self.ax_grad.legend(fontsize=8)
        finite = res.losses[np.isfinite(res.losses)]
        self.last = BugResult(bug, bool(fixed), float(np.mean(finite[-10:])),
                              float(res.val_acc[-1]), float(np.median(res.update_ratios)),
                              bool(res.diverged))
        return self.last

    def _info(self, res):
        return [f"final loss {res.final_loss:.3g}", f"val acc {res.val_acc:.1%}",
                f"median update ratio {res.median_ratio:.2g}"]


def bug_explorer(**kwargs):
    """The explorer as a widget box (``box.explorer`` is the :class:`BugExplorer`)."""
    return BugExplorer(**kwargs).widget
