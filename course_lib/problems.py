"""Objective functions for the course, each with its gradient, Hessian and known minimizers.

Every problem object ``p`` offers the same small interface, so optimizers, plots and
graders can treat them alike:

==================  ==========================================================
``p.value(x)``      ``f(x)`` as a float; ``p(x)`` is the same
``p.grad(x)``       ``grad f(x)``, shape ``(dim,)``
``p.hessian(x)``    ``hess f(x)``, shape ``(dim, dim)``
``p.dim``           number of variables
``p.name``          short label for plots and tables
``p.x0``            default starting point (a fresh copy on every access)
``p.minimizers``    ``(k, dim)`` array of known global minimizers (``k`` may be 0)
``p.f_min``         the global minimum value, or ``None`` if there is none / unknown
``p.bounds``        one ``(lo, hi)`` pair per coordinate, a sensible plotting window;
                    for a 2-d problem this is ``((xlo, xhi), (ylo, yhi))``
``p.value_grid``    ``p.value_grid(X, Y)``: ``f`` on a meshgrid, vectorised
==================  ==========================================================

``x`` must have shape ``(dim,)`` (a plain float is accepted when ``dim == 1``). Non-finite
entries are allowed on purpose, so that a diverging run returns ``inf``/``nan`` losses
(and :func:`course_lib.optimizers.run` can flag the divergence) instead of raising.

Problems: :class:`Quadratic`, :class:`Rosenbrock`, :class:`Beale`, :class:`Himmelblau`,
:class:`Saddle`, :class:`TiltedDoubleWell`, and the finite sums :class:`LinearRegression`
and :class:`LogisticRegression`, whose ``grad(w, idx)`` gives the minibatch gradient used
by SGD.
"""
from __future__ import annotations

import numpy as np

from ._validation import (check_array, check_indices, check_int, check_random_state,
                          check_same_shape, check_scalar)

__all__ = [
    "Problem",
    "Quadratic",
    "Rosenbrock",
    "Beale",
    "Himmelblau",
    "Saddle",
    "TiltedDoubleWell",
    "LinearRegression",
    "LogisticRegression",
]

_EPS = np.finfo(float).eps
_GRID_CHUNK = 4096  # points per vectorised block in value_grid (bounds memory use)


def _readonly(arr):
    arr = np.array(arr, dtype=float)
    arr.flags.writeable = False
    return arr


def _box(center, x0, floor=1.0):
    """Square plotting window around ``center`` that contains ``x0`` with a margin."""
    center = np.asarray(center, dtype=float)
    half = max(floor, 2.0 * float(np.max(np.abs(np.asarray(x0) - center))))
    return tuple((float(c - half), float(c + half)) for c in center)


