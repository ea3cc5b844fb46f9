"""The course as nbgrader lays it out, read by the trusted grader: folders, gradebook, submissions.

Folder names come from the course's ``nbgrader_config.py`` through nbgrader's own
``CourseDirectory`` (``submitted_directory``, ``autograded_directory``, ``release_directory``, the
gradebook's ``db_url``), so a course that renames them is graded where nbgrader would look.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..release import course_root
from .plan import SourceCell, UnreadableSubmission, make_plan, merge, read_submission
from .session import Job, digest_files

MAX_EXTRA_FILE_BYTES = 20 * 2**20   # a submission's other files, together, sent to the worker
NEVER_SENT = {".ipynb_checkpoints", "__pycache__"}
# The release's own checker: each worker has it already (sandbox.worker_code_folder).
RELEASE_FILES_NOT_SENT = {"dlcheck", "conftest.py"}


class CourseProblem(Exception):
    """The course cannot be graded as asked (an unknown assignment, no gradebook entry...)."""


LOCK_FILE = ".dlgrade-grade.lock"


class CourseLock:
    """One ``dlgrade grade`` at a time per course: a POSIX lock (``fcntl.lockf``) on
    ``.dlgrade-grade.lock`` in the course folder, which names the process holding it.

    A POSIX lock belongs to the process, not to the open file: the judge processes forked from the
    grader do not hold it, and the grader's death (SIGKILL included) releases it at once.
    """

    def __init__(self, root: Path):
        import fcntl
        self.path = root / LOCK_FILE
        try:
            self.handle = open(self.path, "a+", encoding="utf-8")
        except OSError as error:
            raise CourseProblem(f"cannot open the course's lock file {self.path}: {error.strerror}") from None
        try:
            fcntl.lockf(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise CourseProblem(f"another dlgrade grade is grading this course ({holder}; lock file {self.path}): "
                                f"wait for it to finish, or stop it, then run this again") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        self.handle.flush()

    def release(self) -> None:
        if not self.handle.closed:
            self.handle.close()  # closing the file releases the lock


@dataclass
class Course:
    root: Path
    course_id: str | None
    db_url: str
    submitted: Path
    autograded: Path
    release: Path

    @classmethod
    def open(cls, start: Path | None = None) -> "Course":
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        root = course_root(start)
        config_file = root / "nbgrader_config.py"
        try:
            config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
            coursedir = CourseDirectory(config=config, root=str(root))
            folders = [coursedir.submitted_directory, coursedir.autograded_directory, coursedir.release_directory]
            db_url = coursedir.db_url
        except Exception as error:  # noqa: BLE001 - whatever the file's code raises, said in a line
            raise CourseProblem(f"{config_file}: {_config_problem(error)}") from None
        if not all(isinstance(folder, str) and folder for folder in folders) or not isinstance(db_url, str):
            raise CourseProblem(f"{config_file}: a CourseDirectory folder or db_url is not a string")
        if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
            db_url = "sqlite:///" + str(root / db_url[len("sqlite:///"):])  # relative to the course, not cwd
        return cls(root, coursedir.course_id or None, db_url, root / coursedir.submitted_directory,
                   root / coursedir.autograded_directory, root / coursedir.release_directory)

    def release_notebook(self, assignment: str, notebook: str) -> nbformat.NotebookNode:
        """The released notebook the submissions are merged with; :class:`CourseProblem` if unreadable."""
        path = self.release / assignment / f"{notebook}.ipynb"
        try:
            return nbformat.read(path, as_version=4)
        except Exception as error:  # noqa: BLE001 - not JSON, not a notebook, unreadable
            raise CourseProblem(f"{path}: the released notebook cannot be read "
                                f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})"
                                f"; release the assignment again (dlgrade release)") from None

    def lock(self) -> CourseLock:
        """This process's hold on the course for a grading run; :class:`CourseProblem` if another has it."""
        return CourseLock(self.root)

    def students(self, assignment: str) -> list[str]:
        if not self.submitted.is_dir():
            return []
        return sorted(p.name for p in self.submitted.iterdir() if (p / assignment).is_dir())

    def notebooks(self, assignment: str) -> list[str]:
        folder = self.release / assignment
        return sorted(p.stem for p in folder.glob("*.ipynb")) if folder.is_dir() else []


