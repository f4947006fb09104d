"""course_lib.clipping against torch: clip_grad_norm_ / clip_grad_value_ (float64),
accumulation against the large-batch gradient (autograd), and the loss scaler against
torch.amp.GradScaler on forced float16 overflows."""
import math
import warnings

import numpy as np
import pytest
import torch

from course_lib import clipping as C
from course_lib.problems import LinearRegression


def _grads(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return {"w1": scale * rng.standard_normal((4, 3)), "b1": scale * rng.standard_normal(3),
            "w2": scale * rng.standard_normal((3, 2)) * 5, "b2": np.array([0.0, 0.0])}


def _torch_params(grads):
    ps = []
    for k in sorted(grads):
        p = torch.nn.Parameter(torch.zeros(grads[k].shape, dtype=torch.float64))
        p.grad = torch.tensor(grads[k])
        ps.append(p)
    return ps


def _close(a, b, rtol=1e-12):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    assert np.allclose(a, b, rtol=rtol, atol=1e-300, equal_nan=True), np.max(np.abs(a - b))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1.0, 1e3])
def test_global_norm_clip_equals_torch(norm_type, max_norm):
    g = _grads()
    ps = _torch_params(g)
    t_total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    ours, total = C.clip_by_global_norm(g, max_norm, norm_type)
    _close(total, float(t_total))
    for k, p in zip(sorted(g), ps):
        _close(ours[k], p.grad.numpy())
    # the same function on torch tensors, and the in-place drop-in
    tg = {k: torch.tensor(v) for k, v in g.items()}
    t_ours, t_tot2 = C.clip_by_global_norm(tg, max_norm, norm_type)
    assert isinstance(t_ours["w1"], torch.Tensor)
    _close(t_tot2, total)
    ps2 = _torch_params(g)
    n = C.clip_grad_norm_(ps2, max_norm, norm_type)
    _close(float(n), float(t_total))
    for p, q in zip(ps2, ps):
        _close(p.grad.numpy(), q.grad.numpy())


def test_global_clip_keeps_the_direction_per_tensor_does_not():
    g = _grads(1)
    glob, _ = C.clip_by_global_norm(g, 1.0)
    per = C.clip_by_norm(g, 1.0)
    flat = lambda t: np.concatenate([t[k].ravel() for k in sorted(t)])  # noqa: E731
    cos = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
    assert cos(flat(glob), flat(g)) == pytest.approx(1.0, abs=1e-14)
    assert cos(flat(per), flat(g)) < 0.999
    assert np.linalg.norm(flat(glob)) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_per_tensor_clip_is_torch_on_each_parameter(norm_type):
    g = _grads(2)
    ours = C.clip_by_norm(g, 0.7, norm_type)
    for k, p in zip(sorted(g), _torch_params(g)):
        torch.nn.utils.clip_grad_norm_([p], 0.7, norm_type=norm_type)
        _close(ours[k], p.grad.numpy())


def test_clip_by_value_equals_torch_and_changes_direction():
    g = _grads(3)
    ps = _torch_params(g)
    torch.nn.utils.clip_grad_value_(ps, 0.4)
    ours = C.clip_by_value(g, 0.4)
    for k, p in zip(sorted(g), ps):
        assert np.array_equal(ours[k], p.grad.numpy())
    t = torch.tensor([-2.0, 0.1, 3.0], dtype=torch.float64)
    assert C.clip_by_value(t, 1.0).tolist() == [-1.0, 0.1, 1.0]
    a = np.concatenate([g[k].ravel() for k in sorted(g)])
    c = np.concatenate([ours[k].ravel() for k in sorted(g)])
    assert a @ c / np.linalg.norm(a) / np.linalg.norm(c) < 0.99      # the direction moved


def test_inputs_are_not_modified():
    g = _grads(4)
    before = {k: v.copy() for k, v in g.items()}
    C.clip_by_global_norm(g, 0.1)
    C.clip_by_norm(g, 0.1)
    C.clip_by_value(g, 0.1)
    assert all(np.array_equal(g[k], before[k]) for k in g)


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_nonfinite_total_norm(bad):
    g = _grads(5)
    g["b2"] = np.array([bad, 1.0])
    ps = _torch_params(g)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as ours:
        C.clip_by_global_norm(g, 1.0, error_if_nonfinite=True)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError) as ours2:
        C.clip_grad_norm_(_torch_params(g), 1.0, error_if_nonfinite=True)
    assert str(ours2.value) == str(theirs.value)
    # without the flag: torch scales by the non-finite norm, and so do we
    t_total = torch.nn.utils.clip_grad_norm_(ps, 1.0)
    clipped, total = C.clip_by_global_norm(g, 1.0)
    assert (math.isnan(total) and math.isnan(float(t_total))) or total == float(t_total)
    for k, p in zip(sorted(g), ps):
        _close(clipped[k], p.grad.numpy())


@pytest.mark.parametrize("call, arg", [
    (lambda: C.clip_by_global_norm(_grads(), -1.0), "max_norm"),
    (lambda: C.clip_by_norm(_grads(), -1.0), "max_norm"),
    (lambda: C.clip_by_value(_grads(), 0.0), "clip_value"),
    (lambda: C.clip_by_global_norm(_grads(), 1.0, norm_type=-2), "norm_type"),
    (lambda: C.accumulate_gradients(lambda p, b: p, np.zeros(2), []), "micro_batches"),
    (lambda: C.accumulate_gradients(lambda p, b: p, np.zeros(2), [[0]], sizes=[0]), "sizes"),
    (lambda: C.DynamicLossScaler(backoff_factor=1.5), "backoff_factor"),
    (lambda: C.DynamicLossScaler(growth_interval=0), "growth_interval"),
])
def test_bad_input_names_the_argument(call, arg):
    with pytest.raises(ValueError, match=arg):
        call()


