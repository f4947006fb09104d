"""course_lib.adaptive_torch against closed forms and bad input."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from course_lib.adaptive_torch import torch_updates_from_gradients  # noqa: E402


def test_sgd_is_minus_lr_times_gradient():
    g = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(torch_updates_from_gradients(torch.optim.SGD, g, lr=0.5), -0.5 * g,
                               rtol=0, atol=1e-14)    # x_t - x_{t-1} rounds at |x| ~ 1


def test_adam_steps_on_a_constant_gradient_are_lr_per_coordinate():
    g = np.tile([3.0, -0.02], (6, 1))         # corrected Adam: -lr g / (|g| + eps) at every step
    u = torch_updates_from_gradients(torch.optim.Adam, g, lr=1e-3)
    np.testing.assert_allclose(u, -1e-3 * g / (np.abs(g) + 1e-8), rtol=1e-10)


def test_x0_matters_only_through_weight_decay():
    g = np.ones((3, 2))
    u = torch_updates_from_gradients(torch.optim.SGD, g, x0=[2.0, -4.0], lr=0.1, weight_decay=0.5)
    assert np.allclose(u[0], -0.1 * (1 + 0.5 * np.array([2.0, -4.0])))   # L2: g + wd x0


def test_bad_input_names_the_function_and_argument():
    with pytest.raises(TypeError, match="'optimizer_class' parameter of torch_updates_from_gradients"):
        torch_updates_from_gradients("Adam", [[1.0]])
    with pytest.raises(ValueError, match="'x0' parameter of torch_updates_from_gradients"):
        torch_updates_from_gradients(torch.optim.SGD, [[1.0, 2.0]], x0=[0.0], lr=0.1)


def test_torch_trajectory_of_sgd_is_the_closed_form_on_a_quadratic():
    from course_lib.adaptive_torch import torch_trajectory
    from course_lib.problems import Quadratic
    eig = np.array([0.5, 2.0, 3.0])
    q = Quadratic(np.diag(eig))                       # minimiser 0: x_t = (1 - lr a)^t x0
    x0 = np.array([1.0, -2.0, 0.5])
    xs = torch_trajectory(torch.optim.SGD, q, x0, 7, lr=0.2)
    t = np.arange(8)[:, None]
    np.testing.assert_allclose(xs, (1 - 0.2 * eig) ** t * x0, rtol=1e-12, atol=1e-15)


def test_torch_trajectory_bad_input():
    from course_lib.adaptive_torch import torch_trajectory
    from course_lib.problems import Quadratic
    with pytest.raises(TypeError, match="'problem' parameter of torch_trajectory"):
        torch_trajectory(torch.optim.SGD, object(), [1.0], 3, lr=0.1)
    with pytest.raises(ValueError, match="'steps' parameter of torch_trajectory"):
        torch_trajectory(torch.optim.SGD, Quadratic(np.eye(1)), [1.0], -1, lr=0.1)
