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
momentum_theory  heavy ball and Nesterov on quadratics: 2x2 iteration matrices, optimal parameters
plotting      the course's plots, one look
widgets       ipywidgets explorers
zoo           every optimizer declared once (spec, update rule, recipe), one file each
torch_optim   torch.optim.Optimizer classes on the same math (imports torch)
corrections   the log of statements in the source material that the course corrects
chapter_lint  the chapter linter: does a notebook have the shape of CONTRIBUTING.md?
grading       exercise checks, the sandboxed runner, reports; ``check(name)``
"""
from importlib import import_module

__version__ = "0.1.0"

_SUBMODULES = {
    "problems", "transforms", "optimizers", "line_search", "sampling", "rates",
    "plotting", "widgets", "torch_optim", "corrections", "grading", "tree", "paths",
    "noisy", "steepest", "bench", "bench_optim", "zoo", "chapter_lint", "loop", "result",
    "momentum_theory",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    if name == "check":
        return import_module(f"{__name__}.grading").check
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + ["check"])
