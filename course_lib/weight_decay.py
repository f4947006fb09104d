"""Weight decay: the L2 coefficient that equals a decoupled decay, and parameter groups
without decay on biases and normalisation layers (no torch import; works on torch
parameters by duck typing).

Decoupled weight decay multiplies the weights by ``1 - decay`` each step
(Loshchilov & Hutter 2019, Algorithm 1 with ``lambda = decay``); an L2 penalty
``mu/2 ||x||^2`` adds ``mu x`` to the gradient. For plain SGD with step ``lr``

    x - lr (g + mu x) = (1 - lr mu) x - lr g,

so the two are the same update exactly when ``mu = decay / lr``
(:func:`l2_coefficient_for_decay`). With momentum, or any preconditioner (Adam), the
penalty's gradient is also averaged or rescaled and no ``mu`` makes them equal
(``tests/test_weight_decay_forms.py`` proves both facts against torch).

References
----------
Loshchilov & Hutter, Decoupled Weight Decay Regularization, ICLR 2019, §2 and
Proposition 1 (equivalence for SGD with ``lambda' = lambda / alpha``).
torch.optim.AdamW documentation (``weight_decay`` multiplies ``lr``).
"""
from __future__ import annotations

from ._validation import check_int, check_scalar

__all__ = ["l2_coefficient_for_decay", "param_groups", "is_no_decay"]

#: substrings of a parameter's name that mark a normalisation layer (names such as
#: ``norm1``, ``layernorm``, ``batch_norm``; nanoGPT's ``ln_1``, ``ln_f``)
NORM_MARKERS = ("norm", "ln_")


def l2_coefficient_for_decay(lr, decay):
    """The L2 coefficient ``mu = decay / lr`` for which SGD on ``f + mu/2 ||x||^2`` with
    step ``lr`` makes the same update as ``x <- (1 - decay) x - lr grad f(x)``.

    Only plain SGD (no momentum, no adaptive scaling) has such a ``mu``. In torch's
    terms: ``torch.optim.SGD(lr=lr, weight_decay=mu)`` equals a decoupled decay of
    ``decay = lr * mu`` per step.

    Parameters
    ----------
    lr : float > 0
    decay : float in [0, 1)
        The per-step shrink factor is ``1 - decay``.

    Examples
    --------
    >>> l2_coefficient_for_decay(0.1, 0.001)
    0.01

    References
    ----------
    Loshchilov & Hutter (2019), Proposition 1.
    """
    lr = check_scalar(lr, "lr", "l2_coefficient_for_decay", low=0.0)
    decay = check_scalar(decay, "decay", "l2_coefficient_for_decay", low=0.0, high=1.0,
                         closed="left")
    return decay / lr


def is_no_decay(name, shape, batch_dims=0):
    """True for a parameter that the usual recipe does not decay: a bias, a
    normalisation layer's parameter, or any parameter with fewer than 2 dimensions.

    ``batch_dims`` leading axes are not counted (1 for the stacked parameters of
    :func:`course_lib.training.train_seeds`).
    """
    leaf = name.rsplit(".", 1)[-1]
    return (len(tuple(shape)) - batch_dims < 2 or leaf == "bias"
            or any(m in name.lower() for m in NORM_MARKERS))


def param_groups(named, weight_decay, batch_dims=0):
    """Two torch parameter groups: decay on weight matrices, none on biases and norms.

    ``named`` is a sequence of ``(name, p)`` (``model.named_parameters()``) where ``p``
    has a ``.shape``, or of ``(name, shape)``. The groups hold the objects ``p`` (the
    names, when shapes were given) in their input order::

        [{"params": [matrices...], "weight_decay": weight_decay},
         {"params": [biases, norm weights, 1-d...], "weight_decay": 0.0}]

    ready for ``torch.optim.AdamW(param_groups(model.named_parameters(), 0.1), lr=...)``.

    Parameters
    ----------
    named : iterable of (str, tensor or shape)
    weight_decay : float >= 0
    batch_dims : int >= 0
        Leading axes not counted in the rank (see :func:`is_no_decay`).

    Examples
    --------
    >>> g = param_groups([("fc.weight", (4, 3)), ("fc.bias", (4,)),
    ...                   ("norm.weight", (4,))], 0.1)
    >>> g[0], g[1]["params"]
    ({'params': ['fc.weight'], 'weight_decay': 0.1}, ['fc.bias', 'norm.weight'])

    References
    ----------
    The grouping of nanoGPT's ``configure_optimizers`` (Karpathy) and of the
    Hugging Face Trainer (no decay on biases and LayerNorm weights).
    """
    wd = check_scalar(weight_decay, "weight_decay", "param_groups", low=0.0, closed="left")
    batch_dims = check_int(batch_dims, "batch_dims", "param_groups", low=0)
    decay, no_decay = [], []
    for item in named:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
            raise TypeError(f"The 'named' parameter of param_groups must hold (name, "
                            f"parameter) pairs, as model.named_parameters() yields. Got "
                            f"{item!r} instead.")
        name, p = item
        shape = getattr(p, "shape", p)
        (no_decay if is_no_decay(name, shape, batch_dims) else decay).append(
            p if hasattr(p, "shape") else name)
    return [{"params": decay, "weight_decay": wd},
            {"params": no_decay, "weight_decay": 0.0}]
