"""The course as nbgrader lays it out, read by the trusted grader: folders, gradebook, submissions.

Folder names come from the course's ``nbgrader_config.py`` through nbgrader's own
``CourseDirectory`` (``submitted_directory``, ``autograded_directory``, ``release_directory``, the
gradebook's ``db_url``), so a course that renames them is graded where nbgrader would look.
"""
from __future__ import annotations

import json
import os
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
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        coursedir = CourseDirectory(config=config, root=str(root))
        db_url = coursedir.db_url
        if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
            db_url = "sqlite:///" + str(root / db_url[len("sqlite:///"):])  # relative to the course, not cwd
        return cls(root, coursedir.course_id or None, db_url, root / coursedir.submitted_directory,
                   root / coursedir.autograded_directory, root / coursedir.release_directory)

    def students(self, assignment: str) -> list[str]:
        if not self.submitted.is_dir():
            return []
        return sorted(p.name for p in self.submitted.iterdir() if (p / assignment).is_dir())

    def notebooks(self, assignment: str) -> list[str]:
        folder = self.release / assignment
        return sorted(p.stem for p in folder.glob("*.ipynb")) if folder.is_dir() else []


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
