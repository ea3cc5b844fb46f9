"""Where workers run: a bubblewrap sandbox, or the weaker mode where bubblewrap cannot run.

bubblewrap (Debian ``bubblewrap``, the sandbox Flatpak uses) gives each worker:

- no network (a new network namespace) and its own PID, IPC and UTS namespaces;
- a read-only view of the Python environment (the interpreter's prefix and the virtualenv),
  ``/usr`` and the worker's own code; a private ``/tmp`` for the submissions' working folders;
- nothing else: the course folder, ``solutions/``, the gradebook, the course secret and other
  students' work are not in its file system at all.

The weaker mode (``--sandbox off``, or ``auto`` where bubblewrap cannot create its namespaces)
keeps the limits, a private working folder and, when run as root, a dropped uid for each child;
it has the network and the machine's file system, and the ``dlgrade grade`` command says so.

Either way the worker runs Python with ``-I -S``: no environment variables, no user site, no
``.pth`` files, so the editable install of the course's ``autograder``/``reference`` is not on its
path; the site-packages folder is added by hand.
"""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .protocol import Channel

SANDBOX_MODES = ("auto", "required", "off")
WORKER_ROOT = "/opt/dlgrade"           # where the worker's code is mounted inside bubblewrap
STUDENT_CHECKER = "dlcheck"            # beside it: the checker a release ships next to each notebook
WORKER_PACKAGE = "dlgrade_worker"      # its package name there: runtime/ and grading/{protocol,worker}.py
FONT_CACHE = "/opt/mplcache"
# The private /tmp is a tmpfs, so in memory: unbounded (half the RAM), files each under the file-size
# limit could fill the grading machine's memory. A submission's files are at most 20 MB
# (course.MAX_EXTRA_FILE_BYTES) besides the release's data.
TMP_BYTES = 512 * 2**20
NOBODY = 65534                         # the uid of a child in bubblewrap (its own PID namespace per worker)
# In the weaker mode every worker's children share the machine's process table, so each worker's get
# a uid of their own (no account has it): no child can signal another worker's child, and a
# worker's leftovers are exactly that uid's processes. Above the ranges of accounts and of the
# user namespaces of containers (nspawn picks up to 0x6FFFFFFF), below 2**31.
WEAK_UID_BASE = 2_000_000_000
WEAK_MODE_NOTICE = ("dlgrade grade: bubblewrap is not available here ({reason}); grading in the weaker mode: "
                    "CPU, memory, process and file-size limits, a private working folder and a dropped uid "
                    "(when run as root), but the network and this machine's files stay visible to submissions.")


class SandboxUnavailable(RuntimeError):
    """``--sandbox required`` and bubblewrap cannot run here."""


@dataclass(frozen=True)
class Limits:
    """What one submission's child may use.

    Attributes:
        cell_seconds: wall clock per cell (the worker's alarm; the grader kills past it plus a margin).
        memory_bytes: address space of the child (RLIMIT_AS).
        cpu_seconds: CPU time of the child for the whole submission (RLIMIT_CPU).
        file_bytes: the largest file it may write (RLIMIT_FSIZE).
        processes: processes of its uid (RLIMIT_NPROC).
        wall: wall clock for the whole submission; the worker kills the child after it.
    """

    cell_seconds: float = 30.0
    memory_bytes: int = 2048 * 2**20
    cpu_seconds: int = 600
    file_bytes: int = 64 * 2**20
    processes: int = 256
    wall: float = 900.0

    def as_message(self) -> dict:
        return dict(self.__dict__)


def worker_code_folder() -> Path:
    """A fresh folder with the worker's code: the student-side runtime and grading's protocol and
    worker modules, as the package ``dlgrade_worker`` (nothing that can reach the reference)."""
    here = Path(__file__).resolve().parent
    folder = Path(tempfile.mkdtemp(prefix="dlgrade-worker-code-"))
    package = folder / WORKER_PACKAGE
    (package / "grading").mkdir(parents=True)
    (package / "__init__.py").write_text('"""The grading worker\'s code, copied for the sandbox."""\n')
    (package / "grading" / "__init__.py").write_text("")
    for name in ("protocol.py", "worker.py"):
        shutil.copyfile(here / name, package / "grading" / name)
    shutil.copytree(here.parent / "runtime", package / "runtime",
                    ignore=shutil.ignore_patterns("__pycache__", "settings.json", "fixtures"))
    # The released checker the notebooks' setup cell imports (``from dlcheck import grade``), once per
    # worker instead of once per submission; its fixtures stay out (the grader holds the suites).
    shutil.copytree(here.parent / "runtime", folder / STUDENT_CHECKER,
                    ignore=shutil.ignore_patterns("__pycache__", "settings.json", "fixtures"))
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    folder.chmod(0o755)
    return folder


