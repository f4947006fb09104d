"""The plotting errors a new user met (issue 7, item 7): each names the function and the
argument, says what was given and what to use instead."""
import matplotlib

matplotlib.use("Agg")  # this test module only; MPLBACKEND is not touched

import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import plotting  # noqa: E402
from course_lib import problems as P  # noqa: E402
from course_lib.optimizers import gradient_descent, run  # noqa: E402


@pytest.mark.parametrize("func", [plotting.loss_curves, plotting.grad_norm_curves,
                                  plotting.lr_curves])
@pytest.mark.parametrize("empty", [{}, [], ()])
def test_no_runs_is_a_clear_error_not_a_warning(func, empty):
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # the old behaviour was only a warning
        with pytest.raises(ValueError, match=rf"The 'runs' parameter of {func.__name__} "
                                             rf"must hold at least one run.*Got an empty "
                                             rf"{type(empty).__name__}"):
            func(empty)


def test_contour_of_a_3d_problem_does_not_suggest_function_1d():
    with pytest.raises(ValueError, match="must be a 2-d problem") as info:
        plotting.contour(P.Rosenbrock(dim=3))
    msg = str(info.value)
    assert "dim=3" in msg and "function_1d" not in msg
    assert "loss_curves" in msg and "bounds=" in msg
    # and the suggested 2-d slice works: a callable of a 2-vector with bounds
    rb = P.Rosenbrock(dim=3)
    ax = plotting.contour(lambda xy: rb.value(np.array([xy[0], xy[1], 1.0])),
                          bounds=((-2, 2), (-1, 3)), resolution=20)
    assert ax.collections


def test_contour_of_a_1d_problem_suggests_function_1d():
    with pytest.raises(ValueError, match="dim=1; use function_1d"):
        plotting.contour(P.Quadratic(np.eye(1), np.zeros(1)))


def test_a_result_is_drawn_as_before():
    q = P.Quadratic.from_condition_number(5.0, dim=2, L=1.0)
    res = run(gradient_descent(0.5), q, q.x0, 10, label="GD")
    ax = plotting.loss_curves(res)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), res.losses)
    assert line.get_label() == "GD"