# --------------------------------------------------------------------------- base class
class Problem:
    """Base class: input checks, ``__call__``, ``value_grid`` and ``__repr__``.

    A subclass sets ``dim``, ``name``, ``_x0``, ``_minimizers`` (rows; none by
    default), ``f_min``, ``bounds``
    and implements ``_value(x)``, ``_grad(x)``, ``_hessian(x)`` on a checked float
    vector ``x``; it may implement ``_values(P)`` (``f`` at each row of ``P``,
    shape ``(m, dim)``) to make :meth:`value_grid` fast.
    """

    name = "problem"
    dim: int
    f_min = None
    _minimizers = None

    # -- checks ---------------------------------------------------------------
    def _check_x(self, x, method, arg="x"):
        if self.dim == 1 and np.ndim(x) == 0:
            x = [x]
        return check_array(x, arg, f"{type(self).__name__}.{method}",
                           shape=(self.dim,), finite=False)

    # -- public interface -----------------------------------------------------
    def value(self, x):
        """``f(x)`` as a float."""
        return float(self._value(self._check_x(x, "value")))

    def __call__(self, x):
        return self.value(x)

    def grad(self, x):
        """``grad f(x)``, an array of shape ``(dim,)``."""
        return np.asarray(self._grad(self._check_x(x, "grad")), dtype=float)

    def hessian(self, x):
        """``hess f(x)``, an array of shape ``(dim, dim)``."""
        return np.asarray(self._hessian(self._check_x(x, "hessian")), dtype=float)

    @property
    def x0(self):
        """Default starting point (a new array on each access, safe to modify)."""
        return np.array(self._x0, dtype=float)

    @property
    def minimizers(self):
        """Known global minimizers, shape ``(k, dim)``; ``k = 0`` if none is known.

        A new array on each access, built from ``_minimizers`` (set by the subclass).
        """
        if self._minimizers is None:
            return np.empty((0, self.dim))
        return np.array(self._minimizers)

    def value_grid(self, *coords):
        """``f`` evaluated pointwise on coordinate arrays of one shape (e.g. a meshgrid).

        ``p.value_grid(X, Y)`` for a 2-d problem (``X, Y = np.meshgrid(xs, ys)``),
        ``p.value_grid(xs)`` for a 1-d one; in general one array per coordinate.
        Returns an array of the common shape with ``out[k] = f(X[k], Y[k], ...)``.
        """
        owner = f"{type(self).__name__}.value_grid"
        if len(coords) != self.dim:
            raise ValueError(
                f"{owner} needs {self.dim} coordinate array(s), one per variable "
                f"(e.g. value_grid(X, Y) for a 2-d problem). Got {len(coords)}."
            )
        names = ["X", "Y", "Z"] + [f"coords[{i}]" for i in range(3, self.dim)]
        arrs = [check_array(c, names[i], owner, finite=False) for i, c in enumerate(coords)]
        for i in range(1, len(arrs)):
            check_same_shape(arrs[0], arrs[i], names[0], names[i], owner)
        shape = arrs[0].shape
        P = np.stack([a.ravel() for a in arrs], axis=1)
        out = np.empty(P.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            for s in range(0, P.shape[0], _GRID_CHUNK):
                out[s:s + _GRID_CHUNK] = self._values(P[s:s + _GRID_CHUNK])
        return out.reshape(shape)

    def _values(self, P):
        return np.array([self._value(p) for p in P], dtype=float)

    def __repr__(self):
        return f"{type(self).__name__}(dim={self.dim})"


# --------------------------------------------------------------------------- quadratics
class Quadratic(Problem):
    r"""Quadratic ``f(x) = 1/2 x^T A x - b^T x + c`` with ``A`` symmetric.

    ``grad f(x) = A x - b`` and ``hess f(x) = A``. With ``A`` positive definite the
    unique minimizer is ``x* = A^{-1} b`` and gradient descent with step ``1/L``
    contracts the error by at least ``1 - 1/kappa`` per step, where ``L`` and ``mu``
    are the largest and smallest eigenvalues of ``A`` and ``kappa = L / mu`` is the
    condition number (Nocedal & Wright, Thm 3.3 and eq. 3.29).

    Parameters
    ----------
    A : array, shape (d, d)
        Symmetric (up to rounding; it is symmetrised) and positive semi-definite.
    b : array, shape (d,), optional
        Linear term, zeros by default.
    c : float
        Constant term.
    allow_indefinite : bool, keyword-only
        Accept an ``A`` with negative eigenvalues (then ``f`` is unbounded below:
        no minimizers, ``f_min = None``). See also :class:`Saddle`.
    x0 : array, shape (d,), keyword-only, optional
        Starting point; default ``center + (1, ..., 1)`` where ``center`` is ``x_star``
        (or the origin when there is none). For the 2-d quadratics of the course this
        puts the start on the diagonal at distance ``sqrt 2`` from the minimizer, so
        the elongated contours of an ill-conditioned ``A`` and the zig-zag of gradient
        descent are both visible in the default window ``bounds = x_star +- 2``.
    name : str, keyword-only, optional

    Attributes
    ----------
    A, b, c : the data (``A`` and ``b`` read-only)
    eigenvalues : ndarray  eigenvalues of ``A`` in ascending order (entries within
        ``100 d eps max|eig|`` of zero are set to exactly 0)
    L, mu : float  largest and smallest eigenvalue
    kappa : float  ``L / mu``; ``inf`` if ``mu <= 0`` (singular or indefinite ``A``)
    x_star : ndarray or None
        ``solve(A, b)``, the unique stationary point, when ``A`` is nonsingular; else ``None``.
    minimizers, f_min
        ``[x_star]`` and ``f(x_star) = c - b^T x_star / 2`` when ``A`` is positive
        definite. For a singular PSD ``A`` with ``b`` in its range the minimizers form
        an affine subspace: ``minimizers`` holds its minimum-norm point. If ``f`` is
        unbounded below: an empty ``(0, d)`` array and ``None``.

    Examples
    --------
    >>> q = Quadratic.from_condition_number(100.0, dim=2)
    >>> q.L, q.mu, q.kappa
    (1.0, 0.01, 100.0)
    >>> q.grad([1.0, 1.0])
    array([0.01, 1.  ])

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006, Sec. 3.3.
    Y. Nesterov, *Introductory Lectures on Convex Optimization*, Kluwer 2004, Sec. 2.1.
    """

    def __init__(self, A, b=None, c=0.0, *, allow_indefinite=False, x0=None, name=None):
        owner = "Quadratic"
        A = check_array(A, "A", owner, ndim=2)
        d = A.shape[0]
        if A.shape != (d, d) or d == 0:
            raise ValueError(
                f"The 'A' parameter of {owner} must be a non-empty square matrix. "
                f"Got shape {A.shape} instead."
            )
        scale = float(np.max(np.abs(A))) if A.size else 0.0
        if not np.allclose(A, A.T, rtol=0.0, atol=1e-10 * max(scale, 1e-300)):
            asym = float(np.max(np.abs(A - A.T)))
            raise ValueError(
                f"The 'A' parameter of {owner} must be symmetric. Got max|A - A^T| = "
                f"{asym:.3g}; use (A + A.T) / 2 if that is what you mean."
            )
        A = (A + A.T) / 2
        b = np.zeros(d) if b is None else check_array(b, "b", owner, shape=(d,))
        c = check_scalar(c, "c", owner)
        self._setup(A, b, c, None, allow_indefinite, x0, name)

    def _setup(self, A, b, c, eigenvalues, allow_indefinite, x0, name, x_star=None):
        d = A.shape[0]
        self.dim = d
        self.A = _readonly(A)
        self.b = _readonly(b)
        self.c = float(c)
        if eigenvalues is None:
            eigenvalues = np.linalg.eigvalsh(A)
            tol = 100 * d * _EPS * float(np.max(np.abs(eigenvalues)))
            eigenvalues[np.abs(eigenvalues) <= tol] = 0.0
        self.eigenvalues = _readonly(np.sort(eigenvalues))
        self.L = float(self.eigenvalues[-1])
        self.mu = float(self.eigenvalues[0])
        if self.mu < 0 and not allow_indefinite:
            raise ValueError(
                f"The 'A' parameter of Quadratic must be positive semi-definite. Got "
                f"smallest eigenvalue {self.mu:.6g}. Pass allow_indefinite=True for an "
                f"indefinite quadratic (f is then unbounded below), or use Saddle."
            )
        self.kappa = self.L / self.mu if self.mu > 0 else float("inf")
        singular = bool(np.any(self.eigenvalues == 0.0))
        if x_star is None and not singular:
            x_star = np.linalg.solve(A, b)
        self.x_star = None if x_star is None else _readonly(x_star)
        # minimizers and the minimum value
        if self.mu > 0:
            self._minimizers = self.x_star[None, :]
            self.f_min = float(self.c - 0.5 * self.b @ self.x_star)
        elif self.mu == 0:
            x_ls = np.linalg.lstsq(A, b, rcond=None)[0]
            resid = float(np.linalg.norm(A @ x_ls - b))
            if resid <= 1e-10 * max(1.0, float(np.linalg.norm(b))):
                self._minimizers = _readonly(x_ls[None, :])
                self.f_min = float(self.c - 0.5 * self.b @ x_ls)
            else:
                self._minimizers, self.f_min = np.empty((0, d)), None
        else:
            self._minimizers, self.f_min = np.empty((0, d)), None
        center = (self.x_star if self.x_star is not None
                  else self._minimizers[0] if len(self._minimizers) else np.zeros(d))
        if x0 is None:
            x0 = center + 1.0
        self._x0 = check_array(x0, "x0", "Quadratic", shape=(d,))
        self.bounds = _box(center, self._x0, floor=2.0)
        if name is None:
            name = f"Quadratic (kappa={self.kappa:.3g})"
        self.name = str(name)

    @classmethod
    def from_eigenvalues(cls, eigs, rotation=None, x_star=None):
        r"""Quadratic ``f(x) = 1/2 (x - x*)^T A (x - x*)`` with ``A = Q diag(eigs) Q^T``.

        So ``b = A x*``, ``c = x*^T A x* / 2`` and ``f_min = 0`` exactly.

        Parameters
        ----------
        eigs : array, shape (d,)
            Eigenvalues, all ``>= 0`` and not all zero. Zeros are allowed: they give a
            singular (flat-valley) quadratic with ``mu = 0``, ``kappa = inf`` and
            ``x_star = None``; its ``minimizers`` then hold the requested ``x_star``
            (one point of the affine set of minimizers).
        rotation : None, int or numpy Generator
            ``None``: ``Q = I`` (axis-aligned ellipses). Otherwise the seed of a
            Haar-random orthogonal ``Q`` (QR of a Gaussian matrix with the signs of
            ``diag(R)`` fixed, Mezzadri 2007).
        x_star : array, shape (d,), optional
            Where the minimum is; zeros by default.

        References
        ----------
        F. Mezzadri, How to generate random matrices from the classical compact
        groups, *Notices of the AMS* 54(5), 2007.
        """
        owner = "Quadratic.from_eigenvalues"
        eigs = check_array(eigs, "eigs", owner, ndim=1)
        if eigs.size == 0 or np.any(eigs < 0) or not np.any(eigs > 0):
            raise ValueError(
                f"The 'eigs' parameter of {owner} must be a non-empty array of "
                f"eigenvalues >= 0, not all zero. Got {eigs!r} instead."
            )
        d = eigs.size
        xs = np.zeros(d) if x_star is None else check_array(x_star, "x_star", owner,
                                                             shape=(d,))
        if rotation is None:
            Q = np.eye(d)
        else:
            G = check_random_state(rotation, "rotation", owner).standard_normal((d, d))
            Q, R = np.linalg.qr(G)
            Q = Q * np.where(np.diag(R) < 0, -1.0, 1.0)
        A = (Q * eigs) @ Q.T
        A = (A + A.T) / 2
        b = A @ xs
        c = 0.5 * float(b @ xs)
        self = cls.__new__(cls)
        self._setup(A, b, c, eigs, False, None, None,
                    x_star=None if np.any(eigs == 0) else xs)
        # f = 1/2 (x - x*)^T A (x - x*) >= 0 with equality at x*: the minimum is exactly 0
        self._minimizers = _readonly(xs[None, :])
        self.f_min = 0.0
        return self

    @classmethod
    def from_condition_number(cls, kappa, dim=2, L=1.0, rotation=None, x_star=None):
        r"""Quadratic with eigenvalues ``linspace(L / kappa, L, dim)``: ``mu = L / kappa``.

        Parameters
        ----------
        kappa : float >= 1
            Condition number ``L / mu``.
        dim : int >= 1
            Number of variables. A 1-d quadratic has a single eigenvalue, so
            ``dim = 1`` is only accepted with ``kappa = 1`` (eigenvalue ``L``).
        L : float > 0
            Largest eigenvalue (the smoothness constant).
        rotation, x_star
            As in :meth:`from_eigenvalues`.
        """
        owner = "Quadratic.from_condition_number"
        kappa = check_scalar(kappa, "kappa", owner, low=1.0, closed="left")
        dim = check_int(dim, "dim", owner, low=1)
        L = check_scalar(L, "L", owner, low=0.0)
        if dim == 1 and kappa != 1.0:
            raise ValueError(
                f"The 'kappa' parameter of {owner} must be 1.0 when dim == 1 (a 1-d "
                f"quadratic has one eigenvalue). Got {kappa!r} instead."
            )
        eigs = np.linspace(L / kappa, L, dim)
        eigs[-1] = L
        return cls.from_eigenvalues(eigs, rotation=rotation, x_star=x_star)

    def _value(self, x):
        return 0.5 * x @ (self.A @ x) - self.b @ x + self.c

    def _values(self, P):
        return 0.5 * np.einsum("ij,jk,ik->i", P, self.A, P) - P @ self.b + self.c

    def _grad(self, x):
        return self.A @ x - self.b

    def _hessian(self, x):
        return np.array(self.A)

    def __repr__(self):
        return (f"Quadratic(dim={self.dim}, L={self.L:.4g}, mu={self.mu:.4g}, "
                f"kappa={self.kappa:.4g})")


# --------------------------------------------------------------------------- test functions
class Rosenbrock(Problem):
    r"""Rosenbrock's banana function, in the chained n-dimensional form.

    ``f(x) = sum_{i=1}^{n-1} [ b (x_{i+1} - x_i^2)^2 + (a - x_i)^2 ]``

    (for ``n = 2``: ``b (y - x^2)^2 + (a - x)^2``). The minimum ``f = 0`` sits at the
    bottom of a curved, flat valley, which makes gradient descent crawl.

    Minimizers: for ``n = 2`` the unique global minimizer is ``(a, a^2)``. For
    ``n >= 3``, ``f = 0`` forces ``x_i = a`` and ``x_{i+1} = x_i^2``, which is possible
    only for ``a`` in ``{0, 1}``: then the minimizer is ``(a, ..., a)``. For other ``a``
    and ``n >= 3`` no closed form is known and ``minimizers`` is empty, ``f_min`` None.
    For ``a = 1`` and ``4 <= n <= 7`` there is also a local minimizer near
    ``(-1, 1, ..., 1)`` (Shang & Qiu 2006).

    Parameters
    ----------
    dim : int >= 2
    a : float
    b : float > 0
        ``a = 1, b = 100`` is the classic choice (and scipy's ``rosen``).

    Attributes
    ----------
    x0 : ``(-1.5, 1.5, -1.5, 1.5, ...)``, on the far side of the valley.
    bounds : ``((-2, 2), (-1, 3))`` for the classic 2-d function (widened for large ``a``).

    References
    ----------
    H. H. Rosenbrock, An automatic method for finding the greatest or least value of a
    function, *The Computer Journal* 3(3):175-184, 1960.
    Y.-W. Shang and Y.-H. Qiu, A note on the extended Rosenbrock function,
    *Evolutionary Computation* 14(1):119-126, 2006.
    """

    def __init__(self, dim=2, a=1.0, b=100.0):
        self.dim = check_int(dim, "dim", "Rosenbrock", low=2)
        self.a = check_scalar(a, "a", "Rosenbrock")
        self.b = check_scalar(b, "b", "Rosenbrock", low=0.0)
        self.name = "Rosenbrock" if self.dim == 2 else f"Rosenbrock ({self.dim}-d)"
        self._x0 = np.tile([-1.5, 1.5], self.dim)[: self.dim]
        a = self.a
        if self.dim == 2:
            self._minimizers = np.array([[a, a * a]])
        elif a in (0.0, 1.0):
            self._minimizers = np.full((1, self.dim), a)
        else:
            self._minimizers = np.empty((0, self.dim))
        self.f_min = 0.0 if len(self._minimizers) else None
        xr = max(2.0, 1.5 * abs(a))
        yr = (-1.0, max(3.0, 1.5 * a * a))
        self.bounds = ((-xr, xr), yr) + ((-xr, xr),) * (self.dim - 2)

    def _value(self, x):
        return self._values(x[None, :])[0]

    def _values(self, P):
        head, tail = P[:, :-1], P[:, 1:]
        return np.sum(self.b * (tail - head**2) ** 2 + (self.a - head) ** 2, axis=1)

    def _grad(self, x):
        head, tail = x[:-1], x[1:]
        inner = tail - head**2
        g = np.zeros_like(x)
        g[:-1] = -4.0 * self.b * head * inner - 2.0 * (self.a - head)
        g[1:] += 2.0 * self.b * inner
        return g

    def _hessian(self, x):
        n, b = self.dim, self.b
        diag = np.zeros(n)
        diag[:-1] = 12.0 * b * x[:-1] ** 2 - 4.0 * b * x[1:] + 2.0
        diag[1:] += 2.0 * b
        off = -4.0 * b * x[:-1]
        return np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)

    def __repr__(self):
        return f"Rosenbrock(dim={self.dim}, a={self.a:g}, b={self.b:g})"


