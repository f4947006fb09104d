"""Exercise ex11_training_step -- the torch training loop, line by line, in numpy.

A torch training loop with SGD + momentum and a per-epoch StepLR schedule reads

    for epoch in range(n_epochs):
        for X_b, y_b in loader:                 # the minibatches of this epoch
            optimizer.zero_grad()               # 1. forget the last step's gradient
            loss = loss_fn(model(X_b), y_b)     # 2. forward and loss
            loss.backward()                     # 3. p.grad = gradient of THIS batch
            optimizer.step()                    # 4. b <- momentum b + g; w <- w - lr b
        scheduler.step()                        # 5. once per epoch: lr <- gamma lr

Write the same loop on a numpy weight vector ``w`` for least squares,
``loss = mean_i (x_i . w - y_i)^2 / 2`` over the batch. Lines 1-3 give the FRESH gradient
of this batch at the current ``w``:

    g = X_b^T (X_b w - y_b) / n_b          (X_b, y_b = X[idx], y[idx]; n_b = len(idx))

and then you write what ``step()`` and ``scheduler.step()`` do:

    b = g on the first step, then b = momentum * b + g   (torch.optim.SGD's buffer;
                                                         with momentum = 0 the step uses g)
    w = w - lr_t * b
    lr_t = gamma * lr_t after the LAST batch of each epoch (StepLR(step_size=1, gamma))

Function to write
-----------------
train_sgd(X, y, w0, epochs, lr, momentum=0.0, gamma=1.0) -> ndarray

* ``epochs`` is a list of epochs, each a list of 1-d integer index arrays (the
  minibatches in the order the loader yields them).
* Return every iterate: row 0 is ``w0``, then one row per optimizer step, shape
  ``(number of minibatches + 1, d)``.
* ``w0`` belongs to the caller: do not modify it. One optimizer for the whole run:
  the momentum buffer carries over from one epoch to the next.
* ``lr <= 0`` raises ``ValueError`` with a message naming ``lr``.

Check your work with ``check("ex11_training_step")``, or ``make grade``.
"""
import numpy as np


def train_sgd(X, y, w0, epochs, lr, momentum=0.0, gamma=1.0):
    """SGD with torch's momentum and a per-epoch step decay of the learning rate.

    Parameters
    ----------
    X : ndarray (n, d), y : ndarray (n,)  the data
    w0 : ndarray (d,)  initial weights (not modified)
    epochs : list of lists of int arrays
    lr : float > 0
    momentum : float in [0, 1)
    gamma : float > 0  lr factor applied after each epoch

    Returns
    -------
    ndarray (n_steps + 1, d)
    """
    raise NotImplementedError("train_sgd: replace this line with your code")
