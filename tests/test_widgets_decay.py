"""The chapter-05 explorer, driven without a browser: Adam+L2 lands on the ridge
minimizer (closed form), AdamW does not; the sliders redraw."""
import numpy as np
import pytest

pytest.importorskip("ipywidgets")
from course_lib.widgets_decay import DecayExplorer, ridge_minimizer  # noqa: E402


def test_ridge_minimizer_solves_the_normal_equations():
    eigs, xs, wd = np.array([10.0, 0.1]), np.array([1.0, -2.0]), 0.3
    x = ridge_minimizer(eigs, xs, wd)
    np.testing.assert_allclose(eigs * (x - xs) + wd * x, 0.0, atol=1e-15)


def test_sliders_redraw_and_adam_l2_reaches_the_l2_minimizer():
    ex = DecayExplorer(steps=1500)
    first = ex.image.value
    ex.weight_decay.value = 0.05
    assert ex.image.value != first and ex.last.weight_decay == pytest.approx(0.05)
    np.testing.assert_allclose(ex.last.x_l2, ridge_minimizer(ex.eigs, ex.x_star, 0.05),
                               atol=1e-9)
    assert ex.last.w_gap > 0.1          # AdamW settles elsewhere
    with ex.hold():
        ex.lr.value, ex.steps.value = 0.001, 20
    assert ex.last.lr == pytest.approx(0.001) and "lr = 0.001" in ex.info.value


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="'eigs' parameter of DecayExplorer"):
        DecayExplorer(eigs=(1.0, 2.0, 3.0))
