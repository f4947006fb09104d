"""course_lib's SGD (numpy ``optimizers.sgd`` and the generated ``torch_optim.SGD``)
against torch.optim.SGD in float64, step by step: what the registry
(``test_optim_registry.py``) does not cover - ``run()`` with minibatches and schedules,
OneCycleLR changing the momentum, a momentum switched on mid-run, closures, deepcopy,
a spec made on the spot, and the checks where ours is stricter than torch.

The oracle is torch: its own optimizer, with gradients from autograd on the same
objective written in torch.
"""
import copy
import functools

import numpy as np
import pytest

from course_lib import problems as P
from course_lib import transforms as tx
from course_lib.optimizers import gradient_descent, run, sgd

torch = pytest.importorskip("torch")
from course_lib.torch_optim import SGD, make_optimizer_class  # noqa: E402

RTOL, ATOL = 1e-10, 1e-13
STEPS = 200


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    # tiny tensors: threads only add contention on a busy 2-core machine
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

# hyper-parameter sets; lr is a multiple of each problem's base step size
HPARAMS = [
    dict(lr=1.0),
    dict(lr=1.0, weight_decay=0.1),
    dict(lr=0.5, weight_decay=0.05, maximize=True),
    dict(lr=0.5, momentum=0.9),
    dict(lr=0.5, momentum=0.9, nesterov=True, weight_decay=0.01),
    dict(lr=0.5, momentum=0.7, dampening=0.2, maximize=True),
]


def _scaled(hp, base_lr):
    return {**hp, "lr": hp["lr"] * base_lr}


def _hp_id(hp):
    return "-".join(f"{k}={v}" for k, v in hp.items())


# ------------------------------------------------------------------ torch objectives
def rosen_t(x, a=1.0, b=100.0):
    return (b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2).sum()


def _sign(maximize):
    # with maximize=True we climb -f, so both runs still head for f's minimum
    return -1.0 if maximize else 1.0


# ------------------------------------------------------------------ flat problems
class _Negated:
    """-f as a problem object (value and grad), to test maximize=True on -f."""

    def __init__(self, problem):
        self.p = problem

    def value(self, x):
        return -self.p.value(x)

    def grad(self, x, idx=None):
        return -(self.p.grad(x) if idx is None else self.p.grad(x, idx))


def _rosenbrock():
    prob = P.Rosenbrock()
    return prob, lambda w: rosen_t(w, prob.a, prob.b), np.array([-1.2, 1.0]), 5e-4


def _linreg():
    prob = P.LinearRegression(n_samples=60, n_features=4, noise=0.3, l2=0.01, seed=4)
    X, y = torch.from_numpy(np.array(prob.X)), torch.from_numpy(np.array(prob.y))

    def f(w, idx=None):
        Xb, yb = (X, y) if idx is None else (X[idx], y[idx])
        r = Xb @ w - yb
        return (r @ r) / (2 * len(yb)) + 0.5 * prob.l2 * (w @ w)
    return prob, f, np.full(4, 2.0), 0.5 / prob.L


def _quadratic():
    prob = P.Quadratic.from_condition_number(50.0, dim=5, L=2.0, rotation=1,
                                             x_star=np.arange(5.0))
    A, b = torch.from_numpy(np.array(prob.A)), torch.from_numpy(np.array(prob.b))
    return prob, (lambda x: 0.5 * x @ A @ x - b @ x), np.zeros(5), 0.9 / prob.L


NUMPY_PROBLEMS = {"rosenbrock": _rosenbrock, "linreg": _linreg, "quadratic": _quadratic}


def _torch_trajectory(f, x0, kw, steps, batches=None, cls=torch.optim.SGD):
    """Iterates (steps + 1, d) of optimizer ``cls`` on the torch objective ``f``."""
    sign = _sign(kw.get("maximize", False))
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = cls([x], **kw)
    out = [x.detach().numpy().copy()]
    for t in range(steps):
        opt.zero_grad()
        loss = sign * (f(x) if batches is None else f(x, torch.from_numpy(batches[t])))
        loss.backward()
        opt.step()
        out.append(x.detach().numpy().copy())
    return np.array(out)


@functools.lru_cache(maxsize=None)
def _reference(problem, hp_items):
    """torch.optim.SGD's trajectory on a NUMPY_PROBLEMS objective (cached: the adapter
    test and the run() test compare with the same one)."""
    _, f_t, x0, base_lr = NUMPY_PROBLEMS[problem]()
    ref = _torch_trajectory(f_t, x0, _scaled(dict(hp_items), base_lr), STEPS)
    ref.flags.writeable = False
    return ref


