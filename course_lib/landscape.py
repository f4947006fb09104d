"""Loss landscapes of small torch networks: paths, 2-D slices, sharpness, mode connectivity.

Everything works on *flat* parameter vectors ``theta`` (float64 numpy arrays, the rows of
``course_lib.training.train(...).params``) through a :class:`Landscape`: a model's
architecture plus a fixed data set, so that ``L(theta)`` (mean cross-entropy) and the
accuracy are plain functions of ``theta``. On top of it:

* :func:`interpolate` -- ``L((1 - a) theta_0 + a theta_1)`` and the accuracy along a line;
* :func:`random_direction`, :func:`filter_normalize`, :func:`slice_2d` -- the 2-D slice
  ``L(theta + a d_1 + b d_2)`` with or without filter normalisation (Li et al. 2018);
* :func:`sharpness`, :func:`hessian`, :func:`hessian_spectrum` -- the top Hessian
  eigenvalue by power iteration on Hessian-vector products
  (:func:`course_lib.second_order.power_iteration`, Pearlmutter's double backward), the
  explicit Hessian and its spectrum for small networks;
* :func:`barrier`, :func:`bezier`, :func:`fit_bezier` -- the loss barrier of a path and a
  trained quadratic Bezier curve between two solutions (Garipov et al. 2018);
* :func:`rescale_layer` -- the ReLU rescaling ``(W_k, b_k, W_{k+1}) -> (a W_k, a b_k,
  W_{k+1} / a)`` that keeps the function and changes the sharpness (Dinh et al. 2017).

SAM, the optimizer, is :class:`course_lib.sam.SAM`. Imports torch.

References
----------
H. Li, Z. Xu, G. Taylor, C. Studer, T. Goldstein, Visualizing the loss landscape of
neural nets, NeurIPS 2018 (filter normalisation, sec. 4).
T. Garipov, P. Izmailov, D. Podoprikhin, D. Vetrov, A. G. Wilson, Loss surfaces, mode
connectivity, and fast ensembling of DNNs, NeurIPS 2018 (eq. 2, the Bezier curve; sec. 3).
R. Entezari, H. Sedghi, O. Saukh, B. Neyshabur, The role of permutation invariance in
linear mode connectivity of neural networks, ICLR 2022 (def. 1, the barrier).
L. Dinh, R. Pascanu, S. Bengio, Y. Bengio, Sharp minima can generalize for deep nets,
ICML 2017 (sec. 4, rescaling).
I. J. Goodfellow, O. Vinyals, A. M. Saxe, Qualitatively characterizing neural network
optimization problems, ICLR 2015 (1-D interpolation).
"""
from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import torch
from torch.nn import functional as F

from ._validation import check_array, check_int, check_random_state, check_scalar
from .landscape_math import _ts, barrier, bezier, filter_normalize
from .second_order.autograd import hvp_autograd
from .second_order.curvature import hessian_from_hvp, lanczos, power_iteration

__all__ = ["Landscape", "PathValues", "interpolate", "random_direction",
           "filter_normalize", "slice_2d", "sharpness", "hessian", "hessian_spectrum",
           "barrier", "bezier", "bezier_path", "fit_bezier", "BezierFit", "rescale_layer",
           "flat_volume", "VolumeEstimate"]


class PathValues(NamedTuple):
    """Loss and accuracy at the points ``t`` of a path."""

    t: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray


