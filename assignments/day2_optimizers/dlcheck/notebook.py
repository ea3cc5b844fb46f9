"""What a notebook's test cell calls, on either side.

On the instructor's machine ``autograder.grade`` checks against the reference; a student's copy of
this runtime (``dlcheck/`` next to the released notebook) checks against the fixtures saved beside
it. Both turn a report into a cell's result the same way, here.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import serialize
from .engine import Report, run_suite
from .messages import language_or_default

# Where a release puts the student's checker, next to each notebook: ``dlcheck/fixtures/*.json``.
STUDENT_PACKAGE = "dlcheck"
FIXTURES_IN_RELEASE = Path(STUDENT_PACKAGE) / "fixtures"
FIXTURES = Path(__file__).resolve().parent / "fixtures"  # this copy's own, when it is dlcheck/

# A test cell's call: grade("<exercise id>", <name>, ...) -> (exercise id, name)
GRADE_CALL = re.compile(r"""\bgrade\(\s*["']([a-z][a-z0-9_]*\.\w+)["']\s*,\s*([A-Za-z_]\w*)""")

MISSING_FIXTURE = {
    "en": "{exercise}: no saved checks for the {suite} suite next to this notebook ({path}). "
          "The hidden suite runs only when your instructor grades; re-download the assignment if the "
          "visible one is missing.",
    "ja": "{exercise}: {suite} のチェックデータがノートブックの隣 ({path}) にありません。非公開テストは採点時にのみ"
          "実行されます。公開テストのデータが無い場合は課題をもう一度ダウンロードしてください。",
}


def _fail(report: Report):
    """A test cell fails by raising (nothing on stderr). An exercise whose blank still raises
    NotImplementedError, or a quiz item left unanswered, fails as NotImplementedError: unfinished,
    not wrong."""
    raise (NotImplementedError if report.unfinished else AssertionError)(report.message)


def raise_unless_passed(report: Report) -> Report:
    """Raise AssertionError carrying the message unless every case passed."""
    if not report.passed:
        _fail(report)
    print(report.message)
    return report


def partial_credit(report: Report, points: float) -> float:
    """nbgrader's partial credit: a plain Python float, ``score × points``, as the cell's last value.

    A report that passed no case raises instead (the student sees a red error; the cell scores 0
    either way); one that passed some cases prints its message and returns its share.
    """
    if report.score == 0.0:
        _fail(report)
    print(report.message)
    return float(report.score * points)


def check(exercise_id: str, candidate, suite: str = "visible", language: str | None = None,
          folder: Path = FIXTURES) -> Report:
    """Check ``candidate`` against the fixtures saved in ``folder`` (the student side)."""
    language = language_or_default(language)
    path = Path(folder) / f"{exercise_id}.{suite}.json"
    if not path.exists():
        message = MISSING_FIXTURE[language].format(exercise=exercise_id, suite=suite, path=path)
        return Report(exercise_id, suite, False, 0.0, None, message, [])
    return run_suite(serialize.loads(path.read_text(encoding="utf-8")), candidate, language)


def assert_check(exercise_id: str, candidate, suite: str = "visible", language: str | None = None) -> Report:
    return raise_unless_passed(check(exercise_id, candidate, suite, language))


def grade(exercise_id: str, candidate, points: float = 1.0, suite: str = "visible",
          language: str | None = None) -> float:
    return partial_credit(check(exercise_id, candidate, suite, language), points)
