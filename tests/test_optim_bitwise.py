"""The torch classes give torch.optim's bits, not only its numbers to 1e-10.

Where a rule calls torch's kernels in torch's order (``course_lib.zoo``'s guide, "Getting
torch's bits") the trajectory is *equal* to torch.optim's default (for-loop) path, on
every registry grid entry, for ``foreach=None``, ``True`` and ``False`` alike. Not
covered: ``fused=True`` (torch's fused kernels round differently from its own for-loop
path) and RAdam (ours multiplies by lr last; about 1e-14 apart); of zoo2's optimizers,
Rprop and Lion are bitwise (Lion against lion-pytorch), Adafactor, ASGD and Muon 1e-14
apart (their updates are added as one term), SparseAdam on sparse gradients only.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from course_lib import torch_optim  # noqa: E402

from optim_cases import cases  # noqa: E402
from optim_cases._problems import groups, make  # noqa: E402
from optim_cases._problems import float64_one_thread  # noqa: E402,F401 (autouse)

BITWISE = ("sgd", "adam", "adamw", "adagrad", "rmsprop", "adadelta", "adamax", "nadam", "rprop",
           "lion")
PARAMS = [pytest.param(c, i, id=f"{c.name}-{i}") for c in cases() if c.name in BITWISE
          for i, hp in enumerate(c.grid) if not hp.get("fused")]


def _run(cls, case, hp, steps=100, problem="mlp"):
    kw = dict(hp)
    kw["lr"] = hp.get("lr", 1.0) * case.lr_scale[problem]
    params, loss_fn = make(problem)
    opt = cls(groups(problem, params, kw), **kw)
    sign = -1.0 if kw.get("maximize") else 1.0
    for _ in range(steps):
        opt.zero_grad()
        (sign * loss_fn(params)).backward()
        opt.step()
    return np.concatenate([p.detach().numpy().ravel() for p in params])


@pytest.mark.parametrize("case, i", PARAMS)
def test_bit_for_bit_with_torch_on_the_mlp(case, i):
    hp = {k: v for k, v in case.grid[i].items() if k != "foreach"}
    ref = _run(case.oracle_class(), case, hp)
    ours = getattr(torch_optim, case.spec.class_name)
    flags = ({"foreach": f} for f in (None, True, False)) if "foreach" in case.spec.defaults \
        else ({},)                                         # Lion has no foreach
    for flag in flags:
        np.testing.assert_array_equal(_run(ours, case, {**hp, **flag}), ref, err_msg=str(flag))
