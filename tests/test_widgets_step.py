"""course_lib.widgets.step_explorer (chapter 00's first widget): the slider recomputes one
gradient-descent step, checked against the step written out by hand."""
import ipywidgets
import numpy as np
import pytest

from course_lib.problems import Quadratic
from course_lib.widgets import step_explorer


def _printed(capsys):
    """The last line the step explorer printed (outside a kernel ipywidgets clears the
    output area with an ANSI escape first)."""
    return capsys.readouterr().out.split("\x1b[2K")[-1].strip().splitlines()[-1]


def test_step_explorer_slider_recomputes_the_step(capsys):
    box = step_explorer(Quadratic([[1.0]]), [1.0], lr=0.5)
    assert isinstance(box, ipywidgets.interactive) and box.lr in box.children
    assert _printed(capsys) == "eta = 0.50:  x1 = +0.50  (loss went down)"
    for eta in (1.5, 2.2, 0.1):
        box.lr.value = eta
        # f(x) = x^2/2, f'(x) = x: one step from x0 = 1 lands at 1 - eta
        assert np.isclose(box.result[0], 1 - eta, rtol=0, atol=1e-15)
        went_down = abs(1 - eta) < 1
        assert _printed(capsys).endswith("(loss went down)" if went_down
                                         else "(loss did not go down)")
    # a 2-d quadratic: x1 = x0 - eta (A x0 - b), computed from A and b here
    A, b, x0 = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0]), np.array([1.0, 2.0])
    box = step_explorer(Quadratic(A, b), x0, lr=0.3, lr_max=1.0)
    np.testing.assert_allclose(box.result, x0 - 0.3 * (A @ x0 - b), rtol=1e-14)
    assert _printed(capsys).startswith("eta = 0.30:  x1 = [-0.20, +0.20]")


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": 3.0}, r"'lr' parameter of step_explorer must be a float in the range \[0.1, 2.5\]"),
    ({"lr_min": -1.0}, r"'lr_min' parameter of step_explorer"),
    ({"x0": [[1.0]]}, r"'x0' parameter of step_explorer must be a 1-d array"),
])
def test_step_explorer_bad_input_names_the_argument(kwargs, match):
    args = {"problem": Quadratic([[1.0]]), "x0": [1.0], **kwargs}
    with pytest.raises(ValueError, match=match):
        step_explorer(**args)
