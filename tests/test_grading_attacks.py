"""The attack corpus (tests/fixtures/attacks/<class>/<attack>.py) against the sandboxed
grader: every hostile file earns nothing on what it attacks while the other exercises
of the same submission get full marks; every report is written; nothing appears
outside the output folder; no process is left; the course's files are unchanged; no
connection reaches the machine; the grader's environment does not leak.

All attacks are graded in ONE batch (two jobs), then each is checked by its own test
(the attack's class and name are the test id). What "earns nothing" means is
computed independently of the attacks: a submission whose functions do nothing is
graded in the same batch, and an attack may not score more than it on any check
(``ATTACKED = "all"``), or scores 0 on the named checks (``ATTACKED = (...)``)."""
from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from course_lib.grading import all_exercises, get_exercise, sandbox
from course_lib.grading.batch import grade_batch
from course_lib.grading.runner import Limits
from course_lib.paths import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures"
ATTACK_DIR = FIXTURES / "attacks"
# A right answer for every exercise in the registry: the attack file replaces one of them.
# Chapter 01's exercises use hand-written right fixtures; later ones their first right
# fixture, or the reference solution.
def _right_file(exercise):
    fixtures = sorted((FIXTURES / "right" / exercise).glob("*.py"))
    return fixtures[0] if fixtures else REPO_ROOT / "solutions" / f"{exercise}.py"


RIGHT = {ex.name: _right_file(ex.name) for ex in all_exercises()}


def neighbours(exercise):
    """The right answers graded beside an attack: its own chapter's other exercises and
    chapter 01's (an attack must not spoil them). Every exercise of the registry would
    make the batch grow as (attacks x exercises); these cover the same routes."""
    chapter = exercise[:4]
    return sorted(n for n in RIGHT if n != exercise and n[:4] in (chapter, "ex01"))

ATTACKED_EXERCISES = {"ex01_backtracking", "ex01_gradient_descent", "ex01_minibatch",
                      "ex06_one_cycle", "ex06_warmup_cosine", "ex07_accumulation",
                      "ex07_global_norm_clip"}
CLASSES = ("leave_early", "forge", "tamper", "exhaust", "escape", "reach_solutions",
           "network", "why_defects")
SECRET = "COURSE_ATTACK_SECRET_TOKEN"
SECRET_VALUE = "s3cr3t-" + hashlib.sha256(b"grader").hexdigest()[:12]
PORTS = range(47120, 47130)
# generous: correct answers beside the attacks must finish on a loaded 2-core machine
LIMITS = Limits(call_timeout=8.0, cpu_seconds=8, memory_mb=1024)


def _declared(path):
    """EXERCISE and ATTACKED as the attack file declares them (read, never run)."""
    values = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and \
                node.targets[0].id in ("EXERCISE", "ATTACKED"):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    return values["EXERCISE"], values["ATTACKED"]


ATTACKS = sorted(ATTACK_DIR.glob("*/*.py"))
IDS = [f"{p.parent.name}-{p.stem}" for p in ATTACKS]


def _hash_tree(root):
    h = {}
    for p in sorted(Path(root).rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return h


def _pwned_files():
    """Files named PWNED* in the places an attack would write to on this machine."""
    found = []
    for top in ("/tmp", os.path.expanduser("~"), "/autograder", "/dev/shm", str(REPO_ROOT),
                "/"):
        try:
            found += [os.path.join(top, n) for n in os.listdir(top) if "PWNED" in n]
        except OSError:
            pass
    return sorted(found)


def _pwned_processes():
    """Live processes that an attack started: named PWNED in their command line, or
    owned by one of this grader's sandbox user ids (when it runs as root)."""
    uids = {sandbox.SlotPool.uid(s) for s in range(8)} if os.geteuid() == 0 else set()
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            uid = sandbox._uid_of(pid)
        except OSError:
            continue
        if b"PWNED" in cmd or uid in uids:
            left.append((int(pid), uid, cmd[:120]))
    return left


class _Listener:
    """TCP and UDP listeners on the loopback ports the network attacks try."""

    def __init__(self):
        self.connections, self.socks = [], []
        for port in PORTS:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(socket.AF_INET, kind)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("0.0.0.0", port))
                except OSError:
                    s.close()
                    continue
                if kind == socket.SOCK_STREAM:
                    s.listen(16)
                s.settimeout(0.2)
                self.socks.append(s)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        solution = (REPO_ROOT / "solutions" / "ex01_minibatch.py").read_bytes()
        while not self.stop.is_set():
            for s in self.socks:
                try:
                    if s.type == socket.SOCK_STREAM:
                        conn, addr = s.accept()
                        self.connections.append(("tcp", addr))
                        conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + solution)
                        conn.close()
                    else:
                        data, addr = s.recvfrom(4096)
                        self.connections.append(("udp", addr, data))
                except (OSError, socket.timeout):
                    pass

    def close(self):
        self.stop.set()
        self.thread.join(5)
        for s in self.socks:
            s.close()


