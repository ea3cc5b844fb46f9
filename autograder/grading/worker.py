"""The untrusted side of grading: a prewarmed process that forks one child per submission.

Started by the grader inside the sandbox (``autograder.grading.sandbox``), it speaks the
:mod:`protocol` on the file descriptors it was started with (stdin, stdout) and nothing else:

1. ``start`` — import what the notebooks import (NumPy, Matplotlib on Agg, ...), then reply ``ready``.
2. ``submission`` — write the submission's files into a fresh working folder, fork a child, wait
   for it, kill whatever it left running, remove the folder and reply ``finished``.
3. The child drops privileges, sets its limits, and runs the plan's steps in order: setup, answer
   and the student's own cells, and the demo cells a graded cell needs. At a test cell that
   carries its checks (what the grader sends), it describes each candidate, calls it through the
   check's driver on every case's inputs, replies ``at`` with all of it and goes on; at a test cell
   without checks it replies ``at`` and serves requests (``describe``, ``call``) until
   ``continue``. After the last step it replies ``done``.

Nothing here decides a grade: the grader compares what comes back. A student's code runs in the
child, so the child may lie; it can only lie about its own submission.

Standard library, NumPy and the student-side runtime only: this module is copied into the sandbox.
"""
from __future__ import annotations

import builtins
import contextlib
import ctypes
import gc
import glob
import io
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time
import traceback

from ..runtime import engine
from ..runtime.sandbox import Raised, _time_limit, raised_from
from .protocol import Channel, ChannelClosed, Encoded, Frame, FrameReader, ProtocolError, encoded, pack

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


def _processes() -> list[tuple[int, int, set[int]]]:
    """(pid, parent pid, uids) of every process this worker can see (in the sandbox, only its own
    PID namespace's), read from ``/proc/PID/status`` (which says the uids of a non-dumpable process
    too, unlike the owner of its ``/proc`` folder)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", "rb") as handle:
                status = handle.read()
        except OSError:
            continue
        parent, uids = None, set()
        for line in status.splitlines():
            if line.startswith(b"PPid:"):
                parent = int(line.split()[1])
            elif line.startswith(b"Uid:"):
                uids = {int(field) for field in line.split()[1:]}
        if parent is not None:
            found.append((int(entry), parent, uids))
    return found


def _kill_every_process_of(uid: int) -> None:
    """SIGKILL every process of ``uid`` this worker can see, at once: ``kill(-1)`` sent by a helper
    running as that uid reaches all of them, wherever they moved in the process tree."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)  # never the caller itself
        except BaseException:  # noqa: BLE001 - nothing of the helper may run on
            pass
        os._exit(0)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def kill_leftovers(uid: int | None = None) -> int:
    """SIGKILL every process left behind by the child and reap them; returns how many there were.

    Detached ones included: the worker is their subreaper, so they stay its children. With ``uid``
    (the child's, when the worker dropped it), every process of that uid is killed first, so no
    process of a submission outlives it even where the tree misleads.
    """
    killed, me = 0, os.getpid()
    for _ in range(100):  # a fork bomb is bounded by RLIMIT_NPROC; a few rounds catch its orphans
        processes = _processes()
        if uid is not None and any(uid in uids for _, _, uids in processes):
            _kill_every_process_of(uid)  # (a fork each time: only when there is a process to kill)
            processes = _processes()
        children = [child for child, parent, _ in processes if parent == me]
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


def serve(channel: Channel, base: str, child_uid: int | None = NOBODY) -> None:
    """The zygote's loop: one ``submission`` at a time until ``exit`` or the channel closes.

    ``child_uid``: the uid each child drops to when the worker is root (None: no drop).
    """
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_DUMPABLE, 0)  # a child of the same uid cannot ptrace or read this process
    uid = child_uid if os.getuid() == 0 else None
    number = 0
    held: dict = {}  # suite key -> its cases' inputs, as the grader sent them (see _with_inputs)
    while True:
        try:
            kind, job = channel.receive()
        except Exception:  # noqa: BLE001 - the grader went away or sent garbage: stop
            return
        if kind == "exit":
            return
        if kind != "submission":
            # A request for a child that has just ended: the grader reads "finished" as its reply.
            continue
        held = _with_inputs(job, held)
        number += 1
        folder = os.path.join(base, f"submission-{number}")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        _write_files(folder, job["files"])
        if uid is not None:
            _chown_tree(folder, uid)
        start = time.monotonic()
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                # The child talks on its own socket only: it never holds the grader's channel, so
                # nothing it (or a process it leaves) writes or reads can reach another submission.
                ours.close()
                os.close(channel.read_fd)
                os.close(channel.write_fd)
                run_child(Channel(theirs.fileno(), theirs.fileno()), folder, job, uid)
            finally:
                os._exit(0)
        theirs.close()
        relay = Relay(channel, ours, pid, job)
        status = relay.run()
        leftovers = kill_leftovers(uid)
        relay.drain()
        ours.close()
        shutil.rmtree(folder, ignore_errors=True)
        channel.send("finished", status=status, leftovers=leftovers, seconds=time.monotonic() - start)