class Landscape:
    """``L(theta)``: mean cross-entropy of ``model``'s architecture on ``(X, y)``.

    ``theta`` is the flat vector of ``model.parameters()`` in their order (as
    ``torch.nn.utils.parameters_to_vector`` and ``training.train``'s ``params`` lay it
    out). The model is copied (in ``dtype``); the original is not touched.
    A model with batch normalisation is evaluated in the mode it is in (train mode:
    batch statistics of ``X``, so ``L`` is still a function of ``theta`` alone).

    Parameters
    ----------
    model : torch.nn.Module
    X : tensor (N, d)
    y : int64 tensor (N,)
    dtype : torch.float64 (default) or torch.float32

    Examples
    --------
    >>> from course_lib.training import digits, mlp
    >>> d = digits()
    >>> land = Landscape(mlp((8,)), d.X_train, d.y_train)
    >>> land.n, round(land.loss(land.theta0), 1)
    (610, 2.4)
    """

    def __init__(self, model, X, y, dtype=torch.float64):
        owner = "Landscape"
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"The 'model' parameter of {owner} must be a torch.nn.Module. "
                            f"Got {type(model).__name__} instead.")
        if not (isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor)
                and X.dim() == 2 and y.dim() == 1 and len(X) == len(y) > 0):
            raise ValueError(f"The 'X' and 'y' parameters of {owner} must be tensors of "
                             f"shapes (N, d) and (N,) with N >= 1. Got "
                             f"{tuple(getattr(X, 'shape', ()))} and "
                             f"{tuple(getattr(y, 'shape', ()))} instead.")
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"The 'dtype' parameter of {owner} must be torch.float32 or "
                             f"torch.float64. Got {dtype!r} instead.")
        self.model = copy.deepcopy(model).to(dtype)
        self.dtype = dtype
        self.X, self.y = X.to(dtype), y.long()
        named = [(k, p) for k, p in self.model.named_parameters()]
        self.names = [k for k, _ in named]
        self.shapes = [tuple(p.shape) for _, p in named]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.n = int(sum(self.sizes))
        self.theta0 = np.concatenate([p.detach().double().reshape(-1).numpy()
                                      for _, p in named])

    # ----------------------------------------------------------- flat <-> tensors
    def split(self, theta):
        """The flat vector as a list of arrays with the parameters' shapes."""
        theta = self._theta(theta, "theta", "Landscape.split")
        out, i = [], 0
        for s, k in zip(self.shapes, self.sizes):
            out.append(theta[i:i + k].reshape(s))
            i += k
        return out

    def join(self, arrays):
        """Inverse of :meth:`split`."""
        return np.concatenate([np.asarray(a, dtype=float).reshape(-1) for a in arrays])

    def _theta(self, theta, name, owner):
        return check_array(theta, name, owner, shape=(self.n,))

    def _params(self, t):
        # flat torch tensor (n,) -> {name: view with the parameter's shape}
        out, i = {}, 0
        for name, s, k in zip(self.names, self.shapes, self.sizes):
            out[name] = t[i:i + k].reshape(s)
            i += k
        return out

    def logits(self, t):
        """Logits on ``X`` for a flat *torch* vector ``t`` (differentiable)."""
        return torch.func.functional_call(self.model, self._params(t), (self.X,))

    def loss_torch(self, t):
        """``L(t)`` for a flat torch vector (differentiable, for HVPs and training)."""
        return F.cross_entropy(self.logits(t), self.y)

    def _tensor(self, theta):
        return torch.as_tensor(np.asarray(theta, dtype=float), dtype=self.dtype)

    def loss(self, theta):
        """``L(theta) = mean_i -log softmax(f(x_i; theta))_{y_i}`` (a float)."""
        theta = self._theta(theta, "theta", "Landscape.loss")
        with torch.no_grad():
            return float(self.loss_torch(self._tensor(theta)))

    def accuracy(self, theta):
        """Fraction of ``X`` classified correctly (argmax of the logits)."""
        theta = self._theta(theta, "theta", "Landscape.accuracy")
        with torch.no_grad():
            return float((self.logits(self._tensor(theta)).argmax(1) == self.y)
                         .double().mean())

    def evaluate(self, thetas, chunk=64):
        """Loss and accuracy at each row of ``thetas`` (k, n), vectorised with
        ``torch.func.vmap`` over chunks of rows; returns two arrays of shape (k,)."""
        thetas = check_array(thetas, "thetas", "Landscape.evaluate", ndim=2)
        if thetas.shape[1] != self.n:
            raise ValueError(f"The 'thetas' parameter of Landscape.evaluate must have "
                             f"{self.n} columns (the number of parameters). Got "
                             f"{thetas.shape[1]} instead.")

        def one(t):
            z = self.logits(t)
            return F.cross_entropy(z, self.y), (z.argmax(1) == self.y).to(z.dtype).mean()

        losses, accs = [], []
        with torch.no_grad():
            for i in range(0, len(thetas), chunk):
                T = self._tensor(thetas[i:i + chunk])
                try:
                    lo, ac = torch.func.vmap(one)(T)
                except RuntimeError:             # modules that vmap cannot batch (BN)
                    pairs = [one(t) for t in T]
                    lo = torch.stack([p[0] for p in pairs])
                    ac = torch.stack([p[1] for p in pairs])
                losses.append(lo.double().numpy())
                accs.append(ac.double().numpy())
        return np.concatenate(losses), np.concatenate(accs)

    def grad(self, theta):
        """``grad L(theta)`` by backpropagation (float64 array)."""
        t = self._tensor(self._theta(theta, "theta", "Landscape.grad")).requires_grad_(True)
        (g,) = torch.autograd.grad(self.loss_torch(t), t)
        return g.double().numpy()

    def hvp(self, theta):
        """``v -> H(theta) v`` on numpy arrays, by double backward (Pearlmutter 1994,
        :func:`course_lib.second_order.autograd.hvp_autograd`)."""
        t = self._tensor(self._theta(theta, "theta", "Landscape.hvp"))

        def product(v):
            return hvp_autograd(self.loss_torch, t, self._tensor(v)).double().numpy()
        return product


