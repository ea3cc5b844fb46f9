"""Who runs the jobs: this machine's cores, or a Dask distributed cluster.

Locally, one judge process per worker drives one sandboxed worker process. With ``--scheduler ADDRESS``
each job is a Dask task: the Dask worker that runs it starts (once, then keeps) a sandboxed worker
of its own, talks to it exactly as the local threads do, and returns the outcome as plain data.
Either way the results come back to the one grader process, which alone writes them.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .sandbox import Limits, WorkerProcess, worker_code_folder
from .session import Job, SubmissionOutcome, WorkerLost, grade_job

RETRIES_AFTER_WORKER_LOSS = 1   # a worker killed from outside costs a retry, not the submission


@dataclass(frozen=True)
class WorkerSpec:
    """How to start a worker: plain data, sent to Dask workers as it is."""

    mode: str                     # "bubblewrap" or "weak"
    modules: tuple[str, ...]      # to prewarm
    limits: Limits


class WorkerSlot:
    """A worker process owned by one thread, started on first use and after a loss."""

    def __init__(self, spec: WorkerSpec, code_folder: Path):
        self.spec, self.code_folder = spec, code_folder
        self.worker: WorkerProcess | None = None

    def ready(self) -> WorkerProcess:
        if self.worker is None or not self.worker.alive():
            if self.worker is not None:
                self.worker.stop()
            self.worker = WorkerProcess(self.spec.mode, self.code_folder, list(self.spec.modules))
            self.worker.start()
        return self.worker

    def grade(self, job: Job, suites, language) -> SubmissionOutcome:
        for attempt in range(RETRIES_AFTER_WORKER_LOSS + 1):
            try:
                return grade_job(job, suites, self.ready(), self.spec.limits, language)
            except (WorkerLost, OSError, RuntimeError) as error:
                if self.worker is not None:
                    self.worker.stop()
                if attempt == RETRIES_AFTER_WORKER_LOSS:
                    return lost(job, f"the grading worker was lost twice ({error})")
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


def lost(job: Job, reason: str) -> SubmissionOutcome:
    from .session import CellOutcome
    cells = [CellOutcome(t.grade_id, t.index, t.points, 0.0, "crashed", message=reason) for t in job.test_cells]
    return SubmissionOutcome(job.student, job.assignment, job.notebook, "failed", reason, cells)


# Local judges ------------------------------------------------------------------------------------------
#
# Judging is Python that holds the GIL (comparing outputs, naming mistakes), so each local worker is
# driven from its own trusted process, forked from the grader after the suites are prepared (the
# children inherit them; nothing is pickled but the jobs and their outcomes, between trusted
# processes). Each judge and its sandboxed worker take turns, so a pair keeps about one core busy.

_JUDGE: dict = {}


def _start_judge(spec: WorkerSpec, code_folder: Path) -> None:
    from multiprocessing.util import Finalize
    slot = WorkerSlot(spec, code_folder)
    _JUDGE["slot"] = slot
    Finalize(slot, slot.close, exitpriority=10)  # the judge's sandboxed worker goes with it


def _judge(job: Job, language: str | None) -> SubmissionOutcome:
    return _JUDGE["slot"].grade(job, _JUDGE["suites"], language)


def run_locally(jobs: Iterable[Job], suites, spec: WorkerSpec, workers: int,
                language_of: Callable[[str], str | None]) -> Iterator[tuple[Job, SubmissionOutcome]]:
    """Grade ``jobs`` with ``workers`` local judge processes, each with its own sandboxed worker;
    yields (job, outcome) as each finishes."""
    import multiprocessing
    import shutil
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    code_folder = worker_code_folder()
    _JUDGE["suites"] = suites  # inherited by the forked judges
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start_judge, initargs=(spec, code_folder)) as pool:
            futures = {pool.submit(_judge, job, language_of(job.assignment)): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool as error:  # a judge that died: never a student's doing
                    outcome = lost(job, f"the grader's judge process died ({error})")
                yield job, outcome
    finally:
        _JUDGE.pop("suites", None)
        shutil.rmtree(code_folder, ignore_errors=True)


# Dask --------------------------------------------------------------------------------------------------

_DASK_SLOTS: dict[tuple, WorkerSlot] = {}
_DASK_LOCK = threading.Lock()


def grade_on_dask_worker(job: Job, suites, spec: WorkerSpec, language: str | None) -> SubmissionOutcome:
    """A Dask task: grade ``job`` on this Dask worker's own sandboxed worker (one per thread)."""
    key = (threading.get_ident(), spec)
    with _DASK_LOCK:
        slot = _DASK_SLOTS.get(key)
        if slot is None:
            slot = _DASK_SLOTS[key] = WorkerSlot(spec, worker_code_folder())
    return slot.grade(job, suites, language)


def run_on_dask(jobs: Iterable[Job], suites, spec: WorkerSpec, address: str,
                language_of: Callable[[str], str | None]) -> Iterator[tuple[Job, SubmissionOutcome]]:
    """Grade ``jobs`` as tasks on the Dask cluster at ``address``; yields (job, outcome) as they finish."""
    from distributed import Client, as_completed

    with Client(address, set_as_default=False) as client:
        shared = client.scatter(suites, broadcast=True)
        jobs = list(jobs)
        futures = {client.submit(grade_on_dask_worker, job, shared, spec, language_of(job.assignment),
                                 pure=False, key=f"dlgrade-{job.assignment}-{job.student}-{job.digest[:12]}"): job
                   for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 - a Dask worker that died: this job only
                outcome = lost(job, f"the Dask task failed: {type(error).__name__}: {error}")
            yield job, outcome