# ================================================================== 1. the adapter
def _models_linreg():
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(40, 3, generator=gen, dtype=torch.float64)
    y = X @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) \
        + 0.1 * torch.randn(40, generator=gen, dtype=torch.float64)
    torch.manual_seed(1)
    model = torch.nn.Linear(3, 1).double()
    params = list(model.parameters())

    def loss(ps):
        w, b = ps
        return torch.nn.functional.mse_loss((X @ w.T).squeeze(1) + b, y)
    return params, loss, 0.1


def _models_mlp():
    gen = torch.Generator().manual_seed(2)
    X = torch.randn(32, 4, generator=gen, dtype=torch.float64)
    y = torch.sin(X.sum(dim=1, keepdim=True))
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(),
                                torch.nn.Linear(8, 1)).double()
    F = torch.nn.functional

    def loss(ps):       # the Sequential's forward pass on a list of its parameters
        w1, b1, w2, b2 = ps
        return F.mse_loss(F.linear(torch.tanh(F.linear(X, w1, b1)), w2, b2), y)
    return list(model.parameters()), loss, 0.1


def _clone(params):
    return [p.detach().clone().requires_grad_(True) for p in params]


def _flat(params):
    return np.concatenate([p.detach().numpy().ravel() for p in params])


def _step(opt, params, loss_fn, sign):
    opt.zero_grad()
    loss = sign * loss_fn(params)
    loss.backward()
    opt.step()
    return loss.item()


def _assert_same_params(params_torch, params_ours):
    """Our parameters equal torch's, tensor by tensor, to RTOL."""
    for a, b in zip(params_torch, params_ours):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(),
                                   rtol=RTOL, atol=ATOL)


def _lockstep_and_compare(opt_t, pt, opt_c, pc, loss_fn):
    """STEPS steps of torch's optimizer and ours side by side, then compare the params."""
    for _ in range(STEPS):
        _step(opt_t, pt, loss_fn, 1.0)
        _step(opt_c, pc, loss_fn, 1.0)
    _assert_same_params(pt, pc)


def test_add_param_group_later():
    w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    v = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
    opt = SGD([w], lr=0.1)
    opt.add_param_group({"params": [v], "lr": 0.5})
    (w.sum() + v.sum()).backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.9, 1.9])
    np.testing.assert_allclose(v.detach().numpy(), [2.5])
    with pytest.raises(ValueError, match="'lr'"):
        opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": -1.0})
    assert len(opt.param_groups) == 2          # the bad group was not added