def _check_land(land, owner):
    if not isinstance(land, Landscape):
        raise TypeError(f"The 'land' parameter of {owner} must be a "
                        f"course_lib.landscape.Landscape. Got {type(land).__name__} "
                        f"instead.")
    return land


# ----------------------------------------------------------------- 1-D interpolation
def interpolate(land, theta_a, theta_b, t=None):
    """Loss and accuracy on the segment ``theta(t) = (1 - t) theta_a + t theta_b``.

    Goodfellow et al. (2015) draw this between the initial and the trained weights;
    between two trained solutions it shows the barrier of :func:`barrier`. ``t`` may
    leave [0, 1] to show the surroundings.

    Parameters
    ----------
    land : Landscape
    theta_a, theta_b : arrays (n,)
    t : 1-d array, default ``np.linspace(0, 1, 25)``

    Returns
    -------
    PathValues ``(t, loss, accuracy)``

    Examples
    --------
    >>> from course_lib.training import digits, mlp
    >>> d = digits(); land = Landscape(mlp((8,)), d.X_train, d.y_train)
    >>> pv = interpolate(land, land.theta0, 0 * land.theta0, [0.0, 1.0])
    >>> round(float(pv.loss[1]), 4)     # theta = 0: uniform logits, loss log(10)
    2.3026
    """
    owner = "interpolate"
    _check_land(land, owner)
    a = land._theta(theta_a, "theta_a", owner)
    b = land._theta(theta_b, "theta_b", owner)
    t = _ts(np.linspace(0.0, 1.0, 25) if t is None else t, "t", owner)
    loss, acc = land.evaluate((1 - t)[:, None] * a + t[:, None] * b)
    return PathValues(t, loss, acc)


# ----------------------------------------------------------------- 2-D slices
def random_direction(land, seed=0):
    """A direction with standard normal entries (flat, shape (n,)), seeded."""
    _check_land(land, "random_direction")
    rng = check_random_state(seed, "seed", "random_direction")
    return rng.standard_normal(land.n)


def slice_2d(land, theta, d1, d2, alphas, betas):
    """``L(theta + a d1 + b d2)`` and the accuracy on the grid ``alphas x betas``.

    Parameters
    ----------
    land : Landscape
    theta, d1, d2 : arrays (n,)  the centre and the two directions (normalise them
        first with :func:`filter_normalize` for Li et al.'s plots)
    alphas, betas : 1-d arrays

    Returns
    -------
    (loss, accuracy) : arrays of shape ``(len(betas), len(alphas))`` (rows: ``b``), the
    layout of ``matplotlib``'s ``contour(alphas, betas, loss)``.

    Examples
    --------
    >>> from course_lib.training import digits, mlp
    >>> d = digits(); land = Landscape(mlp((8,)), d.X_train, d.y_train)
    >>> L, _ = slice_2d(land, land.theta0, land.theta0, 0 * land.theta0, [0.0, -1.0], [0.0])
    >>> round(float(L[0, 1]), 4)        # theta0 - theta0 = 0: loss log(10)
    2.3026
    """
    owner = "slice_2d"
    _check_land(land, owner)
    th = land._theta(theta, "theta", owner)
    d1 = land._theta(d1, "d1", owner)
    d2 = land._theta(d2, "d2", owner)
    a = _ts(alphas, "alphas", owner)
    b = _ts(betas, "betas", owner)
    A, B = np.meshgrid(a, b)
    pts = th + A.reshape(-1, 1) * d1 + B.reshape(-1, 1) * d2
    loss, acc = land.evaluate(pts)
    return loss.reshape(A.shape), acc.reshape(A.shape)


