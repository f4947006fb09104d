"""course_lib: the reference library of the course *Optimization for Machine Learning*.

Submodules (imported on first use, so ``import course_lib`` stays fast and never
imports torch):

problems      objectives with gradients, Hessians and known minimizers
transforms    composable gradient transformations (optax-style init/update pairs)
optimizers    named optimizers built from transforms (re-exports the loops)
loop          ``run`` and ``gradient_descent_armijo``, each -> OptimizeResult
result        the one result type (scipy's fields + history) and its Recorder
line_search   backtracking (Armijo) line search
sampling      minibatch samplers and minibatch-gradient variance
noisy         any problem as a finite sum with known gradient noise (SGD experiments)
steepest      steepest-descent directions under different norms
rates         convergence-rate formulas that the notebooks check against runs
schedules     learning-rate schedules as functions of the step (torch's lr_scheduler)
clipping      gradient clipping, accumulation, dynamic loss scaling
convexity     convexity tests, curvature constants, critical points, saddle escape, PL
constrained   Lagrange/KKT: KKT Newton, KKT residuals, QP and SVM duals, projected
              gradient, penalty and augmented-Lagrangian methods
projections   Euclidean projections: ball, box, simplex, l1 ball, box + hyperplane
momentum_theory  heavy ball and Nesterov on quadratics: 2x2 iteration matrices, optimal parameters
plotting      the course's plots, one look
widgets       ipywidgets explorers
adaptive      chapter 04's tools: updates for a gradient sequence, Reddi et al.'s problem
widgets_schedules  the schedule explorer (warm-up, decay, restarts, floor)
widgets       ipywidgets explorers (widgets_decay: Adam+L2 vs AdamW, chapter 05)
zoo           every optimizer declared once (spec, update rule, recipe), one file each
saddle_widgets  the saddle-escape explorer of chapter 02
second_order  Newton, Gauss-Newton, BFGS, L-BFGS, HVPs, CG, Lanczos, K-FAC/Shampoo/Sophia
torch_optim   torch.optim.Optimizer classes on the same math (imports torch)
weight_decay  L2 vs decoupled decay scaling; parameter groups without decay on biases/norms
training      small seeded torch training on scikit-learn's digits, vmapped seeds (imports torch)
landscape     loss landscapes: interpolation, filter-normalised slices, sharpness, mode connectivity (imports torch)
landscape_math  the numpy half of landscape: filter normalisation, barrier, Bezier curve
sam           sharpness-aware minimisation as a torch optimizer (imports torch)
widgets_landscape  the 2-D loss-slice explorer of chapter 10 (imports torch)
corrections   the log of statements in the source material that the course corrects
chapter_lint  the chapter linter: does a notebook have the shape of CONTRIBUTING.md?
grading       exercise checks, the sandboxed runner, reports; ``check(name)``
"""
from importlib import import_module

__version__ = "0.1.0"

_SUBMODULES = {
    "problems", "transforms", "optimizers", "line_search", "sampling", "rates",
    "plotting", "widgets", "torch_optim", "corrections", "grading", "tree", "paths",
    "noisy", "steepest", "bench", "bench_optim", "zoo", "chapter_lint", "loop",
    "result", "convexity", "saddle_widgets", "adaptive", "constrained", "projections",
    "second_order", "schedules", "clipping", "widgets_schedules", "training",
    "weight_decay", "widgets_decay", "momentum_theory", "landscape", "landscape_math",
    "sam", "widgets_landscape",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    if name == "check":
        return import_module(f"{__name__}.grading").check
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + ["check"])
