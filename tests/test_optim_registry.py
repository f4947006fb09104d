"""Every optimizer of the zoo against its oracle, driven by the registry in
``tests/optim_cases/`` (one file per optimizer; see its ``__init__``).

The oracle is independent of our code: ``torch.optim``'s own class (or the package named
by the case), with gradients from autograd. Properties, each one test body for all
optimizers:

* the trajectory equals the oracle's in float64 to ``case.rtol`` (1e-10) over 200 steps
  on a quadratic, on Rosenbrock and on a small MLP with two parameter groups;
* every hyper-parameter of the grid matters (back at its default, the first 100 steps
  change), and the grid sets every hyper-parameter to a non-default value somewhere;
* a checkpoint through a file (``torch.save`` / ``torch.load(weights_only=True)``) in
  the middle of the run leaves the trajectory unchanged, also between the oracle and ours;
* float32 parameters and state stay float32 and within 1e-5 relative of the oracle
  over 50 steps;
* the numpy recipe gives the torch class's trajectory.

Tolerances: the torch class runs torch's own kernels in torch's order, so it matches
torch.optim to the last bits or nearly; the numpy recipe cannot use fused multiply-adds
(torch's vectorised CPU kernels do), so it differs by roundings, which an oscillating
(chaotic) run amplifies: the grids keep to runs where that stays below 1e-10 (RMSprop
with alpha = 0.9 on Rosenbrock, for example, does not: 2e-6 after 150 steps).
* what torch rejects, ours rejects with the same exception type, naming the argument
  and the class (the recipe: naming the argument and the recipe);
* the constructor's signature and defaults are torch's; a scheduler's lr and a tensor
  lr act as in torch; sparse gradients raise torch's RuntimeError.
"""
from __future__ import annotations

import contextlib
import functools
import inspect

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from course_lib import torch_optim, zoo  # noqa: E402
from course_lib import transforms as tx  # noqa: E402

from optim_cases import cases as _all_cases  # noqa: E402
from optim_cases._problems import NUMPY_PROBLEMS, groups, make, numpy_problem  # noqa: E402
from optim_cases._problems import float64_one_thread  # noqa: E402,F401 (autouse)

CASES = _all_cases()
IMPL = ("foreach", "fused", "capturable", "differentiable")
#: optimizer class -> the state entries recorded beside its parameters
OBSERVED = {cls: case.observed_state for case in CASES if case.observed_state
            for cls in (case.oracle_class(), getattr(torch_optim, case.spec.class_name))}




def _id(hp):
    return ",".join(f"{k}={v}" for k, v in hp.items()) or "defaults"


def _grid_params(problems=True):
    out = []
    for case in CASES:
        for i, hp in enumerate(case.grid):
            if problems:
                for prob in case.problems:
                    out.append(pytest.param(case, i, prob, id=f"{case.name}-{_id(hp)}-{prob}"))
            else:
                out.append(pytest.param(case, i, id=f"{case.name}-{_id(hp)}"))
    return out


def _kw(case, i, problem):
    hp = dict(case.grid[i])
    hp["lr"] = hp.get("lr", 1.0) * case.lr_scale[problem]
    return hp


def _flat(params, opt=None):
    """The parameters as one float64 vector, then the observed state entries (0 before
    the optimizer has state)."""
    parts = [p.detach().double().numpy().ravel() for p in params]
    for name in OBSERVED.get(type(opt), ()):
        for p in params:
            v = opt.state[p].get(name) if p in opt.state else None
            parts.append(np.zeros(p.numel()) if v is None else v.double().numpy().ravel())
    return np.concatenate(parts)


def _advance(opt, params, loss_fn, sign, steps, rows):
    for _ in range(steps):
        opt.zero_grad()
        (sign * loss_fn(params)).backward()
        opt.step()
        rows.append(_flat(params, opt))


def _start(cls, problem, kw, dtype=torch.float64):
    params, loss_fn = make(problem, dtype)
    return params, loss_fn, cls(groups(problem, params, kw), **kw)


def _trajectory(cls, problem, kw, steps, dtype=torch.float64, sign=None):
    """Iterates of ``steps`` steps; with ``maximize`` the loss is -f (so the run still
    heads for f's minimum) unless ``sign`` is given."""
    params, loss_fn, opt = _start(cls, problem, kw, dtype)
    rows = [_flat(params, opt)]
    if sign is None:
        sign = -1.0 if kw.get("maximize") else 1.0
    _advance(opt, params, loss_fn, sign, steps, rows)
    return np.array(rows), opt


