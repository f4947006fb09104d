"""Tests of course_lib.transforms against closed forms and torch.optim.SGD."""
import numpy as np
import pytest

from course_lib import transforms as tx
from course_lib.tree import tree_structure_equal

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(12345)


def _run_chain(opt, grads_seq, x0):
    """Apply ``opt`` to a fixed sequence of gradients (not depending on x)."""
    x = np.array(x0, dtype=float)
    state = opt.init(x)
    xs = [x]
    for g in grads_seq:
        u, state = opt.update(g, state, x)
        x = tx.apply_updates(x, u)
        xs.append(x)
    return xs, state


# --------------------------------------------------------------------- chain order
@pytest.mark.parametrize("lr, wd", [(0.1, 0.01), (0.5, 0.3)])
def test_chain_order_of_weight_decay_and_lr_closed_form(lr, wd):
    p = RNG.normal(size=4)
    g = RNG.normal(size=4)
    coupled = tx.chain(tx.add_decayed_weights(wd), tx.scale_by_learning_rate(lr))
    after = tx.chain(tx.scale_by_learning_rate(lr), tx.add_decayed_weights(wd))
    u1, _ = coupled.update(g, coupled.init(p), p)
    u2, _ = after.update(g, after.init(p), p)
    np.testing.assert_allclose(u1, -lr * (g + wd * p), rtol=1e-14)
    np.testing.assert_allclose(u2, -lr * g + wd * p, rtol=1e-14)
    # the two orders differ by exactly wd * (1 + lr) * p
    np.testing.assert_allclose(u2 - u1, wd * (1 + lr) * p, rtol=1e-12)


def test_chain_composes_left_to_right():
    g = np.array([1.0, -2.0])
    opt = tx.chain(tx.scale(3.0), tx.negate(), tx.scale_by_learning_rate(0.5))
    u, state = opt.update(g, opt.init(g), g)
    np.testing.assert_allclose(u, 1.5 * g)   # -0.5 * (-(3 g))
    assert len(state) == 3


def test_chain_rejects_non_transforms():
    with pytest.raises(TypeError, match="'transforms'.*position 1"):
        tx.chain(tx.identity(), lambda g: g)


# --------------------------------------------------------------------- apply_updates
def test_apply_updates_dict_and_list_trees():
    params = {"w": np.array([1.0, 2.0]), "b": np.array(3.0),
              "layers": [np.ones((2, 2)), np.zeros(3)]}
    updates = {"w": np.array([0.5, -1.0]), "b": np.array(-3.0),
               "layers": [np.full((2, 2), 2.0), np.arange(3.0)]}
    out = tx.apply_updates(params, updates)
    np.testing.assert_array_equal(out["w"], [1.5, 1.0])
    assert out["b"] == 0.0
    np.testing.assert_array_equal(out["layers"][0], np.full((2, 2), 3.0))
    np.testing.assert_array_equal(out["layers"][1], [0.0, 1.0, 2.0])
    assert isinstance(out["layers"], list)
    # inputs untouched
    np.testing.assert_array_equal(params["w"], [1.0, 2.0])
    np.testing.assert_array_equal(params["layers"][0], np.ones((2, 2)))


def test_apply_updates_tuple_tree_keeps_tuple():
    out = tx.apply_updates((np.ones(2), np.ones(1)), (np.ones(2), -np.ones(1)))
    assert isinstance(out, tuple)
    np.testing.assert_array_equal(out[0], [2.0, 2.0])
    np.testing.assert_array_equal(out[1], [0.0])


@pytest.mark.parametrize("params, updates", [
    ({"w": np.ones(2)}, {"v": np.ones(2)}),                  # different keys
    ([np.ones(2), np.ones(2)], [np.ones(2)]),                # different lengths
    ({"w": np.ones(2)}, [np.ones(2)]),                       # dict vs list
    ([np.ones(2)], np.ones(2)),                              # list vs leaf
    (np.ones(2), [np.ones(2)]),                              # leaf vs list (was broadcast)
    (np.ones(2), {"w": np.ones(2)}),                         # leaf vs dict
])
def test_apply_updates_structure_mismatch_raises(params, updates):
    with pytest.raises(ValueError, match="differ in structure"):
        tx.apply_updates(params, updates)


