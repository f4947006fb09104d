"""Muon beyond the registry: its float64 path against torch's algorithm, Newton–Schulz
against the SVD, and what torch's bfloat16 costs.

torch.optim.Muon (2.13) runs Newton–Schulz in bfloat16; ours does the same on torch
tensors (the registry checks it to 1e-10 against torch). numpy has no bfloat16, so the
numpy recipe runs it in float64; here torch's own algorithm with its bfloat16 cast
removed (``_ns_float64``, transcribed from torch/optim/_muon.py) is the oracle for that
path.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from course_lib import torch_optim  # noqa: E402
from course_lib.zoo.muon import NS_COEFFICIENTS, newton_schulz, newton_schulz_dtype  # noqa: E402

from optim_cases._problems import groups, make  # noqa: E402
from optim_cases._problems import float64_one_thread  # noqa: E402,F401 (autouse)




def _ns_float64(grad, ns_coefficients, ns_steps, eps):
    """torch 2.13's ``_zeropower_via_newtonschulz`` without its ``.bfloat16()``."""
    a, b, c = ns_coefficients
    ortho = grad.clone()
    if grad.size(0) > grad.size(1):
        ortho = ortho.T
    ortho.div_(ortho.norm().clamp(min=eps))
    for _ in range(ns_steps):
        gram = ortho @ ortho.T
        update = torch.addmm(gram, gram, gram, beta=b, alpha=c)
        ortho = torch.addmm(ortho, update, ortho, beta=a)
    if grad.size(0) > grad.size(1):
        ortho = ortho.T
    return ortho


def _run(cls, problem, kw, steps=200):
    params, loss_fn = make(problem)
    opt = cls(groups(problem, params, kw), **kw)
    rows = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(params).backward()
        opt.step()
        rows.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(rows)


@pytest.mark.parametrize("problem, kw", [
    ("matrix", dict(lr=0.01)),
    ("mlp_matrices", dict(lr=0.02, nesterov=False, adjust_lr_fn="match_rms_adamw")),
])
def test_float64_path_equals_torch_algorithm_without_its_bfloat16_cast(problem, kw,
                                                                       monkeypatch):
    monkeypatch.setattr(torch.optim._muon, "_zeropower_via_newtonschulz", _ns_float64)
    ref = _run(torch.optim.Muon, problem, kw)
    with newton_schulz_dtype("float64"):
        ours = _run(torch_optim.Muon, problem, kw)
    assert np.abs(ours - ref).max() <= 1e-10 * np.abs(ref).max()
    assert np.abs(ref[-1] - ref[0]).max() > 1e-2


@pytest.mark.parametrize("shape", [(6, 4), (8, 32), (16, 8)])
def test_newton_schulz_keeps_singular_vectors_and_maps_singular_values(shape):
    # numpy's SVD is the oracle: the iteration is a polynomial in X X^T, so it keeps the
    # singular vectors and maps each singular value s (of G / ||G||_F) by
    # f(s) = a s + b s^3 + c s^5 applied 5 times
    g = np.random.default_rng(0).standard_normal(shape)
    out = newton_schulz(g)
    u, s, vt = np.linalg.svd(g, full_matrices=False)
    d = u.T @ out @ vt.T
    a, b, c = NS_COEFFICIENTS
    sv = s / np.linalg.norm(g)
    for _ in range(5):
        sv = a * sv + b * sv ** 3 + c * sv ** 5
    np.testing.assert_allclose(d, np.diag(sv), atol=1e-12)
    assert 0.6 < sv.min() and sv.max() < 1.2           # about orthogonal, not exactly


@pytest.mark.parametrize("shape", [(6, 4), (8, 32), (16, 8)])
def test_bfloat16_newton_schulz_is_within_its_rounding_of_float64(shape):
    # bfloat16 keeps 8 significant bits (unit roundoff 2^-8 ~ 3.9e-3). Measured over
    # 2x3..64x64 Gaussian matrices (50 seeds): 1.4%-9% relative Frobenius difference to
    # the float64 iteration; the bound below (10%, ~25 unit roundoffs) covers the
    # rounding of the input and of 5 iterations' products, amplified along small
    # singular values (slope a = 3.44 near 0). And bfloat16 does change the result.
    gen = torch.Generator().manual_seed(1)
    for _ in range(10):
        g = torch.randn(*shape, generator=gen)
        exact = newton_schulz(g)
        bf16 = newton_schulz(g, dtype=torch.bfloat16)
        assert bf16.dtype == torch.bfloat16
        rel = float(torch.linalg.norm(bf16.double() - exact) / torch.linalg.norm(exact))
        assert 1e-3 < rel < 0.1, rel


def test_muon_step_in_bfloat16_matches_torch_and_float64_only_to_its_rounding():
    params, loss_fn = make("matrix")
    w = params[0]
    loss_fn(params).backward()
    steps = {}
    for name, ctx in (("bf16", newton_schulz_dtype("bfloat16")),
                      ("f64", newton_schulz_dtype("float64"))):
        x = w.detach().clone().requires_grad_(True)
        x.grad = w.grad.clone()
        with ctx:
            torch_optim.Muon([x], lr=0.01).step()
        steps[name] = x.detach() - w.detach()
    y = w.detach().clone().requires_grad_(True)
    y.grad = w.grad.clone()
    torch.optim.Muon([y], lr=0.01).step()
    # the same bfloat16 operations as torch: equal up to float64 rounding of the step
    torch.testing.assert_close(steps["bf16"], y.detach() - w.detach(), rtol=0, atol=1e-15)
    rel = torch.linalg.norm(steps["bf16"] - steps["f64"]) / torch.linalg.norm(steps["f64"])
    assert 1e-3 < rel < 0.1


def test_only_matrices():
    with pytest.raises(ValueError, match="'params'.*2-D"):
        torch_optim.Muon([torch.zeros(3, requires_grad=True)])
    with pytest.raises(ValueError, match="'name'"):
        with newton_schulz_dtype("float8"):
            pass
