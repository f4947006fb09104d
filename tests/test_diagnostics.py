"""course_lib.diagnostics and course_lib.training_bugs on cases whose answer is known:
a deliberately broken model or run for each diagnostic, and a healthy one."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from course_lib import diagnostics as dg  # noqa: E402
from course_lib import training_bugs as tb  # noqa: E402
from course_lib.training import Digits, digits, mlp, train  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def data():
    return digits()


# ----------------------------------------------------------------- norms and ratios
def test_update_ratios_equal_numpy_frobenius_norms():
    rng = np.random.default_rng(0)
    before = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(5)}
    after = {k: v + 1e-3 * rng.standard_normal(v.shape) for k, v in before.items()}
    r = dg.update_ratios(before, after)
    for k in before:
        assert r[k] == pytest.approx(np.linalg.norm(after[k] - before[k]) /
                                     np.linalg.norm(before[k]), rel=1e-12)
    d = np.concatenate([(after[k] - before[k]).ravel() for k in before])
    w = np.concatenate([before[k].ravel() for k in before])
    assert r["__all__"] == pytest.approx(np.linalg.norm(d) / np.linalg.norm(w), rel=1e-12)


def test_update_ratios_edge_cases_and_bad_input():
    z = {"w": np.zeros(2)}
    assert dg.update_ratios(z, z)["w"] == 0.0
    assert dg.update_ratios(z, {"w": np.ones(2)})["w"] == math.inf
    with pytest.raises(ValueError, match="'before' and 'after' parameters of update_ratios"):
        dg.update_ratios(z, {"v": np.zeros(2)})
    with pytest.raises(ValueError, match="same shape for 'w'"):
        dg.update_ratios(z, {"w": np.zeros(3)})


def test_grad_norms_per_layer_against_the_closed_form():
    # d/db sum(W x + b) = number of rows; d/dW = sum of the rows of x, for each output
    lin = torch.nn.Linear(3, 2, dtype=torch.float64)
    x = torch.arange(12.0, dtype=torch.float64).reshape(4, 3)
    lin(x).sum().backward()
    g = dg.grad_norms(lin)
    assert g["bias"] == pytest.approx(math.sqrt(2) * 4, rel=1e-12)
    assert g["weight"] == pytest.approx(math.sqrt(2) * float(np.linalg.norm(
        x.numpy().sum(0))), rel=1e-12)


def test_check_update_ratios_known_bands():
    assert dg.check_update_ratios([1e-3] * 10).ok
    low = dg.check_update_ratios({"w": [1e-6] * 5, "b": [1e-3] * 5})
    assert not low.ok and low.too_small == ["w"] and low.too_large == []
    high = dg.check_update_ratios([0.5, 0.4, 0.6])
    assert not high.ok and high.too_large == ["all"]
    with pytest.raises(ValueError, match="'ratios' parameter of check_update_ratios"):
        dg.check_update_ratios([])


def test_check_grad_norms_known_patterns():
    steady = np.full(100, 0.5)
    assert dg.check_grad_norms(steady).problem is None
    assert dg.check_grad_norms(np.r_[steady[:50], np.nan, steady[:49]]).problem == "nonfinite"
    assert dg.check_grad_norms(np.full(100, 1e-9)).problem == "vanishing"
    assert dg.check_grad_norms(np.arange(1.0, 101.0)).problem == "growing"   # 88 / 3
    spiky = steady.copy()
    spiky[40] = 10.0
    assert dg.check_grad_norms(spiky).problem == "spiky"
    with pytest.raises(ValueError, match="at least 4 norms"):
        dg.check_grad_norms([1.0])


# ------------------------------------------------------------------------ dead ReLU
def test_dead_relu_fraction_of_a_layer_with_known_dead_units():
    net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU())
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].bias.copy_(torch.tensor([-1.0, -2.0, 3.0, 0.0]))   # 0 -> relu(0) = 0: dead
    d = dg.dead_relu_fraction(net, torch.randn(16, 2))
    assert d.fractions == {"1": 0.75} and not d.ok
    with torch.no_grad():
        net[0].bias.fill_(1.0)
    assert dg.dead_relu_fraction(net, torch.randn(16, 2)).overall == 0.0
    with pytest.raises(ValueError, match="must contain a torch.nn.ReLU"):
        dg.dead_relu_fraction(torch.nn.Linear(2, 2), torch.randn(3, 2))


def test_lr_far_too_high_kills_the_relus(data):
    s = tb.setup("lr_too_high")
    s.run()
    assert dg.dead_relu_fraction(s.model, data.X_train).overall == 1.0
    fixed = tb.setup("lr_too_high", fixed=True)
    fixed.run()
    assert dg.dead_relu_fraction(fixed.model, data.X_train).ok


# ------------------------------------------------------------------------ gradcheck
class _Cube(torch.autograd.Function):
    """x -> x^3 with a backward chosen at construction (right: 3x^2; wrong: x^2)."""

    factor = 3.0

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _Cube.factor * x ** 2


@pytest.mark.parametrize("factor, right", [(3.0, True), (1.0, False)])
def test_gradcheck_agrees_with_torch_gradcheck_on_a_custom_function(factor, right):
    _Cube.factor = factor
    x = torch.tensor([0.5, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
    try:
        ours = dg.gradcheck(lambda t: _Cube.apply(t).sum(), [x])
        theirs = torch.autograd.gradcheck(_Cube.apply, (x,), raise_exception=False)
    finally:
        _Cube.factor = 3.0
    assert ours.ok is right and theirs is right
    np.testing.assert_allclose(ours.numeric[0], 3 * x.detach().numpy() ** 2, rtol=1e-8)
    if not right:
        assert ours.worst[0] == 0            # |3x^2 - x^2| / 3x^2 = 2/3 at every entry
        assert ours.max_rel_error == pytest.approx(2 / 3, rel=1e-6)


def test_gradcheck_bad_input():
    with pytest.raises(ValueError, match="must return a scalar tensor"):
        dg.gradcheck(lambda t: t, [torch.ones(2)])
    with pytest.raises(ValueError, match="'eps' parameter of gradcheck"):
        dg.gradcheck(lambda t: t.sum(), [torch.ones(2)], eps=-1.0)


# ---------------------------------------------------------------- overfit one batch
def test_overfit_one_batch_healthy_and_softmax_twice(data):
    X, y = data.X_train[:16], data.y_train[:16]
    adam = lambda p: torch.optim.Adam(p, lr=1e-2)  # noqa: E731
    good = dg.overfit_one_batch(mlp((32,), activation="relu"), adam, X, y)
    assert good.ok and good.final_loss < 0.05 and good.accuracy == 1.0
    assert good.chance_loss == pytest.approx(math.log(10))
    broken = torch.nn.Sequential(mlp((32,), activation="relu"), torch.nn.Softmax(dim=1))
    bad = dg.overfit_one_batch(broken, adam, X, y)
    assert not bad.ok and bad.final_loss >= tb.softmax_floor(10)


def test_softmax_floor_is_the_minimum_over_the_simplex():
    # brute force over random points of the simplex and its vertices
    rng = np.random.default_rng(1)
    p = np.vstack([rng.dirichlet(np.full(10, a), size=4000) for a in (0.05, 0.5, 5.0)]
                  + [np.eye(10)])
    ce = -p[:, 0] + np.log(np.exp(p).sum(1))
    assert ce.min() == pytest.approx(tb.softmax_floor(10), rel=1e-12)
    assert tb.softmax_floor(10) == pytest.approx(1.4612, abs=1e-4)


# ------------------------------------------------------------------------ lr sweep
def test_lr_sweep_finds_the_working_range(data):
    sweep = dg.lr_sweep(lambda: mlp((32,)), lambda p, lr: torch.optim.SGD(p, lr=lr), data,
                        [1e-5, 0.5, 1e4], steps=40)
    assert sweep.ok and list(sweep.works) == [False, True, False]
    assert sweep.best_lr == 0.5 and sweep.final[2] > 100 * sweep.initial[2]   # 1e4 blows up
    dead = dg.lr_sweep(lambda: mlp((32,)), lambda p, lr: torch.optim.SGD(p, lr=lr), data,
                       [1e-6, 1e-5], steps=20)
    assert not dead.ok
    with pytest.raises(ValueError, match="'lrs' parameter of lr_sweep"):
        dg.lr_sweep(lambda: mlp(), lambda p, lr: None, data, [])


# ---------------------------------------------------------------- first non-finite
class _Poison(torch.nn.Module):
    """Identity, except that its output is NaN from forward call ``at`` on."""

    def __init__(self, at):
        super().__init__()
        self.at, self.calls = at, 0

    def forward(self, x):
        self.calls += 1
        return x * float("nan") if self.calls > self.at else x


class _SqrtRelu(torch.nn.Module):
    def forward(self, x):
        return torch.sqrt(x * x)       # |x|: finite forward; d sqrt(u) = inf at u = 0


def _stepper(model, X, y, lr=0.1):
    opt = torch.optim.SGD(model.parameters(), lr=lr)

    def step(t):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        return loss.detach()
    return step


def test_first_nonfinite_names_the_step_and_layer(data):
    X, y = data.X_train[:32], data.y_train[:32]
    net = torch.nn.Sequential(torch.nn.Linear(64, 8), torch.nn.Tanh(), _Poison(at=5),
                              torch.nn.Linear(8, 10))
    d = dg.first_nonfinite(net, _stepper(net, X, y), steps=20)
    assert (d.step, d.phase, d.where) == (5, "forward", "2") and not d.ok
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 8), _SqrtRelu(), torch.nn.Linear(8, 10))
    with torch.no_grad():
        net[0].weight.zero_()          # pre-activations exactly 0: sqrt'(0) = inf
        net[0].bias.zero_()
    d = dg.first_nonfinite(net, _stepper(net, X, y), steps=5)
    assert (d.step, d.phase, d.where) == (0, "gradient", "0.weight")
    healthy = mlp((8,))
    assert dg.first_nonfinite(healthy, _stepper(healthy, X, y), steps=5).ok


# ---------------------------------------------------------------- eval determinism
def test_eval_determinism_catches_dropout_in_train_mode(data):
    net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Dropout(0.5),
                              torch.nn.Linear(32, 10))
    net.train()
    d = dg.eval_determinism(net, data.X_val)
    assert not d.ok and d.training and d.max_abs_diff > 0 and net.training
    net.eval()
    assert dg.eval_determinism(net, data.X_val).ok


# ------------------------------------------------------------------ the broken runs
def test_run_without_bugs_makes_the_steps_of_train(data):
    opt = lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)  # noqa: E731
    ours = tb.run(mlp((32,), activation="relu"), data, opt, steps=40)
    ref = train(mlp((32,), activation="relu"), opt, data, steps=40, batch_size=64,
                progress=False)
    np.testing.assert_allclose(ours.losses, ref.losses[:40], rtol=1e-6)
    np.testing.assert_allclose(ours.update_ratios, ref.update_ratios, rtol=1e-5)


def test_without_zero_grad_the_gradients_add_up(data):
    # lr = 0: the weights stay at w0, so step t uses sum_{s <= t} grad L_{B_s}(w0)
    model = mlp((8,), activation="relu")
    res = tb.run(model, data, lambda p: torch.optim.SGD(p, lr=0.0), steps=3,
                 zero_grad=False)
    fresh = mlp((8,), activation="relu")
    order = torch.randperm(len(data.y_train), generator=torch.Generator().manual_seed(0))
    total = None
    for t in range(3):
        idx = order[64 * t:64 * (t + 1)]
        gs = torch.autograd.grad(torch.nn.functional.cross_entropy(
            fresh(data.X_train[idx]), data.y_train[idx]), list(fresh.parameters()))
        total = gs if total is None else [a + b for a, b in zip(total, gs)]
        norm = float(torch.sqrt(sum((g ** 2).sum() for g in total)))
        assert res.grad_norms[t] == pytest.approx(norm, rel=1e-5)


def test_scheduler_per_batch_follows_steplr_per_step(data):
    res = tb.broken_run("scheduler_per_batch", steps=10)
    t = np.arange(10)
    np.testing.assert_allclose(res.lrs, 0.1 * 0.1 ** (t // 3), rtol=1e-12)
    # per epoch (21 batches): the third scheduler step comes after step 62
    fixed = tb.broken_run("scheduler_per_batch", fixed=True, steps=70)
    assert fixed.lrs[62] == pytest.approx(0.1) and fixed.lrs[63] == pytest.approx(0.01)


def test_bugs_and_fixes_show_their_symptoms():
    base = tb.broken_run("none")
    assert base.val_acc[-1] > 0.9
    for bug in ("lr_too_low", "scheduler_per_batch", "labels_misaligned"):
        assert tb.broken_run(bug).val_acc[-1] < 0.2, bug
        assert tb.broken_run(bug, fixed=True).val_acc[-1] > 0.9, bug
    assert tb.broken_run("nll_on_logits").losses.min() < 0          # NLL on logits
    soft = tb.broken_run("softmax_twice")
    assert soft.losses.min() >= tb.softmax_floor(10)


def test_playbook_finds_the_mysteries_and_others():
    for k in range(3):
        found, diags = tb.playbook(tb.mystery(k))
        assert tb.is_answer(k, found), (k, found, [str(d) for d in diags])
        assert not tb.is_answer(k, "none")
    for bug in ("none", "lr_too_high", "lr_too_low", "nll_on_logits", "scheduler_per_batch"):
        assert tb.playbook(tb.setup(bug))[0] == bug
    with pytest.raises(ValueError, match="'bug' parameter of setup"):
        tb.setup("typo")
    with pytest.raises(ValueError, match="'k' parameter of mystery"):
        tb.mystery(3)


def test_importing_course_lib_does_not_import_torch():
    import subprocess
    import sys
    code = ("import sys, course_lib; course_lib.__dir__(); "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_gradient_check_tolerance_is_pinned_by_the_forward_difference():
    """ex11_gradient_check's 1e-7: the central difference of every case lies within it,
    the forward difference (error ~eps |f''| / 2) outside it by at least 10x."""
    from course_lib.grading.checks import ex11_gradient_check as gc
    for case in gc.CONVEX + gc.NONCONVEX:
        ref = gc.reference(*case.args, **case.kwargs)
        allowed = gc.ATOL + gc.RTOL * np.abs(ref)
        mine = gc._fd(case, "no_half") / 2            # (f(x+e) - f(x-e)) / (2 eps)
        assert np.all(np.abs(mine - ref) <= allowed), case.label
        forward = gc._fd(case, "forward")
        assert np.max(np.abs(forward - ref) / allowed) > 10, case.label


def test_training_step_reference_equals_torchs_own_loop():
    """ex11_training_step's reference (zoo sgd, lr per epoch) against torch.optim.SGD with
    StepLR stepped per epoch and autograd gradients, float64."""
    from course_lib.grading.checks import ex11_training_step as ts
    for case in ts.PLAIN + ts.MOMENTUM + ts.SCHEDULE:
        X, y, w0, epochs, lr = case.args
        mom, gamma = case.kwargs["momentum"], case.kwargs["gamma"]
        Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
        w = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
        opt = torch.optim.SGD([w], lr=lr, momentum=mom)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=gamma)
        rows = [w.detach().numpy().copy()]
        for batches in epochs:
            for idx in batches:
                idx = torch.as_tensor(idx)
                opt.zero_grad()
                (((Xt[idx] @ w - yt[idx]) ** 2).mean() / 2).backward()
                opt.step()
                rows.append(w.detach().numpy().copy())
            sched.step()
        np.testing.assert_allclose(ts.reference(*case.args, **case.kwargs), np.array(rows),
                                   rtol=1e-12, atol=1e-14)


def test_every_bug_has_a_symptom_curve():
    assert set(tb.SYMPTOMS) == set(tb.BUGS)
    res = tb.broken_run("decay_on_norms", steps=5)
    name, x, y, scale = tb.symptom("decay_on_norms", res)
    assert name == "bn_scale_norm" and len(x) == len(y) == 5
    assert y[0] == pytest.approx(math.sqrt(32))          # BatchNorm's scale starts at ones(32)
    name, x, y, _ = tb.symptom("eval_mode_forgotten", tb.broken_run("eval_mode_forgotten",
                                                                    steps=25))
    assert list(x) == [0, 10, 20, 25] and len(y) == 4
    with pytest.raises(ValueError, match="'bug' parameter of symptom"):
        tb.symptom("typo", res)


def test_dropout_runs_are_repeatable_and_leave_the_global_rng_alone():
    state = torch.random.get_rng_state()
    a = tb.broken_run("eval_mode_forgotten", steps=30)
    assert torch.equal(torch.random.get_rng_state(), state)
    torch.rand(5)                                     # move the global RNG on
    b = tb.broken_run("eval_mode_forgotten", steps=30)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.val_acc, b.val_acc)


def test_update_ratios_on_torch_tensors_and_modules_without_importing_torch():
    import copy
    import subprocess
    import sys
    lin = torch.nn.Linear(3, 2)
    before = copy.deepcopy(lin)
    with torch.no_grad():
        lin.weight.add_(0.01)
    r = dg.update_ratios(before, lin)
    assert r["bias"] == 0.0
    assert r["weight"] == pytest.approx(float(0.01 * math.sqrt(6) / before.weight.norm()),
                                        rel=1e-6)
    code = ("import sys; from course_lib.monitors import update_ratios; "
            "import course_lib.grading.checks.ex11_update_ratio; "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
