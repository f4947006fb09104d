"""course_lib.schedules against torch.optim.lr_scheduler: the same lr sequence over 600+
steps to relative 1e-12 (torch's own recursive updates are the oracle), plus bad input."""
import math
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

from course_lib import schedules as S
from course_lib.optimizers import run, sgd
from course_lib.problems import Quadratic

STEPS = 700
RTOL = 1e-12


def torch_lrs(make, steps=STEPS, lr=0.1, opt="sgd", momentum_of=None):
    """lrs (and momenta) of a torch scheduler over ``steps`` optimizer steps."""
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    o = (torch.optim.SGD([p], lr=lr, momentum=0.9) if opt == "sgd"
         else torch.optim.Adam([p], lr=lr))
    sched = make(o)
    lrs, moms = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            lrs.append(o.param_groups[0]["lr"])
            g = o.param_groups[0]
            moms.append(g["betas"][0] if "betas" in g else g["momentum"])
            o.step()
            if len(lrs) < steps:
                sched.step()
    return np.array(lrs), np.array(moms)


def assert_same(ours, theirs, rtol=RTOL):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape
    scale = np.maximum(np.abs(theirs), 1e-300)
    zero = theirs == 0
    assert np.all(np.abs(ours[zero]) < 1e-15)
    worst = np.max(np.abs(ours - theirs)[~zero] / scale[~zero])
    assert worst <= rtol, worst


CASES = {
    "step": (S.step_decay(0.1, 30, 0.5), lambda o: L.StepLR(o, 30, 0.5)),
    "multistep": (S.multistep(0.1, [50, 200, 200, 450], 0.3),
                  lambda o: L.MultiStepLR(o, [50, 200, 200, 450], 0.3)),
    "exponential": (S.exponential(0.1, 0.995), lambda o: L.ExponentialLR(o, 0.995)),
    "polynomial": (S.polynomial(0.1, 400, 2.0), lambda o: L.PolynomialLR(o, 400, 2.0)),
    "cosine": (S.cosine_annealing(0.1, 250, 1e-3),
               lambda o: L.CosineAnnealingLR(o, 250, 1e-3)),
    "linear_warmup": (S.linear_warmup(0.1, 100, 0.01, 0.9),
                      lambda o: L.LinearLR(o, 0.01, 0.9, 100)),
    "warm_restarts": (S.warm_restarts(0.1, 50, 1, 1e-4),
                      lambda o: L.CosineAnnealingWarmRestarts(o, 50, 1, 1e-4)),
    "warm_restarts_mult": (S.warm_restarts(0.1, 20, 2, 1e-4),
                           lambda o: L.CosineAnnealingWarmRestarts(o, 20, 2, 1e-4)),
}
for mode, gamma in (("triangular", 1.0), ("triangular2", 1.0), ("exp_range", 0.998)):
    CASES[f"cyclic_{mode}"] = (
        S.cyclic(1e-3, 0.1, 60, 40, mode, gamma),
        lambda o, m=mode, g=gamma: L.CyclicLR(o, 1e-3, 0.1, 60, 40, m, g,
                                              cycle_momentum=False))


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    ours, make = CASES[name]
    assert_same(ours.values(STEPS), torch_lrs(make)[0])


def test_cosine_without_floor_hits_zero_exactly():
    ours = S.cosine_annealing(0.1, 250).values(STEPS)
    theirs = torch_lrs(lambda o: L.CosineAnnealingLR(o, 250))[0]
    assert theirs[250] == 0.0 and ours[250] < 1e-17
    ok = np.abs(theirs) > 1e-6
    assert_same(ours[ok], theirs[ok], rtol=1e-11)


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_one_cycle_lr_and_momentum(three_phase, anneal, opt):
    T = 640
    lr = S.one_cycle(0.2, T, 0.25, anneal, 20.0, 1e3, three_phase)
    mom = S.one_cycle_momentum(T, 0.25, anneal, 0.8, 0.93, three_phase)
    t_lr, t_m = torch_lrs(lambda o: L.OneCycleLR(o, 0.2, T, pct_start=0.25,
                                                 anneal_strategy=anneal, base_momentum=0.8,
                                                 max_momentum=0.93, div_factor=20.0,
                                                 final_div_factor=1e3,
                                                 three_phase=three_phase),
                          steps=T, opt=opt)
    assert_same(lr.values(T), t_lr)
    assert_same(mom.values(T), t_m)
    assert lr(T - 1) == pytest.approx(0.2 / 20 / 1e3, rel=1e-12)      # the minimum
    assert lr(0) == pytest.approx(0.2 / 20, rel=1e-15)
    with pytest.raises(ValueError, match="total_steps"):
        lr(T + 1)


