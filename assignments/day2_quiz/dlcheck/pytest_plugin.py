"""``pytest --submission PATH``: the visible checks of every exercise and quiz item in notebooks.

PATH is a notebook or a folder of them (searched recursively). Each notebook's setup and answer
cells run once, in a fresh namespace with the notebook's folder as working directory; then every
visible ``grade("<id>", <name>, ...)`` call becomes one test, failing with the checker's message
(no traceback). An unanswered quiz item or an untouched blank fails as unanswered.

Checks come from the fixtures released next to the notebook (``dlcheck/fixtures``), so a student
with only the release can run them; where there are none (an instructor's ``solutions/``), from the
course's ``autograder`` if it is installed.

Installed with the course package, the plugin loads itself. A student with only the release runs it
from the assignment's folder: ``python -m pytest -p dlcheck.pytest_plugin --submission .``
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

import pytest

from .engine import Report
from .messages import language_or_default
from .notebook import FIXTURES_IN_RELEASE, GRADE_CALL
from .notebook import check as check_from_fixtures
from .sandbox import sandboxed

CELL_TIME_LIMIT = 60.0  # seconds for one answer cell to run (a student's endless loop stops here)

NOT_DEFINED = {
    "en": "{exercise}: `{name}` is not defined{why}.",
    "ja": "{exercise}: `{name}` が定義されていません{why}。",
}
CELL_RAISED = {"en": " (its cell raised {error})", "ja": " (そのセルで {error} が発生しました)"}
UNREADABLE = {"en": "cannot read the notebook: {error}", "ja": "ノートブックを読み込めません: {error}"}
NO_CHECKER = {
    "en": "{exercise}: no checker: neither {folder} next to the notebook nor the course's autograder.",
    "ja": "{exercise}: チェッカーがありません ({folder} も autograder パッケージも見つかりません)。",
}


def pytest_addoption(parser):
    group = parser.getgroup("dlgrade", "course exercise and quiz checks")
    group.addoption("--submission", action="append", default=[], metavar="PATH",
                    help="check the exercises and quiz items in this notebook or folder of notebooks")


def pytest_configure(config):
    paths = config.getoption("submission")
    if paths:
        # Collect only the submission, not the project's own tests (testpaths).
        config.args[:] = [str(Path(p)) for p in paths]


def pytest_collect_file(file_path: Path, parent):
    if (parent.config.getoption("submission") and file_path.suffix == ".ipynb"
            and ".ipynb_checkpoints" not in file_path.parts):
        return SubmissionNotebook.from_parent(parent, path=file_path)
    return None


class CheckFailed(Exception):
    """A failed check: reported with its message alone."""


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _is_answer(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and (meta.get("solution") or meta.get("grade_id") == "setup") \
        and not meta.get("grade")


@contextlib.contextmanager
def _in_folder(folder: Path):
    """Run as the notebook's kernel would: working directory and import path at its folder."""
    previous = os.getcwd()
    sys.path.insert(0, str(folder))
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)
        with contextlib.suppress(ValueError):
            sys.path.remove(str(folder))


def run_answers(cells: list, folder: Path) -> tuple[dict, dict]:
    """Execute the setup and answer cells in order; (namespace, name -> what its defining cell raised)."""
    namespace: dict = {"__name__": "__submission__"}
    failures: dict = {}
    with _in_folder(folder):
        for index, cell in enumerate(cells):
            if not _is_answer(cell):
                continue
            source = _source(cell)
            try:
                code = compile(source, f"<cell {index}>", "exec")
            except SyntaxError as error:
                failures[index] = f"SyntaxError: {error.msg} (line {error.lineno})"
                continue

            def run(_candidate, _inputs, outputs, code=code):
                exec(code, namespace)  # noqa: S102 - the student's own answers

            execution = sandboxed(run, None, {}, CELL_TIME_LIMIT)
            if "raised" in execution.outputs:
                failures[index] = execution.outputs["raised"].describe()
    return namespace, failures


def visible_checks(cells: list) -> list[tuple[int, str, str]]:
    """(cell index, exercise id, name) of every visible grade(...) call."""
    found = []
    for index, cell in enumerate(cells):
        source = _source(cell)
        if cell.get("cell_type") != "code" or 'suite="hidden"' in source:  # the release has none
            continue
        found += [(index, exercise_id, name) for exercise_id, name in GRADE_CALL.findall(source)]
    return found


def _check(exercise_id: str, candidate, folder: Path, language: str) -> Report | str:
    fixtures = folder / FIXTURES_IN_RELEASE
    if fixtures.is_dir():
        return check_from_fixtures(exercise_id, candidate, "visible", language, fixtures)
    try:
        import autograder  # the instructor's full checker, where installed
    except ImportError:
        return NO_CHECKER[language].format(exercise=exercise_id, folder=FIXTURES_IN_RELEASE)
    return autograder.check(exercise_id, candidate, "visible", language)


class SubmissionNotebook(pytest.File):
    def collect(self):
        language = language_or_default(None)
        try:
            notebook = json.loads(self.path.read_text(encoding="utf-8"))
            cells = notebook["cells"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            yield UnreadableNotebook.from_parent(self, name="notebook",
                                                 problem=UNREADABLE[language].format(error=error))
            return
        checks = visible_checks(cells)
        if not checks:
            return
        namespace, failures = run_answers(cells, self.path.parent)
        for index, exercise_id, name in checks:
            yield CheckItem.from_parent(self, name=exercise_id, exercise_id=exercise_id, variable=name,
                                        namespace=namespace, failures=failures, language=language)


class UnreadableNotebook(pytest.Item):
    def __init__(self, *, problem: str, **kwargs):
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self):
        raise CheckFailed(self.problem)

    def repr_failure(self, excinfo, style=None):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: notebook"


class CheckItem(pytest.Item):
    def __init__(self, *, exercise_id, variable, namespace, failures, language, **kwargs):
        super().__init__(**kwargs)
        self.exercise_id, self.variable = exercise_id, variable
        self.namespace, self.failures, self.language = namespace, failures, language

    def runtest(self):
        if self.variable not in self.namespace:
            why = "; ".join(self.failures.values())
            raise CheckFailed(NOT_DEFINED[self.language].format(
                exercise=self.exercise_id, name=self.variable,
                why=CELL_RAISED[self.language].format(error=why) if why else ""))
        report = _check(self.exercise_id, self.namespace[self.variable], self.path.parent, self.language)
        if isinstance(report, str):
            raise CheckFailed(report)
        if not report.passed:
            raise CheckFailed(report.message)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.exercise_id}"
