"""Turn any objective into a finite sum with a chosen gradient noise, so SGD can run on it.

:class:`PerturbedSum` wraps a problem ``f`` (a :mod:`course_lib.problems` object) as

    ``F(x) = (1/n) sum_i f_i(x)``,   ``f_i(x) = f(x) + z_i . x``,   ``sum_i z_i = 0``,

so ``F = f`` exactly (same minimizers, same plots), while the per-example gradients
``grad f_i(x) = grad f(x) + z_i`` scatter around the true gradient. The vectors
``z_i`` are Gaussian draws, centred and rescaled so that the per-example gradient
variance is exactly

    ``sigma^2 = (1/n) sum_i ||grad f_i(x) - grad f(x)||^2 = (1/n) sum_i ||z_i||^2 = noise^2``

at every ``x``. A minibatch gradient over ``b`` indices is then ``grad f(x)`` plus
a noise of mean 0 and ``E||.||^2 = noise^2 / b`` (i.i.d. indices) or
``noise^2 / b * (n - b)/(n - 1)`` (without replacement), see
:func:`course_lib.sampling.minibatch_variance`: additive, state-independent gradient
noise, the simplest model of SGD. For a 1-d problem each ``f_i`` is the same curve
with a different tilt.

The object has the finite-sum interface that :func:`course_lib.optimizers.run` uses
with ``batch_size`` (``n_samples``, ``grad(x, idx)``), plus ``per_example_grads(x)``
and everything a plot needs (``value_grid``, ``bounds``, ``minimizers``, ``f_min``).

References: Bottou, Curtis & Nocedal, *Optimization methods for large-scale machine
learning*, SIAM Review 60(2), 2018, Section 4 (SGD under an additive-noise /
bounded-variance model).
"""
from __future__ import annotations

import numpy as np

from ._validation import check_indices, check_int, check_scalar
from .problems import Problem

__all__ = ["PerturbedSum"]


class PerturbedSum(Problem):
    """``F(x) = (1/n) sum_i [f(x) + z_i . x]`` with ``sum_i z_i = 0``, ``mean ||z_i||^2 = noise^2``.

    Parameters
    ----------
    problem : a course_lib problem (``value``, ``grad``, ``hessian``, ``dim``, ...)
    n_samples : int >= 2
        Number of terms ``n``.
    noise : float >= 0
        Standard deviation ``sigma`` of a single-example gradient (root mean square
        of ``||z_i||``).
    seed : int
        Seed of the draws of ``z``.

    Attributes
    ----------
    problem, n_samples, noise, z (shape ``(n, dim)``), dim, name, x0, minimizers,
    f_min, bounds (those of ``problem``; ``F = f``).

    Examples
    --------
    >>> from course_lib.problems import TiltedDoubleWell
    >>> F = PerturbedSum(TiltedDoubleWell(), n_samples=50, noise=2.0, seed=0)
    >>> round(float(np.mean(np.sum(F.z ** 2, axis=1))), 12)   # the per-example variance
    4.0
    >>> bool(np.allclose(F.per_example_grads([1.0]).mean(axis=0), F.grad([1.0])))
    True
    """

    def __init__(self, problem, n_samples=100, noise=1.0, seed=0):
        owner = "PerturbedSum"
        for attr in ("value", "grad", "dim"):
            if not hasattr(problem, attr):
                raise TypeError(
                    f"The 'problem' parameter of {owner} must be a problem object with "
                    f"value, grad and dim (e.g. TiltedDoubleWell()). Got "
                    f"{type(problem).__name__} instead."
                )
        self.problem = problem
        self.n_samples = check_int(n_samples, "n_samples", owner, low=2)
        self.noise = check_scalar(noise, "noise", owner, low=0.0, closed="left")
        self.seed = check_int(seed, "seed", owner, low=0)
        self.dim = int(problem.dim)
        z = np.random.default_rng(self.seed).standard_normal((self.n_samples, self.dim))
        z -= z.mean(axis=0)
        rms = np.sqrt(np.mean(np.sum(z**2, axis=1)))
        z = z * (self.noise / rms) if rms > 0 else np.zeros_like(z)
        z.flags.writeable = False
        self.z = z
        self.name = f"{getattr(problem, 'name', 'problem')} + noise {self.noise:g}"

    # -- the finite-sum interface ------------------------------------------------
    def _z_mean(self, idx, method):
        """``mean(z_idx)`` over a validated minibatch ``idx`` (repeats allowed)."""
        return self.z[check_indices(idx, self.n_samples, f"PerturbedSum.{method}")].mean(axis=0)

    def value(self, x, idx=None):
        """``F(x) = f(x)``; with ``idx``, the mean of ``f_i(x)`` over those indices."""
        x = self._check_x(x, "value")
        fx = float(self.problem.value(x))
        if idx is None:
            return fx
        return fx + float(self._z_mean(idx, "value") @ x)

    def grad(self, x, idx=None):
        """``grad F(x) = grad f(x)``; with ``idx`` (repeats allowed), the minibatch
        gradient ``grad f(x) + mean(z_idx)``."""
        x = self._check_x(x, "grad")
        g = np.asarray(self.problem.grad(x), dtype=float)
        if idx is None:
            return g
        return g + self._z_mean(idx, "grad")

    def per_example_grads(self, x):
        """Row ``i`` = ``grad f_i(x) = grad f(x) + z_i``, shape ``(n, dim)``."""
        x = self._check_x(x, "per_example_grads")
        return np.asarray(self.problem.grad(x), dtype=float)[None, :] + self.z

    # -- delegated to the wrapped problem (F = f) ----------------------------------
    def _value(self, x):
        return self.problem.value(x)

    def _values(self, P):
        return np.asarray(self.problem.value_grid(*P.T), dtype=float)

    def _grad(self, x):
        return self.problem.grad(x)

    def _hessian(self, x):
        return self.problem.hessian(x)

    @property
    def x0(self):
        """The wrapped problem's default start (a copy)."""
        return np.array(self.problem.x0, dtype=float)

    @property
    def minimizers(self):
        """The wrapped problem's minimizers (``F = f``)."""
        return np.array(self.problem.minimizers, dtype=float)

    @property
    def f_min(self):
        """The wrapped problem's minimum value (``F = f``)."""
        return self.problem.f_min

    @property
    def bounds(self):
        """The wrapped problem's plotting window."""
        return self.problem.bounds

    def __repr__(self):
        return (f"PerturbedSum({self.problem!r}, n_samples={self.n_samples}, "
                f"noise={self.noise:g}, seed={self.seed})")
