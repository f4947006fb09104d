"""The trusted side of the worker protocol: start, talk to, time out and kill workers.

:class:`LearnerModule` is what a check sees: ``learner.call("epoch_batches", 10, 3,
RngSpec(0))`` sends the call to a worker process that has imported the learner's
file, waits (with a wall-clock timeout) for the JSON answer and decodes it into
plain data. Whatever the learner's code does -- raise, loop forever, exit, crash,
print megabytes -- comes back as one of the :class:`LearnerFault` exceptions; a
dead or killed worker is replaced by a fresh one on the next call.

:func:`worker_command` is the single place that decides how a worker process is
started (interpreter, flags, environment, working directory, limits); it hands the
command to :func:`.sandbox.worker_launch`, which wraps it in bubblewrap. Each
:class:`LearnerModule` holds a parallel slot (its own user id when the grader is
root) and a private folder with a copy of the learner's file, the only folder of the
grader's that the worker sees. Killing a worker kills its whole sandbox (and, as
root, every process of the slot's user), so nothing it started survives.

Nothing the worker sends is trusted: an answer line longer than
:data:`MAX_ANSWER_BYTES` or with more than :data:`MAX_CONTAINERS` lists/objects
kills the worker before it is decoded; text fields are coerced to bounded strings;
call counts of functions marked ``by_grader`` are counted here, where those
functions are evaluated (:func:`_callback`).
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .protocol import ProtocolError, decode, dumps, loads
from .sandbox import INNER_SUBMISSION
from .specs import FunctionSpec, to_wire

__all__ = ["Limits", "worker_command", "LearnerModule", "CallResult", "LearnerFault",
           "LearnerRaised", "NotImplementedYet", "MissingFunction", "LearnerTimeout",
           "LearnerCrashed", "LoadFailed", "GraderError"]

#: the largest answer line the grader reads; a longer one kills the worker unread
MAX_ANSWER_BYTES = 4 * 2**20
#: at most this many JSON containers ("[" or "{") in one answer: bounds the memory
#: of decoding whatever the line holds (a forged 4 MiB of "[{},{},...]")
MAX_CONTAINERS = 200_000
OUTPUT_KEEP = 8000            # characters of learner output kept per exercise
MAX_CALLBACK_ELEMENTS = 100_000   # size of an x sent to a grader-evaluated function


@dataclass
class Limits:
    """Resource limits of one worker process.

    call_timeout : wall-clock seconds for one load/call answer (generous: a loaded
        2-core machine must not fail correct code); the whole sandbox is killed then
    cpu_seconds : RLIMIT_CPU of the worker (cumulative over its calls)
    memory_mb : RLIMIT_AS; numpy alone maps ~250-350 MB of virtual memory
    file_mb : RLIMIT_FSIZE, the largest file the learner's code may write
    processes : RLIMIT_NPROC of the slot's user (processes and threads)
    open_files : RLIMIT_NOFILE
    startup_timeout : seconds for the worker to start (trusted imports only)
    require_sandbox : refuse to run learner code where bubblewrap cannot run
    """

    call_timeout: float = 15.0
    cpu_seconds: int = 20
    memory_mb: int = 2048
    file_mb: int = 16
    processes: int = 16
    open_files: int = 64
    startup_timeout: float = 60.0
    require_sandbox: bool = False


def worker_command(limits, preload=(), submission_dir=None, slot=0):
    """``(argv, env, cwd, uid, inner_dir)`` that start a worker; the one place a worker
    is started from (:func:`.sandbox.worker_launch` wraps it in bubblewrap).

    ``inner_dir`` is where the worker sees ``submission_dir`` (the private folder
    holding the learner's file)."""
    from .sandbox import worker_launch
    args = ["--cpu-seconds", str(int(limits.cpu_seconds)),
            "--memory-mb", str(int(limits.memory_mb)),
            "--file-mb", str(int(limits.file_mb)),
            "--processes", str(int(limits.processes)),
            "--open-files", str(int(limits.open_files))]
    from .sandbox import WORKER_MODULES
    for name in preload:        # only what the worker's copy of course_lib holds
        if name.replace(".", "/").removeprefix("course_lib/") + ".py" in WORKER_MODULES:
            args += ["--preload", name]
    if submission_dir is None:
        submission_dir = tempfile.mkdtemp(prefix="course-grading-")
    return worker_launch(args, submission_dir, slot, require=limits.require_sandbox)


def preimport():
    """Import every module the grader needs before any learner code runs (a module
    imported later would be read from disk after learner code had its chance)."""
    import importlib
    for name in ("json", "csv", "math", "statistics", "html", "textwrap", "traceback",
                 "concurrent.futures", "zipfile", "numpy", "numpy.linalg",
                 "course_lib.problems", "course_lib.grading.compare",
                 "course_lib.grading.results", "course_lib.grading.registry",
                 "course_lib.grading.checks", "course_lib.grading.sandbox",
                 "course_lib.grading.batch"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


_PREIMPORTED = threading.Event()


def _preimport_once():
    if not _PREIMPORTED.is_set():
        preimport()
        _PREIMPORTED.set()


# --- what can go wrong, as seen by a check -------------------------------------------

class LearnerFault(Exception):
    """Something the learner's code did; the running check scores 0 with ``message``."""

    status = "error"

    def __init__(self, message, func=None):
        super().__init__(message)
        self.message = message
        self.func = func


class LearnerRaised(LearnerFault):
    """The learner's function raised an exception (it came back as data)."""

    def __init__(self, func, type_name, mro, message, traceback=""):
        self.type_name, self.mro, self.error_message = type_name, list(mro), message
        self.traceback = traceback
        text = f"{func}(...) raised {type_name}: {message}" if func else \
            f"{type_name}: {message}"
        super().__init__(text, func)

    def is_a(self, name):
        """True if the exception is an instance of the class named ``name``."""
        return name in self.mro


class NotImplementedYet(LearnerFault):
    status = "not_implemented"

    def __init__(self, func):
        super().__init__(f"{func} is not implemented yet (it still raises "
                         "NotImplementedError): write your code in place of that line.", func)


class MissingFunction(LearnerFault):
    def __init__(self, func, path):
        super().__init__(f"{Path(path).name} defines no function {func!r}; keep the name "
                         "and signature of the stub.", func)


class LearnerTimeout(LearnerFault):
    status = "timeout"


class LearnerCrashed(LearnerFault):
    pass


class LoadFailed(LearnerFault):
    """The learner's file could not be imported: every check of the exercise scores 0."""


class GraderError(RuntimeError):
    """A bug or a broken installation on the grader's side (not the learner's fault)."""


@dataclass
class CallResult:
    """One call's answer: the returned ``value`` (decoded), how many times each
    function argument was called (``counts``), the arguments as they were after
    the call (``args_after``, when asked with ``echo=True``) and what it printed."""

    value: object
    counts: dict = field(default_factory=dict)
    args_after: list | None = None
    output: str = ""


class _Died(Exception):
    pass


class _Timeout(Exception):
    pass


def _describe_exit(code, limits):
    if code is None:
        return "did not exit"
    if code >= 0:
        return f"exited with code {code}"
    sig = -code
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = str(sig)
    if sig == signal.SIGXCPU:
        return f"was stopped by the CPU-time limit ({limits.cpu_seconds} s)"
    if sig == signal.SIGXFSZ:
        return f"was stopped for writing a file larger than {limits.file_mb} MB"
    if sig == signal.SIGSEGV:
        return "crashed (segmentation fault)"
    return f"was killed by signal {name}"


def _callback(request, callbacks):
    """Evaluate a grader-side function for the worker; count the call."""
    from .protocol import encode
    entry = callbacks.get(request.get("cb"))
    if entry is None:
        return {"cb": True, "ok": False, "error": "no such function"}
    try:
        (x,) = request.get("args")
        x = decode(x)
        x = np.array(x, dtype=float)
        if x.size > MAX_CALLBACK_ELEMENTS:
            raise ValueError(f"x has {x.size} elements")
        entry[1] += 1
        with np.errstate(all="ignore"):
            value = entry[0](x)
    except Exception as exc:    # the learner's x was unusable: its code gets the error
        return {"cb": True, "ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"cb": True, "ok": True, "value": encode(value)}


def _grader_functions(obj, found):
    """The :class:`FunctionSpec` arguments with ``by_grader`` set, by name."""
    if isinstance(obj, FunctionSpec):
        if getattr(obj, "by_grader", False):
            found[obj.name] = [obj.function, 0]
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _grader_functions(v, found)
    elif isinstance(obj, dict):
        for v in obj.values():
            _grader_functions(v, found)
    return found


class _WorkerProcess:
    """One worker subprocess and its pipes."""

    def __init__(self, limits, preload, submission_dir, slot):
        self.limits = limits
        argv, env, cwd, self.uid, self.inner_dir = worker_command(
            limits, preload, submission_dir, slot)
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=cwd, env=env, start_new_session=True, close_fds=True)
        self._buf = bytearray()
        self._err_parts, self._err_kept, self.err_dropped = [], 0, 0
        self._err_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._err_thread.start()
        os.set_blocking(self.proc.stdin.fileno(), False)
        self._next_id = 0

    def _drain_stderr(self):
        fd = self.proc.stderr.fileno()
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            room = OUTPUT_KEEP - self._err_kept
            if room > 0:
                self._err_parts.append(chunk[:room])
                self._err_kept += min(room, len(chunk))
            self.err_dropped += max(0, len(chunk) - max(room, 0))

    def stderr_text(self):
        text = b"".join(self._err_parts).decode("utf-8", "replace")
        if self.err_dropped:
            text += f"\n... ({self.err_dropped} more bytes not shown)"
        return text

    def alive(self):
        return self.proc.poll() is None

    def exit_code(self, timeout=3.0):
        """The worker's exit status (negative: killed by that signal), or None.
        bwrap reports a child killed by signal N as 128 + N."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if self.inner_dir == INNER_SUBMISSION and 128 < code < 128 + 65:
            code = 128 - code
        return code

    def request(self, message, timeout, callbacks=None):
        """Send one request and wait for its answer; raises _Timeout or _Died.

        ``callbacks`` maps a name to ``[function, count]``: the functions the
        grader evaluates for the worker (``{"cb": name, "args": [x]}`` lines),
        counting each call."""
        self._next_id += 1
        message = dict(message, id=self._next_id)
        deadline = time.monotonic() + timeout
        self._write(dumps(message), deadline)
        while True:
            answer = loads(self._read_line(deadline))
            if "cb" in answer and "id" not in answer:
                self._write(dumps(_callback(answer, callbacks or {})), deadline)
            elif answer.get("id") == self._next_id:
                return answer

    def _write(self, data, deadline):
        fd = self.proc.stdin.fileno()
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout
            _, w, _ = select.select([], [fd], [], remaining)
            if not w:
                continue
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                raise _Died from None
            view = view[n:]

    def _read_line(self, deadline):
        fd = self.proc.stdout.fileno()
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[:nl + 1]
                return line
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout
            r, _, _ = select.select([fd], [], [], remaining)
            if not r:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise _Died
            self._buf += chunk
            nl = self._buf.find(b"\n")
            if (nl if nl >= 0 else len(self._buf)) > MAX_ANSWER_BYTES:
                raise _Died(f"more than {MAX_ANSWER_BYTES} bytes")   # never decoded
            line = self._buf[:nl] if nl >= 0 else self._buf
            if line.count(b"[") + line.count(b"{") > MAX_CONTAINERS:
                raise _Died(f"more than {MAX_CONTAINERS} lists or objects")

    def kill(self):
        """Kill the sandbox (bwrap dies, so does the sandbox's pid 1 and everything
        in its pid namespace) and, when the worker had a user id of its own, every
        process of that user, wherever it went."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.uid is not None:
            from .sandbox import kill_uid
            kill_uid(self.uid)
        self._err_thread.join(timeout=2)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass

    def close(self):
        """Ask politely (close stdin), then kill the whole process group."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=1)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            pass
        self.kill()


class LearnerModule:
    """A learner's file, imported in a worker process; calls go through JSON.

    Parameters
    ----------
    path : path of the learner's ``.py`` file
    limits : :class:`Limits`
    preload : trusted modules the worker imports before the learner's file

    A function that timed out or crashed the worker is not called again: later
    calls to it fail at once with the same message (saves a timeout per check).
    """

    def __init__(self, path, limits=None, preload=()):
        _preimport_once()
        self.path = str(Path(path).resolve())
        self.limits = limits or Limits()
        self.preload = tuple(preload)
        self.poisoned = {}
        self._proc = None
        self._tmp = None
        self._slot = None
        self._outputs = []          # what the learner's code printed, in order
        self._output_len = 0
        self.functions = None
        self.load_error = None

    # --- lifecycle ---------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._proc is not None:
            self._note_output(self._proc.stderr_text())
            self._proc.close()
            self._proc = None
        self._release_slot()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _release_slot(self):
        """A slot (a user id) is held only while a worker of ours may be alive."""
        if self._slot is not None:
            from .sandbox import SLOTS
            SLOTS.release(self._slot)
            self._slot = None

    def _note_output(self, text):
        if text and self._output_len < OUTPUT_KEEP:
            text = text[:OUTPUT_KEEP - self._output_len]
            self._outputs.append(text)
            self._output_len += len(text)

    @property
    def output(self):
        """What the learner's code printed (truncated), for the report."""
        text = "".join(self._outputs)
        return text if self._output_len < OUTPUT_KEEP else text + "\n... (truncated)"

    def _kill(self):
        if self._proc is not None:
            self._proc.kill()
            self._note_output(self._proc.stderr_text())
            self._proc = None
        self._release_slot()

    def _start(self):
        from .sandbox import SLOTS
        if self._tmp is None:
            # a private folder with a copy of the learner's file and nothing else:
            # the one folder of the grader's the worker can see
            self._tmp = tempfile.mkdtemp(prefix="course-grading-")
            os.chmod(self._tmp, 0o755)
            copy = Path(self._tmp) / Path(self.path).name
            copy.write_bytes(Path(self.path).read_bytes())
            os.chmod(copy, 0o644)
        if self._slot is None:
            self._slot = SLOTS.acquire()
        proc = _WorkerProcess(self.limits, self.preload, self._tmp, self._slot)
        try:
            answer = proc.request({"op": "ping"}, self.limits.startup_timeout)
        except (_Timeout, _Died, ProtocolError):
            proc.kill()
            self._release_slot()
            raise GraderError("the grading worker did not start:\n"
                              + proc.stderr_text()[-2000:]) from None
        if not answer.get("ok"):
            proc.kill()
            self._release_slot()
            raise GraderError(f"the grading worker failed: {answer}")
        self._proc = proc

    def load(self):
        """Start a worker and import the learner's file; raises :class:`LoadFailed`."""
        if self._proc is not None and self._proc.alive() and self.functions is not None:
            return self.functions
        if self.load_error is not None:
            raise self.load_error
        name = Path(self.path).name
        if not Path(self.path).is_file():
            self.load_error = LoadFailed(f"{self.path} does not exist (run `make exercises`"
                                         " to create it from the stub)")
            raise self.load_error
        self._start()
        try:
            inner = f"{self._proc.inner_dir}/{name}"
            answer = self._proc.request({"op": "load", "path": inner},
                                        self.limits.call_timeout)
        except _Timeout:
            self._kill()
            self.load_error = LoadFailed(
                f"importing {name} took longer than {self.limits.call_timeout:g} s "
                "(is there a loop or a long computation at the top level of the file?)")
            raise self.load_error from None
        except (_Died, ProtocolError):
            code = self._proc.exit_code()
            self._kill()
            self.load_error = LoadFailed(
                f"the process importing {name} {_describe_exit(code, self.limits)} "
                "(does the file call os._exit, or crash at import?)")
            raise self.load_error from None
        answer = self._relabel(answer)
        self._note_output(answer.get("output", ""))
        if not answer.get("ok"):
            err = answer.get("error", {})
            self._kill()
            if err.get("type") == "SystemExit":
                msg = (f"{name} called sys.exit({err.get('message')}) while being imported;"
                       " remove that call")
            else:
                msg = f"{name} could not be imported: {err.get('type')}: {err.get('message')}"
                if err.get("traceback"):
                    msg += "\n" + err["traceback"].rstrip()
            self.load_error = LoadFailed(msg)
            raise self.load_error
        self.functions = answer.get("value", [])
        return self.functions

    # --- calls -------------------------------------------------------------------
    def _request(self, func, message, callbacks=None):
        if func in self.poisoned:
            raise type(self.poisoned[func])(self.poisoned[func].message +
                                            " (not called again)", func)
        self.load()
        try:
            answer = self._proc.request(message, self.limits.call_timeout, callbacks)
        except _Timeout:
            self._kill()
            fault = LearnerTimeout(
                f"{func}(...) did not return within {self.limits.call_timeout:g} s "
                "(an infinite loop? a loop whose condition never becomes False?)", func)
            self.poisoned[func] = fault
            raise fault from None
        except (_Died, ProtocolError) as exc:
            unread = isinstance(exc, ProtocolError) or bool(exc.args)
            code = None if unread else self._proc.exit_code()
            self._kill()
            how = _describe_exit(code, self.limits)
            if unread:
                how = f"sent an unreadable answer ({exc})"
            fault = LearnerCrashed(f"the process running {func}(...) {how}", func)
            self.poisoned[func] = fault
            raise fault from None
        answer = self._relabel(answer)
        self._note_output(answer.get("output", ""))
        return answer

    def _relabel(self, answer):
        """The answer's text fields as bounded strings (the worker's answer is the
        learner's to forge), naming the learner's file where it is, not where the
        worker saw it."""
        inner, outer = self._proc.inner_dir, str(Path(self.path).parent)

        def fix(v, n=OUTPUT_KEEP):
            return str(v)[:n].replace(inner + "/", outer + "/")
        answer["output"] = fix(answer.get("output", ""))
        err = answer.get("error")
        if "error" in answer:
            err = err if isinstance(err, dict) else {}
            mro = err.get("mro")
            answer["error"] = {
                "type": fix(err.get("type", "?"), 200),
                "mro": [fix(m, 200) for m in mro[:50]] if isinstance(mro, list) else [],
                "message": fix(err.get("message", ""), 2000),
                "traceback": fix(err.get("traceback", ""), 3000)}
        return answer

    def _raise_error(self, func, err):
        kind = err.get("type")
        mro = err.get("mro", [])
        if kind == "MissingFunction":
            raise MissingFunction(func, self.path)
        if kind in ("GraderError", "ProtocolError"):
            raise GraderError(err.get("message", "") + "\n" + err.get("traceback", ""))
        if "NotImplementedError" in mro:
            raise NotImplementedYet(func)
        if kind == "SystemExit":
            raise LearnerRaised(func, kind, mro, f"{func} called sys.exit("
                                f"{err.get('message')}); return a value instead",
                                err.get("traceback", ""))
        raise LearnerRaised(func, kind, mro, err.get("message", ""), err.get("traceback", ""))

    def run(self, func, *args, echo=False, **kwargs):
        """Call ``func(*args, **kwargs)`` in the worker; return a :class:`CallResult`.

        Arguments may contain :class:`~.specs.FunctionSpec` and
        :class:`~.specs.RngSpec`. With ``echo=True`` the arguments are sent back
        as they were after the call (to detect in-place mutation).
        """
        message = {"op": "call", "func": func, "args": to_wire(list(args)),
                   "kwargs": to_wire(kwargs), "echo": bool(echo)}
        callbacks = _grader_functions([args, kwargs], {})
        answer = self._request(func, message, callbacks)
        if not answer.get("ok"):
            self._raise_error(func, answer.get("error", {}))
        try:
            value = decode(answer.get("value"))
            after = decode(answer["args_after"]) if echo else None
        except ProtocolError as exc:
            raise LearnerCrashed(f"{func}(...) returned unreadable data ({exc})", func) \
                from None
        try:
            counts = {str(k): int(v) for k, v in dict(answer.get("counts") or {}).items()
                      if k not in callbacks}
        except (TypeError, ValueError):
            counts = {}
        counts.update({name: entry[1] for name, entry in callbacks.items()})
        return CallResult(value, counts, after, answer.get("output", ""))

    def call(self, func, *args, **kwargs):
        """The decoded return value of ``func(*args, **kwargs)``."""
        return self.run(func, *args, **kwargs).value

    def map(self, func, calls):
        """Many calls in one round trip: ``calls`` is a list of ``(args, kwargs)``.
        Returns the list of decoded values; the first failing call raises."""
        message = {"op": "map", "func": func,
                   "calls": [[to_wire(list(a)), to_wire(dict(k))] for a, k in calls]}
        answer = self._request(func, message, _grader_functions(list(calls), {}))
        if not answer.get("ok"):
            self._raise_error(func, answer.get("error", {}))
        values = []
        for item in answer.get("value") or []:
            if not item.get("ok"):
                self._raise_error(func, item.get("error", {}))
            try:
                values.append(decode(item.get("value")))
            except ProtocolError as exc:
                raise LearnerCrashed(f"{func}(...) returned unreadable data ({exc})",
                                     func) from None
        if len(values) != len(calls):
            raise LearnerCrashed(f"{func}: {len(values)} answers for {len(calls)} calls",
                                 func)
        return values