def test_accumulation_equals_the_large_batch_gradient():
    p = LinearRegression(n_samples=96, n_features=5, noise=0.5, seed=1)
    w = np.random.default_rng(0).standard_normal(5)
    idx = np.random.default_rng(1).permutation(96)
    big = p.grad(w, idx)
    # independent oracle: torch autograd of the large-batch mean loss
    X, y = torch.tensor(p.X), torch.tensor(p.y)
    wt = torch.tensor(w, requires_grad=True)
    (0.5 * ((X @ wt - y) ** 2).mean()).backward()
    assert p.l2 == 0.0
    _close(big, wt.grad.numpy(), rtol=1e-12)
    for K in (2, 4, 8):
        parts = np.split(idx, K)
        acc = C.accumulate_gradients(p.grad, w, parts)
        _close(acc, big, rtol=1e-12)
        wrong = sum(p.grad(w, b) for b in parts)          # summing means
        assert np.allclose(wrong, K * big, rtol=1e-12)
    # unequal micro-batches: weighted by size
    parts = [idx[:10], idx[10:50], idx[50:]]
    _close(C.accumulate_gradients(p.grad, w, parts), big, rtol=1e-12)
    unweighted = np.mean([p.grad(w, b) for b in parts], axis=0)
    assert not np.allclose(unweighted, big, rtol=1e-6)


def test_accumulation_with_torch_loss_over_k():
    """torch's idiom (loss / K).backward() per micro-batch equals our function."""
    p = LinearRegression(n_samples=64, n_features=3, noise=0.3, seed=2)
    w = np.array([0.3, -0.2, 1.0])
    parts = np.split(np.arange(64), 4)
    X, y = torch.tensor(p.X), torch.tensor(p.y)
    wt = torch.tensor(w, requires_grad=True)
    for b in parts:
        (0.5 * ((X[b] @ wt - y[b]) ** 2).mean() / 4).backward()
    assert p.l2 == 0.0
    _close(C.accumulate_gradients(p.grad, w, parts), wt.grad.numpy(), rtol=1e-12)


def test_loss_scaler_matches_grad_scaler_on_forced_overflows():
    """float16 gradients of scale * g: they overflow (inf) when scale * |g| > 65504.
    Both scalers see the same gradients; the scales, skipped steps and parameters agree."""
    kw = dict(init_scale=2.0 ** 12, growth_factor=2.0, backoff_factor=0.5,
              growth_interval=5)
    rng = np.random.default_rng(0)
    true_g = rng.uniform(0.5, 2.0, size=(120, 3))
    true_g[[7, 8, 9, 40, 41, 77]] *= 3e3           # spikes that overflow at most scales
    true_g[60, 1] = np.nan                          # a NaN is an overflow too
    theirs = torch.amp.GradScaler("cpu", **kw)
    p = torch.nn.Parameter(torch.zeros(3, dtype=torch.float32))
    opt = torch.optim.SGD([p], lr=1e-3)
    ours = C.DynamicLossScaler(**kw)
    x = np.zeros(3)
    t_scales, o_scales, skipped = [], [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for g in true_g:
            theirs.scale(torch.tensor(1.0))              # initialises the scale lazily
            s = theirs.get_scale()
            p.grad = torch.tensor(np.float16(g * s).astype(np.float32))
            theirs.step(opt)
            theirs.update()
            t_scales.append(theirs.get_scale())
            # ours, from its own scale
            grad16 = np.float16(g * ours.scale)
            grads, found_inf = ours.unscale(grad16)
            if not found_inf:
                x = x - 1e-3 * grads
            skipped += found_inf
            o_scales.append(ours.update(found_inf))
    assert o_scales == t_scales
    assert skipped >= 5 and len(set(t_scales)) >= 4      # backoffs and growths happened
    assert np.allclose(x, p.detach().numpy(), rtol=1e-6)  # torch's param is float32


def test_clip_transform_before_adam_equals_torch():
    """chain(clip, adam) on numpy = torch Adam with clip_grad_norm_ before each step."""
    from course_lib.optimizers import adam
    from course_lib.transforms import apply_updates, chain
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    A = A @ A.T + np.eye(6)
    b = 30 * rng.standard_normal(6)                  # large gradients: clipping acts
    opt = chain(C.clip_by_global_norm_transform(1.0), adam(lr=0.05))
    x = np.zeros(6)
    state = opt.init(x)
    xt = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([xt], lr=0.05)
    At, bt = torch.tensor(A), torch.tensor(b)
    clipped = 0
    for _ in range(200):
        g = A @ x - b
        clipped += np.linalg.norm(g) > 1.0
        u, state = opt.update(g, state, x)
        x = apply_updates(x, u)
        topt.zero_grad()
        (0.5 * xt @ At @ xt - bt @ xt).backward()
        torch.nn.utils.clip_grad_norm_([xt], 1.0)
        topt.step()
    assert clipped > 50
    assert np.allclose(x, xt.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_import_does_not_import_torch():
    import subprocess
    import sys
    subprocess.run([sys.executable, "-c", "import sys, course_lib.clipping; "
                    "assert 'torch' not in sys.modules"], check=True)