def test_warmup_cosine_is_sequential_linear_then_cosine():
    W, T, peak, floor = 60, 650, 0.3, 0.003
    ours = S.warmup_cosine(peak, W, T, floor=floor, start_lr=0.1 * peak)
    theirs = torch_lrs(lambda o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, 1.0, W), L.CosineAnnealingLR(o, T - W, floor)], [W]),
        steps=T + 1, lr=peak)[0]
    assert_same(ours.values(T + 1), theirs)
    # after T: the floor (torch's cosine would climb again)
    assert ours(T + 1) == ours(5 * T) == floor
    assert ours(W) == peak and ours(W - 1) < peak
    # from zero (LinearLR cannot start at 0): against LambdaLR with the closed form
    z = S.warmup_cosine(peak, W, T, floor=floor)
    closed = [t / W if t < W else (floor + (peak - floor) * (1 + math.cos(
        math.pi * (t - W) / (T - W))) / 2) / peak for t in range(T + 1)]
    lam = torch_lrs(lambda o: L.LambdaLR(o, lambda t: closed[t]), steps=T + 1, lr=peak)[0]
    assert_same(z.values(T + 1)[1:], lam[1:]) and z(0) == 0.0


def test_sequential_of_three_and_lambda_adapter():
    parts = [S.linear_warmup(0.1, 30, 0.1), S.exponential(0.1, 0.99),
             S.step_decay(0.1, 40, 0.5)]
    ours = S.sequential(parts, [30, 300])
    theirs = torch_lrs(lambda o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, 1.0, 30), L.ExponentialLR(o, 0.99), L.StepLR(o, 40, 0.5)],
        [30, 300]))[0]
    assert_same(ours.values(STEPS), theirs)
    lam = torch_lrs(lambda o: L.LambdaLR(o, S.lambda_factor(ours)))[0]
    assert_same(ours.values(STEPS), lam)


def test_chained_matches_chained_scheduler():
    parts = [S.exponential(0.1, 0.997), S.step_decay(0.1, 100, 0.5),
             S.linear_warmup(0.1, 50, 0.2), S.cosine_annealing(0.1, 800)]
    ours = S.chained(*parts)
    theirs = torch_lrs(lambda o: L.ChainedScheduler(
        [L.ExponentialLR(o, 0.997), L.StepLR(o, 100, 0.5), L.LinearLR(o, 0.2, 1.0, 50),
         L.CosineAnnealingLR(o, 800)]))[0]
    assert_same(ours.values(STEPS), theirs)


@pytest.mark.parametrize("kwargs", [
    dict(patience=3, threshold=1e-2, cooldown=0),
    dict(patience=2, threshold=0.05, threshold_mode="abs", cooldown=4, factor=0.5),
    dict(mode="max", patience=5, threshold=1e-3, cooldown=2, min_lr=1e-3, factor=0.3),
    dict(patience=0, cooldown=1, min_lr=0.0099, factor=0.5),
])
def test_plateau_matches_torch(kwargs):
    rng = np.random.default_rng(0)
    n = 600
    metric = 1.0 / (1.0 + 0.02 * np.arange(n)) + 0.05 * rng.standard_normal(n)
    metric[200:260] = metric[199]               # a flat stretch: exact ties are not better
    if kwargs.get("mode") == "max":
        metric = -metric
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    o = torch.optim.SGD([p], lr=0.1)
    sched = L.ReduceLROnPlateau(o, **kwargs)
    theirs = [0.1]
    for m in metric:
        sched.step(float(m))
        theirs.append(o.param_groups[0]["lr"])
    ours = S.plateau_lrs(metric, 0.1, **kwargs)
    assert_same(ours, theirs)
    assert len(set(theirs)) >= 3                # the rule really acted


