"""Check NumPy deep-learning exercises against the reference and name the student's mistake.

    import autograder
    autograder.exercises()                                   # every exercise id
    report = autograder.check("activation.sigmoid_grad", sigmoid_grad)
    report.passed, report.score, report.mistake, report.message

``check`` never raises because a submission is wrong; it raises ``KeyError`` for an unknown id.
In a notebook, :func:`grade` shows the report and returns nbgrader partial credit (0.0 included,
never raising), and :func:`assert_check` raises ``AssertionError`` carrying the message.
"""
from __future__ import annotations

from .runtime import Report, run_suite
from .runtime.messages import language_or_default
from .runtime.notebook import partial_credit, raise_unless_passed, remember, set_language, setup_notebook

__all__ = ["Report", "assert_check", "check", "exercises", "grade", "set_language", "setup_notebook"]


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
    return run_suite(prepare(exercise_id, suite), candidate, language_or_default(language))


def assert_check(exercise_id: str, candidate, suite: str = "visible", language: str | None = None) -> Report:
    """Like :func:`check`, but raise ``AssertionError`` with the message when it fails."""
    return raise_unless_passed(check(exercise_id, candidate, suite, language))


def grade(exercise_id: str, candidate, points: float = 1.0, suite: str = "visible",
          language: str | None = None) -> float:
    """For an nbgrader test cell: show the report and return ``score × points`` as a plain float.

    nbgrader takes partial credit from a Python ``float`` as the cell's last expression, 0.0
    included; the report is display data (coloured HTML in a notebook, plain text elsewhere).
    """
    remember(exercise_id, candidate)
    return partial_credit(check(exercise_id, candidate, suite, language), points, language)
