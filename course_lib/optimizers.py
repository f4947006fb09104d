"""Named optimizers built from :mod:`course_lib.transforms`, and the loop that runs them.

* :func:`sgd`, :func:`adam`, :func:`adamw`, ... — every optimizer of
  :mod:`course_lib.zoo`, as a numpy recipe with torch.optim's arguments (generated
  from its spec); ``lr`` may be a schedule ``t -> eta_t``.
* :func:`run` — iterate an optimizer on a problem and return a
  :class:`Trajectory` (iterates, full loss, gradient norm and learning rate per
  step) that plots and tests consume. With ``batch_size`` set, the gradient is a
  minibatch estimate from :mod:`course_lib.sampling`.
* :func:`gradient_descent_armijo` — gradient descent whose step is chosen by
  backtracking (:func:`course_lib.line_search.backtracking_armijo`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import transforms as tx
from ._validation import check_array, check_callable, check_int, check_scalar
from .line_search import backtracking_armijo

__all__ = ["sgd", "gradient_descent", "run", "Trajectory", "gradient_descent_armijo"]


# The named optimizers (sgd, adam, adamw, ...) are generated from their specs in
# course_lib/zoo/ (one file each): see course_lib.zoo for how to add one.
def _zoo_recipes():
    from . import zoo
    return {name: spec.recipe() for name, spec in zoo.specs().items()}


globals().update(_zoo_recipes())
__all__ = __all__ + sorted(n for n in _zoo_recipes() if n not in __all__)


def gradient_descent(lr):
    """Plain gradient descent ``x_{t+1} = x_t - lr * grad f(x_t)`` (``sgd(lr)``)."""
    return sgd(lr)  # noqa: F821 - defined from the zoo above


@dataclass
class Trajectory:
    """What :func:`run` records. Row ``t`` of ``params`` is the iterate after ``t`` steps.

    Attributes
    ----------
    params : ndarray, shape (steps + 1, dim)
    losses : ndarray, shape (steps + 1,)  full objective at each iterate
    grad_norms : ndarray, shape (steps + 1,)  Euclidean norm of the full gradient
    lrs : ndarray, shape (steps,)  step size used at each step (nan if unknown)
    nfev : int  objective evaluations made by a line search (0 otherwise)
    diverged : bool  True if the loss became non-finite (the run stops there)
    label : str  legend label for plots (``run(..., label=...)``)
    extra : dict  method-specific records, e.g. ``extra["line_search_failed"]``
    """

    params: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    lrs: np.ndarray
    nfev: int = 0
    diverged: bool = False
    label: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def x(self):
        """The last iterate."""
        return self.params[-1]

    @property
    def steps(self):
        """Number of steps taken."""
        return len(self.params) - 1

    def __repr__(self):
        return (f"Trajectory(steps={self.steps}, final_loss={self.losses[-1]:.6g}, "
                f"final_grad_norm={self.grad_norms[-1]:.3g}, diverged={self.diverged})")


def _check_problem(problem, owner):
    """TypeError naming 'problem' unless it has callable ``value`` and ``grad``."""
    if not (callable(getattr(problem, "value", None)) and callable(getattr(problem, "grad", None))):
        raise TypeError(
            f"The 'problem' parameter of {owner} must be a problem object with value(x) "
            f"and grad(x) methods (e.g. course_lib.problems.Rosenbrock()). Got "
            f"{type(problem).__name__} instead."
        )


def _progress(iterable, enabled, desc):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm
    return tqdm(iterable, desc=desc, leave=False)


def run(opt, problem, x0, steps, *, batch_size=None, replace=False, seed=0,
        callback=None, progress=False, label=""):
    """Run ``opt`` for ``steps`` steps on ``problem`` from ``x0``.

    Each step: ``g = problem.grad(x)`` (or a minibatch estimate when
    ``batch_size`` is given), ``u, state = opt.update(g, state, x)``,
    ``x = x + u``. The full loss and full gradient norm are recorded at every
    iterate. If the loss becomes non-finite the run stops and
    ``trajectory.diverged`` is True.

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
        ``callback(t, x, loss)`` after each step; raising ``StopIteration`` ends the run.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    Trajectory
    """
    if not isinstance(opt, tx.GradientTransformation):
        raise TypeError(
            f"The 'opt' parameter of run must be a GradientTransformation (e.g. "
            f"sgd(lr=0.1)). Got {type(opt).__name__} instead."
        )
    _check_problem(problem, "run")
    x = check_array(x0, "x0", "run", ndim=1)
    steps = check_int(steps, "steps", "run", low=0)
    if callback is not None:
        check_callable(callback, "callback", "run")
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

    state = opt.init(x)
    params, losses, gnorms, lrs = [x.copy()], [float(problem.value(x))], [], []
    gnorms.append(float(np.linalg.norm(problem.grad(x))))
    diverged = not np.isfinite(losses[0])
    lr_of = getattr(opt, "learning_rate", None)
    for t in _progress(range(steps), progress, label or "run"):
        if diverged:
            break
        g = problem.grad(x) if stream is None else problem.grad(x, next(stream))
        g = np.asarray(g, dtype=float)
        if g.shape != x.shape:
            raise ValueError(
                f"run: problem.grad(x) must return an array of the shape of x {x.shape}. "
                f"Got shape {g.shape} from {type(problem).__name__}.grad."
            )
        lrs.append(lr_of(t) if lr_of else np.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            u, state = opt.update(g, state, x)
            x = tx.apply_updates(x, u)
            loss = float(problem.value(x))
            gnorm = float(np.linalg.norm(problem.grad(x)))
        params.append(x.copy()); losses.append(loss); gnorms.append(gnorm)
        if not np.isfinite(loss) or not np.all(np.isfinite(x)):
            diverged = True
        if callback is not None:
            try:
                callback(t, x, loss)
            except StopIteration:
                break
    return Trajectory(params=np.array(params), losses=np.array(losses),
                      grad_norms=np.array(gnorms), lrs=np.array(lrs, dtype=float),
                      diverged=diverged, label=label)


def gradient_descent_armijo(problem, x0, steps, *, t0=1.0, c=1e-4, beta=0.5,
                            max_backtracks=60, tol=0.0, label=""):
    """Gradient descent with a backtracking (Armijo) step size.

    At each iterate, with ``g = grad f(x)``, the step is the first
    ``t = t0 * beta**k`` satisfying ``f(x - t g) <= f(x) - c t ||g||^2``
    (:func:`course_lib.line_search.backtracking_armijo`), then ``x <- x - t g``.
    Stops early when ``||g|| <= tol``, or without moving when no trial step
    within ``max_backtracks`` satisfies the condition.

    Returns
    -------
    Trajectory  with ``lrs`` the accepted steps, ``nfev`` the objective
    evaluations spent by the line searches and ``extra["line_search_failed"]``.

    References
    ----------
    Armijo 1966; Nocedal & Wright, Numerical Optimization, Algorithm 3.1.
    """
    owner = "gradient_descent_armijo"
    _check_problem(problem, owner)
    x = check_array(x0, "x0", owner, ndim=1)
    steps = check_int(steps, "steps", owner, low=0)
    tol = check_scalar(tol, "tol", owner, low=0.0, closed="left")
    # the line search checks these too, but only once a step is taken
    t0 = check_scalar(t0, "t0", owner, low=0.0)
    c = check_scalar(c, "c", owner, low=0.0, high=1.0)
    beta = check_scalar(beta, "beta", owner, low=0.0, high=1.0)
    max_backtracks = check_int(max_backtracks, "max_backtracks", owner, low=0)
    failed = False
    fx = float(problem.value(x))
    g = np.asarray(problem.grad(x), dtype=float)
    params, losses, gnorms, lrs, nfev = [x.copy()], [fx], [float(np.linalg.norm(g))], [], 0
    for _ in range(steps):
        if gnorms[-1] <= tol:
            break
        res = backtracking_armijo(problem.value, x, -g, g, fx=fx, t0=t0, c=c, beta=beta,
                                  max_backtracks=max_backtracks)
        nfev += res.nfev
        if not res.success:
            # no trial step gave sufficient decrease: stay at x (moving by a
            # rejected step could increase f) and stop
            failed = True
            break
        x = x - res.step * g
        fx = res.fval
        g = np.asarray(problem.grad(x), dtype=float)
        params.append(x.copy()); losses.append(fx); gnorms.append(float(np.linalg.norm(g)))
        lrs.append(res.step)
    return Trajectory(params=np.array(params), losses=np.array(losses),
                      grad_norms=np.array(gnorms), lrs=np.array(lrs), nfev=nfev,
                      label=label, extra={"line_search_failed": failed})