def _do_nothing_file(exercise):
    ex = get_exercise(exercise)
    return "".join(f"def {fn}(*args, **kwargs):\n    return None\n\n" for fn in ex.functions)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    assert sandbox.probe().ok, f"the attack tests need the sandbox: {sandbox.probe()}"
    subs = tmp_path_factory.mktemp("attack-submissions")
    out = tmp_path_factory.mktemp("attack-out")
    for path, ident in zip(ATTACKS, IDS):
        exercise, _ = _declared(path)
        folder = subs / ident
        folder.mkdir()
        for name in neighbours(exercise):
            shutil.copy(RIGHT[name], folder / f"{name}.py")
        shutil.copy(path, folder / f"{exercise}.py")
    nothing = subs / "baseline-does-nothing"
    nothing.mkdir()
    for name in sorted({_declared(p)[0] for p in ATTACKS}):
        (nothing / f"{name}.py").write_text(_do_nothing_file(name))

    before = {"pwned": _pwned_files(), "course": _hash_tree(REPO_ROOT / "course_lib"),
              "solutions": _hash_tree(REPO_ROOT / "solutions"),
              "autograder": os.path.exists("/autograder"),
              "processes": _pwned_processes()}
    listener = _Listener()
    os.environ[SECRET] = SECRET_VALUE
    t0 = time.monotonic()
    try:
        result = grade_batch(subs, out, limits=LIMITS, jobs=2, progress=False)
    finally:
        seconds = time.monotonic() - t0
        del os.environ[SECRET]
    time.sleep(2.0)             # time for a survivor to act (none must exist)
    reports_then = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    time.sleep(2.5)             # the setsid attack waits 1.5-3 s before writing
    listener.close()
    after = {"pwned": _pwned_files(), "course": _hash_tree(REPO_ROOT / "course_lib"),
             "solutions": _hash_tree(REPO_ROOT / "solutions"),
             "autograder": os.path.exists("/autograder"),
             "processes": _pwned_processes()}
    print(f"\nattack corpus: {len(ATTACKS)} hostile submissions + 1 baseline graded in "
          f"{seconds:.1f} s (2 jobs)")
    students = {s.student: s for s in result.students}
    baseline = {e.name: {c.name: c.score for c in e.checks}
                for e in students["baseline-does-nothing"].report.exercises}
    return {"out": out, "students": students, "baseline": baseline, "before": before,
            "after": after, "reports_then": reports_then, "listener": listener,
            "result": result}


def test_at_least_two_attacks_per_class():
    per_class = {c: [p for p in ATTACKS if p.parent.name == c] for c in CLASSES}
    assert {c for c, files in per_class.items() if len(files) < 2} == set()
    assert {p.parent.name for p in ATTACKS} == set(CLASSES)


