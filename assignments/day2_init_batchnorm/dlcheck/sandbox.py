"""Run student code so that nothing it does can break the check.

Every call to a candidate goes through :func:`sandboxed`: exceptions become a :class:`Raised`
value, NumPy floating-point warnings are recorded instead of reaching stderr (nbgrader scores any
cell that writes to stderr as 0), anything printed is captured, and a runaway loop is stopped by a
time limit where the platform allows it.
"""
from __future__ import annotations

import contextlib
import io
import os
import signal
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Raised:
    """What a call raised, kept as data: two ``Raised`` are equal when the exception types are."""

    type_name: str
    message: str = field(default="", compare=False)
    where: str = field(default="", compare=False)  # "line 7 in sigmoid: return 1 / (1 + np.exp(-x))"

    def describe(self) -> str:
        text = f"{self.type_name}: {self.message}" if self.message else self.type_name
        return f"{text} ({self.where})" if self.where else text


class CandidateTimeout(BaseException):
    """Raised inside the candidate when it runs past its time limit.

    A BaseException, like KeyboardInterrupt, so that a candidate looping inside
    ``try: ... except Exception: pass`` cannot swallow it.
    """


# After the limit, the alarm fires again at this interval until the candidate has stopped: one
# swallowed alarm (a bare ``except:``) must not let it run on for ever.
REARM_INTERVAL = 0.2


@dataclass
class Execution:
    """What happened while a driver ran a candidate on one case."""

    outputs: dict
    warnings: tuple[str, ...] = ()
    printed: str = ""
    seconds: float = 0.0


# Frames in the checker itself are not the student's: this runtime (or its copy shipped as
# ``dlcheck/``) and, on the instructor's side, the rest of the ``autograder`` package.
_RUNTIME = Path(__file__).resolve().parent
_CHECKER_DIRS = tuple(f"{folder}{os.sep}" for folder in (
    (_RUNTIME, _RUNTIME.parent) if _RUNTIME.parent.name == "autograder" else (_RUNTIME,)))


def _is_checker_frame(filename: str) -> bool:
    return not filename.startswith("<") and str(Path(filename).resolve()).startswith(_CHECKER_DIRS)


def _student_frame(tb) -> str:
    """The innermost frame outside the checker: the student's line that raised."""
    frames = [f for f in traceback.extract_tb(tb) if not _is_checker_frame(f.filename)]
    if not frames:
        return ""
    last = frames[-1]
    line = (last.line or "").strip()
    return f"line {last.lineno} in {last.name}: {line}" if line else f"line {last.lineno} in {last.name}"


def raised_from(error: BaseException) -> Raised:
    if isinstance(error, CandidateTimeout):
        return Raised("Timeout", str(error))
    message = str(error).splitlines()[0] if str(error) else ""
    return Raised(type(error).__name__, message[:300], _student_frame(error.__traceback__))


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """SIGALRM-based limit; only the main thread of a Unix process can use it, elsewhere no limit."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:  # once disarmed, a late alarm is ignored instead of raising in our own code
            raise CandidateTimeout(f"still running after {seconds:g} s: an endless loop?")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, REARM_INTERVAL)
    try:
        yield
    finally:
        while True:  # an alarm landing here, before it is disarmed, must not escape into our code
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except CandidateTimeout:
                continue


def sandboxed(driver, candidate, inputs: dict, time_limit: float | None) -> Execution:
    """Run ``driver(candidate, inputs, outputs)`` and collect its outputs, warnings and prints.

    The driver fills ``outputs`` step by step, so a crash in a later step keeps the earlier results
    and adds ``outputs["raised"]``.
    """
    outputs: dict = {}
    printed = io.StringIO()
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        caught = stack.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always")
        # NumPy's defaults, whatever the student set with np.seterr: overflow must be seen.
        stack.enter_context(np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"))
        stack.enter_context(contextlib.redirect_stdout(printed))
        stack.enter_context(contextlib.redirect_stderr(printed))
        try:
            with _time_limit(time_limit):
                driver(candidate, inputs, outputs)
        except (KeyboardInterrupt, SystemExit) as error:
            # An interrupt from the notebook or a student's exit() is reported, not obeyed.
            if isinstance(error, KeyboardInterrupt) and threading.current_thread() is threading.main_thread():
                raise
            outputs["raised"] = raised_from(error)
        except BaseException as error:  # noqa: BLE001 - any failure of student code is a result
            outputs["raised"] = raised_from(error)
    runtime_warnings = tuple(
        dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught if issubclass(w.category, RuntimeWarning))
    )
    return Execution(outputs, runtime_warnings, printed.getvalue(), time.perf_counter() - start)
