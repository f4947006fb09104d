"""The Lagrange-multiplier explorer of chapter 08 (re-exported by :mod:`course_lib.widgets`).

:class:`LagrangeExplorer` moves one constraint, a circle ``||x||^2 = b`` or a line
``n^T x = b``, across the level sets of a quadratic and shows the constrained optimum
found by :func:`course_lib.constrained.equality_newton`, the two gradients (parallel
there), the multiplier ``lam`` and, next to it, the shadow price ``-d f*(b)/db``
measured by central differences of the optimal value.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_scalar
from .widgets import _Explorer

__all__ = ["LagrangeResult", "LagrangeExplorer", "lagrange_explorer", "lagrange_problem"]

#: The explorer's objective f(x) = 1/2 (x - A)^T Q (x - A): unconstrained minimum at A.
Q = np.array([[2.0, 0.6], [0.6, 1.0]])
A = np.array([1.2, 0.9])          # ||A||^2 = 2.25: the circle through A has b = 2.25
NORMAL = np.array([1.0, 1.0])      # the line n^T x = b; n^T A = 2.1


def lagrange_problem(level, kind="circle"):
    """``min 1/2 (x - A)^T Q (x - A)`` s.t. ``||x||^2 = level`` (``kind="circle"``) or
    ``n^T x = level`` (``kind="line"``), as a :class:`~course_lib.constrained.ConstrainedProblem`.
    """
    from .constrained import ConstrainedProblem

    level = check_scalar(level, "level", "lagrange_problem")
    if kind == "circle":
        eq, jac = (lambda x: np.array([x @ x - level])), (lambda x: 2.0 * x[None, :])
        hess = lambda x: 2.0 * np.eye(2)[None]          # noqa: E731
    elif kind == "line":
        eq, jac = (lambda x: np.array([NORMAL @ x - level])), (lambda x: NORMAL[None, :])
        hess = lambda x: np.zeros((1, 2, 2))             # noqa: E731
    else:
        raise ValueError(f"The 'kind' parameter of lagrange_problem must be 'circle' or "
                         f"'line'. Got {kind!r} instead.")
    return ConstrainedProblem(lambda x: 0.5 * (x - A) @ Q @ (x - A), lambda x: Q @ (x - A),
                              lambda x: Q, eq=eq, eq_jac=jac, eq_hess=hess, dim=2,
                              name=f"quadratic on a {kind}")


def _solve(level, kind):
    from .constrained import equality_newton

    if kind == "circle":
        x0 = np.sqrt(level) * A / np.linalg.norm(A)
    else:
        x0 = A + (level - NORMAL @ A) * NORMAL / (NORMAL @ NORMAL)
    return equality_newton(lagrange_problem(level, kind), x0, [0.0])


class LagrangeResult(NamedTuple):
    """What :meth:`LagrangeExplorer.draw` drew."""

    level: float            # b
    x: np.ndarray           # the constrained optimum
    lam: float              # its multiplier (L = f + lam (h - b))
    fstar: float            # f(x*)
    shadow_price: float     # -(f*(b + eps) - f*(b - eps)) / (2 eps)
    cross: float            # grad f x grad h (2-d cross product): 0 when parallel
    result: object          # the OptimizeResult of equality_newton


class LagrangeExplorer(_Explorer):
    """Move the constraint level ``b`` and watch the optimum, the gradients and ``lam``.

    Slider ``level`` (``b``): the circle ``||x||^2 = b`` (``kind="circle"``, b from 0.25
    to 5) or the line ``x_1 + x_2 = b`` (``kind="line"``, b from -2 to 4). Left panel:
    level sets of ``f``, the constraint, the optimum and the arrows ``-grad f`` and
    ``lam grad h`` (equal at the optimum); right panel: the optimal value ``f*(b)``
    over the slider's range with the tangent of slope ``-lam`` at the current ``b``.

    Examples
    --------
    >>> ex = LagrangeExplorer()
    >>> ex.level.value = 2.25           # the circle through the unconstrained minimum
    >>> abs(ex.last.lam) < 1e-9
    True
    """

    RANGES = {"circle": (0.25, 5.0, 0.05), "line": (-2.0, 4.0, 0.05)}

    def __init__(self, kind="circle", level=1.0, eps=1e-4):
        import ipywidgets as w

        if kind not in self.RANGES:
            raise ValueError(f"The 'kind' parameter of LagrangeExplorer must be 'circle' or "
                             f"'line'. Got {kind!r} instead.")
        lo, hi, step = self.RANGES[kind]
        level = check_scalar(level, "level", "LagrangeExplorer", low=lo, high=hi,
                             closed="both")
        self.kind = kind
        self.eps = check_scalar(eps, "eps", "LagrangeExplorer", low=0.0, high=0.01)
        self.level = w.FloatSlider(value=level, min=lo, max=hi, step=step,
                                   readout_format=".2f", description="level b",
                                   **self._slider_style())
        bs = np.linspace(lo, hi, 40)
        self._curve = bs, np.array([_solve(b, kind).fun for b in bs])
        self._start((self.level,), (10.0, 4.2))
        self.ax_plane, self.ax_value = self.axes
        self.update()

    def solve(self, level):
        """``(result, shadow price)`` at ``level``: the multiplier and ``-df*/db``."""
        res = _solve(level, self.kind)
        up, down = _solve(level + self.eps, self.kind), _solve(level - self.eps, self.kind)
        return res, -(up.fun - down.fun) / (2 * self.eps)

    def draw(self, level=None):
        """Solve at ``level`` (default: the slider) and draw; returns a LagrangeResult."""
        from . import plotting
        from .plotting import _rc

        level = check_scalar(self.level.value if level is None else level, "level",
                             "LagrangeExplorer.draw")
        res, price = self.solve(level)
        x, lam = res.x, float(res.multipliers["eq"][0])
        p = lagrange_problem(level, self.kind)
        gf, gh = p.grad(x), p.eq_jac(x)[0]
        cross = float(gf[0] * gh[1] - gf[1] * gh[0])
        with _rc():
            ax, av = self.ax_plane, self.ax_value
            ax.clear()
            av.clear()
            plotting.contour(p.value, ax=ax, bounds=((-2.5, 2.5), (-2.5, 2.5)),
                             resolution=60, log_levels=False, levels=15, title="")
            t = np.linspace(0, 2 * np.pi, 200)
            if self.kind == "circle":
                r = np.sqrt(level)
                ax.plot(r * np.cos(t), r * np.sin(t), color="k", lw=2, label="h(x) = b")
            else:
                s = np.linspace(-3, 3, 2)
                ax.plot(s, level - s, color="k", lw=2, label="h(x) = b")
            ax.plot(*A, "w*", ms=12, mec="k", label="unconstrained min")
            ax.plot(*x, "o", color=plotting.color(1), ms=8, label="constrained min")
            for vec, c, lab in ((-gf, 2, r"$-\nabla f$"), (lam * gh, 3, r"$\lambda\nabla h$")):
                ax.annotate("", xy=x + 0.35 * vec, xytext=x,
                            arrowprops=dict(arrowstyle="->", color=plotting.color(c), lw=2))
                ax.plot([], [], color=plotting.color(c), label=lab)
            ax.set_xlim(-2.5, 2.5)
            ax.set_ylim(-2.5, 2.5)
            ax.legend(loc="lower left", fontsize=8)
            bs, fs = self._curve
            av.plot(bs, fs, color=plotting.color(0), label=r"$f^\star(b)$")
            av.plot(bs, res.fun - lam * (bs - level), "--", color="#555555",
                    label=r"tangent, slope $-\lambda$")
            av.plot([level], [res.fun], "o", color=plotting.color(1))
            av.set_ylim(fs.min() - 0.1 * np.ptp(fs) - 0.05, fs.max() + 0.1 * np.ptp(fs))
            av.set_xlabel("b")
            av.legend(loc="best", fontsize=8)
            self.fig.suptitle(f"b = {level:.2f}: λ = {lam:.4f}, shadow price −df*/db = "
                              f"{price:.4f}", fontsize=12)
        self.last = LagrangeResult(level, x, lam, float(res.fun), float(price), cross, res)
        return self.last

    def _info(self, res):
        return [f"b = {res.level:.3f}", f"x* = ({res.x[0]:.4f}, {res.x[1]:.4f})",
                f"f* = {res.fstar:.5f}", f"λ = {res.lam:.5f}",
                f"−df*/db = {res.shadow_price:.5f}",
                f"∇f × ∇h = {res.cross:.1e} (parallel)"]


def lagrange_explorer(**kwargs):
    """The Lagrange explorer as a widget box (``box.explorer`` is the object)."""
    return LagrangeExplorer(**kwargs).widget