def _with_inputs(job: dict, held: dict) -> dict:
    """Put each check's case inputs into ``job`` (``"inputs": key`` becomes ``"cases"``), from
    those the job carries or ``held`` from submissions before; returns the inputs to hold for the
    next submission: only this one's (``job["keep"]``), so a child holds no other suite's."""
    sent = job.get("inputs")
    held = {key: held[key] for key in job.get("keep") or () if type(key) is str and key in held}
    held.update(sent if type(sent) is dict else {})
    for step in job.get("steps") or ():
        for check in step.get("checks") or ():
            if "inputs" in check:
                check["cases"] = held.get(check.pop("inputs"), [])
    return held


# what a child may say ----------------------------------------------------------------------------------

CHILD_REPLY_MARGIN = 3.0   # seconds a child may take beyond its own alarm before it is killed
CHECK_SECONDS = 60.0       # all the cases of one check (the engine's budget for a suite)
DESCRIBE_SECONDS = 5.0     # to describe a candidate (its repr may be the student's code)


class ChildMisbehaved(Exception):
    """A child's message that the conversation does not allow: the child is killed."""


def _check_results(results) -> None:
    if type(results) is not list:
        raise ChildMisbehaved("results must be a list")
    for result in results:
        if type(result) is not dict or type(result.get("cell")) is not int \
                or not (result.get("error") is None or type(result.get("error")) is Raised) \
                or type(result.get("printed", "")) is not str \
                or type(result.get("seconds", 0.0)) not in (int, float):
            raise ChildMisbehaved("a malformed cell result")


def _check_plain(fields: dict, allowed: dict) -> None:
    for name, value in fields.items():
        if name not in allowed or type(value) not in allowed[name]:
            raise ChildMisbehaved(f"field {name!r} is not allowed here")


FACT_FIELDS = {"defined": (bool,), "is_class": (bool,), "is_routine": (bool,), "is_callable": (bool,),
               "is_none": (bool,), "is_plain_value": (bool,), "type_name": (str,), "summary": (str,),
               "error": (Raised,)}
CALLED_FIELDS = {"outputs": (dict,), "warnings": (list,), "printed": (str,), "seconds": (int, float)}


def _check_checks(checks, expected: int) -> None:
    """The results of a test cell's checks, run by the child: one (facts, executions) per check."""
    if type(checks) is not list or len(checks) != expected:
        raise ChildMisbehaved("not one result per check")
    for check in checks:
        if type(check) is not dict or set(check) != {"facts", "executions"} or type(check["facts"]) is not dict \
                or type(check["executions"]) is not list:
            raise ChildMisbehaved("a check's result must hold facts and executions")
        _check_plain(check["facts"], FACT_FIELDS)
        for execution in check["executions"]:
            if type(execution) is not dict:
                raise ChildMisbehaved("an execution must be a dict")
            _check_called(execution)


def _check_called(fields: dict) -> None:
    _check_plain(fields, CALLED_FIELDS)
    if not all(type(w) is str for w in fields.get("warnings", [])):
        raise ChildMisbehaved("warnings must be strings")