def _bootstrap(code_root: str) -> str:
    site_packages = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    return (f"import sys; sys.path[:0] = [{code_root!r}]; sys.path += {site_packages!r}; "
            f"from {WORKER_PACKAGE}.grading.worker import main; main()")


def worker_environment(tmp: str) -> dict:
    """A clean environment: nothing of the grader's (no secret, no paths), one BLAS thread."""
    env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": os.path.join(tmp, "matplotlib"), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "DLGRADE_WORKER_STDERR"):  # see the machine notes
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _font_cache() -> str | None:
    """The folder of Matplotlib's font cache, found as ``matplotlib.get_cachedir()`` finds it
    (``MPLCONFIGDIR``, else ``$XDG_CACHE_HOME/matplotlib`` or ``~/.cache/matplotlib``) without
    importing Matplotlib, which costs each judge half a second; None where there is none (the
    worker then builds its own)."""
    folder = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "matplotlib")
    return folder if os.path.isdir(folder) else None


def _python_roots() -> list[str]:
    """The interpreter's installation and the virtualenv, without duplicates or nesting."""
    roots = []
    for path in sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), sys.prefix}, key=len):
        if not any(path == root or path.startswith(root + os.sep) for root in roots):
            roots.append(path)
    return roots


def bubblewrap_command(code_folder: Path) -> list[str]:
    command = ["bwrap", "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
               "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grading"]
    if os.getuid() == 0:
        # Real root keeps only what the worker needs to hand each child a working folder and drop
        # it to an unprivileged uid (which cannot signal, trace or read the worker).
        command += ["--cap-drop", "ALL"] + [item for cap in (
            "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_KILL", "CAP_DAC_OVERRIDE", "CAP_FOWNER")
            for item in ("--cap-add", cap)]
    else:
        command += ["--unshare-user"]
    # The private /tmp first: a virtualenv under /tmp (a CI clone's .venv) is bound on top of it,
    # not hidden by it.
    command += ["--proc", "/proc", "--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    command += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib32", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), f"/{name}"]
        elif path.is_dir():
            command += ["--ro-bind", str(path), f"/{name}"]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        command += ["--ro-bind-try", path, path]
    made = set()
    for root in _python_roots():
        # bubblewrap makes a bound path's missing parents mode 0700: the dropped uid could not
        # reach the Python environment below them (/root/.pyenv/..., a venv under /work)
        for parent in reversed(Path(root).parents[:-1]):
            if str(parent) not in made:
                command += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        command += ["--ro-bind", root, root]
    command += ["--ro-bind", str(code_folder), WORKER_ROOT]
    cache = _font_cache()
    if cache:
        command += ["--ro-bind-try", cache, FONT_CACHE]
    command += ["--chdir", "/tmp"]
    return command + [sys.executable, "-I", "-S", "-c", _bootstrap(WORKER_ROOT)]


@lru_cache(maxsize=1)
def bubblewrap_status() -> tuple[bool, str]:
    """(True, "") when bubblewrap can run a sandbox here, else (False, why not)."""
    if shutil.which("bwrap") is None:
        return False, "the bwrap command is not installed (Debian: apt-get install bubblewrap)"
    probe = ["bwrap", "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc",
             "--dev", "/dev", "true"]
    if os.getuid() != 0:
        probe.insert(1, "--unshare-user")
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    if result.returncode != 0:
        return False, (result.stderr.strip().splitlines() or ["bwrap failed"])[-1]
    return True, ""


WEAK_MODE_NO_IMPORTS = (" The Python environment ({path}) is not readable by other users, so a submission can "
                        "import only what the worker imported before dropping its uid (NumPy, Matplotlib, the "
                        "notebooks' imports and common standard modules).")
# Imported by every worker before any fork, beyond the notebooks' own imports: NumPy's lazily loaded
# submodules and the standard modules an answer may use, so that no child needs to read the
# environment for them (in the weaker mode it may not be able to).
COMMON_MODULES = ("numpy.random", "numpy.linalg", "numpy.fft", "numpy.polynomial", "numpy.testing", "math",
                  "cmath", "random", "itertools", "functools", "collections", "copy", "fractions", "decimal",
                  "statistics", "numbers", "operator", "heapq", "bisect", "string", "textwrap", "re", "json",
                  "time", "typing", "dataclasses", "abc", "enum", "warnings", "contextlib", "inspect")


