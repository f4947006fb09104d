"""course_lib.widgets: drive the explorer as a learner would (slider.value = ...) and
check what it drew against an independent run of course_lib.optimizers."""
import matplotlib

matplotlib.use("Agg")  # this test module only; MPLBACKEND is not touched

import ipywidgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.optimizers import gradient_descent, run  # noqa: E402
from course_lib.problems import Quadratic  # noqa: E402
from course_lib.widgets import GDExplorer, classify_gd, gd_explorer  # noqa: E402


@pytest.fixture(scope="module")
def ex():
    return GDExplorer(L=4.0, kappa=10.0, lr_factor=0.9, steps=40)


def _trajectory_line(explorer):
    (line,) = [ln for ln in explorer.ax_contour.get_lines() if ln.get_gid() == "trajectory"]
    return line


def _loss_line(explorer):
    (line,) = [ln for ln in explorer.ax_loss.get_lines()
               if ln.get_label().startswith("GD")]
    return line


def test_sliders_drive_the_drawing(ex):
    png_before = ex.image.value
    with ex.hold():                     # three sliders, one redraw
        ex.kappa.value = 20.0
        ex.steps.value = 30
        ex.lr_factor.value = 1.5
    # independent oracle: the same quadratic and run, built here
    q = Quadratic.from_condition_number(ex.kappa.value, dim=2, L=4.0)
    expected = run(gradient_descent(1.5 / 4.0), q, q.x0, 30)
    assert np.allclose(_trajectory_line(ex).get_xydata(), expected.params, rtol=0,
                       atol=1e-12)
    loss = _loss_line(ex)
    assert len(loss.get_ydata()) == 31
    gap = expected.losses - q.f_min
    ok = gap > 0
    assert np.allclose(loss.get_ydata()[ok], gap[ok], rtol=1e-12, atol=0)
    assert ex.last.status == "converges (oscillating)"
    assert "converges" in ex.fig._suptitle.get_text()
    assert f"{1.5 / 4:.4g}" in ex.info.value          # the absolute lr is shown
    assert ex.image.value[:8] == b"\x89PNG\r\n\x1a\n" and ex.image.value != png_before


def test_status_follows_the_divergence_threshold(ex):
    for factor in (2.2, 1.9, 2.0, 0.5):
        if factor in (2.2, 1.9):        # through the slider (each move re-renders) ...
            ex.lr_factor.value = factor
        else:                           # ... or straight through draw()
            ex.draw(lr=factor / ex.L)
        status = ex.last.status
        title = ex.fig._suptitle.get_text()
        lr = factor / ex.L
        assert ex.last.lr == pytest.approx(lr)
        if lr > 2.0 / ex.L + 1e-12:
            assert status == "diverges" and "diverges" in title
        elif lr < 2.0 / ex.L - 1e-12:
            assert status.startswith("converges") and "diverges" not in title
        else:
            assert status == "oscillates"
    assert ex.last.status == "converges (monotonically)"


def test_draw_without_sliders_and_growth_above_threshold(ex):
    res = ex.draw(lr=2.2 / 4.0, kappa=5.0, steps=25)
    d = np.linalg.norm(res.trajectory.params - res.problem.x_star, axis=1)
    assert d[-1] > 5 * d[0]                       # the run really grows
    assert res.contraction == pytest.approx(1.2)  # |1 - 2.2|
    res = ex.draw(lr=0.1, kappa=5.0, steps=25)
    assert res.status == "converges (monotonically)"
    # the dashed envelope rho^(2t) (f0 - f*) is a true bound on the drawn loss gap
    env = [ln for ln in ex.ax_loss.get_lines() if ln.get_linestyle() == "--"][0]
    gap = res.trajectory.losses - res.problem.f_min
    assert np.all(gap <= env.get_ydata() * (1 + 1e-9) + 1e-15)
    assert len(_loss_line(ex).get_ydata()) == 26


def test_classify_gd_agrees_with_runs():
    q = Quadratic.from_condition_number(10.0, dim=3, L=2.0, rotation=3)
    x0 = q.x_star + np.array([1.0, -1.0, 0.5])
    for factor in (0.4, 1.0, 1.3, 1.99, 2.01, 2.6):
        lr = factor / q.L
        status, rho = classify_gd(lr, q.eigenvalues)
        d = np.linalg.norm(run(gradient_descent(lr), q, x0, 400).params - q.x_star, axis=1)
        if status.startswith("converges"):
            assert d[-1] < d[0] and rho < 1
        else:
            assert status == "diverges" and d[-1] > d[0]
    with pytest.raises(ValueError, match="'lr'"):
        classify_gd(-1.0, [1.0])
    with pytest.raises(TypeError, match="'eigenvalues' parameter of classify_gd"):
        classify_gd(0.1, "abc")


def test_gd_explorer_returns_the_widget_box():
    box = gd_explorer(kappa=3.0, steps=10)
    assert isinstance(box, ipywidgets.VBox)
    ex = box.explorer
    assert isinstance(ex, GDExplorer)
    sliders = box.children[0].children
    assert ex.lr_factor in sliders and ex.kappa in sliders and ex.steps in sliders
    assert ex.info in box.children and ex.image in box.children
    with pytest.raises(ValueError, match="'kappa'"):
        GDExplorer(kappa=0.5)
