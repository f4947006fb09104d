"""Checks of exercise ex05_param_groups: ``param_groups(named_shapes, weight_decay)``,
two torch-style parameter groups (names in place of tensors) with no decay on biases,
normalisation layers and 1-d parameters.

Reference: :func:`course_lib.weight_decay.param_groups` on the same ``(name, shape)``
pairs (tested there against a grouping by module type on a real torch model). The
models are the parameter lists of a small MLP, a transformer block in nanoGPT's names,
a CNN with BatchNorm, and an edge case (every parameter 1-d; no parameters at all).
"""
from __future__ import annotations

from ..factories import Case, Mistake, Target, matches_reference, rejects_bad_input, \
    satisfies
from ..registry import CheckFailed, Exercise

EXERCISE = Exercise(
    "ex05_param_groups", "Parameter groups without decay on biases and norms",
    functions=("param_groups",),
    reference_functions=("course_lib.weight_decay.param_groups",))

FUNC = "param_groups"

MLP = [("0.weight", (32, 64)), ("0.bias", (32,)), ("2.weight", (10, 32)), ("2.bias", (10,))]
GPT = [("transformer.wte.weight", (50, 16)), ("transformer.wpe.weight", (8, 16)),
       ("transformer.h.0.ln_1.weight", (16,)), ("transformer.h.0.ln_1.bias", (16,)),
       ("transformer.h.0.attn.c_attn.weight", (48, 16)),
       ("transformer.h.0.attn.c_attn.bias", (48,)),
       ("transformer.h.0.ln_2.weight", (16,)),
       ("transformer.h.0.mlp.c_fc.weight", (64, 16)),
       ("transformer.ln_f.weight", (16,)), ("lm_head.weight", (50, 16))]
CNN = [("conv1.weight", (8, 1, 3, 3)), ("bn1.weight", (8,)), ("bn1.bias", (8,)),
       ("layer1.0.conv.weight", (8, 8, 3, 3)), ("layer1.0.BatchNorm.weight", (8,)),
       ("head.weight", (10, 8)), ("head.bias", (10,)), ("temperature", ()),
       ("encoder.LayerNorm.weight", (8,)), ("pos_bias_table", (4, 4))]
ALL_1D = [("scale", (3,)), ("shift", (3,))]
#: the MLP's parameters stacked over 4 seeds (course_lib.training.train_seeds): a bias
#: is now 2-d, so only its name says it is a bias
STACKED = [(n, (4, *s)) for n, s in MLP]


def reference(named_shapes, weight_decay):
    from course_lib.weight_decay import param_groups
    return param_groups([(n, tuple(s)) for n, s in named_shapes], weight_decay)


def _names(groups):
    return [list(g["params"]) for g in groups]


def _judge(value, expected, case):
    if not (isinstance(value, list) and len(value) == 2
            and all(isinstance(g, dict) and set(g) >= {"params", "weight_decay"}
                    for g in value)):
        raise CheckFailed("return a list of two dicts, each with keys 'params' and "
                          "'weight_decay'", "[{'params': decay, 'weight_decay': "
                          "weight_decay}, {'params': no_decay, 'weight_decay': 0.0}]")
    got_wd = [float(g["weight_decay"]) for g in value]
    want_wd = [g["weight_decay"] for g in expected]
    if got_wd != want_wd:
        raise CheckFailed(f"the groups' weight_decay values are {got_wd}, expected {want_wd}")
    got, want = _names(value), _names(expected)
    if got != want:
        wrong = [n for n in want[0] if n not in got[0]] + [n for n in want[1]
                                                           if n not in got[1]]
        raise CheckFailed(f"the groups hold {got}, expected {want}; misplaced or missing: "
                          f"{wrong}", _hint(got, want))


def _hint(got, want):
    flat = got[0] + got[1]
    if sorted(flat) != sorted(want[0] + want[1]):
        return "every parameter goes in exactly one group, in the order given."
    if any("norm" in n.lower() or "ln_" in n for n in got[0]):
        return "a normalisation layer's weight (…norm….weight, ln_…) is not decayed."
    if any(n.endswith("bias") for n in got[0]):
        return "biases are not decayed."
    return "a parameter of rank < 2 (len(shape) < 2) is not decayed; matrices are."


MISTAKES = [
    Mistake("you decayed everything: biases and norm layers go in the second group.",
            lambda case, ref: [{"params": ref[0]["params"] + ref[1]["params"],
                                "weight_decay": case.args[1]},
                               {"params": [], "weight_decay": 0.0}]),
]

TARGET = Target(FUNC, reference, judge=_judge, what="the parameter groups",
                mistakes=MISTAKES)


def _case(model, wd, label):
    return Case(model, wd, label=f"{label}, weight_decay={wd}")


def _partition(value, case):
    names = [n for n, _ in case.args[0]]
    flat = list(value[0]["params"]) + list(value[1]["params"])
    if sorted(flat) != sorted(names):
        raise CheckFailed("every parameter must be in exactly one group")


matches_reference(
    EXERCISE, TARGET, [_case(MLP, 0.1, "a 2-layer MLP"), _case(GPT, 0.1, "a GPT block "
                                                               "(nanoGPT names)")],
    name="groups_mlp_and_transformer", points=2,
    hint="decay matrices (and embeddings); not biases, ln_/norm layers or 1-d tensors.",
    description="The groups of an MLP and of a transformer block equal the reference.")

matches_reference(
    EXERCISE, TARGET, [_case(CNN, 0.05, "a CNN with BatchNorm, a scalar and a 2-d table")],
    name="groups_by_rank_and_name", points=1,
    hint="rank < 2 (a scalar has shape ()), a last component 'bias', or 'norm' in any "
         "case: no decay. A 2-d table without those marks is decayed.",
    description="Scalars, BatchNorm/LayerNorm in capitals and a 2-d non-bias table are "
                "grouped right.")

matches_reference(
    EXERCISE, TARGET, [_case(STACKED, 0.1, "an MLP stacked over 4 seeds (2-d biases)")],
    name="stacked_biases_by_name", points=1,
    hint="a bias stacked over seeds has 2 dimensions: its name, not its rank, says it is "
         "a bias.",
    description="Parameters with a leading seed axis (train_seeds): biases still not "
                "decayed.")

satisfies(
    EXERCISE, TARGET, [_case(ALL_1D, 0.1, "only 1-d parameters"), _case([], 0.1,
                                                                         "no parameters")],
    [_partition], name="edge_cases", points=1,
    hint="with nothing to decay the first group is empty (but present).",
    description="Edge cases: every parameter 1-d; an empty model.")

rejects_bad_input(
    EXERCISE, TARGET, [Case(MLP, -0.1, label="weight_decay=-0.1")],
    control=_case(MLP, 0.1, "a 2-layer MLP"), exception="ValueError",
    mentions=("weight_decay",), name="rejects_negative_weight_decay", points=1,
    hint="if weight_decay < 0: raise ValueError(...) naming weight_decay.")
