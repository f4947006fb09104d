"""The Newton / GD / BFGS explorer, driven without a browser. Oracles: Himmelblau's known
minimizers and local maximum (-0.270845, -0.923039) (Himmelblau 1972), the Hessian's
eigenvalues by finite differences of the gradient, scipy's BFGS."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from course_lib.problems import Himmelblau  # noqa: E402
from course_lib.widgets import NewtonExplorer, newton_explorer  # noqa: E402
from course_lib.widgets_newton import classify_point  # noqa: E402

H = Himmelblau()
LOCAL_MAX = np.array([-0.270845, -0.923039])


def fd_eigenvalues(x, h=1e-5):
    J = np.column_stack([(H.grad(x + h * e) - H.grad(x - h * e)) / (2 * h) for e in np.eye(2)])
    return np.linalg.eigvalsh(0.5 * (J + J.T))


def test_sliders_move_the_start_and_newton_finds_the_maximum_from_the_origin():
    ex = NewtonExplorer(x0=1.0, y0=1.0)
    before = ex.image.value
    with ex.hold():
        ex.x0.value, ex.y0.value = 0.0, 0.0
    assert ex.image.value != before
    r = ex.last
    np.testing.assert_allclose(r.x0, [0.0, 0.0])
    np.testing.assert_allclose(r.ends["Newton"], LOCAL_MAX, atol=1e-6)
    assert np.all(fd_eigenvalues(r.ends["Newton"]) < 0) and r.kinds["Newton"] == "maximum"
    for m in ("GD", "BFGS"):      # descent methods: a minimum, and lower than the start
        assert r.kinds[m] == "minimum"
        assert np.min(np.linalg.norm(H.minimizers - r.ends[m], axis=1)) < 1e-5
        assert r.runs[m].fun < H.value([0.0, 0.0])
    ref = minimize(H.value, [0.0, 0.0], jac=H.grad, method="BFGS")
    np.testing.assert_allclose(r.ends["BFGS"], ref.x, atol=1e-5)


@pytest.mark.parametrize("start", [(0.5, -3.0), (-4.0, 0.0), (-1.0, 2.0)])
def test_newton_lands_on_a_saddle_where_descent_methods_do_not(start):
    ex = NewtonExplorer(x0=start[0], y0=start[1])
    r = ex.last
    ev = fd_eigenvalues(r.ends["Newton"])
    assert ev[0] < 0 < ev[1] and r.kinds["Newton"] == "saddle"
    assert np.max(np.abs(H.grad(r.ends["Newton"]))) < 1e-8
    assert r.kinds["BFGS"] == "minimum" and r.kinds["GD"] == "minimum"


def test_classify_point_and_bad_input():
    assert classify_point(H, np.array([1.0, 1.0])) == "not critical"
    assert classify_point(H, np.array([3.0, 2.0])) == "minimum"
    assert isinstance(newton_explorer(x0=4.0, y0=4.0).explorer, NewtonExplorer)
    with pytest.raises(ValueError, match="'x0' parameter of NewtonExplorer"):
        NewtonExplorer(x0=7.0)
    with pytest.raises(ValueError, match="'lr' parameter of NewtonExplorer"):
        NewtonExplorer(lr=-1.0)
