"""The review chapter's quiz bank: questions as data, answer keys computed by course_lib.

Each :class:`Question` holds its text, its chapter and topic, and two functions:

* ``key()`` computes the answer with ``course_lib`` (a run, a schedule, a projection...);
  this is what the quiz shows as correct, so no answer is typed in;
* ``oracle()`` computes the same quantity another way (a closed form, numpy's
  eigenvalues, scipy, torch), and is only called by :func:`verify` (the tests).

A numeric question's key is a float; a multiple-choice question's key is the index of
the correct option. :func:`verify` raises :class:`QuizKeyError` naming the question when
the two disagree; :func:`to_jupyterquiz` turns questions into the dictionaries that
``jupyterquiz.display_quiz`` takes (written into the notebook's output: nothing fetched).

Reference: jupyterquiz 2.9 question format
(https://github.com/jmshea/jupyterquiz, "multiple_choice" and "numeric" questions).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Question", "QuizKeyError", "BANK", "questions", "quiz_for", "verify",
           "to_jupyterquiz", "question"]


class QuizKeyError(AssertionError):
    """A quiz question's key (course_lib) and its oracle disagree."""


@dataclass(frozen=True)
class Question:
    """One quiz question.

    ``kind`` is ``"numeric"`` (``key()`` returns a float) or ``"choice"`` (``options``
    are the answers shown, ``key()`` returns the index of the correct one). ``rtol`` is
    the tolerance of :func:`verify` and of the accepted range in the quiz; ``explain`` is
    the feedback shown with the correct answer.
    """

    id: str
    chapter: str
    topic: str
    text: str
    kind: str
    key: Callable[[], float]
    oracle: Callable[[], float]
    explain: str
    options: tuple[str, ...] = ()
    rtol: float = 1e-6
    digits: int = 3


# --------------------------------------------------------------------------- helpers

def _quad(*eigs):
    from .problems import Quadratic
    return Quadratic(np.diag(np.asarray(eigs, dtype=float)))


def _run(opt, problem, x0, steps):
    from .loop import run
    return run(opt, problem, np.asarray(x0, dtype=float), steps)


def _gd(lr):
    from .optimizers import gradient_descent
    return gradient_descent(lr)


def _torch():
    import torch
    torch.set_num_threads(1)
    return torch


def _index(options, value):
    return [o for o in options].index(value)


# ---------------------------------------------------------------------- chapter 01

def _k_three_steps():
    return float(_run(_gd(0.1), _quad(4.0), [1.0], 3).x[0])


def _k_diverging_choice():
    lrs = (0.05, 0.15, 0.19, 0.21)
    grew = [np.linalg.norm(_run(_gd(lr), _quad(1.0, 10.0), [1.0, 1.0], 200).x) > 1.0
            for lr in lrs]
    assert sum(grew) == 1
    return grew.index(True)


def _o_diverging_choice():
    L = np.linalg.eigvalsh(np.diag([1.0, 10.0])).max()
    return [lr > 2 / L for lr in (0.05, 0.15, 0.19, 0.21)].index(True)


def _k_threshold():
    from .rates import divergence_threshold
    return float(divergence_threshold(_quad(1.0, 10.0).L))


def _o_threshold():
    # bisection on runs: the largest lr whose 100 steps do not grow the error
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        grows = np.linalg.norm(_run(_gd(mid), _quad(1.0, 10.0), [0.0, 1.0], 100).x) > 1.0
        lo, hi = (lo, mid) if grows else (mid, hi)
    return lo


def _k_best_contraction():
    from .rates import measured_rate, optimal_lr_quadratic
    q = _quad(0.01, 1.0)
    err = np.linalg.norm(_run(_gd(optimal_lr_quadratic(q.mu, q.L)), q, [1.0, 1.0], 300).params,
                         axis=1)
    return float(measured_rate(err))


def _k_steps_1e4():
    from .rates import optimal_lr_quadratic
    q = _quad(0.01, 1.0)
    err = np.linalg.norm(_run(_gd(optimal_lr_quadratic(q.mu, q.L)), q, [1.0, 1.0], 600).params,
                         axis=1)
    return float(np.argmax(err <= 1e-4 * err[0]))