@pytest.mark.parametrize("kw", [dict(lr=0.05), dict(lr=0.05, momentum=0.9, weight_decay=0.01)])
def test_step_lr_scheduler_takes_effect(kw):
    params0, loss_fn, _ = _models_linreg()
    pt, pc, pn = _clone(params0), _clone(params0), _clone(params0)
    opt_t, opt_c, opt_n = torch.optim.SGD(pt, **kw), SGD(pc, **kw), SGD(pn, **kw)
    sch_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=30, gamma=0.3)
    sch_c = torch.optim.lr_scheduler.StepLR(opt_c, step_size=30, gamma=0.3)
    for t in range(STEPS):
        _step(opt_t, pt, loss_fn, 1.0)
        _step(opt_c, pc, loss_fn, 1.0)
        _step(opt_n, pn, loss_fn, 1.0)          # same optimizer, no scheduler
        sch_t.step()
        sch_c.step()
        assert opt_c.param_groups[0]["lr"] == opt_t.param_groups[0]["lr"]
        for a, b in zip(pt, pc):
            np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(),
                                       rtol=RTOL, atol=ATOL, err_msg=f"step {t}")
    assert opt_c.param_groups[0]["lr"] == pytest.approx(kw["lr"] * 0.3 ** (STEPS // 30))
    # and the schedule changed the trajectory
    diff = max(float((a - b).detach().abs().max()) for a, b in zip(pc, pn))
    assert diff > 1e-6


def test_one_cycle_scheduler_changes_momentum_between_steps():
    # OneCycleLR rewrites both group['lr'] and group['momentum'] at every step
    params0, loss_fn, _ = _models_mlp()
    pt, pc = _clone(params0), _clone(params0)
    opt_t = torch.optim.SGD(pt, lr=0.05, momentum=0.9)
    opt_c = SGD(pc, lr=0.05, momentum=0.9)
    kw = dict(max_lr=0.2, total_steps=STEPS, base_momentum=0.8, max_momentum=0.95)
    sch_t = torch.optim.lr_scheduler.OneCycleLR(opt_t, **kw)
    sch_c = torch.optim.lr_scheduler.OneCycleLR(opt_c, **kw)
    momenta = set()
    for _ in range(STEPS):
        _step(opt_t, pt, loss_fn, 1.0)
        _step(opt_c, pc, loss_fn, 1.0)
        momenta.add(opt_c.param_groups[0]["momentum"])
        sch_t.step()
        sch_c.step()
    assert len(momenta) > 10
    _assert_same_params(pt, pc)


def test_switching_momentum_on_mid_run_follows_torch():
    # torch starts the buffer as a copy of the gradient at the first step with momentum
    params0, loss_fn, _ = _models_mlp()
    pt, pc = _clone(params0), _clone(params0)
    opt_t, opt_c = torch.optim.SGD(pt, lr=0.05), SGD(pc, lr=0.05)
    for t in range(STEPS):
        if t == 50:
            for o in (opt_t, opt_c):
                o.param_groups[0]["momentum"] = 0.9
        _step(opt_t, pt, loss_fn, 1.0)
        _step(opt_c, pc, loss_fn, 1.0)
    _assert_same_params(pt, pc)
    assert all("momentum_buffer" in opt_c.state[p] for p in pc)


def test_zero_lr_is_allowed_like_torch():
    w = torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)
    opt = SGD([w], lr=0.0, momentum=0.9)
    (w ** 2).sum().backward()
    opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, -1.0])


def test_closure_and_params_without_grad():
    a = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    unused = torch.tensor([5.0], dtype=torch.float64, requires_grad=True)
    frozen = torch.tensor([7.0], dtype=torch.float64, requires_grad=False)
    opt = SGD([a, unused, frozen], lr=0.1, momentum=0.9, weight_decay=0.5)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (a ** 2).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert calls == [1]
    assert loss.item() == 5.0
    # torch: a <- a - lr (2a + wd a)
    np.testing.assert_allclose(a.detach().numpy(), [1.0, 2.0] - 0.1 * 2.5 * np.array([1.0, 2.0]))
    assert unused.item() == 5.0 and frozen.item() == 7.0       # skipped, as torch does
    assert len(opt.state[unused]) == 0 and len(opt.state[frozen]) == 0
    assert opt.step() is None                                   # no closure -> None


def test_deepcopy_of_optimizer_keeps_working():
    w = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.9)
    (w ** 2).sum().backward()
    opt.step()
    clone = copy.deepcopy(opt)            # pickles through __getstate__/__setstate__
    w2 = clone.param_groups[0]["params"][0]
    w2.grad = w.grad.clone()
    clone.step()
    opt.step()
    np.testing.assert_array_equal(w2.detach().numpy(), w.detach().numpy())


# ------------------------------------------------------------------ a spec made on the spot
def test_a_new_spec_gives_a_working_class():
    # what a zoo file declares is enough for a torch class: here plain GD as a spec
    from course_lib import transforms as tx
    from course_lib.zoo._spec import OptimizerSpec, lr
    spec = OptimizerSpec(name="gd", class_name="GD", torch_counterpart=None,
                         hparams=(lr(0.1),), build=lambda hp: [tx.scale_by_learning_rate(hp["lr"])],
                         formula="x <- x - lr g", reference="Cauchy (1847).", summary="GD.")
    GD = make_optimizer_class(spec)
    params0, loss_fn, _ = _models_linreg()
    pt, pc = _clone(params0), _clone(params0)
    _lockstep_and_compare(torch.optim.SGD(pt, lr=0.1), pt, GD(pc), pc, loss_fn)
    with pytest.raises(ValueError, match="'lr' parameter of torch_optim.GD"):
        GD(pc, lr=-1.0)
    assert "x <- x - lr g" in GD.__doc__
    u, _ = spec.recipe()(0.5).update(np.ones(2), spec.recipe()(0.5).init(np.ones(2)), np.ones(2))
    np.testing.assert_array_equal(u, [-0.5, -0.5])


