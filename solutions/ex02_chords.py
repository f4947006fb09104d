"""Exercise ex02_chords -- test convexity along a chord.

``f`` is convex when every chord lies above the graph: for all ``x, y`` and
``a`` in [0, 1],

    gap(a) = a f(x) + (1 - a) f(y) - f(a x + (1 - a) y) >= 0.

One negative gap proves that ``f`` is not convex.

Function to write
-----------------
chord_gaps(f, x, y, alphas) -> ndarray of shape (len(alphas),)

* ``f(z)`` returns a float for an array ``z`` of shape (d,).
* ``x``, ``y``: arrays of shape (d,) (do not modify them).
* ``alphas``: a 1-d array of weights; entry ``k`` of the result is ``gap(alphas[k])``.
* A weight outside [0, 1] raises ``ValueError`` with a message that names ``alphas``.

Hints
-----
* ``a = 1`` gives the point ``x`` and ``a = 0`` the point ``y``: both gaps are 0.
* For ``f(z) = 1/2 z^T A z`` the gap is ``a (1 - a) / 2 (x - y)^T A (x - y)``.

Check your work in a notebook with ``check("ex02_chords")``, or run ``make grade``.
"""
import numpy as np


def chord_gaps(f, x, y, alphas):
    """The chord-minus-graph gaps ``a f(x) + (1 - a) f(y) - f(a x + (1 - a) y)``.

    Parameters
    ----------
    f : callable, ``f(z) -> float``
    x, y : ndarray, shape (d,)
    alphas : array-like, shape (k,), entries in [0, 1]

    Returns
    -------
    ndarray, shape (k,)

    Raises
    ------
    ValueError
        If an entry of ``alphas`` lies outside [0, 1].
    """
    # BEGIN SOLUTION
    alphas = np.asarray(alphas, dtype=float)
    if np.any((alphas < 0) | (alphas > 1)):
        raise ValueError(f"alphas must lie in [0, 1], got {alphas}")
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    fx, fy = f(x), f(y)
    return np.array([a * fx + (1 - a) * fy - f(a * x + (1 - a) * y) for a in alphas])
    # END SOLUTION