@functools.lru_cache(maxsize=None)
def _oracle(case_index, i, problem, steps):
    case = CASES[case_index]
    ref, _ = _trajectory(case.oracle_class(), problem, _kw(case, i, problem), steps)
    ref.flags.writeable = False
    return ref


def _ours(case):
    return getattr(torch_optim, case.spec.class_name)


def _assert_close(ours, ref, rtol, what):
    scale = np.maximum(np.abs(ref), 1e-3 * np.abs(ref).max())
    err = np.abs(ours - ref) / scale
    worst = np.unravel_index(np.argmax(err), err.shape)
    assert err.max() <= rtol, (
        f"{what}: relative error {err.max():.3g} > {rtol:g} at step {worst[0]}, "
        f"entry {worst[1]}")


# ------------------------------------------------------------------ 1. trajectories
@pytest.mark.parametrize("case, i, problem", _grid_params())
def test_trajectory_equals_oracle_float64(case, i, problem):
    ref = _oracle(CASES.index(case), i, problem, case.steps)
    ours, _ = _trajectory(_ours(case), problem, _kw(case, i, problem), case.steps)
    assert ours.shape == ref.shape == (case.steps + 1, ref.shape[1])
    _assert_close(ours, ref, case.rtol, f"{case.name} {case.grid[i]} on {problem}")
    assert np.linalg.norm(ref[-1] - ref[0]) > 1e-3 * max(1.0, np.linalg.norm(ref[0]))


# ------------------------------------------------------------------ 2. the grid is honest
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_grid_sets_every_hyperparameter(case):
    spec = case.spec
    for h in spec.hparams:
        if (h.implementation and h.name != "foreach") or h.name == "lr":
            continue                       # lr: every problem has its own scale
        values = [hp[h.name] for hp in case.grid if h.name in hp]
        if h.name == "foreach":
            assert False in values, f"{case.name}: no grid entry runs foreach=False"
            continue
        assert any(v != h.default for v in values), (
            f"{case.name}: the grid never sets {h.name!r} to a non-default value")


@pytest.mark.parametrize("case, i", _grid_params(problems=False))
def test_each_hyperparameter_matters(case, i):
    spec, hp = case.spec, case.grid[i]
    changed = [k for k, v in hp.items()
               if k not in IMPL and k != "lr" and v != spec.hparam(k).default]
    for k in changed:
        diffs = []
        for problem in case.problems:
            kw = _kw(case, i, problem)
            try:
                spec.validate({**spec.defaults, **kw, k: spec.hparam(k).default}, torch=True)
            except (ValueError, TypeError):
                diffs.append(np.inf)           # the others need it: it matters
                break
            sign = -1.0 if kw.get("maximize") else 1.0      # the same objective for both
            steps = case.steps // 2
            a, _ = _trajectory(_ours(case), problem, kw, steps, sign=sign)
            b, _ = _trajectory(_ours(case), problem, {**kw, k: spec.hparam(k).default},
                               steps, sign=sign)
            diffs.append(np.abs(a - b).max() / np.abs(a).max())
            if diffs[-1] > 1e-6:
                break
        assert max(diffs) > 1e-6, (
            f"{case.name} {hp}: setting {k!r} back to its default changes nothing "
            f"(max relative change {max(diffs):.2g}); pick values that make it matter")


# ------------------------------------------------------------------ 3. checkpoints
@pytest.mark.parametrize("direction", ["ours->ours", "oracle->ours", "ours->oracle"])
@pytest.mark.parametrize("case, i", _grid_params(problems=False))
def test_checkpoint_through_a_file_mid_run(case, i, direction, tmp_path):
    problem = "mlp" if "mlp" in case.problems else case.problems[0]
    kw = _kw(case, i, problem)
    half = 40
    ref = _oracle(CASES.index(case), i, problem, case.steps)[: 2 * half + 1]
    first, second = direction.split("->")
    cls = {"ours": _ours(case), "oracle": case.oracle_class()}
    params, loss_fn, opt = _start(cls[first], problem, kw)
    sign = -1.0 if kw.get("maximize") else 1.0
    rows = [_flat(params, opt)]
    _advance(opt, params, loss_fn, sign, half, rows)
    path = tmp_path / "opt.pt"
    torch.save(opt.state_dict(), path)
    state = torch.load(path, weights_only=True)
    params2 = [p.detach().clone().requires_grad_(True) for p in params]
    opt2 = cls[second](groups(problem, params2, kw), **kw)
    opt2.load_state_dict(state)
    _advance(opt2, params2, loss_fn, sign, half, rows)
    _assert_close(np.array(rows), ref, case.rtol, f"{case.name} {direction}")
    if first == "ours":
        # plain tensors under torch's names
        keys = {k for s in opt.state.values() for k in s}
        ref_opt = _start(case.oracle_class(), problem, kw)
        _advance(ref_opt[2], ref_opt[0], ref_opt[1], sign, 2, [])
        assert keys == {k for s in ref_opt[2].state.values() for k in s}


