"""The clipping explorer, driven as a learner would (slider.value = ...), checked against
properties computed here: the size of each clipped SGD step, and a no-op threshold."""
import matplotlib

matplotlib.use("Agg")  # this test module only

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import widgets  # noqa: E402
from course_lib.widgets_clipping import ClippingExplorer  # noqa: E402


@pytest.fixture(scope="module")
def ex():
    return ClippingExplorer(steps=90, lr=0.5, period=15)


def test_served_by_the_lazy_table():
    assert widgets.ClippingExplorer is ClippingExplorer
    assert widgets.clipping_explorer(steps=20).explorer.threshold.value == 1.0


def test_a_threshold_above_every_spike_changes_nothing(ex):
    ex.threshold.value = 1e3
    r = ex.last
    assert r.unclipped.spiked_grad_norms.max() < 1e3
    assert np.array_equal(r.clipped.params, r.unclipped.params)
    assert r.clipped_fraction == 0.0 and r.final_gap == r.final_gap_unclipped


def test_each_clipped_step_has_length_lr_times_min_norm_threshold(ex):
    png = ex.image.value
    ex.threshold.value = 1.0
    r = ex.last
    steps = np.linalg.norm(np.diff(r.clipped.params, axis=0), axis=1)
    g = r.clipped.spiked_grad_norms
    expected = 0.5 * g * np.minimum(1.0, 1.0 / (g + 1e-6))
    assert np.allclose(steps, expected, rtol=1e-10)
    assert r.clipped_fraction == np.mean(g > 1.0) > 0
    assert set(ex.spikes()) == {14, 29, 44, 59, 74, 89}
    # the spikes are the steps the unclipped run sees as its largest gradients
    top = np.argsort(r.unclipped.spiked_grad_norms)[-1]
    assert top in ex.spikes()
    # the drawn curves are the runs' gaps; the dashed line is the threshold
    lines = ex.ax_loss.get_lines()
    assert np.allclose(lines[0].get_ydata(), r.unclipped.losses - ex.problem.f_min)
    assert any(np.allclose(ln.get_ydata(), 1.0) for ln in ex.ax_norm.get_lines())
    assert "steps clipped" in ex.info.value and ex.image.value != png


def test_cutting_the_spikes_lowers_the_late_loss(ex):
    with ex.hold():
        ex.threshold.value = 3.0
        ex.spike.value = 30.0
    assert ex.last.final_gap < ex.last.final_gap_unclipped / 10


def test_bad_input():
    with pytest.raises(ValueError, match="'period' parameter of ClippingExplorer"):
        ClippingExplorer(period=1)
    with pytest.raises(ValueError, match="'spike' parameter of ClippingExplorer"):
        ClippingExplorer(spike=0.5)
