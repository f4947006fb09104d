"""course_lib.bench: budgets are reported as OK/OVER (never asserted), a failing
notebook is reported as FAILED, and the JSON report has one entry per measurement."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from course_lib import bench


@pytest.mark.parametrize("seconds, budget, failed, expected", [
    (0.5, 1.0, False, "OK"),
    (1.0, 1.0, False, "OVER"),      # the budget is strict: "< 1 s"
    (31.0, 30.0, False, "OVER"),
    (None, 15.0, False, "n/a"),
    (12.0, None, False, "-"),
    (0.1, 1.0, True, "FAILED"),
])
def test_status(seconds, budget, failed, expected):
    assert bench.status(seconds, budget, failed) == expected


def test_table_lists_every_measurement_with_its_budget():
    rows = [bench.Measurement("import", "import course_lib", 0.0123, 1.0, "OK"),
            bench.Measurement("notebook", "notebook 00_welcome.ipynb", 42.0, 30.0, "OVER"),
            bench.Measurement("grading", "grading", None, 15.0, "n/a", "no grading CLI")]
    table = bench.format_table(rows).splitlines()
    assert table[2].split() == ["import", "course_lib", "0.012", "s", "<", "1", "s", "OK"]
    assert table[3].endswith("< 30 s    OVER")
    assert table[-1].strip() == "grading: no grading CLI"


def test_main_writes_json_report(tmp_path, capsys):
    out = tmp_path / "b" / "bench.json"
    assert bench.main(["--no-notebooks", "--no-grading", "--no-optimizers", "--repeat", "2",
                       "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    (only,) = report["results"]
    assert only["kind"] == "import" and only["status"] in ("OK", "OVER")
    assert only["seconds"] > 0 and len(only["detail"].split(",")) == 2
    assert report["budgets_s"] == {"import": 1.0, "notebook": 30.0, "grading": 15.0,
                                   "grading_exercise": 2.0, "batch": None, "tests": None, "setup": 180.0,
                                   "browser": 180.0, "site": 600.0}
    assert "import course_lib (median of 2)" in capsys.readouterr().out


def test_failing_notebook_is_reported_not_raised(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("assert x == 2, 'x is not two'")]
    path = tmp_path / "99_fails.ipynb"
    nbformat.write(nb, path)
    m = bench.time_notebook(path, timeout=120)
    assert m.status == "FAILED" and m.seconds > 0
    assert "x is not two" in m.detail


def test_repeat_must_be_positive():
    with pytest.raises(SystemExit):
        bench.main(["--repeat", "0", "--no-notebooks", "--no-grading"])


def test_optimizer_step_ratios_time_the_same_computation():
    torch = pytest.importorskip("torch")
    from course_lib import bench_optim, torch_optim
    results = bench_optim.run(rounds=1, steps=2, width=32)
    assert [r["optimizer"] for r in results] == [c[0] for c in bench_optim.CASES]
    for r in results:
        assert r["ours_ms"] > 0 and r["torch_foreach_ms"] > 0
        assert r["ratio"] == pytest.approx(r["ours_ms"] / r["torch_foreach_ms"])
        assert r["params"] == 2 * 32 * 32 + 2 * 32 + 10 * 32 + 10
    # what is timed: our class and torch's on equal parameters and gradients, same steps
    for _, name, kw in bench_optim.CASES:
        a, b = bench_optim.mlp_params(32), bench_optim.mlp_params(32)
        oa = getattr(torch_optim, name)(a, **kw)
        ob = getattr(torch.optim, name)(b, foreach=True, **kw)
        for _ in range(3):
            oa.step()
            ob.step()
        for x, y in zip(a, b):
            torch.testing.assert_close(x, y, rtol=1e-6, atol=1e-7)
def test_slowest_cell_reads_nbclients_execution_times():
    from course_lib.bench_build import slowest_cell

    def cell(cid, start, end):
        c = nbformat.v4.new_code_cell("pass")
        c.id = cid
        c.metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
        return c

    nb = nbformat.v4.new_notebook()
    nb.cells = [cell("a", "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:01.500000Z"),
                cell("b", "2026-01-01T00:00:02.000000Z", "2026-01-01T00:00:04.250000Z"),
                nbformat.v4.new_markdown_cell("no times")]
    assert slowest_cell(nb) == ("b", 2.25)
    assert slowest_cell(nbformat.v4.new_notebook()) == (None, None)


def test_notebook_timing_names_its_slowest_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("import time; time.sleep(0.4)")]
    nb.cells[0].id, nb.cells[1].id = "fast", "sleeps"
    path = tmp_path / "98_sleeps.ipynb"
    nbformat.write(nb, path)
    m = bench.time_notebook(path, timeout=120)
    assert m.status in ("OK", "OVER"), m.detail
    seconds = float(re.fullmatch(r"slowest cell: sleeps \(([\d.]+) s\)", m.detail)[1])
    assert 0.4 <= seconds <= m.seconds           # the sleep, within the whole run


def test_all_turns_on_every_optional_measurement(monkeypatch, tmp_path):
    from course_lib import bench_build
    called = []
    for name in ("time_setup", "time_browser_test", "time_site"):
        monkeypatch.setattr(bench_build, name, lambda name=name: called.append(name) or
                            bench.Measurement("site", name, 1.0, None, "-"))
    monkeypatch.setattr(bench, "time_tests", lambda: called.append("tests") or
                        bench.Measurement("tests", "tests", 1.0, None, "-"))
    # the real batch grades 50 students' whole submissions (minutes); this test is about
    # the flags, and test_time_batch_writes_every_result runs a small batch for real
    monkeypatch.setattr(bench, "time_batch", lambda: called.append("batch") or
                        bench.Measurement("batch", "batch", 1.0, None, "-"))
    bench.main(["--all", "--no-notebooks", "--no-grading", "--no-optimizers", "--repeat", "1",
                "--out", str(tmp_path / "bench.json")])
    assert sorted(called) == ["batch", "tests", "time_browser_test", "time_setup", "time_site"]


def test_time_batch_writes_every_result():
    m = bench.time_batch(n=3)
    assert m.status != "FAILED", m.detail
    assert m.detail.startswith("3 result files; exit 0"), m.detail