def _per_example(n=20, d=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def _k_variance_ratio():
    from .sampling import minibatch_variance
    G = _per_example()
    return float(minibatch_variance(G, 4, replace=False) / minibatch_variance(G, 1, replace=False))


def _o_variance_ratio():
    # enumerate every 4-subset of 20 rows: the exact variance of the subset mean
    from itertools import combinations
    G = _per_example()
    g = G.mean(0)
    sub = np.array([G[list(c)].mean(0) for c in combinations(range(20), 4)])
    single = np.mean(np.sum((G - g) ** 2, axis=1))
    return float(np.mean(np.sum((sub - g) ** 2, axis=1)) / single)


def _k_armijo():
    from .line_search import backtracking_armijo
    q = _quad(4.0)
    x = np.array([1.0])
    g = q.grad(x)
    return float(backtracking_armijo(q.value, x, -g, g).step)


def _o_armijo():
    # f(x - t g) <= f(x) - c t g^2 on 2x^2 holds iff t <= 2 (1 - c) / L; first 2^-k below it
    c, L = 1e-4, 4.0
    return next(0.5 ** k for k in range(60) if 0.5 ** k <= 2 * (1 - c) / L)


def _k_floor_ratio():
    from .rates import sgd_bound_constant_step
    floor = [sgd_bound_constant_step(1.0, 4.0, lr, 10**6, 1.0, 0.5) for lr in (0.01, 0.02)]
    return float(floor[1] / floor[0])


# ---------------------------------------------------------------------- chapter 02

_HESS_OPTIONS = ("minimum", "maximum", "saddle", "degenerate")


def _k_classify():
    from .convexity import classify_hessian
    return _index(_HESS_OPTIONS, classify_hessian(np.array([[1.0, 2.0], [2.0, 1.0]])))


def _o_classify():
    lam = np.linalg.eigvalsh(np.array([[1.0, 2.0], [2.0, 1.0]]))   # 3 and -1
    return 2 if lam.min() < 0 < lam.max() else -1


def _k_kappa():
    from .convexity import curvature_constants
    mu, L = curvature_constants(np.array([[3.0, 1.0], [1.0, 3.0]]))[:2]
    return float(L / mu)


def _o_kappa():
    return (3.0 + 1.0) / (3.0 - 1.0)        # eigenvalues a +- b of [[a, b], [b, a]]


def _k_escape():
    from .convexity import escape_time
    from .problems import Saddle
    return float(escape_time(Saddle(), [1.0, 1e-5], 0.1, 10_000, radius=1.0))


def _o_escape():
    # y_t = 1e-5 (1.1)^t, x_t = 0.9^t: the first step t >= 1 with x_t^2 + y_t^2 > 1
    t = 1
    while 0.81 ** t + (1e-5 * 1.1 ** t) ** 2 <= 1.0:
        t += 1
    return float(t)


_FRACTION_OPTIONS = ("about 1/2", "about 1/32 = (1/2)^5", "fewer than 1 in 1000")


def _k_fraction():
    from .convexity import fraction_minima
    p, _ = fraction_minima(5, 20_000, seed=0)
    return 2 if p < 1e-3 else (1 if p < 0.1 else 0)


def _o_fraction():
    rng = np.random.default_rng(123)
    M = rng.normal(size=(20_000, 5, 5))
    lam = np.linalg.eigvalsh((M + M.transpose(0, 2, 1)) / 2)
    p = np.mean(lam[:, 0] > 0)
    return 2 if p < 1e-3 else (1 if p < 0.1 else 0)


# ---------------------------------------------------------------------- chapter 03

def _k_hb_rate():
    from .momentum_theory import optimal_heavy_ball, spectral_radius
    lr, beta, _ = optimal_heavy_ball(0.01, 1.0)
    return float(spectral_radius(np.array([0.01, 0.3, 1.0]), lr, beta))


def _o_hb_rate():
    k = 100.0
    return (math.sqrt(k) - 1) / (math.sqrt(k) + 1)


def _k_window():
    from .adaptive import updates_from_gradients
    from .optimizers import sgd
    u, _ = updates_from_gradients(sgd(lr=1.0, momentum=0.9), np.ones((300, 1)))
    return float(abs(u[-1, 0]))


def _o_window():
    return 1.0 / (1.0 - 0.9)                # geometric series sum_k 0.9^k


_FRICTION_OPTIONS = ("it grows", "it decays", "its modulus stays the same")


def _k_no_friction():
    from .momentum_theory import spectral_radius
    rho = spectral_radius(np.array([0.5, 1.0]), 1.0, 1.0)
    return 0 if rho > 1 + 1e-9 else (1 if rho < 1 - 1e-9 else 2)


def _o_no_friction():
    # z^2 - (1 + beta - lr lam) z + beta with beta = 1: roots of modulus sqrt(beta) = 1
    rho = max(abs(np.roots([1.0, -(2.0 - lam), 1.0])).max() for lam in (0.5, 1.0))
    return 2 if abs(rho - 1) < 1e-9 else -1


# ---------------------------------------------------------------------- chapter 04

def _adam_updates(grads, **kw):
    from .adaptive import updates_from_gradients
    from .optimizers import adam
    return updates_from_gradients(adam(**kw), np.asarray(grads, dtype=float))[0]


def _k_adam_first():
    return float(abs(_adam_updates([[1e-6]], lr=1e-3)[0, 0]))


def _o_adam_first():
    # v_hat_1 = g^2 and m_hat_1 = g after bias correction: lr |g| / (|g| + eps)
    return 1e-3 * 1e-6 / (1e-6 + 1e-8)


_NOISE_OPTIONS = ("the constant gradient 0.01", "the noisy gradient (mean 0, sd 1)",
                  "both about the same")


def _k_noise_choice():
    rng = np.random.default_rng(0)
    steady = np.abs(_adam_updates(np.full((500, 1), 0.01), lr=1.0)[100:]).mean()
    noisy = np.abs(_adam_updates(rng.normal(size=(500, 1)), lr=1.0)[100:]).mean()
    return 0 if steady > 2 * noisy else (1 if noisy > 2 * steady else 2)


def _o_noise_choice():
    # constant g: m_hat / sqrt(v_hat) -> 1 exactly; white noise: |m| ~ sd sqrt((1-b1)/(1+b1))
    steady = 1.0
    noisy = math.sqrt(2 / math.pi) * math.sqrt(0.1 / 1.9)
    return 0 if steady > 2 * noisy else 1


def _k_effective_ratio():
    u = _adam_updates(np.tile([3.0, -0.02], (40, 1)), lr=1e-3)
    return float(abs(u[-1, 0]) / abs(u[-1, 1]))


def _k_sign_descent():
    return float(_adam_updates([[0.37, -5.0]], lr=0.01, betas=(0.0, 0.0), eps=0.0)[0, 1])


def _k_adam_memory():
    from .zoo import state_memory
    return float(state_memory("adam").bytes_per_parameter())


def _o_adam_memory():
    torch = _torch()
    w = torch.nn.Parameter(torch.zeros(1000))
    opt = torch.optim.Adam([w], lr=1e-3)
    w.grad = torch.ones(1000)
    opt.step()
    st = opt.state_dict()["state"][0]
    return sum(t.numel() * t.element_size() for t in st.values()
               if torch.is_tensor(t) and t.numel() > 1) / 1000


_MEMORY_OPTIONS = ("SGD with momentum", "RMSprop", "Adam", "Adam with amsgrad=True")
_MEMORY_ARGS = (("sgd", {"momentum": 0.9}), ("rmsprop", {}), ("adam", {}), ("adam", {"amsgrad": True}))


def _k_most_memory():
    from .zoo import state_memory
    b = [state_memory(n, **kw).bytes_per_parameter() for n, kw in _MEMORY_ARGS]
    return int(np.argmax(b))


def _o_most_memory():
    torch = _torch()
    sizes = []
    for cls, kw in ((torch.optim.SGD, {"momentum": 0.9}), (torch.optim.RMSprop, {}),
                    (torch.optim.Adam, {}), (torch.optim.Adam, {"amsgrad": True})):
        w = torch.nn.Parameter(torch.zeros(100))
        opt = cls([w], lr=1e-3, **kw)
        w.grad = torch.ones(100)
        opt.step()
        sizes.append(sum(t.numel() for t in opt.state_dict()["state"][0].values()
                         if torch.is_tensor(t) and t.numel() > 1))
    return int(np.argmax(sizes))


# ---------------------------------------------------------------------- chapter 05

def _decay_fixed_point(decoupled):
    from .optimizers import adam
    from .problems import Quadratic
    q = Quadratic(np.diag([10.0, 0.1]), b=np.array([10.0, 0.1]))    # x* = (1, 1)
    opt = adam(lr=0.01, weight_decay=0.5, decoupled_weight_decay=decoupled)
    return _run(opt, q, [-1.0, -1.0], 3000).x


def _k_adam_l2_flat():
    return float(_decay_fixed_point(False)[1])


def _o_adam_l2_flat():
    # Adam+L2 is stationary where grad f + mu x = 0: x_i = l_i x*_i / (l_i + mu)
    return 0.1 / (0.1 + 0.5)


def _k_adamw_flat():
    return float(_decay_fixed_point(True)[1])


def _o_adamw_flat():
    # torch's AdamW, run the same 3000 steps in float64
    torch = _torch()
    x = torch.nn.Parameter(torch.tensor([-1.0, -1.0], dtype=torch.float64))
    ell = torch.tensor([10.0, 0.1], dtype=torch.float64)
    opt = torch.optim.AdamW([x], lr=0.01, weight_decay=0.5)
    for _ in range(3000):
        x.grad = ell * (x.detach() - 1.0)
        opt.step()
    return float(x.detach()[1])


_L2_OPTIONS = ("adds weight_decay * x to the gradient (L2)", "decays x by lr * weight_decay "
               "after the step (decoupled)", "ignores it unless amsgrad=True")


def _k_torch_adam_flag():
    from .adaptive import updates_from_gradients
    from .optimizers import adam
    x0, g = np.array([1.0, -2.0]), np.array([[0.3, 0.1]])
    with_flag, _ = updates_from_gradients(adam(lr=0.1, weight_decay=0.5), g, x0=x0)
    as_l2, _ = updates_from_gradients(adam(lr=0.1), g + 0.5 * x0, x0=x0)
    return 0 if np.allclose(with_flag, as_l2, rtol=1e-12) else 1


def _o_torch_adam_flag():
    torch = _torch()
    x0 = torch.tensor([1.0, -2.0], dtype=torch.float64)
    g = torch.tensor([0.3, 0.1], dtype=torch.float64)
    a = torch.nn.Parameter(x0.clone())
    opt = torch.optim.Adam([a], lr=0.1, weight_decay=0.5)
    a.grad = g.clone()
    opt.step()
    b = torch.nn.Parameter(x0.clone())
    opt = torch.optim.Adam([b], lr=0.1)
    b.grad = g + 0.5 * x0
    opt.step()
    return 0 if torch.allclose(a, b, rtol=1e-12) else 1


def _k_l2_coefficient():
    from .weight_decay import l2_coefficient_for_decay
    return float(l2_coefficient_for_decay(0.1, 0.01))


def _o_l2_coefficient():
    # one SGD step on f + mu/2 x^2 equals (1 - 0.01) x - 0.1 g for every x, g: solve for mu
    x, g = 2.0, 0.7
    return ((1 - 0.01) * x - 0.1 * g - (x - 0.1 * g)) / (-0.1 * x)


# ---------------------------------------------------------------------- chapter 06

def _torch_lr(make, t):
    torch = _torch()
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=1.0)
    sched = make(torch, opt)
    for _ in range(t):
        opt.step()
        sched.step()
    return float(opt.param_groups[0]["lr"])


