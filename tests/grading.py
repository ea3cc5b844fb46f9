"""Helpers for the tests of ``dlgrade grade``: a released course, submissions, and what grading wrote.

A released course (its gradebook filled by ``nbgrader generate_assignment``) is made once per test
session in a template folder; each test grades in its own copy (:func:`course_copy`).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat

from autograder import release as releasing

from notebooks import copy_course, nbgrader_meta, read_copy, released, solution, with_answers_from

_TEMPLATES: dict[Path, set[str]] = {}


def released_course(folder: Path, names: list[str]) -> Path:
    """``folder``: a course with ``names`` released into its gradebook (cached across calls)."""
    if folder not in _TEMPLATES:
        copy_course(folder)
        _TEMPLATES[folder] = set()
    for name in names:
        if name not in _TEMPLATES[folder]:
            releasing.generate(folder, name)
            _TEMPLATES[folder].add(name)
    return folder


def course_copy(template: Path, target: Path) -> Path:
    shutil.copytree(template, target, ignore=shutil.ignore_patterns("submitted", "autograded", "results",
                                                                     "feedback", "__pycache__"))
    return target


def solved(name: str):
    """The released notebook with every answer from the solution (markers stripped)."""
    notebook = with_answers_from(released(name), solution(name))
    for cell in notebook.cells:
        if nbgrader_meta(cell).get("solution"):
            cell.source = "\n".join(line for line in cell.source.splitlines()
                                    if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)
    return notebook


def blank(name: str):
    return read_copy(released(name))


def with_answer(notebook, grade_id: str, source: str):
    """``notebook`` with the answer cell ``grade_id`` replaced by ``source`` (a copy)."""
    changed = read_copy(notebook)
    cells = [c for c in changed.cells if nbgrader_meta(c).get("grade_id") == grade_id]
    assert cells, f"no cell {grade_id}"
    cells[0].source = source
    return changed


def submit(course: Path, student: str, name: str, notebook=None, raw: bytes | None = None,
           filename: str | None = None) -> Path:
    """Put a submission in ``submitted/<student>/<name>/``: a notebook, or raw bytes as the file."""
    folder = course / "submitted" / student / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (filename or f"{name}.ipynb")
    if raw is not None:
        path.write_bytes(raw)
    else:
        nbformat.write(notebook, str(path))
    return folder


def grade(course: Path, names: list[str], **options):
    from autograder.grading import grade_assignments
    options.setdefault("progress", False)
    options.setdefault("say", lambda text: None)
    return grade_assignments(course, names, **options)


def result(course: Path, student: str, name: str) -> dict:
    return json.loads((course / "results" / student / f"{name}.json").read_text(encoding="utf-8"))


def cell_scores(course: Path, student: str, name: str) -> dict[str, float]:
    """grade id -> the score the JSON result records, for the automatically graded cells."""
    return {c["grade_id"]: c["score"] for c in result(course, student, name)["cells"] if c["exercise"]}


def gradebook_rows(course: Path) -> set[tuple]:
    """Every grade row of the course's gradebook (autograder.grading.writer.grade_rows)."""
    from autograder.grading.writer import grade_rows
    return grade_rows(course / "gradebook.db")
