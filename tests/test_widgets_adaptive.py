"""The chapter-04 explorer, driven without a browser: its runs equal the recipes' runs."""
import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from course_lib.loop import run  # noqa: E402
from course_lib.optimizers import adam, rmsprop, sgd  # noqa: E402
from course_lib.widgets import adaptive_explorer  # noqa: E402
from course_lib.widgets_adaptive import AdaptiveExplorer, default_problem  # noqa: E402


def test_sliders_drive_the_three_runs():
    ex = adaptive_explorer(steps=30)
    with ex.hold():
        ex.lr.value, ex.beta1.value, ex.beta2.value = 0.1, 0.5, 0.9
    res = ex.last
    q = default_problem()
    assert np.isclose(q.kappa, 100.0)
    x0 = np.array([1.5, 1.0])
    eps = ex.eps.value
    ref = {"Adam": run(adam(lr=0.1, betas=(0.5, 0.9), eps=eps), q, x0, 30),
           "RMSprop": run(rmsprop(lr=0.1, alpha=0.9, eps=eps), q, x0, 30),
           "SGD-momentum": run(sgd(lr=0.1, momentum=0.5), q, x0, 30)}
    for k, r in ref.items():
        np.testing.assert_array_equal(res.runs[k].params, r.params)
        assert res.final_gaps[k] == pytest.approx(r.losses[-1] - q.f_min, rel=1e-12)
    assert len(ex.image.value) > 1000 and "Adam" in ex.info.value


def test_bad_arguments():
    with pytest.raises(ValueError, match="'lr' parameter of AdaptiveExplorer"):
        AdaptiveExplorer(lr=-1.0)
    with pytest.raises(ValueError, match="'beta2' parameter of AdaptiveExplorer"):
        AdaptiveExplorer(beta2=1.0)