def _k_cosine():
    from .schedules import cosine_annealing
    return float(cosine_annealing(1.0, 100)(25))


def _o_cosine():
    return _torch_lr(lambda torch, o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 100), 25)


def _k_warmup():
    from .schedules import linear_warmup
    return float(linear_warmup(1.0, 10, start_factor=0.1)(5))


def _o_warmup():
    return _torch_lr(lambda torch, o: torch.optim.lr_scheduler.LinearLR(
        o, start_factor=0.1, total_iters=10), 5)


def _k_step():
    from .schedules import step_decay
    return float(step_decay(1.0, 30, 0.1)(65))


def _o_step():
    return _torch_lr(lambda torch, o: torch.optim.lr_scheduler.StepLR(o, 30, 0.1), 65)


def _k_exponential():
    from .schedules import exponential
    return float(exponential(1.0, 0.9)(10))


def _o_exponential():
    return _torch_lr(lambda torch, o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9), 10)


_SCHEDULE_OPTIONS = ("step decay (30, 0.1)", "exponential (0.9)", "cosine annealing to 0",
                     "constant")


def _schedules_at_end(values):
    return int(np.argmin(values))


def _k_zero_at_end():
    from .schedules import constant, cosine_annealing, exponential, step_decay
    s = (step_decay(1.0, 30, 0.1), exponential(1.0, 0.9), cosine_annealing(1.0, 100), constant(1.0))
    return _schedules_at_end([abs(x(100)) for x in s])


