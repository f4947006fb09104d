"""course_lib.landscape against independent oracles: the torch model itself with
``vector_to_parameters``, ``torch.autograd.functional.hessian`` (the explicit Hessian),
``numpy.linalg.eigvalsh``, per-row norms, closed forms of the barrier and the Bezier
curve, the rescaling theorem's block scaling, and a binomial standard error."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from course_lib import landscape as ls
from course_lib.training import digits, mlp, train


@pytest.fixture(scope="module")
def data():
    return digits()


@pytest.fixture(scope="module")
def tiny():
    """A 4-3-3 tanh net on 40 random points: 27 parameters, Hessian by autograd."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(40, 4, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (40,), generator=g)
    model = mlp((3,), seed=1, n_in=4, n_out=3, dtype=torch.float64)
    return model, X, y, ls.Landscape(model, X, y)


def _model_loss(model, theta, X, y):
    m = type(model)(*[type(layer)(layer.in_features, layer.out_features, dtype=torch.float64)
                      if isinstance(layer, torch.nn.Linear) else layer for layer in model])
    torch.nn.utils.vector_to_parameters(torch.as_tensor(theta), m.parameters())
    with torch.no_grad():
        z = m(X.double())
    return float(F.cross_entropy(z, y)), float((z.argmax(1) == y).double().mean())


def _autograd_hessian(model, X, y, theta):
    shapes = [p.shape for p in model.parameters()]
    names = [n for n, _ in model.named_parameters()]

    def f(t):
        out, i = {}, 0
        for n, s in zip(names, shapes):
            k = int(np.prod(s))
            out[n] = t[i:i + k].reshape(s)
            i += k
        return F.cross_entropy(torch.func.functional_call(model.double(), out, (X,)), y)
    return torch.autograd.functional.hessian(f, torch.as_tensor(theta)).numpy()


def test_loss_and_accuracy_match_the_model_itself(tiny):
    model, X, y, land = tiny
    theta = np.random.default_rng(3).standard_normal(land.n)
    loss, acc = _model_loss(model, theta, X, y)
    assert np.isclose(land.loss(theta), loss, rtol=1e-12)
    assert land.accuracy(theta) == acc
    L, A = land.evaluate(np.stack([theta, 2 * theta]))
    assert np.isclose(L[0], loss, rtol=1e-12) and A[0] == acc
    assert np.isclose(L[1], _model_loss(model, 2 * theta, X, y)[0], rtol=1e-12)
    assert np.allclose(land.join(land.split(theta)), theta)


def test_hvp_hessian_and_sharpness_against_autograd_hessian(tiny):
    model, X, y, land = tiny
    theta = land.theta0
    H = _autograd_hessian(model, X, y, theta)
    v = np.random.default_rng(0).standard_normal(land.n)
    assert np.allclose(land.hvp(theta)(v), H @ v, rtol=1e-10, atol=1e-12)
    assert np.allclose(ls.hessian(land, theta), H, rtol=1e-10, atol=1e-12)
    w = np.linalg.eigvalsh(H)
    assert np.allclose(ls.hessian_spectrum(land, theta), w, atol=1e-10)
    top = w[np.argmax(np.abs(w))]
    assert np.isclose(ls.sharpness(land, theta, iters=5000, tol=1e-13), top, rtol=1e-6)
    ritz = ls.hessian_spectrum(land, theta, k=land.n)      # Lanczos with k = n: exact
    assert np.isclose(ritz[-1], w[-1], rtol=1e-8) and np.isclose(ritz[0], w[0], atol=1e-8)


def test_sharpness_of_a_relu_digits_net_is_the_top_eigenvalue(data):
    X, y = data.X_train[:150].double(), data.y_train[:150]
    model = mlp((4,), seed=0, activation="relu", dtype=torch.float64)
    land = ls.Landscape(model, X, y)
    theta = land.theta0 + 0.3 * np.random.default_rng(1).standard_normal(land.n)
    H = _autograd_hessian(model, X, y, theta)
    w = np.linalg.eigvalsh(H)
    assert w[-1] > abs(w[0])
    assert np.isclose(ls.sharpness(land, theta, iters=3000, tol=1e-12), w[-1], rtol=1e-6)


def test_interpolate_matches_the_model_at_each_point(tiny):
    model, X, y, land = tiny
    a = land.theta0
    b = np.random.default_rng(5).standard_normal(land.n)
    t = np.array([-0.5, 0.0, 0.3, 1.0, 1.5])
    pv = ls.interpolate(land, a, b, t)
    for ti, lo, ac in zip(t, pv.loss, pv.accuracy):
        ref = _model_loss(model, (1 - ti) * a + ti * b, X, y)
        assert np.isclose(lo, ref[0], rtol=1e-12) and ac == ref[1]
    assert len(ls.interpolate(land, a, b).t) == 25


