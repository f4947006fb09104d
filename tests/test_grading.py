"""The checks are themselves tested: solutions score full marks, stubs score 0, and
every plausible wrong implementation in tests/fixtures/wrong/ loses exactly the
checks it is expected to lose (so a check that stops discriminating fails a test).
"""
from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from course_lib.grading import all_exercises, grade, grade_file
from course_lib.paths import SOLUTIONS, STUBS
from exercise_points import EXPECTED_POINTS, EXPECTED_TOTAL

WRONG = Path(__file__).parent / "fixtures" / "wrong"
WRONG_FILES = sorted(WRONG.glob("ex*/*.py"))
RIGHT = Path(__file__).parent / "fixtures" / "right"


def expected_failures(path):
    """The FAILS = {...} set declared at the top of a wrong fixture."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "FAILS":
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"{path} declares no FAILS set")


@pytest.fixture(scope="module")
def wrong_results():
    """Grade every wrong fixture once (two at a time: each runs in its own worker)."""
    all_exercises()   # load the registry before the threads start
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {p: pool.submit(grade_file, p.parent.name, p) for p in WRONG_FILES}
        return {p: f.result() for p, f in futures.items()}


#: every check's points (ex01: 25; ex05: 16)
TOTAL = sum(c.points for e in all_exercises() for c in e.checks)


@pytest.fixture(scope="module")
def solutions_report():
    return grade(SOLUTIONS)


def test_registry_matches_solutions_and_stubs():
    names = [e.name for e in all_exercises()]
    assert names == list(EXPECTED_POINTS)
    assert {e.name: e.max_score for e in all_exercises()} == EXPECTED_POINTS
    for name in names:
        assert (SOLUTIONS / f"{name}.py").is_file()
        assert (STUBS / f"{name}.py").is_file()
    for e in all_exercises():
        assert len(e.checks) >= 5
        assert all(c.points > 0 and c.description for c in e.checks)


def test_solutions_score_full_marks(solutions_report):
    failing = {(c.exercise, c.name): c.text() for e in solutions_report.exercises
               for c in e.checks if not c.passed}
    assert failing == {}
    assert solutions_report.score == solutions_report.max_score == EXPECTED_TOTAL
    assert solutions_report.passed


def test_stubs_score_zero_on_every_check():
    report = grade(STUBS)
    assert report.score == 0
    for e in report.exercises:
        assert e.load_error is None
        assert len(e.checks) == len(next(x for x in all_exercises() if x.name == e.name).checks)
        for c in e.checks:
            assert c.status == "not_implemented", (c.name, c.status, c.message)
            assert "not implemented yet" in c.message


@pytest.mark.parametrize("path", sorted(RIGHT.glob("ex*/*.py")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_other_correct_implementations_score_full_marks(path):
    """The checks are not tied to the reference's way of writing it (e.g. how the
    generator is consumed, or t0 * beta**k versus repeated multiplication)."""
    result = grade_file(path.parent.name, path)
    assert result.passed, {c.name: c.text() for c in result.checks if not c.passed}


def test_at_least_five_wrong_implementations_per_exercise():
    for e in all_exercises():
        files = list((WRONG / e.name).glob("*.py"))
        assert len(files) >= 5, e.name


def test_discrimination_rate(wrong_results, request, record_property):
    """Every plausible wrong implementation loses points; the rate per exercise (wrong
    fixtures that lose points / all wrong fixtures) and the mean points lost are
    reported in the terminal and as test properties."""
    lines = []
    for e in all_exercises():
        results = [r for p, r in wrong_results.items() if p.parent.name == e.name]
        losing = [r for r in results if r.score < r.max_score]
        rate = len(losing) / len(results)
        lost = np.mean([r.max_score - r.score for r in results])
        record_property(f"discrimination_{e.name}", rate)
        lines.append(f"{e.name}: {len(losing)}/{len(results)} wrong implementations lose "
                     f"points ({rate:.0%}), mean {lost:.1f} of {e.max_score:g} points lost")
        assert rate == 1.0, lines[-1]
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in lines:
                reporter.write_line(f"discrimination: {line}")


@pytest.mark.parametrize("path", WRONG_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_wrong_implementation_fails_exactly_the_expected_checks(path, wrong_results):
    result = wrong_results[path]
    expected = expected_failures(path)
    known = {c.name for c in next(e for e in all_exercises() if e.name == path.parent.name).checks}
    assert expected <= known, f"FAILS names unknown checks: {expected - known}"
    assert result.score < result.max_score
    assert set(result.failed_checks) == expected, {c.name: c.text() for c in result.checks
                                                   if not c.passed}
    for c in result.checks:
        if not c.passed:
            assert c.status in ("failed", "error") and c.message


def test_every_check_is_failed_by_some_wrong_implementation(wrong_results):
    """Each check discriminates: at least one plausible mistake makes it fail."""
    caught = {(r.name, c) for r in wrong_results.values() for c in r.failed_checks}
    for e in all_exercises():
        for c in e.checks:
            assert (e.name, c.name) in caught, f"no wrong fixture fails {e.name}: {c.name}"


# --- messages: a wrong answer is explained, with the likely mistake ----------------------

@pytest.mark.parametrize("fixture, check, fragments", [
    ("ex01_gradient_descent/ascent", "matches_closed_form_on_quadratics",
     ["iterate 1 differs", "got [", "expected [", "+lr*grad"]),
    ("ex01_gradient_descent/missing_x0_row", "matches_closed_form_on_quadratics",
     ["expected shape (11, 2)", "got shape (10, 2)", "row 0 must be x0"]),
    ("ex01_gradient_descent/one_step_too_many", "matches_reference_nonconvex",
     ["expected shape (16, 2)", "got shape (17, 2)", "one step too many"]),
    ("ex01_gradient_descent/same_object_rows", "matches_closed_form_on_quadratics",
     ["same array object"]),
    ("ex01_gradient_descent/mutates_x0", "does_not_modify_x0", ["changed the caller's x0"]),
    ("ex01_minibatch/with_replacement", "batches_cover_each_index_once",
     ["appears", "with replacement"]),
    ("ex01_minibatch/drop_last", "batch_sizes", ["dropped the last"]),
    ("ex01_minibatch/sum_not_mean", "gradient_matches_closed_form", ["SUM over the batch"]),
    ("ex01_minibatch/divide_by_n", "gradient_matches_closed_form", ["divided by n"]),
    ("ex01_minibatch/ignores_idx", "gradient_matches_closed_form", ["ALL examples"]),
    ("ex01_minibatch/unique_idx", "gradient_handles_repeats_and_lists", ["np.unique"]),
    ("ex01_minibatch/shuffle_batch_order", "first_batch_is_uniform", ["consecutive indices"]),
    ("ex01_backtracking/returns_previous_t", "matches_reference", ["BEFORE the accepted"]),
    ("ex01_backtracking/norm_not_squared", "uses_t0_c_beta", ["squared norm"]),
    ("ex01_backtracking/accepts_nan", "rejects_nonfinite_trials", ["nan", "NaN"]),
    ("ex01_backtracking/reevaluates_fx", "few_function_evaluations",
     ["f was called 20 times", "at most 12 calls"]),
    ("ex01_backtracking/shrinks_first", "matches_reference", ["before the first test"]),
    ("ex01_backtracking/wrong_sign", "uses_t0_c_beta", ["wrong sign", "MINUS"]),
    ("ex01_backtracking/float32_step", "uses_t0_c_beta",
     ["returned t = 0.0007819639868102968", "expected t = 0.0007819642097165965",
      "near miss"]),
    ("ex01_backtracking/tolerant_comparison", "armijo_holds_at_result",
     ["t = 1.000000000002", "the Armijo condition fails"]),
    ("ex01_gradient_descent/stops_at_small_gradient", "matches_closed_form_on_quadratics",
     ["expected shape (5, 2)", "got shape (1, 2)",
      "you stopped before n_steps steps, where the gradient is zero"]),
    # near misses: the first entry that differs, with its index and all its digits
    ("ex01_gradient_descent/float32_cast_back", "matches_closed_form_on_quadratics",
     ["iterate 1 differs from the reference at index (1, 0)", "got -0.9602997303009033",
      "expected -0.9602998501275257", "rtol=1e-07", "near miss"]),
    ("ex01_gradient_descent/float32_result", "matches_reference_nonconvex",
     ["dtype float32", "float64"]),
    ("ex01_minibatch/float32_cast_back", "gradient_matches_closed_form",
     ["first difference at index 0: got 0.864692211151123, expected 0.8646922298914455",
      "near miss"]),
    ("ex01_minibatch/float32_gradient", "gradient_matches_closed_form", ["dtype float32"]),
    ("ex01_minibatch/random_sort_keys", "first_batch_is_uniform",
     ["not uniformly random", "chi-square 122.2, threshold 54.6", "order of epoch_batches(4, 1"]),
])
def test_failure_messages_explain_the_mistake(fixture, check, fragments, wrong_results):
    result = wrong_results[WRONG / f"{fixture}.py"]
    text = next(c for c in result.checks if c.name == check).text()
    for fragment in fragments:
        assert fragment in text, (fragment, text)


# --- the grader's references agree with independent oracles --------------------------------

def test_gradient_descent_references_agree():
    """The closed form (I - lr A)^t used on quadratics equals course_lib's sgd run."""
    from course_lib.grading.checks import ex01_gradient_descent as gd
    for spec, x0, lr, n in gd.QUADRATICS:
        np.testing.assert_allclose(gd.closed_form(spec, x0, lr, n),
                                   gd.library_reference(spec, x0, lr, n), rtol=1e-10,
                                   atol=1e-12)