def _o_zero_at_end():
    vals = [_torch_lr(lambda torch, o: torch.optim.lr_scheduler.StepLR(o, 30, 0.1), 100),
            _torch_lr(lambda torch, o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9), 100),
            _torch_lr(lambda torch, o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 100), 100),
            1.0]
    return _schedules_at_end(vals)


# ---------------------------------------------------------------------- chapter 07

def _k_global_clip():
    from .clipping import clip_by_global_norm
    clipped, _ = clip_by_global_norm([np.array([3.0, 4.0]), np.array([12.0])], 1.0)
    return float(clipped[0][0])


def _o_global_clip():
    torch = _torch()
    ps = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)),
          torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))]
    ps[0].grad = torch.tensor([3.0, 4.0], dtype=torch.float64)
    ps[1].grad = torch.tensor([12.0], dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_(ps, 1.0)
    return float(ps[0].grad[0])


_CLIP_OPTIONS = ("clipping by value at 1", "clipping the global norm to 1", "both", "neither")


def _k_direction():
    from .clipping import clip_by_global_norm, clip_by_value
    g = [np.array([3.0, 0.5])]
    cos = lambda a: float(a @ g[0] / np.linalg.norm(a) / np.linalg.norm(g[0]))  # noqa: E731
    by_value = cos(clip_by_value(g, 1.0)[0]) > 1 - 1e-12
    by_norm = cos(clip_by_global_norm(g, 1.0)[0][0]) > 1 - 1e-12
    return {(True, False): 0, (False, True): 1, (True, True): 2, (False, False): 3}[(by_value, by_norm)]


def _o_direction():
    g = np.array([3.0, 0.5])
    v = np.clip(g, -1, 1)                  # (1, 0.5): not parallel to (3, 0.5)
    n = g / np.linalg.norm(g)               # parallel by construction
    par = lambda a: abs(a[0] * g[1] - a[1] * g[0]) < 1e-12  # noqa: E731
    return {(True, False): 0, (False, True): 1, (True, True): 2, (False, False): 3}[(par(v), par(n))]


def _accumulation_case():
    from .problems import LinearRegression
    lr = LinearRegression(n_samples=8, n_features=3, seed=0)
    w = np.array([0.3, -0.2, 0.5])
    batches = [np.arange(0, 7), np.arange(7, 8)]          # micro-batches of 7 and 1
    return lr, w, batches


def _k_accumulation_error():
    from .clipping import accumulate_gradients
    lr, w, batches = _accumulation_case()
    weighted = accumulate_gradients(lambda p, idx: lr.grad(p, idx), w, batches)
    by_k = sum(lr.grad(w, idx) for idx in batches) / len(batches)   # the seed's loss / K
    return float(np.linalg.norm(by_k - weighted) / np.linalg.norm(weighted))


def _o_accumulation_error():
    lr, w, batches = _accumulation_case()
    full = lr.grad(w)                                         # the 8-example mean gradient
    by_k = sum(lr.grad(w, idx) for idx in batches) / len(batches)
    return float(np.linalg.norm(by_k - full) / np.linalg.norm(full))


# ---------------------------------------------------------------------- chapter 08

def _k_lagrange_value():
    from .constrained import equality_newton, quadratic_program
    qp = quadratic_program(2 * np.eye(2), np.zeros(2), A=np.array([[1.0, 1.0]]), b=np.array([1.0]))
    return float(equality_newton(qp, np.zeros(2)).fun)


def _o_lagrange_value():
    from scipy.optimize import minimize
    r = minimize(lambda x: x @ x, [0.3, 0.1], method="SLSQP",
                 constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1}], tol=1e-12)
    return float(r.fun)


def _k_simplex():
    from .projections import project_simplex
    return float(project_simplex(np.array([0.5, 0.8, -0.1]))[1])


def _o_simplex():
    from scipy.optimize import minimize
    v = np.array([0.5, 0.8, -0.1])
    r = minimize(lambda x: np.sum((x - v) ** 2), np.full(3, 1 / 3), method="SLSQP",
                 bounds=[(0, None)] * 3, constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1}],
                 tol=1e-14)
    return float(r.x[1])


# ---------------------------------------------------------------------- chapter 09

def _himmelblau_saddle():
    from .convexity import critical_points
    from .problems import Himmelblau
    h = Himmelblau()
    return h, critical_points(h, [[0.1, 2.9]])[0]


_NEWTON_OPTIONS = ("on the saddle", "at a minimum", "still at the start")


def _k_newton_saddle():
    from .second_order import newton
    h, s = _himmelblau_saddle()
    x = newton(h, s + np.array([0.05, -0.05])).x
    if np.linalg.norm(x - s) < 1e-6:
        return 0
    return 1 if np.linalg.eigvalsh(h.hessian(x)).min() > 0 else 2


def _o_newton_saddle():
    # the saddle is a non-degenerate critical point (numpy: one negative, one positive
    # eigenvalue), so pure Newton converges to it from nearby (quadratic convergence)
    h, s = _himmelblau_saddle()
    lam = np.linalg.eigvalsh(h.hessian(s))
    return 0 if lam.min() < 0 < lam.max() and np.linalg.norm(h.grad(s)) < 1e-8 else -1