def test_filter_normalize_gives_each_row_the_weights_row_norm():
    rng = np.random.default_rng(0)
    W = [rng.standard_normal((5, 3)), rng.standard_normal(5),
         rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)]
    D = [rng.standard_normal(w.shape) for w in W]
    D[0][2] = 0.0                                    # a zero filter stays zero
    out = ls.filter_normalize(D, W)
    rows = np.linalg.norm(out[0], axis=1)
    assert np.allclose(np.delete(rows, 2), np.delete(np.linalg.norm(W[0], axis=1), 2))
    assert rows[2] == 0.0
    conv = np.linalg.norm(out[2].reshape(4, -1), axis=1)
    assert np.allclose(conv, np.linalg.norm(W[2].reshape(4, -1), axis=1))
    for k in (0, 2):                                 # same direction within each filter
        a, b = out[k].reshape(len(W[k]), -1), D[k].reshape(len(W[k]), -1)
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-300)
        assert np.allclose(cos[np.linalg.norm(b, axis=1) > 0], 1.0)
    assert np.all(out[1] == 0) and np.all(out[3] == 0)
    kept = ls.filter_normalize(D, W, ignore_bias=False)
    assert np.isclose(np.linalg.norm(kept[1]), np.linalg.norm(W[1]))
    assert np.array_equal(D[0][2], np.zeros(3))      # inputs untouched


def test_filter_normalised_slice_is_invariant_to_rescaling_a_unit(data):
    """Li et al.'s point: with filter normalisation, scaling one ReLU unit's input weights
    by c and its output weights by 1/c leaves the slice unchanged."""
    X, y = data.X_train[:200], data.y_train[:200]
    land = ls.Landscape(mlp((6,), seed=0, activation="relu"), X, y)
    th = land.theta0
    rng = np.random.default_rng(0)
    D1 = land.split(rng.standard_normal(land.n))
    D2 = land.split(rng.standard_normal(land.n))
    g = np.linspace(-1, 1, 5)

    def slice_at(theta, normalise):
        P = land.split(theta)
        d1 = land.join(ls.filter_normalize(D1, P) if normalise else D1)
        d2 = land.join(ls.filter_normalize(D2, P) if normalise else D2)
        return ls.slice_2d(land, theta, d1, d2, g, g)[0]
    # scaling the whole first layer (rows of W1 and b1) by 5, W2 by 1/5: same function;
    # the W2 direction is zeroed only by biases, so compare slices along W1-only directions
    for D in (D1, D2):
        D[1][:] = 0
        D[2][:] = 0
    th2 = ls.rescale_layer(land, th, 5.0)
    assert np.isclose(land.loss(th2), land.loss(th), rtol=1e-10)
    assert np.allclose(slice_at(th2, True), slice_at(th, True), rtol=1e-8)
    assert not np.allclose(slice_at(th2, False), slice_at(th, False), rtol=1e-2)


def test_slice_2d_matches_pointwise_losses(tiny):
    model, X, y, land = tiny
    rng = np.random.default_rng(2)
    d1, d2 = rng.standard_normal(land.n), rng.standard_normal(land.n)
    a, b = np.array([-1.0, 0.0, 0.5]), np.array([0.0, 2.0])
    L, A = ls.slice_2d(land, land.theta0, d1, d2, a, b)
    assert L.shape == (2, 3)
    for i, bi in enumerate(b):
        for j, aj in enumerate(a):
            ref = _model_loss(model, land.theta0 + aj * d1 + bi * d2, X, y)
            assert np.isclose(L[i, j], ref[0], rtol=1e-12) and A[i, j] == ref[1]


def test_barrier_closed_forms():
    t = np.linspace(0, 1, 101)
    # L(t) = 4 t (1 - t) + 1 + t: the chord is 1 + t, the excess 4 t (1 - t), max 1 at 1/2
    assert np.isclose(ls.barrier(t, 4 * t * (1 - t) + 1 + t), 1.0, rtol=1e-12)
    assert ls.barrier(t, 1 + t) == pytest.approx(0.0, abs=1e-12)    # linear: no barrier
    assert ls.barrier(t, (t - 0.5) ** 2) == 0.0                     # convex: never above the chord
    with pytest.raises(ValueError, match="'t' parameter of barrier"):
        ls.barrier([0.0, 0.5], [1.0, 2.0])
    with pytest.raises(ValueError, match="'losses' parameter of barrier"):
        ls.barrier([0.0, 1.0], [1.0, 2.0, 3.0])


def test_bezier_closed_form_and_straight_line_as_special_case():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(7), rng.standard_normal(7)
    c = rng.standard_normal(7)
    P = ls.bezier(a, c, b, [0.0, 0.5, 1.0])
    assert np.allclose(P[0], a) and np.allclose(P[2], b)
    assert np.allclose(P[1], 0.25 * a + 0.5 * c + 0.25 * b)
    t = np.linspace(0, 1, 9)
    line = ls.bezier(a, (a + b) / 2, b, t)             # midpoint control: the segment
    assert np.allclose(line, (1 - t)[:, None] * a + t[:, None] * b, rtol=1e-12)


