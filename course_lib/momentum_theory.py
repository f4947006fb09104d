"""Heavy ball and Nesterov on quadratics: iteration matrices, spectra, optimal parameters.

With a constant learning rate ``lr`` every form of heavy-ball momentum (torch's
``b <- mu b + g; x <- x - lr b``, Polyak's ``v <- mu v - lr g; x <- x + v``) gives the
same iterates, which obey the three-term recurrence

    x_{t+1} = x_t - lr grad f(x_t) + mu (x_t - x_{t-1}),      x_{-1} = x_0.

On ``f(x) = 1/2 (x - x*)^T A (x - x*)`` the error along an eigenvector of ``A`` with
eigenvalue ``lam`` evolves independently by the 2x2 matrix

    [e_{t+1}]   [1 + mu - lr lam   -mu] [e_t    ]
    [e_t    ] = [       1            0] [e_{t-1}],

whose eigenvalues are the roots of ``z^2 - (1 + mu - lr lam) z + mu = 0``. Nesterov's
method (``y = x_t + mu (x_t - x_{t-1})``, ``x_{t+1} = y - lr grad f(y)``) gives the
matrix ``[[(1 + mu)(1 - lr lam), -mu (1 - lr lam)], [1, 0]]``.

References: Polyak, Some methods of speeding up the convergence of iteration methods
(1964), and Introduction to Optimization (1987), §3.2.1; Goh, Why Momentum Really Works
(Distill 2017); Nesterov, Lectures on Convex Optimization (2018), §2.1-2.2; Lessard,
Recht & Packard, Analysis and design of optimization algorithms via integral quadratic
constraints (SIAM J. Optim. 2016), §4.6.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_array, check_int, check_scalar
from .problems import Problem

__all__ = ["iteration_matrix", "characteristic_roots", "spectral_radius",
           "optimal_heavy_ball", "error_curves", "double_root_error", "classify",
           "steps_to_tolerance", "nesterov_strongly_convex_bound", "nesterov_convex_bound",
           "nesterov_accelerated", "nesterov_momentum_schedule", "LessardCounterexample"]

METHODS = ("heavy_ball", "nesterov")


def _common(lr, momentum, method, owner):
    lr = check_scalar(lr, "lr", owner, low=0.0)
    momentum = check_scalar(momentum, "momentum", owner, low=0.0, high=1.0, closed="both")
    if method not in METHODS:
        raise ValueError(f"The 'method' parameter of {owner} must be one of {METHODS}. "
                         f"Got {method!r} instead.")
    return lr, momentum


def _coefficients(lam, lr, mu, method):
    """``(a, c)`` of the recurrence ``e_{t+1} = a e_t - c e_{t-1}`` per eigenvalue."""
    if method == "heavy_ball":
        return 1.0 + mu - lr * lam, mu * np.ones_like(lam)
    s = 1.0 - lr * lam
    return (1.0 + mu) * s, mu * s


def iteration_matrix(lam, lr, momentum, method="heavy_ball"):
    """The 2x2 matrix ``T`` with ``(e_{t+1}, e_t) = T (e_t, e_{t-1})`` along eigenvalue ``lam``.

    Heavy ball: ``T = [[1 + mu - lr lam, -mu], [1, 0]]``; Nesterov:
    ``T = [[(1 + mu)(1 - lr lam), -mu (1 - lr lam)], [1, 0]]``.

    Parameters
    ----------
    lam : float  an eigenvalue of the Hessian (may be negative)
    lr : float > 0
    momentum : float in [0, 1]
    method : {"heavy_ball", "nesterov"}

    Returns
    -------
    ndarray, shape (2, 2)

    Examples
    --------
    >>> iteration_matrix(1.0, 0.5, 0.25)
    array([[ 0.75, -0.25],
           [ 1.  ,  0.  ]])

    References
    ----------
    Goh, Why Momentum Really Works (Distill 2017), "First steps: gradient descent".
    """
    owner = "iteration_matrix"
    lam = check_scalar(lam, "lam", owner)
    lr, mu = _common(lr, momentum, method, owner)
    a, c = _coefficients(np.array(lam), lr, mu, method)
    return np.array([[float(a), -float(c)], [1.0, 0.0]])


def characteristic_roots(eigenvalues, lr, momentum, method="heavy_ball"):
    """Roots ``z`` of ``z^2 - a z + c = 0`` (the eigenvalues of :func:`iteration_matrix`)
    for each eigenvalue, by the quadratic formula ``z = (a +- sqrt(a^2 - 4c)) / 2``.

    Returns
    -------
    ndarray of complex, shape (n, 2)

    Examples
    --------
    >>> np.abs(characteristic_roots([1.0], 1.0, 0.25))   # a = 0.25, c = 0.25: complex
    array([[0.5, 0.5]])
    """
    return _roots(eigenvalues, lr, momentum, method, "characteristic_roots")


def _roots(eigenvalues, lr, momentum, method, owner):
    lam = check_array(eigenvalues, "eigenvalues", owner, ndim=1)
    lr, mu = _common(lr, momentum, method, owner)
    a, c = _coefficients(lam, lr, mu, method)
    disc = np.sqrt((a * a - 4.0 * c).astype(complex))
    return np.stack([(a + disc) / 2.0, (a - disc) / 2.0], axis=1)


def spectral_radius(eigenvalues, lr, momentum, method="heavy_ball"):
    """``rho = max_i max |z|`` over the roots of each eigenvalue's characteristic polynomial.

    The error of heavy ball (or Nesterov) on a quadratic with these Hessian eigenvalues
    shrinks asymptotically like ``rho^t`` (times a polynomial in ``t`` when a root is
    double); ``rho < 1`` iff the method converges from every start.

    Examples
    --------
    >>> round(spectral_radius([0.01, 1.0], 4 / 1.1 ** 2, (9 / 11) ** 2), 6)
    0.818182

    References
    ----------
    Polyak, Introduction to Optimization (1987), §3.2.1, Theorem 1.
    """
    return float(np.max(np.abs(_roots(eigenvalues, lr, momentum, method, "spectral_radius"))))


def optimal_heavy_ball(mu, L):
    """Polyak's optimal heavy-ball parameters for Hessian eigenvalues in ``[mu, L]``.

    ``lr = 4 / (sqrt L + sqrt mu)^2``, ``momentum = ((sqrt k - 1)/(sqrt k + 1))^2`` with
    ``k = L / mu``; the spectral radius is then ``(sqrt k - 1) / (sqrt k + 1)`` and both
    extreme eigenvalues have a double root.

    Returns
    -------
    (lr, momentum, rate) : tuple of floats

    Examples
    --------
    >>> [round(v, 4) for v in optimal_heavy_ball(1.0, 100.0)]
    [0.0331, 0.6694, 0.8182]

    References
    ----------
    Polyak (1964), Theorem 9; Polyak, Introduction to Optimization (1987), §3.2.1.
    """
    owner = "optimal_heavy_ball"
    mu = check_scalar(mu, "mu", owner, low=0.0)
    L = check_scalar(L, "L", owner, low=mu, closed="left")
    sk = np.sqrt(L / mu)
    rate = (sk - 1.0) / (sk + 1.0)
    return float(4.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2), float(rate ** 2), float(rate)


def error_curves(eigenvalues, lr, momentum, e0, steps, method="heavy_ball"):
    """Per-eigenvalue errors ``e_t`` (``t = 0..steps``) from the 2x2 recurrence, started
    from rest (``e_{-1} = e_0``: zero velocity).

    Parameters
    ----------
    eigenvalues : 1-d array  Hessian eigenvalues
    e0 : 1-d array, same shape  the initial error along each eigenvector
    steps : int >= 0

    Returns
    -------
    ndarray, shape (steps + 1, n)
    """
    owner = "error_curves"
    lam = check_array(eigenvalues, "eigenvalues", owner, ndim=1)
    e0 = check_array(e0, "e0", owner, shape=lam.shape)
    steps = check_int(steps, "steps", owner, low=0)
    lr, mu = _common(lr, momentum, method, owner)
    a, c = _coefficients(lam, lr, mu, method)
    out = np.empty((steps + 1, len(lam)))
    prev, cur = e0.copy(), e0.copy()
    out[0] = cur
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            prev, cur = cur, a * cur - c * prev
            out[t] = cur
    return out


def double_root_error(lam, lr, momentum, e0, steps):
    """Heavy ball's closed-form error when the root ``r`` of eigenvalue ``lam`` is double:
    ``e_t = (e_0 + (e_1 / r - e_0) t) r^t`` with ``e_1 = (1 - lr lam) e_0`` (from rest).

    The linear factor ``t`` is why the error at Polyak's optimal parameters falls more
    slowly than ``rho^t`` alone. Raises ``ValueError`` if the root is not double.

    Returns
    -------
    ndarray, shape (steps + 1,)
    """
    owner = "double_root_error"
    lam = check_scalar(lam, "lam", owner)
    e0 = check_scalar(e0, "e0", owner)
    steps = check_int(steps, "steps", owner, low=0)
    lr, mu = _common(lr, momentum, "heavy_ball", owner)
    a = 1.0 + mu - lr * lam
    if abs(a * a - 4.0 * mu) > 1e-9 * max(1.0, a * a):
        raise ValueError(f"double_root_error: the root of lam={lam} is not double "
                         f"(a^2 - 4 mu = {a * a - 4 * mu:.3g}); use error_curves.")
    r = a / 2.0
    t = np.arange(steps + 1)
    e1 = (1.0 - lr * lam) * e0
    return (e0 + (e1 / r - e0) * t) * r ** t


def classify(eigenvalues, lr, momentum, method="heavy_ball", tol=1e-9):
    """``(verdict, rho)``: "diverges" (rho > 1), "oscillates" (rho = 1: neither grows nor
    decays), "converges (oscillating)" (rho < 1 and a dominant root that is complex or
    negative) or "converges (monotonically)" (every dominant root real and positive).
    """
    roots = _roots(eigenvalues, lr, momentum, method, "classify")
    rho = float(np.max(np.abs(roots)))
    if rho > 1.0 + tol:
        return "diverges", rho
    if rho >= 1.0 - tol:
        return "oscillates", rho
    dom = roots[np.abs(roots) >= rho * (1 - 1e-9)]
    if np.all((np.abs(dom.imag) <= 1e-12) & (dom.real > 0)):
        return "converges (monotonically)", rho
    return "converges (oscillating)", rho


def steps_to_tolerance(rate, tol):
    """``ceil(ln tol / ln rate)``: the steps a pure ``rate^t`` decay needs to reach ``tol``."""
    owner = "steps_to_tolerance"
    rate = check_scalar(rate, "rate", owner, low=0.0, high=1.0)
    tol = check_scalar(tol, "tol", owner, low=0.0, high=1.0)
    return int(np.ceil(np.log(tol) / np.log(rate)))


def nesterov_strongly_convex_bound(mu, L, T, gap0, dist0_sq):
    """Nesterov's guarantee with ``lr = 1/L``, ``momentum = (sqrt k - 1)/(sqrt k + 1)``:

    ``f(x_T) - f* <= (1 - 1/sqrt k)^T (f(x_0) - f* + mu/2 ||x_0 - x*||^2)``.

    References
    ----------
    Nesterov, Lectures on Convex Optimization (2018), Theorem 2.2.3 (constant step scheme
    2.2.22); Bubeck, Convex Optimization: Algorithms and Complexity (2015), Theorem 3.18.
    """
    owner = "nesterov_strongly_convex_bound"
    mu = check_scalar(mu, "mu", owner, low=0.0)
    L = check_scalar(L, "L", owner, low=mu, closed="left")
    T = np.asarray(T, dtype=float)
    return (1.0 - np.sqrt(mu / L)) ** T * (gap0 + 0.5 * mu * dist0_sq)


def nesterov_convex_bound(L, T, dist0_sq):
    """Nesterov's accelerated gradient (lr = 1/L, momentum (t - 1)/(t + 2)) on an L-smooth
    convex function: ``f(x_T) - f* <= 2 L ||x_0 - x*||^2 / (T + 1)^2``.

    References
    ----------
    Nesterov, A method for solving the convex programming problem with convergence rate
    O(1/k^2) (1983); Beck & Teboulle (2009), Theorem 4.4 (FISTA, same bound).
    """
    L = check_scalar(L, "L", "nesterov_convex_bound", low=0.0)
    return 2.0 * L * dist0_sq / (np.asarray(T, dtype=float) + 1.0) ** 2


def nesterov_momentum_schedule(n_steps):
    """The momentum ``beta_k = (t_k - 1) / t_{k+1}`` of Nesterov's method for smooth convex
    functions, ``t_1 = 1``, ``t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2``, for k = 1..n_steps;
    ``beta_k = 1 - 3/k + O(1/k^2)``, close to ``(k - 1)/(k + 2)``.

    References
    ----------
    Nesterov (1983); Beck & Teboulle (2009), FISTA with constant step, eq. (4.2)-(4.3).
    """
    n_steps = check_int(n_steps, "n_steps", "nesterov_momentum_schedule", low=1)
    t = [1.0]
    for _ in range(n_steps):
        t.append(0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t[-1] ** 2)))
    t = np.array(t)
    return (t[:-1] - 1.0) / t[1:]


def nesterov_accelerated(problem, x0, L, n_steps, *, callback=None):
    """Nesterov's accelerated gradient for an ``L``-smooth convex function, with the
    increasing momentum of :func:`nesterov_momentum_schedule`:

        x_k = y_k - grad f(y_k) / L,   y_{k+1} = x_k + beta_k (x_k - x_{k-1}),   y_1 = x_0,

    run for ``n_steps`` gradient steps (FISTA without projection and without restart).
    It guarantees ``f(x_k) - f* <= 2 L ||x_0 - x*||^2 / (k + 1)^2``
    (:func:`nesterov_convex_bound`).

    Returns
    -------
    OptimizeResult: ``params[k]`` is ``x_k`` (``params[0] = x_0``), ``losses[k] = f(x_k)``.

    References
    ----------
    Nesterov (1983); Beck & Teboulle (2009), Theorem 4.4.
    """
    from .constrained import _fista

    owner = "nesterov_accelerated"
    L = check_scalar(L, "L", owner, low=0.0)
    n_steps = check_int(n_steps, "n_steps", owner, low=1)
    rec = _fista(owner, problem, x0, lambda z: z, L, tol=0.0, maxiter=n_steps,
                 blowup=np.inf, callback=callback, converged=lambda z: False, restart=False,
                 exhausted="steps_done")
    return rec.result()


class LessardCounterexample(Problem):
    """Lessard, Recht & Packard's (2016, §4.6) 1-d strongly convex, smooth function
    (``mu = 1``, ``L = 25``) on which heavy ball with the quadratic-optimal parameters
    ``lr = 1/9``, ``momentum = 4/9`` cycles instead of converging:

    ``grad f(x) = 25 x`` (x < 1), ``x + 24`` (1 <= x < 2), ``25 x - 24`` (x >= 2);
    ``f`` is its integral with ``f(0) = 0``; the minimum is ``x* = 0``, ``f* = 0``.
    """

    name = "Lessard counterexample"
    dim = 1
    f_min = 0.0
    mu, L = 1.0, 25.0
    _minimizers = np.zeros((1, 1))
    bounds = ((-4.0, 4.0),)

    def __init__(self, x0=3.3):
        self._x0 = np.array([check_scalar(x0, "x0", "LessardCounterexample")])

    def _f1(self, x):
        return np.where(x < 1, 12.5 * x ** 2,
                        np.where(x < 2, 0.5 * x ** 2 + 24 * x - 12, 12.5 * x ** 2 - 24 * x + 36))

    def _value(self, x):
        return float(self._f1(x[0]))

    def _values(self, P):
        return self._f1(P[:, 0])

    def _grad(self, x):
        x = x[0]
        return np.array([25 * x if x < 1 else (x + 24 if x < 2 else 25 * x - 24)])

    def _hessian(self, x):
        return np.array([[1.0 if 1 <= x[0] < 2 else 25.0]])

    def __repr__(self):
        return "LessardCounterexample()"
