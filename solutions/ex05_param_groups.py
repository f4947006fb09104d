"""Exercise ex05_param_groups -- no weight decay on biases and normalisation layers.

The usual recipe decays weight matrices (and embeddings) but not biases, not the
scales and shifts of normalisation layers, and not any other parameter with fewer
than two dimensions. Given a model's parameters as ``(name, shape)`` pairs, build
the two parameter groups a torch optimizer takes (with names in place of tensors).

Function to write
-----------------
param_groups(named_shapes, weight_decay) -> list of two dicts

    [{"params": [names to decay], "weight_decay": weight_decay},
     {"params": [names not to decay], "weight_decay": 0.0}]

* A parameter is NOT decayed when its shape has fewer than 2 dimensions, when its
  last name component is ``bias``, or when its name contains ``norm`` (any case) or
  ``ln_`` (nanoGPT's ``ln_1``, ``ln_f``).
* Every name goes in exactly one group, in the order given.
* ``weight_decay < 0`` raises ``ValueError`` naming ``weight_decay``.

Hints
-----
* ``name.rsplit(".", 1)[-1]`` is the last component; ``len(shape)`` the rank.
* A LayerNorm weight is called ``...norm.weight``: ``"weight"`` in a name does not
  make it a matrix.

Check your work with ``check("ex05_param_groups")``, or run ``make grade``.
"""


def param_groups(named_shapes, weight_decay):
    """Two groups of parameter names: decayed matrices, undecayed biases and norms."""
    # BEGIN SOLUTION
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got weight_decay={weight_decay!r}")
    decay, no_decay = [], []
    for name, shape in named_shapes:
        skip = (len(shape) < 2 or name.rsplit(".", 1)[-1] == "bias"
                or "norm" in name.lower() or "ln_" in name.lower())
        (no_decay if skip else decay).append(name)
    return [{"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0}]
    # END SOLUTION
