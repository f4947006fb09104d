"""Small tools for chapter 04 (adaptive methods): feeding a fixed sequence of gradients
to an optimizer, and Reddi et al.'s online counterexample on which Adam does not converge.

No optimizer is written here: every update comes from a
:class:`course_lib.transforms.GradientTransformation` (``course_lib.optimizers.adam``, ...).
"""
from __future__ import annotations

import numpy as np

from . import transforms as tx
from ._validation import check_array, check_int, check_scalar
from .result import Recorder

__all__ = ["updates_from_gradients", "ReddiOnline", "online_projected_run",
           "newton_schulz_singular_values"]


def _gradients_and_start(grads, x0, owner):
    """``grads`` as a (T, d) array and the start ``x0`` (zeros by default), checked for ``owner``."""
    g = check_array(grads, "grads", owner, ndim=2)
    x = np.zeros(g.shape[1]) if x0 is None else check_array(x0, "x0", owner, ndim=1)
    if x.shape != (g.shape[1],):
        raise ValueError(f"The 'x0' parameter of {owner} must have shape ({g.shape[1]},), "
                         f"one entry per gradient column. Got shape {x.shape} instead.")
    return g, x


def updates_from_gradients(opt, grads, x0=None):
    """The updates ``u_1, ..., u_T`` an optimizer makes for a given gradient sequence.

    For ``t = 1..T``: ``u_t, state = opt.update(g_t, state, x_{t-1})`` and
    ``x_t = x_{t-1} + u_t`` (``x_0 = x0``, zeros by default). The gradients do not
    depend on ``x`` (an online problem, or the first steps on a fixed gradient), so
    the result is the optimizer's response to exactly these gradients.

    Parameters
    ----------
    opt : GradientTransformation  e.g. ``course_lib.optimizers.adam(lr=1e-3)``
    grads : array-like, shape (T, d)  the gradient of step ``t`` in row ``t - 1``
    x0 : array-like, shape (d,), optional  the start (matters only with weight decay)

    Returns
    -------
    updates : ndarray, shape (T, d)  ``x_t - x_{t-1}`` in row ``t - 1``
    states : list  the optimizer state after each step

    Examples
    --------
    >>> from course_lib.optimizers import adam
    >>> u, _ = updates_from_gradients(adam(lr=0.1), [[2.0, -0.5]])
    >>> np.round(u, 6)           # Adam's first step is -lr * g / (|g| + eps)
    array([[-0.1,  0.1]])

    References
    ----------
    optax's ``GradientTransformation.update``; Kingma & Ba (2015), Algorithm 1.
    """
    owner = "updates_from_gradients"
    if not isinstance(opt, tx.GradientTransformation):
        raise TypeError(f"The 'opt' parameter of {owner} must be a GradientTransformation "
                        f"(e.g. adam(lr=1e-3)). Got {type(opt).__name__} instead.")
    g, x = _gradients_and_start(grads, x0, owner)
    state = opt.init(x)
    updates, states = [], []
    for row in g:
        u, state = opt.update(row, state, x)
        x = tx.apply_updates(x, u)
        updates.append(np.asarray(u, dtype=float))
        states.append(state)
    return np.array(updates).reshape(g.shape), states


class ReddiOnline:
    """Reddi, Kale & Kumar's (2018, Theorem 1) online problem on ``F = [-1, 1]``::

        f_t(x) = C x   if t = 1, 4, 7, ...  (t mod 3 == 1)
        f_t(x) = -x    otherwise

    with ``C > 2``. Over one period the average loss is ``(C - 2) x / 3``, minimised at
    ``x* = -1``. Adam with ``beta1 = 0``, ``beta2 = 1 / (1 + C^2)`` and
    ``lr_t = alpha / sqrt(t)`` drifts to ``x = +1``: the large gradient ``C`` is seen
    once in three steps and is forgotten by ``v`` before it comes back, so the two
    steps of ``-1`` outweigh it. AMSGrad keeps the maximum of ``v`` and converges to -1.

    ``value(x)`` and ``grad(x)`` are the period averages (what the iterate is judged on);
    :meth:`grad_at` is the gradient the online learner sees at step ``t``.

    Parameters
    ----------
    C : float > 2

    References
    ----------
    S. J. Reddi, S. Kale, S. Kumar, On the Convergence of Adam and Beyond (ICLR 2018),
    Section 3, Theorem 1.
    """

    dim = 1
    bounds = (-1.0, 1.0)
    x_star = np.array([-1.0])

    def __init__(self, C=3.0):
        self.C = check_scalar(C, "C", "ReddiOnline", low=2.0)

    def grad_at(self, t):
        """``grad f_t``: ``[C]`` when ``t mod 3 == 1``, else ``[-1]`` (``t = 1, 2, ...``)."""
        t = check_int(t, "t", "ReddiOnline.grad_at", low=1)
        return np.array([self.C if t % 3 == 1 else -1.0])

    def value(self, x):
        """Period-average loss ``(C - 2) x / 3``."""
        return float((self.C - 2.0) * np.asarray(x, dtype=float)[0] / 3.0)

    def grad(self, x):
        """Period-average gradient ``[(C - 2) / 3]``."""
        return np.array([(self.C - 2.0) / 3.0])

    def regret(self, xs):
        """``R_T = sum_t f_t(x_t) - min_x sum_t f_t(x)`` for iterates ``x_1..x_T``
        (``xs`` of shape (T,) or (T, 1); the minimum is at -1 over whole periods)."""
        xs = np.asarray(xs, dtype=float).reshape(-1)
        g = np.array([self.grad_at(t)[0] for t in range(1, len(xs) + 1)])
        return float(np.sum(g * xs) - np.min([np.sum(g * -1.0), np.sum(g * 1.0)]))


