"""course_lib.weight_decay against torch: the L2 coefficient makes torch's SGD with
weight_decay equal a decoupled decay, and the parameter groups equal a grouping by
module type (the other way torch users write it)."""
import numpy as np
import pytest

from course_lib.weight_decay import l2_coefficient_for_decay, param_groups

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("lr, decay", [(0.1, 0.01), (0.5, 0.2), (1e-3, 1e-4)])
def test_l2_coefficient_turns_torch_sgd_into_decoupled_decay(lr, decay):
    torch.manual_seed(0)
    A = torch.randn(5, 5, dtype=torch.float64)
    A = A @ A.T / 5
    w0 = torch.randn(5, dtype=torch.float64)
    w = w0.clone().requires_grad_(True)
    opt = torch.optim.SGD([w], lr=lr, weight_decay=l2_coefficient_for_decay(lr, decay))
    x = w0.clone()
    for _ in range(50):
        opt.zero_grad()
        (0.5 * w @ A @ w).backward()
        opt.step()
        x = (1 - decay) * x - lr * (A @ x)          # decoupled decay, by hand
    torch.testing.assert_close(w.detach(), x, rtol=1e-12, atol=1e-14)
    # the seed's "2 lambda" (gradient of lambda ||x||^2) with mu = decay / lr is off
    w2 = w0.clone().requires_grad_(True)
    opt2 = torch.optim.SGD([w2], lr=lr, weight_decay=2 * decay / lr)
    opt2.zero_grad()
    (0.5 * w2 @ A @ w2).backward()
    opt2.step()
    assert not torch.allclose(w2.detach(), (1 - decay) * w0 - lr * (A @ w0))


def test_l2_coefficient_rejects_bad_input():
    with pytest.raises(ValueError, match=r"'decay' parameter of l2_coefficient_for_decay "
                                         r"must be a float in the range \[0.0, 1.0\)"):
        l2_coefficient_for_decay(0.1, 1.0)
    with pytest.raises(ValueError, match=r"'lr' parameter of l2_coefficient_for_decay"):
        l2_coefficient_for_decay(0.0, 0.1)


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(11, 8)
        self.fc1 = torch.nn.Linear(8, 16)
        self.norm1 = torch.nn.LayerNorm(16)
        self.bn = torch.nn.BatchNorm1d(16)
        self.head = torch.nn.Linear(16, 3, bias=False)
        self.scale = torch.nn.Parameter(torch.ones(3))


def _by_module_type(model):
    """The other recipe (minGPT's): decay Linear/Embedding weights; biases, norm layers
    and loose 1-d parameters are not decayed."""
    decay, no = set(), set()
    for mn, m in model.named_modules():
        for pn, p in m.named_parameters(recurse=False):
            full = f"{mn}.{pn}" if mn else pn
            if pn == "weight" and isinstance(m, (torch.nn.Linear, torch.nn.Embedding)):
                decay.add(full)
            else:
                no.add(full)
    return decay, no


def test_param_groups_equal_the_grouping_by_module_type():
    model = _Net()
    groups = param_groups(model.named_parameters(), 0.1)
    names = {id(p): n for n, p in model.named_parameters()}
    got = [{names[id(p)] for p in g["params"]} for g in groups]
    assert got == list(_by_module_type(model))
    assert [g["weight_decay"] for g in groups] == [0.1, 0.0]
    # torch accepts them, and AdamW leaves a zero-gradient bias alone but shrinks weights
    opt = torch.optim.AdamW(groups, lr=0.1)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    for n, p in model.named_parameters():
        expect = before[n] * (1 - 0.1 * 0.1) if n in got[0] else before[n]
        torch.testing.assert_close(p.detach(), expect, rtol=1e-6, atol=0)


def test_param_groups_on_stacked_parameters_with_batch_dims():
    from course_lib.training import mlp
    stacked, _ = torch.func.stack_module_state([mlp(seed=s) for s in range(3)])
    plain = param_groups(mlp().named_parameters(), 0.1)
    batched = param_groups(list(stacked.items()), 0.1, batch_dims=1)
    assert [[tuple(p.shape[1:]) for p in g["params"]] for g in batched] == \
        [[tuple(p.shape) for p in g["params"]] for g in plain]


def test_param_groups_names_when_given_shapes_and_rejects_bad_items():
    g = param_groups([("w", (2, 2)), ("b", np.zeros(2)), ("ln_f.weight", (4, 4))], 0.5)
    assert g[0]["params"] == ["w"] and [n.shape for n in g[1]["params"][:1]] == [(2,)]
    assert g[1]["params"][1] == "ln_f.weight"
    with pytest.raises(TypeError, match="'named' parameter of param_groups"):
        param_groups([torch.zeros(2)], 0.1)