# ----------------------------------------------------------------- curvature
def sharpness(land, theta, *, iters=200, tol=1e-8, seed=0):
    """The sharpness ``lambda_max(H(theta))`` of ``L`` by power iteration on HVPs.

    Power iteration (:func:`course_lib.second_order.power_iteration`) on exact
    Hessian-vector products returns the eigenvalue of largest *magnitude*; at the
    networks of this course it is the largest positive one (the tests compare with the
    explicit Hessian's ``eigvalsh``). Gradient descent with step ``lr`` is stable on the
    local quadratic model only if ``lr < 2 / lambda_max`` (Cohen et al. 2021).

    Returns
    -------
    float

    Examples
    --------
    >>> from course_lib.training import digits, mlp
    >>> d = digits(); land = Landscape(mlp((4,)), d.X_train[:200], d.y_train[:200])
    >>> lam = sharpness(land, land.theta0)
    >>> bool(np.isclose(lam, hessian_spectrum(land, land.theta0)[-1], rtol=1e-5))
    True
    """
    owner = "sharpness"
    _check_land(land, owner)
    th = land._theta(theta, "theta", owner)
    iters = check_int(iters, "iters", owner, low=1)
    tol = check_scalar(tol, "tol", owner, low=0.0, closed="left")
    lam, _, _ = power_iteration(land.hvp(th), land.n, iters=iters, tol=tol, seed=seed)
    return float(lam)


def hessian(land, theta):
    """The explicit ``n x n`` Hessian from ``n`` HVPs (small networks only;
    :func:`course_lib.second_order.hessian_from_hvp`)."""
    owner = "hessian"
    _check_land(land, owner)
    th = land._theta(theta, "theta", owner)
    if land.n > 5000:
        raise ValueError(f"The 'land' parameter of {owner} must have at most 5000 "
                         f"parameters for an explicit Hessian. Got {land.n} instead; use "
                         f"hessian_spectrum(..., k=...) (Lanczos).")
    return hessian_from_hvp(land.hvp(th), land.n)


def hessian_spectrum(land, theta, k=None, seed=0):
    """Eigenvalues of ``H(theta)``, ascending.

    ``k=None``: all ``n`` of them (``numpy.linalg.eigvalsh`` of :func:`hessian`);
    otherwise the ``k`` Ritz values of ``k`` Lanczos steps
    (:func:`course_lib.second_order.lanczos`), whose extreme values approximate the
    extreme eigenvalues.
    """
    owner = "hessian_spectrum"
    _check_land(land, owner)
    if k is None:
        return np.linalg.eigvalsh(hessian(land, theta))
    th = land._theta(theta, "theta", owner)
    k = check_int(k, "k", owner, low=1, high=land.n)
    return lanczos(land.hvp(th), land.n, k, seed=seed)


# ----------------------------------------------------------------- mode connectivity
def bezier_path(land, theta_a, theta_c, theta_b, t=None):
    """Loss and accuracy along :func:`bezier` (default ``t = linspace(0, 1, 25)``)."""
    _check_land(land, "bezier_path")
    t = np.linspace(0.0, 1.0, 25) if t is None else t
    pts = bezier(theta_a, theta_c, theta_b, t)
    loss, acc = land.evaluate(pts)
    return PathValues(np.asarray(t, dtype=float), loss, acc)


class BezierFit(NamedTuple):
    """``theta_c`` the trained control point; ``losses`` the loss at the sampled ``t`` of
    every step; ``ts`` those ``t``."""

    theta_c: np.ndarray
    losses: np.ndarray
    ts: np.ndarray


