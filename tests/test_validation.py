"""Tests of course_lib._validation: every message names the argument, the range, the value."""
import re

import numpy as np
import pytest

from course_lib._validation import (check_array, check_callable, check_indices, check_int,
                                    check_random_state, check_same_shape, check_scalar)


def test_documented_message_verbatim():
    with pytest.raises(ValueError) as exc:
        check_scalar(-1.0, "lr", "sgd", low=0.0)
    assert str(exc.value) == ("The 'lr' parameter of sgd must be a float in the range "
                              "(0.0, inf). Got -1.0 instead.")


@pytest.mark.parametrize("value, kw, interval", [
    (0.0, dict(low=0.0), "(0.0, inf)"),                            # open lower end
    (1.0, dict(low=0.0, high=1.0, closed="left"), "[0.0, 1.0)"),   # open upper end
    (-0.5, dict(low=0.0, high=1.0, closed="both"), "[0.0, 1.0]"),
    (2.0, dict(high=1.0, closed="right"), "(-inf, 1.0]"),
    (float("nan"), dict(), "(-inf, inf)"),
    (float("inf"), dict(low=0.0, closed="left"), "[0.0, inf)"),
    (-float("inf"), dict(), "(-inf, inf)"),
])
def test_check_scalar_out_of_range(value, kw, interval):
    with pytest.raises(ValueError) as exc:
        check_scalar(value, "beta", "adam", **kw)
    msg = str(exc.value)
    assert "'beta'" in msg and "adam" in msg
    assert interval in msg
    assert f"Got {value!r}" in msg


@pytest.mark.parametrize("value, kw", [
    (0.0, dict(low=0.0, closed="left")),
    (1.0, dict(high=1.0, closed="right")),
    (1.0, dict(low=0.0, high=1.0, closed="both")),
    (0.5, dict(low=0.0, high=1.0)),
    (np.float32(0.25), dict(low=0.0)),
    (3, dict(low=0.0)),                     # ints are reals
])
def test_check_scalar_accepts_and_returns_float(value, kw):
    out = check_scalar(value, "x", "f", **kw)
    assert type(out) is float and out == float(value)


@pytest.mark.parametrize("value", [True, False, np.bool_(True), "0.1", None, [0.1],
                                   np.array([0.1]), 1 + 0j])
def test_check_scalar_rejects_non_reals_and_bools(value):
    with pytest.raises(TypeError, match=r"'lr' parameter of sgd must be a float .*Got "):
        check_scalar(value, "lr", "sgd", low=0.0)


def test_check_scalar_allow_none():
    assert check_scalar(None, "tol", "f", allow_none=True) is None
    with pytest.raises(TypeError, match="'tol'"):
        check_scalar(None, "tol", "f")


@pytest.mark.parametrize("value, low, high", [(-1, 0, None), (11, 0, 10), (0, 1, None)])
def test_check_int_range(value, low, high):
    with pytest.raises(ValueError) as exc:
        check_int(value, "steps", "run", low=low, high=high)
    msg = str(exc.value)
    hi = "inf" if high is None else repr(high)
    assert f"'steps' parameter of run must be an int in the range [{low!r}, {hi}]" in msg
    assert f"Got {value!r} instead" in msg


@pytest.mark.parametrize("value", [True, 3.0, "3", None, np.float64(2.0)])
def test_check_int_rejects_non_ints_and_bools(value):
    with pytest.raises(TypeError, match=re.escape("'steps' parameter of run must be an int")):
        check_int(value, "steps", "run", low=0)


def test_check_int_accepts_numpy_ints():
    out = check_int(np.int64(5), "n", "f", low=0, high=5)
    assert type(out) is int and out == 5


def test_check_array_copies_and_converts():
    a = [1, 2, 3]
    out = check_array(a, "x0", "run", ndim=1)
    assert out.dtype == np.float64
    src = np.array([1.0, 2.0])
    out = check_array(src, "x0", "run")
    out[0] = 99.0
    assert src[0] == 1.0


def test_check_array_messages():
    with pytest.raises(ValueError, match=r"'x0' parameter of run must be a 1-d array\. "
                                         r"Got an array of shape \(2, 2\).*np\.ravel"):
        check_array(np.ones((2, 2)), "x0", "run", ndim=1)
    with pytest.raises(ValueError, match=r"'d' parameter of ls must have shape \(3,\)\. "
                                         r"Got shape \(2,\)"):
        check_array(np.ones(2), "d", "ls", shape=(3,))
    with pytest.raises(ValueError, match=r"'x0' parameter of run must contain only finite "
                                         r"values\. Got 2 non-finite"):
        check_array([np.nan, 1.0, np.inf], "x0", "run")
    with pytest.raises(TypeError, match=r"'x0' parameter of run must be array-like"):
        check_array(["a", "b"], "x0", "run")
    with pytest.raises(TypeError, match=r"'x0' parameter of run must be array-like"):
        check_array([1 + 2j], "x0", "run")
    # finite=False lets non-finite values through
    assert np.isnan(check_array([np.nan], "x", "f", finite=False)[0])


def test_check_same_shape_and_callable():
    check_same_shape(np.ones(2), [0, 0], "a", "b", "f")
    with pytest.raises(ValueError, match=r"'grad' and 'x' parameters of f must have the "
                                         r"same shape\. Got \(3,\) and \(2,\)"):
        check_same_shape(np.ones(3), np.ones(2), "grad", "x", "f")
    assert check_callable(len, "f", "g") is len
    with pytest.raises(TypeError, match=r"'f' parameter of g must be callable\. Got int"):
        check_callable(3, "f", "g")


@pytest.mark.parametrize("idx, exc, text", [
    ([0.5], TypeError, "dtype float64"),
    ([True, False], TypeError, "dtype bool"),
    ([], ValueError, "shape (0,)"),
    ([[0, 1]], ValueError, "shape (1, 2)"),
    ([0, 5], ValueError, "range [0, 4]"),
    ([-1], ValueError, "range [0, 4]"),
])
def test_check_indices_messages(idx, exc, text):
    with pytest.raises(exc) as err:
        check_indices(idx, 5, "Problem.grad")
    msg = str(err.value)
    assert "'idx'" in msg and "Problem.grad" in msg and text in msg


def test_check_indices_accepts_repeats_and_lists():
    out = check_indices([4, 0, 4], 5, "f")
    assert out.tolist() == [4, 0, 4] and out.dtype.kind == "i"


@pytest.mark.parametrize("seed, exc, text", [
    ("0", TypeError, "Got '0' of type str"),
    (1.5, TypeError, "Got 1.5 of type float"),
    (True, TypeError, "Got True of type bool"),
    (-1, ValueError, "[0, inf). Got -1"),
])
def test_check_random_state_messages(seed, exc, text):
    with pytest.raises(exc) as err:
        check_random_state(seed, "seed", "epoch_batches")
    msg = str(err.value)
    assert "'seed'" in msg and "epoch_batches" in msg and text in msg


def test_check_random_state_seeds_and_passes_generators_through():
    gen = np.random.default_rng(3)
    assert check_random_state(gen, "rng", "f") is gen        # one shared stream
    a = check_random_state(np.int64(7), "seed", "f").random(3)
    np.testing.assert_array_equal(a, np.random.default_rng(7).random(3))
    assert isinstance(check_random_state(None, "seed", "f"), np.random.Generator)
