"""``pytest --submission PATH``: the visible checks of every exercise and quiz item in notebooks.

PATH is a notebook or a folder of them (searched recursively). Every visible ``grade("<id>", <name>,
...)`` call of a test cell becomes one test, failing with the checker's message (no traceback). The
notebook's setup and answer cells run when its first test runs (never at collection, so
``--collect-only`` runs no student code), once, in a fresh namespace with the notebook's folder as
working directory. An unanswered quiz item or an untouched blank fails as unanswered; a name that is
not defined fails with the error of the answer cell that defines it.

Checks come from the fixtures released next to the notebook (``dlcheck/fixtures``), so a student
with only the release can run them; where there are none (an instructor's ``solutions/``), from the
course's ``autograder`` if it is installed.

Installed with the course package, the plugin loads itself. A student with only the release gets it
from the ``conftest.py`` released beside the notebook: ``pytest --submission day1_forward`` from the
folder above, or ``python -m pytest --submission .`` from inside (``-p dlcheck.pytest_plugin`` also
works there). Both copies may be loaded at once; then one collects and the other steps aside.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

import pytest

from .calls import assigned_names, grade_calls
from .engine import Report
from .messages import language_or_default
from .notebook import FIXTURES_IN_RELEASE
from .notebook import check as check_from_fixtures
from .sandbox import sandboxed

CELL_TIME_LIMIT = 60.0  # seconds for one answer cell to run (a student's endless loop stops here)
DLGRADE_SUBMISSION_PLUGIN = True  # marks every copy of this module (the course's, each release's)

NOT_DEFINED = {
    "en": "{exercise}: `{name}` is not defined{why}.",
    "ja": "{exercise}: `{name}` が定義されていません{why}。",
}
CELL_RAISED = {"en": " (its cell raised {error})", "ja": " (そのセルで {error} が発生しました)"}
NOT_ASSIGNED = {
    "en": " (the answer cells above its test ran without defining it: check the name's spelling)",
    "ja": " (テストより上の解答セルは実行されましたが定義されませんでした。名前の綴りを確認してください)",
}
NOT_A_NAME = {
    "en": "{exercise}: the test cell's grade(...) call does not name a variable; re-download the assignment.",
    "ja": "{exercise}: テストセルの grade(...) が変数名を指定していません。課題をもう一度ダウンロードしてください。",
}
UNREADABLE = {
    "en": "{file}: cannot check this notebook: {problem}. Re-download it, or open it in Jupyter and save it again.",
    "ja": "{file}: このノートブックはチェックできません: {problem}。もう一度ダウンロードするか、Jupyter で開いて保存し直してください。",
}
PROBLEMS = {  # what is wrong with a notebook file; cells are counted from 1, as a reader counts them
    "en": {
        "unreadable": "the file cannot be read ({error})",
        "not-json": "it is not valid JSON ({error})",
        "no-cells": "it has no list of cells",
        "not-a-cell": "cell {number} is not a cell (got {got})",
        "no-type": "cell {number} has no cell_type",
        "no-source": "cell {number} has no source",
        "bad-source": "the source of cell {number} is not text",
        "bad-metadata": "the metadata of cell {number} is not a dict",
    },
    "ja": {
        "unreadable": "ファイルを読み込めません ({error})",
        "not-json": "正しい JSON ではありません ({error})",
        "no-cells": "セルのリストがありません",
        "not-a-cell": "{number} 番目のセルがセルの形をしていません ({got})",
        "no-type": "{number} 番目のセルに cell_type がありません",
        "no-source": "{number} 番目のセルに source がありません",
        "bad-source": "{number} 番目のセルの source が文字列ではありません",
        "bad-metadata": "{number} 番目のセルの metadata が辞書ではありません",
    },
}
NO_CHECKER = {
    "en": "{exercise}: no checker: neither {folder} next to the notebook nor the course's autograder.",
    "ja": "{exercise}: チェッカーがありません ({folder} も autograder パッケージも見つかりません)。",
}


def pytest_addoption(parser):
    group = parser.getgroup("dlgrade", "course exercise and quiz checks")
    if any("--submission" in option.names() for option in group.options):
        return  # another copy of this plugin added them
    group.addoption("--submission", action="append", default=[], metavar="PATH",
                    help="check the exercises and quiz items in this notebook or folder of notebooks")
    group.addoption("--cell-time-limit", type=float, default=CELL_TIME_LIMIT, metavar="SECONDS",
                    help=f"stop an answer cell running longer than this (default {CELL_TIME_LIMIT:g})")


def _collects(config) -> bool:
    """Whether this copy collects: the first copy registered does, any other steps aside."""
    for _, plugin in config.pluginmanager.list_name_plugin():
        if getattr(plugin, "DLGRADE_SUBMISSION_PLUGIN", False):
            return plugin is sys.modules[__name__]
    return False


def pytest_configure(config):
    paths = config.getoption("submission")
    if paths and _collects(config):
        # Collect only the submission, not the project's own tests (testpaths).
        config.args[:] = [str(Path(p)) for p in paths]


def pytest_collect_file(file_path: Path, parent):
    if (parent.config.getoption("submission") and file_path.suffix == ".ipynb"
            and ".ipynb_checkpoints" not in file_path.parts and _collects(parent.config)):
        return SubmissionNotebook.from_parent(parent, path=file_path)
    return None


class CheckFailed(Exception):
    """A failed check: reported with its message alone."""


# reading the notebook ------------------------------------------------------------------------------

def _source(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _is_answer(cell: dict) -> bool:
    meta = _nbgrader(cell)
    return cell["cell_type"] == "code" and bool(meta.get("solution") or meta.get("grade_id") == "setup") \
        and not meta.get("grade")


def _cell_problem(cell) -> tuple[str, dict] | None:
    if not isinstance(cell, dict):
        return "not-a-cell", {"got": type(cell).__name__}
    if not isinstance(cell.get("cell_type"), str):
        return "no-type", {}
    if "source" not in cell:
        return "no-source", {}
    source = cell["source"]
    if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
        return "bad-source", {}
    if not isinstance(cell.get("metadata", {}), dict):
        return "bad-metadata", {}
    return None


def read_cells(path: Path, language: str) -> tuple[list[dict], str | None]:
    """(the notebook's cells, None), or ([], what is wrong with the file) when it is not a notebook."""
    problems = PROBLEMS[language]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [], problems["unreadable"].format(error=error)
    try:
        notebook = json.loads(text)
    except ValueError as error:
        return [], problems["not-json"].format(error=error)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return [], problems["no-cells"]
    for number, cell in enumerate(cells, start=1):
        problem = _cell_problem(cell)
        if problem:
            kind, details = problem
            return [], problems[kind].format(number=number, **details)
    return cells, None


def answer_cell_for(cells: list[dict], test_index: int, name: str) -> int | None:
    """The answer cell that should define ``name`` for the test cell at ``test_index``: the last
    answer cell above the test that assigns it; else the nearest answer cell above the test (where
    the answer belongs, e.g. a cell that is not Python yet)."""
    above = [i for i in range(test_index) if _is_answer(cells[i])]
    assigning = [i for i in above if name in assigned_names(_source(cells[i]))]
    return (assigning or above or [None])[-1]


# running the answers -------------------------------------------------------------------------------

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


def run_answers(cells: list[dict], folder: Path, time_limit: float = CELL_TIME_LIMIT) -> tuple[dict, dict]:
    """Execute the setup and answer cells in order; (namespace, cell index -> what that cell raised)."""
    namespace: dict = {"__name__": "__submission__"}
    failures: dict = {}
    with _in_folder(folder):
        for index, cell in enumerate(cells):
            if not _is_answer(cell):
                continue
            try:
                code = compile(_source(cell), f"<cell {index + 1}>", "exec")
            except (SyntaxError, ValueError) as error:  # ValueError: a NUL byte
                failures[index] = f"{type(error).__name__}: {getattr(error, 'msg', error)}" + (
                    f" (line {error.lineno})" if getattr(error, "lineno", None) else "")
                continue

            def run(_candidate, _inputs, outputs, code=code):
                exec(code, namespace)  # noqa: S102 - the student's own answers

            execution = sandboxed(run, None, {}, time_limit)
            if "raised" in execution.outputs:
                failures[index] = execution.outputs["raised"].describe()
    return namespace, failures


class NotebookRun:
    """A notebook's answers, run once, when the first of its checks needs them."""

    def __init__(self, cells: list[dict], folder: Path, time_limit: float):
        self.cells, self.folder, self.time_limit = cells, folder, time_limit
        self._result: tuple[dict, dict] | None = None

    def result(self) -> tuple[dict, dict]:
        if self._result is None:
            self._result = run_answers(self.cells, self.folder, self.time_limit)
        return self._result


def visible_checks(cells: list[dict]) -> list[tuple[int, str, str | None]]:
    """(cell index, exercise id, name) of every visible grade(...) call in a code cell."""
    return [(index, call.exercise_id, call.name) for index, cell in enumerate(cells)
            if cell["cell_type"] == "code" for call in grade_calls(_source(cell)) if call.suite == "visible"]


def _check(exercise_id: str, candidate, folder: Path, language: str) -> Report | str:
    fixtures = folder / FIXTURES_IN_RELEASE
    if fixtures.is_dir():
        return check_from_fixtures(exercise_id, candidate, "visible", language, fixtures)
    try:
        import autograder  # the instructor's full checker, where installed
    except ImportError:
        return NO_CHECKER[language].format(exercise=exercise_id, folder=FIXTURES_IN_RELEASE)
    return autograder.check(exercise_id, candidate, "visible", language)


# pytest's nodes ------------------------------------------------------------------------------------

class SubmissionNotebook(pytest.File):
    def collect(self):
        language = language_or_default(None)
        cells, problem = read_cells(self.path, language)
        if problem:
            yield UnreadableNotebook.from_parent(self, name="notebook", problem=UNREADABLE[language].format(
                file=self.path.name, problem=problem))
            return
        run = NotebookRun(cells, self.path.parent, self.config.getoption("cell_time_limit"))
        for index, exercise_id, name in visible_checks(cells):
            answer = answer_cell_for(cells, index, name) if name else None
            yield CheckItem.from_parent(self, name=exercise_id, exercise_id=exercise_id, variable=name,
                                        answer_cell=answer, run=run, language=language)


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
    def __init__(self, *, exercise_id, variable, answer_cell, run, language, **kwargs):
        super().__init__(**kwargs)
        self.exercise_id, self.variable, self.answer_cell = exercise_id, variable, answer_cell
        self.run, self.language = run, language

    def runtest(self):
        if self.variable is None:
            raise CheckFailed(NOT_A_NAME[self.language].format(exercise=self.exercise_id))
        namespace, failures = self.run.result()
        if self.variable not in namespace:
            error = failures.get(self.answer_cell)
            why = CELL_RAISED[self.language].format(error=error) if error else NOT_ASSIGNED[self.language]
            raise CheckFailed(NOT_DEFINED[self.language].format(exercise=self.exercise_id, name=self.variable,
                                                                why=why))
        report = _check(self.exercise_id, namespace[self.variable], self.path.parent, self.language)
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
