"""Convergence-rate formulas for gradient descent and SGD, to check runs against.

Every function returns the right-hand side of a theorem, so a notebook can run
an optimizer and ``assert`` that the measured quantity stays below it at every
step. Each docstring states the assumptions, the valid step-size range (outside
it the function raises ``ValueError`` naming ``'lr'``) and where the theorem is
proved.

Notation: ``f`` is ``L``-smooth (``grad f`` is ``L``-Lipschitz), ``mu``-strongly
convex where said, ``x*`` a minimizer, ``f* = f(x*)``, ``kappa = L / mu``, and
gradient descent is ``x_{t+1} = x_t - lr * grad f(x_t)``.

==========================================  =======================================
quantity                                    rate (lr in the valid range)
==========================================  =======================================
quadratic, ``||x_t - x*||``                 ``max_i |1 - lr lambda_i| ** t`` (exact)
strongly convex, ``||x_t - x*||^2``         ``(1 - lr mu) ** t``       linear
strongly convex, ``f(x_t) - f*``            ``(1 - lr mu) ** t``       linear
convex, ``f(x_T) - f*``                     ``||x_0 - x*||^2 / (2 lr T)``  O(1/T)
non-convex, ``min_t ||grad f(x_t)||^2``     ``2 (f(x_0) - f_inf) / (lr T)``  O(1/T)
SGD, constant step, ``E||x_t - x*||^2``     linear, down to a noise ball ~ lr
SGD, decreasing step, ``E||x_t - x*||^2``   O(1/T)
==========================================  =======================================

The non-convex rate is O(1/T) for the *squared* gradient norm, i.e.
O(1/sqrt(T)) for the norm itself; O(1/sqrt(T)) for the squared norm is the rate of
*stochastic* gradient descent (Ghadimi & Lan 2013), not of gradient descent.

References
----------
* Polyak, *Introduction to Optimization* (1987), Section 1.4.
* Nesterov, *Introductory Lectures on Convex Optimization* (2004); 2nd ed.
  *Lectures on Convex Optimization* (2018): Section 1.2.3 and Theorem 2.1.15.
* Bubeck, *Convex Optimization: Algorithms and Complexity* (2015), Section 3.
* Karimi, Nutini & Schmidt, *Linear convergence of gradient and proximal-gradient
  methods under the Polyak-Lojasiewicz condition* (ECML-PKDD 2016), Theorem 1.
* Garrigos & Gower, *Handbook of convergence theorems for (stochastic) gradient
  methods* (2023, arXiv:2301.11235), Sections 3 and 5.
* Gower, Loizou, Qian, Sailanbayev, Shulgin & Richtarik, *SGD: general analysis
  and improved rates* (ICML 2019), Theorems 3.1 and 3.2.
* Bottou, Curtis & Nocedal, *Optimization methods for large-scale machine
  learning* (SIAM Review 2018), Section 4.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ._validation import check_array, check_int, check_scalar

__all__ = [
    "gd_quadratic_contraction",
    "optimal_lr_quadratic",
    "optimal_contraction",
    "divergence_threshold",
    "strongly_convex_bound",
    "strongly_convex_value_bound",
    "convex_bound",
    "nonconvex_bound",
    "expected_smoothness",
    "gradient_noise_at_optimum",
    "sgd_bound_constant_step",
    "sgd_switching_schedule",
    "sgd_bound_decreasing_step",
    "measured_rate",
]


# ----------------------------------------------------------------------------- helpers
def _steps(T, owner, low=0):
    """Return ``(t, scalar)``: ``T`` as an int, or as an int ndarray if array-like."""
    if isinstance(T, numbers.Integral) and not isinstance(T, bool):
        return check_int(T, "T", owner, low=low), True
    arr = np.asarray(T)
    if arr.ndim == 0:
        return check_int(T, "T", owner, low=low), True
    if not (np.issubdtype(arr.dtype, np.integer)
            or (np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)))):
        raise TypeError(
            f"The 'T' parameter of {owner} must be an int or an array of ints "
            f"(step counts). Got an array of dtype {arr.dtype} instead."
        )
    arr = arr.astype(np.int64)
    if np.any(arr < low):
        raise ValueError(
            f"The 'T' parameter of {owner} must contain ints in the range [{low}, inf). "
            f"Got a minimum of {int(arr.min())} instead."
        )
    return arr, False


def _out(value, scalar):
    return float(value) if scalar else np.asarray(value, dtype=float)


def _mu_L(mu, L, owner, L_name="L"):
    mu = check_scalar(mu, "mu", owner, low=0.0, closed="neither")
    L = check_scalar(L, L_name, owner, low=0.0, closed="neither")
    if mu > L:
        raise ValueError(
            f"The 'mu' parameter of {owner} must be at most {L_name} (a function cannot be "
            f"more strongly convex than it is smooth). Got mu={mu!r} > {L_name}={L!r}."
        )
    return mu, L


def _lr(lr, owner, high, high_text, closed="right"):
    """Check 0 < lr <= high (or < high with closed='neither'); message names the range."""
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(
            f"The 'lr' parameter of {owner} must be a float. "
            f"Got {lr!r} of type {type(lr).__name__} instead."
        )
    lr = float(lr)
    ok = math.isfinite(lr) and lr > 0 and (lr <= high if closed == "right" else lr < high)
    if not ok:
        right = "]" if closed == "right" else ")"
        raise ValueError(
            f"The 'lr' parameter of {owner} must be in the range (0, {high_text}"
            f"{right} = (0, {high:.6g}{right}, where the theorem holds. Got {lr!r} instead."
        )
    return lr


# ------------------------------------------------------------------- quadratics, exact
def gd_quadratic_contraction(eigenvalues, lr):
    """Worst-case per-step contraction of ``||x_t - x*||`` for GD on a quadratic.

    For ``f(x) = 1/2 x^T A x - b^T x`` with ``A`` symmetric, gradient descent gives
    ``x_{t+1} - x* = (I - lr A)(x_t - x*)``, hence, exactly,

        ``rho(lr) = ||I - lr A||_2 = max_i |1 - lr * lambda_i|``

    and ``||x_t - x*|| <= rho ** t ||x_0 - x*||``, with equality when ``x_0 - x*`` is
    an eigenvector of an eigenvalue attaining the maximum. GD converges from every
    start iff ``rho < 1``, i.e. (for ``A`` positive definite) iff ``0 < lr < 2 / L``.

    Parameters
    ----------
    eigenvalues : array-like, shape (d,)
        Eigenvalues of ``A`` (any real numbers: a negative one gives ``rho > 1``).
    lr : float > 0, or 1-d array of them
        Step size(s); an array gives ``rho`` for each (to plot ``rho`` against ``lr``).

    Returns
    -------
    float, or ndarray like ``lr``

    Examples
    --------
    >>> gd_quadratic_contraction([0.1, 1.0], 1.0)
    0.9
    >>> gd_quadratic_contraction([0.1, 1.0], [1.0, 2.5])
    array([0.9, 1.5])

    References
    ----------
    Polyak (1987), Section 1.4, Theorem 3; Nesterov (2018), Section 2.1.
    """
    owner = "gd_quadratic_contraction"
    lam = check_array(eigenvalues, "eigenvalues", owner, ndim=1)
    if lam.size == 0:
        raise ValueError(f"The 'eigenvalues' parameter of {owner} must not be empty.")
    if np.ndim(lr) == 0:
        lr = check_scalar(lr, "lr", owner, low=0.0)
        return float(np.max(np.abs(1.0 - lr * lam)))
    lrs = check_array(lr, "lr", owner, ndim=1)
    if np.any(lrs <= 0):
        raise ValueError(f"The 'lr' parameter of {owner} must contain only values > 0.")
    return np.max(np.abs(1.0 - lrs[:, None] * lam[None, :]), axis=1)


def optimal_lr_quadratic(mu, L):
    """The step size minimizing ``max_i |1 - lr lambda_i|`` over ``lambda in [mu, L]``.

    ``lr* = 2 / (mu + L)``: it balances ``1 - lr mu = lr L - 1`` so that the
    slowest and the fastest eigen-directions contract equally fast (the latter
    with alternating sign). See :func:`optimal_contraction` for the rate.

    Examples
    --------
    >>> optimal_lr_quadratic(1.0, 9.0)
    0.2

    References
    ----------
    Polyak (1987), Section 1.4, Theorem 3; Nesterov (2018), Theorem 2.1.15.
    """
    mu, L = _mu_L(mu, L, "optimal_lr_quadratic")
    return 2.0 / (mu + L)


def optimal_contraction(kappa):
    """Per-step contraction of GD with ``lr = 2 / (mu + L)``: ``(kappa - 1) / (kappa + 1)``.

    The number of steps to shrink ``||x - x*||`` by a factor ``e`` is about
    ``kappa / 2``: linear in the condition number ``kappa = L / mu >= 1``.

    Examples
    --------
    >>> optimal_contraction(9.0)
    0.8

    References
    ----------
    Polyak (1987), Section 1.4, Theorem 3; Nesterov (2018), Theorem 2.1.15.
    """
    kappa = check_scalar(kappa, "kappa", "optimal_contraction", low=1.0, closed="left")
    return (kappa - 1.0) / (kappa + 1.0)


def divergence_threshold(L):
    """The step size ``2 / L`` above which GD diverges on a quadratic of top curvature ``L``.

    Along the eigenvector of the largest eigenvalue ``L`` the error is multiplied
    by ``1 - lr L`` each step: for ``lr > 2/L`` its modulus exceeds 1 and the error
    grows geometrically, flipping sign each step; at ``lr = 2/L`` it flips sign with
    constant size (oscillation, no convergence); for ``1/L < lr < 2/L`` it flips sign
    but shrinks; for ``lr <= 1/L`` it shrinks monotonically.

    Examples
    --------
    >>> divergence_threshold(4.0)
    0.5

    References
    ----------
    Polyak (1987), Section 1.4; Goh, *Why momentum really works*, Distill (2017).
    """
    L = check_scalar(L, "L", "divergence_threshold", low=0.0)
    return 2.0 / L


# ------------------------------------------------------------ deterministic GD bounds
def strongly_convex_bound(mu, L, lr, T, dist0_sq):
    """Upper bound on ``||x_T - x*||^2`` for GD on a ``mu``-strongly convex, L-smooth f.

        ``||x_T - x*||^2 <= (1 - lr mu) ** T * ||x_0 - x*||^2``,  for ``0 < lr <= 2/(mu+L)``.

    Garrigos & Gower prove it for ``lr <= 1/L``. Nesterov's Theorem 2.1.15 gives the
    smaller factor ``1 - 2 lr mu L / (mu + L)`` for every ``lr <= 2/(mu+L)``, and
    ``2 mu L / (mu + L) >= mu``, so the bound holds on that whole range (which
    contains ``1/L``). Beyond it the bound can fail: on a quadratic with
    ``lr`` close to ``2/L`` the error along the top eigenvector shrinks by only
    ``(lr L - 1)^2`` per step.

    Parameters
    ----------
    mu, L : float, 0 < mu <= L
    lr : float in (0, 2/(mu+L)]
    T : int >= 0 or array of ints
    dist0_sq : float >= 0, ``||x_0 - x*||^2``

    Returns
    -------
    float, or ndarray like ``T``

    Examples
    --------
    >>> strongly_convex_bound(0.5, 1.0, 1.0, 2, 4.0)
    1.0

    References
    ----------
    Garrigos & Gower (2023), Section 3 (GD, strongly convex and smooth);
    Nesterov (2004/2018), Theorem 2.1.15; Bubeck (2015), Theorem 3.10.
    """
    owner = "strongly_convex_bound"
    mu, L = _mu_L(mu, L, owner)
    lr = _lr(lr, owner, 2.0 / (mu + L), "2/(mu+L)")
    t, scalar = _steps(T, owner)
    d0 = check_scalar(dist0_sq, "dist0_sq", owner, low=0.0, closed="left")
    return _out((1.0 - lr * mu) ** t * d0, scalar)


def strongly_convex_value_bound(mu, L, T, gap0, lr=None):
    """Upper bound on ``f(x_T) - f*`` for GD on a ``mu``-strongly convex, L-smooth f.

        ``f(x_T) - f* <= (1 - lr mu) ** T * (f(x_0) - f*)``,  for ``0 < lr <= 1/L``;

    with the default ``lr = 1/L`` the factor is ``1 - mu/L = 1 - 1/kappa``.
    Proof: the descent lemma gives ``f(x_{t+1}) <= f(x_t) - lr/2 ||grad f(x_t)||^2``
    for ``lr <= 1/L``, and strong convexity implies the Polyak-Lojasiewicz inequality
    ``||grad f(x)||^2 >= 2 mu (f(x) - f*)``. Only PL is needed, not convexity.

    Parameters
    ----------
    mu, L : float, 0 < mu <= L
    T : int >= 0 or array of ints
    gap0 : float >= 0, ``f(x_0) - f*``
    lr : float in (0, 1/L], default 1/L

    Examples
    --------
    >>> strongly_convex_value_bound(0.25, 1.0, 2, 16.0)
    9.0

    References
    ----------
    Karimi, Nutini & Schmidt (2016), Theorem 1; Garrigos & Gower (2023), Section 3
    (GD under the Polyak-Lojasiewicz condition); Polyak (1963).
    """
    owner = "strongly_convex_value_bound"
    mu, L = _mu_L(mu, L, owner)
    lr = 1.0 / L if lr is None else _lr(lr, owner, 1.0 / L, "1/L")
    t, scalar = _steps(T, owner)
    g0 = check_scalar(gap0, "gap0", owner, low=0.0, closed="left")
    return _out((1.0 - lr * mu) ** t * g0, scalar)


def convex_bound(L, T, dist0_sq, lr=None):
    """Upper bound on ``f(x_T) - f*`` for GD on a convex, L-smooth f.

        ``f(x_T) - f* <= ||x_0 - x*||^2 / (2 lr T)``,  for ``0 < lr <= 1/L``, ``T >= 1``,

    which equals ``L ||x_0 - x*||^2 / (2T)`` at the default ``lr = 1/L``. For a
    smaller ``lr`` the bound is larger: ``L ||x_0 - x*||^2 / (2T)`` is only valid at
    ``lr = 1/L``. At ``T = 0`` the result is ``inf`` (no information).

    Parameters
    ----------
    L : float > 0
    T : int >= 0 or array of ints
    dist0_sq : float >= 0, ``||x_0 - x*||^2`` (any minimizer ``x*``)
    lr : float in (0, 1/L], default 1/L

    Examples
    --------
    >>> convex_bound(2.0, 10, 1.0)
    0.1

    References
    ----------
    Garrigos & Gower (2023), Section 3 (GD, convex and smooth);
    Nesterov (2018), Corollary 2.1.2 (with a different constant); Bubeck (2015), Thm 3.3.
    """
    owner = "convex_bound"
    L = check_scalar(L, "L", owner, low=0.0)
    lr = 1.0 / L if lr is None else _lr(lr, owner, 1.0 / L, "1/L")
    t, scalar = _steps(T, owner)
    d0 = check_scalar(dist0_sq, "dist0_sq", owner, low=0.0, closed="left")
    with np.errstate(divide="ignore"):
        out = np.where(np.asarray(t) > 0, d0 / (2.0 * lr * np.maximum(t, 1)), np.inf)
    return _out(out, scalar)


def nonconvex_bound(L, lr, T, f0_minus_finf):
    """Upper bound on ``min_{0 <= t < T} ||grad f(x_t)||^2`` for GD on an L-smooth f.

    No convexity is needed, only ``f >= f_inf``. Summing the descent lemma
    ``f(x_{t+1}) <= f(x_t) - lr (1 - lr L / 2) ||grad f(x_t)||^2`` over ``t < T``:

        ``min_{t<T} ||grad f(x_t)||^2 <= (f(x_0) - f_inf) / (T lr (1 - lr L / 2))``

    for ``0 < lr < 2/L``, and so ``<= 2 (f(x_0) - f_inf) / (lr T)`` for ``lr <= 1/L``.
    This is O(1/T) for the squared norm (O(1/sqrt(T)) for the norm); with stochastic
    gradients the squared norm only gets O(1/sqrt(T)) (Ghadimi & Lan 2013).

    Smoothness is only used on the segments ``[x_t, x_{t+1}]``, so ``L`` may be the
    Lipschitz constant of ``grad f`` on a convex set containing the iterates.

    Parameters
    ----------
    L : float > 0
    lr : float in (0, 2/L)
    T : int >= 1 or array of ints
    f0_minus_finf : float >= 0, ``f(x_0) - inf f``

    Examples
    --------
    >>> nonconvex_bound(1.0, 1.0, 4, 2.0)
    1.0

    References
    ----------
    Nesterov (2004/2018), Section 1.2.3 (gradient method, smooth non-convex case);
    Garrigos & Gower (2023), Section 3; Bottou, Curtis & Nocedal (2018), Section 4.3.
    """
    owner = "nonconvex_bound"
    L = check_scalar(L, "L", owner, low=0.0)
    lr = _lr(lr, owner, 2.0 / L, "2/L", closed="neither")
    t, scalar = _steps(T, owner, low=1)
    gap = check_scalar(f0_minus_finf, "f0_minus_finf", owner, low=0.0, closed="left")
    return _out(gap / (t * lr * (1.0 - lr * L / 2.0)), scalar)


# ------------------------------------------------------------------------- SGD bounds
def expected_smoothness(L, L_max, batch_size=1):
    """Expected-smoothness constant of minibatch SGD with i.i.d. uniform indices.

    For ``f = (1/n) sum_i f_i`` with each ``f_i`` convex and ``L_i``-smooth,
    ``L_max = max_i L_i``, ``f`` L-smooth, and a minibatch of ``b`` indices drawn
    uniformly **with replacement** (``run(..., batch_size=b, replace=True)``), the
    minibatch gradient ``g_B`` satisfies ``E||g_B(x) - g_B(x*)||^2 <= 2 L_b (f(x) - f*)``
    with

        ``L_b = (1 - 1/b) L + L_max / b``

    (the mean of ``b`` i.i.d. terms: its second moment is ``1/b`` times that of one
    term plus ``(1 - 1/b)`` times the squared mean; then co-coercivity of each
    ``f_i``). ``L_1 = L_max``; ``L_b -> L`` as ``b`` grows.

    Examples
    --------
    >>> expected_smoothness(1.0, 5.0, batch_size=4)
    2.0

    References
    ----------
    Gower et al. (2019), Section 3 (expected smoothness; Prop. 3.8 is the same
    computation for sampling without replacement); Garrigos & Gower (2023), Section 5.
    """
    owner = "expected_smoothness"
    L = check_scalar(L, "L", owner, low=0.0)
    L_max = check_scalar(L_max, "L_max", owner, low=0.0)
    if L_max < L:
        raise ValueError(
            f"The 'L_max' parameter of {owner} must be at least L (the average of the f_i "
            f"is at most as curved as the most curved f_i). Got L_max={L_max!r} < L={L!r}."
        )
    b = check_int(batch_size, "batch_size", owner, low=1)
    return (1.0 - 1.0 / b) * L + L_max / b


def gradient_noise_at_optimum(per_example_grads, batch_size=1):
    """``sigma*^2 = E||g_B(x*)||^2`` for i.i.d. minibatches of size ``b`` at a minimizer.

    With per-example gradients ``g_i(x*)`` (their mean is ``grad f(x*) = 0``),
    ``sigma*^2 = (1/b) * (1/n) sum_i ||g_i(x*)||^2``. This is the only noise constant
    in :func:`sgd_bound_constant_step`: no bound on the variance elsewhere is needed.

    Parameters
    ----------
    per_example_grads : array, shape (n, d)  ``g_i(x*)``, e.g. ``problem.per_example_grads(x_star)``
    batch_size : int >= 1

    References
    ----------
    Gower et al. (2019), Section 3 (``sigma^2 = E||grad f_v(x*)||^2``).
    """
    owner = "gradient_noise_at_optimum"
    G = check_array(per_example_grads, "per_example_grads", owner, ndim=2)
    b = check_int(batch_size, "batch_size", owner, low=1)
    return float(np.mean(np.sum(G * G, axis=1)) / b)


def sgd_bound_constant_step(mu, L_es, lr, T, dist0_sq, sigma_star_sq):
    """Upper bound on ``E||x_T - x*||^2`` for SGD with a constant step on a strongly convex f.

    Assumptions (Gower et al. 2019, Thm 3.1): ``f`` is ``mu``-strongly convex (strongly
    quasi-convex suffices); the stochastic gradient is unbiased and satisfies expected
    smoothness with constant ``L_es`` (see :func:`expected_smoothness`: each ``f_i``
    convex and smooth, indices i.i.d.); ``sigma_star_sq = E||g(x*)||^2``
    (:func:`gradient_noise_at_optimum`). Then for ``0 < lr <= 1/(2 L_es)``:

        ``E||x_T - x*||^2 <= (1 - lr mu) ** T ||x_0 - x*||^2 + 2 lr sigma_star_sq / mu``

    Linear convergence down to a noise ball whose radius (squared) is proportional
    to ``lr``: halving the step halves the floor but slows the linear phase. The
    often-quoted ``lr sigma^2 / mu`` floor is the same argument under the stronger
    assumption of a uniformly bounded variance ``E||g - grad f||^2 <= sigma^2``.

    Parameters
    ----------
    mu : float > 0
    L_es : float >= mu, expected-smoothness constant
    lr : float in (0, 1/(2 L_es)]
    T : int >= 0 or array of ints
    dist0_sq, sigma_star_sq : float >= 0

    References
    ----------
    Gower et al. (2019), Theorem 3.1; Garrigos & Gower (2023), Section 5
    (SGD, strongly convex); Needell, Srebro & Ward (2014); Bottou, Curtis & Nocedal
    (2018), Theorem 4.6 (function values, bounded-variance form).
    """
    owner = "sgd_bound_constant_step"
    mu, L_es = _mu_L(mu, L_es, owner, L_name="L_es")
    lr = _lr(lr, owner, 1.0 / (2.0 * L_es), "1/(2 L_es)")
    t, scalar = _steps(T, owner)
    d0 = check_scalar(dist0_sq, "dist0_sq", owner, low=0.0, closed="left")
    s2 = check_scalar(sigma_star_sq, "sigma_star_sq", owner, low=0.0, closed="left")
    return _out((1.0 - lr * mu) ** t * d0 + 2.0 * lr * s2 / mu, scalar)


def sgd_switching_schedule(mu, L_es):
    """The step-size schedule of Gower et al. (2019), Theorem 3.2: constant, then ~1/t.

    ``lr_t = 1/(2 L_es)`` for ``t < t0 = 4 ceil(kappa)`` (``kappa = L_es / mu``), then
    ``lr_t = (2t + 1) / ((t + 1)^2 mu)``. ``t`` counts the updates already done, as in
    :func:`course_lib.optimizers.run`. Use it as ``sgd(lr=sgd_switching_schedule(mu, L))``.

    Returns
    -------
    callable ``t -> lr_t`` (with attribute ``t0``)
    """
    mu, L_es = _mu_L(mu, L_es, "sgd_switching_schedule", L_name="L_es")
    t0 = 4 * math.ceil(L_es / mu)

    def schedule(t):
        t = int(t)
        return 1.0 / (2.0 * L_es) if t < t0 else (2.0 * t + 1.0) / ((t + 1.0) ** 2 * mu)

    schedule.t0 = t0
    return schedule


def sgd_bound_decreasing_step(mu, L_es, T, dist0_sq, sigma_star_sq):
    """Upper bound on ``E||x_T - x*||^2`` for SGD with :func:`sgd_switching_schedule`: O(1/T).

    Same assumptions as :func:`sgd_bound_constant_step`. With ``kappa = L_es / mu``
    and ``t0 = 4 ceil(kappa)``:

    * ``T <= t0`` (constant step ``1/(2 L_es)``): ``(1 - mu/(2 L_es))**T r0 + sigma*^2/(mu L_es)``;
    * ``T >= t0``: ``8 sigma*^2 / (mu^2 T) + 16 ceil(kappa)^2 / (e^2 T^2) r0``,

    where ``r0 = ||x_0 - x*||^2``. Proof sketch: each step satisfies
    ``r_{t+1} <= (1 - lr_t mu) r_t + 2 lr_t^2 sigma*^2``; with
    ``lr_t = (2t+1)/((t+1)^2 mu)`` multiply by ``(t+1)^2`` and sum from ``t0``.
    Once the noise dominates the error decays as 1/T, unlike the constant step,
    which stalls at its noise floor.

    References
    ----------
    Gower et al. (2019), Theorem 3.2; Garrigos & Gower (2023), Section 5
    (SGD with switching step sizes); Bottou, Curtis & Nocedal (2018), Theorem 4.7
    (an O(1/T) bound on function values for ``lr_t = beta / (gamma + t)``).
    """
    owner = "sgd_bound_decreasing_step"
    mu, L_es = _mu_L(mu, L_es, owner, L_name="L_es")
    t, scalar = _steps(T, owner)
    r0 = check_scalar(dist0_sq, "dist0_sq", owner, low=0.0, closed="left")
    s2 = check_scalar(sigma_star_sq, "sigma_star_sq", owner, low=0.0, closed="left")
    ck = math.ceil(L_es / mu)
    t0 = 4 * ck
    tf = np.asarray(t, dtype=float)
    early = (1.0 - mu / (2.0 * L_es)) ** tf * r0 + s2 / (mu * L_es)
    with np.errstate(divide="ignore", invalid="ignore"):
        late = 8.0 * s2 / (mu ** 2 * tf) + 16.0 * ck ** 2 / (math.e ** 2 * tf ** 2) * r0
    return _out(np.where(tf <= t0, early, late), scalar)


# ---------------------------------------------------------------------------- measure
def measured_rate(values, start=None, stop=None, floor=0.0):
    """Geometric-mean contraction factor of a sequence: ``(|v_j| / |v_i|) ** (1 / (j - i))``.

    ``i`` and ``j`` are the first and last *usable* indices in ``[start, stop)``:
    finite and with ``|v| > floor``. Zeros (an exactly converged run), values at
    machine-precision level (pass e.g. ``floor=1e-14``), ``nan`` and ``inf`` (a
    diverged run) are skipped, so the rate of a diverging run is its growth factor
    before overflow. Returns ``nan`` if fewer than two usable values remain.

    Parameters
    ----------
    values : 1-d array-like  e.g. ``||x_t - x*||`` or ``f(x_t) - f*`` per step
    start : int or None  default ``len(values) // 2`` (the tail)
    stop : int or None   default ``len(values)``
    floor : float >= 0

    Returns
    -------
    float  < 1 for a contracting sequence, > 1 for a growing one

    Examples
    --------
    >>> measured_rate([1.0, 0.5, 0.25, 0.125], start=0)
    0.5
    >>> measured_rate([8.0, 4.0, 2.0, 0.0, np.nan], start=0)
    0.5
    """
    owner = "measured_rate"
    v = check_array(values, "values", owner, ndim=1, finite=False)
    n = len(v)
    start = n // 2 if start is None else check_int(start, "start", owner, low=-n, high=n)
    stop = n if stop is None else check_int(stop, "stop", owner, low=-n, high=n)
    floor = check_scalar(floor, "floor", owner, low=0.0, closed="left")
    idx = np.arange(n)[start:stop]
    a = np.abs(v[start:stop])
    ok = np.isfinite(a) & (a > floor)
    if ok.sum() < 2:
        return float("nan")
    i, j = idx[ok][0], idx[ok][-1]
    return float((np.abs(v[j]) / np.abs(v[i])) ** (1.0 / (j - i)))