class _SumOfSquares2D(Problem):
    """``f = sum_k r_k(x, y)^2`` in 2-d; subclasses give the residuals and derivatives.

    ``grad f = 2 sum_k r_k grad r_k``,
    ``hess f = 2 sum_k (grad r_k grad r_k^T + r_k hess r_k)``.
    """

    dim = 2

    def _residuals(self, x, y):  # -> list of arrays r_k
        raise NotImplementedError

    def _jac(self, x, y):  # -> list of (dr/dx, dr/dy)
        raise NotImplementedError

    def _res_hess(self, x, y):  # -> list of (d2r/dx2, d2r/dxdy, d2r/dy2)
        raise NotImplementedError

    def _value(self, p):
        return sum(r**2 for r in self._residuals(p[0], p[1]))

    def _values(self, P):
        return sum(r**2 for r in self._residuals(P[:, 0], P[:, 1]))

    def _grad(self, p):
        g = np.zeros(2)
        for r, (rx, ry) in zip(self._residuals(*p), self._jac(*p)):
            g += 2.0 * r * np.array([rx, ry])
        return g

    def _hessian(self, p):
        H = np.zeros((2, 2))
        for r, (rx, ry), (rxx, rxy, ryy) in zip(self._residuals(*p), self._jac(*p),
                                                self._res_hess(*p)):
            J = np.array([rx, ry])
            H += 2.0 * (np.outer(J, J) + r * np.array([[rxx, rxy], [rxy, ryy]]))
        return H

    def __repr__(self):
        return f"{type(self).__name__}()"


