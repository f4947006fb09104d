"""Command line: ``python -m course_lib.grading COMMAND``.

Commands: exercises, reset, grade, grade-batch, stubs, student-release, list."""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path


def _cmd_exercises(args):
    from .workspace import sync_exercises
    report = sync_exercises(exercises_dir=args.dir)
    for _, action, message in report:
        if action != "unchanged" or args.verbose:
            print(message)
    if not any(a == "created" for _, a, _ in report):
        print(f"{len(report)} exercise files in place; none created, none overwritten.")
    return 0


def _cmd_reset(args):
    from .workspace import reset_exercise
    try:
        print(reset_exercise(args.name, exercises_dir=args.dir))
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    return 0


def _unknown_exercise(names):
    """Print the error for the first unknown name in ``names`` (``--only``); True if any."""
    from .registry import get_exercise
    try:
        for name in names or []:
            get_exercise(name)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return True
    return False


def _refuse(args, message):
    """``--require-sandbox`` without a sandbox: say so, leave a zero report, exit 2."""
    import json
    print(message, file=sys.stderr)
    if getattr(args, "report", None):
        path = Path(args.report)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"score": 0.0, "tests": [], "output": message},
                                   indent=2) + "\n")
    return 2


def _sandbox_or_refuse(args):
    """None to go on, else the exit status (the grader refused)."""
    from .sandbox import SandboxUnavailable, check
    try:
        check(require=args.require_sandbox)
    except SandboxUnavailable as exc:
        return _refuse(args, str(exc))
    return None


def _limits(args):
    from .runner import Limits
    limits = Limits(require_sandbox=args.require_sandbox)
    if args.timeout is not None:
        limits.call_timeout = float(args.timeout)
    return limits


def _grade_zip(path, only, limits):
    """Grade a ``.zip`` submission: checked whole, staged privately, or refused."""
    import shutil
    import tempfile

    from .batch import _relabel, _stage, _zero_result, student_label
    from .grader import grade
    from .registry import all_exercises, get_exercise
    from .results import GradeReport
    exercises = all_exercises() if not only else [get_exercise(n) for n in only]
    stage = tempfile.mkdtemp(prefix="course-zip-")
    try:
        status = _stage(str(path.parent), path.name, exercises, stage)
        refused = {why for why in status.values() if why and why.startswith("refused")}
        if refused:
            why = refused.pop()
            return GradeReport([_zero_result(ex, f"{path.name}/{ex.name}.py", why)
                                for ex in exercises], str(path))
        report = grade(stage, only=[ex.name for ex in exercises], limits=limits)
        label = student_label(path.name)
        for e in report.exercises:
            _relabel(e, stage, label)
            e.path = e.path.replace(stage, label)
        report.directory = str(path)
        return report
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _cmd_grade(args):
    import json

    from .grader import grade
    if _unknown_exercise(args.only):
        return 2
    refused = _sandbox_or_refuse(args)
    if refused is not None:
        return refused
    try:
        if args.dir is not None and args.dir.suffix.lower() == ".zip":
            report = _grade_zip(args.dir, args.only, _limits(args))
        else:
            report = grade(args.dir, only=args.only, limits=_limits(args))
    except Exception:       # a grader bug: say so, and still leave a report behind
        err = traceback.format_exc()
        print(f"grader error (please report it):\n{err}", file=sys.stderr)
        if args.report:
            path = Path(args.report)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"score": 0.0, "tests": [],
                                        "output": "grader error:\n" + err}, indent=2))
        return 3
    if args.report:
        report.write_json(args.report)
    print(report.table())
    if args.report:
        print(f"report written to {args.report}")
    return 1 if args.strict and not report.passed else 0