@pytest.mark.parametrize("p_shape, u_shape", [((3,), (1, 3)), ((3,), ()), ((2, 2), (2,))])
def test_apply_updates_leaf_shape_mismatch_raises(p_shape, u_shape):
    # numpy would broadcast these silently into a wrongly shaped parameter
    with pytest.raises(ValueError, match="same shapes"):
        tx.apply_updates(np.zeros(p_shape), np.ones(u_shape))
    with pytest.raises(ValueError, match="same shapes"):
        tx.apply_updates({"w": np.zeros(p_shape)}, {"w": np.ones(u_shape)})


def test_tree_structure_equal_leaf_vs_container():
    assert tree_structure_equal({"a": np.ones(2)}, {"a": np.zeros(2)})
    assert not tree_structure_equal({"a": np.ones(2)}, {"a": np.zeros(3)})
    assert not tree_structure_equal(1.0, {"w": 2.0})
    assert not tree_structure_equal(np.ones(2), [np.ones(2)])


def test_weight_decay_with_mismatched_params_raises():
    opt = tx.add_decayed_weights(0.1)
    with pytest.raises(ValueError, match="differ in structure"):
        opt.update({"w": np.ones(2)}, opt.init(None), {"v": np.ones(2)})


def test_weight_decay_needs_params():
    opt = tx.add_decayed_weights(0.1)
    with pytest.raises(ValueError, match="params"):
        opt.update(np.ones(2), opt.init(np.ones(2)))
    # without decay, params are not needed and grads pass through
    u, _ = tx.add_decayed_weights(0.0).update(np.ones(2), {})
    np.testing.assert_array_equal(u, np.ones(2))


# --------------------------------------------------------------------- purity
@pytest.mark.parametrize("make", [
    lambda: tx.chain(tx.add_decayed_weights(0.1), tx.trace(0.9, nesterov=True),
                     tx.scale_by_learning_rate(0.1)),
    lambda: tx.chain(tx.negate(), tx.trace(0.5, dampening=0.3),
                     tx.scale_by_learning_rate(lambda t: 1.0 / (t + 1))),
])
def test_update_is_pure(make):
    opt = make()
    params = {"w": RNG.normal(size=3), "b": [RNG.normal(size=2)]}
    grads = {"w": RNG.normal(size=3), "b": [RNG.normal(size=2)]}
    p_copy = {"w": params["w"].copy(), "b": [params["b"][0].copy()]}
    g_copy = {"w": grads["w"].copy(), "b": [grads["b"][0].copy()]}
    state = opt.init(params)
    # advance once so that the momentum buffer is an array, then test purity
    _, state = opt.update(grads, state, params)
    buf = [s for s in state if isinstance(s, dict) and "momentum_buffer" in s][0][
        "momentum_buffer"]
    buf_copy = {"w": buf["w"].copy(), "b": [buf["b"][0].copy()]}
    u1, s1 = opt.update(grads, state, params)
    u2, s2 = opt.update(grads, state, params)
    for a, b in ((u1["w"], u2["w"]), (u1["b"][0], u2["b"][0])):
        np.testing.assert_array_equal(a, b)
    assert s1[-1] == s2[-1]          # schedule counter advanced identically
    # nothing that went in was modified
    np.testing.assert_array_equal(params["w"], p_copy["w"])
    np.testing.assert_array_equal(params["b"][0], p_copy["b"][0])
    np.testing.assert_array_equal(grads["w"], g_copy["w"])
    np.testing.assert_array_equal(grads["b"][0], g_copy["b"][0])
    np.testing.assert_array_equal(buf["w"], buf_copy["w"])
    np.testing.assert_array_equal(buf["b"][0], buf_copy["b"][0])


def test_trace_first_buffer_is_a_copy_of_the_gradient():
    opt = tx.trace(0.9)
    g = np.array([1.0, 2.0])
    _, state = opt.update(g, opt.init(g))
    g[0] = 100.0
    np.testing.assert_array_equal(state["momentum_buffer"], [1.0, 2.0])


