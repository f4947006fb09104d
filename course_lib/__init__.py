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
stepping      where scheduler.step() goes: the lr each update really uses (torch oracle)
lr_finder     Smith's learning-rate range test: the sweep, the smoothed curve, a suggested lr
clipping      gradient clipping, accumulation, dynamic loss scaling
accumulation  what the usual accumulation loop hands to optimizer.step() (epoch remainders)
gradient_flow per-layer / through-time gradient norms of a deep chain or a small RNN
stability     spikes and NaNs: detection, skip / reduce lr / restore, float16 loss scaling
widgets_clipping  the clipping explorer (threshold vs a spiky loss)
convexity     convexity tests, curvature constants, critical points, saddle escape, PL
constrained   Lagrange/KKT: KKT Newton, KKT residuals, QP and SVM duals, projected
              gradient, penalty and augmented-Lagrangian methods
projections   Euclidean projections: ball, box, simplex, l1 ball, box + hyperplane
momentum_theory  heavy ball and Nesterov on quadratics: 2x2 iteration matrices, optimal parameters
plotting      the course's plots, one look
widgets       ipywidgets explorers
adaptive      chapter 04's tools: updates for a gradient sequence, Reddi et al.'s problem
adaptive_torch  the same updates from a torch.optim class (imports torch)
widgets_schedules  the schedule explorer (warm-up, decay, restarts, floor)
widgets       ipywidgets explorers (widgets_decay: Adam+L2 vs AdamW, chapter 05)
zoo           every optimizer declared once (spec, update rule, recipe), one file each
saddle_widgets  the saddle-escape explorer of chapter 02
second_order  Newton, Gauss-Newton, BFGS, L-BFGS, HVPs, CG, Lanczos, K-FAC/Shampoo/Sophia
torch_optim   torch.optim.Optimizer classes on the same math (imports torch)
weight_decay  L2 vs decoupled decay scaling; parameter groups without decay on biases/norms
training      small seeded torch training on scikit-learn's digits, vmapped seeds (imports torch)
review        chapter 12's tables: interview questions -> evidence cells, the optimizer map
quiz_bank     chapter 12's quiz questions, keys computed by course_lib, checked by oracles
widgets_review  chapter 12's explorer: pick a topic, see its questions and evidence
monitors      the update-to-weight ratio on arrays or tensors (no torch import)
diagnostics   chapter 11: overfit one batch, gradient norms, update ratios, dead ReLUs,
              gradcheck, lr sweep, first NaN (imports torch)
training_bugs chapter 11: the torch step with each line switchable, the common mistakes as runs
widgets_training  chapter 11's explorer: pick a bug and a fix, watch the monitors
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
    "weight_decay", "widgets_decay", "momentum_theory", "adaptive_torch",
    "gradient_flow", "stability", "widgets_clipping", "accumulation", "review",
    "quiz_bank", "widgets_review", "lr_finder", "stepping", "diagnostics",
    "training_bugs", "monitors", "widgets_training", "landscape", "landscape_math",
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