# ------------------------------------------------------------------ 4. float32
@pytest.mark.parametrize("case, i", _grid_params(problems=False))
def test_float32_stays_float32_and_close(case, i):
    torch.set_default_dtype(torch.float32)
    problem = "mlp" if "mlp" in case.problems else case.problems[0]
    kw = _kw(case, i, problem)
    ref, topt = _trajectory(case.oracle_class(), problem, kw, 50, dtype=torch.float32)
    ours, opt = _trajectory(_ours(case), problem, kw, 50, dtype=torch.float32)
    for g, tg in zip(opt.param_groups, topt.param_groups):
        for p, tp in zip(g["params"], tg["params"]):
            assert p.dtype == torch.float32
            theirs = topt.state[tp]
            assert set(opt.state[p]) == set(theirs)
            for k, v in opt.state[p].items():
                if not torch.is_tensor(theirs[k]):        # SparseAdam's int step
                    assert type(v) is type(theirs[k]), (k, type(v), type(theirs[k]))
                    continue
                assert torch.is_tensor(v)
                assert v.dtype == theirs[k].dtype, (k, v.dtype, theirs[k].dtype)
                if v.dim() > 0:
                    assert v.dtype == torch.float32
    rel = np.linalg.norm(ours - ref, axis=1) / np.linalg.norm(ref, axis=1)
    assert rel.max() <= case.f32_rtol, f"float32: relative error {rel.max():.3g}"


@pytest.mark.parametrize("case, i", _grid_params(problems=False))
def test_state_memory_is_the_size_of_a_real_state_dict(case, i):
    # zoo.state_memory reads the spec; the oracle's state_dict is what torch really keeps
    torch.set_default_dtype(torch.float32)
    problem = "mlp" if "mlp" in case.problems else case.problems[0]
    kw = _kw(case, i, problem)
    mem = zoo.state_memory(case.name, **{k: v for k, v in kw.items() if k not in IMPL})
    for cls in (case.oracle_class(), _ours(case)):
        params, loss_fn, opt = _start(cls, problem, kw, torch.float32)
        _advance(opt, params, loss_fn, 1.0, 2, [])
        real = sum(t.numel() * t.element_size() for st in opt.state_dict()["state"].values()
                   for t in st.values() if torch.is_tensor(t))
        assert real == mem.bytes([p.shape for p in params], itemsize=4, scalar_itemsize=4)
        assert set(mem.names) == {k for st in opt.state.values() for k in st}


# ------------------------------------------------------------------ 5. numpy recipe
def _flat_grid_params():
    return [p for p in _grid_params() if p.values[2] in NUMPY_PROBLEMS]


def _numpy_observed(state, name, like):
    """State entry ``name`` of a recipe's state (a chain's tuple of dicts), or zeros."""
    if isinstance(state, dict) and name in state:
        v = state[name]
        return np.zeros(np.size(like)) if v is None else np.ravel(v)
    for s in state if isinstance(state, (tuple, list)) else ():
        found = _numpy_observed(s, name, like)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize("case, i, problem", _flat_grid_params())
def test_numpy_recipe_gives_the_torch_class_trajectory(case, i, problem):
    spec = case.spec
    kw = _kw(case, i, problem)
    with _recipe_context(case):
        ours, _ = _trajectory(_ours(case), problem, kw, case.steps)
    prob, x = numpy_problem(problem)
    opt = spec.recipe()(**{k: v for k, v in kw.items() if not spec.hparam(k).implementation})
    sign = -1.0 if kw.get("maximize") else 1.0
    state = opt.init(x)

    def row(x, state):
        return np.concatenate([np.ravel(x)] + [
            _numpy_observed(state, name, x) for name in case.observed_state])
    rows = [row(x, state)]
    for _ in range(case.steps):
        u, state = opt.update(sign * prob.grad(x), state, x)
        x = tx.apply_updates(x, u)
        rows.append(row(x, state))
    _assert_close(np.array(rows), ours, case.rtol, f"recipe {spec.name} on {problem}")