@pytest.mark.parametrize("path", ATTACKS, ids=IDS)
def test_attack(corpus, path):
    ident = f"{path.parent.name}-{path.stem}"
    exercise, attacked = _declared(path)
    student = corpus["students"][ident]
    assert student.error is None, student.error
    report = student.report
    # what it attacks earns nothing
    target = report[exercise]
    for c in target.checks:
        if attacked == "all":
            assert c.score <= corpus["baseline"][exercise][c.name], (c.name, c.message)
        elif c.name in attacked:
            assert c.score == 0, (c.name, c.message)
    assert target.score < target.max_score
    # every other exercise of the same submission is graded normally
    others = {e.name: e for e in report.exercises if e.name != exercise
              and student.submitted.get(e.name)}
    assert sorted(others) == neighbours(exercise)
    for e in others.values():
        assert e.passed, (e.name, [(c.name, c.message) for c in e.checks if not c.passed])
    # its report is written, valid, and the same after the grader has finished
    folder = corpus["out"] / student.folder
    data = json.loads((folder / "results.json").read_text())
    assert data["score"] == report.score
    assert len(data["tests"]) == sum(len(e.checks) for e in report.exercises)
    for p, body in corpus["reports_then"].items():
        if p.parent == folder:
            assert p.read_bytes() == body
    # the secret environment and the attack's marker never reach the report as data
    # read from the grader's side
    assert SECRET_VALUE not in (folder / "results.json").read_text()


def test_nothing_outside_the_output_folder(corpus):
    before, after = corpus["before"], corpus["after"]
    assert after["pwned"] == before["pwned"] == []
    assert after["autograder"] == before["autograder"]
    assert after["course"] == before["course"]          # course_lib's sources unchanged
    assert after["solutions"] == before["solutions"]


def test_no_process_left(corpus):
    assert corpus["after"]["processes"] == []


def test_no_connection_reached_the_machine(corpus):
    assert corpus["listener"].connections == []


def test_the_batch_csv_has_every_attack(corpus):
    text = (corpus["out"] / "grades.csv").read_text()
    assert text.count("\n") == len(ATTACKS) + 2       # header, baseline, one per attack
    summary = json.loads((corpus["out"] / "summary.json").read_text())
    assert summary["complete"] is True and summary["grader_errors"] == {}
    assert summary["students"] == len(ATTACKS) + 1


def test_baseline_earns_at_most_what_the_checks_concede(corpus):
    # the do-nothing submission is the yardstick above; it must itself score little
    total = sum(sum(v.values()) for v in corpus["baseline"].values())
    assert total <= 3, corpus["baseline"]


def test_forged_60_mib_answer_keeps_the_parent_small(tmp_path):
    """A separate grader process meets a 60 MiB forged answer: it writes its report
    quickly and its peak memory stays under 500 MB."""
    shutil.copy(ATTACK_DIR / "why_defects" / "huge_forged_answer.py",
                tmp_path / "ex01_minibatch.py")
    report = tmp_path / "out" / "results.json"
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "course_lib.grading", "grade", "--dir",
                             str(tmp_path), "--only", "ex01_minibatch", "--report",
                             str(report), "--require-sandbox"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # the parent's own peak (VmHWM), read while it runs: wait4's ru_maxrss would also
    # count the learner's worker, which is the one that builds the 60 MiB answer
    peak_kb = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as status_file:
                for line in status_file:
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            pass
        time.sleep(0.02)
    seconds = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr.read().decode()
    peak_mb = peak_kb / 1024
    assert peak_mb > 0, "the grader's memory was never read"
    print(f"\nforged 60 MiB answer: grader peak RSS {peak_mb:.0f} MB, {seconds:.1f} s")
    assert peak_mb < 500
    data = json.loads(report.read_text())
    assert data["score"] == 0
    assert any("unreadable answer" in t["output"] for t in data["tests"])


def test_every_exercise_has_attacks_and_a_right_file():
    assert all(path.is_file() for path in RIGHT.values())
    # every attack targets a registered exercise, and each of chapter 01's is attacked;
    # later chapters add attacks on their own exercises (the routes — imports, files,
    # processes, protocol — do not depend on the exercise)
    attacked = {_declared(p)[0] for p in ATTACKS}
    assert ATTACKED_EXERCISES <= attacked <= set(RIGHT)