def online_projected_run(opt, problem, x0, steps):
    """Projected online run: ``u_t = opt.update(grad_at(t))``, ``x_t = clip(x_{t-1} + u_t)``.

    ``x_t = Pi_F(x_{t-1} + u_t)`` with ``Pi_F`` the clipping to ``problem.bounds``
    (Reddi et al.'s projection onto ``F = [-1, 1]``; in one dimension their weighted
    projection is the same clipping). The recorded loss and gradient are the period
    averages ``problem.value`` / ``problem.grad``.

    Parameters
    ----------
    opt : GradientTransformation  (a schedule ``lr = lambda t: alpha / sqrt(t + 1)``
        gives Reddi et al.'s ``alpha / sqrt(t)``)
    problem : ReddiOnline (or any object with ``grad_at``, ``value``, ``grad``, ``bounds``)
    x0 : array-like, shape (1,)
    steps : int >= 0

    Returns
    -------
    OptimizeResult  ``params`` row ``t`` is ``x_t``

    References
    ----------
    Reddi, Kale & Kumar (2018), Algorithm 1 (the projection step).
    """
    owner = "online_projected_run"
    if not isinstance(opt, tx.GradientTransformation):
        raise TypeError(f"The 'opt' parameter of {owner} must be a GradientTransformation "
                        f"(e.g. adam(lr=0.1)). Got {type(opt).__name__} instead.")
    steps = check_int(steps, "steps", owner, low=0)
    rec = Recorder(owner, problem, x0)
    lo, hi = problem.bounds
    x = rec.x0
    state = opt.init(x)
    rec.start(x, rec.value(x), rec.grad(x))
    for t in range(1, steps + 1):
        u, state = opt.update(problem.grad_at(t), state, x)
        x = np.clip(tx.apply_updates(x, u), lo, hi)
        if rec.step(x, rec.value(x), rec.grad(x)):
            break
    return rec.result()


def newton_schulz_singular_values(sigma, coefficients=(1.5, -0.5, 0.0), steps=5):
    """What a Newton-Schulz iteration does to a matrix's singular values.

    The matrix iteration ``X <- a X + b (X X^T) X + c (X X^T)^2 X`` from
    ``X_0 = G / ||G||_F`` (as in Muon) keeps the singular vectors of ``G`` and maps each
    singular value through the odd polynomial ``p(x) = a x + b x^3 + c x^5``. So after
    ``steps`` iterations the singular values are ``p^steps(sigma_i / ||sigma||_2)``.

    With the cubic ``(1.5, -0.5, 0)`` every ``x`` in ``(0, sqrt(3))`` converges to the
    fixed point 1, so the matrix converges to the polar factor ``U V^T``; torch's quintic
    default ``(3.4445, -4.775, 2.0315)`` has a steeper slope at 0 and, after 5 steps,
    leaves the values in a band around 1 instead.

    Parameters
    ----------
    sigma : array-like, 1-d  singular values of ``G`` (any scale, not all zero)
    coefficients : (a, b, c)
    steps : int >= 0

    Returns
    -------
    ndarray  the singular values after ``steps`` iterations

    Examples
    --------
    >>> np.round(newton_schulz_singular_values([3.0, 4.0], steps=20), 6)
    array([1., 1.])

    References
    ----------
    N. J. Higham, *Functions of Matrices*, SIAM 2008, Section 8.3 (Newton-Schulz for the
    polar decomposition); K. Jordan et al., Muon (2024); ``torch.optim.Muon``.
    """
    owner = "newton_schulz_singular_values"
    x = check_array(sigma, "sigma", owner, ndim=1)
    norm = np.linalg.norm(x)
    if norm == 0:
        raise ValueError(f"The 'sigma' parameter of {owner} must not be all zeros. "
                         f"Got {x!r} instead.")
    if len(tuple(coefficients)) != 3:
        raise ValueError(f"The 'coefficients' parameter of {owner} must be three numbers "
                         f"(a, b, c). Got {coefficients!r} instead.")
    a, b, c = (float(v) for v in coefficients)
    steps = check_int(steps, "steps", owner, low=0)
    x = x / norm
    for _ in range(steps):
        x = a * x + b * x ** 3 + c * x ** 5
    return x
