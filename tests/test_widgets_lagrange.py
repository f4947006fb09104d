"""The Lagrange explorer, driven without a browser: the multiplier it shows equals the
finite-difference shadow price and scipy's constrained optimum."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from course_lib.widgets import LagrangeExplorer, lagrange_explorer  # noqa: E402
from course_lib.widgets_lagrange import A, NORMAL, Q  # noqa: E402


def scipy_optimum(kind, b):
    con = (lambda x: x @ x - b) if kind == "circle" else (lambda x: NORMAL @ x - b)
    r = minimize(lambda x: 0.5 * (x - A) @ Q @ (x - A), [0.5, 0.5], method="SLSQP",
                 constraints=[{"type": "eq", "fun": con}], options={"ftol": 1e-14})
    return r.x, r.fun


@pytest.mark.parametrize("kind, levels", [("circle", (0.5, 2.25, 4.0)), ("line", (-1.0, 3.0))])
def test_slider_moves_optimum_and_multiplier_is_shadow_price(kind, levels):
    ex = LagrangeExplorer(kind=kind, level=levels[0])
    for b in levels:
        before = ex.image.value
        ex.level.value = b
        r = ex.last
        x, f = scipy_optimum(kind, b)
        np.testing.assert_allclose(r.x, x, atol=1e-6)
        assert np.isclose(r.fstar, f, atol=1e-9)
        assert np.isclose(r.lam, r.shadow_price, rtol=1e-6, atol=1e-8)
        assert abs(r.cross) < 1e-9
        if b != levels[0]:
            assert ex.image.value != before
    if kind == "line":   # closed form: Q(x - A) + lam n = 0, n^T x = b
        b = levels[-1]
        lam = (NORMAL @ A - b) / (NORMAL @ np.linalg.solve(Q, NORMAL))
        assert np.isclose(ex.last.lam, lam, rtol=1e-10)


def test_box_and_bad_input():
    box = lagrange_explorer(level=1.0)
    assert isinstance(box.explorer, LagrangeExplorer)
    with pytest.raises(ValueError, match="'kind' parameter of LagrangeExplorer"):
        LagrangeExplorer(kind="ellipse")
    with pytest.raises(ValueError, match="'level' parameter of LagrangeExplorer"):
        LagrangeExplorer(level=10.0)