class Beale(_SumOfSquares2D):
    r"""Beale's function, a 2-d test problem with a flat region and sharp ridges.

    ``f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2``

    Global minimum ``f(3, 0.5) = 0``. Default start ``x0 = (1, 1.5)``; window
    ``[-4.5, 4.5]^2``.

    References
    ----------
    E. M. L. Beale, On an iterative method for finding a local minimum of a function
    of more than one variable, Tech. Rep. 25, Statistical Techniques Research Group,
    Princeton University, 1958.
    """

    _C = (1.5, 2.25, 2.625)

    def __init__(self):
        self.name = "Beale"
        self._x0 = np.array([1.0, 1.5])
        self._minimizers = np.array([[3.0, 0.5]])
        self.f_min = 0.0
        self.bounds = ((-4.5, 4.5), (-4.5, 4.5))

    def _residuals(self, x, y):
        return [c - x + x * y**k for k, c in enumerate(self._C, start=1)]

    def _jac(self, x, y):
        return [(y**k - 1.0, k * x * y ** (k - 1)) for k in (1, 2, 3)]

    def _res_hess(self, x, y):
        return [(0.0, k * y ** (k - 1), k * (k - 1) * x * y ** max(k - 2, 0))
                for k in (1, 2, 3)]


def _himmelblau_minimizers():
    """Newton's method on grad f = 0 from the four textbook approximations."""
    starts = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
              (3.584428, -1.848127)]
    h = Himmelblau.__new__(Himmelblau)
    out = []
    for s in starts:
        p = np.array(s, dtype=float)
        for _ in range(20):
            step = np.linalg.solve(h._hessian(p), h._grad(p))
            p = p - step
            if np.max(np.abs(step)) < 1e-15:
                break
        out.append(p)
    return np.array(out)


