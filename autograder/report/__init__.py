"""The class report and the students' feedback pages, read from a graded course.

    dlgrade report ASSIGNMENT... [--out DIR] [--language en|ja]
    dlgrade feedback ASSIGNMENT... [--language en|ja]

Both read one table of the class (:mod:`.collect`): the gradebook's scores, and the statuses,
named mistakes and reports of ``dlgrade grade``'s JSON results, or of the autograded notebooks
after plain ``nbgrader autograde``. :mod:`.classreport` writes grades.csv, mistakes.csv, the figures
(:mod:`.figures`) and a self-contained report.html (:mod:`.html`); :mod:`.feedback` writes a page
per student per notebook into nbgrader's ``feedback/`` folder, where a hidden check shows only
which property failed (:mod:`.failure`).

Instructor-side only: ``autograder/runtime`` (copied into every release) does not import this.
"""
from __future__ import annotations

from pathlib import Path

from .collect import DEFAULT_OUT, Course, ReportProblem

__all__ = ["ReportProblem", "write_feedback", "write_report"]


def write_report(assignments: list[str], course: Path | None = None, out: Path | None = None,
                 language: str = "en"):
    """The class report of ``assignments`` of the course at or above ``course`` (default: the
    current folder), into ``out`` (default: ``class_report/`` in the course folder)."""
    from .classreport import write_report as write
    found = Course.open(course)
    return write(found, list(dict.fromkeys(assignments)), Path(out) if out else found.root / DEFAULT_OUT, language)


def write_feedback(assignments: list[str], course: Path | None = None, language: str = "en"):
    """A feedback page per student per notebook of ``assignments``, in the course's feedback/ folder."""
    from .feedback import write_feedback as write
    return write(Course.open(course), list(dict.fromkeys(assignments)), language)
