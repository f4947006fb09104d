"""Exercise ex10_filter_normalize -- filter normalisation of a direction (Li et al. 2018).

A 2-D slice of a loss landscape plots ``L(theta + a d1 + b d2)`` for random directions
``d1, d2``. Drawn raw, a direction moves a unit with small weights by much more, relative
to its size, than a unit with large weights, and a ReLU network can be rescaled (a unit's
input weights times c, its output weights divided by c) without changing its function
but changing the raw slice. Li et al. normalise each *filter* of the direction to the
norm of the same filter of the weights::

    D[i] <- D[i] / ||D[i]|| * ||W[i]||        (Frobenius norm of the whole slice D[i])

where a filter is the slice along the first axis: a row of a Linear weight ``(out, in)``,
an output channel of a convolution ``(out, in, kh, kw)``. Biases (1-d tensors) get a
zero direction.

Function to write
-----------------
filter_normalize(direction, weights) -> list of arrays

* ``direction`` and ``weights`` are lists of numpy arrays with matching shapes (one per
  parameter tensor). Return a new list of arrays of the same shapes.
* 1-d entries (biases): zeros.
* A zero filter of the direction stays zero (no NaN); a zero filter of the weights gives
  a zero filter.
* Do not modify the caller's arrays.

Hints
-----
* ``np.sqrt((d * d).sum(axis=tuple(range(1, d.ndim)), keepdims=True))`` is the norm of
  every filter at once, shaped to broadcast against ``d``.
* Reference: Li, Xu, Taylor, Studer, Goldstein, Visualizing the loss landscape of neural
  nets, NeurIPS 2018, section 4.

Check your work with ``check("ex10_filter_normalize")``.
"""
import numpy as np


def filter_normalize(direction, weights):
    """Rescale each filter of ``direction`` to the norm of the matching filter of
    ``weights``; biases -> zeros.

    Parameters
    ----------
    direction, weights : lists of arrays with the same shapes

    Returns
    -------
    list of arrays
    """
    # BEGIN SOLUTION
    out = []
    for d, w in zip(direction, weights):
        d, w = np.asarray(d, dtype=float), np.asarray(w, dtype=float)
        if d.ndim <= 1:
            out.append(np.zeros_like(d))
            continue
        axes = tuple(range(1, d.ndim))
        dn = np.sqrt((d * d).sum(axis=axes, keepdims=True))
        wn = np.sqrt((w * w).sum(axis=axes, keepdims=True))
        factor = np.where(dn > 0, wn / np.where(dn > 0, dn, 1.0), 0.0)
        out.append(d * factor)
    return out
    # END SOLUTION
