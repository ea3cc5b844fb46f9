"""The one writer of results: the autograded notebook, the gradebook rows, the JSON result.

Each submission is committed in this order, so that a run killed at any point and started again
grades what is missing and nothing twice:

1. the autograded notebook (``autograded/<student>/<assignment>/<notebook>.ipynb``), written to a
   temporary file and renamed into place;
2. the gradebook rows, through nbgrader's own ``Gradebook`` API as ``nbgrader autograde`` writes
   them (scores from ``nbgrader.utils.determine_grade`` on the autograded cells, "No response."
   comments on untouched answers), so the formgrader, ``generate_feedback`` and ``export`` work
   unchanged;
3. the JSON result (``results/<student>/<assignment>.json``), renamed into place last: it marks the
   submission as done. A re-run skips a submission whose result names the same submitted files.

Submissions that finish together are committed together: their notebooks, then their rows in one
transaction (one sync of the gradebook, not three per submission), then their results. The
notebooks are synced to the disk before the rows are committed; the results are not, since a
result lost to a power cut only means that its submission is graded again.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import nbformat

from .session import Job, SubmissionOutcome

RESULTS_DIRECTORY = "results"
RESULT_FORMAT = 1


def atomic_write(path: Path, text: str, durable: bool = True) -> None:
    """``text`` into ``path`` whole or not at all: a temporary file renamed into place. An OSError
    (a full disk...) names ``path``.

    ``durable``: synced to the disk before the rename, so that a power cut leaves the file whole
    (a process killed at any point never leaves half a file either way).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(error.filename or path)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        with_suppressed_unlink(temporary)
        if isinstance(error, OSError) and not error.filename:
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise


def with_suppressed_unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def result_path(root: Path, student: str, assignment: str) -> Path:
    return root / RESULTS_DIRECTORY / student / f"{assignment}.json"


def already_graded(root: Path, job: Job) -> bool:
    path = result_path(root, job.student, job.assignment)
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return result.get("format") == RESULT_FORMAT and result.get("digest") == job.digest


def autograded_notebook(job: Job, outcome: SubmissionOutcome) -> nbformat.NotebookNode:
    """The merged notebook with each test cell's outputs as the student would see them, and each
    cell that raised with its error (the words only). Fills in ``job.merged`` itself: a job is
    committed once."""
    notebook = job.merged
    by_index = {cell.index: cell for cell in outcome.cells}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        if index in by_index:
            cell.outputs = [nbformat.from_dict(output) for output in by_index[index].outputs]
        elif index in outcome.cell_errors:
            error = outcome.cell_errors[index]
            text = error.describe()
            cell.outputs = [nbformat.v4.new_output("error", ename=error.type_name, evalue=error.message,
                                                   traceback=[text])]
    return notebook


def write_autograded(path: Path, notebook: nbformat.NotebookNode) -> None:
    """The notebook as nbformat would write it, less the schema validation (every cell was built
    here from the validated release and plain strings), the split of sources into lines (a string
    is valid nbformat too) and the indentation, which would make ``json`` use its slow pure-Python
    encoder: together they cost more than the rest of committing a submission."""
    atomic_write(path, json.dumps(notebook, ensure_ascii=False, sort_keys=True) + "\n")


