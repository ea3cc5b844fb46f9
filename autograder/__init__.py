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

from .runtime import Report, run_suite
from .runtime.messages import TEXT, language_or_default

__all__ = ["Report", "assert_check", "check", "exercises", "grade"]


def _registry():
    """The full registry (needs ``reference``); imported on first use so the runtime stays light."""
    from . import catalog  # noqa: F401 - importing registers every exercise
    from .registry import REGISTRY
    return REGISTRY


def exercises() -> list[str]:
    """Every registered exercise id, in catalog order."""
    return list(_registry())


def _prepared(exercise_id: str, suite: str):
    from .registry import prepare
    if exercise_id not in _registry():
        raise KeyError(TEXT["en"]["unknown"].format(exercise=exercise_id))
    return prepare(exercise_id, suite)


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
    return run_suite(_prepared(exercise_id, suite), candidate, language_or_default(language))


def assert_check(exercise_id: str, candidate, suite: str = "visible", language: str | None = None) -> Report:
    """Like :func:`check`, but raise ``AssertionError`` with the message when it fails."""
    report = check(exercise_id, candidate, suite, language)
    if not report.passed:
        raise AssertionError(report.message)
    print(report.message)
    return report


def grade(exercise_id: str, candidate, points: float = 1.0, suite: str = "visible",
          language: str | None = None) -> float:
    """For an nbgrader test cell: print the report and return ``score × points`` as a plain float.

    nbgrader takes partial credit from a Python ``float`` as the cell's last expression; a cell
    that raises scores 0, so a candidate that passes no case raises ``AssertionError`` with the
    message (the student sees a red error), and one that passes some cases returns its share.
    """
    report = check(exercise_id, candidate, suite, language)
    if report.score == 0.0:
        raise AssertionError(report.message)
    print(report.message)
    return float(report.score * points)
