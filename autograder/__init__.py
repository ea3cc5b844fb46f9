"""Check NumPy deep-learning exercises against the reference and name the student's mistake.

    import autograder
    autograder.exercises()                                   # every exercise id
    report = autograder.check("activation.sigmoid_grad", sigmoid_grad)
    report.passed, report.score, report.mistake, report.message

``check`` never raises because a submission is wrong; it raises ``KeyError`` for an unknown id.
In a notebook, :func:`assert_check` raises ``AssertionError`` carrying the message, and
:func:`grade` returns nbgrader partial credit.
"""
from __future__ import annotations

from pathlib import Path

from .runtime import Report, run_suite
from .runtime.messages import language_or_default
from .runtime.notebook import FIXTURES_IN_RELEASE
from .runtime.notebook import check as check_from_fixtures
from .runtime.notebook import partial_credit, raise_unless_passed

__all__ = ["Report", "assert_check", "check", "exercises", "grade"]


def exercises() -> list[str]:
    """Every registered exercise id, in catalog order."""
    from .registry import load
    return list(load())


def check(exercise_id: str, candidate, suite: str = "visible", language: str | None = None) -> Report:
    """Check ``candidate`` (a function, or a class for layers and optimizers) on a suite.

    Args:
        exercise_id: a catalog id such as ``"activation.sigmoid_grad"``.
        candidate: the student's function or class (not an instance).
        suite: ``"visible"`` (fixed and public random cases) or ``"hidden"`` (fresh cases seeded
            by the course secret).
        language: ``"en"`` or ``"ja"``; default ``DLGRADE_LANG`` or English.

    Returns:
        Report: ``passed``, ``score`` (fraction of cases passed), ``mistake`` (id or None), ``message``.
    """
    from .registry import prepare
    try:
        prepared = prepare(exercise_id, suite)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] != "reference":
            raise
        # A student's machine: no reference, so the fixtures saved next to the notebook.
        return check_from_fixtures(exercise_id, candidate, suite, language, Path.cwd() / FIXTURES_IN_RELEASE)
    return run_suite(prepared, candidate, language_or_default(language))


def assert_check(exercise_id: str, candidate, suite: str = "visible", language: str | None = None) -> Report:
    """Like :func:`check`, but raise ``AssertionError`` with the message when it fails."""
    return raise_unless_passed(check(exercise_id, candidate, suite, language))


def grade(exercise_id: str, candidate, points: float = 1.0, suite: str = "visible",
          language: str | None = None) -> float:
    """For an nbgrader test cell: print the report and return ``score × points`` as a plain float.

    nbgrader takes partial credit from a Python ``float`` as the cell's last expression. A candidate
    that passes no case raises ``AssertionError`` with the message instead (0 points either way).
    """
    return partial_credit(check(exercise_id, candidate, suite, language), points)