def test_minibatch_reference_matches_finite_differences():
    from course_lib.grading.checks.ex01_minibatch import reference_gradient
    rng = np.random.default_rng(0)
    X, y, w = rng.standard_normal((9, 3)), rng.standard_normal(9), rng.standard_normal(3)
    idx = np.array([4, 1, 1, 7])

    def loss(v):
        r = X[idx] @ v - y[idx]
        return r @ r / (2 * len(idx))
    eps = 1e-6
    fd = np.array([(loss(w + eps * e) - loss(w - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(reference_gradient(X, y, w, idx), fd, rtol=1e-7)


def test_chi_square_thresholds_are_the_quantiles():
    from scipy.special import chdtri

    from course_lib.grading.checks.ex01_minibatch import CHI2_ISF_1E6
    for df, value in CHI2_ISF_1E6.items():
        assert value == pytest.approx(chdtri(df, 1e-6), rel=1e-12)


def test_backtracking_cases_have_real_backtracking():
    """The default cases exercise several shrink counts (not only t = t0)."""
    from course_lib.grading.checks import ex01_backtracking as bt
    steps = {bt.reference(spec, x)[0] for spec, x in bt.DEFAULT_CASES}
    assert len(steps) >= 4 and min(steps) < 1e-2 and max(steps) >= 0.25
    # the NaN case: the first trials land outside the domain of the log barrier
    spec = bt.FunctionSpec("LogBarrier", "value", {"dim": 1})
    x = np.array([0.9])
    assert np.isnan(spec.function(x - 1.0 * bt.grad_at(spec, x)))
    assert bt.reference(spec, x)[0] == 0.125


# --- no points for nothing -----------------------------------------------------------------

NOTHING = {"returns None": "return None", "returns 0.0": "return 0.0",
           "returns 1.0": "return 1.0", "returns a list": "return [0, 1]",
           "returns its first argument": "return args[0]",
           "returns its second argument": "return args[1]",
           "returns its last argument": "return args[-1]",
           "returns its first keyword argument (t0)":
           "return next(iter(kwargs.values()), 1.0)",
           "raises ValueError naming every argument": "raise ValueError("
           "f'bad input: lr n_steps t0 c beta n batch_size idx x0 {args} {kwargs}')",
           "raises RuntimeError": "raise RuntimeError('nothing')"}


@pytest.mark.parametrize("exercise", [e.name for e in all_exercises()])
def test_an_answer_that_does_nothing_scores_zero(exercise, tmp_path):
    """None, a constant, an input handed back, or an exception earn no point on any
    check (a property such as 'x0 unchanged' or 'few evaluations' counts only
    together with a right answer)."""
    ex = next(e for e in all_exercises() if e.name == exercise)
    paths = {}
    for label, body in NOTHING.items():
        path = tmp_path / label.replace(" ", "_") / f"{exercise}.py"
        path.parent.mkdir()
        path.write_text("".join(f"def {fn}(*args, **kwargs):\n    {body}\n\n\n"
                                for fn in ex.functions))
        paths[label] = path
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(paths, pool.map(lambda p: grade_file(exercise, p),
                                           paths.values())))
    scored = {label: [c.name for c in r.checks if c.score > 0]
              for label, r in results.items()}
    assert scored == {label: [] for label in NOTHING}


# --- every threshold sits next to a fixture ------------------------------------------------

def _message(wrong_results, fixture, check):
    result = wrong_results[WRONG / f"{fixture}.py"]
    return next(c for c in result.checks if c.name == check).text()


def test_chi_square_bound_is_pinned_by_a_biased_sampler(wrong_results):
    """random_sort_keys is caught by both chi-square tests (first batch, epoch order) at
    statistics between their threshold and 100 times it: a hundredfold looser bound
    on either would let it pass that test."""
    import re

    from course_lib.grading.checks.ex01_minibatch import CHI2_ISF_1E6
    text = _message(wrong_results, "ex01_minibatch/random_sort_keys",
                    "first_batch_is_uniform")
    found = [tuple(map(float, m)) for m in
             re.findall(r"chi-square ([\d.]+), threshold ([\d.]+)", text)]
    assert sorted(t for _, t in found) == pytest.approx(sorted(CHI2_ISF_1E6.values()),
                                                        abs=0.05), text
    for stat, threshold in found:
        assert threshold < stat < 100 * threshold


def test_armijo_tolerance_is_pinned_by_an_edge_case():
    """The edge case's t0 misses the Armijo condition by 20 times ARMIJO_RTOL |f(x)|:
    rejected at today's slack (tolerant_comparison loses points for accepting it),
    accepted at a hundredfold looser one."""
    from course_lib.grading.checks import ex01_backtracking as bt
    spec, x, kw = bt.CUSTOM[-1]
    margin, slack = bt.armijo_margin(spec, x, kw["t0"], kw["c"])
    assert slack < margin < 100 * slack
    # the closed form: f = x^2/2 from x = 1 accepts t exactly when t <= 2 (1 - c)
    assert kw["t0"] > 2 * (1 - kw["c"]) and bt.reference(spec, x, **kw)[0] == \
        kw["t0"] * kw["beta"]


def test_tolerances_are_pinned_by_float32_answers(wrong_results):
    """A float32 computation converted back to float64 is outside each tolerance, but
    by less than a thousandfold (and far less than 0.05): a looser tolerance lets a
    float32 answer through, and this test, or the fixture's expected failures, fail."""
    import re
    from course_lib.grading import compare
    from course_lib.grading.checks import ex01_backtracking as bt
    from course_lib.grading.checks import ex01_minibatch as mb
    assert compare.DEFAULT_RTOL == 1e-7 and bt.RTOL == 1e-9 and mb.GRADIENT.rtol == 1e-9
    for fixture, check, rtol in (
            ("ex01_gradient_descent/float32_cast_back", "matches_closed_form_on_quadratics",
             compare.DEFAULT_RTOL),
            ("ex01_minibatch/float32_cast_back", "gradient_matches_closed_form",
             mb.GRADIENT.rtol)):
        text = _message(wrong_results, fixture, check)
        got, want = map(float, re.search(r"got (-?[\d.e-]+), expected (-?[\d.e-]+) "
                                         r"\(difference", text).groups())
        assert rtol < abs(got - want) / abs(want) < min(1000 * rtol, 0.05), text
    text = _message(wrong_results, "ex01_backtracking/float32_step", "uses_t0_c_beta")
    got, want = map(float, re.search(r"returned t = ([\d.e-]+), expected t = ([\d.e-]+)",
                                     text).groups())
    assert bt.RTOL < abs(got - want) / want < 1000 * bt.RTOL


def test_cases_reach_the_edges_of_the_spec():
    """Gradient descent starts at a stationary point; backtracking accepts the first
    trial step in some default cases and rejects it in others."""
    from course_lib.grading.checks import ex01_backtracking as bt
    from course_lib.grading.checks import ex01_gradient_descent as gd
    stationary = [np.linalg.norm(spec.function(x0)) < 1e-12
                  for spec, x0, _, _ in gd.QUADRATICS + gd.NONCONVEX]
    assert sum(stationary) >= 2
    first_accepted = [bt.reference(spec, x)[0] == 1.0 for spec, x in bt.DEFAULT_CASES]
    assert 2 <= sum(first_accepted) < len(first_accepted)


def test_each_exercise_lists_the_course_lib_functions_of_its_answer():
    """Data for the sandbox's rule that a submission calling them scores 0."""
    import importlib
    for e in all_exercises():
        assert e.reference_functions, e.name
        for dotted in e.reference_functions:
            parts = dotted.split(".")
            assert parts[0] == "course_lib", dotted
            k = max(i for i in range(1, len(parts)) if _importable(".".join(parts[:i])))
            obj = importlib.import_module(".".join(parts[:k]))
            for part in parts[k:]:
                obj = getattr(obj, part)
            assert callable(obj), dotted


def _importable(name):
    import importlib
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


# --- the factories on a new exercise: a table, a reference, hints ---------------------------

def test_a_new_exercise_is_a_table_of_cases_a_reference_and_hints(tmp_path):
    """A throw-away exercise ``normalize(v)`` = v / ||v|| declared on the factories
    only: a right answer scores full marks, each known mistake loses its points with
    its hint, a do-nothing answer scores 0."""
    from course_lib.grading import factories as fx
    from course_lib.grading import registry
    from course_lib.grading.specs import RngSpec
    ex = registry.Exercise("ex99_normalize", "Unit vectors", functions=("normalize", "draw"),
                           reference_functions=("numpy.linalg.norm",))
    try:
        unit = fx.Target("normalize", lambda v: v / np.linalg.norm(v), what="the unit vector",
                         mistakes=[fx.Mistake("divide by the norm, not its square",
                                              lambda case, ref: ref / np.linalg.norm(
                                                  case.args[0]))])
        cases = [fx.Case(np.array([3.0, 4.0])), fx.Case(np.array([1.0, 1.0, 1.0]))]
        fx.matches_reference(ex, unit, cases, name="values", points=2, hint="v / norm(v)")
        fx.leaves_inputs_unmodified(ex, unit, cases, name="input_kept",
                                    arguments={0: "v"}, hint="v / n, not v /= n")
        fx.rejects_bad_input(ex, unit, [fx.Case(np.zeros(2))], control=cases[0],
                             name="zero_rejected", mentions=("v",), hint="raise ValueError")
        def three_numbers(value, expected, case):
            if np.shape(value) != (3,):
                raise registry.CheckFailed(f"expected 3 numbers, got {value!r}")
        draw = fx.Target("draw", judge=three_numbers)
        fx.deterministic(ex, draw, [fx.Case(RngSpec(1))], name="seeded", hint="use rng")
        assert ex.max_score == 5 and [c.name for c in ex.checks] == [
            "values", "input_kept", "zero_rejected", "seeded"]
        right = ("import numpy as np\n"
                 "def normalize(v):\n    n = np.linalg.norm(v)\n"
                 "    if n == 0:\n        raise ValueError('v must not be zero')\n"
                 "    return v / n\n"
                 "def draw(rng):\n    return rng.standard_normal(3)\n")
        wrong = right.replace("return v / n", "v /= n * n\n    return v").replace(
            "rng.standard_normal(3)", "np.random.default_rng().standard_normal(3)")
        nothing = "def normalize(v):\n    return v\ndef draw(rng):\n    return None\n"
        results = {}
        for label, text in (("right", right), ("wrong", wrong), ("nothing", nothing)):
            (tmp_path / label).mkdir()
            path = tmp_path / label / "ex99_normalize.py"
            path.write_text(text)
            results[label] = grade_file(ex, path)
        assert results["right"].passed, [c.text() for c in results["right"].checks]
        assert results["nothing"].score == 0
        wrong_checks = {c.name: c for c in results["wrong"].checks}
        # zero_rejected too: its valid control call must give the right unit vector
        assert set(results["wrong"].failed_checks) == {"values", "input_kept", "seeded",
                                                       "zero_rejected"}
        assert "not its square" in wrong_checks["values"].text()
        assert "changed the caller's v" in wrong_checks["input_kept"].text()
    finally:
        registry._REGISTRY.pop("ex99_normalize", None)
