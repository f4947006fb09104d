"""course_lib.accumulation against the loop itself run with torch (.grad accumulation,
optimizer.step with lr = 0 so that the parameters, and so the batch gradients, stay fixed)."""
import numpy as np
import pytest
import torch

from course_lib.accumulation import accumulation_loop_steps


@pytest.mark.parametrize("B,K,epochs", [(10, 4, 3), (8, 4, 2), (7, 3, 1), (5, 1, 2)])
def test_replays_torch_loop(B, K, epochs):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    X, y = torch.randn(B, 6, 3, dtype=torch.float64), torch.randn(B, 6, 2, dtype=torch.float64)
    seen = []
    for _ in range(epochs):
        for i in range(B):
            loss = ((model(X[i]) - y[i]) ** 2).mean() / K
            loss.backward()
            if (i + 1) % K == 0:
                seen.append(torch.cat([p.grad.ravel() for p in model.parameters()]).numpy().copy())
                opt.step()
                opt.zero_grad()
    per_batch = []
    for i in range(B):
        model.zero_grad()
        ((model(X[i]) - y[i]) ** 2).mean().backward()
        per_batch.append(torch.cat([p.grad.ravel() for p in model.parameters()]).numpy().copy())
    s = accumulation_loop_steps(np.array(per_batch), K, epochs)
    assert len(s.grads) == len(seen) == epochs * (B // K)
    for a, b in zip(s.grads, seen):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-15)
    used = sum(len(m) for m in s.batches)
    assert used == B * epochs - B % K
    leftover = sum(per_batch[i] for i in range(B - B % K, B)) / K if B % K else 0
    assert np.allclose(s.leftover, leftover, rtol=1e-12, atol=1e-15)
    if B % K == 0:
        assert all(len(m) == K for m in s.batches) and np.all(s.leftover == 0)


def test_bad_input():
    with pytest.raises(ValueError, match="'K' parameter of accumulation_loop_steps"):
        accumulation_loop_steps(np.ones((3, 2)), 0)
    with pytest.raises(ValueError, match="'batch_grads' parameter of accumulation_loop_steps"):
        accumulation_loop_steps(np.ones(3), 2)