# ------------------------------------------------------------------ stricter than torch
@pytest.mark.parametrize("kw, exc, name", [
    (dict(lr=float("nan")), ValueError, "'lr'"),          # torch's SGD accepts nan
    (dict(lr=0.1, nesterov="yes"), TypeError, "'nesterov'"),
    (dict(lr=0.1, maximize=1), TypeError, "'maximize'"),
    (dict(lr=0.1, foreach="no"), TypeError, "'foreach'"),
    (dict(lr=torch.ones(2)), ValueError, "'lr'"),
    (dict(lr=0.1, momentum=0.9, bogus=1), TypeError, "bogus"),
])
def test_invalid_arguments_name_the_argument(kw, exc, name):
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(exc, match=name) as info:
        SGD([w], **kw)
    assert "torch_optim.SGD" in str(info.value)


def test_invalid_group_override_is_rejected():
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="'momentum'"):
        SGD([{"params": [w], "momentum": -1.0}], lr=0.1)


# ================================================================== 2. numpy run() vs torch
@pytest.mark.parametrize("hp", HPARAMS, ids=_hp_id)
@pytest.mark.parametrize("problem", list(NUMPY_PROBLEMS))
def test_run_sgd_matches_torch(problem, hp):
    prob, f_t, x0, base_lr = NUMPY_PROBLEMS[problem]()
    kw = _scaled(hp, base_lr)
    target = _Negated(prob) if kw.get("maximize") else prob
    traj = run(sgd(**kw), target, x0, STEPS)
    ref = _reference(problem, tuple(hp.items()))
    assert traj.params.shape == ref.shape == (STEPS + 1, len(x0))
    assert not traj.diverged
    np.testing.assert_allclose(traj.params, ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(traj.lrs, kw["lr"])
    assert np.linalg.norm(ref[-1] - ref[0]) > 1e-3          # it moved


@pytest.mark.parametrize("replace", [False, True])
def test_minibatch_run_matches_torch_on_the_same_batches(replace):
    from course_lib.sampling import minibatch_stream
    prob, f_t, x0, base_lr = _linreg()
    b, seed = 7, 5
    kw = dict(lr=base_lr, momentum=0.5, weight_decay=0.01)
    traj = run(sgd(**kw), prob, x0, STEPS, batch_size=b, replace=replace, seed=seed)
    stream = minibatch_stream(prob.n_samples, b, replace=replace, seed=seed)
    batches = [next(stream) for _ in range(STEPS)]
    ref = _torch_trajectory(f_t, x0, kw, STEPS, batches)
    np.testing.assert_allclose(traj.params, ref, rtol=RTOL, atol=ATOL)


def test_run_with_lr_schedule_matches_torch_lambda_lr():
    prob, f_t, x0, base_lr = _quadratic()
    schedule = lambda t: base_lr / (1.0 + 0.05 * t)        # noqa: E731
    traj = run(sgd(lr=schedule, momentum=0.8), prob, x0, STEPS)
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([x], lr=base_lr, momentum=0.8)
    sch = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0 / (1.0 + 0.05 * t))
    for t in range(STEPS):
        opt.zero_grad()
        f_t(x).backward()
        opt.step()
        sch.step()
        np.testing.assert_allclose(traj.params[t + 1], x.detach().numpy(),
                                   rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(traj.lrs, [schedule(t) for t in range(STEPS)], rtol=1e-15)


def test_numpy_update_on_a_dict_tree_matches_torch_param_list():
    # sgd on a {"w", "b"} tree, driven by torch gradients, equals torch.optim.SGD
    params0, loss_fn, _ = _models_linreg()
    kw = dict(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)
    pt = _clone(params0)
    opt_t = torch.optim.SGD(pt, **kw)
    opt = sgd(**kw)
    tree = {"w": params0[0].detach().numpy().copy(), "b": params0[1].detach().numpy().copy()}
    state = opt.init(tree)
    for _ in range(STEPS):
        pn = [torch.tensor(tree["w"], requires_grad=True),
              torch.tensor(tree["b"], requires_grad=True)]
        loss_fn(pn).backward()
        grads = {"w": pn[0].grad.numpy(), "b": pn[1].grad.numpy()}
        u, state = opt.update(grads, state, tree)
        tree = tx.apply_updates(tree, u)
        _step(opt_t, pt, loss_fn, 1.0)
    np.testing.assert_allclose(tree["w"], pt[0].detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(tree["b"], pt[1].detach().numpy(), rtol=RTOL, atol=ATOL)
