"""Who runs the jobs: this machine's cores, or a Dask distributed cluster.

Locally, one judge process per worker drives one sandboxed worker process. With ``--scheduler ADDRESS``
each job is a Dask task: the Dask worker that runs it starts (once, then keeps) a sandboxed worker
of its own, talks to it exactly as the local threads do, and returns the outcome as plain data.
Either way the results come back to the one grader process, which alone writes them.
"""
from __future__ import annotations

import itertools
import os
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .course import CourseProblem
from .protocol import ProtocolError
from .sandbox import Limits, WorkerProcess, worker_code_folder
from .session import CellOutcome, Job, SubmissionOutcome, WorkerLost, error_outputs, grade_job

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
                outcome = grade_job(job, suites, self.ready(), self.spec.limits, language)
                if attempt < RETRIES_AFTER_WORKER_LOSS and killed_from_outside(outcome):
                    continue
                return outcome
            except (WorkerLost, OSError, RuntimeError) as error:
                if self.worker is not None:
                    self.worker.stop()
                if attempt == RETRIES_AFTER_WORKER_LOSS:
                    return lost(job, f"the grading worker was lost twice ({error})")
            except Exception as error:  # noqa: BLE001 - a fault of ours costs this submission, not the run
                if self.worker is not None:
                    self.worker.stop()
                return lost(job, f"grading failed: {type(error).__name__}: {error}")
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


def killed_from_outside(outcome: SubmissionOutcome) -> bool:
    """Whether the submission's child was SIGKILLed by nothing of the worker's (no limit of its own
    was passed): from outside, e.g. by an operator or the kernel's OOM killer. Worth one retry; a
    notebook that kills itself so is graded twice, with the same result."""
    status = outcome.worker.get("status") if isinstance(outcome.worker.get("status"), dict) else {}
    flagged = any(status.get(flag) for flag in ("wall_exceeded", "cell_time_exceeded", "protocol", "grader_gone"))
    return status.get("signal") == 9 and not flagged


def lost(job: Job, reason: str) -> SubmissionOutcome:
    """A submission no worker could grade: every test cell 0, with an error output, since nbgrader
    gives a test cell without one its full points."""
    cells = [CellOutcome(t.grade_id, t.index, t.points, 0.0, "crashed",
                         exercise=t.calls[0].exercise_id if t.calls else None,
                         suite=t.calls[0].suite if t.calls else None,
                         message=reason, outputs=error_outputs("NotGraded", reason)) for t in job.test_cells]
    return SubmissionOutcome(job.student, job.assignment, job.notebook, "failed", reason, cells)


# Local judges ------------------------------------------------------------------------------------------
#
# Judging is Python that holds the GIL (comparing outputs, naming mistakes), so each local worker is
# driven from its own trusted process, forked from the grader. Each judge starts its sandboxed worker
# at once, and the worker prewarms while the grader prepares the suites; the judge then receives the
# prepared suites, pickled, from the grader (between trusted processes: nothing of a worker's is
# ever unpickled). Each judge and its sandboxed worker take turns, so a pair keeps about one core busy.

SUITES_WAIT_SECONDS = 600.0   # for the grader to prepare the suites (seconds, in practice)

_JUDGE: dict = {}


PR_SET_PDEATHSIG = 1


def _die_with(grader: int) -> None:
    """The judge is SIGKILLed when the grader dies, even by SIGKILL (its sandboxed worker, started
    with bubblewrap's --die-with-parent, goes with it): a killed run leaves nothing running."""
    import ctypes
    import signal
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() != grader:  # the grader died before the prctl
        os._exit(1)


def _start_judge(spec: WorkerSpec, code_folder: Path, suites_queue, grader: int) -> None:
    from multiprocessing.util import Finalize
    _die_with(grader)
    slot = WorkerSlot(spec, code_folder)
    _JUDGE["slot"] = slot
    Finalize(slot, slot.close, exitpriority=10)  # the judge's sandboxed worker goes with it
    try:
        slot.ready()
    except (OSError, RuntimeError, ProtocolError):
        slot.close()  # the first job starts it again, and a failure there costs that job, as later
    suites = suites_queue.get(timeout=SUITES_WAIT_SECONDS)
    if suites is None:
        raise RuntimeError("the grader could not prepare the suites")
    _JUDGE["suites"] = pickle.loads(suites)


