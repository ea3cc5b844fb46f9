"""Run All reaches the end of a released notebook whose answers are blank or wrong.

Each released notebook is executed by nbclient with ``allow_errors=False`` (the first error would
stop it), as a student's Run All would: once with every answer blank, on the student side (no
``autograder`` or ``reference`` importable, the ``dlcheck`` copy next to the notebook), and once with
every answer one of the registry's known mistakes. What nbgrader records for each test cell is read
with nbgrader's own ``determine_grade``.
"""
import os
from pathlib import Path

import pytest
from nbgrader.utils import determine_grade

from autograder.demo import _bound
from autograder.registry import load
from autograder.runtime.calls import grade_calls

from notebooks import ROOT, assignment_names, blocked_modules_path, execute, is_test_cell, nbgrader_meta, \
    read_copy, released, stderr

ASSIGNMENTS = assignment_names()
CHECKER_FILES = ("autograder/", "dlcheck/", "site-packages")


def visible_test_cells(notebook):
    return [c for c in notebook.cells if is_test_cell(c) and grade_calls(c.source)]


def assert_no_error_and_nothing_on_stderr(notebook):
    for cell in notebook.cells:
        assert not [o for o in cell.get("outputs", []) if o.output_type == "error"], cell.source[:200]
        if is_test_cell(cell):
            assert stderr(cell) == "", cell.source


def report_text(cell) -> str:
    return "\n".join(o.data.get("text/plain", "") for o in cell.outputs if o.output_type == "display_data")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_run_all_with_every_answer_blank_reaches_the_end_and_scores_zero(name, tmp_path):
    notebook = read_copy(released(name))
    env = {"PYTHONPATH": str(blocked_modules_path(tmp_path, "autograder", "reference")), "DLGRADE_LANG": "en"}
    execute(notebook, ROOT / "assignments" / name, env={**os.environ, **env})  # raises on the first error
    assert_no_error_and_nothing_on_stderr(notebook)
    cells = visible_test_cells(notebook)
    assert cells
    for cell in cells:
        score, maximum = determine_grade(cell)
        assert score == 0.0 and maximum > 0, cell.source
        assert "NOT DONE YET" in report_text(cell) or "FAILED" in report_text(cell), report_text(cell)
    demos = [c for c in notebook.cells if "demo" in c.metadata.get("tags", [])]
    notes = "\n".join(o.get("data", {}).get("text/plain", "") for c in demos for o in c.outputs)
    if demos and not name.endswith("_quiz"):
        assert "not finished yet" in notes  # a demo that needs an unfinished exercise says which


def every_answer_a_mistake(notebook):
    """Each answer cell bound to its exercise's first known mistake (through autograder.demo)."""
    registry = load()
    wrong = read_copy(notebook)
    cells = wrong.cells
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or not nbgrader_meta(cell).get("solution"):
            continue
        following = next((c for c in cells[index + 1:] if is_test_cell(c) and grade_calls(c.source)), None)
        if following is None:
            continue
        call = grade_calls(following.source)[0]
        exercise_id, variable = call.exercise_id, call.name
        mistakes = registry[exercise_id].mistakes
        if mistakes:
            cell.source = _bound(variable, exercise_id, mistakes[0].id)
    return wrong


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_run_all_with_every_answer_a_known_mistake_reaches_the_end(name):
    notebook = every_answer_a_mistake(released(name))
    execute(notebook, ROOT / "assignments" / name, env={**os.environ, "DLGRADE_LANG": "en"})
    assert_no_error_and_nothing_on_stderr(notebook)
    for cell in notebook.cells:  # a demo's warnings come as one note, without the machine's file paths
        if "demo" in cell.metadata.get("tags", []):
            assert stderr(cell) == "", stderr(cell)[:300]
    for cell in visible_test_cells(notebook):
        score, maximum = determine_grade(cell)
        assert score < maximum, cell.source
        assert "Known mistake [" in report_text(cell) or score == 0.0, report_text(cell)


def test_no_output_of_a_released_notebook_holds_a_traceback_through_the_checker(tmp_path):
    """A failed check shows its message alone: no traceback line through the checker's files."""
    notebook = every_answer_a_mistake(released("day1_forward"))
    execute(notebook, ROOT / "assignments" / "day1_forward", env={**os.environ, "DLGRADE_LANG": "en"})
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if not is_test_cell(cell) and output.output_type != "error":
                continue  # a demo's own warnings, say, are the student's to read
            text = "\n".join(output.get("traceback", [])) + str(output.get("data", "")) + output.get("text", "")
            assert not any(part in text for part in CHECKER_FILES), text[:500]
            assert str(Path.home()) not in text and "/work/" not in text


def test_a_demo_names_the_unfinished_exercise_and_the_broken_one():
    from autograder.runtime import notebook
    namespace = {}
    exec("def sigmoid(x):\n    raise NotImplementedError()\n\ndef relu(x):\n    return x.shape[5]\n", namespace)
    notebook.remember("activation.sigmoid", namespace["sigmoid"])
    notebook.remember("activation.relu", namespace["relu"])
    unfinished = repr(notebook.run_demo("import numpy as np\nsigmoid(np.zeros(3))", namespace))
    assert "`sigmoid` (exercise activation.sigmoid)" in unfinished and "not finished yet" in unfinished
    broken = repr(notebook.run_demo("import numpy as np\ny = relu(np.zeros(3))", namespace))
    assert "IndexError" in broken and "`relu` (exercise activation.relu)" in broken
    notes = []
    value = notebook.run_demo("import numpy as np\nnp.exp(np.array([1000.0]))", namespace, notes.append)
    assert value[0] == float("inf") and "overflow encountered in exp" in repr(notes[0]) and "/" not in repr(notes[0])