class Relay:
    """The zygote between the grader and one child: it passes on the grader's requests and the
    child's replies, checking that each reply is the one the conversation expects (the next test
    cell of the plan, the answer to the request just made), and kills a child that says anything
    else, goes quiet past its limits, or runs past the submission's wall clock.

    The grader therefore only ever hears well-formed messages in order, then ``finished``.
    """

    def __init__(self, grader: Channel, child: socket.socket, pid: int, job: dict):
        self.grader, self.child, self.pid = grader, child, pid
        self.limits = job["limits"]
        self.tests = [step["cell"] for step in job["steps"] if step["action"] == "test"]
        self.steps = job["steps"]
        self.position = 0                      # index in steps of the next step the child runs
        self.reader = FrameReader()
        self.expected: str | None = "at"       # the child's next message: "at"/"done", "described", "called"
        self.reply_deadline = self._deadline_to_next_stop()
        self.wall_deadline = time.monotonic() + self.limits["wall"]
        self.closed = False
        self.status: dict = {}
        self.tests_reached = 0

    def _deadline_to_next_stop(self) -> float:
        cells, checks = 0, 0
        for step in self.steps[self.position:]:
            if step["action"] == "test":
                checks = len(step.get("checks") or ())
                break
            cells += 1
        seconds = (cells + 1) * (self.limits["cell_seconds"] + 1) + checks * (CHECK_SECONDS + DESCRIBE_SECONDS)
        return time.monotonic() + seconds + CHILD_REPLY_MARGIN

    def _kill(self, why: str) -> None:
        if not self.status:
            self.status = {why: True}
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def run(self) -> dict:
        """Relay until the child ends; how it ended, as plain data."""
        grader_open = True
        # The child's end wakes the loop at once (a pidfd is readable when the process exits),
        # instead of at the next poll: a submission's last message is followed by its exit.
        try:
            ended_fd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            ended_fd = None
        try:
            return self._relay(grader_open, ended_fd)
        finally:
            if ended_fd is not None:
                os.close(ended_fd)

    def _relay(self, grader_open: bool, ended_fd: int | None) -> dict:
        while True:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            now = time.monotonic()
            if now > self.wall_deadline:
                self._kill("wall_exceeded")
            elif self.reply_deadline is not None and now > self.reply_deadline:
                self._kill("cell_time_exceeded")
            watched = ([self.grader.read_fd] if grader_open else []) + ([] if self.closed else [self.child.fileno()]) \
                + ([ended_fd] if ended_fd is not None else [])
            ready, _, _ = select.select(watched, [], [], 0.02)
            if self.child.fileno() in ready and not self.closed:
                self._from_child()
            if self.grader.read_fd in ready:
                try:
                    self.grader.read_available(0)
                except ChannelClosed:  # the grader went away: so does this submission
                    grader_open = False
                    self._kill("grader_gone")
            while grader_open and (frame := self.grader.reader.next_frame()) is not None:
                self._pass_on(frame)
        ended = {"signal": os.WTERMSIG(status), "code": None} if os.WIFSIGNALED(status) \
            else {"signal": None, "code": os.WEXITSTATUS(status)}
        return {"wall_exceeded": False, "cell_time_exceeded": False, **ended, **self.status}

    def drain(self) -> None:
        """Pass on what the ended child wrote last (its ``done``); its leftovers are dead by now."""
        self.child.setblocking(False)
        while not self.closed and not self.status:
            try:
                data = self.child.recv(2**20)
            except (BlockingIOError, OSError):
                break
            if not data:
                break
            self._take(data)

    def _from_child(self) -> None:
        try:
            data = self.child.recv(2**20)
        except OSError:
            data = b""
        if not data:
            self.closed = True  # the child closed its end; it is ending
            return
        self._take(data)

    def _take(self, data: bytes) -> None:
        if self.status:
            return  # already being killed: nothing more it says counts
        self.reader.feed(data)
        try:
            while (frame := self.reader.next_frame()) is not None:
                self._check(frame.kind, frame.fields(arrays=False))  # the grader reads the arrays
                self.grader.send_packed(frame.raw)
        except (ProtocolError, ChildMisbehaved) as error:
            self.status = {"protocol": str(error)[:300]}
            self._kill("protocol")

    def _check(self, kind: str, fields: dict) -> None:
        expected, self.expected, self.reply_deadline = self.expected, None, None
        if kind == "at" and expected == "at":
            if type(fields.get("cell")) is not int or self.tests_reached >= len(self.tests) \
                    or fields["cell"] != self.tests[self.tests_reached]:
                raise ChildMisbehaved("stopped at a cell that is not the next test cell")
            _check_plain(fields, {"cell": (int,), "results": (list,), "checks": (list,)})
            _check_results(fields.get("results", []))
            self.position = next(i for i, s in enumerate(self.steps) if s["cell"] == fields["cell"]) + 1
            self.tests_reached += 1
            step = self.steps[self.position - 1]
            if "checks" in step:  # checked by the child itself: it goes on without waiting
                _check_checks(fields.get("checks"), len(step["checks"]))
                self.expected, self.reply_deadline = "at", self._deadline_to_next_stop()
            elif "checks" in fields:
                raise ChildMisbehaved("sent checks for a test cell that asked for none")
        elif kind == "done" and expected == "at":
            if self.tests_reached != len(self.tests):
                raise ChildMisbehaved("finished before its last test cell")
            _check_plain(fields, {"results": (list,)})
            _check_results(fields.get("results", []))
        elif kind == "described" and expected == "described":
            _check_plain(fields, FACT_FIELDS)
        elif kind == "called" and expected == "called":
            _check_called(fields)
        else:
            raise ChildMisbehaved(f"sent {kind!r} when {expected or 'nothing'!r} was due")

    def _pass_on(self, frame: Frame) -> None:
        """One of the grader's requests, to the child, with the deadline of its answer."""
        now = time.monotonic()
        if frame.kind == "continue":
            self.expected, self.reply_deadline = "at", self._deadline_to_next_stop()
        elif frame.kind == "describe":
            self.expected, self.reply_deadline = "described", now + DESCRIBE_SECONDS + CHILD_REPLY_MARGIN
        elif frame.kind == "call":
            limit = frame.fields().get("time_limit")
            limit = float(limit) if type(limit) in (int, float) else self.limits["cell_seconds"]
            self.expected, self.reply_deadline = "called", now + limit + CHILD_REPLY_MARGIN
        else:
            return  # nothing else is meant for a child
        try:
            self.child.settimeout(max(1.0, self.reply_deadline - now))
            self.child.sendall(frame.raw)
        except OSError:
            pass  # a child that stopped reading or has ended: its deadline or its end answers


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


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _failed(error: BaseException) -> dict:
    return {"outputs": {"raised": raised_from(error)}, "warnings": [], "printed": "", "seconds": 0.0}


