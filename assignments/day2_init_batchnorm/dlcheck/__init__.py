"""The student-side runtime of the autograder: everything a check needs except the reference.

This subpackage imports nothing from the rest of ``autograder`` (and never ``reference``), so the
release can ship a copy of it next to each notebook (as ``dlcheck/``) and run the visible checks
from the fixtures saved there: ``from dlcheck import grade``.
"""
from . import dropout_properties, properties, quiz  # noqa: F401 - register their drivers
from .engine import CaseResult, PreparedCase, PreparedSuite, Report, run_suite
from .notebook import assert_check, check, grade, set_language, setup_notebook
from .sandbox import Raised

__all__ = ["CaseResult", "PreparedCase", "PreparedSuite", "Report", "Raised", "assert_check", "check",
           "grade", "run_suite", "set_language", "setup_notebook"]
