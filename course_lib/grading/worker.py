"""The worker: runs ONE learner file in its own process and answers calls as JSON lines.

Started by the grader (:mod:`.runner`) as
``python -m course_lib.grading.worker --cpu-seconds 20 --memory-mb 2048``.
It never trusts the learner's code with the protocol:

1. before any learner code runs it moves the protocol off the standard streams:
   requests are read from a private duplicate of fd 0 and answers written to a
   private duplicate of fd 1; fd 0 then reads ``/dev/null`` and fd 1 points at
   fd 2 (stderr), so a learner's ``print``/``input``/``os.write(1, ...)`` cannot
   corrupt a message;
2. it imports everything it needs (numpy, the protocol, the objectives), sets the
   resource limits (CPU seconds, address space, file size, open files, processes,
   no core files) and, when started as root inside the sandbox, drops to its
   slot's unprivileged user id (``--uid``) -- all before any learner code runs;
3. Python-level output of each load/call is captured in a bounded buffer and
   returned (truncated) with the answer.

Requests (one JSON object per line)::

    {"id": 1, "op": "load", "path": "/abs/path/ex01_minibatch.py"}
    {"id": 2, "op": "call", "func": "epoch_batches", "args": [...], "kwargs": {...},
     "echo": true}                      # echo: send back the arguments after the call
    {"id": 3, "op": "map", "func": "epoch_batches", "calls": [[args, kwargs], ...]}

Answers: ``{"id", "ok": true, "value", "counts", "args_after"?, "output"}`` or
``{"id", "ok": false, "error": {"type", "mro", "message", "traceback"}, "output"}``.

While a call runs, a function the grader evaluates itself (a
:class:`~.specs.FunctionSpec` with ``by_grader=True``, sent as
``{"__cb__": {"name": "f"}}``: no coefficients reach the worker) is a
:class:`GraderFunction`: each call of it writes ``{"cb": "f", "args": [x]}`` and
waits for ``{"cb": true, "ok": true, "value": ...}``. The grader counts those
calls; nothing the learner's code does in this process changes the count.

The worker trusts nothing it is told either, but it is not the line of defence:
everything it sends back (values, counts, output) is treated by the grader as
written by the learner.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import traceback

OUTPUT_LIMIT = 4000        # characters of learner output kept per answer


class _BoundedText(io.TextIOBase):
    """A text sink that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit=OUTPUT_LIMIT):
        self.limit, self.parts, self.kept, self.dropped = limit, [], 0, 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(room, len(s))
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self):
        out = "".join(self.parts)
        if self.dropped:
            out += f"\n... ({self.dropped} more characters not shown)"
        return out


def set_limits(cpu_seconds, memory_mb, file_mb, processes=None, open_files=None):
    """Lower this process's rlimits (soft = hard: learner code cannot raise them)."""
    import resource
    for which, value in ((resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_AS, memory_mb * 2**20 if memory_mb else None),
                         (resource.RLIMIT_FSIZE, file_mb * 2**20 if file_mb else None),
                         (resource.RLIMIT_NPROC, processes),
                         (resource.RLIMIT_NOFILE, open_files),
                         (resource.RLIMIT_CORE, 0)):
        if value is None:
            continue
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):   # e.g. a hard limit already lower
            pass


def _error_info(exc, learner_path):
    """Type, base classes, message, and the learner's own frames of the traceback."""
    tb = traceback.extract_tb(exc.__traceback__)
    mine = [fr for fr in tb if learner_path and os.path.abspath(fr.filename) == learner_path]
    lines = traceback.format_list(mine[-4:]) if mine else []
    if isinstance(exc, SyntaxError) and exc.filename:
        lines = traceback.format_exception_only(type(exc), exc)
    try:
        message = str(exc)
    except BaseException:
        message = "<str() of the exception failed>"
    return {"type": type(exc).__name__,
            "mro": [c.__name__ for c in type(exc).__mro__],
            "message": message[:2000],
            "traceback": "".join(lines)[-3000:]}