def test_usable_as_lr_of_the_numpy_optimizer_and_set_lr():
    s = S.warmup_cosine(0.2, 10, 80, floor=0.01)
    q = Quadratic.from_condition_number(5.0, dim=2, L=1.0)
    res = run(sgd(lr=s), q, q.x0, 80)
    assert np.allclose(res.lrs[:80], s.values(80), rtol=0, atol=0)
    # the same run in torch with set_lr before each step
    A = torch.tensor(np.asarray(q.A)); b = torch.tensor(np.asarray(q.b))
    x = torch.tensor(np.asarray(q.x0), requires_grad=True)
    o = torch.optim.SGD([x], lr=1.0)
    for t in range(80):
        S.set_lr(o, s, t)
        o.zero_grad()
        (0.5 * x @ A @ x - b @ x).backward()
        o.step()
    assert np.allclose(x.detach().numpy(), res.params[-1], rtol=1e-12, atol=1e-14)


def test_set_lr_writes_momentum_and_betas():
    p = torch.nn.Parameter(torch.zeros(1))
    for o, key in ((torch.optim.SGD([p], lr=0.1, momentum=0.9), "momentum"),
                   (torch.optim.Adam([p], lr=0.1), "betas")):
        S.set_lr(o, S.constant(0.05), 3, momentum=S.one_cycle_momentum(100))
        g = o.param_groups[0]
        m = g[key][0] if key == "betas" else g[key]
        assert g["lr"] == 0.05 and m == S.one_cycle_momentum(100)(3)


BAD = [
    (lambda: S.step_decay(0.1, 0), "step_size"),
    (lambda: S.step_decay(-0.1, 10), "lr"),
    (lambda: S.cosine_annealing(0.1, 0), "T_max"),
    (lambda: S.cosine_annealing(0.1, -5), "T_max"),
    (lambda: S.cosine_annealing(0.1, 10, eta_min=-1e-3), "eta_min"),
    (lambda: S.cosine_annealing(0.1, 10, eta_min=0.2), "eta_min"),
    (lambda: S.exponential(0.1, -0.5), "gamma"),
    (lambda: S.polynomial(0.1, 0), "total_steps"),
    (lambda: S.warmup_cosine(0.1, 100, 100), "warmup_steps"),
    (lambda: S.warmup_cosine(0.1, 200, 100), "warmup_steps"),
    (lambda: S.warmup_cosine(0.1, -1, 100), "warmup_steps"),
    (lambda: S.warmup_cosine(0.1, 10, 100, floor=-0.01), "floor"),
    (lambda: S.warmup_cosine(0.1, 10, 100, floor=0.5), "floor"),
    (lambda: S.warmup_cosine(0.0, 10, 100), "peak_lr"),
    (lambda: S.linear_warmup(0.1, 0), "warmup_steps"),
    (lambda: S.warm_restarts(0.1, 0), "T_0"),
    (lambda: S.cyclic(0.1, 0.01, 10), "max_lr"),
    (lambda: S.cyclic(0.01, 0.1, 10, mode="sawtooth"), "mode"),
    (lambda: S.one_cycle(0.1, 0), "total_steps"),
    (lambda: S.one_cycle(0.1, 100, pct_start=1.5), "pct_start"),
    (lambda: S.multistep(0.1, [10, 0]), "milestones"),
    (lambda: S.sequential([S.constant(0.1)], [10]), "milestones"),
    (lambda: S.sequential([S.constant(0.1), S.constant(0.1), S.constant(0.1)], [20, 10]),
     "milestones"),
    (lambda: S.chained(S.constant(0.1), S.constant(0.2)), "base_lr"),
    (lambda: S.ReduceOnPlateau(0.1, factor=1.0), "factor"),
    (lambda: S.ReduceOnPlateau(0.1, patience=-1), "patience"),
    (lambda: S.ReduceOnPlateau(0.1, cooldown=-1), "cooldown"),
    (lambda: S.constant(0.1)(-1), "'t'"),
    (lambda: S.constant(0.1)(1.5), "'t'"),
]