def unreadable_python_path() -> str | None:
    """The first folder of the Python environment that other users cannot traverse or read, if any
    (a pyenv under /root, mode 0700): in the weaker mode a dropped uid could import nothing new."""
    for root in _python_roots():
        path = Path(root)
        for folder in (*reversed(path.parents[:-1]), path):
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH or (folder == path and not mode & stat.S_IROTH):
                return str(folder)
    return None


def choose_mode(requested: str) -> tuple[str, str]:
    """("bubblewrap" | "weak", a notice to print or ""), refusing ``required`` without bubblewrap."""
    if requested not in SANDBOX_MODES:
        raise ValueError(f"--sandbox must be one of {SANDBOX_MODES}")
    if requested != "off":
        available, reason = bubblewrap_status()
        if available:
            return "bubblewrap", ""
        if requested == "required":
            raise SandboxUnavailable(f"--sandbox required, but bubblewrap cannot run here: {reason}")
    notice = WEAK_MODE_NOTICE.format(reason="--sandbox off" if requested == "off" else reason)
    unreadable = unreadable_python_path() if os.getuid() == 0 else None
    return "weak", notice + (WEAK_MODE_NO_IMPORTS.format(path=unreadable) if unreadable else "")


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as handle:
                    uids = next(line for line in handle if line.startswith("Uid:")).split()[1:]
            except (OSError, StopIteration):
                continue
            if str(uid) in uids:
                found.append(int(entry))
    return found


def kill_processes_of(uid: int, rounds: int = 50) -> None:
    """SIGKILL every process running as ``uid`` (a weak-mode worker's children and what they left)."""
    for _ in range(rounds):  # a process forking while we look is caught in a later round
        found = _processes_of(uid)
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


class WorkerProcess:
    """One sandboxed worker: started, prewarmed, then handed one submission at a time."""

    def __init__(self, mode: str, code_folder: Path, modules: list[str], start_timeout: float = 120.0):
        self.mode = mode
        self.code_folder = code_folder
        self.modules = modules
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.channel: Channel | None = None
        self._private: str | None = None
        self.info: dict = {}
        self.child_uid: int | None = None
        # The suites whose case inputs this worker holds (see worker.serve): each is sent once.
        self.inputs_held: set[str] = set()

    def start(self) -> None:
        if self.mode == "bubblewrap":
            command, tmp, cwd = bubblewrap_command(self.code_folder), "/tmp", None
        else:
            self._private = tempfile.mkdtemp(prefix="dlgrade-worker-")
            os.chmod(self._private, 0o711)  # a dropped-uid child must reach its own folder inside
            command = [sys.executable, "-I", "-S", "-c", _bootstrap(str(self.code_folder))]
            tmp = cwd = self._private
        env = worker_environment(tmp)
        if self.mode == "bubblewrap":
            env["DLGRADE_MPL_CACHE"] = FONT_CACHE
        else:
            cache = _font_cache()
            if cache:
                env["DLGRADE_MPL_CACHE"] = cache
        stderr = None if env.get("DLGRADE_WORKER_STDERR") else subprocess.DEVNULL
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                        cwd=cwd, env=env, start_new_session=True)
        self.channel = Channel(self.process.stdout.fileno(), self.process.stdin.fileno())
        self.child_uid = NOBODY if self.mode == "bubblewrap" else WEAK_UID_BASE + self.process.pid
        self.channel.send("start", modules=self.modules, base=tmp, child_uid=self.child_uid)
        kind, self.info = self.channel.receive(timeout=self.start_timeout)
        if kind != "ready":
            raise RuntimeError(f"the grading worker did not start: {kind} {self.info}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Kill the worker and everything in its session (its sandbox, its children)."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            if self.mode != "bubblewrap" and os.getuid() == 0 and self.child_uid is not None:
                # bubblewrap's PID namespace ends with the worker; here a child's process that left
                # the worker's session would not: every process of the worker's child uid goes.
                kill_processes_of(self.child_uid)
            for stream in (self.process.stdin, self.process.stdout):
                if stream:
                    stream.close()
            self.process = None
        if self._private:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    def restart(self) -> None:
        self.stop()
        self.start()
