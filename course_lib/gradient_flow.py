"""How gradients grow or shrink on their way back through a deep chain or an RNN.

One backward pass, written once (numpy, float64), for the chain

    z_l = W_l h_{l-1} + b_l,     h_l = phi(z_l),     l = 1 .. L,     loss = c . h_L

(``b_l`` is an optional drive: zero in a deep network, ``U x_l`` in a recurrent one).
Back-propagation gives ``dL/dh_L = c`` and, going down,

    delta_l = dL/dz_l = phi'(z_l) * dL/dh_l,      dL/dh_{l-1} = W_l^T delta_l,
    dL/dW_l = delta_l h_{l-1}^T.

For a linear chain (``phi = id``) of scaled orthogonal matrices ``W_l = s Q_l`` this is a
closed form: ``||dL/dh_l|| = s^(L - l) ||c||`` and ``||dL/dW_l||_F = s^(L - 1) ||c||
||h_0||`` (a rank-one outer product of ``s^(L-l) ||c||`` and ``s^(l-1) ||h_0||``): the
backward signal explodes for ``s > 1`` and vanishes for ``s < 1`` geometrically in the
depth. A recurrent network is the same chain with one tied matrix ``W_l = W``; its
gradient with respect to ``W`` is the sum of the per-step ones ("back-propagation
through time").

Functions
---------
backprop_chain       activations and gradients of the chain above
random_chain         seeded weights ``W_l = s G_l / sqrt(n)`` (Gaussian) or ``s Q_l``
layer_gradient_norms ``||dL/dW_l||_F`` and ``||dL/dh_l||`` of a random deep chain
rnn_gradients        an Elman RNN's gradients through time (``dL/dh_t``, ``dL/dW``, ``dL/dU``)

References
----------
Y. Bengio, P. Simard and P. Frasconi, Learning long-term dependencies with gradient
descent is difficult, IEEE TNN 5(2), 1994; R. Pascanu, T. Mikolov and Y. Bengio, On the
difficulty of training recurrent neural networks, ICML 2013, section 2; X. Glorot and
Y. Bengio, Understanding the difficulty of training deep feedforward neural networks,
AISTATS 2010.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_array, check_int, check_scalar

__all__ = ["ACTIVATIONS", "ChainGradients", "backprop_chain", "random_chain",
           "layer_gradient_norms", "RNNGradients", "rnn_gradients"]

#: phi and phi' of each activation.
ACTIVATIONS = {
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
}


def _activation(name, owner):
    if name not in ACTIVATIONS:
        raise ValueError(f"The 'activation' parameter of {owner} must be one of "
                         f"{sorted(ACTIVATIONS)}. Got {name!r} instead.")
    return ACTIVATIONS[name]


class ChainGradients(NamedTuple):
    """What :func:`backprop_chain` returns (index ``l`` as in the module docstring)."""

    h: list        # h_0 .. h_L (L + 1 vectors)
    grad_h: list   # dL/dh_0 .. dL/dh_L
    grad_z: list   # dL/dz_1 .. dL/dz_L (delta_l)
    grad_W: list   # dL/dW_1 .. dL/dW_L
    loss: float    # c . h_L


def backprop_chain(weights, h0, c, activation="linear", drives=None):
    """Forward and backward pass of ``h_l = phi(W_l h_{l-1} + b_l)``, ``loss = c . h_L``.

    Parameters
    ----------
    weights : sequence of L arrays, ``W_l`` of shape ``(n_l, n_{l-1})``
    h0 : array (n_0,)  the input
    c : array (n_L,)  the read-out: ``loss = c . h_L``, so ``dL/dh_L = c``
    activation : "linear", "tanh" or "relu"
    drives : sequence of L arrays ``b_l`` (n_l,), optional (zeros)

    Returns
    -------
    ChainGradients
        ``grad_h[l] = dL/dh_l`` (``grad_h[L] = c``), ``grad_W[l-1] = delta_l h_{l-1}^T``.

    Examples
    --------
    >>> W = [2.0 * np.eye(2)] * 3                       # s = 2, depth 3, linear
    >>> g = backprop_chain(W, np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    >>> [float(np.linalg.norm(v)) for v in g.grad_h]    # s^(L - l) ||c||
    [8.0, 4.0, 2.0, 1.0]

    References
    ----------
    Rumelhart, Hinton and Williams (1986); Goodfellow, Bengio and Courville, Deep
    Learning (2016), section 6.5.
    """
    owner = "backprop_chain"
    phi, dphi = _activation(activation, owner)
    Ws = [check_array(W, "weights", owner, ndim=2) for W in weights]
    if not Ws:
        raise ValueError(f"The 'weights' parameter of {owner} must hold at least one "
                         f"matrix. Got none.")
    h = [check_array(h0, "h0", owner, ndim=1)]
    bs = [None] * len(Ws) if drives is None else [check_array(b, "drives", owner, ndim=1)
                                                   for b in drives]
    if len(bs) != len(Ws):
        raise ValueError(f"The 'drives' parameter of {owner} must have one vector per "
                         f"weight matrix ({len(Ws)}). Got {len(bs)} instead.")
    zs = []
    for W, b in zip(Ws, bs):
        if W.shape[1] != h[-1].shape[0]:
            raise ValueError(f"The 'weights' parameter of {owner} must chain: a matrix of "
                             f"shape {W.shape} cannot act on a vector of length "
                             f"{h[-1].shape[0]}.")
        z = W @ h[-1] + (0.0 if b is None else b)
        zs.append(z)
        h.append(phi(z))
    c = check_array(c, "c", owner, ndim=1, shape=h[-1].shape)
    grad_h = [None] * len(h)
    grad_h[-1] = c
    grad_z, grad_W = [None] * len(Ws), [None] * len(Ws)
    for l in range(len(Ws), 0, -1):
        delta = dphi(zs[l - 1]) * grad_h[l]
        grad_z[l - 1] = delta
        grad_W[l - 1] = np.outer(delta, h[l - 1])
        grad_h[l - 1] = Ws[l - 1].T @ delta
    return ChainGradients(h, grad_h, grad_z, grad_W, float(c @ h[-1]))


def random_chain(depth, width, scale, seed=0, orthogonal=False):
    """``depth`` seeded square matrices: ``W_l = scale * G_l / sqrt(width)`` with
    i.i.d. standard normal ``G_l`` (so ``E ||W_l v||^2 = scale^2 ||v||^2``; ``scale = 1``
    is LeCun / Xavier's variance 1/n), or ``scale * Q_l`` with ``Q_l`` Haar-orthogonal.

    References
    ----------
    Glorot and Bengio (2010); A. Saxe, J. McClelland and S. Ganguli, Exact solutions to
    the nonlinear dynamics of learning in deep linear networks, ICLR 2014 (orthogonal).
    """
    owner = "random_chain"
    depth = check_int(depth, "depth", owner, low=1)
    width = check_int(width, "width", owner, low=1)
    scale = check_scalar(scale, "scale", owner, low=0.0)
    rng = np.random.default_rng(seed)
    Ws = []
    for _ in range(depth):
        G = rng.standard_normal((width, width))
        if orthogonal:
            Q, R = np.linalg.qr(G)
            Ws.append(scale * Q * np.sign(np.diag(R)))
        else:
            Ws.append(scale * G / np.sqrt(width))
    return Ws


def layer_gradient_norms(depth, width, scale, activation="linear", seed=0,
                         orthogonal=False):
    """Per-layer gradient norms of a random deep chain at initialisation.

    The chain is :func:`random_chain` ``(depth, width, scale, seed, orthogonal)``, the
    input ``h_0`` and the read-out ``c`` are unit vectors drawn from the same seed, and
    the backward pass is :func:`backprop_chain`.

    Returns
    -------
    (grad_W, grad_h) : two arrays of length ``depth``
        ``||dL/dW_l||_F`` and ``||dL/dh_{l-1}||`` for ``l = 1 .. depth`` (layer 1 is the
        one nearest the input, farthest from the loss).
    """
    Ws = random_chain(depth, width, scale, seed, orthogonal)
    rng = np.random.default_rng([seed, 1])
    h0, c = rng.standard_normal(width), rng.standard_normal(width)
    g = backprop_chain(Ws, h0 / np.linalg.norm(h0), c / np.linalg.norm(c), activation)
    return (np.array([np.linalg.norm(G) for G in g.grad_W]),
            np.array([np.linalg.norm(v) for v in g.grad_h[:-1]]))


class RNNGradients(NamedTuple):
    """What :func:`rnn_gradients` returns."""

    h: np.ndarray        # (T + 1, n): h_0 = 0, h_1 .. h_T
    grad_h: np.ndarray   # (T + 1, n): dL/dh_t, back through time from dL/dh_T = c
    grad_W: np.ndarray   # (n, n): sum_t delta_t h_{t-1}^T
    grad_U: np.ndarray   # (n, m): sum_t delta_t x_t^T
    loss: float


def rnn_gradients(W, U, xs, c, activation="tanh"):
    """An Elman RNN ``h_t = phi(W h_{t-1} + U x_t)``, ``h_0 = 0``, ``loss = c . h_T``.

    The unrolled network is :func:`backprop_chain` with ``W_t = W`` for every ``t`` and
    drives ``U x_t``; the gradients of the tied weights are the sums over time,
    ``dL/dW = sum_t delta_t h_{t-1}^T`` and ``dL/dU = sum_t delta_t x_t^T``.
    ``||dL/dh_t||`` as ``t`` goes back from ``T`` shows whether the signal from the loss
    explodes or vanishes with the distance in time (Pascanu et al. 2013, eq. 3-5: it is
    a product of the Jacobians ``W^T diag(phi'(z_k))``).

    Parameters
    ----------
    W : array (n, n), U : array (n, m), xs : array (T, m), c : array (n,)
    activation : "linear", "tanh" or "relu"

    Returns
    -------
    RNNGradients
    """
    owner = "rnn_gradients"
    W = check_array(W, "W", owner, ndim=2)
    U = check_array(U, "U", owner, ndim=2)
    xs = check_array(xs, "xs", owner, ndim=2)
    if W.shape[0] != W.shape[1] or U.shape[0] != W.shape[0] or xs.shape[1] != U.shape[1]:
        raise ValueError(f"The shapes given to {owner} must be W (n, n), U (n, m), xs "
                         f"(T, m). Got W {W.shape}, U {U.shape}, xs {xs.shape} instead.")
    g = backprop_chain([W] * len(xs), np.zeros(W.shape[0]), c, activation,
                       drives=[U @ x for x in xs])
    grad_U = sum(np.outer(d, x) for d, x in zip(g.grad_z, xs))
    return RNNGradients(np.array(g.h), np.array(g.grad_h), sum(g.grad_W), grad_U, g.loss)
