"""Grade one submission on one worker: the trusted side of the conversation.

The grader sends the submission's files and plan (:mod:`plan`), each test cell carrying its checks:
the candidate's name and every case's inputs. The worker runs the cells and, at each test cell,
describes the candidate and runs the cases itself, then reports that cell in one message and goes
on (no round trip per case). The grader judges every reply itself with the checker's engine
(``run_prepared``), so nothing the student's code does in the worker can touch the comparison, the
expected outputs or the score.

Faults of the submission (an exception, ``sys.exit``, ``os._exit``, a loop, exhausted memory) cost
the cells that did not complete, with the reason; the worker's own faults (killed from outside)
are :class:`WorkerLost`, so the scheduler can retry the submission on a fresh worker.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np

from ..runtime.engine import CandidateFacts, Execution, PreparedCase, PreparedSuite, Report, run_prepared
from ..runtime.messages import language_or_default
from ..runtime.notebook import status_of
from ..runtime.sandbox import Raised
from .plan import Step, TestCell
from .protocol import ChannelClosed, ChannelTimeout, Encoded, ProtocolError, encoded
from .sandbox import Limits, WorkerProcess

SUITE_SECONDS = 60.0       # for all the cases of one suite, as the engine's run_prepared allows
REPLY_MARGIN = 10.0        # seconds the grader waits beyond the worker's own limit before killing it
SIGNALS = {9: "SIGKILL", 11: "SIGSEGV", 24: "SIGXCPU", 25: "SIGXFSZ", 6: "SIGABRT"}

NOT_DEFINED = {
    "en": "{exercise}: `{name}` is not defined when this cell runs: define it in the cell above, keeping its name.",
    "ja": "{exercise}: このセルの時点で `{name}` が定義されていません。名前を変えずに上のセルで定義してください。",
}
NOT_A_NAME = {
    "en": "{exercise}: this test cell does not name its candidate plainly; it cannot be graded.",
    "ja": "{exercise}: このテストセルは採点対象を名前で指定していないため採点できません。",
}


@dataclass
class Job:
    """One submission, ready to send: plain data (it travels to Dask workers as it is)."""

    student: str
    assignment: str
    notebook: str                          # the notebook's name, without .ipynb
    digest: str                            # of the submitted files: a changed submission is regraded
    merged: dict | None                    # the notebook to grade (an nbformat node), None if unreadable
    test_cells: list[TestCell] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    skipped_demos: list[int] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unreadable: str | None = None          # why the notebook cannot be graded at all
    timestamp: str | None = None


@dataclass
class CellOutcome:
    """One test cell's result, with the report the student sees."""

    grade_id: str
    index: int
    max_score: float
    score: float
    status: str                            # passed, partial, failed, blank, timed out, crashed
    exercise: str | None = None
    suite: str | None = None
    cases_passed: int = 0
    cases: int = 0
    mistake: str | None = None
    message: str = ""
    seconds: float = 0.0
    outputs: list[dict] = field(default_factory=list)   # the autograded cell's outputs (nbformat)


@dataclass
class SubmissionOutcome:
    student: str
    assignment: str
    notebook: str
    status: str                            # "graded" or "failed" (the notebook as a whole)
    reason: str | None
    cells: list[CellOutcome]
    cell_errors: dict[int, Raised] = field(default_factory=dict)   # non-test cells that raised
    seconds: float = 0.0
    worker: dict = field(default_factory=dict)                     # how the worker's child ended


class WorkerLost(Exception):
    """The worker itself died or broke the protocol, not (as far as we can tell) the child alone."""


def digest_files(files: list[tuple[str, bytes]], notebook_bytes: bytes | None) -> str:
    digest = hashlib.sha256(notebook_bytes or b"")
    for name, data in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


# replies, decoded into the engine's types ---------------------------------------------------------

def _facts(reply: dict) -> CandidateFacts:
    names = CandidateFacts.__dataclass_fields__
    flags = {name: bool(reply.get(name)) for name in names if name.startswith("is_")}
    text = {name: str(reply.get(name, ""))[:300] for name in ("type_name", "summary")}
    return CandidateFacts(**flags, **text)