@pytest.mark.parametrize("make, arg", BAD, ids=[b[1] + str(i) for i, b in enumerate(BAD)])
def test_bad_input_names_the_argument(make, arg):
    with pytest.raises(ValueError, match=arg):
        make()


def _torch_accepts(make):
    p = torch.nn.Parameter(torch.zeros(1))
    o = torch.optim.SGD([p], lr=0.1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make(o)
    except (ValueError, ZeroDivisionError, TypeError):
        return False
    return True


def test_torch_does_not_check():
    """What the module docstring says torch accepts (built without an error) and we
    reject: T_max = 0, step_size = 0, a negative gamma, a warm-up longer than the run."""
    assert _torch_accepts(lambda o: L.CosineAnnealingLR(o, T_max=0))
    assert _torch_accepts(lambda o: L.StepLR(o, step_size=0))
    assert _torch_accepts(lambda o: L.ExponentialLR(o, gamma=-0.5))
    assert _torch_accepts(lambda o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, 1.0, 200), L.CosineAnnealingLR(o, 100)], [200]))
    # ... and the division by zero comes at the first step
    for make in (lambda o: L.CosineAnnealingLR(o, T_max=0), lambda o: L.StepLR(o, 0)):
        p = torch.nn.Parameter(torch.zeros(1))
        o = torch.optim.SGD([p], lr=0.1)
        s = make(o)
        with pytest.raises(ZeroDivisionError), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s.step()
    # torch does check these, as we do
    assert not _torch_accepts(lambda o: L.CosineAnnealingWarmRestarts(o, T_0=0))
    assert not _torch_accepts(lambda o: L.OneCycleLR(o, 0.1, total_steps=0))


def test_import_course_lib_schedules_does_not_import_torch():
    import subprocess
    import sys
    code = ("import sys, course_lib.schedules; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def _mlp_run(opt_cls, schedule_step, steps=120):
    """A small float64 MLP trained by ``opt_cls``; ``schedule_step(opt, t)`` sets the lr (and
    momentum) before step t, or drives a torch scheduler after it. Returns the weights."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(),
                              torch.nn.Linear(8, 1)).double()
    X = torch.randn(64, 4, dtype=torch.float64)
    y = X[:, :1] ** 2 - X[:, 1:2]
    opt, after = opt_cls(net.parameters())
    for t in range(steps):
        schedule_step(opt, t)
        opt.zero_grad()
        ((net(X) - y) ** 2).mean().backward()
        opt.step()
        after(t)
    return torch.cat([p.detach().ravel() for p in net.parameters()]).numpy()


def test_with_the_course_torch_classes_equals_torch_schedulers():
    """course_lib.torch_optim.AdamW driven by set_lr(one_cycle, one_cycle_momentum) follows
    the same trajectory as torch.optim.AdamW driven by OneCycleLR (which cycles beta1)."""
    from course_lib import torch_optim
    T = 120
    lr, mom = S.one_cycle(0.05, T), S.one_cycle_momentum(T)
    ours = _mlp_run(lambda ps: (torch_optim.AdamW(ps, lr=0.05, weight_decay=0.01),
                                lambda t: None),
                    lambda o, t: S.set_lr(o, lr, t, momentum=mom), T)

    holder = {}

    def make(ps):
        o = torch.optim.AdamW(ps, lr=0.05, weight_decay=0.01)
        holder["s"] = L.OneCycleLR(o, 0.05, total_steps=T)
        return o, lambda t: holder["s"].step() if t < T - 1 else None

    theirs = _mlp_run(make, lambda o, t: None, T)
    assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    # and a numpy recipe of the zoo takes the schedule as its lr
    from course_lib.optimizers import adam
    s = S.warmup_cosine(0.1, 10, 60, floor=0.01)
    q = Quadratic.from_condition_number(5.0, dim=2, L=1.0)
    assert np.array_equal(run(adam(lr=s), q, q.x0, 60).lrs[:60], s.values(60))
