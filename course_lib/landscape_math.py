"""The numpy half of the landscape tools (no torch): filter normalisation of a
direction, the barrier of a path, the quadratic Bezier curve.

:mod:`course_lib.landscape` applies them to torch networks; the exercises of chapter 10
use these as their references, so grading does not import torch.

References
----------
H. Li, Z. Xu, G. Taylor, C. Studer, T. Goldstein, Visualizing the loss landscape of
neural nets, NeurIPS 2018 (sec. 4). T. Garipov et al., Loss surfaces, mode connectivity,
and fast ensembling of DNNs, NeurIPS 2018 (eq. 2). R. Entezari et al., The role of
permutation invariance in linear mode connectivity of neural networks, ICLR 2022 (def. 1).
"""
from __future__ import annotations

import numpy as np

from ._validation import check_array

__all__ = ["filter_normalize", "barrier", "bezier"]


def _ts(t, name, owner):
    t = check_array(t, name, owner, ndim=1)
    if len(t) == 0:
        raise ValueError(f"The {name!r} parameter of {owner} must hold at least one "
                         f"point. Got an empty array instead.")
    return t


def filter_normalize(direction, weights, ignore_bias=True):
    """Li et al.'s filter normalisation of a direction, layer by layer.

    For each weight tensor ``W`` (a list entry with ``ndim >= 2``) and its direction
    ``D``, each *filter* (a slice ``D[i]`` along the first axis: one output unit of a
    ``Linear``, one output channel of a ``Conv``) is rescaled to the norm of the
    corresponding filter of the weights::

        D[i] <- D[i] / ||D[i]|| * ||W[i]||        (Frobenius norms)

    so that a step ``a`` along ``D`` moves every unit by the same *relative* amount and
    the slice does not depend on the scale of each unit (Li et al. 2018, sec. 4,
    eq. after (1)). Entries with ``ndim <= 1`` (biases, normalisation parameters) are set
    to zero when ``ignore_bias`` (Li et al.'s choice), else treated as one filter.

    Parameters
    ----------
    direction, weights : lists of arrays with the same shapes
        (``Landscape.split`` gives them from flat vectors).
    ignore_bias : bool

    Returns
    -------
    list of arrays (new; the inputs are not changed)

    Examples
    --------
    >>> W = [np.array([[3.0, 4.0], [0.0, 1.0]]), np.array([1.0, 1.0])]
    >>> D = [np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([5.0, 5.0])]
    >>> [a.tolist() for a in filter_normalize(D, W)]
    [[[5.0, 0.0], [0.0, 1.0]], [0.0, 0.0]]
    """
    owner = "filter_normalize"
    if len(direction) != len(weights):
        raise ValueError(f"The 'direction' and 'weights' parameters of {owner} must be "
                         f"lists of the same length. Got {len(direction)} and "
                         f"{len(weights)} instead.")
    out = []
    for k, (d, w) in enumerate(zip(direction, weights)):
        d = check_array(d, f"direction[{k}]", owner)
        w = check_array(w, f"weights[{k}]", owner, shape=d.shape)
        if d.ndim <= 1 and ignore_bias:
            out.append(np.zeros_like(d))
            continue
        shape = d.shape
        if d.ndim <= 1:                       # a bias as one filter
            d, w = d.reshape(1, -1), w.reshape(1, -1)
        axes = tuple(range(1, d.ndim))
        dn = np.sqrt((d * d).sum(axis=axes, keepdims=True))
        wn = np.sqrt((w * w).sum(axis=axes, keepdims=True))
        scaled = d * np.divide(wn, dn, out=np.zeros_like(dn), where=dn > 0)
        out.append(scaled.reshape(shape))
    return out


def barrier(t, losses):
    """The loss barrier of a path whose ends are ``t = 0`` and ``t = 1``.

    ``B = max_t [ L(t) - ((1 - t) L(0) + t L(1)) ]``: the largest excess of the loss
    over the chord between the two ends (Entezari et al. 2022, def. 1; Frankle et al.
    2020 use the mean of the ends instead of the chord). ``B >= 0`` (the ends give 0);
    ``B = 0`` means the path is nowhere above the chord, as on a convex function. ``t`` must be increasing, start at 0 and end at 1.

    Examples
    --------
    >>> barrier([0.0, 0.5, 1.0], [1.0, 3.0, 2.0])      # 3 - 1.5
    1.5
    """
    owner = "barrier"
    t = _ts(t, "t", owner)
    losses = check_array(losses, "losses", owner, shape=t.shape)
    if len(t) < 2 or t[0] != 0.0 or t[-1] != 1.0 or np.any(np.diff(t) <= 0):
        raise ValueError(f"The 't' parameter of {owner} must be increasing from 0.0 to "
                         f"1.0 with at least two points. Got {t.tolist()!r} instead.")
    chord = (1 - t) * losses[0] + t * losses[-1]
    return float(np.max(losses - chord))


def bezier(theta_a, theta_c, theta_b, t):
    """Points of the quadratic Bezier curve (Garipov et al. 2018, eq. 2)::

        phi(t) = (1 - t)^2 theta_a + 2 t (1 - t) theta_c + t^2 theta_b,   t in [0, 1]

    ``theta_c`` is the control point; ``phi(0) = theta_a``, ``phi(1) = theta_b``. Returns
    an array (len(t), n).
    """
    owner = "bezier"
    a = check_array(theta_a, "theta_a", owner, ndim=1)
    c = check_array(theta_c, "theta_c", owner, shape=a.shape)
    b = check_array(theta_b, "theta_b", owner, shape=a.shape)
    t = _ts(t, "t", owner)[:, None]
    return (1 - t) ** 2 * a + 2 * t * (1 - t) * c + t ** 2 * b
