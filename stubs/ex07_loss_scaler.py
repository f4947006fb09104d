"""Exercise ex07_loss_scaler -- the dynamic loss scale of float16 training.

float16 has a narrow range: entries below ``2^-24 ~ 6e-8`` round to zero and entries
above ``65504`` overflow to inf. Mixed-precision training therefore multiplies the loss
by a *scale* before the backward pass (so small gradients survive) and divides the
gradients by it before the step. ``torch.amp.GradScaler`` adapts the scale after every
step with this rule:

    if the (scaled) gradients contain an inf or NaN:
        skip the optimizer step
        scale  <- scale * backoff_factor            (default 0.5)
        good   <- 0
    otherwise (finite gradients):
        good   <- good + 1
        if good == growth_interval:                  (default 2000)
            scale <- scale * growth_factor           (default 2)
            good  <- 0

``good`` counts the finite steps *in a row* since the last change of the scale.

Function to write
-----------------
loss_scales(found_infs, init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5,
            growth_interval=2000) -> ndarray

* ``found_infs`` is a sequence of booleans, one per step: did step ``t``'s gradients
  overflow?
* Return a float64 array of length ``len(found_infs) + 1``: entry 0 is ``init_scale``
  and entry ``t + 1`` the scale after the update of step ``t``.
* ``growth_interval < 1`` raises ``ValueError`` naming ``growth_interval``;
  ``backoff_factor`` outside ``(0, 1)`` raises ``ValueError`` naming ``backoff_factor``.

Check your work with ``check("ex07_loss_scaler")``, or ``make grade``.
"""
import numpy as np


def loss_scales(found_infs, init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5,
                growth_interval=2000):
    """The loss scale before the first step and after each step's update.

    Returns
    -------
    ndarray of float, length ``len(found_infs) + 1``
    """
    raise NotImplementedError("loss_scales: replace this line with your code")