class GradebookWriter:
    """nbgrader's gradebook, open for the whole run: one transaction per submission
    (:meth:`write`), or per group of submissions (:meth:`write_many`)."""

    def __init__(self, db_url: str, course_id: str | None):
        from nbgrader.api import Gradebook
        from sqlalchemy.exc import SQLAlchemyError
        try:
            self.gradebook = Gradebook(db_url, course_id) if course_id else Gradebook(db_url)
        except SQLAlchemyError as error:  # not a database, unreadable, a folder...
            from .course import CourseProblem
            cause = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise CourseProblem(f"{db_url.removeprefix('sqlite:///')}: the gradebook cannot be opened ({cause})") from None
        # Committing each submission would otherwise expire every row the session holds, and the
        # next submission would reload the assignment's cells one query at a time.
        self.gradebook.db.expire_on_commit = False

    def close(self) -> None:
        self.gradebook.close()

    def write(self, job: Job, notebook: nbformat.NotebookNode | None,
              outcome: SubmissionOutcome | None = None) -> dict[str, tuple[float | None, float]]:
        """The submission's rows, as ``nbgrader autograde`` writes them, committed; returns grade
        id -> (auto score, max score), the auto score None for a written answer a person must grade.

        ``notebook`` is the autograded notebook; None when the submission could not be read, which
        scores every cell 0, as nbgrader does for a missing notebook.
        """
        scores = self._rows(job, notebook, outcome)
        self.gradebook.db.commit()
        return scores

    def write_many(self, items: list[tuple[Job, nbformat.NotebookNode | None, SubmissionOutcome]]) -> list[dict]:
        """Each (job, notebook, outcome)'s rows as :meth:`write` writes them, in one transaction.

        Should one of them fail, the transaction is rolled back and each is written in its own, so
        that the failure is that submission's alone, as with :meth:`write`.
        """
        if len(items) == 1:
            return [self.write(*items[0])]
        db = self.gradebook.db
        try:
            with self._commits_deferred():
                scores = [self._rows(*item) for item in items]
            db.commit()
        except Exception:  # noqa: BLE001 - written again one by one, where the fault is raised
            db.rollback()
            return [self.write(*item) for item in items]
        return scores

    @contextlib.contextmanager
    def _commits_deferred(self):
        """nbgrader's methods (``update_or_create_student``, ``add_submission``...) commit after
        each change; within this block they only flush, and the caller commits once."""
        db = self.gradebook.db
        db.commit = db.flush
        try:
            yield
        finally:
            del db.commit

    def _rows(self, job: Job, notebook: nbformat.NotebookNode | None,
              outcome: SubmissionOutcome | None) -> dict[str, tuple[float | None, float]]:
        from nbgrader.api import BaseCell, Comment, Grade
        from nbgrader.utils import compute_checksum, determine_grade, is_grade, is_solution, is_task

        gb = self.gradebook
        gb.update_or_create_student(job.student)
        with warnings.catch_warnings():
            # nbgrader's add_submission builds its rows before adding them to the session, and
            # SQLAlchemy's autoflush says so (nbgrader autograde prints the same warning).
            warnings.filterwarnings("ignore", message=".*not in session.*")
            if job.timestamp:
                gb.update_or_create_submission(job.assignment, job.student, timestamp=job.timestamp)
            else:
                gb.update_or_create_submission(job.assignment, job.student)
        submitted = gb.find_submission_notebook(job.notebook, job.assignment, job.student)
        # The submission's rows with their cells' names in two queries, not several per cell
        # (gb.find_grade and find_comment look each one up from the assignment down).
        with gb.db.no_autoflush:
            grades = {name: grade for grade, name in gb.db.query(Grade, BaseCell.name)
                      .join(BaseCell, Grade.cell_id == BaseCell.id).filter(Grade.notebook_id == submitted.id)}
            comments = {name: comment for comment, name in gb.db.query(Comment, BaseCell.name)
                        .join(BaseCell, Comment.cell_id == BaseCell.id).filter(Comment.notebook_id == submitted.id)}
        max_scores = {cell.grade_id: cell.points for cell in job.test_cells}
        # What the grader judged; a test cell never records more (nbgrader would give full points to
        # a test cell whose outputs went missing).
        judged = {cell.grade_id: cell.score for cell in outcome.cells} if outcome else {}
        scores: dict[str, tuple[float | None, float]] = {}
        if notebook is None:  # as nbgrader autograde does for a missing notebook
            for name, grade in grades.items():
                grade.auto_score, grade.needs_manual_grade = 0, False
                scores[name] = (0.0, max_scores.get(name, float(grade.max_score)))
            return scores
        for cell in notebook.cells:  # as nbgrader's SaveAutoGrades does, cell by cell
            meta = cell.metadata.get("nbgrader", {})
            grade_id = meta.get("grade_id")
            if is_grade(cell) and grade_id in grades:
                grade = grades[grade_id]
                grade.auto_score, points = determine_grade(cell)
                if grade_id in judged and grade.auto_score is not None:
                    grade.auto_score = min(grade.auto_score, judged[grade_id])
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
                scores[grade_id] = (grade.auto_score, points)
            if (is_solution(cell) or is_task(cell)) and grade_id in comments:
                unchanged = meta.get("checksum") == compute_checksum(cell) and not is_task(cell)
                comments[grade_id].auto_comment = "No response." if unchanged else None
        return scores


def result_document(job: Job, outcome: SubmissionOutcome,
                    auto_scores: dict[str, tuple[float | None, float]]) -> dict:
    """The JSON result of one submission (see the module's docstring): the scores are the
    gradebook's, so the JSON and the gradebook never disagree."""
    cells = []
    for cell in outcome.cells:
        score = auto_scores.get(cell.grade_id, (cell.score, cell.max_score))[0]
        cells.append({"grade_id": cell.grade_id, "exercise": cell.exercise, "suite": cell.suite,
                      "score": score, "max_score": cell.max_score, "cases_passed": cell.cases_passed,
                      "cases": cell.cases, "mistake": cell.mistake, "message": cell.message,
                      "status": cell.status, "seconds": round(cell.seconds, 4)})
    graded_ids = {cell.grade_id for cell in outcome.cells}
    for grade_id, (score, max_score) in auto_scores.items():  # written answers: for a person to grade
        if grade_id not in graded_ids:
            cells.append({"grade_id": grade_id, "exercise": None, "suite": None, "score": score,
                          "max_score": max_score, "cases_passed": 0, "cases": 0, "mistake": None, "message": "",
                          "status": "manual" if score is None else "blank", "seconds": 0.0})
    return {
        "format": RESULT_FORMAT, "student": job.student, "assignment": job.assignment, "notebook": job.notebook,
        "digest": job.digest, "status": outcome.status, "reason": outcome.reason,
        "score": sum(float(c["score"] or 0.0) for c in cells),
        "max_score": sum(float(c["max_score"] or 0.0) for c in cells),
        "seconds": round(outcome.seconds, 4), "restored": job.restored, "skipped_demo_cells": job.skipped_demos,
        "worker": outcome.worker, "cells": cells,
    }


def write_result(root: Path, document: dict) -> Path:
    path = result_path(root, document["student"], document["assignment"])
    atomic_write(path, json.dumps(document, ensure_ascii=False, default=str) + "\n", durable=False)
    return path


# Every grade row of a gradebook with the names it belongs to: what two gradings of one class must
# agree on (the tests and benchmarks/grade_vs_nbgrader.py compare nbgrader's and ours with it).
GRADE_ROWS = """
    SELECT student.id, assignment.name, notebook.name, base_cell.name, grade.auto_score,
           grade.manual_score, grade.needs_manual_grade
    FROM grade
    JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
    JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
    JOIN student ON submitted_assignment.student_id = student.id
    JOIN assignment ON submitted_assignment.assignment_id = assignment.id
    JOIN notebook ON submitted_notebook.notebook_id = notebook.id
    JOIN base_cell ON grade.cell_id = base_cell.id
"""


def grade_rows(database: Path) -> set[tuple]:
    """(student, assignment, notebook, cell, auto score, manual score, needs manual grade) for every
    grade row of the SQLite gradebook at ``database``."""
    import sqlite3
    with sqlite3.connect(database) as db:
        return set(db.execute(GRADE_ROWS))
