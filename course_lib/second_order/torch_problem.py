"""A small neural network's loss as a problem on its flat parameter vector (torch, float64).

:class:`TorchLeastSquares` wraps a residual ``r: R^n -> R^m`` written in torch as
``f(theta) = ||r(theta)||^2 / 2`` with ``value``, ``grad`` (backward), ``hessian``
(``torch.func.hessian``), ``hvp`` (double backward, Pearlmutter 1994), ``jacobian`` and
the Gauss-Newton matrix ``J^T J``, all on float64 numpy arrays, so the numpy solvers
of :mod:`course_lib.second_order` (Newton, Hessian-free Newton, Gauss-Newton, power
iteration, Lanczos) run on a network. :func:`tanh_regression` builds one: a
one-hidden-layer tanh network fitted to a noisy sine. Imports torch.

The full Hessian of ``f`` is ``J^T J + sum_i r_i hess r_i``; the Gauss-Newton matrix
drops the second term, so it is positive semidefinite while the Hessian of a network
loss is in general indefinite (Martens 2010; Schraudolph 2002).

References
----------
N. N. Schraudolph, Fast curvature matrix-vector products for second-order gradient
descent, *Neural Computation* 14 (2002). J. Martens, Deep learning via Hessian-free
optimization, ICML 2010. Nocedal & Wright, Section 10.3.
"""
from __future__ import annotations

import numpy as np
import torch

from .._validation import check_callable, check_int, check_scalar
from .autograd import hvp_autograd

__all__ = ["TorchLeastSquares", "tanh_regression"]


def _t(x):
    return torch.as_tensor(np.asarray(x, dtype=float), dtype=torch.float64)


class TorchLeastSquares:
    """``f(theta) = ||r(theta)||^2 / 2`` for a torch residual function (float64).

    Parameters
    ----------
    residual : callable  torch tensor (n,) -> tensor (m,)
    n : int >= 1  number of parameters
    x0 : array-like, shape (n,), optional  a starting point (``.x0``)
    name : str

    Examples
    --------
    >>> p = TorchLeastSquares(lambda th: th ** 2 - 1.0, 2)
    >>> p.value(np.array([2.0, 0.0])), p.grad(np.array([2.0, 0.0]))
    (5.0, array([12., -0.]))
    """

    def __init__(self, residual, n, x0=None, name="least squares (torch)"):
        check_callable(residual, "residual", "TorchLeastSquares")
        self.dim = check_int(n, "n", "TorchLeastSquares", low=1)
        self.residual_t, self.name = residual, name
        self.x0 = None if x0 is None else np.asarray(x0, dtype=float).copy()

    def _f(self, th):
        r = self.residual_t(th)
        return 0.5 * (r * r).sum()

    def residual(self, x):
        """``r(x)`` as a numpy array."""
        with torch.no_grad():
            return self.residual_t(_t(x)).numpy()

    def value(self, x):
        with torch.no_grad():
            return float(self._f(_t(x)))

    def grad(self, x):
        th = _t(x).requires_grad_(True)
        (g,) = torch.autograd.grad(self._f(th), th)
        return g.detach().numpy()

    def hessian(self, x):
        """The full Hessian ``J^T J + sum_i r_i hess r_i`` (``torch.func.hessian``)."""
        return torch.func.hessian(self._f)(_t(x)).detach().numpy()

    def hvp(self, x, v):
        """``H(x) v`` by double backward, without forming ``H``."""
        return hvp_autograd(self._f, _t(x), _t(v)).numpy()

    def jacobian(self, x):
        """``J = dr/dtheta``, shape (m, n) (``torch.func.jacrev``)."""
        return torch.func.jacrev(self.residual_t)(_t(x)).detach().numpy()

    def gauss_newton_matrix(self, x):
        """``J^T J``: the Hessian without the residual-curvature term (PSD)."""
        J = self.jacobian(x)
        return J.T @ J


def tanh_regression(hidden=4, n_points=20, noise=0.1, seed=0):
    """A 1-``hidden``-1 tanh network ``u(t) = w2 . tanh(w1 t + b1) + b2`` fitted to
    ``y = sin(2 t) + noise * N(0, 1)`` at ``n_points`` points of ``[-2, 2]``;
    residual ``u(t_i) - y_i``. Parameters ``theta = (w1, b1, w2, b2)``, ``n = 3 hidden + 1``;
    ``x0`` Gaussian with standard deviation 0.5 (``numpy.random.default_rng(seed)``).

    Examples
    --------
    >>> p = tanh_regression(hidden=3)
    >>> p.dim, p.residual(p.x0).shape
    (10, (20,))
    """
    owner = "tanh_regression"
    h = check_int(hidden, "hidden", owner, low=1)
    n_points = check_int(n_points, "n_points", owner, low=1)
    noise = check_scalar(noise, "noise", owner, low=0.0, closed="left")
    rng = np.random.default_rng(check_int(seed, "seed", owner, low=0))
    t = np.linspace(-2.0, 2.0, n_points)
    y = np.sin(2.0 * t) + noise * rng.standard_normal(n_points)
    tt, yt = _t(t), _t(y)

    def residual(th):
        w1, b1, w2, b2 = th[:h], th[h:2 * h], th[2 * h:3 * h], th[3 * h]
        return torch.tanh(tt[:, None] * w1 + b1) @ w2 + b2 - yt

    p = TorchLeastSquares(residual, 3 * h + 1, x0=0.5 * rng.standard_normal(3 * h + 1),
                          name=f"tanh network 1-{h}-1")
    p.t, p.y = t, y
    return p