def _drop_privileges(uid):
    """Become ``uid`` (real, effective and saved; no supplementary groups)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("could not drop privileges")


class GraderFunction:
    """A function evaluated by the grader: each call is a round trip on the protocol."""

    def __init__(self, name, worker):
        self._name, self._worker = str(name), worker

    def __call__(self, x, *args, **kwargs):
        import numpy as np

        from .protocol import decode, encode
        if args or kwargs:
            raise TypeError(f"{self._name}(x) takes one argument")
        self._worker.send({"cb": self._name,
                           "args": [encode(np.array(x, dtype=float))]})
        line = self._worker.readline()
        if line is None:
            raise SystemExit(0)     # the grader is gone
        from .protocol import loads
        answer = loads(line)
        if not answer.get("ok"):
            raise ValueError(f"{self._name}: {answer.get('error', 'refused')}")
        value = decode(answer.get("value"))
        return value

    def __repr__(self):
        return f"<function {self._name}>"


class Worker:
    def __init__(self, proto_in, proto_out):
        self.rfile = os.fdopen(proto_in, "rb", buffering=0)
        self.out_fd = proto_out
        self.module = None
        self.path = None
        self._buf = b""

    # --- protocol -------------------------------------------------------------
    def readline(self):
        while b"\n" not in self._buf:
            chunk = self.rfile.read(1 << 16)
            if not chunk:
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line

    def send(self, message):
        from .protocol import dumps
        data = dumps(message)
        view = memoryview(data)
        while view:
            n = os.write(self.out_fd, view)
            view = view[n:]

    def serve(self):
        from .protocol import loads
        while True:
            line = self.readline()
            if line is None:
                return
            req = loads(line)
            answer = self.handle(req)
            answer["id"] = req.get("id")
            self.send(answer)

    # --- requests -------------------------------------------------------------
    def _captured(self, fn):
        """Run ``fn()`` with Python-level stdout/stderr captured; return (ok, value, output)."""
        sink = _BoundedText()
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = sink
        try:
            value = fn()
            ok = True
        except BaseException as exc:   # SystemExit, KeyboardInterrupt included
            value, ok = exc, False
        finally:
            sys.stdout, sys.stderr = old
        return ok, value, sink.text()

    def handle(self, req):
        op = req.get("op")
        try:
            if op == "load":
                return self.load(req["path"])
            if op == "call":
                return self.call(req)
            if op == "map":
                return self.map(req)
            if op == "ping":
                return {"ok": True, "value": "pong", "output": ""}
            return {"ok": False, "output": "", "error": {
                "type": "ProtocolError", "mro": ["ProtocolError"],
                "message": f"unknown op {op!r}", "traceback": ""}}
        except BaseException as exc:    # a bug of ours, or an unusable request
            info = _error_info(exc, None)
            info["type"] = "GraderError"
            info["message"] = f"{type(exc).__name__}: {info['message']}"
            info["traceback"] = traceback.format_exc()[-3000:]
            return {"ok": False, "output": "", "error": info}

    def load(self, path):
        import importlib.util
        self.path = os.path.abspath(path)

        def do():
            name = os.path.splitext(os.path.basename(self.path))[0]
            spec = importlib.util.spec_from_file_location(name, self.path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot import {self.path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            return module

        ok, value, output = self._captured(do)
        if not ok:
            return {"ok": False, "output": output, "error": _error_info(value, self.path)}
        self.module = value
        functions = sorted(k for k, v in vars(value).items()
                           if callable(v) and not k.startswith("_"))
        return {"ok": True, "value": functions, "output": output}

    def _function(self, name):
        if self.module is None:
            raise RuntimeError("no learner file loaded")
        fn = getattr(self.module, name, None)
        if fn is None or not callable(fn):
            exc = AttributeError(f"your file defines no function {name!r}")
            return None, {"type": "MissingFunction", "mro": ["MissingFunction"],
                          "message": str(exc), "traceback": ""}
        return fn, None

    def _one_call(self, fn, args, kwargs, echo):
        from .protocol import decode, encode
        from .specs import worker_tags
        counts = {}
        tags = worker_tags(counts)
        tags["__cb__"] = lambda body: GraderFunction(body["name"], self)
        args = decode(args, tags)
        kwargs = decode(kwargs, tags) if kwargs else {}
        ok, value, output = self._captured(lambda: fn(*args, **kwargs))
        answer = {"ok": ok, "output": output, "counts": counts}
        if ok:
            answer["value"] = encode(value)
        else:
            answer["error"] = _error_info(value, self.path)
        if echo:
            answer["args_after"] = encode(list(args))
        return answer

    def call(self, req):
        fn, err = self._function(req["func"])
        if err:
            return {"ok": False, "output": "", "error": err}
        return self._one_call(fn, req.get("args", []), req.get("kwargs"), req.get("echo"))

    def map(self, req):
        fn, err = self._function(req["func"])
        if err:
            return {"ok": False, "output": "", "error": err}
        results, outputs = [], []
        for args, kwargs in req["calls"]:
            answer = self._one_call(fn, args, kwargs, False)
            if answer["output"] and sum(map(len, outputs)) < OUTPUT_LIMIT:
                outputs.append(answer["output"])
            answer["output"] = ""
            results.append(answer)
            if not answer["ok"]:    # stop at the first error: the grader reports it
                break
        return {"ok": True, "value": results, "output": "".join(outputs)[:OUTPUT_LIMIT]}


def main(argv=None):
    # 1. take the protocol off the standard streams before anything else runs
    proto_in = os.dup(0)
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)

    parser = argparse.ArgumentParser(prog="python -m course_lib.grading.worker")
    parser.add_argument("--cpu-seconds", type=int, default=20)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--file-mb", type=int, default=16)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--open-files", type=int, default=None)
    parser.add_argument("--uid", type=int, default=None,
                        help="drop to this user id before any learner code (as root)")
    parser.add_argument("--preload", action="append", default=[],
                        help="trusted module to import before any learner code")
    opts = parser.parse_args(argv)

    # 2. import what the grader's specs need while still trusted, then limit resources
    import importlib

    import numpy  # noqa: F401

    from . import protocol, specs  # noqa: F401
    for name in opts.preload:
        if name == "course_lib" or name.startswith("course_lib."):
            importlib.import_module(name)
    # learner code that (wrongly) uses the global RNGs behaves the same on every run
    import random
    random.seed(0)
    numpy.random.seed(0)
    set_limits(opts.cpu_seconds, opts.memory_mb, opts.file_mb, opts.processes,
               opts.open_files)
    if opts.uid is not None and os.geteuid() == 0:
        _drop_privileges(opts.uid)

    Worker(proto_in, proto_out).serve()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
