"""course_lib.training against independent oracles: scikit-learn's own loader, a
closed-form softmax gradient, finite differences, plain torch loops written out by hand,
and numpy recomputations of every history quantity."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from course_lib.training import digits, mlp, train, train_seeds


@pytest.fixture(scope="module")
def data():
    return digits()


@pytest.fixture(scope="module")
def data64():
    return digits(dtype=torch.float64)


def _opt(cls, **kw):
    return lambda p: cls(p, **kw)


def _softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


# ------------------------------------------------------------------------------ data
def test_digits_rows_are_sklearns_and_the_split_is_a_partition():
    from sklearn.datasets import load_digits
    ref = load_digits()
    d = digits(val_fraction=0.25, seed=3, dtype=torch.float64)
    X = np.vstack([d.X_train.numpy(), d.X_val.numpy()]) * 16
    y = np.concatenate([d.y_train.numpy(), d.y_val.numpy()])
    assert len(d.y_val) == round(0.25 * 1797) and len(y) == 1797
    # every row (features and label) is one of sklearn's, each used exactly once
    key = lambda A, b: sorted(map(tuple, np.column_stack([A, b]).round(9)))  # noqa: E731
    assert key(X, y) == key(ref.data, ref.target)
    assert d.y_train.dtype == torch.int64 and d.X_train.dtype == torch.float64
    assert float(d.X_train.max()) <= 1.0 and float(d.X_train.min()) >= 0.0
    again = digits(val_fraction=0.25, seed=3, dtype=torch.float64)
    assert torch.equal(again.X_val, d.X_val)
    assert not torch.equal(digits(seed=4, dtype=torch.float64).X_val, d.X_val)


def test_mlp_is_seeded_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    a = mlp((16,), seed=5)
    after = torch.rand(3)
    assert torch.equal(before, after)
    b = mlp((16,), seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert [tuple(p.shape) for p in mlp((), seed=0).parameters()] == [(10, 64), (10,)]


# ------------------------------------------------------------------------ the loop
def test_first_step_is_the_hand_computed_sgd_step_on_softmax_regression(data64):
    """hidden=() is softmax regression: grad_W = (P - Y)^T X / N, grad_b = mean(P - Y)."""
    model = mlp((), seed=0, dtype=torch.float64)
    W0 = model[0].weight.detach().numpy().copy()
    b0 = model[0].bias.detach().numpy().copy()
    X, y = data64.X_train.numpy(), data64.y_train.numpy()
    N = len(y)
    P = _softmax(X @ W0.T + b0)
    Y = np.eye(10)[y]
    gW, gb = (P - Y).T @ X / N, (P - Y).mean(0)
    loss0 = -np.log(P[np.arange(N), y]).mean()
    lr = 0.3
    res = train(model, _opt(torch.optim.SGD, lr=lr), data64, steps=1, progress=False)
    np.testing.assert_allclose(res.losses[0], loss0, rtol=1e-12)
    np.testing.assert_allclose(res.grad_norms[0], np.sqrt((gW**2).sum() + (gb**2).sum()),
                               rtol=1e-12)
    np.testing.assert_allclose(model[0].weight.detach().numpy(), W0 - lr * gW, atol=1e-14)
    np.testing.assert_allclose(model[0].bias.detach().numpy(), b0 - lr * gb, atol=1e-14)
    np.testing.assert_allclose(res.params[1], np.concatenate([(W0 - lr * gW).ravel(),
                                                              b0 - lr * gb]), atol=1e-14)


def test_gradient_norm_matches_finite_differences_on_the_mlp(data64):
    model = mlp((8,), seed=1, dtype=torch.float64)
    sub = digits(dtype=torch.float64)
    res = train(model, _opt(torch.optim.SGD, lr=1e-300), sub, steps=1, progress=False)
    w = res.params[0]
    shapes = [p.shape for p in model.parameters()]

    def loss(flat):
        with torch.no_grad():
            i = 0
            for p, s in zip(model.parameters(), shapes):
                k = int(np.prod(s))
                p.copy_(torch.as_tensor(flat[i:i + k]).reshape(s))
                i += k
            return float(torch.nn.functional.cross_entropy(model(sub.X_train), sub.y_train))

    h = 1e-6
    fd = np.array([(loss(w + h * e) - loss(w - h * e)) / (2 * h) for e in np.eye(len(w))])
    np.testing.assert_allclose(res.grad_norms[0], np.linalg.norm(fd), rtol=1e-7)


def _hand_loop(model, opt, d, steps, batch_size=None, seed=0, sched=None, clip_norm=None):
    """The torch training step written out: what train() must reproduce."""
    X, y = d.X_train, d.y_train
    g = torch.Generator().manual_seed(seed)
    order, pos = None, len(y)
    for _ in range(steps):
        if batch_size is None:
            Xb, yb = X, y
        else:
            if pos + batch_size > len(y):
                order, pos = torch.randperm(len(y), generator=g), 0
            i = order[pos:pos + batch_size]
            pos += batch_size
            Xb, yb = X[i], y[i]
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(Xb), yb)
        loss.backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        opt.step()
        if sched is not None:
            sched.step()
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy()


def test_train_equals_the_hand_written_loop_with_minibatches_schedule_and_clipping(data64):
    kw = dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)
    ref = mlp((16,), seed=2, dtype=torch.float64)
    opt = torch.optim.SGD(ref.parameters(), **kw)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5)
    w_ref = _hand_loop(ref, opt, data64, 30, batch_size=100, seed=4, sched=sched,
                       clip_norm=0.5)
    res = train(mlp((16,), seed=2, dtype=torch.float64), _opt(torch.optim.SGD, **kw), data64,
                steps=30, batch_size=100, seed=4, clip_norm=0.5, progress=False,
                scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, 7, gamma=0.5))
    np.testing.assert_allclose(res.params[-1], w_ref, rtol=0, atol=1e-13)
    # StepLR in closed form: lr_t = 0.05 * 0.5 ** (t // 7)
    np.testing.assert_allclose(res.lrs, 0.05 * 0.5 ** (np.arange(30) // 7), rtol=1e-15)
    assert np.all(res.clipped_grad_norms <= 0.5 + 1e-12)
    np.testing.assert_allclose(res.clipped_grad_norms,
                               np.minimum(res.grad_norms[:-1], 0.5), rtol=1e-5)


def test_step_closure_runs_lbfgs_as_the_torch_idiom(data64):
    ref = mlp((8,), seed=0, dtype=torch.float64)
    opt = torch.optim.LBFGS(ref.parameters(), lr=1, max_iter=4)
    X, y = data64.X_train, data64.y_train
    for _ in range(5):
        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(ref(X), y)
            loss.backward()
            return loss
        opt.step(closure)
    w_ref = torch.cat([p.detach().reshape(-1) for p in ref.parameters()]).numpy()
    res = train(mlp((8,), seed=0, dtype=torch.float64),
                _opt(torch.optim.LBFGS, lr=1, max_iter=4), data64, steps=5, progress=False)
    np.testing.assert_allclose(res.params[-1], w_ref, atol=1e-12)
    assert res.nfev > 5 + 1                  # the closure's evaluations are counted
    assert res.losses[-1] < res.losses[0]


def test_closure_hook_serves_a_sam_style_optimizer(data64):
    """SAM (Foret et al. 2021): ascend to w + rho g/||g||, take the gradient there, step
    from w. Written here as a 10-line optimizer; checked against the same steps by hand."""
    rho, lr = 0.05, 0.5

    class SAM(torch.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {})

        def step(self, closure):
            ps = [p for g in self.param_groups for p in g["params"]]
            gn = torch.sqrt(sum((p.grad ** 2).sum() for p in ps))
            e = [rho * p.grad / gn for p in ps]
            with torch.no_grad():
                for p, ei in zip(ps, e):
                    p.add_(ei)
            closure()
            with torch.no_grad():
                for p, ei in zip(ps, e):
                    p.sub_(ei).sub_(lr * p.grad)

    model = mlp((), seed=0, dtype=torch.float64)
    W0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy()
    res = train(model, SAM, data64, steps=1, closure=True, progress=False)
    X, y = data64.X_train.numpy(), data64.y_train.numpy()
    Y = np.eye(10)[y]

    def grad(flat):
        W, b = flat[:640].reshape(10, 64), flat[640:]
        P = _softmax(X @ W.T + b)
        return np.concatenate([((P - Y).T @ X / len(y)).ravel(), (P - Y).mean(0)])

    g = grad(W0)
    g_adv = grad(W0 + rho * g / np.linalg.norm(g))
    np.testing.assert_allclose(res.params[1], W0 - lr * g_adv, atol=1e-13)


def test_history_quantities_recomputed_from_the_recorded_weights(data64):
    model = mlp((), seed=3, dtype=torch.float64)
    res = train(model, _opt(torch.optim.Adam, lr=0.05), data64, steps=12, eval_every=4,
                progress=False)
    P = res.params
    assert P.shape == (13, 650) and res.nit == 12 and res.success
    np.testing.assert_allclose(res.weight_norms, np.linalg.norm(P, axis=1), rtol=1e-12)
    ratio = np.linalg.norm(np.diff(P, axis=0), axis=1) / np.linalg.norm(P[:-1], axis=1)
    np.testing.assert_allclose(res.update_ratios, ratio, rtol=1e-10)
    Wr = np.linalg.norm(np.diff(P[:, :640], axis=0), axis=1) / np.linalg.norm(P[:-1, :640],
                                                                              axis=1)
    np.testing.assert_allclose(res.update_ratios_per_param["0.weight"], Wr, rtol=1e-10)
    X, y = data64.X_train.numpy(), data64.y_train.numpy()
    Xv, yv = data64.X_val.numpy(), data64.y_val.numpy()
    assert list(res.eval_steps) == [0, 4, 8, 12]
    for k, t in enumerate(res.eval_steps):
        W, b = P[t, :640].reshape(10, 64), P[t, 640:]
        Pt, Pv = _softmax(X @ W.T + b), _softmax(Xv @ W.T + b)
        np.testing.assert_allclose(res.losses[t], -np.log(Pt[np.arange(len(y)), y]).mean(),
                                   rtol=1e-12)
        np.testing.assert_allclose(res.val_loss[k],
                                   -np.log(Pv[np.arange(len(yv)), yv]).mean(), rtol=1e-12)
        assert res.train_acc[k] == np.mean(Pt.argmax(1) == y)
        assert res.val_acc[k] == np.mean(Pv.argmax(1) == yv)
    np.testing.assert_allclose(res.lrs, 0.05)


# ------------------------------------------------------------------ vectorised seeds
@pytest.mark.parametrize("batch_size", [None, 128])
def test_vmapped_seeds_equal_sequential_runs(data64, batch_size):
    def make_opt(named):                 # param groups by name: no decay on biases
        decay = [p for n, p in named if not n.endswith("bias")]
        no_decay = [p for n, p in named if n.endswith("bias")]
        return torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                  {"params": no_decay, "weight_decay": 0.0}], lr=0.01)

    make = lambda s: mlp((16,), seed=s, dtype=torch.float64)  # noqa: E731
    sched = lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20)  # noqa: E731
    seeds = [0, 5, 9]
    runs = train_seeds(make, make_opt, data64, seeds, steps=20, batch_size=batch_size,
                       scheduler=sched, clip_norm=1.0, progress=False)
    for s, r in zip(seeds, runs):
        one = train(make(s), make_opt, data64, steps=20, batch_size=batch_size, seed=s,
                    scheduler=sched, clip_norm=1.0, progress=False)
        np.testing.assert_allclose(r.params, one.params, rtol=0, atol=1e-12)
        np.testing.assert_allclose(r.losses, one.losses, rtol=1e-11)
        np.testing.assert_allclose(r.grad_norms, one.grad_norms, rtol=1e-10)
        np.testing.assert_allclose(r.update_ratios, one.update_ratios, rtol=1e-9)
        np.testing.assert_array_equal(r.val_acc, one.val_acc)
        np.testing.assert_allclose(r.lrs, one.lrs, rtol=1e-15)
    assert not np.allclose(runs[0].params[-1], runs[1].params[-1])


# ------------------------------------------------------------------- failures, input
def test_divergence_is_reported_not_a_silent_nan(data):
    res = train(mlp(seed=0, activation="relu"), _opt(torch.optim.SGD, lr=1e38), data, steps=50,
                progress=False)
    assert not res.success and res.reason == "diverged" and "diverged" in res.message
    assert res.nit < 50


@pytest.mark.parametrize("call, match", [
    (lambda d: digits(val_fraction=1.5), r"'val_fraction' parameter of digits .*\(0\.0, 1\.0\).*1\.5"),
    (lambda d: digits(dtype=torch.int64), r"'dtype' parameter of digits"),
    (lambda d: mlp(activation="gelu"), r"'activation' parameter of mlp"),
    (lambda d: train(mlp(), _opt(torch.optim.SGD, lr=0.1), d, steps=0),
     r"'steps' parameter of train"),
    (lambda d: train(mlp(), _opt(torch.optim.SGD, lr=0.1), d, batch_size=10**6),
     r"'batch_size' parameter of train"),
    (lambda d: train(mlp(), _opt(torch.optim.SGD, lr=0.1), d, clip_norm=-1),
     r"'clip_norm' parameter of train .*-1"),
    (lambda d: train("net", _opt(torch.optim.SGD, lr=0.1), d), r"'model' parameter of train"),
    (lambda d: train(mlp(), lambda p: "sgd", d), r"'optimizer' parameter of train"),
    (lambda d: train(mlp(), _opt(torch.optim.SGD, lr=0.1), (1, 2)), r"'data' parameter of train"),
    (lambda d: train_seeds(lambda s: mlp(), _opt(torch.optim.SGD, lr=0.1), d, []),
     r"'seeds' parameter of train_seeds"),
    (lambda d: train_seeds(lambda s: mlp((s + 1,)), _opt(torch.optim.SGD, lr=0.1), d, [0, 1]),
     r"'make_model' parameter of train_seeds"),
])
def test_bad_input_names_the_function_and_argument(data, call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call(data)


def test_import_course_lib_imports_neither_torch_nor_sklearn():
    code = "import course_lib, sys; print('torch' in sys.modules, 'sklearn' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert out == ["False", "False"]


def test_digits_does_not_import_sklearn():
    code = ("import sys; from course_lib.training import digits; digits(); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False"]
