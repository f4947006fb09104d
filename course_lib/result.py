"""One result type for every optimization loop of the course, and the recorder that fills it.

:class:`OptimizeResult` is what :func:`course_lib.optimizers.run`,
:func:`course_lib.optimizers.gradient_descent_armijo` (and every later loop:
constrained, second-order) return. It has the fields of ``scipy.optimize.OptimizeResult``

    x, fun, jac, nit, nfev, njev, success, status, message

with scipy's meanings (``nit`` iterations done; ``nfev`` / ``njev`` calls of the
objective / of its gradient, every call counted, as scipy counts them), plus the
**history** that the plots, widgets and tests read: one row per iterate
``x_0, ..., x_nit``. Method-specific fields (a line search's failure flag, Lagrange
multipliers, ...) go in ``extra`` and read as attributes too (``res.multipliers``).

``status`` and ``message`` always come from one table, :data:`STATUS`, keyed by the
reason the loop stopped.

:class:`Recorder` is the loop-side half: a loop evaluates the problem through it
(so evaluations are counted), hands it every new iterate, and asks it for the result::

    rec = Recorder("my_method", problem, x0, callback=callback)
    x = rec.x0
    fx, g = rec.value(x), rec.grad(x)
    if not rec.start(x, fx, g):           # x0 itself non-finite: stop at once
        for _ in range(maxiter):
            x = x - 0.1 * g
            fx, g = rec.value(x), rec.grad(x)
            if rec.step(x, fx, g, lr=0.1):        # diverged or callback said stop
                break
            if np.linalg.norm(g) <= tol:
                rec.stop("converged"); break
    return rec.result()                   # "steps_done" unless a reason was set

``callback(intermediate_result)`` is called after every step with an
:class:`IntermediateResult` (``x``, ``fun``, ``nit``, ...); raising ``StopIteration``
in it ends the run with status 99 and scipy's message, as in ``scipy.optimize.minimize``
(scipy >= 1.11).

References
----------
scipy.optimize.OptimizeResult and the ``callback`` parameter of
scipy.optimize.minimize (SciPy 1.17 documentation).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ._validation import check_array, check_callable

__all__ = ["STATUS", "OptimizeResult", "IntermediateResult", "Recorder", "status_of"]

#: Why a loop stopped -> (status code, success, message). Every result's ``status``,
#: ``success`` and ``message`` come from here. 0, 1 and 99 are scipy's codes and texts
#: for the same events (``scipy.optimize.minimize``: success, maxiter, callback).
STATUS = {
    "converged": (0, True, "Optimization terminated successfully."),
    "max_steps": (1, False, "Maximum number of iterations has been exceeded."),
    "diverged": (2, False, "The objective or the iterate became non-finite: the run "
                           "diverged (a smaller learning rate may help)."),
    "line_search_failed": (3, False, "The line search found no step with sufficient "
                                     "decrease; the run stopped at the last accepted "
                                     "iterate."),
    "steps_done": (4, True, "Completed the requested number of steps."),
    "callback": (99, False, "`callback` raised `StopIteration`."),
    # constrained methods (course_lib.constrained)
    "infeasible": (10, False, "No feasible point was found: the constraint violation stayed "
                              "bounded away from zero (the constraints look inconsistent, "
                              "or the dual is unbounded)."),
    "singular_kkt": (11, False, "The KKT system is singular: the constraint gradients vanish "
                                "or are linearly dependent (LICQ fails), or the Hessian is "
                                "singular on the constraints' tangent space; no unique "
                                "Newton step or multiplier exists."),
    "singular_hessian": (20, False, "The Hessian (or its model) is singular, or not "
                                    "positive definite where a descent step needs it to "
                                    "be: no Newton step; damp it (trust region, "
                                    "Levenberg-Marquardt) or modify the Hessian."),
}

_BY_CODE = {code: reason for reason, (code, _, _) in STATUS.items()}


def status_of(reason):
    """``(status, success, message)`` for a reason of :data:`STATUS`.

    Examples
    --------
    >>> status_of("callback")
    (99, False, '`callback` raised `StopIteration`.')
    """
    if reason not in STATUS:
        raise ValueError(f"The 'reason' parameter of status_of must be one of "
                         f"{sorted(STATUS)}. Got {reason!r} instead.")
    return STATUS[reason]


_SCIPY_FIELDS = ("x", "fun", "jac", "nit", "nfev", "njev", "success", "status", "message")


@dataclass(eq=False)
class OptimizeResult:
    """The result of an optimization loop: scipy's fields and the run's history.

    The first eight fields keep the order of the former ``Trajectory``, so
    ``OptimizeResult(params, losses, grad_norms, lrs)`` still builds one; the scipy
    fields then default to what the history says (``x = params[-1]``,
    ``fun = losses[-1]``, ``nit = len(params) - 1``, status from ``diverged``).

    Attributes
    ----------
    params : ndarray, shape (nit + 1, dim)
        History: row ``t`` is the iterate after ``t`` steps (row 0 is ``x0``).
    losses : ndarray, shape (nit + 1,)
        History: the full objective at each iterate.
    grad_norms : ndarray, shape (nit + 1,)
        History: Euclidean norm of the full gradient at each iterate.
    lrs : ndarray, shape (nit,)
        History: step size used at each step (nan if the optimizer has none).
    nfev : int
        Calls of the objective ``problem.value`` made by the loop (all of them: the
        ones recorded for the history count, as scipy counts every call).
    diverged : bool
        History: the loss or the iterate became non-finite (the run stopped there).
    label : str
        Legend label for plots.
    extra : dict
        Method-specific fields, also readable as attributes: ``res.extra["k"]`` is
        ``res.k`` (e.g. ``line_search_failed``; later ``multipliers``).
    x : ndarray, shape (dim,)
        The last iterate.
    fun : float
        ``f(x)``.
    jac : ndarray or None
        The full gradient at ``x``.
    nit : int
        Steps (iterations) done; ``steps`` is the same number.
    njev : int
        Calls of ``problem.grad`` (full and minibatch).
    success, status, message :
        From :data:`STATUS` (``status_of(reason)``).
    """

    params: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    lrs: np.ndarray
    nfev: int = 0
    diverged: bool = False
    label: str = ""
    extra: dict = field(default_factory=dict)
    x: np.ndarray | None = None
    fun: float | None = None
    jac: np.ndarray | None = None
    nit: int | None = None
    njev: int = 0
    success: bool | None = None
    status: int | None = None
    message: str | None = None

    def __post_init__(self):
        if self.x is None:
            self.x = self.params[-1]
        if self.fun is None:
            self.fun = float(self.losses[-1])
        if self.nit is None:
            self.nit = len(self.params) - 1
        if self.status is None:
            self.status = STATUS["diverged" if self.diverged else "steps_done"][0]
        if self.status not in _BY_CODE:
            raise ValueError(f"The 'status' parameter of OptimizeResult must be one of the "
                             f"codes of course_lib.result.STATUS {sorted(_BY_CODE)}. Got "
                             f"{self.status!r} instead.")
        code, success, message = STATUS[_BY_CODE[self.status]]
        if self.success is None:
            self.success = success
        if self.message is None:
            self.message = message

    def __getattr__(self, name):
        # only called when normal lookup fails: method-specific fields live in extra
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        raise AttributeError(f"'OptimizeResult' object has no attribute {name!r}")

    @property
    def steps(self):
        """History: number of steps taken (``len(params) - 1``, equal to ``nit``)."""
        return len(self.params) - 1

    @property
    def reason(self):
        """The key of :data:`STATUS` for ``status``, e.g. ``"converged"``."""
        return _BY_CODE[self.status]

    def keys(self):
        """The scipy fields, then the method-specific ones (as ``OptimizeResult.keys()``)."""
        return list(_SCIPY_FIELDS) + list(self.extra)

    def __repr__(self):
        return (f"OptimizeResult(message={self.message!r}, success={self.success}, "
                f"status={self.status}, fun={self.fun:.6g}, nit={self.nit}, "
                f"nfev={self.nfev}, njev={self.njev}, steps={self.steps}, "
                f"final_grad_norm={self.grad_norms[-1]:.3g}, diverged={self.diverged}"
                + (f", label={self.label!r}" if self.label else "") + ")")


class IntermediateResult(NamedTuple):
    """What ``callback(intermediate_result)`` receives after each step (scipy passes
    an ``OptimizeResult`` with at least ``x`` and ``fun``; this has those and more)."""

    x: np.ndarray        # the new iterate (a copy)
    fun: float           # f(x)
    grad_norm: float     # ||grad f(x)||
    nit: int             # steps done so far (1 after the first step)
    lr: float            # the step size of this step (nan if unknown)


def _callback_caller(fn):
    """``call(info)`` for a callback, or None if it cannot take one argument. As in
    scipy, a callback whose only parameter is named ``intermediate_result`` gets it by
    keyword (so ``def cb(*, intermediate_result)`` works too); otherwise positionally."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):          # no signature (some builtins): try it
        return fn
    if set(sig.parameters) == {"intermediate_result"}:
        return lambda info: fn(intermediate_result=info)
    try:
        sig.bind(None)
    except TypeError:
        return None
    return fn