def _checkable(kind: str, facts: dict) -> bool:
    """Whether the engine's ``validate_candidate`` lets a check of ``kind`` call this candidate."""
    if kind == "class":
        return bool(facts.get("is_class"))
    if kind == "value":
        return not facts.get("is_none")
    return bool(facts.get("is_callable"))


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
            with _time_limit(DESCRIBE_SECONDS):  # a candidate's repr (or its class's) is the student's code
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

    def executions(self, request: dict) -> list[Encoded]:
        """Every case of a suite, each with its own time limit, as the engine's ``run_prepared``
        would run them one by one: out of ``total_time`` in all, and none after a case that timed
        out (the engine fails those without running them)."""
        executions, remaining = [], float(request["total_time"])
        for inputs in request["cases"]:
            limit = max(0.5, min(float(request["time_limit"]), remaining))
            reply, sent = self._call_or_error({**request, "inputs": inputs, "time_limit": limit})
            executions.append(sent)
            remaining -= float(reply["seconds"])
            if reply["outputs"].get("raised") == Raised("Timeout"):
                break
        return executions

    def run_checks(self, step: dict) -> None:
        """A test cell whose checks the grader sent with the plan: describe each candidate and, when
        it is something the check can call (as the engine's validation decides), run every case;
        then report it all in one ``at`` and go on, without waiting for the grader."""
        checks = []
        for spec in step["checks"]:
            facts = self.describe(spec["name"])
            runnable = facts.get("defined") and "error" not in facts and _checkable(spec["kind"], facts)
            checks.append({"facts": facts, "executions": self.executions(spec) if runnable else []})
        try:
            message = pack("at", cell=step["cell"], results=self.results, checks=checks)
        except BaseException as error:  # noqa: BLE001 - outputs the protocol cannot carry
            for check in checks:
                check["executions"] = [_failed(error)] * len(check["executions"])
            message = pack("at", cell=step["cell"], results=self.results, checks=checks)
        self.results = []
        self.channel.send_packed(message)

    def _call_or_error(self, request: dict) -> tuple[dict, Encoded]:
        """One case's reply, and the reply encoded for the ``at`` message. A reply that cannot be
        encoded (a hostile object in the outputs) becomes an error here, so only its case fails."""
        try:
            reply = self.call(request)
            return reply, encoded(reply)
        except BaseException as error:  # noqa: BLE001
            reply = _failed(error)
            return reply, encoded(reply)

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


def run_child(channel: Channel, folder: str, job: dict, uid: int | None) -> None:
    _limit(job["limits"])
    if uid is not None:
        _drop_privileges(uid)
    # After the drop: a change of uid clears the parent-death signal (prctl(2)).
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a worker killed by the grader takes its child along
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    os.chdir(folder)
    sys.path.insert(0, folder)  # as a kernel started beside the notebook imports from its folder
    os.environ["HOME"] = folder
    child = Child(channel, job["limits"])
    for step in job["steps"]:
        if step["action"] == "test" and "checks" in step:
            child.run_checks(step)
        elif step["action"] == "test":
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
    child_uid = start.get("child_uid", NOBODY)
    channel.send("ready", pid=os.getpid(), uid=os.getuid(), **warmed)
    # What the prewarm built is never freed: out of the collector's sight, a child's collections do
    # not touch (and so copy) the pages it shares with this process.
    gc.collect()
    gc.freeze()
    serve(channel, base, child_uid if type(child_uid) is int else NOBODY)


if __name__ == "__main__":
    main()
