"""Adafactor beyond the registry: a batch of matrices (3-D parameter) is factored per
matrix, with torch's state shapes, and follows torch.optim.Adafactor."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from course_lib import torch_optim, zoo  # noqa: E402

from optim_cases._problems import float64_one_thread  # noqa: E402,F401 (autouse)


def _run(cls, steps=100, **kw):
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(2, 3, 4, generator=gen).requires_grad_(True)
    target = torch.randn(2, 3, 4, generator=gen)
    opt = cls([w], **kw)
    rows = []
    for _ in range(steps):
        opt.zero_grad()
        (((w - target) ** 2) * torch.arange(1.0, 5.0)).sum().backward()
        opt.step()
        rows.append(w.detach().numpy().ravel().copy())
    return np.array(rows), opt, w


def test_a_batch_of_matrices_is_factored_as_torch_does():
    ref, topt, tw = _run(torch.optim.Adafactor, lr=1e-3, weight_decay=0.1)
    ours, opt, w = _run(torch_optim.Adafactor, lr=1e-3, weight_decay=0.1)
    assert np.abs(ours - ref).max() <= 1e-10 * np.abs(ref).max()
    assert np.abs(ref[-1] - ref[0]).max() > 1e-2
    assert {k: tuple(v.shape) for k, v in opt.state[w].items()} == \
           {k: tuple(v.shape) for k, v in topt.state[tw].items()} == \
           {"step": (), "row_var": (2, 3, 1), "col_var": (2, 1, 4)}
    # m + n numbers per matrix instead of m n
    assert zoo.state_memory("adafactor").bytes([(2, 3, 4)], itemsize=4) == (6 + 8) * 4 + 4
