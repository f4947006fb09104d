"""Exercise ex02_classify -- classify a critical point from its Hessian.

At a critical point (``grad f = 0``) the eigenvalues of the Hessian ``H`` decide,
when none of them is zero, what kind of point it is:

* all eigenvalues > 0: ``"minimum"`` (a strict local minimum);
* all eigenvalues < 0: ``"maximum"``;
* some > 0 and some < 0: ``"saddle"`` (also when others are zero);
* otherwise (a zero eigenvalue and no sign change): ``"degenerate"``: the
  second-order test cannot tell (``x^4``, ``x^3`` and ``-x^4`` all have ``f''(0) = 0``).

An eigenvalue counts as zero when ``|lambda| <= 1e-8 * max(1, max_i |lambda_i|)``
(rounding is relative to the matrix's size).

Function to write
-----------------
classify_critical_point(H) -> str, one of "minimum", "maximum", "saddle", "degenerate"

* ``H`` is a symmetric matrix (list or ndarray), shape (d, d).
* A non-square ``H`` raises ``ValueError`` with a message that names ``H``.

Hints
-----
* ``np.linalg.eigvalsh`` gives the eigenvalues of a symmetric matrix, ascending.
* The diagonal entries are not the eigenvalues unless ``H`` is diagonal, and the
  determinant only decides the 2 x 2 case.

Check your work in a notebook with ``check("ex02_classify")``, or run ``make grade``.
"""
import numpy as np


def classify_critical_point(H):
    """Classify a critical point by the signs of its Hessian's eigenvalues.

    Parameters
    ----------
    H : array-like, shape (d, d), symmetric

    Returns
    -------
    str
        ``"minimum"``, ``"maximum"``, ``"saddle"`` or ``"degenerate"``.

    Raises
    ------
    ValueError
        If ``H`` is not a square matrix.
    """
    # BEGIN SOLUTION
    H = np.atleast_2d(np.asarray(H, dtype=float))
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be a square matrix, got shape {H.shape}")
    ev = np.linalg.eigvalsh(H)
    zero = 1e-8 * max(1.0, float(np.abs(ev).max()))
    if np.any(ev > zero) and np.any(ev < -zero):
        return "saddle"
    if np.all(ev > zero):
        return "minimum"
    if np.all(ev < -zero):
        return "maximum"
    return "degenerate"
    # END SOLUTION
