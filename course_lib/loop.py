"""The loops that run an optimizer on a problem, each returning an :class:`OptimizeResult`.

* :func:`run` — iterate a ``GradientTransformation`` (``course_lib.optimizers.sgd``,
  ...) on a problem; with ``batch_size`` set, the gradient is a minibatch estimate
  from :mod:`course_lib.sampling`.
* :func:`gradient_descent_armijo` — gradient descent whose step is chosen by
  backtracking (:func:`course_lib.line_search.backtracking_armijo`).

Both record through :class:`course_lib.result.Recorder`, so their results have the
same fields (scipy's ``x, fun, jac, nit, nfev, njev, success, status, message`` and
the history ``params, losses, grad_norms, lrs``), and both take
``callback(intermediate_result)``. ``Trajectory`` is the former name of the result
type, kept as an alias. All three are re-exported by :mod:`course_lib.optimizers`.
"""
from __future__ import annotations

import numpy as np

from . import transforms as tx
from ._validation import check_int, check_scalar
from .line_search import backtracking_armijo
from .result import OptimizeResult, Recorder

__all__ = ["run", "gradient_descent_armijo", "Trajectory"]

#: The former name of :class:`course_lib.result.OptimizeResult` (same class).
Trajectory = OptimizeResult


def _progress(iterable, enabled, desc):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm
    return tqdm(iterable, desc=desc, leave=False)


def _check_tol(tol, owner):
    return None if tol is None else check_scalar(tol, "tol", owner, low=0.0, closed="left")


def run(opt, problem, x0, steps, *, batch_size=None, replace=False, seed=0,
        callback=None, progress=False, label="", tol=None):
    """Run ``opt`` for ``steps`` steps on ``problem`` from ``x0``.

    Each step: ``g = problem.grad(x)`` (or a minibatch estimate when
    ``batch_size`` is given), ``u, state = opt.update(g, state, x)``,
    ``x = x + u``. The full loss and full gradient norm are recorded at every
    iterate (with full gradients, the gradient recorded at ``x_t`` is the one the
    next step uses: one ``grad`` call per iterate). If the loss becomes non-finite
    the run stops and ``result.diverged`` is True.

    Parameters
    ----------
    opt : GradientTransformation
    problem : object with ``value(x)`` and ``grad(x)``; for minibatches also
        ``n_samples`` and ``grad(x, idx)``.
    x0 : array-like, shape (dim,)
    steps : int >= 0
    batch_size : int or None
        ``None`` = full gradient. Otherwise minibatches drawn by
        :func:`course_lib.sampling.minibatch_stream` (epochs of a random
        permutation when ``replace=False``, i.i.d. draws when ``replace=True``).
    seed : int
        Seed of the minibatch sampler.
    callback : callable or None
        ``callback(intermediate_result)`` after each step, as in ``scipy.optimize``:
        an :class:`course_lib.result.IntermediateResult` with ``x``, ``fun``,
        ``grad_norm``, ``nit``, ``lr``. Raising ``StopIteration`` ends the run
        (status 99).
    progress : bool
        Show a tqdm progress bar.
    label : str
        Legend label for plots.
    tol : float >= 0 or None
        Stop as soon as the full gradient norm is ``<= tol`` (status 0,
        "converged"); if ``steps`` run out first, status 1 ("max_steps"). ``None``
        (default): run all ``steps`` (status 4, "steps_done").

    Returns
    -------
    OptimizeResult
        ``nit`` steps, ``nfev`` / ``njev`` calls of ``problem.value`` /
        ``problem.grad`` (minibatch ones included), and the history.

    Examples
    --------
    >>> from course_lib.optimizers import gradient_descent
    >>> from course_lib.problems import Quadratic
    >>> q = Quadratic.from_condition_number(4.0, dim=2, L=1.0)
    >>> res = run(gradient_descent(1.0), q, [1.0, 1.0], 100, tol=1e-8)
    >>> res.success, res.message, res.nit == len(res.params) - 1
    (True, 'Optimization terminated successfully.', True)
    """
    if not isinstance(opt, tx.GradientTransformation):
        raise TypeError(
            f"The 'opt' parameter of run must be a GradientTransformation (e.g. "
            f"sgd(lr=0.1)). Got {type(opt).__name__} instead."
        )
    rec = Recorder("run", problem, x0, callback=callback, label=label)
    steps = check_int(steps, "steps", "run", low=0)
    tol = _check_tol(tol, "run")
    stream = None
    if batch_size is not None:
        from .sampling import minibatch_stream
        n = getattr(problem, "n_samples", None)
        if n is None:
            raise ValueError(
                "The 'batch_size' parameter of run needs a problem with n_samples "
                f"(a finite-sum objective); {type(problem).__name__} has none."
            )
        batch_size = check_int(batch_size, "batch_size", "run", low=1, high=n)
        stream = minibatch_stream(n, batch_size, replace=replace, seed=seed)

    x = rec.x0
    state = opt.init(x)
    g = rec.grad(x)
    stop = rec.start(x, rec.value(x), g)
    lr_of = getattr(opt, "learning_rate", None)
    for t in _progress(range(steps), progress, label or "run"):
        if stop:
            break
        if tol is not None and rec.grad_norms[-1] <= tol:
            rec.stop("converged")
            break
        step_grad = g if stream is None else rec.grad(x, next(stream))
        lr = lr_of(t) if lr_of else np.nan
        with np.errstate(over="ignore", invalid="ignore"):
            u, state = opt.update(step_grad, state, x)
            x = tx.apply_updates(x, u)
            g = rec.grad(x)
            stop = rec.step(x, rec.value(x), g, lr=lr)
    if tol is not None and not stop and rec.grad_norms[-1] <= tol:
        rec.stop("converged")
    elif tol is not None:
        rec.stop("max_steps")
    return rec.result()