def _recipe_context(case):
    return case.recipe_context() if case.recipe_context else contextlib.nullcontext()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_numpy_recipe_on_torch_tensors_and_trees(case):
    # the same recipe on a dict tree of numpy arrays and on torch tensors: same numbers
    spec = case.spec
    problem = "mlp" if "mlp" in case.problems else case.problems[0]
    hp = {k: v for k, v in _kw(case, len(case.grid) - 1, problem).items()
          if not spec.hparam(k).implementation}
    params, loss_fn = make(problem)
    names = [f"p{j}" for j in range(len(params))]
    tree_np = {n: p.detach().numpy().copy() for n, p in zip(names, params)}
    tree_t = {n: p.detach().clone() for n, p in zip(names, params)}
    opt = spec.recipe()(**hp)
    s_np, s_t = opt.init(tree_np), opt.init(tree_t)
    sign = -1.0 if hp.get("maximize") else 1.0
    for _ in range(30):
        ps = [torch.tensor(tree_np[n], requires_grad=True) for n in names]
        (sign * loss_fn(ps)).backward()
        g_np = {n: _numpy_grad(p.grad) for n, p in zip(names, ps)}
        g_t = {n: p.grad.clone() for n, p in zip(names, ps)}
        before = {n: a.copy() for n, a in tree_np.items()}
        u_np, s_np = opt.update(g_np, s_np, tree_np)
        with _recipe_context(case):
            u_t, s_t = opt.update(g_t, s_t, tree_t)
        for n in names:                                  # pure: inputs untouched
            np.testing.assert_array_equal(tree_np[n], before[n])
        assert all(torch.is_tensor(u_t[n]) for n in names)
        tree_np, tree_t = tx.apply_updates(tree_np, u_np), tx.apply_updates(tree_t, u_t)
    for n in names:
        np.testing.assert_allclose(tree_t[n].numpy(), tree_np[n], rtol=1e-12, atol=1e-15)


def _numpy_grad(g):
    """A torch gradient for the numpy recipe (a sparse one as a SparseGradient)."""
    if g.is_sparse:
        from course_lib.zoo.sparse_adam import SparseGradient
        g = g.coalesce()
        return SparseGradient(g.indices().numpy(), g.values().numpy(), tuple(g.shape))
    return g.numpy()


# ------------------------------------------------------------------ 6. bad input
def _error_params():
    return [pytest.param(case, e, id=f"{case.name}-{_id(e.kwargs)}")
            for case in CASES for e in case.errors]


def _raise_at(cls, err):
    w = torch.ones(2, requires_grad=True)
    opt = cls([w], **err.kwargs)
    if err.at == "step":
        (w ** 2).sum().backward()
        opt.step()


@pytest.mark.parametrize("case, err", _error_params())
def test_bad_input_raises_what_torch_raises(case, err):
    spec = case.spec
    with pytest.raises(err.oracle_error or err.error):
        _raise_at(case.oracle_class(), err)
    with pytest.raises(err.error) as info:
        _raise_at(_ours(case), err)
    msg = str(info.value)
    assert f"'{err.arg}'" in msg and spec.owner_class in msg, msg
    if err.recipe and err.at == "init":
        kwargs = {k: v for k, v in err.kwargs.items() if not spec.hparam(k).implementation}
        with pytest.raises((ValueError, TypeError)) as info:
            spec.recipe()(**kwargs)
        msg = str(info.value)
        assert f"'{err.arg}'" in msg and f"of {spec.name} " in msg, msg


@pytest.mark.parametrize("case", [c for c in CASES if not c.sparse], ids=lambda c: c.name)
def test_sparse_gradients_raise_runtime_error(case):
    # (lion-pytorch takes sparse gradients as their dense equivalents: only torch.optim's
    # own oracles are held to this)
    oracle = case.oracle_class()
    for cls in ((oracle,) if oracle.__module__.startswith("torch.optim") else ()) + (
            _ours(case),):
        emb = torch.nn.Embedding(5, 2, sparse=True)
        opt = cls(emb.parameters(), lr=0.1)
        emb(torch.tensor([1, 2])).sum().backward()
        with pytest.raises(RuntimeError, match="sparse"):
            opt.step()