def _k_hvp():
    from .problems import Rosenbrock
    from .second_order import hvp_fd
    r = Rosenbrock()
    return float(hvp_fd(r.grad, np.array([1.0, 1.0]), np.array([1.0, 0.0]))[0])


def _o_hvp():
    # d^2/dx^2 of (1 - x)^2 + 100 (y - x^2)^2 = 2 - 400 y + 1200 x^2 = 802 at (1, 1)
    return 2.0 - 400.0 + 1200.0


def _k_newton_quadratic():
    from .problems import Quadratic
    from .second_order import newton
    q = Quadratic(np.array([[3.0, 1.0], [1.0, 2.0]]), b=np.array([1.0, -1.0]))
    return float(newton(q, np.array([5.0, 5.0])).nit)


def _o_newton_quadratic():
    # the quadratic model is exact, so one step x0 - A^-1 (A x0 - b) = A^-1 b solves it
    A, b = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0])
    x1 = np.array([5.0, 5.0]) - np.linalg.solve(A, A @ [5.0, 5.0] - b)
    return 1.0 if np.allclose(A @ x1, b, rtol=0, atol=1e-12) else 2.0


# ---------------------------------------------------------------------- chapter 10

def _k_filter_normalize():
    from .landscape_math import filter_normalize
    d = filter_normalize([np.array([[1.0, 0.0], [0.0, 2.0]])], [np.array([[3.0, 4.0], [0.0, 1.0]])])
    return float(d[0][0, 0])


def _double_well(x):
    return (x ** 2 - 1.0) ** 2


def _k_barrier():
    from .landscape_math import barrier
    t = np.linspace(0.0, 1.0, 101)
    return barrier(t, _double_well((1 - t) * -1.0 + t * 1.0))


def _o_barrier():
    # both ends are minima (loss 0), so the chord is 0; on [-1, 1] (x^2 - 1)^2 peaks at
    # x = 0 (its derivative 4x(x^2 - 1) vanishes there only), with value 1
    return float(_double_well(0.0) - 0.5 * (_double_well(-1.0) + _double_well(1.0)))


def _k_sam_step():
    torch = _torch()
    from .sam import SAM
    w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = SAM([w], lr=0.1, rho=0.05)

    def closure():
        opt.zero_grad()
        loss = 2.0 * (w ** 2).sum()
        loss.backward()
        return loss
    closure()                                  # g at w, as course_lib.training.train does
    opt.step(closure)
    return float(w.detach()[0])


def _o_sam_step():
    # Foret et al. (2021), eq. 2: e = rho g/|g| = 0.05, g' = f'(w + e) = 4 (1.05)
    w, rho, lr = 1.0, 0.05, 0.1
    return w - lr * 4.0 * (w + rho * np.sign(4.0 * w))


# ---------------------------------------------------------------------- chapter 11

def _k_initial_loss():
    torch = _torch()
    from .training import digits, mlp
    data = digits(seed=0)
    model = mlp(hidden=(32,), seed=0)
    with torch.no_grad():
        return float(torch.nn.functional.cross_entropy(model(data.X_train), data.y_train))


def _k_softmax_floor():
    from .training_bugs import softmax_floor
    return softmax_floor(10)


def _o_softmax_floor():
    # minimize -p_0 + logsumexp(p) over the probability simplex with scipy (the loss of
    # cross_entropy fed probabilities instead of logits, label 0)
    from scipy.optimize import minimize
    from scipy.special import logsumexp
    r = minimize(lambda p: -p[0] + logsumexp(p), np.full(10, 0.1), method="SLSQP",
                 bounds=[(0, 1)] * 10, constraints=[{"type": "eq", "fun": lambda p: p.sum() - 1}],
                 tol=1e-12)
    return float(r.fun)


# --------------------------------------------------------------------------- the bank