def fit_bezier(land, theta_a, theta_b, *, steps=300, lr=0.01, batch_size=None, seed=0):
    """Train the control point of a low-loss Bezier curve between two solutions.

    Garipov et al. (2018, sec. 3.2) minimise ``E_{t ~ U(0,1)} L(phi_theta(t))`` over the
    control point: each step draws one ``t``, evaluates the loss at ``phi(t)`` (on a
    minibatch of ``batch_size`` rows, or all rows) and takes an Adam step
    (``torch.optim.Adam``) on ``theta_c``, started at the midpoint
    ``(theta_a + theta_b) / 2`` (the straight line). The ends stay fixed.

    Parameters
    ----------
    land : Landscape
    theta_a, theta_b : arrays (n,)
    steps : int >= 1
    lr : float > 0
    batch_size : int or None
    seed : int  (the draws of ``t`` and of the minibatches)

    Returns
    -------
    BezierFit
    """
    owner = "fit_bezier"
    _check_land(land, owner)
    a = land._tensor(land._theta(theta_a, "theta_a", owner))
    b = land._tensor(land._theta(theta_b, "theta_b", owner))
    steps = check_int(steps, "steps", owner, low=1)
    lr = check_scalar(lr, "lr", owner, low=0.0)
    N = len(land.y)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", owner, low=1, high=N)
    rng = check_random_state(seed, "seed", owner)
    c = ((a + b) / 2).clone().requires_grad_(True)
    opt = torch.optim.Adam([c], lr=lr)
    losses, ts = [], rng.uniform(0.0, 1.0, steps)
    for t in ts:
        phi = (1 - t) ** 2 * a + 2 * t * (1 - t) * c + t ** 2 * b
        if batch_size is None:
            loss = land.loss_torch(phi)
        else:
            idx = torch.as_tensor(rng.choice(N, batch_size, replace=False))
            z = torch.func.functional_call(land.model, land._params(phi), (land.X[idx],))
            loss = F.cross_entropy(z, land.y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return BezierFit(c.detach().double().numpy(), np.array(losses), ts)


# ----------------------------------------------------------------- reparameterisation
def rescale_layer(land, theta, alpha, layer=0):
    """``(W_k, b_k, W_{k+1}) -> (alpha W_k, alpha b_k, W_{k+1} / alpha)`` for ``alpha > 0``.

    For a network ``... W_{k+1} relu(W_k h + b_k) ...`` this leaves the function (and so
    the loss and every accuracy) unchanged, because ``relu(alpha z) = alpha relu(z)``,
    while the Hessian changes: the block of ``W_k`` scales by ``1 / alpha^2`` and that of
    ``W_{k+1}`` by ``alpha^2`` (Dinh et al. 2017, sec. 4), so the sharpness can be made as
    large as one likes. Assumes the parameters are ``W_1, b_1, W_2, b_2, ...`` (the
    layout of :func:`course_lib.training.mlp`).

    Examples
    --------
    >>> from course_lib.training import digits, mlp
    >>> d = digits(); land = Landscape(mlp((8,), activation="relu"), d.X_train, d.y_train)
    >>> th2 = rescale_layer(land, land.theta0, 10.0)
    >>> bool(np.isclose(land.loss(th2), land.loss(land.theta0), rtol=1e-12))
    True
    """
    owner = "rescale_layer"
    _check_land(land, owner)
    th = land._theta(theta, "theta", owner)
    alpha = check_scalar(alpha, "alpha", owner, low=0.0)
    n_linear = len(land.shapes) // 2
    layer = check_int(layer, "layer", owner, low=0, high=max(n_linear - 2, 0))
    if n_linear < 2 or any(len(s) != (2 if i % 2 == 0 else 1)
                           for i, s in enumerate(land.shapes)):
        raise ValueError(f"The 'land' parameter of {owner} must hold an mlp with at least "
                         f"two Linear layers (parameters W1, b1, W2, b2, ...). Got shapes "
                         f"{land.shapes} instead.")
    parts = land.split(th)
    parts[2 * layer] = alpha * parts[2 * layer]
    parts[2 * layer + 1] = alpha * parts[2 * layer + 1]
    parts[2 * layer + 2] = parts[2 * layer + 2] / alpha
    return land.join(parts)


class VolumeEstimate(NamedTuple):
    """``fraction`` of the probes that stayed below the threshold, its ``std_error``
    ``sqrt(p (1 - p) / samples)``, and the loss increase of every probe."""

    fraction: float
    std_error: float
    increases: np.ndarray


def flat_volume(land, theta, radius, threshold, *, samples=200, seed=0):
    """Monte Carlo estimate of the "volume" of low loss around ``theta``.

    The fraction of the sphere ``||u|| = radius`` on which the loss rises by at most
    ``threshold``: ``P_u[L(theta + u) - L(theta) <= threshold]`` with ``u`` uniform on
    the sphere (a normalised Gaussian), estimated from ``samples`` probes. This is the
    quantity behind the "flat minima have more volume" intuition of Hochreiter &
    Schmidhuber (1997) and of PAC-Bayes bounds with an isotropic Gaussian posterior
    (Dziugaite & Roy 2017); like the sharpness it depends on the parameterisation.

    Returns
    -------
    VolumeEstimate
    """
    owner = "flat_volume"
    _check_land(land, owner)
    th = land._theta(theta, "theta", owner)
    radius = check_scalar(radius, "radius", owner, low=0.0)
    threshold = check_scalar(threshold, "threshold", owner, low=0.0, closed="left")
    samples = check_int(samples, "samples", owner, low=2)
    rng = check_random_state(seed, "seed", owner)
    U = rng.standard_normal((samples, land.n))
    U *= radius / np.linalg.norm(U, axis=1, keepdims=True)
    loss, _ = land.evaluate(th + U)
    inc = loss - land.loss(th)
    p = float(np.mean(inc <= threshold))
    return VolumeEstimate(p, float(np.sqrt(p * (1 - p) / samples)), inc)