class Recorder:
    """Counts a loop's evaluations, keeps its history and builds its :class:`OptimizeResult`.

    Parameters
    ----------
    owner : str
        The public function the user called (named in error messages).
    problem : object with ``value(x)`` and ``grad(x)`` (``grad(x, idx)`` for minibatches)
    x0 : array-like, shape (dim,)
        Checked here: finite, 1-d, and of shape ``(problem.dim,)`` when the problem has
        a ``dim``. The checked float copy is :attr:`x0`.
    callback : callable or None
        ``callback(intermediate_result)`` after each step; ``StopIteration`` stops.
    label : str
        Copied into the result.

    Methods a loop uses: :meth:`value`, :meth:`grad` (counted, shape-checked),
    :meth:`start` (iterate 0), :meth:`step` (each new iterate; True = stop),
    :meth:`stop` (set the reason), :meth:`result`.
    """

    def __init__(self, owner, problem, x0, *, callback=None, label=""):
        self.owner = owner
        if not (callable(getattr(problem, "value", None))
                and callable(getattr(problem, "grad", None))):
            raise TypeError(
                f"The 'problem' parameter of {owner} must be a problem object with value(x) "
                f"and grad(x) methods (e.g. course_lib.problems.Rosenbrock()). Got "
                f"{type(problem).__name__} instead."
            )
        self.problem = problem
        x = check_array(x0, "x0", owner, ndim=1)
        dim = getattr(problem, "dim", None)
        if isinstance(dim, (int, np.integer)) and x.shape != (int(dim),):
            name = getattr(problem, "name", None) or type(problem).__name__
            raise ValueError(
                f"The 'x0' parameter of {owner} must have shape ({int(dim)},), the "
                f"dimension of the problem {name!r}. Got shape {x.shape} instead."
            )
        self.x0 = x
        if callback is not None:
            check_callable(callback, "callback", owner)
            self._call = _callback_caller(callback)
            if self._call is None:
                raise TypeError(
                    f"The 'callback' parameter of {owner} must take one argument, "
                    f"callback(intermediate_result) as in scipy.optimize (with .x, .fun, "
                    f".nit); raise StopIteration in it to stop. Got {callback!r}, which "
                    f"cannot be called with one argument."
                )
        self.callback = callback
        self.label = label
        self.nfev = 0
        self.njev = 0
        self.params, self.losses, self.grad_norms, self.lrs = [], [], [], []
        self.jac = None
        self.diverged = False
        self.reason = None
        self.extra = {}

    # ------------------------------------------------------------ counted evaluations
    def value(self, x):
        """``float(problem.value(x))``, counted in ``nfev``."""
        self.nfev += 1
        return float(self.problem.value(x))

    def grad(self, x, idx=None):
        """``problem.grad(x)`` (or ``problem.grad(x, idx)``) as a float array, counted in
        ``njev``; ValueError naming :attr:`owner` if its shape is not ``x``'s."""
        self.njev += 1
        g = self.problem.grad(x) if idx is None else self.problem.grad(x, idx)
        g = np.asarray(g, dtype=float)
        if g.shape != np.shape(x):
            raise ValueError(
                f"{self.owner}: problem.grad(x) must return an array of the shape of x "
                f"{np.shape(x)}. Got shape {g.shape} from {type(self.problem).__name__}.grad."
            )
        return g

    # ------------------------------------------------------------------------ history
    def _append(self, x, fun, jac):
        self.params.append(np.array(x, dtype=float))
        self.losses.append(float(fun))
        self.grad_norms.append(float(np.linalg.norm(jac)))
        self.jac = np.asarray(jac, dtype=float)
        if not (np.isfinite(fun) and np.all(np.isfinite(x))):
            self.diverged = True
            self.stop("diverged")
        return self.diverged

    def start(self, x, fun, jac):
        """Record iterate 0. Returns True if it is already non-finite (then stop)."""
        return self._append(x, fun, jac)

    def step(self, x, fun, jac, lr=np.nan):
        """Record a new iterate and call the callback.

        Returns True when the loop must stop: the iterate or ``fun`` is non-finite
        (reason ``"diverged"``) or the callback raised ``StopIteration`` (``"callback"``).
        """
        self.lrs.append(float(lr))
        if self._append(x, fun, jac):
            return True
        if self.callback is not None:
            info = IntermediateResult(np.array(x, dtype=float), float(fun),
                                      self.grad_norms[-1], len(self.lrs), float(lr))
            try:
                self._call(info)
            except StopIteration:
                self.stop("callback")
                return True
        return False

    def stop(self, reason):
        """Set why the loop stops (a key of :data:`STATUS`); the first reason set wins."""
        status_of(reason)
        if self.reason is None:
            self.reason = reason

    def result(self, **extra):
        """The :class:`OptimizeResult`; keyword arguments become method-specific fields.

        The reason is the one set by :meth:`stop`, else ``"steps_done"``.
        """
        if not self.params:
            raise RuntimeError(f"{self.owner}: Recorder.result() before Recorder.start(x0, ...): "
                               f"a loop records its starting point first.")
        code, success, message = status_of(self.reason or "steps_done")
        self.extra.update(extra)
        dim = len(self.x0)
        return OptimizeResult(
            params=np.array(self.params, dtype=float).reshape(len(self.params), dim),
            losses=np.array(self.losses, dtype=float),
            grad_norms=np.array(self.grad_norms, dtype=float),
            lrs=np.array(self.lrs, dtype=float),
            nfev=self.nfev, njev=self.njev, diverged=self.diverged, label=self.label,
            extra=dict(self.extra), jac=self.jac, success=success, status=code,
            message=message,
        )