def _cmd_grade_batch(args):
    from .batch import grade_batch
    if _unknown_exercise(args.only):
        return 2
    if args.jobs < 1:
        print(f"--jobs must be at least 1; got {args.jobs}", file=sys.stderr)
        return 2
    if not args.submissions.is_dir():
        print(f"no submissions folder {args.submissions}", file=sys.stderr)
        return 2
    if args.out.resolve() == args.submissions.resolve():
        print("--out must not be the submissions folder", file=sys.stderr)
        return 2
    refused = _sandbox_or_refuse(args)
    if refused is not None:
        return refused
    result = grade_batch(args.submissions, args.out, only=args.only, limits=_limits(args),
                         jobs=args.jobs, progress=args.progress)
    summary = result.summary
    total = summary["total"]
    print(f"graded {summary['graded']} of {summary['students']} students in "
          f"{result.seconds:.1f} s" + (f"; total mean {total['mean']:g}, median "
                                       f"{total['median']:g} of {summary['max_total']:g}"
                                       if total else ""))
    hardest = [c for c in summary["checks"] if c["pass_rate"] is not None][:5]
    if hardest:
        print("lowest pass rates:")
        for c in hardest:
            print(f"  {c['pass_rate']:6.0%}  {c['exercise']}: {c['check']}")
    for student, err in result.errors.items():
        print(f"grader error for {student!r}: {err.splitlines()[0]}", file=sys.stderr)
    print(f"wrote {args.out / 'grades.csv'}, {args.out / 'summary.json'} and one folder "
          "per student")
    return 3 if result.errors else 0


def _cmd_stubs(args):
    from .stubs import generate_stubs, stale_stubs
    if args.check:
        stale = stale_stubs()
        for name in stale:
            print(f"stubs/{name} differs from the generator's output")
        return 1 if stale else 0
    for name in generate_stubs():
        print(f"wrote stubs/{name}")
    return 0


def _cmd_student_release(args):
    from .workspace import build_student_release
    try:
        files = build_student_release(args.out)
    except (FileExistsError, RuntimeError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"wrote a student copy of the course to {args.out} ({len(files)} files; no "
          "solutions/, no tests/). Grade from it with: cd "
          f"{args.out} && python -m course_lib.grading grade")
    return 0


def _cmd_list(args):
    from .registry import all_exercises
    for ex in all_exercises():
        print(f"{ex.name} -- {ex.title} ({ex.max_score:g} points): "
              f"{', '.join(ex.functions)}")
        for c in ex.checks:
            print(f"  {c.points:g}  {c.name:<34} {c.description}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course_lib.grading",
                                     description="The course's exercises and their grader.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("exercises", help="create missing exercise files from stubs/ "
                                         "(never overwrites)")
    p.add_argument("--dir", type=Path, default=None, help="workspace (default exercises/)")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=_cmd_exercises)

    p = sub.add_parser("reset", help="restore one exercise from its stub (yours kept as .bak)")
    p.add_argument("name")
    p.add_argument("--dir", type=Path, default=None, help="workspace (default exercises/)")
    p.set_defaults(func=_cmd_reset)

    p = sub.add_parser("grade", help="grade the exercise files of a folder")
    p.add_argument("--dir", type=Path, default=None,
                   help="folder (or .zip) with exNN_*.py files (default exercises/)")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="grade only this exercise (repeatable)")
    p.add_argument("--report", metavar="PATH", help="write a Gradescope results.json here")
    p.add_argument("--timeout", type=float, default=None,
                   help="wall-clock seconds per call of a learner's function (default 15)")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 1 unless every check passes")
    p.add_argument("--require-sandbox", action="store_true",
                   help="refuse to grade where bubblewrap cannot run (default: warn and "
                        "run with resource limits only)")
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser("grade-batch", help="grade a class: one folder per student "
                                           "(writes grades.csv, summary.json, reports)")
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR",
                   help="folder with one folder or .zip per student (its name = student id)")
    p.add_argument("--out", type=Path, required=True, metavar="OUT_DIR",
                   help="where grades.csv, summary.json and <student>/ go")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="grade only this exercise (repeatable)")
    p.add_argument("--timeout", type=float, default=None,
                   help="wall-clock seconds per call of a learner's function (default 15)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="students graded in parallel (default: the number of CPUs)")
    p.add_argument("--require-sandbox", action="store_true",
                   help="refuse to grade where bubblewrap cannot run")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.set_defaults(func=_cmd_grade_batch)

    p = sub.add_parser("stubs", help="regenerate stubs/ from solutions/")
    p.add_argument("--check", action="store_true", help="only report stale stubs")
    p.set_defaults(func=_cmd_stubs)

    p = sub.add_parser("student-release", help="copy the course without solutions/ "
                                               "and tests/ (for learners)")
    p.add_argument("out", type=Path, help="output folder (must not exist)")
    p.set_defaults(func=_cmd_student_release)

    p = sub.add_parser("list", help="list the exercises and their checks")
    p.set_defaults(func=_cmd_list)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