class Himmelblau(_SumOfSquares2D):
    r"""Himmelblau's function, with four global minimizers.

    ``f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2``

    All four minima have ``f = 0``: ``(3, 2)`` exactly, and about
    ``(-2.805118, 3.131312)``, ``(-3.779310, -3.283186)``, ``(3.584428, -1.848127)``
    (the latter three refined to full precision by Newton's method on
    ``grad f = 0`` at import). There is a local maximum near ``(-0.2708, -0.9230)`` and
    four saddle points. Default start ``x0 = (0, 0)``; window ``[-5, 5]^2``.

    References
    ----------
    D. M. Himmelblau, *Applied Nonlinear Programming*, McGraw-Hill, 1972.
    """

    def __init__(self):
        self.name = "Himmelblau"
        self._x0 = np.array([0.0, 0.0])
        self._minimizers = _HIMMELBLAU_MINIMIZERS
        self.f_min = 0.0
        self.bounds = ((-5.0, 5.0), (-5.0, 5.0))

    def _residuals(self, x, y):
        return [x**2 + y - 11.0, x + y**2 - 7.0]

    def _jac(self, x, y):
        return [(2.0 * x, 1.0), (1.0, 2.0 * y)]

    def _res_hess(self, x, y):
        return [(2.0, 0.0, 0.0), (0.0, 0.0, 2.0)]


_HIMMELBLAU_MINIMIZERS = _readonly(_himmelblau_minimizers())


