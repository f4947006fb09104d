"""The schedule explorer, driven as a learner would (slider.value = ...), checked against
closed forms of the schedules built here (not by the explorer)."""
import math

import matplotlib

matplotlib.use("Agg")  # this test module only; MPLBACKEND is not touched

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.schedules import DECAYS, schedule_shape  # noqa: E402
from course_lib.widgets_schedules import ScheduleExplorer, schedule_explorer  # noqa: E402


@pytest.fixture(scope="module")
def ex():
    return ScheduleExplorer(total_steps=300, peak_lr=0.2, warmup=30)


def _drawn(ax):
    (line,) = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    return np.asarray(line.get_ydata(), dtype=float)


def test_sliders_drive_the_drawing(ex):
    png = ex.image.value
    with ex.hold():
        ex.warmup.value = 50
        ex.decay.value = "cosine"
        ex.restarts.value = 0
        ex.floor.value = 0.1
    W, T, peak, floor = 50, 300, 0.2, 0.02
    closed = np.array([peak * t / W if t < W else
                       floor + (peak - floor) * (1 + math.cos(math.pi * (t - W) / (T - W))) / 2
                       for t in range(T)])
    assert np.allclose(_drawn(ex.ax_linear), closed, rtol=1e-12, atol=0)
    assert ex.last.peak_step == W and ex.last.lrs.min() >= 0
    assert min(ex.last.lrs[W:]) >= floor - 1e-15
    log = _drawn(ex.ax_log)
    assert np.isnan(log[0]) and np.allclose(log[1:], closed[1:], rtol=1e-12)
    assert ex.ax_log.get_yscale() == "log"
    assert "floor 0.10" in ex.fig._suptitle.get_text()
    assert "peak at step 50" in ex.info.value
    assert ex.image.value[:8] == b"\x89PNG\r\n\x1a\n" and ex.image.value != png


def test_restarts_return_to_the_peak(ex):
    with ex.hold():
        ex.warmup.value = 0
        ex.restarts.value = 2
        ex.floor.value = 0.0
    lrs = ex.last.lrs
    assert [t for t in range(300) if lrs[t] == 0.2] == [0, 100, 200]
    assert lrs[99] < 1e-3 * 0.2


@pytest.mark.parametrize("decay", DECAYS)
def test_every_decay_respects_warmup_and_floor(decay):
    s = schedule_shape(decay, 400, 40, 1, floor=0.01, peak_lr=0.1)
    v = s.values(400)
    assert v[0] == 0.0 and np.all(np.diff(v[:41]) > 0) and v[40] == 0.1
    assert v.min() == 0.0 and v[40:].min() >= 0.01 - 1e-15
    assert v[220] == 0.1                          # the restart: (400 - 40) / 2 = 180 later


def test_bad_input():
    with pytest.raises(ValueError, match="decay"):
        schedule_shape("sawtooth")
    with pytest.raises(ValueError, match="warmup_steps"):
        schedule_shape("cosine", 100, 100)
    with pytest.raises(ValueError, match="floor"):
        schedule_shape("cosine", 100, 10, floor=0.5, peak_lr=0.1)
    with pytest.raises(ValueError, match="total_steps"):
        ScheduleExplorer(total_steps=5)


def test_widget_box():
    box = schedule_explorer(total_steps=100, warmup=10)
    assert box.explorer.last.peak_step == 10
