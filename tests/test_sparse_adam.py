"""SparseAdam beyond the registry: only the entries a sparse gradient lists change, and
the numpy ``SparseGradient`` coalesces as torch's ``Tensor.coalesce`` does."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from course_lib import optimizers, torch_optim  # noqa: E402
from course_lib import transforms as tx  # noqa: E402
from course_lib.zoo.sparse_adam import SparseGradient  # noqa: E402


def test_only_the_rows_that_got_a_gradient_change():
    torch.manual_seed(0)
    emb = torch.nn.Embedding(6, 3, sparse=True).double()
    opt = torch_optim.SparseAdam(emb.parameters(), lr=0.1)
    for idx in ([0, 1, 1], [1, 2], [0, 2]):
        before = emb.weight.detach().clone()
        state = {k: v.clone() for k, v in opt.state[emb.weight].items()
                 if torch.is_tensor(v)}
        opt.zero_grad()
        ((emb(torch.tensor(idx)) - 1.0) ** 2).sum().backward()
        opt.step()
        after = emb.weight.detach()
        hit = sorted(set(idx))
        miss = [r for r in range(6) if r not in hit]
        assert torch.equal(after[miss], before[miss])             # bitwise unchanged
        assert (after[hit] != before[hit]).all()
        for k, v in state.items():                                # moments: likewise
            assert torch.equal(opt.state[emb.weight][k][miss], v[miss])
    assert opt.state[emb.weight]["step"] == 3                     # a Python int, as torch


def test_plain_adam_on_the_dense_gradient_moves_the_other_rows():
    # the difference SparseAdam makes: Adam's moments decay in the rows without a
    # gradient, and those rows keep moving
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(4, 2, dtype=torch.float64))
    adam = torch_optim.Adam([w], lr=0.1)
    for idx in ([0, 1], [2, 3]):
        before = w.detach().clone()
        adam.zero_grad()
        ((w[idx] - 1.0) ** 2).sum().backward()
        adam.step()
    assert not torch.equal(w.detach()[:2], before[:2])


def test_sparse_gradient_coalesces_like_torch():
    idx = np.array([[3, 1, 3, 0]])
    vals = np.arange(8.0).reshape(4, 2)
    ours = SparseGradient(idx, vals, (5, 2))
    theirs = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(vals), (5, 2),
                                     check_invariants=True).coalesce()
    np.testing.assert_array_equal(ours.indices, theirs.indices().numpy())
    np.testing.assert_array_equal(ours.values, theirs.values().numpy())
    np.testing.assert_array_equal(ours.to_dense(), theirs.to_dense().numpy())
    np.testing.assert_array_equal((-ours).values, -ours.values)


@pytest.mark.parametrize("indices, values, shape", [
    ([[0, 5]], np.ones((2, 2)), (5, 2)),          # row 5 of 5
    ([[0, 1]], np.ones((3, 2)), (5, 2)),          # 2 indices, 3 values
    ([[0, 1]], np.ones((2, 3)), (5, 2)),          # values of the wrong row shape
])
def test_sparse_gradient_rejects_what_does_not_fit(indices, values, shape):
    with pytest.raises(ValueError, match="SparseGradient"):
        SparseGradient(indices, values, shape)


def test_numpy_recipe_rejects_a_dense_gradient():
    opt = optimizers.sparse_adam(lr=0.1)
    x = np.zeros((3, 2))
    with pytest.raises(RuntimeError, match="sparse gradients"):
        opt.update(np.ones((3, 2)), opt.init(x), x)
    u, _ = opt.update(SparseGradient([[1]], [[1.0, -1.0]], (3, 2)), opt.init(x), x)
    x = tx.apply_updates(x, u)
    # Adam's first step at |g| = 1: lr sqrt(1 - b2) / (sqrt(1 - b2) + eps) sign(g)
    step = 0.1 * np.sqrt(1e-3) / (np.sqrt(1e-3) + 1e-8)
    np.testing.assert_allclose(x, [[0, 0], [-step, step], [0, 0]], rtol=1e-14)