class Saddle(Problem):
    r"""The canonical saddle ``f(x, y) = (x^2 - y^2) / 2``.

    ``grad f = (x, -y)``, ``hess f = diag(1, -1)``: the origin is a critical point but
    not a minimizer, and ``f`` is unbounded below along the ``y`` axis, so
    ``minimizers`` is empty (shape ``(0, 2)``) and ``f_min`` is ``None``. Gradient
    descent started exactly on the ``x`` axis converges to the saddle; any ``y != 0``
    grows like ``(1 + lr)^t`` and escapes. The default start ``x0 = (1, 0.01)`` is
    just off that stable axis. Window ``[-2, 2]^2``.

    Attributes
    ----------
    critical_point : ndarray ``(0, 0)``

    References
    ----------
    Y. Dauphin et al., Identifying and attacking the saddle point problem in
    high-dimensional non-convex optimization, NeurIPS 2014.
    C. Jin et al., How to escape saddle points efficiently, ICML 2017.
    """

    dim = 2

    def __init__(self):
        self.name = "Saddle"
        self._x0 = np.array([1.0, 0.01])
        self.critical_point = _readonly(np.zeros(2))
        self.f_min = None
        self.bounds = ((-2.0, 2.0), (-2.0, 2.0))

    def _value(self, p):
        return 0.5 * (p[0] ** 2 - p[1] ** 2)

    def _values(self, P):
        return 0.5 * (P[:, 0] ** 2 - P[:, 1] ** 2)

    def _grad(self, p):
        return np.array([p[0], -p[1]])

    def _hessian(self, p):
        return np.diag([1.0, -1.0])

    def __repr__(self):
        return "Saddle()"


class TiltedDoubleWell(Problem):
    r"""The 1-d quartic ``f(x) = x^4 - 4 x^2 + x``: two wells, tilted.

    ``f'(x) = 4x^3 - 8x + 1`` and ``f''(x) = 12x^2 - 8``. The three critical points
    (real roots of ``f'``) are a global minimizer near ``-1.473``, a local maximum near
    ``0.126`` and a local (not global) minimizer near ``1.347``. ``f`` is **not**
    convex (``f'' < 0`` on ``|x| < sqrt(2/3)``), although the source material calls
    it a "simple convex example"; Newton's method from the seed's start ``x0 = 2``
    reaches the local minimizer at ``1.347``, not the global one.

    ``x`` has shape ``(1,)`` (a plain float is accepted too). Window ``[-2.5, 2.5]``.

    Attributes
    ----------
    critical_points : ndarray, shape (3,)
        Roots of ``f'`` (``np.roots``, polished by two Newton steps), ascending.
    critical_point_kinds : tuple of str
        ``"local min"`` or ``"local max"`` for each, from the sign of ``f''``.
    """

    dim = 1

    def __init__(self):
        self.name = "Tilted double well"
        self._x0 = np.array([2.0])
        roots = np.roots([4.0, 0.0, -8.0, 1.0])
        roots = np.sort(roots[np.abs(roots.imag) < 1e-9].real)
        for _ in range(2):
            roots = roots - (4 * roots**3 - 8 * roots + 1) / (12 * roots**2 - 8)
        self.critical_points = _readonly(roots)
        self.critical_point_kinds = tuple(
            "local min" if 12 * r**2 - 8 > 0 else "local max" for r in roots)
        mins = [r for r, k in zip(roots, self.critical_point_kinds) if k == "local min"]
        best = min(mins, key=lambda r: r**4 - 4 * r**2 + r)
        self._minimizers = _readonly([[best]])
        self.f_min = float(best**4 - 4 * best**2 + best)
        self.bounds = ((-2.5, 2.5),)

    def _value(self, x):
        return self._values(x[None, :])[0]

    def _values(self, P):
        t = P[:, 0]
        return t**4 - 4.0 * t**2 + t

    def _grad(self, x):
        return 4.0 * x**3 - 8.0 * x + 1.0

    def _hessian(self, x):
        return np.array([[12.0 * x[0] ** 2 - 8.0]])

    def __repr__(self):
        return "TiltedDoubleWell()"


