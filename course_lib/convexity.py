"""Convexity tests, curvature constants, critical points and saddle experiments.

The three characterisations of a convex function ``f`` (Boyd & Vandenberghe,
*Convex Optimization*, 2004, Sec. 3.1.1-3.1.4), each as a computable *gap* that is
``>= 0`` for every input exactly when ``f`` is convex:

* zeroth order (chords): ``a f(x) + (1 - a) f(y) - f(a x + (1 - a) y)``, :func:`chord_gaps`;
* first order (tangents): ``f(y) - f(x) - grad f(x) . (y - x)``, :func:`tangent_gap`;
* second order: the smallest eigenvalue of ``hess f(x)``, :func:`hessian_eigenvalues`.

Random points can only *refute* convexity (one negative gap is a proof of
non-convexity); :func:`convexity_checks` runs all three on random chords of a box.
Also here: Jensen's gap, the strong-convexity and smoothness constants of a problem
(from Hessians and, independently, from gradient secants), the classification of a
critical point by the signs of its Hessian's eigenvalues, the fraction of random
Hessians that are positive definite (the "saddles dominate in high dimension"
experiment), gradient descent near a strict saddle with and without gradient noise,
and a non-convex function satisfying the Polyak-Lojasiewicz inequality.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_array, check_callable, check_int, check_scalar
from .problems import Problem

__all__ = [
    "chord_gaps", "tangent_gap", "hessian_eigenvalues", "jensen_gap", "ConvexityReport",
    "convexity_checks", "curvature_constants", "hessian_constants", "secant_constants",
    "classify_hessian", "critical_points", "random_hessians", "fraction_minima",
    "GOE_2X2_MINIMUM_PROBABILITY", "NoisyGradient", "escape_time",
    "predicted_escape_time", "PLExample", "pl_constant",
]

#: ``P(a 2x2 GOE matrix is positive definite) = (2 - sqrt 2) / 4``: the eigenvalue
#: density is proportional to ``|l1 - l2| exp(-(l1^2 + l2^2)/4)``; in polar coordinates
#: the angular factor ``|cos t - sin t|`` integrates to ``2 sqrt2 - 2`` over the first
#: quadrant and to ``4 sqrt2`` over the circle. (Checked by quadrature in the tests.)
GOE_2X2_MINIMUM_PROBABILITY = (2.0 - np.sqrt(2.0)) / 4.0

_EULER_GAMMA = 0.5772156649015329


def _point(x, name, owner):
    return check_array(np.atleast_1d(x), name, owner, ndim=1)


# --------------------------------------------------------------------------- the three tests
def chord_gaps(f, x, y, alphas):
    r"""Zeroth-order convexity gaps along the chord from ``y`` to ``x``.

    ``gap(a) = a f(x) + (1 - a) f(y) - f(a x + (1 - a) y)``, one per ``a`` in ``alphas``.
    ``f`` is convex iff every gap is ``>= 0`` for all ``x, y`` and ``a in [0, 1]``
    (the chord lies above the graph; Boyd & Vandenberghe 2004, Sec. 3.1.1).

    Parameters
    ----------
    f : callable ``f(x) -> float``
    x, y : array-like, shape (d,) (a float for d = 1)
    alphas : array-like of floats in [0, 1]

    Returns
    -------
    ndarray, shape ``(len(alphas),)``

    Examples
    --------
    >>> chord_gaps(lambda z: float(z[0] ** 2), [1.0], [-1.0], [0.5])   # 1 - f(0)
    array([1.])
    """
    owner = "chord_gaps"
    check_callable(f, "f", owner)
    x, y = _point(x, "x", owner), _point(y, "y", owner)
    if x.shape != y.shape:
        raise ValueError(f"The 'x' and 'y' parameters of {owner} must have the same "
                         f"shape. Got {x.shape} and {y.shape} instead.")
    a = check_array(np.atleast_1d(alphas), "alphas", owner, ndim=1)
    if np.any((a < 0) | (a > 1)):
        raise ValueError(f"The 'alphas' parameter of {owner} must lie in the range "
                         f"[0, 1]. Got {a[(a < 0) | (a > 1)][0]!r} instead.")
    fx, fy = float(f(x)), float(f(y))
    return np.array([ai * fx + (1 - ai) * fy - float(f(ai * x + (1 - ai) * y)) for ai in a])


def tangent_gap(f, grad, x, y):
    r"""First-order convexity gap: ``f(y) - f(x) - grad f(x) . (y - x)``.

    A differentiable ``f`` is convex iff the gap is ``>= 0`` for all ``x, y`` (the
    tangent plane at ``x`` lies below the graph; Boyd & Vandenberghe 2004, Sec. 3.1.3).

    Examples
    --------
    >>> tangent_gap(lambda z: float(z[0] ** 2), lambda z: 2 * z, [1.0], [3.0])  # (3-1)^2
    4.0
    """
    owner = "tangent_gap"
    check_callable(f, "f", owner)
    check_callable(grad, "grad", owner)
    x, y = _point(x, "x", owner), _point(y, "y", owner)
    g = np.asarray(grad(x), dtype=float).ravel()
    return float(f(y)) - float(f(x)) - float(g @ (y - x))


def hessian_eigenvalues(hess, x):
    r"""Eigenvalues (ascending) of the symmetrised Hessian ``(H + H^T)/2`` at ``x``.

    A twice-differentiable ``f`` on an open convex set is convex iff the smallest
    one is ``>= 0`` everywhere, and ``mu``-strongly convex iff it is ``>= mu``
    everywhere (Boyd & Vandenberghe 2004, Sec. 3.1.4 and 9.1.2).

    Examples
    --------
    >>> hessian_eigenvalues(lambda z: np.diag([2.0, -1.0]), [0.0, 0.0])
    array([-1.,  2.])
    """
    check_callable(hess, "hess", "hessian_eigenvalues")
    x = _point(x, "x", "hessian_eigenvalues")
    H = np.atleast_2d(np.asarray(hess(x), dtype=float))
    return np.linalg.eigvalsh((H + H.T) / 2.0)


def jensen_gap(f, samples, weights=None):
    r"""Jensen's gap ``sum_i w_i f(x_i) - f(sum_i w_i x_i)`` (``>= 0`` for convex ``f``).

    Jensen's inequality ``E f(X) >= f(E X)`` for a random variable taking the value
    ``x_i`` with probability ``w_i`` (equal weights by default; Boyd & Vandenberghe
    2004, Sec. 3.1.8). Chords are the two-point case.

    Parameters
    ----------
    f : callable ``f(x) -> float``
    samples : array-like, shape (n, d) or (n,) for d = 1
    weights : array-like, shape (n,), nonnegative, summing to 1; default ``1/n``

    Examples
    --------
    >>> jensen_gap(lambda z: float(z[0] ** 2), [[-1.0], [1.0]])    # E X^2 - (E X)^2
    1.0
    """
    owner = "jensen_gap"
    check_callable(f, "f", owner)
    X = check_array(samples, "samples", owner)
    X = X[:, None] if X.ndim == 1 else X
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"The 'samples' parameter of {owner} must be a non-empty "
                         f"array of shape (n, d). Got shape {X.shape} instead.")
    n = len(X)
    w = np.full(n, 1.0 / n) if weights is None else check_array(weights, "weights", owner,
                                                                 shape=(n,))
    if np.any(w < 0) or not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-12):
        raise ValueError(f"The 'weights' parameter of {owner} must be nonnegative and "
                         f"sum to 1. Got sum {w.sum()!r} instead.")
    return float(sum(wi * float(f(xi)) for wi, xi in zip(w, X)) - float(f(w @ X)))


@dataclass
class ConvexityReport:
    """What :func:`convexity_checks` found on random chords of a box.

    ``min_chord_gap``, ``min_tangent_gap``: the most negative gaps (``< 0``: a proof of
    non-convexity, with the offending pair in ``chord_points`` / ``tangent_points``);
    ``min_eigenvalue``, ``max_eigenvalue``: extreme Hessian eigenvalues seen (at the
    chord end points); ``violation_found``: any of the three below ``-tol``.
    """

    min_chord_gap: float
    min_tangent_gap: float
    min_eigenvalue: float
    max_eigenvalue: float
    chord_points: tuple
    tangent_points: tuple
    n_chords: int
    violation_found: bool

    @property
    def verdict(self):
        """``"not convex"`` (a violation is a proof) or ``"no violation found"``."""
        return "not convex" if self.violation_found else "no violation found"


def convexity_checks(problem, bounds=None, n_chords=200, seed=0, tol=1e-9):
    r"""Zeroth-, first- and second-order convexity tests on random chords of a box.

    Draws ``n_chords`` pairs ``(x, y)`` uniformly in ``bounds`` (the problem's
    plotting window by default) and one ``a`` uniform in [0, 1] per pair, and records
    the smallest chord gap (:func:`chord_gaps`), the smallest tangent gap in both
    directions (:func:`tangent_gap`) and the extreme Hessian eigenvalues at the
    points. Gaps are compared with ``-tol * (1 + |f(x)| + |f(y)|)`` (rounding).
    A negative value proves that ``f`` is not convex on the box; no violation is
    evidence, not proof, of convexity.

    Parameters
    ----------
    problem : a :mod:`course_lib.problems` object (``value``, ``grad``, ``hessian``)
    bounds : sequence of ``(lo, hi)`` per coordinate, default ``problem.bounds``
    n_chords : int >= 1
    seed : int
    tol : float >= 0

    Returns
    -------
    ConvexityReport

    Examples
    --------
    >>> from course_lib.problems import TiltedDoubleWell
    >>> convexity_checks(TiltedDoubleWell(), n_chords=100).verdict
    'not convex'
    """
    owner = "convexity_checks"
    n_chords = check_int(n_chords, "n_chords", owner, low=1)
    seed = check_int(seed, "seed", owner, low=0)
    tol = check_scalar(tol, "tol", owner, low=0.0, closed="left")
    box = check_array(problem.bounds if bounds is None else bounds, "bounds", owner,
                      shape=(problem.dim, 2))
    if np.any(box[:, 0] >= box[:, 1]):
        raise ValueError(f"The 'bounds' parameter of {owner} must have lo < hi in every "
                         f"row. Got {box.tolist()} instead.")
    rng = np.random.default_rng(seed)
    P = rng.uniform(box[:, 0], box[:, 1], size=(2, n_chords, problem.dim))
    A = rng.uniform(0.0, 1.0, size=n_chords)
    best_c, best_t = (np.inf, None), (np.inf, None)
    eig_lo, eig_hi, violated = np.inf, -np.inf, False
    for x, y, a in zip(P[0], P[1], A):
        scale = tol * (1.0 + abs(problem.value(x)) + abs(problem.value(y)))
        c = chord_gaps(problem.value, x, y, [a])[0]
        t = min(tangent_gap(problem.value, problem.grad, x, y),
                tangent_gap(problem.value, problem.grad, y, x))
        ev = np.concatenate([hessian_eigenvalues(problem.hessian, x),
                             hessian_eigenvalues(problem.hessian, y)])
        violated |= bool(c < -scale or t < -scale or ev[0] < -tol * (1 + abs(ev).max()))
        best_c = min(best_c, (c, (x, y, float(a))), key=lambda p: p[0])
        best_t = min(best_t, (t, (x, y)), key=lambda p: p[0])
        eig_lo, eig_hi = min(eig_lo, ev.min()), max(eig_hi, ev.max())
    return ConvexityReport(float(best_c[0]), float(best_t[0]), float(eig_lo), float(eig_hi),
                           best_c[1], best_t[1], n_chords, violated)


# --------------------------------------------------------------------------- constants
def curvature_constants(A):
    r"""``(mu, L)`` of the quadratic ``f(x) = 1/2 x^T A x - b^T x`` (symmetric ``A``).

    ``mu = lambda_min(A)`` (``f`` is ``mu``-strongly convex iff ``mu > 0``, convex iff
    ``mu >= 0``) and ``L = max_i |lambda_i(A)|`` (the Lipschitz constant of
    ``grad f(x) = A x - b``, i.e. the spectral norm of ``A``; for an indefinite ``A``
    it is not ``lambda_max``). Nesterov, *Lectures on Convex Optimization*, 2018,
    Sec. 2.1.

    Examples
    --------
    >>> curvature_constants([[2.0, 0.0], [0.0, -3.0]])
    (-3.0, 3.0)
    """
    owner = "curvature_constants"
    A = check_array(A, "A", owner, ndim=2)
    if A.shape[0] != A.shape[1] or not np.allclose(A, A.T, rtol=1e-12, atol=1e-12):
        raise ValueError(f"The 'A' parameter of {owner} must be a symmetric square "
                         f"matrix. Got shape {A.shape}"
                         f"{'' if A.shape[0] != A.shape[1] else ', not symmetric'} instead.")
    ev = np.linalg.eigvalsh(A)
    return float(ev[0]), float(np.abs(ev).max())


def hessian_constants(problem, points):
    r"""``(mu, L)`` from Hessians at ``points``: ``min_x lambda_min`` and ``max_x ||H(x)||_2``.

    For a twice-differentiable ``f`` the best strong-convexity constant on a convex
    set is ``inf lambda_min(hess f)`` and the best smoothness constant is
    ``sup ||hess f||_2`` (Nesterov 2018, Thm. 2.1.6 and Lemma 1.2.2). Over finitely
    many points this gives an *upper* bound on that ``mu`` and a *lower* bound on
    that ``L`` (exact for a quadratic).

    Examples
    --------
    >>> from course_lib.problems import TiltedDoubleWell
    >>> hessian_constants(TiltedDoubleWell(), [[0.0], [1.0]])   # f'' = 12 x^2 - 8
    (-8.0, 8.0)
    """
    owner = "hessian_constants"
    P = check_array(points, "points", owner, ndim=2)
    ev = np.array([hessian_eigenvalues(problem.hessian, p) for p in P])
    return float(ev.min()), float(np.abs(ev).max())


def secant_constants(grad, X, Y):
    r"""``(mu, L)`` seen along secants, from gradients only (no Hessian).

    ``mu_hat = min_k <g(x_k) - g(y_k), x_k - y_k> / ||x_k - y_k||^2`` and
    ``L_hat = max_k ||g(x_k) - g(y_k)|| / ||x_k - y_k||``. For a ``mu``-strongly
    convex, ``L``-smooth ``f``: ``mu <= mu_hat`` and ``L_hat <= L`` (Nesterov 2018,
    Thm. 2.1.5 and 2.1.10), so it is an independent check of :func:`hessian_constants`.

    Examples
    --------
    >>> secant_constants(lambda z: np.array([2.0, 5.0]) * z, [[1.0, 0.0], [0.0, 1.0]],
    ...                  [[0.0, 0.0], [0.0, 0.0]])
    (2.0, 5.0)
    """
    owner = "secant_constants"
    check_callable(grad, "grad", owner)
    X = check_array(X, "X", owner, ndim=2)
    Y = check_array(Y, "Y", owner, shape=X.shape)
    D = X - Y
    n2 = np.einsum("ij,ij->i", D, D)
    if np.any(n2 == 0):
        raise ValueError(f"The 'X' and 'Y' parameters of {owner} must differ in every "
                         f"row. Got {int(np.sum(n2 == 0))} equal rows instead.")
    G = np.array([np.asarray(grad(x), float) - np.asarray(grad(y), float)
                  for x, y in zip(X, Y)])
    return (float(np.min(np.einsum("ij,ij->i", G, D) / n2)),
            float(np.max(np.linalg.norm(G, axis=1) / np.sqrt(n2))))


# --------------------------------------------------------------------------- critical points
def classify_hessian(H, tol=1e-8):
    r"""Classify a critical point by the signs of its Hessian's eigenvalues.

    With ``lambda`` the eigenvalues of ``(H + H^T)/2`` and ``|lambda| <= tol * max(1,
    max |lambda|)`` counted as zero:

    * all ``> 0``: ``"minimum"`` (strict local minimum: a sufficient condition);
    * all ``< 0``: ``"maximum"``;
    * some ``> 0`` and some ``< 0``: ``"saddle"`` (a strict saddle, zeros or not);
    * otherwise (a zero eigenvalue and no sign change): ``"degenerate"``, the
      second-order test is inconclusive (``x^4`` has a minimum, ``x^3`` none,
      ``-x^4`` a maximum, all with ``f'' = 0``).

    Nocedal & Wright, *Numerical Optimization*, 2006, Thm. 2.3-2.4.

    Examples
    --------
    >>> classify_hessian([[1.0, 0.0], [0.0, -2.0]]), classify_hessian([[0.0]])
    ('saddle', 'degenerate')
    """
    owner = "classify_hessian"
    H = np.atleast_2d(check_array(H, "H", owner))
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"The 'H' parameter of {owner} must be a square matrix. "
                         f"Got shape {H.shape} instead.")
    tol = check_scalar(tol, "tol", owner, low=0.0, closed="left")
    ev = np.linalg.eigvalsh((H + H.T) / 2.0)
    zero = tol * max(1.0, float(np.abs(ev).max()))
    pos, neg = bool(np.any(ev > zero)), bool(np.any(ev < -zero))
    if pos and neg:
        return "saddle"
    if np.all(ev > zero):
        return "minimum"
    if np.all(ev < -zero):
        return "maximum"
    return "degenerate"


def critical_points(problem, starts, tol=1e-10, digits=6):
    r"""Distinct critical points ``grad f(x) = 0`` found by root finding from ``starts``.

    ``scipy.optimize.root(problem.grad, x0, jac=problem.hessian, method="hybr")``
    (MINPACK's Powell hybrid method) from each start; roots with
    ``||grad f|| <= tol`` are kept and merged when equal after rounding to ``digits``
    decimals. Sorted lexicographically. Root finding finds saddles and maxima as
    readily as minima (it solves ``grad f = 0``, it does not descend).

    Returns
    -------
    ndarray, shape (k, dim)

    Examples
    --------
    >>> from course_lib.problems import TiltedDoubleWell
    >>> critical_points(TiltedDoubleWell(), [[-2.0], [0.0], [2.0]]).round(3).ravel()
    array([-1.473,  0.126,  1.347])
    """
    from scipy.optimize import root

    owner = "critical_points"
    S = check_array(starts, "starts", owner, ndim=2)
    tol = check_scalar(tol, "tol", owner, low=0.0)
    found = {}
    for s in S:
        sol = root(problem.grad, s, jac=problem.hessian, method="hybr")
        if np.all(np.isfinite(sol.x)) and np.linalg.norm(problem.grad(sol.x)) <= tol:
            found.setdefault(tuple(np.round(sol.x, digits) + 0.0), sol.x)
    return np.array([found[k] for k in sorted(found)]).reshape(-1, problem.dim)


def random_hessians(dim, n_samples, ensemble="goe", seed=0):
    r"""Random symmetric matrices, the models of "the Hessian at a random critical point".

    * ``"goe"``: ``H = (G + G^T) / sqrt 2`` with ``G`` i.i.d. standard normal (the
      Gaussian orthogonal ensemble: diagonal variance 2, off-diagonal variance 1,
      law invariant under rotations; Bray & Dean 2007, Dauphin et al. 2014).
    * ``"independent"``: a diagonal ``H`` with i.i.d. standard normal entries: the
      eigenvalue signs are independent fair coins, the model behind "a critical
      point is a minimum with probability ``(1/2)^d``".

    Returns
    -------
    ndarray, shape ``(n_samples, dim, dim)``
    """
    owner = "random_hessians"
    dim = check_int(dim, "dim", owner, low=1)
    n_samples = check_int(n_samples, "n_samples", owner, low=1)
    rng = np.random.default_rng(check_int(seed, "seed", owner, low=0))
    if ensemble == "goe":
        G = rng.standard_normal((n_samples, dim, dim))
        return (G + np.swapaxes(G, 1, 2)) / np.sqrt(2.0)
    if ensemble == "independent":
        out = np.zeros((n_samples, dim, dim))
        idx = np.arange(dim)
        out[:, idx, idx] = rng.standard_normal((n_samples, dim))
        return out
    raise ValueError(f"The 'ensemble' parameter of {owner} must be 'goe' or "
                     f"'independent'. Got {ensemble!r} instead.")


def fraction_minima(dim, n_samples, ensemble="goe", seed=0):
    r"""Fraction of random Hessians that are positive definite, and its standard error.

    ``p_hat = #{lambda_min(H) > 0} / n`` over :func:`random_hessians`, with
    ``se = sqrt(p_hat (1 - p_hat) / n)``. For ``"independent"`` the exact value is
    ``(1/2)^d``; for ``"goe"`` it is ``(2 - sqrt 2)/4`` at ``d = 2`` and decays like
    ``exp(-(ln 3 / 4) d^2)`` for large ``d`` (Dean & Majumdar, PRL 97, 160201, 2006):
    much faster than ``(1/2)^d``.

    Returns
    -------
    (float, float)  ``(p_hat, se)``

    Examples
    --------
    >>> p, se = fraction_minima(1, 4000, "goe")
    >>> abs(p - 0.5) < 4 * se
    True
    """
    H = random_hessians(dim, n_samples, ensemble, seed)
    pd = np.linalg.eigvalsh(H)[:, 0] > 0
    p = float(pd.mean())
    return p, float(np.sqrt(p * (1 - p) / len(pd)))


# --------------------------------------------------------------------------- saddles
class NoisyGradient(Problem):
    r"""``problem`` with a noisy gradient: ``g(x) = grad f(x) + noise * xi``, ``xi ~ N(0, I)``.

    A fresh ``xi`` is drawn (from ``numpy.random.default_rng(seed)``) on every
    ``grad`` call; ``value`` and ``hessian`` are the problem's. This is the
    perturbed gradient descent model of Ge et al. (COLT 2015) and Jin et al.
    (ICML 2017): isotropic noise, so no direction is missed. Pass it to
    :func:`course_lib.loop.run`, which calls ``grad`` once per step.
    """

    def __init__(self, problem, noise, seed=0):
        owner = "NoisyGradient"
        self.problem = problem
        self.noise = check_scalar(noise, "noise", owner, low=0.0, closed="left")
        self.seed = check_int(seed, "seed", owner, low=0)
        self._rng = np.random.default_rng(self.seed)
        self.dim, self.name = problem.dim, f"{problem.name} (noisy gradient)"
        self._x0, self.f_min = problem.x0, problem.f_min
        self._minimizers, self.bounds = problem.minimizers, problem.bounds

    def _value(self, x):
        return self.problem.value(x)

    def _grad(self, x):
        return self.problem.grad(x) + self.noise * self._rng.standard_normal(self.dim)

    def _hessian(self, x):
        return self.problem.hessian(x)


def escape_time(problem, x0, lr, steps, radius, center=None, noise=0.0, seed=0):
    r"""First step ``t`` with ``||x_t - center|| > radius`` under gradient descent.

    Runs ``course_lib.loop.run(gradient_descent(lr), NoisyGradient(problem, noise,
    seed), x0, steps)`` and stops at the first iterate outside the ball; returns
    ``None`` if it never leaves within ``steps`` steps (stalled, or converged to the
    saddle). ``center`` defaults to the origin.

    Examples
    --------
    >>> from course_lib.problems import Saddle
    >>> escape_time(Saddle(), [0.0, 1e-3], 0.5, 100, radius=1.0)   # 1e-3 * 1.5^t > 1
    18
    """
    from .loop import run
    from .optimizers import gradient_descent

    owner = "escape_time"
    x0 = check_array(x0, "x0", owner, shape=(problem.dim,))
    lr = check_scalar(lr, "lr", owner, low=0.0)
    steps = check_int(steps, "steps", owner, low=0)
    radius = check_scalar(radius, "radius", owner, low=0.0)
    c = np.zeros(problem.dim) if center is None else check_array(
        center, "center", owner, shape=(problem.dim,))

    def stop_outside(r):
        if np.linalg.norm(r.x - c) > radius:
            raise StopIteration

    res = run(gradient_descent(lr), NoisyGradient(problem, noise, seed), x0, steps,
              callback=stop_outside)
    return res.nit if np.linalg.norm(res.x - c) > radius else None


def predicted_escape_time(curvature, lr, radius, *, start=0.0, noise=0.0):
    r"""Escape time from a strict saddle along its unstable direction, in closed form.

    Along an eigenvector with Hessian eigenvalue ``-gamma < 0`` gradient descent
    multiplies the coordinate by ``q = 1 + lr gamma`` per step, plus the noise:
    ``y_{t+1} = q y_t - lr noise xi_t``. Hence:

    * without noise, from ``y_0 = start != 0``: the first ``t`` with
      ``|start| q^t > radius``, i.e. ``floor(ln(radius/|start|) / ln q) + 1``
      (exact); from ``start = 0`` it never escapes (``inf``);
    * with noise, from ``y_0 = 0``: ``y_t = -lr noise sum_k q^{t-1-k} xi_k`` has
      standard deviation ``s q^t`` with ``s = lr noise / sqrt(q^2 - 1)`` (for large
      ``t``), so ``y_t ~ s q^t Z``, ``Z ~ N(0, 1)``, and the escape time is
      ``(ln(radius / s) - ln|Z|) / ln q``. Its mean is
      ``(ln(radius / s) + (gamma_E + ln 2)/2) / ln q + 1/2`` (``E ln|Z| =
      -(gamma_E + ln 2)/2``; ``+1/2`` for rounding up to a whole step) and its
      standard deviation ``pi / (2 sqrt 2 ln q)`` (``Var ln|Z| = pi^2 / 8``).

    The time grows like ``1 / (lr gamma)`` as the negative curvature goes to zero.
    Reference: Du et al., *Gradient descent can take exponential time to escape
    saddle points*, NeurIPS 2017; Jin et al., ICML 2017.

    Returns
    -------
    (float, float)  ``(mean, standard deviation)``; the standard deviation is 0
    without noise.
    """
    owner = "predicted_escape_time"
    gamma = check_scalar(curvature, "curvature", owner, low=0.0)
    lr = check_scalar(lr, "lr", owner, low=0.0)
    radius = check_scalar(radius, "radius", owner, low=0.0)
    start = check_scalar(start, "start", owner)
    noise = check_scalar(noise, "noise", owner, low=0.0, closed="left")
    lq = np.log1p(lr * gamma)
    if noise == 0.0:
        if start == 0.0:
            return float("inf"), 0.0
        return float(np.floor(np.log(radius / abs(start)) / lq) + 1), 0.0
    if start != 0.0:
        raise ValueError(f"The 'start' parameter of {owner} must be 0 when noise > 0 "
                         f"(the noisy formula starts at the saddle). Got {start!r} instead.")
    s = lr * noise / np.sqrt((1 + lr * gamma) ** 2 - 1)
    mean = (np.log(radius / s) + (_EULER_GAMMA + np.log(2.0)) / 2) / lq + 0.5
    return float(mean), float(np.pi / (2 * np.sqrt(2.0) * lq))


# --------------------------------------------------------------------------- PL
class PLExample(Problem):
    r"""``f(x) = x^2 + 3 sin^2 x``: not convex, yet Polyak-Lojasiewicz.

    ``f'(x) = 2x + 3 sin 2x``, ``f''(x) = 2 + 6 cos 2x`` in ``[-4, 8]``: negative
    near ``x = pi/2``, so ``f`` is not convex, and ``L = 8``. Its only critical point
    is the global minimizer ``x* = 0`` (``f* = 0``), and it satisfies
    ``1/2 f'(x)^2 >= mu (f(x) - f*)`` with ``mu = 1/32`` (Karimi, Nutini & Schmidt,
    ECML-PKDD 2016, Sec. 2), so gradient descent with ``lr <= 1/L`` converges
    linearly: ``f(x_T) - f* <= (1 - lr mu)^T (f(x_0) - f*)``
    (:func:`course_lib.rates.strongly_convex_value_bound`). Start ``x0 = 3``,
    window ``[-4, 4]``.
    """

    dim = 1
    mu_pl = 1.0 / 32.0
    L = 8.0

    def __init__(self):
        self.name = "x^2 + 3 sin^2 x"
        self._x0 = np.array([3.0])
        self._minimizers = np.zeros((1, 1))
        self.f_min = 0.0
        self.bounds = ((-4.0, 4.0),)

    def _value(self, x):
        return float(x[0] ** 2 + 3.0 * np.sin(x[0]) ** 2)

    def _values(self, P):
        return P[:, 0] ** 2 + 3.0 * np.sin(P[:, 0]) ** 2

    def _grad(self, x):
        return np.array([2.0 * x[0] + 3.0 * np.sin(2.0 * x[0])])

    def _hessian(self, x):
        return np.array([[2.0 + 6.0 * np.cos(2.0 * x[0])]])

    def __repr__(self):
        return "PLExample()"


def pl_constant(problem, points, f_star=None):
    r"""Smallest ratio ``1/2 ||grad f(x)||^2 / (f(x) - f*)`` over ``points`` with ``f > f*``.

    ``f`` satisfies the PL inequality with constant ``mu`` iff the ratio is
    ``>= mu`` everywhere (Polyak 1963; Karimi et al. 2016, Eq. (3)); over finitely
    many points the minimum is an upper bound on the best ``mu``. ``f_star``
    defaults to ``problem.f_min``.

    Examples
    --------
    >>> from course_lib.problems import Quadratic
    >>> round(pl_constant(Quadratic([[2.0]]), [[1.0], [-3.0]]), 12)   # = mu for x^2
    2.0
    """
    owner = "pl_constant"
    P = check_array(points, "points", owner, ndim=2)
    fs = problem.f_min if f_star is None else check_scalar(f_star, "f_star", owner)
    if fs is None:
        raise ValueError(f"The 'f_star' parameter of {owner} is needed: "
                         f"{problem.name} has no known f_min.")
    ratios = []
    for p in P:
        gap = problem.value(p) - fs
        if gap > 0:
            g = problem.grad(p)
            ratios.append(0.5 * float(g @ g) / gap)
    if not ratios:
        raise ValueError(f"The 'points' parameter of {owner} must contain a point with "
                         f"f(x) > f_star. Got none instead.")
    return float(min(ratios))
