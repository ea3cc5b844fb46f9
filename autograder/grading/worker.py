"""The untrusted side of grading: a prewarmed process that forks one child per submission.

Started by the grader inside the sandbox (``autograder.grading.sandbox``), it speaks the
:mod:`protocol` on the file descriptors it was started with (stdin, stdout) and nothing else:

1. ``start`` — import what the notebooks import (NumPy, Matplotlib on Agg, ...), then reply ``ready``.
2. ``submission`` — write the submission's files into a fresh working folder, fork a child, wait
   for it, kill whatever it left running, remove the folder and reply ``finished``.
3. The child drops privileges, sets its limits, and runs the plan's steps in order: setup, answer
   and the student's own cells, and the demo cells a graded cell needs. At each test cell it
   replies ``at`` and serves the grader's requests (``describe`` a candidate, ``call`` it through a
   driver on the inputs sent) until ``continue``; after the last step it replies ``done``.

Nothing here decides a grade: the grader compares what comes back. A student's code runs in the
child, so the child may lie; it can only lie about its own submission.

Standard library, NumPy and the student-side runtime only: this module is copied into the sandbox.
"""
from __future__ import annotations

import builtins
import contextlib
import ctypes
import glob
import io
import os
import resource
import shutil
import signal
import sys
import time
import traceback

from ..runtime import engine
from ..runtime.sandbox import Raised, _time_limit, raised_from
from .protocol import Channel, pack

NOBODY = 65534            # the uid and gid a child runs as when the worker is root
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_SET_DUMPABLE = 4
PR_SET_PDEATHSIG = 1
PRINTED_KEPT = 2000       # characters of a cell's printed output kept for the report


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the limits still hold
        pass


# the zygote --------------------------------------------------------------------------------------------

def _quiet_standard_streams() -> Channel:
    """The channel on duplicates of stdin/stdout; fds 0-2 then point at /dev/null, so that a stray
    print from C code or a student's ``os.write(1, ...)`` cannot corrupt a message."""
    channel = Channel(os.dup(0), os.dup(1))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    if not os.environ.get("DLGRADE_WORKER_STDERR"):
        os.dup2(null, 2)
    os.close(null)
    return channel


def prewarm(modules: list[str]) -> dict:
    """Import what every submission would import, once, before any fork."""
    import matplotlib
    matplotlib.use("Agg")
    cache = os.environ.get("DLGRADE_MPL_CACHE")
    target = os.environ.get("MPLCONFIGDIR")
    if cache and target:  # the grader's font cache: building one costs seconds per worker
        os.makedirs(target, exist_ok=True)
        for path in glob.glob(os.path.join(cache, "fontlist-*.json")):
            shutil.copy(path, target)
    imported, failed = [], {}
    for name in ["numpy", "matplotlib.pyplot", *modules]:
        try:
            __import__(name)
            imported.append(name)
        except Exception as error:  # noqa: BLE001 - a missing optional module is the notebook's problem
            failed[name] = f"{type(error).__name__}: {error}"[:300]
    try:
        from IPython.core.inputtransformer2 import TransformerManager  # noqa: F401 - magics in cells
    except ImportError:
        pass
    return {"imported": imported, "failed": failed}


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def kill_leftovers() -> int:
    """SIGKILL every process left behind by the child (detached ones included: the worker is their
    subreaper) and reap them. Returns how many were killed."""
    killed = 0
    for _ in range(100):  # a fork bomb is bounded by RLIMIT_NPROC; a few rounds catch its orphans
        children = _children_of(os.getpid())
        if not children:
            break
        for pid in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.005)
    return killed


def _write_files(folder: str, files: list) -> None:
    for relative, data in files:
        path = os.path.normpath(os.path.join(folder, relative))
        if not path.startswith(folder + os.sep):
            continue  # the grader never sends these; refuse them anyway
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data.tobytes() if hasattr(data, "tobytes") else bytes(data))


def _chown_tree(folder: str, uid: int) -> None:
    for root, dirs, names in os.walk(folder):
        for name in [*dirs, *names]:
            os.chown(os.path.join(root, name), uid, uid)
    os.chown(folder, uid, uid)