def _seconds(reply) -> float:
    """The worker's time for one case: it only spends the suite's budget in the engine (the wall
    time of a whole test cell is bounded here by the deadline to receive it)."""
    seconds = reply.get("seconds") if isinstance(reply, dict) else None
    return min(max(0.0, float(seconds)), SUITE_SECONDS) if type(seconds) in (int, float) else 0.0


def _execution(reply: dict, seconds: float) -> Execution:
    outputs = reply.get("outputs")
    if not isinstance(outputs, dict):
        outputs = {"raised": Raised("ProtocolError", "the worker sent no outputs")}
    warnings = tuple(str(w)[:500] for w in reply.get("warnings", [])[:20]) \
        if isinstance(reply.get("warnings"), list) else ()
    # The time is measured here, not taken from the worker.
    return Execution(outputs, warnings, str(reply.get("printed", ""))[:2000], seconds)


# the outputs of a test cell, as nbgrader reads them ------------------------------------------------

def report_outputs(report: Report, points: float, language: str) -> list[dict]:
    """The report as display data, then ``score × points`` as the cell's value (nbgrader's partial credit)."""
    from ..runtime.notebook import ReportView
    view = ReportView(report, points, language)
    return [
        {"output_type": "display_data", "metadata": {},
         "data": {"text/plain": repr(view), "text/html": view._repr_html_()}},
        {"output_type": "execute_result", "metadata": {}, "execution_count": None,
         "data": {"text/plain": repr(float(report.score * points))}},
    ]


def error_outputs(name: str, text: str) -> list[dict]:
    """An error output: nbgrader scores the cell 0. Only the words, never a traceback with paths."""
    return [{"output_type": "error", "ename": name, "evalue": text, "traceback": [f"{name}: {text}"]}]


def _status(report: Report) -> str:
    if any(result.execution.outputs.get("raised") == Raised("Timeout") for result in report.cases):
        return "timed out"
    status = status_of(report)
    return "blank" if status == "unfinished" else status


# Each suite's case inputs are encoded once per process, not once per submission that sends them.
_ENCODED_INPUTS: dict[int, tuple[PreparedSuite, Encoded]] = {}


def _encoded_inputs(prepared: PreparedSuite) -> Encoded:
    cached = _ENCODED_INPUTS.get(id(prepared))
    if cached is None or cached[0] is not prepared:
        cached = _ENCODED_INPUTS[id(prepared)] = (prepared, encoded([case.inputs for case in prepared.cases]))
    return cached[1]