Q = Question
BANK: tuple[Question, ...] = (
    Q("q01-three-steps", "01", "gradient descent",
      "Gradient descent with η = 0.1 on f(x) = 2x² from x₀ = 1: what is x₃?",
      "numeric", _k_three_steps, lambda: (1 - 0.1 * 4.0) ** 3,
      "Each step multiplies x by 1 − ηL = 0.6, so x₃ = 0.6³."),
    Q("q01-which-diverges", "01", "gradient descent",
      "On f(x) = ½(x₁² + 10x₂²), which learning rate makes gradient descent diverge?",
      "choice", _k_diverging_choice, _o_diverging_choice,
      "Only η > 2/L = 0.2 diverges; L = 10 is the largest eigenvalue.",
      options=("0.05", "0.15", "0.19", "0.21")),
    Q("q01-threshold", "01", "gradient descent",
      "On f(x) = ½(x₁² + 10x₂²), above which learning rate does gradient descent diverge?",
      "numeric", _k_threshold, _o_threshold, "2/L with L = 10.", rtol=1e-9),
    Q("q01-best-contraction", "01", "gradient descent",
      "κ = 100 (eigenvalues 0.01 and 1): by what factor does gradient descent with its best "
      "constant step shrink the error per step?",
      "numeric", _k_best_contraction, lambda: 99 / 101,
      "(κ − 1)/(κ + 1) at η = 2/(μ + L), attained from a start with both components.",
      rtol=1e-8, digits=4),
    Q("q01-steps-1e4", "01", "gradient descent",
      "Same quadratic, best step: how many steps to shrink the error 10⁴-fold?",
      "numeric", _k_steps_1e4, lambda: math.ceil(math.log(1e-4) / math.log(99 / 101)),
      "⌈ln 10⁻⁴ / ln(99/101)⌉.", rtol=0),
    Q("q01-minibatch-variance", "01", "sgd",
      "Minibatches of 4 drawn without replacement from 20 examples: the variance of the "
      "minibatch gradient is what fraction of a single example's?",
      "numeric", _k_variance_ratio, _o_variance_ratio,
      "(n − b)/(b(n − 1)) = 16/76, not 1/4: without replacement it is smaller.", rtol=1e-9),
    Q("q01-armijo", "01", "gradient descent",
      "Backtracking (t₀ = 1, halving, c = 10⁻⁴) on f(x) = 2x² at x = 1: which step t is accepted?",
      "numeric", _k_armijo, _o_armijo,
      "Sufficient decrease holds for t ≤ 2(1 − c)/L ≈ 0.5 − 5·10⁻⁵, so 1 and 0.5 fail.",
      rtol=0),
    Q("q01-sgd-floor", "01", "sgd",
      "Constant-step SGD on a strongly convex sum: by what factor does the bound's noise floor "
      "change when the learning rate doubles?",
      "numeric", _k_floor_ratio, lambda: 2.0, "The floor 2ησ*²/μ is proportional to η.",
      rtol=1e-6),
    Q("q02-classify", "02", "saddle points",
      "The Hessian at a critical point is [[1, 2], [2, 1]]. The point is a…",
      "choice", _k_classify, _o_classify, "Eigenvalues 3 and −1: a saddle.",
      options=_HESS_OPTIONS),
    Q("q02-kappa", "02", "convexity",
      "What is the condition number of f(x) = ½xᵀ[[3, 1], [1, 3]]x?",
      "numeric", _k_kappa, _o_kappa, "Eigenvalues 4 and 2: κ = 2.", rtol=1e-12),
    Q("q02-escape", "02", "saddle points",
      "Gradient descent (η = 0.1) on f = ½(x² − y²) from (1, 10⁻⁵): at which step does it "
      "leave the unit ball?",
      "numeric", _k_escape, _o_escape,
      "y grows by 1.1 per step: about ln(10⁵)/ln 1.1 ≈ 121 steps.", rtol=0),
    Q("q02-fraction-minima", "02", "saddle points",
      "A random symmetric 5 × 5 Gaussian (GOE) Hessian: how often is it positive definite?",
      "choice", _k_fraction, _o_fraction,
      "Eigenvalues repel: far rarer than (1/2)^5, under 1 in 1000.",
      options=_FRACTION_OPTIONS),
    Q("q03-hb-rate", "03", "momentum",
      "Heavy ball with Polyak's optimal parameters for eigenvalues in [0.01, 1]: the "
      "contraction factor per step?",
      "numeric", _k_hb_rate, _o_hb_rate, "(√κ − 1)/(√κ + 1) = 9/11 for κ = 100.",
      rtol=1e-6, digits=4),
    Q("q03-window", "03", "momentum",
      "SGD with momentum 0.9 and lr 1 under a constant gradient 1: how long is the step after "
      "many steps?",
      "numeric", _k_window, _o_window, "The velocity sums 1 + 0.9 + 0.9² + … = 1/(1 − β) = 10.",
      rtol=1e-9),
    Q("q03-no-friction", "03", "momentum",
      "Heavy ball with β = 1 (no friction) and lr = 1 on a quadratic with eigenvalues 0.5 "
      "and 1: what does the error do?",
      "choice", _k_no_friction, _o_no_friction,
      "Both roots have modulus √β = 1: the ball never stops.", options=_FRICTION_OPTIONS),
    Q("q04-adam-first-step", "04", "adaptive",
      "Adam (lr = 10⁻³, ε = 10⁻⁸) sees a first gradient of 10⁻⁶. How large is its first step?",
      "numeric", _k_adam_first, _o_adam_first,
      "Bias correction gives v̂₁ = g², so the step is lr·|g|/(|g| + ε) ≈ lr: not enormous.",
      rtol=1e-9),
    Q("q04-noisy-steps", "04", "adaptive",
      "Adam with lr = 1 on a constant gradient 0.01, and on pure noise: which gets the larger "
      "steps?",
      "choice", _k_noise_choice, _o_noise_choice,
      "Consistent gradients get steps of lr; noise averages out in m̂ and gets about 0.18 lr.",
      options=_NOISE_OPTIONS),
    Q("q04-effective-ratio", "04", "adaptive",
      "Adam, 40 steps with constant gradients 3 and −0.02 on two coordinates: ratio of the two "
      "coordinates' step sizes?",
      "numeric", _k_effective_ratio, lambda: 1.0,
      "m̂/√v̂ = sign(g) for a constant gradient: both move by lr.", rtol=1e-5),
    Q("q04-sign-descent", "04", "adaptive",
      "Adam with β₁ = β₂ = 0, ε = 0, lr = 0.01 and gradient (0.37, −5): the update of the "
      "second coordinate?",
      "numeric", _k_sign_descent, lambda: -0.01 * np.sign(-5.0),
      "g/√(g²) = sign(g): sign descent, −lr·sign(g).", rtol=1e-12),
    Q("q04-adam-memory", "04", "adaptive",
      "How many bytes of optimizer state does torch's Adam keep per float32 parameter?",
      "numeric", _k_adam_memory, _o_adam_memory, "Two slots (exp_avg, exp_avg_sq), 4 bytes each.",
      rtol=0),
    Q("q04-most-memory", "04", "adaptive",
      "Which keeps the most state per parameter?",
      "choice", _k_most_memory, _o_most_memory,
      "AMSGrad keeps a third slot, the running maximum of v.", options=_MEMORY_OPTIONS),
    Q("q05-torch-adam-flag", "05", "weight decay",
      "What does torch.optim.Adam(weight_decay=λ) do?",
      "choice", _k_torch_adam_flag, _o_torch_adam_flag,
      "It adds λx to the gradient before the moments: L2, which Adam then rescales.",
      options=_L2_OPTIONS),
    Q("q05-adam-l2-flat", "05", "weight decay",
      "Adam+L2 (μ = 0.5) on f = ½(10(x₁ − 1)² + 0.1(x₂ − 1)²): where does x₂ settle?",
      "numeric", _k_adam_l2_flat, _o_adam_l2_flat,
      "At the minimizer of f + μ/2‖x‖²: x₂ = 0.1/(0.1 + 0.5); the flat coordinate is shrunk most.",
      rtol=1e-3),
    Q("q05-adamw-flat", "05", "weight decay",
      "AdamW (λ = 0.5, lr = 0.01) on the same f: where does x₂ settle (3 digits)?",
      "numeric", _k_adamw_flat, _o_adamw_flat,
      "Both coordinates settle at the same value: the decay bypasses √v̂.", rtol=1e-3),
    Q("q05-l2-coefficient", "05", "weight decay",
      "SGD with lr 0.1 and a decoupled decay x ← (1 − 0.01)x − 0.1g: which L2 coefficient μ "
      "gives the same update?",
      "numeric", _k_l2_coefficient, _o_l2_coefficient, "μ = decay/lr = 0.1.", rtol=1e-9),
    Q("q06-cosine", "06", "schedules",
      "Cosine annealing from lr 1 with T_max = 100: the learning rate at step 25?",
      "numeric", _k_cosine, _o_cosine, "½(1 + cos(π/4)) ≈ 0.854.", rtol=1e-9),
    Q("q06-warmup", "06", "schedules",
      "Linear warm-up (torch's LinearLR) from factor 0.1 over 10 steps, base lr 1: lr at step 5?",
      "numeric", _k_warmup, _o_warmup, "0.1 + (1 − 0.1)·5/10 = 0.55.", rtol=1e-9),
    Q("q06-step", "06", "schedules",
      "Step decay every 30 steps by 0.1 from lr 1: lr at step 65?",
      "numeric", _k_step, _o_step, "Two decays: 0.01.", rtol=1e-9),
    Q("q06-exponential", "06", "schedules",
      "Exponential decay with γ = 0.9 from lr 1: lr at step 10?",
      "numeric", _k_exponential, _o_exponential, "0.9¹⁰ ≈ 0.349.", rtol=1e-9),
    Q("q06-zero-at-end", "06", "schedules",
      "After 100 steps, which schedule has the smallest learning rate?",
      "choice", _k_zero_at_end, _o_zero_at_end,
      "Cosine annealing with T_max = 100 reaches eta_min = 0 exactly.",
      options=_SCHEDULE_OPTIONS),
    Q("q07-global-clip", "07", "clipping and accumulation",
      "Gradients (3, 4) and (12) clipped together to global norm 1: the first entry?",
      "numeric", _k_global_clip, _o_global_clip,
      "The global norm is 13, so everything is scaled by 1/13: 3/13.", rtol=1e-6),
    Q("q07-direction", "07", "clipping and accumulation",
      "Which clipping of the gradient (3, 0.5) keeps its direction?",
      "choice", _k_direction, _o_direction,
      "Clipping by value changes (3, 0.5) to (1, 0.5); rescaling the norm keeps the direction.",
      options=_CLIP_OPTIONS),
    Q("q07-accumulation", "07", "clipping and accumulation",
      "Gradient accumulation over micro-batches of 7 and 1 examples with the loss divided by "
      "K = 2: the relative error of the accumulated gradient against the 8-example gradient?",
      "numeric", _k_accumulation_error, _o_accumulation_error,
      "Dividing by K weights the single example 4 times too much; weight by n_k/N instead.",
      rtol=1e-9),
    Q("q08-lagrange-value", "08", "constraints",
      "Minimize x² + y² subject to x + y = 1: the optimal value?",
      "numeric", _k_lagrange_value, _o_lagrange_value, "x = y = ½, value ½.", rtol=1e-7),
    Q("q08-simplex", "08", "constraints",
      "Euclidean projection of (0.5, 0.8, −0.1) onto the probability simplex: its second entry?",
      "numeric", _k_simplex, _o_simplex, "Subtract τ = 0.15 and clip at 0: (0.35, 0.65, 0).",
      rtol=1e-6),
    Q("q09-newton-quadratic", "09", "second-order",
      "How many pure Newton steps minimize a strictly convex quadratic exactly?",
      "numeric", _k_newton_quadratic, _o_newton_quadratic,
      "One: the quadratic model is the function.", rtol=0),
    Q("q09-newton-saddle", "09", "second-order",
      "Pure Newton started near a saddle of Himmelblau's function ends…",
      "choice", _k_newton_saddle, _o_newton_saddle,
      "Newton seeks zeros of the gradient, and the saddle is one: it converges there.",
      options=_NEWTON_OPTIONS),
    Q("q09-hvp", "09", "second-order",
      "The Hessian-vector product of Rosenbrock's function at (1, 1) with e₁, first entry?",
      "numeric", _k_hvp, _o_hvp, "∂²f/∂x² = 2 − 400y + 1200x² = 802.", rtol=1e-6),
    Q("q10-filter-normalize", "10", "loss landscapes",
      "Filter normalisation (Li et al.): a layer's weights [[3, 4], [0, 1]], a random direction "
      "[[1, 0], [0, 2]]: the first entry of the normalised direction?",
      "numeric", _k_filter_normalize, lambda: math.hypot(3.0, 4.0) / math.hypot(1.0, 0.0),
      "Each row of the direction is rescaled to the norm of the same row of the weights: "
      "‖(3, 4)‖ = 5.", rtol=1e-12),
    Q("q10-barrier", "10", "loss landscapes",
      "The straight path between the two minima x = −1 and x = 1 of f(x) = (x² − 1)²: its "
      "loss barrier (the largest excess over the chord)?",
      "numeric", _k_barrier, _o_barrier,
      "The ends have loss 0, and the path crosses x = 0 where f = 1: barrier 1, so f is not "
      "convex on that segment.", rtol=1e-12),
    Q("q10-sam-step", "10", "loss landscapes",
      "One SAM step (ρ = 0.05, SGD with lr 0.1) on f(w) = 2w² from w = 1: the new w?",
      "numeric", _k_sam_step, _o_sam_step,
      "SAM takes the gradient at w + ρg/‖g‖ = 1.05: 4·1.05 = 4.2, so w = 1 − 0.42.",
      rtol=1e-12),
    Q("q11-initial-loss", "11", "training",
      "The untrained 64-32-10 network of course_lib.training (seed 0) on the digits: its "
      "cross-entropy before any step, to 2 digits?",
      "numeric", _k_initial_loss, lambda: math.log(10.0),
      "Close to ln 10 ≈ 2.30, the loss of a uniform guess: small random weights give nearly "
      "equal logits. A much larger start points at a bug.", rtol=0.02, digits=2),
    Q("q11-softmax-floor", "11", "training",
      "A model that applies softmax and then passes the probabilities to cross_entropy, 10 "
      "classes: the lowest training loss it can reach?",
      "numeric", _k_softmax_floor, _o_softmax_floor,
      "Probabilities in [0, 1] as logits: at best log(1 + 9/e) ≈ 1.46, far from 0, so the "
      "loss plateaus: a bug, not a saddle.", rtol=1e-5),
)