def test_fit_bezier_lowers_the_barrier_between_two_trained_nets(data):
    runs = [train(mlp((16,), seed=s, activation="relu"),
                  lambda p: torch.optim.SGD(p, lr=0.5), data, steps=150, progress=False,
                  eval_every=150) for s in (0, 1)]
    a, b = runs[0].params[-1], runs[1].params[-1]
    land = ls.Landscape(mlp((16,), activation="relu"), data.X_train, data.y_train)
    straight = ls.interpolate(land, a, b)
    fit = ls.fit_bezier(land, a, b, steps=150, lr=0.01, batch_size=256, seed=0)
    curved = ls.bezier_path(land, a, fit.theta_c, b)
    assert np.isclose(curved.loss[0], straight.loss[0], rtol=1e-12)
    assert np.isclose(curved.loss[-1], straight.loss[-1], rtol=1e-12)
    b_straight, b_curve = ls.barrier(straight.t, straight.loss), ls.barrier(curved.t, curved.loss)
    assert b_straight > 0.1 and b_curve < 0.25 * b_straight
    assert len(fit.losses) == 150 and np.all((fit.ts >= 0) & (fit.ts <= 1))


def test_rescale_layer_keeps_the_function_and_scales_the_hessian_blocks():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(30, 4, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (30,), generator=g)
    model = mlp((3,), seed=2, n_in=4, n_out=3, activation="relu", dtype=torch.float64)
    land = ls.Landscape(model, X, y)
    th = land.theta0
    alpha = 3.0
    th2 = ls.rescale_layer(land, th, alpha)
    assert np.isclose(land.loss(th2), land.loss(th), rtol=1e-12)
    H, H2 = _autograd_hessian(model, X, y, th), _autograd_hessian(model, X, y, th2)
    i1, i2 = slice(0, 12), slice(15, 24)                    # W1 (3x4), W2 (3x3)
    assert np.allclose(H2[i1, i1], H[i1, i1] / alpha ** 2, rtol=1e-9, atol=1e-12)
    assert np.allclose(H2[i2, i2], H[i2, i2] * alpha ** 2, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="'alpha' parameter of rescale_layer"):
        ls.rescale_layer(land, th, -1.0)


def test_flat_volume_fraction_and_its_standard_error(tiny):
    model, X, y, land = tiny
    v = ls.flat_volume(land, land.theta0, 0.5, 0.01, samples=50, seed=0)
    assert len(v.increases) == 50
    assert v.fraction == np.mean(v.increases <= 0.01)
    assert np.isclose(v.std_error, np.sqrt(v.fraction * (1 - v.fraction) / 50))
    U = np.random.default_rng(0).standard_normal((50, land.n))
    U *= 0.5 / np.linalg.norm(U, axis=1, keepdims=True)
    ref = _model_loss(model, land.theta0 + U[7], X, y)[0] - land.loss(land.theta0)
    assert np.isclose(v.increases[7], ref, rtol=1e-10)
    assert ls.flat_volume(land, land.theta0, 1e-8, 1e-3, samples=10).fraction == 1.0


def test_bad_input_names_the_function_and_argument(tiny):
    model, X, y, land = tiny
    with pytest.raises(ValueError, match="'theta' parameter of sharpness"):
        ls.sharpness(land, np.zeros(3))
    with pytest.raises(TypeError, match="'land' parameter of interpolate"):
        ls.interpolate("net", land.theta0, land.theta0)
    with pytest.raises(ValueError, match="'t' parameter of interpolate"):
        ls.interpolate(land, land.theta0, land.theta0, [])
    with pytest.raises(ValueError, match="'X' and 'y' parameters of Landscape"):
        ls.Landscape(model, X, y[:3])
    with pytest.raises(TypeError, match="'model' parameter of Landscape"):
        ls.Landscape("m", X, y)
    with pytest.raises(ValueError, match="'direction' and 'weights' parameters"):
        ls.filter_normalize([np.ones(2)], [])
    with pytest.raises(ValueError, match="'theta_c' parameter of bezier"):
        ls.bezier(np.ones(3), np.ones(2), np.ones(3), [0.5])
    with pytest.raises(ValueError, match="'lr' parameter of fit_bezier"):
        ls.fit_bezier(land, land.theta0, land.theta0, lr=0.0)
    with pytest.raises(ValueError, match="'iters' parameter of sharpness"):
        ls.sharpness(land, land.theta0, iters=0)
    with pytest.raises(ValueError, match="'theta' parameter of Landscape.loss"):
        land.loss(np.full(land.n, np.nan))