# --------------------------------------------------------------------------- finite sums
class _FiniteSum(Problem):
    """Shared code for ``f(w) = (1/n) sum_i loss_i(w) + l2/2 ||w||^2``.

    Subclasses implement ``_residual_terms(z, y) -> (loss_i, dloss_i/dz)`` for
    ``z = X w``.
    """

    def _init_data(self, X, y, l2, name):
        self.X = _readonly(X)
        self.y = _readonly(y)
        self.n_samples, self.n_features = X.shape
        self.dim = self.n_features
        self.l2 = l2
        self.name = name
        self._x0 = np.zeros(self.dim)
        self._x_star = None

    def _rows(self, idx, method):
        if idx is None:
            return self.X, self.y
        idx = check_indices(idx, self.n_samples, f"{type(self).__name__}.{method}")
        return self.X[idx], self.y[idx]

    def value(self, w, idx=None):
        """``f(w)``; with ``idx``, the mean loss over rows ``idx`` (+ the l2 term)."""
        w = self._check_x(w, "value", "w")
        X, y = self._rows(idx, "value")
        loss, _ = self._terms(X @ w, y)
        return float(np.mean(loss) + 0.5 * self.l2 * (w @ w))

    def grad(self, w, idx=None):
        """``grad f(w)``; with ``idx`` (int array, repeats allowed), the gradient of the
        mean loss over rows ``idx`` plus ``l2 w``: the minibatch gradient."""
        w = self._check_x(w, "grad", "w")
        X, y = self._rows(idx, "grad")
        _, dz = self._terms(X @ w, y)
        return X.T @ dz / X.shape[0] + self.l2 * w

    def per_example_grads(self, w):
        """Row ``i`` = ``grad loss_i(w) + l2 w``, shape ``(n, d)``; the mean of the rows
        is ``grad(w)``."""
        w = self._check_x(w, "per_example_grads", "w")
        _, dz = self._terms(self.X @ w, self.y)
        return self.X * dz[:, None] + self.l2 * w

    def minibatch_grad(self, w, batch_size, replace=False, rng=None):
        """Gradient over a random minibatch of ``batch_size`` examples.

        Without replacement the indices are a uniformly random subset
        (``rng.choice(n, b, replace=False)``, so ``batch_size <= n``); with replacement
        they are i.i.d. uniform (:func:`course_lib.sampling.sample_with_replacement`).
        Both are unbiased estimates of ``grad(w)``; their variances are given by
        :func:`course_lib.sampling.minibatch_variance`.

        Parameters
        ----------
        w : array, shape (d,)
        batch_size : int >= 1 (<= n_samples without replacement)
        replace : bool
        rng : None, int seed or numpy Generator
            Pass one Generator to successive calls for a stream of different batches;
            ``None`` draws fresh, unseeded randomness.
        """
        from .sampling import sample_with_replacement

        owner = f"{type(self).__name__}.minibatch_grad"
        b = check_int(batch_size, "batch_size", owner, low=1,
                      high=None if replace else self.n_samples)
        gen = check_random_state(rng, "rng", owner)
        if replace:
            idx = sample_with_replacement(self.n_samples, b, gen)
        else:
            idx = gen.choice(self.n_samples, size=b, replace=False)
        return self.grad(w, idx)

    def _value(self, w):
        loss, _ = self._terms(self.X @ w, self.y)
        return np.mean(loss) + 0.5 * self.l2 * (w @ w)

    def _values(self, P):
        loss, _ = self._terms(P @ self.X.T, self.y[None, :])
        return np.mean(loss, axis=1) + 0.5 * self.l2 * np.sum(P**2, axis=1)

    def _grad(self, w):
        return self.grad(w)

    @property
    def x_star(self):
        """The minimizer (computed once, on first access)."""
        if self._x_star is None:
            self._x_star = _readonly(self._solve())
        return self._x_star

    @property
    def minimizers(self):
        return np.array(self.x_star)[None, :]

    @property
    def f_min(self):
        return self.value(self.x_star)

    @property
    def bounds(self):
        return _box(self.x_star, self._x0, floor=1.0)


class LinearRegression(_FiniteSum):
    r"""Least squares on generated data: ``f(w) = 1/(2n) ||X w - y||^2 + l2/2 ||w||^2``.

    Data (``rng = numpy.random.default_rng(seed)``, in this order):
    ``X = rng.standard_normal((n, d))``, ``true_w = rng.standard_normal(d)``,
    ``y = X true_w + noise * rng.standard_normal(n)``.

    It is a finite sum ``f = (1/n) sum_i f_i`` with
    ``f_i(w) = (x_i^T w - y_i)^2 / 2 + l2/2 ||w||^2``, so
    ``grad f_i(w) = (x_i^T w - y_i) x_i + l2 w`` and
    ``hess f = X^T X / n + l2 I`` (constant). ``L`` and ``mu`` are the extreme
    eigenvalues of that Hessian, and ``x_star`` solves the normal equations
    ``(X^T X + n l2 I) w = X^T y`` (the minimum-norm least-squares solution when the
    system is singular, i.e. ``l2 = 0`` and ``rank X < d``; then ``mu = 0``).
    Default start ``x0 = 0``.

    Parameters
    ----------
    n_samples : int >= 1
    n_features : int >= 1
    noise : float >= 0  standard deviation of the label noise
    l2 : float >= 0     ridge penalty
    seed : int

    Attributes
    ----------
    X, y, true_w, n_samples, n_features, L, mu, kappa, x_star, f_min

    References
    ----------
    T. Hastie, R. Tibshirani and J. Friedman, *The Elements of Statistical Learning*,
    2nd ed., Springer 2009, Sec. 3.2 and 3.4.1.
    L. Bottou, F. E. Curtis and J. Nocedal, Optimization methods for large-scale
    machine learning, *SIAM Review* 60(2):223-311, 2018.
    """

    def __init__(self, n_samples=200, n_features=5, noise=0.1, l2=0.0, seed=0):
        owner = "LinearRegression"
        n = check_int(n_samples, "n_samples", owner, low=1)
        d = check_int(n_features, "n_features", owner, low=1)
        self.noise = check_scalar(noise, "noise", owner, low=0.0, closed="left")
        l2 = check_scalar(l2, "l2", owner, low=0.0, closed="left")
        self.seed = check_int(seed, "seed", owner, low=0)
        rng = np.random.default_rng(self.seed)
        X = rng.standard_normal((n, d))
        true_w = rng.standard_normal(d)
        y = X @ true_w + self.noise * rng.standard_normal(n)
        self._init_data(X, y, l2, "Linear regression")
        self.true_w = _readonly(true_w)
        H = X.T @ X / n + l2 * np.eye(d)
        self._H = _readonly(H)
        eig = np.linalg.eigvalsh(H)
        eig[np.abs(eig) <= 100 * d * _EPS * eig[-1]] = 0.0
        self.L, self.mu = float(eig[-1]), float(max(eig[0], 0.0))
        self.kappa = self.L / self.mu if self.mu > 0 else float("inf")
        self._x_star = _readonly(self._solve())

    @staticmethod
    def _terms(z, y):
        r = z - y
        return 0.5 * r**2, r

    def _solve(self):
        n, d = self.X.shape
        if self.mu > 0:
            return np.linalg.solve(self.X.T @ self.X + n * self.l2 * np.eye(d),
                                   self.X.T @ self.y)
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]

    def hessian(self, w):
        """``X^T X / n + l2 I`` (the same at every ``w``)."""
        self._check_x(w, "hessian", "w")
        return np.array(self._H)

    def __repr__(self):
        return (f"LinearRegression(n_samples={self.n_samples}, n_features={self.n_features}"
                f", noise={self.noise:g}, l2={self.l2:g}, seed={self.seed})")