def serve(channel: Channel, base: str) -> None:
    """The zygote's loop: one ``submission`` at a time until ``exit`` or the channel closes."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_DUMPABLE, 0)  # a child of the same uid cannot ptrace or read this process
    number = 0
    while True:
        try:
            kind, job = channel.receive()
        except Exception:  # noqa: BLE001 - the grader went away or sent garbage: stop
            return
        if kind == "exit":
            return
        if kind != "submission":
            channel.send("error", message=f"unexpected {kind!r}")
            continue
        number += 1
        folder = os.path.join(base, f"submission-{number}")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        _write_files(folder, job["files"])
        drop = os.getuid() == 0
        if drop:
            _chown_tree(folder, NOBODY)
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                run_child(channel, folder, job, drop)
            finally:
                os._exit(0)
        status = _wait(pid, job["limits"]["wall"])
        leftovers = kill_leftovers()
        shutil.rmtree(folder, ignore_errors=True)
        channel.send("finished", status=status, leftovers=leftovers, seconds=time.monotonic() - start)


def _wait(pid: int, wall: float) -> dict:
    """Wait for the child, killing it after ``wall`` seconds; how it ended, as plain data."""
    deadline = time.monotonic() + wall
    killed = False
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline and not killed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            killed = True
        time.sleep(0.002)
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status), "code": None, "wall_exceeded": killed}
    return {"signal": None, "code": os.WEXITSTATUS(status), "wall_exceeded": killed}


# the child --------------------------------------------------------------------------------------------

def _limit(child_limits: dict) -> None:
    settings = {
        resource.RLIMIT_AS: child_limits["memory_bytes"],
        resource.RLIMIT_CPU: child_limits["cpu_seconds"],
        resource.RLIMIT_FSIZE: child_limits["file_bytes"],
        resource.RLIMIT_NPROC: child_limits["processes"],
        resource.RLIMIT_NOFILE: 256,
        resource.RLIMIT_CORE: 0,
    }
    for which, soft in settings.items():
        hard = soft + 5 if which == resource.RLIMIT_CPU else soft  # SIGXCPU first, SIGKILL after
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (soft, hard))


def _drop_privileges() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


class _Shell:
    """What ``get_ipython()`` returns to a cell run here: magics do nothing, ``%%demo`` runs its body.

    Grading runs no shell commands (``!pip install``) and needs no timing magics.
    """

    def __init__(self, run_source):
        self._run_source = run_source

    def run_line_magic(self, name, line, *args, **kwargs):
        return None

    def run_cell_magic(self, name, line, cell):
        if name == "demo":
            self._run_source(cell)
        return None

    def system(self, *args, **kwargs):
        return None

    getoutput = system

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _python_source(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - left as it is: compiling it will say what is wrong
        return source


class Child:
    """Runs one submission's steps in one namespace, as a kernel would, and serves the grader."""

    def __init__(self, channel: Channel, limits: dict):
        self.channel = channel
        self.limits = limits
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.namespace["get_ipython"] = lambda: _Shell(self._exec)
        self.results: list[dict] = []

    def _exec(self, source: str, filename: str = "<cell>") -> None:
        exec(compile(_python_source(source), filename, "exec"), self.namespace)  # noqa: S102

    def run_cell(self, index: int, source: str, demo: bool) -> None:
        printed = io.StringIO()
        start = time.monotonic()
        error = None
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            try:
                with _time_limit(self.limits["cell_seconds"]):
                    if demo:  # a %%demo cell: its body, as the magic would run it
                        source = source.split("\n", 1)[1] if "\n" in source else ""
                    self._exec(source, f"<cell {index}>")
            except BaseException as raised:  # noqa: BLE001 - SystemExit and timeouts included
                error = raised_from(raised)
                if not error.where:
                    frames = traceback.extract_tb(raised.__traceback__)
                    error = Raised(error.type_name, error.message,
                                   f"line {frames[-1].lineno}" if frames else "", error.messages)
        self._close_figures()
        self.results.append({"cell": index, "error": error, "seconds": time.monotonic() - start,
                             "printed": printed.getvalue()[:PRINTED_KEPT]})

    @staticmethod
    def _close_figures() -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            with contextlib.suppress(Exception):
                pyplot.close("all")

    def describe(self, name: str) -> dict:
        if name not in self.namespace:
            return {"defined": False}
        try:
            facts = engine.describe_candidate(self.namespace[name])
            return {"defined": True, **facts.__dict__}
        except BaseException as error:  # noqa: BLE001 - a candidate whose repr or type raises
            return {"defined": True, "error": raised_from(error)}

    def call(self, request: dict) -> dict:
        candidate = self.namespace.get(request["name"])
        execution = engine.execute(request["driver"], request["options"], candidate, request["inputs"],
                                   request["time_limit"])
        return {"outputs": execution.outputs, "warnings": list(execution.warnings),
                "printed": execution.printed[:PRINTED_KEPT], "seconds": execution.seconds}

    def _called(self, request: dict) -> bytes:
        """The ``called`` reply, packed here so that outputs the protocol cannot carry become an error."""
        try:
            return pack("called", **self.call(request))
        except BaseException as error:  # noqa: BLE001 - a hostile object in the outputs, a timeout...
            return pack("called", outputs={"raised": raised_from(error)}, warnings=[], printed="", seconds=0.0)

    def serve_test_cell(self, index: int) -> None:
        self.channel.send("at", cell=index, results=self.results)
        self.results = []
        while True:
            kind, request = self.channel.receive()
            if kind == "continue":
                return
            if kind == "describe":
                self.channel.send("described", **self.describe(request["name"]))
            elif kind == "call":
                self.channel.send_packed(self._called(request))
            else:
                self.channel.send("error", message=f"unexpected {kind!r}")


def run_child(channel: Channel, folder: str, job: dict, drop: bool) -> None:
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a worker killed by the grader takes its child along
    _limit(job["limits"])
    if drop:
        _drop_privileges()
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    os.chdir(folder)
    sys.path.insert(0, folder)  # as a kernel started beside the notebook imports from its folder
    os.environ["HOME"] = folder
    child = Child(channel, job["limits"])
    for step in job["steps"]:
        if step["action"] == "test":
            child.serve_test_cell(step["cell"])
        else:
            child.run_cell(step["cell"], step["source"], step["action"] == "demo")
    channel.send("done", results=child.results)


def main() -> None:
    channel = _quiet_standard_streams()
    kind, start = channel.receive()
    if kind != "start":
        return
    warmed = prewarm(start.get("modules", []))
    base = start.get("base") or "/tmp"
    channel.send("ready", pid=os.getpid(), uid=os.getuid(), **warmed)
    serve(channel, base)


if __name__ == "__main__":
    main()
