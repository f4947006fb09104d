"""course_lib.plotting: what is drawn is what was computed, and bad runs do not crash plots.

The oracles are the inputs themselves (the trajectories from optimizers.run, the
closed-form objective values) read back from the matplotlib artists.
"""
import io

import matplotlib

matplotlib.use("Agg")  # this test module only; MPLBACKEND is not touched

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import plotting as pl  # noqa: E402
from course_lib.optimizers import gradient_descent, run, sgd  # noqa: E402
from course_lib.problems import (Quadratic, Rosenbrock, Saddle,  # noqa: E402
                                 TiltedDoubleWell)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _lines(ax, gid=None):
    return [ln for ln in ax.get_lines() if gid is None or ln.get_gid() == gid]


def _by_label(ax):
    return {ln.get_label(): ln for ln in ax.get_lines()}


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ----------------------------------------------------------------------------- style
def test_style_is_temporary_and_apply_is_global():
    before = matplotlib.rcParams["font.size"]
    with pl.style():
        for key in ("font.size", "axes.grid", "figure.constrained_layout.use"):
            assert matplotlib.rcParams[key] == pl.RC[key]
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"] == list(pl.PALETTE)
    assert matplotlib.rcParams["font.size"] == before
    with matplotlib.rc_context():
        assert pl.style(apply=True) is None
        assert matplotlib.rcParams["font.size"] == pl.RC["font.size"]
    assert matplotlib.rcParams["font.size"] == before


def test_figure_sizes_and_errors():
    fig, ax = pl.figure()
    assert tuple(fig.get_size_inches()) == pytest.approx((9.5, 3.8))
    fig, axs = pl.figure(2, 3, size="square")
    assert axs.shape == (2, 3)
    assert tuple(fig.get_size_inches()) == pytest.approx((4.8 * 3, 4.4 * 2))
    fig, ax = pl.figure(size=(3, 2))
    assert tuple(fig.get_size_inches()) == pytest.approx((3, 2))
    assert fig.get_layout_engine() is not None
    with pytest.raises(ValueError, match="'size'"):
        pl.figure(size="huge")
    with pytest.raises(ValueError, match="'nrows'"):
        pl.figure(0)


