"""Exercise ex03_spectral_radius -- heavy ball's rate on a quadratic.

On a quadratic with Hessian eigenvalues ``lam_i``, heavy ball's error along eigenvector
``i`` obeys ``e_{t+1} = (1 + momentum - lr lam_i) e_t - momentum e_{t-1}``, that is
``(e_{t+1}, e_t) = M_i (e_t, e_{t-1})`` with

    M_i = [[1 + momentum - lr * lam_i, -momentum],
           [1,                          0       ]].

Return the asymptotic rate: the spectral radius ``max_i max |eigenvalue of M_i|``.

Function to write
-----------------
heavy_ball_rate(eigenvalues, lr, momentum) -> float

Hints
-----
* ``np.linalg.eigvals`` gives complex eigenvalues of a non-symmetric matrix; take ``abs``.
* The spectral radius is not the matrix 2-norm (the largest singular value).
* Test yourself: ``course_lib.momentum_theory.spectral_radius``.

Check your work in a notebook with ``check("ex03_spectral_radius")``, or run
``make grade``.
"""
import numpy as np


def heavy_ball_rate(eigenvalues, lr, momentum):
    """Spectral radius of heavy ball's iteration on a quadratic.

    Parameters
    ----------
    eigenvalues : 1-d array-like   Hessian eigenvalues
    lr : float > 0
    momentum : float in [0, 1]

    Returns
    -------
    float
    """
    # BEGIN SOLUTION
    rate = 0.0
    for lam in np.asarray(eigenvalues, dtype=float):
        M = np.array([[1.0 + momentum - lr * lam, -momentum], [1.0, 0.0]])
        rate = max(rate, float(np.max(np.abs(np.linalg.eigvals(M)))))
    return rate
    # END SOLUTION
