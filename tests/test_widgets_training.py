"""The chapter-11 explorer, driven without a browser: the selector and the toggle
redraw, and each curve shows the symptom that training_bugs' runs have."""
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("torch")
from course_lib import widgets  # noqa: E402
from course_lib.training_bugs import softmax_floor  # noqa: E402


def test_selector_and_fix_redraw_with_the_symptoms():
    ex = widgets.BugExplorer(steps=150)
    first = ex.image.value
    assert ex.last.bug == "none" and ex.last.val_acc > 0.9
    ex.bug.value = "softmax_twice"
    assert ex.image.value != first and ex.last.final_loss >= softmax_floor(10)
    assert "Softmax" in ex.describe.value
    ex.fixed.value = True
    assert ex.last.fixed and ex.last.final_loss < 0.3 and ex.last.val_acc > 0.9
    with ex.hold():
        ex.bug.value, ex.fixed.value = "lr_too_low", False
    assert ex.last.median_ratio < 1e-4 and "median update ratio" in ex.info.value


def test_lazy_table_and_bad_input():
    box = widgets.bug_explorer(steps=20)
    assert isinstance(box.explorer, widgets.BugExplorer)
    with pytest.raises(ValueError, match="'bug' parameter of BugExplorer"):
        widgets.BugExplorer(bug="typo")