@pytest.mark.filterwarnings("ignore:Sparse invariant checks")   # torch's Adagrad, not ours
@pytest.mark.parametrize("case, i", [p for p in _grid_params(problems=False)
                                     if p.values[0].sparse])
def test_sparse_gradients_follow_the_oracle(case, i):
    # where the oracle itself refuses (torch's SGD: weight decay on a sparse gradient),
    # ours must refuse with the same exception type
    kw = {k: v for k, v in _kw(case, i, "mlp").items()
          if not case.spec.hparam(k).implementation}
    rows, errors = {}, {}
    for who, cls in (("oracle", case.oracle_class()), ("ours", _ours(case))):
        try:
            rows[who] = _sparse_run(cls, kw)
        except Exception as exc:             # noqa: BLE001 - compared below
            errors[who] = type(exc)
    assert errors.get("ours") is errors.get("oracle"), errors
    if not errors:
        _assert_close(rows["ours"], rows["oracle"], case.rtol, "sparse gradients")


def _sparse_run(cls, kw):
    """30 steps on an nn.Embedding whose gradients are sparse (3 rows of 6 each)."""
    torch.manual_seed(0)
    emb = torch.nn.Embedding(6, 3, sparse=True).double()
    opt = cls(emb.parameters(), **kw)
    gen = torch.Generator().manual_seed(1)
    out = []
    for _ in range(30):
        idx = torch.randint(0, 6, (3,), generator=gen)
        opt.zero_grad()
        ((emb(idx) - 1.0) ** 2).sum().backward()
        assert emb.weight.grad.is_sparse
        opt.step()
        out.append(emb.weight.detach().numpy().ravel().copy())
    return np.array(out)


# ------------------------------------------------------------------ 7. the interface
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_signature_defaults_and_docstring_come_from_the_spec(case):
    spec = case.spec
    ours = inspect.signature(_ours(case).__init__).parameters
    recipe = inspect.signature(spec.recipe()).parameters
    if spec.torch_counterpart:
        theirs = inspect.signature(case.oracle_class().__init__).parameters
        assert [(p.name, p.kind, p.default) for p in ours.values()] == \
               [(p.name, p.kind, p.default) for p in theirs.values()]
    assert list(recipe) == [n for n in ours if n not in ("self", "params")
                            and not spec.hparam(n).implementation]
    for h in spec.hparams:
        assert h.name in _ours(case).__doc__
        if not h.implementation:
            assert h.name in spec.recipe().__doc__
    assert spec.formula.strip().splitlines()[0] in _ours(case).__doc__
    assert spec.name in zoo.specs() and zoo.get(spec.class_name) is spec


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_docstring_examples_run(case):
    import doctest
    spec = case.spec
    for obj in (_ours(case), spec.recipe()):
        finder = doctest.DocTestFinder(recurse=False)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        for test in finder.find(obj, spec.name, globs={}):
            runner.run(test)
        assert runner.failures == 0 and runner.tries > 0, f"{obj.__name__}'s Examples"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_scheduler_and_tensor_lr_act_as_in_torch(case):
    problem = case.problems[0]
    kw = _kw(case, 0, problem)
    runs = {}
    for who, cls in (("oracle", case.oracle_class()), ("ours", _ours(case))):
        params, loss_fn, opt = _start(cls, problem, kw)
        sch = torch.optim.lr_scheduler.StepLR(opt, step_size=25, gamma=0.5)
        rows = [_flat(params, opt)]
        for _ in range(100):
            _advance(opt, params, loss_fn, -1.0 if kw.get("maximize") else 1.0, 1, rows)
            sch.step()
        runs[who] = np.array(rows)
        tkw = {**kw, "lr": torch.tensor(float(kw["lr"]))}
        if "foreach" in case.spec.defaults:
            tkw["foreach"] = False
        runs[who + "-tensor-lr"], _ = _trajectory(cls, problem, tkw, 50)
    _assert_close(runs["ours"], runs["oracle"], case.rtol, "StepLR")
    _assert_close(runs["ours-tensor-lr"], runs["oracle-tensor-lr"], case.rtol, "tensor lr")
    np.testing.assert_allclose(runs["ours-tensor-lr"],
                               _oracle(CASES.index(case), 0, problem, case.steps)[:51],
                               rtol=1e-12, atol=1e-14)
    changed = np.abs(runs["ours"][-1] - _oracle(CASES.index(case), 0, problem,
                                                case.steps)[100]).max() > 1e-8
    assert changed == case.lr_changes_run