def _config_problem(error: BaseException) -> str:
    """A problem of nbgrader_config.py in a few words: where a syntax error is, which trait is wrong."""
    if isinstance(error, SyntaxError):
        return f"a syntax error at line {error.lineno}: {error.msg}"
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first[:300]}"


def source_cells(gradebook, assignment: str, notebook: str) -> dict[str, SourceCell]:
    """The instructor's cells of one notebook as the gradebook keeps them (with the hidden tests)."""
    from nbgrader.api import MissingEntry
    try:
        stored = gradebook.find_notebook(notebook, assignment)
    except MissingEntry:
        raise CourseProblem(f"{assignment}/{notebook}.ipynb is not in the gradebook: release it first "
                            f"(dlgrade release, or nbgrader generate_assignment {assignment})") from None
    points = {cell.name: float(cell.max_score) for cell in stored.grade_cells}
    return {cell.name: SourceCell(cell.name, cell.cell_type, cell.source, bool(cell.locked), cell.checksum,
                                  points.get(cell.name))
            for cell in stored.source_cells}


def _extra_files(folder: Path, release_folder: Path) -> list[tuple[str, bytes]]:
    """What the worker's working folder holds: the student's other files (not notebooks, no links),
    then the release's files (data; not its checker, which the worker has), which win over a
    student's copy."""
    files: dict[str, bytes] = {}
    budget = MAX_EXTRA_FILE_BYTES
    for base, student in ((folder, True), (release_folder, False)):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(base)
            if path.is_symlink() or not path.is_file() or set(relative.parts) & NEVER_SENT:
                continue
            if not student and relative.parts[0] in RELEASE_FILES_NOT_SENT:
                continue
            if path.suffix == ".ipynb" or (student and relative.name == "timestamp.txt"):
                continue
            size = path.stat().st_size
            if student and size > budget:
                continue  # a student's huge file is not needed to grade the notebook
            budget -= size if student else 0
            files[relative.as_posix()] = path.read_bytes()
    return sorted(files.items())


def build_job(course: Course, sources: dict[str, SourceCell], release_notebook: nbformat.NotebookNode,
              student: str, assignment: str, notebook: str, run_demos: str = "needed") -> Job:
    folder = course.submitted / student / assignment
    path = folder / f"{notebook}.ipynb"
    files = _extra_files(folder, course.release / assignment)
    timestamp_file = folder / "timestamp.txt"
    timestamp = timestamp_file.read_text(encoding="utf-8").strip() if timestamp_file.is_file() else None
    try:
        submitted = read_submission(path)
        unreadable = None
        raw = path.read_bytes()
    except UnreadableSubmission as error:
        submitted, unreadable = {"cells": []}, str(error)
        raw = path.read_bytes() if path.is_file() and path.stat().st_size < 2**30 else b""
    merged = merge(submitted, release_notebook, sources)
    steps, skipped = make_plan(merged, run_demos)
    digest = digest_files(files, raw + (timestamp or "").encode())
    return Job(student=student, assignment=assignment, notebook=notebook, digest=digest,
               merged=merged.notebook if unreadable is None else None,
               test_cells=merged.test_cells, steps=steps, skipped_demos=skipped, files=files,
               restored=merged.restored, unreadable=unreadable, timestamp=timestamp)


def release_language(course: Course, assignment: str) -> str | None:
    """The language the assignment was released with (``dlcheck/settings.json``); DLGRADE_LANG wins."""
    if os.environ.get("DLGRADE_LANG"):
        return os.environ["DLGRADE_LANG"]
    try:
        settings = course.release / assignment / "dlcheck" / "settings.json"
        return json.loads(settings.read_text(encoding="utf-8")).get("language")
    except (OSError, ValueError, AttributeError):
        return None
