"""Second-order methods: Newton and its safeguards, Gauss-Newton, BFGS, L-BFGS,
curvature by Hessian-vector products, and the practical approximations.

numpy only (``import course_lib.second_order`` does not import torch); the autograd
Hessian-vector product is in :mod:`course_lib.second_order.autograd`.

wolfe         strong-Wolfe line search (bracketing + zoom, cubic interpolation)
quasi_newton  two_loop, bfgs_update, bfgs, lbfgs
newton        newton (pure / damped with line search / modified Hessian),
              levenberg_marquardt, gauss_newton
curvature     hvp_fd, conjugate_gradient, hessian_free_newton, power_iteration,
              lanczos, hutchinson
approx        kfac_factors, shampoo_preconditioner, sophia_step
autograd      hvp_autograd (double backward; imports torch)
reparam       Affine: a problem in new coordinates, g(y) = f(M y + c)
torch_problem TorchLeastSquares, tanh_regression: a small network's loss on its flat
              parameters, with HVPs, Hessian and Gauss-Newton matrix (imports torch)
"""
from .wolfe import cubic_interpolate, strong_wolfe, WolfeResult  # noqa: F401
from .quasi_newton import two_loop, bfgs_update, bfgs, lbfgs  # noqa: F401
from .newton import (newton_step, newton, levenberg_marquardt, gauss_newton,  # noqa: F401
                     LeastSquaresProblem)
from .curvature import (hvp_fd, hessian_from_hvp, conjugate_gradient,  # noqa: F401
                        hessian_free_newton, power_iteration, lanczos, hutchinson)
from .approx import (exact_fisher_block, kfac_factors, kfac_precondition,  # noqa: F401
                     matrix_inverse_root, shampoo_preconditioner, sophia_step)
from .reparam import Affine  # noqa: F401