class LogisticRegression(_FiniteSum):
    r"""L2-regularised logistic regression on generated data, labels in ``{0, 1}``.

    ``f(w) = (1/n) sum_i [ log(1 + exp(z_i)) - y_i z_i ] + l2/2 ||w||^2``, ``z = X w``,

    computed stably as ``logaddexp(0, z) - y z``. With ``s = sigmoid(z)``:
    ``grad f = X^T (s - y) / n + l2 w`` and
    ``hess f = X^T diag(s (1 - s)) X / n + l2 I``.
    Since ``s (1 - s) <= 1/4``, ``L = lambda_max(X^T X) / (4 n) + l2`` bounds the
    Hessian (Böhning & Lindsay 1988), and ``mu = l2`` is a strong-convexity constant.
    ``x_star`` is computed numerically on first access (scipy's ``trust-exact``
    Newton-type solver to a gradient norm ``<= 1e-12``), not at construction.

    Data (``rng = numpy.random.default_rng(seed)``): ``X = rng.standard_normal((n, d))``,
    ``true_w`` a Gaussian direction scaled to norm 3, labels
    ``y_i ~ Bernoulli(sigmoid(x_i^T true_w))``: mostly, but not perfectly, separable.
    With ``l2 = 0`` and separable data there is no minimizer and ``x_star`` raises.
    Default start ``x0 = 0``.

    Parameters
    ----------
    n_samples : int >= 1
    n_features : int >= 1
    l2 : float >= 0
    seed : int

    References
    ----------
    T. Hastie, R. Tibshirani and J. Friedman, *The Elements of Statistical Learning*,
    2nd ed., Springer 2009, Sec. 4.4.
    D. Böhning and B. G. Lindsay, Monotonicity of quadratic-approximation algorithms,
    *Ann. Inst. Statist. Math.* 40(4):641-663, 1988.
    """

    def __init__(self, n_samples=200, n_features=5, l2=1e-2, seed=0):
        owner = "LogisticRegression"
        n = check_int(n_samples, "n_samples", owner, low=1)
        d = check_int(n_features, "n_features", owner, low=1)
        l2 = check_scalar(l2, "l2", owner, low=0.0, closed="left")
        self.seed = check_int(seed, "seed", owner, low=0)
        rng = np.random.default_rng(self.seed)
        X = rng.standard_normal((n, d))
        u = rng.standard_normal(d)
        true_w = 3.0 * u / np.linalg.norm(u)
        y = (rng.random(n) < _sigmoid(X @ true_w)).astype(float)
        self._init_data(X, y, l2, "Logistic regression")
        self.true_w = _readonly(true_w)
        self.L = float(np.linalg.norm(X, 2) ** 2 / (4 * n) + l2)
        self.mu = float(l2)
        self.kappa = self.L / self.mu if self.mu > 0 else float("inf")

    @staticmethod
    def _terms(z, y):
        return np.logaddexp(0.0, z) - y * z, _sigmoid(z) - y

    def hessian(self, w):
        """``X^T diag(s (1 - s)) X / n + l2 I`` with ``s = sigmoid(X w)``."""
        w = self._check_x(w, "hessian", "w")
        s = _sigmoid(self.X @ w)
        return (self.X.T * (s * (1 - s))) @ self.X / self.n_samples + self.l2 * np.eye(self.dim)

    def _hessian(self, w):
        return self.hessian(w)

    def _solve(self):
        from scipy.optimize import minimize

        res = minimize(self._value, np.zeros(self.dim), jac=self._grad, hess=self._hessian,
                       method="trust-exact", options={"gtol": 1e-12, "maxiter": 500})
        gnorm = float(np.linalg.norm(self._grad(res.x)))
        if not np.all(np.isfinite(res.x)) or gnorm > 1e-9:
            raise RuntimeError(
                f"LogisticRegression.x_star: the solver stopped at gradient norm "
                f"{gnorm:.3g} ({res.message}). With l2 = 0 the data may be linearly "
                f"separable, in which case no minimizer exists; use l2 > 0."
            )
        return res.x

    def __repr__(self):
        return (f"LogisticRegression(n_samples={self.n_samples}, "
                f"n_features={self.n_features}, l2={self.l2:g}, seed={self.seed})")


def _sigmoid(z):
    """``1 / (1 + exp(-z))`` without overflow: ``exp(-logaddexp(0, -z))``."""
    return np.exp(-np.logaddexp(0.0, -z))