# --------------------------------------------------------------------------- contour
def test_contour_draws_the_trajectories_it_was_given():
    r = Rosenbrock()
    x0 = np.array([-1.5, 2.0])
    gd = run(gradient_descent(1e-3), r, x0, 300)
    mom = run(sgd(1e-3, momentum=0.9), r, x0, 300)
    raw = np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
    ax = pl.contour(r, {"GD": gd, "momentum": mom, "by hand": raw})
    lines = _lines(ax, "trajectory")
    assert [ln.get_label() for ln in lines] == ["GD", "momentum", "by hand"]
    for ln, expected in zip(lines, (gd.params, mom.params, raw)):
        assert np.array_equal(ln.get_xydata(), expected)
    # window = problem.bounds, axes labelled x_1, x_2, title = problem name
    assert ax.get_xlim() == pytest.approx(r.bounds[0])
    assert ax.get_ylim() == pytest.approx(r.bounds[1])
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    assert ax.get_title() == r.name
    # the minimizer (1, 1) is marked
    stars = [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert len(stars) == 1 and np.allclose(stars[0].get_xydata(), r.minimizers)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["GD", "momentum", "by hand"] and "minimizer" in legend
    assert _png(ax.figure)[:8] == b"\x89PNG\r\n\x1a\n"


def test_contour_levels_are_log_spaced_in_f_minus_fmin():
    r = Rosenbrock()
    ax = pl.contour(r, levels=15)
    cs = ax.collections[0]
    lv = np.asarray(cs.levels)
    assert len(lv) == 15
    ratios = np.diff(np.log(lv - r.f_min))
    assert np.allclose(ratios, ratios[0])   # geometric in f - f*
    # and the filled bands follow the objective: values at grid points match Rosenbrock
    X, Y = np.meshgrid([0.0, 1.0], [0.0, 1.0])
    assert np.allclose(r.value_grid(X, Y), 100 * (Y - X**2) ** 2 + (1 - X) ** 2)
    ax = pl.contour(Saddle(), levels=9, log_levels=False)
    lv = np.asarray(ax.collections[0].levels)
    assert np.allclose(np.diff(lv), np.diff(lv)[0])
    ax = pl.contour(Saddle(), levels=[-1.0, 0.0, 1.0])
    assert np.array_equal(ax.collections[0].levels, [-1.0, 0.0, 1.0])


def test_contour_with_single_trajectory_array_and_labels():
    q = Quadratic.from_condition_number(10.0, rotation=0)
    t = run(gradient_descent(0.5), q, q.x0, 20)
    ax = pl.contour(q, t.params, labels=["mine"])
    (ln,) = _lines(ax, "trajectory")
    assert ln.get_label() == "mine" and np.array_equal(ln.get_xydata(), t.params)
    with pytest.raises(ValueError, match="'labels'"):
        pl.contour(q, [t, t], labels=["only one"])


def test_contour_survives_a_diverged_run():
    q = Quadratic.from_condition_number(10.0, rotation=0)
    bad = run(gradient_descent(2.5 / q.L), q, q.x0, 3000)
    good = run(gradient_descent(0.5 / q.L), q, q.x0, 50)
    assert bad.diverged and not np.isfinite(bad.losses[-1])
    raw = np.array([[1.0, 1.0], [-2.0, 2.0], [np.inf, -np.inf]])
    ax = pl.contour(q, {"too big": bad, "fine": good, "raw": raw})
    lines = _lines(ax, "trajectory")
    assert [ln.get_label() for ln in lines] == ["too big (diverged)", "fine",
                                                 "raw (diverged)"]
    assert np.array_equal(lines[0].get_xydata(), bad.params)
    assert np.all(np.isnan(lines[2].get_xydata()[-1]))   # non-finite row left out
    assert ax.get_xlim() == pytest.approx(q.bounds[0])   # window not blown up
    _png(ax.figure)


def test_contour_input_errors():
    with pytest.raises(ValueError, match="2-d"):
        pl.contour(TiltedDoubleWell())
    with pytest.raises(ValueError, match="'bounds'"):
        pl.contour(lambda x: x @ x)
    with pytest.raises(ValueError, match="'bounds'"):
        pl.contour(Saddle(), bounds=((1, 0), (0, 1)))
    with pytest.raises(ValueError, match=r"shape \(T, 2\)"):
        pl.contour(Saddle(), np.zeros((4, 3)))
    # a plain callable works with explicit bounds
    ax = pl.contour(lambda x: float(x @ x), bounds=((-1, 1), (-1, 1)), resolution=20,
                    mark_minimizers=False)
    assert ax.get_xlim() == pytest.approx((-1, 1))


# ------------------------------------------------------------------------- curves
def test_loss_curves_plot_the_losses():
    q = Quadratic.from_condition_number(10.0, rotation=1)
    runs = {f"lr={f}/L": run(gradient_descent(f / q.L), q, q.x0, 60) for f in (0.5, 1.5)}
    ax = pl.loss_curves(runs, subtract=q.f_min)
    assert ax.get_yscale() == "log"
    lines = _by_label(ax)
    for lab, tr in runs.items():
        y = lines[lab].get_ydata()
        expected = tr.losses - q.f_min
        ok = expected > 0
        assert np.array_equal(y[ok], expected[ok]) and np.all(np.isnan(y[~ok]))
        assert np.array_equal(lines[lab].get_xdata(), np.arange(61))
    assert ax.get_ylabel() == r"$f(x_t) - f^\star$"
    assert ax.get_legend() is not None
    ax = pl.loss_curves(runs["lr=0.5/L"], log=False)
    assert ax.get_yscale() == "linear" and ax.get_legend() is None


def test_loss_curves_mark_divergence_without_squashing_the_others():
    q = Quadratic.from_condition_number(10.0, rotation=1)
    good = run(gradient_descent(1.0 / q.L), q, q.x0, 200)
    bad = run(gradient_descent(2.5 / q.L), q, q.x0, 3000)     # overflows to inf
    assert bad.diverged and not np.isfinite(bad.losses[-1])
    ax = pl.loss_curves({"good": good, "bad": bad}, subtract=q.f_min)
    lines = _by_label(ax)
    assert "bad (diverged)" in lines and "good" in lines
    top = ax.get_ylim()[1]
    assert np.isfinite(top) and top <= 100 * (good.losses[0] - q.f_min)
    # the diverged line stops where it leaves the plot; a marker sits at the top edge
    y_bad = lines["bad (diverged)"].get_ydata()
    assert len(y_bad) < len(bad.losses) and np.all(np.isfinite(y_bad))
    markers = [ln for ln in ax.get_lines() if ln.get_marker() == "^"]
    assert len(markers) == 1 and markers[0].get_ydata()[0] == pytest.approx(top)
    _png(ax.figure)
    # raw arrays with nan/inf and a list of numbers
    ax = pl.loss_curves([[1.0, 0.5, 0.25], [1.0, 10.0, np.nan]], labels=["a", "b"])
    assert set(_by_label(ax)) >= {"a", "b (diverged)"}
    ax = pl.loss_curves([1.0, 0.1, 0.0])
    assert len(ax.get_lines()) == 1 and np.isnan(ax.get_lines()[0].get_ydata()[-1])


def test_grad_norm_and_lr_curves():
    q = Quadratic.from_condition_number(5.0, rotation=2)
    tr = run(gradient_descent(0.3), q, q.x0, 30)
    ax = pl.grad_norm_curves(tr)
    assert np.array_equal(ax.get_lines()[0].get_ydata(), tr.grad_norms)
    ax = pl.lr_curves(tr)
    assert np.array_equal(ax.get_lines()[0].get_ydata(), np.full(30, 0.3))

    def sched(t):
        return 0.1 * 0.5 ** (t // 10)

    ax = pl.lr_curves({"step": sched}, steps=35)
    ln = ax.get_lines()[0]
    assert np.array_equal(ln.get_ydata(), [sched(t) for t in range(35)])
    assert ln.get_drawstyle() == "steps-post"
    with pytest.raises(ValueError, match="'steps'"):
        pl.lr_curves(sched)
    with pytest.raises(TypeError):
        pl.loss_curves(42)


# ----------------------------------------------------------------------------- 1-d
def test_function_1d_marks_critical_points_and_iterates():
    w = TiltedDoubleWell()
    ax = pl.function_1d(w, mark="critical_points")
    curve = ax.get_lines()[0]
    x = curve.get_xdata()
    assert np.allclose(curve.get_ydata(), x**4 - 4 * x**2 + x)   # closed form
    assert x[0] == pytest.approx(-2.5) and x[-1] == pytest.approx(2.5)
    pts = np.concatenate([ln.get_xydata() for ln in ax.get_lines()[1:]])
    assert np.allclose(np.sort(pts[:, 0]), w.critical_points)
    assert np.allclose(pts[:, 1], pts[:, 0] ** 4 - 4 * pts[:, 0] ** 2 + pts[:, 0])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "local min" in labels and "local max" in labels

    tr = run(gradient_descent(0.05), w, w.x0, 20)
    ax = pl.function_1d(w, (-3, 3), mark={"GD": tr})
    gd = _by_label(ax)["GD"]
    assert np.allclose(gd.get_xdata(), tr.params[:, 0])
    assert np.allclose(gd.get_ydata(), tr.losses)
    ax = pl.function_1d(np.cos, np.linspace(0, 3, 50), mark=[0.0, np.pi / 2])
    assert np.allclose(ax.get_lines()[1].get_ydata(), [1.0, 0.0], atol=1e-12)
    with pytest.raises(ValueError, match="'xs'"):
        pl.function_1d(np.cos)
    _png(ax.figure)
