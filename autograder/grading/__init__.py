"""``dlgrade grade``: grade nbgrader's ``submitted/`` folder in sandboxed, prewarmed workers.

The grader (this process) is trusted: it holds the registry, the reference, the course secret and
the gradebook. Workers are not: they run the students' cells in a sandbox and send back only plain
data. The steps, in order:

1. :class:`~.course.Course` — the course's folders and gradebook, from its ``nbgrader_config.py``.
2. :func:`prepare_suites` — every graded exercise's visible and hidden suite, once per run.
3. :func:`~.course.build_job` — each submission merged with the instructor's cells and planned
   (:mod:`.plan`); submissions already graded with the same files are skipped unless ``force``.
4. :mod:`.scheduler` — the jobs run on local workers or a Dask cluster (:mod:`.session` talks to
   each worker and judges its replies).
5. :mod:`.writer` — the autograded notebook, the gradebook rows and the JSON result of each
   submission, committed one submission at a time.

Layout: ``protocol`` (what crosses), ``worker`` (the untrusted side), ``sandbox`` (bubblewrap or the
weaker mode), ``plan``, ``session``, ``scheduler``, ``writer``, ``course``.
"""
from __future__ import annotations

import itertools
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course, CourseProblem, build_job, release_language, source_cells
from ..runtime.calls import grade_calls
from .plan import imports_of
from .sandbox import COMMON_MODULES, STUDENT_CHECKER, Limits, SandboxUnavailable, choose_mode
from .scheduler import WorkerSpec, run_locally, run_on_dask
from .writer import (GradebookWriter, already_graded, autograded_notebook, result_document, write_autograded,
                     write_result)

__all__ = ["CourseProblem", "GradingSummary", "Limits", "SandboxUnavailable", "grade_assignments"]


@dataclass
class GradingSummary:
    graded: int = 0                                   # submissions graded in this run
    skipped: int = 0                                  # already graded with the same files
    failed: list[tuple[str, str, str]] = field(default_factory=list)   # (student, assignment, reason)
    seconds: float = 0.0
    mode: str = ""                                    # "bubblewrap" or "weak"
    notice: str = ""

    def text(self) -> str:
        lines = [f"dlgrade grade: {self.graded} submission{'s' * (self.graded != 1)} graded, {self.skipped} "
                 f"already graded, {len(self.failed)} with faults, in {self.seconds:.1f} s "
                 f"({'bubblewrap sandbox' if self.mode == 'bubblewrap' else 'weaker mode, no bubblewrap'})."]
        for student, assignment, reason in self.failed:
            lines.append(f"  {student}/{assignment}: {reason}")
        return "\n".join(lines)


def prepare_suites(exercise_ids) -> dict:
    from ..registry import prepare
    return {(exercise_id, suite): prepare(exercise_id, suite)
            for exercise_id in exercise_ids for suite in ("visible", "hidden")}


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm
    return tqdm(total=total, desc="dlgrade grade", unit="submission", disable=not enabled, file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5)


def grade_assignments(course: Path | None, assignments: list[str], *, students: list[str] | None = None,
                      workers: int | None = None, limits: Limits | None = None, force: bool = False,
                      scheduler: str | None = None, sandbox: str = "auto", progress: bool = True,
                      run_demos: str = "needed", say=print) -> GradingSummary:
    """Grade every submission of ``assignments`` (see the module's docstring); returns the summary."""
    start = time.monotonic()
    course = Course.open(course)
    mode, notice = choose_mode(sandbox)
    if notice:
        say(notice)
    limits = limits or Limits()
    lock = course.lock()  # one grading run per course at a time
    try:
        writer = GradebookWriter(course.db_url, course.course_id)
    except BaseException:
        lock.release()
        raise
    try:
        modules, exercise_ids, plans = {}, {}, []
        unknown = set(students or ())
        for assignment in assignments:
            notebooks = course.notebooks(assignment)
            if not notebooks:
                raise CourseProblem(f"no released notebook for {assignment!r} in {course.release}")
            chosen = [s for s in course.students(assignment) if students is None or s in students]
            unknown.difference_update(chosen)
            for notebook in notebooks:
                release = course.release_notebook(assignment, notebook)
                sources = source_cells(writer.gradebook, assignment, notebook)
                modules.update(dict.fromkeys(imports_of(release)))
                exercise_ids.update(dict.fromkeys(call.exercise_id for cell in sources.values()
                                                  if cell.points is not None and cell.cell_type == "code"
                                                  for call in grade_calls(cell.source)))
                plans += [(sources, release, student, assignment, notebook) for student in chosen]
        if unknown:
            raise CourseProblem(f"no submission in {course.submitted} from {', '.join(sorted(unknown))} "
                                f"for {', '.join(assignments)}")
        summary = GradingSummary(mode=mode, notice=notice)

        def jobs():
            """Each submission to grade, built while the workers grade the ones before it."""
            for sources, release, student, assignment, notebook in plans:
                job = build_job(course, sources, release, student, assignment, notebook, run_demos)
                if not force and already_graded(course.root, job):
                    summary.skipped += 1
                    continue
                yield job

        pending = jobs()
        first = next(pending, None)
        if first is None:  # nothing to grade: no suites, no workers
            summary.seconds = time.monotonic() - start
            return summary
        spec = WorkerSpec(mode, (*modules, *COMMON_MODULES, STUDENT_CHECKER), limits)
        languages = {a: release_language(course, a) for a in assignments}
        queue = itertools.chain([first], pending)
        if scheduler:
            outcomes = run_on_dask(queue, prepare_suites(exercise_ids), spec, scheduler, languages.get)
        else:
            count = workers or max(1, min(len(plans), os.cpu_count() or 1))
            outcomes = run_locally(queue, lambda: prepare_suites(exercise_ids), spec, count, languages.get)
        with _progress_bar(len(plans), progress) as bar:
            for finished in outcomes:
                commit(course, writer, finished)
                for job, outcome in finished:
                    summary.graded += 1
                    if outcome.status != "graded":
                        summary.failed.append((job.student, job.assignment, outcome.reason or "failed"))
                bar.n = summary.graded + summary.skipped
                bar.refresh()
        summary.seconds = time.monotonic() - start
        return summary
    finally:
        writer.close()
        lock.release()


def commit(course: Course, writer: GradebookWriter, finished: list) -> None:
    """The results of the (job, outcome) pairs ``finished`` together, in the order that makes a
    re-run safe (see :mod:`.writer`): every autograded notebook, then every submission's gradebook
    rows in one transaction, then every JSON result."""
    items = []
    for job, outcome in finished:
        notebook = None
        if job.merged is not None:
            notebook = autograded_notebook(job, outcome)
            folder = course.autograded / job.student / job.assignment
            write_autograded(folder / f"{job.notebook}.ipynb", notebook)
            if job.timestamp:
                (folder / "timestamp.txt").write_text(job.timestamp + "\n", encoding="utf-8")
        items.append((job, notebook, outcome))
    for (job, _, outcome), scores in zip(items, writer.write_many(items)):
        write_result(course.root, result_document(job, outcome, scores))