# --------------------------------------------------------------------- trace vs torch
@pytest.mark.parametrize("momentum, dampening, nesterov", [
    (0.9, 0.0, False), (0.9, 0.0, True), (0.5, 0.5, False), (0.99, 0.1, False),
    (0.3, 0.0, True),
])
def test_trace_equals_torch_momentum_buffer(momentum, dampening, nesterov):
    lr, steps, d = 0.05, 60, 5
    grads = RNG.normal(size=(steps, d))
    x0 = RNG.normal(size=d)
    # torch: feed the same gradient sequence through p.grad
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                           nesterov=nesterov)
    opt = tx.chain(tx.trace(momentum, dampening=dampening, nesterov=nesterov),
                   tx.scale_by_learning_rate(lr))
    x = x0.copy()
    state = opt.init(x)
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        u, state = opt.update(g, state, x)
        x = tx.apply_updates(x, u)
        np.testing.assert_allclose(state[0]["momentum_buffer"],
                                   topt.state[p]["momentum_buffer"].numpy(),
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(x, p.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_trace_closed_form_constant_gradient():
    # b_1 = g, b_t = m b_{t-1} + (1 - tau) g  =>  b_t = g [m^{t-1} + (1-tau)(1-m^{t-1})/(1-m)]
    m, tau = 0.8, 0.25
    g = np.array([2.0, -1.0])
    opt = tx.trace(m, dampening=tau)
    state = opt.init(g)
    for t in range(1, 30):
        u, state = opt.update(g, state)
        expected = g * (m ** (t - 1) + (1 - tau) * (1 - m ** (t - 1)) / (1 - m))
        np.testing.assert_allclose(u, expected, rtol=1e-12)


@pytest.mark.parametrize("kwargs, name", [
    (dict(momentum=-0.1), "momentum"), (dict(momentum=float("inf")), "momentum"),
    (dict(momentum=0.9, dampening=float("nan")), "dampening"),
])
def test_trace_rejects_bad_hyperparameters(kwargs, name):
    # torch's range: momentum >= 0; dampening any real (torch checks neither bound)
    with pytest.raises(ValueError, match=f"'{name}' parameter of trace"):
        tx.trace(**kwargs)


@pytest.mark.parametrize("momentum, dampening", [(1.0, 0.0), (0.9, 1.5), (0.9, -0.1)])
def test_trace_accepts_what_torch_accepts(momentum, dampening):
    g = np.array([1.0, -2.0])
    opt = tx.trace(momentum, dampening=dampening)
    state = opt.init(g)
    for _ in range(5):
        u, state = opt.update(g, state)
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([p], lr=1.0, momentum=momentum, dampening=dampening)
    for _ in range(5):
        p.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(u, topt.state[p]["momentum_buffer"].numpy(), rtol=1e-14)


@pytest.mark.parametrize("kwargs", [dict(momentum=0.0, nesterov=True),
                                    dict(momentum=0.9, dampening=0.1, nesterov=True)])
def test_trace_nesterov_needs_momentum_and_no_dampening(kwargs):
    with pytest.raises(ValueError, match="'nesterov' parameter of trace requires"):
        tx.trace(**kwargs)


# --------------------------------------------------------------------- learning rate
def test_schedule_is_called_with_zero_first():
    calls = []

    def schedule(t):
        calls.append(t)
        return 1.0 / (t + 1)

    opt = tx.scale_by_learning_rate(schedule)
    g = np.array([1.0, -3.0])
    state = opt.init(g)
    for t in range(4):
        u, state = opt.update(g, state)
        np.testing.assert_allclose(u, -g / (t + 1), rtol=1e-15)
    assert calls == [0, 1, 2, 3]
    assert state.count == 4
    assert tx.current_learning_rate(schedule, 0) == 1.0
    assert tx.current_learning_rate(0.3, 7) == 0.3


def test_constant_learning_rate_and_scale_and_negate():
    g = np.array([1.0, 2.0])
    u, _ = tx.scale_by_learning_rate(0.25).update(g, tx.ScaleByScheduleState(0))
    np.testing.assert_array_equal(u, [-0.25, -0.5])
    u, _ = tx.negate().update(g, {})
    np.testing.assert_array_equal(u, [-1.0, -2.0])
    u, _ = tx.identity().update(np.array([1, 2]), {})
    assert u.dtype == np.float64
    # zero is torch's lower end of lr: a zero update
    u, _ = tx.scale_by_learning_rate(0.0).update(g, tx.ScaleByScheduleState(0))
    np.testing.assert_array_equal(u, [0.0, 0.0])


@pytest.mark.parametrize("lr", [-1e-12, -1.0, float("nan"), float("inf")])
def test_learning_rate_must_be_nonnegative_finite(lr):
    with pytest.raises(ValueError, match=r"'learning_rate' parameter .* \[0\.0, inf\)"):
        tx.scale_by_learning_rate(lr)


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="'learning_rate'"):
        tx.scale_by_learning_rate("0.1")
    with pytest.raises(TypeError, match="'factor'"):
        tx.scale(None)
    with pytest.raises(ValueError, match="'weight_decay'"):
        tx.add_decayed_weights(-0.1)