def gradient_descent_armijo(problem, x0, steps, *, t0=1.0, c=1e-4, beta=0.5,
                            max_backtracks=60, tol=0.0, label="", callback=None):
    """Gradient descent with a backtracking (Armijo) step size.

    At each iterate, with ``g = grad f(x)``, the step is the first
    ``t = t0 * beta**k`` satisfying ``f(x - t g) <= f(x) - c t ||g||^2``
    (:func:`course_lib.line_search.backtracking_armijo`), then ``x <- x - t g``.
    Stops early when ``||g|| <= tol`` (status 0), or without moving when no trial
    step within ``max_backtracks`` satisfies the condition (status 3,
    ``extra["line_search_failed"]``). With ``tol > 0`` not reached in ``steps``,
    status 1; with ``tol = 0`` running all ``steps`` is status 4.

    Parameters
    ----------
    problem : object with ``value(x)`` and ``grad(x)``
    x0 : array-like, shape (dim,)
    steps : int >= 0  at most this many iterations
    t0, c, beta, max_backtracks : see :func:`course_lib.line_search.backtracking_armijo`
        (first trial step, sufficient-decrease constant, shrink factor, trials - 1)
    tol : float >= 0  stop when ``||grad f(x)|| <= tol``
    label : str  legend label for plots
    callback : callable or None  ``callback(intermediate_result)`` after each step, as
        in :func:`run`; ``StopIteration`` stops the run (status 99)

    Returns
    -------
    OptimizeResult
        ``lrs`` the accepted steps; ``nfev`` every evaluation of ``f`` (``f(x0)``
        once, then each line search's trials); ``njev`` one gradient per iterate;
        ``extra["line_search_failed"]``.

    References
    ----------
    Armijo 1966; Nocedal & Wright, Numerical Optimization, Algorithm 3.1.
    """
    owner = "gradient_descent_armijo"
    rec = Recorder(owner, problem, x0, callback=callback, label=label)
    steps = check_int(steps, "steps", owner, low=0)
    tol = check_scalar(tol, "tol", owner, low=0.0, closed="left")
    # the line search checks these too, but only once a step is taken
    t0 = check_scalar(t0, "t0", owner, low=0.0)
    c = check_scalar(c, "c", owner, low=0.0, high=1.0)
    beta = check_scalar(beta, "beta", owner, low=0.0, high=1.0)
    max_backtracks = check_int(max_backtracks, "max_backtracks", owner, low=0)
    x = rec.x0
    fx = rec.value(x)
    g = rec.grad(x)
    stop = rec.start(x, fx, g)
    failed = False
    for _ in range(steps):
        if stop:
            break
        if rec.grad_norms[-1] <= tol:
            rec.stop("converged")
            break
        res = backtracking_armijo(rec.value, x, -g, g, fx=fx, t0=t0, c=c, beta=beta,
                                  max_backtracks=max_backtracks)
        if not res.success:
            # no trial step gave sufficient decrease: stay at x (moving by a
            # rejected step could increase f) and stop
            failed = True
            rec.stop("line_search_failed")
            break
        x = x - res.step * g
        fx = res.fval
        g = rec.grad(x)
        stop = rec.step(x, fx, g, lr=res.step)
    if not stop and not failed:
        if rec.grad_norms[-1] <= tol:
            rec.stop("converged")
        elif tol > 0:
            rec.stop("max_steps")
    return rec.result(line_search_failed=failed)
