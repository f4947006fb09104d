"""What the usual gradient-accumulation loop really hands to ``optimizer.step()``.

The loop practitioners write (seed 001, Q6; the PyTorch forums)::

    for epoch in range(epochs):
        for i, batch in enumerate(loader):
            loss = loss_fn(model(batch)) / K
            loss.backward()                      # .grad += gradient of loss / K
            if (i + 1) % K == 0:
                optimizer.step()
                optimizer.zero_grad()

``backward`` *adds* into ``.grad`` and only ``zero_grad`` clears it, so when the number of
batches ``B`` per epoch is not a multiple of ``K`` the last ``B mod K`` batches of an epoch
are not stepped on: their gradients stay in ``.grad`` and are added to the first step of
the next epoch (which then sums ``K + B mod K`` micro-batches, divided by ``K``), and the
very last ones are never used. :func:`accumulation_loop_steps` replays that bookkeeping on
given micro-batch gradients, so the effect can be measured without a model.

References
----------
PyTorch documentation, "Zeroing out gradients in PyTorch" and ``torch.Tensor.backward``
(gradients are accumulated into ``.grad``); seed 001, section 13, Q6.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_array, check_int

__all__ = ["AccumulationSteps", "accumulation_loop_steps"]


class AccumulationSteps(NamedTuple):
    """What :func:`accumulation_loop_steps` returns."""

    grads: list        # the gradient each optimizer.step() sees (in .grad)
    batches: list      # for each step, the (epoch, i) of the micro-batches summed in it
    leftover: np.ndarray   # what is still in .grad after the last epoch (never stepped on)


def accumulation_loop_steps(batch_grads, K, epochs=1):
    """Replay the accumulation loop above on fixed micro-batch gradients.

    Parameters
    ----------
    batch_grads : array (B, d)
        ``g_i``, the gradient of the *mean* loss of batch ``i`` (the same in every epoch:
        the parameters are held fixed, which isolates the bookkeeping).
    K : int >= 1
        Micro-batches per step.
    epochs : int >= 1

    Returns
    -------
    AccumulationSteps
        ``grads[j] = sum over the batches of step j of g_i / K``; with ``B`` a multiple of
        ``K`` every step holds exactly ``K`` batches of one epoch.

    Examples
    --------
    >>> s = accumulation_loop_steps(np.eye(3), K=2, epochs=2)   # B = 3 batches, K = 2
    >>> [len(b) for b in s.batches]                           # the 2nd step holds 3 batches
    [2, 3]
    """
    owner = "accumulation_loop_steps"
    g = check_array(batch_grads, "batch_grads", owner, ndim=2)
    K = check_int(K, "K", owner, low=1)
    epochs = check_int(epochs, "epochs", owner, low=1)
    acc, members = np.zeros(g.shape[1]), []
    grads, batches = [], []
    for e in range(epochs):
        for i, gi in enumerate(g):
            acc = acc + gi / K
            members.append((e, i))
            if (i + 1) % K == 0:
                grads.append(acc)
                batches.append(members)
                acc, members = np.zeros(g.shape[1]), []
    return AccumulationSteps(grads, batches, acc)