def _judge(job: Job, language: str | None) -> SubmissionOutcome:
    return _JUDGE["slot"].grade(job, _JUDGE["suites"], language)


def run_locally(jobs: Iterable[Job], prepare_suites: Callable[[], dict], spec: WorkerSpec, workers: int,
                language_of: Callable[[str], str | None]) -> Iterator[list[tuple[Job, SubmissionOutcome]]]:
    """Grade ``jobs`` with ``workers`` local judge processes, each with its own sandboxed worker;
    yields lists of (job, outcome): each list, every job that finished since the list before (so
    that the grader commits them together). ``prepare_suites()`` is called once the judges have
    started their workers."""
    import multiprocessing
    import shutil
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    code_folder = worker_code_folder()
    context = multiprocessing.get_context("fork")
    suites_queue = context.Queue()
    jobs = iter(jobs)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_judge,
                                 initargs=(spec, code_folder, suites_queue, os.getpid())) as pool:
            futures = {}
            for job in itertools.islice(jobs, 1):  # the first submission forks every judge
                futures[pool.submit(_judge, job, language_of(job.assignment))] = job
            try:
                suites = pickle.dumps(prepare_suites(), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                suites = None  # the judges stop waiting, and the error goes on
                raise
            finally:
                for _ in range(workers):
                    suites_queue.put(suites)
            futures.update({pool.submit(_judge, job, language_of(job.assignment)): job for job in jobs})
            running = set(futures)
            while running:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                yield [(futures[future], _outcome(future, futures[future])) for future in finished]
    finally:
        suites_queue.close()
        shutil.rmtree(code_folder, ignore_errors=True)


def _outcome(future, job: Job) -> SubmissionOutcome:
    from concurrent.futures.process import BrokenProcessPool
    try:
        return future.result()
    except BrokenProcessPool as error:  # a judge that died: never a student's doing
        return lost(job, f"the grader's judge process died ({error})")


# Dask --------------------------------------------------------------------------------------------------
#
# The cluster's Dask workers must have the course's package (the same version) and, in the
# bubblewrap mode, bubblewrap; they judge the replies of their sandboxed workers as the local
# threads do, so they hold the prepared suites (hidden ones included) while the run lasts.

DASK_CONNECT_SECONDS = 30.0         # to reach the scheduler before giving up


class DaskUnavailable(CourseProblem):
    """The Dask scheduler cannot be reached, or it dropped the run: the results written so far stay,
    and a new run grades the rest. (A :class:`CourseProblem`, so ``dlgrade grade`` says it in a line.)"""


class _GradingWorkers:
    """A Dask worker plugin (:class:`GradingWorkers`): this run's sandboxed workers on one Dask
    worker, one per thread that runs tasks, each started on first use.

    They are stopped, and their code folder removed, on ``teardown``: when the grader unregisters
    the plugin at the end of the run, or when the Dask worker shuts down (an ``atexit`` hook covers
    a worker process that exits without closing its plugins).
    """

    idempotent = False

    def __init__(self, spec: WorkerSpec):
        self.spec = spec

    def setup(self, worker=None) -> None:
        import atexit
        self.lock = threading.Lock()
        self.slots: dict[int, WorkerSlot] = {}
        self.code_folder: Path | None = None
        self.unavailable = ""
        if self.spec.mode == "bubblewrap":
            from .sandbox import bubblewrap_status
            available, reason = bubblewrap_status()
            # never a silent downgrade to the weaker mode on one machine of the cluster
            self.unavailable = "" if available else f"bubblewrap cannot run on this Dask worker: {reason}"
        atexit.register(self.teardown)

    def slot(self) -> WorkerSlot:
        """The calling thread's slot."""
        with self.lock:
            if self.code_folder is None:
                self.code_folder = worker_code_folder()
            key = threading.get_ident()
            if key not in self.slots:
                self.slots[key] = WorkerSlot(self.spec, self.code_folder)
            return self.slots[key]

    def teardown(self, worker=None) -> None:
        import atexit
        import shutil
        atexit.unregister(self.teardown)
        with self.lock:
            slots, self.slots = list(self.slots.values()), {}
            folder, self.code_folder = self.code_folder, None
        for each in slots:
            each.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _grading_workers_class() -> type:
    """GradingWorkers: :class:`_GradingWorkers` as a Dask ``WorkerPlugin``, made on first use so that
    only runs with ``--scheduler`` import Dask."""
    cls = globals().get("GradingWorkers")
    if cls is None:
        from distributed import WorkerPlugin
        cls = type("GradingWorkers", (_GradingWorkers, WorkerPlugin),
                   {"__module__": __name__, "__doc__": _GradingWorkers.__doc__})
        globals()["GradingWorkers"] = cls
    return cls


def __getattr__(name: str):
    # how pickle finds GradingWorkers by name, on the Dask workers too
    if name == "GradingWorkers":
        return _grading_workers_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def grade_on_dask_worker(job: Job, suites, plugin: str, language: str | None) -> SubmissionOutcome:
    """A Dask task: grade ``job`` on the sandboxed worker this Dask worker thread keeps in the run's
    :class:`GradingWorkers` plugin (registered under the name ``plugin``)."""
    from distributed import get_worker
    workers = get_worker().plugins.get(plugin)
    if workers is None:
        raise RuntimeError(f"the grading plugin {plugin!r} is not registered on this Dask worker")
    if workers.unavailable:
        return lost(job, workers.unavailable)
    return workers.slot().grade(job, suites, language)


def run_on_dask(jobs: Iterable[Job], suites, spec: WorkerSpec, address: str,
                language_of: Callable[[str], str | None]) -> Iterator[list[tuple[Job, SubmissionOutcome]]]:
    """Grade ``jobs`` as tasks on the Dask cluster at ``address``; yields lists of (job, outcome),
    each of the jobs that finished since the list before, as :func:`run_locally` does.

    The suites are scattered to every Dask worker once; each job travels once, in its task. A task
    that fails (its Dask worker died on every try, or raised) costs its submission only; a scheduler
    that drops the run raises :class:`DaskUnavailable`, leaving the rest ungraded rather than failed.
    """
    import uuid
    from concurrent.futures import CancelledError

    from distributed import Client, as_completed

    run = f"dlgrade-{uuid.uuid4().hex[:12]}"       # this run's keys and plugin, apart from any other's
    try:
        client = Client(address, set_as_default=False, timeout=DASK_CONNECT_SECONDS)
    except (OSError, TimeoutError) as error:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {address}: {error}") from None
    futures = []
    try:
        client.register_plugin(_grading_workers_class()(spec), name=run)
        [shared] = client.scatter([suites], broadcast=True, hash=False)
        jobs = list(jobs)
        keys = [f"{run}-{job.assignment}-{job.student}-{job.notebook}" for job in jobs]
        futures = [client.submit(grade_on_dask_worker, job, shared, run, language_of(job.assignment),
                                 key=key, pure=False) for job, key in zip(jobs, keys)]
        job_of = {future.key: job for future, job in zip(futures, jobs)}
        for finished in as_completed(futures, loop=client.loop).batches():  # not the default client's
            batch = []
            for future in finished:
                job = job_of[future.key]
                try:
                    outcome = future.result()
                except CancelledError:
                    raise DaskUnavailable(f"the Dask scheduler at {address} dropped the run") from None
                except Exception as error:  # noqa: BLE001 - the task's failure: this submission only
                    outcome = lost(job, f"the Dask task failed: {type(error).__name__}: {error}")
                batch.append((job, outcome))
            yield batch
    finally:
        try:
            client.cancel(futures)
            client.unregister_worker_plugin(run)  # stops this run's sandboxed workers on every Dask worker
        except Exception:  # noqa: BLE001 - a scheduler already gone has no plugin left to remove
            pass
        client.close()
