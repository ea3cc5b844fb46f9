"""The student-side runtime of the autograder: everything a check needs except the reference.

This subpackage imports nothing from the rest of ``autograder`` (and never ``reference``), so the
release can ship it next to the notebooks and run visible checks from saved fixtures.
"""
from . import dropout_properties, properties  # noqa: F401 - register their drivers
from .engine import CaseResult, PreparedCase, PreparedSuite, Report, run_suite
from .sandbox import Raised

__all__ = ["CaseResult", "PreparedCase", "PreparedSuite", "Report", "Raised", "run_suite"]
