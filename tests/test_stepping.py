"""course_lib.stepping against torch: the lr each update really uses, for every placement
of scheduler.step() (per batch or per epoch, after or before optimizer.step())."""
import numpy as np
import pytest

from course_lib import schedules as S
from course_lib import stepping

torch = pytest.importorskip("torch")
lrs = torch.optim.lr_scheduler

CASES = [
    (S.multistep(1.0, [2, 5, 5], gamma=0.5),
     lambda o: lrs.MultiStepLR(o, [5, 2, 5], gamma=0.5)),
    (S.step_decay(1.0, 3, gamma=0.1), lambda o: lrs.StepLR(o, 3, gamma=0.1)),
    (S.cosine_annealing(1.0, 7, eta_min=0.1),
     lambda o: lrs.CosineAnnealingLR(o, 7, eta_min=0.1)),
    (S.linear_warmup(1.0, 4, start_factor=0.25),
     lambda o: lrs.LinearLR(o, start_factor=0.25, total_iters=4)),
]


@pytest.mark.parametrize("every", stepping.EVERY)
@pytest.mark.parametrize("order", stepping.ORDERS)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_lrs_used_equals_torch(case, every, order):
    ours, theirs = CASES[case]
    got = stepping.lrs_used(ours, 6, 4, every=every, order=order)
    expected = stepping.torch_lrs_used(theirs, 6, 4, every=every, order=order)
    assert got.shape == (24,)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_before_skips_the_first_value_and_per_batch_runs_fast():
    s = S.step_decay(1.0, 2, gamma=0.1)          # "every 2 epochs", 5 batches an epoch
    right = stepping.lrs_used(s, 4, 5, every="epoch")
    assert list(right) == [1.0] * 10 + [0.1] * 10   # closed form: gamma ** (epoch // 2)
    fast = stepping.lrs_used(s, 4, 5, every="batch")
    assert np.isclose(fast[-1], 0.1 ** 9) and fast[2] == pytest.approx(0.1)
    early = stepping.lrs_used(s, 4, 5, every="batch", order="before")
    np.testing.assert_array_equal(early[:-1], fast[1:])


@pytest.mark.parametrize("call, name", [
    (lambda: stepping.lrs_used(S.constant(0.1), 0, 3), "'epochs' parameter of lrs_used"),
    (lambda: stepping.lrs_used(S.constant(0.1), 2, 0), "'steps_per_epoch' parameter of"),
    (lambda: stepping.lrs_used(S.constant(0.1), 2, 3, every="step"), "'every' parameter"),
    (lambda: stepping.lrs_used(S.constant(0.1), 2, 3, order="during"), "'order' parameter"),
    (lambda: stepping.per_epoch(S.constant(0.1), 0), "'steps_per_epoch' parameter of per_"),
    (lambda: stepping.per_epoch(lambda t: 0.1, 2), "'schedule' parameter of per_epoch"),
    (lambda: stepping.torch_lrs_used(3, 2, 2), "'make_scheduler' parameter of torch_lrs"),
])
def test_bad_input(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()


def test_stepper_drives_torch_like_a_torch_scheduler():
    s, m = S.one_cycle(0.5, 30), S.one_cycle_momentum(30)
    w = torch.zeros(1, requires_grad=True)
    ours = torch.optim.SGD([w], lr=9.0, momentum=0.5)
    st = stepping.Stepper(ours, s, momentum=m)
    ref = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5, momentum=0.9)
    sched = lrs.OneCycleLR(ref, max_lr=0.5, total_steps=30)
    for _ in range(29):
        assert np.isclose(ours.param_groups[0]["lr"], ref.param_groups[0]["lr"], rtol=1e-12)
        assert np.isclose(ours.param_groups[0]["momentum"], ref.param_groups[0]["momentum"],
                          rtol=1e-12)
        ref.step(), sched.step(), st.step()
    with pytest.raises(TypeError, match="'schedule' parameter of Stepper"):
        stepping.Stepper(ours, lambda t: 0.1)
