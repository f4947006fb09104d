"""The chapter-10 explorer, driven without a browser: the slice it draws is
course_lib.landscape's slice, recomputed here point by point from the model's loss; the
sliders and the toggle redraw."""
import numpy as np
import pytest

pytest.importorskip("ipywidgets")
import torch  # noqa: E402

from course_lib import widgets  # noqa: E402
from course_lib.landscape import Landscape  # noqa: E402
from course_lib.training import digits, mlp  # noqa: E402


@pytest.fixture(scope="module")
def land():
    d = digits()
    return Landscape(mlp((6,), seed=0), d.X_train[:200], d.y_train[:200])


def test_the_explorer_is_served_by_the_lazy_table(land):
    assert widgets.SliceExplorer.__module__ == "course_lib.widgets_landscape"
    box = widgets.slice_explorer(land, land.theta0, points=5)
    assert box.explorer.last.loss.shape == (5, 5)


def test_sliders_redraw_and_the_slice_is_the_loss_at_each_point(land):
    ex = widgets.SliceExplorer(land, land.theta0, points=5, scale=1.0)
    first = ex.image.value
    ex.scale.value = 0.5
    assert ex.image.value != first and ex.last.scale == 0.5 and "scale = 0.50" in ex.info.value
    d1, d2 = ex.directions()
    g = np.linspace(-0.5, 0.5, 5)
    for i, b in enumerate(g):
        for j, a in enumerate(g):
            t = torch.as_tensor(land.theta0 + a * d1 + b * d2)
            m = mlp((6,), seed=0, dtype=torch.float64)
            torch.nn.utils.vector_to_parameters(t, m.parameters())
            with torch.no_grad():
                ref = torch.nn.functional.cross_entropy(m(land.X), land.y)
            assert np.isclose(ex.last.loss[i, j], float(ref), rtol=1e-12)
    assert np.isclose(ex.last.centre, land.loss(land.theta0), rtol=1e-12)
    # filter-normalised: each row of d1's first layer has the weights' row norm
    W = land.split(land.theta0)[0]
    D = land.split(d1)[0]
    assert np.allclose(np.linalg.norm(D, axis=1), np.linalg.norm(W, axis=1))
    ex.normalise.value = False
    raw = land.split(ex.directions()[0])[0]
    assert not np.allclose(np.linalg.norm(raw, axis=1), np.linalg.norm(W, axis=1))
    assert "raw directions" in ex.info.value
    with ex.hold():
        ex.seed.value, ex.scale.value = 3, 0.05
    assert ex.last.seed == 3 and ex.last.corner_max < ex.last.centre + 0.5


def test_bad_input_is_named(land):
    with pytest.raises(ValueError, match="'scale' parameter of SliceExplorer"):
        widgets.SliceExplorer(land, land.theta0, scale=5.0)
    with pytest.raises(TypeError, match="'land' parameter of SliceExplorer"):
        widgets.SliceExplorer("land", land.theta0)