class Conversation:
    """The grader's side of one submission on one worker."""

    def __init__(self, job: Job, suites: dict[tuple[str, str], PreparedSuite], worker: WorkerProcess,
                 limits: Limits, language: str | None):
        self.job, self.suites, self.worker, self.limits = job, suites, worker, limits
        self.language = language_or_default(language)
        self.cell_errors: dict[int, Raised] = {}
        self.outcomes: dict[int, CellOutcome] = {}
        self.steps_done = 0

    # talking -------------------------------------------------------------------------------------

    def _receive(self, timeout: float) -> tuple[str, dict]:
        kind, message = self.worker.channel.receive(timeout=timeout)
        if kind == "finished":
            raise ChildEnded(message)
        return kind, message

    def _record(self, results) -> None:
        for result in results if isinstance(results, list) else []:
            if isinstance(result, dict) and isinstance(result.get("error"), Raised) \
                    and isinstance(result.get("cell"), int):
                self.cell_errors[result["cell"]] = result["error"]

    def _seconds_to_next_stop(self) -> float:
        """How long the worker may take to reach the next test cell and run its checks."""
        seconds = 0.0
        for step in self.job.steps[self.steps_done:]:
            if step.action == "test":
                checks = next((len(t.calls) for t in self.job.test_cells if t.index == step.cell), 0)
                return seconds + checks * (SUITE_SECONDS + 5.0)
            seconds += self.limits.cell_seconds + 1
        return seconds

    # grading a test cell -------------------------------------------------------------------------

    def check_specs(self, test: TestCell, inputs: dict[str, Encoded]) -> list[dict]:
        """What the worker runs at ``test`` by itself: for each gradable call, the candidate's name,
        the kind the check expects, the driver and the key of its cases' inputs, which this adds to
        ``inputs``."""
        specs = []
        for call in self._gradable(test):
            prepared = self.suites[(call.exercise_id, call.suite)]
            key = f"{call.exercise_id}/{call.suite}"
            inputs[key] = _encoded_inputs(prepared)
            specs.append({"name": call.name, "kind": prepared.candidate_kind, "driver": prepared.driver,
                          "options": prepared.driver_options, "inputs": key,
                          "time_limit": prepared.time_limit, "total_time": SUITE_SECONDS})
        return specs

    def _gradable(self, test: TestCell) -> list:
        return [call for call in test.calls
                if call.name is not None and (call.exercise_id, call.suite) in self.suites]

    def grade_call(self, test: TestCell, call, result: dict | None) -> CellOutcome:
        """One call's outcome from what the worker sent for it (``result``: facts and executions),
        judged here by the engine as if the cases had run in this process."""
        base = dict(grade_id=test.grade_id, index=test.index, max_score=test.points, exercise=call.exercise_id,
                    suite=call.suite)
        prepared = self.suites.get((call.exercise_id, call.suite))
        if prepared is None or call.name is None or not isinstance(result, dict):
            message = NOT_A_NAME[self.language].format(exercise=call.exercise_id)
            return CellOutcome(**base, score=0.0, status="failed", message=message,
                               outputs=error_outputs("GradingError", message))
        facts = result.get("facts") if isinstance(result.get("facts"), dict) else {}
        if not facts.get("defined"):
            message = NOT_DEFINED[self.language].format(exercise=call.exercise_id, name=call.name)
            return CellOutcome(**base, score=0.0, status="failed", message=message, cases=len(prepared.cases),
                               outputs=error_outputs("NameError", message))
        executions = [_execution(each if isinstance(each, dict) else {}, _seconds(each))
                      for each in (result.get("executions") or [])[:len(prepared.cases)]]

        def run_case(case: PreparedCase, time_limit: float) -> Execution:
            index = next(i for i, c in enumerate(prepared.cases) if c is case)
            if index < len(executions):
                return executions[index]
            return Execution({"raised": Raised("NotRun", "the worker returned no result for this case")})

        report = run_prepared(prepared, _facts(facts), run_case, self.language, SUITE_SECONDS)
        return CellOutcome(**base, score=float(report.score * test.points), status=_status(report),
                           cases_passed=sum(r.passed for r in report.cases), cases=len(prepared.cases),
                           mistake=report.mistake, message=report.message,
                           seconds=sum(e.seconds for e in executions),
                           outputs=report_outputs(report, test.points, self.language))

    def grade_test_cell(self, test: TestCell, checks: list) -> None:
        if not test.calls:  # a test cell with no grade(...) call: nothing runs, full marks, as nbgrader
            self.outcomes[test.index] = CellOutcome(test.grade_id, test.index, test.points, test.points, "passed")
            return
        results = dict(zip(map(id, self._gradable(test)), checks if isinstance(checks, list) else []))
        outcome = None
        for call in test.calls:  # nbgrader takes the cell's last value: the last call's score
            outcome = self.grade_call(test, call, results.get(id(call)))
        self.outcomes[test.index] = outcome

    # the whole submission ------------------------------------------------------------------------

    def run(self) -> SubmissionOutcome:
        start = time.monotonic()
        job = self.job
        files = [(name, np.frombuffer(data, dtype=np.uint8)) for name, data in job.files]
        tests = {test.index: test for test in job.test_cells}
        steps, inputs = [], {}
        for step in job.steps:
            message = step.as_message()
            if step.action == "test":
                message["checks"] = self.check_specs(tests[step.cell], inputs)
            steps.append(message)
        # The worker keeps the inputs of the suites this submission uses, for the next one (of the
        # same assignment, mostly): only those it does not hold yet travel, and it drops the others.
        held = self.worker.inputs_held
        self.worker.inputs_held = set()  # until the worker has the message
        self.worker.channel.send("submission", files=files, steps=steps, limits=self.limits.as_message(),
                                 inputs={key: value for key, value in inputs.items() if key not in held},
                                 keep=sorted(inputs))
        self.worker.inputs_held = set(inputs)
        reason, ended = None, None
        try:
            while True:
                timeout = self._seconds_to_next_stop() + self.limits.cell_seconds + REPLY_MARGIN
                kind, message = self._receive(timeout)
                self._record(message.get("results"))
                index = message.get("cell")
                if kind == "at" and type(index) is int and index in tests:
                    self.steps_done = next(i for i, s in enumerate(job.steps) if s.cell == index) + 1
                    self.grade_test_cell(tests[index], message.get("checks"))
                elif kind == "done":
                    break
                else:
                    raise ProtocolError(f"unexpected {kind!r} from the worker")
            kind, ended = self.worker.channel.receive(timeout=self.limits.wall + REPLY_MARGIN)
            if kind != "finished":
                raise ProtocolError(f"expected 'finished', got {kind!r}")
        except ChildEnded as end:
            ended = end.message
            reason = describe_end(ended)
        except ChannelTimeout:
            self.worker.stop()
            reason = (f"stopped after no reply for the worker's time limit (a cell or call ran past "
                      f"{self.limits.cell_seconds:g} s and ignored its alarm)")
        except ChannelClosed as error:
            self.worker.stop()
            raise WorkerLost(f"the grading worker stopped: {error}") from None
        except ProtocolError as error:
            self.worker.stop()
            reason = f"the notebook's process broke the grading protocol ({error})"
        cells = []
        for test in job.test_cells:
            outcome = self.outcomes.get(test.index)
            if outcome is None:
                why = reason or "this cell was not reached"
                status = "timed out" if reason and ("time limit" in reason or "SIGXCPU" in reason) else "crashed"
                outcome = CellOutcome(test.grade_id, test.index, test.points, 0.0, status,
                                      exercise=test.calls[0].exercise_id if test.calls else None,
                                      suite=test.calls[0].suite if test.calls else None,
                                      message=why, outputs=error_outputs("NotGraded", why))
            cells.append(outcome)
        return SubmissionOutcome(job.student, job.assignment, job.notebook, "graded" if reason is None else "failed",
                                 reason, cells, self.cell_errors, time.monotonic() - start, ended or {})


