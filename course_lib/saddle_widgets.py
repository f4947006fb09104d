"""An explorer for chapter 02: gradient descent escaping a strict saddle, with noise.

Kept apart from :mod:`course_lib.widgets` (one small module per chapter's explorers);
it computes with :mod:`course_lib.convexity` and only builds the slider.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_int, check_scalar

__all__ = ["saddle_explorer"]


def saddle_explorer(curvature=0.2, lr=0.5, noise=1e-3, radius=1.0, seeds=20):
    r"""Escape time from the saddle ``f = (x^2 - curvature y^2)/2``, curvature on a slider.

    Each slider move runs noisy gradient descent
    (:func:`course_lib.convexity.escape_time`) from the saddle itself for ``seeds``
    seeds and prints the mean number of steps until ``||x_t|| > radius``, next to the
    closed form :func:`course_lib.convexity.predicted_escape_time` (which grows like
    ``1 / (lr * curvature)``). Reference: Du et al., NeurIPS 2017.

    Returns
    -------
    ipywidgets.interactive
        ``.curvature`` is the slider; ``.result`` the latest
        ``(measured mean, predicted mean, standard error)``.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     box = saddle_explorer(curvature=0.4, seeds=5)
    ...     box.curvature.value = 0.8
    >>> box.result[1] < 30             # the predicted mean escape time at curvature 0.8
    True
    """
    import ipywidgets as w

    from .convexity import escape_time, predicted_escape_time
    from .problems import Quadratic

    owner = "saddle_explorer"
    curvature = check_scalar(curvature, "curvature", owner, low=0.05, high=2.0,
                             closed="both")
    lr = check_scalar(lr, "lr", owner, low=0.0, high=1.0, closed="right")
    noise = check_scalar(noise, "noise", owner, low=0.0)
    radius = check_scalar(radius, "radius", owner, low=0.0)
    seeds = check_int(seeds, "seeds", owner, low=2)

    def escape(gamma):
        q = Quadratic(np.diag([1.0, -gamma]), allow_indefinite=True)
        T = np.array([escape_time(q, np.zeros(2), lr, 100_000, radius, noise=noise, seed=s)
                      for s in range(seeds)], dtype=float)
        pred, _ = predicted_escape_time(gamma, lr, radius, noise=noise)
        se = T.std(ddof=1) / np.sqrt(seeds)
        print(f"negative curvature {gamma:.2f}: escaped after {T.mean():.1f} ± {se:.1f} "
              f"steps (mean of {seeds} seeds); formula {pred:.1f}")
        return float(T.mean()), pred, float(se)

    slider = w.FloatSlider(value=curvature, min=0.05, max=2.0, step=0.05,
                           description="curvature")
    box = w.interactive(escape, gamma=slider)
    box.curvature = slider
    return box