# --------------------------------------------------------------------------- API

def question(qid: str) -> Question:
    """The question with id ``qid``."""
    for q in BANK:
        if q.id == qid:
            return q
    raise ValueError(f"The 'qid' parameter of question must be one of {[q.id for q in BANK]}. "
                     f"Got {qid!r} instead.")


def questions(chapter: str | None = None, topic: str | None = None) -> list[Question]:
    """The questions of a chapter (``"04"``) and/or a topic, in bank order."""
    chapters = sorted({q.chapter for q in BANK})
    if chapter is not None and chapter not in chapters:
        raise ValueError(f"The 'chapter' parameter of questions must be one of {chapters}. "
                         f"Got {chapter!r} instead.")
    return [q for q in BANK if (chapter is None or q.chapter == chapter)
            and (topic is None or q.topic == topic)]


def quiz_for(*chapters: str) -> list[Question]:
    """The questions of ``chapters`` for one quiz cell: multiple choice first, then numeric.

    A quiz that opens with a click-to-answer question shows at once how it works (and the
    browser test clicks the first answer button and reads the first feedback).
    """
    qs = [q for c in chapters for q in questions(chapter=c)]
    return sorted(qs, key=lambda q: q.kind != "choice")      # stable: bank order otherwise


def verify(q: Question) -> float:
    """Compute ``q``'s key and oracle; raise :class:`QuizKeyError` naming ``q`` unless they agree.

    Numeric: ``|key - oracle| <= rtol |oracle|`` (``rtol = 0``: exact). Choice: equal
    indices, inside ``range(len(options))``. Returns the key.
    """
    key, oracle = q.key(), q.oracle()
    if q.kind == "choice":
        ok = key == oracle and 0 <= key < len(q.options)
        shown = (f"key option {key} ({q.options[key] if 0 <= key < len(q.options) else '?'!r}), "
                 f"oracle option {oracle}")
    elif q.kind == "numeric":
        ok = bool(np.isfinite(key)) and abs(key - oracle) <= q.rtol * abs(oracle)
        shown = f"key {key!r} from course_lib, oracle {oracle!r}, rtol {q.rtol}"
    else:
        raise QuizKeyError(f"quiz question {q.id!r}: unknown kind {q.kind!r}")
    if not ok:
        raise QuizKeyError(f"quiz question {q.id!r} ({q.text[:60]}...): the answer key does not "
                           f"match: {shown}")
    return key


def _numeric_dict(q: Question, key: float) -> dict:
    tol = max(q.rtol, 10.0 ** (1 - q.digits) / 2) * abs(key)
    answers = [{"type": "value", "value": float(key), "correct": True, "feedback": q.explain}]
    if tol > 0:
        answers.append({"type": "range", "range": [float(key - tol), float(key + tol)],
                        "correct": True, "feedback": f"Right (to {q.digits} digits). {q.explain}"})
    answers.append({"type": "default", "feedback": f"Not this one. Hint: {q.explain}"})
    return {"question": q.text, "type": "numeric", "precision": q.digits, "answers": answers}


def to_jupyterquiz(qs) -> list[dict]:
    """jupyterquiz dictionaries for ``qs``, each key computed now by ``course_lib``."""
    out = []
    for q in qs:
        key = q.key()
        if q.kind == "choice":
            out.append({"question": q.text, "type": "multiple_choice", "answers": [
                {"answer": opt, "correct": i == key,
                 "feedback": ("Right. " if i == key else "Not this one. ") + q.explain}
                for i, opt in enumerate(q.options)]})
        else:
            out.append(_numeric_dict(q, key))
    return out
