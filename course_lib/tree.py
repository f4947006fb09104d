"""Parameter trees: one ndarray, or a dict / list / tuple of them (nested).

Optimizers in ``course_lib.transforms`` act leaf by leaf, like ``jax.tree_util``
does for optax. Only what the course needs is here: map, zip-map, flatten and
the global Euclidean norm ``sqrt(sum_leaves ||leaf||^2)``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["tree_map", "tree_leaves", "tree_unflatten", "tree_zeros_like", "tree_global_norm",
           "tree_structure_equal"]


def tree_map(fn, tree, *rest):
    """Apply ``fn(leaf, *other_leaves)`` to matching leaves of trees with one structure.

    Examples
    --------
    >>> tree_map(lambda a, b: a + b, {"w": np.ones(2)}, {"w": np.ones(2)})["w"]
    array([2., 2.])
    """
    if isinstance(tree, dict):
        for r in rest:
            if not isinstance(r, dict) or r.keys() != tree.keys():
                raise ValueError(
                    "Parameter trees differ in structure: expected a dict with keys "
                    f"{sorted(tree)}, got {type(r).__name__}"
                    + (f" with keys {sorted(r)}" if isinstance(r, dict) else "") + "."
                )
        return {k: tree_map(fn, tree[k], *(r[k] for r in rest)) for k in tree}
    if isinstance(tree, (list, tuple)):
        for r in rest:
            if not isinstance(r, (list, tuple)) or len(r) != len(tree):
                raise ValueError(
                    f"Parameter trees differ in structure: expected a sequence of "
                    f"length {len(tree)}, got {type(r).__name__}"
                    + (f" of length {len(r)}" if isinstance(r, (list, tuple)) else "")
                    + "."
                )
        out = [tree_map(fn, t, *(r[i] for r in rest)) for i, t in enumerate(tree)]
        return type(tree)(out) if isinstance(tree, tuple) else out
    for r in rest:
        # A leaf against a container must not reach fn: numpy would broadcast
        # ``array + [array]`` into a wrong-shaped result without complaint.
        if isinstance(r, (dict, list, tuple)):
            raise ValueError(
                "Parameter trees differ in structure: expected a leaf (array), got "
                f"{type(r).__name__}."
            )
    return fn(tree, *rest)


def tree_leaves(tree):
    """Return the leaves of ``tree`` as a flat list, in a fixed order (dict keys sorted)."""
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in tree_leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [leaf for t in tree for leaf in tree_leaves(t)]
    return [tree]


def tree_zeros_like(tree):
    """A tree of float zeros with the shapes of ``tree``'s leaves."""
    return tree_map(lambda x: np.zeros_like(np.asarray(x, dtype=float)), tree)


def tree_global_norm(tree):
    """Global Euclidean norm ``sqrt(sum over leaves of sum(leaf**2))``.

    This is the norm ``torch.nn.utils.clip_grad_norm_`` uses over all parameters.
    """
    return float(np.sqrt(sum(float(np.sum(np.square(leaf))) for leaf in tree_leaves(tree))))


def tree_structure_equal(a, b):
    """True when two trees have the same nesting and leaf shapes."""
    shapes_match = []
    try:
        tree_map(lambda x, y: shapes_match.append(np.shape(x) == np.shape(y)), a, b)
    except ValueError:
        return False
    return all(shapes_match)


def tree_unflatten(like, leaves):
    """The tree of ``like``'s structure whose leaves are ``leaves`` (in
    :func:`tree_leaves` order): ``tree_unflatten(t, tree_leaves(t))`` rebuilds ``t``."""
    it = iter(leaves)

    def build(t):
        if isinstance(t, dict):
            built = {k: build(t[k]) for k in sorted(t)}
            return {k: built[k] for k in t}
        if isinstance(t, (list, tuple)):
            out = [build(x) for x in t]
            return type(t)(out) if isinstance(t, tuple) else out
        return next(it)

    return build(like)