class ChildEnded(Exception):
    """The worker reported that the submission's child process has ended."""

    def __init__(self, message: dict):
        super().__init__(message)
        self.message = message


def describe_end(finished: dict) -> str:
    """Why the child ended early, in words."""
    status = finished.get("status") if isinstance(finished.get("status"), dict) else {}
    if status.get("wall_exceeded"):
        return "stopped: the notebook ran past its time limit for the whole submission"
    if status.get("cell_time_exceeded"):
        return "stopped: a cell or a check ran past its time limit and ignored its alarm"
    if status.get("protocol"):
        return f"the notebook's process broke the grading protocol ({str(status['protocol'])[:200]})"
    signal_number = status.get("signal")
    if signal_number:
        name = SIGNALS.get(signal_number, f"signal {signal_number}")
        extra = {"SIGXCPU": " (its CPU time limit)", "SIGXFSZ": " (its file-size limit)",
                 "SIGKILL": " (killed: out of memory or a limit)"}.get(name, "")
        return f"the notebook's process was ended by {name}{extra}"
    return f"the notebook's process exited (status {status.get('code')}) before grading finished"


def grade_job(job: Job, suites, worker: WorkerProcess, limits: Limits, language: str | None) -> SubmissionOutcome:
    """Grade ``job`` on ``worker`` (started); :class:`WorkerLost` when the worker itself died."""
    if job.unreadable is not None:
        cells = [CellOutcome(t.grade_id, t.index, t.points, 0.0, "crashed", message=job.unreadable)
                 for t in job.test_cells]
        return SubmissionOutcome(job.student, job.assignment, job.notebook, "failed", job.unreadable, cells)
    return Conversation(job, suites, worker, limits, language).run()
